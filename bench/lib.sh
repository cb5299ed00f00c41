# Shared by the bench/*.sh scripts: median wall time and peak RSS of a
# command over N runs, printed as one row of a table. Benchmarks are not
# tests: machines are noisy, so compare ratios within one run.

RUNS=${RUNS:-21}

# median_ms CMD...: runs CMD $RUNS times (after warm-up), prints the median
# wall time in ms with two decimals: hyperfine's when installed (no shell
# in between), else a loop of date +%s%N around each run.
median_ms() {
    if command -v hyperfine >/dev/null; then
        local json=${TMPDIR:-/tmp}/.bench-hf.json cmd
        printf -v cmd '%q ' "$@"
        hyperfine -N -i -w 3 -r "$RUNS" --export-json "$json" "$cmd" >/dev/null 2>&1
        jq '.results[0].median * 1000 * 100 | round / 100' "$json"
        return
    fi
    local i t0 t1 times=()
    "$@" >/dev/null 2>&1 || true
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        times+=($((t1 - t0)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int((NR+1)/2)]/1e6}'
}

# peak_rss_kb CMD...: the maximum resident set size of one run, in KiB.
peak_rss_kb() {
    /usr/bin/time -f '%M' -o "${TMPDIR:-/tmp}/.bench-rss" "$@" >/dev/null 2>&1 || true
    tail -1 "${TMPDIR:-/tmp}/.bench-rss"
}

# row NAME CMD...: one table row: name, median ms, peak RSS MiB.
row() {
    local name=$1
    shift
    local ms rss
    ms=$(median_ms "$@")
    rss=$(peak_rss_kb "$@")
    printf '%-44s %10s ms %8.1f MiB\n' "$name" "$ms" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
    LAST_MS=$ms
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }

# bench_images OUT: OUT/disk.{raw,qcow2,vmdk,vhd}, a 20 GiB virtual disk (MBR,
# boot code) with a real ext4 holding /usr/include and /usr/share/doc; made once.
bench_images() {
    local out=$1 tree
    [ -f "$out/disk.vhd" ] && return 0
    tree=$(mktemp -d)
    cp -a /usr/include "$tree/include"
    cp -a /usr/share/doc "$tree/doc"
    truncate -s 20G "$out/disk.raw"
    printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$out/disk.raw"
    mke2fs -q -F -t ext4 -M / -L root -d "$tree" -E offset=1048576 "$out/disk.raw" $((20 * 1024 * 1024 - 1024))k
    printf '\xeb\x63\x90' | dd of="$out/disk.raw" conv=notrunc status=none
    rm -rf "$tree"
    qemu-img convert -O qcow2 "$out/disk.raw" "$out/disk.qcow2"
    qemu-img convert -O vmdk "$out/disk.raw" "$out/disk.vmdk"
    qemu-img convert -O vpc "$out/disk.raw" "$out/disk.vhd"
}
