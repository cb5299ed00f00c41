# system.selinux: /etc/selinux/config decides; the online profile wants it
# disabled (seed 003), offline it is a note with relabel advice.
. "$CSM_SRC/tests/lib.sh"
R=$T/root
readytree "$R"
sel() { mkdir -p "$R/etc/selinux"; printf '%s\n' "$@" >"$R/etc/selinux/config"; }
msg() { q '.results[] | select(.id=="system.selinux") | .'"$1"; }

scan none --root "$R"
assert_status system.selinux pass not-installed

sel '# comment' 'SELINUX=disabled' 'SELINUXTYPE=targeted'
scan disabled --root "$R" --profile online
assert_status system.selinux pass disabled
assert_eq /etc/selinux/config:2 "$(msg 'evidence[0].source')" "evidence points at the line"

sel 'SELINUX=enforcing' 'SELINUXTYPE=targeted'
scan enforcing-offline --root "$R"
assert_status system.selinux fail enforcing
assert_eq info "$(msg severity)" "offline: informational"
assert_exit 0
assert_contains "$(msg remediation.hint)" "/.autorelabel" "offline: relabel advice"
scan enforcing-online --root "$R" --profile online
assert_status system.selinux fail enforcing
assert_eq blocker "$(msg severity)" "online: blocker"
assert_exit 2
assert_contains "$(msg 'remediation.commands[]')" "SELINUX=disabled" "online: the command"

sel 'SELINUX="Permissive"'
scan permissive --root "$R" --profile online
assert_status system.selinux fail permissive

# selinux=0 on every boot entry: effectively off, but the file still says otherwise.
sel 'SELINUX=enforcing'
grubcfg "$R" "UUID=$ROOT_UUID selinux=0"
scan cmdline --root "$R" --profile online
assert_status system.selinux warn disabled-cmdline
grubcfg "$R" "UUID=$ROOT_UUID selinux=0" "UUID=$ROOT_UUID"
scan cmdline-some --root "$R" --profile online
assert_status system.selinux fail enforcing

# Cannot decide: error with the reason, never a silent pass.
sel 'SELINUXTYPE=targeted'
scan no-mode --root "$R" --profile online
assert_status system.selinux error
assert_contains "$(msg reason)" "no SELINUX= line" "no SELINUX= line"
assert_exit 3
sel 'SELINUX=maybe'
scan bad-mode --root "$R"
assert_status system.selinux error
printf 'SELINUX=disabled\0\1\2' >"$R/etc/selinux/config"
scan binary --root "$R"
assert_status system.selinux error
assert_contains "$(msg reason)" "binary" "binary config"
head -c 2M /dev/zero | tr '\0' '#' >"$R/etc/selinux/config"
scan huge --root "$R"
assert_status system.selinux error
assert_contains "$(msg reason)" "size limit" "huge config"

# A link out of the tree resolves inside it: the host's file is not read.
printf 'SELINUX=enforcing\n' >"$T/host-selinux-config"
ln -sf "$T/host-selinux-config" "$R/etc/selinux/config"
scan link-out --root "$R" --profile online
assert_status system.selinux pass not-installed
done_testing
