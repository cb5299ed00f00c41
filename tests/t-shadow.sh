# accounts.shadow: a regular file, owned by root, no looser than 0640, not
# immutable, parseable, with a root entry. The hashes never reach the report.
. "$CSM_SRC/tests/lib.sh"
need_root "ownership of fixture files"

R=$T/root
mktree "$R"
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1"
grubcfg "$R" "UUID=$ROOT_UUID"
sh='.results[] | select(.id=="accounts.shadow")'

scan ok --root "$R"
assert_status accounts.shadow pass
assert_contains "$(q "$sh | .message")" "root:shadow, mode 0640" "owner, group and mode"
assert_contains "$(q "$sh | .evidence[] | select(.label==\"root entry\") | .value")" "yescrypt hash" "the hash kind"
assert_not_contains "$(cat "$J")" 'j9T$abc' "no hash in the report"

chmod 0644 "$R/etc/shadow"
scan mode --root "$R"
assert_status accounts.shadow fail mode
assert_eq "chmod 0640 /etc/shadow" "$(q "$sh | .remediation.commands | join(\";\")")" "Debian mode fix"
chmod 0640 "$R/etc/shadow"

chown 1000:1000 "$R/etc/shadow"
scan owner --root "$R"
assert_status accounts.shadow fail owner
assert_contains "$(q "$sh | .message")" "owned by uid admin" "the owner's name from the tree's passwd"
chown 0:42 "$R/etc/shadow"

# RHEL keeps it root:root 0000: normal there.
H=$T/rhel
mktree "$H" rhel
chown 0:0 "$H/etc/shadow" && chmod 0000 "$H/etc/shadow"
scan rhel --root "$H"
assert_status accounts.shadow pass

mv "$R/etc/shadow" "$R/etc/shadow.real"
ln -s shadow.real "$R/etc/shadow"
scan symlink --root "$R"
assert_status accounts.shadow fail symlink
assert_eq "symbolic link -> shadow.real" "$(q "$sh | .evidence[0].value")" "the link target"
rm "$R/etc/shadow"
scan missing --root "$R"
assert_status accounts.shadow fail missing
assert_eq "pwconv" "$(q "$sh | .remediation.commands | join(\";\")")" "pwconv rebuilds it"
mv "$R/etc/shadow.real" "$R/etc/shadow"

mkdir "$R/etc/shadow.d" && rm "$R/etc/shadow" && mv "$R/etc/shadow.d" "$R/etc/shadow"
scan dir --root "$R"
assert_status accounts.shadow fail not-regular
rmdir "$R/etc/shadow"

printf 'admin:!:19700:0:99999:7:::\n' >"$R/etc/shadow"
chown 0:42 "$R/etc/shadow" && chmod 0640 "$R/etc/shadow"
scan noroot --root "$R"
assert_status accounts.shadow fail no-root

printf 'root:$6$x$y:19700:0:99999:7:::\ngarbage line\n\x01\x02\n' >"$R/etc/shadow"
scan malformed --root "$R"
assert_status accounts.shadow fail malformed
assert_contains "$(q "$sh | .message")" "line 2 is not a shadow entry" "the line is named"

printf 'root:$6$x$y:19700:0:99999:7:::\n' >"$R/etc/shadow"
if chattr +i "$R/etc/shadow" 2>/dev/null; then
    on_exit "chattr -i '$R/etc/shadow'"
    scan immutable --root "$R"
    assert_status accounts.shadow fail immutable
    assert_eq "chattr -i -a /etc/shadow" "$(q "$sh | .remediation.commands | join(\";\")")" "the chattr fix"
    chattr -i "$R/etc/shadow"
    chattr +a "$R/etc/shadow"
    on_exit "chattr -a '$R/etc/shadow'"
    scan append --root "$R"
    assert_status accounts.shadow fail immutable
    assert_contains "$(q "$sh | .evidence[] | select(.label==\"attributes\") | .value")" "append-only" "append-only named"
    chattr -a "$R/etc/shadow"
else
    echo "# chattr +i not supported on $T: immutable case not run"
fi
done_testing
