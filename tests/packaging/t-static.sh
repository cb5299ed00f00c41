# The static binary (packaging/build-static): no interpreter, no shared
# library, no dlopen, no glibc; inside an empty chroot (the binary, an empty
# /tmp and the fixtures, nothing else: no /proc, no /dev, no /etc) it gives
# the same reports as the dynamic build on every fixture; with the system
# calls that Linux 3.10 lacks failing ENOSYS, still the same; and it reads
# the site's rules from /etc/csm-precheck/rules.d of the system it runs on.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-image.sh"
need_root "chroot"
need_cmd chroot readelf nm strace cpio

run_packaging build-static
arch=$(uname -m)
version=$("$CSM" --version | awk '{print $2}')
S=$CSM_SRC/dist/csm-precheck-$version-$arch
unstripped=$CSM_SRC/build-static/csm-precheck
[ -x "$S" ] && ok "build-static made $S" || not_ok "no $S"

# ---- what it links ----
assert_eq "" "$(readelf -lW "$S" | grep -i interp || true)" "no PT_INTERP"
assert_eq "" "$(readelf -dW "$S" | grep NEEDED || true)" "no DT_NEEDED"
assert_eq "" "$(nm "$unstripped" | grep -wE 'dlopen|dlsym' || true)" "nothing calls dlopen or dlsym"
symbol_at() { nm "$unstripped" | awk -v s="$1" '$3 == s { print $1 }'; }
assert_eq "$(symbol_at mi_malloc)" "$(symbol_at malloc)" "malloc is mimalloc's"
assert_eq "" "$(grep -aoE 'GLIBC_[0-9.]+|ld-linux[^ ]*' "$S" | sort -u)" "no glibc symbol version, no glibc loader"
for lib in archive_read_new kmod_new EVP_DigestInit_ex blkid_new_probe fdisk_new_context mnt_new_table \
    cJSON_Parse ZSTD_decompressStream LZ4_decompress_safe lzma_stream_decoder BZ2_bzDecompress inflate mi_malloc; do
    assert_contains "$(nm "$unstripped" | awk '$2 == "T" { print $3 }')" "$lib" "links $lib"
done
assert_match "^csm-precheck $version$" "$("$S" --version)" "it runs"
[ -s "$S.licenses" ] && grep -q '==== util-linux ' "$S.licenses" && grep -q '==== kmod ' "$S.licenses" &&
    grep -q '==== openssl ' "$S.licenses" && ok "the licences of the linked libraries are beside it" ||
    not_ok "$S.licenses lacks a library"

# ---- the fixtures: one of each kind of input the checks read ----
C=$T/chroot
F=$C/fx
mkdir -p "$C/tmp" "$F"
chmod 1777 "$C/tmp"
cp "$S" "$C/csm-precheck"
fixtures=()
# a good system on its MBR disk (libfdisk, libblkid, libmount, libkmod, gzip initramfs)
good_system "$F/good" "$F/good.img"
fixtures+=("good --root /fx/good --disk /fx/good.img")
# a RHEL-family tree, online profile
readytree "$F/rhel" rhel
fixtures+=("rhel --root /fx/rhel --profile online")
# one initramfs of each compression libarchive decodes (xz, zstd, lz4, bzip2, lzma, early cpio)
for fmt in xz zstd lz4 bzip2 lzma early; do
    IR_FORMAT=$fmt readytree "$F/ir-$fmt"
    fixtures+=("ir-$fmt --root /fx/ir-$fmt")
done
# a blocked system: GPT disk, /dev/sdX names, virtio_blk missing from the initramfs, a loose /etc/shadow
mktree "$F/bad"
fstab "$F/bad" "/dev/sda1 / ext4 defaults 0 1" "nfs:/export /mnt nfs defaults 0 0"
grubcfg "$F/bad" "/dev/sda1"
IR_MODS="virtio virtio_ring virtio_pci" mkkernel "$F/bad" 6.1.0-13-amd64
chmod 0644 "$F/bad/etc/shadow"
mkdisk "$F/bad.img" 64 'label: gpt\n,40M,L\n'
fixtures+=("bad --root /fx/bad --disk /fx/bad.img")
# image files of each format (the image layer, libfdisk and libblkid on a memfd, libarchive and zlib)
good_image "$T/disk.raw"
cp --sparse=always "$T/disk.raw" "$F/disk.raw"
qemu-img convert -f raw -O qcow2 "$T/disk.raw" "$F/disk.qcow2"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$T/disk.raw" "$F/disk.vmdk"
qemu-img convert -f raw -O vpc -o subformat=dynamic "$T/disk.raw" "$F/disk.vhd"
tar -C "$F" -czf "$F/disk.tar.gz" disk.qcow2
for f in raw qcow2 vmdk vhd tar.gz; do fixtures+=("image-$f --image /fx/disk.$f"); done
fixtures+=("image-data --image /fx/disk.qcow2 --role data --target-disk-size 10G")
# the real Debian tree of t-debootstrap, when it was made (a real initramfs and module index)
cache=${CSM_FIXTURE_CACHE:-$CSM_BUILD/fixtures}
if [ -e "$cache/bookworm.stamp" ]; then
    mkdir -p "$F/bookworm"
    fixtures+=("bookworm --root /fx/bookworm")
fi

# Both builds on every fixture; the static one in the chroot, where the
# fixtures are /fx. The reports must agree but for the time and the digest.
normalize() { jq -S 'del(.generated_at, .digest)' "$1" | sed "s|$C/fx|/fx|g"; }
same_report() { # expected.json actual.json what
    if diff -u <(normalize "$1") <(normalize "$2") >"$2.diff"; then ok "$3"; else
        head -40 "$2.diff" >&2
        not_ok "$3: the reports differ"
    fi
}
run_static_chroot() { # out args...
    local out=$1
    shift
    unshare -m sh -c '
        C=$1 cache=$2 out=$3; shift 3
        [ -d "$C/fx/bookworm" ] && mount --bind -o ro "$cache/bookworm" "$C/fx/bookworm"
        exec chroot "$C" /csm-precheck "$@" >"$out" 2>"$out.err"' sh "$C" "$cache" "$out" "$@"
}
for fx in "${fixtures[@]}"; do
    read -r name args <<<"$fx"
    # shellcheck disable=SC2086 # the fixture's options
    host_args=$(sed "s|/fx/|$C/fx/|g" <<<"$args")
    if [ "$name" = bookworm ]; then host_args="--root $cache/bookworm"; fi
    set +e
    # shellcheck disable=SC2086
    "$CSM" --no-site-rules --format json $host_args >"$T/$name.dyn.json" 2>"$T/$name.dyn.err"
    drc=$?
    # shellcheck disable=SC2086
    run_static_chroot "$T/$name.static.json" --no-site-rules --format json $args
    src=$?
    set -e
    assert_eq "$drc" "$src" "$name: the same exit code ($drc)"
    if [ "$name" = bookworm ]; then
        # the host's scan names the tree by its path; the chroot's by /fx/bookworm
        sed -i "s|$cache/bookworm|/fx/bookworm|g" "$T/$name.dyn.json"
    fi
    same_report "$T/$name.dyn.json" "$T/$name.static.json" \
        "$name: the static binary in an empty chroot reports what the dynamic build does"
done
# The fixtures above exercise what they should: not all of them pass.
assert_eq 2 "$(jq .exit_code "$T/bad.static.json")" "the blocked fixture is blocked"
assert_eq fail "$(jq -r '.results[] | select(.id == "disk.partition-table") | .status' "$T/bad.static.json")" "GPT fails"
assert_eq fail "$(jq -r '.results[] | select(.id == "drivers.virtio-initramfs") | .status' "$T/bad.static.json")" \
    "a module missing from the initramfs fails"
for fmt in xz zstd lz4 bzip2 lzma early; do
    assert_eq pass "$(jq -r '.results[] | select(.id == "drivers.virtio-initramfs") | .status' "$T/ir-$fmt.static.json")" \
        "the static libarchive reads a $fmt initramfs"
done
for f in raw qcow2 vmdk vhd tar.gz; do
    assert_eq pass "$(jq -r '.results[] | select(.id == "image.partition-table") | .status' "$T/image-$f.static.json")" \
        "the static binary reads the partition table inside a $f image"
done
assert_eq pass "$(jq -r '.results[] | select(.id == "disk.partition-table") | .status' "$T/good.static.json")" \
    "libfdisk reads the good disk"
assert_match '^[0-9a-f]{64}$' "$(jq -r .digest.value "$T/good.static.json")" "libcrypto digests the report"

# ---- Linux 3.10: the system calls added since fail with ENOSYS ----
# (openat2 5.6, statx 4.11, memfd_create and getrandom 3.17, renameat2 3.15,
# copy_file_range 4.5, preadv2 4.6, faccessat2 5.8, close_range 5.9, clone3 5.3)
new_calls=openat2,statx,memfd_create,getrandom,renameat2,copy_file_range,preadv2,pwritev2,faccessat2,close_range,clone3
for name in good ir-zstd image-qcow2; do
    for fx in "${fixtures[@]}"; do [[ $fx == "$name "* ]] && read -r _ args <<<"$fx"; done
    host_args=$(sed "s|/fx/|$C/fx/|g" <<<"$args")
    set +e
    # shellcheck disable=SC2086
    strace -f -qq -o "$T/$name.strace" -e trace="$new_calls" -e inject="$new_calls":error=ENOSYS \
        "$S" --no-site-rules --format json $host_args >"$T/$name.old.json" 2>"$T/$name.old.err"
    set -e
    same_report "$T/$name.dyn.json" "$T/$name.old.json" "$name: the same report without the system calls Linux 3.10 lacks"
done
assert_match 'openat2\(.*ENOSYS.*INJECTED' "$(cat "$T/good.strace")" "the tree scan met openat2's ENOSYS (and walked the tree itself)"
assert_match 'memfd_create\(.*ENOSYS.*INJECTED' "$(cat "$T/image-qcow2.strace")" "the image check met memfd_create's ENOSYS"

# ---- the site's rules: /etc/csm-precheck/rules.d of the system it runs on ----
# (the options around them: t-site-rules)
mkdir -p "$C/etc/csm-precheck/rules.d"
cp "$CSM_SRC/packaging/examples/10-site.rules" "$C/etc/csm-precheck/rules.d/"
severity_of() { # id args...
    local id=$1
    shift
    chroot "$C" /csm-precheck "$@" --list-checks --format json | jq -r ".checks[] | select(.id == \"$id\") | .severity"
}
assert_eq warning "$(severity_of disk.partition-table)" "the chroot's rules.d applies by default"
assert_eq blocker "$(severity_of disk.partition-table --no-site-rules)" "--no-site-rules: the shipped severity"
done_testing
