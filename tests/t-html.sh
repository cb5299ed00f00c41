# The HTML report: self-contained, escaped, rendered by a real browser.
# Reports of a ready, a warnings, a blocked and an incomplete fixture are
# rendered headless; a fixture whose files carry markup renders inert.
. "$CSM_SRC/tests/lib.sh"
[ -n "$CHROMIUM" ] || skip_test "chromium is not installed (packaging/install-deps --test installs it)"

good_system "$T/root" "$T/disk.img"
R=$T/root

render() { # name: writes $T/name.html via -o, and the browser's DOM to $T/name.dom
    run_csm --root "$R" --disk "$T/disk.img" -o "$T/$1.html" --format json "${@:2}"
    printf '%s\n' "$out" >"$T/$1.json"
    golden "$1" "$T/$1.json"
    chrome --dump-dom --virtual-time-budget=2000 "file://$T/$1.html" >"$T/$1.dom"
}

render ready
assert_exit 0
render_ok() { # name verdict
    local html=$T/$1.html dom=$T/$1.dom
    assert_contains "$(head -c 200 "$html")" "<!DOCTYPE html>" "$1: a document"
    assert_contains "$(cat "$dom")" "data-verdict=\"$2\"" "$1: the browser shows the verdict $2"
    assert_not_contains "$(cat "$html")" "<script" "$1: no script"
    assert_eq "" "$(grep -oE '(src|href)="[a-z]+:' "$html" || true)" "$1: nothing fetched from anywhere"
    assert_contains "$(cat "$html")" "Content-Security-Policy\" content=\"default-src 'none'" "$1: a CSP forbids fetches and scripts"
    assert_contains "$(cat "$html")" "@media print" "$1: a print stylesheet"
}
render_ok ready ready
assert_contains "$(cat "$T/ready.dom")" "id=\"passed\"" "ready: the passed section"
assert_contains "$(cat "$T/ready.dom")" "Migration plan" "ready: the plan"
assert_contains "$(cat "$T/ready.dom")" "qemu-img convert -p -f raw -O qcow2" "ready: the export command"

fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"
render warnings
render_ok warnings warnings
assert_contains "$(cat "$T/warnings.dom")" "id=\"check-fstab.network-mounts\" data-status=\"fail\"" "warnings: the network mount"

fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
render blocked
render_ok blocked blocked
dom=$(cat "$T/blocked.dom")
assert_contains "$dom" "<section id=\"blockers\"><h2>Blockers (1)</h2>" "blocked: the blockers section"
assert_contains "$dom" "id=\"check-fstab.device-names\"" "blocked: the blocker is there"
assert_contains "$dom" "sed -i 's|^/dev/sda1\\([[:space:]]\\)|UUID=$ROOT_UUID\\1|' /etc/fstab" "blocked: the fix, as plain text"

fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
chmod 0000 "$R/etc/fstab"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    chmod 0755 "$T" "$R" "$R/etc"
    chmod 0644 "$T/disk.img"
    mkdir -m 0777 "$T/out"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$CSM" --no-site-rules --root "$R" --disk "$T/disk.img" -o "$T/out/incomplete.html" \
        >/dev/null 2>&1 || true
    mv "$T/out/incomplete.html" "$T/incomplete.html"
    chrome --dump-dom "file://$T/incomplete.html" >"$T/incomplete.dom"
    render_ok incomplete incomplete
    assert_contains "$(cat "$T/incomplete.dom")" "id=\"errors\"" "incomplete: what could not be checked"
fi
chmod 0644 "$R/etc/fstab"

# Hostile markup in the scanned files: shown as text, never run.
H=$T/hostile
mktree "$H"
fstab "$H" "UUID=$ROOT_UUID / ext4 defaults 0 1" \
    "/dev/sdb1 /mnt/<script>document.title='PWNED'</script> ext4 defaults 0 0" \
    "/dev/sdc1 /x\"><img/src=x/onerror=document.body.setAttribute('data-pwned','1')> ext4 defaults 0 0" \
    "<script>document.title='PWNED2'</script> not an entry"
sed -i 's|^PRETTY_NAME=.*|PRETTY_NAME="Debian</title><script>document.title=\x27PWNED\x27</script><b onmouseover=alert(1)>"|' "$H/usr/lib/os-release"
grubcfg "$H" "UUID=$ROOT_UUID"
run_csm --root "$H" -o "$T/hostile.html"
chrome --dump-dom --virtual-time-budget=2000 "file://$T/hostile.html" >"$T/hostile.dom"
html=$(html_text "$T/hostile.html")
dom=$(html_text "$T/hostile.dom")
assert_contains "$html" "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" "markup is escaped"
assert_not_contains "$html" "<script" "no script element in the file"
assert_not_contains "$html" "<img" "no img element in the file"
assert_not_contains "$dom" "<script" "no script element in the browser's DOM"
assert_not_contains "$dom" 'data-pwned="1"' "no handler ran"
assert_not_contains "$(grep -o '<title>[^<]*' <<<"$dom")" "PWNED" "the title is untouched"
assert_contains "$dom" "/x\"&gt;&lt;img/src=x/onerror=" "the markup is visible as text"
assert_contains "$dom" "&lt;script&gt;document.title='PWNED2'" "an unparsed line is shown, escaped"

# No horizontal scrolling, even for a 400-character path in the evidence:
# a page of the test (not the report, whose policy forbids scripts) frames
# the report at phone and desktop widths and measures it.
long=$(printf 'very-long-directory-name-%.0s' $(seq 16))
fstab "$R" "/dev/sda1 /$long ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
run_csm --root "$R" --disk "$T/disk.img" -o "$T/long.html"
for w in 390 1280; do
    cat >"$T/frame$w.html" <<FRAME
<!DOCTYPE html><html><body><iframe id="f" src="long.html" style="width:${w}px;height:900px;border:0"></iframe>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument.documentElement;
  document.body.setAttribute('data-overflow', d.scrollWidth > d.clientWidth ? 'yes' : 'no');
};
</script></body></html>
FRAME
    chrome --allow-file-access-from-files --virtual-time-budget=3000 --dump-dom "file://$T/frame$w.html" >"$T/frame$w.dom"
    assert_contains "$(cat "$T/frame$w.dom")" 'data-overflow="no"' "no horizontal scrolling at ${w}px"
done

# ---- The page at a glance, on a phone and a desktop, and in print ----
# A blocked report with a warning and a note (an info check that failed):
# a frame of the test measures the report as Chromium lays it out at 390
# and 1280 px, and screenshots are taken at both widths.
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"
rm "$R/usr/bin/rsync"
cp "$R/var/lib/dpkg/status" "$T/status.saved"
sed -i '/^Package: rsync$/,/^$/d' "$R/var/lib/dpkg/status"
run_csm --root "$R" --disk "$T/disk.img" --host-label web-01 -o "$T/glance.html" -o "$T/glance.json"
assert_exit 2 "the glance report is blocked"
validate_json "$T/glance.json"
golden glance "$T/glance.json"
touch "$R/usr/bin/rsync"
chmod 0755 "$R/usr/bin/rsync"
mv "$T/status.saved" "$R/var/lib/dpkg/status"
for w in 390 1280; do
    cat >"$T/glance$w.html" <<FRAME
<!DOCTYPE html><html><body><iframe id="f" src="glance.html" style="width:${w}px;height:900px;border:0"></iframe>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, b = document.body, range = d.createRange();
  function top(node, i) {
    range.setStart(node, i); range.setEnd(node, i + 1);
    var r = range.getClientRects();
    return r.length ? r[0].top : null;
  }
  /* A line break between two characters of one text node that are not
     spaces: a word broken inside (paths are set in pieces that each keep
     whole; only a digest may break anywhere). In a command: a wrap. */
  var broken = [], wrapped = [], walk = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
  for (var n = walk.nextNode(); n; n = walk.nextNode()) {
    var el = n.parentElement;
    if (!el || el.closest('.hex, svg')) continue;
    var inPre = !!el.closest('pre'), t = n.data;
    for (var i = 0; i + 1 < t.length; i++) {
      if (/\s/.test(t[i]) || /\s/.test(t[i + 1])) continue;
      var a = top(n, i), c = top(n, i + 1);
      if (a !== null && c !== null && c > a + 2) {
        (inPre ? wrapped : broken).push(t.slice(Math.max(0, i - 12), i + 12));
        break;
      }
    }
  }
  var de = d.documentElement;
  b.setAttribute('data-overflow', de.scrollWidth > de.clientWidth ? 'yes' : 'no');
  b.setAttribute('data-broken', broken.join(' | '));
  b.setAttribute('data-wrapped', wrapped.join(' | '));
  var rows = d.querySelectorAll('#summary tbody tr'), dead = 0;
  rows.forEach(function (r) {
    var a = r.querySelector('a');
    if (!a || !d.getElementById(a.getAttribute('href').slice(1))) dead++;
  });
  b.setAttribute('data-summary-rows', rows.length);
  b.setAttribute('data-summary-dead', dead);
  var sum = d.getElementById('summary'), first = d.querySelector('main section:not(#summary)');
  b.setAttribute('data-summary-first', sum && first && sum.compareDocumentPosition(first) & 4 ? 'yes' : 'no');
  var det = d.querySelector('#passed details');
  b.setAttribute('data-passed', det ? (det.open ? 'open' : 'folded') : 'none');
  var badge = d.querySelector('article[id="check-software.rsync"] .badge');
  b.setAttribute('data-note-badge', badge ? badge.textContent : '');
  /* The disk picture as drawn: each partition's left edge and width, and
     the cut, in percent of the axis. */
  var svg = d.querySelector('#disk-map svg'), parts = [];
  if (svg) {
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('rect.part').forEach(function (r) {
      var q = r.getBoundingClientRect();
      parts.push(r.getAttribute('data-partno') + ':' + ((q.left - box.left) / box.width * 100).toFixed(2) + ':' +
                 (q.width / box.width * 100).toFixed(2) + ':' + (r.classList.contains('in') ? 'in' : 'out'));
    });
    var cut = svg.querySelector('line.cut').getBoundingClientRect();
    b.setAttribute('data-cut', ((cut.left + cut.width / 2 - box.left) / box.width * 100).toFixed(2));
    b.setAttribute('data-svg-width', Math.round(box.width));
  }
  b.setAttribute('data-parts', parts.join(' '));
  /* A box that scrolls sideways: a word too wide for it. */
  var scrolled = [];
  d.querySelectorAll('td, dd, p, li').forEach(function (e) {
    if (e.scrollWidth > e.clientWidth + 1) scrolled.push(e.textContent.slice(0, 40));
  });
  b.setAttribute('data-scrolled', scrolled.join(' | '));
  b.setAttribute('data-height', de.scrollHeight);
};
</script></body></html>
FRAME
    chrome --allow-file-access-from-files --virtual-time-budget=3000 --dump-dom "file://$T/glance$w.html" >"$T/glance$w.dom"
    attr() { grep -o "data-$1=\"[^\"]*\"" "$T/glance$w.dom" | awk 'NR == 1' | sed 's/^[^"]*"//; s/"$//'; }
    assert_eq no "$(attr overflow)" "$w px: no horizontal scrolling"
    assert_eq "" "$(attr broken)" "$w px: no word broken inside a path, a device or an id"
    assert_eq "" "$(attr wrapped)" "$w px: commands do not wrap"
    assert_eq "" "$(attr scrolled)" "$w px: no box of prose or evidence scrolls"
    assert_eq "$(jq '.results | length' "$T/glance.json")" "$(attr summary-rows)" "$w px: the summary has a row per check"
    assert_eq 0 "$(attr summary-dead)" "$w px: each row links to its check"
    assert_eq yes "$(attr summary-first)" "$w px: the summary comes first"
    assert_eq folded "$(attr passed)" "$w px: what passed is folded"
    assert_eq note "$(attr note-badge)" "$w px: an info check's badge says it is a note, not a failure"
    # The picture against the plan: every partition where its sectors are.
    python3 - "$T/glance.json" "$(attr parts)" "$(attr cut)" <<'PY' && ok "$w px: the disk picture matches the plan" || not_ok "$w px: the disk picture does not match the plan"
import json, sys
plan = json.load(open(sys.argv[1]))["plan"]
sectors = plan["system_disk"]["size_bytes"] // plan["system_disk"]["sector_size"]
last = plan["copy"]["last_sector"]
drawn = {int(p.split(":")[0]): p.split(":")[1:] for p in sys.argv[2].split()}
bad = []
for p in plan["partitions"]:
    x, w, cls = drawn.get(p["number"], (None, None, ""))
    want_x = 100 * p["start_sector"] / sectors
    want_w = 100 * (p["end_sector"] + 1 - p["start_sector"]) / sectors
    if x is None or abs(float(x) - want_x) > 0.3 or abs(float(w) - want_w) > 0.3:
        bad.append(f"partition {p['number']}: drawn {x} {w}, plan {want_x:.2f} {want_w:.2f}")
    if (cls == "in") != (p["end_sector"] <= last):
        bad.append(f"partition {p['number']}: {cls}, but it ends at {p['end_sector']} and the copy at {last}")
if abs(float(sys.argv[3]) - 100 * (last + 1) / sectors) > 0.3:
    bad.append(f"the cut at {sys.argv[3]}%, the plan's at {100 * (last + 1) / sectors:.2f}%")
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad or not drawn else 0)
PY
    chrome --screenshot="$T/glance$w.png" --window-size=$w,"$(attr height)" "file://$T/glance.html" >/dev/null
    [ "$(head -c 8 "$T/glance$w.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] && ok "a screenshot at $w px" ||
        not_ok "no screenshot at $w px"
    if [ -n "${CSM_ARTIFACTS:-}" ]; then mkdir -p "$CSM_ARTIFACTS" && cp "$T/glance$w.png" "$CSM_ARTIFACTS/"; fi
done
assert_contains "$(html_text "$T/glance.html")" "web-01, hostname testhost" "the label heads the page"
# Evidence tables leave out a Where or Note column that no row fills.
python3 - "$T/glance.html" <<'PY' && ok "no empty Where or Note column" || not_ok "an empty Where or Note column"
import re, sys
html = open(sys.argv[1]).read()
bad = 0
for table in re.findall(r'<table class="evidence rows">.*?</table>', html):
    for col in ("Where", "Note"):
        if f"<th>{col}</th>" in table and not re.search(rf'<td data-label="{col}">(?!</td>)', table):
            bad += 1
sys.exit(1 if bad else 0)
PY
# The target disk beside the system disk, on the same scale: 48 MiB of 64.
run_csm --root "$R" --disk "$T/disk.img" --target-disk-size 48M -o "$T/target.html"
assert_match '<rect class="target" x="0" y="[0-9]+" width="75\.000%"' "$(cat "$T/target.html")" "the target disk, to scale"
assert_contains "$(cat "$T/target.html")" "target disk 48.0 MiB</text>" "and its size"
# A4: the summary first, what passed folded.
chrome --print-to-pdf="$T/report.pdf" --no-pdf-header-footer "file://$T/glance.html" >/dev/null
pages=$(grep -ao '/Count [0-9]*' "$T/report.pdf" | sort -t' ' -k2 -n | tail -1 | cut -d' ' -f2)
[ -n "$pages" ] && [ "$pages" -le 6 ] && ok "printed on $pages A4 pages" || not_ok "printed on ${pages:-?} pages, more than 6"
# An image scan renders its own section: format, sizes, partitions.
if command -v qemu-img >/dev/null; then
    qemu-img convert -O qcow2 "$T/disk.img" "$T/disk.qcow2"
    run_csm --image "$T/disk.qcow2" -o "$T/image.html"
    chrome --dump-dom "file://$T/image.html" >"$T/image.dom"
    render_ok image "$(jq -r .verdict <<<"$("$CSM" --no-site-rules --image "$T/disk.qcow2" --format json)")"
    assert_contains "$(cat "$T/image.dom")" "<section id=\"image\"><h2>Image</h2>" "image: its section"
    assert_contains "$(html_text "$T/image.dom")" "UUID=$ROOT_UUID" "image: the root filesystem"
    assert_contains "$(html_text "$T/image.dom")" "qcow2 version 3" "image: the format"
fi
done_testing
