# The FAT reader (fs/fat.c) on EFI System Partitions made by mkfs.vfat and
# filled with mtools: FAT12, FAT16 and FAT32, long names and 8.3 names
# matched without regard to case as Linux's vfat does, files over many
# clusters byte for byte, the free clusters against minfo; and hostile
# volumes: a cluster chain that loops, a cluster out of range, a boot
# sector with a broken geometry, a truncated volume, the dirty bit.
. "$CSM_SRC/tests/lib.sh"
need_cmd mkfs.vfat mmd mcopy mdir minfo mshowfat
: "${CSM_FSREAD:?}"
fsr() { "$CSM_FSREAD" "$@" 2>&1; }
export MTOOLS_SKIP_CHECK=1

echo 'set root=(hd0,gpt2)' >"$T/grub.cfg"
head -c 300000 /dev/urandom >"$T/big.efi"
mkesp() { # IMG FAT-BITS SECTORS
    rm -f "$1"
    mkfs.vfat -F "$2" -i 1234abcd -n ESP -C "$1" "$3" >/dev/null
    mmd -i "$1" ::/EFI ::/EFI/debian ::/EFI/BOOT ::/EFI/VeryLongVendorName
    mcopy -i "$1" "$T/grub.cfg" ::/EFI/debian/grub.cfg
    mcopy -i "$1" "$T/big.efi" ::/EFI/debian/shimx64.efi
    mcopy -i "$1" "$T/big.efi" ::/EFI/BOOT/BOOTX64.EFI
}

for bits in 32 16 12; do
    sectors=$((bits == 32 ? 65536 : bits == 16 ? 32768 : 8192))
    img=$T/esp$bits.img
    mkesp "$img" "$bits" "$sectors"
    for mode in "" --child; do
        m="FAT$bits${mode:+ (child)}"
        assert_eq "type=vfat label=ESP uuid=1234-ABCD state=0x0 size=$((sectors * 1024))" "$(fsr $mode "$img" info)" "$m: label and serial"
        assert_eq "EFI d" "$(fsr $mode "$img" ls /)" "$m: the root without the volume label"
        assert_eq "BOOT d|VeryLongVendorName d|debian d" "$(fsr $mode "$img" ls /EFI | paste -sd'|')" "$m: long and 8.3 names"
        assert_eq "$(cat "$T/grub.cfg")" "$(fsr $mode "$img" cat /efi/DEBIAN/Grub.Cfg)" "$m: names match without regard to case"
        assert_eq "$(cat "$T/grub.cfg")" "$(fsr $mode "$img" cat /EFI/VERYLO~1/../debian/grub.cfg)" "$m: the 8.3 alias of a long name"
        if fsr $mode "$img" cat /EFI/BOOT/BOOTX64.EFI | cmp -s - "$T/big.efi"; then ok "$m: a file over many clusters"; else
            not_ok "$m: the big file differs"; fi
        assert_eq "fsread: /EFI/nothing: No such file or directory" "$(fsr $mode "$img" stat /EFI/nothing)" "$m: absent"
        assert_eq "fsread: /EFI/debian/grub.cfg/x: Not a directory" "$(fsr $mode "$img" stat /EFI/debian/grub.cfg/x)" "$m: not a directory"
    done
    assert_match '^mode=0100755 uid=0 gid=0 size=300000 nlink=1 ' "$(fsr "$img" stat /EFI/debian/shimx64.efi)" "FAT$bits: stat"
    free=$(minfo -i "$img" | sed -nE 's/^free clusters=([0-9]+).*/\1/p')
    if [ -n "$free" ]; then
        assert_match "^block_size=[0-9]+ blocks=[0-9]+ free=$free avail=$free " "$(fsr "$img" statfs)" "FAT$bits: free clusters as minfo counts them"
    fi
done

# ---- hostile volumes ----
img=$T/esp32.img
fat_off=$((32 * 512)) # mkfs.vfat's 32 reserved sectors
first=$(mshowfat -i "$img" ::/EFI/debian/shimx64.efi | sed -nE 's/.*<([0-9]+)-.*/\1/p')
# The file's second cluster points back at its first: a loop.
cp "$img" "$T/loop.img"
printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((first & 255)) $((first >> 8 & 255)) $((first >> 16 & 255)) 0)" |
    dd of="$T/loop.img" bs=1 seek=$((fat_off + (first + 1) * 4)) conv=notrunc status=none
assert_match "fsread: /EFI/debian/shimx64.efi: FAT: " "$(fsr "$T/loop.img" cat /EFI/debian/shimx64.efi | tail -c 300 | tr -d '\0' | grep -a fsread)" \
    "a cluster chain that loops ends with an error"
# ... and a cluster number out of the volume.
cp "$img" "$T/range.img"
printf '\xf0\xff\xff\x0e' | dd of="$T/range.img" bs=1 seek=$((fat_off + first * 4)) conv=notrunc status=none
assert_match "FAT: cluster $first is followed by [0-9]+, which is not a data cluster" \
    "$(fsr "$T/range.img" cat /EFI/debian/shimx64.efi | grep -a fsread)" "a cluster out of range"
# A boot sector whose sector size is not a power of two.
cp "$img" "$T/bps.img"
printf '\x00\x03' | dd of="$T/bps.img" bs=1 seek=11 conv=notrunc status=none
assert_eq "fsread: open: the FAT boot sector's geometry is invalid" "$(fsr --type vfat "$T/bps.img" info)" "a broken geometry"
assert_match "fsread: open: the filesystem spans [0-9]+ bytes but its device has 1048576" \
    "$(fsr --size 1048576 "$img" info)" "a truncated volume"
# Linux's dirty bit (set while mounted).
cp "$img" "$T/dirty.img"
printf '\x01' | dd of="$T/dirty.img" bs=1 seek=65 conv=notrunc status=none
assert_contains "$(fsr "$T/dirty.img" info)" "state: the FAT volume was not cleanly unmounted" "the dirty bit"
sum=$(sha256sum <"$img")
fsr "$img" info statfs ls /EFI cat /EFI/BOOT/BOOTX64.EFI >/dev/null
assert_eq "$sum" "$(sha256sum <"$img")" "the image is not written"
done_testing
