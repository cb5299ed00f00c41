# disk.free-space: live, statvfs of / and /boot against the rules'
# thresholds; a --root tree is skipped (its filesystem would be the host's).
. "$CSM_SRC/tests/lib.sh"
readytree "$T/root"
scan tree --root "$T/root"
assert_status disk.free-space skip no-counters
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .reason')" "the host's filesystem" "says why"

run_csm --format json
printf '%s\n' "$out" >"$T/live.json"
J=$T/live.json
avail=$(df -B1 --output=avail / | tail -1 | tr -d ' ')
if [ "$avail" -gt $((1100 * 1024 * 1024)) ]; then
    assert_status disk.free-space pass ok
else
    assert_status disk.free-space fail low-space
fi
assert_eq "statvfs(/)" "$(q '.results[] | select(.id=="disk.free-space") | .evidence[0].source')" "the live source"

# Thresholds are parameters: one no filesystem meets.
mkdir -p "$T/rules"
printf '[disk.free-space]\nparam.root-free =\nparam.root-free = 1P\nparam.free-inodes =\nparam.free-inodes = 1000000000000\n' \
    >"$T/rules/site.rules"
run_csm --format json --rules "$T/rules"
printf '%s\n' "$out" >"$T/low.json"
J=$T/low.json
assert_status disk.free-space fail low-space
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .message')" "/ has" "names the mount"
assert_contains "$(q '.results[] | select(.id=="disk.free-space") | .remediation.commands | join("|")')" "apt-get clean" "Debian's command"
validate_json "$T/low.json"
done_testing
