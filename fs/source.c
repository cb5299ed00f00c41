/* Block sources: a range of a descriptor, a range of another source, and a
 * read cache. The filesystem libraries read one block at a time (libext2fs
 * reads a file block by block, libfsxfs a directory block by block, and
 * both read the same inode and directory blocks again for each lookup):
 * the cache turns that into one read of the image per 64 KiB chunk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "lib/util.h"

void csm_fs_source_free(struct csm_fs_source *src)
{
    if (src && src->free)
        src->free(src->ctx);
    if (src)
        *src = (struct csm_fs_source){ 0 };
}

/* ---- a range of a descriptor ---- */

struct fd_range {
    int fd;
    uint64_t offset;
};

static int fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct fd_range *r = ctx;
    unsigned char *p = buf;
    while (len) {
        ssize_t n = pread(r->fd, p, len, (off_t)(r->offset + off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

void csm_fs_source_fd(int fd, uint64_t offset, uint64_t size, struct csm_fs_source *out)
{
    struct fd_range *r = xmalloc(sizeof(*r));
    *r = (struct fd_range){ fd, offset };
    *out = (struct csm_fs_source){ fd_read, r, size, free };
}

/* ---- a range of another source ---- */

struct sub_range {
    const struct csm_fs_source *base;
    uint64_t offset;
};

static int sub_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct sub_range *r = ctx;
    return r->base->read(r->base->ctx, buf, len, r->offset + off);
}

int csm_fs_source_range(const struct csm_fs_source *base, uint64_t offset, uint64_t size, struct csm_fs_source *out)
{
    if (offset > base->size || size > base->size - offset)
        return -EINVAL;
    struct sub_range *r = xmalloc(sizeof(*r));
    *r = (struct sub_range){ base, offset };
    *out = (struct csm_fs_source){ sub_read, r, size, free };
    return 0;
}

/* ---- the cache ---- */

struct slot {
    uint64_t chunk; /* chunk number */
    uint64_t used;  /* the clock of its last use */
    size_t len;     /* bytes held (the last chunk of the source may be short) */
    unsigned char *data;
};

struct cache {
    struct csm_fs_source in;
    struct slot *slots;
    size_t n_slots, n_filled, last;
    uint64_t clock;
};

static struct slot *find(struct cache *c, uint64_t chunk)
{
    if (c->n_filled && c->slots[c->last].chunk == chunk)
        return &c->slots[c->last];
    for (size_t i = 0; i < c->n_filled; i++)
        if (c->slots[i].chunk == chunk) {
            c->last = i;
            return &c->slots[i];
        }
    return NULL;
}

/* A slot for chunk, filled from the source: a free one, or the least
 * recently used. */
static int fill(struct cache *c, uint64_t chunk, struct slot **out)
{
    size_t i;
    if (c->n_filled < c->n_slots) {
        i = c->n_filled;
        c->slots[i].data = malloc(CSM_FS_CACHE_CHUNK);
        if (!c->slots[i].data)
            return -ENOMEM;
        c->n_filled++;
    } else {
        i = 0;
        for (size_t k = 1; k < c->n_slots; k++)
            if (c->slots[k].used < c->slots[i].used)
                i = k;
    }
    struct slot *s = &c->slots[i];
    uint64_t start = chunk * CSM_FS_CACHE_CHUNK;
    size_t len = c->in.size - start < CSM_FS_CACHE_CHUNK ? (size_t)(c->in.size - start) : CSM_FS_CACHE_CHUNK;
    s->chunk = UINT64_MAX; /* invalid until read */
    int r = c->in.read(c->in.ctx, s->data, len, start);
    if (r < 0)
        return r;
    s->chunk = chunk;
    s->len = len;
    c->last = i;
    *out = s;
    return 0;
}

static int cache_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct cache *c = ctx;
    unsigned char *p = buf;
    if (off > c->in.size || len > c->in.size - off)
        return -EIO;
    while (len) {
        uint64_t chunk = off / CSM_FS_CACHE_CHUNK;
        size_t in = (size_t)(off % CSM_FS_CACHE_CHUNK);
        size_t n = CSM_FS_CACHE_CHUNK - in < len ? CSM_FS_CACHE_CHUNK - in : len;
        struct slot *s = find(c, chunk);
        if (!s && in == 0 && n == CSM_FS_CACHE_CHUNK) {
            /* a whole chunk that nothing asked for before: file data read
             * in big pieces goes past the cache instead of evicting the
             * metadata */
            int r = c->in.read(c->in.ctx, p, n, off);
            if (r < 0)
                return r;
        } else {
            if (!s) {
                int r = fill(c, chunk, &s);
                if (r < 0)
                    return r;
            }
            if (in + n > s->len)
                return -EIO;
            memcpy(p, s->data + in, n);
            s->used = ++c->clock;
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

static void cache_free(void *ctx)
{
    struct cache *c = ctx;
    for (size_t i = 0; i < c->n_filled; i++)
        free(c->slots[i].data);
    free(c->slots);
    csm_fs_source_free(&c->in);
    free(c);
}

void csm_fs_source_cached(struct csm_fs_source *in, size_t cache_bytes, struct csm_fs_source *out)
{
    struct cache *c = xcalloc(1, sizeof(*c));
    c->in = *in;
    c->n_slots = cache_bytes / CSM_FS_CACHE_CHUNK ? cache_bytes / CSM_FS_CACHE_CHUNK : 1;
    c->slots = xcalloc(c->n_slots, sizeof(*c->slots));
    *in = (struct csm_fs_source){ 0 };
    *out = (struct csm_fs_source){ cache_read, c, c->in.size, cache_free };
}
