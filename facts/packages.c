/* Installed packages, from the package database files of the tree
 * (never by running a package manager). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/lines.h"
#include "lib/util.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define CAP_DPKG_STATUS (128 * 1024 * 1024)

static void add_package(struct csm_packages *pk, const char *name, const char *version, unsigned line)
{
    pk->p = xrealloc(pk->p, (pk->n + 1) * sizeof(*pk->p));
    pk->p[pk->n++] = (struct csm_package){ xstrdup(name), xstrdup(version ? version : ""), line };
}

/* dpkg's status file: RFC 822-style stanzas; a package counts when its
 * Status ends in "installed" (not "config-files" or "half-installed"). */
struct stanza {
    const char *name, *version;
    bool installed;
    unsigned line;
};

static void end_stanza(struct csm_packages *pk, struct stanza *st)
{
    if (st->name && st->installed)
        add_package(pk, st->name, st->version, st->line);
    *st = (struct stanza){ 0 };
}

static void parse_dpkg(struct csm_packages *pk, char *buf)
{
    struct stanza st = { 0 };
    unsigned lineno = 0;
    for (char *cur = buf, *line; (line = csm_line_cut(&cur));) {
        lineno++;
        if (!st.line && *line)
            st.line = lineno;
        if (!*line)
            end_stanza(pk, &st);
        else if (startswith(line, "Package: "))
            st.name = strstrip(line + 9);
        else if (startswith(line, "Version: "))
            st.version = strstrip(line + 9);
        else if (startswith(line, "Status: "))
            st.installed = endswith(strstrip(line + 8), " installed");
    }
    end_stanza(pk, &st);
}

const struct csm_packages *csm_facts_packages(struct csm_scan *s)
{
    if (s->facts->packages)
        return s->facts->packages;
    struct csm_packages *pk = s->facts->packages = xcalloc(1, sizeof(*pk));
    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, DPKG_STATUS, CAP_DPKG_STATUS, &buf, &len);
    if (r == -ENOENT) {
        FACT_FAIL(pk, r, "no package database that can be read as files (%s is absent)", DPKG_STATUS);
        return pk;
    }
    if (r < 0) {
        FACT_FAIL(pk, r, "cannot read %s: %s", DPKG_STATUS, csm_strerror(r));
        return pk;
    }
    pk->db = DPKG_STATUS;
    parse_dpkg(pk, buf);
    free(buf);
    return pk;
}

const char *csm_package_version(const struct csm_packages *pk, const char *name)
{
    const struct csm_package *p = csm_package_find(pk, name);
    return p ? p->version : NULL;
}

const struct csm_package *csm_package_find(const struct csm_packages *pk, const char *name)
{
    for (size_t i = 0; i < pk->n; i++)
        if (streq(pk->p[i].name, name))
            return &pk->p[i];
    return NULL;
}

void csm_packages_free(struct csm_packages *pk)
{
    if (!pk)
        return;
    for (size_t i = 0; i < pk->n; i++) {
        free(pk->p[i].name);
        free(pk->p[i].version);
    }
    free(pk->p);
    free(pk->why);
    free(pk);
}
