# Hostile trees for the software and network checks: nesting, size, count,
# loops and links out of the tree end in clear results, in bounded time.
. "$CSM_SRC/tests/lib.sh"
R=$T/root
readytree "$R"
mkdir -p "$R/etc/netplan" "$R/etc/cloud/cloud.cfg.d" "$R/etc/NetworkManager/system-connections"
st() { q ".results[] | select(.id==\"$1\") | .status"; }

# YAML nested 1000 deep, a 900 KiB line, 20000 list items, an unterminated flow list.
python3 - "$R" <<'PY'
import sys
r = sys.argv[1]
with open(r + "/etc/netplan/10-deep.yaml", "w") as f:
    for i in range(1000):
        f.write(" " * i + "k%d:\n" % i)
with open(r + "/etc/netplan/20-long.yaml", "w") as f:
    f.write("network:\n  ethernets:\n    eth0:\n      dhcp4: " + "y" * 900000 + "\n")
with open(r + "/etc/cloud/cloud.cfg.d/10-list.cfg", "w") as f:
    f.write("datasource_list:\n" + "".join("  - Ds%d\n" % i for i in range(20000)) + "  - NoCloud\n")
with open(r + "/etc/cloud/cloud.cfg.d/20-flow.cfg", "w") as f:
    f.write("datasource_list: [" + "[" * 3000 + "\n")
PY
# 3000 keyfiles: more than the per-directory cap.
for i in $(seq 1 3000); do printf '[connection]\nid=c%d\n' "$i" >"$R/etc/NetworkManager/system-connections/c$i"; done
# Loops and links that leave the tree.
ln -s . "$R/etc/netplan/self"
ln -s /etc/netplan "$R/etc/netplan/up"
ln -s loop1 "$R/etc/systemd/network" 2>/dev/null || { mkdir -p "$R/etc/systemd"; ln -s loop1 "$R/etc/systemd/network"; }
ln -s network "$R/etc/systemd/loop1"
ln -s /proc/self/environ "$R/etc/netplan/30-proc.yaml"
ln -s ../../../../../../../../etc/passwd "$R/etc/netplan/40-dots.yaml"
mkdir -p "$R/etc/udev/rules.d/70-persistent-net.rules"

start=$(date +%s%N)
scan hostile --root "$R"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 20000 ] && ok "scan finished in ${ms} ms" || not_ok "scan took ${ms} ms"
case $rc in 0 | 1 | 2 | 3) ok "a verdict, not a crash (rc=$rc)" ;; *) not_ok "rc=$rc" ;; esac
for id in software.cloud-init software.guest-tools network.mac-binding network.interface-names system.selinux \
    software.rsync online.data-disks; do
    s=$(st "$id")
    case $s in pass | warn | fail | error | skip) ok "$id: $s" ;; *) not_ok "$id: no result" ;; esac
done
# The 900 KiB value is read (within the 1 MiB cap), the nesting past YAML's
# depth cap is refused with its lines counted; the datasource list is the
# long one, which includes NoCloud: the unterminated one after it is not
# YAML, and cloud-init ignores that file.
assert_eq pass "$(st software.cloud-init)" "cloud-init reads the long list"
assert_contains "$(q '.results[] | select(.id=="software.cloud-init") | .evidence[].note')" "includes NoCloud" "NoCloud found"
# The tree's /etc/passwd reached through ".." is the tree's, not the host's: no MAC in it either.
# The looping /etc/systemd/network is not an empty directory: what it holds cannot be told.
assert_eq error "$(st network.mac-binding)" "no binding from files outside the tree, and the loop is not taken for absence"
assert_contains "$(q '.results[] | select(.id=="network.mac-binding") | .reason')" \
    "/etc/systemd/network: Too many levels of symbolic links" "the loop is named"
assert_contains "$(q '.results[] | select(.id=="software.cloud-init") | .evidence[].note')" "cloud-init ignores it too" \
    "the unterminated list is named"
# Past the 1 MiB cap: an error naming the file.
python3 -c 'import sys; open(sys.argv[1], "w").write("".join(" " * i + "k:\n" for i in range(3000)))' \
    "$R/etc/netplan/10-deep.yaml"
scan too-deep --root "$R"
assert_eq error "$(st network.mac-binding)" "too large to read"
assert_contains "$(q '.results[] | select(.id=="network.mac-binding") | .reason')" "10-deep.yaml: larger than the size limit" \
    "the reason names the file"
done_testing
