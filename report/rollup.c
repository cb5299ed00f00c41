/* csm-precheck rollup: a wave's reports in one view. Hosts are named by
 * their report directory (DIR/<inventory_hostname>/precheck.json, as the
 * Ansible collection fetches them) or by the report file's name; each
 * report is verified as `verify` does (report/archive.c), reduced to a
 * record of a few hundred bytes and freed before the next one is read. */
#include "report/rollup.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/hostfile.h"
#include "lib/util.h"

/* A report is tens of KiB; a few MiB is a report with a pathological
 * amount of evidence. Past this it is not read: parsing is what costs the
 * memory (cJSON takes about ten times the text). */
#define ROLLUP_REPORT_CAP (8 * 1024 * 1024)
#define ROLLUP_MAX_RESULTS 4096
#define ROLLUP_STRING_CAP 512
#define ROLLUP_EXPECT_CAP (16 * 1024 * 1024)

static const char *const flag_names[CSM_FLAG_COUNT] = {
    "missing", "unreadable", "unknown-schema", "tampered", "unverified", "stale", "duplicate-machine-id", "unexpected",
};

const char *csm_rollup_flag_name(enum csm_rollup_flag f)
{
    return flag_names[f];
}

/* ---- interned strings and maps: open addressing, FNV-1a ---- */

struct map {
    const char **keys;
    size_t *vals;
    size_t cap, n;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t map_index(const struct map *m, const char *key)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i] && !streq(m->keys[i], key))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static size_t map_get(const struct map *m, const char *key)
{
    if (!m->cap)
        return SIZE_MAX;
    size_t i = map_index(m, key);
    return m->keys[i] ? m->vals[i] : SIZE_MAX;
}

/* Adds key (kept as given) unless it is there; returns its value. */
static size_t map_put(struct map *m, const char *key, size_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct map g = { .cap = m->cap ? m->cap * 2 : 64 };
        g.keys = xcalloc(g.cap, sizeof(*g.keys));
        g.vals = xcalloc(g.cap, sizeof(*g.vals));
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = map_index(&g, m->keys[i]);
                g.keys[j] = m->keys[i];
                g.vals[j] = m->vals[i];
            }
        g.n = m->n;
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    size_t i = map_index(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->vals[i] = val;
        m->n++;
    }
    return m->vals[i];
}

static void map_free(struct map *m)
{
    free(m->keys);
    free(m->vals);
}

struct csm_pool {
    struct map strings; /* keys owned */
    struct map checks;  /* id -> index into csm_rollup.checks */
    struct map names;   /* host name -> index into csm_rollup.hosts */
};

static const char *intern(struct csm_pool *p, const char *s)
{
    if (!s)
        return NULL;
    if (p->strings.cap) {
        size_t i = map_index(&p->strings, s);
        if (p->strings.keys[i])
            return p->strings.keys[i];
    }
    char *copy = xstrdup(s);
    map_put(&p->strings, copy, 0);
    return copy;
}

static void pool_free(struct csm_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->strings.cap; i++)
        free((char *)p->strings.keys[i]);
    map_free(&p->strings);
    map_free(&p->checks);
    map_free(&p->names);
    free(p);
}

/* ---- reading one report ---- */

static const char *str_at(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static uint64_t u64_at(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1.8e19 ? (uint64_t)v->valuedouble : 0;
}

/* A string of a report as the roll-up shows it: at most
 * ROLLUP_STRING_CAP bytes (cut at a character), control characters (C0,
 * DEL, C1: a terminal would obey them) replaced by '?'. The report is
 * valid UTF-8: load_report refuses any other. */
static char *clean(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (n > ROLLUP_STRING_CAP) {
        n = ROLLUP_STRING_CAP;
        while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) {
            *o++ = '?';
            i++;
        } else {
            *o++ = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
    }
    *o = '\0';
    return out;
}

static const char *intern_clean(struct csm_pool *p, const char *s)
{
    _cleanup_free_ char *c = clean(s);
    return intern(p, c);
}

static bool known_status(const char *s)
{
    for (int st = 0; s && st < CSM_STATUS_COUNT; st++)
        if (streq(csm_status_name(st), s))
            return true;
    return false;
}

static int severity_rank(const char *s)
{
    for (int sev = CSM_SEV_INFO; s && sev <= CSM_SEV_BLOCKER; sev++)
        if (streq(csm_severity_name(sev), s))
            return sev - CSM_SEV_INFO;
    return -1;
}

static int verdict_of(const char *s)
{
    for (int v = CSM_VERDICT_READY; s && v <= CSM_VERDICT_INCOMPLETE; v++)
        if (streq(csm_verdict_name(v), s))
            return v;
    return -1;
}

/* The order of the wave's verdicts: blocked > incomplete > warnings > ready. */
static int verdict_rank(enum csm_verdict v)
{
    static const int rank[] = { 0, 1, 3, 2 };
    return rank[v];
}

static void flag(struct csm_rollup_host *h, enum csm_rollup_flag f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void flag(struct csm_rollup_host *h, enum csm_rollup_flag f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    h->flags |= 1u << f;
    char *text = xvasprintf(fmt, ap);
    strv_pushf(&h->problems, "%s: %s", flag_names[f], text);
    free(text);
    va_end(ap);
}

static size_t check_index(struct csm_rollup *ru, const char *id)
{
    size_t i = map_get(&ru->pool->checks, id);
    if (i != SIZE_MAX)
        return i;
    ru->checks = xrealloc(ru->checks, (ru->n_checks + 1) * sizeof(*ru->checks));
    ru->checks[ru->n_checks] = (struct csm_rollup_check){ .id = id };
    return map_put(&ru->pool->checks, id, ru->n_checks++);
}

/* RFC 3339 in UTC, as reports write it. */
static bool parse_time(const char *s, time_t *t)
{
    struct tm tm = { 0 };
    char z = 0;
    int n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                     &tm.tm_sec, &z, &n) != 7 ||
        z != 'Z' || s[n])
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *t = timegm(&tm);
    return *t != (time_t)-1;
}

static void read_results(struct csm_rollup *ru, struct csm_rollup_host *h, const cJSON *results, bool *unknown)
{
    struct csm_pool *p = ru->pool;
    const cJSON *r;
    h->results = xcalloc((size_t)cJSON_GetArraySize(results) + 1, sizeof(*h->results));
    cJSON_ArrayForEach(r, results)
    {
        const char *id = intern_clean(p, str_at(r, "id"));
        const char *st = intern_clean(p, str_at(r, "status")), *sev = intern_clean(p, str_at(r, "severity"));
        if (!id || !st || !sev)
            continue; /* verify's consistency check names it */
        *unknown |= !known_status(st) || severity_rank(sev) < 0;
        size_t c = check_index(ru, id);
        struct csm_rollup_check *ck = &ru->checks[c];
        if (severity_rank(sev) > severity_rank(ck->severity))
            ck->severity = sev;
        ck->hosts++;
        h->results[h->n_results++] =
            (struct csm_rollup_result){ c, st, sev, intern_clean(p, str_at(r, "outcome")) };
        bool info = streq(sev, "info");
        if (streq(st, "fail") && streq(sev, "blocker"))
            strv_push(&h->blockers, xstrdup(id));
        else if ((streq(st, "fail") || streq(st, "warn")) && !info)
            strv_push(&h->warnings, xstrdup(id));
        else if (streq(st, "error") && !info)
            strv_push(&h->errors, xstrdup(id));
        else if (streq(st, "waived")) {
            const cJSON *w = cJSON_GetObjectItemCaseSensitive(r, "waiver");
            h->waived = xrealloc(h->waived, (h->n_waived + 1) * sizeof(*h->waived));
            h->waived[h->n_waived++] = (struct csm_rollup_waiver){
                id, clean(str_at(w, "reason")), clean(str_at(w, "approved_by")), clean(str_at(w, "expires"))
            };
        }
    }
}

static void read_plan(struct csm_rollup_host *h, const cJSON *plan)
{
    const cJSON *avail = cJSON_GetObjectItemCaseSensitive(plan, "available");
    h->plan = cJSON_IsTrue(avail);
    if (!h->plan) {
        h->plan_why = clean(str_at(plan, "reason"));
        return;
    }
    const cJSON *disk = cJSON_GetObjectItemCaseSensitive(plan, "system_disk");
    h->plan_disk = clean(str_at(disk, "path"));
    h->disk_bytes = u64_at(disk, "size_bytes");
    h->copy_bytes = u64_at(cJSON_GetObjectItemCaseSensitive(plan, "copy"), "bytes");
    h->min_target_bytes = u64_at(plan, "min_target_bytes");
}

static void read_host(struct csm_rollup *ru, struct csm_rollup_host *h, const struct csm_rollup_options *o, time_t now)
{
    struct csm_pool *p = ru->pool;
    h->age_days = -1;
    if (!h->report) {
        h->verdict = CSM_VERDICT_INCOMPLETE;
        return;
    }
    struct csm_report_check v;
    cJSON *root = NULL;
    bool unknown = false;
    int reported = -1;
    csm_report_check(h->report, ROLLUP_REPORT_CAP, NULL, o->verdict_codes, &v, &root);
    if (v.error) {
        flag(h, CSM_FLAG_UNREADABLE, "%s", v.error);
        goto done;
    }
    const cJSON *tool = cJSON_GetObjectItemCaseSensitive(root, "tool");
    const char *schema = str_at(root, "schema_version");
    if (!str_at(tool, "name") || !streq(str_at(tool, "name"), "csm-precheck") || !schema) {
        _cleanup_free_ char *name = clean(str_at(tool, "name"));
        flag(h, CSM_FLAG_UNREADABLE, "%s: not a csm-precheck report (%s%s)", h->report, name ? "tool.name is " : "no tool.name",
             name ? name : "");
        goto done;
    }
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(root, "host");
    h->hostname = clean(str_at(host, "hostname"));
    h->label = clean(str_at(host, "label"));
    h->machine_id = clean(str_at(host, "machine_id"));
    h->generated_at = clean(str_at(root, "generated_at"));
    h->schema_version = intern_clean(p, schema);
    h->tool_version = intern_clean(p, str_at(tool, "version"));
    h->ruleset_version = intern_clean(p, str_at(cJSON_GetObjectItemCaseSensitive(root, "ruleset"), "version"));
    h->profile = intern_clean(p, str_at(root, "profile"));
    h->digest = v.digest;
    h->signature = v.signature;
    /* A major version changes what fields mean: nothing of it is read. */
    if (strtol(schema, NULL, 10) != 1 || !strchr(schema, '.')) {
        flag(h, CSM_FLAG_SCHEMA, "schema_version %s; this version of csm-precheck reads 1.x", h->schema_version);
        goto done;
    }
    if (streq(v.digest, "modified"))
        flag(h, CSM_FLAG_TAMPERED, "the content does not match its digest (recorded sha256 %.16s..., computed %.16s...)",
             v.recorded, v.computed);
    else if (streq(v.digest, "missing"))
        flag(h, CSM_FLAG_UNVERIFIED, "the report has no digest to verify");
    if (streq(v.signature, "invalid"))
        flag(h, CSM_FLAG_TAMPERED, "the signature (key %s) does not match the content", v.signer ? v.signer : "?");

    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (cJSON_GetArraySize(results) > ROLLUP_MAX_RESULTS) {
        flag(h, CSM_FLAG_UNREADABLE, "%d results: more than a report of csm-precheck holds",
             cJSON_GetArraySize(results));
        goto done;
    }
    if (cJSON_IsArray(results))
        read_results(ru, h, results, &unknown);
    /* verify's consistency problems, unless they come from a newer tool's
     * status or severity, which this version cannot weigh. */
    if (unknown)
        strv_pushf(&h->problems, "a result has a status or severity this version does not know: not passing");
    else
        for (size_t i = 0; v.problems && v.problems[i] && i < 5; i++)
            flag(h, CSM_FLAG_TAMPERED, "inconsistent: %s", v.problems[i]);
    read_plan(h, cJSON_GetObjectItemCaseSensitive(root, "plan"));
    reported = verdict_of(str_at(root, "verdict"));
    h->reported = reported >= 0 ? csm_verdict_name(reported) : NULL;
    if (reported < 0)
        strv_pushf(&h->problems, "the report states no verdict this version knows");

    time_t t;
    if (parse_time(h->generated_at, &t))
        h->age_days = difftime(now, t) / 86400;
    if (o->max_age_days >= 0 && h->age_days < 0)
        flag(h, CSM_FLAG_STALE, "no time of generation to compare with --max-age");
    else if (o->max_age_days >= 0 && h->age_days > o->max_age_days)
        flag(h, CSM_FLAG_STALE, "generated %.1f days ago (%s), more than --max-age %g", h->age_days, h->generated_at,
             o->max_age_days);
done:
    if (reported >= 0 && !unknown && !(h->flags & CSM_FLAGS_UNTRUSTED))
        h->verdict = reported;
    else
        h->verdict = reported == CSM_VERDICT_BLOCKED ? CSM_VERDICT_BLOCKED : CSM_VERDICT_INCOMPLETE;
    cJSON_Delete(root);
    csm_report_check_clear(&v);
}

/* ---- the hosts of the inputs ---- */

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void add_host(struct csm_rollup *ru, char *name, char *report, char *html)
{
    ru->hosts = xrealloc(ru->hosts, (ru->n_hosts + 1) * sizeof(*ru->hosts));
    ru->hosts[ru->n_hosts] = (struct csm_rollup_host){ .name = name, .report = report, .html = html };
    map_put(&ru->pool->names, name, ru->n_hosts);
    ru->n_hosts++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A host directory without a report: the collection writes precheck.error
 * there when the check could not run; its first line says why. */
static void missing_why(struct csm_rollup_host *h, const char *dir)
{
    _cleanup_free_ char *path = xasprintf("%s/precheck.error", dir), *text = NULL;
    size_t len;
    if (csm_host_file_read(path, 64 * 1024, &text, &len) < 0 || csm_utf8_invalid(text, len) != SIZE_MAX) {
        flag(h, CSM_FLAG_MISSING, "no report in %s", dir);
        return;
    }
    text[strcspn(text, "\n")] = '\0';
    _cleanup_free_ char *why = clean(strstrip(text));
    flag(h, CSM_FLAG_MISSING, "no report in %s: %s", dir, why);
}

/* DIR/<host>/precheck.json for every directory of DIR (hidden ones left
 * out); a host directory without one is a host without a report. */
static int add_file(struct csm_rollup *ru, const char *path, char **why);

static int add_dir(struct csm_rollup *ru, const char *dir, char **why)
{
    /* A host's own directory. */
    _cleanup_free_ char *own = xasprintf("%s/precheck.json", dir);
    struct stat st;
    if (lstat(own, &st) == 0)
        return add_file(ru, own, why);
    DIR *d = opendir(dir);
    if (!d) {
        int e = -errno;
        *why = xasprintf("%s: %s", dir, csm_strerror(e));
        return e;
    }
    char **names = NULL;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            strv_push(&names, xstrdup(de->d_name));
    closedir(d);
    size_t n = strv_length(names);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, names[i]);
        if (stat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
            continue; /* hosts.txt, a roll-up written beside the hosts */
        char *json = xasprintf("%s/precheck.json", sub), *html = xasprintf("%s/precheck.html", sub);
        struct stat js;
        if (lstat(json, &js) < 0 && errno == ENOENT) {
            free(json);
            json = NULL;
        }
        if (!is_file(html)) {
            free(html);
            html = NULL;
        }
        add_host(ru, xstrdup(names[i]), json, html);
        if (!json)
            missing_why(&ru->hosts[ru->n_hosts - 1], sub);
    }
    strv_free(names);
    return 0;
}

/* A report named on the command line: DIR/precheck.json is the host DIR,
 * web-01.json the host web-01. */
static int add_file(struct csm_rollup *ru, const char *path, char **why)
{
    if (!is_file(path)) {
        struct stat st;
        int e = stat(path, &st) < 0 ? -errno : -EMEDIUMTYPE;
        *why = xasprintf("%s: %s", path, csm_strerror(e));
        return e;
    }
    _cleanup_free_ char *copy = xstrdup(path);
    char *slash = strrchr(copy, '/'), *base = slash ? slash + 1 : copy;
    char *name;
    if (streq(base, "precheck.json") && slash) {
        *slash = '\0';
        char *parent = strrchr(copy, '/');
        name = xstrdup(parent ? parent + 1 : copy);
    } else {
        name = endswith(base, ".json") ? xstrndup(base, strlen(base) - 5) : xstrdup(base);
    }
    char *html = endswith(path, ".json") ? xasprintf("%.*s.html", (int)(strlen(path) - 5), path) : NULL;
    if (html && !is_file(html)) {
        free(html);
        html = NULL;
    }
    add_host(ru, name, xstrdup(path), html);
    return 0;
}

/* --expect-hosts: one name a line; blank lines and '#' comments left out. */
static int read_expected(struct csm_rollup *ru, const char *path, char **why)
{
    char *text = NULL;
    size_t len = 0;
    int r = csm_host_file_read(path, ROLLUP_EXPECT_CAP, &text, &len);
    if (r < 0) {
        *why = xasprintf("--expect-hosts %s: %s", path, csm_strerror(r));
        return r;
    }
    bool *expected = xcalloc(ru->n_hosts + 1, sizeof(*expected));
    size_t n_known = ru->n_hosts;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *name = strstrip(line);
        if (!*name || *name == '#')
            continue;
        _cleanup_free_ char *c = clean(name);
        size_t i = map_get(&ru->pool->names, c);
        if (i != SIZE_MAX && i < n_known) {
            expected[i] = true;
        } else if (i == SIZE_MAX) {
            add_host(ru, xstrdup(c), NULL, NULL);
            flag(&ru->hosts[ru->n_hosts - 1], CSM_FLAG_MISSING, "expected (%s), but no report was found", path);
        }
    }
    for (size_t i = 0; i < n_known; i++)
        if (!expected[i])
            flag(&ru->hosts[i], CSM_FLAG_UNEXPECTED, "a report of a host that %s does not name", path);
    free(expected);
    free(text);
    return 0;
}

static int cmp_host(const void *a, const void *b)
{
    const struct csm_rollup_host *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->report ? strcmp(x->report, y->report ? y->report : "") : y->report ? -1 : 0);
}

/* ---- what the wave shows ---- */

static void tally(struct csm_rollup *ru)
{
    for (size_t i = 0; i < ru->n_hosts; i++) {
        const struct csm_rollup_host *h = &ru->hosts[i];
        for (size_t k = 0; k < h->n_results; k++) {
            const struct csm_rollup_result *r = &h->results[k];
            struct csm_rollup_check *c = &ru->checks[r->check];
            int t = streq(r->status, "fail")     ? CSM_TALLY_FAIL
                    : streq(r->status, "warn")   ? CSM_TALLY_WARN
                    : streq(r->status, "error")  ? CSM_TALLY_ERROR
                    : streq(r->status, "waived") ? CSM_TALLY_WAIVED
                                                 : -1;
            if (t < 0)
                continue;
            c->tally[t] = xrealloc(c->tally[t], (c->n_tally[t] + 1) * sizeof(size_t));
            c->tally[t][c->n_tally[t]++] = i;
            c->blocking += t == CSM_TALLY_FAIL && streq(r->severity, "blocker");
        }
    }
}

static size_t not_passing(const struct csm_rollup_check *c)
{
    size_t n = 0;
    for (int t = 0; t < CSM_TALLY_COUNT; t++)
        n += c->n_tally[t];
    return n;
}

static int cmp_check(const void *a, const void *b)
{
    const struct csm_rollup_check *x = a, *y = b;
    if (x->blocking != y->blocking)
        return x->blocking > y->blocking ? -1 : 1;
    if (not_passing(x) != not_passing(y))
        return not_passing(x) > not_passing(y) ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Most blocking first; the results' check indices follow. */
static void sort_checks(struct csm_rollup *ru)
{
    if (!ru->n_checks)
        return;
    qsort(ru->checks, ru->n_checks, sizeof(*ru->checks), cmp_check);
    size_t *to = xmalloc(ru->n_checks * sizeof(*to));
    for (size_t i = 0; i < ru->n_checks; i++)
        to[map_get(&ru->pool->checks, ru->checks[i].id)] = i;
    for (size_t i = 0; i < ru->n_checks; i++)
        ru->pool->checks.vals[map_index(&ru->pool->checks, ru->checks[i].id)] = i;
    for (size_t i = 0; i < ru->n_hosts; i++)
        for (size_t k = 0; k < ru->hosts[i].n_results; k++)
            ru->hosts[i].results[k].check = to[ru->hosts[i].results[k].check];
    free(to);
}

struct id_host {
    const char *id;
    size_t host;
};

static int cmp_id_host(const void *a, const void *b)
{
    const struct id_host *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->host > y->host) - (x->host < y->host);
}

/* Hosts whose reports share a machine ID: cloned systems, or one system's
 * report fetched under two names. */
static void find_duplicates(struct csm_rollup *ru)
{
    struct id_host *v = xcalloc(ru->n_hosts + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < ru->n_hosts; i++)
        if (ru->hosts[i].machine_id && *ru->hosts[i].machine_id &&
            !(ru->hosts[i].flags & (1u << CSM_FLAG_UNREADABLE | 1u << CSM_FLAG_SCHEMA)))
            v[n++] = (struct id_host){ ru->hosts[i].machine_id, i };
    if (n)
        qsort(v, n, sizeof(*v), cmp_id_host);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && streq(v[a].id, v[b].id);)
            b++;
        if (b - a < 2)
            continue;
        struct csm_rollup_duplicate d = { .machine_id = v[a].id, .n_hosts = b - a };
        d.hosts = xmalloc(d.n_hosts * sizeof(*d.hosts));
        for (size_t k = a; k < b; k++)
            d.hosts[k - a] = v[k].host;
        for (size_t k = a; k < b; k++) {
            /* A golden image cloned to hundreds of hosts: name a few. */
            _cleanup_free_ char *others = NULL;
            size_t named = 0;
            for (size_t j = a; j < b && named < 5; j++)
                if (j != k) {
                    char *s = xasprintf("%s%s%s", others ? others : "", others ? ", " : "", ru->hosts[v[j].host].name);
                    free(others);
                    others = s;
                    named++;
                }
            flag(&ru->hosts[v[k].host], CSM_FLAG_DUPLICATE_ID, "machine ID %s is also that of %s%s", v[k].id, others,
                 b - a - 1 > named ? " and more" : "");
        }
        ru->duplicates = xrealloc(ru->duplicates, (ru->n_duplicates + 1) * sizeof(*ru->duplicates));
        ru->duplicates[ru->n_duplicates++] = d;
    }
    free(v);
}

int csm_rollup_build(struct csm_rollup *ru, char *const *inputs, const struct csm_rollup_options *o, char **why)
{
    *ru = (struct csm_rollup){ .expect_hosts = o->expect_hosts, .max_age_days = o->max_age_days };
    ru->pool = xcalloc(1, sizeof(*ru->pool));
    ru->inputs = strv_copy(inputs);
    time_t now = time(NULL);
    struct tm tm;
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    ru->generated_at = xstrdup(buf);
    *why = NULL;
    for (size_t i = 0; inputs && inputs[i]; i++) {
        struct stat st;
        int r = stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode) ? add_dir(ru, inputs[i], why)
                                                                  : add_file(ru, inputs[i], why);
        if (r < 0)
            return r;
    }
    if (o->expect_hosts) {
        int r = read_expected(ru, o->expect_hosts, why);
        if (r < 0)
            return r;
    }
    if (!ru->n_hosts) {
        *why = xasprintf("no host directory with a report in %s", inputs && inputs[0] ? inputs[0] : "the input");
        return -ENOENT;
    }
    qsort(ru->hosts, ru->n_hosts, sizeof(*ru->hosts), cmp_host);
    for (size_t i = 0; i < ru->n_hosts; i++)
        read_host(ru, &ru->hosts[i], o, now);
    find_duplicates(ru);
    tally(ru);
    sort_checks(ru);
    ru->verdict = CSM_VERDICT_READY;
    for (size_t i = 0; i < ru->n_hosts; i++) {
        const struct csm_rollup_host *h = &ru->hosts[i];
        ru->verdicts[h->verdict]++;
        for (int f = 0; f < CSM_FLAG_COUNT; f++)
            ru->flagged[f] += !!(h->flags & 1u << f);
        if (verdict_rank(h->verdict) > verdict_rank(ru->verdict))
            ru->verdict = h->verdict;
        ru->hosts[i].exit_code = o->verdict_codes[h->verdict];
    }
    ru->exit_code = o->verdict_codes[ru->verdict];
    return 0;
}

void csm_rollup_clear(struct csm_rollup *ru)
{
    for (size_t i = 0; i < ru->n_hosts; i++) {
        struct csm_rollup_host *h = &ru->hosts[i];
        free(h->name);
        free(h->report);
        free(h->html);
        free(h->hostname);
        free(h->label);
        free(h->machine_id);
        free(h->generated_at);
        free(h->results);
        strv_free(h->blockers);
        strv_free(h->warnings);
        strv_free(h->errors);
        for (size_t k = 0; k < h->n_waived; k++) {
            free(h->waived[k].reason);
            free(h->waived[k].approved_by);
            free(h->waived[k].expires);
        }
        free(h->waived);
        free(h->plan_disk);
        free(h->plan_why);
        strv_free(h->problems);
    }
    for (size_t i = 0; i < ru->n_checks; i++)
        for (int t = 0; t < CSM_TALLY_COUNT; t++)
            free(ru->checks[i].tally[t]);
    for (size_t i = 0; i < ru->n_duplicates; i++)
        free(ru->duplicates[i].hosts);
    free(ru->duplicates);
    free(ru->checks);
    free(ru->hosts);
    free(ru->generated_at);
    strv_free(ru->inputs);
    pool_free(ru->pool);
    *ru = (struct csm_rollup){ 0 };
}

int csm_rollup_exit_code(const struct csm_rollup *ru)
{
    return ru->exit_code;
}

static int exit_code_of(const struct csm_rollup_host *h)
{
    return h->exit_code;
}

/* ---- text ---- */

static const char *const tally_names[CSM_TALLY_COUNT] = { "fail", "warn", "error", "waived" };

static void id_list(FILE *f, const char *what, char *const *ids, bool *first)
{
    if (!ids)
        return;
    fprintf(f, "%s%s: ", *first ? "" : "; ", what);
    for (size_t i = 0; ids[i]; i++)
        fprintf(f, "%s%s", i ? " " : "", ids[i]);
    *first = false;
}

static void wave_sentence(const struct csm_rollup *ru, FILE *f)
{
    fprintf(f, "%zu %s: %zu ready, %zu with warnings, %zu blocked, %zu incomplete", ru->n_hosts,
            plural(ru->n_hosts, "host", "hosts"), ru->verdicts[CSM_VERDICT_READY], ru->verdicts[CSM_VERDICT_WARNINGS],
            ru->verdicts[CSM_VERDICT_BLOCKED], ru->verdicts[CSM_VERDICT_INCOMPLETE]);
    if (ru->flagged[CSM_FLAG_MISSING])
        fprintf(f, " (%zu without a report)", ru->flagged[CSM_FLAG_MISSING]);
}

static int write_text(const struct csm_rollup *ru, FILE *f, const struct csm_rollup_options *o)
{
    (void)o;
    static const char *const upper[] = { "READY", "READY WITH WARNINGS", "BLOCKED", "INCOMPLETE" };
    fprintf(f, "%s: ", upper[ru->verdict]);
    wave_sentence(ru, f);
    fputs("\n\n", f);
    int w = 4;
    for (size_t i = 0; i < ru->n_hosts; i++)
        w = strlen(ru->hosts[i].name) > (size_t)w ? (int)strlen(ru->hosts[i].name) : w;
    w = w > 40 ? 40 : w;
    static const enum csm_verdict order[] = { CSM_VERDICT_BLOCKED, CSM_VERDICT_INCOMPLETE, CSM_VERDICT_WARNINGS,
                                              CSM_VERDICT_READY };
    fputs("Hosts, the worst first:\n", f);
    for (size_t g = 0; g < ARRAY_SIZE(order); g++)
        for (size_t i = 0; i < ru->n_hosts; i++) {
            const struct csm_rollup_host *h = &ru->hosts[i];
            if (h->verdict != order[g])
                continue;
            /* A line of its own, so that no padding trails it. */
            char *line = NULL;
            size_t len = 0;
            FILE *out = f;
            f = open_memstream(&line, &len);
            if (!f)
                return -ENOMEM;
            fprintf(f, "  %-10s  %-*s", csm_verdict_name(h->verdict), w, h->name);
            if (h->label && !streq(h->label, h->name))
                fprintf(f, "  label %s", h->label);
            if (h->hostname && !streq(h->hostname, h->name))
                fprintf(f, "  hostname %s", h->hostname);
            bool first = true;
            fputs(h->blockers || h->warnings || h->errors || h->n_waived ? "  " : "", f);
            id_list(f, "blockers", h->blockers, &first);
            id_list(f, "warnings", h->warnings, &first);
            id_list(f, "could not be checked", h->errors, &first);
            if (h->n_waived) {
                fprintf(f, "%swaived:", first ? "" : "; ");
                for (size_t k = 0; k < h->n_waived; k++)
                    fprintf(f, " %s", h->waived[k].id);
            }
            fclose(f);
            f = out;
            while (len && line[len - 1] == ' ')
                line[--len] = '\0';
            fprintf(f, "%s\n", line);
            free(line);
            for (size_t k = 0; h->problems && h->problems[k]; k++)
                fprintf(f, "  %-10s  ! %s\n", "", h->problems[k]);
        }
    if (ru->n_duplicates) {
        fputs("\nShared machine IDs (cloned systems):\n", f);
        for (size_t i = 0; i < ru->n_duplicates; i++) {
            fprintf(f, "  %s:", ru->duplicates[i].machine_id);
            for (size_t k = 0; k < ru->duplicates[i].n_hosts; k++)
                fprintf(f, " %s", ru->hosts[ru->duplicates[i].hosts[k]].name);
            fputc('\n', f);
        }
    }
    bool any = false;
    for (size_t i = 0; i < ru->n_checks; i++)
        any |= not_passing(&ru->checks[i]) > 0;
    if (any) {
        int iw = 5;
        for (size_t i = 0; i < ru->n_checks; i++)
            iw = strlen(ru->checks[i].id) > (size_t)iw ? (int)strlen(ru->checks[i].id) : iw;
        iw = iw > 40 ? 40 : iw;
        fprintf(f, "\nChecks that do not pass everywhere:\n  %-*s  %-8s  %5s %5s %5s %6s  %s\n", iw, "CHECK", "SEVERITY",
                "FAIL", "WARN", "ERROR", "WAIVED", "HOSTS");
        for (size_t i = 0; i < ru->n_checks; i++) {
            const struct csm_rollup_check *c = &ru->checks[i];
            if (!not_passing(c))
                continue;
            fprintf(f, "  %-*s  %-8s  %5zu %5zu %5zu %6zu ", iw, c->id, c->severity ? c->severity : "-",
                    c->n_tally[CSM_TALLY_FAIL], c->n_tally[CSM_TALLY_WARN], c->n_tally[CSM_TALLY_ERROR],
                    c->n_tally[CSM_TALLY_WAIVED]);
            size_t shown = 0;
            for (int t = 0; t < CSM_TALLY_COUNT; t++)
                for (size_t k = 0; k < c->n_tally[t]; k++, shown++)
                    if (shown < 8)
                        fprintf(f, " %s", ru->hosts[c->tally[t][k]].name);
            if (shown > 8)
                fprintf(f, " and %zu more", shown - 8);
            fputc('\n', f);
        }
    }
    fprintf(f, "\nExit code %d: the worst verdict of the wave.\n", csm_rollup_exit_code(ru));
    return ferror(f) ? -EIO : 0;
}

/* ---- JSON (report/rollup.schema.json) ---- */

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *strv_json(char *const *v)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; v && v[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static cJSON *host_names(const struct csm_rollup *ru, const size_t *idx, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(ru->hosts[idx[i]].name));
    return a;
}

static cJSON *host_json(const struct csm_rollup_host *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", h->name);
    cJSON_AddItemToObject(o, "report", str_or_null(h->report));
    cJSON_AddItemToObject(o, "html", str_or_null(h->html));
    cJSON_AddItemToObject(o, "hostname", str_or_null(h->hostname));
    cJSON_AddItemToObject(o, "label", str_or_null(h->label));
    cJSON_AddItemToObject(o, "machine_id", str_or_null(h->machine_id));
    cJSON_AddStringToObject(o, "verdict", csm_verdict_name(h->verdict));
    cJSON_AddNumberToObject(o, "exit_code", exit_code_of(h));
    cJSON_AddItemToObject(o, "reported_verdict", str_or_null(h->reported));
    cJSON_AddItemToObject(o, "blockers", strv_json(h->blockers));
    cJSON_AddItemToObject(o, "warnings", strv_json(h->warnings));
    cJSON_AddItemToObject(o, "errors", strv_json(h->errors));
    cJSON *w = cJSON_AddArrayToObject(o, "waived");
    for (size_t i = 0; i < h->n_waived; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", h->waived[i].id);
        cJSON_AddItemToObject(j, "reason", str_or_null(h->waived[i].reason));
        cJSON_AddItemToObject(j, "approved_by", str_or_null(h->waived[i].approved_by));
        cJSON_AddItemToObject(j, "expires", str_or_null(h->waived[i].expires));
        cJSON_AddItemToArray(w, j);
    }
    if (!h->report || h->flags & (1u << CSM_FLAG_UNREADABLE | 1u << CSM_FLAG_SCHEMA)) {
        cJSON_AddNullToObject(o, "plan");
    } else {
        cJSON *p = cJSON_AddObjectToObject(o, "plan");
        cJSON_AddBoolToObject(p, "available", h->plan);
        if (h->plan) {
            cJSON_AddItemToObject(p, "disk", str_or_null(h->plan_disk));
            cJSON_AddNumberToObject(p, "disk_bytes", (double)h->disk_bytes);
            cJSON_AddNumberToObject(p, "copy_bytes", (double)h->copy_bytes);
            cJSON_AddNumberToObject(p, "min_target_bytes", (double)h->min_target_bytes);
        } else {
            cJSON_AddItemToObject(p, "reason", str_or_null(h->plan_why));
        }
    }
    cJSON_AddItemToObject(o, "profile", str_or_null(h->profile));
    cJSON_AddItemToObject(o, "tool_version", str_or_null(h->tool_version));
    cJSON_AddItemToObject(o, "ruleset_version", str_or_null(h->ruleset_version));
    cJSON_AddItemToObject(o, "schema_version", str_or_null(h->schema_version));
    cJSON_AddItemToObject(o, "generated_at", str_or_null(h->generated_at));
    cJSON_AddItemToObject(o, "age_days", h->age_days >= 0 ? cJSON_CreateNumber((double)(long long)(h->age_days * 100 + 0.5) / 100)
                                                          : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "digest", str_or_null(h->digest));
    cJSON_AddItemToObject(o, "signature", str_or_null(h->signature));
    cJSON *fl = cJSON_AddArrayToObject(o, "flags");
    for (int f = 0; f < CSM_FLAG_COUNT; f++)
        if (h->flags & 1u << f)
            cJSON_AddItemToArray(fl, cJSON_CreateString(flag_names[f]));
    cJSON_AddItemToObject(o, "problems", strv_json(h->problems));
    return o;
}

static int write_json(const struct csm_rollup *ru, FILE *f, const struct csm_rollup_options *o)
{
    (void)o;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "rollup_schema_version", CSM_ROLLUP_SCHEMA_VERSION);
    cJSON *tool = cJSON_AddObjectToObject(j, "tool");
    cJSON_AddStringToObject(tool, "name", "csm-precheck");
    cJSON_AddStringToObject(tool, "version", CSM_VERSION);
    cJSON_AddStringToObject(j, "generated_at", ru->generated_at);
    cJSON_AddItemToObject(j, "inputs", strv_json(ru->inputs));
    cJSON_AddItemToObject(j, "expect_hosts", str_or_null(ru->expect_hosts));
    cJSON_AddItemToObject(j, "max_age_days", ru->max_age_days >= 0 ? cJSON_CreateNumber(ru->max_age_days)
                                                                   : cJSON_CreateNull());
    cJSON_AddStringToObject(j, "verdict", csm_verdict_name(ru->verdict));
    cJSON_AddNumberToObject(j, "exit_code", csm_rollup_exit_code(ru));
    cJSON *c = cJSON_AddObjectToObject(j, "counts");
    cJSON_AddNumberToObject(c, "hosts", (double)ru->n_hosts);
    for (int v = CSM_VERDICT_READY; v <= CSM_VERDICT_INCOMPLETE; v++)
        cJSON_AddNumberToObject(c, csm_verdict_name(v), (double)ru->verdicts[v]);
    cJSON *fl = cJSON_AddObjectToObject(j, "flags");
    for (int fi = 0; fi < CSM_FLAG_COUNT; fi++) {
        cJSON *a = cJSON_AddArrayToObject(fl, flag_names[fi]);
        for (size_t i = 0; i < ru->n_hosts; i++)
            if (ru->hosts[i].flags & 1u << fi)
                cJSON_AddItemToArray(a, cJSON_CreateString(ru->hosts[i].name));
    }
    cJSON *d = cJSON_AddArrayToObject(j, "duplicate_machine_ids");
    for (size_t i = 0; i < ru->n_duplicates; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "machine_id", ru->duplicates[i].machine_id);
        cJSON_AddItemToObject(x, "hosts", host_names(ru, ru->duplicates[i].hosts, ru->duplicates[i].n_hosts));
        cJSON_AddItemToArray(d, x);
    }
    cJSON *hosts = cJSON_AddArrayToObject(j, "hosts");
    for (size_t i = 0; i < ru->n_hosts; i++)
        cJSON_AddItemToArray(hosts, host_json(&ru->hosts[i]));
    cJSON *checks = cJSON_AddArrayToObject(j, "checks");
    for (size_t i = 0; i < ru->n_checks; i++) {
        const struct csm_rollup_check *ck = &ru->checks[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "id", ck->id);
        cJSON_AddItemToObject(x, "severity", str_or_null(ck->severity));
        cJSON_AddNumberToObject(x, "hosts", (double)ck->hosts);
        cJSON_AddNumberToObject(x, "blocking", (double)ck->blocking);
        for (int t = 0; t < CSM_TALLY_COUNT; t++)
            cJSON_AddNumberToObject(x, tally_names[t], (double)ck->n_tally[t]);
        cJSON *by = cJSON_AddObjectToObject(x, "by_status");
        for (int t = 0; t < CSM_TALLY_COUNT; t++)
            cJSON_AddItemToObject(by, tally_names[t], host_names(ru, ck->tally[t], ck->n_tally[t]));
        cJSON_AddItemToArray(checks, x);
    }
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    if (!s)
        return -ENOMEM;
    int r = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -EIO : 0;
    free(s);
    return r;
}

/* ---- CSV (RFC 4180) ---- */

/* A field, quoted when it must be; one that a spreadsheet would take for a
 * formula (=, +, -, @ first: a hostile hostname) is prefixed with '. */
static void csv_field(FILE *f, const char *s, bool last)
{
    s = s ? s : "";
    bool formula = *s && strchr("=+-@\t\r", *s);
    if (formula || strpbrk(s, ",\"\n\r") || (*s == ' ')) {
        fputc('"', f);
        if (formula)
            fputc('\'', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

static void csv_num(FILE *f, uint64_t v, bool known)
{
    if (known)
        fprintf(f, "%llu", (unsigned long long)v);
    fputc(',', f);
}

/* "tampered stale": the host's flags, space-separated. */
static char *flag_words(const struct csm_rollup_host *h)
{
    char **flags = NULL;
    for (int fl = 0; fl < CSM_FLAG_COUNT; fl++)
        if (h->flags & 1u << fl)
            strv_push(&flags, xstrdup(flag_names[fl]));
    char *s = strv_join(flags, " ");
    strv_free(flags);
    return s;
}

static void csv_host_row(FILE *f, const struct csm_rollup_host *h)
{
    _cleanup_free_ char *blockers = strv_join(h->blockers, " "), *warnings = strv_join(h->warnings, " ");
    _cleanup_free_ char *errors = strv_join(h->errors, " "), *problems = strv_join(h->problems, "; ");
    char **waived = NULL;
    for (size_t i = 0; i < h->n_waived; i++)
        strv_push(&waived, xstrdup(h->waived[i].id));
    _cleanup_free_ char *w = strv_join(waived, " "), *fs = flag_words(h);
    char code[8], age[32] = "";
    snprintf(code, sizeof(code), "%d", exit_code_of(h));
    if (h->age_days >= 0)
        snprintf(age, sizeof(age), "%.2f", h->age_days);
    csv_field(f, h->name, false);
    csv_field(f, h->hostname, false);
    csv_field(f, h->label, false);
    csv_field(f, h->machine_id, false);
    csv_field(f, csm_verdict_name(h->verdict), false);
    csv_field(f, code, false);
    csv_field(f, h->reported, false);
    csv_field(f, blockers, false);
    csv_field(f, warnings, false);
    csv_field(f, errors, false);
    csv_field(f, w, false);
    csv_field(f, h->plan_disk, false);
    csv_num(f, h->disk_bytes, h->plan);
    csv_num(f, h->copy_bytes, h->plan);
    csv_num(f, h->min_target_bytes, h->plan);
    csv_field(f, h->profile, false);
    csv_field(f, h->tool_version, false);
    csv_field(f, h->ruleset_version, false);
    csv_field(f, h->generated_at, false);
    csv_field(f, age, false);
    csv_field(f, h->digest, false);
    csv_field(f, h->signature, false);
    csv_field(f, fs, false);
    csv_field(f, problems, true);
    strv_free(waived);
}

static int write_csv(const struct csm_rollup *ru, FILE *f, const struct csm_rollup_options *o)
{
    if (o && o->per_check) {
        fputs("host,hostname,label,host_verdict,check,status,severity,outcome,flags\r\n", f);
        for (size_t i = 0; i < ru->n_hosts; i++) {
            const struct csm_rollup_host *h = &ru->hosts[i];
            _cleanup_free_ char *fs = flag_words(h);
            /* A host without results still has its row. */
            for (size_t k = 0; k < (h->n_results ? h->n_results : 1); k++) {
                const struct csm_rollup_result *r = h->n_results ? &h->results[k] : NULL;
                csv_field(f, h->name, false);
                csv_field(f, h->hostname, false);
                csv_field(f, h->label, false);
                csv_field(f, csm_verdict_name(h->verdict), false);
                csv_field(f, r ? ru->checks[r->check].id : NULL, false);
                csv_field(f, r ? r->status : NULL, false);
                csv_field(f, r ? r->severity : NULL, false);
                csv_field(f, r ? r->outcome : NULL, false);
                csv_field(f, fs, true);
            }
        }
        return ferror(f) ? -EIO : 0;
    }
    fputs("host,hostname,label,machine_id,verdict,exit_code,reported_verdict,blockers,warnings,errors,waived,"
          "plan_disk,disk_bytes,copy_bytes,min_target_bytes,profile,tool_version,ruleset_version,generated_at,"
          "age_days,digest,signature,flags,problems\r\n",
          f);
    for (size_t i = 0; i < ru->n_hosts; i++)
        csv_host_row(f, &ru->hosts[i]);
    return ferror(f) ? -EIO : 0;
}

/* ---- HTML ---- */

static const char style[] =
    ":root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--inc:#8250df;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}"
    "*{box-sizing:border-box}"
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;margin:0 auto;max-width:72rem;"
    "padding:1rem}h1{margin:0;font-size:1.8rem}"
    "h2{margin:1.8rem 0 .4rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;font-size:1.3rem}"
    ".verdict{border-radius:10px;padding:1rem 1.2rem;color:#fff}.verdict p{margin:.3rem 0}"
    ".ready{background:var(--ok)}.warnings{background:var(--warn)}.blocked{background:var(--bad)}"
    ".incomplete{background:var(--inc)}"
    "figure{margin:1rem 0}figure svg{display:block;width:100%;height:auto}"
    ".wave text{font-size:13px;fill:#1f2328}.wave text.on{fill:#fff;font-weight:600}"
    ".wave rect.ready{fill:var(--ok)}.wave rect.warnings{fill:var(--warn)}.wave rect.blocked{fill:var(--bad)}"
    ".wave rect.incomplete{fill:var(--inc)}.wave rect.bar{fill:var(--bad)}.wave rect.track{fill:var(--bg)}"
    "td,li{overflow-x:auto}.t{white-space:nowrap}.hex{word-break:break-all}"
    ".id{font-family:ui-monospace,monospace;font-size:.85em;white-space:nowrap}"
    ".badge{display:inline-block;font-size:.72rem;font-weight:700;text-transform:uppercase;border-radius:4px;"
    "padding:0 .35rem;color:#fff;white-space:nowrap}"
    "table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.88em}"
    "th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top}"
    "th{background:var(--bg)}td.n{text-align:right}tr.flagged td{background:#fff8c5}"
    "ul.flags{padding-left:1.2rem}footer{margin-top:2rem;color:var(--muted);font-size:.85em}"
    "@media (max-width:40rem){body{padding:.5rem}"
    "table.rows,table.rows tbody,table.rows tr,table.rows td{display:block;width:100%}"
    "table.rows thead{display:none}table.rows td{border:none;border-bottom:1px solid var(--line)}"
    "table.rows tr{border:1px solid var(--line);margin-bottom:.3rem}table.rows td:empty{display:none}"
    "table.rows td::before{content:attr(data-label);font-weight:600;color:var(--muted);font-size:.8em;"
    "margin-right:.5em}}"
    "@media print{@page{size:A4;margin:14mm}body{max-width:none;font-size:9.5pt;padding:0}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}"
    "td,li{overflow:visible}.t{white-space:normal;overflow-wrap:anywhere}}";

static void esc(FILE *f, const char *s)
{
    csm_html_text(f, s ? s : "");
}

/* The path from directory `from` to file `to`, both absolute and
 * resolved, percent-encoded for an href. */
static void put_href(FILE *f, const char *from, const char *to)
{
    size_t fl = strlen(from), common = 0;
    for (size_t i = 0; from[i] && from[i] == to[i]; i++)
        if (from[i] == '/')
            common = i + 1;
    if (strncmp(from, to, fl) == 0 && to[fl] == '/')
        common = fl + 1;
    /* A "../" for each component of from past the common directory. */
    for (const char *p = from + (common <= fl ? common : fl); *p;) {
        fputs("../", f);
        p = strchrnul(p, '/');
        p += *p == '/';
    }
    for (const char *p = to + common; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~/", c))
            fputc(c, f);
        else
            fprintf(f, "%%%02X", c);
    }
}

static char *output_dir(const char *output)
{
    char buf[PATH_MAX];
    if (!output)
        return getcwd(buf, sizeof(buf)) ? xstrdup(buf) : NULL;
    _cleanup_free_ char *dir = xstrdup(output);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    return realpath(slash ? dir : ".", NULL);
}

static void verdict_badge(FILE *f, enum csm_verdict v)
{
    fprintf(f, "<span class=\"badge %s\">%s</span>", csm_verdict_name(v), csm_verdict_name(v));
}

/* The wave at a glance: the hosts per verdict as one bar to scale, and the
 * checks that block the most hosts. */
static void wave_picture(FILE *f, const struct csm_rollup *ru)
{
    static const enum csm_verdict order[] = { CSM_VERDICT_READY, CSM_VERDICT_WARNINGS, CSM_VERDICT_BLOCKED,
                                              CSM_VERDICT_INCOMPLETE };
    size_t top = 0;
    for (size_t i = 0; i < ru->n_checks && top < 5; i++)
        top += ru->checks[i].blocking > 0;
    int height = 74 + (top ? 30 + 24 * (int)top : 0);
    fprintf(f, "<figure id=\"wave\"><svg class=\"wave\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 800 %d\" "
               "role=\"img\" aria-label=\"%zu hosts: %zu ready, %zu with warnings, %zu blocked, %zu incomplete\">",
            height, ru->n_hosts, ru->verdicts[CSM_VERDICT_READY], ru->verdicts[CSM_VERDICT_WARNINGS],
            ru->verdicts[CSM_VERDICT_BLOCKED], ru->verdicts[CSM_VERDICT_INCOMPLETE]);
    double x = 0;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        size_t n = ru->verdicts[order[i]];
        if (!n)
            continue;
        double w = 800.0 * (double)n / (double)ru->n_hosts;
        fprintf(f, "<rect class=\"%s\" data-verdict=\"%s\" data-hosts=\"%zu\" x=\"%.2f\" y=\"0\" width=\"%.2f\" "
                   "height=\"36\"><title>%zu %s</title></rect>",
                csm_verdict_name(order[i]), csm_verdict_name(order[i]), n, x, w, n, csm_verdict_name(order[i]));
        if (w >= 28)
            fprintf(f, "<text class=\"on\" x=\"%.2f\" y=\"23\" text-anchor=\"middle\">%zu</text>", x + w / 2, n);
        x += w;
    }
    x = 0;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        fprintf(f, "<rect class=\"%s\" x=\"%.0f\" y=\"48\" width=\"12\" height=\"12\"/>"
                   "<text x=\"%.0f\" y=\"59\">%s %zu</text>",
                csm_verdict_name(order[i]), x, x + 17, csm_verdict_name(order[i]), ru->verdicts[order[i]]);
        x += 190;
    }
    if (top) {
        fputs("<text x=\"0\" y=\"96\" font-weight=\"600\">The most frequent blockers (hosts)</text>", f);
        size_t most = ru->checks[0].blocking;
        for (size_t i = 0; i < top; i++) {
            const struct csm_rollup_check *c = &ru->checks[i];
            int y = 106 + 24 * (int)i;
            double w = 460.0 * (double)c->blocking / (double)most;
            fprintf(f, "<text x=\"0\" y=\"%d\">", y + 14);
            csm_html_escape(f, c->id);
            fprintf(f, "</text><rect class=\"track\" x=\"280\" y=\"%d\" width=\"460\" height=\"18\"/>"
                       "<rect class=\"bar\" data-check=\"",
                    y);
            csm_html_escape(f, c->id);
            fprintf(f, "\" data-hosts=\"%zu\" x=\"280\" y=\"%d\" width=\"%.2f\" height=\"18\"/>"
                       "<text x=\"%.2f\" y=\"%d\">%zu</text>",
                    c->blocking, y, w, 286 + w, y + 14, c->blocking);
        }
    }
    fputs("</svg></figure>\n", f);
}

static void td_open(FILE *f, const char *label, const char *cls)
{
    fprintf(f, "<td data-label=\"%s\"%s%s%s>", label, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
}

static void td_ids(FILE *f, const char *label, char *const *ids)
{
    td_open(f, label, NULL);
    for (size_t i = 0; ids && ids[i]; i++) {
        fputs(i ? " <span class=\"id\">" : "<span class=\"id\">", f);
        esc(f, ids[i]);
        fputs("</span>", f);
    }
    fputs("</td>", f);
}

static void hosts_table(FILE *f, const struct csm_rollup *ru, const char *from)
{
    fputs("<section id=\"hosts\"><h2>Hosts</h2><table class=\"rows\"><thead><tr><th>Host</th><th>Verdict</th>"
          "<th>Blockers</th><th>Warnings</th><th>Could not be checked</th><th>Waived</th><th>Plan</th>"
          "<th>Report</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < ru->n_hosts; i++) {
        const struct csm_rollup_host *h = &ru->hosts[i];
        fprintf(f, "<tr id=\"host-%zu\" data-verdict=\"%s\"%s>", i, csm_verdict_name(h->verdict),
                h->flags ? " class=\"flagged\"" : "");
        td_open(f, "Host", NULL);
        _cleanup_free_ char *target = h->html && from ? realpath(h->html, NULL) : NULL;
        if (target) {
            fputs("<a href=\"", f);
            put_href(f, from, target);
            fputs("\">", f);
        }
        fputs("<b>", f);
        esc(f, h->name);
        fputs(target ? "</b></a>" : "</b>", f);
        if (h->label && !streq(h->label, h->name)) {
            fputs("<br>label ", f);
            esc(f, h->label);
        }
        if (h->hostname && !streq(h->hostname, h->name)) {
            fputs("<br>hostname ", f);
            esc(f, h->hostname);
        }
        fputs("</td>", f);
        td_open(f, "Verdict", NULL);
        verdict_badge(f, h->verdict);
        fprintf(f, " exit %d", exit_code_of(h));
        fputs("</td>", f);
        td_ids(f, "Blockers", h->blockers);
        td_ids(f, "Warnings", h->warnings);
        td_ids(f, "Could not be checked", h->errors);
        td_open(f, "Waived", NULL);
        for (size_t k = 0; k < h->n_waived; k++) {
            fputs(k ? "<br><span class=\"id\">" : "<span class=\"id\">", f);
            esc(f, h->waived[k].id);
            fputs("</span> ", f);
            esc(f, h->waived[k].approved_by);
        }
        fputs("</td>", f);
        td_open(f, "Plan", NULL);
        if (h->plan) {
            char a[32], b[32];
            _cleanup_free_ char *plan = xasprintf("%s: copy %s, target at least %s", h->plan_disk ? h->plan_disk : "?",
                                                  csm_format_size(h->copy_bytes, a, sizeof(a)),
                                                  csm_format_size(h->min_target_bytes, b, sizeof(b)));
            esc(f, plan);
        } else if (h->plan_why) {
            esc(f, h->plan_why);
        }
        fputs("</td>", f);
        td_open(f, "Report", NULL);
        if (h->generated_at) {
            _cleanup_free_ char *meta = xasprintf("%s, digest %s, profile %s, csm-precheck %s, rules %s", h->generated_at,
                                                  h->digest ? h->digest : "-", h->profile ? h->profile : "-",
                                                  h->tool_version ? h->tool_version : "-",
                                                  h->ruleset_version ? h->ruleset_version : "-");
            esc(f, meta);
        }
        if (h->problems) {
            fputs("<ul class=\"flags\">", f);
            for (size_t k = 0; h->problems[k]; k++) {
                fputs("<li>", f);
                esc(f, h->problems[k]);
                fputs("</li>", f);
            }
            fputs("</ul>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></section>\n", f);
}

static void checks_table(FILE *f, const struct csm_rollup *ru)
{
    fputs("<section id=\"checks\"><h2>Checks that do not pass everywhere</h2><table class=\"rows\"><thead><tr>"
          "<th>Check</th><th>Severity</th><th>Fail</th><th>Warn</th><th>Error</th><th>Waived</th><th>Hosts</th>"
          "</tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < ru->n_checks; i++) {
        const struct csm_rollup_check *c = &ru->checks[i];
        if (!not_passing(c))
            continue;
        fputs("<tr>", f);
        td_open(f, "Check", "id");
        esc(f, c->id);
        fputs("</td>", f);
        td_open(f, "Severity", NULL);
        esc(f, c->severity);
        fputs("</td>", f);
        for (int t = 0; t < CSM_TALLY_COUNT; t++) {
            td_open(f, tally_names[t], "n");
            fprintf(f, "%zu</td>", c->n_tally[t]);
        }
        td_open(f, "Hosts", NULL);
        for (int t = 0, first = 1; t < CSM_TALLY_COUNT; t++)
            for (size_t k = 0; k < c->n_tally[t]; k++, first = 0) {
                fprintf(f, "%s<a href=\"#host-%zu\">", first ? "" : ", ", c->tally[t][k]);
                esc(f, ru->hosts[c->tally[t][k]].name);
                fputs("</a>", f);
            }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></section>\n", f);
}

static int write_html(const struct csm_rollup *ru, FILE *f, const struct csm_rollup_options *o)
{
    _cleanup_free_ char *from = output_dir(o ? o->output : NULL);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"" CSM_HTML_CSP "\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
          f);
    fprintf(f, "<title>Wave of %zu hosts: %s (csm-precheck rollup)</title>\n<style>%s</style></head>\n<body>\n",
            ru->n_hosts, csm_verdict_title(ru->verdict), style);
    fprintf(f, "<header class=\"verdict %s\" data-verdict=\"%s\"><h1>%s</h1><p>", csm_verdict_name(ru->verdict),
            csm_verdict_name(ru->verdict), csm_verdict_title(ru->verdict));
    wave_sentence(ru, f);
    fprintf(f, ". Exit code %d.</p></header>\n<main>\n", csm_rollup_exit_code(ru));
    wave_picture(f, ru);
    bool flagged = false;
    for (int fl = 0; fl < CSM_FLAG_COUNT; fl++)
        flagged |= ru->flagged[fl] > 0;
    if (flagged) {
        fputs("<section id=\"flags\"><h2>Flags</h2><ul>", f);
        for (int fl = 0; fl < CSM_FLAG_COUNT; fl++) {
            if (!ru->flagged[fl])
                continue;
            fprintf(f, "<li data-flag=\"%s\"><b>%s</b> (%zu): ", flag_names[fl], flag_names[fl], ru->flagged[fl]);
            for (size_t i = 0, n = 0; i < ru->n_hosts; i++)
                if (ru->hosts[i].flags & 1u << fl) {
                    fprintf(f, "%s<a href=\"#host-%zu\">", n++ ? ", " : "", i);
                    esc(f, ru->hosts[i].name);
                    fputs("</a>", f);
                }
            fputs("</li>", f);
        }
        fputs("</ul></section>\n", f);
    }
    hosts_table(f, ru, from);
    checks_table(f, ru);
    fprintf(f, "</main>\n<footer>csm-precheck " CSM_VERSION " rollup at %s of ", ru->generated_at);
    for (size_t i = 0; ru->inputs && ru->inputs[i]; i++) {
        fputs(i ? ", " : "", f);
        esc(f, ru->inputs[i]);
    }
    fputs(". Each host links to its own report; every JSON report's digest was verified.</footer>\n</body></html>\n",
          f);
    return ferror(f) ? -EIO : 0;
}

static const struct csm_rollup_renderer renderers[] = {
    { "text", ".txt", write_text },
    { "json", ".json", write_json },
    { "csv", ".csv", write_csv },
    { "html", ".html", write_html },
};

const struct csm_rollup_renderer *csm_rollup_renderer_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(renderers); i++)
        if (streq(renderers[i].name, name))
            return &renderers[i];
    return NULL;
}

const struct csm_rollup_renderer *csm_rollup_renderer_for_file(const char *path)
{
    for (size_t i = 0; i < ARRAY_SIZE(renderers); i++)
        if (endswith(path, renderers[i].ext))
            return &renderers[i];
    return NULL;
}

struct saved_rollup {
    const struct csm_rollup *ru;
    const struct csm_rollup_renderer *r;
    const struct csm_rollup_options *o;
};

static int write_saved(FILE *f, const void *data)
{
    const struct saved_rollup *s = data;
    return s->r->write(s->ru, f, s->o);
}

int csm_rollup_save(const struct csm_rollup *ru, const struct csm_rollup_renderer *r,
                    const struct csm_rollup_options *o)
{
    return csm_file_save(o->output, write_saved, &(struct saved_rollup){ ru, r, o });
}
