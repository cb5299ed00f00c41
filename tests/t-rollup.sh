# csm-precheck rollup: a wave laid out as the Ansible collection fetches it
# (DIR/<host>/precheck.json and .html, DIR/hosts.txt), with a ready, a
# warnings, a blocked, an incomplete and a waived host, one expected host
# without a report, and hostile reports: truncated, another tool's JSON,
# 50 MB of JSON, a FIFO, two reports of one machine ID, a tampered one, an
# unknown schema major version, markup and terminal escapes. Each is named,
# none crashes (the suite runs this under ASan and UBSan too).
. "$CSM_SRC/tests/lib.sh"
RSCHEMA="$CSM_SRC/report/rollup.schema.json"

validate_rollup() { # file
    if "$PYTHON" - "$RSCHEMA" "$1" <<'PY'; then ok "$1 validates against the roll-up schema"; else not_ok "$1 does not validate"; fi
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors:
    print("schema:", "/".join(map(str, e.path)), e.message, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
# The verdict, flags and exit code of a host in the roll-up $J.
host_q() { jq -r --arg h "$1" ".hosts[] | select(.name == \$h) | $2" "$J"; }

W=$T/wave
R=$T/root
readytree "$R"
# One system's report into the wave as host NAME (json and html).
report() { # NAME [csm-precheck options...]
    mkdir -p "$W/$1"
    "$CSM" --no-site-rules --root "$R" -o "$W/$1/precheck.json" -o "$W/$1/precheck.html" "${@:2}" >/dev/null || true
}
machine_id() { printf '%032x\n' "$1" >"$R/etc/machine-id"; }

machine_id 1
report web-01 --host-label web-01
machine_id 2
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "nas:/x /mnt/nas nfs defaults 0 0"
report web-02
machine_id 3
fstab "$R" "/dev/sda1 / ext4 defaults 0 1"
report db-01
machine_id 4
cat >"$T/waivers.json" <<'JSON'
{ "waivers": [ { "id": "fstab.device-names", "reason": "renamed at cut-over", "approved_by": "board 12",
                 "expires": "2099-12-31" } ] }
JSON
report db-02 --waivers "$T/waivers.json"
machine_id 5
printf '# UNCONFIGURED FSTAB FOR BASE SYSTEM\n' >"$R/etc/fstab"
report app-01
fstab "$R" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1"
printf 'web-01\nweb-02\ndb-01\ndb-02\napp-01\n# not yet migrated:\n\nghost-01\n' >"$W/hosts.txt"

run_csm rollup --expect-hosts "$W/hosts.txt" --format json "$W" -o "$T/wave.csv" -o "$T/wave.html"
printf '%s\n' "$out" >"$T/wave.json"
J=$T/wave.json
assert_exit 2 "the wave is blocked: exit 2"
validate_rollup "$J"
assert_eq "" "$err" "nothing on stderr"
for h in web-01:ready:0 web-02:warnings:1 db-01:blocked:2 db-02:ready:0 app-01:incomplete:3 ghost-01:incomplete:3; do
    IFS=: read -r name verdict code <<<"$h"
    assert_eq "$verdict $code" "$(host_q "$name" '"\(.verdict) \(.exit_code)"')" "$name is $verdict, exit $code"
done
assert_eq '1 1 2 2 6' "$(jq -r '.counts | "\(.warnings) \(.blocked) \(.incomplete) \(.ready) \(.hosts)"' "$J")" "the counts"
assert_eq ghost-01 "$(jq -r '.flags.missing | join(" ")' "$J")" "the host without a report is missing"
assert_eq "missing: expected ($W/hosts.txt), but no report was found" "$(host_q ghost-01 '.problems[0]')" "and why"
assert_eq fstab.device-names "$(host_q db-01 '.blockers | join(" ")')" "db-01's blocker"
assert_eq fstab.network-mounts "$(host_q web-02 '.warnings | join(" ")')" "web-02's warning"
assert_contains "$(host_q app-01 '.errors | join(" ")')" fstab.other-disks "app-01 could not be checked"
assert_eq "fstab.device-names board 12 2099-12-31" "$(host_q db-02 '.waived[] | "\(.id) \(.approved_by) \(.expires)"')" "db-02's waiver"
assert_eq "web-01 null" "$(host_q web-01 '"\(.label) \(.hostname == "testhost" | not)"' | sed 's/false/null/')" "the label beside the name"
assert_eq "intact unsigned" "$(host_q web-01 '"\(.digest) \(.signature)"')" "every digest verifies"
assert_eq "$W/web-01/precheck.html" "$(host_q web-01 .html)" "the host's HTML report"
assert_eq "offline 2026" "$(host_q web-01 '"\(.profile) \(.ruleset_version[0:4])"' | sed 's/ 20[0-9][0-9]$/ 2026/')" "profile and rule set"
assert_eq "1 db-01" "$(jq -r '.checks[] | select(.id == "fstab.device-names") | "\(.blocking) \(.by_status.fail | join(" "))"' "$J")" \
    "per check: the host it blocks"
assert_eq db-02 "$(jq -r '.checks[] | select(.id == "fstab.device-names") | .by_status.waived | join(" ")' "$J")" \
    "per check: the host that waived it"
assert_eq fstab.device-names "$(jq -r '.checks[0].id' "$J")" "the most frequent blocker first"

# CSV: a row per host, every row as long as the header; --per-check a row per host and check.
"$PYTHON" - "$T/wave.csv" <<'PY' && ok "the CSV parses: 7 rows of 24 fields" || not_ok "the CSV does not parse"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 7 and all(len(r) == 24 for r in rows), [len(r) for r in rows]
assert rows[0][:5] == ["host", "hostname", "label", "machine_id", "verdict"]
assert {r[0]: r[4] for r in rows[1:]}["ghost-01"] == "incomplete"
PY
run_csm rollup --per-check --format csv "$W"
results=$(cat "$W"/*/precheck.json | jq -s '[.[].results | length] | add')
assert_eq $((results + 1)) "$(printf '%s\n' "$out" | "$PYTHON" -c 'import csv, sys; print(len(list(csv.reader(sys.stdin))))')" \
    "--per-check: a row per host and check"
run_csm rollup "$W"
assert_match '^BLOCKED: 5 hosts: 2 ready, 1 with warnings, 1 blocked, 1 incomplete' "$out" "text: the wave first"
assert_match "  blocked     db-01 +hostname testhost  blockers: fstab.device-names" "$out" "text: the blocked host, its hostname beside it"
html=$(html_text "$T/wave.html")
assert_contains "$html" "Content-Security-Policy\" content=\"default-src 'none'" "HTML: the report's policy"
assert_not_contains "$html" "<script" "HTML: no script"
assert_contains "$html" '<a href="wave/web-01/precheck.html">' "HTML: a link to the host's report, relative"
assert_contains "$html" '<svg class="wave"' "HTML: the picture of the wave"
assert_contains "$(cat "$T/wave.html")" 'data-check="fstab.device-names" data-hosts="1"' "HTML: the blocker in the picture"
assert_contains "$(cat "$T/wave.html")" '<text x="0" y="120">fstab.device-names</text>' "HTML: named in the picture as plain text"
# -o into the wave's directory: the links are relative to it.
run_csm rollup "$W" -o "$W/rollup.html"
assert_contains "$(html_text "$W/rollup.html")" '<a href="web-01/precheck.html">' "HTML in the wave's directory: links beside it"
rm "$W/rollup.html"

# ---- hostile reports ----
H=$T/hostile
mkdir -p "$H"/{truncated,other-tool,huge,fifo,clone-a,clone-b,tampered,retimed,schema2,markup,empty-dir,signed}
head -c 2000 "$W/db-01/precheck.json" >"$H/truncated/precheck.json"
lsblk --json >"$H/other-tool/precheck.json" 2>/dev/null || echo '{"blockdevices": []}' >"$H/other-tool/precheck.json"
"$PYTHON" -c 'import json, sys; json.dump({"tool": {"name": "csm-precheck"}, "pad": ["x" * 1000] * 50000}, sys.stdout)' \
    >"$H/huge/precheck.json"
mkfifo "$H/fifo/precheck.json"
mkdir "$H/failed"
printf 'Run csm-precheck: --root /x: No such file or directory (exit 4)\nmore\n' >"$H/failed/precheck.error"
machine_id 9
"$CSM" --no-site-rules --root "$R" -o "$H/clone-a/precheck.json" >/dev/null
cp "$H/clone-a/precheck.json" "$H/clone-b/precheck.json"
sed 's/"status":\t"fail"/"status":\t"pass"/' "$W/db-01/precheck.json" >"$H/tampered/precheck.json"
sed 's/"generated_at":\t"2/"generated_at":\t"1/' "$W/web-02/precheck.json" >"$H/retimed/precheck.json"
jq --arg m "$(printf '%032x' 11)" '.schema_version = "2.0.0" | .host.machine_id = $m' "$W/web-01/precheck.json" \
    >"$H/schema2/precheck.json"
jq --arg h $'=HYPERLINK("http://x")\e]0;pwn\a<script>alert(1)</script>\xc2\x9b' '.host.hostname = $h' \
    "$W/web-01/precheck.json" >"$H/markup/precheck.json"
openssl genpkey -algorithm ed25519 -out "$T/k.pem" 2>/dev/null
machine_id 10
"$CSM" --no-site-rules --root "$R" --sign "$T/k.pem" -o "$H/signed/precheck.json" >/dev/null
jq '.signature.value = ("A" * 86 + "==")' "$H/signed/precheck.json" >"$T/s.json" && mv "$T/s.json" "$H/signed/precheck.json"
set +e
timeout 60 "$CSM" rollup --format json "$H" >"$T/hostile.json" 2>"$T/hostile.err"
rc=$?
set -e
J=$T/hostile.json
assert_exit 2 "hostile reports: no crash, the worst verdict (the tampered one says blocked)"
validate_rollup "$J"
assert_match "^$H/truncated/precheck.json:[0-9]+:[0-9]+: not a JSON report" "$(host_q truncated '.problems[0]' | sed 's/^unreadable: //')" \
    "truncated: named, with where it stops"
assert_contains "$(host_q other-tool '.problems[0]')" "not a csm-precheck report" "another tool's JSON: named"
assert_contains "$(host_q huge '.problems[0]')" "larger than the size limit" "50 MB of JSON: refused at the cap"
assert_contains "$(host_q fifo '.problems[0]')" "not a regular file" "a FIFO: refused without waiting"
assert_eq "duplicate-machine-id duplicate-machine-id" "$(echo $(host_q clone-a '.flags[]') $(host_q clone-b '.flags[]'))" \
    "two reports of one machine ID: both flagged"
assert_eq "$(printf '%032x' 9) clone-a clone-b" "$(jq -r '.duplicate_machine_ids[] | "\(.machine_id) \(.hosts | join(" "))"' "$J")" \
    "and grouped"
assert_eq "tampered blocked" "$(host_q tampered '"\(.flags | join(" ")) \(.verdict)"')" "a tampered report that says blocked: flagged, still blocked"
assert_contains "$(host_q tampered '.problems | join("\n")')" "does not match its digest" "its digest"
assert_contains "$(host_q tampered '.problems | join("\n")')" "inconsistent: summary.fail is" "and its counts"
assert_eq "tampered incomplete warnings" "$(host_q retimed '"\(.flags | join(" ")) \(.verdict) \(.reported_verdict)"')" \
    "a tampered report of warnings: incomplete, not trusted"
assert_eq "unknown-schema incomplete" "$(host_q schema2 '"\(.flags | join(" ")) \(.verdict)"')" "schema 2.0.0: not read"
assert_eq "tampered" "$(host_q signed '.flags | join(" ")')" "a forged signature: tampered"
assert_eq "missing" "$(host_q empty-dir '.flags | join(" ")')" "a host directory without a report: missing"
assert_eq "missing: no report in $H/failed: Run csm-precheck: --root /x: No such file or directory (exit 4)" \
    "$(host_q failed '.problems[0]')" "a host whose check failed: why, from its precheck.error"
assert_eq "unreadable unreadable unreadable unreadable" \
    "$(echo $(for h in truncated other-tool huge fifo; do host_q "$h" '.flags[]'; done))" "each unreadable one is flagged"
# Markup and terminal escapes of a report: inert in every format.
run_csm rollup "$H"
assert_not_contains "$out" $'\e' "text: no escape character reaches the terminal"
assert_not_contains "$out" $'\xc2\x9b' "text: no C1 control either"
assert_contains "$out" '=HYPERLINK("http://x")?]0;pwn?<script>' "text: the hostname, controls replaced"
run_csm rollup --format csv "$H"
assert_contains "$out" "markup,\"'=HYPERLINK(\"\"http://x\"\")" "CSV: a formula is not a formula"
run_csm rollup "$H" -o "$T/hostile.html"
assert_not_contains "$(cat "$T/hostile.html")" "<script>alert" "HTML: markup escaped"
assert_contains "$(html_text "$T/hostile.html")" "&lt;script&gt;alert(1)&lt;/script&gt;" "HTML: shown as text"
# Stale: --max-age 0 after a second, every report is older.
sleep 1
run_csm rollup --max-age 0 --format json "$W/web-01/precheck.json" "$W/db-02"
assert_exit 3 "stale reports: incomplete"
assert_eq "stale stale" "$(echo $(jq -r '.hosts[].flags[]' <<<"$out"))" "both are stale"
assert_eq "web-01 db-02" "$(echo $(jq -r '.hosts[].name' <<<"$out" | sort -r))" "a report file is named by its directory"
run_csm rollup --max-age 30 --format json "$W/web-01/precheck.json"
assert_exit 0 "a fresh report is not stale"
# A host in the directory that hosts.txt does not name.
printf 'web-01\n' >"$T/one.txt"
run_csm rollup --expect-hosts "$T/one.txt" --format json "$W"
assert_eq "db-01 db-02 web-02" "$(jq -r '.flags.unexpected | join(" ")' <<<"$out" | tr ' ' '\n' | grep -v app-01 | xargs)" \
    "hosts not in the list are unexpected"

# ---- usage and operational errors ----
run_csm rollup
assert_exit 64 "no input: usage error"
run_csm rollup --format yaml "$W"
assert_exit 64 "an unknown format"
run_csm rollup --max-age -1 "$W"
assert_exit 64 "a negative --max-age"
run_csm rollup -o "$T/x.pdf" "$W"
assert_exit 64 "an output of no known kind"
run_csm rollup "$T/nonexistent"
assert_exit 4 "an input that does not exist: operational error"
assert_contains "$err" "$T/nonexistent: No such file or directory" "and which"
run_csm rollup --expect-hosts "$T/nonexistent.txt" "$W"
assert_exit 4 "an --expect-hosts that cannot be read"
mkdir -p "$T/empty"
run_csm rollup "$T/empty"
assert_exit 4 "a directory without hosts"
run_csm rollup "$W" -o "$T/no/such/dir/x.json"
assert_exit 4 "an output that cannot be written"
run_csm rollup --help
assert_exit 0 "--help"
assert_contains "$out" "--expect-hosts FILE" "--help names the options"
done_testing
