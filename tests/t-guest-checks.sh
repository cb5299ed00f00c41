# csm-precheck --image runs every system check on the guest's tree (read
# from the image without mounting) and gives, check by check, the status
# and outcome that `csm-precheck --root TREE --disk RAW` gives on the disk
# the image was made from: a ready Debian and RHEL tree and defective variants (grub
# root=/dev/sda1, an fstab naming another disk, /etc/shadow 0666, an
# initramfs without virtio, open-vm-tools installed), each written by
# mkfs.ext4 -d into an sfdisk-made disk and converted by qemu-img.
. "$CSM_SRC/tests/lib.sh"
need_cmd sfdisk mkfs.ext4 qemu-img jq

mkdisk_tree() { # TREE RAW: / (ext4) on the one partition of a DOS disk
    rm -f "$2"
    truncate -s 64M "$2"
    printf 'label: dos\nlabel-id: 0x5eed1111\nstart=2048, type=83, bootable\n' | sfdisk -q "$2"
    mkfs.ext4 -q -F -U "$ROOT_UUID" -L root -d "$1" -E offset=1048576 "$2" 63M
}

# The system checks (not image.*, and not the two disk checks that stand
# for image.partition-table and image.size) of --image against those of
# --root TREE --disk RAW on the disk the image was made from.
compare() { # NAME TREE [FORMAT]: sets $G to the image's "ID STATUS OUTCOME" lines
    local name=$1 tree=$2 fmt=${3:-qcow2} sel
    sel='.results[] | select((.id | startswith("image.") | not) and .id != "disk.partition-table" and .id != "disk.capacity") | "\(.id) \(.status) \(.outcome // "")"'
    mkdisk_tree "$tree" "$T/$name.raw"
    qemu-img convert -f raw -O "$fmt" "$T/$name.raw" "$T/$name.$fmt"
    scan "$name-root" --root "$tree" --disk "$T/$name.raw"
    q "$sel" >"$T/$name.root"
    scan "$name-image" --image "$T/$name.$fmt"
    q "$sel" >"$T/$name.image"
    rm -f "$T/$name.raw" "$T/$name.$fmt"
    if diff -u "$T/$name.root" "$T/$name.image" >"$T/$name.diff"; then
        ok "$name: the $(wc -l <"$T/$name.root") system checks of --image say what --root --disk says"
    else
        not_ok "$name: --image and --root --disk differ: $(cat "$T/$name.diff")"
    fi
    assert_eq "skip image-twin|skip image-twin" \
        "$(q '.results[] | select(.id == "disk.partition-table" or .id == "disk.capacity") | "\(.status) \(.outcome)"' | paste -sd'|')" \
        "$name: the disk checks stand aside for their image twins"
    G=$(cat "$T/$name.image")
}

has() { # REGEX WHAT: a line of the image's results matches
    if grep -qE "^$1" <<<"$G"; then ok "$2"; else not_ok "$2: no line matches ^$1 in: $G"; fi
}

readytree "$T/ready"
compare ready "$T/ready"
has "boot.grub-root pass " "ready: grub's root= passes"
has "accounts.shadow pass" "ready: /etc/shadow passes"

GRUBDIR=boot/grub2 readytree "$T/rhel" rhel
GRUBDIR=boot/grub2 grubcfg "$T/rhel" "UUID=$ROOT_UUID"
compare rhel "$T/rhel" vmdk
has "os.release pass" "rhel: os-release through its link into /usr"

readytree "$T/sda1"
grubcfg "$T/sda1" /dev/sda1
compare grub-sda1 "$T/sda1" vpc
has "boot.grub-root (fail|warn) " "grub root=/dev/sda1 is found on the image"

readytree "$T/otherdisk"
fstab "$T/otherdisk" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$DATA_UUID /data ext4 defaults 0 2"
compare other-disk "$T/otherdisk"

readytree "$T/shadow"
chmod 0666 "$T/shadow/etc/shadow"
compare shadow-0666 "$T/shadow"
has "accounts.shadow (fail|warn) " "a world-writable /etc/shadow is found on the image"

readytree "$T/novirtio"
IR_MODS=- IR_NAME=initrd.img-VER mkkernel "$T/novirtio" 6.1.0-13-amd64
compare no-virtio "$T/novirtio"
has "drivers.virtio-initramfs fail missing" "an initramfs without virtio, read from the image"

readytree "$T/vmtools"
printf 'Package: open-vm-tools\nStatus: install ok installed\nVersion: 2:12.2.0-1\n\n' >>"$T/vmtools/var/lib/dpkg/status"
compare open-vm-tools "$T/vmtools"
has "software.guest-tools (fail|warn) " "open-vm-tools installed is found on the image"

done_testing
