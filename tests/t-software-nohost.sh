# A --root scan reads nothing of the host: every path of the tree goes
# through openat2(RESOLVE_IN_ROOT) on the tree's descriptor; the only host
# file a scan opens by name is the --agent-config the user gave. What the
# dynamic loader and the libraries' constructors touch is listed below.
. "$CSM_SRC/tests/lib.sh"
need_cmd strace
R=$T/root
readytree "$R"
mkdir -p "$R/etc/netplan" "$R/etc/cloud/cloud.cfg.d" "$R/opt/VBoxGuestAdditions-7.0" "$R/lib/modules/6.1/misc"
printf 'network:\n  ethernets:\n    ens192: {dhcp4: true}\n' >"$R/etc/netplan/1.yaml"
printf 'source /etc/network/interfaces.d/*\n' >>"$R/etc/network/interfaces"
printf '{"DataDisks": ["/data"]}' >"$T/user.json"

strace -f -qq -e trace=%file -o "$T/trace" "$CSM" --root "$R" --profile online --agent-config "$T/user.json" \
    --format json >/dev/null 2>&1 || true
[ -s "$T/trace" ] || skip_test "strace cannot trace here"
# Host paths named outright (AT_FDCWD or path-only calls), minus the
# loader, libselinux's and libc's initialisation, a sanitizer runtime looking at
# its own process (/proc/self), the tree and the input.
leaks=$(grep -E '(AT_FDCWD, |^[0-9]+ [a-z0-9]+\()"/' "$T/trace" |
    grep -vE '"(/etc/ld\.so\.(cache|preload)|/(usr/)?lib(32|64|x32)?/[^"]*\.so[^"]*|/(usr/)?lib/x86_64-linux-gnu/[^"]*|/proc/filesystems|/proc/self/[^"]*|/sys/fs/selinux|/selinux|/etc/selinux/config|/etc/localtime|/usr/share/zoneinfo/[^"]*|/usr/lib/locale/[^"]*)"' |
    grep -vF "\"$R" | grep -vF "\"$T/user.json\"" | grep -vF "\"$CSM\"" || true)
if [ -z "$leaks" ]; then ok "no host path read in --root mode"; else not_ok "host paths read: $leaks"; fi
[ "$(grep -c 'RESOLVE_IN_ROOT' "$T/trace")" -gt 20 ] && ok "RESOLVE_IN_ROOT used" || not_ok "RESOLVE_IN_ROOT not seen"
done_testing
