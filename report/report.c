#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "util.h"

static const struct csm_renderer renderers[] = {
    { "text", ".txt", csm_report_write_text },
    { "json", ".json", csm_report_write_json },
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
    return "text, json";
}

const char *csm_verdict_name(enum csm_verdict v)
{
    static const char *const names[] = { "ready", "warnings", "blocked", "incomplete" };
    return names[v];
}

int csm_verdict_exit_code(enum csm_verdict v)
{
    static const int codes[] = { 0, 1, 2, 3 };
    return codes[v];
}

/* blocked > incomplete > warnings > ready. An info check never moves it. */
static enum csm_verdict verdict_of(const struct csm_result *r, size_t n, unsigned *failed_blockers)
{
    bool blocked = false, incomplete = false, warnings = false;
    for (size_t i = 0; i < n; i++) {
        if (r[i].severity == CSM_SEV_INFO)
            continue;
        bool blocker = r[i].severity == CSM_SEV_BLOCKER;
        switch (r[i].status) {
        case CSM_FAIL:
            if (blocker) {
                blocked = true;
                ++*failed_blockers;
            } else {
                warnings = true;
            }
            break;
        case CSM_ERROR:
            if (blocker)
                incomplete = true;
            else
                warnings = true;
            break;
        case CSM_WARN:
            warnings = true;
            break;
        default:
            break;
        }
    }
    return blocked ? CSM_VERDICT_BLOCKED : incomplete ? CSM_VERDICT_INCOMPLETE : warnings ? CSM_VERDICT_WARNINGS
                                                                                    : CSM_VERDICT_READY;
}

static char *utc_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

void csm_report_build(struct csm_report *rep, struct csm_scan *s)
{
    const struct csm_identity *id = csm_facts_identity(s);
    *rep = (struct csm_report){
        .generated_at = utc_now(),
        .hostname = xstrdup(id->hostname),
        .machine_id = id->machine_id ? xstrdup(id->machine_id) : NULL,
        .mode = s->mode,
        .root = xstrdup(s->mode == CSM_MODE_IMAGE ? "" : s->opts->root ? s->opts->root : "/"),
        .profile = xstrdup(csm_ruleset_profile(s->rules)),
        .ruleset_version = xstrdup(csm_ruleset_version(s->rules)),
        .rule_files = strv_copy(csm_ruleset_files(s->rules)),
    };
    rep->results = csm_checks_run(s, &rep->n_results);
    csm_plan_build(s, &rep->plan);
    if (s->mode == CSM_MODE_IMAGE)
        rep->image = csm_report_image_build(s);
    if (s->opts->disk)
        rep->disk = xstrdup(s->opts->disk);
    else if (rep->plan.disk)
        rep->disk = xstrdup(rep->plan.disk);
    for (size_t i = 0; i < rep->n_results; i++)
        rep->counts[rep->results[i].status]++;
    rep->verdict = verdict_of(rep->results, rep->n_results, &rep->failed_blockers);
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
    free(rep->profile);
    free(rep->ruleset_version);
    strv_free(rep->rule_files);
    memset(rep, 0, sizeof(*rep));
}

static mode_t umask_get(void)
{
    mode_t m = umask(0);
    umask(m);
    return m;
}

int csm_report_save(const struct csm_report *rep, const struct csm_renderer *r, const char *path)
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
    const struct csm_render_opts plain = { 0 };
    int ret = r->write(rep, f, &plain);
    if (fflush(f) != 0 || ferror(f))
        ret = ret < 0 ? ret : -EIO;
    if (ret == 0 && fsync(fd) < 0)
        ret = -errno;
    /* mkstemp creates 0600; a report is not secret. */
    if (ret == 0 && fchmod(fd, 0644 & ~umask_get()) < 0)
        ret = -errno;
    if (fclose(f) != 0 && ret == 0)
        ret = -errno;
    if (ret == 0 && rename(tmp, path) < 0)
        ret = -errno;
    if (ret < 0)
        unlink(tmp);
    return ret;
}
