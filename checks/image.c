/* image.format, image.integrity, image.size, image.partition-table,
 * image.filesystems, image.bootable: an image file before its upload
 * (seeds 000, 001, 004). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "image/image.h"
#include "tree/tree.h"
#include "lib/util.h"

static const char *size_str(uint64_t bytes, char *buf)
{
    return csm_format_size(bytes, buf, 32);
}

static bool supported(const struct csm_image_info *in)
{
    return in->format == CSM_IMAGE_RAW || in->format == CSM_IMAGE_QCOW2 || in->format == CSM_IMAGE_VMDK ||
           in->format == CSM_IMAGE_VHD;
}

/* A raw file in which neither libfdisk nor libblkid found anything, and
 * that is not blank: random data, a document, not a disk. */
static bool raw_unrecognised(const struct csm_image_facts *im)
{
    return im->info->format == CSM_IMAGE_RAW && im->disk && !im->disk->label && !im->disk->whole_fstype &&
           !im->blank;
}

/* Is there a file beside the image named as a copy a fix would write:
 * name.qcow2, or name-<anything>.qcow2 (the rules' fixes write qcow2)? */
static bool name_taken(const char *dir, const char *image_name, const char *name)
{
    struct csm_tree *d;
    char **names = NULL;
    bool taken = false;
    if (csm_tree_open_dir(dir, &d) < 0)
        return false;
    csm_tree_list(d, ".", &names);
    csm_tree_free(d);
    size_t n = strlen(name);
    for (size_t i = 0; names && names[i] && !taken; i++)
        taken = !streq(names[i], image_name) && strncmp(names[i], name, n) == 0 &&
                (streq(names[i] + n, ".qcow2") || (names[i][n] == '-' && endswith(names[i], ".qcow2")));
    strv_free(names);
    return taken;
}

/* {stem}: what a converted copy is named after, {stem}.qcow2 or
 * {stem}-fixed.qcow2 beside the image. It is the image's name without its
 * extension ("boot" for boot.vdi) unless a file of that name is already
 * there (boot.qcow2): then the name keeps the format ("boot-vdi"), and a
 * number after that, so that a fix never writes over an existing file. */
static void set_stem(struct csm_result *r, const char *path)
{
    static const char *const exts[] = { ".tar.gz", ".tgz", ".tar", ".gz", ".qcow2", ".qcow", ".vmdk", ".vhdx",
                                        ".vhd", ".vpc", ".raw", ".img", ".vdi", ".qed", ".iso", ".ova" };
    size_t n = strlen(path), k = 0;
    for (size_t i = 0; i < ARRAY_SIZE(exts) && !k; i++)
        if (n > strlen(exts[i]) && strcasecmp(path + n - strlen(exts[i]), exts[i]) == 0)
            k = strlen(exts[i]);
    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path) + 1) : xstrdup(".");
    const char *image_name = slash ? slash + 1 : path;
    _cleanup_free_ char *stem = xstrndup(image_name, strlen(image_name) - k);
    if (k && name_taken(dir, image_name, stem)) {
        char *with_format = xasprintf("%s-%s", stem, path + n - k + 1);
        for (char *c = with_format + strlen(stem); *c; c++)
            *c = *c == '.' ? '-' : *c;
        free(stem);
        stem = with_format;
    }
    _cleanup_free_ char *free_name = xstrdup(stem);
    for (unsigned i = 2; name_taken(dir, image_name, free_name) && i < 1000; i++) {
        free(free_name);
        free_name = xasprintf("%s-%u", stem, i);
    }
    csm_result_var(r, "stem", "%.*s%s", slash ? (int)(slash - path) + 1 : 0, path, free_name);
}

static const char *role_disk(const struct csm_scan *s)
{
    return s->opts->role == CSM_ROLE_DATA ? "data disk" : "system disk";
}

/* The guest disk, or NULL after a skip (nothing to read) or an error:
 * a check of the guest never passes on a disk that was not read. */
const struct csm_disk *csm_image_guest_disk(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_image_facts *im = csm_facts_image(s);
    csm_result_var(r, "file", "%s", im->path);
    if (!supported(im->info) || raw_unrecognised(im)) {
        csm_result_skip(r, "no-image", "%s holds no disk image this tool reads (see image.format)", im->path);
        return NULL;
    }
    if (!im->disk) {
        csm_result_error(r, "%s", im->disk_why ? im->disk_why : "the guest disk cannot be read");
        return NULL;
    }
    return im->disk;
}

static void format_evidence(struct csm_result *r, const struct csm_image_facts *im)
{
    const struct csm_image_info *in = im->info;
    char a[32];
    csm_result_evidence(r, "file", "%s (%s, %llu bytes)", im->path, size_str(in->file_size, a),
                        (unsigned long long)in->file_size);
    if (in->package)
        csm_result_evidence(r, "package", "%s holding %s (%llu bytes)", in->package, in->member ? in->member : "?",
                            (unsigned long long)in->member_size);
    struct csm_evidence *e = csm_result_evidence(r, "content", "%s%s%s", in->format_name, in->subformat ? " " : "",
                                                 in->subformat ? in->subformat : "");
    if (in->format == CSM_IMAGE_REFUSED)
        csm_evidence_problem(e, "not one of the formats the service accepts (qcow2, vhd, vmdk, raw)");
    else if (in->format == CSM_IMAGE_EMPTY)
        csm_evidence_problem(e, "the file is empty");
    else if (raw_unrecognised(im))
        csm_evidence_problem(e, "no partition table and no filesystem at its start: not a disk image");
}

void csm_check_image_format(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_image_facts *im = csm_facts_image(s);
    const struct csm_image_info *in = im->info;
    const char *expected = in->package ? in->package : in->format_name;

    csm_result_var(r, "file", "%s", im->path);
    set_stem(r, im->path);
    csm_result_var(r, "format", "%s", in->format_name);
    csm_result_var(r, "subformat", "%s", in->subformat ? in->subformat : "");
    csm_result_var(r, "package", "%s", in->package ? in->package : "");
    csm_result_var(r, "member", "%s", in->member ? in->member : "");
    csm_result_var(r, "named", "%s", in->name_format ? in->name_format : "");
    format_evidence(r, im);

    bool mismatch = in->name_format && !streq(in->name_format, expected) &&
                    !(streq(in->name_format, "tar") && streq(expected, "tar.gz"));
    if (mismatch) {
        struct csm_evidence *e = csm_result_evidence(r, "file name", "says %s", in->name_format);
        csm_evidence_problem(e, "the content is %s", expected);
    }
    if (in->format == CSM_IMAGE_EMPTY)
        csm_result_set(r, CSM_FAIL, "empty");
    else if (in->format == CSM_IMAGE_REFUSED)
        csm_result_set(r, CSM_FAIL, "refused");
    else if (in->format == CSM_IMAGE_UNKNOWN || raw_unrecognised(im))
        csm_result_set(r, CSM_FAIL, "unknown");
    else if (mismatch)
        csm_result_set(r, CSM_WARN, "name-mismatch");
    else if (in->format == CSM_IMAGE_RAW && im->disk && !im->disk->label && !im->disk->whole_fstype)
        csm_result_set(r, CSM_WARN, "blank");
    else
        csm_result_set(r, CSM_PASS, in->package ? "package" : in->format_name);
}

/* The verdict of a set of problems: the gravest kind present. */
static const char *integrity_outcome(const bool *kinds, bool read_errors, enum csm_status *st)
{
    static const struct {
        enum csm_image_problem_kind kind;
        const char *outcome;
        enum csm_status status;
    } order[] = {
        { CSM_IMGP_TRUNCATED, "truncated", CSM_FAIL },     { CSM_IMGP_CORRUPT, "corrupt", CSM_FAIL },
        { CSM_IMGP_ENCRYPTED, "encrypted", CSM_FAIL },     { CSM_IMGP_DEPENDENT, "dependent", CSM_FAIL },
        { CSM_IMGP_UNSUPPORTED, "unsupported", CSM_FAIL }, { CSM_IMGP_UNVERIFIED, "unverified", CSM_WARN },
        { CSM_IMGP_PARTIAL, "partial", CSM_WARN },         { CSM_IMGP_UNCLEAN, "unclean", CSM_WARN },
    };
    for (size_t i = 0; i < ARRAY_SIZE(order); i++)
        if (kinds[order[i].kind]) {
            *st = order[i].status;
            return order[i].outcome;
        }
    *st = read_errors ? CSM_FAIL : CSM_PASS;
    return read_errors ? "corrupt" : "consistent";
}

void csm_check_image_integrity(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_image_facts *im = csm_facts_image(s);
    const struct csm_image_info *in = im->info;
    bool kinds[CSM_IMGP_KINDS] = { 0 };

    csm_result_var(r, "file", "%s", im->path);
    set_stem(r, im->path);
    csm_result_var(r, "format", "%s", in->format_name);
    if (!in->n_problems && (!supported(in) || raw_unrecognised(im))) {
        csm_result_skip(r, "no-image", "%s holds no disk image this tool reads (see image.format)", im->path);
        return;
    }
    for (size_t i = 0; i < in->n_problems; i++) {
        const struct csm_image_problem *p = &in->problems[i];
        struct csm_evidence *e = csm_result_evidence(r, p->field, "offset %llu", (unsigned long long)p->offset);
        csm_evidence_problem(e, "%s", p->what);
        csm_evidence_source(e, "%s", csm_image_problem_kind_name(p->kind));
        csm_result_list(r, "problems", "%s at offset %llu: %s", p->field, (unsigned long long)p->offset, p->what);
        kinds[p->kind] = true;
    }
    if (in->n_dropped)
        csm_result_evidence(r, "more", "%zu further problems were not listed", in->n_dropped);
    for (size_t i = 0; im->read_errors && im->read_errors[i]; i++) {
        csm_evidence_problem(csm_result_evidence(r, "guest read", "%s", im->read_errors[i]),
                             "the guest disk cannot be read there");
        if (!in->n_problems)
            csm_result_list(r, "problems", "%s", im->read_errors[i]);
    }
    for (size_t i = 0; in->notes && in->notes[i]; i++)
        csm_result_evidence(r, "note", "%s", in->notes[i]);
    if (in->allocated_known)
        csm_result_evidence(r, "checked", "header, tables and every allocation entry");
    csm_result_var(r, "count", "%zu", in->n_problems + in->n_dropped + strv_length(im->read_errors));
    if (!in->readable && !in->n_problems) {
        csm_result_error(r, "%s", in->unreadable_why ? in->unreadable_why : "the guest disk cannot be read");
        return;
    }
    enum csm_status st;
    const char *outcome = integrity_outcome(kinds, im->read_errors != NULL, &st);
    csm_result_set(r, st, outcome);
}

void csm_check_image_size(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_image_facts *im = csm_facts_image(s);
    const struct csm_image_info *in = im->info;
    uint64_t target = s->opts->target_disk_size, vs = in->virtual_size;
    char v[32], f[32], a[32], t[32];

    csm_result_var(r, "file", "%s", im->path);
    set_stem(r, im->path);
    csm_result_var(r, "role_disk", "%s", role_disk(s));
    csm_result_var(r, "virtual", "%s", size_str(vs, v));
    csm_result_var(r, "file_size", "%s", size_str(in->file_size, f));
    csm_result_var(r, "allocated", "%s", in->allocated_known ? size_str(in->allocated, a) : "unknown");
    csm_result_var(r, "target", "%s", target ? size_str(target, t) : "not given");
    if (!supported(in) || raw_unrecognised(im)) {
        csm_result_skip(r, "no-image", "%s holds no disk image this tool reads (see image.format)", im->path);
        return;
    }
    if (!vs) {
        csm_result_error(r, "the virtual size of %s is not known (see image.integrity)", im->path);
        return;
    }
    struct csm_evidence *ev = csm_result_evidence(r, "virtual size", "%s (%llu bytes)", v, (unsigned long long)vs);
    if (vs % 512)
        csm_evidence_note(ev, "not a whole number of 512-byte sectors");
    csm_result_evidence(r, "file size", "%s (%llu bytes)", f, (unsigned long long)in->file_size);
    if (in->allocated_known)
        csm_result_evidence(r, "allocated", "%s (%llu bytes) of the guest disk hold data", a,
                            (unsigned long long)in->allocated);
    if (!target) {
        csm_result_skip(r, "no-target-size", "virtual size %s, file %s; no --target-disk-size given to compare with "
                        "the target %s", v, f, role_disk(s));
        return;
    }
    struct csm_evidence *te = csm_result_evidence(r, "target disk", "%s (%llu bytes), the instance's %s", t,
                                                  (unsigned long long)target, role_disk(s));
    if (target < vs) {
        csm_evidence_problem(te, "smaller than the virtual disk");
        csm_result_set(r, CSM_FAIL, "too-small");
    } else if (target < in->file_size) {
        csm_evidence_problem(te, "smaller than the image file");
        csm_result_set(r, CSM_FAIL, "file-too-large");
    } else {
        csm_result_set(r, CSM_PASS, "fits");
    }
}

static bool any_past_end(const struct csm_image_facts *im, struct csm_result *r)
{
    bool any = false;
    for (size_t i = 0; im->disk && i < im->disk->n_parts; i++) {
        const struct csm_partition *p = &im->disk->parts[i];
        if (!im->parts[i].past_end)
            continue;
        csm_evidence_problem(csm_result_evidence(r, "partition", "%zu: sectors %llu-%llu", p->partno,
                                                 (unsigned long long)p->start, (unsigned long long)p->end),
                             "ends past the end of the disk (%llu sectors): the export stopped too early",
                             (unsigned long long)im->disk->nsectors);
        csm_result_list(r, "cut", "%zu", p->partno);
        any = true;
    }
    return any;
}

void csm_check_image_partition_table(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_disk *d = csm_image_guest_disk(s, r);
    const struct csm_image_facts *im = csm_facts_image(s);
    char size[32];
    if (!d)
        return;
    csm_result_var(r, "size", "%s", size_str(d->size, size));
    struct csm_evidence *e = csm_partition_table_row(r, d);
    struct csm_evidence *mbr = csm_result_evidence(r, "MBR", "boot code %s (bytes 0-439), signature %s (offset 510)",
                                                   d->boot_code ? "present" : "absent",
                                                   d->mbr_signature ? "0x55AA" : "absent");
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        if (!im->parts[i].past_end)
            csm_result_evidence(r, "partition", "%zu: sectors %llu-%llu, %s%s%s", p->partno,
                                (unsigned long long)p->start, (unsigned long long)p->end, p->type ? p->type : "?",
                                p->fstype ? ", " : "", p->fstype ? p->fstype : "");
    }
    if (any_past_end(im, r)) {
        csm_result_set(r, CSM_FAIL, "past-end");
        return;
    }
    if (s->opts->role == CSM_ROLE_DATA) {
        csm_result_skip(r, "data-role", "a data disk is not booted: its partition table (%s) does not matter to "
                        "the import", d->label ? d->label : "none");
        return;
    }
    if (d->label && streq(d->label, "dos") && !d->boot_code) {
        csm_evidence_problem(mbr, "no boot code: nothing starts the boot loader");
        csm_result_set(r, CSM_FAIL, "no-boot-code");
        return;
    }
    csm_judge_partition_table(r, d, e);
}

static void fs_row(struct csm_result *r, const struct csm_image_facts *im, size_t i)
{
    const struct csm_partition *p = &im->disk->parts[i];
    const struct csm_image_part *ip = &im->parts[i];
    char size[32];
    struct csm_evidence *e = csm_result_evidence(
        r, "partition", "%zu: %s, %s%s%s%s%s%s%s", p->partno, size_str(p->size * im->disk->sector_size, size),
        p->fstype ? p->fstype : p->container ? "extended" : "no filesystem found", p->uuid ? ", UUID=" : "",
        p->uuid ? p->uuid : "", p->label ? ", LABEL=" : "", p->label ? p->label : "",
        ip->last_mounted ? ", last mounted on " : "", ip->last_mounted ? ip->last_mounted : "");
    csm_evidence_source(e, "sectors %llu-%llu, type %s", (unsigned long long)p->start, (unsigned long long)p->end,
                        p->type_code ? p->type_code : "?");
    if (ip->use)
        csm_evidence_note(e, "%s (%s)", ip->use, ip->use_why);
    if (p->fstype || p->lvm)
        csm_result_list(r, "filesystems", "%zu: %s%s%s", p->partno, p->fstype ? p->fstype : "LVM",
                        ip->use ? " " : "", ip->use ? ip->use : "");
}

static bool duplicate_uuids(struct csm_result *r, const struct csm_disk *d)
{
    bool dup = false;
    for (size_t i = 0; i < d->n_parts; i++)
        for (size_t j = i + 1; j < d->n_parts; j++)
            if (d->parts[i].uuid && d->parts[j].uuid && strcasecmp(d->parts[i].uuid, d->parts[j].uuid) == 0) {
                csm_evidence_problem(csm_result_evidence(r, "UUID", "%s", d->parts[i].uuid),
                                     "on partitions %zu and %zu: mounting by UUID picks either",
                                     d->parts[i].partno, d->parts[j].partno);
                csm_result_list(r, "duplicates", "%s", d->parts[i].uuid);
                dup = true;
            }
    return dup;
}

void csm_check_image_filesystems(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_disk *d = csm_image_guest_disk(s, r);
    const struct csm_image_facts *im = csm_facts_image(s);
    if (!d)
        return;
    size_t n = 0;
    for (size_t i = 0; i < d->n_parts; i++) {
        fs_row(r, im, i);
        n += d->parts[i].fstype || d->parts[i].lvm;
    }
    if (d->whole_fstype) {
        csm_result_evidence(r, "whole disk", "%s%s%s", d->whole_fstype, d->whole_uuid ? ", UUID=" : "",
                            d->whole_uuid ? d->whole_uuid : "");
        csm_result_list(r, "filesystems", "whole disk: %s", d->whole_fstype);
        n++;
    }
    csm_result_var(r, "count", "%zu", n);
    csm_result_var(r, "root", "%s", im->root >= 0 ? "" : "unknown");
    if (im->root >= 0)
        csm_result_var(r, "root", "partition %zu (%s)", d->parts[im->root].partno, im->parts[im->root].use_why);
    else if (im->lvm >= 0)
        csm_result_var(r, "root", "inside the LVM volume group on partition %zu", d->parts[im->lvm].partno);
    for (size_t i = 0; i < d->n_parts; i++) {
        if (d->parts[i].esp)
            csm_result_list(r, "esp", "partition %zu", d->parts[i].partno);
        if (d->parts[i].fstype && streq(d->parts[i].fstype, "swap"))
            csm_result_list(r, "swap", "partition %zu", d->parts[i].partno);
    }
    if (!n)
        csm_result_set(r, CSM_FAIL, "none");
    else if (duplicate_uuids(r, d))
        csm_result_set(r, CSM_WARN, "duplicate-uuid");
    else if (s->opts->role == CSM_ROLE_SYSTEM && im->root < 0 && im->lvm < 0)
        csm_result_set(r, CSM_WARN, "no-root");
    else
        csm_result_set(r, CSM_PASS, "found");
}

/* A partition the system needs: inside the image, and with its filesystem. */
static void needed(struct csm_result *r, const struct csm_image_facts *im, int i, const char *what, bool *cut)
{
    const struct csm_partition *p = &im->disk->parts[i];
    struct csm_evidence *e = csm_result_evidence(r, what, "partition %zu, sectors %llu-%llu%s%s", p->partno,
                                                 (unsigned long long)p->start, (unsigned long long)p->end,
                                                 p->fstype ? ", " : "", p->fstype ? p->fstype : "");
    csm_evidence_note(e, "%s", im->parts[i].use_why ? im->parts[i].use_why : "");
    if (im->parts[i].past_end) {
        csm_evidence_problem(e, "ends past the end of the disk (%llu sectors)", (unsigned long long)im->disk->nsectors);
        csm_result_list(r, "problems", "partition %zu (%s) ends past the end of the image", p->partno, what);
        *cut = true;
    }
}

void csm_check_image_bootable(struct csm_scan *s, struct csm_result *r)
{
    if (s->opts->role == CSM_ROLE_DATA) {
        csm_result_var(r, "file", "%s", s->opts->image);
        csm_result_skip(r, "data-role", "a data disk is not booted");
        return;
    }
    const struct csm_disk *d = csm_image_guest_disk(s, r);
    const struct csm_image_facts *im = csm_facts_image(s);
    bool cut = false;
    if (!d)
        return;
    csm_result_var(r, "root", "%s", "unknown");
    csm_result_var(r, "boot", "%s", "on /");
    struct csm_evidence *mbr = csm_result_evidence(r, "MBR", "%s partition table, boot code %s",
                                                   d->label ? d->label : "no", d->boot_code ? "present" : "absent");
    /* A GPT image boots where the rules accept GPT (a site that gives
     * image.partition-table, or disk.partition-table, a lower severity):
     * from boot code in its protective MBR, or by EFI from its ESP. */
    const struct csm_rule *table = csm_ruleset_get(s->rules, "image.partition-table");
    bool gpt_ok = d->label && streq(d->label, "gpt") && table &&
                  (!table->enabled || table->severity != CSM_SEV_BLOCKER);
    bool esp = false;
    for (size_t i = 0; i < d->n_parts; i++)
        esp |= d->parts[i].esp;
    if (d->label && streq(d->label, "gpt") && !gpt_ok) {
        /* It may boot with BIOS (boot code in the protective MBR, a BIOS
         * boot partition): the offline service refuses GPT all the same. */
        for (size_t i = 0; i < d->n_parts; i++)
            if (d->parts[i].bios_boot)
                csm_result_evidence(r, "BIOS boot", "partition %zu is a BIOS boot partition", d->parts[i].partno);
        csm_evidence_problem(mbr, "a GPT disk, which the offline migration service does not accept");
        csm_result_list(r, "problems", "a GPT partition table");
        csm_result_set(r, CSM_FAIL, "gpt");
        return;
    }
    if ((!d->label || !streq(d->label, "dos")) && !gpt_ok) {
        csm_evidence_problem(mbr, "the image has no MBR partition table to boot from");
        csm_result_list(r, "problems", "no MBR partition table (%s)", d->label ? d->label : "none");
        csm_result_set(r, CSM_FAIL, "no-mbr");
        return;
    }
    csm_result_var(r, "table", "%s", !gpt_ok ? "the MBR with boot code"
                                     : d->boot_code ? "a GPT disk with boot code in its protective MBR"
                                                    : "a GPT disk with an EFI System Partition");
    if (gpt_ok)
        csm_evidence_note(mbr, "GPT, which the rules accept (image.partition-table is %s)",
                          table->enabled ? csm_severity_name(table->severity) : "disabled");
    if (!d->boot_code && !(gpt_ok && esp)) {
        csm_evidence_problem(mbr, gpt_ok ? "no boot code in the protective MBR, and no EFI System Partition"
                                         : "the MBR holds no boot code");
        csm_result_set(r, CSM_FAIL, "no-boot-code");
        return;
    }
    if (im->root >= 0) {
        csm_result_var(r, "root", "partition %zu (%s)", d->parts[im->root].partno, im->parts[im->root].use_why);
        needed(r, im, im->root, "/", &cut);
    } else if (im->lvm >= 0) {
        csm_result_var(r, "root", "the LVM volume group on partition %zu", d->parts[im->lvm].partno);
        needed(r, im, im->lvm, "LVM", &cut);
    }
    if (im->boot >= 0) {
        csm_result_var(r, "boot", "on partition %zu", d->parts[im->boot].partno);
        needed(r, im, im->boot, "/boot", &cut);
    }
    /* Root not found, but partitions were cut: / was likely among them. */
    for (size_t i = 0; im->root < 0 && i < d->n_parts; i++)
        if (im->parts[i].past_end && (int)i != im->lvm && (int)i != im->boot)
            needed(r, im, (int)i, "a partition", &cut);
    if (cut)
        csm_result_set(r, CSM_FAIL, "cut-off");
    else if (im->root < 0 && im->lvm >= 0)
        csm_result_set(r, CSM_WARN, "lvm");
    else if (im->root < 0)
        csm_result_set(r, CSM_FAIL, "no-root");
    else
        csm_result_set(r, CSM_PASS, "bootable");
}
