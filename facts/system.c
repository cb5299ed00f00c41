/* Who the scanned system is: os-release, hostname, machine-id. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts/internal.h"
#include "lib/util.h"

static bool word_listed(const char *list, const char *word)
{
    _cleanup_strv_ char **words = list ? csm_split_words(list) : NULL;
    return strv_contains(words, word);
}

static enum csm_family family_of(const char *id, const char *id_like)
{
    static const struct {
        const char *id;
        enum csm_family family;
    } known[] = {
        { "debian", CSM_FAMILY_DEBIAN }, { "ubuntu", CSM_FAMILY_DEBIAN },
        { "rhel", CSM_FAMILY_RHEL },     { "centos", CSM_FAMILY_RHEL },
        { "fedora", CSM_FAMILY_RHEL },   { "rocky", CSM_FAMILY_RHEL },
        { "almalinux", CSM_FAMILY_RHEL }, { "ol", CSM_FAMILY_RHEL },
        { "amzn", CSM_FAMILY_RHEL },     { "suse", CSM_FAMILY_SUSE },
        { "sles", CSM_FAMILY_SUSE },     { "opensuse", CSM_FAMILY_SUSE },
        { "opensuse-leap", CSM_FAMILY_SUSE },
    };
    for (size_t i = 0; id && i < ARRAY_SIZE(known); i++)
        if (streq(id, known[i].id))
            return known[i].family;
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        if (word_listed(id_like, known[i].id))
            return known[i].family;
    return CSM_FAMILY_UNKNOWN;
}

const char *csm_family_name(enum csm_family f)
{
    static const char *const names[] = { "unknown", "debian", "rhel", "suse" };
    return names[f];
}

/* Systems older than os-release name themselves in these files. */
static void legacy_release(struct csm_scan *s, struct csm_osrel *o, int *first_err)
{
    static const struct {
        const char *path, *id;
    } legacy[] = {
        { "/etc/redhat-release", "rhel" },
        { "/etc/SuSE-release", "suse" },
        { "/etc/debian_version", "debian" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(legacy); i++) {
        char *buf;
        int r = csm_tree_read(s->root, legacy[i].path, CSM_CAP_CONFIG, &buf, NULL);
        if (r < 0 && !csm_tree_absent(r) && (!*first_err || csm_tree_absent(*first_err)))
            *first_err = r;
        if (r < 0)
            continue;
        char *nl = strchr(buf, '\n');
        if (nl)
            *nl = '\0';
        o->path = xstrdup(legacy[i].path);
        o->kv.kv = xrealloc(o->kv.kv, 2 * sizeof(*o->kv.kv));
        o->kv.kv[0] = (struct csm_kv){ xstrdup("ID"), xstrdup(legacy[i].id), o->path, 1 };
        o->kv.kv[1] = (struct csm_kv){ xstrdup("PRETTY_NAME"), xstrdup(strstrip(buf)), o->path, 1 };
        o->kv.n = 2;
        free(buf);
        return;
    }
}

static const char *kv_value(const struct csm_kvs *kv, const char *key)
{
    const struct csm_kv *e = csm_kv_get(kv, key);
    return e ? e->value : NULL;
}

static void *gather_osrel(struct csm_scan *s)
{
    struct csm_osrel *o = xcalloc(1, sizeof(*o));
    static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
    int first_err = 0;

    for (size_t i = 0; i < ARRAY_SIZE(paths) && !o->path; i++) {
        char *buf;
        size_t len;
        int r = csm_tree_read_text(s->root, paths[i], CSM_CAP_CONFIG, &buf, &len);
        if (r == -EBADMSG) {
            FACT_FAIL(o, r, "%s holds %s", paths[i], csm_strerror(r));
            return o;
        }
        if (r < 0) {
            if (!first_err || csm_tree_absent(first_err))
                first_err = r;
            continue;
        }
        o->path = xstrdup(paths[i]);
        csm_kv_parse(buf, o->path, &o->kv);
        free(buf);
    }
    if (!o->path)
        legacy_release(s, o, &first_err);
    if (!o->path) {
        FACT_FAIL(o, first_err, "no /etc/os-release or /usr/lib/os-release (%s)", csm_strerror(first_err));
        return o;
    }
    o->id = kv_value(&o->kv, "ID");
    o->id_like = kv_value(&o->kv, "ID_LIKE");
    o->name = kv_value(&o->kv, "NAME");
    o->version_id = kv_value(&o->kv, "VERSION_ID");
    o->pretty = kv_value(&o->kv, "PRETTY_NAME");
    if (!o->id && !o->name && !o->pretty)
        FACT_FAIL(o, -EBADMSG, "%s names no distribution (no ID, NAME or PRETTY_NAME)", o->path);
    o->family = family_of(o->id, o->id_like);
    return o;
}

static void osrel_fact_free(void *fact)
{
    csm_osrel_free(fact);
}

static const struct csm_fact_desc osrel_fact = { "osrel", gather_osrel, osrel_fact_free };

const struct csm_osrel *csm_facts_osrel(struct csm_scan *s)
{
    return csm_fact_get(s, &osrel_fact);
}

void csm_osrel_free(struct csm_osrel *o)
{
    if (!o)
        return;
    csm_kv_clear(&o->kv);
    free(o->path);
    free(o->why);
    free(o);
}

/* A hostname from a file of the tree: first word, printable ASCII only, so
 * it can go into file names and commands. */
static char *clean_hostname(const char *raw)
{
    char *h = xmalloc(65);
    size_t n = 0;
    while (*raw == ' ' || *raw == '\t' || *raw == '\n')
        raw++;
    for (; *raw && n < 64; raw++) {
        char c = *raw;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')
            h[n++] = c;
        else
            break;
    }
    h[n] = '\0';
    if (!n) {
        free(h);
        return NULL;
    }
    return h;
}

static void *gather_identity(struct csm_scan *s)
{
    struct csm_identity *id = xcalloc(1, sizeof(*id));
    char *buf;

    if (csm_scan_live(s)) {
        _cleanup_free_ char *h = csm_live_hostname();
        if (h)
            id->hostname = clean_hostname(h);
    }
    int r = id->hostname ? 0 : csm_tree_read(s->root, "/etc/hostname", 4096, &buf, NULL);
    if (!id->hostname && r == 0) {
        id->hostname = clean_hostname(buf);
        free(buf);
    }
    csm_fact_unreadable(&id->errors, "/etc/hostname", r);
    if (!id->hostname)
        id->hostname = xstrdup("unknown");

    r = csm_tree_read(s->root, "/etc/machine-id", 4096, &buf, NULL);
    if (r == 0) {
        char *m = strstrip(buf);
        if (strlen(m) == 32 && strspn(m, "0123456789abcdef") == 32)
            id->machine_id = xstrdup(m);
        free(buf);
    }
    csm_fact_unreadable(&id->errors, "/etc/machine-id", r);
    return id;
}

static void identity_fact_free(void *fact)
{
    csm_identity_free(fact);
}

static const struct csm_fact_desc identity_fact = { "identity", gather_identity, identity_fact_free };

const struct csm_identity *csm_facts_identity(struct csm_scan *s)
{
    return csm_fact_get(s, &identity_fact);
}

void csm_identity_free(struct csm_identity *id)
{
    if (!id)
        return;
    free(id->hostname);
    free(id->machine_id);
    strv_free(id->errors);
    free(id);
}
