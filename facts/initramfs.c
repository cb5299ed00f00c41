/* The initramfs of a kernel, read as the kernel reads it: one or more
 * uncompressed cpio archives (early microcode), then a compressed or plain
 * cpio archive. libarchive does the decompression and the cpio format; this
 * file only walks the segments, keeps the caps, and remembers the kernel
 * modules it passes. Member data is skipped, but for the few configuration
 * files the checks compare with the tree's (csm_initramfs_kept: LVM's),
 * read up to CSM_IR_KEPT_MAX bytes.
 *
 * Two libarchive readers are stacked: one decompresses (format "raw"), the
 * other parses cpio from what the first hands over. Between them sits what
 * libarchive lacks: its cpio reader buffers a member's name and a symlink's
 * target whole, allocating what the header announces (4 GiB from one
 * header of a 2 KiB file) before it reads. The feed reads each header as it
 * passes and stops the stream where the kernel would: a header that is not
 * newc, a name or a link target longer than PATH_MAX. It also refuses to
 * hand over more than the last header announced plus a little.
 *
 * The scan reads a file in this process (csm_irscan_new: tests, fuzzing)
 * or in a child process under a memory and CPU limit (csm_irscan_confined:
 * the tool), which bounds whatever libarchive's decoders allocate. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/dl.h"
#include "facts/internal.h"
#include "lib/util.h"

#define READ_BLOCK (128 * 1024)
#define MAX_SEGMENTS 16
#define HEADER_SLACK (1024 * 1024) /* a header, its name, and read-ahead */
#define NEWC_HEADER 110
#define CPIO_PATH_MAX 4096         /* the kernel's PATH_MAX: names, link targets */

/* The newc headers of the stream handed to the cpio reader, read as they
 * pass: where the next one starts, and the bytes of it collected so far. */
struct cpio_walk {
    uint64_t next;        /* stream offset of the next header */
    size_t have;          /* bytes of it in hdr */
    size_t need;          /* NEWC_HEADER, then the header and its name */
    bool padding;         /* past a trailer: NULs, then another archive or the end */
    uint64_t end;         /* where the stream handed over ends (UINT64_MAX: not yet) */
    unsigned char hdr[NEWC_HEADER + CPIO_PATH_MAX];
};

/* What the confined reader's parent knows: read from the child's records. */
struct confined {
    pid_t pid;
    int from;             /* the pipe from the child */
    unsigned char buf[64 * 1024];
    size_t len, pos;
    char *member, *segment;
    uint64_t bytes, entries;
    char *data, *pending; /* a kept member's text: the current one's, the next one's */
    size_t data_len, pending_len;
};

struct csm_irscan {
    struct csm_file *f;   /* the initramfs, read through its tree (owned) */
    uint64_t rpos;        /* where the decompressor reads next */
    unsigned char *rbuf;  /* what it was handed last (READ_BLOCK bytes) */
    struct confined *c;   /* NULL: this process reads */
    struct cpio_walk walk;
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
    char *data;          /* the current member's text, read by csm_irscan_data */
    size_t data_len;
    bool data_read;
    bool kept;           /* the current member is one csm_initramfs_kept names */
    bool ended;
    struct timespec started;
};

static void reap(struct confined *c, bool kill_it, int *status);
static void set_why(struct csm_irscan *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(struct csm_irscan *sc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(sc->why);
    sc->why = xvasprintf(fmt, ap);
    va_end(ap);
}

/* Bytes the cpio reader has consumed of the current archive. */
static uint64_t consumed(const struct csm_irscan *sc)
{
    la_int64_t n = sc->a ? csm_la.archive_filter_bytes(sc->a, 0) : 0;
    return n > 0 ? (uint64_t)n : 0;
}

int csm_irscan_new(struct csm_file *f, struct csm_irscan **out)
{
    struct csm_tree_stat st;
    int r = csm_file_stat(f, &st);
    if (r == 0 && !S_ISREG(st.mode))
        r = S_ISDIR(st.mode) ? -EISDIR : -EMEDIUMTYPE;
    if (r == 0)
        r = csm_la_load();
    if (r < 0) {
        csm_file_close(f);
        return r;
    }
    struct csm_irscan *sc = xcalloc(1, sizeof(*sc));
    sc->f = f;
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

static bool hex8(const unsigned char *p, uint64_t *v)
{
    *v = 0;
    for (int i = 0; i < 8; i++) {
        int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        *v = *v << 4 | (uint64_t)d;
    }
    return true;
}

/* Checks a whole header (and its name); sets where the next one starts.
 * NULL when it is one the kernel would unpack, else what is wrong. */
static const char *check_header(struct cpio_walk *w, uint64_t at)
{
    uint64_t mode, size, namesize;
    if (w->have < NEWC_HEADER)
        return NULL;
    if (memcmp(w->hdr, "070701", 6) && memcmp(w->hdr, "070702", 6))
        return "not a newc cpio header (the kernel reads only newc)";
    /* Every field hexadecimal, as libarchive requires: a header it would
     * not take makes it search the stream for one, past this walk. */
    for (size_t i = 6; i < NEWC_HEADER; i += 8)
        if (!hex8(w->hdr + i, &mode))
            return "a newc header with a field that is not hexadecimal";
    hex8(w->hdr + 14, &mode);
    hex8(w->hdr + 54, &size);
    hex8(w->hdr + 94, &namesize);
    if (!namesize)
        return "a member without a name";
    if (namesize > CPIO_PATH_MAX)
        return "a name longer than PATH_MAX (4096 bytes)";
    if ((mode & 0170000) == 0120000 && size > CPIO_PATH_MAX)
        return "a symbolic link whose target is longer than PATH_MAX (4096 bytes)";
    if ((mode & 0170000) != 0100000 && (mode & 0170000) != 0120000 && size)
        return "a directory or special file that carries data"; /* libarchive would read it ahead whole */
    if (w->need == NEWC_HEADER) {
        w->need = NEWC_HEADER + (size_t)namesize; /* the name too: is it the trailer? */
        return NULL;
    }
    if (w->have < w->need)
        return NULL;
    w->padding = namesize == 11 && memcmp(w->hdr + NEWC_HEADER, "TRAILER!!!", 11) == 0;
    w->next = at + ((NEWC_HEADER + namesize + 3) & ~3ULL) + ((size + 3) & ~3ULL);
    w->have = 0;
    w->need = NEWC_HEADER;
    return NULL;
}

/* Walks the headers in a block of the stream at offset off. After a
 * trailer come NULs, then another cpio archive (its header starts with
 * '0'), or what is not one (a compressed archive): the stream handed over
 * ends there, so that libarchive does not search it for a header. */
static const char *walk_block(struct cpio_walk *w, const unsigned char *b, size_t n, uint64_t off, uint64_t *bad)
{
    while (w->end == UINT64_MAX && w->next + w->have < off + n) {
        if (w->padding) {
            uint64_t p = w->next > off ? w->next : off;
            while (p < off + n && !b[p - off])
                p++;
            if (p == off + n) {
                w->next = p;
                break;
            }
            w->padding = false;
            w->next = p;
            if (b[p - off] != '0')
                w->end = p;
            continue;
        }
        uint64_t at = w->next, from = at + w->have;
        if (from < off) /* a block the stream skipped: cannot happen with raw */
            return "a gap in the stream";
        size_t k = (size_t)(from - off), take = w->need - w->have;
        if (take > n - k)
            take = n - k;
        memcpy(w->hdr + w->have, b + k, take);
        w->have += take;
        const char *why = check_header(w, at);
        if (why) {
            *bad = at;
            return why;
        }
        if (w->have && w->have < w->need && take == n - k)
            break; /* the rest of this header is in the next block */
    }
    return NULL;
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
    uint64_t bad = 0;
    if (sc->walk.end != UINT64_MAX && sc->fed >= sc->walk.end)
        return 0;
    const char *why = walk_block(&sc->walk, *buf, size, sc->fed, &bad);
    if (sc->walk.end < sc->fed + size)
        size = (size_t)(sc->walk.end - sc->fed);
    if (why) {
        char msg[192];
        snprintf(msg, sizeof(msg), "cpio header at offset %llu: %s", (unsigned long long)bad, why);
        csm_la.archive_set_error(a, EINVAL, "%s", msg);
        return -1;
    }
    sc->fed += size;
    return (la_ssize_t)size;
}

void csm_irscan_free(struct csm_irscan *sc)
{
    if (!sc)
        return;
    if (sc->c) {
        int status;
        reap(sc->c, true, &status);
        close(sc->c->from);
        free(sc->c->member);
        free(sc->c->segment);
        free(sc->c->data);
        free(sc->c->pending);
        free(sc->c);
    }
    close_archive(sc);
    free(sc->data);
    csm_file_close(sc->f);
    free(sc->rbuf);
    free(sc->segment);
    free(sc->why);
    free(sc);
}

/* The decompressor reads the file through its tree, from rpos on. */
static la_ssize_t read_file(struct archive *a, void *data, const void **buf)
{
    struct csm_irscan *sc = data;
    if (!sc->rbuf)
        sc->rbuf = xmalloc(READ_BLOCK);
    ssize_t n = csm_file_pread(sc->f, sc->rbuf, READ_BLOCK, sc->rpos);
    if (n < 0) {
        csm_la.archive_set_error(a, (int)-n, "Read error");
        return -1;
    }
    sc->rpos += (uint64_t)n;
    *buf = sc->rbuf;
    return n;
}

/* Only the formats an initramfs uses, and only decoders built into
 * libarchive: "all" would also run external programs (lrzip, lzop). */
static int open_archive(struct csm_irscan *sc)
{
    if (sc->n_segments == MAX_SEGMENTS) {
        set_why(sc, "more than %d concatenated archives", MAX_SEGMENTS);
        return -E2BIG;
    }
    sc->rpos = (uint64_t)sc->seg_start;
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
    if (csm_la.archive_read_open(raw, sc, NULL, read_file, NULL) != ARCHIVE_OK ||
        csm_la.archive_read_next_header(raw, &e) < ARCHIVE_WARN) {
        struct csm_tree_stat st;
        if (csm_file_stat(sc->f, &st) == 0 && st.size == 0)
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
    sc->walk.next = sc->walk.have = 0;
    sc->walk.need = NEWC_HEADER;
    sc->walk.padding = false;
    sc->walk.end = UINT64_MAX;
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
    off_t pos = sc->seg_start + (off_t)consumed(sc);
    sc->bytes_done += consumed(sc);
    close_archive(sc);
    char buf[4096];
    for (;;) {
        ssize_t n = csm_file_pread(sc->f, buf, sizeof(buf), (uint64_t)pos);
        if (n < 0) {
            set_why(sc, "read error: %s", csm_strerror((int)n));
            return (int)n;
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

static int confined_next(struct csm_irscan *sc, const char **member, const char **why);

int csm_irscan_next(struct csm_irscan *sc, const char **member, const char **why)
{
    *why = NULL;
    if (sc->c)
        return confined_next(sc, member, why);
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
                    sc->bytes_done += plain ? 0 : consumed(sc);
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
                sc->allowed = consumed(sc) + size + HEADER_SLACK;
            }
        }
        if (r < 0) {
            *why = sc->why;
            sc->bytes_done += consumed(sc);
            close_archive(sc);
            sc->ended = true;
            return r;
        }
        *member = csm_la.archive_entry_pathname(e) ? csm_la.archive_entry_pathname(e) : "";
        free(sc->data);
        sc->data = NULL;
        sc->data_read = false;
        sc->kept = csm_initramfs_kept(*member);
        return 0;
    }
    return 1;
}

bool csm_initramfs_kept(const char *member)
{
    static const char *const kept[] = { "etc/lvm/lvm.conf", "etc/lvm/lvmlocal.conf",
                                        "etc/lvm/devices/system.devices" };
    while (*member == '.' && member[1] == '/')
        member += 2;
    while (*member == '/')
        member++;
    for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
        if (streq(member, kept[i]))
            return true;
    return false;
}

int csm_irscan_data(struct csm_irscan *sc, const char **data, size_t *len)
{
    if (sc->c) {
        if (!sc->c->data)
            return -ENODATA;
        *data = sc->c->data;
        *len = sc->c->data_len;
        return 0;
    }
    if (!sc->kept || !sc->a)
        return -ENODATA;
    if (!sc->data_read) {
        sc->data_read = true;
        size_t n = 0;
        char *buf = xcalloc(1, CSM_IR_KEPT_MAX + 1);
        const void *block;
        size_t size;
        int64_t at;
        int ar;
        while ((ar = csm_la.archive_read_data_block(sc->a, &block, &size, &at)) == ARCHIVE_OK) {
            if (at < 0 || (uint64_t)at >= CSM_IR_KEPT_MAX)
                break;
            size_t m = size < CSM_IR_KEPT_MAX - (size_t)at ? size : CSM_IR_KEPT_MAX - (size_t)at;
            memcpy(buf + at, block, m);
            if ((size_t)at + m > n)
                n = (size_t)at + m;
        }
        if (ar != ARCHIVE_OK && ar != ARCHIVE_EOF) {
            free(buf);
            return -EBADMSG;
        }
        buf[n] = '\0';
        sc->data = buf;
        sc->data_len = n;
    }
    if (!sc->data)
        return -EBADMSG;
    *data = sc->data;
    *len = sc->data_len;
    return 0;
}

const char *csm_irscan_segment(const struct csm_irscan *sc)
{
    const char *seg = sc->c ? sc->c->segment : sc->segment;
    return seg ? seg : "";
}

uint64_t csm_irscan_bytes(const struct csm_irscan *sc)
{
    if (sc->c)
        return sc->c->bytes;
    return sc->bytes_done + consumed(sc);
}

uint64_t csm_irscan_entries(const struct csm_irscan *sc)
{
    return sc->c ? sc->c->entries : sc->entries;
}

/* ---- the confined reader: the same scan in a child process ----
 * Records on the pipe: a type byte, a 32-bit length, the payload.
 * 'S' segment name; 'D' the text of the next member when it is kept;
 * 'M' bytes, entries (64 bits each) and the member's path; 'E' the result (32 bits), bytes, entries, then why. */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define CONFINE_MEMORY 0 /* ASan reserves terabytes of shadow memory and bounds allocations itself */
#else
#define CONFINE_MEMORY 1
#endif
#define CONFINED_MEMORY (1ULL << 30) /* address space of the reader */

static void put(FILE *f, char type, const void *a, size_t alen, const char *text)
{
    uint32_t len = (uint32_t)(alen + strlen(text));
    fputc(type, f);
    fwrite(&len, sizeof(len), 1, f);
    if (alen)
        fwrite(a, 1, alen, f);
    fputs(text, f);
}

static void __attribute__((noreturn)) confined_child(struct csm_irscan *sc, int out)
{
    struct rlimit mem = { CONFINED_MEMORY, CONFINED_MEMORY };
    struct rlimit cpu = { CSM_CAP_INITRAMFS_SECONDS + 5, CSM_CAP_INITRAMFS_SECONDS + 5 };
    if (CONFINE_MEMORY)
        setrlimit(RLIMIT_AS, &mem);
    setrlimit(RLIMIT_CPU, &cpu);
    FILE *f = fdopen(out, "w");
    if (!f)
        _exit(3);
    _cleanup_free_ char *seg = xstrdup("");
    const char *member, *why;
    int r;
    while ((r = csm_irscan_next(sc, &member, &why)) == 0) {
        if (!streq(seg, csm_irscan_segment(sc))) {
            free(seg);
            seg = xstrdup(csm_irscan_segment(sc));
            put(f, 'S', NULL, 0, seg);
        }
        const char *data;
        size_t len;
        if (csm_irscan_data(sc, &data, &len) == 0 && !memchr(data, '\0', len))
            put(f, 'D', NULL, 0, data);
        uint64_t n[2] = { csm_irscan_bytes(sc), csm_irscan_entries(sc) };
        put(f, 'M', n, sizeof(n), member);
    }
    if (!streq(seg, csm_irscan_segment(sc)))
        put(f, 'S', NULL, 0, csm_irscan_segment(sc));
    struct {
        int32_t r;
        uint64_t bytes, entries;
    } __attribute__((packed)) end = { r, csm_irscan_bytes(sc), csm_irscan_entries(sc) };
    put(f, 'E', &end, sizeof(end), r < 0 && why ? why : "");
    fflush(f);
    _exit(ferror(f) ? 3 : 0);
}

int csm_irscan_confined(struct csm_file *f, struct csm_irscan **out)
{
    struct csm_irscan *sc;
    int r = csm_irscan_new(f, &sc); /* libarchive is loaded before the fork */
    if (r < 0)
        return r;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        r = -errno;
        csm_irscan_free(sc);
        return r;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        r = -errno;
        close(p[0]);
        close(p[1]);
        csm_irscan_free(sc);
        return r;
    }
    if (pid == 0) {
        close(p[0]);
        confined_child(sc, p[1]);
    }
    close(p[1]);
    sc->c = xcalloc(1, sizeof(*sc->c));
    sc->c->pid = pid;
    sc->c->from = p[0];
    *out = sc;
    return 0;
}

/* Exactly n bytes from the child; false at its end or on error. */
static bool take(struct confined *c, void *dst, size_t n)
{
    unsigned char *d = dst;
    while (n) {
        if (c->pos == c->len) {
            ssize_t k = read(c->from, c->buf, sizeof(c->buf));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return false;
            c->len = (size_t)k;
            c->pos = 0;
        }
        size_t m = c->len - c->pos < n ? c->len - c->pos : n;
        memcpy(d, c->buf + c->pos, m);
        c->pos += m;
        d += m;
        n -= m;
    }
    return true;
}

static void reap(struct confined *c, bool kill_it, int *status)
{
    *status = 0;
    if (c->pid <= 0)
        return;
    if (kill_it)
        kill(c->pid, SIGKILL);
    while (waitpid(c->pid, status, 0) < 0 && errno == EINTR)
        ;
    c->pid = 0;
}

static int confined_next(struct csm_irscan *sc, const char **member, const char **why)
{
    struct confined *c = sc->c;
    while (!sc->ended) {
        unsigned char type;
        uint32_t len;
        if (!take(c, &type, 1) || !take(c, &len, sizeof(len)) || len > 64 * 1024)
            break;
        _cleanup_free_ char *rec = xmalloc(len + 1);
        if (!take(c, rec, len))
            break;
        rec[len] = '\0';
        if (type == 'S') {
            free(c->segment);
            c->segment = xstrdup(rec);
        } else if (type == 'D') {
            free(c->pending);
            c->pending = rec;
            c->pending_len = len;
            rec = NULL;
        } else if (type == 'M' && len >= 16) {
            memcpy(&c->bytes, rec, 8);
            memcpy(&c->entries, rec + 8, 8);
            free(c->member);
            c->member = xstrdup(rec + 16);
            *member = c->member;
            free(c->data);
            c->data = c->pending;
            c->data_len = c->pending_len;
            c->pending = NULL;
            return 0;
        } else if (type == 'E' && len >= 20) {
            int32_t r;
            memcpy(&r, rec, 4);
            memcpy(&c->bytes, rec + 4, 8);
            memcpy(&c->entries, rec + 12, 8);
            set_why(sc, "%s", rec + 20);
            sc->ended = true;
            int status;
            reap(c, false, &status);
            *why = sc->why;
            return r;
        } else {
            break;
        }
    }
    if (sc->ended)
        return 1;
    int status;
    reap(c, true, &status);
    sc->ended = true;
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
        set_why(sc, "the reader was stopped (%s) within its limits of %llu MiB of memory and %d s of CPU time",
                strsignal(WTERMSIG(status)), CONFINED_MEMORY >> 20, CSM_CAP_INITRAMFS_SECONDS + 5);
    else
        set_why(sc, "the reader ended without a result (status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    *why = sc->why;
    return -EBADMSG;
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
    csm_irscan_free(ir->scan);
    ir->scan = NULL;
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
        const char *data;
        size_t len;
        if (csm_irscan_data(ir->scan, &data, &len) == 0) {
            strv_push(&ir->kept_paths, xstrdup(member));
            strv_push(&ir->kept_texts, xstrndup(data, len));
        }
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
    struct csm_file *f;
    int r = csm_tree_open(s->root, k->initrd, 0, &f);
    if (r == 0)
        r = csm_irscan_confined(f, &ir->scan);
    if (r < 0)
        FACT_FAIL(ir, r, "%s: %s", k->initrd, csm_strerror(r));
    return ir;
}

/* One fact for every kernel: each initramfs is opened on first use and
 * read further as more of it is asked for. */
struct initramfs_fact {
    size_t n;
    struct csm_initramfs **k; /* parallel to the kernels' k */
};

static void *gather_initramfs(struct csm_scan *s)
{
    struct initramfs_fact *f = xcalloc(1, sizeof(*f));
    f->n = csm_facts_kernels(s)->n;
    f->k = xcalloc(f->n + 1, sizeof(*f->k));
    return f;
}

static void initramfs_fact_free(void *fact)
{
    struct initramfs_fact *f = fact;
    for (size_t i = 0; i < f->n; i++)
        csm_initramfs_free(f->k[i]);
    free(f->k);
    free(f);
}

static const struct csm_fact_desc initramfs_fact = { "initramfs", gather_initramfs, initramfs_fact_free };

const struct csm_initramfs *csm_facts_initramfs(struct csm_scan *s, const struct csm_kernel *k, char *const *names,
                                                bool complete)
{
    const struct csm_kernels *ks = csm_facts_kernels(s);
    struct initramfs_fact *f = csm_fact_get(s, &initramfs_fact);
    size_t i = (size_t)(k - ks->k);
    struct csm_initramfs *ir = f->k[i];
    if (!ir)
        ir = f->k[i] = ir_open(s, k);
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
    csm_irscan_free(ir->scan);
    free(ir->why);
    strv_free(ir->segments);
    strv_free(ir->modules);
    strv_free(ir->mod_paths);
    strv_free(ir->kept_paths);
    strv_free(ir->kept_texts);
    free(ir);
}
