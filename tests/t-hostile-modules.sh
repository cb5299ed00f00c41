# A hostile tree whose /lib/modules/<ver>, index files and initramfs are
# absolute symlinks out of it (to the host's /lib/modules, or to a module
# tree elsewhere on the host): modules outside the tree never count, and the
# scan opens nothing outside the tree but its own libraries and temp dir.
. "$CSM_SRC/tests/lib.sh"
need_cmd depmod cpio cc

ver=6.1.0-13-amd64
# The "host": a complete, valid kernel outside the tree.
mktree "$T/outside"
grubcfg "$T/outside" "UUID=$ROOT_UUID"
scan outside --root "$T/outside"
assert_status drivers.virtio-kernel pass available

# 1. lib/modules/<ver> is a link to the host's module directory.
mktree "$T/h1"
grubcfg "$T/h1" "UUID=$ROOT_UUID"
rm -rf "$T/h1/lib/modules/$ver"
ln -s "$T/outside/lib/modules/$ver" "$T/h1/lib/modules/$ver"
ln -s "/lib/modules/$ver" "$T/h1/lib/modules/$(uname -r)"
scan h1 --root "$T/h1"
assert_status boot.default-kernel pass bootcfg
assert_status drivers.virtio-kernel error
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .reason')" "no /lib/modules/$ver" "the link out of the tree is not followed"
assert_not_contains "$(cat "$J")" "$T/outside" "nothing of the outside tree in the report"
assert_not_contains "$(q '.results[] | select(.id == "boot.default-kernel") | .evidence[].value')" "$(uname -r)" "the host's kernel is not taken as installed"

# 2. The index files and the module files are links out of the tree.
mktree "$T/h2"
grubcfg "$T/h2" "UUID=$ROOT_UUID"
KO_ABSENT="virtio_blk virtio_pci virtio_net" mkkernel "$T/h2" "$ver"
for f in modules.dep modules.dep.bin modules.builtin; do
    ln -sf "$T/outside/lib/modules/$ver/$f" "$T/h2/lib/modules/$ver/$f"
done
mkdir -p "$T/h2/lib/modules/$ver/kernel/drivers/block"
ln -s "$T/outside/lib/modules/$ver/kernel/drivers/block/virtio_blk.ko" "$T/h2/lib/modules/$ver/kernel/drivers/block/virtio_blk.ko"
# 3. The initramfs is a link to one outside that holds everything.
ln -sf "$T/outside/boot/initrd.img-$ver" "$T/h2/boot/initrd.img-$ver"
scan h2 --root "$T/h2"
assert_status drivers.virtio-kernel fail missing
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .message')" "lacks virtio_blk, virtio_pci, virtio_net" "outside modules never count"
assert_status drivers.virtio-initramfs fail unavailable
assert_not_contains "$(cat "$J")" "$T/outside" "nothing of the outside tree in the report"

# 4. An index inside the tree (libkmod decodes it) whose module file and
#    initramfs are links out of the tree.
mktree "$T/h3"
grubcfg "$T/h3" "UUID=$ROOT_UUID"
ln -sf "$T/outside/lib/modules/$ver/kernel/drivers/block/virtio_blk.ko" "$T/h3/lib/modules/$ver/kernel/drivers/block/virtio_blk.ko"
ln -sf "$T/outside/boot/initrd.img-$ver" "$T/h3/boot/initrd.img-$ver"
scan h3 --root "$T/h3"
assert_status drivers.virtio-kernel fail missing
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .evidence[].value')" "virtio_blk: module file missing" "a module file linked out of the tree does not count"
assert_status drivers.virtio-initramfs fail no-initramfs

# 5. Under strace: every file the scan opened is in the tree, its temp dir,
#    or one of the libraries it runs on.
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
    assert_eq "" "$(outside_opens "$T/h3")" "no file outside the tree was opened"
    assert_contains "$(cat "$T/opened")" "/csm-kmod." "libkmod's private copy was used"
    if [ "$(id -u)" -eq 0 ]; then
        assert_match 'chroot\("[^"]*csm-kmod\.[^"]*"\) += 0' "$(grep chroot "$T/trace")" "libkmod ran confined to its copy"
        assert_not_contains "$(grep -v -- '= -1 ' "$T/trace")" '"/proc/cmdline"' "libkmod could not read the host's /proc/cmdline"
    fi
    assert_not_contains "$(cat "$T/opened")" "$T/outside" "nothing under the outside tree was opened"
else
    ok "strace not usable here: system call trace skipped"
fi
done_testing
