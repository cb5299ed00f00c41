/* The RPM database reader (facts/rpmdb.c) on databases made by rpmbuild,
 * rpm --root --justdb, db5.3_load and an ndb-capable rpm
 * (rpmdb-fixtures.sh): the packages rpm itself lists, in each backend;
 * hostile files refused or their bad headers skipped and counted; the
 * host's own database never read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "facts/rpmdb.h"
#include "tree/tree.h"
#include "lib/hostfile.h"
#include "lib/util.h"

static char *top;

/* name-epochnum:version-release.arch of every package, sorted, one a line: as rpm_qa prints them */
static char *listing(const struct csm_rpmdb *db)
{
    char **lines = NULL;
    for (size_t i = 0; i < db->n; i++)
        strv_pushf(&lines, "%s-%lu:%s-%s.%s", db->p[i].name, db->p[i].epoch, db->p[i].version, db->p[i].release,
                   db->p[i].arch);
    /* C-locale order, as sort(1) under LC_ALL=C */
    for (size_t i = 1; lines && lines[i]; i++)
        for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
            char *t = lines[j];
            lines[j] = lines[j - 1];
            lines[j - 1] = t;
        }
    char *s = lines ? strv_join(lines, "\n") : xstrdup("");
    char *out = xasprintf("%s\n", s);
    free(s);
    strv_free(lines);
    return out;
}

/* A private copy of one fixture's directory, as the fact makes it. */
static char *copy_of(const char *name)
{
    char *dir = xasprintf("%s/copy.XXXXXX", top);
    if (!mkdtemp(dir))
        abort();
    char *cmd = xasprintf("cp %s/%s/* %s/", top, name, dir);
    if (system(cmd) != 0)
        abort();
    free(cmd);
    return dir;
}

static void read_fixture(const char *name, enum csm_rpmdb_kind kind, struct csm_rpmdb *db)
{
    _cleanup_free_ char *dir = copy_of(name);
    csm_rpmdb_read(dir, kind, "/var/lib/rpm", db);
    _cleanup_free_ char *cmd = xasprintf("rm -rf %s", dir);
    if (system(cmd) != 0)
        abort();
}

static void same_as_rpm(const char *name, enum csm_rpmdb_kind kind)
{
    struct csm_rpmdb db;
    read_fixture(name, kind, &db);
    CHECK_MSG(db.err == 0, "%s: read (%s)", name, db.why ? db.why : "no error");
    _cleanup_free_ char *qa_path = xasprintf("%s/%s.qa", top, name);
    char *want = NULL;
    CHECK(csm_host_file_read(qa_path, 1 << 20, &want, NULL) == 0);
    _cleanup_free_ char *got = listing(&db);
    CHECK_MSG(want && streq(want, got), "%s: the packages rpm -qa lists (%zu)", name, db.n);
    if (want && !streq(want, got))
        fprintf(stderr, "want:\n%sgot:\n%s", want, got);
    CHECK_MSG(db.skipped == 0, "%s: no header skipped", name);
    const struct csm_rpm_package *k = csm_rpmdb_find(&db, "kernel-core");
    CHECK_MSG(k && streq(k->evr, "5.14.0-427.13.1.el9_4"), "%s: the newest kernel-core is the update, by rpm's order",
              name);
    const struct csm_rpm_package *s = csm_rpmdb_find(&db, "shadow-utils");
    CHECK_MSG(s && s->has_epoch && s->epoch == 2 && streq(s->evr, "2:4.9-8.el9"), "%s: the epoch is read", name);
    const struct csm_rpm_package *c = csm_rpmdb_find(&db, "cloud-init");
    CHECK_MSG(c && c->has_epoch == false && streq(c->arch, "noarch") && c->hnum > 0,
              "%s: no epoch, noarch, a header number", name);
    CHECK_MSG(!csm_rpmdb_find(&db, "host-only-package"), "%s: nothing of $HOME/.rpmdb", name);
    free(want);
    csm_rpmdb_clear(&db);
}

static void refused(const char *name, enum csm_rpmdb_kind kind, const char *why_part)
{
    struct csm_rpmdb db;
    read_fixture(name, kind, &db);
    CHECK_MSG(db.err < 0 && db.n == 0, "%s: refused, no package listed (%s)", name, db.why ? db.why : "no error");
    CHECK_MSG(db.why && strstr(db.why, why_part), "%s: says '%s'", name, why_part);
    CHECK_MSG(!db.why || !strstr(db.why, top), "%s: no temporary path in the message", name);
    csm_rpmdb_clear(&db);
}

int main(void)
{
    const char *src = getenv("CSM_SRC");
    if (!src || system("command -v rpmbuild >/dev/null && command -v db5.3_load >/dev/null") != 0) {
        printf("SKIP needs rpmbuild and db5.3_load\n");
        return 77;
    }
    const char *tmp = getenv("TMPDIR");
    top = xasprintf("%s/csm-test-rpmdb.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(top))
        return 1;
    /* HOME is where Debian's rpm keeps its default database: the fixtures put one there */
    _cleanup_free_ char *home = xasprintf("%s/home", top);
    setenv("HOME", home, 1);
    _cleanup_free_ char *cmd =
        xasprintf("CSM=/bin/false CSM_TEST_DIR=%s bash %s/tests/unit/rpmdb-fixtures.sh", top, src);
    int rc = system(cmd);
    if (rc != 0) {
        fprintf(stderr, "the fixtures could not be made (%d)\n", rc);
        failures++;
    } else {
        same_as_rpm("el9", CSM_RPMDB_SQLITE);
        same_as_rpm("el7", CSM_RPMDB_BDB);
        _cleanup_free_ char *skip = xasprintf("%s/sle.skip", top);
        if (access(skip, F_OK) == 0) {
            printf("note: no ndb-capable rpm could be built here: the ndb cases are not run\n");
        } else {
            same_as_rpm("sle", CSM_RPMDB_NDB);
            refused("ndb-past-end", CSM_RPMDB_NDB, "outside the data area");
            refused("ndb-overlap", CSM_RPMDB_NDB, "overlap");
            refused("ndb-truncated", CSM_RPMDB_NDB, "outside the data area");
            refused("ndb-garbage", CSM_RPMDB_NDB, "ndb container");
            struct csm_rpmdb db;
            read_fixture("ndb-checksum", CSM_RPMDB_NDB, &db);
            CHECK_MSG(db.err == 0 && db.n == 6 && db.skipped == 1 && db.skipped_why &&
                          strstr(db.skipped_why, "checksum"),
                      "ndb: a blob with a bad checksum is skipped and counted, the others read (%zu, %u: %s)", db.n,
                      db.skipped, db.skipped_why ? db.skipped_why : "");
            csm_rpmdb_clear(&db);
        }
        refused("garbage", CSM_RPMDB_SQLITE, "cannot open");
        refused("empty", CSM_RPMDB_SQLITE, "cannot open");
        refused("lone-table", CSM_RPMDB_SQLITE, "cannot open");
        refused("view", CSM_RPMDB_SQLITE, "cannot open");
        refused("garbage", CSM_RPMDB_BDB, "no copy of Packages");

        struct csm_rpmdb db;
        read_fixture("damaged", CSM_RPMDB_SQLITE, &db);
        CHECK_MSG(db.err == 0 && db.n == 5 && db.skipped == 2, "damaged headers: skipped and counted (%zu read, %u skipped)",
                  db.n, db.skipped);
        CHECK_MSG(db.skipped_why && strstr(db.skipped_why, "skipping h#"), "damaged headers: librpm's reason (%s)",
                  db.skipped_why ? db.skipped_why : "");
        csm_rpmdb_clear(&db);

        read_fixture("wal", CSM_RPMDB_SQLITE, &db);
        CHECK_MSG(db.err == 0 && db.n == 6, "the write-ahead log is read with the database (%zu packages)", db.n);
        csm_rpmdb_clear(&db);

        /* librpm is never let loose on a directory without the database */
        _cleanup_free_ char *emptydir = xasprintf("%s/nothing", top);
        mkdir(emptydir, 0700);
        csm_rpmdb_read(emptydir, CSM_RPMDB_SQLITE, "/var/lib/rpm", &db);
        _cleanup_free_ char *created = xasprintf("%s/rpmdb.sqlite", emptydir);
        CHECK_MSG(db.err == -ENOENT && access(created, F_OK) != 0, "no database: -ENOENT, none created");
        csm_rpmdb_clear(&db);
    }
    _cleanup_free_ char *rm = xasprintf("rm -rf %s", top);
    if (system(rm) != 0)
        failures++;
    free(top);
    return failures ? 1 : 0;
}
