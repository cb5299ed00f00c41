/* The HTML report: one self-contained page an auditor can open from an
 * archive years later. No scripts, fonts, images or fetches (a Content
 * Security Policy forbids them too); every string that comes from the
 * scanned system is escaped. It opens with a summary, one row per check,
 * and keeps what passed folded (<details>, no script); prints on A4, reads
 * on a phone. Paths break only at their '/' and commands never wrap: they
 * scroll in their box, so that what is read is what is copied. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "checks/checks.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "policy/waivers.h"

static const char style[] =
    ":root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--inc:#8250df;--info:#0969da;--muted:#57606a;--line:#d0d7de;"
    "--bg:#f6f8fa}"
    "*{box-sizing:border-box}"
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;margin:0 auto;max-width:64rem;padding:1rem}"
    "h1{margin:0;font-size:1.8rem}h2{margin:1.8rem 0 .4rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;font-size:1.3rem}"
    "h3{margin:.2rem 0;font-size:1.05rem}"
    /* Words are never broken (esc_text); one wider than its box scrolls
     * in it rather than widen the page. */
    "td,dd,p,li,figcaption li{overflow-x:auto}.t{white-space:nowrap}.hex{word-break:break-all}"
    "pre{white-space:pre;overflow-x:auto;background:var(--bg);border:1px solid var(--line);"
    "border-radius:6px;padding:.5rem .7rem;margin:.3rem 0;font-size:.88em}"
    ".verdict{border-radius:10px;padding:1rem 1.2rem;color:#fff}.verdict p{margin:.3rem 0}"
    ".ready{background:var(--ok)}.warnings{background:var(--warn)}.blocked{background:var(--bad)}.incomplete{background:var(--inc)}"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.6rem 0 0}"
    "dl.meta dt{font-weight:600}dl.meta dd{margin:0;min-width:0}"
    "nav{margin:1rem 0;color:var(--muted)}nav a{margin-right:1rem;white-space:nowrap}"
    ".check{border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:6px;padding:.6rem .9rem;"
    "margin:.8rem 0;break-inside:avoid}"
    ".check.g-blocker{border-left-color:var(--bad)}.check.g-warning{border-left-color:var(--warn)}"
    ".check.g-error{border-left-color:var(--inc)}.check.g-pass{border-left-color:var(--ok)}"
    ".check.g-waived{border-left-color:var(--inc)}.check.g-info{border-left-color:var(--info)}"
    ".id{font-family:ui-monospace,monospace;font-size:.85em;color:var(--muted);white-space:nowrap}"
    ".badge{display:inline-block;font-size:.72rem;font-weight:700;text-transform:uppercase;border-radius:4px;"
    "padding:0 .35rem;margin-right:.4rem;color:#fff;background:var(--muted);white-space:nowrap;vertical-align:.1em}"
    ".badge.g-blocker{background:var(--bad)}.badge.g-warning{background:var(--warn)}.badge.g-pass{background:var(--ok)}"
    ".badge.g-error,.badge.g-waived{background:var(--inc)}.badge.g-info{background:var(--info)}"
    "table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.88em;table-layout:fixed}"
    "th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top}"
    "th{background:var(--bg)}tr.problem td{background:#ffebe9}"
    "table.summary td{padding:.15rem .45rem}table.summary a{color:inherit}"
    "table.summary .act{width:7.5rem}table.summary .st{width:9rem;color:var(--muted)}"
    "tr.g-blocker .act,tr.g-warning .act{font-weight:600}"
    "details.passed>summary{cursor:pointer;list-style-position:outside;margin-left:1.2rem}"
    "details.passed>summary h2{display:inline-block;border:none;margin:1.4rem 0 .2rem}"
    ".waiver{background:#fbefff;border-radius:6px;padding:.3rem .6rem}"
    ".refs{color:var(--muted);font-size:.88em;margin:.3rem 0 0;padding-left:1.2rem}"
    "figure.diskmap{margin:.6rem 0}figure.diskmap svg{display:block;width:100%;height:52px;overflow:visible}"
    "figure.diskmap svg.with-target{height:80px}"
    ".diskmap .disk{fill:#fff;stroke:var(--muted)}.diskmap .part{stroke:#fff;stroke-width:1}"
    ".diskmap .in{fill:var(--info)}.diskmap .out{fill:#afb8c1}.diskmap .target{fill:none;stroke:var(--ok);stroke-width:2;"
    "stroke-dasharray:6 3}.diskmap text{font-size:12px;fill:#1f2328}.diskmap text.on{fill:#fff;font-weight:600}"
    ".diskmap .cut{stroke:var(--bad);stroke-width:2.5}.diskmap text.cut{fill:var(--bad);stroke:none;font-weight:600}"
    "figure.diskmap ul{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.1rem 1.2rem;"
    "font-size:.88em}.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;"
    "vertical-align:-.05em}.sw.in{background:var(--info)}.sw.out{background:#afb8c1}.sw.mbr,.diskmap .mbr{background:#1f2328;fill:#1f2328}"
    ".diskmap text.wide{display:none}@media (min-width:40rem){.diskmap text.wide{display:inline}.diskmap text.narrow{display:none}}"
    ".sw.free{border:1px solid var(--muted)}"
    "footer{margin-top:2rem;color:var(--muted);font-size:.85em}"
    "@media (max-width:40rem){body{padding:.5rem}"
    "table.rows,table.rows tbody,table.rows tr,table.rows td{display:block;width:100%}"
    "table.rows thead{display:none}table.rows td{border:none;border-bottom:1px solid var(--line)}"
    "table.rows tr{border:1px solid var(--line);margin-bottom:.3rem}"
    "table.rows td{padding:.1rem .45rem}table.rows td:empty{display:none}"
    "table.rows td::before{content:attr(data-label);font-weight:600;color:var(--muted);font-size:.8em;margin-right:.5em}"
    "table.summary .act{width:6.6rem}table.summary .st{width:4.4rem}table.summary .sev{display:none}"
    "table.rows{font-size:.86em}table.summary .id{font-size:.76em}"
    "dl.meta{grid-template-columns:1fr}dl.meta dd{margin-bottom:.2rem}}"
    "@media print{@page{size:A4;margin:14mm}body{max-width:none;font-size:9.5pt;padding:0}nav{display:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{break-after:avoid}a{color:inherit;text-decoration:none}"
    "pre{white-space:pre-wrap;overflow-wrap:break-word}table.summary tr{break-inside:avoid}"
    /* Paper does not scroll: there a word too wide for its box breaks. */
    "td,dd,p,li{overflow:visible}.t{white-space:normal;overflow-wrap:anywhere}}";

static void esc_char(FILE *f, char c)
{
    switch (c) {
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
        if ((unsigned char)c < 0x20 && c != '\n' && c != '\t')
            fputs("\xef\xbf\xbd", f);
        else
            fputc(c, f);
    }
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\n' || c == '\t';
}

/* Does a piece of a word hold a digest (16 hex digits or more)? */
static bool has_digest(const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run = strchr("0123456789abcdef", p[i]) && p[i] ? run + 1 : 0;
        if (run >= 16)
            return true;
    }
    return false;
}

/* One piece of a word, in a span that keeps it whole; a digest may break
 * anywhere (it is read in chunks, never copied from a wrapped line). */
static void esc_piece(FILE *f, const char *p, size_t n)
{
    fprintf(f, "<span class=\"%s\">", has_digest(p, n) ? "hex" : "t");
    for (size_t i = 0; i < n; i++)
        esc_char(f, p[i]);
    fputs("</span>", f);
}

/* Where the piece of a word that starts at from ends: before the '/' of a
 * path, after the '=' of root=/dev/sda1 or the ':' of archive:member (not
 * of file:line), or at the end of the word (n characters). */
static size_t piece_end(const char *w, size_t n, size_t from)
{
    bool alnum = false; /* a piece is never only punctuation: "(" of "(/mnt" */
    for (size_t i = from + 1; i < n; i++) {
        char c = w[i - 1];
        alnum |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum && ((w[i] == '/' && c != '/') || (c == '=' && w[i] != '=') ||
                      (c == ':' && !(w[i] >= '0' && w[i] <= '9') && w[i] != '/')))
            return i;
    }
    return n;
}

/* A word of letters only: a browser breaks it nowhere. */
static bool plain_word(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z')))
            return false;
    return true;
}

static size_t word_len(const char *p)
{
    size_t n = 0;
    while (p[n] && !is_blank(p[n]))
        n++;
    return n;
}

/* Escapes text. With breaks, a line breaks only at a space or between the
 * pieces of a word (piece_end): a word with anything but letters in it (a
 * path, a device, a UUID) is set in pieces that keep whole, joined by
 * <wbr>, where a browser would otherwise break after any '-' or '/', or
 * anywhere in a word too long for its box. */
static void esc_text(FILE *f, const char *s, bool breaks)
{
    for (const char *p = s; p && *p;) {
        if (!breaks || is_blank(*p)) {
            esc_char(f, *p++);
            continue;
        }
        size_t n = word_len(p);
        if (plain_word(p, n)) {
            fwrite(p, 1, n, f);
        } else {
            for (size_t from = 0, end; from < n; from = end) {
                end = piece_end(p, n, from);
                if (from)
                    fputs("<wbr>", f);
                esc_piece(f, p + from, end - from);
            }
        }
        p += n;
    }
}

/* The longest piece of text that does not break (esc_text). */
static size_t longest_piece(const char *s)
{
    size_t best = 0;
    for (const char *p = s; p && *p;) {
        if (is_blank(*p)) {
            p++;
            continue;
        }
        size_t n = word_len(p);
        for (size_t from = 0, end; from < n; from = end) {
            end = plain_word(p, n) ? n : piece_end(p, n, from);
            best = end - from > best ? end - from : best;
        }
        p += n;
    }
    return best;
}

static void esc(FILE *f, const char *s)
{
    esc_text(f, s, true);
}

void csm_html_text(FILE *f, const char *s)
{
    esc_text(f, s, true);
}

void csm_html_escape(FILE *f, const char *s)
{
    esc_text(f, s, false);
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

/* What the reader must do about a result: its badge says so, in the
 * colour of its group. */
static const char *const action[CSM_GROUP_COUNT] = {
    [CSM_GROUP_BLOCKER] = "must fix", [CSM_GROUP_WARNING] = "review", [CSM_GROUP_ERROR] = "check",
    [CSM_GROUP_WAIVED] = "accepted",  [CSM_GROUP_SKIP] = "not run",  [CSM_GROUP_INFO] = "note",
    [CSM_GROUP_PASS] = "ok",
};
static const char *const group_class[CSM_GROUP_COUNT] = {
    [CSM_GROUP_BLOCKER] = "g-blocker", [CSM_GROUP_WARNING] = "g-warning", [CSM_GROUP_ERROR] = "g-error",
    [CSM_GROUP_WAIVED] = "g-waived",   [CSM_GROUP_SKIP] = "g-skip",       [CSM_GROUP_INFO] = "g-info",
    [CSM_GROUP_PASS] = "g-pass",
};

static void badge(FILE *f, enum csm_group g)
{
    fprintf(f, "<span class=\"badge %s\">%s</span>", group_class[g], action[g]);
}

static void header(FILE *f, const struct csm_report *rep)
{
    const char *v = csm_verdict_name(rep->verdict);
    fprintf(f, "<header class=\"verdict %s\" id=\"verdict\" data-verdict=\"%s\">", v, v);
    el(f, "h1", NULL, csm_verdict_title(rep->verdict));
    el(f, "p", NULL, csm_verdict_sentence(rep->verdict));
    fprintf(f, "<p>%u passed, %u failed (%u %s), %u warned, %u skipped, %u could not be checked, %u waived</p>",
            rep->counts[CSM_PASS], rep->counts[CSM_FAIL], rep->failed_blockers,
            plural(rep->failed_blockers, "blocker", "blockers"), rep->counts[CSM_WARN], rep->counts[CSM_SKIP],
            rep->counts[CSM_ERROR], rep->counts[CSM_WAIVED]);
    fputs("<dl class=\"meta\">", f);
    el(f, "dt", NULL, "Host");
    _cleanup_free_ char *host = xasprintf("%s%s%s%s%s", rep->host_label ? rep->host_label : rep->hostname,
                                          rep->host_label ? ", hostname " : "", rep->host_label ? rep->hostname : "",
                                          rep->machine_id ? ", machine-id " : "", rep->machine_id ? rep->machine_id : "");
    el(f, "dd", "host", host);
    el(f, "dt", NULL, "Target");
    _cleanup_free_ char *target =
        streq(rep->mode, "live")    ? xasprintf("the running system%s%s", rep->disk ? ", disk " : "", rep->disk ? rep->disk : "")
        : streq(rep->mode, "image") ? xasprintf("the image %s (%s disk)", rep->image->path, rep->image->role)
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
    if (rep->signer) {
        el(f, "dt", NULL, "Signed");
        _cleanup_free_ char *who = xasprintf("the JSON report of this run, with the Ed25519 key %s",
                                             csm_key_fingerprint(rep->signer));
        el(f, "dd", "signer", who);
    }
    fputs("</dl></header>\n", f);
}

/* Every check in one row, in the order of the sections below, each
 * linking to its details: the page at a glance. */
static void summary_table(FILE *f, const struct csm_report *rep)
{
    fputs("<section id=\"summary\"><h2>Summary</h2><table class=\"summary\"><thead><tr><th class=\"act\">To do</th>"
          "<th>Check</th><th class=\"st\">Status<span class=\"sev\">, severity</span></th></tr></thead><tbody>",
          f);
    for (enum csm_group g = 0; g < CSM_GROUP_COUNT; g++)
        for (size_t i = 0; i < rep->n_results; i++) {
            const struct csm_result *r = &rep->results[i];
            if (csm_result_group(r) != g)
                continue;
            fprintf(f, "<tr class=\"%s\" data-id=\"%s\"><td class=\"act\">", group_class[g], r->check->id);
            badge(f, g);
            fprintf(f, "</td><td><a href=\"#check-%s\">", r->check->id);
            esc(f, r->title);
            fprintf(f, "</a> <span class=\"id\">%s</span></td><td class=\"st\">%s<span class=\"sev\">, %s</span></td></tr>",
                    r->check->id, csm_status_name(r->status), csm_severity_name(r->severity));
        }
    fputs("</tbody></table></section>\n", f);
}

/* Widths in percent of a table's columns (at most 4) for cells[row * cols
 * + col]: each column at least as wide as its longest piece, or its whole
 * text when that is short, needs across a page of about 100 characters
 * (a desktop's has more, an A4 sheet's about that), the rest shared by how
 * much text the columns hold. Words never break, so a column too narrow
 * would scroll. */
static void column_widths(const char *const *cells, size_t rows, size_t cols, double *pct)
{
    double need[4] = { 0 }, want[4] = { 0 }, total = 0;
    for (size_t c = 0; c < cols; c++) {
        for (size_t r = 0; r < rows; r++) {
            const char *t = cells[r * cols + c] ? cells[r * cols + c] : "";
            /* A short text (up to 24 characters) is not wrapped at all. */
            double len = (double)strlen(t), piece = (double)longest_piece(t);
            double whole = len < 24 ? len : 24;
            piece = (piece > whole ? piece : whole) + 2;
            want[c] = len > want[c] ? (len < 60 ? len : 60) : want[c];
            need[c] = piece > need[c] ? piece : need[c];
        }
        /* At least its heading's width; a word longer than 60 scrolls. */
        need[c] = need[c] < 9 ? 9 : need[c] < 60 ? need[c] : 60;
        want[c] = want[c] < 8 ? 8 : want[c];
        total += want[c];
    }
    double deficit = 0, slack = 0;
    for (size_t c = 0; c < cols; c++) {
        pct[c] = 100 * want[c] / total;
        deficit += pct[c] < need[c] ? need[c] - pct[c] : 0;
        slack += pct[c] > need[c] ? pct[c] - need[c] : 0;
    }
    for (size_t c = 0; c < cols && deficit > 0 && slack > 0; c++) {
        double take = deficit < slack ? deficit / slack : 1;
        pct[c] = pct[c] < need[c] ? need[c] : pct[c] - (pct[c] - need[c]) * take;
    }
}

/* The evidence, without the Where and Note columns when no row has one. */
static void evidence_table(FILE *f, const struct csm_result *r)
{
    bool where = false, note = false;
    for (size_t i = 0; i < r->n_evidence; i++) {
        where |= r->evidence[i]->source != NULL;
        note |= r->evidence[i]->note != NULL;
    }
    if (!r->n_evidence)
        return;
    size_t cols = 2 + where + note;
    const char **cells = xcalloc(r->n_evidence * cols, sizeof(*cells));
    for (size_t i = 0; i < r->n_evidence; i++) {
        const struct csm_evidence *e = r->evidence[i];
        const char *row[] = { e->label, e->value, where ? e->source : e->note, e->note };
        memcpy(cells + i * cols, row, cols * sizeof(*cells));
    }
    double pct[4];
    column_widths(cells, r->n_evidence, cols, pct);
    free(cells);
    fputs("<table class=\"evidence rows\"><colgroup>", f);
    for (size_t c = 0; c < cols; c++)
        fprintf(f, "<col style=\"width:%.1f%%\">", pct[c]);
    fprintf(f, "</colgroup><thead><tr><th>What</th><th>Found</th>%s%s</tr></thead><tbody>",
            where ? "<th>Where</th>" : "", note ? "<th>Note</th>" : "");
    for (size_t i = 0; i < r->n_evidence; i++) {
        const struct csm_evidence *e = r->evidence[i];
        fprintf(f, "<tr%s>", e->problem ? " class=\"problem\"" : "");
        td(f, "What", e->label);
        td(f, "Found", e->value);
        if (where)
            td(f, "Where", e->source);
        if (note)
            td(f, "Note", e->note);
        fputs("</tr>", f);
    }
    fputs("</tbody></table>", f);
}

/* Commands as they are typed: one per line, never wrapped. */
static void commands(FILE *f, char *const *cmds)
{
    if (!cmds || !cmds[0])
        return;
    fputs("<pre><code>", f);
    for (size_t i = 0; cmds[i]; i++) {
        esc_text(f, cmds[i], false);
        fputc('\n', f);
    }
    fputs("</code></pre>", f);
}

static void result_article(FILE *f, const struct csm_result *r)
{
    const char *st = csm_status_name(r->status), *sev = csm_severity_name(r->severity);
    enum csm_group g = csm_result_group(r);
    fprintf(f, "<article class=\"check %s %s %s\" id=\"check-%s\" data-status=\"%s\"><h3>", group_class[g], st, sev,
            r->check->id, st);
    badge(f, g);
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

/* A position on the picture's axis, in percent. */
static double pct(uint64_t v, uint64_t axis)
{
    return axis ? 100.0 * (double)v / (double)axis : 0;
}

/* The system disk to scale: its partitions (blue: in the image, grey: left
 * out), the cut after the last sector copied, and under it the target disk
 * when its size was given, on the same scale (a target larger than the
 * whole disk runs to the edge and says so). Inline SVG: no script, nothing
 * fetched. */
static void disk_picture(FILE *f, const struct csm_plan *p)
{
    char a[32], b[32];
    uint64_t ss = p->sector_size ? p->sector_size : 512, sectors = p->disk_bytes / ss, axis = sectors;
    if (!sectors)
        return;
    double cut = pct(p->last_sector + 1, axis), end = pct(sectors, axis);
    fprintf(f, "<figure class=\"diskmap\" id=\"disk-map\" data-sectors=\"%llu\" data-axis=\"%llu\" data-last-sector=\"%llu\">",
            (unsigned long long)sectors, (unsigned long long)axis, (unsigned long long)p->last_sector);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\"%s role=\"img\" aria-label=\"The system disk, %s, to scale: "
               "the image holds sectors 0 to %llu\">",
            p->target_bytes ? " class=\"with-target\"" : "", csm_format_size(p->disk_bytes, a, sizeof(a)),
            (unsigned long long)p->last_sector);
    fprintf(f, "<rect class=\"disk\" x=\"0\" y=\"16\" width=\"%.3f%%\" height=\"28\"/>", end);
    /* Sector 0, the MBR: drawn wider than it is, so that it shows. */
    fputs("<rect class=\"mbr\" x=\"0\" y=\"16\" width=\"4\" height=\"28\"><title>MBR (sector 0)</title></rect>", f);
    for (size_t i = 0; i < p->n_parts; i++) {
        const struct csm_plan_part *pp = &p->parts[i];
        if (pp->type && strstr(pp->type, "Extended"))
            continue;
        double x = pct(pp->start, axis), w = pct(pp->end + 1 - pp->start, axis);
        bool in = pp->end <= p->last_sector;
        fprintf(f, "<rect class=\"part %s\" x=\"%.3f%%\" y=\"16\" width=\"%.3f%%\" height=\"28\" data-partno=\"%zu\" "
                   "data-start=\"%llu\" data-end=\"%llu\"><title>",
                in ? "in" : "out", x, w, pp->partno, (unsigned long long)pp->start, (unsigned long long)pp->end);
        _cleanup_free_ char *tip = xasprintf("partition %zu: %s%s%s, sectors %llu-%llu", pp->partno,
                                             csm_format_size(pp->bytes, a, sizeof(a)), pp->mount ? ", " : "",
                                             pp->mount ? pp->mount : "", (unsigned long long)pp->start,
                                             (unsigned long long)pp->end);
        esc_text(f, tip, false);
        fputs("</title></rect>", f);
        /* The label inside where it fits: about 3.4 px per percent on a
         * phone, 9 on a desktop; the number alone where only it does. */
        _cleanup_free_ char *label = xasprintf("%zu%s%s", pp->partno, pp->mount ? " " : "", pp->mount ? pp->mount : "");
        size_t number = strcspn(label, " ");
        for (int wide = 0; wide < 2; wide++) {
            double per_char = wide ? 0.9 : 2.6;
            size_t n = w >= per_char * (double)(strlen(label) + 1) ? strlen(label)
                       : w >= per_char * (double)(number + 1) ? number : 0;
            if (!n)
                continue;
            fprintf(f, "<text class=\"%s%s\" x=\"%.3f%%\" y=\"35\" dx=\"4\">", in ? "on " : "", wide ? "wide" : "narrow", x);
            _cleanup_free_ char *text = xstrndup(label, n);
            esc_text(f, text, false);
            fputs("</text>", f);
        }
    }
    if (p->target_bytes) {
        double t = pct(p->target_bytes / ss, axis);
        fprintf(f, "<rect class=\"target\" x=\"0\" y=\"52\" width=\"%.3f%%\" height=\"8\" data-bytes=\"%llu\"/>",
                t < 100 ? t : 100, (unsigned long long)p->target_bytes);
        fprintf(f, "<text x=\"%.3f%%\" y=\"74\" text-anchor=\"%s\">target disk %s%s</text>", t < 100 ? t : 100,
                t > 50 ? "end" : "start", csm_format_size(p->target_bytes, a, sizeof(a)),
                t > 100 ? ", larger than the whole disk" : "");
    }
    fprintf(f, "<line class=\"cut\" x1=\"%.3f%%\" x2=\"%.3f%%\" y1=\"12\" y2=\"48\"/>", cut, cut);
    fprintf(f, "<text class=\"cut\" x=\"%.3f%%\" y=\"10\" text-anchor=\"%s\">%s sector %llu</text>", cut,
            cut > 50 ? "end" : "start", p->whole ? "the whole disk, to" : "cut after", (unsigned long long)p->last_sector);
    fputs("</svg><figcaption><ul>", f);
    for (size_t i = 0; i < p->n_parts; i++) {
        const struct csm_plan_part *pp = &p->parts[i];
        if (pp->type && strstr(pp->type, "Extended"))
            continue;
        bool in = pp->end <= p->last_sector;
        bool fs = pp->fstype && !(pp->mount && streq(pp->mount, pp->fstype));
        _cleanup_free_ char *item = xasprintf("%zu: %s%s%s%s, %s, from sector %llu%s", pp->partno,
                                              pp->mount ? pp->mount : "", pp->mount && fs ? " " : "",
                                              fs ? pp->fstype : "", !pp->mount && !pp->fstype ? "no filesystem" : "",
                                              csm_format_size(pp->bytes, a, sizeof(a)), (unsigned long long)pp->start,
                                              in ? "" : ", left out");
        fprintf(f, "<li><span class=\"sw %s\"></span>", in ? "in" : "out");
        esc(f, item);
        fputs("</li>", f);
    }
    fputs("<li><span class=\"sw mbr\"></span>MBR</li><li><span class=\"sw free\"></span>free space</li>", f);
    _cleanup_free_ char *sizes = p->target_bytes
        ? xasprintf("disk %s; image %s; target disk %s (dashed)", csm_format_size(p->disk_bytes, a, sizeof(a)),
                    csm_format_size(p->copy_bytes, b, sizeof(b)), csm_format_size(p->target_bytes, (char[32]){ 0 }, 32))
        : xasprintf("disk %s; image %s; target disk at least %llu GiB", csm_format_size(p->disk_bytes, a, sizeof(a)),
                    csm_format_size(p->copy_bytes, b, sizeof(b)), (unsigned long long)p->min_target_gib);
    el(f, "li", NULL, sizes);
    fputs("</ul></figcaption></figure>", f);
}

/* An image's plan: what it holds, what its import lacks, what was not read. */
static void plan_image_rows(FILE *f, const struct csm_plan *p)
{
    el(f, "dt", NULL, "Holds");
    el(f, "dd", NULL, p->boot_code ? "the MBR with boot code" : p->mbr_signature ? "an MBR without boot code" : "no MBR");
    for (size_t i = 0; i < p->n_holds; i++) {
        _cleanup_free_ char *m = xasprintf("%s on %s%s%s%s", p->holds[i].mount, p->holds[i].where,
                                           p->holds[i].fstype ? " (" : "", p->holds[i].fstype ? p->holds[i].fstype : "",
                                           p->holds[i].fstype ? ")" : "");
        el(f, "dd", NULL, m);
    }
    el(f, "dt", NULL, "Missing");
    if (!p->n_missing)
        el(f, "dd", NULL, p->guest_reason ? "nothing the partition table shows" : "nothing the import needs to boot");
    for (size_t i = 0; i < p->n_missing; i++)
        el(f, "dd", NULL, p->missing[i].message);
    if (p->guest_reason) {
        el(f, "dt", NULL, "Not known");
        el(f, "dd", NULL, p->guest_reason);
    }
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
    el(f, "dt", NULL, p->kind == CSM_PLAN_IMAGE ? "Image" : "System disk");
    el(f, "dd", NULL, disk);
    if (p->kind == CSM_PLAN_IMAGE)
        plan_image_rows(f, p);
    _cleanup_free_ char *copy = xasprintf("%s: sectors 0-%llu, %llu bytes (%s)%s%s%s",
                                          p->whole ? "the whole disk" : "the MBR through the last needed partition",
                                          (unsigned long long)p->last_sector, (unsigned long long)p->copy_bytes,
                                          csm_format_size(p->copy_bytes, a, sizeof(a)), p->whole_why ? " (" : "",
                                          p->whole_why ? p->whole_why : "", p->whole_why ? ")" : "");
    if (p->kind != CSM_PLAN_IMAGE) {
        el(f, "dt", NULL, "Copy");
        el(f, "dd", NULL, copy);
    }
    snprintf(b, sizeof(b), "at least %llu GiB", (unsigned long long)p->min_target_gib);
    el(f, "dt", NULL, "Target disk");
    el(f, "dd", NULL, b);
    fputs("</dl>", f);
    disk_picture(f, p);
    fputs("<table class=\"rows\"><colgroup><col style=\"width:15%\"><col style=\"width:11%\"><col style=\"width:17%\">"
          "<col style=\"width:35%\"><col></colgroup><thead><tr><th>Partition</th><th>Size</th><th>Type</th>"
          "<th>Filesystem</th><th>In the image</th></tr></thead><tbody>",
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
    fputs("</dl><table class=\"rows\"><thead><tr><th>Partition</th><th>Sectors</th><th>Type</th><th>Filesystem</th><th>Use</th>"
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
        fputs("<table class=\"rows\"><thead><tr><th>Check</th><th>Setting</th><th>Value</th><th>Shipped</th><th>Set by</th></tr>"
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
        fputs("<table class=\"rows\"><thead><tr><th>Check</th><th>State</th><th>Reason</th><th>Approved by</th><th>Expires</th>"
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
    if (!csm_ruleset_digest(rep->rules))
        return -ELIBACC; /* the page names the rule set by its digest */
    (void)o;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"" CSM_HTML_CSP "\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    _cleanup_free_ char *title = xasprintf("%s: %s (csm-precheck)", rep->host_label ? rep->host_label : rep->hostname,
                                           csm_verdict_title(rep->verdict));
    esc_text(f, title, false);
    fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n", style);
    header(f, rep);
    fputs("<nav>", f);
    size_t counts[CSM_GROUP_COUNT] = { 0 };
    for (size_t i = 0; i < rep->n_results; i++)
        counts[csm_result_group(&rep->results[i])]++;
    for (enum csm_group g = 0; g < CSM_GROUP_COUNT; g++)
        if (counts[g])
            fprintf(f, "<a href=\"#%s\">%s (%zu)</a> ", csm_group_anchor(g), csm_group_heading(g), counts[g]);
    if (rep->image)
        fputs("<a href=\"#image\">Image</a> ", f);
    fputs("<a href=\"#plan\">Migration plan</a> <a href=\"#policy\">Policy</a></nav>\n<main>\n", f);
    summary_table(f, rep);
    for (enum csm_group g = 0; g < CSM_GROUP_COUNT; g++) {
        if (!counts[g])
            continue;
        /* What passed is there for the record, folded: nothing to do. */
        bool fold = g == CSM_GROUP_PASS;
        fprintf(f, "<section id=\"%s\">%s<h2>%s (%zu)</h2>%s\n", csm_group_anchor(g),
                fold ? "<details class=\"passed\"><summary>" : "", csm_group_heading(g), counts[g],
                fold ? "</summary>" : "");
        for (size_t i = 0; i < rep->n_results; i++)
            if (csm_result_group(&rep->results[i]) == g)
                result_article(f, &rep->results[i]);
        fprintf(f, "%s</section>\n", fold ? "</details>" : "");
    }
    if (rep->image)
        image_section(f, rep->image);
    plan_section(f, &rep->plan);
    policy_section(f, rep);
    fputs("</main>\n<footer>Generated by csm-precheck " CSM_VERSION " at ", f);
    esc(f, rep->generated_at);
    fputs(". The JSON report of the same run carries a SHA-256 digest (and, when signed, an Ed25519 signature): "
          "check it with <code>csm-precheck verify REPORT.json</code>.</footer>\n</body></html>\n",
          f);
    return ferror(f) ? -EIO : 0;
}
