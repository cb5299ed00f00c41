# The HTML report: self-contained, escaped, rendered by a real browser.
# Reports of a ready, a warnings, a blocked and an incomplete fixture are
# rendered headless; a fixture whose files carry markup renders inert.
. "$CSM_SRC/tests/lib.sh"
[ -n "$CHROMIUM" ] || skip_test "chromium is not installed (packaging/install-deps --test installs it)"

good_system "$T/root" "$T/disk.img"
R=$T/root

render() { # name: writes $T/name.html via -o, and the browser's DOM to $T/name.dom
    run_csm --root "$R" --disk "$T/disk.img" -o "$T/$1.html" --format json "${@:2}"
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
html=$(cat "$T/hostile.html")
dom=$(cat "$T/hostile.dom")
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
for w in 390 1024; do
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

# A screenshot at phone width and at A4 print: it renders, and wide
# evidence wraps instead of widening the page.
chrome --screenshot="$T/phone.png" --window-size=390,2000 "file://$T/blocked.html" >/dev/null
[ -s "$T/phone.png" ] && ok "a phone-width screenshot" || not_ok "no phone-width screenshot"
chrome --print-to-pdf="$T/report.pdf" --no-pdf-header-footer "file://$T/blocked.html" >/dev/null
[ -s "$T/report.pdf" ] && ok "printed to PDF" || not_ok "no PDF"
# An image scan renders its own section: format, sizes, partitions.
if command -v qemu-img >/dev/null; then
    qemu-img convert -O qcow2 "$T/disk.img" "$T/disk.qcow2"
    run_csm --image "$T/disk.qcow2" -o "$T/image.html"
    chrome --dump-dom "file://$T/image.html" >"$T/image.dom"
    render_ok image "$(jq -r .verdict <<<"$("$CSM" --no-site-rules --image "$T/disk.qcow2" --format json)")"
    assert_contains "$(cat "$T/image.dom")" "<section id=\"image\"><h2>Image</h2>" "image: its section"
    assert_contains "$(cat "$T/image.dom")" "UUID=$ROOT_UUID" "image: the root filesystem"
    assert_contains "$(cat "$T/image.dom")" "qcow2 version 3" "image: the format"
fi
done_testing
