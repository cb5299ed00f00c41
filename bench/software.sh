#!/usr/bin/env bash
# What the software and network checks add to a full --root scan.
#   bench/software.sh [BUILD_DIR] [RUNS]
# Scans a synthetic tree the size of a real server (the host's dpkg status,
# a module tree, dozens of network and cloud-init files, unit links) and the
# host's own / as a tree, each RUNS times with every check, then with the
# seven software/network checks disabled by a site rule file; prints the
# mean wall time per scan and the difference.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RUNS=${2:-30}
export CSM=$BUILD/csm-precheck CSM_SRC=$SRC
. "$SRC/tests/lib.sh"

R=$T/root
readytree "$R"
[ -r /var/lib/dpkg/status ] && cat /var/lib/dpkg/status >>"$R/var/lib/dpkg/status"
K=$R/lib/modules/6.1.0-13-amd64
mkdir -p "$K"/kernel/drivers/{net,scsi,block} "$K/updates/dkms" "$K/extra" "$R/etc/netplan" \
    "$R/etc/NetworkManager/system-connections" "$R/etc/udev/rules.d" "$R/etc/systemd/network" \
    "$R/etc/cloud/cloud.cfg.d" "$R/lib/systemd/system-preset" "$R/etc/systemd/system/multi-user.target.wants"
for i in $(seq 1 4000); do : >"$K/kernel/drivers/net/m$i.ko"; done
for i in $(seq 1 20); do : >"$K/updates/dkms/d$i.ko"; : >"$K/extra/e$i.ko.xz"; done
for i in $(seq 1 5); do printf 'network:\n  ethernets:\n    eth%d:\n      dhcp4: true\n' "$i" >"$R/etc/netplan/$i.yaml"; done
for i in $(seq 1 20); do
    printf '[connection]\nid=c%d\ntype=ethernet\n[ipv4]\nmethod=auto\n' "$i" >"$R/etc/NetworkManager/system-connections/c$i"
    printf '# cloud-init %d\nsystem_info:\n  distro: debian\n' "$i" >"$R/etc/cloud/cloud.cfg.d/$i.cfg"
done
for i in $(seq 1 10); do
    printf 'SUBSYSTEM=="block", KERNEL=="sd*", ATTR{queue/scheduler}="none"\n' >"$R/etc/udev/rules.d/$i.rules"
    printf '[Match]\nName=x%d\n[Network]\nDHCP=no\n' "$i" >"$R/etc/systemd/network/$i.network"
    printf 'enable s%d.service\n' "$i" >"$R/lib/systemd/system-preset/$i.preset"
done
for i in $(seq 1 200); do ln -s /lib/systemd/system/s$i.service "$R/etc/systemd/system/multi-user.target.wants/"; done

mkdir -p "$T/off"
for id in software.cloud-init software.guest-tools network.mac-binding network.interface-names system.selinux \
    software.rsync online.data-disks; do
    printf '[%s]\nenabled = no\n' "$id"
done >"$T/off/off.rules"

mean_ms() { # args...: mean wall time of RUNS scans, in ms
    local start end i
    "$CSM" "$@" >/dev/null 2>&1 || true
    start=$(date +%s%N)
    for ((i = 0; i < RUNS; i++)); do "$CSM" "$@" >/dev/null 2>&1 || true; done
    end=$(date +%s%N)
    echo $(((end - start) / RUNS / 1000))
}

report() { # name args...
    local name=$1
    shift
    local all off
    all=$(mean_ms --format json "$@")
    off=$(mean_ms --format json --rules "$T/off" "$@")
    printf '%-22s all checks %6d us   without the 7 checks %6d us   added %6d us (%s%%)\n' "$name" "$all" "$off" \
        $((all - off)) "$(awk -v a="$all" -v o="$off" 'BEGIN { printf "%.0f", o ? 100 * (a - o) / o : 0 }')"
}

echo "csm-precheck: cost of the software and network checks, mean of $RUNS scans"
report "synthetic server tree" --root "$R"
report "this host as a tree" --root /
done_testing
