# Sourced by every tests/t-*.sh. Each test runs in its own temporary
# directory ($T) that is removed afterwards; fixtures are made there by the
# real tools (sfdisk, mke2fs, mkswap, ...), never committed as binaries.
set -euo pipefail

: "${CSM:?CSM must point at the csm-precheck binary (run the tests through ctest or tests/run)}"
: "${CSM_SRC:?}"
SCHEMA="$CSM_SRC/report/report.schema.json"
PYTHON=/usr/bin/python3
cleanup_hooks=()
cleanup() {
    local h
    for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
    rm -rf "$T"
}
on_exit() { cleanup_hooks+=("$1"); }
# A helper script a test runs in a namespace or a chroot sources this file
# too: CSM_TEST_DIR hands it the test's $T, which only the test removes.
if [ -n "${CSM_TEST_DIR:-}" ]; then
    T=$CSM_TEST_DIR
else
    T=$(mktemp -d "${TMPDIR:-/tmp}/csm-test.XXXXXX")
    trap cleanup EXIT
    # Killed (ctest's Ctrl-C, a timeout's TERM): exit, so the EXIT trap runs.
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
fi

failures=0
ok() { printf 'ok   %s\n' "$*"; }
not_ok() {
    printf 'FAIL %s\n' "$*" >&2
    failures=$((failures + 1))
}
# Every test script ends with `done_testing`.
done_testing() {
    golden_done
    if [ "$failures" -ne 0 ]; then
        printf '%d assertion(s) failed\n' "$failures" >&2
        exit 1
    fi
}
skip_test() {
    printf 'SKIP %s\n' "$*"
    exit 77
}
need_root() { [ "$(id -u)" -eq 0 ] || skip_test "needs root: $*"; }
need_cmd() {
    local c
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip_test "needs $c"; done
}

assert_eq() { # expected actual what
    if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: expected '$1', got '$2'"; fi
}
assert_match() { # regex actual what
    if [[ "$2" =~ $1 ]]; then ok "$3"; else not_ok "$3: '$2' does not match /$1/"; fi
}
assert_contains() { # file-or-string needle what
    if grep -qF -- "$2" <<<"$1"; then ok "$3"; else not_ok "$3: '$2' not found"; fi
}
assert_not_contains() {
    if ! grep -qF -- "$2" <<<"$1"; then ok "$3"; else not_ok "$3: '$2' found but must not be"; fi
}

# Runs the tool; sets $out (stdout), $err (stderr) and $rc. A scan never
# reads the machine's site rules (/etc/csm-precheck/rules.d): a test sees
# only the rules it names with --rules.
run_csm() {
    case ${1:-} in
    verify | diff | rollup) ;;
    scan) set -- scan --no-site-rules "${@:2}" ;;
    *) set -- --no-site-rules "$@" ;;
    esac
    set +e
    out=$("$CSM" "$@" 2>"$T/.stderr")
    rc=$?
    set -e
    err=$(cat "$T/.stderr")
}

# Validates a JSON report against the shipped schema.
validate_json() { # file
    if "$PYTHON" - "$SCHEMA" "$1" <<'PY'; then ok "$1 validates against the schema"; else not_ok "$1 does not validate"; fi
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print("schema:", "/".join(map(str, e.path)), e.message, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}

# Scans with --format json into $T/<name>.json, validates it, sets $rc.
# Usage: scan NAME [csm-precheck options...]
scan() {
    local name=$1
    shift
    run_csm --format json "$@"
    printf '%s\n' "$out" >"$T/$name.json"
    [ -n "$err" ] && printf '%s\n' "$err" >"$T/$name.stderr"
    if [ -s "$T/$name.json" ] && jq -e . "$T/$name.json" >/dev/null 2>&1; then
        validate_json "$T/$name.json"
    else
        not_ok "scan $name produced no JSON (rc=$rc): $err"
    fi
    J="$T/$name.json"
    # A scan of the running machine (no --root or --image, or --root /)
    # reports the host: it has no golden report.
    local a prev="" fixture=no
    for a in "$@"; do
        case $prev in --root | -r) [ "$a" = / ] || fixture=yes ;; --image | -i) fixture=yes ;; esac
        prev=$a
    done
    [ $fixture = no ] || golden "$name" "$J"
}

# ---- golden reports ----
# Every report a test writes with `scan` (of a fixture, not of this machine)
# is compared, normalised, with the one recorded in
# tests/golden/<test>/<name>.json (tests/golden.py): what the tool reports
# changes only on purpose. CSM_GOLDEN_UPDATE=1 records them anew. A test
# adds FROM=TO pairs to GOLDEN_SUBST for what its fixture takes from
# outside (a kernel version the mirror decides); a live scan in a test's
# namespace sets GOLDEN_HOST to the host's name and GOLDEN_IGNORE to the
# checks that read the host itself (or GOLDEN_ONLY to those its fixture
# decides). A test calls golden NAME FILE itself for a report it does not
# write with scan.
GOLDEN_TEST=$(basename "$0" .sh)
GOLDEN_SUBST=()
GOLDEN_IGNORE=()
GOLDEN_ONLY=()
GOLDEN_HOST=
declare -A golden_count=()
golden() { # NAME FILE
    local name=$1 file=$2 n s args=()
    n=$((${golden_count[$name]:-0} + 1))
    golden_count[$name]=$n
    [ "$n" -eq 1 ] || name="$name~$n"
    for s in "${GOLDEN_SUBST[@]}"; do args+=(--subst "$s"); done
    for s in "${GOLDEN_IGNORE[@]}"; do args+=(--ignore "$s"); done
    for s in "${GOLDEN_ONLY[@]}"; do args+=(--only "$s"); done
    [ -z "$GOLDEN_HOST" ] || args+=(--host "$GOLDEN_HOST")
    local g="$CSM_SRC/tests/golden/$GOLDEN_TEST/$name.json"
    printf '%s.json\n' "$name" >>"$T/.golden-seen"
    local mode=check
    [ "${CSM_GOLDEN_UPDATE:-}" = 1 ] && mode=update
    if T=$T CSM_FIXTURE_CACHE=${CSM_FIXTURE_CACHE:-$CSM_BUILD/fixtures} \
        "$PYTHON" "$CSM_SRC/tests/golden.py" "$mode" "$g" "$file" "${args[@]}" 2>"$T/.golden.err"; then
        [ $mode = update ] || ok "$name: as its golden report"
    else
        cat "$T/.golden.err" >&2
        not_ok "$name: differs from tests/golden/$GOLDEN_TEST/$name.json (CSM_GOLDEN_UPDATE=1 records it anew)"
    fi
}
# At the end of a test that ran through: a recording removes the golden
# reports of this test that no scan wrote (a scan renamed or gone).
golden_done() {
    local dir=$CSM_SRC/tests/golden/$GOLDEN_TEST f
    [ "${CSM_GOLDEN_UPDATE:-}" = 1 ] && [ "$failures" -eq 0 ] && [ -d "$dir" ] || return 0
    for f in "$dir"/*.json; do
        grep -qxF "$(basename "$f")" "$T/.golden-seen" 2>/dev/null || rm -f "$f"
    done
    rmdir "$dir" 2>/dev/null || true
}

# jq -r on the last scan ($J) or a given file.
q() { jq -r "$1" "${2:-$J}"; }
# The status (and outcome) of a check in the last scan.
status_of() { q ".results[] | select(.id == \"$1\") | .status"; }
outcome_of() { q ".results[] | select(.id == \"$1\") | .outcome // \"\""; }
assert_status() { # id status [outcome]
    assert_eq "$2" "$(status_of "$1")" "$1 is $2"
    [ $# -lt 3 ] || assert_eq "$3" "$(outcome_of "$1")" "$1 outcome is $3"
}
assert_exit() { assert_eq "$1" "$rc" "${2:-exit code}"; }

# ---- fixtures ----

# Fixtures are the same bytes on every run, so that a golden report may
# quote what follows from them (a compressed size, an offset): libext2fs
# takes its clock from E2FSPROGS_FAKE_TIME, mke2fs its directory hash seed
# from -E, mkdisk the disk identifiers sfdisk would make up; a loop device's
# name is the test's LOOP (loop_attach).
export E2FSPROGS_FAKE_TIME=1700000000
mke2fs() { command mke2fs -E hash_seed=6d6b6532-6673-4d00-8000-000000000001 "$@"; }
# tar writes times and owners into the archive; these do not.
tar() {
    case $1 in
    -*c* | c*) command tar --mtime=@1700000000 --owner=0 --group=0 --numeric-owner "$@" ;;
    *) command tar "$@" ;;
    esac
}

# N bytes of noise, the same on every run (a golden report may quote them).
# Usage: random_bytes N [SEED] >FILE
random_bytes() {
    "$PYTHON" -c 'import random, sys; random.seed(int(sys.argv[2])); sys.stdout.buffer.write(random.randbytes(int(sys.argv[1])))' \
        "$1" "${2:-1}"
}

# A loop device over FILE (losetup options before it), in $LOOP; detached at
# the end. It is also set to detach by itself once nothing holds it (the
# kernel's autoclear), and this shell holds it: a test killed with SIGKILL,
# where no trap runs, leaves no loop device behind either.
# Usage: loop_attach [losetup options...] FILE
loop_attach() {
    LOOP=$(losetup -f --show "$@") || return 1
    on_exit "losetup -d $LOOP"
    # Which device is free is the machine's choice: reports name it by order.
    GOLDEN_SUBST+=("$LOOP=<loop$((${#GOLDEN_SUBST[@]} + 1))>")
    local fd
    exec {fd}<"$LOOP"
    "$PYTHON" - "$LOOP" <<'PY' || true
import fcntl, struct, sys
LOOP_GET_STATUS64, LOOP_SET_STATUS64, LO_FLAGS_AUTOCLEAR = 0x4C05, 0x4C04, 4
with open(sys.argv[1], "rb") as dev:
    info = bytearray(232)  # struct loop_info64; lo_flags at offset 52
    fcntl.ioctl(dev, LOOP_GET_STATUS64, info)
    flags = struct.unpack_from("I", info, 52)[0] | LO_FLAGS_AUTOCLEAR
    struct.pack_into("I", info, 52, flags)
    fcntl.ioctl(dev, LOOP_SET_STATUS64, bytes(info))
PY
}

# A system tree with the files every check reads, owned and moded as a
# distribution installs them (git keeps neither owners nor modes).
# Usage: mktree DIR [debian|rhel]
mktree() {
    local d=$1 family=${2:-debian}
    mkdir -p "$d"/{etc/default,boot/grub,var/lib/dpkg,usr/lib}
    case $family in
    debian)
        cat >"$d/usr/lib/os-release" <<'OS'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
OS
        printf 'Package: grub-pc\nStatus: install ok installed\nVersion: 2.06-13\n\n' >"$d/var/lib/dpkg/status"
        mkdir -p "$d/boot/grub/i386-pc"
        ;;
    rhel)
        cat >"$d/usr/lib/os-release" <<'OS'
NAME="Rocky Linux"
VERSION_ID="9.3"
ID="rocky"
ID_LIKE="rhel centos fedora"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
OS
        rm -rf "$d/var/lib/dpkg"
        mkdir -p "$d/boot/grub2/i386-pc" "$d/boot/loader/entries"
        ;;
    esac
    ln -sf ../usr/lib/os-release "$d/etc/os-release"
    # The kernel grubcfg's entries start, with virtio drivers in its initramfs.
    case $family in
    debian) mktool "$d" usr/sbin/update-initramfs; IR_NAME=initrd.img-VER mkkernel "$d" 6.1.0-13-amd64 ;;
    rhel) mktool "$d" usr/bin/dracut; IR_NAME=initramfs-VER.img mkkernel "$d" 6.1.0-13-amd64 ;;
    esac
    echo "testhost" >"$d/etc/hostname"
    echo "0123456789abcdef0123456789abcdef" >"$d/etc/machine-id"
    printf 'root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n' >"$d/etc/passwd"
    printf 'root:x:0:\nshadow:x:42:\nadmin:x:1000:\n' >"$d/etc/group"
    printf 'root:$y$j9T$abc$def:19700:0:99999:7:::\nadmin:!:19700:0:99999:7:::\n' >"$d/etc/shadow"
    chown 0:42 "$d/etc/shadow"
    chmod 0640 "$d/etc/shadow"
    mktree_software "$d" "$family"
}

# What the software and network checks want of a system ready to move:
# rsync, cloud-init installed and enabled, eth0 by DHCP with a DHCP client,
# an SSH server enabled at boot with the distribution's configuration.
mktree_software() {
    local d=$1 family=$2 u ssh_unit=ssh.service
    [ "$family" = debian ] || ssh_unit=sshd.service
    mkdir -p "$d"/{usr/bin,usr/sbin,lib/systemd/system,etc/systemd/system/cloud-init.target.wants,etc/cloud}
    mkdir -p "$d"/{etc/ssh/sshd_config.d,etc/systemd/system/multi-user.target.wants}
    touch "$d/usr/bin/rsync" "$d/usr/bin/cloud-init" "$d/usr/sbin/dhclient" "$d/usr/sbin/sshd"
    chmod 0755 "$d/usr/bin/rsync" "$d/usr/bin/cloud-init" "$d/usr/sbin/dhclient" "$d/usr/sbin/sshd"
    printf 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\n' \
        >"$d/etc/ssh/sshd_config"
    printf '[Unit]\nDescription=OpenBSD Secure Shell server\n[Install]\nWantedBy=multi-user.target\n' \
        >"$d/lib/systemd/system/$ssh_unit"
    ln -sf "/lib/systemd/system/$ssh_unit" "$d/etc/systemd/system/multi-user.target.wants/$ssh_unit"
    printf 'users:\n  - default\n' >"$d/etc/cloud/cloud.cfg"
    for u in cloud-init-local cloud-init cloud-config cloud-final; do
        printf '[Unit]\nDescription=%s\n' "$u" >"$d/lib/systemd/system/$u.service"
        ln -sf "/lib/systemd/system/$u.service" "$d/etc/systemd/system/cloud-init.target.wants/$u.service"
    done
    case $family in
    debian)
        printf 'Package: %s\nStatus: install ok installed\nVersion: %s\n\n' rsync 3.2.7-1 cloud-init 22.4.2-1 \
            isc-dhcp-client 4.4.3-P1-2 openssh-server 1:9.2p1-2+deb12u3 >>"$d/var/lib/dpkg/status"
        mkdir -p "$d/etc/network"
        printf 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n' >"$d/etc/network/interfaces"
        ;;
    rhel)
        mkdir -p "$d/etc/sysconfig/network-scripts"
        printf 'DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n' >"$d/etc/sysconfig/network-scripts/ifcfg-eth0"
        # the RPM database, as RHEL 9 keeps it (packages built by rpmbuild)
        rpmdb_sqlite "$d" /var/lib/rpm "$(mkrpm rsync 3.2.3 19.el9 /usr/bin rsync '' x86_64)" \
            "$(mkrpm cloud-init 23.4 1.el9 /usr/bin cloud-init)" \
            "$(mkrpm dhcp-client 4.4.2 19.b1.el9 /usr/sbin dhclient 12 x86_64)" \
            "$(mkrpm openssh-server 8.7p1 38.el9 /usr/sbin sshd '' x86_64)"
        ;;
    esac
}

# A tree without a disk that a --root scan finds ready: mktree, an fstab
# and a grub.cfg naming / by UUID. Usage: readytree DIR [debian|rhel]
readytree() {
    mktree "$1" "${2:-debian}"
    fstab "$1" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1"
    grubcfg "$1" "UUID=$ROOT_UUID"
}

# Writes fstab lines (one per argument) into a tree.
fstab() {
    local d=$1
    shift
    printf '%s\n' "# /etc/fstab: static file system information." "$@" >"$d/etc/fstab"
}

# A grub.cfg with one entry per root= value given.
grubcfg() {
    local d=$1 dir=${GRUBDIR:-boot/grub}
    shift
    mkdir -p "$d/$dir"
    {
        echo "set default=0"
        local i=0 root
        for root in "$@"; do
            cat <<CFG
menuentry 'Linux entry $i' --class gnu-linux {
	insmod ext2
	linux	/boot/vmlinuz-6.1.0-13-amd64 root=$root ro quiet
	initrd	/boot/initrd.img-6.1.0-13-amd64
}
CFG
            i=$((i + 1))
        done
    } >"$d/$dir/grub.cfg"
}

# A filesystem image: mkfs IMG TYPE SIZE_MIB UUID [LABEL]
mkfs_img() {
    local img=$1 type=$2 mib=$3 uuid=$4 label=${5:-}
    truncate -s "${mib}M" "$img"
    case $type in
    ext4) mke2fs -q -F -t ext4 -U "$uuid" ${label:+-L "$label"} "$img" >/dev/null ;;
    swap) mkswap -U "$uuid" ${label:+-L "$label"} "$img" >/dev/null 2>&1 ;;
    vfat) mkfs.vfat --invariant -i "${uuid//-/}" ${label:+-n "$label"} "$img" >/dev/null ;;
    *) echo "mkfs_img: unknown type $type" >&2; return 1 ;;
    esac
}

# Copies a filesystem image into a disk image at a sector offset.
put_fs() { dd if="$2" of="$1" bs=512 seek="$3" conv=notrunc,sparse status=none; }

# A sparse disk image labelled by sfdisk. Usage: mkdisk IMG SIZE_MIB SCRIPT
# where SCRIPT is sfdisk input, e.g. "label: dos\n,40M,L\n,8M,S\n".
# Its identifiers (sfdisk makes them up) follow from the file's name.
mkdisk() {
    truncate -s "${2}M" "$1"
    printf "$3" | sfdisk -q "$1" >/dev/null
    disk_ids "$1"
}

# Sets the identifiers of a partitioned disk from its file name: the MBR's
# disk id, or the GPT's disk and partition GUIDs. Usage: disk_ids IMG
disk_ids() {
    local h n
    h=$(basename "$1" | md5sum | cut -c1-32)
    if sfdisk -q --dump "$1" 2>/dev/null | grep '^label: gpt' >/dev/null; then
        sfdisk -q --disk-id "$1" "${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}" >/dev/null
        for n in $(sfdisk -q --dump "$1" | sed -n 's|^[^ ]*[^0-9]\([0-9][0-9]*\) : .*|\1|p'); do
            sfdisk -q --part-uuid "$1" "$n" "${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-$(printf '%012x' "$n")" >/dev/null
        done
    else
        sfdisk -q --disk-id "$1" "0x${h:0:8}" >/dev/null 2>&1 || true
    fi
}

ROOT_UUID=0f1e2d3c-4b5a-4697-8877-665544332211
SWAP_UUID=11111111-2222-4333-8444-555555555555
BOOT_UUID=22222222-3333-4444-8555-666666666666
DATA_UUID=33333333-4444-4555-8666-777777777777

# The reference system: an MBR disk with / (ext4) and swap, a tree that
# names them by UUID. Everything passes. Usage: good_system DIR DISK
good_system() {
    local d=$1 disk=$2
    mktree "$d"
    fstab "$d" "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" "UUID=$SWAP_UUID none swap sw 0 0"
    grubcfg "$d" "UUID=$ROOT_UUID"
    mkdisk "$disk" 64 'label: dos\nstart=2048, size=40M, type=83, bootable\nsize=8M, type=82\n'
    mkfs_img "$T/root.fs" ext4 40 "$ROOT_UUID" root
    mkfs_img "$T/swap.fs" swap 8 "$SWAP_UUID"
    put_fs "$disk" "$T/root.fs" 2048
    put_fs "$disk" "$T/swap.fs" $((2048 + 40 * 2048))
    # grub's boot code in the MBR
    printf '\xeb\x63\x90' | dd of="$disk" conv=notrunc status=none
}

# The text of an HTML report as its reader sees it: without the <wbr> and
# the spans that keep the words of paths whole. Usage: html_text FILE
html_text() { sed -E 's#<wbr>##g; s#<span class="(t|hex)">##g; s#</span>##g' "$1"; }

# Headless Chromium, as the machine's probe runs it: no network, no GPU,
# a fresh profile. Usage: chrome ARGS... URL
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
chrome() {
    mkdir -p "$T/chrome-profile"
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$T/chrome-profile" "$@" 2>/dev/null
}

# ---- kernels, modules and initramfs images ----

# A tiny relocatable ELF object that depmod reads as a module: it exports
# the symbols "csm_sym_<name>" and uses those of the modules it needs, so
# the real depmod writes the dependency into modules.dep.
# Usage: mkko OUT NAME [NEEDED...]
mkko() {
    local out=$1 name=$2 dep
    shift 2
    {
        printf '__attribute__((section("__ksymtab_strings"), used)) static const char ks[] = "csm_sym_%s";\n' "$name"
        printf 'void csm_sym_%s(void) {}\n' "$name"
        for dep in "$@"; do printf 'extern void csm_sym_%s(void);\n' "$dep"; done
        printf 'void csm_init_%s(void) {\n' "$name"
        for dep in "$@"; do printf '    csm_sym_%s();\n' "$dep"; done
        printf '}\n'
    } | cc -c -x c -o "$out" -
}

# Where each fixture module lives and what it needs (as in Linux 6.1).
KO_LAYOUT="virtio:drivers/virtio: virtio_ring:drivers/virtio: \
virtio_pci_modern_dev:drivers/virtio: virtio_pci_legacy_dev:drivers/virtio: \
virtio_blk:drivers/block:virtio,virtio_ring virtio_net:drivers/net:virtio,virtio_ring \
virtio_scsi:drivers/scsi:virtio,virtio_ring \
virtio_pci:drivers/virtio:virtio,virtio_ring,virtio_pci_modern_dev,virtio_pci_legacy_dev \
e1000:drivers/net/ethernet/intel: vboxguest:misc:"

# A kernel in a tree: /boot/vmlinuz-VER, /boot/config-VER, a module tree
# indexed by the real depmod, and an initramfs made with cpio.
# Usage: mkkernel DIR VER, tuned by variables:
#   KO_BUILTIN  modules built in (modules.builtin and =y), default none
#   KO_ABSENT   modules this kernel does not have ("is not set")
#   IR_MODS     modules inside the initramfs (default: every module but the
#               guest tools' vboxguest); "-" none
#   IR_FORMAT   gzip (default), xz, zstd, lz4, bzip2, lzma, cpio, early (microcode
#               cpio + zstd cpio), none (no initramfs)
#   IR_NAME     initrd.img-VER (default), initramfs-VER.img, initrd-VER
mkkernel() {
    local d=$1 ver=$2 m name dir deps mods="" staging
    local moddir="$d/lib/modules/$ver"
    rm -rf "$moddir"
    mkdir -p "$moddir" "$d/boot"
    printf 'fixture kernel %s\n' "$ver" >"$d/boot/vmlinuz-$ver"
    : >"$moddir/modules.builtin"
    : >"$moddir/modules.order"
    : >"$d/boot/config-$ver"
    for m in $KO_LAYOUT; do
        IFS=: read -r name dir deps <<<"$m"
        local sym="CONFIG_${name^^}"
        [ "$name" = virtio_scsi ] && sym=CONFIG_SCSI_VIRTIO
        if [[ " ${KO_ABSENT:-} " == *" $name "* ]]; then
            echo "# $sym is not set" >>"$d/boot/config-$ver"
        elif [[ " ${KO_BUILTIN:-} " == *" $name "* ]]; then
            echo "kernel/$dir/$name.ko" >>"$moddir/modules.builtin"
            echo "$sym=y" >>"$d/boot/config-$ver"
        else
            mkdir -p "$moddir/kernel/$dir"
            if [ ! -e "$T/.ko/$name.ko" ]; then
                mkdir -p "$T/.ko"
                # shellcheck disable=SC2086
                mkko "$T/.ko/$name.ko" "$name" ${deps//,/ }
            fi
            cp "$T/.ko/$name.ko" "$moddir/kernel/$dir/$name.ko"
            echo "kernel/$dir/$name.ko" >>"$moddir/modules.order"
            echo "$sym=m" >>"$d/boot/config-$ver"
            mods="$mods $name"
        fi
    done
    depmod -b "$d" "$ver" 2>/dev/null
    [ "${IR_FORMAT:-gzip}" = none ] && return 0
    staging="$T/.initramfs-$ver"
    rm -rf "$staging"
    mkdir -p "$staging/usr/lib/modules/$ver" "$staging/usr/bin"
    echo '#!/bin/sh' >"$staging/init"
    local want=${IR_MODS:-${mods/ vboxguest/}}
    [ "$want" = - ] && want=""
    for m in $want; do
        local f
        f=$(cd "$moddir" && find kernel -name "$m.ko" -print -quit)
        [ -n "$f" ] || continue
        mkdir -p "$staging/usr/lib/modules/$ver/$(dirname "$f")"
        cp "$moddir/$f" "$staging/usr/lib/modules/$ver/$f"
    done
    mkinitramfs_fixture "$staging" "$d/boot/${IR_NAME:-initrd.img-VER}" "${IR_FORMAT:-gzip}" "$ver"
}

# Packs a staging directory as an initramfs: mkinitramfs_fixture DIR OUT FORMAT [VER]
mkinitramfs_fixture() {
    local staging=$1 out=${2//VER/${4:-}} format=$3
    local cpio="$T/.main.cpio"
    (cd "$staging" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$cpio"
    case $format in
    cpio) cp "$cpio" "$out" ;;
    gzip | xz | bzip2 | lzma) "$format" -c "$cpio" >"$out" ;;
    zstd) zstd -q -c "$cpio" >"$out" ;;
    lz4) lz4 -q -l -c "$cpio" >"$out" ;;
    early)
        local early="$T/.early"
        rm -rf "$early"
        mkdir -p "$early/kernel/x86/microcode"
        random_bytes 20000 >"$early/kernel/x86/microcode/GenuineIntel.bin"
        (cd "$early" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out"
        zstd -q -c "$cpio" >>"$out"
        ;;
    *) echo "mkinitramfs_fixture: unknown format $format" >&2; return 1 ;;
    esac
}

# A Debian 12 tree made by debootstrap (minbase) from the mirror this
# machine's apt uses, once: cached in CSM_FIXTURE_CACHE (or the build
# directory) as NAME; sets FIXTURE_TREE to its path, fails when debootstrap does.
# Usage: debootstrap_fixture NAME [PACKAGES,...] && tree=$FIXTURE_TREE
# Not in a command substitution: the test's shell waits for debootstrap with
# `wait`, which a signal interrupts, so a test that is stopped stops it too.
debootstrap_fixture() {
    local name=$1 include=${2:-} cache=${CSM_FIXTURE_CACHE:-$CSM_BUILD/fixtures} url f m pid
    local tree=$cache/$name
    mkdir -p "$cache"
    exec 9>"$cache/$name.lock"
    flock 9
    if [ ! -e "$cache/$name.stamp" ]; then
        for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -r "$f" ] || continue
            awk '/^URIs:/ && $2 ~ /debian\/?$/ { print $2; exit }
                 /^deb / && $0 ~ /bookworm/ && $2 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }' "$f"
        done | awk 'NR == 1' >"$cache/$name.mirror"
        url=$(cat "$cache/$name.mirror")
        url=${url:-http://deb.debian.org/debian}
        # What a killed run left mounted under the half-made tree (proc, sys
        # and dev, which debootstrap mounts into its target, before runs made
        # it in a private mount namespace): unmounted, deepest first, or
        # rm -rf fails on it.
        awk -v top="$tree.tmp/" 'index($2, top) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
            umount -l "$m" 2>/dev/null || true
        done
        rm -rf "$tree.tmp"
        # In a private mount namespace, the mounts debootstrap makes die with
        # it however it ends; its own time limit (a loaded 2-core machine
        # takes five minutes, a slow mirror more) stays inside ctest's, so a
        # run that takes too long still ends through the traps that clean up.
        timeout "${CSM_DEBOOTSTRAP_SECONDS:-1500}" unshare -m --propagation private \
            debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$tree.tmp" "$url" \
            >"$cache/$name.log" 2>&1 &
        pid=$!
        on_exit "kill $pid 2>/dev/null" # killed itself: timeout passes the signal on
        if ! wait "$pid"; then
            tail -5 "$cache/$name.log" >&2
            rm -rf "$tree.tmp"
            flock -u 9
            return 1
        fi
        rm -rf "$tree"
        mv "$tree.tmp" "$tree"
        date >"$cache/$name.stamp"
    fi
    flock -u 9
    FIXTURE_TREE=$tree
}

. "$CSM_SRC/tests/lib-rpm.sh"

# Is the binary under test linked statically (no program interpreter)? It
# then loads no library at run time: nothing can fail to load.
linked_in() {
    # grep reads to the end: with pipefail, grep -q could leave readelf
    # killed by SIGPIPE, and the pipeline's failure read as "static".
    ! LC_ALL=C readelf -l "$CSM" 2>/dev/null | grep 'program interpreter' >/dev/null
}

# Runs one of the repository's packaging scripts (build-static, build-deb,
# build-rpm), its output in $T/NAME.log; a failure ends the test.
run_packaging() { # NAME
    if (cd "$CSM_SRC" && "packaging/$1") >"$T/$1.log" 2>&1; then ok "packaging/$1 builds"; else
        tail -30 "$T/$1.log" >&2
        not_ok "packaging/$1 failed"
        done_testing
    fi
}

# An initramfs tool in the tree, as the distribution installs it.
mktool() {
    mkdir -p "$1/$(dirname "$2")"
    printf '#!/bin/sh\n' >"$1/$2"
    chmod 0755 "$1/$2"
}

# Runs a --root scan of TREE under strace and prints every file it opened
# outside the tree (nothing, when all is well). Not counted: the loader and
# shared libraries; what libselinux (a dependency of libmount) looks at in
# its constructor, before main(); the sanitizer runtime's look at its own
# process; the static build's allocator (mimalloc) reading the kernel's
# overcommit policy for its own mappings; and the private copies of libkmod's module index and of librpm's
# package database, which a child chrooted into the copy opens by paths relative to it.
# Usage: outside_opens TREE [csm-precheck options...]
outside_opens() {
    local tree=$1
    shift
    # LeakSanitizer cannot run under ptrace.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -e trace=open,openat,openat2,chroot,stat,lstat,newfstatat,statx,access,readlink,readlinkat \
        -o "$T/trace" "$CSM" --no-site-rules --root "$tree" --format json "$@" >/dev/null 2>&1 || true
    awk '/ = -1 /{next}
         match($0, /chroot\("[^"]*"\) += 0/) { split($0, a, "\""); jail[$1] = a[2]; next }
         match($0, /(AT_FDCWD, |[a-z0-9]+\()"\/[^"]*"/) { split(substr($0, RSTART), a, "\""); print jail[$1] a[2] }' \
        "$T/trace" | sort -u >"$T/opened"
    grep -vE '^(/etc/ld\.so\.(cache|preload)|/(usr/)?lib(64)?/.*|/proc/filesystems|/etc/selinux/config|/proc/self/.*|/proc/sys/vm/overcommit_memory)$' "$T/opened" |
        grep -vxF "$CSM" | grep -vF "$tree" | grep -vE "^${TMPDIR:-/tmp}/csm-(kmod|rpm)\." || true
}
