# A tree prepared as for a chroot: proc, sys and dev mounted inside it (in a
# private mount and UTS namespace, so the host is not changed). The tree's
# own links into them (etc/hostname -> /proc/sys/kernel/hostname, etc/fstab
# -> /proc/self/mounts, a machine-id on sysfs) would put the host's name and
# mount table into the report: files on kernel filesystems are refused, and
# the evidence says so, through openat2 and through the user-space walk.
. "$CSM_SRC/tests/lib.sh"
need_root "mounts"
need_cmd unshare mount
unshare -m -u true 2>/dev/null || skip_test "no mount namespaces here"

R=$T/root
readytree "$R"
mkdir -p "$R/proc" "$R/sys" "$R/dev"
rm -f "$R/etc/hostname" "$R/etc/fstab" "$R/etc/machine-id"
ln -s /proc/sys/kernel/hostname "$R/etc/hostname"
ln -s /proc/self/mounts "$R/etc/fstab"
ln -s /sys/kernel/uevent_seqnum "$R/etc/machine-id"
ln -s ../proc/self/net "$R/etc/netplan" # a directory on procfs
secret=csm-host-secret-$$

cat >"$T/inner.sh" <<INNER
set -e
hostname "$secret"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --rbind /dev "$R/dev"
[ "\$(cat "$R/etc/hostname")" = "$secret" ] # the link does lead to the host's name
for mode in openat2 walk; do
    env=""
    [ "\$mode" = walk ] && env=CSM_PRECHECK_FORCE_CHASE=1
    env \$env "$CSM" --root "$R" --format json >"$T/\$mode.json" 2>"$T/\$mode.err" || true
    env \$env "$CSM" --root "$R" -o "$T/\$mode.html" -o "$T/\$mode.txt" >/dev/null 2>&1 || true
done
INNER
unshare -m -u --propagation private bash "$T/inner.sh" || skip_test "cannot mount proc and sys in a namespace"

for mode in openat2 walk; do
    J=$T/$mode.json
    [ -s "$J" ] || { not_ok "$mode: no report"; continue; }
    validate_json "$J"
    golden "$mode" "$J"
    for f in "$J" "$T/$mode.html" "$T/$mode.txt"; do
        assert_not_contains "$(cat "$f")" "$secret" "$mode: the host's name is not in $(basename "$f")"
    done
    assert_eq unknown "$(q .host.hostname)" "$mode: no hostname from procfs"
    assert_eq null "$(q .host.machine_id)" "$mode: no machine-id from sysfs"
    assert_status fstab.other-disks error
    assert_contains "$(q '.results[] | select(.id=="fstab.other-disks") | .reason')" "on procfs, sysfs" \
        "$mode: the mount table is refused, and why"
    assert_not_contains "$(cat "$J")" "$R/sys" "$mode: no line of the mount table in the report"
    notes=$(q '.results[] | select(.id=="os.release") | .evidence[] | select(.label=="identity") | .note')
    assert_contains "$notes" "/etc/hostname: on procfs" "$mode: the evidence says why there is no hostname"
    assert_contains "$notes" "/etc/machine-id: on procfs, sysfs" "$mode: ... and no machine-id"
    assert_contains "$(q '.results[] | select(.id=="network.mac-binding") | .reason // ""')" "/etc/netplan: on procfs" \
        "$mode: a directory on procfs is not listed"
done
done_testing
