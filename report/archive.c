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

#include "exitcodes.h"
#include "report.h"
#include "root.h"
#include "util.h"
#include "waivers.h"

#define REPORT_CAP (64 * 1024 * 1024)

static const char *str_at(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* Reads and parses a JSON report object; says why not on err and returns NULL. */
static cJSON *load_report(const char *path, FILE *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    char *text = NULL;
    size_t len = 0;
    int r = fd < 0 ? -errno : csm_fd_read(fd, REPORT_CAP, &text, &len);
    if (fd >= 0)
        close(fd);
    if (r < 0) {
        fprintf(err, "%s: cannot read: %s\n", path, csm_strerror(r));
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root || !cJSON_IsObject(root)) {
        unsigned line, col;
        csm_text_position(text, end && !root ? (size_t)(end - text) : 0, &line, &col);
        fprintf(err, "%s:%u:%u: not a JSON report\n", path, line, col);
        cJSON_Delete(root);
        root = NULL;
    }
    free(text);
    return root;
}

int csm_report_verify(const char *path, FILE *out)
{
    cJSON *root = load_report(path, stderr);
    if (!root)
        return CSM_EXIT_OPERATIONAL;
    cJSON *digest = cJSON_DetachItemFromObjectCaseSensitive(root, "digest");
    const char *want = str_at(digest, "value");
    const char *alg = str_at(digest, "algorithm");
    const char *canon = str_at(digest, "canonical");
    int code;
    if (!want || !alg || !streq(alg, "sha256") || !canon || !streq(canon, CSM_DIGEST_CANON)) {
        fprintf(out, "%s: no sha256 digest of the %s form to verify\n", path, CSM_DIGEST_CANON);
        code = CSM_EXIT_OPERATIONAL;
    } else {
        char *have = csm_report_json_digest(root);
        if (have && streq(have, want)) {
            fprintf(out, "%s: intact (sha256 %s)\n", path, have);
            code = 0;
        } else {
            fprintf(out, "%s: MODIFIED: the content does not match its digest\n  recorded sha256 %s\n  computed sha256 %s\n",
                    path, want, have ? have : "?");
            code = 1;
        }
        free(have);
    }
    cJSON_Delete(digest);
    cJSON_Delete(root);
    return code;
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

static int load(struct side *s, FILE *err)
{
    s->root = load_report(s->path, err);
    s->results = cJSON_GetObjectItemCaseSensitive(s->root, "results");
    if (s->root && !cJSON_IsArray(s->results)) {
        fprintf(err, "%s: not a csm-precheck report (no results)\n", s->path);
        return -1;
    }
    return s->root ? 0 : -1;
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
    fprintf(out, "%s (%s, %s) -> %s (%s, %s)\n", a->path, or_dash(str_at(a->root, "generated_at")),
            or_dash(str_at(a->root, "verdict")), b->path, or_dash(str_at(b->root, "generated_at")),
            or_dash(str_at(b->root, "verdict")));
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
        cJSON_AddStringToObject(s, "file", sides[i]->path);
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

int csm_report_diff(const char *old_path, const char *new_path, const char *format, FILE *out)
{
    struct side a = { .path = old_path }, b = { .path = new_path };
    struct change *changes = NULL;
    size_t n = 0, total = 0;
    int code = CSM_EXIT_OPERATIONAL;

    if (load(&a, stderr) < 0 || load(&b, stderr) < 0)
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
