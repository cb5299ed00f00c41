/* The text report, for the admin at the terminal: the verdict first, then
 * what blocks, what warns, what could not be checked, what was waived or
 * skipped, what passed, the migration plan and the policy in force.
 * Colour and Unicode marks only when asked (a terminal); prose wraps at
 * the given width, commands never do, so they can be copied. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "checks/checks.h"
#include "lib/util.h"
#include "policy/waivers.h"

#define RED "\033[1;31m"
#define YELLOW "\033[1;33m"
#define GREEN "\033[32m"
#define BLUE "\033[36m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

struct out {
    FILE *f;
    const struct csm_render_opts *o;
};

static const char *c(const struct out *out, const char *code)
{
    return out->o->color ? code : "";
}

/* Prints text indented by indent columns, wrapped at the width; a word
 * longer than a line (a path, a UUID) stays whole on its own line. */
static void wrap(const struct out *out, int indent, const char *text)
{
    int width = out->o->width > indent + 20 ? out->o->width : 0;
    int col = indent;
    fprintf(out->f, "%*s", indent, "");
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, " \n");
        if (width && col > indent && col + 1 + (int)n > width) {
            fprintf(out->f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out->f);
            col++;
        }
        fwrite(p, 1, n, out->f);
        col += (int)n;
        p += n;
        while (*p == ' ' || *p == '\n')
            p++;
    }
    fputc('\n', out->f);
}

/* The mark of each group: on a terminal, and in plain ASCII. */
static const struct {
    const char *mark, *ascii, *color;
} marks[CSM_GROUP_COUNT] = {
    [CSM_GROUP_BLOCKER] = { "✗", "[BLOCKER]", RED }, [CSM_GROUP_WARNING] = { "!", "[WARNING]", YELLOW },
    [CSM_GROUP_ERROR] = { "?", "[ERROR]", RED },     [CSM_GROUP_WAIVED] = { "~", "[WAIVED]", BLUE },
    [CSM_GROUP_SKIP] = { "-", "[SKIP]", DIM },       [CSM_GROUP_INFO] = { "i", "[INFO]", BLUE },
    [CSM_GROUP_PASS] = { "✓", "[PASS]", GREEN },
};

static void header(const struct out *out, const struct csm_report *rep)
{
    _cleanup_free_ char *target = streq(rep->mode, "live")    ? xstrdup("the running system")
                                  : streq(rep->mode, "image") ? xasprintf("the image %s (%s disk)", rep->image->path,
                                                                            rep->image->role)
                                                                : xasprintf("the tree %s", rep->root);
    _cleanup_free_ char *host = !rep->host_label ? xstrdup(rep->hostname)
                                : streq(rep->hostname, "unknown") ? xstrdup(rep->host_label)
                                                                 : xasprintf("%s (hostname %s)", rep->host_label, rep->hostname);
    _cleanup_free_ char *line = xasprintf("csm-precheck %s, profile %s, %s, host %s, %s", CSM_VERSION, rep->profile,
                                          target, host, rep->generated_at);
    wrap(out, 0, line);
    fputc('\n', out->f);
}

static void verdict_line(const struct out *out, const struct csm_report *rep)
{
    static const char *const colors[] = { GREEN, YELLOW, RED, RED };
    char title[32];
    snprintf(title, sizeof(title), "%s", csm_verdict_title(rep->verdict));
    for (char *p = title; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    _cleanup_free_ char *verdict = xasprintf("%s: %s", title, csm_verdict_sentence(rep->verdict));
    fputs(c(out, colors[rep->verdict]), out->f);
    wrap(out, 0, verdict);
    fputs(c(out, RESET), out->f);
    if (out->o->detail < 0)
        return;
    _cleanup_free_ char *counts = xasprintf(
        "%u passed, %u failed (%u %s), %u warned, %u skipped, %u could not be checked, %u waived.",
        rep->counts[CSM_PASS], rep->counts[CSM_FAIL], rep->failed_blockers,
        rep->failed_blockers == 1 ? "blocker" : "blockers", rep->counts[CSM_WARN], rep->counts[CSM_SKIP],
        rep->counts[CSM_ERROR], rep->counts[CSM_WAIVED]);
    wrap(out, 0, counts);
    if (streq(rep->mode, "root")) {
        _cleanup_free_ char *note =
            xasprintf("Commands are written for the system itself: run them inside it (chroot %s).", rep->root);
        wrap(out, 0, note);
    }
}

static void evidence_block(const struct out *out, const struct csm_result *r, bool all)
{
    for (size_t i = 0; i < r->n_evidence; i++) {
        const struct csm_evidence *e = r->evidence[i];
        if (!e->problem && !all)
            continue;
        _cleanup_free_ char *line = xasprintf("%s: %s%s%s%s", e->label, e->value, e->source ? " (" : "",
                                              e->source ? e->source : "", e->source ? ")" : "");
        fputs(c(out, e->problem ? "" : DIM), out->f);
        wrap(out, 4, line);
        if (e->note)
            wrap(out, 6, e->note);
        fputs(c(out, e->problem ? "" : RESET), out->f);
    }
}

static void result_block(const struct out *out, const struct csm_result *r, enum csm_group g)
{
    FILE *f = out->f;
    const char *mark = out->o->unicode ? marks[g].mark : marks[g].ascii;
    /* The title goes on its own line when it does not fit beside the id. */
    int len = 2 + (out->o->unicode ? 1 : (int)strlen(mark)) + 1 + (int)strlen(r->check->id) + 2 + (int)strlen(r->title);
    bool fits = !out->o->width || len <= out->o->width;
    fprintf(f, "  %s%s%s %s%s%s%s", c(out, marks[g].color), mark, c(out, RESET), c(out, BOLD), r->check->id,
            c(out, RESET), fits ? "  " : "\n");
    if (fits)
        fprintf(f, "%s\n", r->title);
    else
        wrap(out, 4, r->title);
    wrap(out, 4, r->message);
    if (g == CSM_GROUP_WAIVED && r->waiver) {
        _cleanup_free_ char *w = xasprintf("Waived (was %s): %s%s%s%s%s (%s)", csm_status_name(r->waived_status),
                                           r->waiver->reason, r->waiver->approved_by ? "; approved by " : "",
                                           r->waiver->approved_by ? r->waiver->approved_by : "",
                                           r->waiver->expires ? "; until " : "",
                                           r->waiver->expires ? r->waiver->expires : "", r->waiver->source);
        wrap(out, 4, w);
    }
    if (g == CSM_GROUP_PASS || g == CSM_GROUP_SKIP || g == CSM_GROUP_INFO) {
        if (out->o->detail > 0)
            evidence_block(out, r, true);
        return;
    }
    evidence_block(out, r, out->o->detail > 0);
    if (r->hint) {
        _cleanup_free_ char *hint = xasprintf("Fix: %s", r->hint);
        wrap(out, 4, hint);
    }
    for (size_t i = 0; r->commands && r->commands[i]; i++)
        fprintf(f, "      %s$%s %s\n", c(out, DIM), c(out, RESET), r->commands[i]);
}

/* The system disk in one line, to scale: each partition a run that starts
 * with its number and mount point, '=' inside the copy and '-' past it,
 * free space '.'; '[' is sector 0 (the MBR), ']' where the copy stops and
 * '|' the end of the disk. */
static void disk_map(const struct out *out, const struct csm_plan *p)
{
    char size[32];
    uint64_t ss = p->sector_size ? p->sector_size : 512, sectors = p->disk_bytes / ss;
    int cells = (out->o->width ? out->o->width : 80) - 22;
    cells = cells > 64 ? 64 : cells < 16 ? 16 : cells;
    if (!sectors)
        return;
    char bar[80];
    int owner[80];
    for (int c = 0; c < cells; c++) {
        uint64_t first = sectors * (uint64_t)c / (uint64_t)cells, last = sectors * (uint64_t)(c + 1) / (uint64_t)cells;
        owner[c] = -1;
        /* A cell shows the partition that covers most of it. */
        uint64_t best = 0;
        for (size_t i = 0; i < p->n_parts; i++) {
            uint64_t a = p->parts[i].start > first ? p->parts[i].start : first;
            uint64_t b = p->parts[i].end + 1 < last ? p->parts[i].end + 1 : last;
            if (b > a && b - a > best && !(p->parts[i].type && strstr(p->parts[i].type, "Extended"))) {
                best = b - a;
                owner[c] = (int)i;
            }
        }
        bar[c] = '.';
    }
    /* The cut: after the cell that holds the last sector copied. */
    int cut = p->whole ? cells : (int)(((p->last_sector + 1) * (uint64_t)cells + sectors - 1) / sectors);
    cut = cut < 1 ? 1 : cut > cells ? cells : cut;
    for (int c = 0; c < cells; c++)
        if (owner[c] >= 0)
            bar[c] = c < cut ? '=' : '-';
    for (int c = 0; c < cells; c++) {
        if (owner[c] < 0 || (c && owner[c - 1] == owner[c]))
            continue;
        const struct csm_plan_part *pp = &p->parts[owner[c]];
        int run = 0;
        while (c + run < cells && owner[c + run] == owner[c])
            run++;
        char label[48];
        int n = snprintf(label, sizeof(label), "%zu %s", pp->partno, pp->mount ? pp->mount : pp->fstype ? pp->fstype : "");
        if (n >= run)
            n = snprintf(label, sizeof(label), "%zu", pp->partno);
        for (int k = 0; k < n && k < run; k++)
            bar[c + k] = label[k];
    }
    fprintf(out->f, "  Map: [%.*s]%.*s%s %s\n", cut, bar, cells - cut, bar + cut, cut < cells ? "|" : "",
            csm_format_size(p->disk_bytes, size, sizeof(size)));
}

static void plan_line(const struct out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plan_line(const struct out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *line = xvasprintf(fmt, ap);
    va_end(ap);
    wrap(out, 2, line);
}

/* An image's plan: what it holds, what its import lacks, what was not read. */
static void plan_image_lines(const struct out *out, const struct csm_plan *p)
{
    _cleanup_free_ char *holds = xasprintf("Holds: %s", p->boot_code ? "the MBR with boot code"
                                                        : p->mbr_signature ? "an MBR without boot code"
                                                                           : "no MBR");
    for (size_t i = 0; i < p->n_holds; i++) {
        char *more = xasprintf("%s; %s on %s%s%s%s", holds, p->holds[i].mount, p->holds[i].where,
                               p->holds[i].fstype ? " (" : "", p->holds[i].fstype ? p->holds[i].fstype : "",
                               p->holds[i].fstype ? ")" : "");
        free(holds);
        holds = more;
    }
    plan_line(out, "%s.", holds);
    if (!p->n_missing)
        plan_line(out, "Missing: %s", p->guest_reason ? "nothing the partition table shows" : "nothing the import needs to boot");
    for (size_t i = 0; i < p->n_missing; i++)
        plan_line(out, "Missing: %s", p->missing[i].message);
    if (p->guest_reason)
        plan_line(out, "Not known: what the filesystems hold: %s", p->guest_reason);
}

static void plan_section(const struct out *out, const struct csm_plan *p)
{
    char a[32], b[32];
    fprintf(out->f, "\n%sMigration plan%s\n", c(out, BOLD), c(out, RESET));
    if (!p->available) {
        plan_line(out, "Not available: %s", p->reason);
        return;
    }
    plan_line(out, "%s: %s, %s, %s.", p->kind == CSM_PLAN_IMAGE ? "Image" : "System disk", p->disk,
              csm_format_size(p->disk_bytes, a, sizeof(a)), p->label ? p->label : "no partition table");
    disk_map(out, p);
    for (size_t i = 0; i < p->n_parts; i++) {
        const struct csm_plan_part *pp = &p->parts[i];
        if (!pp->device)
            snprintf(b, sizeof(b), "partition %zu", pp->partno);
        plan_line(out, "%s %s: %s, %s%s%s; %s", pp->required ? "+" : "-", pp->device ? pp->device : b,
                  csm_format_size(pp->bytes, a, sizeof(a)), pp->type ? pp->type : "?", pp->fstype ? ", " : "",
                  pp->fstype ? pp->fstype : "", pp->why);
    }
    if (p->kind == CSM_PLAN_IMAGE)
        plan_image_lines(out, p);
    else
        plan_line(out, "Copy: %s, sectors 0-%llu, %llu bytes (%s)%s%s.",
                  p->whole ? "the whole disk" : "the MBR through the last needed partition",
                  (unsigned long long)p->last_sector, (unsigned long long)p->copy_bytes,
                  csm_format_size(p->copy_bytes, a, sizeof(a)), p->whole_why ? "; " : "", p->whole_why ? p->whole_why : "");
    plan_line(out, "Target disk: at least %llu GiB.", (unsigned long long)p->min_target_gib);
    for (size_t i = 0; p->commands && p->commands[i]; i++)
        fprintf(out->f, "    %s$%s %s\n", c(out, DIM), c(out, RESET), p->commands[i]);
    for (size_t i = 0; p->notes && p->notes[i]; i++)
        plan_line(out, "Note: %s", p->notes[i]);
}

static void waiver_lines(const struct out *out, const struct csm_waivers *ws, bool expired, const char *what)
{
    for (size_t i = 0; i < ws->n; i++) {
        const struct csm_waiver *w = &ws->w[i];
        if (w->expired != expired || (!expired && w->uses))
            continue;
        _cleanup_free_ char *line = xasprintf("%s waiver for %s (%s): %s", what, w->id, w->source, w->reason);
        wrap(out, 2, line);
    }
}

/* What differs from the shipped rules, and by which file. */
static void policy_section(const struct out *out, const struct csm_report *rep)
{
    if (!rep->n_overrides && !rep->waivers)
        return;
    fprintf(out->f, "\n%sPolicy%s\n", c(out, BOLD), c(out, RESET));
    for (size_t i = 0; i < rep->n_overrides; i++) {
        const struct csm_override *x = &rep->overrides[i];
        _cleanup_free_ char *line = xasprintf("%s %s = %s (shipped: %s; set by %s)", x->id, x->key, x->value,
                                              x->shipped ? x->shipped : "unset", x->source);
        wrap(out, 2, line);
    }
    if (rep->waivers) {
        _cleanup_free_ char *head = xasprintf("Waivers from %s (%zu)", rep->waivers->path, rep->waivers->n);
        wrap(out, 2, head);
        waiver_lines(out, rep->waivers, true, "Expired, ignored:");
        waiver_lines(out, rep->waivers, false, "Unused:");
    }
}

static void image_part(const struct out *out, const struct csm_report_image *im, const struct csm_report_part *p)
{
    char a[32];
    fprintf(out->f, "  %2zu %s %12llu-%-12llu %10s  %-18s %-8s", p->partno, p->bootable ? "*" : " ",
            (unsigned long long)p->start, (unsigned long long)p->end, csm_format_size(p->bytes, a, sizeof(a)),
            p->type ? p->type : "?", p->fstype ? p->fstype : "-");
    if (p->uuid)
        fprintf(out->f, " UUID=%s", p->uuid);
    if (p->label)
        fprintf(out->f, " LABEL=%s", p->label);
    if (p->use)
        fprintf(out->f, "  %s%s%s (%s)%s", c(out, BOLD), p->use, c(out, RESET), p->use_why, "");
    if (p->past_end)
        fprintf(out->f, "  %sends past the end of the disk%s", c(out, RED), c(out, RESET));
    fputc('\n', out->f);
    (void)im;
}

static void image_section(const struct out *out, const struct csm_report_image *im)
{
    FILE *f = out->f;
    char a[32], b[32];
    fprintf(f, "\n%sImage%s\n", c(out, BOLD), c(out, RESET));
    fprintf(f, "  File:         %s, %s (%llu bytes)\n", im->path, csm_format_size(im->file_size, a, sizeof(a)),
            (unsigned long long)im->file_size);
    if (im->package)
        fprintf(f, "  Package:      %s, member %s\n", im->package, im->member ? im->member : "?");
    fprintf(f, "  Format:       %s%s%s\n", im->format ? im->format : "?", im->subformat ? " " : "",
            im->subformat ? im->subformat : "");
    if (im->virtual_size)
        fprintf(f, "  Virtual disk: %s (%llu bytes), %s%s allocated\n", csm_format_size(im->virtual_size, a, sizeof(a)),
                (unsigned long long)im->virtual_size,
                im->allocated_known ? csm_format_size(im->allocated, b, sizeof(b)) : "unknown",
                im->allocated_known ? "" : " bytes");
    fprintf(f, "  Role:         %s disk\n", im->role);
    if (!im->readable) {
        fprintf(f, "  Guest disk:   not read: %s\n", im->unreadable_why ? im->unreadable_why : "unknown");
        return;
    }
    fprintf(f, "  Partitions:   %s%s%s, MBR boot code %s, signature %s\n", im->label ? im->label : "no partition table",
            im->disk_id ? " " : "", im->disk_id ? im->disk_id : "", im->boot_code ? "present" : "absent",
            im->mbr_signature ? "0x55AA" : "absent");
    if (im->whole_fstype)
        fprintf(f, "  Whole disk:   %s\n", im->whole_fstype);
    for (size_t i = 0; i < im->n_parts; i++)
        image_part(out, im, &im->parts[i]);
}

/* --quiet shows what stops the migration: the blockers that failed, and
 * those that could not be checked (what makes a report incomplete). */
static bool quiet_shows(const struct csm_render_opts *o, const struct csm_result *r, enum csm_group g)
{
    return o->detail >= 0 || g == CSM_GROUP_BLOCKER || (g == CSM_GROUP_ERROR && r->severity == CSM_SEV_BLOCKER);
}

int csm_report_write_text(const struct csm_report *rep, FILE *f, const struct csm_render_opts *o)
{
    struct out out = { f, o };
    if (o->detail >= 0)
        header(&out, rep);
    verdict_line(&out, rep);
    for (enum csm_group g = CSM_GROUP_BLOCKER; g < CSM_GROUP_COUNT; g++) {
        bool any = false;
        for (size_t i = 0; i < rep->n_results; i++) {
            if (csm_result_group(&rep->results[i]) != g || !quiet_shows(o, &rep->results[i], g))
                continue;
            if (!any)
                fprintf(f, "\n%s%s%s\n", c(&out, BOLD), csm_group_heading(g), c(&out, RESET));
            any = true;
            result_block(&out, &rep->results[i], g);
        }
    }
    if (o->detail >= 0) {
        if (rep->image)
            image_section(&out, rep->image);
        plan_section(&out, &rep->plan);
        policy_section(&out, rep);
    }
    return ferror(f) ? -EIO : 0;
}
