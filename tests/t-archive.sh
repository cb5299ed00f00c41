# Verifiable archives: the report's digest and the rule set's, verify on
# an intact and a changed report, and diff of two real runs, before and
# after a fix.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "/dev/sda2 none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"
scan before --root "$R" --disk "$T/disk.img"

# The rule set's digest: every file, in order.
assert_eq "$(q '.ruleset.files | length')" "$(q '.ruleset.file_sha256 | length')" "a digest per rule file"
assert_eq "$(sha256sum "$CSM_SRC/rules/disk.rules" | cut -d' ' -f1)" \
    "$(q '.ruleset.files as $f | .ruleset.file_sha256 | to_entries[] | select($f[.key] == "builtin:disk.rules") | .value')" \
    "the digest of disk.rules is the file's"
mkdir -p "$T/site"
printf '# a comment changes nothing but the digest\n' >"$T/site/a.rules"
scan site --root "$R" --disk "$T/disk.img" --rules "$T/site"
assert_eq false "$(jq -n --slurpfile a "$T/before.json" --slurpfile b "$J" '$a[0].ruleset.sha256 == $b[0].ruleset.sha256')" \
    "another rule set, another digest"

# verify: intact, reformatted (same content), and one byte changed.
run_csm verify "$T/before.json"
assert_exit 0 "verify intact"
assert_contains "$out" "intact" "says intact"
jq . "$T/before.json" >"$T/pretty.json"
run_csm verify "$T/pretty.json"
assert_exit 0 "reformatting is not a change"
sed 's/"verdict":\t"blocked"/"verdict":\t"ready"/' "$T/before.json" >"$T/forged.json"
cmp -s "$T/before.json" "$T/forged.json" && not_ok "the forgery changed nothing"
run_csm verify "$T/forged.json"
assert_exit 1 "a changed verdict is detected"
assert_contains "$out" "MODIFIED" "says modified"
# one byte, anywhere in a value
python3 - "$T/before.json" "$T/byte.json" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
i = data.index(b'"testhost"') + 1
data[i] ^= 0x01
open(sys.argv[2], 'wb').write(data)
PY
run_csm verify "$T/byte.json"
assert_exit 1 "a one-byte change is detected"
jq 'del(.digest)' "$T/before.json" >"$T/nodigest.json"
run_csm verify "$T/nodigest.json"
assert_exit 4 "no digest: cannot verify"
printf 'not json' >"$T/garbage.json"
run_csm verify "$T/garbage.json"
assert_exit 4 "not a report"
run_csm verify "$T/before.json" "$T/byte.json"
assert_exit 1 "several reports: the worst result"
run_csm verify "$T/before.json"
assert_contains "$out" "unsigned: the digest detects accidental change only" "an unsigned report says what its digest is worth"
assert_contains "$out" "consistent: the summary, the verdict, the exit code and the waivers agree with the" \
    "an intact report agrees with itself"

# A forgery that recomputes the digest: the verdict and the exit code say
# ready, but the results and the summary still hold the blockers.
forge() { # IN OUT JQ-FILTER: edits a report and recomputes its digest as verify does
    jq "del(.digest) | $3" "$1" >"$T/forge.tmp"
    python3 - "$T/forge.tmp" "$2" <<'PY'
import hashlib, json, sys
doc = json.load(open(sys.argv[1]))
canon = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
doc["digest"] = {"algorithm": "sha256", "canonical": "cjson-compact",
                 "value": hashlib.sha256(canon.encode()).hexdigest()}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
PY
}
forge "$T/before.json" "$T/ready.json" '.verdict = "ready" | .exit_code = 0'
run_csm verify "$T/ready.json"
assert_exit 1 "a forged verdict with a recomputed digest is caught"
assert_contains "$out" "intact (sha256" "its digest matches, as the forger made sure"
assert_contains "$out" "INCONSISTENT: the verdict is ready, but the results make it blocked" "the verdict against the results"
assert_contains "$out" "INCONSISTENT: exit_code is 0, but a blocked report exits 2" "the exit code against the results"
forge "$T/before.json" "$T/counts.json" '.summary.fail = 0 | .summary.blockers = 0'
run_csm verify "$T/counts.json"
assert_exit 1 "forged counts are caught"
assert_contains "$out" "INCONSISTENT: summary.blockers is 0, but $(q .summary.blockers "$T/before.json") blockers failed" \
    "the summary against the results"

# Signed reports: Ed25519 keys as openssl writes them.
openssl genpkey -algorithm ed25519 -out "$T/key.pem" 2>/dev/null
openssl pkey -in "$T/key.pem" -pubout -out "$T/key.pub"
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null
openssl pkey -in "$T/other.pem" -pubout -out "$T/other.pub"
scan signed --root "$R" --disk "$T/disk.img" --sign "$T/key.pem" -o "$T/signed.html"
assert_eq ed25519 "$(q .signature.algorithm)" "the signature's algorithm"
assert_eq "sha256:$(openssl pkey -pubin -in "$T/key.pub" -outform DER | sha256sum | cut -d' ' -f1)" \
    "$(q .signature.key_fingerprint)" "the key's fingerprint is the SHA-256 of its DER, as openssl computes it"
assert_contains "$(html_text "$T/signed.html")" "with the Ed25519 key $(q .signature.key_fingerprint)" "the HTML shows who signed"
run_csm verify --key "$T/key.pub" "$J"
assert_exit 0 "signed with that key"
assert_contains "$out" "signed with the --key Ed25519 key $(q .signature.key_fingerprint): valid" "says who signed"
run_csm verify "$J"
assert_exit 0 "without --key: valid for the key it names"
run_csm verify --key "$T/other.pub" "$J"
assert_exit 1 "signed with another key"
assert_contains "$out" "SIGNED WITH ANOTHER KEY" "says so"
run_csm verify --key "$T/key.pub" "$T/before.json"
assert_exit 1 "unsigned, where a signature is demanded"
assert_contains "$out" "NOT SIGNED" "says so"
# A forger who edits the content and recomputes the digest cannot sign.
forge "$J" "$T/resealed.json" '.results |= map(if .status == "fail" then .status = "pass" else . end)'
run_csm verify --key "$T/key.pub" "$T/resealed.json"
assert_exit 1 "a changed signed report, digest recomputed"
assert_contains "$out" "BAD SIGNATURE" "the signature no longer matches"
# ... nor re-sign with the key: only with another, which --key refuses.
"$CSM" --root "$R" --disk "$T/disk.img" --sign "$T/other.pem" -o "$T/other.json" >/dev/null || true
golden other "$T/other.json"
run_csm verify "$T/other.json"
assert_exit 0 "another key's report is valid for that key"
run_csm verify --key "$T/key.pub" "$T/other.json"
assert_exit 1 "but not signed with the trusted key"
run_csm verify --format json --key "$T/key.pub" "$J" "$T/resealed.json"
assert_exit 1 "verify --format json: the worst result"
assert_eq "valid invalid" "$(jq -r '[.reports[].signature.state] | join(" ")' <<<"$out")" "verify --format json: each report"
assert_eq "true" "$(jq -r '.reports[0].consistency.consistent' <<<"$out")" "verify --format json: consistency"
# Keys that are not Ed25519 PEM keys are refused with the file named.
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa.pem" 2>/dev/null
run_csm --root "$R" --sign "$T/rsa.pem" --format json
assert_exit 4 "an RSA key"
assert_contains "$err" "--sign $T/rsa.pem: not an Ed25519 key" "says which key and why"
openssl pkey -in "$T/key.pem" -out "$T/enc.pem" -aes256 -passout pass:secret 2>/dev/null
run_csm --root "$R" --sign "$T/enc.pem" --format json </dev/null
assert_exit 4 "an encrypted key is refused, nothing is prompted"
run_csm --root "$R" --sign "$T/nosuch.pem" --format json
assert_exit 4 "a missing key"
run_csm --root "$R" --sign "$T/key.pem"
assert_exit 64 "--sign without a JSON report"
run_csm verify --key "$T/key.pem" "$J"
assert_exit 4 "a private key where the public one is wanted"

# Waivers against what they waive.
printf '{"waivers":[{"id":"fstab.network-mounts","reason":"the NAS moves too"}]}' >"$T/w0.json"
scan waived0 --root "$R" --disk "$T/disk.img" --waivers "$T/w0.json"
run_csm verify "$J"
assert_exit 0 "a waived report is consistent"
forge "$J" "$T/nowaiver.json" '.policy.waivers.applied = []'
run_csm verify "$T/nowaiver.json"
assert_exit 1 "a waived result whose waiver the policy does not list"
assert_contains "$out" "INCONSISTENT: fstab.network-mounts is waived by a waiver" "names the result"
forge "$J" "$T/unwaived.json" '.results |= map(if .id == "fstab.network-mounts" then .status = "fail" else . end)'
run_csm verify "$T/unwaived.json"
assert_exit 1 "a waiver on a result that is not waived"

# verify and diff parse their options like the scan does.
run_csm verify --help
assert_exit 0 "verify --help"
assert_contains "$out" "Usage: csm-precheck verify [OPTIONS] REPORT.json..." "verify's usage"
run_csm diff --help
assert_exit 0 "diff --help"
assert_contains "$out" "Usage: csm-precheck diff [OPTIONS] OLD.json NEW.json" "diff's usage"
for args in "verify --bogus $T/before.json" "verify" "verify --format xml $T/before.json" "verify --key" \
    "diff --bogus a b" "diff --key x a b" "diff --format xml a b" "diff a"; do
    run_csm $args
    assert_exit 64 "usage error: $args"
    assert_contains "$err" "Try 'csm-precheck ${args%% *} --help'" "the subcommand's help for: $args"
done
run_csm verify --format json "$T/before.json"
assert_exit 0 "verify --format json reads --format as an option"
assert_eq intact "$(jq -r '.reports[0].digest.state' <<<"$out")" "verify --format json: the digest"

# Bytes of the scanned system that are not UTF-8 (a Latin-1 mount point, a
# stray 0xff) are replaced in every format; a report that is not UTF-8 is
# not intact, nor one with a NUL after its end.
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "/dev/sda2 none swap sw 0 0" "$(printf 'nas:/x /mnt/caf\xe9\xff nfs defaults 0 0')"
scan latin1 --root "$R" --disk "$T/disk.img" -o "$T/latin1.html" -o "$T/latin1.txt"
for f in "$J" "$T/latin1.html" "$T/latin1.txt"; do
    if iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1; then ok "$(basename "$f") is UTF-8"; else not_ok "$(basename "$f") is not UTF-8"; fi
done
assert_contains "$(q '.results[] | select(.id=="fstab.network-mounts") | .evidence[].value')" "/mnt/caf"$'\xef\xbf\xbd\xef\xbf\xbd' \
    "each byte that is not UTF-8 is U+FFFD"
run_csm verify "$J"
assert_exit 0 "the report is intact"
python3 - "$J" "$T/notutf8.json" "$T/nul.json" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(data.replace("\ufffd".encode(), b"\xff", 1))
open(sys.argv[3], 'wb').write(data + b"\0{}")
PY
run_csm verify "$T/notutf8.json"
assert_exit 4 "a report that is not UTF-8 is not intact"
assert_contains "$err" "invalid UTF-8 (byte 0xff)" "the byte is named"
run_csm verify "$T/nul.json"
assert_exit 4 "nor one with a NUL and more after it"
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "/dev/sda2 none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"

# diff: after fixing fstab the device names are fixed, and a new failure shows.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "nas:/x /mnt/nas nfs defaults 0 0"
chmod 0644 "$R/etc/shadow"
scan after --root "$R" --disk "$T/disk.img"
run_csm diff "$T/before.json" "$T/after.json"
assert_exit 1 "something newly fails"
assert_match "fixed +fstab\.device-names +fail -> pass" "$out" "fixed"
assert_match "newly-failing +accounts\.shadow +pass -> fail +\(blocker\)" "$out" "newly failing"
assert_match "still-failing +fstab\.network-mounts +fail -> fail" "$out" "still failing"
assert_contains "$out" "$(($(q '.results | length') - 3)) of $(q '.results | length') checks unchanged" "the rest is unchanged"
run_csm diff --format json "$T/before.json" "$T/after.json"
assert_eq "fixed newly-failing still-failing" \
    "$(jq -r '[.changes[] | .change] | sort | join(" ")' <<<"$out")" "JSON changes"
assert_eq blocked "$(jq -r .old.verdict <<<"$out")" "old verdict"
chmod 0640 "$R/etc/shadow"
printf '{"waivers":[{"id":"fstab.network-mounts","reason":"the NAS moves too"}]}' >"$T/w.json"
scan waived --root "$R" --disk "$T/disk.img" --waivers "$T/w.json"
run_csm diff "$T/after.json" "$J"
assert_exit 0 "nothing newly fails"
assert_match "waived +fstab\.network-mounts +fail -> waived" "$out" "waived"
assert_match "fixed +accounts\.shadow" "$out" "fixed shadow"
scan labelled --root "$R" --disk "$T/disk.img" --host-label web-01
run_csm diff "$T/after.json" "$J"
assert_match "^$T/after.json \(host testhost, [^,]+, blocked\) -> $T/labelled.json \(web-01, host testhost, " "$out" \
    "diff names each side by its label"
run_csm diff --format json "$T/after.json" "$J"
assert_eq "null web-01" "$(jq -r '"\(.old.host_label) \(.new.host_label)"' <<<"$out")" "diff --format json: the labels"
run_csm diff "$T/after.json"
assert_exit 64 "diff needs two reports"
run_csm diff "$T/after.json" "$T/garbage.json"
assert_exit 4 "diff of a non-report"
done_testing
