# The LVM mapper (fs/lvm.c): a root LV in two segments (created, another LV
# created, extended) made by the real pvcreate, vgcreate, lvcreate and
# lvextend on a loop device (never activated: there is no device-mapper),
# an ext4 written into its extents as lvs places them, and read back
# through the mapping; the label, metadata-header and metadata CRCs;
# thin, striped and missing-PV volumes refused with their reason. The guest
# tree over the same disk as qcow2: / on the LV, /boot on its partition.
. "$CSM_SRC/tests/lib.sh"
need_root "loop devices for pvcreate"
need_cmd losetup pvcreate vgcreate lvcreate lvextend lvs pvs vgcfgbackup vgcfgrestore mkfs.ext4
: "${CSM_FSREAD:?}"
fsr() { "$CSM_FSREAD" "$@" 2>&1; }

# LVM sees only this test's loop devices, and keeps no backup or archive
# of their metadata in the host's /etc/lvm.
LOOPS=()
lvm_do() {
    local filter="" d
    for d in "${LOOPS[@]}"; do filter+="\"a|^$d\$|\", "; done
    "$@" --driverloaded n --config "devices { obtain_device_list_from_udev=0 use_devicesfile=0 filter=[ $filter\"r|.*|\" ] }
        activation { udev_sync=0 udev_rules=0 } global { activation=0 } backup { backup=0 archive=0 }"
}

P2=$(((2048 + 16 * 2048) * 512)) # the PV's partition, after a 16 MiB /boot
mkdisk "$T/disk.img" 128 'label: dos\nsize=16M, type=83, bootable\nsize=100M, type=8e\n'
loop_attach -o "$P2" --sizelimit $((100 << 20)) "$T/disk.img" || skip_test "no loop device"
LOOPS+=("$LOOP")
lvm_do pvcreate -q "$LOOP" >/dev/null 2>&1 || skip_test "pvcreate does not work here"
lvm_do vgcreate -q vgsys "$LOOP" >/dev/null 2>&1
lvm_do lvcreate -q -an -Zn -L 20M -n root vgsys >/dev/null 2>&1
lvm_do lvcreate -q -an -Zn -L 8M -n swap vgsys >/dev/null 2>&1
lvm_do lvextend -q -L +20M vgsys/root >/dev/null 2>&1
ranges=$(lvm_do lvs --noheadings --segments -o seg_pe_ranges vgsys/root 2>/dev/null | tr -d ' ' | paste -sd' ')
assert_match "^$LOOP:0-4 $LOOP:7-11\$" "$ranges" "the root LV is in two segments"
pe_start=$(lvm_do pvs --noheadings --units b --nosuffix -o pe_start "$LOOP" 2>/dev/null | tr -d ' ')
extent=$(lvm_do vgs --noheadings --units b --nosuffix -o vg_extent_size vgsys 2>/dev/null | tr -d ' ')

# An ext4 of 40 MiB with a file across the segments' boundary (20 MiB),
# written into the PV where lvs says its extents are.
mkdir -p "$T/src/etc"
echo 'root:x:0:0:root:/root:/bin/bash' >"$T/src/etc/passwd"
head -c $((26 << 20)) /dev/urandom >"$T/src/big"
truncate -s 40M "$T/root.fs"
mkfs.ext4 -q -F -d "$T/src" "$T/root.fs"
lv_extents=0
for r in $ranges; do
    r=${r#*:}
    first=${r%-*} last=${r#*-}
    dd if="$T/root.fs" of="$T/disk.img" bs=1M iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc status=none \
        skip=$((lv_extents * extent)) count=$(((last - first + 1) * extent)) seek=$((P2 + pe_start + first * extent))
    lv_extents=$((lv_extents + last - first + 1))
done

assert_eq "$(cat "$T/src/etc/passwd")" "$(fsr --offset "$P2" --size $((100 << 20)) --lvm vgsys/root "$T/disk.img" cat /etc/passwd)" \
    "a file of the ext4 on the LV"
if fsr --offset "$P2" --size $((100 << 20)) --lvm vgsys/root "$T/disk.img" cat /big | cmp -s - "$T/src/big"; then
    ok "a file across the two segments, byte for byte"; else not_ok "the file across the segments differs"; fi
if fsr --child --offset "$P2" --size $((100 << 20)) --lvm vgsys/root "$T/disk.img" cat /big | cmp -s - "$T/src/big"; then
    ok "the same through the reader child"; else not_ok "the child's read differs"; fi
assert_eq "fsread: open: no filesystem this build reads was found" \
    "$(fsr --offset "$P2" --size $((100 << 20)) --lvm vgsys/swap "$T/disk.img" info)" "the swap LV maps (no filesystem on it)"
assert_eq "fsread: lvm: the volume group vgsys has no logical volume home" \
    "$(fsr --offset "$P2" --lvm vgsys/home "$T/disk.img" info)" "an LV the group does not have"
# The PV's partition cut short: the second segment is past its end.
assert_match "fsread: lvm: the logical volume vgsys/root: segment 2 lies past the end" \
    "$(fsr --offset "$P2" --size $((40 << 20)) --lvm vgsys/root "$T/disk.img" info)" "a segment outside the partition"

# ---- the guest tree over it (guest/): / on the LV, found by its content,
# /boot on partition 1 by UUID, as the guest's fstab says; through qcow2 ----
if [ -n "${CSM_GUESTREAD:-}" ]; then
    mkdir -p "$T/src/boot" "$T/boot/grub2"
    echo 'ID=rocky' >"$T/src/etc/os-release"
    fstab "$T/src" "/dev/mapper/vgsys-root / ext4 defaults 0 0" "UUID=$BOOT_UUID /boot ext4 defaults 1 2"
    ln -s ../boot/grub2/grub.cfg "$T/src/etc/grub2.cfg"
    echo 'linux /vmlinuz root=/dev/mapper/vgsys-root ro' >"$T/boot/grub2/grub.cfg"
    rm -f "$T/root.fs"
    truncate -s 40M "$T/root.fs"
    mkfs.ext4 -q -F -d "$T/src" "$T/root.fs"
    lv_extents=0
    for r in $ranges; do
        r=${r#*:}
        first=${r%-*} last=${r#*-}
        dd if="$T/root.fs" of="$T/disk.img" bs=1M iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc \
            status=none skip=$((lv_extents * extent)) count=$(((last - first + 1) * extent)) \
            seek=$((P2 + pe_start + first * extent))
        lv_extents=$((lv_extents + last - first + 1))
    done
    mkfs.ext4 -q -F -U "$BOOT_UUID" -d "$T/boot" -E offset=$((2048 * 512)) "$T/disk.img" 16M
    qemu-img convert -f raw -O qcow2 "$T/disk.img" "$T/disk.qcow2"
    assert_eq "partition 1 ext4 /boot|LV vgsys/root ext4 /|LV vgsys/swap unknown - error: holds no filesystem this tool reads without mounting" \
        "$("$CSM_GUESTREAD" "$T/disk.qcow2" info 2>&1 | paste -sd'|')" "guest: / on the LV by content, /boot by UUID"
    assert_eq "$(cat "$T/boot/grub2/grub.cfg")" "$("$CSM_GUESTREAD" "$T/disk.qcow2" cat /etc/grub2.cfg 2>&1)" \
        "guest: a link on the LV's root lands in /boot on its partition"
    if "$CSM_GUESTREAD" "$T/disk.qcow2" cat /big | cmp -s - "$T/src/big"; then
        ok "guest: a file across the LV's two segments, through qcow2"; else not_ok "guest: the big file differs"; fi
    rm -f "$T/disk.qcow2"
fi

# ---- checksums ----
# The metadata text's CRC: one byte of the text changed (the newest copy
# is the one raw_locn names; both copies are changed).
mda=$(mktemp "$T/mda.XXXXXX")
dd if="$T/disk.img" of="$mda" bs=512 skip=$(((P2 + 4096) / 512)) count=2040 status=none
for off in $(grep -abo 'seqno = ' "$mda" | cut -d: -f1); do
    printf '9' | dd of="$T/disk.img" bs=1 seek=$((P2 + 4096 + off + 8)) conv=notrunc status=none
done
assert_match "fsread: lvm: the LVM metadata at byte [0-9]+: its checksum does not match" \
    "$(fsr --offset "$P2" --lvm vgsys/root "$T/disk.img" info)" "the metadata's CRC"
dd if="$mda" of="$T/disk.img" bs=512 seek=$(((P2 + 4096) / 512)) conv=notrunc status=none
assert_eq "$(cat "$T/src/etc/passwd")" "$(fsr --offset "$P2" --lvm vgsys/root "$T/disk.img" cat /etc/passwd)" "restored"
# The metadata area header's CRC (its start field changed) and the label's.
cp "$T/disk.img" "$T/hdr.img"
printf '\x01' | dd of="$T/hdr.img" bs=1 seek=$((P2 + 4096 + 30)) conv=notrunc status=none
assert_match "fsread: lvm: the LVM metadata header at byte 4096: its checksum does not match" \
    "$(fsr --offset "$P2" --lvm vgsys/root "$T/hdr.img" info)" "the metadata header's CRC"
cp "$T/disk.img" "$T/label.img"
# a character of the PV UUID, changed to another one (it may be an X already)
c=$(dd if="$T/label.img" bs=1 skip=$((P2 + 512 + 40)) count=1 status=none)
[ "$c" = X ] && c=Y || c=X
printf '%s' "$c" | dd of="$T/label.img" bs=1 seek=$((P2 + 512 + 40)) conv=notrunc status=none
assert_eq "fsread: lvm: the LVM label in sector 1: its checksum does not match" \
    "$(fsr --offset "$P2" --lvm vgsys/root "$T/label.img" info)" "the label's CRC"

# ---- volumes that are not linear: thin (written with vgcfgrestore, which
# needs no device-mapper), and a volume on a PV that is not on the disk ----
lvm_do vgcfgbackup -q -f "$T/vg.txt" vgsys >/dev/null 2>&1
"$PYTHON" - "$T/vg.txt" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p).read()
lv = '''
		pool {
			id = "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa1"
			status = ["READ", "WRITE", "VISIBLE"]
			flags = []
			segment_count = 1
			segment1 {
				start_extent = 0
				extent_count = 2
				type = "thin-pool"
				metadata = "pool_tmeta"
				pool = "pool_tdata"
				transaction_id = 1
				chunk_size = 128
				discards = "passdown"
				zero_new_blocks = 0
			}
		}
		thin1 {
			id = "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa2"
			status = ["READ", "WRITE", "VISIBLE"]
			flags = []
			segment_count = 1
			segment1 {
				start_extent = 0
				extent_count = 5
				type = "thin"
				thin_pool = "pool"
				transaction_id = 0
				device_id = 1
			}
		}
		pool_tmeta {
			id = "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa3"
			status = ["READ", "WRITE"]
			flags = []
			segment_count = 1
			segment1 {
				start_extent = 0
				extent_count = 1
				type = "striped"
				stripe_count = 1
				stripes = [ "pv0", 14 ]
			}
		}
		pool_tdata {
			id = "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaa4"
			status = ["READ", "WRITE"]
			flags = []
			segment_count = 1
			segment1 {
				start_extent = 0
				extent_count = 2
				type = "striped"
				stripe_count = 1
				stripes = [ "pv0", 15 ]
			}
		}
'''
t = re.sub(r'(\tlogical_volumes \{\n)', lambda m: m.group(1) + lv, t, count=1)
open(p, 'w').write(t)
PY
lvm_do vgcfgrestore -q --force -f "$T/vg.txt" vgsys >/dev/null 2>&1 || skip_test "vgcfgrestore refuses thin volumes here"
assert_eq "fsread: lvm: the logical volume vgsys/thin1 is a thin volume: only linear volumes are read, not thin, RAID, mirror, cache or VDO volumes" \
    "$(fsr --offset "$P2" --lvm vgsys/thin1 "$T/disk.img" info)" "a thin volume is not read, and says why"
assert_eq "$(cat "$T/src/etc/passwd")" "$(fsr --offset "$P2" --lvm vgsys/root "$T/disk.img" cat /etc/passwd)" \
    "the linear volume of the same group still reads (the newest metadata)"

# --image of a system whose root is on a volume that is not linear: the
# linear root's filesystem wiped, the thin volume left as the only one that
# could hold it. The checks that need the tree are errors naming the thin
# volume, the verdict incomplete (exit 3), never ready; so for a RAID1
# volume (its metadata restored the same way, when vgcfgrestore takes it).
not_linear_root() { # NAME KIND: scans a copy of the disk whose linear root is wiped
    local name=$1 kind=$2 c r
    cp "$T/disk.img" "$T/nl.img"
    for r in $ranges; do
        r=${r#*:}
        dd if=/dev/zero of="$T/nl.img" bs=1M count=1 oflag=seek_bytes conv=notrunc status=none \
            seek=$((P2 + pe_start + ${r%-*} * extent))
    done
    printf '\xeb\x63\x90' | dd of="$T/nl.img" conv=notrunc status=none # boot code: nothing else blocks
    scan "$name" --image "$T/nl.img"
    rm -f "$T/nl.img"
    assert_exit 3 "$name: incomplete"
    assert_eq incomplete "$(q .verdict)" "$name: verdict incomplete, never ready"
    for c in os.release fstab.device-names boot.grub-root accounts.shadow; do
        assert_status $c error
        assert_match "is a $kind volume: only linear volumes are read" \
            "$(q ".results[] | select(.id == \"$c\") | .reason")" "$name: $c names the $kind volume"
    done
    assert_match "is a $kind volume" "$(q .plan.guest_reason)" "$name: the plan says why it knows no mount"
}
if [ -n "${CSM_GUESTREAD:-}" ]; then
    # (pvcreate makes the PV's UUID up)
    GOLDEN_SUBST+=("$(lvm_do pvs --noheadings -o pv_uuid "${LOOPS[0]}" 2>/dev/null | tr -d ' ')=<pv-uuid>")
    not_linear_root thin-root thin
    # a RAID1 volume of two images (and their metadata subvolumes) in free
    # extents, in place of the thin volume
    lvm_do vgcfgbackup -q -f "$T/vg-raid.txt" vgsys >/dev/null 2>&1
    "$PYTHON" - "$T/vg-raid.txt" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p).read()
SEG = """
		%s {
			id = "bbbbbb-bbbb-bbbb-bbbb-bbbb-bbbb-bbbbb%d"
			status = [%s]
			flags = []
			segment_count = 1
			segment1 {
				start_extent = 0
				extent_count = %d
				%s
			}
		}
"""
striped = 'type = "striped"\n\t\t\t\tstripe_count = 1\n\t\t\t\tstripes = [ "pv0", %d ]'
raid = ('type = "raid1"\n\t\t\t\tdevice_count = 2\n\t\t\t\tregion_size = 1024\n\t\t\t\t'
        'raids = [ "mirror_rmeta_0", "mirror_rimage_0", "mirror_rmeta_1", "mirror_rimage_1" ]')
lv = SEG % ("mirror", 0, '"READ", "WRITE", "VISIBLE"', 2, raid)
for n, (name, first, count) in enumerate([("mirror_rmeta_0", 17, 1), ("mirror_rimage_0", 18, 2),
                                          ("mirror_rmeta_1", 20, 1), ("mirror_rimage_1", 21, 2)], 1):
    lv += SEG % (name, n, '"READ", "WRITE"', count, striped % first)
t = re.sub(r'(\tlogical_volumes \{\n)', lambda m: m.group(1) + lv, t, count=1)
t = re.sub(r'\t\tthin1 \{.*?\n\t\t\}\n', '', t, count=1, flags=re.S)
open(p, 'w').write(t)
PY
    if lvm_do vgcfgrestore -q --force -f "$T/vg-raid.txt" vgsys >/dev/null 2>&1; then
        not_linear_root raid1-root raid1
    else
        ok "SKIP a RAID1 root: vgcfgrestore refuses the RAID1 metadata here"
    fi
fi

# A second PV on another disk, and the root LV extended onto it.
truncate -s 64M "$T/other.img"
loop_attach "$T/other.img" || skip_test "no second loop device"
LOOPS+=("$LOOP")
lvm_do pvcreate -q "$LOOP" >/dev/null 2>&1
lvm_do vgextend -q vgsys "$LOOP" >/dev/null 2>&1
lvm_do lvextend -q -L +40M vgsys/root "$LOOP" >/dev/null 2>&1
assert_match "fsread: lvm: the logical volume vgsys/root uses the PV [A-Za-z0-9]+, which is not on this disk" \
    "$(fsr --offset "$P2" --lvm vgsys/root "$T/disk.img" info)" "a PV on another disk"
done_testing
