# Golden reports: every report the suite writes of a fixture (each --root
# tree, --image file, and the live scans in a test's chroot or namespace)
# is compared, normalised, with the one recorded in tests/golden/ (the
# `scan` and `golden` helpers of tests/lib.sh, tests/golden.py), so that
# what the tool reports changes only on purpose; CSM_GOLDEN_UPDATE=1
# records them anew. This test holds the comparison itself to account:
# only what varies is normalised, a change of any value is caught, and
# every recorded report belongs to a test.
. "$CSM_SRC/tests/lib.sh"
G="$CSM_SRC/tests/golden.py"

# Two runs of one system, at two paths and two times, normalise alike.
mkdir -p "$T/one" "$T/other-place"
good_system "$T/one/root" "$T/one/disk.img"
cp -a "$T/one/." "$T/other-place/"
run_csm --root "$T/one/root" --disk "$T/one/disk.img" --format json
printf '%s\n' "$out" >"$T/a.json"
sleep 1.1
run_csm --root "$T/other-place/root" --disk "$T/other-place/disk.img" --format json
printf '%s\n' "$out" >"$T/b.json"
assert_match '^"[0-9T:Z-]+"$' "$(jq '.generated_at' "$T/a.json")" "a report carries its time"
[ "$(jq -r .generated_at "$T/a.json")" != "$(jq -r .generated_at "$T/b.json")" ] &&
    ok "the two runs have different times" || not_ok "the two runs should have different times"
T="$T/one" "$PYTHON" "$G" normalise "$T/a.json" >"$T/a.norm"
T="$T/other-place" "$PYTHON" "$G" normalise "$T/b.json" >"$T/b.norm"
assert_eq "$(cat "$T/a.norm")" "$(cat "$T/b.norm")" "the same system normalises to the same report"
assert_contains "$(cat "$T/a.norm")" '"root": "$T/root"' "the test's directory is named, not its path"
assert_contains "$(cat "$T/a.norm")" '"generated_at": "<time>"' "the time is normalised"
assert_contains "$(cat "$T/a.norm")" "\"uuid\": \"$ROOT_UUID\"" "what the fixture fixes stays"
assert_eq "$(jq -S 'del(.generated_at, .digest) | .target = null' "$T/a.json")" \
    "$(jq -S 'del(.generated_at, .digest) | .target = null' "$T/b.json" | sed "s#$T/other-place#$T/one#g")" \
    "the runs differ in the time, the digest and the paths only"

# A golden report catches a change of any one value.
T="$T/one" "$PYTHON" "$G" update "$T/golden/a.json" "$T/a.json"
if T="$T/one" "$PYTHON" "$G" check "$T/golden/a.json" "$T/a.json" 2>"$T/same.err"; then
    ok "a report is its own golden report"
else
    not_ok "a report differs from itself: $(cat "$T/same.err")"
fi
for change in '.results[3].status = "warn"' '.results[0].evidence[0].note = "x"' '.plan.copy.bytes += 512' \
    '.summary.pass -= 1' '.results |= .[1:]' '.image = {}'; do
    jq "$change" "$T/a.json" >"$T/changed.json"
    if T="$T/one" "$PYTHON" "$G" check "$T/golden/a.json" "$T/changed.json" 2>"$T/changed.err"; then
        not_ok "a changed report ($change) passes as the golden one"
    else
        ok "a changed report ($change) is caught"
    fi
done
jq '.results[3].status = "warn"' "$T/a.json" >"$T/changed.json"
T="$T/one" "$PYTHON" "$G" check "$T/golden/a.json" "$T/changed.json" 2>"$T/changed.err" || true
assert_contains "$(cat "$T/changed.err")" '+   "status": "warn",' "the difference is shown"
rm -f "$T/golden/b.json"
if "$PYTHON" "$G" check "$T/golden/b.json" "$T/a.json" 2>"$T/missing.err"; then
    not_ok "a report without a golden one passes"
else
    assert_contains "$(cat "$T/missing.err")" "CSM_GOLDEN_UPDATE=1" "a missing golden report says how to record it"
fi

# Numbers beyond 2^53 compare exactly (jq 1.6 would round them).
printf '{"n": 18446744073709551615}\n' >"$T/big1.json"
printf '{"n": 18446744073709551614}\n' >"$T/big2.json"
"$PYTHON" "$G" update "$T/golden/big.json" "$T/big1.json"
if "$PYTHON" "$G" check "$T/golden/big.json" "$T/big2.json" 2>/dev/null; then
    not_ok "a 64-bit number differing in its last digit passes"
else
    ok "64-bit numbers compare exactly"
fi

# Every recorded report belongs to a test of the suite, and each test that
# records any has them in its own directory.
for d in "$CSM_SRC"/tests/golden/*/; do
    name=$(basename "$d")
    [ -f "$CSM_SRC/tests/$name.sh" ] && ok "tests/golden/$name belongs to tests/$name.sh" ||
        not_ok "tests/golden/$name belongs to no test"
done
n=$(find "$CSM_SRC/tests/golden" -name '*.json' | wc -l)
[ "$n" -ge 300 ] && ok "$n golden reports" || not_ok "only $n golden reports"
done_testing
