# Live mode on this machine: a complete, valid report whose system disk is
# the one the kernel says holds /. Only what is certain is asserted.
. "$CSM_SRC/tests/lib.sh"
need_cmd findmnt lsblk

scan live
assert_eq live "$(q .target.mode)" "live mode"
assert_eq "/" "$(q .target.root)" "root is /"
assert_eq "$("$CSM" --no-site-rules --list-checks --format json | jq '[.checks[] | select(.scope | test("system"))] | length')" "$(q '.results | length')" "every system check reported"
assert_match "^[0-3]$" "$rc" "a gate exit code"
assert_eq "$(q .exit_code)" "$rc" "exit code in the JSON matches"

src=$(findmnt -no SOURCE / | sed 's/\[.*//')
if [ -b "$src" ]; then
    parent=$(lsblk -sno NAME,TYPE "$src" | awk '$2=="disk"{gsub(/[^a-zA-Z0-9]/,"",$1); print $1}' | head -1)
    layout='.results[] | select(.id=="disk.layout")'
    assert_contains "$(q "$layout | .evidence[] | select(.label==\"/\") | .value")" "$parent" "/ is on $parent"
    if [ "$(q .plan.available)" = true ]; then
        assert_eq "/dev/$parent" "$(q .plan.system_disk.path)" "the plan's disk"
    else
        assert_contains "$(q .plan.reason)" "/dev/$parent" "the plan names the disk it could not read"
    fi
fi
assert_eq "$(hostname)" "$(q .host.hostname)" "the host's name"
expected=$( [ -d /sys/firmware/efi ] && echo fail || echo pass )
assert_status boot.efi "$expected"
done_testing
