#include "lib/rpmndb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/util.h"

#define NDB_PAGE 4096
#define NDB_BLOCK 16
#define NDB_HEAD 16 /* "BlbS", pkgidx, timestamp, length */
#define NDB_TAIL 12 /* adler32, length, "BlbE" */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int csm_ndb_magic(const unsigned char *d, size_t len)
{
    return len >= 32 && memcmp(d, "RpmP", 4) == 0;
}

struct slot {
    uint32_t pkgidx;
    uint64_t off, end; /* bytes */
};

static int cmp_slot(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_idx(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    return x->pkgidx < y->pkgidx ? -1 : x->pkgidx > y->pkgidx;
}

static int __attribute__((format(printf, 2, 3))) refuse(struct csm_ndb_walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, sizeof(w->why), fmt, ap);
    va_end(ap);
    return -EBADMSG;
}

/* The slots in use, in slot order; checked as rpm checks them when it
 * opens the database. */
static int read_slots(const unsigned char *d, size_t len, struct slot **out, size_t *n, struct csm_ndb_walk *w)
{
    uint32_t npages = le32(d + 12);
    uint64_t area = (uint64_t)npages * NDB_PAGE;
    if (le32(d + 4) != 0)
        return refuse(w, "ndb container version %u, not 0", le32(d + 4));
    if (npages == 0 || area > len)
        return refuse(w, "%u slot pages do not fit in a file of %zu bytes", npages, len);
    struct slot *s = NULL;
    size_t used = 0, cap = 0;
    for (uint64_t o = 32; o + NDB_BLOCK <= area; o += NDB_BLOCK) {
        const unsigned char *p = d + o;
        if (memcmp(p, "Slot", 4) != 0) {
            free(s);
            return refuse(w, "no slot magic at offset %llu", (unsigned long long)o);
        }
        uint32_t blkoff = le32(p + 8), blkcnt = le32(p + 12);
        if (blkoff == 0)
            continue;
        uint64_t off = (uint64_t)blkoff * NDB_BLOCK, end = off + (uint64_t)blkcnt * NDB_BLOCK;
        if (off < area || blkcnt == 0 || end > len) {
            free(s);
            return refuse(w, "the slot at offset %llu points outside the data area (block %u of %u)",
                          (unsigned long long)o, blkoff, blkcnt);
        }
        if (le32(p + 4) == 0) {
            free(s);
            return refuse(w, "the slot at offset %llu holds package index 0", (unsigned long long)o);
        }
        if (used == cap)
            s = xrealloc(s, (cap = cap ? cap * 2 : 64) * sizeof(*s));
        s[used++] = (struct slot){ le32(p + 4), off, end };
    }
    /* Overlapping blobs or a package index used twice: rpm would not trust
     * the database either. */
    if (used > 1) {
        struct slot *t = xmalloc(used * sizeof(*t));
        memcpy(t, s, used * sizeof(*t));
        qsort(t, used, sizeof(*t), cmp_slot);
        for (size_t i = 1; i < used; i++)
            if (t[i].off < t[i - 1].end) {
                uint32_t a = t[i - 1].pkgidx, b = t[i].pkgidx;
                free(t);
                free(s);
                return refuse(w, "the blobs of packages %u and %u overlap", a, b);
            }
        qsort(t, used, sizeof(*t), cmp_idx);
        for (size_t i = 1; i < used; i++)
            if (t[i].pkgidx == t[i - 1].pkgidx) {
                uint32_t a = t[i].pkgidx;
                free(t);
                free(s);
                return refuse(w, "package index %u is in two slots", a);
            }
        free(t);
    }
    *out = s;
    *n = used;
    return 0;
}

/* A blob as rpm verifies it before it hands the header on; NULL (and
 * why) when it does not hold. */
static const unsigned char *check_blob(const unsigned char *d, const struct slot *s, uint32_t *blen, char *why,
                                       size_t wlen)
{
    const unsigned char *b = d + s->off;
    uint64_t size = s->end - s->off;
    if (size < NDB_HEAD + NDB_TAIL || memcmp(b, "BlbS", 4) != 0 || le32(b + 4) != s->pkgidx) {
        snprintf(why, wlen, "package %u: no blob header where its slot points", s->pkgidx);
        return NULL;
    }
    uint32_t n = le32(b + 12);
    if ((uint64_t)n + NDB_HEAD + NDB_TAIL > size ||
        size / NDB_BLOCK != ((uint64_t)n + NDB_HEAD + NDB_TAIL + NDB_BLOCK - 1) / NDB_BLOCK) {
        snprintf(why, wlen, "package %u: a blob of %u bytes does not fill its %llu blocks", s->pkgidx, n,
                 (unsigned long long)(size / NDB_BLOCK));
        return NULL;
    }
    const unsigned char *tail = b + size - NDB_TAIL;
    if (memcmp(tail + 8, "BlbE", 4) != 0 || le32(tail + 4) != n) {
        snprintf(why, wlen, "package %u: the blob's tail does not match its header", s->pkgidx);
        return NULL;
    }
    /* the checksum covers the head, the header and the padding */
    uLong sum = adler32(0L, Z_NULL, 0);
    for (uint64_t done = 0, left = size - NDB_TAIL; left;) {
        uInt k = left > (1u << 30) ? (1u << 30) : (uInt)left;
        sum = adler32(sum, b + done, k);
        done += k;
        left -= k;
    }
    if ((uint32_t)sum != le32(tail)) {
        snprintf(why, wlen, "package %u: the blob's checksum is wrong", s->pkgidx);
        return NULL;
    }
    *blen = n;
    return b + NDB_HEAD;
}

int csm_ndb_walk(const unsigned char *d, size_t len, csm_ndb_fn fn, void *data, struct csm_ndb_walk *w)
{
    *w = (struct csm_ndb_walk){ 0 };
    if (!csm_ndb_magic(d, len)) {
        snprintf(w->why, sizeof(w->why), "not an ndb package database (no \"RpmP\" header)");
        return -EBADMSG;
    }
    struct slot *s = NULL;
    size_t n = 0;
    int r = read_slots(d, len, &s, &n, w);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        uint32_t blen;
        char why[sizeof(w->why)];
        const unsigned char *blob = check_blob(d, &s[i], &blen, why, sizeof(why));
        if (!blob) {
            if (!w->skipped++)
                memcpy(w->why, why, sizeof(why));
            continue;
        }
        w->blobs++;
        if (fn(blob, blen, s[i].pkgidx, data))
            break;
    }
    free(s);
    return 0;
}
