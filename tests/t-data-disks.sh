# online.data-disks and --agent-config: every data disk mounted on the
# source must be in DataDisks of the agent's user.json (seeds 001, 003).
. "$CSM_SRC/tests/lib.sh"
R=$T/root
dd_() { q '.results[] | select(.id=="online.data-disks") | .'"$1"; }
J_=$T/user.json

readytree "$R"
scan none --root "$R" --profile online
assert_status online.data-disks pass no-data-disks
assert_eq null "$(q .target.agent_config)" "no agent config in the report"

# / on sda, data on sdb and sdc: the device names place them without --disk.
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "/dev/sdb1 /data ext4 defaults 0 2" \
    "/dev/sdc /srv/backup xfs defaults,nofail 0 2" "/dev/sdb2 none swap sw 0 0"
scan no-config --root "$R" --profile online
assert_status online.data-disks warn no-config
assert_contains "$(dd_ message)" "/data, /srv/backup" "lists the DataDisks entries needed"
assert_eq /etc/fstab:3 "$(dd_ 'evidence[] | select(.label=="/data") | .source')" "fstab line"
scan no-config-offline --root "$R"
assert_eq info "$(dd_ severity)" "offline: informational"

printf '{\n  "SecretId": "x",\n  "DataDisks": ["/data", "/dev/sdc"]\n}\n' >"$J_"
scan strings --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks pass listed
assert_eq "$J_" "$(q .target.agent_config)" "the report names the agent config"
assert_contains "$(dd_ message)" "a list of strings" "the shape read"

printf '{"Client": {"DataDisks": [{"MountPoint": "/data", "Size": 100}, {"Device": "/dev/sdc"}]}}' >"$J_"
scan objects --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks pass listed
assert_contains "$(dd_ message)" "a list of objects (field MountPoint)" "object shape"
assert_contains "$(dd_ 'evidence[].note')" "read from the field Client.DataDisks" "nested field"

printf '{"DataDisks": ["/dev/sdb", "/srv"]}' >"$J_"
scan by-disk --root "$R" --profile online --agent-config "$J_"
assert_eq pass/fail "$(dd_ 'evidence[] | select(.label=="/data") | .problem | if . then "fail" else "pass" end')/$(dd_ 'evidence[] | select(.label=="/srv/backup") | .problem | if . then "fail" else "pass" end')" \
    "/dev/sdb names the disk of /dev/sdb1; /srv is not /srv/backup"

printf '{"DataDisks": ["/data"]}' >"$J_"
scan one-missing --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks fail missing
assert_exit 2
assert_contains "$(dd_ message)" "/srv/backup" "names the missing one"

printf '{"DataDisks": []}' >"$J_"
scan empty --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks fail missing
printf '{"Region": "ap-guangzhou"}' >"$J_"
scan absent --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks fail missing
assert_contains "$(dd_ message)" "absent" "shape: absent"
printf '{"DataDisks": [42, {"Size": 1}, "/data", "/srv/backup/"]}' >"$J_"
scan ignored --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks pass listed
assert_contains "$(dd_ 'evidence[].note')" "entry 0 (42) names no path" "ignored entries are shown"

# A broken file is refused before anything is checked (exit 4), naming the
# file, line and column, whether or not the system has data disks.
refused() { # WHAT FILE-CONTENT EXPECTED-MESSAGE
    printf "$2" >"$J_"
    run_csm --root "$R" --profile online --agent-config "$J_"
    assert_exit 4 "$1: refused"
    assert_contains "$err" "csm-precheck: --agent-config $J_$3" "$1: named"
    assert_eq "" "$out" "$1: nothing checked"
}
refused "a syntax error" '{\n  "DataDisks": [\n    "/data",,\n  ]\n}\n' ":3:13: not valid JSON"
refused "the wrong type" '{"DataDisks": {"a": 1}}' ":1:2: DataDisks is neither a list nor a string"
refused "a number" '{\n  "Client": {\n    "DataDisks": 42 }}' ":3:5: Client.DataDisks is neither a list nor a string"
refused "trailing garbage" '{"DataDisks": ["/data"]} xyz' ":1:26: not valid JSON"
refused "a second object" '{"DataDisks": []}\n{"DataDisks": ["/data"]}\n' ":2:1: not valid JSON"
refused "a NUL byte" '{"DataDisks": ["/da\0ta"]}' ":1:20: a NUL byte"
refused "a NUL escape" '{"DataDisks": ["/da\\u0000ta"]}' ":1:20: a NUL character"
refused "not UTF-8" '{"DataDisks": ["/d\xe9ta"]}' ":1:19: invalid UTF-8"
refused "DataDisks twice" '{"DataDisks": ["/data"],\n "datadisks": []}' ":2:2: DataDisks appears twice"
refused "a list at the top" '[1,2]' ":1:1: the top level is not a JSON object"
head -c 2M /dev/zero >"$J_"
run_csm --root "$R" --profile online --agent-config "$J_"
assert_exit 4 "a huge file"
assert_contains "$err" "larger than the size limit" "the size cap is named"
run_csm --root "$R" --profile online --agent-config "$T/nope.json"
assert_exit 4 "a missing file is an operational error"
assert_contains "$err" "--agent-config $T/nope.json: No such file or directory" "the missing file is named"
# An image has no mounts to compare: the option is refused, not ignored.
truncate -s 1M "$T/disk.raw"
run_csm --image "$T/disk.raw" --agent-config "$J_"
assert_exit 64 "--agent-config with --image"
assert_contains "$err" "--agent-config goes with a scan of a system" "why"

# UUIDs need --disk to be placed.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$DATA_UUID /data ext4 defaults 0 2"
scan uuid --root "$R" --profile online
assert_status online.data-disks skip no-disk

run_csm --root "$R" --agent-config
assert_exit 64
run_csm --help
assert_contains "$out" "--agent-config FILE" "usage names the option"
done_testing
