#!/usr/bin/env bash
# Benchmark (not a test): csm-precheck --image on a tar.gz package verified
# to its end, side by side in one run with what an admin would run to test
# the same package (gzip -t, tar -tzf), and with --quick (the bounded read).
# The package: a 4 GiB sparse disk (MBR, one ext4 partition populated from
# /usr/share and /usr/bin) packed with tar -czS, as another cloud exports it.
# Wall time: hyperfine's median over RUNS runs (default 5: each run inflates
# the whole package).
#   bench/package.sh [BUILD_DIR]        (default build/; files in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
csm=$(realpath "${1:-build}/csm-precheck")
out=bench/out
RUNS=${RUNS:-5}
mkdir -p "$out"
for c in hyperfine sfdisk mke2fs jq gzip tar; do
    command -v "$c" >/dev/null || { echo "bench/package.sh: needs $c" >&2; exit 1; }
done

pkg=$out/disk.tar.gz
if [ ! -f "$pkg" ]; then
    tree=$(mktemp -d)
    work=$(mktemp -d)
    trap 'rm -rf "$tree" "$work"' EXIT
    cp -a /usr/share "$tree/share"
    cp -a /usr/bin "$tree/bin"
    truncate -s 4G "$work/disk.raw"
    printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/disk.raw"
    mke2fs -q -F -t ext4 -M / -L root -d "$tree" -E offset=1048576 "$work/disk.raw" $((4 * 1024 * 1024 - 1024))k
    printf '\xeb\x63\x90' | dd of="$work/disk.raw" conv=notrunc status=none
    tar -czSf "$pkg.tmp" -C "$work" disk.raw
    mv "$pkg.tmp" "$pkg"
fi
printf 'package: %s, %s bytes; inflates to %s bytes of data\n' "$pkg" "$(stat -c %s "$pkg")" \
    "$(gzip -dc "$pkg" | wc -c)"
"$csm" --image "$pkg" --format json | jq -r '.results[] | select(.id == "image.integrity") | "image.integrity: \(.status) \(.outcome)"'

cmds=("$csm --image $pkg" "$csm --image $pkg --quick" "gzip -t $pkg" "tar -tzf $pkg")
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$out/package.json" "${cmds[@]}" >/dev/null 2>&1
base=$(jq '.results[2].median' "$out/package.json")
printf '%-44s %12s %10s\n' command "median s" "vs gzip -t"
for i in 0 1 2 3; do
    med=$(jq ".results[$i].median" "$out/package.json")
    name=${cmds[$i]//$csm/csm-precheck}
    printf '%-44s %12.2f %9.2fx\n' "${name//$out\//}" "$med" "$(jq -n "$med / $base")"
done
