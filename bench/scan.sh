#!/usr/bin/env bash
# A full scan, live and --root, against what an admin would otherwise run:
# the manual steps of seed 004 as shell commands on the same system.
#   bench/scan.sh [BUILD_DIR]      (default build/; RUNS=21)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CSM=${1:-build}/csm-precheck
[ -x "$CSM" ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# A fixture with a disk: the reference system of the tests.
(
    export CSM CSM_SRC=$PWD
    . tests/lib.sh >/dev/null
    trap - EXIT
    T=$W good_system "$W/root" "$W/disk.img"
) >/dev/null 2>&1 || true
[ -f "$W/disk.img" ] || { echo "fixture failed" >&2; exit 1; }

# The seed's manual checks, as one would type them (partition table, EFI,
# grub root=, fstab, shadow, mounts and the partition listing).
manual() {
    local root=$1 disk=$2
    parted -s "$disk" print 2>/dev/null | grep 'Partition Table'
    ls /sys/firmware/efi 2>/dev/null
    grep -h 'root=' "$root"/boot/grub*/grub.cfg 2>/dev/null
    cat "$root/etc/fstab"
    ls -l "$root/etc/shadow"
    lsattr "$root/etc/shadow" 2>/dev/null
    mount >/dev/null
    fdisk -lu "$disk"
}
export -f manual

echo "csm-precheck $("$CSM" --version | cut -d' ' -f2), $RUNS runs each, median wall time and peak RSS"
printf '%-44s %13s %12s\n' "command" "median" "peak RSS"
row "csm-precheck (live, text)" "$CSM"
row "csm-precheck (live, JSON with digests)" "$CSM" --format json
live=$LAST_MS
row "csm-precheck --root / (this system's tree)" "$CSM" --root / --format json
row "csm-precheck --root --disk (fixture)" "$CSM" --root "$W/root" --disk "$W/disk.img" --format json
fixture=$LAST_MS
row "csm-precheck --root --disk, text report" "$CSM" --root "$W/root" --disk "$W/disk.img"
if command -v parted >/dev/null; then
    row "manual seed-004 steps (parted, grep, ls ...)" bash -c "manual '$W/root' '$W/disk.img'"
    echo "manual steps / csm-precheck (fixture): $(ratio "$LAST_MS" "$fixture")"
fi
echo "live scan: $live ms"
