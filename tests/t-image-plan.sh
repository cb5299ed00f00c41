# The plan of an image (seed 004 §7): what the image holds of what its
# import needs to boot (the MBR's boot code, the partition that holds /,
# /boot, swap) and what is missing, in JSON, text and HTML. A ready system
# (/ on partition 1, /boot on 2, swap on 3, written by mkfs.ext4 -d and
# mkswap into an sfdisk-made disk, converted by qemu-img); the same without
# boot code; an fstab whose /boot names a filesystem the image does not
# hold; a table cut short before the partition /boot is on; a btrfs root
# and --file-only, whose plans list the partitions and say why the rest is
# not known.
. "$CSM_SRC/tests/lib.sh"
need_cmd sfdisk mkfs.ext4 mkswap qemu-img jq

readytree "$T/tree"
mv "$T/tree/boot" "$T/boot"
mkdir "$T/tree/boot"
fstab "$T/tree" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$BOOT_UUID /boot ext4 defaults 0 2" \
    "UUID=$SWAP_UUID none swap sw 0 0"

mkimage() { # RAW: / 48 MiB, /boot 16 MiB, swap 8 MiB on a DOS disk, no boot code
    rm -f "$1"
    truncate -s 80M "$1"
    printf 'label: dos\nlabel-id: 0x5eed3333\nstart=2048, size=48M, type=83, bootable\nsize=16M, type=83\nsize=8M, type=82\n' |
        sfdisk -q "$1"
    mkfs.ext4 -q -F -U "$ROOT_UUID" -L root -d "$T/tree" -E offset=$((2048 * 512)) "$1" 48M
    mkfs.ext4 -q -F -U "$BOOT_UUID" -L boot -d "$T/boot" -E offset=$((49 * 1048576)) "$1" 16M
    mkfs_img "$T/swap.fs" swap 8 "$SWAP_UUID"
    put_fs "$1" "$T/swap.fs" $((65 * 2048))
}
bootcode() { printf '\xeb\x63\x90' | dd of="$1" conv=notrunc status=none; }
missing() { q '[.plan.missing[] | "\(.item) \(.mount // "-")"] | join("|")'; }
plan_text() { # the plan's lines of the text report of $1, unwrapped
    COLUMNS=1000 run_csm --format text --image "$1"
    sed -n '/^Migration plan/,/^$/p' <<<"$out"
}

# (a) ready: the MBR with boot code, /, /boot and swap; nothing missing
mkimage "$T/ready.raw"
bootcode "$T/ready.raw"
qemu-img convert -f raw -O qcow2 "$T/ready.raw" "$T/ready.qcow2"
scan ready --image "$T/ready.qcow2"
assert_eq "true image true true" "$(q '"\(.plan.available) \(.plan.kind) \(.plan.holds.mbr_signature) \(.plan.holds.boot_code)"')" \
    "ready: an image plan, the MBR with its boot code"
assert_eq "/ 1 ext4|/boot 2 ext4|swap 3 swap" \
    "$(q '[.plan.holds.mounts[] | "\(.mount) \(.partition) \(.fstype)"] | join("|")')" \
    "ready: / on partition 1, /boot on 2, swap on 3"
assert_eq "1 / true|2 /boot true|3 swap true" \
    "$(q '[.plan.partitions[] | "\(.number) \(.mount) \(.required)"] | join("|")')" "ready: each partition with what it holds"
assert_eq "" "$(missing)" "ready: nothing missing"
assert_eq "null" "$(q '.plan.guest_reason')" "ready: the guest was read"
assert_eq "0" "$(q '.plan.commands | length')" "ready: no export command for an image"
assert_contains "$(q '.plan.notes[]')" "already exported" "ready: a note says why"
assert_eq "$(qemu-img info --output=json "$T/ready.qcow2" | jq '."virtual-size"')" "$(q .plan.min_target_bytes)" \
    "ready: the target disk at least the image's virtual size"
text=$(plan_text "$T/ready.qcow2")
assert_contains "$text" "  Holds: the MBR with boot code; / on partition 1 (ext4); /boot on partition 2 (ext4); swap on partition 3 (swap)." \
    "ready: the text plan's holds"
assert_contains "$text" "  Missing: nothing the import needs to boot" "ready: the text plan's missing"
run_csm --format html --image "$T/ready.qcow2"
html=$(html_text /dev/stdin <<<"$out")
assert_contains "$html" "<dt>Holds</dt><dd>the MBR with boot code</dd><dd>/ on partition 1 (ext4)</dd>" "ready: the HTML plan's holds"
assert_contains "$html" "<dt>Missing</dt><dd>nothing the import needs to boot</dd>" "ready: the HTML plan's missing"

# (c) no boot code in the MBR
mkimage "$T/nocode.raw"
scan no-boot-code --image "$T/nocode.raw"
assert_eq "false" "$(q .plan.holds.boot_code)" "no boot code: held as such"
assert_eq "boot-code -" "$(missing)" "no boot code: missing, and nothing else"
assert_contains "$(plan_text "$T/nocode.raw")" "  Missing: no boot code in the MBR (bytes 0-439 are zero): nothing starts the boot loader" \
    "no boot code: the text plan names it"

# (b) fstab's /boot names a filesystem that is not in the image
fstab "$T/tree" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$DATA_UUID /boot ext4 defaults 0 2" \
    "UUID=$SWAP_UUID none swap sw 0 0"
mkimage "$T/noboot.raw"
bootcode "$T/noboot.raw"
scan boot-elsewhere --image "$T/noboot.raw"
assert_eq "mount /boot" "$(missing)" "/boot elsewhere: missing names /boot"
assert_contains "$(q '.plan.missing[0].message')" "UUID=$DATA_UUID" "/boot elsewhere: and the UUID fstab names"
assert_eq "/ swap" "$(q '[.plan.holds.mounts[].mount] | join(" ")')" "/boot elsewhere: the image holds / and swap"
assert_eq "false" "$(q '.plan.partitions[1].required')" "/boot elsewhere: partition 2 holds nothing the import needs"
assert_contains "$(plan_text "$T/noboot.raw")" "  Missing: /boot: UUID=$DATA_UUID names no filesystem of this image" \
    "/boot elsewhere: the text plan names it"

# a table cut short: the image ends inside the swap partition fstab needs
fstab "$T/tree" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$BOOT_UUID /boot ext4 defaults 0 2" \
    "UUID=$SWAP_UUID none swap sw 0 0"
mkimage "$T/cut.raw"
bootcode "$T/cut.raw"
truncate -s 70M "$T/cut.raw"
scan cut-short --image "$T/cut.raw"
assert_match "partition swap" "$(missing)" "cut short: the swap partition past the end is missing"
assert_contains "$(q '.plan.missing[] | select(.item == "partition") | .message')" "partition 3 (swap) ends past the end of the image" \
    "cut short: named with its number"

# (d) a btrfs root: the partitions from the table, the reason for the rest
if command -v mkfs.btrfs >/dev/null; then
    truncate -s 300M "$T/b.raw"
    printf 'label: dos\nlabel-id: 0x5eed4444\nstart=2048, size=200M, type=83, bootable\n' | sfdisk -q "$T/b.raw"
    bootcode "$T/b.raw"
    truncate -s 200M "$T/b.fs"
    mkfs.btrfs -q -U 62747266-7300-4000-8000-000000000002 -r "$T/tree" "$T/b.fs" >/dev/null
    put_fs "$T/b.raw" "$T/b.fs" 2048
    rm -f "$T/b.fs"
    scan btrfs --image "$T/b.raw"
    assert_exit 3 "btrfs: incomplete"
    assert_match "btrfs cannot be read without mounting" "$(q .plan.guest_reason)" "btrfs: the plan gives the reason"
    assert_eq "1 btrfs false" "$(q '[.plan.partitions[] | "\(.number) \(.fstype) \(.required)"] | join("|")')" \
        "btrfs: the partition is still listed"
    assert_eq "0 true" "$(q '"\(.plan.holds.mounts | length) \(.plan.holds.boot_code)"')" "btrfs: no mount known, the MBR held"
    assert_eq "" "$(missing)" "btrfs: nothing missing that the table shows"
    text=$(plan_text "$T/b.raw")
    assert_contains "$text" "  Not known: what the filesystems hold: the guest's root cannot be read:" "btrfs: the text plan says why"
    assert_contains "$text" "  Missing: nothing the partition table shows" "btrfs: the text plan's missing"
fi

# --file-only: the table alone
scan fileonly --file-only --image "$T/nocode.raw"
assert_eq "--file-only: the guest's filesystems were not read" "$(q .plan.guest_reason)" "--file-only: the reason"
assert_eq "3 boot-code -" "$(q '"\(.plan.partitions | length) \([.plan.missing[] | "\(.item) \(.mount // "-")"] | join("|"))"')" \
    "--file-only: the partitions, and the boot code the MBR lacks"

done_testing
