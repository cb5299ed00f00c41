# A --root scan reads nothing of the host: every path of the tree goes
# through openat2(RESOLVE_IN_ROOT) on the tree's descriptor; the only host
# file a scan opens by name is the --agent-config the user gave
# (outside_opens in lib.sh lists what else is allowed, and why).
. "$CSM_SRC/tests/lib.sh"
need_cmd strace
R=$T/root
readytree "$R"
mkdir -p "$R/etc/netplan" "$R/etc/cloud/cloud.cfg.d" "$R/opt/VBoxGuestAdditions-7.0" "$R/lib/modules/6.1/misc"
printf 'network:\n  ethernets:\n    ens192: {dhcp4: true}\n' >"$R/etc/netplan/1.yaml"
printf 'source /etc/network/interfaces.d/*\n' >>"$R/etc/network/interfaces"
printf '{"DataDisks": ["/data"]}' >"$T/user.json"

strace -f -o /dev/null true 2>/dev/null || skip_test "strace cannot trace here"
leaks=$(outside_opens "$R" --profile online --agent-config "$T/user.json" | grep -vxF "$T/user.json" || true)
assert_eq "" "$leaks" "no host path read in --root mode"
[ "$(grep -c 'RESOLVE_IN_ROOT' "$T/trace")" -gt 20 ] && ok "RESOLVE_IN_ROOT used" || not_ok "RESOLVE_IN_ROOT not seen"
done_testing
