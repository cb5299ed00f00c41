/* The RPM package database through librpm, in a child process (see
 * rpmdb.h for why each precaution is there). The child writes records on
 * a pipe: a type byte, a 32-bit length, the payload.
 *   'D' the directory librpm is given: "/" when chrooted into the copy
 *   'P' a package: the header number, name, epoch ("" for none), version,
 *       release and arch, each followed by a NUL byte
 *   'S' a header librpm refused: its message
 *   'E' the end: a 32-bit status (0, or the errno of a failed open) and a
 *       message */
#include "facts/rpmdb.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/dl.h"
#include "lib/hostfile.h"
#include "lib/rpmndb.h"
#include "lib/util.h"
#include "lib/version.h"

#define RPMDB_CHILD_SECONDS 30
#define RPMDB_CAP_OUTPUT (64 * 1024 * 1024) /* what the child may send */
#define RPMDB_CAP_RECORD (64 * 1024)
#define RPMDB_CAP_FIELD 1024                /* a name, version, ... longer than this is cut */
#define RPMDB_CAP_PACKAGES 200000
#define RPMDB_CAP_NDB (512 * 1024 * 1024)   /* the copy the caller made is capped the same way */

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define CONFINE_MEMORY 0 /* ASan reserves terabytes of shadow memory */
#else
#define CONFINE_MEMORY 1
#endif
#define CONFINED_MEMORY (2ULL << 30) /* address space of the reader: a 512 MiB copy mapped, and librpm's own */

const char *csm_rpmdb_file(enum csm_rpmdb_kind kind)
{
    static const char *const names[] = { "rpmdb.sqlite", "Packages", "Packages.db" };
    return names[kind];
}

const char *csm_rpmdb_backend(enum csm_rpmdb_kind kind)
{
    static const char *const names[] = { "sqlite", "bdb_ro", "ndb" };
    return names[kind];
}

/* ---- the child ---- */

struct child {
    FILE *out;
    unsigned skipped;
    char *last_error; /* librpm's last error message, for a failed open */
};
static struct child *the_child; /* for librpm's log callback */

static void put(FILE *f, char type, const char *payload, size_t len)
{
    uint32_t n = (uint32_t)len;
    fputc(type, f);
    fwrite(&n, sizeof(n), 1, f);
    fwrite(payload, 1, len, f);
}

/* A field of a header, cut and with control characters replaced: the
 * parent splits records at NUL bytes and reports are text. */
static void put_field(char **buf, size_t *len, const char *s)
{
    size_t n = s ? strnlen(s, RPMDB_CAP_FIELD) : 0;
    *buf = xrealloc(*buf, *len + n + 1);
    for (size_t i = 0; i < n; i++)
        (*buf)[*len + i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    (*buf)[*len + n] = '\0';
    *len += n + 1;
}

static void put_header(struct child *c, Header h, unsigned hnum)
{
    const char *name = csm_rpm.headerGetString(h, RPMTAG_NAME);
    if (!name || !*name) {
        c->skipped++;
        put(c->out, 'S', "a header without a name", 23);
        return;
    }
    char num[32], epoch[32] = "";
    snprintf(num, sizeof(num), "%u", hnum);
    if (csm_rpm.headerIsEntry(h, RPMTAG_EPOCH))
        snprintf(epoch, sizeof(epoch), "%" PRIu64, csm_rpm.headerGetNumber(h, RPMTAG_EPOCH));
    char *buf = NULL;
    size_t len = 0;
    put_field(&buf, &len, num);
    put_field(&buf, &len, name);
    put_field(&buf, &len, epoch);
    put_field(&buf, &len, csm_rpm.headerGetString(h, RPMTAG_VERSION));
    put_field(&buf, &len, csm_rpm.headerGetString(h, RPMTAG_RELEASE));
    put_field(&buf, &len, csm_rpm.headerGetString(h, RPMTAG_ARCH));
    put(c->out, 'P', buf, len);
    free(buf);
}

/* librpm's messages: a header it skips is counted; the last error is kept
 * for a database that does not open; nothing is printed. */
static int log_callback(rpmlogRec rec, rpmlogCallbackData data)
{
    (void)data;
    struct child *c = the_child;
    const char *msg = csm_rpm.rpmlogRecMessage(rec);
    rpmlogLvl pri = csm_rpm.rpmlogRecPriority(rec);
    if (!msg || !c)
        return 0;
    size_t n = strnlen(msg, 512);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (strstr(msg, "skipping h#")) {
        c->skipped++;
        put(c->out, 'S', msg, n);
    } else if (pri <= RPMLOG_ERR) {
        free(c->last_error);
        c->last_error = xstrndup(msg, n);
    }
    return 0; /* handled: librpm prints nothing */
}

static int ndb_blob(const unsigned char *blob, size_t len, uint32_t pkgidx, void *data)
{
    struct child *c = data;
    /* headerImport() takes a copy and checks the header's structure (its
     * region, tag count and data bounds) as the database backends do */
    Header h = len <= UINT32_MAX ? csm_rpm.headerImport((void *)blob, (unsigned)len, HEADERIMPORT_COPY) : NULL;
    if (!h) {
        c->skipped++;
        char msg[96];
        int n = snprintf(msg, sizeof(msg), "headerImport: package %u: its header is damaged", pkgidx);
        put(c->out, 'S', msg, (size_t)n);
        return 0;
    }
    put_header(c, h, pkgidx);
    csm_rpm.headerFree(h);
    return 0;
}

static void put_end(FILE *f, int32_t status, const char *msg)
{
    size_t n = strlen(msg);
    char *buf = xmalloc(4 + n);
    memcpy(buf, &status, 4);
    memcpy(buf + 4, msg, n);
    put(f, 'E', buf, 4 + n);
    free(buf);
}

static void __attribute__((noreturn))
rpmdb_child(const char *dir, enum csm_rpmdb_kind kind, const unsigned char *ndb, size_t ndb_len, int fd)
{
    struct rlimit mem = { CONFINED_MEMORY, CONFINED_MEMORY };
    struct rlimit cpu = { RPMDB_CHILD_SECONDS, RPMDB_CHILD_SECONDS };
    if (CONFINE_MEMORY)
        setrlimit(RLIMIT_AS, &mem);
    setrlimit(RLIMIT_CPU, &cpu);
    alarm(RPMDB_CHILD_SECONDS);
    struct child c = { .out = fdopen(fd, "w") };
    if (!c.out)
        _exit(3);
    the_child = &c;
    /* Confined to the copy when allowed to be; the path works either way. */
    if (chroot(dir) == 0 && chdir("/") == 0)
        dir = "/";
    put(c.out, 'D', dir, strlen(dir));
    /* where librpm would look for init.lua (and run it): the copy */
    setenv("RPM_CONFIGDIR", dir, 1);
    csm_rpm.rpmlogSetCallback(log_callback, NULL);
    int32_t status = 0;
    if (kind == CSM_RPMDB_NDB) {
        struct csm_ndb_walk w;
        if (csm_ndb_walk(ndb, ndb_len, ndb_blob, &c, &w) < 0) {
            status = EBADMSG;
            put_end(c.out, status, w.why);
        } else {
            if (w.skipped)
                for (unsigned i = 0; i < w.skipped; i++, c.skipped++)
                    put(c.out, 'S', w.why, strlen(w.why));
            put_end(c.out, 0, "");
        }
    } else {
        /* no rpmReadConfigFiles(): no rpmrc, no macro file, no uname() */
        csm_rpm.rpmPushMacro(NULL, "_dbpath", NULL, dir, RMIL_CMDLINE);
        csm_rpm.rpmPushMacro(NULL, "_db_backend", NULL, csm_rpmdb_backend(kind), RMIL_CMDLINE);
        rpmts ts = csm_rpm.rpmtsCreate();
        csm_rpm.rpmtsSetRootDir(ts, "/");
        csm_rpm.rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES | RPMVSF_MASK_NODIGESTS);
        if (csm_rpm.rpmtsOpenDB(ts, O_RDONLY) != 0) {
            status = EBADMSG;
            put_end(c.out, status, c.last_error ? c.last_error : "librpm cannot open it");
        } else {
            /* by header number, not by name: without the Name index (only
             * Packages copied) a name lookup finds nothing, silently */
            rpmdbMatchIterator mi = csm_rpm.rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
            Header h;
            while (mi && (h = csm_rpm.rpmdbNextIterator(mi)))
                put_header(&c, h, csm_rpm.rpmdbGetIteratorOffset(mi));
            csm_rpm.rpmdbFreeIterator(mi);
            csm_rpm.rpmtsCloseDB(ts);
            put_end(c.out, 0, "");
        }
        csm_rpm.rpmtsFree(ts);
    }
    fflush(c.out);
    _exit(ferror(c.out) ? 3 : 0);
}

/* ---- the parent ---- */

/* librpm's message with the directory it was given (dbpath) replaced by
 * the one the database has in the tree. Chrooted (dbpath "/"), every
 * absolute path it names is inside the copy. */
static char *unpath(const char *msg, const char *dbpath, const char *shown)
{
    size_t dl = strlen(dbpath), sl = strlen(shown), n = 0;
    bool root = streq(dbpath, "/");
    char *out = xmalloc(strlen(msg) * (sl + 2) + 1);
    for (const char *p = msg; *p;) {
        bool word = p == msg || p[-1] == ' ' || p[-1] == '(' || p[-1] == '\'';
        if (word && !root && strncmp(p, dbpath, dl) == 0) {
            memcpy(out + n, shown, sl), n += sl;
            p += dl;
        } else if (word && root && *p == '/') {
            memcpy(out + n, shown, sl), n += sl;
            if (p[1] && p[1] != ' ' && p[1] != ':' && p[1] != ')' && p[1] != '\'' && !endswith(shown, "/"))
                out[n++] = '/';
            p++;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

static int cmp_pkg(const void *a, const void *b)
{
    const struct csm_rpm_package *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (!c)
        c = csm_rpm_evrcmp(x->evr, y->evr);
    if (!c)
        c = strcmp(x->arch, y->arch);
    return c ? c : (x->hnum > y->hnum) - (x->hnum < y->hnum);
}

/* Splits a 'P' record into a package; false when it is malformed. */
static bool parse_package(char *rec, size_t len, struct csm_rpm_package *p)
{
    char *f[6];
    size_t k = 0;
    for (char *s = rec; k < 6 && s < rec + len; s += strlen(s) + 1)
        f[k++] = s;
    if (k != 6)
        return false;
    char *end;
    unsigned long hnum = strtoul(f[0], &end, 10);
    if (*end || hnum > UINT32_MAX)
        return false;
    *p = (struct csm_rpm_package){
        .name = xstrdup(f[1]),
        .version = xstrdup(f[3]),
        .release = xstrdup(f[4]),
        .arch = xstrdup(f[5]),
        .has_epoch = *f[2] != '\0',
        .epoch = strtoul(f[2], NULL, 10),
        .hnum = (unsigned)hnum,
    };
    p->evr = p->has_epoch ? xasprintf("%lu:%s-%s", p->epoch, p->version, p->release)
                          : xasprintf("%s-%s", p->version, p->release);
    return true;
}

static int fail(struct csm_rpmdb *db, int err, char *why)
{
    db->err = err;
    db->why = why;
    return err;
}

/* Reads the child's records until its end; returns its status (>= 0 an
 * errno it sent, -1 when it sent no end). */
static int read_records(FILE *in, struct csm_rpmdb *db, char **end_msg, const char *dir, const char *shown)
{
    size_t total = 0, cap = 0;
    _cleanup_free_ char *dbpath = xstrdup(dir);
    for (;;) {
        int type = fgetc(in);
        uint32_t len;
        if (type == EOF || fread(&len, sizeof(len), 1, in) != 1 || len > RPMDB_CAP_RECORD)
            return -1;
        total += len + 5;
        if (total > RPMDB_CAP_OUTPUT)
            return -1;
        char *rec = xmalloc(len + 1);
        if (len && fread(rec, 1, len, in) != len) {
            free(rec);
            return -1;
        }
        rec[len] = '\0';
        if (type == 'D') {
            free(dbpath);
            dbpath = xstrdup(rec);
        } else if (type == 'P') {
            struct csm_rpm_package p;
            if (db->n < RPMDB_CAP_PACKAGES && parse_package(rec, len, &p)) {
                if (db->n == cap)
                    db->p = xrealloc(db->p, (cap = cap ? cap * 2 : 256) * sizeof(*db->p));
                db->p[db->n++] = p;
            }
        } else if (type == 'S') {
            if (!db->skipped++)
                db->skipped_why = unpath(rec, dbpath, shown);
        } else if (type == 'E' && len >= 4) {
            int32_t status;
            memcpy(&status, rec, 4);
            *end_msg = unpath(rec + 4, dbpath, shown);
            free(rec);
            return status;
        }
        free(rec);
    }
}

int csm_rpmdb_read(const char *dir, enum csm_rpmdb_kind kind, const char *shown, struct csm_rpmdb *db)
{
    *db = (struct csm_rpmdb){ 0 };
    /* Loaded here: the child, chrooted into the copy, could not find it. */
    int r = csm_rpm_load();
    if (r < 0)
        return fail(db, r, xstrdup(csm_dl_error() ? csm_dl_error() : "librpm.so.9 cannot be loaded"));
    /* librpm would create an empty database where there is none */
    _cleanup_free_ char *file = xasprintf("%s/%s", dir, csm_rpmdb_file(kind));
    struct stat st;
    if (stat(file, &st) < 0 || !S_ISREG(st.st_mode))
        return fail(db, -ENOENT, xasprintf("no copy of %s to read", csm_rpmdb_file(kind)));
    char *ndb = NULL;
    size_t ndb_len = 0;
    if (kind == CSM_RPMDB_NDB) {
        r = csm_host_file_read(file, RPMDB_CAP_NDB, &ndb, &ndb_len); /* the private copy */
        if (r < 0)
            return fail(db, r, xasprintf("cannot read the copy of %s: %s", csm_rpmdb_file(kind), csm_strerror(r)));
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        r = -errno;
        free(ndb);
        return fail(db, r, xasprintf("cannot start the librpm reader: %s", csm_strerror(r)));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        r = -errno;
        close(p[0]);
        close(p[1]);
        free(ndb);
        return fail(db, r, xasprintf("cannot start the librpm reader: %s", csm_strerror(r)));
    }
    if (pid == 0) {
        close(p[0]);
        rpmdb_child(dir, kind, (const unsigned char *)ndb, ndb_len, p[1]);
    }
    close(p[1]);
    free(ndb);
    FILE *in = fdopen(p[0], "r");
    char *end_msg = NULL;
    int status = in ? read_records(in, db, &end_msg, dir, shown) : -1;
    if (in)
        fclose(in);
    else
        close(p[0]);
    int ws;
    if (status < 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) {
            ws = 0;
            break;
        }
    if (status < 0) {
        if (WIFSIGNALED(ws) && (WTERMSIG(ws) == SIGALRM || WTERMSIG(ws) == SIGXCPU))
            r = fail(db, -ETIME, xasprintf("librpm did not finish reading it in %d s", RPMDB_CHILD_SECONDS));
        else if (WIFSIGNALED(ws) && WTERMSIG(ws) != SIGKILL)
            r = fail(db, -EBADMSG, xasprintf("librpm failed on it (%s)", strsignal(WTERMSIG(ws))));
        else
            r = fail(db, -EBADMSG, xstrdup("the librpm reader stopped without an answer"));
    } else if (status > 0) {
        r = fail(db, -status, end_msg ? end_msg : xstrdup("librpm cannot open it"));
        end_msg = NULL;
    } else {
        r = 0;
    }
    free(end_msg);
    if (r < 0) {
        /* what was read before a failure is not a list to trust */
        unsigned skipped = db->skipped;
        char *sw = db->skipped_why;
        db->skipped_why = NULL;
        int e = db->err;
        char *why = db->why;
        db->why = NULL;
        csm_rpmdb_clear(db);
        *db = (struct csm_rpmdb){ .err = e, .why = why, .skipped = skipped, .skipped_why = sw };
        return r;
    }
    if (db->n)
        qsort(db->p, db->n, sizeof(*db->p), cmp_pkg);
    return 0;
}

const struct csm_rpm_package *csm_rpmdb_find(const struct csm_rpmdb *db, const char *name)
{
    const struct csm_rpm_package *best = NULL;
    for (size_t i = 0; i < db->n; i++)
        if (streq(db->p[i].name, name))
            best = &db->p[i]; /* sorted: the last is the newest */
    return best;
}

void csm_rpmdb_clear(struct csm_rpmdb *db)
{
    for (size_t i = 0; i < db->n; i++) {
        free(db->p[i].name);
        free(db->p[i].version);
        free(db->p[i].release);
        free(db->p[i].arch);
        free(db->p[i].evr);
    }
    free(db->p);
    free(db->why);
    free(db->skipped_why);
    *db = (struct csm_rpmdb){ 0 };
}
