# The ext2/3/4 reader (fs/ext.c) on filesystems made by mkfs.ext4 -d and
# altered with debugfs: lookups one name at a time and links resolved
# inside the filesystem, stat against debugfs, contents byte for byte,
# inline data, the state the superblock records, and hostile inodes and
# superblocks, each refused with its reason. In-process and in the reader
# child alike.
. "$CSM_SRC/tests/lib.sh"
need_cmd mkfs.ext4 debugfs
: "${CSM_FSREAD:?}"
fsr() { "$CSM_FSREAD" "$@" 2>&1; }

S=$T/src
mkdir -p "$S"/{etc,boot/grub,dir/sub}
echo 'root:x:0:0:root:/root:/bin/bash' >"$S/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$S/etc/shadow"
chmod 0640 "$S/etc/shadow"
echo 'menuentry' >"$S/boot/grub/grub.cfg"
ln -s ../boot/grub/grub.cfg "$S/etc/grub2.cfg"
ln -s /etc "$S/abs"
ln -s ../../.. "$S/dir/up"
ln -s loop2 "$S/loop1"
ln -s loop1 "$S/loop2"
ln -s "$(printf 'x%.0s' $(seq 100))" "$S/slow"
head -c 300000 /dev/urandom >"$S/dir/big"
for i in $(seq 300); do echo "$i" >"$S/dir/sub/f$i"; done

mkext() { # IMG [mkfs options...]
    local img=$1
    shift
    rm -f "$img"
    truncate -s 16M "$img"
    mkfs.ext4 -q -F -U "$ROOT_UUID" -L root "$@" -d "$S" "$img"
}
mkext "$T/e.img"

for mode in "" --child; do
    m=${mode:-in-process}
    out=$(fsr $mode "$T/e.img" info)
    assert_eq "type=ext4 label=root uuid=$ROOT_UUID state=0x0 size=16777216" "$out" "$m: type, label, UUID, size"
    assert_eq 'menuentry' "$(fsr $mode "$T/e.img" cat /etc/grub2.cfg)" "$m: a relative link into another directory"
    assert_eq "$(cat "$S/etc/passwd")" "$(fsr $mode "$T/e.img" cat /abs/passwd)" "$m: an absolute link restarts at the root"
    assert_eq "$(cat "$S/etc/passwd")" "$(fsr $mode "$T/e.img" cat /dir/up/etc/passwd)" "$m: .. stops at the root"
    assert_eq "fsread: /loop1: Too many levels of symbolic links" "$(fsr $mode "$T/e.img" stat /loop1)" "$m: a loop ends"
    assert_eq "fsread: /etc/passwd/x: Not a directory" "$(fsr $mode "$T/e.img" stat /etc/passwd/x)" "$m: a file is not a directory"
    assert_eq "fsread: /etc/nothing: No such file or directory" "$(fsr $mode "$T/e.img" stat /etc/nothing)" "$m: absent"
    if fsr $mode "$T/e.img" cat /dir/big | cmp -s - "$S/dir/big"; then ok "$m: a 300 KB file byte for byte"; else not_ok "$m: the big file differs"; fi
    assert_eq 300 "$(fsr $mode "$T/e.img" ls /dir/sub | grep -c ' -$')" "$m: a directory of 300 entries"
    assert_eq "abs l|boot d|dir d|etc d|loop1 l|loop2 l|lost+found d|slow l" \
        "$(fsr $mode "$T/e.img" ls / | paste -sd'|')" "$m: the root's entries and types, without . and .."
    assert_eq "$(readlink "$S/slow")" "$(fsr $mode "$T/e.img" readlink /slow)" "$m: a slow symlink (a block)"
done

# stat against debugfs
stat_line=$(fsr "$T/e.img" lstat /etc/shadow)
ino=$(debugfs -R "stat /etc/shadow" "$T/e.img" 2>/dev/null | sed -nE 's/^Inode: ([0-9]+).*/\1/p')
assert_eq "mode=0100640 uid=0 gid=0 size=26 nlink=1 flags= ino=$ino" "${stat_line% mtime=*}" "stat matches debugfs"
debugfs -w -R "sif /etc/shadow uid 66770" "$T/e.img" 2>/dev/null
debugfs -w -R "sif /etc/shadow flags 0x80030" "$T/e.img" 2>/dev/null
assert_match 'uid=66770 .* flags=ia ' "$(fsr "$T/e.img" stat /etc/shadow)" "32-bit owners, immutable and append-only flags"

# Inline data: small files in the inode. libext2fs 1.47.0 returns the
# inline capacity (60 bytes) for them: the reader stops at i_size.
mkext "$T/inline.img" -O inline_data
assert_eq "$(cat "$S/etc/shadow")" "$(fsr "$T/inline.img" cat /etc/shadow)" "inline data: exactly i_size bytes"
assert_eq 26 "$(fsr --child "$T/inline.img" cat /etc/shadow | wc -c)" "inline data through the child"
assert_eq 300 "$(fsr "$T/inline.img" ls /dir/sub | wc -l)" "an inline directory grown to blocks"

# ext2 and ext3 are told apart by their features, as blkid does.
truncate -s 8M "$T/e2.img" "$T/e3.img"
mkfs.ext2 -q -F "$T/e2.img"
mkfs.ext3 -q -F "$T/e3.img"
assert_match '^type=ext2 ' "$(fsr "$T/e2.img" info)" "ext2"
assert_match '^type=ext3 ' "$(fsr "$T/e3.img" info)" "ext3"

# statfs against the superblock (dumpe2fs)
free=$(dumpe2fs -h "$T/e.img" 2>/dev/null | sed -nE 's/^Free blocks: +//p')
ifree=$(dumpe2fs -h "$T/e.img" 2>/dev/null | sed -nE 's/^Free inodes: +//p')
assert_match "^block_size=1024 blocks=16384 free=$free avail=[0-9]+ files=[0-9]+ free_files=$ifree stale=0\$" \
    "$(fsr "$T/e.img" statfs)" "free blocks and inodes from the superblock"

# The state the superblock records: a journal to replay, errors, orphans.
cp "$T/e.img" "$T/recover.img"
debugfs -w -R "feature needs_recovery" "$T/recover.img" >/dev/null 2>&1
out=$(fsr "$T/recover.img" info statfs)
assert_contains "$out" "state=0x1 " "needs_recovery is reported"
assert_contains "$out" "state: the journal holds transactions not yet written to the filesystem" "in words"
assert_contains "$out" "stale=1" "the free counters are stale then"
assert_eq "$(cat "$S/etc/passwd")" "$(fsr "$T/recover.img" cat /etc/passwd)" "and the filesystem still reads"
cp "$T/e.img" "$T/errors.img"
debugfs -w -R "ssv state 3" "$T/errors.img" >/dev/null 2>&1
debugfs -w -R "ssv error_count 2" "$T/errors.img" >/dev/null 2>&1
debugfs -w -R "ssv last_orphan 12" "$T/errors.img" >/dev/null 2>&1
out=$(fsr "$T/errors.img" info)
assert_contains "$out" "state=0x18 " "errors and orphans"
assert_contains "$out" "the kernel recorded 2 errors in it; it holds orphan inodes" "in words"

# ---- hostile filesystems ----
# A slow symlink with a forged i_size: refused before anything is read
# (ext2fs_namei_follow would read past its one-block buffer).
cp "$T/e.img" "$T/h.img"
debugfs -w -R "sif /slow size 100000" "$T/h.img" 2>/dev/null
for mode in "" --child; do
    assert_eq "fsread: /slow: File name too long" "$(fsr $mode "$T/h.img" readlink /slow)" "${mode:-in-process}: a huge i_size"
done
# A corrupted inode (its checksum) and a corrupted extent tree.
blk=$(debugfs -R "imap /dir/big" "$T/h.img" 2>/dev/null | sed -nE 's/.*located at block ([0-9]+), offset (0x[0-9a-f]+).*/\1 \2/p')
read -r b o <<<"$blk"
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
cp "$T/e.img" "$T/inode.img"
poke "$T/inode.img" $((b * 1024 + o + 0x28)) '\x00\x00' # the extent header's magic, in i_block
assert_eq "fsread: /dir/big: Inode checksum does not match inode" "$(fsr "$T/inode.img" cat /dir/big)" "a corrupted inode"
mkext "$T/nocsum.img" -O ^metadata_csum
blk=$(debugfs -R "imap /dir/big" "$T/nocsum.img" 2>/dev/null | sed -nE 's/.*located at block ([0-9]+), offset (0x[0-9a-f]+).*/\1 \2/p')
read -r b o <<<"$blk"
poke "$T/nocsum.img" $((b * 1024 + o + 0x28)) '\x00\x00'
assert_match "fsread: /dir/big: .*[Ee]xtent" "$(fsr "$T/nocsum.img" cat /dir/big)" "a corrupted extent tree"
assert_eq 0 "$("$CSM_FSREAD" "$T/nocsum.img" cat /dir/big 2>/dev/null | wc -c)" "and nothing of it is read"
# Superblocks: its checksum, its magic, a filesystem larger than its device.
cp "$T/e.img" "$T/sb.img"
poke "$T/sb.img" $((1024 + 0x78)) 'X' # s_volume_name
assert_eq "fsread: open: Superblock checksum does not match superblock" "$(fsr "$T/sb.img" info)" "the superblock's checksum"
cp "$T/e.img" "$T/magic.img"
poke "$T/magic.img" $((1024 + 56)) '\x00\x00'
assert_eq "fsread: open: Bad magic number in super-block" "$(fsr --type ext4 "$T/magic.img" info)" "the superblock's magic"
assert_match "fsread: open: the filesystem spans 16777216 bytes but its device has 8388608: the image is truncated" \
    "$(fsr --size 8388608 "$T/e.img" info)" "a truncated filesystem"
# An unsupported incompatible feature.
cp "$T/e.img" "$T/feat.img"
debugfs -w -R "ssv feature_incompat 0x80000" "$T/feat.img" >/dev/null 2>&1
assert_match "fsread: open: .*(features|Unsupported|feature)" "$(fsr "$T/feat.img" info)" "an incompatible feature libext2fs does not know"

# Nothing is written: the image is the same after every read.
sum=$(sha256sum <"$T/e.img")
fsr "$T/e.img" info statfs ls / cat /dir/big >/dev/null
fsr --child "$T/e.img" info statfs ls / cat /dir/big >/dev/null
assert_eq "$sum" "$(sha256sum <"$T/e.img")" "the image is not written"
done_testing
