# Verifiable archives: the report's digest and the rule set's, verify on
# an intact and a changed report, and diff of two real runs, before and
# after a fix.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "/dev/sda2 none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"
scan before --root "$R" --disk "$T/disk.img"

# The rule set's digest: every file, in order.
assert_eq "$(q '.ruleset.files | length')" "$(q '.ruleset.file_sha256 | length')" "a digest per rule file"
assert_eq "$(sha256sum "$CSM_SRC/rules/disk.rules" | cut -d' ' -f1)" \
    "$(q '.ruleset.files as $f | .ruleset.file_sha256 | to_entries[] | select($f[.key] == "builtin:disk.rules") | .value')" \
    "the digest of disk.rules is the file's"
mkdir -p "$T/site"
printf '# a comment changes nothing but the digest\n' >"$T/site/a.rules"
scan site --root "$R" --disk "$T/disk.img" --rules "$T/site"
assert_eq false "$(jq -n --slurpfile a "$T/before.json" --slurpfile b "$J" '$a[0].ruleset.sha256 == $b[0].ruleset.sha256')" \
    "another rule set, another digest"

# verify: intact, reformatted (same content), and one byte changed.
run_csm verify "$T/before.json"
assert_exit 0 "verify intact"
assert_contains "$out" "intact" "says intact"
jq . "$T/before.json" >"$T/pretty.json"
run_csm verify "$T/pretty.json"
assert_exit 0 "reformatting is not a change"
sed 's/"verdict":\t"blocked"/"verdict":\t"ready"/' "$T/before.json" >"$T/forged.json"
cmp -s "$T/before.json" "$T/forged.json" && not_ok "the forgery changed nothing"
run_csm verify "$T/forged.json"
assert_exit 1 "a changed verdict is detected"
assert_contains "$out" "MODIFIED" "says modified"
# one byte, anywhere in a value
python3 - "$T/before.json" "$T/byte.json" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
i = data.index(b'"testhost"') + 1
data[i] ^= 0x01
open(sys.argv[2], 'wb').write(data)
PY
run_csm verify "$T/byte.json"
assert_exit 1 "a one-byte change is detected"
jq 'del(.digest)' "$T/before.json" >"$T/nodigest.json"
run_csm verify "$T/nodigest.json"
assert_exit 4 "no digest: cannot verify"
printf 'not json' >"$T/garbage.json"
run_csm verify "$T/garbage.json"
assert_exit 4 "not a report"
run_csm verify "$T/before.json" "$T/byte.json"
assert_exit 1 "several reports: the worst result"

# diff: after fixing fstab the device names are fixed, and a new failure shows.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"
chmod 0644 "$R/etc/shadow"
scan after --root "$R" --disk "$T/disk.img"
run_csm diff "$T/before.json" "$T/after.json"
assert_exit 1 "something newly fails"
assert_match "fixed +fstab\.device-names +fail -> pass" "$out" "fixed"
assert_match "newly-failing +accounts\.shadow +pass -> fail +\(blocker\)" "$out" "newly failing"
assert_match "still-failing +fstab\.network-mounts +fail -> fail" "$out" "still failing"
assert_contains "$out" "$(($(q '.results | length') - 3)) of $(q '.results | length') checks unchanged" "the rest is unchanged"
run_csm diff --format json "$T/before.json" "$T/after.json"
assert_eq "fixed newly-failing still-failing" \
    "$(jq -r '[.changes[] | .change] | sort | join(" ")' <<<"$out")" "JSON changes"
assert_eq blocked "$(jq -r .old.verdict <<<"$out")" "old verdict"
chmod 0640 "$R/etc/shadow"
printf '{"waivers":[{"id":"fstab.network-mounts","reason":"the NAS moves too"}]}' >"$T/w.json"
scan waived --root "$R" --disk "$T/disk.img" --waivers "$T/w.json"
run_csm diff "$T/after.json" "$J"
assert_exit 0 "nothing newly fails"
assert_match "waived +fstab\.network-mounts +fail -> waived" "$out" "waived"
assert_match "fixed +accounts\.shadow" "$out" "fixed shadow"
run_csm diff "$T/after.json"
assert_exit 64 "diff needs two reports"
run_csm diff "$T/after.json" "$T/garbage.json"
assert_exit 4 "diff of a non-report"
done_testing
