/* boot.efi, boot.grub-root, boot.resume */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

void csm_check_boot_efi(struct csm_scan *s, struct csm_result *r)
{
    if (csm_scan_has(s, CSM_HAS_IMAGE) && s->opts->role == CSM_ROLE_DATA) {
        csm_result_skip(r, "data-role", "a data disk is not booted");
        return;
    }
    /* An image shows how it boots only through its guest disk. */
    if (csm_scan_has(s, CSM_HAS_IMAGE) && !csm_image_guest_disk(s, r))
        return;
    const struct csm_efi *e = csm_facts_efi(s);
    bool efi = e->efi_signs != NULL, bios = e->bios_signs != NULL;

    for (size_t i = 0; e->efi_signs && e->efi_signs[i]; i++)
        csm_result_list(r, "signs", "%s", e->efi_signs[i]);
    if (e->live_booted >= 0) {
        struct csm_evidence *ev = csm_result_evidence(r, "firmware", "/sys/firmware/efi %s",
                                                      e->live_booted ? "exists" : "does not exist");
        if (e->live_booted)
            csm_evidence_problem(ev, "this system was booted by EFI firmware");
    }
    for (size_t i = 0; e->efi_signs && e->efi_signs[i]; i++) {
        struct csm_evidence *ev = csm_result_evidence(r, "EFI", "%s", e->efi_signs[i]);
        if (e->live_booted < 0 && !bios)
            ev->problem = true;
    }
    for (size_t i = 0; e->bios_signs && e->bios_signs[i]; i++)
        csm_result_evidence(r, "BIOS", "%s", e->bios_signs[i]);
    for (size_t i = 0; e->errors && e->errors[i]; i++)
        csm_evidence_problem(csm_result_evidence(r, "unreadable", "%s", e->errors[i]), "cannot be read");

    if (e->live_booted == 1)
        csm_result_set(r, CSM_FAIL, "efi");
    else if (e->live_booted == 0)
        csm_result_set(r, CSM_PASS, efi ? "bios-with-efi-traces" : "bios");
    else if (efi && !bios)
        csm_result_set(r, CSM_FAIL, "efi");
    else if (efi)
        csm_result_set(r, CSM_WARN, "hybrid");
    else if (e->errors)
        csm_result_error(r, "no EFI trace was found, but not every place of one could be read: %s", e->errors[0]);
    else {
        if (!bios && csm_scan_has(s, CSM_HAS_IMAGE))
            csm_result_evidence(r, "EFI", "no EFI System Partition in the image");
        else if (!bios)
            csm_result_evidence(r, "EFI", "no EFI System Partition, /boot/efi mount, EFI tree or EFI boot loader");
        csm_result_set(r, CSM_PASS, "bios");
    }
}

/* What "/" is, to compare a root= tag with: from the volume that holds it
 * and, where known, its partition. */
struct root_id {
    const char *uuid, *label, *partuuid, *partlabel;
    bool partition_known; /* the partition under / was read from the disk */
};

static struct root_id root_identity(struct csm_scan *s)
{
    struct root_id id = { 0 };
    const struct csm_storage *st = csm_facts_storage(s);
    const struct csm_volume *v = csm_storage_find(st, "/");
    if (!v)
        return id;
    id.uuid = v->fs_uuid;
    const struct csm_disk *d = csm_scan_has(s, CSM_HAS_DISK) ? csm_facts_disk(s) : NULL;
    if (d && !d->err && v->n_ext == 1 && v->ext[0].partno) {
        const struct csm_partition *p = csm_disk_partition(d, v->ext[0].partno);
        if (p) {
            id.uuid = id.uuid ? id.uuid : p->uuid;
            id.label = p->label;
            id.partuuid = p->partuuid;
            id.partlabel = p->partlabel;
            id.partition_known = true;
        }
    }
    return id;
}

enum root_form {
    ROOT_STABLE,   /* a tag, /dev/mapper, /dev/disk/by-uuid ... */
    ROOT_UNSTABLE, /* a kernel device name: renamed on the new platform */
    ROOT_MISMATCH, /* a tag that is not the root filesystem's */
};

static enum root_form classify_root(const char *value, char *const *unstable, const struct root_id *id,
                                    const char **why)
{
    static const char *const tags[] = { "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=" };
    if (csm_name_matches(unstable, value)) {
        *why = "a kernel device name; disks are renamed (vda, vdb) after the move";
        return ROOT_UNSTABLE;
    }
    for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
        if (!startswith(value, tags[i]))
            continue;
        const char *want = i == 0 ? id->uuid : i == 1 ? id->label : i == 2 ? id->partuuid : id->partlabel;
        const char *have = value + strlen(tags[i]);
        if (want && (i == 1 || i == 3 ? !streq(want, have) : strcasecmp(want, have) != 0)) {
            *why = "not the filesystem mounted at /";
            return ROOT_MISMATCH;
        }
        *why = want ? "matches the root filesystem" : "the root filesystem's identity is not known to compare";
        return ROOT_STABLE;
    }
    *why = NULL;
    return ROOT_STABLE;
}

/* {values} names each offending root= once, however many entries repeat it. */
static void add_root_value(struct csm_result *r, const char *root)
{
    _cleanup_free_ char *v = xasprintf("root=%s", root);
    const struct csm_var *have = csm_vars_get(&r->vars, "values");
    if (!have || !strv_contains(have->values, v))
        csm_result_list(r, "values", "%s", v);
}

static void grub_root_entry(struct csm_result *r, const struct csm_boot_entry *e, char *const *unstable,
                            const struct root_id *id, unsigned *bad, unsigned *mismatch, unsigned *noroot)
{
    const char *root = csm_boot_arg(e->args, "root");
    struct csm_evidence *ev = csm_result_evidence(r, e->title ? e->title : (e->kernel ? e->kernel : "entry"),
                                                  "root=%s", root ? root : "(none)");
    csm_evidence_source(ev, "%s", e->source);
    if (!root) {
        csm_evidence_problem(ev, "no root= on the kernel command line");
        ++*noroot;
        return;
    }
    const char *why;
    enum root_form f = classify_root(root, unstable, id, &why);
    if (f != ROOT_STABLE) {
        csm_evidence_problem(ev, "%s", why);
        csm_result_list(r, "entries", "%s", e->source);
        add_root_value(r, root);
        ++*(f == ROOT_UNSTABLE ? bad : mismatch);
    } else if (why) {
        csm_evidence_note(ev, "%s", why);
    }
}

/* Is grub 2.06 or later installed: 1 yes, 0 no, -1 not known (no package
 * database, or no grub package in it). */
static int grub_206_or_later(struct csm_scan *s, const char **version)
{
    static const char *const names[] = { "grub-common", "grub2-common", "grub-pc", "grub-efi-amd64", "grub2-tools" };
    const struct csm_packages *pk = csm_facts_packages(s);
    for (size_t i = 0; !pk->err && i < ARRAY_SIZE(names); i++) {
        const char *v = csm_package_version(pk, names[i]);
        if (!v)
            continue;
        *version = v;
        const char *colon = strchr(v, ':'); /* the epoch */
        char *end;
        unsigned long major = strtoul(colon ? colon + 1 : v, &end, 10);
        unsigned long minor = *end == '.' ? strtoul(end + 1, NULL, 10) : 0;
        return major > 2 || (major == 2 && minor >= 6);
    }
    return -1;
}

/* With GRUB_DISABLE_LINUX_UUID=true, what root= grub-mkconfig writes, as
 * its 10_linux decides: an LVM root by its /dev/mapper path whatever the
 * setting; root=PARTUUID= when GRUB_DISABLE_LINUX_PARTUUID is set and not
 * "true" (unset means true) on grub 2.06 and later, if / is on a partition
 * that has one; the kernel's device name otherwise. NULL when that is a
 * device name, else why it is stable. */
static char *grub_root_without_uuid(struct csm_scan *s, const struct csm_bootcfg *b, const struct root_id *id)
{
    const struct csm_volume *v = csm_storage_find(csm_facts_storage(s), "/");
    _cleanup_free_ char *vg = NULL, *lv = NULL;
    if (v && (startswith(v->source, "/dev/mapper/") || csm_lvm_split_name(v->source, &vg, &lv)))
        return xasprintf("/ is %s, a device-mapper volume: grub names it by its /dev/mapper path, which moves with it",
                         v->source);
    const struct csm_kv *pu = csm_kv_get(&b->defaults, "GRUB_DISABLE_LINUX_PARTUUID");
    if (!pu || streq(pu->value, "true"))
        return NULL;
    const char *version = NULL;
    if (grub_206_or_later(s, &version) == 0)
        return NULL; /* older grub-mkconfig does not know the setting */
    if (id->partition_known && !id->partuuid)
        return NULL;
    return xasprintf("GRUB_DISABLE_LINUX_PARTUUID=%s (%s:%u): grub-mkconfig%s%s writes root=PARTUUID=%s", pu->value,
                     pu->file, pu->line, version ? " of grub " : " (2.06 and later)", version ? version : "",
                     id->partuuid ? id->partuuid : "<the root partition's>");
}

/* /etc/default/grub: what the next grub-mkconfig will write. */
static void grub_defaults(struct csm_scan *s, struct csm_result *r, const struct csm_bootcfg *b,
                          char *const *unstable, const struct root_id *id, unsigned *bad, bool *disable_uuid)
{
    static const char *const keys[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const struct csm_kv *kv = csm_kv_get(&b->defaults, keys[i]);
        _cleanup_strv_ char **args = kv ? csm_split_words(kv->value) : NULL;
        const char *root = csm_boot_arg(args, "root");
        const char *why;
        if (!root || classify_root(root, unstable, id, &why) == ROOT_STABLE)
            continue;
        struct csm_evidence *ev = csm_result_evidence(r, keys[i], "root=%s", root);
        csm_evidence_source(ev, "%s:%u", kv->file, kv->line);
        csm_evidence_problem(ev, "%s", why);
        csm_result_list(r, "entries", "%s:%u", kv->file, kv->line);
        add_root_value(r, root);
        ++*bad;
    }
    const struct csm_kv *kv = csm_kv_get(&b->defaults, "GRUB_DISABLE_LINUX_UUID");
    if (kv) {
        struct csm_evidence *ev = csm_result_evidence(r, "GRUB_DISABLE_LINUX_UUID", "%s", kv->value);
        csm_evidence_source(ev, "%s:%u", kv->file, kv->line);
        _cleanup_free_ char *stable = streq(kv->value, "true") ? grub_root_without_uuid(s, b, id) : NULL;
        if (stable) {
            csm_evidence_note(ev, "%s", stable);
        } else if (streq(kv->value, "true")) {
            csm_evidence_problem(ev, "grub-mkconfig will write root=/dev/... instead of root=UUID=...");
            *disable_uuid = true;
        }
    }
}

void csm_check_boot_grub_root(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    char *const *unstable = csm_check_param(r, "unstable");
    struct root_id id = root_identity(s);
    unsigned bad = 0, mismatch = 0, noroot = 0;
    bool disable_uuid = false;

    csm_result_var(r, "root_uuid", "%s", id.uuid ? id.uuid : "unknown");
    for (size_t i = 0; b->files && b->files[i]; i++)
        csm_result_list(r, "files", "%s", b->files[i]);
    for (size_t i = 0; b->errors && b->errors[i]; i++)
        csm_evidence_problem(csm_result_evidence(r, "unreadable", "%s", b->errors[i]), "cannot be read");
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].kernel)
            grub_root_entry(r, &b->e[i], unstable, &id, &bad, &mismatch, &noroot);
    grub_defaults(s, r, b, unstable, &id, &bad, &disable_uuid);
    csm_result_var(r, "count", "%u", bad + mismatch);

    if (!b->n && b->errors) {
        csm_result_error(r, "the boot loader configuration cannot be read: %s", b->errors[0]);
    } else if (!b->n) {
        csm_result_evidence(r, "searched", "/boot/grub/grub.cfg, /boot/grub2/grub.cfg, /etc/grub/grub.cfg, "
                                           "/boot/efi/EFI/*/grub.cfg, /boot/grub/menu.lst, /boot/loader/entries");
        csm_result_set(r, CSM_FAIL, "none");
    } else if (bad) {
        csm_result_set(r, CSM_FAIL, "device-name");
    } else if (mismatch) {
        csm_result_set(r, CSM_FAIL, "mismatch");
    } else if (disable_uuid) {
        csm_result_set(r, CSM_FAIL, "disable-uuid");
    } else if (noroot) {
        csm_result_set(r, CSM_WARN, "no-root");
    } else if (b->errors) {
        csm_result_error(r, "the entries read are fine, but not every boot loader configuration could be read: %s",
                         b->errors[0]);
    } else {
        csm_result_set(r, CSM_PASS, NULL);
    }
}

/* ---- boot.resume ---- */

struct resume_ref {
    const char *what;   /* "resume" or "rd.lvm.lv" */
    const char *value;
    char *source;
};

static void collect_refs(struct csm_scan *s, struct resume_ref **refs, size_t *n)
{
    const struct csm_bootcfg *b = csm_facts_bootcfg(s);
    static const char *const names[] = { "resume", "rd.lvm.lv" };
#define ADD_REF(w, v, ...)                                                                                     \
    do {                                                                                                       \
        *refs = xrealloc(*refs, (*n + 1) * sizeof(**refs));                                                    \
        (*refs)[(*n)++] = (struct resume_ref){ w, v, xasprintf(__VA_ARGS__) };                                 \
    } while (0)

    for (size_t i = 0; i < b->n; i++)
        for (size_t k = 0; b->e[i].args && b->e[i].args[k]; k++)
            for (size_t w = 0; w < ARRAY_SIZE(names); w++)
                if (startswith(b->e[i].args[k], names[w]) && b->e[i].args[k][strlen(names[w])] == '=')
                    ADD_REF(names[w], b->e[i].args[k] + strlen(names[w]) + 1, "%s", b->e[i].source);
    static const char *const keys[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const struct csm_kv *kv = csm_kv_get(&b->defaults, keys[i]);
        if (!kv)
            continue;
        /* The value points into the fact, which outlives this check. */
        for (const char *p = kv->value; (p = strstr(p, "resume=")); p += 7)
            if (p == kv->value || p[-1] == ' ')
                ADD_REF("resume", p + 7, "%s:%u", kv->file, kv->line);
    }
#undef ADD_REF
}

/* A resume= or rd.lvm.lv= value up to the next blank. */
static char *ref_value(const char *v)
{
    return xstrndup(v, strcspn(v, " \t\"'"));
}

/* Does an fstab entry name the logical volume "vg/lv", in any of the forms
 * device-mapper gives it (/dev/vg/lv, /dev/mapper/vg-lv)? */
static bool fstab_uses_lv(const struct csm_fstab *f, const char *vg_lv)
{
    for (size_t i = 0; i < f->n; i++) {
        _cleanup_free_ char *vg = NULL, *lv = NULL;
        if (!csm_lvm_split_name(f->e[i].source, &vg, &lv))
            continue;
        _cleanup_free_ char *name = xasprintf("%s/%s", vg, lv);
        if (streq(name, vg_lv))
            return true;
    }
    return false;
}

/* Where does a resume=/rd.lvm.lv= reference point? NULL when it is fine. */
static const char *judge_ref(struct csm_scan *s, const char *what, const char *val, char *const *unstable,
                             char **note)
{
    const struct csm_fstab *f = csm_facts_fstab(s);
    const struct csm_storage *st = csm_facts_storage(s);
    char path[512];

    if (streq(what, "rd.lvm.lv")) {
        snprintf(path, sizeof(path), "/dev/%s", val);
        if (fstab_uses_lv(f, val)) {
            *note = xasprintf("used by /etc/fstab");
            return NULL;
        }
        if (csm_facts_device_exists(s, path) == 1) {
            *note = xasprintf("%s exists", path);
            return NULL;
        }
        return csm_scan_live(s) ? "names a logical volume that does not exist: the initramfs waits for it"
                                : "names a logical volume that /etc/fstab does not use";
    }
    if (streq(val, "none") || !*val)
        return NULL;
    if (csm_name_matches(unstable, val))
        return "a kernel device name; disks are renamed (vda, vdb) after the move";
    /* A tag or a path: find the swap volume it names. */
    for (size_t i = 0; i < st->n; i++) {
        const struct csm_volume *v = &st->v[i];
        const struct csm_fstab_entry *e = v->fstab;
        bool same = streq(v->source, val) || (e && e->tag && startswith(val, e->tag) && val[strlen(e->tag)] == '=' &&
                                              strcasecmp(val + strlen(e->tag) + 1, e->tag_value) == 0) ||
                    (v->fs_uuid && startswith(val, "UUID=") && strcasecmp(val + 5, v->fs_uuid) == 0);
        if (!same)
            continue;
        if (v->where == CSM_WHERE_OTHER || v->where == CSM_WHERE_MISSING)
            return v->where == CSM_WHERE_OTHER ? "the swap it names is on another disk" : "the device does not exist";
        *note = xasprintf("%s swap in /etc/fstab (%s)", v->where == CSM_WHERE_SYSTEM ? "the system disk's" : "a",
                          v->source);
        return NULL;
    }
    if (csm_scan_live(s)) {
        if (csm_facts_device_exists(s, val) <= 0)
            return "the device does not exist: the initramfs waits for it";
        *note = xasprintf("exists, but /etc/fstab does not use it");
        return NULL;
    }
    return "names a device that /etc/fstab does not use as swap";
}

void csm_check_boot_resume(struct csm_scan *s, struct csm_result *r)
{
    struct resume_ref *refs = NULL;
    size_t n = 0;
    char *const *unstable = csm_check_param(r, "unstable");
    unsigned bad = 0;

    collect_refs(s, &refs, &n);
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *val = ref_value(refs[i].value);
        char *note = NULL;
        const char *problem = judge_ref(s, refs[i].what, val, unstable, &note);
        struct csm_evidence *ev = csm_result_evidence(r, refs[i].what, "%s=%s", refs[i].what, val);
        csm_evidence_source(ev, "%s", refs[i].source);
        if (problem) {
            csm_evidence_problem(ev, "%s", problem);
            _cleanup_free_ char *v = xasprintf("%s=%s", refs[i].what, val);
            const struct csm_var *have = csm_vars_get(&r->vars, "values");
            if (!have || !strv_contains(have->values, v))
                csm_result_list(r, "values", "%s", v);
            bad++;
        } else if (note) {
            csm_evidence_note(ev, "%s", note);
        }
        free(note);
        free(refs[i].source);
    }
    free(refs);
    csm_result_var(r, "count", "%u", bad);
    csm_result_set(r, bad ? CSM_FAIL : CSM_PASS, bad ? "dangling" : n ? "ok" : "none");
}
