#!/usr/bin/env bash
# Benchmark (not a test): the whole rule set inside an image. The test
# suite's debootstrap tree (build/fixtures/bookworm, made by t-debootstrap)
# is written by mkfs.ext4 -d into a 20 GiB sfdisk-made disk and converted to
# qcow2; side by side in one run:
#   csm-precheck --image disk.qcow2                (the guest read in-process)
#   csm-precheck --root TREE --disk disk.raw       (the same system, mounted)
#   csm-precheck --image disk.qcow2 --file-only    (the file alone)
#   virt-inspector -a disk.qcow2                   (libguestfs' appliance, TCG)
# Wall time: hyperfine's median (virt-inspector: VIRT_RUNS runs, it takes
# half a minute each). Peak RSS: /usr/bin/time -f %M (the largest of the
# process and the children it waited for: the reader child, the initramfs
# reader; for virt-inspector, qemu), median of RSS_RUNS runs.
# Targets: --image <= 2 x --root, <= 0.5 s, <= 48 MB; >= 30 x faster than
# virt-inspector with < 5 % of its memory.
#   bench/guest.sh [BUILD_DIR]        (default build/; files in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
csm=$(realpath "${1:-build}/csm-precheck")
tree=${TREE:-$(realpath "${1:-build}")/fixtures/bookworm}
out=bench/out/guest
RUNS=${RUNS:-10}
RSS_RUNS=${RSS_RUNS:-5}
VIRT_RUNS=${VIRT_RUNS:-3}
for c in hyperfine qemu-img sfdisk mkfs.ext4 jq /usr/bin/time; do
    command -v "$c" >/dev/null || { echo "bench/guest.sh: needs $c" >&2; exit 1; }
done
[ -f "$tree/etc/os-release" ] || { echo "bench/guest.sh: no tree at $tree (run tests/run -R t-debootstrap)" >&2; exit 1; }
mkdir -p "$out"
if [ ! -f "$out/disk.qcow2" ]; then
    truncate -s 20G "$out/disk.raw"
    printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$out/disk.raw"
    mkfs.ext4 -q -F -U 0f1e2d3c-4b5a-4697-8877-665544332211 -L root -d "$tree" -E offset=1048576 \
        "$out/disk.raw" 20970496k
    qemu-img convert -f raw -O qcow2 "$out/disk.raw" "$out/disk.qcow2"
fi

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
rss_mb() { # runs command...: median peak RSS in MB
    local n=$1
    shift
    for _ in $(seq "$n"); do
        { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -1
    done | median | awk '{printf "%.1f", $1 / 1024}'
}

img=("$csm" --no-site-rules --image "$out/disk.qcow2" --format json)
root=("$csm" --no-site-rules --root "$tree" --disk "$out/disk.raw" --format json)
file=("$csm" --no-site-rules --image "$out/disk.qcow2" --file-only --format json)
hyperfine -N -i --warmup 2 --runs "$RUNS" --export-json "$out/csm.json" "${img[*]}" "${root[*]}" "${file[*]}" \
    >/dev/null 2>&1
printf '%-34s %12s %10s %10s\n' command "median s" "vs image" "RSS MB"
base=$(jq '.results[0].median' "$out/csm.json")
names=("csm-precheck --image" "csm-precheck --root --disk" "csm-precheck --image --file-only")
cmds=("${img[*]}" "${root[*]}" "${file[*]}")
for i in 0 1 2; do
    med=$(jq ".results[$i].median" "$out/csm.json")
    # shellcheck disable=SC2086
    printf '%-34s %12.3f %9.2fx %10s\n' "${names[$i]}" "$med" "$(jq -n "$med / $base")" "$(rss_mb "$RSS_RUNS" ${cmds[$i]})"
done

if command -v virt-inspector >/dev/null && [ "${VIRT_RUNS}" -gt 0 ]; then
    # KVM hangs on this kind of host (no vmx/svm): TCG, and a timeout.
    export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
    virt=(timeout 300 virt-inspector --format=qcow2 -a "$out/disk.qcow2")
    hyperfine -N -i --runs "$VIRT_RUNS" --export-json "$out/virt.json" "${virt[*]}" >/dev/null 2>&1
    med=$(jq '.results[0].median' "$out/virt.json")
    printf '%-34s %12.3f %9.2fx %10s\n' "virt-inspector (TCG)" "$med" "$(jq -n "$med / $base")" \
        "$(rss_mb "$VIRT_RUNS" "${virt[@]}")"
fi
