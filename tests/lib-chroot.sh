# Sourced (after tests/lib.sh) by the tests that run a distribution's own
# tools to make their fixtures: dracut above all, which replaces
# initramfs-tools on the machine it is installed on and so is only ever
# installed in a copy of the suite's debootstrap tree, never on the host.
#
#   chroot_fixture NAME PACKAGES...  a copy of the bookworm tree with the
#       packages apt-installed in it (services not started), cached in
#       CSM_FIXTURE_CACHE as NAME and rebuilt when the bookworm tree is;
#       sets CHROOT_TREE
#   dracut_fixture                   the same with dracut (bookworm-dracut)
#   dracut_image OUT KVER DRIVERS... an initramfs made by that dracut for
#       kernel KVER of the tree, from its base module and those drivers
#       (with their dependencies), not hostonly; extra dracut options in
#       DRACUT_OPTS ("--omit-drivers virtio_ring")

chroot_fixture() {
    local name=$1 cache=${CSM_FIXTURE_CACHE:-$CSM_BUILD/fixtures} base tree pid
    shift
    debootstrap_fixture bookworm linux-image-amd64,initramfs-tools || return 1
    base=$FIXTURE_TREE
    tree=$cache/$name
    exec 7>"$cache/$name.lock"
    flock 7
    # keyed by the tree it copies and the packages asked for
    local key
    key=$(printf '%s\n' "$(cat "$cache/bookworm.stamp")" "$@" | sha256sum | cut -c1-16)
    if [ "$(cat "$cache/$name.stamp" 2>/dev/null)" != "$key" ]; then
        rm -rf "$tree" "$tree.tmp"
        cp -a "$base" "$tree.tmp"
        # no service starts in a chroot
        printf '#!/bin/sh\nexit 101\n' >"$tree.tmp/usr/sbin/policy-rc.d"
        chmod 0755 "$tree.tmp/usr/sbin/policy-rc.d"
        mkdir -p "$tree.tmp/etc/dracut.conf.d"
        # the build that dracut's own install triggers, kept small
        printf 'dracutmodules=" base "\ndrivers=" virtio_blk "\n' >"$tree.tmp/etc/dracut.conf.d/00-fixture-install.conf"
        (
            export DEBIAN_FRONTEND=noninteractive LC_ALL=C
            chroot "$tree.tmp" apt-get -q update &&
                chroot "$tree.tmp" apt-get install -y -q --no-install-recommends "$@"
        ) >"$cache/$name.log" 2>&1 &
        pid=$!
        on_exit "kill $pid 2>/dev/null"
        if ! wait "$pid"; then
            tail -5 "$cache/$name.log" >&2
            rm -rf "$tree.tmp"
            flock -u 7
            return 1
        fi
        rm -f "$tree.tmp/etc/dracut.conf.d/00-fixture-install.conf" "$tree.tmp/usr/sbin/policy-rc.d"
        rm -rf "$tree.tmp/var/cache/apt/archives"/*.deb "$tree.tmp/var/lib/apt/lists"/*_Packages
        mv "$tree.tmp" "$tree"
        echo "$key" >"$cache/$name.stamp"
    fi
    flock -u 7
    CHROOT_TREE=$tree
}

dracut_fixture() {
    chroot_fixture bookworm-dracut dracut systemd-sysv || return 1
    DRACUT_TREE=$CHROOT_TREE
}

dracut_image() {
    local out=$1 kver=$2 tmp
    shift 2
    tmp=/tmp/csm-dracut.$$.$RANDOM.img
    # shellcheck disable=SC2086 # DRACUT_OPTS is a list of options
    LC_ALL=C chroot "$DRACUT_TREE" dracut --quiet --kver "$kver" --no-hostonly --no-early-microcode -m base \
        --drivers "$*" ${DRACUT_OPTS:-} -f "$tmp" >"$T/dracut.log" 2>&1 || {
        tail -5 "$T/dracut.log" >&2
        rm -f "$DRACUT_TREE$tmp"
        return 1
    }
    mv "$DRACUT_TREE$tmp" "$out"
}
