# A qcow2 is validated as qemu validates it, with qemu-img as the oracle:
# what qemu refuses to open (after qemu-iotests 080) fails, and so does
# what qemu-img check finds (metadata overlaps, refcounts, after
# qemu-iotests 060); where the validation budget stops, the image is a
# warning, never a pass. Each crafted copy starts from an image that is
# ready, so every case is a verdict that was READY without its check.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-image.sh"
need_cmd qemu-io

good_image "$T/disk.raw"
cd "$T"
qemu-img convert -O qcow2 disk.raw good.qcow2
qemu-img convert -c -O qcow2 disk.raw comp.qcow2
cp good.qcow2 snap.qcow2
qemu-img snapshot -c before snap.qcow2
cd - >/dev/null
scan good --file-only --image "$T/good.qcow2"
assert_eq 0 "$rc" "the image the copies start from is ready"
assert_status image.integrity pass consistent

L1=$(peek_be64 "$T/good.qcow2" 40)
RT=$(peek_be64 "$T/good.qcow2" 48)
RB=$(($(peek_be64 "$T/good.qcow2" "$RT") & ~511))
L2=$(($(peek_be64 "$T/good.qcow2" "$L1") & 0x00fffffffffffe00))
COPIED=$((1 << 63))

# expect NAME STATUS OUTCOME TEXT...: image.integrity of $T/NAME, with each
# TEXT in its evidence.
expect() {
    local name=$1 st=$2 outcome=$3 f
    shift 3
    scan_safe "$name" --file-only --image "$T/$name"
    assert_status image.integrity "$st" "$outcome"
    local ev
    ev=$(evidence_of image.integrity)
    for f in "$@"; do assert_contains "$ev" "$f" "$name: says $f"; done
}
qemu_refuses() { qemu_info_ok "$T/$1" && not_ok "qemu-img info opens $1" || ok "qemu-img info refuses $1 too"; }
qemu_finds() { assert_eq "${2:-2}" "$(qemu_check_rc "$T/$1")" "qemu-img check: $1 ${3:-is corrupt} too"; }
copy() { cp "$T/${2:-good.qcow2}" "$T/$1"; }

# ---- what qemu refuses to open: every table's offset and size, even of an empty table ----
copy snap-offset.qcow2
poke_be64 "$T/snap-offset.qcow2" 64 0x1234567890abcdef # nb_snapshots stays 0
expect snap-offset.qcow2 fail corrupt "snapshots_offset" "although the table is empty"
assert_eq 2 "$rc" "snap-offset.qcow2: blocked"
qemu_refuses snap-offset.qcow2

copy snap-count.qcow2
poke "$T/snap-count.qcow2" 60 '\x7f\xff\xff\xff'
expect snap-count.qcow2 fail corrupt "nb_snapshots"
qemu_refuses snap-count.qcow2

copy l1-offset.qcow2
poke_be64 "$T/l1-offset.qcow2" 40 0x1234567890abcdef
expect l1-offset.qcow2 fail corrupt "l1_table_offset"
qemu_refuses l1-offset.qcow2

copy rt-size.qcow2
poke "$T/rt-size.qcow2" 56 '\x00\x02\x00\x01'
expect rt-size.qcow2 fail corrupt "refcount_table_clusters" "more than qemu accepts"
qemu_refuses rt-size.qcow2

copy rt-offset.qcow2
poke_be64 "$T/rt-offset.qcow2" 48 0x1234567890abcdef
expect rt-offset.qcow2 fail corrupt "refcount_table_offset"
qemu_refuses rt-offset.qcow2

copy rt-none.qcow2
poke "$T/rt-none.qcow2" 56 '\x00\x00\x00\x00'
expect rt-none.qcow2 fail corrupt "refcount_table_clusters" "no refcount table"
qemu_refuses rt-none.qcow2

# ---- refcounts: an empty refcount table or block (qemu opens it; qemu-img check does not agree) ----
copy rt-empty.qcow2
poke_be64 "$T/rt-empty.qcow2" "$RT" 0
expect rt-empty.qcow2 fail corrupt "refcounts" "a refcount of 0"
assert_eq 2 "$rc" "rt-empty.qcow2: blocked"
qemu_finds rt-empty.qcow2

copy rb-empty.qcow2
poke_be64 "$T/rb-empty.qcow2" "$RB" 0
expect rb-empty.qcow2 fail corrupt "refcounts" "holds the header"
qemu_finds rb-empty.qcow2

# ---- metadata overlaps: tables and data pointing into the header, L1, refcount table and blocks ----
# overlap NAME OFFSET ENTRY WHAT: the entry at OFFSET made to point into WHAT.
overlap() {
    copy "$1"
    poke_be64 "$T/$1" "$2" "$3"
    expect "$1" fail corrupt "metadata overlap" "$4"
    qemu_finds "$1"
}
overlap l2-in-l1.qcow2 "$L1" $((COPIED | L1)) "the active L1 table"
overlap data-in-rb.qcow2 "$L2" $((COPIED | RB)) "a refcount block"
overlap data-in-rt.qcow2 "$L2" $((COPIED | RT)) "the refcount table"
overlap data-in-l1.qcow2 "$L2" $((COPIED | L1)) "the active L1 table"
# A compressed cluster (one sector) at byte 512 of the header.
overlap data-in-header.qcow2 "$L2" $(((1 << 62) | 512)) "the header"

# An L1 entry with flags and no offset: qemu-img check reads the header as its L2 table.
copy l1-header.qcow2
poke_be64 "$T/l1-header.qcow2" "$L1" "$COPIED"
expect l1-header.qcow2 fail corrupt "L1 entry" "offset 0 is the header"
qemu_finds l1-header.qcow2

# ---- a snapshot's L1 table (qemu-iotests 080) ----
SN=$(peek_be64 "$T/snap.qcow2" 64)
scan snap --file-only --image "$T/snap.qcow2"
assert_status image.integrity pass consistent
assert_contains "$(evidence_of image.integrity)" "1 internal snapshots" "snap.qcow2: the snapshot is noted"
copy snap-l1-offset.qcow2 snap.qcow2
poke_be64 "$T/snap-l1-offset.qcow2" "$SN" 0x400200
expect snap-l1-offset.qcow2 fail corrupt "snapshot L1 table" "not on a cluster boundary"
qemu_finds snap-l1-offset.qcow2
copy snap-l1-size.qcow2 snap.qcow2
poke "$T/snap-l1-size.qcow2" $((SN + 8)) '\x10\x00\x00\x00'
expect snap-l1-size.qcow2 fail corrupt "snapshot L1 table" "larger than qemu accepts"
qemu_finds snap-l1-size.qcow2

# ---- the maximum compressed-sector count, on the last compressed cluster ----
scan comp --file-only --image "$T/comp.qcow2"
assert_status image.integrity pass consistent
CL1=$(peek_be64 "$T/comp.qcow2" 40)
CL2=$(($(peek_be64 "$T/comp.qcow2" "$CL1") & 0x00fffffffffffe00))
"$PYTHON" - "$T/comp.qcow2" "$CL2" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b")
l2 = int(sys.argv[2])
f.seek(l2)
table = f.read(65536)
last = max(i for i in range(8192) if struct.unpack_from(">Q", table, 8 * i)[0] >> 62 == 1)
e = struct.unpack_from(">Q", table, 8 * last)[0]
f.seek(l2 + 8 * last)
f.write(struct.pack(">Q", e | (0xff << 54)))  # 64 KiB clusters: bits 54-61 count the sectors
PY
expect comp.qcow2 fail corrupt "L2 entry" "256 sectors"
qemu_finds comp.qcow2

# ---- 64 TiB whose every L1 entry names one L2 table: found without reading it twice ----
qemu-img create -q -f qcow2 "$T/shared.qcow2" 64T
qemu-io -c "write -P 1 0 64k" "$T/shared.qcow2" >/dev/null
"$PYTHON" - "$T/shared.qcow2" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b")
h = f.read(48)
n, off = struct.unpack(">IQ", h[36:48])
f.seek(off)
first = f.read(8)
f.seek(off)
f.write(first * n)
PY
qemu_info_ok "$T/shared.qcow2" && ok "qemu-img info opens shared.qcow2" || not_ok "qemu-img info refuses shared.qcow2"
expect shared.qcow2 fail corrupt "refcounts" "an L2 table" "at least 65535 references"
# (qemu-img check agrees: "ERROR: overflow cluster offset"; it reads the table 131072 times.)

# ---- the validation budget: 144 MiB of L2 tables, holes in a sparse file ----
qemu-img create -q -f qcow2 -o cluster_size=512 "$T/budget.qcow2" 9G
"$PYTHON" - "$T/budget.qcow2" <<'PY'
import os, struct, sys
f = open(sys.argv[1], "r+b")
h = f.read(48)
n, off = struct.unpack(">IQ", h[36:48])
end = (os.path.getsize(sys.argv[1]) + 511) // 512 * 512
f.seek(off)
f.write(b"".join(struct.pack(">Q", (1 << 63) | (end + 512 * i)) for i in range(n)))
f.truncate(end + 512 * n)
PY
expect budget.qcow2 warn partial "validation budget" "validated only in part"
assert_eq "qemu-img check $T/budget.qcow2" "$(q '.results[] | select(.id == "image.integrity") | .remediation.commands[0]')" \
    "budget.qcow2: qemu-img check reads the rest"
# (qemu-img check finds what the budget left out: every L2 table past it has a refcount of 0.)

# ---- a stale data-file extension without the incompatible bit stands alone ----
cp "$T/good.qcow2" "$T/stale.qcow2"
"$PYTHON" - "$T/stale.qcow2" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b")
h = bytearray(f.read(4096))
off = struct.unpack_from(">I", h, 100)[0]
while struct.unpack_from(">I", h, off)[0]:
    off += 8 + (struct.unpack_from(">I", h, off + 4)[0] + 7) // 8 * 8
name = b"/var/lib/images/gone.raw"
ext = struct.pack(">II", 0x44415441, len(name)) + name.ljust((len(name) + 7) // 8 * 8, b"\0")
f.seek(off)
f.write(ext + b"\0" * 8)
PY
assert_contains "$(qemu-img info "$T/stale.qcow2" 2>&1)" "gone.raw" "qemu-img info shows the stale data file name"
expect stale.qcow2 pass consistent "names the data file '/var/lib/images/gone.raw', but the image does not use it"
assert_eq 0 "$rc" "stale.qcow2: ready"
qemu-img convert -O raw "$T/stale.qcow2" "$T/stale.raw"
cmp -s "$T/stale.raw" "$T/disk.raw" && ok "qemu-img convert of stale.qcow2 gives the same disk" ||
    not_ok "qemu-img convert of stale.qcow2 differs"
qemu-img create -q -f qcow2 -o data_file="$T/ext.raw" "$T/external.qcow2" 64M
expect external.qcow2 fail dependent "external data file" "ext.raw"
done_testing
