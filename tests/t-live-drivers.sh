# Live mode: the running kernel (uname -r) and the system's own /boot and
# /lib/modules. In a private mount namespace /boot and /usr/lib/modules are
# replaced by fixtures (tmpfs and an overlay), so the host is not changed.
. "$CSM_SRC/tests/lib.sh"
need_root "mount namespaces"
need_cmd unshare depmod cpio cc

ver=$(uname -r)
host_had=$(ls -d "/usr/lib/modules/$ver" 2>/dev/null || true)
unshare -m true 2>/dev/null || skip_test "no mount namespaces here"

# Runs a live scan with the fixture tree FX's /boot and modules in place.
live_scan() { # NAME FX
    local name=$1 fx=$2
    mkdir -p "$T/ov-$name"
    unshare -m --propagation private bash -euc '
        T=$1 fx=$2 ov=$3 out=$4 csm=$5
        mount -t tmpfs tmpfs "$ov"
        mkdir -p "$ov/upper" "$ov/work"
        mount -t overlay overlay -o "lowerdir=/usr/lib,upperdir=$ov/upper,workdir=$ov/work" /usr/lib
        mkdir -p /usr/lib/modules && cp -a "$fx/lib/modules/." /usr/lib/modules/
        mount -t tmpfs tmpfs /boot
        cp -a "$fx/boot/." /boot/
        "$csm" --no-site-rules -f json >"$out" 2>"$out.err" || true
    ' live "$T" "$fx" "$T/ov-$name" "$T/$name.json" "$CSM" 2>"$T/$name.setup" || true
    if [ ! -s "$T/$name.json" ]; then
        skip_test "cannot set up the live fixture: $(cat "$T/$name.setup")"
    fi
    validate_json "$T/$name.json"
    J="$T/$name.json"
    # The drivers of the running kernel are the fixture's; the rest is the host.
    GOLDEN_ONLY=(drivers.virtio-kernel drivers.virtio-initramfs)
    # The compressed initramfs holds the running kernel's version in its
    # member names, so its size follows that name's length on each host.
    GOLDEN_SUBST=("$ver=<uname-r>" "re:[0-9]+ bytes read=<n> bytes read")
    golden "$name" "$J"
}

fixture() { # DIR
    mkdir -p "$1/boot/grub"
    mkkernel "$1" "$ver"
    cat >"$1/boot/grub/grub.cfg" <<CFG
set default="0"
menuentry 'Linux $ver' {
	linux	/boot/vmlinuz-$ver root=UUID=$ROOT_UUID ro
	initrd	/boot/initrd.img-$ver
}
CFG
}

fixture "$T/good"
live_scan good "$T/good"
assert_eq live "$(q .target.mode)" "live scan"
assert_status boot.default-kernel pass bootcfg
assert_contains "$(q '.results[] | select(.id == "boot.default-kernel") | .evidence[] | select(.label == "running kernel") | .value')" "$ver" "running kernel from uname"
assert_eq "null" "$(q '.results[] | select(.id == "boot.default-kernel") | .evidence[] | select(.label == "running kernel") | .note')" "the running kernel is the default"
assert_status drivers.virtio-kernel pass available
assert_status drivers.virtio-initramfs pass present

KO_ABSENT=virtio_net IR_MODS="virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev" \
    fixture "$T/bad"
live_scan bad "$T/bad"
assert_status drivers.virtio-kernel fail missing
assert_status drivers.virtio-initramfs fail missing
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-initramfs") | .message')" "lacks virtio_blk" "live: missing module named"

# The host itself is untouched.
assert_eq "$host_had" "$(ls -d "/usr/lib/modules/$ver" 2>/dev/null || true)" "the host's /usr/lib/modules is unchanged"
done_testing
