# The examples of the README and of the man page, taken from the documents
# themselves and run as they are written, so that they cannot drift: every
# command line of a sh block and of the man page's EXAMPLES, every rule file
# (ini) loaded, the waivers (json) applied, the disk map (text) compared with
# one the tool draws. The files the examples name are fixtures made here by
# the real tools: /mnt/img and /dev/nbd0 are a tree and the disk image that
# holds it, server.qcow2 and data.vmdk conversions of that disk, report.key
# a fresh Ed25519 key. A live scan runs live as root, against the tree
# otherwise, with the same options.
. "$CSM_SRC/tests/lib.sh"
need_cmd qemu-img openssl

good_system "$T/root" "$T/disk.img"
R=$T/root
DISK=$T/disk.img
W=$T/cwd # the examples run here: the relative names they use are files here
SITE=$T/site
mkdir -p "$W" "$SITE" "$T/bin" "$T/blocks"

# ---- the examples, out of the documents ----
"$PYTHON" - "$CSM_SRC/README.md" "$CSM_SRC/packaging/csm-precheck.1" "$T/blocks" <<'PY'
import re, sys
readme, man, out = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
n = 0
def emit(lang, text, where):
    global n
    n += 1
    open(f"{out}/{n:02d}.{lang}", "w").write(text)
    open(f"{out}/{n:02d}.where", "w").write(where)
for m in re.finditer(r"^```(\w+)\n(.*?)^```$", readme, re.S | re.M):
    line = readme[:m.start()].count("\n") + 1
    emit(m.group(1), m.group(2), f"README.md:{line}")
# The man page: its .nf/.fi blocks, without roff's escapes. EXAMPLES are
# command lines after a prompt ("# " as root, "$ " as a user).
for m in re.finditer(r"^\.nf\n(.*?)^\.fi$", man, re.S | re.M):
    line = man[:m.start()].count("\n") + 1
    text = m.group(1).replace("\\-", "-").replace("\\e", "\\")
    if re.match(r"^[#$] csm-precheck", text):
        text = "".join(re.sub(r"^[#$] ", "", l, count=1) for l in text.splitlines(True))
        emit("sh", text, f"csm-precheck.1:{line}")
    else:
        emit("ini" if text.lstrip().startswith("[") else "text", text, f"csm-precheck.1:{line}")
PY
[ "$(ls "$T/blocks"/*.sh | wc -l)" -ge 4 ] && ok "the examples were found" || not_ok "no examples found"

# ---- the fixtures the examples name ----
qemu-img convert -O qcow2 "$DISK" "$W/server.qcow2"
cp "$W/server.qcow2" "$W/web-01.qcow2"
qemu-img convert -O vmdk "$DISK" "$W/data.vmdk"
printf '{ "DataDisks": [] }\n' >"$W/user.json"
openssl genpkey -algorithm ed25519 -out "$W/report.key" 2>/dev/null
openssl pkey -in "$W/report.key" -pubout -out "$W/report.pub"
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
"$CSM" --root "$R" --disk "$DISK" -o "$W/before.json" -o "$W/old.json" >/dev/null || true
golden before "$W/before.json"
fstab "$R" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
"$CSM" --root "$R" --disk "$DISK" -o "$W/after.json" -o "$W/new.json" -o "$W/report.json" >/dev/null
golden after "$W/after.json"
# A wave as the Ansible collection fetches it: wave/<host>/precheck.json and .html, wave/hosts.txt.
mkdir -p "$W/wave/web-01" "$W/wave/db-01"
"$CSM" --root "$R" --disk "$DISK" --host-label web-01 -o "$W/wave/web-01/precheck.json" \
    -o "$W/wave/web-01/precheck.html" >/dev/null
cp "$W/before.json" "$W/wave/db-01/precheck.json"
printf 'web-01\ndb-01\napp-01\n' >"$W/wave/hosts.txt"

# The examples' absolute paths are these fixtures; a path the test does not
# know fails the example, so that a new one cannot go untested.
cat >"$T/bin/csm-precheck" <<WRAP
#!/usr/bin/env bash
args=() target=no
for a in "\$@"; do
    case \$a in
    /mnt/img | /mnt/image) a=$R ;;
    /dev/nbd0) a=$DISK ;;
    /var/log/precheck.json) a=$W/var-log-precheck.json ;;
    /etc/csm-precheck/site | /etc/csm-precheck/rules.d | /srv/migration/rules) a=$SITE ;;
    /etc/csm-precheck/report.key) a=$W/report.key ;;
    /*) echo "t-docs: the example names \$a, which the test does not make" >&2; exit 99 ;;
    esac
    case \$a in --root | -r | --image | -i | verify | diff | --list-checks | --help | --version) target=yes ;; esac
    args+=("\$a")
done
# A live scan reads the system disk as root; without root it runs against the tree.
if [ "\$(id -u)" -ne 0 ] && [ \$target = no ]; then args+=(--root "$R" --disk "$DISK"); fi
exec "$CSM" "\${args[@]}"
WRAP
chmod 0755 "$T/bin/csm-precheck"

# ---- rule files: each loads; the site example does what it says ----
for f in "$T/blocks"/*.ini; do
    where=$(cat "${f%.ini}.where")
    rm -rf "$SITE"/*
    cp "$f" "$SITE/10-local.rules"
    run_csm --list-checks --rules "$SITE" --format json
    assert_exit 0 "$where: the rule file loads"
    [ "$rc" -eq 0 ] || printf '%s\n' "$err" >&2
    if grep -q '^\[disk.partition-table\]' "$f"; then
        assert_eq warning "$(jq -r '.checks[] | select(.id == "disk.partition-table") | .severity' <<<"$out")" \
            "$where: GPT becomes a warning"
        assert_eq warning "$(jq -r '.checks[] | select(.id == "image.partition-table") | .severity' <<<"$out")" \
            "$where: for images too"
        assert_eq false "$(jq -r '.checks[] | select(.id == "fstab.network-mounts") | .enabled' <<<"$out")" \
            "$where: the network check is disabled"
    fi
    if grep -q '^command = sed' "$f"; then
        # The rule format example: its command, filled in for a device name.
        fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
        scan format --root "$R" --disk "$DISK" --rules "$SITE"
        assert_contains "$(q '.results[] | select(.id == "fstab.device-names") | .remediation.commands[]')" \
            "sed -i 's|^/dev/sda1\\([[:space:]]\\)|UUID=$ROOT_UUID\\1|' /etc/fstab" "$where: its command, filled in"
        assert_eq "1 entry names kernel devices (/dev/sda1); ..." \
            "$(q '.results[] | select(.id == "fstab.device-names") | .message')" "$where: its message, in the singular"
        fstab "$R" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
    fi
done
rm -rf "$SITE"/*
# The site directory of the examples holds the README's site file.
for f in "$T/blocks"/*.ini; do grep -q '^\[disk.partition-table\]' "$f" && cp "$f" "$SITE/10-local.rules"; done

# ---- the waivers file: it applies where its host glob matches ----
for f in "$T/blocks"/*.json; do
    where=$(cat "${f%.json}.where")
    cp "$f" "$W/accepted.json"
    mkdisk "$T/gpt.img" 64 'label: gpt\nsize=40M\nsize=8M\n'
    put_fs "$T/gpt.img" "$T/root.fs" 2048
    scan waived --root "$R" --disk "$T/gpt.img" --waivers "$W/accepted.json" --host-label web-01
    assert_status disk.partition-table waived gpt
    assert_contains "$(q '.policy.waivers.applied[].approved_by')" "migration board" "$where: the waiver applies"
done

# ---- the map: as the tool draws the reference disk ----
for f in "$T/blocks"/*.text; do
    grep -q 'Map: ' "$f" || continue
    where=$(cat "${f%.text}.where")
    run_csm --root "$R" --disk "$DISK"
    assert_eq "$(cat "$f")" "$(grep '^  Map: ' <<<"$out")" "$where: the disk map"
done

# ---- the command lines ----
for f in "$T/blocks"/*.sh; do
    where=$(cat "${f%.sh}.where")
    while IFS= read -r line; do
        cmd=$(sed -E 's/[[:space:]]+#.*$//' <<<"$line")
        [ -n "${cmd// /}" ] || continue
        case $cmd in
        tests/run*)
            grep -qxF "$cmd" "$CSM_SRC/.ci/run" && ok "$where: CI runs $cmd" || not_ok "$where: .ci/run does not run $cmd"
            ;;
        ansible-playbook*)
            # A wave through the collection: tests/t-fleet.sh runs each playbook with the contract's variables.
            pb=$(grep -oE 'packaging/ansible/playbooks/[a-z]+\.yml' <<<"$cmd")
            if [ -f "$CSM_SRC/$pb" ] && grep -qF "\$COLL/playbooks/${pb##*/}\" -e csm_precheck_binary=" "$CSM_SRC/tests/t-fleet.sh" &&
                grep -qF -- "-e csm_precheck_controller_dir=" <<<"$cmd"; then
                ok "$where: t-fleet runs $pb"
            else
                not_ok "$where: $cmd: no test runs it"
            fi
            ;;
        packaging/install-deps*)
            # The first command of the quick start, in the build it names.
            if [ "${CSM_BUILD:-}" != "$CSM_SRC/build" ] || [ "$(id -u)" -ne 0 ]; then
                ok "$where: the quick start runs in the build/ of tests/run as root (skipped here)"
                continue
            fi
            set +e
            (cd "$CSM_SRC" && bash -c "$cmd") >"$T/quick.out" 2>"$T/quick.err"
            rc=$?
            set -e
            assert_match '^[0-3]$' "$rc" "$where: the quick start builds and scans this machine"
            assert_match '^(READY|BLOCKED|INCOMPLETE|READY WITH WARNINGS): ' "$(grep -E '^[A-Z ]+: ' "$T/quick.out" | head -1)" \
                "$where: and prints its verdict"
            ;;
        csm-precheck*)
            set +e
            (cd "$W" && PATH="$T/bin:$PATH" bash -c "$cmd") >"$T/example.out" 2>"$T/example.err"
            rc=$?
            set -e
            case $cmd in
            "csm-precheck verify"* | *--list-checks* | *--help*) want='^0$' ;;
            "csm-precheck diff"*) want='^[01]$' ;;
            "csm-precheck rollup"*) want='^[0-3]$' ;;
            *) want='^[0-3]$' ;;
            esac
            assert_match "$want" "$rc" "$where: $cmd"
            [[ "$rc" =~ $want ]] || sed 's/^/    /' "$T/example.err" >&2
            ;;
        *) not_ok "$where: an example the test does not know how to run: $cmd" ;;
        esac
    done <"$f"
done
# What the examples wrote is what they say.
validate_json "$W/precheck.json"
assert_contains "$(head -c 200 "$W/precheck.html")" "<!DOCTYPE html>" "the HTML report of the examples"
assert_eq web-01 "$(jq -r .host.label "$W/web-01.json")" "the label of the man page's example"
assert_eq ed25519 "$(jq -r .signature.algorithm "$W/signed.json")" "the README's signed report"
assert_contains "$(cat "$W/wave/rollup.html" 2>/dev/null)" '<a href="web-01/precheck.html">' "the README's roll-up of the wave"
assert_eq "app-01" "$(jq -r '.flags.missing | join(" ")' <<<"$("$CSM" rollup --expect-hosts "$W/wave/hosts.txt" "$W/wave" --format json)")" \
    "the wave's host without a report"
# ---- the check tables: made from checks/table.c, never edited by hand ----
set +e
msg=$("$CSM_SRC/packaging/update-docs" --check "$CSM" 2>&1)
rc=$?
set -e
assert_eq 0 "$rc" "README.md and the man page list the checks as checks/table.c does"
[ "$rc" -eq 0 ] || printf '%s\n' "$msg" >&2
# A row edited by hand is caught, with the command that makes it again.
mkdir -p "$T/docs/packaging"
cp "$CSM_SRC/README.md" "$T/docs/README.md"
sed 's/^The system disk has an MBR (dos) label; GPT fails/The system disk has an MBR label/' \
    "$CSM_SRC/packaging/csm-precheck.1" >"$T/docs/packaging/csm-precheck.1"
sed -i 's/^| `boot.resume` | \(.*\) | blocker | blocker |$/| `boot.resume` | \1 | warning | blocker |/' "$T/docs/README.md"
set +e
msg=$(CSM_DOCS_ROOT=$T/docs "$CSM_SRC/packaging/update-docs" --check "$CSM" 2>&1)
rc=$?
set -e
assert_eq 1 "$rc" "a check table edited by hand differs"
assert_contains "$msg" "update-docs: README.md does not list the checks as checks/table.c does; run packaging/update-docs" \
    "the README's difference names the command that regenerates it"
assert_contains "$msg" "update-docs: packaging/csm-precheck.1 does not list the checks as checks/table.c does" \
    "so does the man page's"
assert_contains "$msg" "-| \`boot.resume\` | \`resume=\` and \`rd.lvm.lv=\` name devices that move with the system disk | warning | blocker |" \
    "the difference shows the row"
CSM_DOCS_ROOT=$T/docs "$CSM_SRC/packaging/update-docs" "$CSM"
assert_eq "$(cat "$CSM_SRC/README.md")" "$(cat "$T/docs/README.md")" "update-docs makes the README's tables again"
assert_eq "$(cat "$CSM_SRC/packaging/csm-precheck.1")" "$(cat "$T/docs/packaging/csm-precheck.1")" "and the man page's list"
# The generated text, rows of both profiles' shipped severities.
run_csm --list-checks --format markdown
assert_exit 0 "--list-checks --format markdown"
assert_contains "$out" "| \`disk.partition-table\` | the system disk has an MBR (\`dos\`) label; GPT fails; no label (a whole-disk filesystem) fails | blocker | info |" \
    "markdown: a row with the offline and the online severity"
assert_contains "$out" "an \`a\\|^/dev/sd.*\\|\`, \`r\\|.*\\|\` filter" "markdown: a '|' inside a cell is escaped"
run_csm --list-checks --format man
assert_contains "$out" "$(printf '.TP\n.B disk.capacity\nWith \\-\\-target\\-disk\\-size: what must be exported fits the target system disk.')" \
    "man: a tagged paragraph per check, options as troff minus signs"
run_csm --format markdown
assert_exit 64 "--format markdown without --list-checks"
assert_contains "$err" "--format markdown goes with --list-checks" "says so"
done_testing
