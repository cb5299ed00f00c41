/* A package: a tar, tar.gz or gzip file as another cloud exports it
 * ("disk.raw" inside a tar.gz, sparse with tar -S). libarchive reads it as
 * a stream; the member is presented to the drivers as the image's bytes.
 * A stream only goes forward: a read behind the position starts it over,
 * a bounded number of times, and the bytes it may inflate are bounded too.
 * Verification reads the package to its end (checksums, truncation, the
 * members after the image) at libarchive's inflate speed, without that
 * bound unless the caller asked for a quick look. */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/dl.h"
#include "image/internal.h"
#include "lib/util.h"

#define MAX_RESTARTS 8
#define MAX_MEMBERS 1024
#define IO_LEN (64 * 1024)
/* The end of the member, kept while a pass reads to it: the label probes
 * read the end of the disk, which would otherwise cost one more pass. */
#define TAIL_LEN (1024 * 1024)

struct csm_package {
    struct csm_image *img;
    int fd;
    bool gzip;
    struct archive *a;
    unsigned char *io;
    uint64_t io_off;
    size_t index; /* of the member among the archive's entries */
    uint64_t size;
    /* The stream: data before `passed` is gone, [passed, blk_off) is a hole. */
    const unsigned char *blk;
    size_t blk_len;
    uint64_t blk_off, passed;
    bool at_eof;
    unsigned restarts;
    uint64_t spent, limit; /* bytes inflated in this pass, and the most it may */
    uint64_t reported;     /* file offset last given to the progress callback */
    bool watched;          /* a pass to the end: its progress is reported */
    bool verified;         /* read to its end without error (measure) */
    unsigned char *tail;   /* TAIL_LEN bytes: the member's last, at tail_at */
    uint64_t tail_at, tail_hi;
    bool tail_ok;          /* a pass read them all */
    char *error;
};

/* Keeps what a block holds of the member's last TAIL_LEN bytes. While the
 * size is not known (a gzip being measured) the buffer is a ring over the
 * last bytes read, which a gzip holds without holes. */
static void keep_tail(struct csm_package *p, const unsigned char *b, size_t len, uint64_t off)
{
    /* A small member costs little to read again. */
    if (!p->watched || !len || (p->size ? p->size : off + len) <= 4 * TAIL_LEN)
        return;
    if (!p->tail)
        p->tail = xcalloc(1, TAIL_LEN);
    if (p->size) {
        uint64_t at = p->size > TAIL_LEN ? p->size - TAIL_LEN : 0;
        uint64_t a = off > at ? off : at, e = off + len < p->size ? off + len : p->size;
        if (a < e)
            memcpy(p->tail + (a - at), b + (a - off), (size_t)(e - a));
        p->tail_at = at;
        return;
    }
    for (uint64_t o = len > TAIL_LEN ? off + len - TAIL_LEN : off; o < off + len;) {
        size_t at = (size_t)(o % TAIL_LEN), n = TAIL_LEN - at < off + len - o ? TAIL_LEN - at : (size_t)(off + len - o);
        memcpy(p->tail + at, b + (o - off), n);
        o += n;
    }
    p->tail_hi = off + len;
}

/* After the measuring pass: the ring laid out as [size - TAIL_LEN, size). */
static void unroll_tail(struct csm_package *p)
{
    if (!p->tail)
        return;
    unsigned char *lin = xcalloc(1, TAIL_LEN);
    uint64_t at = p->tail_hi > TAIL_LEN ? p->tail_hi - TAIL_LEN : 0;
    for (uint64_t o = at; o < p->tail_hi; o++)
        lin[o - at] = p->tail[o % TAIL_LEN];
    free(p->tail);
    p->tail = lin;
    p->tail_at = at;
}

/* Counts inflated bytes against the pass's limit; false past it. */
static bool spend(struct csm_package *p, size_t len)
{
    const struct csm_image_opts *o = &p->img->opts;
    p->spent += len;
    if (o->progress && p->watched && p->io_off - p->reported >= (4u << 20)) {
        p->reported = p->io_off;
        o->progress(o->progress_data, p->io_off, p->img->info.file_size);
    }
    return p->spent <= p->limit;
}

static void progress_done(struct csm_package *p)
{
    const struct csm_image_opts *o = &p->img->opts;
    if (o->progress && p->reported)
        o->progress(o->progress_data, p->img->info.file_size, p->img->info.file_size);
    p->reported = 0;
    p->watched = false;
}

static la_ssize_t read_cb(struct archive *a, void *data, const void **buf)
{
    struct csm_package *p = data;
    ssize_t n = pread(p->fd, p->io, IO_LEN, (off_t)p->io_off);
    if (n < 0) {
        csm_la.archive_set_error(a, errno, "read error");
        return -1;
    }
    p->io_off += (uint64_t)n;
    *buf = p->io;
    return n;
}

/* Uncompressed members are skipped without reading them. */
static la_int64_t skip_cb(struct archive *a, void *data, la_int64_t request)
{
    (void)a;
    struct csm_package *p = data;
    uint64_t left = p->img->info.file_size - p->io_off;
    uint64_t n = request < 0 ? 0 : (uint64_t)request < left ? (uint64_t)request : left;
    p->io_off += n;
    return (la_int64_t)n;
}

static void set_error(struct csm_package *p)
{
    const char *e = csm_la.archive_error_string(p->a);
    free(p->error);
    p->error = img_printable(e ? e : "unreadable", 256);
}

static int start(struct csm_package *p)
{
    csm_la.archive_read_free(p->a);
    p->a = csm_la.archive_read_new();
    p->io_off = 0;
    p->blk = NULL;
    p->blk_len = 0;
    p->blk_off = p->passed = 0;
    p->at_eof = false;
    csm_la.archive_read_support_filter_gzip(p->a);
    csm_la.archive_read_support_format_tar(p->a);
    if (p->gzip)
        csm_la.archive_read_support_format_raw(p->a);
    if (csm_la.archive_read_open2(p->a, p, NULL, read_cb, skip_cb, NULL) != ARCHIVE_OK) {
        set_error(p);
        return -EIO;
    }
    return 0;
}

/* Moves to the member at p->index after a (re)start. */
static int seek_member(struct csm_package *p)
{
    struct archive_entry *ae;
    for (size_t i = 0; i <= p->index; i++)
        if (csm_la.archive_read_next_header(p->a, &ae) < ARCHIVE_WARN) {
            set_error(p);
            return -EIO;
        }
    return 0;
}

static bool descriptor_name(const char *name)
{
    static const char *const skip[] = { ".ovf", ".mf", ".cert", ".sha256", ".sha1", ".md5", ".txt", ".json" };
    size_t n = strlen(name);
    for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
        if (n >= strlen(skip[i]) && strcasecmp(name + n - strlen(skip[i]), skip[i]) == 0)
            return true;
    return false;
}

/* The first regular member that is not a descriptor, manifest or checksum. */
static int choose_member(struct csm_package *p, struct archive_entry **out)
{
    struct archive_entry *ae;
    for (size_t i = 0; i < MAX_MEMBERS; i++) {
        int r = csm_la.archive_read_next_header(p->a, &ae);
        if (r == ARCHIVE_EOF)
            return -ENOENT;
        if (r < ARCHIVE_WARN) {
            set_error(p);
            return -EIO;
        }
        const char *name = csm_la.archive_entry_pathname(ae) ? csm_la.archive_entry_pathname(ae) : "";
        if (csm_la.archive_entry_filetype(ae) == AE_IFREG && !descriptor_name(name)) {
            p->index = i;
            *out = ae;
            return 0;
        }
        if (csm_la.archive_entry_filetype(ae) == AE_IFREG)
            img_note(p->img, "package member %s was not examined", name);
    }
    return -E2BIG;
}

/* A gzip file says its size only at its end (modulo 4 GiB): read it. */
static int measure(struct csm_package *p)
{
    const void *b;
    size_t len;
    la_int64_t off;
    uint64_t end = 0;
    for (;;) {
        int r = csm_la.archive_read_data_block(p->a, &b, &len, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            set_error(p);
            return -EIO;
        }
        if (!spend(p, len))
            return -E2BIG;
        if (off >= 0)
            keep_tail(p, b, len, (uint64_t)off);
        if (off >= 0 && (uint64_t)off + len > end)
            end = (uint64_t)off + len;
    }
    p->size = end;
    unroll_tail(p);
    p->tail_ok = p->tail != NULL;
    /* One member (gzip): reading it whole was the verification. */
    p->verified = csm_la.archive_format(p->a) == ARCHIVE_FORMAT_RAW;
    return 0;
}

/* Next block of the member; false at its end or on error (p->error). */
static int next_block(struct csm_package *p)
{
    const void *b;
    size_t len;
    la_int64_t off;
    p->passed = p->blk ? p->blk_off + p->blk_len : p->passed;
    p->blk = NULL;
    int r = csm_la.archive_read_data_block(p->a, &b, &len, &off);
    if (r == ARCHIVE_EOF) {
        p->at_eof = true;
        return 0;
    }
    if (r < ARCHIVE_WARN || off < 0 || (uint64_t)off < p->passed) {
        set_error(p);
        return -EIO;
    }
    if (!spend(p, len))
        return -E2BIG;
    if (p->size)
        keep_tail(p, b, len, (uint64_t)off);
    p->blk = b;
    p->blk_len = len;
    p->blk_off = (uint64_t)off;
    return 0;
}

static int rewind_member(struct csm_package *p)
{
    if (++p->restarts > MAX_RESTARTS)
        return -E2BIG;
    int r = start(p);
    return r < 0 ? r : seek_member(p);
}

static ssize_t member_pread(void *data, void *buf, size_t len, uint64_t off)
{
    struct csm_package *p = data;
    unsigned char *out = buf;
    if (off >= p->size)
        return 0;
    if (len > p->size - off)
        len = (size_t)(p->size - off);
    if (p->tail_ok && off >= p->tail_at) {
        memcpy(out, p->tail + (off - p->tail_at), len);
        return (ssize_t)len;
    }
    if (off < p->passed) {
        int r = rewind_member(p);
        if (r < 0)
            return r;
    }
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        size_t want = len - done;
        if (p->blk && pos >= p->blk_off && pos < p->blk_off + p->blk_len) {
            size_t n = p->blk_off + p->blk_len - pos < want ? (size_t)(p->blk_off + p->blk_len - pos) : want;
            memcpy(out + done, p->blk + (pos - p->blk_off), n);
            done += n;
        } else if ((p->blk && pos < p->blk_off) || p->at_eof) {
            size_t n = p->blk && p->blk_off - pos < want ? (size_t)(p->blk_off - pos) : want;
            memset(out + done, 0, n);
            done += n;
        } else {
            int r = next_block(p);
            if (r < 0)
                return r;
        }
    }
    return (ssize_t)done;
}

static const char *package_name(struct csm_package *p)
{
    bool tar = csm_la.archive_format(p->a) != ARCHIVE_FORMAT_RAW;
    return p->gzip ? (tar ? "tar.gz" : "gzip") : "tar";
}

int csm_package_open(struct csm_image *img, bool gzip)
{
    if (csm_la_load() < 0) {
        img_problem(img, CSM_IMGP_UNVERIFIED, 0, "package", "libarchive (libarchive13) is not installed: the "
                    "package cannot be opened");
        return 0;
    }
    struct csm_package *p = xcalloc(1, sizeof(*p));
    struct archive_entry *ae = NULL;
    p->img = img;
    p->fd = img->fd;
    p->gzip = gzip;
    p->io = xmalloc(IO_LEN);
    p->limit = img->opts.stream_budget;
    int r = start(p);
    if (r == 0)
        r = choose_member(p, &ae);
    if (r < 0) {
        const char *kind = gzip ? "gzip" : "tar";
        if (r == -ENOENT)
            img_problem(img, CSM_IMGP_CORRUPT, 0, "package", "the %s package holds no disk image file", kind);
        else
            img_problem(img, p->error && strcasestr(p->error, "truncat") ? CSM_IMGP_TRUNCATED : CSM_IMGP_CORRUPT, 0,
                        "package", "the %s package cannot be read: %s", kind, p->error ? p->error : "too many members");
        csm_package_free(p);
        return 0;
    }
    img->pkg = p;
    img->info.package = xstrdup(package_name(p));
    img->info.member = img_printable(csm_la.archive_entry_pathname(ae) ? csm_la.archive_entry_pathname(ae) : "data", 256);
    if (csm_la.archive_entry_size_is_set(ae) && csm_la.archive_entry_size(ae) >= 0) {
        p->size = (uint64_t)csm_la.archive_entry_size(ae);
    } else {
        /* Measuring reads it all: as far as the verification would. */
        p->limit = img->opts.quick ? img->opts.stream_budget : UINT64_MAX;
        p->watched = true;
        if ((r = measure(p)) < 0 || (r = rewind_member(p)) < 0) {
            img_problem(img, r == -E2BIG ? CSM_IMGP_UNVERIFIED : CSM_IMGP_CORRUPT, 0, "package", "the size of %s is "
                        "not known: %s", img->info.member, r == -E2BIG ? "it inflates past the read budget" : p->error);
            p->size = 0;
        }
    }
    progress_done(p);
    p->restarts = 0;
    p->spent = 0;
    p->limit = img->opts.stream_budget;
    img->info.member_size = p->size;
    img->host = (struct csm_image_host){ member_pread, p, p->size };
    return 0;
}

static enum csm_image_problem_kind error_kind(const char *e)
{
    return e && (strcasestr(e, "truncat") || strcasestr(e, "premature") || strcasestr(e, "unexpected end"))
               ? CSM_IMGP_TRUNCATED
               : CSM_IMGP_CORRUPT;
}

void csm_package_verify(struct csm_image *img)
{
    struct csm_package *p = img->pkg;
    struct archive_entry *ae;
    int r = 0;
    if (p->verified) {
        img_note(img, "the package was read to its end: its checksums and its end are verified");
        goto rewind;
    }
    p->spent = 0;
    p->limit = img->opts.quick ? img->opts.stream_budget : UINT64_MAX;
    p->watched = true;
    uint64_t from = p->blk ? p->blk_off : p->passed; /* the tail is whole only if the pass saw all of it */
    if (p->blk)
        keep_tail(p, p->blk, p->blk_len, p->blk_off);
    while (r == 0 && !p->at_eof)
        r = next_block(p);
    for (size_t i = 0; r == 0 && i < MAX_MEMBERS; i++) {
        int h = csm_la.archive_read_next_header(p->a, &ae);
        if (h == ARCHIVE_EOF)
            break;
        if (h < ARCHIVE_WARN || csm_la.archive_read_data_skip(p->a) < ARCHIVE_WARN) {
            set_error(p);
            r = -EIO;
        }
    }
    progress_done(p);
    if (r == -E2BIG)
        img_problem(img, CSM_IMGP_UNVERIFIED, p->io_off, "package", "the package was read up to %llu of its %llu "
                    "bytes: inflating the rest would pass the %llu MiB budget of a quick check, so its end "
                    "(checksums, truncation) was not verified", (unsigned long long)p->io_off,
                    (unsigned long long)img->info.file_size, (unsigned long long)(img->opts.stream_budget >> 20));
    else if (r < 0)
        img_problem(img, error_kind(p->error), p->io_off, "package", "%s", p->error);
    else
        img_note(img, "the package was read to its end: its checksums and its end are verified");
    p->tail_ok = r == 0 && p->tail && from <= p->tail_at;
rewind:
    p->spent = 0;
    /* The guest reads: once verified to its end, the package may be read
     * about twice more for them (partitions far into the disk). */
    p->limit = img->opts.quick ? img->opts.stream_budget : img->opts.stream_budget + 2 * p->size;
    p->restarts = 0;
    if (start(p) < 0 || seek_member(p) < 0)
        img->info.readable = false;
}

bool csm_package_streamed(const struct csm_package *p)
{
    return p != NULL;
}

void csm_package_free(struct csm_package *p)
{
    if (!p)
        return;
    csm_la.archive_read_free(p->a);
    free(p->io);
    free(p->tail);
    free(p->error);
    free(p);
}
