#!/usr/bin/env bash
# Benchmark (not a test): the scan of a real distribution initramfs against
# what an admin does by hand, on the same file. Median wall time and peak
# RSS of RUNS runs each.
#   bench/initramfs.sh [BUILD_DIR] [TREE]
# TREE defaults to the debootstrap tree the test suite caches
# (BUILD_DIR/fixtures/bookworm: run tests/t-debootstrap.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tree=${2:-${CSM_FIXTURE_CACHE:-$build/fixtures}/bookworm}
runs=${RUNS:-7}
csm=$build/csm-precheck
irscan=$build/bench/csm-irscan
[ -x "$csm" ] && [ -x "$irscan" ] || { echo "build first: cmake --build $build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }
ver=$(ls "$tree/lib/modules" | head -1)
file=$tree/boot/initrd.img-$ver
[ -r "$file" ] || { echo "no initramfs at $file" >&2; exit 1; }

# The tree's own lsinitramfs (initramfs-tools) when the host has none.
lsinit=$(command -v lsinitramfs || true)
lsinit_path=$PATH
if [ -z "$lsinit" ] && [ -x "$tree/usr/bin/lsinitramfs" ]; then
    lsinit="$tree/usr/bin/lsinitramfs"
    lsinit_path=$tree/usr/bin:$PATH
fi

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure NAME COMMAND: prints "NAME median_s median_rss_kib"
declare -A wall rss
measure() {
    local name=$1 cmd=$2 i out
    : >"/tmp/bench.$$.w"
    : >"/tmp/bench.$$.m"
    bash -c "$cmd" >/dev/null 2>&1 || true # warm the page cache
    for ((i = 0; i < runs; i++)); do
        /usr/bin/time -o "/tmp/bench.$$.t" -f '%e %M' bash -c "$cmd" >/dev/null 2>&1 || true
        out=$(tail -1 "/tmp/bench.$$.t")
        echo "${out% *}" >>"/tmp/bench.$$.w"
        echo "${out#* }" >>"/tmp/bench.$$.m"
    done
    wall[$name]=$(median <"/tmp/bench.$$.w")
    rss[$name]=$(median <"/tmp/bench.$$.m")
    rm -f "/tmp/bench.$$.w" "/tmp/bench.$$.m" "/tmp/bench.$$.t"
    printf '%-34s %8.3f s %9d KiB\n' "$name" "${wall[$name]}" "${rss[$name]}"
}

printf 'file: %s (%s bytes compressed, %s bytes of cpio), %d runs each, median\n' "$file" "$(stat -c %s "$file")" \
    "$(gzip -dc "$file" | wc -c)" "$runs"
measure "csm-precheck --root (whole scan)" "'$csm' --root '$tree' -f json"
measure "csm-irscan (to the end, all .ko)" "'$irscan' '$file'"
measure "csm-irscan virtio_blk virtio_pci" "'$irscan' '$file' virtio_blk virtio_pci"
[ -n "$lsinit" ] && measure "lsinitramfs | grep virtio" "PATH='$lsinit_path' '$lsinit' '$file' | grep virtio"
measure "zcat | cpio -t" "zcat '$file' | cpio -t --quiet"
measure "gzip -dc > /dev/null" "gzip -dc '$file' > /dev/null"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
echo
echo "ratios of wall time to gzip -dc (lower is faster):"
for n in "csm-precheck --root (whole scan)" "csm-irscan (to the end, all .ko)" "csm-irscan virtio_blk virtio_pci" \
    "lsinitramfs | grep virtio" "zcat | cpio -t"; do
    [ -n "${wall[$n]:-}" ] && printf '  %-34s %s\n' "$n" "$(ratio "${wall[$n]}" "${wall["gzip -dc > /dev/null"]}")"
done
echo "targets: whole scan faster than gzip -dc, peak RSS under 32768 KiB"
