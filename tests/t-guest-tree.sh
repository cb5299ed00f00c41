# The guest tree (guest/): a GPT disk made by sfdisk with an ESP (vfat,
# mounted at /boot/efi by UUID), /boot (ext4, by LABEL) and / (ext4),
# written by mkfs.ext4 -d and mtools, converted by qemu-img to qcow2 (also compressed), vmdk (also
# streamOptimized) and vhd. The root is found by its content, the mounts by
# the guest's fstab; links cross them (RHEL's /etc/grub2.cfg ->
# ../boot/grub2/grub.cfg lands in /boot), absolute links restart at the
# guest's root, ".." steps back out of a mount and stops at the root, loops
# end. Then an fstab naming a filesystem the image does not hold, two roots
# that grub's root= tells apart, and a btrfs root, each with its reason.
. "$CSM_SRC/tests/lib.sh"
need_cmd sfdisk mkfs.ext4 mkfs.vfat mmd mcopy qemu-img
: "${CSM_GUESTREAD:?}"
gr() { "$CSM_GUESTREAD" "$@" 2>&1; }
export MTOOLS_SKIP_CHECK=1
ESP_ID=ABCD1234
ESP_UUID=ABCD-1234

R=$T/root
mkdir -p "$R"/{etc,usr/lib,var/lib,dir} "$T/boot/grub2" "$T/boot/loader" "$T/boot/efi"
cat >"$R/usr/lib/os-release" <<'EOF'
NAME="Rocky Linux"
ID="rocky"
VERSION_ID="9.3"
EOF
ln -s ../usr/lib/os-release "$R/etc/os-release"
echo guest11 >"$R/etc/hostname"
ln -s ../boot/grub2/grub.cfg "$R/etc/grub2.cfg"
ln -s /etc "$R/dir/abs"
ln -s ../../../../.. "$R/dir/up"
ln -s loop2 "$R/loop1"
ln -s loop1 "$R/loop2"
mkdir -p "$R/boot" "$R/boot/efi"
echo 'on the root, hidden under the /boot mount' >"$R/boot/hidden"
printf 'set default=0\nlinux /vmlinuz root=UUID=%s ro\n' "$ROOT_UUID" >"$T/boot/grub2/grub.cfg"
echo 'vmlinuz' >"$T/boot/vmlinuz-5.14.0"
ln -s ../etc/hostname "$T/boot/up-to-etc"
echo 'configfile $prefix/grub.cfg' >"$T/grubx64.cfg"

fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 0" "LABEL=boot /boot ext4 defaults 1 2" \
    "UUID=$ESP_UUID /boot/efi vfat umask=0077 0 2"

# a GPT disk: ESP 32 MiB, /boot 16 MiB, / 340 MiB (XFS needs 300)
disk=$T/disk.raw
truncate -s 400M "$disk"
# fixed identifiers: the reports are compared with their golden copies
printf 'label: gpt\nlabel-id: 6E1F3A52-0D4B-4C2A-9E51-0A1B2C3D4E5F\nstart=2048, size=32M, type=U, uuid=%s\nsize=16M, type=L, uuid=%s\nsize=340M, type=L, uuid=%s\n' \
    11111111-aaaa-4bbb-8ccc-000000000001 11111111-aaaa-4bbb-8ccc-000000000002 11111111-aaaa-4bbb-8ccc-000000000003 |
    sfdisk -q "$disk"
mkfs.vfat -F 16 -i "$ESP_ID" -n ESP -C "$T/esp.fs" $((32 * 1024)) >/dev/null
mmd -i "$T/esp.fs" ::/EFI ::/EFI/rocky
mcopy -i "$T/esp.fs" "$T/grubx64.cfg" ::/EFI/rocky/grub.cfg
put_fs "$disk" "$T/esp.fs" 2048
mkfs.ext4 -q -F -L boot -U "$BOOT_UUID" -d "$T/boot" -E offset=$(((2048 + 32 * 2048) * 512)) "$disk" 16M
root_off=$(((2048 + 48 * 2048) * 512))
mkroot() { # DISK: / at partition 3
    mkfs.ext4 -q -F -L root -U "$ROOT_UUID" -d "$R" -E offset=$root_off "$1" 340M
}
mkroot "$disk"

assert_eq "partition 1 vfat /boot/efi|partition 2 ext4 /boot|partition 3 ext4 /" \
    "$(gr "$disk" info | paste -sd'|')" "raw: the root by content, /boot by LABEL, /boot/efi by UUID"

for fmt in qcow2 qcow2-c vmdk vmdk-stream vhd; do
    case $fmt in
    qcow2) opts=(-O qcow2) ;;
    qcow2-c) opts=(-c -O qcow2) ;;
    vmdk) opts=(-O vmdk) ;;
    vmdk-stream) opts=(-O vmdk -o subformat=streamOptimized) ;;
    vhd) opts=(-O vpc) ;;
    esac
    img=$T/disk.$fmt
    qemu-img convert -f raw "${opts[@]}" "$disk" "$img"
    assert_eq "partition 1 vfat /boot/efi|partition 2 ext4 /boot|partition 3 ext4 /" \
        "$(gr "$img" info | paste -sd'|')" "$fmt: the filesystems and their mounts"
    assert_eq "$(cat "$T/boot/grub2/grub.cfg")" "$(gr "$img" cat /etc/grub2.cfg)" \
        "$fmt: RHEL's /etc/grub2.cfg lands in the /boot filesystem"
    assert_eq 'ID="rocky"' "$(gr "$img" cat /etc/os-release | grep ^ID=)" "$fmt: a relative link on the root"
    assert_eq "$(cat "$T/grubx64.cfg")" "$(gr "$img" cat /boot/efi/EFI/ROCKY/GRUB.CFG)" "$fmt: the ESP at /boot/efi, names without case"
    rm -f "$img"
done

img=$T/disk.qcow2
qemu-img convert -f raw -O qcow2 "$disk" "$img"
assert_eq "fs=partition 2 mode=040755 size=1024" "$(gr "$img" stat /boot)" "the mount point is the mounted filesystem's root"
assert_eq "guestread: /boot/hidden: No such file or directory" "$(gr "$img" cat /boot/hidden)" \
    "what the root holds under a mount point is hidden, as on the running guest"
assert_eq "efi|grub2|loader|lost+found|up-to-etc|vmlinuz-5.14.0" "$(gr "$img" ls /boot | paste -sd'|')" \
    "listing a mount point lists the mounted filesystem"
assert_eq guest11 "$(gr "$img" cat /boot/up-to-etc)" ".. from the /boot filesystem's root steps back to the guest's root"
assert_eq guest11 "$(gr "$img" cat /boot/efi/../../etc/hostname)" ".. out of two mounts"
assert_eq guest11 "$(gr "$img" cat /dir/abs/hostname)" "an absolute link restarts at the guest's root"
assert_eq guest11 "$(gr "$img" cat /dir/up/etc/hostname)" ".. stops at the guest's root"
assert_eq "guestread: /loop1: Too many levels of symbolic links" "$(gr "$img" cat /loop1)" "a loop ends"
assert_eq "guestread: /etc/hostname/x: Not a directory" "$(gr "$img" cat /etc/hostname/x)" "a file is not a directory"
assert_eq "../boot/grub2/grub.cfg" "$(gr "$img" readlink /etc/grub2.cfg)" "readlink does not follow"
assert_eq "fs=partition 3 mode=0120777 size=22" "$(gr "$img" lstat /etc/grub2.cfg)" "lstat sees the link on the root"

# csm-precheck --image: a root copied from a running system (needs_recovery
# set with debugfs) is a warning of image.filesystems, its journal not
# replayed; a clean one passes
scan clean --image "$img"
assert_status image.filesystems pass found
assert_status os.release pass
scan fileonly --image "$img" --file-only
assert_eq "boot.efi image.bootable image.filesystems image.format image.integrity image.partition-table image.size" \
    "$(q '[.results[].id] | sort | join(" ")')" "--file-only: the checks of the file alone, no system check"
cp "$disk" "$T/rec.raw"
debugfs -w -R "feature needs_recovery" "$T/rec.raw?offset=$root_off" >/dev/null 2>&1
qemu-img convert -f raw -O qcow2 "$T/rec.raw" "$T/rec.qcow2"
rm -f "$T/rec.raw"
scan recovery --image "$T/rec.qcow2"
assert_status image.filesystems warn needs-recovery
assert_contains "$(q '.results[] | select(.id == "image.filesystems") | .message')" "The journal of partition 3 (ext4)" \
    "image.filesystems names the filesystem"
rm -f "$T/rec.qcow2"
# The reader's answer is taken whole: under pipefail, its own exit status
# (it cannot open /dev/null) would decide a "! reader | grep" pipeline.
xfs_info=$("$CSM_FSREAD" --type xfs /dev/null info 2>&1 || true)
if command -v mkfs.xfs >/dev/null && [[ $xfs_info != *"by this build"* ]]; then
    # an XFS whose log holds no unmount record (mkfs's, made an ordinary one)
    printf 'x\n0 0\nd--755 0 0\n$\n' >"$T/proto"
    truncate -s 64M "$T/x.fs"
    TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -m uuid="$DATA_UUID" -p "$T/proto" "$T/x.fs"
    read -r logstart bs < <(xfs_db -r -c 'sb 0' -c 'print logstart blocksize' "$T/x.fs" | awk '{print $3}' | paste -sd' ')
    agblocks=$(xfs_db -r -c 'sb 0' -c 'print agblocks' "$T/x.fs" | awk '{print $3}')
    agblklog=$(xfs_db -r -c 'sb 0' -c 'print agblklog' "$T/x.fs" | awk '{print $3}')
    logoff=$((((logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))) * bs))
    printf '\x00' | dd of="$T/x.fs" bs=1 seek=$((logoff + 512 + 9)) conv=notrunc status=none
    truncate -s 100M "$T/x.raw"
    printf 'label: dos\nlabel-id: 0x1badcafe\nstart=2048, type=83, bootable\n' | sfdisk -q "$T/x.raw"
    put_fs "$T/x.raw" "$T/x.fs" 2048
    scan dirty --image "$T/x.raw"
    assert_status image.filesystems warn dirty-log
    rm -f "$T/x.raw" "$T/x.fs"
fi

# an fstab naming a filesystem this image does not hold
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 0" "UUID=$DATA_UUID /boot ext4 defaults 1 2"
mkroot "$disk"
assert_eq "mount: /boot: UUID=$DATA_UUID names no filesystem of this image" "$(gr "$disk" info | grep ^mount:)" \
    "a /boot the image does not hold is named"
assert_eq "partition 3" "$(gr "$disk" stat /boot/hidden | sed -E 's/^fs=(partition [0-9]).*/\1/')" \
    "without the mount, /boot is the root's directory"

# two filesystems that look like a root: grub's root= decides
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 0" "LABEL=boot /boot ext4 defaults 1 2"
mkroot "$disk"
mkdir -p "$T/old/etc"
cp "$R/usr/lib/os-release" "$T/old/etc/os-release"
echo old >"$T/old/etc/hostname"
fstab "$T/old" "LABEL=old / ext4 defaults 0 0"
disk2=$T/two.raw
dd if="$disk" of="$disk2" bs=1M count=400 conv=sparse status=none
truncate -s 480M "$disk2"
printf 'label: gpt\nstart=2048, size=32M, type=U\nsize=16M, type=L\nsize=340M, type=L\nsize=60M, type=L\n' |
    sfdisk -q "$disk2"
mkfs.ext4 -q -F -L old -U "$DATA_UUID" -d "$T/old" -E offset=$(((2048 + 388 * 2048) * 512)) "$disk2" 60M
assert_eq guest11 "$(gr "$disk2" cat /etc/hostname)" "two roots: the one grub's root= names"
printf 'set default=0\nlinux /vmlinuz root=/dev/sda3 ro\n' >"$T/boot/grub2/grub.cfg"
mkfs.ext4 -q -F -L boot -U "$BOOT_UUID" -d "$T/boot" -E offset=$(((2048 + 32 * 2048) * 512)) "$disk2" 16M
assert_eq "root: 2 filesystems hold /etc/fstab and /etc/os-release and grub's root= does not tell which" \
    "$(gr "$disk2" info | grep ^root:)" "two roots and a root= without a UUID: refused, named"

# a root no reader of this build reads
if command -v mkfs.btrfs >/dev/null; then
    # an MBR system disk with boot code: nothing but the root decides
    mkdisk "$T/b.raw" 400 'label: dos\nstart=2048, size=300M, type=83, bootable\n'
    printf '\xeb\x63\x90' | dd of="$T/b.raw" conv=notrunc status=none
    truncate -s 300M "$T/b.fs"
    mkfs.btrfs -q -U 62747266-7300-4000-8000-000000000001 -r "$R" "$T/b.fs" >/dev/null
    put_fs "$T/b.raw" "$T/b.fs" 2048
    assert_match "^root: no filesystem this tool read holds /etc/fstab and /etc/os-release; not read: partition 1 \(btrfs\): btrfs cannot be read without mounting$" \
        "$(gr "$T/b.raw" info | grep ^root:)" "a btrfs root is named, not read"
    # The checks that need the tree are listed in error with that reason:
    # never ready. --file-only still checks the file alone.
    scan btrfs --image "$T/b.raw"
    assert_exit 3 "a btrfs root: incomplete"
    assert_eq incomplete "$(q .verdict)" "a btrfs root: verdict incomplete"
    for c in fstab.device-names boot.grub-root boot.default-kernel os.release; do
        assert_status $c error
        assert_match "btrfs cannot be read without mounting" "$(q ".results[] | select(.id == \"$c\") | .reason")" "$c names the btrfs root"
    done
    assert_status disk.partition-table skip image-twin
    scan btrfs-fileonly --file-only --image "$T/b.raw"
    assert_eq "" "$(status_of fstab.device-names)" "--file-only: no check of the tree"
fi

done_testing
