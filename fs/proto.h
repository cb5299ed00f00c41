/* The framed protocol between the parent and the reader child
 * (fs/child.h): the filesystem operations of fs.h as requests and
 * replies over a stream socket.
 *
 * Every frame is a 32-bit little-endian length and that many bytes.
 *   request: op (8 bits), 8 zero bits, name length (16), filesystem (32),
 *            node (64), offset (64), length (32), 32 zero bits, the name
 *   reply:   status (signed 32: 0, a byte count, or -errno), why length
 *            (16), 16 zero bits, why (the reason in words), then what the
 *            op returns (a stat, the bytes read, a batch of entries, ...)
 * A listing comes as several replies: batches with status 1, then one
 * with 0 or -errno. All integers are little-endian; nothing is copied as
 * a C struct, so each side decodes only what it checked. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs.h"

#define CSM_FS_PROTO_MAX ((1u << 20) + 4096) /* bytes of one frame */
#define CSM_FS_PROTO_READ (64u << 10)        /* bytes of one read request */
#define CSM_FS_PROTO_BATCH (64u << 10)       /* bytes of entries in one listing reply */

enum csm_fs_op {
    CSM_FS_OP_OPEN = 1, /* node: the source's index; name: the type ("" to probe) */
    CSM_FS_OP_CLOSE,
    CSM_FS_OP_LOOKUP,
    CSM_FS_OP_STAT,
    CSM_FS_OP_READLINK, /* length: the caller's buffer */
    CSM_FS_OP_PREAD,
    CSM_FS_OP_LIST,
    CSM_FS_OP_STATFS,
};

struct csm_fs_request {
    uint8_t op;
    uint32_t fs;
    uint64_t node, off;
    uint32_t len;
    const char *name; /* name_len bytes, inside the decoded buffer */
    uint16_t name_len;
};

/* A growing byte buffer. */
struct csm_buf {
    unsigned char *p;
    size_t len, cap;
};
void csm_buf_free(struct csm_buf *b);

/* A reader of a received body; any read past its end sets bad. */
struct csm_rd {
    const unsigned char *p;
    size_t len, pos;
    bool bad;
};

void csm_fs_put_request(struct csm_buf *b, const struct csm_fs_request *rq);
bool csm_fs_get_request(const unsigned char *body, size_t len, struct csm_fs_request *rq);

/* A reply frame: its length is filled in by csm_fs_end_reply. */
size_t csm_fs_begin_reply(struct csm_buf *b, int32_t status, const char *why);
void csm_fs_end_reply(struct csm_buf *b, size_t start);
/* A reply's head; why points into the body (why_len bytes). */
bool csm_fs_get_reply(struct csm_rd *r, int32_t *status, const char **why, uint16_t *why_len);

void csm_fs_put_u8(struct csm_buf *b, uint8_t v);
void csm_fs_put_u16(struct csm_buf *b, uint16_t v);
void csm_fs_put_u32(struct csm_buf *b, uint32_t v);
void csm_fs_put_u64(struct csm_buf *b, uint64_t v);
void csm_fs_put_bytes(struct csm_buf *b, const void *p, size_t n);
void csm_fs_put_str(struct csm_buf *b, const char *s); /* 16-bit length and the bytes */
uint8_t csm_fs_get_u8(struct csm_rd *r);
uint16_t csm_fs_get_u16(struct csm_rd *r);
uint32_t csm_fs_get_u32(struct csm_rd *r);
uint64_t csm_fs_get_u64(struct csm_rd *r);
const unsigned char *csm_fs_get_bytes(struct csm_rd *r, size_t n);
/* A 16-bit length and the bytes into out (at most cap - 1, NUL-ended). */
void csm_fs_get_str(struct csm_rd *r, char *out, size_t cap);

void csm_fs_put_stat(struct csm_buf *b, const struct csm_fs_stat *st);
void csm_fs_get_stat(struct csm_rd *r, struct csm_fs_stat *st);
void csm_fs_put_statfs(struct csm_buf *b, const struct csm_fs_statfs *st);
void csm_fs_get_statfs(struct csm_rd *r, struct csm_fs_statfs *st);
void csm_fs_put_info(struct csm_buf *b, const struct csm_fs_info *in);
void csm_fs_get_info(struct csm_rd *r, struct csm_fs_info *in);
void csm_fs_put_dirent(struct csm_buf *b, const struct csm_fs_dirent *e);
/* One entry of a batch; false at its end (or when it is malformed: bad). */
bool csm_fs_get_dirent(struct csm_rd *r, struct csm_fs_dirent *e);

/* The server side, in the child: the sources it may open and the
 * filesystems it opened. */
#define CSM_FS_SERVER_MAX_FS 64
struct csm_fs_server {
    const struct csm_fs_source *sources;
    size_t n_sources;
    struct csm_fs_source *cached; /* each source behind a cache, made at its first open */
    size_t cache_bytes;
    struct csm_fsreader *fs[CSM_FS_SERVER_MAX_FS];
    /* Called when out holds more than a batch (a listing's replies), to
     * send it; NULL keeps everything in out. */
    int (*flush)(void *data, struct csm_buf *out);
    void *flush_data;
};
/* Handles one request body, appending the reply frames to out. Returns
 * the flush callback's error, else 0. */
int csm_fs_server_handle(struct csm_fs_server *s, const unsigned char *body, size_t len, struct csm_buf *out);
void csm_fs_server_free(struct csm_fs_server *s);
