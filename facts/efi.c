/* How the system boots: live, the firmware says (/sys/firmware/efi);
 * offline, the traces each boot path leaves on the disk and in the tree. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts/internal.h"
#include "lib/util.h"

static void disk_signs(struct csm_scan *s, struct csm_efi *e)
{
    if (!csm_scan_has(s, CSM_HAS_DISK) && !csm_scan_has(s, CSM_HAS_IMAGE))
        return;
    const struct csm_disk *d = csm_facts_disk(s);
    if (d->err)
        return;
    for (size_t i = 0; i < d->n_parts; i++) {
        if (d->parts[i].esp)
            strv_pushf(&e->efi_signs, "partition %zu of %s is an EFI System Partition", d->parts[i].partno,
                       d->path);
        if (d->parts[i].bios_boot)
            strv_pushf(&e->bios_signs, "partition %zu of %s is a BIOS boot partition", d->parts[i].partno,
                       d->path);
    }
    if (d->label && streq(d->label, "dos") && d->boot_code)
        strv_pushf(&e->bios_signs, "the MBR of %s carries boot code", d->path);
}

static void tree_signs(struct csm_scan *s, struct csm_efi *e)
{
    static const char *const efi_dirs[] = { "/boot/grub/x86_64-efi", "/boot/grub2/x86_64-efi",
                                             "/boot/grub/arm64-efi" };
    static const char *const bios_dirs[] = { "/boot/grub/i386-pc", "/boot/grub2/i386-pc" };
    static const char *const efi_pkgs[] = { "grub-efi-amd64", "grub-efi-amd64-signed", "grub-efi-arm64",
                                             "grub2-efi-x64", "shim-x64", "grub2-x86_64-efi", "systemd-boot" };
    static const char *const bios_pkgs[] = { "grub-pc", "grub2-pc", "grub2-i386-pc", "grub-legacy" };

    const struct csm_fstab *f = csm_facts_fstab(s);
    const struct csm_fstab_entry *esp = csm_fstab_find(f, "/boot/efi");
    if (!esp)
        esp = csm_fstab_find(f, "/efi");
    if (esp)
        strv_pushf(&e->efi_signs, "/etc/fstab:%u mounts %s (%s)", esp->line, esp->target, esp->fstype);

    char **vendors = NULL;
    int r = csm_tree_list(s->root, "/boot/efi/EFI", &vendors);
    csm_fact_unreadable(&e->errors, "/boot/efi/EFI", r);
    if (r == 0 && vendors) {
        _cleanup_free_ char *list = strv_join(vendors, ", ");
        strv_pushf(&e->efi_signs, "/boot/efi/EFI holds %s", list);
    }
    strv_free(vendors);

    for (size_t i = 0; i < ARRAY_SIZE(efi_dirs); i++) {
        r = csm_tree_probe(s->root, efi_dirs[i], S_IFDIR);
        csm_fact_unreadable(&e->errors, efi_dirs[i], r);
        if (r == 1)
            strv_pushf(&e->efi_signs, "grub is installed for EFI (%s)", efi_dirs[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bios_dirs); i++)
        if (csm_tree_probe(s->root, bios_dirs[i], S_IFDIR) == 1)
            strv_pushf(&e->bios_signs, "grub is installed for BIOS (%s)", bios_dirs[i]);
    if (csm_tree_probe(s->root, "/boot/grub/stage2", 0) == 1)
        strv_pushf(&e->bios_signs, "grub legacy is installed (/boot/grub/stage2)");

    /* SUSE's bootloader configuration names the loader it installs */
    char *text;
    r = csm_tree_read_text(s->root, "/etc/sysconfig/bootloader", CSM_CAP_CONFIG, &text, NULL);
    csm_fact_unreadable(&e->errors, "/etc/sysconfig/bootloader", r);
    if (r == 0) {
        struct csm_kvs kv = { 0 };
        csm_kv_parse(text, "/etc/sysconfig/bootloader", &kv);
        const struct csm_kv *lt = csm_kv_get(&kv, "LOADER_TYPE");
        if (lt && (streq(lt->value, "grub2-efi") || streq(lt->value, "systemd-boot") || streq(lt->value, "grub2-bls")))
            strv_pushf(&e->efi_signs, "/etc/sysconfig/bootloader:%u LOADER_TYPE=%s", lt->line, lt->value);
        else if (lt && streq(lt->value, "grub2"))
            strv_pushf(&e->bios_signs, "/etc/sysconfig/bootloader:%u LOADER_TYPE=%s", lt->line, lt->value);
        csm_kv_clear(&kv);
        free(text);
    }

    const struct csm_packages *pk = csm_facts_packages(s);
    for (size_t i = 0; i < ARRAY_SIZE(efi_pkgs); i++)
        if (csm_package_version(pk, efi_pkgs[i]))
            strv_pushf(&e->efi_signs, "package %s is installed", efi_pkgs[i]);
    for (size_t i = 0; i < ARRAY_SIZE(bios_pkgs); i++)
        if (csm_package_version(pk, bios_pkgs[i]))
            strv_pushf(&e->bios_signs, "package %s is installed", bios_pkgs[i]);
}

static void *gather_efi(struct csm_scan *s)
{
    struct csm_efi *e = xcalloc(1, sizeof(*e));
    e->live_booted = csm_scan_live(s) ? csm_live_efi_booted() : -1;
    disk_signs(s, e);
    if (csm_scan_has(s, CSM_HAS_TREE))
        tree_signs(s, e);
    return e;
}

static void efi_fact_free(void *fact)
{
    csm_efi_free(fact);
}

static const struct csm_fact_desc efi_fact = { "efi", gather_efi, efi_fact_free };

const struct csm_efi *csm_facts_efi(struct csm_scan *s)
{
    return csm_fact_get(s, &efi_fact);
}

void csm_efi_free(struct csm_efi *e)
{
    if (!e)
        return;
    strv_free(e->efi_signs);
    strv_free(e->bios_signs);
    strv_free(e->errors);
    free(e);
}
