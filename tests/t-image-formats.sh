# Every accepted format, made by qemu-img and tar from one raw disk, reads
# the same: format, sizes, partitions and filesystems, as qemu-img sees them.
. "$CSM_SRC/tests/lib.sh"
. "$CSM_SRC/tests/lib-image.sh"

good_image "$T/disk.raw"
RAWSIZE=$(stat -c %s "$T/disk.raw")
cd "$T"
qemu-img convert -O qcow2 disk.raw q3.qcow2
qemu-img convert -c -O qcow2 disk.raw qc.qcow2
qemu-img convert -O qcow2 -o compat=0.10 disk.raw q2.qcow2
qemu-img convert -O vmdk disk.raw mono.vmdk
qemu-img convert -O vmdk -o subformat=streamOptimized disk.raw stream.vmdk
qemu-img convert -O vpc disk.raw dyn.vhd
qemu-img convert -O vpc -o subformat=fixed disk.raw fixed.vhd
tar -czSf pkg.tar.gz disk.raw
tar -cSf pkg.tar disk.raw
gzip -c disk.raw >disk.raw.gz
cd - >/dev/null

# file|expected format|subformat|outcome of image.format|qemu-img -f
cases=(
    "disk.raw|raw|null|raw|raw"
    "q3.qcow2|qcow2|version 3 (compat=1.1)|qcow2|qcow2"
    "qc.qcow2|qcow2|version 3 (compat=1.1)|qcow2|qcow2"
    "q2.qcow2|qcow2|version 2 (compat=0.10)|qcow2|qcow2"
    "mono.vmdk|vmdk|monolithicSparse|vmdk|vmdk"
    "stream.vmdk|vmdk|streamOptimized|vmdk|vmdk"
    "dyn.vhd|vhd|dynamic|vhd|vpc"
    "fixed.vhd|vhd|fixed|vhd|vpc"
    "pkg.tar.gz|raw|null|package|-"
    "pkg.tar|raw|null|package|-"
    "disk.raw.gz|raw|null|package|-"
)
for c in "${cases[@]}"; do
    IFS='|' read -r f fmt sub outcome qf <<<"$c"
    scan "$f" --file-only --image "$T/$f" --target-disk-size 1G
    assert_exit 0 "$f: exit code"
    assert_eq image "$(q .target.mode)" "$f: target mode"
    assert_eq "$T/$f" "$(q .target.image)" "$f: target image"
    assert_status image.format pass "$outcome"
    assert_status image.integrity pass consistent
    assert_status image.size pass fits
    assert_status image.partition-table pass dos
    assert_status image.filesystems pass found
    assert_status image.bootable pass bootable
    assert_status boot.efi pass bios
    assert_eq 7 "$(q .summary.total)" "$f: only the image checks and boot.efi are listed"
    assert_eq "$fmt" "$(q .image.format)" "$f: format"
    [ "$sub" = null ] || assert_eq "$sub" "$(q .image.subformat)" "$f: subformat"
    assert_eq "$ROOT_UUID" "$(q '.image.partitions[] | select(.use == "/") | .uuid')" "$f: root found by UUID"
    assert_eq "/" "$(q '.image.partitions[0].last_mounted')" "$f: ext4 last mounted on /"
    assert_eq "$SWAP_UUID" "$(q '.image.partitions[1].uuid')" "$f: swap UUID"
    assert_eq swap "$(q '.image.partitions[1].fstype')" "$f: swap type"
    assert_eq "image 2 0" "$(q '"\(.plan.kind) \(.plan.partitions | length) \(.plan.commands | length)"')" \
        "$f: the image's plan lists its partitions, with no export command"
    if [ "$qf" != - ]; then
        assert_eq "$(qemu_vsize -f "$qf" "$T/$f")" "$(q .image.virtual_size)" "$f: virtual size as qemu-img info"
        r=$(qemu_check_rc -f "$qf" "$T/$f")
        [ "$r" = 63 ] || assert_eq 0 "$r" "$f: qemu-img check agrees it is consistent"
    else
        assert_eq "$RAWSIZE" "$(q .image.virtual_size)" "$f: virtual size of the member"
        assert_eq disk.raw "$(q .image.member)" "$f: the member"
    fi
done

# The packages name their kind.
scan pkgtgz --image "$T/pkg.tar.gz"
assert_eq tar.gz "$(q .image.package)" "tar.gz package"
# A package is read as one stream: the checks of the system inside it are
# listed as skipped, saying why, and the verdict stays that of the file.
assert_status fstab.device-names skip no-random-access
assert_status boot.grub-root skip no-random-access
assert_match "without random access" "$(q '.results[] | select(.id == "os.release") | .reason')" "the skip says why"
assert_exit 0 "a package of a ready image"
scan pkggz --file-only --image "$T/disk.raw.gz"
assert_eq gzip "$(q .image.package)" "gzip package"

# Images of every format inside a package, read through the stream: a
# qcow2 in a tar.gz, and an OVA-like tar whose first member (the OVF
# descriptor) is skipped for the streamOptimized vmdk after it.
(cd "$T" && tar -czf qpkg.tar.gz q3.qcow2 && echo '<Envelope/>' >vm.ovf && tar -cf vm.ova vm.ovf stream.vmdk)
scan qpkg --file-only --image "$T/qpkg.tar.gz"
assert_exit 0 "qcow2 in a tar.gz"
assert_eq "qcow2 q3.qcow2" "$(q '"\(.image.format) \(.image.member)"')" "the qcow2 inside"
assert_status image.bootable pass bootable
scan ova --file-only --image "$T/vm.ova"
assert_exit 0 "an OVA"
assert_eq "vmdk stream.vmdk" "$(q '"\(.image.format) \(.image.member)"')" "the vmdk inside"
assert_eq "$ROOT_UUID" "$(q '.image.partitions[0].uuid')" "the root inside the OVA's vmdk"

# The compressed qcow2 says so.
scan qc --file-only --image "$T/qc.qcow2"
assert_contains "$(evidence_of image.integrity)" "clusters are compressed" "compressed clusters noted"

# A fixed VHD is raw data and a footer: qemu-img probes it as raw, this tool
# by its footer.
assert_eq raw "$(qemu-img info --output=json "$T/fixed.vhd" | jq -r .format)" "qemu-img alone calls a fixed vhd raw"

# The text report shows the format, the sizes, the partitions and the verdict.
COLUMNS=200 run_csm --file-only --image "$T/q3.qcow2"
assert_exit 0
assert_contains "$out" "READY" "text verdict"
assert_contains "$out" "Format:       qcow2 version 3 (compat=1.1)" "text format"
assert_contains "$out" "Virtual disk: 64.0 MiB (67108864 bytes)" "text virtual size"
assert_contains "$out" "UUID=$ROOT_UUID LABEL=root" "text partition"
assert_contains "$out" "/ (last mounted on /)" "text root"
assert_contains "$out" "the image $T/q3.qcow2 (system disk)" "text header"

# A name that disagrees with the content is a warning.
cp "$T/q3.qcow2" "$T/misnamed.vhd"
scan misnamed --file-only --image "$T/misnamed.vhd"
assert_status image.format warn name-mismatch
assert_exit 1
done_testing
