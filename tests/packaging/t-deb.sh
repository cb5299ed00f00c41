# packaging/build-deb: one lintian-clean binary package with the files the
# tool reads or a person does; it installs with apt in a debootstrap chroot
# (its Depends bring the libraries opened with dlopen) and scans there.
. "$CSM_SRC/tests/lib.sh"
need_root "chroot, mounts"
need_cmd dpkg-deb unshare chroot debootstrap

run_packaging build-deb # lintian --fail-on error,warning included
assert_eq "" "$(grep -E '^[EW]: ' "$T/build-deb.log" || true)" "lintian reports no error or warning"
version=$("$CSM" --version | awk '{print $2}')
deb=$CSM_SRC/dist/csm-precheck_${version}_$(dpkg --print-architecture).deb
assert_eq csm-precheck "$(dpkg-deb -f "$deb" Package)" "one package named csm-precheck"
files=$(dpkg-deb -c "$deb" | awk '{print substr($6, 2)}')
completions=$(pkg-config --variable=completionsdir bash-completion)
for f in /usr/bin/csm-precheck /usr/share/man/man1/csm-precheck.1.gz /usr/share/csm-precheck/report.schema.json /usr/share/csm-precheck/rollup.schema.json \
    "$completions/csm-precheck" /usr/share/doc/csm-precheck/copyright /usr/share/doc/csm-precheck/changelog.gz \
    /usr/share/doc/csm-precheck/README.md.gz /usr/share/doc/csm-precheck/examples/10-site.rules \
    /usr/share/doc/csm-precheck/examples/waivers.json; do
    assert_contains "$files" "$f" "the .deb installs $f"
done
assert_not_contains "$files" "/usr/share/csm-precheck/rules" "no rule files the binary would not read"
depends=$(dpkg-deb -f "$deb" Depends)
for d in libarchive13 libkmod2 libssl3 libblkid1 libfdisk1 libmount1 libcjson1; do
    assert_match "(^|, )$d( |,|$)" "$depends" "Depends: $d"
done

# Installed with apt into a copy (an overlay) of a Debian 12 minbase tree.
debootstrap_fixture bookworm-minbase || skip_test "debootstrap failed (no network?)"
base=$FIXTURE_TREE
M=$T/merged
mkdir -p "$T/upper/tmp" "$T/work" "$M"
cp "$deb" "$T/upper/tmp/csm-precheck.deb"
readytree "$T/upper/tmp/fx" # a tree whose initramfs needs libarchive, whose digest needs libcrypto
cp /etc/resolv.conf "$T/etc-resolv.conf" 2>/dev/null || true
set +e
unshare -m bash -c '
    set -e
    T=$1 base=$2 M=$3
    mount -t overlay overlay -o "lowerdir=$base,upperdir=$T/upper,workdir=$T/work" "$M"
    mount -t proc proc "$M/proc"
    mount --bind /dev "$M/dev"
    [ -s "$T/etc-resolv.conf" ] && cp "$T/etc-resolv.conf" "$M/etc/resolv.conf"
    chroot "$M" apt-get -qq update
    DEBIAN_FRONTEND=noninteractive chroot "$M" apt-get install -y -qq --no-install-recommends /tmp/csm-precheck.deb
    chroot "$M" dpkg -L csm-precheck >"$T/dpkg-L"
    chroot "$M" csm-precheck --version >"$T/version"
    chroot "$M" csm-precheck --no-site-rules --root /tmp/fx --format json >"$T/fx.json" || true
    chroot "$M" sh -c "man -w csm-precheck 2>/dev/null || ls /usr/share/man/man1/csm-precheck.1.gz" >"$T/man"
' sh "$T" "$base" "$M" >"$T/install.log" 2>&1
rc=$?
set -e
if [ "$rc" -eq 0 ]; then ok "apt installs the .deb in a debootstrap chroot"; else
    tail -20 "$T/install.log" >&2
    not_ok "the .deb does not install in the chroot (rc=$rc)"
fi
assert_eq "csm-precheck $version" "$(cat "$T/version" 2>/dev/null)" "the installed binary runs"
assert_contains "$(cat "$T/dpkg-L" 2>/dev/null)" "/usr/bin/csm-precheck" "dpkg knows its files"
validate_json "$T/fx.json"
J=$T/fx.json
assert_status drivers.virtio-initramfs pass present # libarchive, opened with dlopen
assert_status drivers.virtio-kernel pass             # libkmod
assert_match '^[0-9a-f]{64}$' "$(q .digest.value)" "the digest (libcrypto)"
assert_eq 0 "$(q .exit_code)" "the ready tree is ready in the chroot"
done_testing
