# Tests clean up after themselves, even when killed: run the ones that
# attach loop devices, mount, and make helper scripts, with their own
# TMPDIR, kill them midway, and look for what they left: a temporary
# directory, a loop device, a mount, a process.
. "$CSM_SRC/tests/lib.sh"
need_root "loop devices and mounts"
need_cmd losetup unshare setsid

# Runs tests/NAME.sh with a TMPDIR of its own in a new session (its own
# process group); sets $pid.
start() { # NAME TMPDIR [VAR=value...]
    local name=$1 tmp=$2
    shift 2
    mkdir -p "$tmp"
    env TMPDIR="$tmp" "$@" setsid bash "$CSM_SRC/tests/$name.sh" >"$T/$name.log" 2>&1 &
    pid=$!
}
# Waits up to 60 s for a command to succeed.
wait_for() {
    local i
    for i in $(seq 1 600); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
loops_over() { losetup -a | grep -F "$1" || true; }
has_loops() { [ -n "$(loops_over "$1")" ]; }
no_loops() { [ -z "$(loops_over "$1")" ]; }
no_stub() { ! pgrep -f "$cache/bookworm.tmp" >/dev/null; }
mounts_under() { awk -v top="$1" 'index($2, top) == 1 { print $2 }' /proc/self/mounts; }

# t-live-disk ran its helper with a lib.sh of its own and left its directory.
start t-live-disk "$T/tmp-live"
wait "$pid" || true
assert_eq "" "$(ls -A "$T/tmp-live")" "t-live-disk leaves no temporary directory"

# Killed with SIGKILL, where no trap runs, while its loop device is attached
# (and, for t-live-disk, mounted in its namespace): nothing stays attached.
for name in t-lvm t-live-disk; do
    start "$name" "$T/tmp-kill-$name"
    if wait_for has_loops "$T/tmp-kill-$name"; then
        sleep 0.5
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        wait_for no_loops "$T/tmp-kill-$name" || true
        assert_eq "" "$(loops_over "$T/tmp-kill-$name")" "$name killed: no loop device left attached"
        assert_eq "" "$(mounts_under "$T/tmp-kill-$name")" "$name killed: nothing left mounted"
    else
        wait "$pid" 2>/dev/null || true
        skip_test "$name attached no loop device: $(tail -3 "$T/$name.log")"
    fi
done

# t-debootstrap, with a debootstrap that mounts into its target as the real
# one does, then takes its time: stopped with TERM, it leaves no mount and
# no process; a mount that an older run left is taken away before a new one.
mkdir -p "$T/bin"
# debootstrap [options] SUITE TARGET MIRROR: mount proc in the target, wait.
cat >"$T/bin/debootstrap" <<STUB
#!/bin/bash
target=\${@: -2:1}
mkdir -p "\$target/proc"
mount -t proc proc "\$target/proc" || exit 1
touch "$T/stub.mounted"
[ -e "$T/stub.fail" ] && exit 1
exec -a "debootstrap-stub \$target" sleep 600
STUB
chmod 0755 "$T/bin/debootstrap"
cache=$T/cache
start t-debootstrap "$T/tmp-db" PATH="$T/bin:$PATH" CSM_FIXTURE_CACHE="$cache"
if wait_for test -e "$T/stub.mounted"; then
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    wait_for no_stub || true
    assert_eq "" "$(pgrep -af "$cache/bookworm.tmp" || true)" "t-debootstrap stopped: debootstrap is stopped too"
    assert_eq "" "$(mounts_under "$cache/")" "t-debootstrap stopped: nothing left mounted"
    assert_eq "" "$(ls -A "$T/tmp-db")" "t-debootstrap stopped: no temporary directory"
else
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    not_ok "the debootstrap stub never ran: $(tail -3 "$T/t-debootstrap.log")"
fi
# t-fleet killed with SIGKILL while its hosts run: no sshd listens on its
# addresses and no process is left in its chroots (whose overlays, /proc and
# /dev die with their namespace). Only with the fleet's tree and the static
# binary already made (t-fleet makes them).
fleet_cache=${CSM_FIXTURE_CACHE:-$CSM_BUILD/fixtures}
fleet_bin=$CSM_SRC/dist/csm-precheck-$("$CSM" --version | awk '{print $2}')-$(uname -m)
fleet_ready() { compgen -G "$T/tmp-fleet/csm-test.*/fleet.ready" >/dev/null; }
in_chroots() { # processes whose root is under DIR
    local p
    for p in /proc/[0-9]*; do readlink "$p/root" 2>/dev/null | grep -qF "$1" && echo "${p#/proc/}"; done || true
}
no_chroots() { [ -z "$(in_chroots "$T/tmp-fleet")" ]; }
if [ -e "$fleet_cache/bookworm-fleet.stamp" ] && [ -x "$fleet_bin" ] && command -v ansible-playbook >/dev/null; then
    start t-fleet "$T/tmp-fleet" CSM_FIXTURE_CACHE="$fleet_cache" CSM_FLEET_BINARY="$fleet_bin"
    if wait_for fleet_ready; then
        net=$(cat "$T"/tmp-fleet/csm-test.*/fleet.net)
        sleep 1
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        wait_for no_chroots || true
        assert_eq "" "$(in_chroots "$T/tmp-fleet")" "t-fleet killed: no process left in its chroots"
        assert_eq "" "$(ss -Hltn "src $net.0/24")" "t-fleet killed: no sshd listens on its addresses"
    else
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        not_ok "t-fleet's hosts never came up: $(tail -3 "$T/t-fleet.log")"
    fi
else
    ok "t-fleet killed: skipped, its tree or the static binary is not made yet"
fi

mkdir -p "$cache/bookworm.tmp/proc"
mount -t tmpfs stale "$cache/bookworm.tmp/proc"
on_exit "umount '$cache/bookworm.tmp/proc' 2>/dev/null"
touch "$T/stub.fail"
start t-debootstrap "$T/tmp-db2" PATH="$T/bin:$PATH" CSM_FIXTURE_CACHE="$cache"
wait "$pid" || true
assert_eq "" "$(mounts_under "$cache/")" "a mount an older run left is taken away"
assert_eq "" "$(ls -A "$T/tmp-db2")" "no temporary directory after a failed debootstrap"
done_testing
