# How the report reads: numbers agree with their nouns, a value is named
# once however often it repeats, a reason says what it means once and
# counts what it counts, and every message is a sentence.
. "$CSM_SRC/tests/lib.sh"

good_system "$T/root" "$T/disk.img"
R=$T/root
# / by UUID, swap and a data disk by device names; root=/dev/sda1 in the
# grub entry and in GRUB_CMDLINE_LINUX.
fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1" "/dev/sda2 none swap sw 0 0" "/dev/sdb1 /data ext4 defaults 0 0"
grubcfg "$R" "/dev/sda1"
printf 'GRUB_CMDLINE_LINUX="root=/dev/sda1"\n' >"$R/etc/default/grub"
scan nodisk --root "$R"
msg() { q ".results[] | select(.id == \"$1\") | .message"; }

assert_match "\\(root=/dev/sda1\\);" "$(msg boot.grub-root)" "a root= that repeats is named once"
assert_eq "No --disk given: 3 /etc/fstab entries (/, swap, /data) cannot be placed on a disk from the tree alone." \
    "$(msg fstab.other-disks)" "the skip counts the entries it means, and names them"
assert_eq "No --disk given: / (UUID=$ROOT_UUID) cannot be placed on a disk from the tree alone." \
    "$(msg disk.layout)" "the skip says 'no --disk given' once"
assert_eq "No --disk given: 1 filesystem cannot be placed on a disk from the tree alone." \
    "$(msg online.data-disks)" "one filesystem, in the singular"

fstab "$R" "UUID=$ROOT_UUID / ext4 defaults 0 1"
scan one --root "$R"
assert_eq "No --disk given: 1 /etc/fstab entry (/) cannot be placed on a disk from the tree alone." \
    "$(msg fstab.other-disks)" "one entry, in the singular"

# Every message of these scans, and of a ready one with its disk, is a
# sentence: it starts with a capital, a number, a path or a name
# (cloud-init, eth0), never with a plain lower-case word, and ends with a stop.
readytree "$T/ready"
scan ready --root "$T/ready"
for j in "$T/nodisk.json" "$T/one.json" "$T/ready.json"; do
    bad=$(jq -r '.results[].message' "$j" | grep -E '^[a-z]+[ ,:;]|[^.!?)]$' | grep -vE '^(rsync|cloud-init) ' || true)
    assert_eq "" "$bad" "$(basename "$j"): every message is a sentence"
done
done_testing
