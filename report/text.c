/* The text report, for the admin at the terminal: the verdict first, then
 * what blocks, what warns, what could not be checked, what passed, and
 * the migration plan. Colour and Unicode marks only when asked (a tty). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "checks/checks.h"
#include "util.h"

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

enum group { G_BLOCKER, G_WARNING, G_ERROR, G_SKIP, G_INFO, G_PASS };

static enum group group_of(const struct csm_result *r)
{
    if (r->status == CSM_PASS)
        return G_PASS;
    if (r->status == CSM_SKIP)
        return G_SKIP;
    if (r->status == CSM_ERROR)
        return G_ERROR;
    if (r->severity == CSM_SEV_INFO)
        return G_INFO;
    return r->status == CSM_FAIL && r->severity == CSM_SEV_BLOCKER ? G_BLOCKER : G_WARNING;
}

static const struct {
    const char *heading, *mark, *ascii, *color;
} groups[] = {
    [G_BLOCKER] = { "Blockers", "✗", "[BLOCKER]", RED },
    [G_WARNING] = { "Warnings", "!", "[WARNING]", YELLOW },
    [G_ERROR] = { "Could not be checked", "?", "[ERROR]", RED },
    [G_SKIP] = { "Skipped", "-", "[SKIP]", DIM },
    [G_INFO] = { "Notes", "i", "[INFO]", BLUE },
    [G_PASS] = { "Passed", "✓", "[PASS]", GREEN },
};

static void header(const struct out *out, const struct csm_report *rep)
{
    fprintf(out->f, "%scsm-precheck %s%s  profile %s  ", c(out, BOLD), CSM_VERSION, c(out, RESET), rep->profile);
    if (rep->mode == CSM_MODE_LIVE)
        fprintf(out->f, "live system");
    else if (rep->mode == CSM_MODE_IMAGE)
        fprintf(out->f, "image %s (%s disk)", rep->image->path, rep->image->role);
    else
        fprintf(out->f, "tree %s", rep->root);
    fprintf(out->f, "  host %s  %s\n\n", rep->hostname, rep->generated_at);
}

static void verdict_line(const struct out *out, const struct csm_report *rep)
{
    static const char *const words[] = {
        [CSM_VERDICT_READY] = "READY: nothing stands in the way of the migration.",
        [CSM_VERDICT_WARNINGS] = "READY WITH WARNINGS: review them before the migration.",
        [CSM_VERDICT_BLOCKED] = "BLOCKED: fix the blockers below before the migration.",
        [CSM_VERDICT_INCOMPLETE] = "INCOMPLETE: a blocker could not be checked; see below.",
    };
    static const char *const colors[] = { GREEN, YELLOW, RED, RED };
    fprintf(out->f, "%s%s%s\n", c(out, colors[rep->verdict]), words[rep->verdict], c(out, RESET));
    fprintf(out->f, "%u passed, %u failed, %u warned, %u skipped, %u errors (%u blockers failed)\n",
            rep->counts[CSM_PASS], rep->counts[CSM_FAIL], rep->counts[CSM_WARN], rep->counts[CSM_SKIP],
            rep->counts[CSM_ERROR], rep->failed_blockers);
}

static void result_block(const struct out *out, const struct csm_result *r, enum group g)
{
    FILE *f = out->f;
    fprintf(f, "  %s%s%s %s%s%s  %s\n", c(out, groups[g].color), out->o->unicode ? groups[g].mark : groups[g].ascii,
            c(out, RESET), c(out, BOLD), r->check->id, c(out, RESET), r->title);
    fprintf(f, "    %s\n", r->message);
    if (g == G_PASS || g == G_SKIP)
        return;
    for (size_t i = 0; i < r->n_evidence; i++) {
        const struct csm_evidence *e = &r->evidence[i];
        if (!e->problem)
            continue;
        fprintf(f, "    %s%s: %s%s%s%s%s%s\n", c(out, DIM), e->label, e->value, e->source ? "  (" : "",
                e->source ? e->source : "", e->source ? ")" : "", c(out, RESET), "");
        if (e->note)
            fprintf(f, "      %s\n", e->note);
    }
    if (r->hint)
        fprintf(f, "    Fix: %s\n", r->hint);
    for (size_t i = 0; r->commands && r->commands[i]; i++)
        fprintf(f, "      %s$%s %s\n", c(out, DIM), c(out, RESET), r->commands[i]);
}

static void plan_section(const struct out *out, const struct csm_plan *p)
{
    FILE *f = out->f;
    char a[32], b[32];
    fprintf(f, "\n%sMigration plan%s\n", c(out, BOLD), c(out, RESET));
    if (!p->available) {
        fprintf(f, "  not available: %s\n", p->reason);
        return;
    }
    fprintf(f, "  System disk:  %s, %s, %s\n", p->disk, csm_format_size(p->disk_bytes, a, sizeof(a)),
            p->label ? p->label : "no partition table");
    for (size_t i = 0; i < p->n_parts; i++) {
        const struct csm_plan_part *pp = &p->parts[i];
        fprintf(f, "  %s %-14s %s, %s%s%s: %s\n", pp->required ? "+" : " ",
                pp->device ? pp->device : (snprintf(b, sizeof(b), "partition %zu", pp->partno), b),
                csm_format_size(pp->bytes, a, sizeof(a)), pp->type ? pp->type : "?", pp->fstype ? ", " : "",
                pp->fstype ? pp->fstype : "", pp->why);
    }
    fprintf(f, "  Copy:         %s, sectors 0-%llu, %llu bytes (%s)\n",
            p->whole ? "the whole disk" : "MBR through the last needed partition", (unsigned long long)p->last_sector,
            (unsigned long long)p->copy_bytes, csm_format_size(p->copy_bytes, a, sizeof(a)));
    if (p->whole_why)
        fprintf(f, "                (%s)\n", p->whole_why);
    fprintf(f, "  Target disk:  at least %llu GiB\n", (unsigned long long)p->min_target_gib);
    for (size_t i = 0; p->commands && p->commands[i]; i++)
        fprintf(f, "    %s$%s %s\n", c(out, DIM), c(out, RESET), p->commands[i]);
    for (size_t i = 0; p->notes && p->notes[i]; i++)
        fprintf(f, "  Note: %s\n", p->notes[i]);
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

int csm_report_write_text(const struct csm_report *rep, FILE *f, const struct csm_render_opts *o)
{
    struct out out = { f, o };
    header(&out, rep);
    verdict_line(&out, rep);
    for (enum group g = G_BLOCKER; g <= G_PASS; g++) {
        bool any = false;
        for (size_t i = 0; i < rep->n_results; i++) {
            if (group_of(&rep->results[i]) != g)
                continue;
            if (!any)
                fprintf(f, "\n%s%s%s\n", c(&out, BOLD), groups[g].heading, c(&out, RESET));
            any = true;
            result_block(&out, &rep->results[i], g);
        }
    }
    if (rep->image)
        image_section(&out, rep->image);
    plan_section(&out, &rep->plan);
    return ferror(f) ? -EIO : 0;
}
