/* Installed packages, from the package database files of the tree
 * (never by running a package manager): dpkg's status file, or the RPM
 * database, copied out of the tree (capped) into a private directory and
 * decoded there by librpm in a child process (facts/rpmdb.c). Which one
 * is read first follows the family of os-release; the other is the
 * fallback (a tree without os-release, a Debian tree with rpm installed). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts/internal.h"
#include "facts/rpmdb.h"
#include "lib/lines.h"
#include "lib/private.h"
#include "lib/util.h"
#include "lib/version.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define CAP_DPKG_STATUS (128 * 1024 * 1024)
#define CAP_RPMDB (512 * 1024 * 1024) /* rpmdb.sqlite of a large RHEL system is 100-200 MiB */

static void add_package(struct csm_packages *pk, const char *name, const char *version, const char *upstream,
                        unsigned line)
{
    pk->p = xrealloc(pk->p, (pk->n + 1) * sizeof(*pk->p));
    pk->p[pk->n++] = (struct csm_package){ xstrdup(name), xstrdup(version ? version : ""),
                                           xstrdup(upstream ? upstream : ""), line };
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
    char up[256];
    if (st->name && st->installed)
        add_package(pk, st->name, st->version, csm_dpkg_upstream(st->version ? st->version : "", up, sizeof(up)),
                    st->line);
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

/* 0 read, -ENOENT no status file, another -errno (why set) could not be read. */
static int read_dpkg(struct csm_scan *s, struct csm_packages *pk)
{
    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, DPKG_STATUS, CAP_DPKG_STATUS, &buf, &len);
    if (r == -ENOENT)
        return r;
    if (r < 0) {
        FACT_FAIL(pk, r, "cannot read %s: %s", DPKG_STATUS, csm_strerror(r));
        return r;
    }
    pk->kind = CSM_PKG_DPKG;
    pk->db = xstrdup(DPKG_STATUS);
    parse_dpkg(pk, buf);
    free(buf);
    return 0;
}

/* ---- the RPM database ---- */

/* Where the families keep it: SUSE 15 and Fedora 36+ in /usr/lib/sysimage/rpm
 * (/var/lib/rpm a link to it), the others in /var/lib/rpm. */
static const char *const rpm_dirs[] = { "/usr/lib/sysimage/rpm", "/var/lib/rpm" };

struct rpm_found {
    char *dir;
    enum csm_rpmdb_kind kind;
};

/* %_dbpath and %_db_backend as the tree's own macro files set them (read
 * as text; librpm never reads them). The last definition wins, as rpm
 * loads them in this order. */
static void tree_macros(struct csm_scan *s, char **dbpath, char **backend)
{
    static const char *const files[] = { "/usr/lib/rpm/macros", "/etc/rpm/macros" };
    static const char *const dirs[] = { "/usr/lib/rpm/macros.d", "/etc/rpm" };
    char **paths = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        strv_push(&paths, xstrdup(files[i]));
        char **names = NULL;
        if (csm_tree_list(s->root, dirs[i], &names) == 0)
            for (size_t k = 0; names && names[k]; k++)
                if (startswith(names[k], "macros") && !streq(names[k], "macros"))
                    strv_pushf(&paths, "%s/%s", dirs[i], names[k]);
        strv_free(names);
    }
    for (size_t i = 0; paths && paths[i]; i++) {
        char *buf;
        if (csm_tree_read_text(s->root, paths[i], CSM_CAP_CONFIG, &buf, NULL) < 0)
            continue;
        for (char *cur = buf, *line; (line = csm_line_cut(&cur));) {
            char *l = strstrip(line);
            char **slot = startswith(l, "%_dbpath") && (l[8] == ' ' || l[8] == '\t') ? dbpath
                          : startswith(l, "%_db_backend") && (l[12] == ' ' || l[12] == '\t') ? backend
                                                                                               : NULL;
            if (!slot)
                continue;
            char *v = strstrip(l + (slot == dbpath ? 8 : 12));
            static const char *const vars[][2] = { { "%{_usr}", "/usr" },           { "%{_prefix}", "/usr" },
                                                   { "%{_var}", "/var" },           { "%{_localstatedir}", "/var" },
                                                   { "%{_sharedstatedir}", "/var/lib" } };
            free(*slot);
            *slot = xstrdup(v);
            for (size_t k = 0; k < ARRAY_SIZE(vars); k++)
                if (startswith(*slot, vars[k][0])) {
                    char *t = xasprintf("%s%s", vars[k][1], *slot + strlen(vars[k][0]));
                    free(*slot);
                    *slot = t;
                }
        }
        free(buf);
    }
    strv_free(paths);
}

/* The database files of the tree, each directory once (/var/lib/rpm is a
 * link to /usr/lib/sysimage/rpm on SUSE). *err: a place that could not be
 * looked at. */
static size_t find_rpmdbs(struct csm_scan *s, struct rpm_found *found, int *err, char **why)
{
    size_t n = 0;
    struct csm_node_id seen[ARRAY_SIZE(rpm_dirs)];
    size_t n_seen = 0;
    for (size_t d = 0; d < ARRAY_SIZE(rpm_dirs); d++) {
        struct csm_tree_stat st;
        int r = csm_tree_stat(s->root, rpm_dirs[d], true, &st);
        if (r < 0 || !S_ISDIR(st.mode)) {
            if (r < 0 && !csm_tree_absent(r) && !*err) {
                *err = r;
                *why = xasprintf("%s: %s", rpm_dirs[d], csm_strerror(r));
            }
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < n_seen; k++)
            dup |= csm_node_id_eq(seen[k], st.id);
        if (dup)
            continue;
        seen[n_seen++] = st.id;
        static const enum csm_rpmdb_kind kinds[] = { CSM_RPMDB_SQLITE, CSM_RPMDB_NDB, CSM_RPMDB_BDB };
        for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
            _cleanup_free_ char *path = xasprintf("%s/%s", rpm_dirs[d], csm_rpmdb_file(kinds[k]));
            struct csm_tree_stat fst;
            r = csm_tree_stat(s->root, path, true, &fst);
            if (r == 0 && S_ISREG(fst.mode)) {
                found[n++] = (struct rpm_found){ xstrdup(rpm_dirs[d]), kinds[k] };
            } else if (r == 0 || (!csm_tree_absent(r) && !*err)) {
                *err = r < 0 ? r : -EMEDIUMTYPE;
                free(*why);
                *why = xasprintf("%s: %s", path, csm_strerror(*err));
            }
        }
    }
    return n;
}

/* Several databases (a converted system keeps its old one): the one the
 * tree's macros name, else the newest format (sqlite, then ndb, then
 * Berkeley DB: the order in which the distributions moved). */
static size_t pick_rpmdb(struct csm_scan *s, const struct rpm_found *found, size_t n)
{
    _cleanup_free_ char *dbpath = NULL, *backend = NULL;
    tree_macros(s, &dbpath, &backend);
    size_t best = 0;
    int score = -1;
    for (size_t i = 0; i < n; i++) {
        int sc = (dbpath && streq(dbpath, found[i].dir) ? 2 : 0) +
                 (backend && (streq(backend, csm_rpmdb_backend(found[i].kind)) ||
                              (found[i].kind == CSM_RPMDB_BDB && streq(backend, "bdb")))
                      ? 4
                      : 0);
        if (sc > score) { /* found[] is in that order: the first of a score wins */
            best = i;
            score = sc;
        }
    }
    return best;
}

/* Copies one file of the tree into the private directory; 0, -ENOENT
 * when it is not there, another -errno. */
static int copy_in(struct csm_scan *s, const char *path, struct csm_private_dir *dir, const char *name)
{
    char *buf;
    size_t len;
    int r = csm_tree_read(s->root, path, CAP_RPMDB, &buf, &len);
    if (r < 0)
        return r;
    r = csm_private_write(dir, name, buf, len);
    free(buf);
    return r;
}

static int read_rpm(struct csm_scan *s, struct csm_packages *pk)
{
    struct rpm_found found[ARRAY_SIZE(rpm_dirs) * 3];
    int err = 0;
    char *why = NULL;
    size_t n = find_rpmdbs(s, found, &err, &why);
    if (!n) {
        if (err)
            FACT_FAIL(pk, err, "%s", why);
        free(why);
        return err ? err : -ENOENT;
    }
    free(why);
    size_t pick = pick_rpmdb(s, found, n);
    const struct rpm_found *f = &found[pick];
    for (size_t i = 0; i < n; i++)
        if (i != pick)
            strv_pushf(&pk->notes, "%s/%s is there too (not read)", found[i].dir, csm_rpmdb_file(found[i].kind));
    pk->kind = CSM_PKG_RPM;
    pk->db = xasprintf("%s/%s", f->dir, csm_rpmdb_file(f->kind));

    struct csm_private_dir *dir = NULL;
    int r = csm_private_dir_new("rpm", &dir);
    if (r < 0) {
        FACT_FAIL(pk, r, "cannot make a private directory for librpm: %s", csm_strerror(r));
    } else {
        r = copy_in(s, pk->db, dir, csm_rpmdb_file(f->kind));
        if (r < 0)
            FACT_FAIL(pk, r, "cannot read %s: %s", pk->db, csm_strerror(r));
        /* the last transactions may be only in sqlite's write-ahead log */
        _cleanup_free_ char *wal = xasprintf("%s-wal", pk->db);
        struct csm_tree_stat st;
        if (r == 0 && f->kind == CSM_RPMDB_SQLITE && csm_tree_stat(s->root, wal, true, &st) == 0 && st.size > 0 &&
            (r = copy_in(s, wal, dir, "rpmdb.sqlite-wal")) < 0)
            FACT_FAIL(pk, r, "cannot read %s: %s", wal, csm_strerror(r));
    }
    if (r == 0) {
        struct csm_rpmdb db;
        r = csm_rpmdb_read(csm_private_dir_path(dir), f->kind, f->dir, &db);
        if (r < 0)
            FACT_FAIL(pk, r, "%s: %s", pk->db, db.why);
        for (size_t i = 0; r == 0 && i < db.n; i++)
            add_package(pk, db.p[i].name, db.p[i].evr, db.p[i].version, db.p[i].hnum);
        if (db.skipped)
            strv_pushf(&pk->notes, "%u package %s in %s could not be read: %s", db.skipped,
                       plural(db.skipped, "header", "headers"), pk->db, db.skipped_why ? db.skipped_why : "");
        csm_rpmdb_clear(&db);
    }
    csm_private_dir_free(dir); /* with what librpm made in it (-shm, -wal) */
    for (size_t i = 0; i < n; i++)
        free(found[i].dir);
    return r;
}

static void *gather_packages(struct csm_scan *s)
{
    struct csm_packages *pk = xcalloc(1, sizeof(*pk));
    enum csm_family fam = csm_facts_osrel(s)->family;
    bool rpm_first = fam == CSM_FAMILY_RHEL || fam == CSM_FAMILY_SUSE;
    int r = rpm_first ? read_rpm(s, pk) : read_dpkg(s, pk);
    if (r == -ENOENT)
        r = rpm_first ? read_dpkg(s, pk) : read_rpm(s, pk);
    if (r == -ENOENT)
        FACT_FAIL(pk, r, "no package database that can be read as files (neither %s nor an RPM database in %s "
                         "or %s)",
                  DPKG_STATUS, rpm_dirs[0], rpm_dirs[1]);
    return pk;
}

static void packages_fact_free(void *fact)
{
    csm_packages_free(fact);
}

static const struct csm_fact_desc packages_fact = { "packages", gather_packages, packages_fact_free };

const struct csm_packages *csm_facts_packages(struct csm_scan *s)
{
    return csm_fact_get(s, &packages_fact);
}

const char *csm_package_version(const struct csm_packages *pk, const char *name)
{
    const struct csm_package *p = csm_package_find(pk, name);
    return p ? p->version : NULL;
}

const struct csm_package *csm_package_find(const struct csm_packages *pk, const char *name)
{
    const struct csm_package *found = NULL;
    for (size_t i = 0; i < pk->n; i++)
        if (streq(pk->p[i].name, name))
            found = &pk->p[i]; /* rpm's are sorted: the last is the newest */
    return found;
}

char *csm_package_source(const struct csm_packages *pk, const struct csm_package *p)
{
    return pk->kind == CSM_PKG_RPM ? xasprintf("%s #%u", pk->db, p->line) : xasprintf("%s:%u", pk->db, p->line);
}

bool csm_package_at_least(const struct csm_packages *pk, const struct csm_package *p, const char *min)
{
    return (pk->kind == CSM_PKG_RPM ? csm_rpmvercmp(p->upstream, min) : csm_dpkg_vercmp(p->upstream, min)) >= 0;
}

void csm_packages_free(struct csm_packages *pk)
{
    if (!pk)
        return;
    for (size_t i = 0; i < pk->n; i++) {
        free(pk->p[i].name);
        free(pk->p[i].version);
        free(pk->p[i].upstream);
    }
    free(pk->p);
    free(pk->why);
    free(pk->db);
    strv_free(pk->notes);
    free(pk);
}
