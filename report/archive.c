/* What an auditor runs on archived JSON reports: csm-precheck verify
 * REPORT recomputes its digest; csm-precheck diff OLD NEW lists what
 * changed per check between two runs (fixed, newly failing, still failing,
 * severity changed, waived), as text or JSON. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/dl.h"
#include "report/report.h"
#include "lib/sign.h"
#include "lib/hostfile.h"
#include "lib/util.h"
#include "policy/waivers.h"

static const char *str_at(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* Reads and parses a JSON report object; says why not in *why and returns NULL. */
static cJSON *load_report(const char *path, size_t cap, char **why)
{
    char *text = NULL;
    size_t len = 0;
    int r = csm_host_file_read(path, cap, &text, &len);
    if (r == -EFBIG) {
        *why = xasprintf("%s: cannot read: larger than the size limit (%zu MiB)", path, cap >> 20);
        return NULL;
    }
    if (r < 0) {
        *why = xasprintf("%s: cannot read: %s", path, csm_strerror(r));
        return NULL;
    }
    /* JSON is UTF-8 (RFC 8259), and so is every report this tool writes:
     * a byte that is not is a damaged or forged file, never intact. */
    size_t bad = memchr(text, '\0', len) ? (size_t)((char *)memchr(text, '\0', len) - text) : csm_utf8_invalid(text, len);
    if (bad != SIZE_MAX) {
        unsigned line, col;
        csm_text_position(text, bad, &line, &col);
        *why = xasprintf("%s:%u:%u: not a JSON report: %s (byte 0x%02x)", path, line, col,
                         text[bad] ? "invalid UTF-8" : "a NUL byte", (unsigned char)text[bad]);
        free(text);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root || !cJSON_IsObject(root)) {
        unsigned line, col;
        csm_text_position(text, end && !root ? (size_t)(end - text) : 0, &line, &col);
        *why = xasprintf("%s:%u:%u: not a JSON report", path, line, col);
        cJSON_Delete(root);
        root = NULL;
    }
    free(text);
    return root;
}


static int status_of(const char *name)
{
    for (int st = 0; name && st < CSM_STATUS_COUNT; st++)
        if (streq(csm_status_name(st), name))
            return st;
    return -1;
}

static int severity_of(const char *name)
{
    for (int sev = CSM_SEV_INFO; name && sev <= CSM_SEV_BLOCKER; sev++)
        if (streq(csm_severity_name(sev), name))
            return sev;
    return -1;
}

static double num_at(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Two records of one waiver: the same check id, from the same file:line. */
static bool same_waiver(const cJSON *a, const cJSON *b)
{
    const char *ia = str_at(a, "id"), *ib = str_at(b, "id"), *sa = str_at(a, "source"), *sb = str_at(b, "source");
    return ia && ib && sa && sb && streq(ia, ib) && streq(sa, sb);
}

static bool waiver_listed(const cJSON *list, const cJSON *w)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, list)
    {
        if (same_waiver(x, w))
            return true;
    }
    return false;
}

/* The waivers of the policy against the results they waive. */
static void check_waivers(const cJSON *root, const cJSON *results, char ***problems)
{
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "policy"), "waivers");
    const cJSON *applied = cJSON_GetObjectItemCaseSensitive(ws, "applied");
    const cJSON *r, *w;
    cJSON_ArrayForEach(r, results)
    {
        const char *id = or_dash(str_at(r, "id"));
        const cJSON *wv = cJSON_GetObjectItemCaseSensitive(r, "waiver");
        if (!cJSON_IsObject(wv))
            continue;
        if (!cJSON_IsObject(ws))
            strv_pushf(problems, "%s is waived, but the policy names no waivers file", id);
        else if (!waiver_listed(applied, wv))
            strv_pushf(problems, "%s is waived by a waiver (%s) that the policy does not list as applied", id,
                       or_dash(str_at(wv, "source")));
    }
    cJSON_ArrayForEach(w, applied)
    {
        bool used = false;
        cJSON_ArrayForEach(r, results)
        {
            used |= same_waiver(cJSON_GetObjectItemCaseSensitive(r, "waiver"), w);
        }
        if (!used)
            strv_pushf(problems, "the waiver for %s (%s) is listed as applied, but no result is waived by it",
                       or_dash(str_at(w, "id")), or_dash(str_at(w, "source")));
    }
}

/* The report against itself: the summary, the verdict and the exit code
 * against the results, each waived result against its waiver. A forger who
 * edits the verdict and recomputes the digest must edit all of these. */
static void check_consistency(const cJSON *root, const csm_verdict_codes codes, struct csm_report_check *v)
{
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (!cJSON_IsArray(results)) {
        strv_pushf(&v->problems, "the report has no results");
        return;
    }
    unsigned counts[CSM_STATUS_COUNT] = { 0 };
    struct csm_tally t = { 0 };
    bool unknown = false;
    const cJSON *r;
    cJSON_ArrayForEach(r, results)
    {
        const char *id = or_dash(str_at(r, "id"));
        int st = status_of(str_at(r, "status")), sev = severity_of(str_at(r, "severity"));
        v->n_results++;
        if (st < 0 || sev < 0) {
            /* A newer tool's status: its weight is not known here. */
            strv_pushf(&v->problems, "%s has a status or severity this version does not know (%s, %s)", id,
                       or_dash(str_at(r, "status")), or_dash(str_at(r, "severity")));
            unknown = true;
            continue;
        }
        counts[st]++;
        csm_tally_add(&t, st, sev);
        const cJSON *wv = cJSON_GetObjectItemCaseSensitive(r, "waiver");
        int was = status_of(str_at(r, "waived_status"));
        if (st == CSM_WAIVED && (!cJSON_IsObject(wv) || !str_at(wv, "id") || !streq(str_at(wv, "id"), id)))
            strv_pushf(&v->problems, "%s is waived without a waiver for it", id);
        else if (st == CSM_WAIVED && was != CSM_FAIL && was != CSM_WARN && was != CSM_ERROR)
            strv_pushf(&v->problems, "%s is waived, but a waiver accepts only a fail, warn or error, not %s", id,
                       or_dash(str_at(r, "waived_status")));
        else if (st != CSM_WAIVED && cJSON_IsObject(wv))
            strv_pushf(&v->problems, "%s carries a waiver but is %s, not waived", id, csm_status_name(st));
    }
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(root, "summary");
    if (num_at(sum, "total") != (double)v->n_results)
        strv_pushf(&v->problems, "summary.total is %g, but there are %zu results", num_at(sum, "total"), v->n_results);
    for (int st = 0; st < CSM_STATUS_COUNT && !unknown; st++)
        if (num_at(sum, csm_status_name(st)) != counts[st])
            strv_pushf(&v->problems, "summary.%s is %g, but %u results are %s", csm_status_name(st),
                       num_at(sum, csm_status_name(st)), counts[st], csm_status_name(st));
    if (!unknown && num_at(sum, "blockers") != t.failed_blockers)
        strv_pushf(&v->problems, "summary.blockers is %g, but %u blockers failed", num_at(sum, "blockers"),
                   t.failed_blockers);
    enum csm_verdict want = csm_tally_verdict(&t);
    const char *verdict = str_at(root, "verdict");
    if (!unknown && (!verdict || !streq(verdict, csm_verdict_name(want))))
        strv_pushf(&v->problems, "the verdict is %s, but the results make it %s", or_dash(verdict),
                   csm_verdict_name(want));
    if (!unknown && num_at(root, "exit_code") != codes[want])
        strv_pushf(&v->problems, "exit_code is %g, but a %s report exits %d", num_at(root, "exit_code"),
                   csm_verdict_name(want), codes[want]);
    check_waivers(root, results, &v->problems);
}

/* The signature, over the report without "signature" and "digest". */
static void check_signature(cJSON *root, const struct csm_key *trusted, struct csm_report_check *v)
{
    cJSON *sig = cJSON_DetachItemFromObjectCaseSensitive(root, "signature");
    const char *alg = str_at(sig, "algorithm"), *canon = str_at(sig, "canonical"), *value = str_at(sig, "value");
    const char *fp = str_at(sig, "key_fingerprint"), *pub = str_at(sig, "public_key");
    if (!sig) {
        v->signature = trusted ? "missing" : "unsigned";
        return;
    }
    v->signer = xstrdup(fp ? fp : "unknown");
    struct csm_key *embedded = NULL;
    char *text = cJSON_PrintUnformatted(root);
    const struct csm_key *k = trusted;
    if (!k && pub && csm_key_from_base64(pub, &embedded) == 0)
        k = embedded;
    if (!alg || !streq(alg, "ed25519") || !canon || !streq(canon, CSM_DIGEST_CANON) || !value || !k || !text)
        v->signature = "invalid";
    else if (trusted && (!fp || !streq(fp, csm_key_fingerprint(trusted))))
        v->signature = "other-key";
    else if (embedded && (!fp || !streq(fp, csm_key_fingerprint(embedded))))
        v->signature = "invalid";
    else
        v->signature = csm_key_verify(k, text, strlen(text), value) ? "valid" : "invalid";
    free(text);
    csm_key_free(embedded);
    cJSON_Delete(sig);
}

void csm_report_check(const char *path, size_t cap, const struct csm_key *trusted, const csm_verdict_codes codes,
                      struct csm_report_check *v, cJSON **keep)
{
    *v = (struct csm_report_check){ .path = path };
    if (keep)
        *keep = NULL;
    cJSON *root = load_report(path, cap, &v->error);
    if (!root) {
        v->state = CSM_REPORT_UNREADABLE;
        return;
    }
    cJSON *digest = cJSON_DetachItemFromObjectCaseSensitive(root, "digest");
    const char *want = str_at(digest, "value"), *alg = str_at(digest, "algorithm"), *canon = str_at(digest, "canonical");
    if (!want || !alg || !streq(alg, "sha256") || !canon || !streq(canon, CSM_DIGEST_CANON)) {
        v->digest = "missing";
    } else {
        v->recorded = xstrdup(want);
        v->computed = csm_report_json_digest(root);
        v->digest = v->computed && streq(v->computed, want) ? "intact" : "modified";
        if (!v->computed) { /* no libcrypto: nothing can be told */
            v->error = xasprintf("%s: cannot compute the digest: %s", path,
                                 csm_dl_error() ? csm_dl_error() : "libcrypto failed");
            v->state = CSM_REPORT_UNREADABLE;
            cJSON_Delete(digest);
            cJSON_Delete(root);
            return;
        }
    }
    check_signature(root, trusted, v);
    check_consistency(root, codes, v);
    if (streq(v->digest, "missing"))
        v->state = CSM_REPORT_UNREADABLE;
    else if (streq(v->digest, "modified") || v->problems ||
             (!streq(v->signature, "valid") && !streq(v->signature, "unsigned")))
        v->state = CSM_REPORT_CHANGED;
    cJSON_Delete(digest);
    if (keep)
        *keep = root;
    else
        cJSON_Delete(root);
}

void csm_report_check_clear(struct csm_report_check *v)
{
    free(v->error);
    free(v->recorded);
    free(v->computed);
    free(v->signer);
    strv_free(v->problems);
}

static void verify_text(const struct csm_report_check *v, const struct csm_key *trusted, FILE *out)
{
    if (v->error) {
        fprintf(out, "%s\n", v->error);
        return;
    }
    if (streq(v->digest, "missing"))
        fprintf(out, "%s: no sha256 digest of the %s form to verify\n", v->path, CSM_DIGEST_CANON);
    else if (streq(v->digest, "intact"))
        fprintf(out, "%s: intact (sha256 %s)\n", v->path, v->computed);
    else
        fprintf(out, "%s: MODIFIED: the content does not match its digest\n  recorded sha256 %s\n  computed sha256 %s\n",
                v->path, v->recorded, v->computed ? v->computed : "?");
    if (streq(v->signature, "unsigned"))
        fputs("  unsigned: the digest detects accidental change only\n", out);
    else if (streq(v->signature, "missing"))
        fputs("  NOT SIGNED: the report carries no signature to check against --key\n", out);
    else if (streq(v->signature, "other-key"))
        fprintf(out, "  SIGNED WITH ANOTHER KEY: %s, not the --key %s\n", v->signer, csm_key_fingerprint(trusted));
    else if (streq(v->signature, "invalid"))
        fprintf(out, "  BAD SIGNATURE: the content does not match the signature of key %s\n", v->signer);
    else if (trusted)
        fprintf(out, "  signed with the --key Ed25519 key %s: valid\n", v->signer);
    else
        fprintf(out, "  signed with Ed25519 key %s: valid for the key it names; check with --key that it is "
                     "the one you trust\n", v->signer);
    for (size_t i = 0; v->problems && v->problems[i]; i++)
        fprintf(out, "  INCONSISTENT: %s\n", v->problems[i]);
    if (!v->problems)
        fprintf(out, "  consistent: the summary, the verdict, the exit code and the waivers agree with the %zu "
                     "results\n", v->n_results);
}

static cJSON *verify_json(const struct csm_report_check *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", v->path);
    if (v->error) {
        cJSON_AddStringToObject(o, "error", v->error);
    } else {
        cJSON *d = cJSON_AddObjectToObject(o, "digest");
        cJSON_AddStringToObject(d, "state", v->digest);
        cJSON_AddItemToObject(d, "recorded", v->recorded ? cJSON_CreateString(v->recorded) : cJSON_CreateNull());
        cJSON_AddItemToObject(d, "computed", v->computed ? cJSON_CreateString(v->computed) : cJSON_CreateNull());
        cJSON *s = cJSON_AddObjectToObject(o, "signature");
        cJSON_AddStringToObject(s, "state", v->signature);
        cJSON_AddItemToObject(s, "key_fingerprint", v->signer ? cJSON_CreateString(v->signer) : cJSON_CreateNull());
        cJSON *c = cJSON_AddObjectToObject(o, "consistency");
        cJSON_AddBoolToObject(c, "consistent", !v->problems);
        cJSON *pr = cJSON_AddArrayToObject(c, "problems");
        for (size_t i = 0; v->problems && v->problems[i]; i++)
            cJSON_AddItemToArray(pr, cJSON_CreateString(v->problems[i]));
    }
    cJSON_AddNumberToObject(o, "exit_code", v->code);
    return o;
}

struct csm_verify_writer {
    const struct csm_key *trusted;
    FILE *out;
    cJSON *doc, *reports; /* JSON; NULL for text */
};

struct csm_verify_writer *csm_verify_writer_new(const char *format, const struct csm_key *trusted, FILE *out)
{
    struct csm_verify_writer *w = xcalloc(1, sizeof(*w));
    *w = (struct csm_verify_writer){ .trusted = trusted, .out = out };
    if (format && streq(format, "json")) {
        w->doc = cJSON_CreateObject();
        w->reports = cJSON_AddArrayToObject(w->doc, "reports");
    }
    return w;
}

void csm_verify_writer_add(struct csm_verify_writer *w, const struct csm_report_check *v)
{
    if (w->doc)
        cJSON_AddItemToArray(w->reports, verify_json(v));
    else if (!v->error)
        verify_text(v, w->trusted, w->out);
}

void csm_verify_writer_finish(struct csm_verify_writer *w, int exit_code)
{
    if (w->doc) {
        cJSON_AddNumberToObject(w->doc, "exit_code", exit_code);
        char *s = cJSON_Print(w->doc);
        fprintf(w->out, "%s\n", s);
        free(s);
        cJSON_Delete(w->doc);
    }
    free(w);
}

/* ---- diff ---- */

struct side {
    const char *path;
    cJSON *root;
    const cJSON *results;
};

struct change {
    const char *id, *kind;
    const char *old_status, *new_status, *old_sev, *new_sev;
};

static int load(struct side *s, char **why)
{
    s->root = load_report(s->path, CSM_REPORT_CAP, why);
    s->results = cJSON_GetObjectItemCaseSensitive(s->root, "results");
    if (s->root && !cJSON_IsArray(s->results)) {
        *why = xasprintf("%s: not a csm-precheck report (no results)", s->path);
        return -EINVAL;
    }
    return s->root ? 0 : -EINVAL;
}

static const cJSON *find(const struct side *s, const char *id)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, s->results)
    {
        const char *rid = str_at(r, "id");
        if (rid && streq(rid, id))
            return r;
    }
    return NULL;
}

static bool bad(const char *status)
{
    return status && (streq(status, "fail") || streq(status, "warn") || streq(status, "error"));
}

/* The one word for what happened to a check; NULL when nothing did. */
static const char *classify(const char *os, const char *ns, const char *osev, const char *nsev)
{
    if (!os)
        return "added";
    if (!ns)
        return "removed";
    if (streq(ns, "waived") && !streq(os, "waived"))
        return "waived";
    if (streq(os, "waived") && !streq(ns, "waived"))
        return bad(ns) ? "waiver-lapsed" : streq(ns, "pass") ? "fixed" : "status-changed";
    if (bad(os) && streq(ns, "pass"))
        return "fixed";
    if (!bad(os) && bad(ns))
        return "newly-failing";
    if (osev && nsev && !streq(osev, nsev))
        return "severity-changed";
    if (!streq(os, ns))
        return bad(os) && bad(ns) ? "still-failing" : "status-changed";
    return bad(ns) ? "still-failing" : NULL;
}

static void add_change(struct change **v, size_t *n, const char *id, const cJSON *o, const cJSON *nw)
{
    const char *os = o ? str_at(o, "status") : NULL, *ns = nw ? str_at(nw, "status") : NULL;
    const char *osev = o ? str_at(o, "severity") : NULL, *nsev = nw ? str_at(nw, "severity") : NULL;
    const char *kind = classify(os, ns, osev, nsev);
    if (!kind)
        return;
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (struct change){ id, kind, os, ns, osev, nsev };
}

static void print_text(const struct side *a, const struct side *b, const struct change *c, size_t n, size_t total,
                       FILE *out)
{
    const struct side *sides[] = { a, b };
    for (size_t i = 0; i < 2; i++) {
        const cJSON *host = cJSON_GetObjectItemCaseSensitive(sides[i]->root, "host");
        const char *label = str_at(host, "label");
        fprintf(out, "%s%s (%s%shost %s, %s, %s)", i ? " -> " : "", sides[i]->path, label ? label : "",
                label ? ", " : "", or_dash(str_at(host, "hostname")), or_dash(str_at(sides[i]->root, "generated_at")),
                or_dash(str_at(sides[i]->root, "verdict")));
    }
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "  %-17s %-26s %s -> %s", c[i].kind, c[i].id, or_dash(c[i].old_status), or_dash(c[i].new_status));
        if (c[i].old_sev && c[i].new_sev && !streq(c[i].old_sev, c[i].new_sev))
            fprintf(out, "  (severity %s -> %s)", c[i].old_sev, c[i].new_sev);
        else if (c[i].new_sev && bad(c[i].new_status))
            fprintf(out, "  (%s)", c[i].new_sev);
        fputc('\n', out);
    }
    fprintf(out, "%zu of %zu checks unchanged\n", total - n, total);
}

static void print_json(const struct side *a, const struct side *b, const struct change *c, size_t n, size_t total,
                       FILE *out)
{
    cJSON *o = cJSON_CreateObject();
    const struct side *sides[] = { a, b };
    const char *names[] = { "old", "new" };
    for (size_t i = 0; i < 2; i++) {
        cJSON *s = cJSON_AddObjectToObject(o, names[i]);
        const cJSON *host = cJSON_GetObjectItemCaseSensitive(sides[i]->root, "host");
        cJSON_AddStringToObject(s, "file", sides[i]->path);
        cJSON_AddItemToObject(s, "host_label", str_at(host, "label") ? cJSON_CreateString(str_at(host, "label"))
                                                                      : cJSON_CreateNull());
        cJSON_AddStringToObject(s, "hostname", or_dash(str_at(host, "hostname")));
        cJSON_AddStringToObject(s, "generated_at", or_dash(str_at(sides[i]->root, "generated_at")));
        cJSON_AddStringToObject(s, "verdict", or_dash(str_at(sides[i]->root, "verdict")));
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "changes");
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", c[i].id);
        cJSON_AddStringToObject(j, "change", c[i].kind);
        cJSON_AddItemToObject(j, "old_status", c[i].old_status ? cJSON_CreateString(c[i].old_status) : cJSON_CreateNull());
        cJSON_AddItemToObject(j, "new_status", c[i].new_status ? cJSON_CreateString(c[i].new_status) : cJSON_CreateNull());
        cJSON_AddItemToObject(j, "old_severity", c[i].old_sev ? cJSON_CreateString(c[i].old_sev) : cJSON_CreateNull());
        cJSON_AddItemToObject(j, "new_severity", c[i].new_sev ? cJSON_CreateString(c[i].new_sev) : cJSON_CreateNull());
        cJSON_AddItemToArray(arr, j);
    }
    cJSON_AddNumberToObject(o, "unchanged", (double)(total - n));
    char *s = cJSON_Print(o);
    fprintf(out, "%s\n", s);
    free(s);
    cJSON_Delete(o);
}

int csm_report_diff(const char *old_path, const char *new_path, const char *format, FILE *out, char **why)
{
    struct side a = { .path = old_path }, b = { .path = new_path };
    struct change *changes = NULL;
    size_t n = 0, total = 0;
    int code;

    *why = NULL;
    if ((code = load(&a, why)) < 0 || (code = load(&b, why)) < 0)
        goto done;
    const cJSON *r;
    cJSON_ArrayForEach(r, b.results)
    {
        const char *id = str_at(r, "id");
        if (!id)
            continue;
        total++;
        add_change(&changes, &n, id, find(&a, id), r);
    }
    cJSON_ArrayForEach(r, a.results)
    {
        const char *id = str_at(r, "id");
        if (id && !find(&b, id)) {
            total++;
            add_change(&changes, &n, id, r, NULL);
        }
    }
    if (format && streq(format, "json"))
        print_json(&a, &b, changes, n, total, out);
    else
        print_text(&a, &b, changes, n, total, out);
    code = 0;
    for (size_t i = 0; i < n; i++)
        if (streq(changes[i].kind, "newly-failing") || streq(changes[i].kind, "waiver-lapsed"))
            code = 1;
done:
    free(changes);
    cJSON_Delete(a.root);
    cJSON_Delete(b.root);
    return code;
}
