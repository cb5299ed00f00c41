# Waivers: accepted risk keyed by check id, visible in every format, with
# expiry, host matching, unused waivers reported, and broken files refused.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
mkdisk "$T/gpt.img" 64 'label: gpt\nsize=40M\nsize=8M\n'
put_fs "$T/gpt.img" "$T/root.fs" 2048
put_fs "$T/gpt.img" "$T/swap.fs" $((2048 + 40 * 2048))
pt='.results[] | select(.id=="disk.partition-table")'

cat >"$T/w.json" <<'W'
{
  "waivers": [
    {
      "id": "disk.partition-table",
      "host": "test*",
      "reason": "the target platform boots GPT images",
      "approved_by": "J. Doe, migration board",
      "expires": "2999-12-31"
    },
    { "id": "accounts.shadow", "reason": "never fails here: unused" },
    { "id": "boot.efi", "reason": "expired long ago", "expires": "2020-01-01" },
    { "id": "fstab.device-names", "host": "0123456789abcdef*", "reason": "matched by machine-id" }
  ]
}
W
scan waived --root "$R" --disk "$T/gpt.img" --waivers "$T/w.json"
assert_status disk.partition-table waived gpt
assert_eq fail "$(q "$pt | .waived_status")" "it was a failure"
assert_eq "the target platform boots GPT images" "$(q "$pt | .waiver.reason")" "the reason"
assert_eq "J. Doe, migration board" "$(q "$pt | .waiver.approved_by")" "the approver"
assert_eq "$T/w.json:3" "$(q "$pt | .waiver.source")" "where the waiver starts"
assert_eq ready "$(q .verdict)" "a waived blocker no longer blocks"
assert_exit 0
assert_eq 1 "$(q .summary.waived)" "counted as waived"
assert_eq "disk.partition-table" "$(q '[.policy.waivers.applied[].id] | join(",")')" "applied"
assert_eq "boot.efi" "$(q '[.policy.waivers.expired[].id] | join(",")')" "expired"
assert_eq "accounts.shadow,fstab.device-names" "$(q '[.policy.waivers.unused[].id] | join(",")')" "unused"
assert_eq "$(sha256sum "$T/w.json" | cut -d' ' -f1)" "$(q .policy.waivers.sha256)" "the waiver file's digest"

# machine-id globs match too; an expired waiver does not hide a failure.
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
scan machineid --root "$R" --disk "$T/gpt.img" --waivers "$T/w.json"
assert_status fstab.device-names waived device-name
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"

# Another host: the waiver does not apply.
echo "otherhost" >"$R/etc/hostname"
scan otherhost --root "$R" --disk "$T/gpt.img" --waivers "$T/w.json"
assert_status disk.partition-table fail gpt
assert_exit 2
assert_contains "$(q '[.policy.waivers.unused[].id] | join(",")')" "disk.partition-table" "unused on another host"
echo "testhost" >"$R/etc/hostname"

# Every format shows the waiver.
COLUMNS=300 run_csm --root "$R" --disk "$T/gpt.img" --waivers "$T/w.json" -o "$T/w.html"
assert_contains "$out" "Waived (accepted risk)" "text: the waived group"
assert_contains "$out" "Waived (was fail): the target platform boots GPT images; approved by J. Doe" "text: reason and approver"
assert_contains "$out" "Expired, ignored: waiver for boot.efi" "text: the expired waiver"
assert_contains "$out" "Unused: waiver for accounts.shadow" "text: the unused waiver"
assert_contains "$(html_text "$T/w.html")" "Waived (was fail): the target platform boots GPT images. Approved by J. Doe, migration board. Expires after 2999-12-31." "html: the waiver"
assert_contains "$(html_text "$T/w.html")" "expired, ignored" "html: the expired waiver"

# Broken waiver files are refused with file:line[:col], exit 4, nothing checked.
printf '{ "waivers": [\n  { "id": "disk.partition-table", "reason": "x" },\n  { "id": "disk.partition-table" "reason": "y" }\n] }\n' >"$T/bad1.json"
run_csm --root "$R" --waivers "$T/bad1.json"
assert_exit 4
assert_contains "$err" "$T/bad1.json:3:34: error: not valid JSON here" "syntax error position"
assert_eq "" "$out" "nothing checked"
cat >"$T/bad2.json" <<'W'
{
  "waivers": [
    { "id": "disk.partition-table", "reason": "fine" },
    { "id": "disk.partiton-table", "reason": "typo" },
    {
      "id": "boot.efi",
      "expires": "31/12/2027"
    },
    { "id": "os.release", "reason": "r", "aproved_by": "x" }
  ]
}
W
run_csm --root "$R" --waivers "$T/bad2.json"
assert_exit 4
assert_contains "$err" "$T/bad2.json:4: error: \"disk.partiton-table\" is not a check id" "unknown id, with its line"
assert_contains "$err" "$T/bad2.json:5: error: a waiver needs \"reason\"" "missing reason, with its line"
assert_contains "$err" "$T/bad2.json:5: error: \"expires\" must be a date YYYY-MM-DD" "bad date"
assert_contains "$err" "$T/bad2.json:9: error: unknown key \"aproved_by\"" "unknown key"
# Days that do not exist; a key given twice (cJSON would answer with the
# first); a Latin-1 reason, not UTF-8: refused with the line (and column),
# never copied into the report.
refused() { # CONTENT EXPECTED-MESSAGE WHAT
    printf "$1" >"$T/refused.json"
    run_csm --root "$R" --waivers "$T/refused.json"
    assert_exit 4 "$3: refused"
    assert_contains "$err" "$T/refused.json:$2" "$3: file:line"
}
for day in 2027-02-30 2027-02-29 2027-04-31 2027-13-01 2027-1-011; do
    refused '{ "waivers": [\n  { "id": "boot.efi", "reason": "r", "expires": "'"$day"'" }\n] }\n' \
        "2: error: \"expires\" must be a date YYYY-MM-DD, not \"$day\"" "$day"
done
refused '{ "waivers": [\n  { "id": "boot.efi", "reason": "r" },\n  { "id": "boot.efi", "reason": "r",\n    "id": "disk.partition-table" }\n] }\n' \
    '3: error: duplicate key "id"' "a duplicate id"
refused '{ "waivers": [ { "id": "boot.efi", "reason": "r" } ], "waivers": [] }\n' '1: error: duplicate key "waivers"' \
    "a duplicate waivers array"
refused '{ "waivers": [\n  { "id": "boot.efi", "reason": "caf\xe9 au lait" }\n] }\n' '2:37: error: invalid UTF-8 (byte 0xe9)' \
    "not UTF-8"
printf '{ "waivers": [\n  { "id": "boot.efi", "reason": "r", "expires": "2028-02-29" }\n] }\n' >"$T/leap.json"
run_csm --root "$R" --waivers "$T/leap.json"
assert_match "^[0-3]$" "$rc" "2028-02-29 is a day"
printf '[]' >"$T/bad3.json"
run_csm --root "$R" --waivers "$T/bad3.json"
assert_exit 4
assert_contains "$err" "expected an object with a \"waivers\" array" "wrong shape"
run_csm --root "$R" --waivers "$T/missing.json"
assert_exit 4
assert_contains "$err" "--waivers $T/missing.json: No such file or directory" "a missing file"

# Site rule changes show in the policy section, with the shipped value.
mkdir -p "$T/site"
printf '[disk.partition-table]\nseverity = warning\n' >"$T/site/x.rules"
scan policy --root "$R" --disk "$T/gpt.img" --rules "$T/site"
assert_eq "disk.partition-table severity warning blocker $T/site/x.rules:2
image.partition-table severity warning blocker $T/site/x.rules:2 (follows disk.partition-table)" \
    "$(q '.policy.overrides[] | "\(.id) \(.key) \(.value) \(.shipped) \(.source)"')" \
    "the override, the shipped value, and the check that follows it"
assert_eq null "$(q .policy.waivers)" "no waiver file"
COLUMNS=300 run_csm --root "$R" --disk "$T/gpt.img" --rules "$T/site"
assert_contains "$out" "disk.partition-table severity = warning (shipped: blocker; set by $T/site/x.rules:2)" "text policy"
done_testing
