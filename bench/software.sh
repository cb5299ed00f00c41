#!/usr/bin/env bash
# What the software and network checks add to a full --root scan.
#   bench/software.sh [BUILD_DIR] [RUNS]
# Scans a synthetic tree the size of a real server (the host's dpkg status,
# a module tree, dozens of network and cloud-init files, unit links) and the
# host's own / as a tree, RUNS times with every check and RUNS times with
# the seven software/network checks disabled by a site rule file; prints
# the median wall time per scan and the difference.
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

one_us() { # args...: wall time of one scan, in microseconds
    local start
    start=$(date +%s%N)
    "$CSM" "$@" >/dev/null 2>&1 || true
    echo $((($(date +%s%N) - start) / 1000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The two variants alternate, so both see the same load on a shared
# machine; the median drops the runs another process disturbed.
report() { # name args...
    local name=$1 i all off
    shift
    "$CSM" --format json "$@" >/dev/null 2>&1 || true
    : >"$T/t-all" && : >"$T/t-off"
    for ((i = 0; i < RUNS; i++)); do
        one_us --format json "$@" >>"$T/t-all"
        one_us --format json --rules "$T/off" "$@" >>"$T/t-off"
    done
    all=$(median <"$T/t-all")
    off=$(median <"$T/t-off")
    printf '%-22s all checks %6d us   without the 7 checks %6d us   added %6d us (%s%%)\n' "$name" "$all" "$off" \
        $((all - off)) "$(awk -v a="$all" -v o="$off" 'BEGIN { printf "%.0f", o ? 100 * (a - o) / o : 0 }')"
}

echo "csm-precheck: cost of the software and network checks, median of $RUNS alternating scans"
report "synthetic server tree" --root "$R"
report "this host as a tree" --root /
done_testing
