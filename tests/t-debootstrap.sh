# A real Debian installation tree: debootstrap with a kernel and
# initramfs-tools, whose postinst builds a real initramfs. The scan must find
# the virtio modules in it. Built once and cached (CSM_FIXTURE_CACHE, or the
# build directory); skipped without root or without the Debian mirror.
. "$CSM_SRC/tests/lib.sh"
need_root "debootstrap"
need_cmd debootstrap flock unshare timeout

debootstrap_fixture bookworm linux-image-amd64,initramfs-tools || skip_test "debootstrap failed (no network?)"
tree=$FIXTURE_TREE

ver=$(cd "$tree/lib/modules" && ls | head -1)
# The kernel and its initramfs are the mirror's of the day.
GOLDEN_SUBST+=("$ver=<kver>" "re:[0-9]+ members, [0-9]+ bytes read=<n> members, <n> bytes read")
scan debian --root "$tree"
assert_status os.release pass
assert_status boot.default-kernel pass link
assert_contains "$(q '.results[] | select(.id == "boot.default-kernel") | .message')" "/vmlinuz points at kernel $ver" "the default kernel is the installed one"
assert_status drivers.virtio-kernel pass available
assert_status drivers.virtio-initramfs pass present
assert_status drivers.initramfs-tooling pass present
# debootstrap leaves "# UNCONFIGURED FSTAB FOR BASE SYSTEM": no entry, not even /.
assert_status fstab.other-disks error
assert_contains "$(q '.results[] | select(.id == "fstab.other-disks") | .reason')" "never configured" \
    "the placeholder fstab establishes nothing"
ev=$(q '.results[] | select(.id == "drivers.virtio-initramfs") | .evidence[] | [.value, .source // ""] | join(" ")')
for m in virtio_blk virtio_pci virtio_ring virtio; do
    assert_match "$m: in the initramfs /boot/initrd.img-$ver:usr/lib/modules/$ver/kernel/drivers/[a-z]+/$m.ko" "$ev" "real initramfs holds $m"
done
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .evidence[].source')" "/lib/modules/$ver/kernel/drivers/block/virtio_blk.ko" "virtio_blk found through the real modules.dep"

# The same tree with virtio_blk taken out of its initramfs (rebuilt by cpio from
# the real one): the check fails and names the command.
need_cmd cpio gzip
work=$T/ir
mkdir -p "$work" "$T/copy/boot"
(cd "$work" && gzip -dc "$tree/boot/initrd.img-$ver" | cpio -id --quiet 2>/dev/null) || true
find "$work" -name 'virtio_blk.ko*' -delete
# Only what the driver checks read, not the whole 700 MB tree.
mkdir -p "$T/copy/usr/lib" "$T/copy/usr/sbin" "$T/copy/etc"
cp -a "$tree/usr/lib/modules" "$tree/usr/lib/os-release" "$T/copy/usr/lib/"
cp -a "$tree/usr/sbin/update-initramfs" "$T/copy/usr/sbin/"
cp -a "$tree/lib" "$tree/vmlinuz" "$T/copy/"
cp -a "$tree/etc/os-release" "$T/copy/etc/"
cp -a "$tree/boot/vmlinuz-$ver" "$tree/boot/config-$ver" "$T/copy/boot/"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/copy/boot/initrd.img-$ver"
scan debian-nvblk --root "$T/copy"
assert_status drivers.virtio-initramfs fail missing
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-initramfs") | .remediation.commands[]')" "update-initramfs -u -k $ver" "real tree: regeneration command"
done_testing
