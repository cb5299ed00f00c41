#include "image/guest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/util.h"

#define PAGE 4096ULL
#define MAX_RANGES 1024
#define MAX_ERRORS 16
#define MAX_EBRS 128
#define COPY_LEN (64 * 1024) /* one read of the image, one write of the copy */

struct range {
    uint64_t start, end;
};

struct csm_image_guest {
    struct csm_image *img;
    int fd;
    uint64_t size, fetched;
    struct range *done; /* sorted, disjoint */
    size_t n_done;
    char **errors;
    size_t n_errors;
    unsigned char *buf;
    bool budget_noted;
};

static int make_fd(void)
{
    int fd = memfd_create("csm-guest", MFD_CLOEXEC);
    if (fd >= 0)
        return fd;
    /* No memfd (old kernel, seccomp): an unnamed file in the temporary directory. */
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    /* No O_TMPFILE either (before Linux 3.11): a named one, unlinked at once. */
    _cleanup_free_ char *name = xasprintf("%s/csm-guest.XXXXXX", dir);
    fd = mkostemp(name, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    unlink(name);
    return fd;
}

static void add_error(struct csm_image_guest *g, uint64_t a, uint64_t b, int r)
{
    if (g->n_errors++ < MAX_ERRORS)
        strv_pushf(&g->errors, "guest bytes %llu-%llu: %s", (unsigned long long)a, (unsigned long long)(b - 1),
                   r == -E2BIG ? "past the package's read budget" : r == -EBADMSG ? "bad compressed data"
                                                                      : "they map outside the file");
}

static void mark_done(struct csm_image_guest *g, uint64_t a, uint64_t b)
{
    size_t i = 0;
    while (i < g->n_done && g->done[i].end < a)
        i++;
    /* Merge every range that touches [a, b). */
    size_t j = i;
    while (j < g->n_done && g->done[j].start <= b) {
        a = g->done[j].start < a ? g->done[j].start : a;
        b = g->done[j].end > b ? g->done[j].end : b;
        j++;
    }
    if (j == i && g->n_done >= MAX_RANGES)
        return; /* forgetting a range costs a second fetch, nothing else */
    size_t removed = j - i;
    if (removed == 0) {
        g->done = xrealloc(g->done, (g->n_done + 1) * sizeof(*g->done));
        memmove(&g->done[i + 1], &g->done[i], (g->n_done - i) * sizeof(*g->done));
        g->n_done++;
    } else if (removed > 1) {
        memmove(&g->done[i + 1], &g->done[j], (g->n_done - j) * sizeof(*g->done));
        g->n_done -= removed - 1;
    }
    g->done[i] = (struct range){ a, b };
}

/* The first part of [a, b) not fetched yet: [*ga, *gb); false if none. */
static bool next_gap(const struct csm_image_guest *g, uint64_t a, uint64_t b, uint64_t *ga, uint64_t *gb)
{
    for (size_t i = 0; i < g->n_done && a < b; i++) {
        if (g->done[i].end <= a)
            continue;
        if (g->done[i].start > a) {
            *ga = a;
            *gb = g->done[i].start < b ? g->done[i].start : b;
            return true;
        }
        a = g->done[i].end;
    }
    if (a >= b)
        return false;
    *ga = a;
    *gb = b;
    return true;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    static const unsigned char zero[PAGE];
    for (; n >= PAGE; p += PAGE, n -= PAGE)
        if (memcmp(p, zero, PAGE) != 0)
            return false;
    return n == 0 || memcmp(p, zero, n) == 0;
}

static void copy_range(struct csm_image_guest *g, uint64_t a, uint64_t b)
{
    while (a < b) {
        size_t n = b - a < COPY_LEN ? (size_t)(b - a) : COPY_LEN;
        if (g->fetched + n > CSM_GUEST_FETCH_BUDGET) {
            if (!g->budget_noted)
                add_error(g, a, b, -E2BIG);
            g->budget_noted = true;
            return;
        }
        int r = csm_image_read(g->img, g->buf, n, a);
        if (r < 0)
            add_error(g, a, a + n, r);
        g->fetched += n;
        /* Zeros need no writing: the file is sparse. */
        if (!all_zero(g->buf, n) && pwrite(g->fd, g->buf, n, (off_t)a) != (ssize_t)n)
            add_error(g, a, a + n, -EIO);
        mark_done(g, a, a + n);
        a += n;
    }
}

void csm_image_guest_fetch(struct csm_image_guest *g, uint64_t off, uint64_t len)
{
    if (!g || off >= g->size)
        return;
    uint64_t a = off & ~(PAGE - 1), b = len > g->size - off ? g->size : off + len;
    b = (b + PAGE - 1) & ~(PAGE - 1);
    if (b > g->size)
        b = g->size;
    uint64_t ga, gb;
    while (a < b && next_gap(g, a, b, &ga, &gb)) {
        copy_range(g, ga, gb);
        a = gb;
    }
}

void csm_image_guest_prefetch(void *data, uint64_t off, uint64_t len)
{
    struct csm_image_guest *g = data;
    csm_image_guest_fetch(g, off, len < CSM_GUEST_HEAD ? len : CSM_GUEST_HEAD);
    if (len > CSM_GUEST_HEAD)
        csm_image_guest_fetch(g, off + len - (len - CSM_GUEST_HEAD < CSM_GUEST_TAIL ? len - CSM_GUEST_HEAD
                                                                                      : CSM_GUEST_TAIL),
                              CSM_GUEST_TAIL);
}

static bool read_sector(struct csm_image_guest *g, uint64_t lba, unsigned char *s)
{
    csm_image_guest_fetch(g, lba * 512, 512);
    return pread(g->fd, s, 512, (off_t)(lba * 512)) == 512;
}

static bool extended_type(unsigned t)
{
    return t == 0x05 || t == 0x0f || t == 0x85;
}

/* libfdisk follows the chain of EBRs of an extended partition itself:
 * each must be in place before it reads them. */
static void fetch_ebr_chain(struct csm_image_guest *g, const unsigned char *mbr)
{
    unsigned char s[512];
    for (int i = 0; i < 4; i++) {
        const unsigned char *e = mbr + 446 + 16 * i;
        if (!extended_type(e[4]))
            continue;
        uint64_t base = le32(e + 8), ebr = base;
        for (int n = 0; n < MAX_EBRS && ebr && ebr * 512 < g->size; n++) {
            if (!read_sector(g, ebr, s) || s[510] != 0x55 || s[511] != 0xaa)
                break;
            const unsigned char *next = s + 446 + 16;
            if (!extended_type(next[4]) || !le32(next + 8))
                break;
            ebr = base + le32(next + 8);
        }
    }
}

/* The GPT header names where its entries are; usually LBA 2, not always. */
static void fetch_gpt_entries(struct csm_image_guest *g)
{
    unsigned char h[512];
    if (!read_sector(g, 1, h) || memcmp(h, "EFI PART", 8) != 0)
        return;
    uint64_t lba = (uint64_t)le32(h + 72) | (uint64_t)le32(h + 76) << 32;
    uint64_t bytes = (uint64_t)le32(h + 80) * le32(h + 84);
    if (lba < g->size / 512 && bytes <= CSM_GUEST_HEAD)
        csm_image_guest_fetch(g, lba * 512, bytes);
}

int csm_image_guest_open(struct csm_image *img, struct csm_image_guest **out)
{
    const struct csm_image_info *in = csm_image_info(img);
    *out = NULL;
    if (!in->readable || in->virtual_size < 512)
        return -ENODEV;
    int fd = make_fd();
    if (fd < 0)
        return fd;
    if (ftruncate(fd, (off_t)in->virtual_size) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    struct csm_image_guest *g = xcalloc(1, sizeof(*g));
    g->img = img;
    g->fd = fd;
    g->size = in->virtual_size;
    g->buf = xmalloc(COPY_LEN);

    unsigned char mbr[512] = { 0 };
    csm_image_guest_fetch(g, 0, CSM_GUEST_DISK_HEAD);
    if (pread(fd, mbr, sizeof(mbr), 0) == (ssize_t)sizeof(mbr) && mbr[510] == 0x55 && mbr[511] == 0xaa)
        fetch_ebr_chain(g, mbr);
    fetch_gpt_entries(g);
    bool gpt = mbr[450] == 0xee;
    /* The end of a stream costs the whole stream: only a GPT needs it. */
    if (!csm_image_streamed(img) || gpt)
        csm_image_guest_fetch(g, g->size > CSM_GUEST_DISK_TAIL ? g->size - CSM_GUEST_DISK_TAIL : 0,
                              CSM_GUEST_DISK_TAIL);
    *out = g;
    return 0;
}

int csm_image_guest_fd(const struct csm_image_guest *g)
{
    return g->fd;
}

char *const *csm_image_guest_errors(const struct csm_image_guest *g)
{
    return g->errors;
}

uint64_t csm_image_guest_fetched(const struct csm_image_guest *g)
{
    return g->fetched;
}

bool csm_image_guest_head_blank(const struct csm_image_guest *g)
{
    unsigned char b[4096];
    for (uint64_t off = 0; off < CSM_GUEST_HEAD && off < g->size; off += sizeof(b)) {
        ssize_t n = pread(g->fd, b, sizeof(b), (off_t)off);
        if (n > 0 && !all_zero(b, (size_t)n))
            return false;
    }
    return true;
}

void csm_image_guest_free(struct csm_image_guest *g)
{
    if (!g)
        return;
    close(g->fd);
    free(g->done);
    free(g->buf);
    strv_free(g->errors);
    free(g);
}
