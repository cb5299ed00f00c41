# A migration wave run through the Ansible collection (packaging/ansible),
# as an admin runs it: ansible-playbook (Debian's ansible-core) against
# four hosts, each a chroot of a debootstrap tree (an overlay of one cached
# base with openssh-server and python3) with its own sshd on its own
# loopback address, holding a ready, a warnings, a blocked and an incomplete
# system; a fifth inventory host whose check cannot run (exit 4), and an
# address where nothing answers. Then the roll-up: its JSON against its
# schema, its CSV parsed, its HTML rendered in headless Chromium. The
# collection passes ansible-lint's production profile and builds offline,
# and the built collection's playbook runs too.
#
# The hosts live in private mount and PID namespaces whose first process is
# this test's child: however the test ends (even SIGKILL), the kernel ends
# every sshd with it, and the overlays, /proc and /dev of the chroots go
# with their namespace.
. "$CSM_SRC/tests/lib.sh"
need_root "chroots, overlays and sshd"
need_cmd ansible-playbook ansible-galaxy ansible-lint ssh ssh-keygen unshare setpriv chroot flock debootstrap jq
[ -n "$CHROMIUM" ] || skip_test "chromium is not installed (packaging/install-deps --test installs it)"
RSCHEMA="$CSM_SRC/report/rollup.schema.json"
COLL=$CSM_SRC/packaging/ansible

debootstrap_fixture bookworm-fleet openssh-server,python3 || skip_test "debootstrap failed (no network?)"
BASE=$FIXTURE_TREE
version=$("$CSM" --version | awk '{print $2}')
# CSM_FLEET_BINARY: a static binary already built (t-cleanup's run).
if [ -n "${CSM_FLEET_BINARY:-}" ]; then BIN=$CSM_FLEET_BINARY; else
    run_packaging build-static
    BIN=$CSM_SRC/dist/csm-precheck-$version-$(uname -m)
fi

# Our own addresses, away from the machine's sshd on *:22 and from another
# run of this test: 127.A.B.11-14 on port 2222; .15 answers nothing.
net=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))
PORT=2222
declare -A ADDR=([ready-01]=$net.11 [warn-01]=$net.12 [blocked-01]=$net.13 [incomplete-01]=$net.14)
GONE=$net.15
echo "$net" >"$T/fleet.net"
ssh-keygen -q -t ed25519 -N '' -C csm-fleet -f "$T/id"

# ---- the hosts: inside the namespaces ----
cat >"$T/fleet.sh" <<'HELPER'
# PID 1 of the fleet's namespaces: an init ignores the signals it does not
# handle, so TERM ends it explicitly (and with it every process of the namespace).
trap 'exit 0' TERM INT HUP
. "$CSM_SRC/tests/lib.sh"
base=$1 port=$2
shift 2
for spec in "$@"; do
    IFS=: read -r name addr defect <<<"$spec"
    h=$T/hosts/$name
    mkdir -p "$h/upper" "$h/work" "$h/root"
    mount -t overlay overlay -o "lowerdir=$base,upperdir=$h/upper,workdir=$h/work" "$h/root"
    r=$h/root
    # What a migration needs of the system (as readytree), then the defect.
    echo "$name" >"$r/etc/hostname"
    printf '%032x\n' "$((0x${addr##*.} + 1000))" >"$r/etc/machine-id"
    mkdir -p "$r/boot/grub/i386-pc"
    IR_NAME=initrd.img-VER mkkernel "$r" 6.1.0-13-amd64
    mktool "$r" usr/sbin/update-initramfs
    mktree_software "$r" debian
    grubcfg "$r" "UUID=$ROOT_UUID"
    case $defect in
    ready) fstab "$r" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" ;;
    warnings) fstab "$r" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "nas:/export /mnt/nas nfs defaults 0 0" ;;
    blocked) fstab "$r" "/dev/sda1 / ext4 errors=remount-ro 0 1" ;;
    incomplete) printf '# UNCONFIGURED FSTAB FOR BASE SYSTEM\n' >"$r/etc/fstab" ;;
    esac
    # sshd on this host's own address, root by key only.
    mkdir -p "$r/run/sshd" "$r/root/.ssh"
    chmod 0700 "$r/root/.ssh"
    cp "$T/id.pub" "$r/root/.ssh/authorized_keys"
    printf '%s\n' "ListenAddress $addr:$port" "PermitRootLogin prohibit-password" "PasswordAuthentication no" \
        "KbdInteractiveAuthentication no" "UsePAM no" "PidFile none" >"$r/etc/ssh/sshd_config.d/fleet.conf"
    mount -t proc proc "$r/proc"
    mount -t tmpfs -o mode=0755,size=1m dev "$r/dev"
    for n in null:1:3 zero:1:5 random:1:8 urandom:1:9 tty:5:0; do
        IFS=: read -r dev major minor <<<"$n"
        mknod -m 0666 "$r/dev/$dev" c "$major" "$minor"
    done
    chroot "$r" /usr/sbin/sshd -D -e >"$h/sshd.log" 2>&1 &
done
touch "$T/fleet.ready"
wait
HELPER
specs=()
for h in ready-01:ready warn-01:warnings blocked-01:blocked incomplete-01:incomplete; do
    specs+=("${h%%:*}:${ADDR[${h%%:*}]}:${h#*:}")
done
# setpriv: the namespaces' owner (unshare) dies with this shell, even by
# SIGKILL; --kill-child: its child, the namespaces' init, dies with it.
CSM_TEST_DIR=$T setpriv --pdeathsig KILL unshare -m -p --fork --kill-child --mount-proc --propagation private \
    bash "$T/fleet.sh" "$BASE" "$PORT" "${specs[@]}" >"$T/fleet.log" 2>&1 &
fleet=$!
# unshare blocks TERM while its child runs: KILL, which --kill-child passes on.
on_exit "kill -KILL $fleet 2>/dev/null; wait $fleet 2>/dev/null"
for _ in $(seq 1 600); do
    [ -e "$T/fleet.ready" ] && break
    kill -0 "$fleet" 2>/dev/null || break
    sleep 0.1
done
[ -e "$T/fleet.ready" ] || { cat "$T/fleet.log" >&2; not_ok "the fleet did not come up"; done_testing; }
up=0
for _ in $(seq 1 100); do
    up=0
    for a in "${ADDR[@]}"; do (exec 3<>"/dev/tcp/$a/$PORT") 2>/dev/null && up=$((up + 1)); done
    [ "$up" -eq 4 ] && break
    sleep 0.1
done
assert_eq 4 "$up" "four sshds listen, each on its own address"

# ---- Ansible, with everything in the test's directory ----
mkdir -p "$T/home" "$T/ansible" "$T/xdg/cache" "$T/xdg/config"
: >"$T/ansible.cfg"
export HOME=$T/home XDG_CACHE_HOME=$T/xdg/cache XDG_CONFIG_HOME=$T/xdg/config ANSIBLE_CONFIG=$T/ansible.cfg ANSIBLE_HOME=$T/ansible ANSIBLE_LOCAL_TEMP=$T/ansible/tmp \
    ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
    ANSIBLE_SSH_ARGS="-o ControlMaster=no -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR" \
    ANSIBLE_TIMEOUT=20 ANSIBLE_PIPELINING=True ANSIBLE_SHOW_CUSTOM_STATS=True ANSIBLE_FORKS=6 \
    ANSIBLE_COLLECTIONS_PATH=$T/collections ANSIBLE_GALAXY_CACHE_DIR=$T/ansible/galaxy-cache
cat >"$T/inventory.yml" <<INV
all:
  vars:
    ansible_user: root
    ansible_port: $PORT
    ansible_ssh_private_key_file: $T/id
    ansible_python_interpreter: /usr/bin/python3
    # A chroot: the check looks at its tree, not at the host's /proc.
    csm_precheck_args: ["--root", "/", "--no-site-rules"]
  hosts:
    ready-01:
      ansible_host: ${ADDR[ready-01]}
      # A waivers file from the controller; its waiver is for other hosts.
      csm_precheck_waivers: $T/waivers.json
    warn-01: {ansible_host: ${ADDR[warn-01]}}
    blocked-01: {ansible_host: ${ADDR[blocked-01]}}
    incomplete-01: {ansible_host: ${ADDR[incomplete-01]}}
    broken-01:
      ansible_host: ${ADDR[ready-01]}
      csm_precheck_remote_dir: /var/tmp/csm-precheck-broken
      csm_precheck_args: ["--root", "/nonexistent"]
    gone-01: {ansible_host: $GONE}
INV
cat >"$T/waivers.json" <<'JSON'
{ "waivers": [ { "id": "fstab.device-names", "host": "db-*", "reason": "renamed at cut-over",
                 "approved_by": "migration board", "expires": "2099-12-31" } ] }
JSON
playbook() { # LOG ARGS...: the contract's command line; sets $rc
    local log=$1
    shift
    set +e
    ansible-playbook -i "$T/inventory.yml" "$@" >"$log" 2>&1
    rc=$?
    set -e
}
recap() { # HOST: "ok=N changed=N unreachable=N failed=N ..." of the last run's PLAY RECAP
    grep -E "^$1 +:" "$2" | tail -1 | sed 's/^[^:]*: *//; s/  */ /g'
}
D=$T/wave

# fail_on [blocked]: the blocked host fails, after its report is fetched.
playbook "$T/run-failon.log" "$COLL/playbooks/precheck.yml" -e csm_precheck_binary="$BIN" \
    -e csm_precheck_controller_dir="$D" -e csm_precheck_become=false -e '{"csm_precheck_fail_on": ["blocked"]}'
failed=$(for h in ready-01 warn-01 blocked-01 incomplete-01; do
    [[ $(recap "$h" "$T/run-failon.log") == *failed=0* ]] || echo "$h"; done | xargs)
assert_eq blocked-01 "$failed" "csm_precheck_fail_on [blocked] fails exactly the blocked host"
assert_contains "$(cat "$T/run-failon.log")" "blocked-01 is blocked: fstab.device-names (csm_precheck_fail_on: blocked)" \
    "and says why"
assert_eq blocked "$(jq -r .verdict "$D/blocked-01/precheck.json" 2>/dev/null)" "the failed host's report was fetched first"

# The wave: every host, fail_on empty (as infra.leapp: a wave is never
# stopped by its first blocked host). Unreachable and failed hosts: exit 4.
rm -rf "$D"
playbook "$T/run.log" "$COLL/playbooks/precheck.yml" -e csm_precheck_binary="$BIN" -e csm_precheck_controller_dir="$D" \
    -e csm_precheck_become=false
assert_eq 4 "$rc" "ansible-playbook: exit 4 (a host unreachable, one failed)"
[ "$rc" -eq 4 ] || tail -40 "$T/run.log" >&2
assert_eq "ready-01 warn-01 blocked-01 incomplete-01 broken-01 gone-01" "$(xargs <"$D/hosts.txt")" \
    "hosts.txt: every host it was asked to run on"
for h in ready-01:ready:0 warn-01:warnings:1 blocked-01:blocked:2 incomplete-01:incomplete:3; do
    IFS=: read -r name verdict code <<<"$h"
    f=$D/$name/precheck.json
    if [ -s "$f" ]; then validate_json "$f"; else not_ok "$name: no report fetched"; continue; fi
    assert_eq "$verdict $code $name $name" "$(jq -r '"\(.verdict) \(.exit_code) \(.host.label) \(.host.hostname)"' "$f")" \
        "$name: its own report, $verdict"
    assert_eq "root /" "$(jq -r '"\(.target.mode) \(.target.root)"' "$f")" "$name: checked as a tree (--root /)"
    assert_contains "$(head -c 300 "$D/$name/precheck.html")" "<!DOCTYPE html>" "$name: the HTML report too"
    assert_eq "failed=0" "$(recap "$name" "$T/run.log" | grep -o 'failed=[0-9]*')" "$name: not failed"
done
assert_eq "/var/tmp/csm-precheck/waivers.json fstab.device-names" \
    "$(jq -r '"\(.policy.waivers.file) \(.policy.waivers.unused[].id)"' "$D/ready-01/precheck.json")" \
    "csm_precheck_waivers: the controller's file, copied and applied (unused on ready-01)"
assert_eq fstab.device-names "$(jq -r '[.results[] | select(.status == "fail" and .severity == "blocker") | .id] | join(" ")' \
    "$D/blocked-01/precheck.json")" "blocked-01's blocker"
assert_contains "$(recap gone-01 "$T/run.log")" "unreachable=1" "gone-01 is unreachable"
[ ! -e "$D/gone-01/precheck.json" ] && ok "gone-01 left no report" || not_ok "gone-01 has a report"
assert_contains "$(recap broken-01 "$T/run.log")" "failed=1" "broken-01: exit 4 fails the host"
assert_contains "$(cat "$D/broken-01/precheck.error" 2>/dev/null)" "--root /nonexistent" "and its reason is kept for the roll-up"
# The check never changes a host; its verdict and blockers are facts and stats.
task=$(awk '/^TASK \[/ { on = /Precheck \| Run csm-precheck\]/ } on' "$T/run.log")
assert_contains "$task" "ok: [ready-01]" "the check's task is ok"
assert_not_contains "$task" "changed:" "and changes nothing"
stats=$(sed -n '/^CUSTOM STATS/,$p' "$T/run.log")
assert_contains "$stats" "blocked-01" "set_stats: the custom stats name the hosts"
assert_match '"blocked-01": *"blocked"' "$stats" "set_stats: blocked-01's verdict"
assert_match '"blocked-01": *\[ *"fstab.device-names" *\]' "$(tr -d '\n' <<<"$stats")" "set_stats: and its blocker"

# ---- the roll-up, from the clone's playbook ----
set +e
ansible-playbook "$COLL/playbooks/rollup.yml" -e csm_precheck_binary="$BIN" -e csm_precheck_controller_dir="$D" \
    >"$T/rollup.log" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "rollup.yml: the wave's verdict is not a failure"
[ "$rc" -eq 0 ] || tail -30 "$T/rollup.log" >&2
J=$D/rollup.json
if "$PYTHON" - "$RSCHEMA" "$J" <<'PY'; then ok "rollup.json validates against its schema"; else not_ok "rollup.json does not validate"; fi
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors:
    print("schema:", "/".join(map(str, e.path)), e.message, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
assert_eq "blocked 2" "$(jq -r '"\(.verdict) \(.exit_code)"' "$J")" "the wave is blocked"
assert_eq "broken-01 gone-01" "$(jq -r '.flags.missing | join(" ")' "$J")" "the roll-up names the hosts without a report"
assert_contains "$(jq -r '.hosts[] | select(.name == "gone-01") | .problems[0]' "$J")" "expected ($D/hosts.txt)" \
    "gone-01: expected, no report"
assert_contains "$(jq -r '.hosts[] | select(.name == "broken-01") | .problems[0]' "$J")" "--root /nonexistent" \
    "broken-01: why its check did not run"
assert_eq "ready warnings blocked incomplete" \
    "$(for h in ready-01 warn-01 blocked-01 incomplete-01; do jq -r --arg h "$h" '.hosts[] | select(.name == $h) | .verdict' "$J"; done | xargs)" \
    "each host's verdict in the roll-up"
assert_eq "intact intact intact intact" "$(jq -r '[.hosts[] | select(.digest) | .digest] | join(" ")' "$J")" "every digest verifies"
assert_eq "[]" "$(jq -c '.duplicate_machine_ids' "$J")" "each host has its own machine ID"
"$PYTHON" - "$D/rollup.csv" <<'PY' && ok "rollup.csv parses: a row per host" || not_ok "rollup.csv does not parse"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert sorted(r["host"] for r in rows) == ["blocked-01", "broken-01", "gone-01", "incomplete-01", "ready-01", "warn-01"]
assert {r["host"]: r["verdict"] for r in rows}["warn-01"] == "warnings"
PY
assert_contains "$(cat "$T/rollup.log")" "BLOCKED: 6 hosts: 1 ready, 1 with warnings, 1 blocked, 3 incomplete (2 without a report)" \
    "rollup.yml prints the wave"

# The HTML roll-up in Chromium: no script, the picture, a link per host that reaches its report.
html=$D/rollup.html
chrome --dump-dom --virtual-time-budget=2000 "file://$html" >"$T/rollup.dom"
assert_not_contains "$(cat "$html")" "<script" "rollup.html: no script"
assert_contains "$(cat "$html")" "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"" \
    "rollup.html: the report's policy"
assert_contains "$(cat "$T/rollup.dom")" 'data-verdict="blocked"' "the browser shows the wave blocked"
assert_contains "$(cat "$T/rollup.dom")" '<rect class="bar" data-check="fstab.device-names" data-hosts="1"' \
    "the picture: the most frequent blocker"
links=$(grep -o 'href="[^"#][^"]*"' "$html" | sed 's/^href="//; s/"$//' | sort)
assert_eq "blocked-01/precheck.html incomplete-01/precheck.html ready-01/precheck.html warn-01/precheck.html" \
    "$(xargs <<<"$links")" "a link per host to its fetched report"
for l in $links; do [ -f "$D/$l" ] || not_ok "the link $l leads nowhere"; done
cat >"$T/frame.html" <<FRAME
<!DOCTYPE html><html><body><iframe id="f" src="wave/rollup.html" style="width:390px;height:900px;border:0"></iframe>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument.documentElement;
  document.body.setAttribute('data-overflow', d.scrollWidth > d.clientWidth ? 'yes' : 'no');
  document.body.setAttribute('data-rows', this.contentDocument.querySelectorAll('#hosts tbody tr').length);
};
</script></body></html>
FRAME
chrome --allow-file-access-from-files --virtual-time-budget=3000 --dump-dom "file://$T/frame.html" >"$T/frame.dom"
assert_contains "$(cat "$T/frame.dom")" 'data-overflow="no"' "rollup.html: no horizontal scrolling at 390 px"
assert_contains "$(cat "$T/frame.dom")" 'data-rows="6"' "rollup.html: a row per host"
chrome --screenshot="$T/rollup.png" --window-size=1280,1400 "file://$html" >/dev/null
[ -s "$T/rollup.png" ] && ok "a screenshot of the roll-up" || not_ok "no screenshot of the roll-up"
if [ -n "${CSM_ARTIFACTS:-}" ]; then mkdir -p "$CSM_ARTIFACTS" && cp "$T/rollup.png" "$CSM_ARTIFACTS/"; fi

# ---- the collection: lint, offline build, the built collection's playbook ----
set +e
(cd "$COLL" && ansible-lint --nocolor --offline --profile production) >"$T/lint.log" 2>&1
rc=$?
set -e
assert_eq 0 "$rc" "ansible-lint: the production profile passes"
[ "$rc" -eq 0 ] || tail -20 "$T/lint.log" >&2
ansible-galaxy collection build --output-path "$T/dist" "$COLL" >"$T/build.log" 2>&1 &&
    ok "ansible-galaxy collection build" || not_ok "the collection does not build: $(tail -3 "$T/build.log")"
ansible-galaxy collection install --offline -p "$T/collections" "$T/dist/csm-precheck-"*.tar.gz >"$T/install.log" 2>&1 &&
    ok "the built collection installs offline" || not_ok "the collection does not install: $(tail -3 "$T/install.log")"
rm -f "$D/rollup.json"
set +e
ansible-playbook csm.precheck.rollup -e csm_precheck_binary="$BIN" -e csm_precheck_controller_dir="$D" \
    -e '{"csm_precheck_fail_on": ["blocked"]}' >"$T/rollup2.log" 2>&1
rc=$?
set -e
assert_eq 2 "$rc" "csm.precheck.rollup (installed) with fail_on [blocked]: the play fails"
assert_contains "$(cat "$T/rollup2.log")" "The wave is blocked (csm_precheck_fail_on: blocked)" "and says why"
[ -s "$D/rollup.json" ] && ok "the installed collection's playbook wrote the roll-up" || not_ok "no roll-up from the installed collection"
[ -d "$T/ansible/tmp" ] && ok "Ansible's files stayed in the test's directory" || not_ok "ANSIBLE_LOCAL_TEMP was not used"
done_testing
