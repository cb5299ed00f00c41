#!/usr/bin/env bash
# Before and after, in one run: the binary of another revision (built from
# `git archive REV` into its own directory, as a user would build it) and
# the one in BUILD_DIR, side by side on the same inputs, with hyperfine
# alternating between them: a live text scan, a --root scan of the test
# suite's debootstrap tree (with its real initramfs read to the virtio
# modules), and --image on a 20 GiB qcow2 (bench/lib.sh). Prints hyperfine's
# medians and the ratio new / old of each.
#   bench/compare.sh REV [BUILD_DIR]     (default main, build/; RUNS=21)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-main}
build=${2:-build}
RUNS=${RUNS:-21}
new=$(realpath "$build/csm-precheck")
tree=${CSM_FIXTURE_CACHE:-$build/fixtures}/bookworm
for c in hyperfine jq git cmake; do
    command -v "$c" >/dev/null || { echo "bench/compare.sh: needs $c" >&2; exit 1; }
done
[ -x "$new" ] || { echo "build first: cmake -S . -B $build && cmake --build $build" >&2; exit 1; }
[ -d "$tree/boot" ] || { echo "no debootstrap tree at $tree: run tests/t-debootstrap.sh first" >&2; exit 1; }

# The other revision, built once per commit, with the same options.
sha=$(git rev-parse --short "$rev")
old_build=bench/out/build-$sha
if [ ! -x "$old_build/csm-precheck" ]; then
    rm -rf "$old_build.src"
    mkdir -p "$old_build.src"
    git archive "$sha" | tar -x -C "$old_build.src"
    cmake -S "$old_build.src" -B "$old_build" -DCSM_WERROR=ON >/dev/null
    cmake --build "$old_build" -j"$(nproc)" >/dev/null
fi
old=$(realpath "$old_build/csm-precheck")
. bench/lib.sh
mkdir -p bench/out
bench_images bench/out

json=$(mktemp)
trap 'rm -f "$json"' EXIT
echo "old: $rev ($sha), new: $build; hyperfine medians of $RUNS runs"
printf '%-44s %10s %10s %7s\n' "scan" "old ms" "new ms" "new/old"
compare() { # NAME ARGS...
    local name=$1
    shift
    local o n
    printf -v o '%q ' "$old" --no-site-rules "$@"
    printf -v n '%q ' "$new" --no-site-rules "$@"
    hyperfine -N -i -w 3 -r "$RUNS" --export-json "$json" "$o" "$n" >/dev/null 2>&1
    read -r om nm < <(jq -r '[.results[].median * 1000] | "\(.[0]) \(.[1])"' "$json")
    printf '%-44s %10.2f %10.2f %7.3f\n' "$name" "$om" "$nm" "$(jq -n "$nm / $om")"
}
compare "live, text" 
compare "--root debootstrap tree (initramfs), JSON" --root "$tree" --format json
compare "--image 20 GiB qcow2, JSON" --image bench/out/disk.qcow2 --format json
