# A package is verified to its end by default, whatever it inflates to:
# a tar.gz whose disk inflates past the 1 GiB of --quick is found whole,
# or cut short, before the upload. --quick keeps the bounded read (a
# warning). A progress line goes to stderr on a terminal, never elsewhere.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-image.sh"
need_cmd script

good_image "$T/disk.raw"
# disk.raw's MBR and partitions, then 1.25 GiB of data (a compressible
# pattern, so the package stays small), streamed into tar.gz and gz.
"$PYTHON" - "$T/disk.raw" "$T/big.tar.gz" "$T/big.raw.gz" <<'PY'
import gzip, sys, tarfile
head = open(sys.argv[1], "rb").read(4 << 20)
chunk = bytes(range(256)) * 4096  # 1 MiB
size = len(head) + 1280 * len(chunk)

class Disk:
    def __init__(self):
        self.left = [head] + [chunk] * 1280
    def read(self, n=-1):
        out = b""
        while self.left and (n < 0 or len(out) < n):
            out += self.left.pop(0)
        if n >= 0 and len(out) > n:
            self.left.insert(0, out[n:])
            out = out[:n]
        return out

with tarfile.open(sys.argv[2], "w:gz", compresslevel=1) as t:
    info = tarfile.TarInfo("disk.raw")
    info.size = size
    t.addfile(info, Disk())
with gzip.open(sys.argv[3], "wb", compresslevel=1) as g:
    d = Disk()
    while True:
        b = d.read(1 << 20)
        if not b:
            break
        g.write(b)
PY
ls -l "$T"/big.* | sed 's/^/# /'
head -c $(($(stat -c %s "$T/big.tar.gz") - 4096)) "$T/big.tar.gz" >"$T/cut.tar.gz"
head -c $(($(stat -c %s "$T/big.raw.gz") - 4096)) "$T/big.raw.gz" >"$T/cut.raw.gz"

for f in big.tar.gz big.raw.gz; do
    scan "$f" --file-only --image "$T/$f"
    assert_status image.integrity pass consistent
    assert_contains "$(evidence_of image.integrity)" "read to its end" "$f: verified to its end"
    assert_eq 0 "$rc" "$f: ready"
    assert_status image.partition-table pass dos
    assert_not_contains "$(evidence_of image.integrity)" "read budget" "$f: the end of the disk was read too"
    assert_not_contains "$(cat "$T/.stderr")" "verifying" "$f: no progress line when stderr is not a terminal"

    scan "$f-quick" --file-only --image "$T/$f" --quick
    assert_status image.integrity warn unverified
done
assert_contains "$(evidence_of image.integrity)" "inflates past the read budget" "big.raw.gz --quick: its size is not known"
scan big-quick --file-only --image "$T/big.tar.gz" --quick
assert_contains "$(evidence_of image.integrity)" "budget of a quick check" "big.tar.gz --quick: the budget of a quick check"
assert_eq 1 "$rc" "big.tar.gz --quick: a warning"

for f in cut.tar.gz cut.raw.gz; do
    scan "$f" --file-only --image "$T/$f"
    assert_status image.integrity fail truncated
    assert_eq 2 "$rc" "$f: blocked"
done
scan cut-quick --file-only --image "$T/cut.tar.gz" --quick
assert_status image.integrity warn unverified
gzip -t "$T/cut.raw.gz" 2>/dev/null && not_ok "gzip -t accepts cut.raw.gz" || ok "gzip -t finds cut.raw.gz cut short too"

# On a terminal: a progress line on stderr, and nothing of it in the reports.
TERM=dumb script -qec "$CSM --image $T/big.tar.gz -o $T/tty.json -o $T/tty.txt >$T/tty.stdout" "$T/typescript" \
    </dev/null >/dev/null
assert_contains "$(tr '\r' '\n' <"$T/typescript")" "csm-precheck: verifying $T/big.tar.gz:" "a progress line on the terminal"
assert_match '\(([0-9]|[1-9][0-9])%\)' "$(tr '\r' '\n' <"$T/typescript")" "the progress line says how far"
for f in tty.json tty.txt tty.stdout; do
    assert_not_contains "$(cat "$T/$f")" "verifying" "$f: no progress line in the report"
done
assert_eq consistent "$(jq -r '.results[] | select(.id == "image.integrity") | .outcome' "$T/tty.json")" \
    "the terminal run verified the package too"

run_csm --quick
assert_exit 64 "--quick goes with --image"
done_testing
