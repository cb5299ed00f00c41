# The site's rules: /etc/csm-precheck/rules.d by default, --rules DIR
# instead, --no-site-rules for none. The test's rules.d is laid over /etc by
# a read-only overlay in a private mount namespace: the machine's /etc is
# neither read for it nor changed.
. "$CSM_SRC/tests/lib.sh"
need_root "a mount namespace"
need_cmd unshare setpriv

site=$T/etc/csm-precheck/rules.d
mkdir -p "$site/online" "$T/other"
cp "$CSM_SRC/packaging/examples/10-site.rules" "$site/"
printf '[software.rsync]\nseverity = warning\n' >"$site/online/20-rsync.rules"
printf '[disk.partition-table]\nseverity = info\n' >"$T/other/30-other.rules"
# with_site CMD...: runs CMD with $T/etc over /etc
with_site() {
    unshare -m sh -c 'mount -t overlay overlay -o "lowerdir=$1:/etc" /etc && shift && exec "$@"' sh "$T/etc" "$@"
}
with_site true 2>/dev/null || skip_test "no overlay mount here"
severity() { # id csm-options...
    local id=$1
    shift
    with_site "$CSM" "$@" --list-checks --format json | jq -r ".checks[] | select(.id == \"$id\") | .severity"
}
assert_eq warning "$(severity disk.partition-table)" "rules.d/*.rules applies by default"
assert_eq warning "$(severity software.rsync --profile online)" "rules.d/<profile>/*.rules applies to its profile"
assert_eq "$(severity software.rsync --no-site-rules)" "$(severity software.rsync)" "... and not to another"
assert_eq no "$(with_site "$CSM" --list-checks --format json | jq -r '.checks[] | select(.id == "fstab.network-mounts") | if .enabled then "yes" else "no" end')" \
    "a site file disables a check"
assert_eq blocker "$(severity disk.partition-table --no-site-rules)" "--no-site-rules: the shipped severity"
assert_eq info "$(severity disk.partition-table --rules "$T/other")" "--rules DIR replaces rules.d"
assert_eq info "$(severity disk.partition-table --no-site-rules --rules "$T/other")" "--rules DIR with --no-site-rules"

readytree "$T/r"
with_site "$CSM" --root "$T/r" --format json >"$T/site.json" || true
validate_json "$T/site.json"
golden site "$T/site.json"
assert_contains "$(jq -r '.ruleset.files[]' "$T/site.json")" "/etc/csm-precheck/rules.d/10-site.rules" \
    "the report records the site's rule file"
with_site "$CSM" --no-site-rules --root "$T/r" --format json >"$T/nosite.json" || true
golden nosite "$T/nosite.json"
assert_not_contains "$(jq -r '.ruleset.files[]' "$T/nosite.json")" "rules.d" "--no-site-rules: no site file in the report"

printf '[disk.partition-table]\nseverity = fatal\n' >"$site/90-bad.rules"
set +e
err=$(with_site "$CSM" --list-checks 2>&1 >/dev/null)
rc=$?
set -e
assert_eq 4 "$rc" "a defective file in rules.d is refused (exit 4)"
assert_contains "$err" "/etc/csm-precheck/rules.d/90-bad.rules:2:" "the error names the file and the line"
rm "$site/90-bad.rules"
# A rules.d the user cannot read is an error, not silently no site rules.
chmod 0700 "$T/etc/csm-precheck"
set +e
err=$(with_site setpriv --reuid=65534 --regid=65534 --clear-groups "$CSM" --list-checks 2>&1 >/dev/null)
rc=$?
set -e
assert_eq 4 "$rc" "an unreadable rules.d: exit 4"
assert_contains "$err" "/etc/csm-precheck/rules.d" "the error names the directory"
done_testing
