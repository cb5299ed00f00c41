# drivers.virtio-kernel, drivers.virtio-initramfs, drivers.initramfs-tooling
# in --root mode: module trees indexed by the real depmod, initramfs images
# made with cpio.
. "$CSM_SRC/tests/lib.sh"
need_cmd depmod cpio cc gzip

msg() { q ".results[] | select(.id == \"$1\") | .message"; }
cmds() { q ".results[] | select(.id == \"$1\") | .remediation.commands[]"; }
ev() { q ".results[] | select(.id == \"$1\") | .evidence[] | [.label, .value, .source // \"\", .note // \"\"] | join(\" | \")"; }

# Passing: modules on disk, in the initramfs with their dependencies.
mktree "$T/good"
grubcfg "$T/good" "UUID=$ROOT_UUID"
scan good --root "$T/good"
assert_status drivers.virtio-kernel pass available
assert_status drivers.virtio-initramfs pass present
assert_status drivers.initramfs-tooling pass present
assert_contains "$(msg drivers.virtio-kernel)" "Kernel 6.1.0-13-amd64 has virtio_blk, virtio_pci, virtio_net" "virtio-kernel message"
assert_contains "$(ev drivers.virtio-kernel)" "6.1.0-13-amd64 | virtio_blk: module | /lib/modules/6.1.0-13-amd64/kernel/drivers/block/virtio_blk.ko" "evidence: module path"
assert_contains "$(ev drivers.virtio-initramfs)" "virtio_ring: in the initramfs | /boot/initrd.img-6.1.0-13-amd64:usr/lib/modules/6.1.0-13-amd64/kernel/drivers/virtio/virtio_ring.ko | needed by virtio_blk (modules.dep)" "dependency found through modules.dep"
assert_contains "$(ev drivers.virtio-initramfs)" "virtio_scsi: in the initramfs" "optional module reported"
assert_contains "$(msg drivers.initramfs-tooling)" "update-initramfs can rebuild" "tooling names the tool"

# virtio_blk is not in the default kernel at all: blocker.
mktree "$T/absent"
KO_ABSENT=virtio_blk mkkernel "$T/absent" 6.1.0-13-amd64
grubcfg "$T/absent" "UUID=$ROOT_UUID"
scan absent --root "$T/absent"
assert_status drivers.virtio-kernel fail missing
assert_contains "$(msg drivers.virtio-kernel)" "lacks virtio_blk" "names the missing driver"
assert_contains "$(ev drivers.virtio-kernel)" "virtio_blk: absent | /boot/config-6.1.0-13-amd64:5 CONFIG_VIRTIO_BLK is not set" "evidence: config line"
assert_status drivers.virtio-initramfs fail unavailable
assert_exit 2

# Built in: nothing is needed in the initramfs.
mktree "$T/builtin"
KO_BUILTIN="virtio virtio_ring virtio_blk virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev virtio_net" IR_MODS=- \
    mkkernel "$T/builtin" 6.1.0-13-amd64
grubcfg "$T/builtin" "UUID=$ROOT_UUID"
scan builtin --root "$T/builtin"
assert_status drivers.virtio-kernel pass available
assert_status drivers.virtio-initramfs pass builtin
assert_contains "$(ev drivers.virtio-kernel)" "virtio_blk: built in | /lib/modules/6.1.0-13-amd64/modules.builtin:5" "evidence: modules.builtin line"

# Built in by the config alone (no modules.builtin, e.g. an old kernel).
: >"$T/builtin/lib/modules/6.1.0-13-amd64/modules.builtin"
scan config-y --root "$T/builtin"
assert_status drivers.virtio-kernel pass available
assert_contains "$(ev drivers.virtio-kernel)" "CONFIG_VIRTIO_BLK=y" "evidence: =y in /boot/config"

# virtio_blk is a module but not in the initramfs: the regeneration command per family.
for family in debian rhel; do
    mktree "$T/miss-$family" "$family"
    name=initrd.img-VER
    [ "$family" = rhel ] && name=initramfs-VER.img
    IR_NAME=$name IR_MODS="virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev" \
        mkkernel "$T/miss-$family" 6.1.0-13-amd64
    GRUBDIR=$([ "$family" = rhel ] && echo boot/grub2 || echo boot/grub) grubcfg "$T/miss-$family" "UUID=$ROOT_UUID"
    scan "miss-$family" --root "$T/miss-$family"
    assert_status drivers.virtio-initramfs fail missing
    assert_contains "$(msg drivers.virtio-initramfs)" "lacks virtio_blk" "$family: names the missing module"
    assert_contains "$(q '.results[] | select(.id == "drivers.virtio-initramfs") | .evidence[] | select(.problem) | .value')" \
        "virtio_blk: not in the initramfs" "$family: evidence marks the problem"
    assert_exit 2
done
J="$T/miss-debian.json"
assert_contains "$(cmds drivers.virtio-initramfs)" "echo virtio_blk >> /etc/initramfs-tools/modules" "debian: add to initramfs-tools/modules"
assert_contains "$(cmds drivers.virtio-initramfs)" "update-initramfs -u -k 6.1.0-13-amd64" "debian: update-initramfs for that kernel"
assert_not_contains "$(cmds drivers.virtio-initramfs)" "dracut" "debian: no dracut command"
J="$T/miss-rhel.json"
assert_contains "$(cmds drivers.virtio-initramfs)" 'dracut -f --add-drivers "virtio_blk" /boot/initramfs-6.1.0-13-amd64.img 6.1.0-13-amd64' "rhel: dracut command"
assert_not_contains "$(cmds drivers.virtio-initramfs)" "update-initramfs" "rhel: no update-initramfs"

# A dependency (virtio_ring, from modules.dep) missing: the module that needs it is re-added.
mktree "$T/dep"
IR_MODS="virtio virtio_blk virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev" mkkernel "$T/dep" 6.1.0-13-amd64
scan dep --root "$T/dep"
assert_status drivers.virtio-initramfs fail missing
assert_contains "$(msg drivers.virtio-initramfs)" "lacks virtio_ring" "missing dependency named"
assert_contains "$(cmds drivers.virtio-initramfs)" "echo virtio_blk >> /etc/initramfs-tools/modules" "the dependent module is added"

# No initramfs for the default kernel.
mktree "$T/noinitrd"
rm "$T/noinitrd/boot/initrd.img-6.1.0-13-amd64"
scan noinitrd --root "$T/noinitrd"
assert_status drivers.virtio-initramfs fail no-initramfs
assert_contains "$(cmds drivers.virtio-initramfs)" "update-initramfs -c -k 6.1.0-13-amd64" "command creates it"

# In modules.dep, but the module file is gone from the tree.
mktree "$T/nofile"
rm "$T/nofile/lib/modules/6.1.0-13-amd64/kernel/drivers/net/virtio_net.ko"
scan nofile --root "$T/nofile"
assert_status drivers.virtio-kernel fail missing
assert_contains "$(ev drivers.virtio-kernel)" "virtio_net: module file missing" "missing file reported"

# The optional virtio_scsi absent: still passes.
mktree "$T/noscsi"
KO_ABSENT=virtio_scsi mkkernel "$T/noscsi" 6.1.0-13-amd64
scan noscsi --root "$T/noscsi"
assert_status drivers.virtio-kernel pass available
assert_status drivers.virtio-initramfs pass present

# Another installed kernel is not ready: the default one is, so a warning.
mktree "$T/other"
grubcfg "$T/other" "UUID=$ROOT_UUID"
KO_ABSENT=virtio_net IR_MODS="virtio" mkkernel "$T/other" 5.10.0-28-amd64
scan other --root "$T/other"
assert_status drivers.virtio-kernel warn other-kernels
assert_contains "$(msg drivers.virtio-kernel)" "5.10.0-28-amd64 (virtio_net)" "names the other kernel"
assert_status drivers.virtio-initramfs warn other-kernels
assert_contains "$(msg drivers.virtio-initramfs)" "5.10.0-28-amd64 (missing" "names what the other initramfs lacks"

# Tooling: no initramfs tool; then no modules.dep.
mktree "$T/notool"
rm "$T/notool/usr/sbin/update-initramfs"
scan notool --root "$T/notool"
assert_status drivers.initramfs-tooling fail no-tool
assert_contains "$(cmds drivers.initramfs-tooling)" "apt-get install -y initramfs-tools" "installs initramfs-tools"
rm "$T/notool/lib/modules/6.1.0-13-amd64/modules.dep"
mktool "$T/notool" usr/bin/dracut
scan nodep --root "$T/notool"
assert_status drivers.initramfs-tooling fail no-modules-dep
assert_contains "$(cmds drivers.initramfs-tooling)" "depmod -a 6.1.0-13-amd64" "depmod command"

# modules.dep.bin that libkmod cannot decode: error with the reason, no crash.
mktree "$T/badidx"
random_bytes 4096 >"$T/badidx/lib/modules/6.1.0-13-amd64/modules.dep.bin"
scan badidx --root "$T/badidx"
assert_status drivers.virtio-kernel error
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .reason')" "modules.dep.bin: libkmod" "reason names the index"
done_testing
