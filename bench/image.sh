#!/usr/bin/env bash
# Benchmark (not a test): csm-precheck --image on a 20 GiB virtual disk that
# holds a real ext4 filesystem (populated from /usr/include and
# /usr/share/doc), as qcow2, vmdk and vhd, side by side in one run with
# qemu-img info and qemu-img check on the same files.
# Wall time: hyperfine's median. Peak RSS: /usr/bin/time -f %M, median of
# RSS_RUNS runs. Target: under 30 ms and 16 MB, faster than qemu-img info.
#   bench/image.sh [BUILD_DIR]        (default build/; files in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
csm=$(realpath "${1:-build}/csm-precheck")
out=bench/out
RUNS=${RUNS:-30}
RSS_RUNS=${RSS_RUNS:-11}
mkdir -p "$out"
for c in hyperfine qemu-img sfdisk mke2fs jq /usr/bin/time; do
    command -v "$c" >/dev/null || { echo "bench/image.sh: needs $c" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_images "$out"

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
rss_mb() { # command...: median peak RSS in MB
    for _ in $(seq "$RSS_RUNS"); do
        { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -1
    done | median | awk '{printf "%.1f", $1 / 1024}'
}

printf '%-6s %-36s %10s %10s %10s\n' format command "median ms" "vs csm" "RSS MB"
for fmt in qcow2 vmdk vhd; do
    f="$out/disk.$fmt"
    qf=$fmt
    [ "$fmt" = vhd ] && qf=vpc
    # qemu-img check has no checker for vpc: it exits 63 at once.
    # The text report (an admin before the upload) and JSON (a daemon: it
    # also carries the SHA-256 digests, which load libcrypto).
    cmds=("$csm --image $f" "$csm --image $f --format json" "qemu-img info -f $qf $f" "qemu-img check -f $qf $f")
    hyperfine -N -i --warmup 3 --runs "$RUNS" --export-json "$out/$fmt.json" "${cmds[@]}" >/dev/null 2>&1
    base=$(jq '.results[0].median' "$out/$fmt.json")
    for i in 0 1 2 3; do
        med=$(jq ".results[$i].median" "$out/$fmt.json")
        # shellcheck disable=SC2086
        rss=$(rss_mb ${cmds[$i]})
        name=$(awk '{print ($1 ~ /csm-precheck$/ ? "csm-precheck" : $1), $2, ($4 == "--format" ? "--format json" : "")}' <<<"${cmds[$i]}")
        printf '%-6s %-36s %10.2f %9.1fx %10s\n' "$fmt" "$name" "$(jq -n "$med * 1000")" \
            "$(jq -n "$med / $base")" "$rss"
    done
done
echo
echo "virtual size: $(qemu-img info --output=json "$out/disk.qcow2" | jq '."virtual-size"') bytes;" \
    "files: $(du -h --apparent-size "$out"/disk.{qcow2,vmdk,vhd} | awk '{printf "%s %s  ", $2, $1}')"
"$csm" --image "$out/disk.qcow2" | sed -n '/^Image/,/^$/p'
