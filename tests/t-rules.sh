# Rules are data: a site changes severities, disables checks and sets
# parameters without recompiling; a broken rule file is refused with its
# file, line and column (exit 4).
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
S=$T/site
mkdir -p "$S"

# The catalogue.
run_csm --list-checks
assert_exit 0
assert_match "disk\.partition-table +blocker +yes" "$out" "text catalogue"
assert_match "drivers\.initramfs-tooling  +warning  +yes" "$out" "the longest id keeps its columns apart"
run_csm --list-checks --format json
assert_eq "$(grep -c '^        \.id = "' "$CSM_SRC/checks/table.c")" "$(jq '.checks | length' <<<"$out")" "every check of the table in the JSON catalogue"
assert_eq '["/dev/sd*","/dev/hd*","/dev/xvd*","/dev/vd*","/dev/nvme*","/dev/disk/by-id/*","/dev/disk/by-path/*"]' \
    "$(jq -c '.checks[] | select(.id=="fstab.device-names") | .params.unstable' <<<"$out")" "parameters listed"
run_csm --list-checks --profile online --format json
assert_eq info "$(jq -r '.checks[] | select(.id=="disk.partition-table") | .severity' <<<"$out")" "online profile"

# A site lowers GPT to a warning, disables the network check, and adds a
# device pattern (an empty assignment first clears the shipped list).
cat >"$S/10-site.rules" <<'RULES'
# Our cloud accepts GPT.
[disk.partition-table]
severity = warning

[fstab.network-mounts]
enabled = no

[fstab.device-names]
param.unstable =
param.unstable = /dev/mapper/*
RULES
mkdisk "$T/gpt.img" 64 'label: gpt\nsize=40M\nsize=8M\n'
put_fs "$T/gpt.img" "$T/root.fs" 2048
put_fs "$T/gpt.img" "$T/swap.fs" $((2048 + 40 * 2048))
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "/dev/mapper/vg-x /x ext4 nofail 0 0"
scan site --root "$R" --disk "$T/gpt.img" --rules "$S"
assert_status disk.partition-table fail gpt
assert_eq warning "$(q '.results[] | select(.id=="disk.partition-table") | .severity')" "severity from the site"
assert_status fstab.network-mounts skip disabled
assert_eq "disabled by the rules ($S/10-site.rules:6)" "$(q '.results[] | select(.id=="fstab.network-mounts") | .reason')" "who disabled it"
assert_status fstab.device-names warn device-name
assert_contains "$(q '.ruleset.files[]')" "$S/10-site.rules" "the site file is recorded"
assert_exit 1

# Comments after a value, as the README writes them: a '#' after a space
# starts one; inside a word, in a quoted shell word, or escaped it stays.
cat >"$S/15-comments.rules" <<'RULES'
[fstab.device-names]
param.unstable = /dev/sd*        # the shipped list was cleared above
hint.device-name = See ticket \#4711, item#2.   # our tracker
command.device-name = grep -v '^ *#' /etc/fstab   # shown without this comment
command.device-name = sed -n 's#^/dev/#&#p' /etc/fstab
RULES
fstab "$R" "/dev/sda1 / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
scan comments --root "$R" --disk "$T/gpt.img" --rules "$S"
assert_status fstab.device-names fail device-name
assert_eq "warning" "$(q '.results[] | select(.id=="disk.partition-table") | .severity')" "severity = warning   # comment"
assert_eq "See ticket #4711, item#2." "$(q '.results[] | select(.id=="fstab.device-names") | .remediation.hint')" \
    "an escaped '#' and one inside a word stay"
assert_eq "grep -v '^ *#' /etc/fstab|sed -n 's#^/dev/#&#p' /etc/fstab" \
    "$(q '[.results[] | select(.id=="fstab.device-names") | .remediation.commands[]] | join("|")')" \
    "a quoted '#' in a command stays, the comment after it goes"
run_csm --list-checks --rules "$S" --format json
assert_eq '["/dev/mapper/*","/dev/sd*"]' "$(jq -c '.checks[] | select(.id=="fstab.device-names") | .params.unstable' <<<"$out")" \
    "a parameter with a comment after it"
rm "$S/15-comments.rules"
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "UUID=$SWAP_UUID none swap sw 0 0" "/dev/mapper/vg-x /x ext4 nofail 0 0"

# A site that accepts GPT disks accepts GPT images too: image.partition-table
# follows the severity the site gives disk.partition-table, unless the site
# sets its own, and image.bootable boots the GPT image from its boot code.
printf '\xeb\x63\x90' | dd of="$T/gpt.img" conv=notrunc status=none
scan gpt-image --file-only --image "$T/gpt.img"
assert_status image.partition-table fail gpt
assert_status image.bootable fail gpt
assert_exit 2 "a GPT image blocks with the shipped rules"
scan gpt-image-site --file-only --image "$T/gpt.img" --rules "$S"
assert_status image.partition-table fail gpt
assert_eq warning "$(q '.results[] | select(.id=="image.partition-table") | .severity')" "the image follows the disk's severity"
assert_status image.bootable pass bootable
assert_contains "$(q '.results[] | select(.id=="image.bootable") | .message')" "a GPT disk with boot code in its protective MBR" \
    "what boots it"
assert_eq "$S/10-site.rules:3 (follows disk.partition-table)" \
    "$(q '.policy.overrides[] | select(.id=="image.partition-table" and .key=="severity") | .source')" "the policy says why"
assert_exit 1 "a GPT image is a warning where the site accepts GPT"
printf '[image.partition-table]\nseverity = blocker\n' >"$S/11-images.rules"
scan gpt-image-own --file-only --image "$T/gpt.img" --rules "$S"
assert_eq blocker "$(q '.results[] | select(.id=="image.partition-table") | .severity')" "a site's own image severity wins"
assert_status image.bootable fail gpt
rm "$S/11-images.rules"
run_csm --list-checks --rules "$S" --format json
assert_eq warning "$(jq -r '.checks[] | select(.id=="image.partition-table") | .severity' <<<"$out")" "listed as it applies"

# A profile-specific site file applies only to that profile.
mkdir -p "$S/online"
printf '[fstab.other-disks]\nseverity = info\n' >"$S/online/20-agent.rules"
run_csm --list-checks --rules "$S" --profile online --format json
assert_eq info "$(jq -r '.checks[] | select(.id=="fstab.other-disks") | .severity' <<<"$out")" "site online layer"
run_csm --list-checks --rules "$S" --format json
assert_eq blocker "$(jq -r '.checks[] | select(.id=="fstab.other-disks") | .severity' <<<"$out")" "not in offline"

# A site may define its own profile directory.
mkdir -p "$S/strict"
printf '[fstab.network-mounts]\nseverity = blocker\n' >"$S/strict/x.rules"
run_csm --list-checks --rules "$S" --profile strict --format json
assert_exit 0
assert_eq blocker "$(jq -r '.checks[] | select(.id=="fstab.network-mounts") | .severity' <<<"$out")" "a site profile"
run_csm --list-checks --profile nosuch
assert_exit 64
assert_contains "$err" "unknown profile 'nosuch' (known: offline, online)" "known profiles listed"

# Broken files: every defect with file:line:col, exit 4, nothing checked.
B=$T/broken
mkdir -p "$B"
cat >"$B/bad.rules" <<'RULES'
[disk.partiton-table]
severity = blocker

[disk.layout]
severty = warning
severity = blockr
message.pass = {nosuch} is here
enabled = maybe
param.foo = 1
command = [debian,gentoo] echo
this line has no equals
[boot.efi
[disk.capacity]
follows = disk.nosuch
RULES
run_csm --root "$R" --rules "$B"
assert_exit 4
assert_contains "$err" "$B/bad.rules:1:2: error: unknown section [disk.partiton-table]; did you mean [disk.partition-table]?" "typo in a section"
assert_contains "$err" "$B/bad.rules:5:1: error: unknown key 'severty' in [disk.layout]" "typo in a key"
assert_contains "$err" "$B/bad.rules:6:12: error: invalid severity 'blockr' (expected blocker, warning or info)" "bad severity"
assert_contains "$err" "$B/bad.rules:7:16: error: unknown placeholder {nosuch} in [disk.layout]" "unknown placeholder"
assert_contains "$err" "$B/bad.rules:8:11: error: invalid value 'maybe' for enabled" "bad boolean"
assert_contains "$err" "$B/bad.rules:9:1: error: [disk.layout] has no parameter 'foo'" "unknown parameter"
assert_contains "$err" "$B/bad.rules:10:12: error: unknown distribution family 'gentoo'" "unknown family"
assert_contains "$err" "$B/bad.rules:11:6: error: expected '=' after the key" "no equals"
assert_contains "$err" "$B/bad.rules:12:10: error: missing ']'" "unclosed section"
assert_contains "$err" "$B/bad.rules:14:11: error: follows: 'disk.nosuch' is not another check" "follows a check that is not there"
assert_eq "" "$out" "no report when the rules are refused"

printf 'ok = \x00binary\n' >"$B/bad.rules"
run_csm --root "$R" --rules "$B"
assert_exit 4
assert_contains "$err" "binary content" "a binary rule file"

# A section twice in one file: which keys win would depend on their order.
rm -f "$B"/*.rules
printf '[boot.efi]\nseverity = warning\n\n[os.release]\nenabled = yes\n[boot.efi]\nseverity = info\n' >"$B/dup.rules"
run_csm --root "$R" --rules "$B"
assert_exit 4
assert_contains "$err" "$B/dup.rules:6:2: error: section [boot.efi] appears twice in this file (first at line 1)" \
    "a duplicate section, with both lines"
# Not UTF-8: refused at the byte, never copied into a report.
printf '[boot.efi]\ntitle = The system boots BIOS \xff\xfe\n' >"$B/dup.rules"
run_csm --root "$R" --rules "$B"
assert_exit 4
assert_contains "$err" "$B/dup.rules:2:31: error: invalid UTF-8 (byte 0xff)" "invalid UTF-8, with its line and column"
printf '[boot.efi]\ntitle = The system boots BIOS \xc3\xa9\n' >"$B/dup.rules"
scan utf8-title --root "$R" --rules "$B"
assert_eq "The system boots BIOS é" "$(q '.results[] | select(.id=="boot.efi") | .title')" "valid UTF-8 is kept"
rm -f "$B/dup.rules"

run_csm --root "$R" --rules "$T/nonexistent"
assert_exit 4
assert_contains "$err" "--rules $T/nonexistent: No such file or directory" "a missing rules directory"

# Texts are rendered from the rules: a site rewords a message.
printf '[os.release]\nmessage.pass = Running {name}; family {family}; host {host}.\n' >"$S/30-words.rules"
scan words --root "$R" --rules "$S" --disk "$T/disk.img"
assert_eq "Running Debian GNU/Linux 12 (bookworm); family debian; host testhost." \
    "$(q '.results[] | select(.id=="os.release") | .message')" "a site's wording with placeholders"

# A hostile value never reaches a command: device names with shell syntax.
fstab "$R" 'UUID=0f1e2d3c-4b5a-4697-8877-665544332211 / ext4 defaults 0 1' '/dev/sdb1;rm${IFS}-rf${IFS}~ /x ext4 defaults 0 0'
scan hostile --root "$R" --disk "$T/disk.img"
assert_not_contains "$(q '.results[].remediation.commands[]')" 'rm${IFS}' "no command carries the hostile name"
done_testing
