/* The online migration agent's configuration, user.json (--agent-config).
 * Its DataDisks field lists the source's data disks to copy to the
 * target's data disks; without them all data goes to the target's system
 * disk (seeds 001, 003). The agent's format is not published, so both
 * plausible shapes are read: a list of paths, or a list of objects with a
 * mount point or device field. The report says which shape was read. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/internal.h"
#include "lib/hostfile.h"
#include "lib/util.h"

#define CAP_AGENT_CONFIG (1024 * 1024)
#define MAX_SEARCH_DEPTH 8

/* Object fields that carry a disk's path, in the order they are preferred. */
static const char *const path_fields[] = { "MountPoint", "Mountpoint", "MountPath", "Mount", "Path",
                                            "Dir",        "Directory",  "Device",    "DevicePath", "DiskPath",
                                            "Disk" };

/* Where the member named key (as written) starts in the text: its n-th
 * appearance as a key, quoted and followed by ':'. cJSON keeps no
 * positions; a string value equal to the key does not match. */
static void key_position(const char *text, const char *key, unsigned nth, unsigned *line, unsigned *col)
{
    _cleanup_free_ char *quoted = xasprintf("\"%s\"", key);
    const char *at = text;
    for (const char *p = text; (p = strstr(p, quoted)); p += strlen(quoted)) {
        const char *after = p + strlen(quoted);
        after += strspn(after, " \t\r\n");
        if (*after != ':')
            continue;
        at = p;
        if (--nth == 0)
            break;
    }
    csm_text_position(text, (size_t)(at - text), line, col);
}

/* The first byte of the text that is not valid in a user.json: a NUL, a
 * byte that is not UTF-8, or a \u0000 escape, which cJSON would decode to a
 * string cut short. NULL when there is none. */
static const char *bad_byte(const char *text, size_t len, const char **what)
{
    const char *nul = memchr(text, '\0', len);
    size_t bad = csm_utf8_invalid(text, nul ? (size_t)(nul - text) : len);
    if (bad != SIZE_MAX)
        return *what = "invalid UTF-8", text + bad;
    if (nul)
        return *what = "a NUL byte", nul;
    bool in_string = false;
    for (const char *p = text; p < text + len; p++) {
        if (*p == '"')
            in_string = !in_string;
        else if (in_string && *p == '\\' && p + 1 < text + len && p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
            return *what = "a NUL character (\\u0000) in a string", p;
        else if (in_string && *p == '\\')
            p++;
    }
    return NULL;
}

/* Depth-first: the first member named DataDisks (any case), with its path.
 * Two of them in one object are ambiguous: *twice names the second. */
static const cJSON *find_datadisks(const cJSON *o, int depth, char **path, const char **twice)
{
    if (!o || depth > MAX_SEARCH_DEPTH || !cJSON_IsObject(o))
        return NULL;
    for (const cJSON *c = o->child; c; c = c->next)
        if (c->string && strcasecmp(c->string, "DataDisks") == 0) {
            for (const cJSON *d = c->next; d && !*twice; d = d->next)
                if (d->string && strcasecmp(d->string, "DataDisks") == 0)
                    *twice = d->string;
            *path = xstrdup(c->string);
            return c;
        }
    for (const cJSON *c = o->child; c; c = c->next) {
        char *sub = NULL;
        const cJSON *f = find_datadisks(c, depth + 1, &sub, twice);
        if (f) {
            *path = xasprintf("%s.%s", c->string ? c->string : "?", sub);
            free(sub);
            return f;
        }
    }
    return NULL;
}

static const cJSON *path_field(const cJSON *o, const char **name)
{
    for (size_t i = 0; i < ARRAY_SIZE(path_fields); i++)
        for (const cJSON *c = o->child; c; c = c->next)
            if (c->string && strcasecmp(c->string, path_fields[i]) == 0 && cJSON_IsString(c) && *c->valuestring) {
                *name = c->string;
                return c;
            }
    return NULL;
}

static void add_disk(struct csm_agent_config *ac, const char *value, const char *field)
{
    ac->d = xrealloc(ac->d, (ac->n + 1) * sizeof(*ac->d));
    ac->d[ac->n++] = (struct csm_agent_disk){ xstrdup(value), field ? xstrdup(field) : NULL };
}

static void read_list(struct csm_agent_config *ac, const cJSON *list)
{
    unsigned strings = 0, objects = 0;
    char *field = NULL;
    int idx = 0;
    for (const cJSON *c = list->child; c; c = c->next, idx++) {
        const char *name = NULL;
        const cJSON *f;
        if (cJSON_IsString(c) && *c->valuestring) {
            add_disk(ac, c->valuestring, NULL);
            strings++;
        } else if (cJSON_IsObject(c) && (f = path_field(c, &name))) {
            add_disk(ac, f->valuestring, name);
            objects++;
            if (!field)
                field = xstrdup(name);
        } else {
            char *s = cJSON_PrintUnformatted(c);
            strv_pushf(&ac->ignored, "entry %d (%.60s) names no path", idx, s ? s : "?");
            free(s);
        }
    }
    if (!strings && !objects)
        ac->shape = xstrdup(idx ? "a list without paths" : "an empty list");
    else if (!objects)
        ac->shape = xstrdup("a list of strings");
    else if (!strings)
        ac->shape = xasprintf("a list of objects (field %s)", field);
    else
        ac->shape = xasprintf("a list of strings and objects (field %s)", field);
    free(field);
}

void csm_agent_config_parse(struct csm_agent_config *ac, const char *text, size_t len)
{
    const char *name = ac->path ? ac->path : "user.json";
    unsigned line, col;
    const char *what = NULL, *bad = bad_byte(text, len, &what);
    if (bad) {
        csm_text_position(text, (size_t)(bad - text), &line, &col);
        FACT_FAIL(ac, -EBADMSG, "%s:%u:%u: %s", name, line, col, what);
        return;
    }
    /* The text is NUL-terminated here: anything after the value but blanks
     * is refused (trailing garbage), as cJSON does with that option. */
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        const char *at = end ? end : text;
        csm_text_position(text, (size_t)(at - text), &line, &col);
        const char *near = (size_t)(at - text) < len ? at : "end of file";
        size_t n = strcspn(near, "\r\n");
        FACT_FAIL(ac, -EBADMSG, "%s:%u:%u: not valid JSON (near \"%.*s\")", name, line, col, (int)(n > 20 ? 20 : n),
                  near);
        return;
    }
    if (!cJSON_IsObject(root)) {
        FACT_FAIL(ac, -EBADMSG, "%s:1:1: the top level is not a JSON object", name);
        cJSON_Delete(root);
        return;
    }
    const char *twice = NULL;
    const cJSON *dd = find_datadisks(root, 0, &ac->key_path, &twice);
    ac->has_datadisks = dd != NULL;
    if (twice) {
        key_position(text, twice, streq(twice, dd->string) ? 2 : 1, &line, &col);
        FACT_FAIL(ac, -EBADMSG, "%s:%u:%u: DataDisks appears twice in one object", name, line, col);
    } else if (!dd || cJSON_IsNull(dd)) {
        ac->shape = xstrdup(dd ? "null" : "absent");
    } else if (cJSON_IsArray(dd)) {
        read_list(ac, dd);
    } else if (cJSON_IsString(dd) && *dd->valuestring) {
        ac->shape = xstrdup("a single string");
        add_disk(ac, dd->valuestring, NULL);
    } else {
        key_position(text, dd->string, 1, &line, &col);
        FACT_FAIL(ac, -EBADMSG, "%s:%u:%u: %s is neither a list nor a string", name, line, col, ac->key_path);
    }
    cJSON_Delete(root);
}

/* The file is an input on the host, named on the command line like --rules,
 * not a file of the scanned tree. */
static void *gather_agent_config(struct csm_scan *s)
{
    struct csm_agent_config *ac = xcalloc(1, sizeof(*ac));
    ac->path = xstrdup(s->opts->agent_config);
    char *buf;
    size_t len;
    int r = csm_host_file_read(ac->path, CAP_AGENT_CONFIG, &buf, &len);
    if (r < 0) {
        FACT_FAIL(ac, r, "%s: %s", ac->path, csm_strerror(r));
        return ac;
    }
    csm_agent_config_parse(ac, buf, len);
    free(buf);
    return ac;
}

static void agent_config_fact_free(void *fact)
{
    csm_agent_config_free(fact);
}

static const struct csm_fact_desc agent_config_fact = { "agent_config", gather_agent_config, agent_config_fact_free };

const struct csm_agent_config *csm_facts_agent_config(struct csm_scan *s)
{
    return s->opts->agent_config ? csm_fact_get(s, &agent_config_fact) : NULL;
}

void csm_agent_config_free(struct csm_agent_config *ac)
{
    if (!ac)
        return;
    for (size_t i = 0; i < ac->n; i++) {
        free(ac->d[i].value);
        free(ac->d[i].field);
    }
    free(ac->d);
    free(ac->why);
    free(ac->path);
    free(ac->key_path);
    free(ac->shape);
    strv_free(ac->ignored);
    free(ac);
}
