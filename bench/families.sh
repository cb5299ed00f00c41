#!/usr/bin/env bash
# --root scans, side by side for one or more builds: the suite's Debian tree
# (debootstrap, with its real initramfs) and the family trees of
# tests/lib-families.sh (RHEL 9's sqlite rpmdb, CentOS 7's Berkeley DB,
# SUSE's ndb), against what an admin would run for the packages alone:
# `rpm -qa --root` (Debian's rpm, its database copied out as the tool does).
#   bench/families.sh [BUILD_DIR...]      (default build/; RUNS=21)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=("$SRC/build")
export CSM=${builds[0]}/csm-precheck CSM_SRC=$SRC CSM_BUILD=${builds[0]}
export CSM_FIXTURE_CACHE=${CSM_FIXTURE_CACHE:-$SRC/build/fixtures}
. "$SRC/bench/lib.sh"
. "$SRC/tests/lib.sh" >/dev/null
. "$SRC/tests/lib-families.sh"

debootstrap_fixture bookworm >/dev/null 2>&1 || { echo "no Debian tree (debootstrap failed)" >&2; exit 1; }
DEB=$FIXTURE_TREE
for f in rhel9 centos7 sles15; do family_tree "$T/$f" "$f" >/dev/null 2>&1; done

echo "$RUNS runs each, median wall time and peak RSS"
printf '%-44s %13s %12s\n' "command" "median" "peak RSS"
for tree in "$DEB" "$T/rhel9" "$T/centos7" "$T/sles15"; do
    name=$(basename "$tree")
    first=
    for b in "${builds[@]}"; do
        row "$name: $(basename "$b")" "$b/csm-precheck" --root "$tree" --format json
        [ -n "$first" ] && echo "  $(basename "$b") / $(basename "${builds[0]}"): $(ratio "$LAST_MS" "$first")"
        first=${first:-$LAST_MS}
    done
done
# The packages alone, as rpm lists them.
cp -a "$T/rhel9/var/lib/rpm" "$T/rpmcopy"
row "rhel9: rpm -qa (sqlite copy)" env HOME="$T" rpm --dbpath "$T/rpmcopy" -qa
