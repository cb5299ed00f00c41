#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"
#include "policy/waivers.h"

static const struct csm_renderer renderers[] = {
    { "text", ".txt", csm_report_write_text },
    { "json", ".json", csm_report_write_json },
    { "html", ".html", csm_report_write_html },
};

const struct csm_renderer *csm_renderer_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(renderers); i++)
        if (streq(renderers[i].name, name))
            return &renderers[i];
    return NULL;
}

const struct csm_renderer *csm_renderer_for_file(const char *path)
{
    for (size_t i = 0; i < ARRAY_SIZE(renderers); i++)
        if (endswith(path, renderers[i].ext))
            return &renderers[i];
    return NULL;
}

const char *csm_renderer_names(void)
{
    return "text, json, html";
}

const char *csm_verdict_name(enum csm_verdict v)
{
    static const char *const names[] = { "ready", "warnings", "blocked", "incomplete" };
    return names[v];
}

const char *csm_verdict_title(enum csm_verdict v)
{
    static const char *const titles[] = { "Ready", "Ready with warnings", "Blocked", "Incomplete" };
    return titles[v];
}

const char *csm_verdict_sentence(enum csm_verdict v)
{
    static const char *const sentences[] = {
        "Nothing stands in the way of the migration.",
        "Review the warnings before the migration.",
        "Fix the blockers below before the migration.",
        "A blocker could not be checked; see below.",
    };
    return sentences[v];
}

enum csm_group csm_result_group(const struct csm_result *r)
{
    switch (r->status) {
    case CSM_PASS:
        return CSM_GROUP_PASS;
    case CSM_SKIP:
        return CSM_GROUP_SKIP;
    case CSM_WAIVED:
        return CSM_GROUP_WAIVED;
    case CSM_ERROR:
        return r->severity == CSM_SEV_INFO ? CSM_GROUP_INFO : CSM_GROUP_ERROR;
    default:
        if (r->severity == CSM_SEV_INFO)
            return CSM_GROUP_INFO;
        return r->status == CSM_FAIL && r->severity == CSM_SEV_BLOCKER ? CSM_GROUP_BLOCKER : CSM_GROUP_WARNING;
    }
}

static const struct {
    const char *heading, *anchor;
} group_names[CSM_GROUP_COUNT] = {
    { "Blockers", "blockers" },   { "Warnings", "warnings" },          { "Could not be checked", "errors" },
    { "Waived (accepted risk)", "waived" }, { "Skipped", "skipped" }, { "Notes", "notes" },
    { "Passed", "passed" },
};

const char *csm_group_heading(enum csm_group g)
{
    return group_names[g].heading;
}

const char *csm_group_anchor(enum csm_group g)
{
    return group_names[g].anchor;
}

void csm_tally_add(struct csm_tally *t, enum csm_status st, enum csm_severity sev)
{
    if (sev == CSM_SEV_INFO)
        return;
    bool blocker = sev == CSM_SEV_BLOCKER;
    switch (st) {
    case CSM_FAIL:
        if (blocker) {
            t->blocked = true;
            t->failed_blockers++;
        } else {
            t->warnings = true;
        }
        break;
    case CSM_ERROR:
        if (blocker)
            t->incomplete = true;
        else
            t->warnings = true;
        break;
    case CSM_WARN:
        t->warnings = true;
        break;
    default:
        break;
    }
}

enum csm_verdict csm_tally_verdict(const struct csm_tally *t)
{
    return t->blocked ? CSM_VERDICT_BLOCKED : t->incomplete ? CSM_VERDICT_INCOMPLETE
                                          : t->warnings     ? CSM_VERDICT_WARNINGS
                                                            : CSM_VERDICT_READY;
}

/* The calendar arithmetic is done here because glibc's gmtime() loads the
 * host's time zone file, which a --root scan must not touch. Days to civil
 * date: the proleptic Gregorian calendar in 400-year eras of 146097 days,
 * counted from 0000-03-01. */
static void civil_from_days(int64_t days, int64_t *year, int64_t *month, int64_t *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

static void utc_split(int64_t t, int64_t *days, int64_t *secs)
{
    *days = t / 86400;
    *secs = t % 86400;
    if (*secs < 0) {
        *secs += 86400;
        --*days;
    }
}

/* RFC 3339 in UTC. */
static char *utc_now(void)
{
    int64_t days, secs, y, m, d;
    utc_split((int64_t)time(NULL), &days, &secs);
    civil_from_days(days, &y, &m, &d);
    return xasprintf("%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m, (long long)d,
                     (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
}

const char *csm_today(char *buf)
{
    int64_t days, secs, y, m, d;
    utc_split((int64_t)time(NULL), &days, &secs);
    civil_from_days(days, &y, &m, &d);
    /* Formatted whole first: the compiler cannot know the year has four digits. */
    char day[64];
    snprintf(day, sizeof(day), "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
    snprintf(buf, 11, "%.10s", day);
    return buf;
}

/* What the site's rule files changed from the shipped rules. */
static void collect_overrides(struct csm_report *rep, const struct csm_ruleset *rs)
{
    for (size_t i = 0; i < csm_ruleset_count(rs); i++) {
        const struct csm_rule *rule = csm_ruleset_at(rs, i);
        for (size_t k = 0; k < rule->n_values; k++) {
            const struct csm_rule_value *v = &rule->values[k];
            if (!v->site)
                continue;
            rep->overrides = xrealloc(rep->overrides, (rep->n_overrides + 1) * sizeof(*rep->overrides));
            rep->overrides[rep->n_overrides++] = (struct csm_override){
                .id = xstrdup(rule->id),
                .key = xstrdup(v->key),
                .value = strv_join(v->values, "; "),
                .shipped = v->shipped ? strv_join(v->shipped, "; ") : NULL,
                .source = xstrdup(v->origin),
            };
        }
    }
}

/* A waiver accepts a failure, a warning or an error; never a pass or a skip. */
static void apply_waivers(struct csm_report *rep, struct csm_waivers *ws)
{
    for (size_t i = 0; ws && i < rep->n_results; i++) {
        struct csm_result *r = &rep->results[i];
        if (r->status != CSM_FAIL && r->status != CSM_WARN && r->status != CSM_ERROR)
            continue;
        struct csm_waiver *w = csm_waivers_match(ws, r->check->id, rep->hostname, rep->machine_id);
        if (!w && rep->host_label)
            w = csm_waivers_match(ws, r->check->id, rep->host_label, NULL);
        if (!w)
            continue;
        w->uses++;
        r->waiver = w;
        r->waived_status = r->status;
        r->status = CSM_WAIVED;
    }
}

static void fix_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        v[i] = csm_utf8_fix(v[i]);
}

/* Every text of the report is UTF-8 whatever the scanned system holds (a
 * label, a file name, a line of fstab): what is not is replaced, byte by
 * byte, by U+FFFD. Rule and waiver files are refused instead when they
 * are not UTF-8 (policy/rules.c, policy/waivers.c). */
static void fix_utf8(struct csm_report *rep)
{
#define FIX(x) ((x) = csm_utf8_fix(x))
    FIX(rep->hostname), FIX(rep->machine_id), FIX(rep->root), FIX(rep->disk), FIX(rep->agent_config);
    fix_strv(rep->rule_files);
    for (size_t i = 0; i < rep->n_overrides; i++)
        FIX(rep->overrides[i].value), FIX(rep->overrides[i].shipped), FIX(rep->overrides[i].source);
    for (size_t i = 0; i < rep->n_results; i++) {
        struct csm_result *r = &rep->results[i];
        FIX(r->outcome), FIX(r->reason), FIX(r->title), FIX(r->message), FIX(r->hint);
        fix_strv(r->commands);
        fix_strv(r->references);
        for (size_t k = 0; k < r->n_evidence; k++) {
            struct csm_evidence *e = r->evidence[k];
            FIX(e->label), FIX(e->value), FIX(e->source), FIX(e->note);
        }
    }
    struct csm_plan *p = &rep->plan;
    FIX(p->reason), FIX(p->disk), FIX(p->label), FIX(p->whole_why);
    for (size_t i = 0; i < p->n_parts; i++)
        FIX(p->parts[i].device), FIX(p->parts[i].type), FIX(p->parts[i].fstype), FIX(p->parts[i].uuid),
            FIX(p->parts[i].mount), FIX(p->parts[i].why);
    fix_strv(p->commands);
    fix_strv(p->notes);
    FIX(p->guest_reason);
    for (size_t i = 0; i < p->n_holds; i++)
        FIX(p->holds[i].mount), FIX(p->holds[i].where), FIX(p->holds[i].fstype);
    for (size_t i = 0; i < p->n_missing; i++)
        FIX(p->missing[i].mount), FIX(p->missing[i].message);
    struct csm_report_image *im = rep->image;
    if (!im)
        return;
    FIX(im->path), FIX(im->format), FIX(im->subformat), FIX(im->package), FIX(im->member);
    FIX(im->unreadable_why), FIX(im->label), FIX(im->disk_id), FIX(im->whole_fstype);
    for (size_t i = 0; i < im->n_parts; i++) {
        struct csm_report_part *x = &im->parts[i];
        FIX(x->type), FIX(x->type_code), FIX(x->fstype), FIX(x->uuid), FIX(x->label), FIX(x->last_mounted),
            FIX(x->use_why);
    }
#undef FIX
}

void csm_report_build(struct csm_report *rep, struct csm_scan *s, struct csm_waivers *waivers)
{
    const struct csm_identity *id = csm_facts_identity(s);
    *rep = (struct csm_report){
        .generated_at = utc_now(),
        .hostname = xstrdup(id->hostname),
        .machine_id = id->machine_id ? xstrdup(id->machine_id) : NULL,
        .host_label = s->opts->host_label,
        .mode = csm_target_mode(s->target.has),
        .root = xstrdup(csm_scan_has(s, CSM_HAS_IMAGE) ? "" : s->opts->root ? s->opts->root : "/"),
        .profile = xstrdup(csm_ruleset_profile(s->rules)),
        .ruleset_version = xstrdup(csm_ruleset_version(s->rules)),
        .rule_files = strv_copy(csm_ruleset_files(s->rules)),
        .rules = s->rules,
        .waivers = waivers,
    };
    collect_overrides(rep, s->rules);
    rep->results = csm_checks_run(s, &rep->n_results);
    apply_waivers(rep, waivers);
    csm_plan_build(s, &rep->plan);
    if (s->opts->agent_config)
        rep->agent_config = xstrdup(s->opts->agent_config);
    if (csm_scan_has(s, CSM_HAS_IMAGE))
        rep->image = csm_report_image_build(s);
    if (s->opts->disk)
        rep->disk = xstrdup(s->opts->disk);
    else if (rep->plan.disk && rep->plan.kind == CSM_PLAN_EXPORT) /* an image is target.image */
        rep->disk = xstrdup(rep->plan.disk);
    fix_utf8(rep);
    struct csm_tally t = { 0 };
    for (size_t i = 0; i < rep->n_results; i++) {
        rep->counts[rep->results[i].status]++;
        csm_tally_add(&t, rep->results[i].status, rep->results[i].severity);
    }
    rep->verdict = csm_tally_verdict(&t);
    rep->failed_blockers = t.failed_blockers;
}

void csm_report_clear(struct csm_report *rep)
{
    for (size_t i = 0; i < rep->n_results; i++)
        csm_result_clear(&rep->results[i]);
    free(rep->results);
    csm_plan_clear(&rep->plan);
    csm_report_image_free(rep->image);
    free(rep->generated_at);
    free(rep->hostname);
    free(rep->machine_id);
    free(rep->root);
    free(rep->disk);
    free(rep->agent_config);
    free(rep->profile);
    free(rep->ruleset_version);
    strv_free(rep->rule_files);
    for (size_t i = 0; i < rep->n_overrides; i++) {
        free(rep->overrides[i].id);
        free(rep->overrides[i].key);
        free(rep->overrides[i].value);
        free(rep->overrides[i].shipped);
        free(rep->overrides[i].source);
    }
    free(rep->overrides);
    memset(rep, 0, sizeof(*rep));
}

static mode_t umask_get(void)
{
    mode_t m = umask(0);
    umask(m);
    return m;
}

struct saved_report {
    const struct csm_report *rep;
    const struct csm_renderer *r;
};

static int write_report(FILE *f, const void *data)
{
    const struct saved_report *s = data;
    const struct csm_render_opts plain = { .width = 80 };
    return s->r->write(s->rep, f, &plain);
}

int csm_report_save(const struct csm_report *rep, const struct csm_renderer *r, const char *path)
{
    return csm_file_save(path, write_report, &(struct saved_report){ rep, r });
}

int csm_file_save(const char *path, int (*writer)(FILE *f, const void *data), const void *data)
{
    _cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -errno;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = -errno;
        close(fd);
        unlink(tmp);
        return e;
    }
    int ret = writer(f, data);
    if (fflush(f) != 0 || ferror(f))
        ret = ret < 0 ? ret : -EIO;
    /* mkstemp creates 0600; a report is not secret. */
    if (ret == 0 && fchmod(fd, 0644 & ~umask_get()) < 0)
        ret = -errno;
    if (ret == 0 && fsync(fd) < 0)
        ret = -errno;
    if (fclose(f) != 0 && ret == 0)
        ret = -errno;
    if (ret == 0 && rename(tmp, path) < 0)
        ret = -errno;
    if (ret < 0) {
        unlink(tmp);
        return ret;
    }
    /* The rename is an entry of the directory: until the directory is
     * synced, a power cut may leave the old report, or none. */
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0)
        ret = -errno;
    if (dfd >= 0)
        close(dfd);
    return ret;
}
