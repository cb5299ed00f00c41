# --image of a system whose root is XFS (mkfs.xfs -p from a protofile of a
# ready tree, in an sfdisk-made disk), end to end: read, the system checks
# run on it; with nrext64 (mkfs.xfs -i nrext64=1), which libfsxfs would read
# as zeros and "not found", the root is refused and the checks that need
# the tree are errors naming it, incomplete, exit 3; and a crafted inode on
# which libfsxfs aborts (an inline symlink claiming 4000 bytes, looked up
# by a check after the root was found) ends the reader child in
# the middle of the scan: a named error, incomplete, never ready.
. "$CSM_SRC/tests/lib.sh"
need_cmd sfdisk mkfs.xfs xfs_db jq
case $("$CSM_FSREAD" --type xfs /dev/null info 2>&1 || true) in
*"cannot be read by this build"*) skip_test "this build reads no XFS (built without libfsxfs)" ;;
esac

readytree "$T/tree"
# merged /usr, as Debian 12 has it: /lib a link to usr/lib
cp -a "$T/tree/lib/." "$T/tree/usr/lib/"
rm -rf "$T/tree/lib"
ln -s usr/lib "$T/tree/lib"

# The protofile of a tree (mkfs.xfs(8)): directories, files and symlinks
# with their modes and owners.
"$PYTHON" - "$T/tree" >"$T/proto" <<'PY'
import os, stat, sys
def walk(d, depth):
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        st = os.lstat(p)
        perm = "%s%s%03o %d %d" % ("u" if st.st_mode & stat.S_ISUID else "-",
                                   "g" if st.st_mode & stat.S_ISGID else "-",
                                   stat.S_IMODE(st.st_mode) & 0o777, st.st_uid, st.st_gid)
        if stat.S_ISLNK(st.st_mode):
            print("%s l%s %s" % (name, perm, os.readlink(p)))
        elif stat.S_ISDIR(st.st_mode):
            print("%s d%s" % (name, perm))
            walk(p, depth + 1)
            print("$")
        elif stat.S_ISREG(st.st_mode):
            print("%s -%s %s" % (name, perm, p))
print("csm\n0 0\nd--755 0 0")
walk(sys.argv[1], 0)
print("$")
PY

mkimage() { # RAW [mkfs.xfs options]: / (XFS, 320 MiB) on the one partition of a DOS disk with boot code
    local raw=$1
    shift
    rm -f "$raw" "$T/root.fs"
    truncate -s 322M "$raw"
    printf 'label: dos\nlabel-id: 0x5eed5555\nstart=2048, type=83, bootable\n' | sfdisk -q "$raw"
    printf '\xeb\x63\x90' | dd of="$raw" conv=notrunc status=none
    truncate -s 320M "$T/root.fs"
    mkfs.xfs -q -f -m uuid="$ROOT_UUID" -L root "$@" -p "$T/proto" "$T/root.fs"
}
place() { put_fs "$1" "$T/root.fs" 2048; rm -f "$T/root.fs"; }

# The XFS root read: its distribution and its fstab's root.
mkimage "$T/x.raw"
place "$T/x.raw"
scan xfs --image "$T/x.raw"
assert_status os.release pass
assert_eq "/ 1 xfs" "$(q '[.plan.holds.mounts[] | "\(.mount) \(.partition) \(.fstype)"] | join("|")')" "an XFS root: held"
assert_eq "" "$(q '[.plan.missing[].item] | join(" ")')" "an XFS root: nothing missing"

# nrext64: refused as not verifiable, the checks that need the tree in error
if mkimage "$T/nr.raw" -i nrext64=1 2>/dev/null; then
    place "$T/nr.raw"
    scan nrext64 --image "$T/nr.raw"
    assert_exit 3 "nrext64: incomplete"
    assert_eq incomplete "$(q .verdict)" "nrext64: verdict incomplete, never ready"
    for c in os.release fstab.device-names boot.grub-root accounts.shadow drivers.virtio-initramfs; do
        assert_status $c error
        assert_match "XFS features this build's XFS reader does not read: nrext64" \
            "$(q ".results[] | select(.id == \"$c\") | .reason")" "nrext64: $c names the feature"
    done
    assert_eq "0" "$(q '[.results[] | select(.status == "pass" and (.id | startswith("image.") | not) and .id != "boot.efi")] | length')" \
        "nrext64: no system check passes"
    rm -f "$T/nr.raw"
else
    ok "SKIP nrext64: this mkfs.xfs does not make it"
fi

# The reader child aborts in the middle of the scan: the root was found
# (/etc/fstab, /etc/os-release read), then the driver checks look up
# /lib/modules, and /lib is the link whose inode libfsxfs frees twice.
mkimage "$T/abort.raw"
xfs_db -x -c 'path /lib' -c 'write core.size 4000' "$T/root.fs" >/dev/null
place "$T/abort.raw"
# (what the C library, or AddressSanitizer, says of the double free varies)
GOLDEN_SUBST+=('re:the filesystem reader (crashed|ended) \([^)]*\) while looking up "lib" .*$=the filesystem reader crashed while looking up "lib"')
scan reader-abort --image "$T/abort.raw"
assert_exit 3 "reader abort: incomplete"
assert_eq incomplete "$(q .verdict)" "reader abort: verdict incomplete, never ready"
assert_status drivers.virtio-kernel error
# (under AddressSanitizer its report ends the child: another signal, or an exit status)
crash='the filesystem reader (crashed|ended) \([^)]*\) while looking up "lib" in directory inode [0-9]+ of the xfs filesystem'
assert_match "$crash" "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .reason')" \
    "reader abort: the check that met it names the crash"
n_err=$(q '[.results[] | select(.status == "error" and (.reason | test("filesystem reader (crashed|ended)")))] | length')
[ "$n_err" -ge 2 ] && ok "reader abort: the checks after it fail with the same reason ($n_err)" ||
    not_ok "reader abort: only $n_err check(s) name the crash"
rm -f "$T/abort.raw" "$T/x.raw"

done_testing
