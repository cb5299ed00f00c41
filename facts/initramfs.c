/* The initramfs of a kernel, read as the kernel reads it: one or more
 * uncompressed cpio archives (early microcode), then a compressed or plain
 * cpio archive. libarchive does the decompression and the cpio format; this
 * file only walks the segments, keeps the caps, and remembers the kernel
 * modules it passes. Member data is never read, only skipped.
 *
 * Two libarchive readers are stacked: one decompresses (format "raw"), the
 * other parses cpio from what the first hands over. Between them sits the
 * one cap libarchive lacks: its cpio reader buffers a member's name whole,
 * so a header announcing a 2 GiB name over a stream of zeros would fill
 * 2 GiB of memory. The feed refuses to hand over more than the last
 * header announced (its data) plus a little for the next header. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dl.h"
#include "internal.h"
#include "util.h"

#define READ_BLOCK (128 * 1024)
#define MAX_SEGMENTS 16
#define HEADER_SLACK (1024 * 1024) /* a header, its name, and read-ahead */

struct csm_irscan {
    int fd;
    struct archive *raw; /* decompresses */
    struct archive *a;   /* parses cpio from raw's output */
    uint64_t fed;        /* bytes handed from raw to a */
    uint64_t allowed;    /* how far a may read before its next header */
    off_t seg_start;      /* file offset of the current archive */
    uint64_t bytes_done;  /* uncompressed bytes of the archives before it */
    uint64_t entries;
    size_t n_segments;
    char *segment;
    char *why;
    bool ended;
    struct timespec started;
};

static void set_why(struct csm_irscan *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(struct csm_irscan *sc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(sc->why);
    sc->why = xvasprintf(fmt, ap);
    va_end(ap);
}

int csm_irscan_new(int fd, struct csm_irscan **out)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
    int r = csm_la_load();
    if (r < 0)
        return r;
    struct csm_irscan *sc = xcalloc(1, sizeof(*sc));
    sc->fd = fd;
    clock_gettime(CLOCK_MONOTONIC, &sc->started);
    *out = sc;
    return 0;
}

static void close_archive(struct csm_irscan *sc)
{
    if (sc->a)
        csm_la.archive_read_free(sc->a);
    if (sc->raw)
        csm_la.archive_read_free(sc->raw);
    sc->a = sc->raw = NULL;
}

static la_ssize_t feed(struct archive *a, void *data, const void **buf)
{
    struct csm_irscan *sc = data;
    if (sc->fed > sc->allowed) {
        /* csm_la.archive_set_error() knows few conversions: format here. */
        char msg[128];
        snprintf(msg, sizeof(msg), "a member header that reads on past %d KiB: a hostile name size, or a "
                 "decompression bomb", HEADER_SLACK / 1024);
        csm_la.archive_set_error(a, EFBIG, "%s", msg);
        return -1;
    }
    size_t size;
    la_int64_t offset;
    int r = csm_la.archive_read_data_block(sc->raw, buf, &size, &offset);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        const char *msg = csm_la.archive_error_string(sc->raw);
        csm_la.archive_set_error(a, csm_la.archive_errno(sc->raw), "%s", msg ? msg : "decompression failed");
        return -1;
    }
    sc->fed += size;
    return (la_ssize_t)size;
}

void csm_irscan_free(struct csm_irscan *sc)
{
    if (!sc)
        return;
    close_archive(sc);
    free(sc->segment);
    free(sc->why);
    free(sc);
}

/* Only the formats an initramfs uses, and only decoders built into
 * libarchive: "all" would also run external programs (lrzip, lzop). */
static int open_archive(struct csm_irscan *sc)
{
    if (sc->n_segments == MAX_SEGMENTS) {
        set_why(sc, "more than %d concatenated archives", MAX_SEGMENTS);
        return -E2BIG;
    }
    if (lseek(sc->fd, sc->seg_start, SEEK_SET) < 0) {
        set_why(sc, "cannot seek: %s", strerror(errno));
        return -errno;
    }
    struct archive *raw = csm_la.archive_read_new();
    csm_la.archive_read_support_filter_gzip(raw);
    csm_la.archive_read_support_filter_xz(raw);
    csm_la.archive_read_support_filter_lzma(raw);
    csm_la.archive_read_support_filter_zstd(raw);
    csm_la.archive_read_support_filter_lz4(raw);
    csm_la.archive_read_support_filter_bzip2(raw);
    csm_la.archive_read_support_format_raw(raw);
    sc->raw = raw;
    sc->n_segments++;
    struct archive_entry *e;
    if (csm_la.archive_read_open_fd(raw, sc->fd, READ_BLOCK) != ARCHIVE_OK || csm_la.archive_read_next_header(raw, &e) < ARCHIVE_WARN) {
        struct stat st;
        if (fstat(sc->fd, &st) == 0 && st.st_size == 0)
            set_why(sc, "an empty file");
        else
            set_why(sc, "cannot be read as a cpio archive, compressed or not: %s",
                    csm_la.archive_error_string(raw) ? csm_la.archive_error_string(raw) : "cannot be opened");
        return -EBADMSG;
    }
    sc->a = csm_la.archive_read_new();
    csm_la.archive_read_support_format_cpio(sc->a);
    sc->fed = 0;
    sc->allowed = HEADER_SLACK;
    if (csm_la.archive_read_open(sc->a, sc, NULL, feed, NULL) != ARCHIVE_OK) {
        set_why(sc, "cannot be read as a cpio archive, compressed or not: %s",
                csm_la.archive_error_string(sc->a) ? csm_la.archive_error_string(sc->a) : "cannot be opened");
        return -EBADMSG;
    }
    return 0;
}

static void name_segment(struct csm_irscan *sc)
{
    int code = csm_la.archive_filter_code(sc->raw, 0);
    free(sc->segment);
    sc->segment = code == ARCHIVE_FILTER_NONE ? xstrdup("cpio")
                                              : xasprintf("%s cpio", csm_la.archive_filter_name(sc->raw, 0));
}

/* After an uncompressed archive: the next one starts after NUL padding.
 * Returns 1 at the end of the file, 0 when another archive follows. */
static int next_segment(struct csm_irscan *sc)
{
    off_t pos = sc->seg_start + (off_t)csm_la.archive_filter_bytes(sc->a, 0);
    sc->bytes_done += (uint64_t)csm_la.archive_filter_bytes(sc->a, 0);
    close_archive(sc);
    char buf[4096];
    for (;;) {
        ssize_t n = pread(sc->fd, buf, sizeof(buf), pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_why(sc, "read error: %s", strerror(errno));
            return -errno;
        }
        if (n == 0)
            return 1;
        ssize_t i = 0;
        while (i < n && buf[i] == '\0')
            i++;
        pos += i;
        if (i < n)
            break;
    }
    sc->seg_start = pos;
    return 0;
}

static bool over_time(const struct csm_irscan *sc)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec - sc->started.tv_sec > CSM_CAP_INITRAMFS_SECONDS;
}

/* Refuses a member before libarchive decompresses it to skip it. */
static int check_caps(struct csm_irscan *sc, struct archive_entry *e)
{
    uint64_t size = csm_la.archive_entry_size_is_set(e) && csm_la.archive_entry_size(e) > 0 ? (uint64_t)csm_la.archive_entry_size(e) : 0;
    uint64_t so_far = csm_irscan_bytes(sc);
    if (++sc->entries > CSM_CAP_INITRAMFS_ENTRIES) {
        set_why(sc, "more than %d members: not an initramfs, or a decompression bomb", CSM_CAP_INITRAMFS_ENTRIES);
        return -E2BIG;
    }
    if (so_far + size > CSM_CAP_INITRAMFS_BYTES) {
        set_why(sc, "decompresses to more than %llu MiB (member %s of %llu bytes after %llu): a decompression bomb, "
                    "or larger than any initramfs",
                CSM_CAP_INITRAMFS_BYTES >> 20, csm_la.archive_entry_pathname(e) ? csm_la.archive_entry_pathname(e) : "?",
                (unsigned long long)size, (unsigned long long)so_far);
        return -EFBIG;
    }
    if (over_time(sc)) {
        set_why(sc, "still reading after %d seconds", CSM_CAP_INITRAMFS_SECONDS);
        return -ETIME;
    }
    return 0;
}

int csm_irscan_next(struct csm_irscan *sc, const char **member, const char **why)
{
    *why = NULL;
    while (!sc->ended) {
        int r = sc->a ? 0 : open_archive(sc);
        struct archive_entry *e = NULL;
        if (r == 0) {
            int ar = csm_la.archive_read_next_header(sc->a, &e);
            if (ar == ARCHIVE_EOF) {
                bool plain = csm_la.archive_filter_code(sc->raw, 0) == ARCHIVE_FILTER_NONE;
                name_segment(sc);
                /* A compressed archive is the last one the kernel unpacks in practice. */
                r = plain ? next_segment(sc) : 1;
                if (r == 1) {
                    sc->bytes_done += plain ? 0 : (uint64_t)csm_la.archive_filter_bytes(sc->a, 0);
                    close_archive(sc);
                    sc->ended = true;
                }
                if (r >= 0)
                    continue;
            } else if (ar < ARCHIVE_WARN) {
                const char *msg = csm_la.archive_error_string(sc->a);
                set_why(sc, "%s%s%s", sc->entries ? "" : "cannot be read as a cpio archive, compressed or not: ",
                        msg ? msg : "unreadable", sc->entries ? " (truncated or corrupt)" : "");
                r = -EBADMSG;
            } else {
                name_segment(sc);
                r = check_caps(sc, e);
                /* What a may read before its next header: this member's data, then slack. */
                uint64_t size = csm_la.archive_entry_size_is_set(e) && csm_la.archive_entry_size(e) > 0
                                    ? (uint64_t)csm_la.archive_entry_size(e) : 0;
                sc->allowed = (uint64_t)csm_la.archive_filter_bytes(sc->a, 0) + size + HEADER_SLACK;
            }
        }
        if (r < 0) {
            *why = sc->why;
            sc->bytes_done += sc->a ? (uint64_t)csm_la.archive_filter_bytes(sc->a, 0) : 0;
            close_archive(sc);
            sc->ended = true;
            return r;
        }
        *member = csm_la.archive_entry_pathname(e) ? csm_la.archive_entry_pathname(e) : "";
        return 0;
    }
    return 1;
}

const char *csm_irscan_segment(const struct csm_irscan *sc)
{
    return sc->segment ? sc->segment : "";
}

uint64_t csm_irscan_bytes(const struct csm_irscan *sc)
{
    return sc->bytes_done + (sc->a ? (uint64_t)csm_la.archive_filter_bytes(sc->a, 0) : 0);
}

uint64_t csm_irscan_entries(const struct csm_irscan *sc)
{
    return sc->entries;
}

/* ---- the fact: per kernel, shared by every check ---- */

static ssize_t module_index(const struct csm_initramfs *ir, const char *norm)
{
    for (size_t i = 0; i < ir->n_modules; i++)
        if (streq(ir->modules[i], norm))
            return (ssize_t)i;
    return -1;
}

int csm_initramfs_has(const struct csm_initramfs *ir, const char *module, const char **path)
{
    _cleanup_free_ char *norm = csm_module_name(module);
    ssize_t i = module_index(ir, norm);
    if (i >= 0) {
        if (path)
            *path = ir->mod_paths[i];
        return 1;
    }
    return ir->complete && !ir->err ? 0 : -ENODATA;
}

static void segment_seen(struct csm_initramfs *ir, const char *seg)
{
    size_t n = strv_length(ir->segments);
    if (*seg && (!n || !streq(ir->segments[n - 1], seg)))
        strv_push(&ir->segments, xstrdup(seg));
}

static void ir_finish(struct csm_initramfs *ir, int err, const char *why)
{
    ir->bytes = csm_irscan_bytes(ir->scan);
    ir->entries = csm_irscan_entries(ir->scan);
    segment_seen(ir, csm_irscan_segment(ir->scan));
    if (err < 0) {
        ir->err = err;
        ir->why = xasprintf("%s: %s", ir->path, why);
    } else {
        ir->complete = true;
    }
    int fd = -1;
    if (ir->scan) {
        fd = ir->scan->fd;
        csm_irscan_free(ir->scan);
        ir->scan = NULL;
    }
    if (fd >= 0)
        close(fd);
}

/* Reads on until every wanted module is seen (wanted NULL: to the end). */
static void ir_read(struct csm_initramfs *ir, char **wanted)
{
    size_t missing = 0;
    for (size_t i = 0; wanted && wanted[i]; i++)
        missing += module_index(ir, wanted[i]) < 0;
    if (wanted && !missing)
        return;
    for (;;) {
        const char *member, *why;
        int r = csm_irscan_next(ir->scan, &member, &why);
        if (r != 0) {
            ir_finish(ir, r < 0 ? r : 0, why);
            return;
        }
        segment_seen(ir, csm_irscan_segment(ir->scan));
        if (!csm_is_module_file(member))
            continue;
        char *norm = csm_module_name(member);
        if (module_index(ir, norm) >= 0) {
            free(norm);
            continue;
        }
        strv_push(&ir->modules, norm);
        strv_push(&ir->mod_paths, xstrdup(member));
        ir->n_modules++;
        if (wanted && strv_contains(wanted, norm) && --missing == 0)
            break;
    }
    ir->bytes = csm_irscan_bytes(ir->scan);
    ir->entries = csm_irscan_entries(ir->scan);
}

static struct csm_initramfs *ir_open(struct csm_scan *s, const struct csm_kernel *k)
{
    struct csm_initramfs *ir = xcalloc(1, sizeof(*ir));
    if (!k->initrd && k->initrd_why) {
        FACT_FAIL(ir, -ENODATA, "%s", k->initrd_why);
        return ir;
    }
    if (!k->initrd) {
        FACT_FAIL(ir, -ENOENT, "no initramfs for %s (/boot/initrd.img-%s, /boot/initramfs-%s.img, /boot/initrd-%s)",
                  k->version, k->version, k->version, k->version);
        return ir;
    }
    ir->path = k->initrd;
    int fd = csm_root_openat(s->root, k->initrd, O_RDONLY | O_NONBLOCK);
    int r = fd < 0 ? fd : csm_irscan_new(fd, &ir->scan);
    if (r < 0) {
        FACT_FAIL(ir, r, "%s: %s", k->initrd, csm_strerror(r));
        if (fd >= 0)
            close(fd);
    }
    return ir;
}

const struct csm_initramfs *csm_facts_initramfs(struct csm_scan *s, const struct csm_kernel *k, char *const *names,
                                                bool complete)
{
    const struct csm_kernels *ks = csm_facts_kernels(s);
    size_t i = (size_t)(k - ks->k);
    struct csm_initramfs *ir = s->facts->initramfs[i];
    if (!ir)
        ir = s->facts->initramfs[i] = ir_open(s, k);
    if (ir->err || ir->complete)
        return ir;
    char **wanted = NULL;
    for (size_t j = 0; !complete && names && names[j]; j++)
        strv_push(&wanted, csm_module_name(names[j]));
    ir_read(ir, complete || !names ? NULL : wanted ? wanted : (char *[]){ NULL });
    strv_free(wanted);
    return ir;
}

void csm_initramfs_free(struct csm_initramfs *ir)
{
    if (!ir)
        return;
    if (ir->scan) {
        close(ir->scan->fd);
        csm_irscan_free(ir->scan);
    }
    free(ir->why);
    strv_free(ir->segments);
    strv_free(ir->modules);
    strv_free(ir->mod_paths);
    free(ir);
}
