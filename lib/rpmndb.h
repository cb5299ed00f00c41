/* The container of rpm's "ndb" package database (SUSE 15 SP3 and later:
 * /usr/lib/sysimage/rpm/Packages.db), which Debian's librpm is built
 * without. The container only holds each package's header blob; the
 * headers themselves are decoded and validated by librpm's headerImport()
 * (facts/rpmdb.c), so the .deb build and the static binary read the same
 * packages.
 *
 * Layout (little-endian): a 32-byte header "RpmP", version 0, generation,
 * the number of 4096-byte slot pages, the next package index; then 16-byte
 * slots "Slot", package index, block offset, block count (16-byte blocks;
 * offset 0 is a free slot) up to the end of the slot pages; each blob is
 * "BlbS", package index, timestamp, length, the header, zero padding and a
 * 12-byte tail: the Adler-32 of everything before it, the length, "BlbE".
 * What rpm refuses, this refuses: a container it cannot trust (bad magic,
 * slots outside the file or overlapping) fails as a whole; a blob whose
 * checksum, length or tail is wrong is skipped and counted, as rpm skips a
 * header it cannot read. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One package's header blob (no 8-byte magic: what headerImport() takes).
 * Returns nonzero to stop the walk. */
typedef int (*csm_ndb_fn)(const unsigned char *blob, size_t len, uint32_t pkgidx, void *data);

struct csm_ndb_walk {
    unsigned blobs;   /* handed to fn */
    unsigned skipped; /* slots whose blob is damaged */
    char why[160];    /* the first problem: the container's, or a skipped blob's */
};

/* Walks a whole Packages.db held in memory. 0, or -EBADMSG when the
 * container cannot be used (w->why says why; fn may have been called for
 * none of its blobs: the check happens before the first call). */
int csm_ndb_walk(const unsigned char *d, size_t len, csm_ndb_fn fn, void *data, struct csm_ndb_walk *w);

/* Does this file start as an ndb package database? */
int csm_ndb_magic(const unsigned char *d, size_t len);
