# The XFS reader (fs/xfs.c: libfsxfs behind guards of our own) on
# filesystems made by mkfs.xfs -p from a protofile and altered with
# xfs_db: lookups and links, stat from the raw inode (flags, owners, times
# that libfsxfs gets wrong on bigtime inodes), contents, directories in
# block and leaf form, remote symlinks; Debian 12's default, bigtime=0 and
# the v4 layout; what libfsxfs would read wrong without a word (nrext64,
# a dirty log) refused or reported; a crafted inode on which libfsxfs
# aborts becomes a named error of the reader child.
. "$CSM_SRC/tests/lib.sh"
need_cmd mkfs.xfs xfs_db xfs_logprint
: "${CSM_FSREAD:?}"
case $("$CSM_FSREAD" --type xfs /dev/null info 2>&1) in
*"cannot be read by this build"*) skip_test "this build reads no XFS (built without libfsxfs)" ;;
esac
fsr() { "$CSM_FSREAD" "$@" 2>&1; }

S=$T/src
mkdir -p "$S"
echo 'root:x:0:0:root:/root:/bin/bash' >"$S/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$S/shadow"
echo 'menuentry' >"$S/grub.cfg"
head -c 300000 /dev/urandom >"$S/big"
long=$(printf 'y%.0s' $(seq 1000))
{
    printf 'csm\n0 0\nd--755 0 0\n'
    printf 'etc d--755 0 0\n'
    printf 'passwd ---644 0 0 %s\nshadow ---640 1234 5678 %s\ngrub2.cfg l--777 0 0 ../boot/grub2/grub.cfg\n$\n' \
        "$S/passwd" "$S/shadow"
    printf 'boot d--755 0 0\ngrub2 d--755 0 0\ngrub.cfg ---644 0 0 %s\n$\n$\n' "$S/grub.cfg"
    printf 'abs l--777 0 0 /etc\nloop1 l--777 0 0 loop2\nloop2 l--777 0 0 loop1\nremote l--777 0 0 %s\n' "$long"
    printf 'dir d--755 0 0\nbig ---644 0 0 %s\nup l--777 0 0 ../../..\nsuid -u-755 0 0 %s\n' "$S/big" "$S/passwd"
    printf '$\nmany d--755 0 0\n'
    for i in $(seq 300); do printf 'file%03d ---644 0 0 %s\n' "$i" "$S/passwd"; done
    printf '$\n$\n'
} >"$T/proto"
# mkfs.xfs refuses less than 300 MB unless told it makes a test filesystem.
mkxfs() { # IMG [mkfs options...]
    local img=$1
    shift
    rm -f "$img"
    truncate -s 64M "$img"
    TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -m uuid="$ROOT_UUID" -L root "$@" -p "$T/proto" "$img"
}
mkxfs "$T/x.img"
now=$(date +%s)

check_tree() { # IMG WHAT [fsread options]
    local img=$1 what=$2
    shift 2
    assert_eq "type=xfs label=root uuid=$ROOT_UUID state=0x0 size=67108864" "$(fsr "$@" "$img" info)" "$what: type, label, UUID"
    assert_eq 'menuentry' "$(fsr "$@" "$img" cat /etc/grub2.cfg)" "$what: a relative link across directories"
    assert_eq "$(cat "$S/passwd")" "$(fsr "$@" "$img" cat /abs/passwd)" "$what: an absolute link restarts at the root"
    assert_eq "$(cat "$S/passwd")" "$(fsr "$@" "$img" cat /dir/up/etc/passwd)" "$what: .. stops at the root"
    assert_eq "fsread: /loop1: Too many levels of symbolic links" "$(fsr "$@" "$img" stat /loop1)" "$what: a loop ends"
    assert_eq "fsread: /etc/passwd/x: Not a directory" "$(fsr "$@" "$img" stat /etc/passwd/x)" "$what: not a directory"
    assert_eq "$long" "$(fsr "$@" "$img" readlink /remote)" "$what: a remote symlink of 1000 bytes"
    if fsr "$@" "$img" cat /dir/big | cmp -s - "$S/big"; then ok "$what: a 300 KB file byte for byte"; else not_ok "$what: the big file differs"; fi
    assert_eq 300 "$(fsr "$@" "$img" ls /many | grep -c '^file[0-9]* -$')" "$what: a directory of 300 entries"
    assert_eq "$(cat "$S/passwd")" "$(fsr "$@" "$img" cat /many/file300)" "$what: a lookup in it"
    local st
    st=$(fsr "$@" "$img" stat /etc/shadow)
    assert_match '^mode=0100640 uid=1234 gid=5678 size=26 nlink=1 flags= ' "$st" "$what: stat from the inode"
    local mtime=${st##*mtime=}
    if [ "$mtime" -ge $((now - 600)) ] && [ "$mtime" -le $((now + 600)) ]; then ok "$what: mtime is the time of mkfs"; else
        not_ok "$what: mtime $mtime is not about $now"; fi
    assert_match '^mode=0104755 ' "$(fsr "$@" "$img" stat /dir/suid)" "$what: a setuid file"
}
check_tree "$T/x.img" "default (bigtime)"
check_tree "$T/x.img" "child" --child
mkxfs "$T/nobig.img" -m bigtime=0
check_tree "$T/nobig.img" "bigtime=0"
mkxfs "$T/v4.img" -m crc=0 2>/dev/null
check_tree "$T/v4.img" "v4 (crc=0)"

# statfs against xfs_db
read -r fd ic if < <(xfs_db -r -c 'sb 0' -c 'print fdblocks icount ifree' "$T/x.img" | awk '{print $3}' | paste -sd' ')
assert_match "^block_size=4096 blocks=16384 free=$fd avail=$fd files=[0-9]+ free_files=[0-9]+ stale=0\$" \
    "$(fsr "$T/x.img" statfs)" "free blocks from the superblock"

# Inode flags (libfsxfs does not read them) from the raw inode.
cp "$T/x.img" "$T/imm.img"
xfs_db -x -c 'path /etc/shadow' -c 'write core.immutable 1' -c 'write core.append 1' "$T/imm.img" >/dev/null
assert_match ' flags=ia ' "$(fsr "$T/imm.img" stat /etc/shadow)" "immutable and append-only"

# ---- what libfsxfs would read wrong without a word ----
mkxfs "$T/nr.img" -i nrext64=1
assert_eq "fsread: open: XFS features this build's XFS reader does not read: nrext64 (incompatible features 0x20)" \
    "$(fsr "$T/nr.img" info)" "nrext64 is refused, named"
# A dirty log: the unmount record that mkfs wrote, made an ordinary one.
cp "$T/x.img" "$T/dirty.img"
read -r logstart bs < <(xfs_db -r -c 'sb 0' -c 'print logstart blocksize' "$T/dirty.img" | awk '{print $3}' | paste -sd' ')
agblocks=$(xfs_db -r -c 'sb 0' -c 'print agblocks' "$T/dirty.img" | awk '{print $3}')
agblklog=$(xfs_db -r -c 'sb 0' -c 'print agblklog' "$T/dirty.img" | awk '{print $3}')
logoff=$((((logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))) * bs))
printf '\x00' | dd of="$T/dirty.img" bs=1 seek=$((logoff + 512 + 9)) conv=notrunc status=none
assert_contains "$(xfs_logprint -t "$T/dirty.img" 2>&1)" "DIRTY" "xfs_logprint calls it dirty"
out=$(fsr "$T/dirty.img" info statfs)
assert_contains "$out" "state=0x2 " "the dirty log is reported"
assert_contains "$out" "state: the XFS log was not cleanly unmounted" "in words"
assert_contains "$out" "stale=1" "the free counters are stale then"
assert_contains "$(xfs_logprint -t "$T/x.img" 2>&1)" "CLEAN" "xfs_logprint calls the fresh one clean"
# The superblock's checksum (libfsxfs does not check it), an inode's.
cp "$T/x.img" "$T/sb.img"
printf 'Z' | dd of="$T/sb.img" bs=1 seek=108 conv=notrunc status=none # sb_fname
assert_eq "fsread: open: the XFS superblock's checksum does not match" "$(fsr "$T/sb.img" info)" "the superblock's CRC"
cp "$T/x.img" "$T/inode.img"
ino=$(xfs_db -r -c 'path /etc/passwd' -c 'print v3.inumber' "$T/inode.img" | awk '{print $3}')
ioff=$(xfs_db -r -c "convert inode $ino byte" "$T/inode.img" | sed -nE 's/.*\(([0-9]+)\)$/\1/p')
printf '\x77' | dd of="$T/inode.img" bs=1 seek=$((ioff + 56 + 7)) conv=notrunc status=none # di_size
assert_eq "fsread: /etc/passwd: inode $ino: its checksum does not match" "$(fsr "$T/inode.img" stat /etc/passwd)" "an inode's CRC"
assert_match "fsread: open: the filesystem spans 67108864 bytes but its device has 33554432" \
    "$(fsr --size 33554432 "$T/x.img" info)" "a truncated filesystem"

# libfsxfs 20201117 frees twice in its path lookup when the found inode
# does not parse (a 4-byte inline symlink claiming 4000 bytes): in the
# reader child that is a named error, and the filesystem reads no more.
cp "$T/x.img" "$T/abort.img"
xfs_db -x -c 'path /abs' -c 'write core.size 4000' "$T/abort.img" >/dev/null
out=$(fsr --child "$T/abort.img" cat /abs/passwd cat /etc/passwd) || true
# (under AddressSanitizer its report ends the child: abort, or exit 1)
assert_match 'fsread: /abs/passwd: the filesystem reader (crashed \(Aborted\)|ended \(exit status 1\)) while looking up "abs" in directory inode [0-9]+ of the xfs filesystem' \
    "$out" "libfsxfs's abort is a named error"
assert_match 'fsread: /etc/passwd: the filesystem reader (crashed|ended) ' "$out" "later reads fail with the same reason"

sum=$(sha256sum <"$T/x.img")
fsr "$T/x.img" info statfs ls / cat /dir/big >/dev/null
assert_eq "$sum" "$(sha256sum <"$T/x.img")" "the image is not written"
done_testing
