/* The online migration agent's configuration, user.json (--agent-config).
 * Its DataDisks field lists the source's data disks to copy to the
 * target's data disks; without them all data goes to the target's system
 * disk (seeds 001, 003). The agent's format is not published, so both
 * plausible shapes are read: a list of paths, or a list of objects with a
 * mount point or device field. The report says which shape was read. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

#define CAP_AGENT_CONFIG (1024 * 1024)
#define MAX_SEARCH_DEPTH 8

/* Object fields that carry a disk's path, in the order they are preferred. */
static const char *const path_fields[] = { "MountPoint", "Mountpoint", "MountPath", "Mount", "Path",
                                            "Dir",        "Directory",  "Device",    "DevicePath", "DiskPath",
                                            "Disk" };

static void where(const char *text, const char *at, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at && *p; p++) {
        if (*p == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* Depth-first: the first member named DataDisks (any case), with its path. */
static const cJSON *find_datadisks(const cJSON *o, int depth, char **path)
{
    if (!o || depth > MAX_SEARCH_DEPTH || !cJSON_IsObject(o))
        return NULL;
    for (const cJSON *c = o->child; c; c = c->next)
        if (c->string && strcasecmp(c->string, "DataDisks") == 0) {
            *path = xstrdup(c->string);
            return c;
        }
    for (const cJSON *c = o->child; c; c = c->next) {
        char *sub = NULL;
        const cJSON *f = find_datadisks(c, depth + 1, &sub);
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
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    const char *name = ac->path ? ac->path : "user.json";
    if (!root) {
        unsigned line, col;
        const char *at = end ? end : text;
        where(text, at, &line, &col);
        FACT_FAIL(ac, -EBADMSG, "%s:%u:%u: not valid JSON (near \"%.20s\")", name, line, col,
                  (size_t)(at - text) < len ? at : "end of file");
        return;
    }
    if (!cJSON_IsObject(root)) {
        FACT_FAIL(ac, -EBADMSG, "%s: the top level is not a JSON object", name);
        cJSON_Delete(root);
        return;
    }
    const cJSON *dd = find_datadisks(root, 0, &ac->key_path);
    ac->has_datadisks = dd != NULL;
    if (!dd || cJSON_IsNull(dd))
        ac->shape = xstrdup(dd ? "null" : "absent");
    else if (cJSON_IsArray(dd))
        read_list(ac, dd);
    else if (cJSON_IsString(dd) && *dd->valuestring) {
        ac->shape = xstrdup("a single string");
        add_disk(ac, dd->valuestring, NULL);
    } else
        FACT_FAIL(ac, -EBADMSG, "%s: %s is neither a list nor a string", name, ac->key_path);
    cJSON_Delete(root);
}

/* The file is an input on the host, named on the command line like --rules,
 * not a file of the scanned tree. */
const struct csm_agent_config *csm_facts_agent_config(struct csm_scan *s)
{
    if (!s->opts->agent_config)
        return NULL;
    if (s->facts->agent_config)
        return s->facts->agent_config;
    struct csm_agent_config *ac = s->facts->agent_config = xcalloc(1, sizeof(*ac));
    ac->path = xstrdup(s->opts->agent_config);
    int fd = open(ac->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        FACT_FAIL(ac, -errno, "%s: %s", ac->path, csm_strerror(-errno));
        return ac;
    }
    char *buf;
    size_t len;
    int r = csm_fd_read(fd, CAP_AGENT_CONFIG, &buf, &len);
    close(fd);
    if (r < 0) {
        FACT_FAIL(ac, r, "%s: %s", ac->path, csm_strerror(r));
        return ac;
    }
    csm_agent_config_parse(ac, buf, len);
    free(buf);
    return ac;
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
