# Sourced by tests/t-image-*.sh after lib.sh: image fixtures, made at test
# time by the real tools (sfdisk, mke2fs, mkswap, mkfs.vfat, qemu-img, tar).

need_cmd qemu-img sfdisk mke2fs mkswap jq

# An MBR system disk: / (ext4, last mounted on /, LABEL=root) and swap,
# boot code in the MBR. Usage: good_image RAW
good_image() {
    local img=$1
    mkdisk "$img" 64 'label: dos\nstart=2048, size=40M, type=83, bootable\nsize=8M, type=82\n'
    truncate -s 40M "$T/gi-root.fs"
    mke2fs -q -F -t ext4 -U "$ROOT_UUID" -L root -M / "$T/gi-root.fs"
    mkfs_img "$T/gi-swap.fs" swap 8 "$SWAP_UUID"
    put_fs "$img" "$T/gi-root.fs" 2048
    put_fs "$img" "$T/gi-swap.fs" $((2048 + 40 * 2048))
    printf '\xeb\x63\x90' | dd of="$img" conv=notrunc status=none
}

# qemu-img's view, for comparison: virtual size, and whether info/check succeed.
qemu_vsize() { qemu-img info --output=json "$@" | jq -r '."virtual-size"'; }
qemu_info_ok() { qemu-img info "$@" >/dev/null 2>&1; }
# qemu-img check: 0 consistent, 2 corrupt, 3 leaks, 63 format has no checks; 1 cannot open.
qemu_check_rc() {
    set +e
    qemu-img check "$@" >/dev/null 2>&1
    local r=$?
    set -e
    echo $r
}

# The evidence of a check in the last scan, one "label: value: note" a line.
evidence_of() { q ".results[] | select(.id == \"$1\") | .evidence[] | \"\(.label): \(.value): \(.note // \"\")\""; }

# Writes bytes (printf escapes) at an offset of a file.
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# Writes a big-endian 64-bit number at an offset.
poke_be64() { poke "$1" "$2" "$(printf '%016x' "$(($3))" | sed 's/../\\x&/g')"; }
# Reads a big-endian 64-bit number at an offset.
peek_be64() { od -An -tx1 -j "$2" -N8 "$1" | tr -d ' \n' | { read -r h; echo $((16#$h)); }; }

# Every run of the tool here is bounded: a hang ends with 124 after 30 s.
printf '#!/bin/sh\nexec timeout 30 "%s" "$@"\n' "$CSM" >"$T/csm-bounded"
chmod +x "$T/csm-bounded"
CSM="$T/csm-bounded"

# A scan that must neither crash nor hang: exit 0-4.
scan_safe() {
    scan "$@"
    if [ "$rc" -le 4 ]; then ok "$1: clean exit ($rc)"; else not_ok "$1: exit $rc (crash or hang)"; fi
}
