# fstab.crypttab: systemd opens each /etc/crypttab entry at boot and waits
# for its device unless the entry has nofail or noauto. A kernel device
# name (sda3) moves with the disks, a volume of another disk never comes:
# blockers, warnings with nofail/noauto; the fix names UUID= of the LUKS
# volume, which cryptsetup writes into a partition of the disk here.
. "$CSM_SRC/tests/lib.sh"
need_cmd cryptsetup sfdisk mke2fs

LUKS_UUID=55555555-6666-4777-8888-999999999999
OTHER_UUID=66666666-7777-4888-8999-aaaaaaaaaaaa
R=$T/root
D=$T/disk.img
mktree "$R"
fstab "$R" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
grubcfg "$R" "UUID=$ROOT_UUID"
mkdisk "$D" 64 'label: dos\nstart=2048, size=40M, type=83, bootable\nsize=8M, type=82\nsize=8M, type=83\n'
mkfs_img "$T/root.fs" ext4 40 "$ROOT_UUID" root
mkfs_img "$T/swap.fs" swap 8 "$SWAP_UUID"
truncate -s 8M "$T/luks.img"
printf 'test key' >"$T/key"
cryptsetup luksFormat --type luks1 --batch-mode --uuid "$LUKS_UUID" --pbkdf-force-iterations 1000 \
    --key-file "$T/key" "$T/luks.img"
put_fs "$D" "$T/root.fs" 2048
put_fs "$D" "$T/swap.fs" $((2048 + 40 * 2048))
put_fs "$D" "$T/luks.img" $((2048 + 48 * 2048))
ct='.results[] | select(.id=="fstab.crypttab")'
crypttab() { printf '%s\n' "# <target name> <source device> <key file> <options>" "$@" >"$R/etc/crypttab"; }

# No crypttab: nothing is opened at boot.
scan none --root "$R" --disk "$D"
assert_status fstab.crypttab pass no-crypttab
assert_contains "$(q "$ct | .evidence[0].value")" "/etc/crypttab does not exist" "the fact is the evidence"

# The LUKS partition by its UUID: on the system disk.
crypttab "cdata UUID=$LUKS_UUID none luks,discard"
scan by-uuid --root "$R" --disk "$D"
assert_status fstab.crypttab pass
assert_eq "on the system disk (partition 3)" "$(q "$ct | .evidence[] | select(.label==\"cdata\") | .note")" \
    "placed on the disk's third partition"
assert_eq "/etc/crypttab:2" "$(q "$ct | .evidence[] | select(.label==\"cdata\") | .source")" "its line"

# By kernel name: a blocker, and the fix names the LUKS volume's UUID when
# fstab says which disk / is on.
fstab "$R" "/dev/sda1 / ext4 errors=remount-ro 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
crypttab "cdata /dev/sda3 none luks"
scan kernel-name --root "$R" --disk "$D"
assert_status fstab.crypttab fail device-name
assert_eq blocked "$(q .verdict)" "boot would wait for sda3"
assert_contains "$(q "$ct | .message")" "cdata" "the entry is named"
assert_contains "$(q "$ct | .remediation.commands | join(\"\n\")")" "UUID=$LUKS_UUID" "the fix names UUID= of the LUKS volume"
# The fix, run on a copy: the entry is renamed, the rest stays.
printf '%s\n' "# <target name> <source device> <key file> <options>" "cdata /dev/sda3 none luks" >"$T/fixed"
cmd=$(q "$ct | .remediation.commands[] | select(startswith(\"sed \"))")
(cd "$T" && eval "${cmd//\/etc\/crypttab/$T/fixed}")
assert_eq "cdata UUID=$LUKS_UUID none luks" "$(sed -n 2p "$T/fixed")" "the sed command rewrites the device"

# Another disk's volume, by kernel name: sdb while / is on sda.
crypttab "cdata /dev/sdb1 none luks"
scan kernel-other --root "$R" --disk "$D"
assert_status fstab.crypttab fail device-name
assert_contains "$(q "$ct | .evidence[] | select(.label==\"cdata\") | .note")" "on sdb, while / is on sda" "the other disk"

# nofail or noauto: boot goes on without it, a warning.
crypttab "cdata /dev/sdb1 none luks,nofail" "cswap /dev/sdb2 /dev/urandom swap,noauto"
scan kernel-nofail --root "$R" --disk "$D"
assert_status fstab.crypttab warn device-name

# By UUID, on no partition of the disk: another disk's, a blocker.
fstab "$R" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
crypttab "cdata UUID=$OTHER_UUID none luks"
scan other-disk --root "$R" --disk "$D"
assert_status fstab.crypttab fail other-disk
assert_contains "$(q "$ct | .evidence[] | select(.problem) | .note")" "not on the system disk" "said why"
crypttab "cdata UUID=$OTHER_UUID none luks,nofail"
scan other-disk-nofail --root "$R" --disk "$D"
assert_status fstab.crypttab warn other-disk-nofail

# Without --disk a UUID cannot be placed: skipped, never passed.
crypttab "cdata UUID=$LUKS_UUID none luks"
scan no-disk --root "$R"
assert_status fstab.crypttab skip no-disk
assert_contains "$(q "$ct | .message")" "cdata" "the entry it could not place"

# Lines it cannot read are shown; a mapper path is no kernel name.
crypttab "broken" "cdata /dev/mapper/vg-crypt none luks"
scan odd --root "$R" --disk "$D"
assert_status fstab.crypttab pass
assert_eq "/etc/crypttab:2" "$(q "$ct | .evidence[] | select(.label==\"unparsed line\") | .source")" "the unparsed line"

# Unreadable, or a FIFO: an error, not a pass.
rm "$R/etc/crypttab"
mkfifo "$R/etc/crypttab"
scan fifo --root "$R" --disk "$D"
assert_status fstab.crypttab error
rm "$R/etc/crypttab"
done_testing
