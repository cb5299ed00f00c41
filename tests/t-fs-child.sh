# The reader child (fs/child.c): a reader that hangs, spins, crashes or
# runs out of memory ends as a named error, never as a hang or a pass;
# the child opens nothing, holds no descriptor but the image's, its
# socket and stderr, and dies with its parent.
. "$CSM_SRC/tests/lib.sh"
need_cmd mkfs.ext4 strace
: "${CSM_FSREAD:?}"
fsr() { "$CSM_FSREAD" "$@" 2>&1; }

mkdir -p "$T/src/etc"
echo 'root:x:0:0:root:/root:/bin/bash' >"$T/src/etc/passwd"
head -c $((4 << 20)) /dev/urandom >"$T/src/big"
truncate -s 16M "$T/e.img"
mkfs.ext4 -q -F -d "$T/src" "$T/e.img"

# A source that never answers: the parent's wall clock ends it.
start=$SECONDS
assert_eq "fsread: open: the filesystem reader did not answer within 1.5 s while opening the ext4 filesystem" \
    "$(fsr --child --timeout 1500 --stall-at 1024 --stall sleep --type ext4 "$T/e.img" info)" "a hang is a named error"
[ $((SECONDS - start)) -lt 10 ] && ok "and it ends in time" || not_ok "the hang took $((SECONDS - start)) s"
# ... after the filesystem opened: the operation that hung fails, the next
# ones too, with the same reason.
blk=$(debugfs -R "bmap /big 1000" "$T/e.img" 2>/dev/null)
assert_eq "$(cat "$T/src/etc/passwd")" "$(fsr --child --timeout 1000 --stall-at $((blk * 1024)) --stall sleep "$T/e.img" cat /etc/passwd)" \
    "a stall elsewhere does not matter"
out=$(fsr --child --timeout 1000 --stall-at $((blk * 1024)) --stall sleep "$T/e.img" cat /big stat /etc || true)
assert_contains "$out" "fsread: /big: the filesystem reader did not answer within 1.0 s while reading the file inode" \
    "the read that hung"
assert_contains "$out" "fsread: /etc: the filesystem reader did not answer within 1.0 s while reading the file inode" \
    "the next operation fails with the same reason"

# A reader that spins: the CPU limit (RLIMIT_CPU) ends it.
assert_eq "fsread: open: the filesystem reader exceeded its CPU time limit of 1 s while opening the ext4 filesystem" \
    "$(fsr --child --cpu 1 --timeout 20000 --stall-at 1024 --stall spin --type ext4 "$T/e.img" info)" "a spin is a named error"
# A reader that crashes.
# (under AddressSanitizer its report ends the child: abort, or exit 1)
assert_match "^fsread: open: the filesystem reader (crashed \((Segmentation fault|Aborted)\)|ended \(exit status 1\)) while opening the ext4 filesystem" \
    "$(fsr --child --stall-at 1024 --stall crash --type ext4 "$T/e.img" info | grep '^fsread')" "a crash is a named error"
# A reader that runs out of memory (RLIMIT_AS; not in AddressSanitizer
# builds, whose shadow memory is terabytes of address space).
if "$CSM_FSREAD" --can-limit-memory; then
    # (an allocator that mapped its arenas before the fork, as the static
    # build's mimalloc maps 32 MiB, fails later: when a cache of 64 MiB
    # fills with the chunks of a 40 MiB file)
    head -c $((40 << 20)) /dev/urandom >"$T/src/huge"
    truncate -s 64M "$T/m.img"
    mkfs.ext4 -q -F -d "$T/src" "$T/m.img"
    assert_match "^fsread: (open|/huge): the filesystem reader (exceeded its|ran out of memory.*its) memory limit of 1 MiB" \
        "$("$CSM_FSREAD" --child --memory 1048576 --cache $((64 << 20)) "$T/m.img" info cat /huge 2>&1 >/dev/null)" \
        "running out of memory is a named error"
    rm -f "$T/src/huge" "$T/m.img"
    assert_eq "$(cat "$T/src/etc/passwd")" "$(fsr --child "$T/e.img" cat /etc/passwd)" "the default limit leaves room"
else
    ok "SKIP the memory limit: not applied under AddressSanitizer"
fi

# The child cannot open a file (seccomp): a library that tries fails.
assert_eq "fsread: open: Operation not permitted" \
    "$(fsr --child --stall-at 1024 --stall open --type ext4 "$T/e.img" info)" "the child cannot open a file"
assert_eq "type=ext4" "$(fsr --stall-at 1024 --stall open --type ext4 "$T/e.img" info | cut -d' ' -f1)" \
    "in-process the same open succeeds (the test's source is what tries)"

# The child opens nothing: every open of the traced run is the parent's,
# before the fork.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o "$T/trace" \
    -e trace=open,openat,openat2,execve,connect,creat,mkdir,unlink \
    "$CSM_FSREAD" --child "$T/e.img" info cat /etc/passwd ls / >/dev/null 2>&1
parent=$(awk 'NR == 1 {print $1}' "$T/trace")
assert_eq "" "$(awk -v p="$parent" '$1 != p' "$T/trace")" "the reader child opens, executes and connects to nothing"

# Its descriptors: stderr, the socket, the image; and it dies with its parent.
"$CSM_FSREAD" --child --timeout 60000 --stall-at 1024 --stall sleep "$T/e.img" info >/dev/null 2>&1 &
reader=$!
child=
for _ in $(seq 50); do
    child=$(pgrep -P "$reader" || true)
    [ -n "$child" ] && [ "$(ls /proc/"$child"/fd 2>/dev/null | wc -l)" -eq 3 ] && break
    sleep 0.1
done
assert_eq 3 "$(ls /proc/"$child"/fd | wc -l)" "the child holds three descriptors"
assert_contains "$(ls -l /proc/"$child"/fd/)" "$T/e.img" "one of them the image"
assert_eq 0 "$(awk '/Max core file size/ {print $5}' /proc/"$child"/limits)" "no core dumps"
assert_eq 0 "$(awk '/Max file size/ {print $5}' /proc/"$child"/limits)" "no file can be written"
kill -9 "$reader"
wait "$reader" 2>/dev/null || true
for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$child" 2>/dev/null; then not_ok "the child outlives its parent"; kill -9 "$child"; else ok "the child dies with its parent"; fi
done_testing
