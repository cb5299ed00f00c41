#!/usr/bin/env bash
# Benchmark (not a test): the static binary (packaging/build-static) against
# the dynamic build, side by side in one run: the size on disk (the binary,
# and with the shared libraries it loads), start-up (--version), and the
# file-only image check of a qcow2 (--image, text and JSON) against
# qemu-img info on the same file (bench/image.sh's). Wall time: hyperfine's median.
#   bench/static.sh [BUILD_DIR] [STATIC_BINARY]
#       (default build/ and dist/csm-precheck-<version>-<arch>; files in bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
dyn=$(realpath "${1:-build}/csm-precheck")
version=$("$dyn" --version | awk '{print $2}')
static=$(realpath "${2:-dist/csm-precheck-$version-$(uname -m)}")
out=bench/out
RUNS=${RUNS:-40}
mkdir -p "$out"
for c in hyperfine qemu-img sfdisk mke2fs jq ldd; do
    command -v "$c" >/dev/null || { echo "bench/static.sh: needs $c" >&2; exit 1; }
done
[ -x "$static" ] || { echo "bench/static.sh: no $static (run packaging/build-static)" >&2; exit 1; }

# The qcow2 of bench/image.sh: a 20 GiB virtual disk with a real ext4.
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_images "$out"
img=$out/disk.qcow2

# Size: what must be on a server for each to run. The dynamic build needs
# its shared libraries, and those it opens with dlopen for an image or
# initramfs check and a digest.
size_of() { stat -L -c %s "$@" | awk '{s += $1} END {printf "%.1f", s / 1048576}'; }
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
strip -o "$stripped" "$dyn"
lazy=$(ldconfig -p | awk '/(libarchive\.so\.13|libkmod\.so\.2|libcrypto\.so\.3) / && /x86-64/ {print $NF}')
libs=$(ldd "$dyn" $lazy | grep -oE '/[^ :]+\.so[^ :]*' | sort -u)
printf '%-44s %10s\n' "size on disk" "MiB"
printf '%-44s %10s\n' "static binary" "$(size_of "$static")"
printf '%-44s %10s\n' "dynamic binary (stripped)" "$(size_of "$stripped")"
# shellcheck disable=SC2086
printf '%-44s %10s\n' "dynamic binary + its $(wc -w <<<"$libs") shared libraries" "$(size_of "$stripped" $libs)"
qlibs=$(ldd "$(command -v qemu-img)" | grep -oE '/[^ :]+\.so[^ :]*' | sort -u)
# shellcheck disable=SC2086
printf '%-44s %10s\n' "qemu-img + its shared libraries" "$(size_of "$(command -v qemu-img)" $qlibs)"
echo

cmds=("$static --version" "$dyn --version" "qemu-img --version"
    "$static --no-site-rules --image $img" "$dyn --no-site-rules --image $img"
    "$static --no-site-rules --image $img --format json" "$dyn --no-site-rules --image $img --format json"
    "qemu-img info -f qcow2 $img")
names=("static --version" "dynamic --version" "qemu-img --version"
    "static --image (text)" "dynamic --image (text)" "static --image --format json"
    "dynamic --image --format json" "qemu-img info")
hyperfine -N -i --warmup 5 --runs "$RUNS" --export-json "$out/static.json" "${cmds[@]}" >/dev/null 2>&1
ms() { jq ".results[$1].median * 1000" "$out/static.json"; }
printf '%-44s %10s %14s\n' "start-up and image check" "median ms" "vs qemu-img"
for i in "${!cmds[@]}"; do
    base=2
    [ "$i" -ge 3 ] && base=7
    printf '%-44s %10.2f %13.2fx\n' "${names[$i]}" "$(ms "$i")" "$(jq -n "$(ms "$i") / $(ms "$base")")"
done
