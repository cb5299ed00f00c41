# File descriptors used up (ulimit -n): no abort, on live, --root and
# --image scans. A library that cannot be loaded for want of one is an
# operational error (exit 4) with a message; what could not be opened is
# an error of the check that needed it, never taken for absent.
. "$CSM_SRC/tests/lib.sh"
need_cmd qemu-img

R=$T/root
readytree "$R"
qemu-img create -q -f qcow2 "$T/disk.qcow2" 64M

limited() { # N NAME ARGS...: runs the tool with at most N descriptors
    local n=$1 name=$2
    shift 2
    set +e
    # Descriptors the test inherited (from ctest) would count against N.
    bash -c 'for fd in $(ls /proc/$$/fd); do [ "$fd" -le 2 ] || eval "exec $fd>&-"; done
             ulimit -n "$1" && shift && exec "$@"' limit "$n" "$CSM" "$@" >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    set -e
}

for n in 4 5 6 8 12; do
    for target in live root image; do
        case $target in
        live) args=() ;;
        root) args=(--root "$R") ;;
        image) args=(--image "$T/disk.qcow2") ;;
        esac
        for format in text json; do
            name=$target-$format-$n
            limited "$n" "$name" "${args[@]}" --format "$format"
            if [ "$rc" -le 4 ]; then ok "$name: exit $rc, not a crash"; else not_ok "$name: exit $rc: $(head -3 "$T/$name.err")"; fi
            if [ "$rc" -eq 4 ]; then
                assert_match "csm-precheck: .+" "$(cat "$T/$name.err")" "$name: exit 4 says why"
            elif [ "$format" = json ]; then
                validate_json "$T/$name.out"
            fi
        done
    done
done

# Four descriptors leave none for libcrypto, which the JSON digest needs
# (the static binary has it linked in: nothing to load).
limited 4 crypto --root "$R" --format json
if linked_in; then
    assert_match "^[0-3]$" "$rc" "linked in: a verdict with four descriptors"
    assert_match '^[0-9a-f]{64}$' "$(q .digest.value "$T/crypto.out")" "linked in: the report has its digest"
else
    assert_exit 4 "libcrypto cannot be loaded"
    assert_contains "$(cat "$T/crypto.err")" "libcrypto.so.3 cannot be loaded" "the library is named"
    assert_eq "" "$(cat "$T/crypto.out")" "no report without its digest"
fi
# A scan short of descriptors says so where it could not read.
limited 5 short --root "$R" --format json
assert_match "^[0-4]$" "$rc" "a verdict"
if [ "$rc" -ne 4 ]; then
    assert_contains "$(q '[.results[].reason // empty] | join(" ")' "$T/short.out")" "Too many open files" \
        "EMFILE is an error with its reason, not an absent file"
fi

# A library that is not there (hidden by an empty file in a private mount
# namespace): the scan that needs it exits 4 and names it.
# awk reads to the end: exiting at the first match would kill ldconfig
# with SIGPIPE, and pipefail would end the test there.
lib=$(ldconfig -p | awk '/libarchive\.so\.13 / && /x86-64/ && !found {print $NF; found = 1}')
if ! linked_in && [ "$(id -u)" -eq 0 ] && [ -n "$lib" ] && unshare -m true 2>/dev/null; then
    set +e
    unshare -m --propagation private bash -c 'mount --bind /dev/null "$1" && shift && exec "$@"' hide "$lib" \
        "$CSM" --root "$R" --format json >"$T/nolib.out" 2>"$T/nolib.err"
    rc=$?
    set -e
    assert_exit 4 "libarchive missing"
    golden nolib "$T/nolib.out"
    assert_contains "$(cat "$T/nolib.err")" "libarchive.so.13 cannot be loaded" "libarchive is named"
    assert_eq error "$(q '.results[] | select(.id=="drivers.virtio-initramfs") | .status' "$T/nolib.out")" \
        "the initramfs check says it could not read"
fi
done_testing
