# Broken, incomplete and foreign files: each is refused with its cause
# named (field and offset), none crashes or hangs, and qemu-img agrees that
# something is wrong where it can tell.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-image.sh"

good_image "$T/disk.raw"
cd "$T"
qemu-img convert -O qcow2 disk.raw good.qcow2
qemu-img convert -O vmdk disk.raw good.vmdk
qemu-img convert -O vmdk -o subformat=streamOptimized disk.raw stream.vmdk
qemu-img convert -O vpc disk.raw dyn.vhd
qemu-img convert -O vpc -o subformat=fixed disk.raw fixed.vhd
tar -czSf pkg.tar.gz disk.raw
cd - >/dev/null
QSIZE=$(stat -c %s "$T/good.qcow2")
L1=$(peek_be64 "$T/good.qcow2" 40)

# A corrupt copy: corrupt NAME SOURCE
corrupt() { cp "$T/$2" "$T/$1"; }

# expect NAME STATUS OUTCOME FIELD...: image.integrity (or the check given
# as CHECK=id) and the fields its evidence must name.
expect() {
    local name=$1 st=$2 outcome=$3 check=${CHECK:-image.integrity}
    shift 3
    scan_safe "$name" --file-only --image "$T/$name"
    assert_status "$check" "$st" "$outcome"
    local ev f
    ev=$(evidence_of "$check")
    for f in "$@"; do assert_contains "$ev" "$f" "$name: names $f"; done
    assert_eq 2 "$rc" "$name: blocked"
}

# ---- truncated, at several offsets ----
corrupt cut-header.qcow2 good.qcow2
truncate -s 50 "$T/cut-header.qcow2"
expect cut-header.qcow2 fail truncated "header"
assert_match "is cut short \(1 problem\): " "$(q '.results[] | select(.id == "image.integrity") | .message')" \
    "one problem, in the singular"
qemu_info_ok "$T/cut-header.qcow2" && not_ok "qemu-img info reads a 50-byte qcow2" || ok "qemu-img info refuses it too"

corrupt cut-l1.qcow2 good.qcow2
truncate -s $((L1 + 4)) "$T/cut-l1.qcow2"
expect cut-l1.qcow2 fail truncated "l1_table_offset"
assert_contains "$(evidence_of image.integrity)" "ends past the end of the file" "cut-l1: says why"

corrupt cut-half.qcow2 good.qcow2
truncate -s $((QSIZE / 2)) "$T/cut-half.qcow2"
expect cut-half.qcow2 fail truncated "L2 entry" "refcount block"
assert_eq 2 "$(qemu_check_rc "$T/cut-half.qcow2")" "qemu-img check finds cut-half.qcow2 corrupt too"

corrupt cut.vmdk good.vmdk
truncate -s $(($(stat -c %s "$T/good.vmdk") / 2)) "$T/cut.vmdk"
expect cut.vmdk fail truncated "header"
assert_contains "$(evidence_of image.integrity)" "past the end of the file" "cut.vmdk: grains past the end"

corrupt cut-stream.vmdk stream.vmdk
truncate -s $(($(stat -c %s "$T/stream.vmdk") / 2)) "$T/cut-stream.vmdk"
expect cut-stream.vmdk fail truncated "header"
assert_contains "$(evidence_of image.integrity)" "end-of-stream marker" "cut-stream.vmdk: stream end missing"

corrupt cut-footer.vhd dyn.vhd
truncate -s $(($(stat -c %s "$T/dyn.vhd") - 512)) "$T/cut-footer.vhd"
expect cut-footer.vhd fail truncated "footer"

corrupt cut-blocks.vhd dyn.vhd
truncate -s $(($(stat -c %s "$T/dyn.vhd") / 2)) "$T/cut-blocks.vhd"
expect cut-blocks.vhd fail truncated "footer" "BAT entry"

# A fixed VHD without its footer is raw data of a size no disk has.
corrupt cut-fixed.vhd fixed.vhd
truncate -s $(($(stat -c %s "$T/fixed.vhd") - 1000)) "$T/cut-fixed.vhd"
expect cut-fixed.vhd fail truncated "file size"
assert_status image.format warn name-mismatch

corrupt cut.tar.gz pkg.tar.gz
truncate -s $(($(stat -c %s "$T/pkg.tar.gz") / 2)) "$T/cut.tar.gz"
expect cut.tar.gz fail truncated "package"

# ---- a flipped magic: no longer qcow2, and not a disk either ----
corrupt magic.qcow2 good.qcow2
poke "$T/magic.qcow2" 3 '\xfa'
CHECK=image.format expect magic.qcow2 fail unknown "content"
assert_status image.integrity skip no-image

# ---- header fields out of range ----
corrupt bits.qcow2 good.qcow2
poke "$T/bits.qcow2" 20 '\x00\x00\x00\x1f'
expect bits.qcow2 fail corrupt "cluster_bits"
qemu_info_ok "$T/bits.qcow2" && not_ok "qemu-img info reads cluster_bits 31" || ok "qemu-img info refuses cluster_bits 31"

corrupt l1size.qcow2 good.qcow2
poke "$T/l1size.qcow2" 36 '\x00\x00\x00\x00'
expect l1size.qcow2 fail corrupt "l1_size"

corrupt grain.vmdk good.vmdk
poke "$T/grain.vmdk" 20 '\x03\x00\x00\x00'
expect grain.vmdk fail corrupt "header"
assert_contains "$(evidence_of image.integrity)" "grainSize 3" "grain.vmdk: names grainSize"

# ---- an L1 entry past the end of the file ----
corrupt l1eof.qcow2 good.qcow2
poke "$T/l1eof.qcow2" "$L1" '\x80\x00\x00\x00\x40\x00\x00\x00'
expect l1eof.qcow2 fail truncated "L1 entry"
assert_contains "$(evidence_of image.integrity)" "offset $L1" "l1eof: the entry's offset"
assert_eq 2 "$(qemu_check_rc "$T/l1eof.qcow2")" "qemu-img check finds the L1 entry past the end too"

# ---- a bad VHD checksum ----
corrupt sum.vhd dyn.vhd
# The footer holds qemu-img's time and a random UUID: what the checksum
# should be differs on every run.
GOLDEN_SUBST+=("re:0x[0-9a-f]{8} computed=<computed> computed")
END=$(($(stat -c %s "$T/sum.vhd") - 512))
poke "$T/sum.vhd" $((END + 64)) '\x12\x34\x56\x78'
expect sum.vhd fail corrupt "footer.checksum"
assert_contains "$(evidence_of image.integrity)" "offset $((END + 64))" "sum.vhd: the checksum's offset"

corrupt hsum.vhd dyn.vhd
poke "$T/hsum.vhd" $((512 + 36)) '\x00\x00\x00\x01'
expect hsum.vhd fail corrupt "header.checksum"

# ---- not self-contained ----
qemu-img create -q -f qcow2 -b "$T/good.qcow2" -F qcow2 "$T/overlay.qcow2"
expect overlay.qcow2 fail dependent "backing_file_offset"
assert_contains "$(evidence_of image.integrity)" "$T/good.qcow2" "overlay: names its backing file"
assert_contains "$(qemu-img info "$T/overlay.qcow2")" "backing file: $T/good.qcow2" "qemu-img info shows the backing file"

qemu-img create -q -f vmdk -o subformat=monolithicFlat "$T/desc.vmdk" 64M
# qemu-img writes a random CID without leading zeros: fixed, so is the size.
sed -i 's/^CID=[0-9a-f]*$/CID=5eed0001/' "$T/desc.vmdk"
expect desc.vmdk fail dependent "descriptor"
rm "$T/desc-flat.vmdk"
expect desc.vmdk fail dependent "extent 1 (desc-flat.vmdk)"
assert_contains "$(evidence_of image.integrity)" "No such file or directory" "desc.vmdk: the extent is missing"
qemu_info_ok "$T/desc.vmdk" && not_ok "qemu-img info opens a descriptor without its extent" ||
    ok "qemu-img info refuses the descriptor too"

# ---- encrypted, and features old importers cannot read ----
if qemu-img create -q -f qcow2 --object secret,id=s0,data=secret -o encrypt.format=luks,encrypt.key-secret=s0 \
    "$T/enc.qcow2" 64M 2>/dev/null; then
    expect enc.qcow2 fail encrypted "crypt_method"
fi
if qemu-img create -q -f qcow2 -o compression_type=zstd "$T/zstd.qcow2" 64M 2>/dev/null; then
    expect zstd.qcow2 fail unsupported "compression_type"
fi
corrupt dirty.qcow2 good.qcow2
poke "$T/dirty.qcow2" 79 '\x01'
scan_safe dirty.qcow2 --file-only --image "$T/dirty.qcow2"
assert_status image.integrity warn unclean
assert_eq 1 "$rc" "dirty.qcow2: warnings only"

# ---- not an image at all ----
: >"$T/empty.img"
CHECK=image.format expect empty.img fail empty "content"
random_bytes 1048576 >"$T/random.img"
CHECK=image.format expect random.img fail unknown "content"
qemu-img convert -O vhdx "$T/disk.raw" "$T/disk.vhdx"
CHECK=image.format expect disk.vhdx fail refused "content"
assert_contains "$(q '.results[] | select(.id == "image.format") | .message')" "vhdx" "vhdx is named"
assert_contains "$(q '.results[] | select(.id == "image.format") | .remediation.commands[]')" \
    "qemu-img convert -p -O qcow2 $T/disk.vhdx $T/disk.qcow2" "the conversion command"
# The copy is named after the image, never over a file that is there.
: >"$T/disk.qcow2"
CHECK=image.format expect disk.vhdx fail refused "content"
assert_eq "qemu-img convert -p -O qcow2 $T/disk.vhdx $T/disk-vhdx.qcow2" \
    "$(q '.results[] | select(.id == "image.format") | .remediation.commands[]')" "the copy keeps the format in its name"
: >"$T/disk-vhdx.qcow2"
CHECK=image.format expect disk.vhdx fail refused "content"
assert_eq "qemu-img convert -p -O qcow2 $T/disk.vhdx $T/disk-vhdx-2.qcow2" \
    "$(q '.results[] | select(.id == "image.format") | .remediation.commands[]')" "and a number when that is taken too"
rm "$T/disk.qcow2" "$T/disk-vhdx.qcow2"
for id in image.integrity image.size image.partition-table image.filesystems image.bootable; do
    assert_status "$id" skip no-image
done
printf '\x7fELF\x02\x01\x01' >"$T/prog"
head -c 4096 /dev/zero >>"$T/prog"
CHECK=image.format expect prog fail refused "content"

# ---- boot.efi never passes on a guest disk that was not read ----
printf 'Bochs Virtual HD Image\0' >"$T/bochs.img"
truncate -s 1M "$T/bochs.img"
head -c 1000 "$T/dyn.vhd" >"$T/cut-start.vhd"
for f in cut-start.vhd cut-header.qcow2 cut-l1.qcow2 disk.vhdx bochs.img empty.img random.img; do
    scan_safe "$f" --file-only --image "$T/$f"
    st=$(q '.results[] | select(.id == "boot.efi") | .status')
    case $st in
    skip | error) ok "$f: boot.efi is $st" ;;
    *) not_ok "$f: boot.efi is $st on a guest disk that was not read" ;;
    esac
    assert_match '^.{8,}' "$(q '.results[] | select(.id == "boot.efi") | .reason')" "$f: boot.efi says why"
    for id in image.partition-table image.filesystems image.bootable; do
        assert_match '^(skip|error)$' "$(q ".results[] | select(.id == \"$id\") | .status")" "$f: $id does not pass"
    done
done
scan_safe cut-start.vhd --file-only --image "$T/cut-start.vhd"
assert_status boot.efi error
assert_contains "$(q '.results[] | select(.id == "boot.efi") | .reason')" "footer" "cut-start.vhd: the reason names the missing footer"
assert_status image.integrity fail truncated
scan_safe disk.vhdx --file-only --image "$T/disk.vhdx"
assert_status boot.efi skip no-image

# ---- operational errors and usage ----
run_csm --file-only --image "$T/missing.qcow2"
assert_exit 4 "a missing file is an operational error"
assert_contains "$err" "--image $T/missing.qcow2" "names the file"
run_csm --file-only --image "$T"
assert_exit 4 "a directory is not an image"
run_csm --file-only --image "$T/good.qcow2" --root /
assert_exit 64 "--image with --root"
run_csm --role data
assert_exit 64 "--role without --image"
run_csm --file-only --image "$T/good.qcow2" --role boot
assert_exit 64 "an unknown role"
done_testing
