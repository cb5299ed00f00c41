# packaging/build-rpm: one binary package of the static binary, with the
# files the tool reads or a person does and no dependency on the system's
# libraries; it installs with rpm --root into an empty tree and scans there.
. "$CSM_SRC/tests/lib.sh"
need_root "chroot"
need_cmd rpm rpmbuild chroot readelf

run_packaging build-rpm
version=$("$CSM" --version | awk '{print $2}')
pkg=$(ls "$CSM_SRC"/dist/csm-precheck-"$version"-1.*.rpm | grep -v -e debuginfo -e debugsource | head -1)
assert_eq csm-precheck "$(rpm -qp --qf '%{NAME}' "$pkg")" "one package named csm-precheck"
files=$(rpm -qlp "$pkg")
for f in /usr/bin/csm-precheck /usr/share/man/man1/csm-precheck.1.gz /usr/share/csm-precheck/report.schema.json /usr/share/csm-precheck/rollup.schema.json \
    /usr/share/bash-completion/completions/csm-precheck /usr/share/doc/csm-precheck/README.md \
    /usr/share/doc/csm-precheck/NEWS.md /usr/share/doc/csm-precheck/examples/10-site.rules \
    /usr/share/licenses/csm-precheck/LICENSE /usr/share/licenses/csm-precheck/static-libraries.txt; do
    assert_contains "$files" "$f" "rpm -qlp lists $f"
done
assert_not_contains "$files" "/usr/share/csm-precheck/rules" "no rule files the binary would not read"
assert_eq "" "$(rpm -qp --requires "$pkg" | grep -v '^rpmlib(' || true)" "it requires nothing of the system"

# rpm --root into an empty tree, its database where EL keeps it (Debian's rpm
# defaults to ~/.rpmdb): the binary alone must run there.
R=$T/root
rpm --root "$R" --dbpath /var/lib/rpm --initdb
if rpm --root "$R" --dbpath /var/lib/rpm -i "$pkg" 2>"$T/install.err"; then ok "rpm --root R -i installs it"; else
    not_ok "rpm -i failed: $(cat "$T/install.err")"
fi
assert_eq "csm-precheck-$version-1" "$(rpm --root "$R" --dbpath /var/lib/rpm -q --qf '%{NAME}-%{VERSION}-%{RELEASE}' csm-precheck)" \
    "the rpm database knows it"
assert_eq "" "$(readelf -lW "$R/usr/bin/csm-precheck" | grep -i interp || true)" "the installed binary is static"
mkdir -p "$R/tmp" && chmod 1777 "$R/tmp"
readytree "$R/fx" rhel
set +e
chroot "$R" /usr/bin/csm-precheck --no-site-rules --root /fx --format json >"$T/fx.json" 2>"$T/fx.err"
rc=$?
set -e
assert_exit 0 "a scan inside that root finds the ready tree ready"
validate_json "$T/fx.json"
J=$T/fx.json
assert_status os.release pass
assert_status drivers.virtio-initramfs pass present
rpm --root "$R" --dbpath /var/lib/rpm -e csm-precheck
assert_eq "" "$(ls "$R/usr/bin" 2>/dev/null)" "rpm -e removes it"
done_testing
