# What an image must hold depends on what it becomes: a system disk must
# boot from its MBR, a data disk only has to fit. Sizes against the target.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-image.sh"
need_cmd mkfs.vfat

good_image "$T/disk.raw"
qemu-img convert -O qcow2 "$T/disk.raw" "$T/disk.qcow2"

# ---- size against the target disk ----
scan small --file-only --image "$T/disk.qcow2" --target-disk-size 32M
assert_status image.size fail too-small
assert_exit 2
assert_contains "$(q '.results[] | select(.id == "image.size") | .message')" "image file verification failed" \
    "names the platform's error"
qemu-img convert -O vpc -o subformat=fixed "$T/disk.raw" "$T/fixed.vhd"
scan filesize --file-only --image "$T/fixed.vhd" --target-disk-size $((64 * 1024 * 1024 + 512 * 0 + 16384))
assert_status image.size fail file-too-large
scan nosize --file-only --image "$T/disk.qcow2"
assert_status image.size skip no-target-size
assert_contains "$(q '.results[] | select(.id == "image.size") | .message')" "Virtual size 64.0 MiB" "sizes shown"
assert_eq 67108864 "$(q .image.virtual_size)" "virtual size"
assert_eq "$(stat -c %s "$T/disk.qcow2")" "$(q .image.file_size)" "file size"

# ---- a GPT data disk: fine as a data disk, not as a system disk ----
mkdisk "$T/data.raw" 64 'label: gpt\nsize=60M, type=linux\n'
mkfs_img "$T/data.fs" ext4 60 "$DATA_UUID" data
put_fs "$T/data.raw" "$T/data.fs" 2048
qemu-img convert -O qcow2 "$T/data.raw" "$T/data.qcow2"
scan data --file-only --image "$T/data.qcow2" --role data --target-disk-size 1G
assert_exit 0
assert_eq data "$(q .target.role)" "role in the target"
assert_status image.partition-table skip data-role
assert_status image.bootable skip data-role
assert_status boot.efi skip data-role
assert_status image.filesystems pass found
assert_eq "$DATA_UUID" "$(q '.image.partitions[0].uuid')" "data UUID through the GPT"
scan gptsys --file-only --image "$T/data.qcow2"
assert_status image.partition-table fail gpt
assert_status image.bootable fail gpt
assert_exit 2

# ---- a GPT system disk that boots with BIOS: boot code in the protective MBR, a BIOS boot partition ----
mkdisk "$T/biosgpt.raw" 64 'label: gpt
start=2048, size=1M, type=21686148-6449-6E6F-744E-656564454649
size=60M, type=linux
'
truncate -s 60M "$T/bg.fs"
mke2fs -q -F -t ext4 -U "$ROOT_UUID" -M / "$T/bg.fs"
put_fs "$T/biosgpt.raw" "$T/bg.fs" 4096
printf 'ëc' | dd of="$T/biosgpt.raw" conv=notrunc status=none
scan biosgpt --file-only --image "$T/biosgpt.raw"
assert_status boot.efi pass bios
assert_contains "$(evidence_of boot.efi)" "partition 1 of $T/biosgpt.raw is a BIOS boot partition" "boot.efi: the BIOS boot partition"
assert_status image.bootable fail gpt
assert_contains "$(q '.results[] | select(.id == "image.bootable") | .message')" "GPT disk" "image.bootable names GPT"
assert_not_contains "$(q '.results[] | select(.id == "image.bootable") | .message')" "no MBR partition table" \
    "image.bootable does not say there is no MBR partition table"
assert_contains "$(evidence_of image.bootable)" "partition 1 is a BIOS boot partition" "image.bootable: the BIOS boot partition"
assert_contains "$(q '.results[] | select(.id == "image.bootable") | .remediation.hint')" "online migration agent" \
    "image.bootable: the ways out"
scan gptonline --file-only --image "$T/data.qcow2" --profile online
assert_eq info "$(q '.results[] | select(.id == "image.partition-table") | .severity')" "GPT is info online"

# ---- no boot code in the MBR ----
cp "$T/disk.raw" "$T/noboot.raw"
dd if=/dev/zero of="$T/noboot.raw" bs=440 count=1 conv=notrunc status=none
scan noboot --file-only --image "$T/noboot.raw"
assert_status image.partition-table fail no-boot-code
assert_status image.bootable fail no-boot-code

# ---- an export that stopped too early (dd count too small) ----
head -c $((30 * 1024 * 1024)) "$T/disk.raw" >"$T/short.raw"
scan short --file-only --image "$T/short.raw"
assert_status image.partition-table fail past-end
assert_status image.bootable fail cut-off
assert_eq true "$(q '.image.partitions[0].past_end')" "partition 1 ends past the end"
assert_contains "$(evidence_of image.bootable)" "ends past the end of the disk" "the cut partition is named"

# ---- a separate /boot, and an EFI System Partition ----
mkdisk "$T/boot.raw" 96 'label: dos\nstart=2048, size=16M, type=83, bootable\nsize=40M, type=83\nsize=16M, type=ef\n'
truncate -s 16M "$T/b.fs"
mke2fs -q -F -t ext4 -U "$BOOT_UUID" -M /boot "$T/b.fs"
truncate -s 40M "$T/r.fs"
mke2fs -q -F -t ext4 -U "$ROOT_UUID" -M / "$T/r.fs"
mkfs_img "$T/e.fs" vfat 16 "ABCD-1234" EFI
put_fs "$T/boot.raw" "$T/b.fs" 2048
put_fs "$T/boot.raw" "$T/r.fs" $((2048 + 16 * 2048))
put_fs "$T/boot.raw" "$T/e.fs" $((2048 + 56 * 2048))
printf '\xeb\x63\x90' | dd of="$T/boot.raw" conv=notrunc status=none
qemu-img convert -O vmdk "$T/boot.raw" "$T/boot.vmdk"
scan boot --file-only --image "$T/boot.vmdk"
assert_status image.bootable pass bootable
assert_eq "/boot" "$(q '.image.partitions[0].use')" "partition 1 is /boot"
assert_eq "/" "$(q '.image.partitions[1].use')" "partition 2 is /"
assert_eq EFI "$(q '.image.partitions[2].use')" "partition 3 is the ESP"
assert_eq vfat "$(q '.image.partitions[2].fstype')" "ESP filesystem"
assert_status boot.efi warn hybrid
assert_contains "$(evidence_of boot.efi)" "EFI System Partition" "boot.efi uses the image's ESP"
# Cut through /boot's successor: / is lost.
head -c $((30 * 1024 * 1024)) "$T/boot.raw" >"$T/boot-short.raw"
scan bootshort --file-only --image "$T/boot-short.raw"
assert_status image.bootable fail cut-off

# ---- a partition exported alone: no MBR ----
scan part --file-only --image "$T/r.fs"
assert_status image.partition-table fail none
assert_status image.bootable fail no-mbr
assert_eq ext4 "$(q .image.partition_table.whole_disk_fstype)" "the whole disk is a filesystem"

# ---- a blank raw disk ----
truncate -s 16M "$T/blank.raw"
scan blank --file-only --image "$T/blank.raw" --role data
assert_status image.format warn blank
assert_status image.filesystems fail none

# ---- duplicate filesystem UUIDs ----
mkdisk "$T/dup.raw" 64 'label: dos\nstart=2048, size=30M, type=83\nsize=30M, type=83\n'
put_fs "$T/dup.raw" "$T/data.fs" 2048
put_fs "$T/dup.raw" "$T/data.fs" $((2048 + 30 * 2048)) 2>/dev/null || true
scan dup --file-only --image "$T/dup.raw" --role data
assert_status image.filesystems warn duplicate-uuid

# ---- the check list says which scans each check belongs to ----
run_csm --list-checks --format json
assert_eq image "$(jq -r '.checks[] | select(.id == "image.format") | .scope' <<<"$out")" "image.format scope"
assert_eq "system image" "$(jq -r '.checks[] | select(.id == "boot.efi") | .scope' <<<"$out")" "boot.efi scope"
assert_eq system "$(jq -r '.checks[] | select(.id == "fstab.other-disks") | .scope' <<<"$out")" "fstab scope"
done_testing
