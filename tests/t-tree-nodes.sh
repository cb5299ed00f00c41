# Device nodes inside a tree are never opened: an etc/fstab that is the node
# of /dev/zero, a cloud.cfg that is /dev/null's, an etc/hostname that is
# /dev/tty's (c 5 0) and a machine-id that links to a node. Each is looked at
# with O_PATH and refused by its type; the traced system calls show no other
# open of them, through openat2 and through the user-space walk.
. "$CSM_SRC/tests/lib.sh"
need_root "mknod"
need_cmd strace mknod
strace -f -o /dev/null true 2>/dev/null || skip_test "strace cannot trace here"

R=$T/root
readytree "$R"
rm -f "$R/etc/fstab" "$R/etc/cloud/cloud.cfg" "$R/etc/hostname" "$R/etc/machine-id"
mknod "$R/etc/fstab" c 1 5          # /dev/zero: endless zeros if read
mknod "$R/etc/cloud/cloud.cfg" c 1 3 # /dev/null
mknod "$R/etc/hostname" c 5 0       # /dev/tty: ENXIO when opened without a terminal
mkdir -p "$R/dev"
mknod "$R/dev/nst0" c 9 128         # a tape: opening it may rewind
ln -s /dev/nst0 "$R/etc/machine-id"

for mode in openat2 walk; do
    env=()
    [ "$mode" = walk ] && env=(CSM_PRECHECK_FORCE_CHASE=1)
    set +e
    # LeakSanitizer cannot run under ptrace.
    env "${env[@]}" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -e trace=open,openat,openat2 -o "$T/trace-$mode" \
        "$CSM" --root "$R" --format json >"$T/$mode.json" 2>"$T/$mode.err"
    set -e
    J=$T/$mode.json
    validate_json "$J"
    golden "$mode" "$J"
    # Every open of a node's name is an O_PATH look, none a read.
    opened=$(grep -E '"[^"]*(fstab|cloud\.cfg|hostname|machine-id|nst0)"' "$T/trace-$mode" | grep -v O_PATH || true)
    assert_eq "" "$opened" "$mode: no device node is opened"
    assert_status fstab.other-disks error
    assert_contains "$(q '.results[] | select(.id=="fstab.other-disks") | .reason')" "not a regular file" \
        "$mode: the fstab node is refused by its type"
    assert_status software.cloud-init error
    assert_contains "$(q '.results[] | select(.id=="software.cloud-init") | .reason')" \
        "/etc/cloud/cloud.cfg: not a regular file" "$mode: the cloud.cfg node is named"
    assert_eq unknown "$(q .host.hostname)" "$mode: no hostname from a node"
    assert_eq null "$(q .host.machine_id)" "$mode: no machine-id through a link to a node"
done
done_testing
