# dracut initramfs images, made by the real dracut in a copy of the suite's
# Debian tree (never on the host), in the places the RPM families keep
# them: RHEL's /boot/initramfs-<ver>.img, SUSE's /boot/initrd-<ver>; the
# modules under usr/lib/modules as dracut lays them out. With the virtio
# drivers, without them, without a dependency; dracut's configuration in
# the tree (omit_drivers, hostonly) named in the evidence; the fix is the
# dracut command.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-chroot.sh"
need_root "chroot"
need_cmd chroot cpio
dracut_fixture || skip_test "dracut cannot be installed in the test tree (no network?)"
ver=$(ls "$DRACUT_TREE/usr/lib/modules" | head -1)
# the chroot's kernel is Debian's current one
GOLDEN_SUBST+=("$ver=<kver>" "re:[0-9]+ members, [0-9]+ bytes read=<n> members, <n> bytes read")
virtio="virtio_blk virtio_pci virtio_scsi virtio_net"
ir() { q '.results[] | select(.id=="drivers.virtio-initramfs") | .evidence[] | [.label, .value, .source // "", .note // ""] | join(" ")'; }
cmds() { q '.results[] | select(.id=="drivers.virtio-initramfs") | .remediation.commands | join("|")'; }

# A RHEL 9 tree with the chroot's kernel and its modules (hard links: nothing copied, nothing written).
R=$T/rhel
readytree "$R" rhel
rm -rf "$R/lib/modules" "$R/boot"/*-6.1.0-13-amd64*
mkdir -p "$R/usr/lib/modules"
cp -al "$DRACUT_TREE/usr/lib/modules/$ver" "$R/usr/lib/modules/"
cp "$DRACUT_TREE/boot/vmlinuz-$ver" "$DRACUT_TREE/boot/config-$ver" "$R/boot/"
printf 'title Red Hat Enterprise Linux (%s) 9.4 (Plow)\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions root=UUID=%s ro\n' \
    "$ver" "$ver" "$ver" "$ver" "$ROOT_UUID" >"$R/boot/loader/entries/0123456789abcdef0123456789abcdef-$ver.conf"
printf 'set default="${saved_entry}"\ninsmod blscfg\nblscfg\n' >"$R/boot/grub2/grub.cfg"
rm -f "$R/boot/grub/grub.cfg"

dracut_image "$R/boot/initramfs-$ver.img" "$ver" $virtio
scan with --root "$R"
assert_status boot.default-kernel pass bootcfg
assert_status drivers.virtio-initramfs pass present
assert_contains "$(ir)" "virtio_blk: in the initramfs /boot/initramfs-$ver.img:usr/lib/modules/$ver/kernel/drivers/block/virtio_blk.ko" \
    "dracut's layout: usr/lib/modules"
assert_status drivers.virtio-kernel pass

# Built without virtio (as hostonly dracut on another hypervisor does): the dracut command that fixes it.
dracut_image "$R/boot/initramfs-$ver.img" "$ver" ext4
scan without --root "$R"
assert_status drivers.virtio-initramfs fail missing
assert_eq "echo 'add_drivers+=\" virtio_blk virtio_pci \"' > /etc/dracut.conf.d/virtio.conf|dracut -f --add-drivers \"virtio_blk virtio_pci\" /boot/initramfs-$ver.img $ver" \
    "$(cmds)" "RHEL: the dracut commands"

# virtio_blk without its dependency virtio_ring (dracut's omit applies to dependencies too).
DRACUT_OPTS="--omit-drivers virtio_ring" dracut_image "$R/boot/initramfs-$ver.img" "$ver" virtio_blk virtio_pci
scan nodep --root "$R"
assert_status drivers.virtio-initramfs fail missing
assert_contains "$(ir)" "virtio_ring: not in the initramfs /boot/initramfs-$ver.img needed by virtio_blk" "the missing dependency"

# dracut's configuration in the tree: RHEL's hostonly, and a line that omits virtio_blk.
mkdir -p "$R/usr/lib/dracut/dracut.conf.d" "$R/etc/dracut.conf.d"
printf 'hostonly="yes"\nhostonly_cmdline="no"\n' >"$R/usr/lib/dracut/dracut.conf.d/01-dist.conf"
printf '# no floppy, no virtio\nomit_drivers+=" floppy virtio_blk "\n' >"$R/etc/dracut.conf.d/50-local.conf"
dracut_image "$R/boot/initramfs-$ver.img" "$ver" ext4
scan conf --root "$R"
assert_status drivers.virtio-initramfs fail missing
assert_contains "$(ir)" "dracut virtio_blk: omitted /etc/dracut.conf.d/50-local.conf:2 every image dracut builds leaves it out" \
    "the omitting line"
assert_contains "$(ir)" 'dracut hostonly="yes" /usr/lib/dracut/dracut.conf.d/01-dist.conf:1 dracut puts in only the drivers of the hardware it runs on' \
    "hostonly"
# The image still has it, but the next rebuild drops it: said in the evidence.
dracut_image "$R/boot/initramfs-$ver.img" "$ver" $virtio
scan conf-present --root "$R"
assert_status drivers.virtio-initramfs pass present
assert_contains "$(ir)" "(this one still has it)" "the omit that would bite at the next kernel update"
# A conf.d file that adds it wins (add beats omit), as dracut does.
printf 'add_drivers+=" virtio_blk virtio_pci "\n' >"$R/etc/dracut.conf.d/virtio.conf"
scan conf-added --root "$R"
assert_contains "$(ir)" "dracut virtio_blk: added /etc/dracut.conf.d/virtio.conf:1" "add wins over omit"

# SUSE: /boot/initrd-<ver>, and the command names it.
S=$T/suse
cp -a "$R" "$S"
rm -rf "$S/etc/dracut.conf.d" "$S/usr/lib/dracut"
printf 'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nID="sles"\nID_LIKE="suse"\n' >"$S/usr/lib/os-release"
rm "$S/boot/initramfs-$ver.img"
dracut_image "$S/boot/initrd-$ver" "$ver" ext4
sed -i "s|initrd /initramfs-$ver.img|initrd /initrd-$ver|" "$S/boot/loader/entries/"*.conf
scan suse --root "$S"
assert_status drivers.virtio-initramfs fail missing
assert_contains "$(cmds)" "dracut -f --add-drivers \"virtio_blk virtio_pci\" /boot/initrd-$ver $ver" "SUSE: initrd-<ver>"
assert_contains "$(ir)" "initramfs /boot/initrd-$ver" "SUSE's name found"
done_testing
