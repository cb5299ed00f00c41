/* The RPM package database, decoded by librpm from private copies of its
 * files.
 *
 * librpm opens paths itself, creates a database (and its directories)
 * where it finds none, opens sqlite's -wal and -shm read-write even for a
 * read-only open, and with the host's configuration runs a shell to find
 * ~/.rpmdb. So it is never given a path of the scanned tree nor the host's
 * configuration: the caller copies the database files (read through the
 * tree, capped) into a private directory, and csm_rpmdb_read() runs librpm
 * in a child process, chrooted into that directory when it may be, with
 * RPM_CONFIGDIR there and no rpmrc or macro file read (only _dbpath and
 * _db_backend are set), header digests not computed (which would bring in
 * gcrypt and its reads of /proc), a time and memory limit, and every
 * message captured. A crash of librpm on a hostile database costs the
 * child, not the scan.
 *
 * The backend is named by the caller (the file it found), never guessed
 * by librpm: given a directory without the files it expects, librpm
 * creates an empty database and reports no packages. ndb (SUSE 15 SP3 and
 * later) is walked by src/rpmndb.c, each header handed to librpm's
 * headerImport(): Debian's librpm has no ndb backend, and so the .deb
 * build and the static binary read the same packages the same way. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum csm_rpmdb_kind {
    CSM_RPMDB_SQLITE, /* rpmdb.sqlite (+ rpmdb.sqlite-wal): RHEL 9, Fedora 33+ */
    CSM_RPMDB_BDB,    /* Packages, Berkeley DB hash: CentOS/RHEL 7 and 8, SLE 15 before SP3 */
    CSM_RPMDB_NDB,    /* Packages.db: SLE 15 SP3+, openSUSE Leap 15.3+ */
};
/* The file that holds the packages: "rpmdb.sqlite", "Packages", "Packages.db". */
const char *csm_rpmdb_file(enum csm_rpmdb_kind kind);
/* librpm's name of the backend: "sqlite", "bdb_ro", "ndb". */
const char *csm_rpmdb_backend(enum csm_rpmdb_kind kind);

struct csm_rpm_package {
    char *name, *version, *release, *arch; /* arch "" when the header has none (gpg-pubkey) */
    bool has_epoch;
    unsigned long epoch;
    unsigned hnum; /* the header's number in the database: evidence "Packages #12" */
    char *evr;     /* "[epoch:]version-release" */
};

struct csm_rpmdb {
    int err;   /* the database could not be read at all */
    char *why;
    struct csm_rpm_package *p; /* sorted by name, then version (rpm's order), then arch */
    size_t n;
    unsigned skipped;  /* headers librpm refused; the others were read */
    char *skipped_why; /* the first refusal, as librpm put it */
};

/* Reads the packages of the database of this kind in dir (a private,
 * writable directory that holds the copies under their own names). shown
 * replaces dir in librpm's messages (the database's directory in the
 * tree), so no temporary path reaches a report. Returns 0 or out->err. */
int csm_rpmdb_read(const char *dir, enum csm_rpmdb_kind kind, const char *shown, struct csm_rpmdb *out);
void csm_rpmdb_clear(struct csm_rpmdb *db);
/* The package of this name (the newest when several are installed, as
 * kernels are), or NULL. */
const struct csm_rpm_package *csm_rpmdb_find(const struct csm_rpmdb *db, const char *name);
