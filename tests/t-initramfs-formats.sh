# drivers.virtio-initramfs reads initramfs images as distributions write
# them, and fails cleanly on truncated, garbage and decompression bombs.
. "$CSM_SRC/tests/lib.sh"
need_cmd depmod cpio cc gzip xz zstd lz4 bzip2

mktree "$T/r"
grubcfg "$T/r" "UUID=$ROOT_UUID"
IR=$T/r/boot/initrd.img-6.1.0-13-amd64
for fmt in gzip xz zstd lz4 bzip2 lzma cpio early; do
    IR_FORMAT=$fmt mkkernel "$T/r" 6.1.0-13-amd64
    scan "fmt-$fmt" --root "$T/r"
    assert_status drivers.virtio-initramfs pass present
    seg=$(q '.results[] | select(.id == "drivers.virtio-initramfs") | .evidence[] | select(.label == "initramfs") | .note')
    case $fmt in
    cpio) assert_match '^cpio;' "$seg" "$fmt: read as a plain cpio" ;;
    early) assert_match '^cpio \+ zstd cpio;' "$seg" "early microcode cpio, then the zstd archive" ;;
    lzma) assert_match '^lzma cpio;' "$seg" "lzma: segment named" ;;
    *) assert_match "^$fmt cpio;" "$seg" "$fmt: segment named" ;;
    esac
done

reason() { q '.results[] | select(.id == "drivers.virtio-initramfs") | .reason'; }

# Truncated in the middle of the compressed stream: an error that says so.
IR_FORMAT=gzip mkkernel "$T/r" 6.1.0-13-amd64
size=$(stat -c %s "$IR")
head -c $((size / 2)) "$IR" >"$T/half" && mv "$T/half" "$IR"
scan truncated --root "$T/r"
assert_status drivers.virtio-initramfs error
assert_contains "$(reason)" "/boot/initrd.img-6.1.0-13-amd64:" "truncated: names the file"
assert_match "(runcated|corrupt)" "$(reason)" "truncated: says it is truncated or corrupt"
assert_exit 3

# Garbage, and an empty file.
random_bytes 65536 >"$IR"
scan garbage --root "$T/r"
assert_status drivers.virtio-initramfs error
assert_contains "$(reason)" "cannot be read as a cpio archive" "garbage: clear error"
: >"$IR"
scan empty --root "$T/r"
assert_contains "$(reason)" "an empty file" "empty file: clear error"

# A FIFO in its place is no initramfs, and reading the tree does not block on it.
rm "$IR" && mkfifo "$IR"
scan fifo --root "$T/r"
assert_status drivers.virtio-initramfs fail no-initramfs
rm "$IR"

# Decompression bombs: a member larger than the cap (refused from its header),
# and many members that together expand past it. Both end fast, in bounded memory.
mkdir -p "$T/bomb/usr/lib"
truncate -s 1200M "$T/bomb/usr/lib/zero"
(cd "$T/bomb" && echo usr/lib/zero | cpio -o -H newc --quiet | zstd -q -1 -c) >"$IR"
start=$(date +%s%N)
scan bomb-one --root "$T/r"
ms=$((($(date +%s%N) - start) / 1000000))
assert_status drivers.virtio-initramfs error
assert_contains "$(reason)" "decompression bomb" "one huge member: bomb reported"
[ "$ms" -lt 10000 ] && ok "one huge member: ended in ${ms} ms" || not_ok "one huge member took ${ms} ms"
rm "$T/bomb/usr/lib/zero"
for i in $(seq 1 12); do truncate -s 100M "$T/bomb/usr/lib/z$i"; done
(cd "$T/bomb" && find usr | LC_ALL=C sort | cpio -o -H newc --quiet | zstd -q -1 -c) >"$IR"
start=$(date +%s%N)
command -v /usr/bin/time >/dev/null && timer=(/usr/bin/time -f '%M') || timer=()
set +e
rss=$("${timer[@]}" "$CSM" --no-site-rules --root "$T/r" -f json 2>&1 >"$T/bomb-many.json" | tail -1)
set -e
ms=$((($(date +%s%N) - start) / 1000000))
J=$T/bomb-many.json
golden bomb-many "$J"
assert_status drivers.virtio-initramfs error
assert_contains "$(reason)" "decompression bomb" "many members: bomb reported"
[ "$ms" -lt 30000 ] && ok "many members: ended in ${ms} ms" || not_ok "many members took ${ms} ms"
if [ ${#timer[@]} -gt 0 ]; then
    [ "$rss" -lt 65536 ] && ok "bomb: peak RSS ${rss} KiB" || not_ok "bomb: peak RSS ${rss} KiB"
fi

# A header that announces a 1 GiB member name over a stream of zeros: libarchive
# would buffer the name whole; the reader refuses it at once, in little memory.
{
    printf '070701%08X%08X' 1 $((0100644))
    printf '%08X' 0 0 1 0 0 0 0 0 0
    printf '%08X%08X' $((1 << 30)) 0
    head -c 1100M /dev/zero
} | zstd -q -1 -c >"$IR"
start=$(date +%s%N)
set +e
rss=$("${timer[@]}" "$CSM" --no-site-rules --root "$T/r" -f json 2>&1 >"$T/namebomb.json" | tail -1)
set -e
ms=$((($(date +%s%N) - start) / 1000000))
J=$T/namebomb.json
golden namebomb "$J"
assert_status drivers.virtio-initramfs error
assert_contains "$(reason)" "a name longer than PATH_MAX" "huge member name: refused"
[ "$ms" -lt 10000 ] && ok "huge member name: ended in ${ms} ms" || not_ok "huge member name took ${ms} ms"
if [ ${#timer[@]} -gt 0 ]; then
    [ "$rss" -lt 65536 ] && ok "huge member name: peak RSS ${rss} KiB" || not_ok "huge member name: peak RSS ${rss} KiB"
fi

# hostile NAME MODE SIZE REASON: one newc header of that mode and data size
# over zeros, which libarchive would read ahead whole (found by fuzzing from
# 2 KiB files): the reader refuses it with REASON.
hostile() {
    {
        printf '070701%08X%08X' 1 "$2"
        printf '%08X' 0 0 1 0 "$3" 0 0 0 0
        printf '%08X%08X' 2 0
        printf 'x\0'
        head -c 64K /dev/zero
    } | gzip -c >"$IR"
    scan "$1" --root "$T/r"
    assert_status drivers.virtio-initramfs error
    assert_contains "$(reason)" "$4" "$1: refused"
}
hostile symlink $((0120777)) $((0xF0000000)) "a symbolic link whose target is longer than PATH_MAX"
hostile dirdata $((040755)) $((0x70000000)) "a directory or special file that carries data"
# A field that is not hexadecimal: libarchive would search on for a header.
{
    printf '070701%08X%08X' 1 $((0100644))
    printf '%08X' 0 0 1 0 0 0 0
    printf '0000-000%08X%08X%08X' 0 4 0
    printf 'abc\0'
} | gzip -c >"$IR"
scan nothex --root "$T/r"
assert_status drivers.virtio-initramfs error
assert_contains "$(reason)" "not hexadecimal" "a field that is not hexadecimal: refused"
# The kernel reads newc only; libarchive would also take odc.
(cd "$T/r" && find etc -print | cpio -o -H odc --quiet) | gzip -c >"$IR"
scan odc --root "$T/r"
assert_status drivers.virtio-initramfs error
assert_contains "$(reason)" "not a newc cpio header" "an odc archive: the kernel would not unpack it"

# libarchive reads in a child process under a memory and a CPU limit.
if command -v strace >/dev/null; then
    strace -f -e trace=prlimit64,setrlimit -o "$T/limits" "$CSM" --root "$T/r" -f json >/dev/null 2>&1 || true
    assert_contains "$(grep RLIMIT_CPU "$T/limits")" "rlim_cur=65" "the initramfs reader has a CPU limit"
    if [ -z "${ASAN_OPTIONS:-}" ]; then # ASan bounds allocations itself
        assert_contains "$(grep RLIMIT_AS "$T/limits")" "rlim_cur=1048576*1024" "the initramfs reader has a memory limit of 1 GiB"
    fi
fi
done_testing
