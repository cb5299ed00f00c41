# boot.default-kernel: which installed kernel boots by default (grub.cfg
# default entry, submenus, grubenv saved_entry, BLS, /vmlinuz), in --root mode.
. "$CSM_SRC/tests/lib.sh"
need_cmd depmod cpio cc

kernel_of() { q '.results[] | select(.id == "boot.default-kernel") | .message'; }

# The reference tree: grub.cfg "set default=0" starts 6.1.0-13-amd64.
mktree "$T/good"
grubcfg "$T/good" "UUID=$ROOT_UUID"
scan good --root "$T/good"
assert_status boot.default-kernel pass bootcfg
assert_contains "$(kernel_of)" "kernel 6.1.0-13-amd64 by default (/boot/grub/grub.cfg:4)" "names the entry's line"
assert_contains "$(q '.results[] | select(.id == "boot.default-kernel") | .evidence[].value')" 'set default="0" (/boot/grub/grub.cfg:1)' "evidence: the default line"

# Two kernels; a submenu path "1>1" picks the older one.
two_kernels() {
    mktree "$1"
    mkkernel "$1" 5.10.0-28-amd64
    cat >"$1/boot/grub/grub.cfg" <<CFG
load_env
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
else
   set default="$2"
fi
function load_video {
  insmod all_video
}
menuentry 'Debian GNU/Linux' --class debian \$menuentry_id_option 'gnulinux-simple-$ROOT_UUID' {
	linux	/boot/vmlinuz-6.1.0-13-amd64 root=UUID=$ROOT_UUID ro quiet
	initrd	/boot/initrd.img-6.1.0-13-amd64
}
submenu 'Advanced options for Debian GNU/Linux' \$menuentry_id_option 'gnulinux-advanced-$ROOT_UUID' {
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-13-amd64' \$menuentry_id_option 'gnulinux-6.1.0-13-amd64-advanced-$ROOT_UUID' {
		linux	/boot/vmlinuz-6.1.0-13-amd64 root=UUID=$ROOT_UUID ro quiet
	}
	menuentry 'Debian GNU/Linux, with Linux 5.10.0-28-amd64' \$menuentry_id_option 'gnulinux-5.10.0-28-amd64-advanced-$ROOT_UUID' {
		linux	/boot/vmlinuz-5.10.0-28-amd64 root=UUID=$ROOT_UUID ro quiet
	}
}
menuentry 'Memory test' {
	linux16	/boot/memtest86+.bin
}
CFG
}
two_kernels "$T/sub" "1>1"
scan sub --root "$T/sub"
assert_status boot.default-kernel pass bootcfg
assert_contains "$(kernel_of)" "kernel 5.10.0-28-amd64 by default (/boot/grub/grub.cfg:20)" "submenu index path 1>1"
assert_contains "$(kernel_of)" "installed: 6.1.0-13-amd64, 5.10.0-28-amd64" "every installed kernel listed, newest first"
assert_eq 5.10.0-28-amd64 "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .evidence[0].label')" "driver checks follow the default kernel"

# GRUB_DEFAULT=saved: "${saved_entry}" and grubenv by a title path.
two_kernels "$T/saved" '${saved_entry}'
printf 'GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=""\n' >"$T/saved/etc/default/grub"
{
    echo "# GRUB Environment Block"
    echo "saved_entry=Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 5.10.0-28-amd64"
    printf '%*s' 900 '' | tr ' ' '#'
} >"$T/saved/boot/grub/grubenv"
scan saved --root "$T/saved"
assert_contains "$(kernel_of)" "kernel 5.10.0-28-amd64 by default" "grubenv saved_entry title path"
ev=$(q '.results[] | select(.id == "boot.default-kernel") | .evidence[].value')
assert_contains "$ev" "GRUB_DEFAULT=saved (/etc/default/grub:1)" "evidence: GRUB_DEFAULT"
assert_contains "$ev" "saved_entry=Advanced options" "evidence: saved_entry"

# saved_entry by id, and the memtest entry (index 2) is not a Linux kernel.
two_kernels "$T/byid" '${saved_entry}'
printf 'saved_entry=gnulinux-advanced-%s>gnulinux-5.10.0-28-amd64-advanced-%s\n' "$ROOT_UUID" "$ROOT_UUID" >"$T/byid/boot/grub/grubenv"
scan byid --root "$T/byid"
assert_contains "$(kernel_of)" "kernel 5.10.0-28-amd64 by default" "grubenv saved_entry id path"
two_kernels "$T/memtest" 2
scan memtest --root "$T/memtest"
assert_status boot.default-kernel warn assumed
assert_contains "$(kernel_of)" "not a Linux kernel" "a default entry that starts no Linux kernel is said so"

# RHEL: BLS entries pulled in by blscfg, default from grubenv saved_entry.
mktree "$T/bls" rhel
IR_NAME=initramfs-VER.img mkkernel "$T/bls" 5.14.0-362.el9.x86_64
mid=0123456789abcdef0123456789abcdef
for v in 6.1.0-13-amd64 5.14.0-362.el9.x86_64; do
    printf 'title Rocky Linux (%s)\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions root=UUID=%s ro\n' \
        "$v" "$v" "$v" "$v" "$ROOT_UUID" >"$T/bls/boot/loader/entries/$mid-$v.conf"
done
printf 'set default="${saved_entry}"\nload_env -f ${config_directory}/grubenv\nblscfg\n' >"$T/bls/boot/grub2/grub.cfg"
printf 'saved_entry=%s-5.14.0-362.el9.x86_64\n' "$mid" >"$T/bls/boot/grub2/grubenv"
scan bls --root "$T/bls"
assert_status boot.default-kernel pass bootcfg
assert_contains "$(kernel_of)" "kernel 5.14.0-362.el9.x86_64 by default (/boot/loader/entries/$mid-5.14.0-362.el9.x86_64.conf:3)" "BLS saved_entry"
printf 'set default="0"\nblscfg\n' >"$T/bls/boot/grub2/grub.cfg"
scan bls0 --root "$T/bls"
assert_contains "$(kernel_of)" "kernel 6.1.0-13-amd64 by default" "BLS index 0 is the newest entry"

# No boot loader configuration: the /vmlinuz link, then the only kernel.
mktree "$T/link"
mkkernel "$T/link" 5.10.0-28-amd64
ln -s boot/vmlinuz-5.10.0-28-amd64 "$T/link/vmlinuz"
scan link --root "$T/link"
assert_status boot.default-kernel pass link
assert_contains "$(kernel_of)" "/vmlinuz points at kernel 5.10.0-28-amd64" "default from /vmlinuz"
mktree "$T/only"
scan only --root "$T/only"
assert_status boot.default-kernel pass only

# Several kernels and nothing that names a default: assumed, with a warning.
rm "$T/link/vmlinuz"
scan assumed --root "$T/link"
assert_status boot.default-kernel warn assumed
assert_contains "$(kernel_of)" "assume the newest, 6.1.0-13-amd64" "assumes the newest"

# The default entry starts a kernel that is not installed.
mktree "$T/gone"
grubcfg "$T/gone" "UUID=$ROOT_UUID"
sed -i 's/6\.1\.0-13-amd64/6.1.0-99-amd64/g' "$T/gone/boot/grub/grub.cfg"
scan gone --root "$T/gone"
assert_status boot.default-kernel fail not-installed
assert_status drivers.virtio-kernel error
assert_contains "$(q '.results[] | select(.id == "drivers.virtio-kernel") | .reason')" "6.1.0-99-amd64, which is not installed" "driver check says why it cannot decide"
assert_exit 2

# No kernel at all.
mktree "$T/none"
rm -rf "$T/none/boot/"*-6.1.0-13-amd64 "$T/none/lib/modules"
scan none --root "$T/none"
assert_status boot.default-kernel fail none
assert_status drivers.virtio-kernel skip no-kernel
assert_status drivers.virtio-initramfs skip no-kernel
done_testing
