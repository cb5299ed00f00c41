/* Shared by the format drivers of image/; nothing outside image/ sees it. */
#pragma once

#include <stdarg.h>
#include <sys/types.h>

#include "image/image.h"

/* Where the image's own bytes come from: the file, or a member of a
 * package read as a stream. pread returns the bytes read (short at the
 * end) or a negative errno. */
struct csm_image_host {
    ssize_t (*pread)(void *data, void *buf, size_t len, uint64_t off);
    void *data;
    uint64_t size;
};

struct csm_image;

struct csm_image_driver {
    enum csm_image_format format;
    const char *name;
    /* Validates the metadata, fills the info, records problems. Returns a
     * negative errno only when the image cannot be examined at all. */
    int (*open)(struct csm_image *img);
    int (*read)(struct csm_image *img, void *buf, size_t len, uint64_t off);
    void (*close)(struct csm_image *img);
};

extern const struct csm_image_driver csm_image_raw_driver;
extern const struct csm_image_driver csm_image_qcow2_driver;
extern const struct csm_image_driver csm_image_vmdk_driver;
extern const struct csm_image_driver csm_image_vhd_driver;

struct csm_package;

struct csm_image {
    struct csm_image_info info;
    struct csm_image_host host;
    int fd, dirfd;
    bool own_fd, own_dirfd;
    char *name;
    const struct csm_image_driver *drv;
    void *priv;
    struct csm_image_opts opts;
    struct csm_package *pkg;
    uint64_t meta_spent; /* bytes of tables read for validation */
    bool meta_capped;    /* the budget ran out: a problem was recorded */
};

/* Exact read of the image's own bytes: 0, -ENODATA when the range passes
 * the end, or another negative errno. */
int img_pread(struct csm_image *img, void *buf, size_t len, uint64_t off);

/* A guest read split where the format's units (clusters, grains, blocks)
 * end: piece() reads from off at most len bytes that lie in one unit,
 * returns how many it covered (> 0), and sets *err when it failed (those
 * bytes are then zeros). The first error is returned; the rest is still read. */
typedef size_t (*img_piece_fn)(struct csm_image *img, void *buf, size_t len, uint64_t off, int *err);
int img_read_split(struct csm_image *img, void *buf, size_t len, uint64_t off, img_piece_fn piece);

void img_problem(struct csm_image *img, enum csm_image_problem_kind kind, uint64_t off, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void img_note(struct csm_image *img, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Charges bytes of table reading against CSM_IMAGE_META_BUDGET; false (and
 * one CSM_IMGP_PARTIAL problem naming what) once the budget is spent. */
bool img_meta_charge(struct csm_image *img, uint64_t bytes, const char *what);

/* A copy of s fit to print: at most max bytes, control and non-ASCII bytes
 * replaced by '?'. */
char *img_printable(const char *s, size_t max);

/* zlib inflate of a whole buffer: window_bits -15..-8 raw deflate, 8..15
 * zlib. Sets *produced; -EBADMSG on bad data, -ENOSPC when out is too small
 * and the stream did not end there. */
int img_inflate(const void *in, size_t in_len, void *out, size_t out_len, int window_bits, size_t *produced);

static inline uint16_t be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t be64(const unsigned char *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static inline uint16_t le16(const unsigned char *p) { return (uint16_t)(p[1] << 8 | p[0]); }
static inline uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p + 4) << 32 | le32(p); }

static inline bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

/* a + b, false on overflow. */
static inline bool add_ok(uint64_t a, uint64_t b, uint64_t *sum) { return !__builtin_add_overflow(a, b, sum); }
/* [off, off + len) lies inside the host file. */
static inline bool in_file(const struct csm_image *img, uint64_t off, uint64_t len)
{
    uint64_t end;
    return add_ok(off, len, &end) && end <= img->host.size;
}

/* ---- packages (image/package.c) ---- */
/* Opens fd as a tar / gzip / tar.gz package and picks the member to
 * examine; sets the info's package fields and img->host to the member.
 * Returns the detected content's first bytes through the host. */
int csm_package_open(struct csm_image *img, bool gzip);
/* Reads the rest of the package to its end, recording truncation and
 * checksum errors, then rewinds for the guest reads. */
void csm_package_verify(struct csm_image *img);
void csm_package_free(struct csm_package *p);
bool csm_package_streamed(const struct csm_package *p);

/* Detection of the content (image/image.c). */
enum csm_image_format csm_image_detect(const unsigned char *head, size_t head_len, const unsigned char *tail,
                                       size_t tail_len, uint64_t size, const char **name);
