/* /etc/crypttab: "name device [keyfile [options]]" a line, '#' comments,
 * fields separated by blanks (crypttab(5)). Only what decides whether boot
 * waits for a device is kept: the device, how it is named, and nofail and
 * noauto among the options. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/lines.h"
#include "lib/util.h"

#define CRYPTTAB "/etc/crypttab"
#define MAX_ENTRIES 4096

static void name_tag(struct csm_crypttab_entry *e)
{
    static const char *const tags[] = { "UUID", "PARTUUID", "LABEL", "PARTLABEL" };
    static const char *const by[] = { "/dev/disk/by-uuid/", "/dev/disk/by-partuuid/", "/dev/disk/by-label/",
                                      "/dev/disk/by-partlabel/" };
    for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
        size_t n = strlen(tags[i]);
        if (strncmp(e->device, tags[i], n) == 0 && e->device[n] == '=' && e->device[n + 1]) {
            e->tag = xstrdup(tags[i]);
            e->tag_value = xstrdup(e->device + n + 1);
            return;
        }
        if (startswith(e->device, by[i]) && e->device[strlen(by[i])]) {
            e->tag = xstrdup(tags[i]);
            e->tag_value = xstrdup(e->device + strlen(by[i]));
            return;
        }
    }
}

static bool has_option(const char *options, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = options; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

static void parse(struct csm_crypttab *ct, const char *text)
{
    const char *cursor = text;
    struct csm_line l = { .no = 0 };
    while (csm_line_next(&cursor, &l) && ct->n < MAX_ENTRIES) {
        _cleanup_free_ char *line = xstrndup(l.p, l.len);
        char *fields[4] = { NULL };
        size_t nf = 0;
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t", &save); tok && nf < 4; tok = strtok_r(NULL, " \t", &save)) {
            if (nf == 0 && tok[0] == '#')
                break;
            fields[nf++] = tok;
        }
        if (nf == 0)
            continue;
        if (nf < 2) {
            ct->bad_lines = xrealloc(ct->bad_lines, (ct->n_bad + 1) * sizeof(*ct->bad_lines));
            ct->bad_lines[ct->n_bad++] = l.no;
            continue;
        }
        ct->e = xrealloc(ct->e, (ct->n + 1) * sizeof(*ct->e));
        struct csm_crypttab_entry *e = &ct->e[ct->n++];
        *e = (struct csm_crypttab_entry){
            .line = l.no,
            .name = xstrdup(fields[0]),
            .device = xstrdup(fields[1]),
            .keyfile = xstrdup(fields[2] ? fields[2] : ""),
            .options = xstrdup(fields[3] ? fields[3] : ""),
        };
        name_tag(e);
        e->nofail = has_option(e->options, "nofail");
        e->noauto = has_option(e->options, "noauto");
    }
}

static void *gather(struct csm_scan *s)
{
    struct csm_crypttab *ct = xcalloc(1, sizeof(*ct));
    ct->path = CRYPTTAB;
    char *text;
    int r = csm_tree_read_text(s->root, CRYPTTAB, CSM_CAP_CONFIG, &text, NULL);
    if (r < 0) {
        FACT_FAIL(ct, csm_tree_absent(r) ? -ENOENT : r, "%s: %s", CRYPTTAB, csm_strerror(r));
        return ct;
    }
    parse(ct, text);
    free(text);
    return ct;
}

static void crypttab_free(void *fact)
{
    struct csm_crypttab *ct = fact;
    for (size_t i = 0; i < ct->n; i++) {
        free(ct->e[i].name);
        free(ct->e[i].device);
        free(ct->e[i].keyfile);
        free(ct->e[i].options);
        free(ct->e[i].tag);
        free(ct->e[i].tag_value);
    }
    free(ct->e);
    free(ct->bad_lines);
    free(ct->why);
    free(ct);
}

static const struct csm_fact_desc crypttab_fact = { "crypttab", gather, crypttab_free };

const struct csm_crypttab *csm_facts_crypttab(struct csm_scan *s)
{
    return csm_fact_get(s, &crypttab_fact);
}
