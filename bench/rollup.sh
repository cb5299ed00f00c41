#!/usr/bin/env bash
# Benchmark (not a test): csm-precheck rollup over a wave of 5,000 real
# reports (about 110 MB of JSON, each with its digest), against what an
# admin would otherwise run: jq -s slurping them all to count the verdicts
# and the failing checks per id. The rollup also verifies every digest,
# checks every report against itself and looks for shared machine IDs.
#   bench/rollup.sh [BUILD_DIR]      (default build/; HOSTS=5000, RUNS=5)
# The wave is made once in bench/out/wave-<HOSTS> by real scans of fixture
# trees (four kinds of system, each host its own machine ID and hostname).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
. bench/lib.sh
CSM=$(realpath "${1:-build}/csm-precheck")
HOSTS=${HOSTS:-5000}
[ -x "$CSM" ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 1; }
for c in jq hyperfine; do command -v "$c" >/dev/null || { echo "bench/rollup.sh: needs $c" >&2; exit 1; }; done
wave=bench/out/wave-$HOSTS
mkdir -p bench/out

if [ ! -e "$wave/.done" ]; then
    rm -rf "$wave" "$wave.trees"
    mkdir -p "$wave" "$wave.trees"
    (
        export CSM CSM_SRC=$PWD
        . tests/lib.sh >/dev/null
        trap - EXIT
        T=$PWD/$wave.trees
        for kind in ready warnings blocked incomplete; do
            d=$T/$kind
            good_system "$d/root" "$d/disk.img"
            case $kind in
            warnings) fstab "$d/root" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" \
                "nas:/x /mnt/nas nfs defaults 0 0" ;;
            blocked) fstab "$d/root" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" ;;
            incomplete) printf '# UNCONFIGURED FSTAB FOR BASE SYSTEM\n' >"$d/root/etc/fstab" ;;
            esac
        done
    ) >/dev/null 2>&1
    kinds=(ready ready ready warnings warnings blocked incomplete ready)
    echo "making $HOSTS reports in $wave (once)..." >&2
    for ((i = 0; i < HOSTS; i++)); do
        k=${kinds[i % ${#kinds[@]}]}
        printf '%s %s\n' "$(printf 'host-%05d' "$i")" "$k"
    done | while read -r name kind; do
        t=$wave.trees/$kind
        printf '%032x\n' "$((0x${name#host-} + 4096))" >"$t/root/etc/machine-id"
        echo "$name" >"$t/root/etc/hostname"
        mkdir -p "$wave/$name"
        "$CSM" --no-site-rules --root "$t/root" --disk "$t/disk.img" --host-label "$name" \
            -o "$wave/$name/precheck.json" >/dev/null || true
    done
    ls "$wave" >"$wave.hosts" && mv "$wave.hosts" "$wave/hosts.txt"
    rm -rf "$wave.trees"
    touch "$wave/.done"
fi
n=$(find "$wave" -name precheck.json | wc -l)
mib=$(du -sm --apparent-size "$wave" | cut -f1)
echo "csm-precheck $("$CSM" --version | cut -d' ' -f2): a wave of $n reports, $mib MiB of JSON; $RUNS runs each"
printf '%-44s %13s %12s\n' "command" "median" "peak RSS"

# What jq does of the same: the verdicts and, per check id, the hosts that do not pass.
cat >"bench/out/rollup.jq" <<'JQ'
{ hosts: length,
  verdicts: (group_by(.verdict) | map({ (.[0].verdict): length }) | add),
  checks: ([.[] | .host.label as $h | .results[] | select(.status != "pass" and .status != "skip")
            | { id, status, host: $h }] | group_by(.id) | map({ id: .[0].id, hosts: map(.host) })) }
JQ
export wave
jq_slurp() { jq -s -f bench/out/rollup.jq "$wave"/*/precheck.json; }
export -f jq_slurp
row "csm-precheck rollup --format json" "$CSM" rollup --expect-hosts "$wave/hosts.txt" --format json "$wave"
rollup_ms=$LAST_MS
row "csm-precheck rollup (text)" "$CSM" rollup --expect-hosts "$wave/hosts.txt" "$wave"
row "csm-precheck rollup --format csv --per-check" "$CSM" rollup --format csv --per-check "$wave"
row "jq -s (verdicts, failing checks per id)" bash -c jq_slurp
echo "rollup --format json vs jq -s: $(ratio "$LAST_MS" "$rollup_ms") faster"
