# The command line: usage errors (64), operational errors (4), the report
# files written atomically, help and version.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root

run_csm --help
assert_exit 0
for code in " 0  ready" " 1  warnings" " 2  blocked" " 3  incomplete" " 4  operational" "64  usage"; do
    assert_contains "$out" "$code" "--help documents exit code ${code% *}"
done
run_csm --version
assert_match "^csm-precheck [0-9]+\.[0-9]+\.[0-9]+$" "$out" "--version"

for args in "--nosuch" "--format xml" "--root" "-o report.pdf" "--disk $T/disk.img" "--color=sometimes" "extra"; do
    run_csm $args
    assert_exit 64 "usage error: $args"
    assert_contains "$err" "Try 'csm-precheck --help'" "hint for: $args"
done
run_csm --format xml
assert_contains "$err" "--format: unknown format 'xml' (expected text, json, html)" "the option and value are named"

run_csm --root "$T/nonexistent"
assert_exit 4
assert_contains "$err" "--root $T/nonexistent: No such file or directory" "unreadable root"

# -o: several files, format from the extension; the report on stdout too.
run_csm --root "$R" --disk "$T/disk.img" -o "$T/r.json" -o "$T/r.txt" --format json
assert_exit 0
validate_json "$T/r.json"
assert_eq ready "$(jq -r .verdict "$T/r.json")" "the JSON file"
assert_contains "$(cat "$T/r.txt")" "READY" "the text file"
assert_eq "$(jq -r .verdict <<<"$out")" "$(jq -r .verdict "$T/r.json")" "stdout and file agree"
assert_eq 644 "$(stat -c %a "$T/r.json")" "reports are readable"
assert_eq "" "$(ls "$T" | grep -E '^r\.(json|txt)\.' || true)" "no temporary files left"

# Atomic: a failed write leaves the old report in place, and says so.
echo '{"old": true}' >"$T/keep.json"
chmod 0555 "$T"
if [ "$(id -u)" -ne 0 ]; then
    run_csm --root "$R" -o "$T/keep.json"
    assert_exit 4
    assert_eq true "$(jq -r .old "$T/keep.json")" "the old report is intact"
fi
chmod 0755 "$T"
run_csm --root "$R" -o "$T/nodir/x.json"
assert_exit 4
assert_contains "$err" "--output $T/nodir/x.json: No such file or directory" "unwritable output"

# Colour only when asked or on a terminal.
run_csm --root "$R" --color=always
assert_contains "$out" $'\033[' "--color=always"
run_csm --root "$R"
assert_not_contains "$out" $'\033[' "no colour into a pipe"
if command -v script >/dev/null; then
    script -qec "NO_COLOR=1 $CSM --root $R" /dev/null >"$T/tty.out" || true
    assert_not_contains "$(cat "$T/tty.out")" $'\033[1;' "NO_COLOR on a terminal"
    script -qec "$CSM --root $R" /dev/null >"$T/tty2.out" || true
    assert_contains "$(cat "$T/tty2.out")" $'\033[' "colour on a terminal"
fi
done_testing
