# The text report: marks and colour only on a terminal, ASCII otherwise,
# prose wrapped at the width but commands never, --quiet and --verbose.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"

run_csm --root "$R" --disk "$T/disk.img"
assert_contains "$out" "[BLOCKER] fstab.device-names" "ASCII marks into a pipe"
assert_eq "" "$(LC_ALL=C grep -P '[^\x00-\x7f]' <<<"$out" || true)" "nothing but ASCII into a pipe"
assert_contains "$out" "[PASS] boot.efi" "passes listed"

COLUMNS=50 run_csm --root "$R" --disk "$T/disk.img"
long=$(awk 'length > 50 && $1 != "$" && !/^ +\$ / {print}' <<<"$out" | grep -vE '^ *[^ ]{40,}' || true)
assert_eq "" "$long" "prose wraps at 50 columns"
assert_contains "$out" "      \$ sed -i 's|^/dev/sda1\\([[:space:]]\\)|UUID=$ROOT_UUID\\1|' /etc/fstab" "commands stay whole"

run_csm --root "$R" --disk "$T/disk.img" --quiet
assert_eq "BLOCKED: Fix the blockers below before the migration." "$(head -1 <<<"$out")" "quiet: the verdict first"
assert_contains "$out" "fstab.device-names" "quiet: the blocker"
assert_not_contains "$out" "fstab.network-mounts" "quiet: no warnings"
assert_not_contains "$out" "Passed" "quiet: no passes"
assert_not_contains "$out" "Migration plan" "quiet: no plan"

# --quiet on an incomplete result: the blockers that could not be checked.
mv "$R/etc/fstab" "$T/fstab.saved"
mkfifo "$R/etc/fstab"
run_csm --root "$R" --disk "$T/disk.img" --quiet
assert_exit 3 "incomplete"
assert_eq "INCOMPLETE: A blocker could not be checked; see below." "$(head -1 <<<"$out")" "quiet: the verdict first"
assert_contains "$out" "[ERROR] fstab.device-names" "quiet: a blocker that could not be checked follows"
assert_contains "$out" "Cannot read /etc/fstab: not a regular file." "quiet: and why"
assert_not_contains "$out" "fstab.network-mounts" "quiet: not a warning that could not be checked"
rm "$R/etc/fstab"
mv "$T/fstab.saved" "$R/etc/fstab"

# The disk as one line, to scale: 58 cells at 80 columns for 131072 sectors;
# the copy ends after sector 100351, in cell 45 (ceil(100352 * 58 / 131072)).
run_csm --root "$R" --disk "$T/disk.img"
map=$(grep '^  Map: ' <<<"$out")
assert_match '^  Map: \[1 /=+2 swap=*\]\.+\| 64\.0 MiB$' "$map" "the disk map: /, swap, the cut, free space, the size"
inside=${map#*[}
inside=${inside%%]*}
assert_eq 45 "${#inside}" "the cut sits where the plan's last sector falls"
assert_eq yes "$(awk '{ print length <= 80 ? "yes" : "no" }' <<<"$map")" "the map fits 80 columns"
scan map --root "$R" --disk "$T/disk.img"
assert_eq 100351 "$(q .plan.copy.last_sector)" "the plan's last sector, as the map assumes"

run_csm --root "$R" --disk "$T/disk.img" --verbose
assert_contains "$out" "root entry: yescrypt hash (/etc/shadow:1)" "verbose: the evidence of a pass"

if command -v script >/dev/null; then
    script -qec "LANG=C.UTF-8 COLUMNS=100 $CSM --root $R --disk $T/disk.img" /dev/null >"$T/tty.out" || true
    assert_contains "$(cat "$T/tty.out")" "✗" "Unicode marks on a UTF-8 terminal"
    assert_contains "$(cat "$T/tty.out")" $'\033[' "colour on a terminal"
    script -qec "TERM=dumb LANG=C.UTF-8 $CSM --root $R --disk $T/disk.img" /dev/null >"$T/dumb.out" || true
    assert_not_contains "$(cat "$T/dumb.out")" $'\033[1;31m' "no colour on a dumb terminal"
    assert_contains "$(cat "$T/dumb.out")" "[BLOCKER]" "ASCII on a dumb terminal"
    script -qec "LANG=C $CSM --root $R --disk $T/disk.img" /dev/null >"$T/c.out" || true
    assert_not_contains "$(cat "$T/c.out")" "✗" "no Unicode marks in the C locale"
fi
done_testing
