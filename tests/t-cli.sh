# The command line: usage errors (64), operational errors (4), the report
# files written atomically, help and version.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root

run_csm --help
assert_exit 0
for code in " 0  ready" " 1  warnings" " 2  blocked" " 3  incomplete" " 4  operational" "64  usage"; do
    assert_contains "$out" "$code" "--help documents exit code ${code% *}"
done
run_csm --version
assert_match "^csm-precheck [0-9]+\.[0-9]+\.[0-9]+$" "$out" "--version"

for args in "--nosuch" "--format xml" "--root" "-o report.pdf" "--disk $T/disk.img" "--color=sometimes" "extra"; do
    run_csm $args
    assert_exit 64 "usage error: $args"
    assert_contains "$err" "Try 'csm-precheck --help'" "hint for: $args"
done
run_csm --format xml
assert_contains "$err" "--format: unknown format 'xml' (expected text, json, html)" "the option and value are named"

# --host-label: the name a fleet knows the system by, kept beside its hostname.
scan label --root "$R" --disk "$T/disk.img" --host-label "web-01 (rack 4)"
assert_eq "web-01 (rack 4)" "$(q .host.label)" "the label in the JSON"
assert_eq testhost "$(q .host.hostname)" "beside the hostname"
scan nolabel --root "$R" --disk "$T/disk.img"
assert_eq null "$(q .host.label)" "no label: null"
COLUMNS=300 run_csm --root "$R" --disk "$T/disk.img" --host-label web-01 -o "$T/label.html"
assert_contains "$(head -3 <<<"$out")" "host web-01 (hostname testhost)" "the text report's header"
assert_contains "$(cat "$T/label.html")" "<title>web-01: Ready (csm-precheck)</title>" "the HTML title"
# A tree without a hostname: the label names the plan's export files.
mv "$R/etc/hostname" "$T/hostname.saved"
scan nohost --root "$R" --disk "$T/disk.img" --host-label web-01
assert_eq unknown "$(q .host.hostname)" "no hostname in the tree"
assert_contains "$(q '.plan.commands[]')" "/mnt/export/web-01-system.qcow2" "the label names the export"
printf '{"waivers":[{"id":"disk.capacity","host":"web-*","reason":"x"},{"id":"fstab.network-mounts","host":"web-*","reason":"the label matches"}]}' >"$T/lw.json"
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"
scan labelwaiver --root "$R" --disk "$T/disk.img" --host-label web-01 --waivers "$T/lw.json"
assert_status fstab.network-mounts waived
mv "$T/hostname.saved" "$R/etc/hostname"
fstab "$R" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
for bad in "" " web" $'web\n01' "$(printf 'x%.0s' $(seq 129))"; do
    run_csm --root "$R" --host-label "$bad"
    assert_exit 64 "a label that is not one: '${bad:0:20}'"
done
assert_contains "$err" "--host-label: " "the option is named"

run_csm --root "$T/nonexistent"
assert_exit 4
assert_contains "$err" "--root $T/nonexistent: No such file or directory" "unreadable root"

# --disk: a missing file is an operational error; an image format is named,
# and --image is the way to check it (read as raw it has no partition table).
run_csm --root "$R" --disk /nonexistent
assert_exit 4 "--disk /nonexistent"
assert_contains "$err" "--disk /nonexistent: No such file or directory" "the missing disk is named"
assert_eq "" "$out" "nothing checked without the disk"
if command -v qemu-img >/dev/null; then
    qemu-img convert -f raw -O qcow2 "$T/disk.img" "$T/disk.qcow2"
    run_csm --root "$R" --disk "$T/disk.qcow2"
    assert_exit 4 "--disk given a qcow2"
    assert_contains "$err" "--disk $T/disk.qcow2: the file is a qcow2, not a raw disk: check the image itself with --image $T/disk.qcow2" \
        "it says qcow2 and points to --image"
fi
gzip -c "$T/disk.img" >"$T/disk.img.gz"
run_csm --root "$R" --disk "$T/disk.img.gz"
assert_exit 4 "--disk given a package"
assert_contains "$err" "a gzip package, not a raw disk" "a package is named"
run_csm --root "$R" --disk "$T"
assert_exit 4 "--disk given a directory"

# -o: several files, format from the extension; the report on stdout too.
run_csm --root "$R" --disk "$T/disk.img" -o "$T/r.json" -o "$T/r.txt" --format json
assert_exit 0
validate_json "$T/r.json"
golden r "$T/r.json"
assert_eq ready "$(jq -r .verdict "$T/r.json")" "the JSON file"
assert_contains "$(cat "$T/r.txt")" "READY" "the text file"
assert_eq "$(jq -r .verdict <<<"$out")" "$(jq -r .verdict "$T/r.json")" "stdout and file agree"
assert_eq 644 "$(stat -c %a "$T/r.json")" "reports are readable"
assert_eq "" "$(ls "$T" | grep -E '^r\.(json|txt)\.' || true)" "no temporary files left"
# The rename is made durable: the directory is synced after it.
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
    # LeakSanitizer cannot run under ptrace.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -e trace=open,openat,rename,renameat,renameat2,fsync,fdatasync -o "$T/save.trace" \
        "$CSM" --root "$R" --disk "$T/disk.img" -o "$T/r.json" >/dev/null
    renamed=$(grep -m1 -nE 'rename(at2?)?\(.*r\.json' "$T/save.trace" | cut -d: -f1)
    dirfd=$(awk -v after="${renamed:-999999}" -v dir="\"$T\"" 'NR > after && index($0, dir) && /O_DIRECTORY/ { sub(/.*= /, ""); print; exit }' "$T/save.trace")
    assert_match "^[0-9]+$" "$dirfd" "the output directory is opened after the rename"
    assert_match "fsync\($dirfd\) += 0" "$(tail -n +"${renamed:-1}" "$T/save.trace")" "... and synced"
fi

# Atomic: a failed write leaves the old report in place, and says so.
echo '{"old": true}' >"$T/keep.json"
chmod 0555 "$T"
if [ "$(id -u)" -ne 0 ]; then
    run_csm --root "$R" -o "$T/keep.json"
    assert_exit 4
    assert_eq true "$(jq -r .old "$T/keep.json")" "the old report is intact"
fi
chmod 0755 "$T"
run_csm --root "$R" -o "$T/nodir/x.json"
assert_exit 4
assert_contains "$err" "--output $T/nodir/x.json: No such file or directory" "unwritable output"

# Colour only when asked or on a terminal.
run_csm --root "$R" --color=always
assert_contains "$out" $'\033[' "--color=always"
run_csm --root "$R"
assert_not_contains "$out" $'\033[' "no colour into a pipe"
if command -v script >/dev/null; then
    script -qec "NO_COLOR=1 $CSM --root $R" /dev/null >"$T/tty.out" || true
    assert_not_contains "$(cat "$T/tty.out")" $'\033[1;' "NO_COLOR on a terminal"
    script -qec "$CSM --root $R" /dev/null >"$T/tty2.out" || true
    assert_contains "$(cat "$T/tty2.out")" $'\033[' "colour on a terminal"
fi
done_testing
