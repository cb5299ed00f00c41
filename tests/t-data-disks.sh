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

# A broken file: an error naming the file, line and column.
printf '{\n  "DataDisks": [\n    "/data",,\n  ]\n}\n' >"$J_"
scan broken --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks error
assert_contains "$(dd_ reason)" "$J_:3:" "file and line"
printf '{"DataDisks": {"a": 1}}' >"$J_"
scan shape --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks error
assert_contains "$(dd_ reason)" "neither a list nor a string" "wrong shape"
scan nofile --root "$R" --profile online --agent-config "$T/nope.json"
assert_status online.data-disks error
assert_contains "$(dd_ reason)" "No such file" "missing file"
head -c 2M /dev/zero >"$J_"
scan hugefile --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks error
printf '[1,2]' >"$J_"
scan toplist --root "$R" --profile online --agent-config "$J_"
assert_status online.data-disks error

# UUIDs need --disk to be placed.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$DATA_UUID /data ext4 defaults 0 2"
scan uuid --root "$R" --profile online
assert_status online.data-disks skip no-disk

run_csm --root "$R" --agent-config
assert_exit 64
run_csm --help
assert_contains "$out" "--agent-config FILE" "usage names the option"
done_testing
