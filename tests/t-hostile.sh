# A hostile tree: links that point at the host's files, ".." chains past
# the top, loops, a FIFO, huge and binary files. Nothing of the host may
# appear in the report, nothing may hang or crash, and a traced --root scan
# opens nothing outside the tree but the tool's own libraries.
. "$CSM_SRC/tests/lib.sh"

R=$T/root
mktree "$R"
ln -sf /etc/fstab "$R/etc/fstab"                       # the host's fstab, if followed
ln -sf ../../../../../../../../etc/os-release "$R/etc/os-release"
rm -f "$R/usr/lib/os-release"
ln -sfn /etc/hostname "$R/etc/hostname"                 # absolute: inside the tree that is itself
mkdir -p "$R/boot"
rm -rf "$R/boot/grub"
ln -s /boot/grub "$R/boot/grub"                        # a loop back onto itself, inside
ln -s shadow.loop2 "$R/etc/shadow.loop1"
ln -s /etc/shadow.loop1 "$R/etc/shadow.loop2"
rm -f "$R/etc/shadow"
ln -s /etc/shadow.loop1 "$R/etc/shadow"
mkdir -p "$R/etc/default"
mkfifo "$R/etc/default/grub"                           # would block a naive read
ln -sfn /proc/self/environ "$R/etc/machine-id"           # a magic link on the host

scan hostile --root "$R"
assert_eq root "$(q .target.mode)" "root mode"
# The host's identity and files never show up.
host_name=$(hostname)
assert_not_contains "$(cat "$J")" "$(cat /etc/machine-id)" "the host's machine-id is not in the report"
assert_eq null "$(q .host.machine_id)" "machine-id of the tree: none readable"
if [ "$host_name" != testhost ]; then
    assert_not_contains "$(q .host.hostname)" "$host_name" "the host's name is not the tree's"
fi
if [ -s /etc/fstab ]; then
    while read -r line; do
        case $line in '' | '#'*) continue ;; esac
        assert_not_contains "$(cat "$J")" "$line" "host fstab line absent: $line"
    done </etc/fstab
fi
# etc/fstab -> /etc/fstab is itself inside the tree: a loop, not the host's.
assert_status fstab.other-disks error
assert_contains "$(q '.results[] | select(.id=="fstab.other-disks") | .reason')" "Too many levels of symbolic links" "the loop is named"
assert_status accounts.shadow fail symlink
assert_status os.release error
assert_contains "$(q '.results[] | select(.id=="os.release") | .reason')" "no /etc/os-release" "os-release outside the tree is not read"
assert_status boot.grub-root error
assert_contains "$(q '.results[] | select(.id=="boot.grub-root") | .evidence[].value')" "/boot/grub/grub.cfg: Too many levels" "the grub loop is named"
assert_eq 2 "$rc" "blocked"

# The same through the user-space walk (kernels without openat2).
CSM_PRECHECK_FORCE_CHASE=1 scan chase --root "$R"
assert_eq "$(q '[.results[] | .id + "=" + .status] | join(" ")' "$T/hostile.json")" \
    "$(q '[.results[] | .id + "=" + .status] | join(" ")')" "openat2 and the walk agree"

# 100 MB and binary files are refused by size or content, not read whole.
truncate -s 100M "$R/big"
rm "$R/etc/fstab"
ln -s /big "$R/etc/fstab"
random_bytes 4096 >"$R/etc/shadow.bin"
rm "$R/etc/shadow" && ln -s shadow.bin "$R/etc/shadow"
start=$(date +%s%N)
scan big --root "$R"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
assert_status fstab.other-disks error
assert_contains "$(q '.results[] | select(.id=="fstab.other-disks") | .reason')" "larger than the size limit" "100 MB fstab refused"
assert_status accounts.shadow fail symlink
[ "$elapsed_ms" -lt 5000 ] && ok "hostile scan took ${elapsed_ms} ms" || not_ok "hostile scan took ${elapsed_ms} ms"

# A traced scan opens nothing outside the tree.
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
    assert_eq "" "$(outside_opens "$R")" "a --root scan touches nothing outside the tree"
    assert_contains "$(cat "$T/trace")" "RESOLVE_IN_ROOT" "files are opened with RESOLVE_IN_ROOT"
else
    skip_test "strace missing"
fi
done_testing
