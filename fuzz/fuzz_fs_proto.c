/* libFuzzer target: the reader child's protocol (fs/proto.c), both ends.
 * The input is a filesystem image (a 32-bit length, then its bytes) and a
 * series of request bodies (a 16-bit length each), which the server
 * decodes and runs against the image as the child does; every reply it
 * writes is decoded again as the parent decodes replies, and the request
 * bytes themselves are decoded as replies too (a child that went wrong). */
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "fs/internal.h"
#include "fs/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *data;
    size_t size;
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    const struct input *in = ctx;
    memset(buf, 0, len);
    if (off < in->size)
        memcpy(buf, in->data + off, in->size - off < len ? in->size - off : len);
    return 0;
}

/* Decodes reply frames as the parent's proxies do. */
static void decode_replies(const unsigned char *p, size_t len)
{
    while (len >= 4) {
        uint32_t n = csm_le32(p);
        if (n > len - 4 || n > CSM_FS_PROTO_MAX)
            return;
        struct csm_rd r = { p + 4, n, 0, false };
        int32_t status;
        const char *why;
        uint16_t why_len;
        if (csm_fs_get_reply(&r, &status, &why, &why_len)) {
            struct csm_rd s = r;
            struct csm_fs_stat st;
            csm_fs_get_stat(&s, &st);
            s = r;
            struct csm_fs_statfs sf;
            csm_fs_get_statfs(&s, &sf);
            s = r;
            struct csm_fs_info info;
            csm_fs_get_u32(&s);
            csm_fs_get_u64(&s);
            csm_fs_get_info(&s, &info);
            s = r;
            struct csm_fs_dirent e;
            while (csm_fs_get_dirent(&s, &e))
                ;
        }
        p += 4 + n;
        len -= 4 + n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t img = csm_le32(data);
    if (img > size - 4)
        img = (uint32_t)(size - 4);
    struct input in = { data + 4, img };
    struct csm_fs_source src = { mem_read, &in, img < (1u << 20) ? 1u << 20 : img, NULL };
    struct csm_fs_server s = { .sources = &src, .n_sources = 1, .cache_bytes = 1 << 18 };
    struct csm_buf out = { 0 };
    const uint8_t *p = data + 4 + img;
    size_t left = size - 4 - img;
    for (int i = 0; left >= 2 && i < 64; i++) {
        size_t n = (size_t)(p[0] | p[1] << 8);
        if (n > left - 2)
            n = left - 2;
        out.len = 0;
        csm_fs_server_handle(&s, p + 2, n, &out);
        decode_replies(out.p, out.len);
        struct csm_fs_request rq;
        csm_fs_get_request(p + 2, n, &rq);
        p += 2 + n;
        left -= 2 + n;
    }
    decode_replies(data + 4 + img, size - 4 - img);
    csm_fs_server_free(&s);
    csm_buf_free(&out);
    return 0;
}
