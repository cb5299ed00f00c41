/* The HTML report: one self-contained page an auditor can open from an
 * archive years later. No scripts, fonts, images or fetches (a Content
 * Security Policy forbids them too); every string that comes from the
 * scanned system is escaped. Prints on A4, reads on a phone, and long
 * evidence wraps instead of scrolling. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "checks/checks.h"
#include "util.h"
#include "waivers.h"

static const char style[] =
    ":root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--inc:#8250df;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}"
    "*{box-sizing:border-box}"
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;margin:0 auto;max-width:62rem;padding:1rem}"
    "h1{margin:0;font-size:1.8rem}h2{margin-top:2rem;border-bottom:2px solid var(--line);padding-bottom:.2rem}"
    "h3{margin:.2rem 0;font-size:1.05rem}code,pre,td,dd,p,li{overflow-wrap:anywhere}"
    "pre{white-space:pre-wrap;word-break:break-all;background:var(--bg);border:1px solid var(--line);"
    "border-radius:6px;padding:.5rem .7rem;user-select:all;margin:.3rem 0}"
    ".verdict{border-radius:10px;padding:1rem 1.2rem;color:#fff}.verdict p{margin:.3rem 0}"
    ".ready{background:var(--ok)}.warnings{background:var(--warn)}.blocked{background:var(--bad)}.incomplete{background:var(--inc)}"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.6rem 0 0}"
    "dl.meta dt{font-weight:600}dl.meta dd{margin:0}"
    "nav{margin:1rem 0;color:var(--muted)}nav a{margin-right:1rem}"
    ".check{border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:6px;padding:.6rem .9rem;"
    "margin:.8rem 0;break-inside:avoid}"
    ".check.fail.blocker,.check.error.blocker{border-left-color:var(--bad)}.check.fail,.check.warn{border-left-color:var(--warn)}"
    ".check.pass{border-left-color:var(--ok)}.check.waived{border-left-color:var(--inc)}"
    ".check .id{font-family:ui-monospace,monospace;font-size:.9em;color:var(--muted)}"
    ".badge{display:inline-block;font-size:.75rem;font-weight:700;text-transform:uppercase;border-radius:4px;"
    "padding:0 .35rem;margin-right:.4rem;color:#fff;background:var(--muted)}"
    ".badge.blocker{background:var(--bad)}.badge.warning{background:var(--warn)}.badge.pass{background:var(--ok)}"
    ".badge.waived{background:var(--inc)}"
    "table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.92em;table-layout:fixed}"
    "th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top}"
    "th{background:var(--bg)}tr.problem td{background:#ffebe9}"
    ".waiver{background:#fbefff;border-radius:6px;padding:.3rem .6rem}"
    ".refs{color:var(--muted);font-size:.88em;margin:.3rem 0 0;padding-left:1.2rem}"
    "footer{margin-top:2rem;color:var(--muted);font-size:.85em}"
    "@media (max-width:40rem){body{padding:.5rem}table,thead,tbody,tr,td{display:block;width:100%}"
    "thead{display:none}td{border:none;border-bottom:1px solid var(--line)}"
    "td::before{content:attr(data-label);display:block;font-weight:600;color:var(--muted);font-size:.8em}"
    "dl.meta{grid-template-columns:1fr}}"
    "@media print{@page{size:A4;margin:14mm}body{max-width:none;font-size:10pt;padding:0}nav{display:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{break-after:avoid}a{color:inherit;text-decoration:none}}";

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            /* Control characters from a hostile file would make the page invalid. */
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputs("\xef\xbf\xbd", f);
            else
                fputc(*s, f);
        }
    }
}

/* <tag class="cls">text</tag>, text escaped. */
static void el(FILE *f, const char *tag, const char *cls, const char *text)
{
    fprintf(f, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    esc(f, text);
    fprintf(f, "</%s>", tag);
}

static void td(FILE *f, const char *label, const char *text)
{
    fprintf(f, "<td data-label=\"%s\">", label);
    esc(f, text ? text : "");
    fputs("</td>", f);
}

static void header(FILE *f, const struct csm_report *rep)
{
    const char *v = csm_verdict_name(rep->verdict);
    fprintf(f, "<header class=\"verdict %s\" id=\"verdict\" data-verdict=\"%s\">", v, v);
    el(f, "h1", NULL, csm_verdict_title(rep->verdict));
    el(f, "p", NULL, csm_verdict_sentence(rep->verdict));
    fprintf(f, "<p>%u passed, %u failed (%u %s), %u warned, %u skipped, %u could not be checked, %u waived</p>",
            rep->counts[CSM_PASS], rep->counts[CSM_FAIL], rep->failed_blockers,
            rep->failed_blockers == 1 ? "blocker" : "blockers", rep->counts[CSM_WARN], rep->counts[CSM_SKIP],
            rep->counts[CSM_ERROR], rep->counts[CSM_WAIVED]);
    fputs("<dl class=\"meta\">", f);
    el(f, "dt", NULL, "Host");
    _cleanup_free_ char *host = xasprintf("%s%s%s", rep->hostname, rep->machine_id ? ", machine-id " : "",
                                          rep->machine_id ? rep->machine_id : "");
    el(f, "dd", NULL, host);
    el(f, "dt", NULL, "Target");
    _cleanup_free_ char *target =
        rep->mode == CSM_MODE_LIVE    ? xasprintf("the running system%s%s", rep->disk ? ", disk " : "", rep->disk ? rep->disk : "")
        : rep->mode == CSM_MODE_IMAGE ? xasprintf("the image %s (%s disk)", rep->image->path, rep->image->role)
                                      : xasprintf("tree %s%s%s", rep->root, rep->disk ? ", disk " : "", rep->disk ? rep->disk : "");
    el(f, "dd", NULL, target);
    el(f, "dt", NULL, "Profile");
    el(f, "dd", NULL, rep->profile);
    el(f, "dt", NULL, "Generated");
    el(f, "dd", NULL, rep->generated_at);
    el(f, "dt", NULL, "Tool");
    el(f, "dd", NULL, "csm-precheck " CSM_VERSION ", report schema " CSM_SCHEMA_VERSION);
    el(f, "dt", NULL, "Rule set");
    _cleanup_free_ char *rules = xasprintf("%s, sha256 %s", rep->ruleset_version, csm_ruleset_digest(rep->rules));
    el(f, "dd", NULL, rules);
    fputs("</dl></header>\n", f);
}

static void evidence_table(FILE *f, const struct csm_result *r)
{
    if (!r->n_evidence)
        return;
    fputs("<table class=\"evidence\"><colgroup><col style=\"width:18%\"><col style=\"width:42%\">"
          "<col style=\"width:16%\"><col style=\"width:24%\"></colgroup>"
          "<thead><tr><th>What</th><th>Found</th><th>Where</th><th>Note</th></tr></thead><tbody>",
          f);
    for (size_t i = 0; i < r->n_evidence; i++) {
        const struct csm_evidence *e = r->evidence[i];
        fprintf(f, "<tr%s>", e->problem ? " class=\"problem\"" : "");
        td(f, "What", e->label);
        td(f, "Found", e->value);
        td(f, "Where", e->source);
        td(f, "Note", e->note);
        fputs("</tr>", f);
    }
    fputs("</tbody></table>", f);
}

static void commands(FILE *f, char *const *cmds)
{
    if (!cmds || !cmds[0])
        return;
    fputs("<pre><code>", f);
    for (size_t i = 0; cmds[i]; i++) {
        esc(f, cmds[i]);
        fputc('\n', f);
    }
    fputs("</code></pre>", f);
}

static const char *badge_class(const struct csm_result *r)
{
    if (r->status == CSM_PASS)
        return "badge pass";
    if (r->status == CSM_WAIVED)
        return "badge waived";
    return r->severity == CSM_SEV_BLOCKER ? "badge blocker" : r->severity == CSM_SEV_WARNING ? "badge warning" : "badge";
}

static void result_article(FILE *f, const struct csm_result *r)
{
    const char *st = csm_status_name(r->status), *sev = csm_severity_name(r->severity);
    fprintf(f, "<article class=\"check %s %s\" id=\"check-%s\" data-status=\"%s\"><h3>", st, sev, r->check->id, st);
    el(f, "span", badge_class(r), st);
    esc(f, r->title);
    fputs(" ", f);
    el(f, "span", "id", r->check->id);
    fputs("</h3>", f);
    el(f, "p", "message", r->message);
    if (r->waiver) {
        const struct csm_waiver *wv = r->waiver;
        _cleanup_free_ char *w = xasprintf("Waived (was %s): %s.%s%s%s%s%s%s Waiver at %s.", csm_status_name(r->waived_status),
                                           wv->reason, wv->approved_by ? " Approved by " : "",
                                           wv->approved_by ? wv->approved_by : "", wv->approved_by ? "." : "",
                                           wv->expires ? " Expires after " : "", wv->expires ? wv->expires : "",
                                           wv->expires ? "." : "", wv->source);
        el(f, "p", "waiver", w);
    }
    evidence_table(f, r);
    if (r->hint || (r->commands && r->commands[0])) {
        fputs("<div class=\"fix\">", f);
        if (r->hint) {
            fputs("<p><strong>Fix:</strong> ", f);
            esc(f, r->hint);
            fputs("</p>", f);
        }
        commands(f, r->commands);
        fputs("</div>", f);
    }
    if (r->references && r->references[0]) {
        fputs("<ul class=\"refs\">", f);
        for (size_t i = 0; r->references[i]; i++)
            el(f, "li", NULL, r->references[i]);
        fputs("</ul>", f);
    }
    fputs("</article>\n", f);
}

static void plan_section(FILE *f, const struct csm_plan *p)
{
    char a[32], b[48];
    fputs("<section id=\"plan\"><h2>Migration plan</h2>", f);
    if (!p->available) {
        _cleanup_free_ char *why = xasprintf("Not available: %s", p->reason);
        el(f, "p", NULL, why);
        fputs("</section>\n", f);
        return;
    }
    _cleanup_free_ char *disk = xasprintf("%s, %s (%llu bytes), %s", p->disk, csm_format_size(p->disk_bytes, a, sizeof(a)),
                                          (unsigned long long)p->disk_bytes, p->label ? p->label : "no partition table");
    fputs("<dl class=\"meta\">", f);
    el(f, "dt", NULL, "System disk");
    el(f, "dd", NULL, disk);
    _cleanup_free_ char *copy = xasprintf("%s: sectors 0-%llu, %llu bytes (%s)%s%s%s",
                                          p->whole ? "the whole disk" : "the MBR through the last needed partition",
                                          (unsigned long long)p->last_sector, (unsigned long long)p->copy_bytes,
                                          csm_format_size(p->copy_bytes, a, sizeof(a)), p->whole_why ? " (" : "",
                                          p->whole_why ? p->whole_why : "", p->whole_why ? ")" : "");
    el(f, "dt", NULL, "Copy");
    el(f, "dd", NULL, copy);
    snprintf(b, sizeof(b), "at least %llu GiB", (unsigned long long)p->min_target_gib);
    el(f, "dt", NULL, "Target disk");
    el(f, "dd", NULL, b);
    fputs("</dl><table><thead><tr><th>Partition</th><th>Size</th><th>Type</th><th>Filesystem</th><th>In the image</th>"
          "</tr></thead><tbody>",
          f);
    for (size_t i = 0; i < p->n_parts; i++) {
        const struct csm_plan_part *pp = &p->parts[i];
        snprintf(b, sizeof(b), "partition %zu", pp->partno);
        fprintf(f, "<tr%s>", pp->required ? "" : " class=\"skip\"");
        td(f, "Partition", pp->device ? pp->device : b);
        td(f, "Size", csm_format_size(pp->bytes, a, sizeof(a)));
        td(f, "Type", pp->type);
        _cleanup_free_ char *fs = xasprintf("%s%s%s", pp->fstype ? pp->fstype : "", pp->uuid ? " " : "", pp->uuid ? pp->uuid : "");
        td(f, "Filesystem", fs);
        _cleanup_free_ char *why = xasprintf("%s: %s", pp->required ? "yes" : "no", pp->why);
        td(f, "In the image", why);
        fputs("</tr>", f);
    }
    fputs("</tbody></table>", f);
    commands(f, p->commands);
    for (size_t i = 0; p->notes && p->notes[i]; i++)
        el(f, "p", NULL, p->notes[i]);
    fputs("</section>\n", f);
}

static void dl_row(FILE *f, const char *term, const char *value)
{
    el(f, "dt", NULL, term);
    el(f, "dd", NULL, value);
}

/* An image scan: what the file is and what its guest disk holds. */
static void image_section(FILE *f, const struct csm_report_image *im)
{
    char a[32], b[32];
    fputs("<section id=\"image\"><h2>Image</h2><dl class=\"meta\">", f);
    _cleanup_free_ char *file = xasprintf("%s, %s (%llu bytes)", im->path, csm_format_size(im->file_size, a, sizeof(a)),
                                          (unsigned long long)im->file_size);
    dl_row(f, "File", file);
    if (im->package) {
        _cleanup_free_ char *pkg = xasprintf("%s, member %s", im->package, im->member ? im->member : "?");
        dl_row(f, "Package", pkg);
    }
    _cleanup_free_ char *fmt = xasprintf("%s%s%s", im->format ? im->format : "?", im->subformat ? " " : "",
                                         im->subformat ? im->subformat : "");
    dl_row(f, "Format", fmt);
    _cleanup_free_ char *virt = xasprintf("%s (%llu bytes), %s allocated", csm_format_size(im->virtual_size, a, sizeof(a)),
                                          (unsigned long long)im->virtual_size,
                                          im->allocated_known ? csm_format_size(im->allocated, b, sizeof(b)) : "unknown");
    dl_row(f, "Virtual disk", virt);
    _cleanup_free_ char *role = xasprintf("%s disk", im->role);
    dl_row(f, "Role", role);
    if (!im->readable) {
        _cleanup_free_ char *why = xasprintf("not read: %s", im->unreadable_why ? im->unreadable_why : "unknown");
        dl_row(f, "Guest disk", why);
        fputs("</dl></section>\n", f);
        return;
    }
    _cleanup_free_ char *table = xasprintf("%s%s%s, MBR boot code %s, signature %s%s%s",
                                           im->label ? im->label : "no partition table", im->disk_id ? " " : "",
                                           im->disk_id ? im->disk_id : "", im->boot_code ? "present" : "absent",
                                           im->mbr_signature ? "0x55AA" : "absent", im->whole_fstype ? "; whole disk: " : "",
                                           im->whole_fstype ? im->whole_fstype : "");
    dl_row(f, "Partition table", table);
    fputs("</dl><table><thead><tr><th>Partition</th><th>Sectors</th><th>Type</th><th>Filesystem</th><th>Use</th>"
          "</tr></thead><tbody>",
          f);
    for (size_t i = 0; i < im->n_parts; i++) {
        const struct csm_report_part *p = &im->parts[i];
        _cleanup_free_ char *no = xasprintf("%zu%s", p->partno, p->bootable ? " (active)" : "");
        _cleanup_free_ char *sec = xasprintf("%llu-%llu, %s", (unsigned long long)p->start, (unsigned long long)p->end,
                                             csm_format_size(p->bytes, a, sizeof(a)));
        _cleanup_free_ char *fs = xasprintf("%s%s%s%s%s", p->fstype ? p->fstype : "-", p->uuid ? " UUID=" : "",
                                            p->uuid ? p->uuid : "", p->label ? " LABEL=" : "", p->label ? p->label : "");
        _cleanup_free_ char *use = xasprintf("%s%s%s%s%s", p->use ? p->use : "", p->use_why ? " (" : "",
                                             p->use_why ? p->use_why : "", p->use_why ? ")" : "",
                                             p->past_end ? " ends past the end of the disk" : "");
        fprintf(f, "<tr%s>", p->past_end ? " class=\"problem\"" : "");
        td(f, "Partition", no);
        td(f, "Sectors", sec);
        td(f, "Type", p->type);
        td(f, "Filesystem", fs);
        td(f, "Use", use);
        fputs("</tr>", f);
    }
    fputs("</tbody></table></section>\n", f);
}

static void waiver_rows(FILE *f, const struct csm_waivers *ws)
{
    for (size_t i = 0; i < ws->n; i++) {
        const struct csm_waiver *w = &ws->w[i];
        fputs("<tr>", f);
        td(f, "Check", w->id);
        td(f, "State", w->expired ? "expired, ignored" : w->uses ? "applied" : "unused");
        td(f, "Reason", w->reason);
        td(f, "Approved by", w->approved_by);
        td(f, "Expires", w->expires);
        td(f, "Where", w->source);
        fputs("</tr>", f);
    }
}

static void policy_section(FILE *f, const struct csm_report *rep)
{
    fputs("<section id=\"policy\"><h2>Policy</h2>", f);
    if (!rep->n_overrides)
        el(f, "p", NULL, "The shipped rules, unchanged.");
    else {
        fputs("<table><thead><tr><th>Check</th><th>Setting</th><th>Value</th><th>Shipped</th><th>Set by</th></tr>"
              "</thead><tbody>",
              f);
        for (size_t i = 0; i < rep->n_overrides; i++) {
            const struct csm_override *x = &rep->overrides[i];
            fputs("<tr>", f);
            td(f, "Check", x->id);
            td(f, "Setting", x->key);
            td(f, "Value", x->value);
            td(f, "Shipped", x->shipped ? x->shipped : "(unset)");
            td(f, "Set by", x->source);
            fputs("</tr>", f);
        }
        fputs("</tbody></table>", f);
    }
    if (rep->waivers) {
        _cleanup_free_ char *head = xasprintf("Waivers from %s (sha256 %s)", rep->waivers->path, rep->waivers->sha256);
        el(f, "p", NULL, head);
        fputs("<table><thead><tr><th>Check</th><th>State</th><th>Reason</th><th>Approved by</th><th>Expires</th>"
              "<th>Where</th></tr></thead><tbody>",
              f);
        waiver_rows(f, rep->waivers);
        fputs("</tbody></table>", f);
    }
    fputs("<p>Rule files, in the order they were applied:</p><ul class=\"refs\">", f);
    for (size_t i = 0; rep->rule_files && rep->rule_files[i]; i++) {
        _cleanup_free_ char *li = xasprintf("%s  sha256 %s", rep->rule_files[i],
                                            csm_ruleset_file_digests(rep->rules)[i]);
        el(f, "li", NULL, li);
    }
    fputs("</ul></section>\n", f);
}

int csm_report_write_html(const struct csm_report *rep, FILE *f, const struct csm_render_opts *o)
{
    (void)o;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    _cleanup_free_ char *title = xasprintf("%s: %s (csm-precheck)", rep->hostname, csm_verdict_title(rep->verdict));
    esc(f, title);
    fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n", style);
    header(f, rep);
    fputs("<nav>", f);
    size_t counts[CSM_GROUP_COUNT] = { 0 };
    for (size_t i = 0; i < rep->n_results; i++)
        counts[csm_result_group(&rep->results[i])]++;
    for (enum csm_group g = 0; g < CSM_GROUP_COUNT; g++)
        if (counts[g])
            fprintf(f, "<a href=\"#%s\">%s (%zu)</a>", csm_group_anchor(g), csm_group_heading(g), counts[g]);
    if (rep->image)
        fputs("<a href=\"#image\">Image</a>", f);
    fputs("<a href=\"#plan\">Migration plan</a><a href=\"#policy\">Policy</a></nav>\n<main>\n", f);
    for (enum csm_group g = 0; g < CSM_GROUP_COUNT; g++) {
        if (!counts[g])
            continue;
        fprintf(f, "<section id=\"%s\"><h2>%s (%zu)</h2>\n", csm_group_anchor(g), csm_group_heading(g), counts[g]);
        for (size_t i = 0; i < rep->n_results; i++)
            if (csm_result_group(&rep->results[i]) == g)
                result_article(f, &rep->results[i]);
        fputs("</section>\n", f);
    }
    if (rep->image)
        image_section(f, rep->image);
    plan_section(f, &rep->plan);
    policy_section(f, rep);
    fputs("</main>\n<footer>Generated by csm-precheck " CSM_VERSION " at ", f);
    esc(f, rep->generated_at);
    fputs(". The JSON report of the same run carries a SHA-256 digest: verify it with "
          "<code>csm-precheck verify REPORT.json</code>.</footer>\n</body></html>\n",
          f);
    return ferror(f) ? -EIO : 0;
}
