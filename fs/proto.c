/* The reader child's protocol: encoding, decoding, and the server's
 * dispatch of one request to a filesystem. See proto.h. */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lib/util.h"

#define REQUEST_HEAD 32
#define SERVER_CACHE (8u << 20)

void csm_buf_free(struct csm_buf *b)
{
    free(b->p);
    *b = (struct csm_buf){ 0 };
}

static unsigned char *grow(struct csm_buf *b, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    unsigned char *p = b->p + b->len;
    b->len += n;
    return p;
}

void csm_fs_put_u8(struct csm_buf *b, uint8_t v)
{
    *grow(b, 1) = v;
}

void csm_fs_put_u16(struct csm_buf *b, uint16_t v)
{
    unsigned char *p = grow(b, 2);
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

void csm_fs_put_u32(struct csm_buf *b, uint32_t v)
{
    unsigned char *p = grow(b, 4);
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void csm_fs_put_u64(struct csm_buf *b, uint64_t v)
{
    csm_fs_put_u32(b, (uint32_t)v);
    csm_fs_put_u32(b, (uint32_t)(v >> 32));
}

void csm_fs_put_bytes(struct csm_buf *b, const void *p, size_t n)
{
    if (n)
        memcpy(grow(b, n), p, n);
}

void csm_fs_put_str(struct csm_buf *b, const char *s)
{
    size_t n = strnlen(s, UINT16_MAX);
    csm_fs_put_u16(b, (uint16_t)n);
    csm_fs_put_bytes(b, s, n);
}

const unsigned char *csm_fs_get_bytes(struct csm_rd *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t csm_fs_get_u8(struct csm_rd *r)
{
    const unsigned char *p = csm_fs_get_bytes(r, 1);
    return p ? p[0] : 0;
}

uint16_t csm_fs_get_u16(struct csm_rd *r)
{
    const unsigned char *p = csm_fs_get_bytes(r, 2);
    return p ? csm_le16(p) : 0;
}

uint32_t csm_fs_get_u32(struct csm_rd *r)
{
    const unsigned char *p = csm_fs_get_bytes(r, 4);
    return p ? csm_le32(p) : 0;
}

uint64_t csm_fs_get_u64(struct csm_rd *r)
{
    const unsigned char *p = csm_fs_get_bytes(r, 8);
    return p ? csm_le64(p) : 0;
}

void csm_fs_get_str(struct csm_rd *r, char *out, size_t cap)
{
    uint16_t n = csm_fs_get_u16(r);
    const unsigned char *p = csm_fs_get_bytes(r, n);
    size_t k = p ? (n < cap - 1 ? n : cap - 1) : 0;
    if (k)
        memcpy(out, p, k);
    out[k] = '\0';
    /* a NUL inside ends the string where the sender's would have */
}

void csm_fs_put_request(struct csm_buf *b, const struct csm_fs_request *rq)
{
    csm_fs_put_u32(b, REQUEST_HEAD + rq->name_len);
    csm_fs_put_u8(b, rq->op);
    csm_fs_put_u8(b, 0);
    csm_fs_put_u16(b, rq->name_len);
    csm_fs_put_u32(b, rq->fs);
    csm_fs_put_u64(b, rq->node);
    csm_fs_put_u64(b, rq->off);
    csm_fs_put_u32(b, rq->len);
    csm_fs_put_u32(b, 0);
    csm_fs_put_bytes(b, rq->name, rq->name_len);
}

bool csm_fs_get_request(const unsigned char *body, size_t len, struct csm_fs_request *rq)
{
    struct csm_rd r = { body, len, 0, false };
    *rq = (struct csm_fs_request){ 0 };
    rq->op = csm_fs_get_u8(&r);
    csm_fs_get_u8(&r);
    rq->name_len = csm_fs_get_u16(&r);
    rq->fs = csm_fs_get_u32(&r);
    rq->node = csm_fs_get_u64(&r);
    rq->off = csm_fs_get_u64(&r);
    rq->len = csm_fs_get_u32(&r);
    csm_fs_get_u32(&r);
    rq->name = (const char *)csm_fs_get_bytes(&r, rq->name_len);
    return !r.bad && r.pos == len;
}

size_t csm_fs_begin_reply(struct csm_buf *b, int32_t status, const char *why)
{
    size_t start = b->len;
    csm_fs_put_u32(b, 0);
    csm_fs_put_u32(b, (uint32_t)status);
    size_t n = why ? strnlen(why, CSM_FS_WHY_MAX - 1) : 0;
    csm_fs_put_u16(b, (uint16_t)n);
    csm_fs_put_u16(b, 0);
    csm_fs_put_bytes(b, why, n);
    return start;
}

void csm_fs_end_reply(struct csm_buf *b, size_t start)
{
    uint32_t n = (uint32_t)(b->len - start - 4);
    for (int i = 0; i < 4; i++)
        b->p[start + i] = (unsigned char)(n >> (8 * i));
}

bool csm_fs_get_reply(struct csm_rd *r, int32_t *status, const char **why, uint16_t *why_len)
{
    *status = (int32_t)csm_fs_get_u32(r);
    *why_len = csm_fs_get_u16(r);
    csm_fs_get_u16(r);
    *why = (const char *)csm_fs_get_bytes(r, *why_len);
    return !r->bad;
}

void csm_fs_put_stat(struct csm_buf *b, const struct csm_fs_stat *st)
{
    csm_fs_put_u64(b, st->node);
    csm_fs_put_u32(b, st->mode);
    csm_fs_put_u32(b, st->uid);
    csm_fs_put_u32(b, st->gid);
    csm_fs_put_u32(b, st->flags);
    csm_fs_put_u64(b, st->size);
    csm_fs_put_u64(b, st->nlink);
    csm_fs_put_u64(b, (uint64_t)st->mtime);
    csm_fs_put_u32(b, st->mtime_nsec);
}

void csm_fs_get_stat(struct csm_rd *r, struct csm_fs_stat *st)
{
    st->node = csm_fs_get_u64(r);
    st->mode = csm_fs_get_u32(r);
    st->uid = csm_fs_get_u32(r);
    st->gid = csm_fs_get_u32(r);
    st->flags = csm_fs_get_u32(r);
    st->size = csm_fs_get_u64(r);
    st->nlink = csm_fs_get_u64(r);
    st->mtime = (int64_t)csm_fs_get_u64(r);
    st->mtime_nsec = csm_fs_get_u32(r);
}

void csm_fs_put_statfs(struct csm_buf *b, const struct csm_fs_statfs *st)
{
    csm_fs_put_u32(b, st->block_size);
    csm_fs_put_u64(b, st->blocks);
    csm_fs_put_u64(b, st->free_blocks);
    csm_fs_put_u64(b, st->avail_blocks);
    csm_fs_put_u64(b, st->files);
    csm_fs_put_u64(b, st->free_files);
    csm_fs_put_u8(b, st->stale);
}

void csm_fs_get_statfs(struct csm_rd *r, struct csm_fs_statfs *st)
{
    st->block_size = csm_fs_get_u32(r);
    st->blocks = csm_fs_get_u64(r);
    st->free_blocks = csm_fs_get_u64(r);
    st->avail_blocks = csm_fs_get_u64(r);
    st->files = csm_fs_get_u64(r);
    st->free_files = csm_fs_get_u64(r);
    st->stale = csm_fs_get_u8(r) != 0;
}

void csm_fs_put_info(struct csm_buf *b, const struct csm_fs_info *in)
{
    csm_fs_put_str(b, in->type);
    csm_fs_put_str(b, in->label);
    csm_fs_put_str(b, in->uuid);
    csm_fs_put_u32(b, in->state);
    csm_fs_put_str(b, in->state_why);
    csm_fs_put_u64(b, in->size);
}

void csm_fs_get_info(struct csm_rd *r, struct csm_fs_info *in)
{
    csm_fs_get_str(r, in->type, sizeof(in->type));
    csm_fs_get_str(r, in->label, sizeof(in->label));
    csm_fs_get_str(r, in->uuid, sizeof(in->uuid));
    in->state = csm_fs_get_u32(r);
    csm_fs_get_str(r, in->state_why, sizeof(in->state_why));
    in->size = csm_fs_get_u64(r);
}

void csm_fs_put_dirent(struct csm_buf *b, const struct csm_fs_dirent *e)
{
    csm_fs_put_u64(b, e->node);
    csm_fs_put_u8(b, e->type);
    csm_fs_put_u16(b, e->name_len);
    csm_fs_put_bytes(b, e->name, e->name_len);
}

bool csm_fs_get_dirent(struct csm_rd *r, struct csm_fs_dirent *e)
{
    if (r->bad || r->pos == r->len)
        return false;
    e->node = csm_fs_get_u64(r);
    e->type = csm_fs_get_u8(r);
    e->name_len = csm_fs_get_u16(r);
    e->name = (const char *)csm_fs_get_bytes(r, e->name_len);
    if (!r->bad && (e->name_len == 0 || e->name_len > CSM_FS_NAME_MAX || memchr(e->name, '/', e->name_len) ||
                    memchr(e->name, '\0', e->name_len)))
        r->bad = true; /* what no backend lists */
    return !r->bad;
}

/* ---- the server ---- */

struct lister {
    struct csm_fs_server *s;
    struct csm_buf *out;
    size_t start;
    int err;
};

static int list_one(void *data, const struct csm_fs_dirent *e)
{
    struct lister *l = data;
    if (l->out->len - l->start > CSM_FS_PROTO_BATCH) {
        csm_fs_end_reply(l->out, l->start);
        if (l->s->flush && l->out->len > 4 * CSM_FS_PROTO_BATCH && (l->err = l->s->flush(l->s->flush_data, l->out)))
            return 1;
        l->start = csm_fs_begin_reply(l->out, 1, NULL);
    }
    csm_fs_put_dirent(l->out, e);
    return 0;
}

static struct csm_fsreader *fs_of(struct csm_fs_server *s, uint32_t id)
{
    return id < CSM_FS_SERVER_MAX_FS ? s->fs[id] : NULL;
}

static void reply_error(struct csm_buf *out, int err, const struct csm_fsreader *fs)
{
    csm_fs_end_reply(out, csm_fs_begin_reply(out, err, fs && fs->why[0] ? fs->why : NULL));
}

static void server_open(struct csm_fs_server *s, const struct csm_fs_request *rq, struct csm_buf *out)
{
    char type[32];
    size_t n = rq->name_len < sizeof(type) - 1 ? rq->name_len : sizeof(type) - 1;
    memcpy(type, rq->name, n);
    type[n] = '\0';
    uint32_t id = 0;
    while (id < CSM_FS_SERVER_MAX_FS && s->fs[id])
        id++;
    if (rq->node >= s->n_sources || id == CSM_FS_SERVER_MAX_FS || strlen(type) != n) {
        reply_error(out, -EINVAL, NULL);
        return;
    }
    if (!s->cached)
        s->cached = xcalloc(s->n_sources, sizeof(*s->cached));
    struct csm_fs_source *src = &s->cached[rq->node];
    if (!src->read) {
        struct csm_fs_source view = s->sources[rq->node];
        view.free = NULL; /* the source stays its owner's */
        csm_fs_source_cached(&view, s->cache_bytes ? s->cache_bytes : SERVER_CACHE, src);
    }
    char *why = NULL;
    struct csm_fsreader *fs = NULL;
    int r = csm_fs_open(type[0] ? type : NULL, src, &fs, &why);
    if (r < 0) {
        csm_fs_end_reply(out, csm_fs_begin_reply(out, r, why));
        free(why);
        return;
    }
    s->fs[id] = fs;
    size_t start = csm_fs_begin_reply(out, 0, NULL);
    csm_fs_put_u32(out, id);
    csm_fs_put_u64(out, fs->root);
    csm_fs_put_info(out, &fs->info);
    csm_fs_end_reply(out, start);
}

int csm_fs_server_handle(struct csm_fs_server *s, const unsigned char *body, size_t len, struct csm_buf *out)
{
    struct csm_fs_request rq;
    if (!csm_fs_get_request(body, len, &rq)) {
        reply_error(out, -EBADMSG, NULL);
        return 0;
    }
    if (rq.op == CSM_FS_OP_OPEN) {
        server_open(s, &rq, out);
        return 0;
    }
    struct csm_fsreader *fs = fs_of(s, rq.fs);
    if (!fs) {
        reply_error(out, -EBADF, NULL);
        return 0;
    }
    struct csm_fs_stat st;
    size_t start;
    int r;
    switch (rq.op) {
    case CSM_FS_OP_CLOSE:
        csm_fs_close(fs);
        s->fs[rq.fs] = NULL;
        reply_error(out, 0, NULL);
        return 0;
    case CSM_FS_OP_LOOKUP:
    case CSM_FS_OP_STAT:
        r = rq.op == CSM_FS_OP_LOOKUP ? csm_fs_lookup(fs, rq.node, rq.name, rq.name_len, &st)
                                      : csm_fs_stat(fs, rq.node, &st);
        if (r < 0)
            break;
        start = csm_fs_begin_reply(out, 0, NULL);
        csm_fs_put_stat(out, &st);
        csm_fs_end_reply(out, start);
        return 0;
    case CSM_FS_OP_READLINK:
    case CSM_FS_OP_PREAD: {
        size_t cap = rq.op == CSM_FS_OP_READLINK ? (rq.len > CSM_FS_LINK_MAX + 1 ? CSM_FS_LINK_MAX + 1 : rq.len)
                                                 : (rq.len > CSM_FS_PROTO_READ ? CSM_FS_PROTO_READ : rq.len);
        start = csm_fs_begin_reply(out, 0, NULL);
        size_t at = out->len;
        unsigned char *p = grow(out, cap ? cap : 1);
        ssize_t n = rq.op == CSM_FS_OP_READLINK ? csm_fs_readlink(fs, rq.node, (char *)p, cap)
                                                : csm_fs_pread(fs, rq.node, p, cap, rq.off);
        if (n < 0) {
            out->len = start;
            r = (int)n;
            break;
        }
        out->len = at + (size_t)n;
        /* the status is the byte count */
        for (int i = 0; i < 4; i++)
            out->p[start + 4 + i] = (unsigned char)((uint32_t)n >> (8 * i));
        csm_fs_end_reply(out, start);
        return 0;
    }
    case CSM_FS_OP_LIST: {
        struct lister l = { s, out, csm_fs_begin_reply(out, 1, NULL), 0 };
        r = csm_fs_list(fs, rq.node, list_one, &l);
        if (l.err)
            return l.err;
        if (out->len - l.start > 12)
            csm_fs_end_reply(out, l.start);
        else
            out->len = l.start; /* an empty batch is left out */
        if (r < 0)
            break;
        reply_error(out, 0, NULL);
        return 0;
    }
    case CSM_FS_OP_STATFS: {
        struct csm_fs_statfs sf;
        if ((r = csm_fs_statfs(fs, &sf)) < 0)
            break;
        start = csm_fs_begin_reply(out, 0, NULL);
        csm_fs_put_statfs(out, &sf);
        csm_fs_end_reply(out, start);
        return 0;
    }
    default:
        r = -EOPNOTSUPP;
        fs = NULL;
        break;
    }
    reply_error(out, r, fs);
    return 0;
}

void csm_fs_server_free(struct csm_fs_server *s)
{
    for (size_t i = 0; i < CSM_FS_SERVER_MAX_FS; i++)
        csm_fs_close(s->fs[i]);
    for (size_t i = 0; s->cached && i < s->n_sources; i++)
        csm_fs_source_free(&s->cached[i]);
    free(s->cached);
    *s = (struct csm_fs_server){ 0 };
}
