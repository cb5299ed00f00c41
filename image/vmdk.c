/* VMDK, after VMware's Virtual Disk Format 1.1 and 5.0 notes: a text
 * descriptor lists extents (sparse, flat, zero) that make up the disk. A
 * hosted sparse extent ("KDMV") has a header, a grain directory (GD) of
 * grain tables (GT) of 32-bit sector offsets; streamOptimized files hold
 * deflated grains behind markers and may keep the GD offset in a footer.
 * monolithicSparse and streamOptimized files embed their descriptor; other
 * kinds are a descriptor file beside its extent files. Little-endian. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/util.h"

#define GD_AT_END 0xffffffffffffffffULL
#define FLAG_NEWLINE_TEST (1U << 0)
#define FLAG_ZERO_GRAIN (1U << 2)
#define FLAG_COMPRESSED (1U << 16)
#define FLAG_MARKERS (1U << 17)
#define MAX_DESCRIPTOR (64 * 1024)
#define MAX_EXTENTS 256
#define MAX_GRAIN_SECTORS 2048 /* 1 MiB; VMware writes 64 KiB */
#define MAX_GTES 4096
#define CHUNK (64 * 1024)

enum ext_type { EXT_SPARSE, EXT_FLAT, EXT_ZERO };

struct sparse {
    uint64_t capacity, grain, gd; /* sectors */
    uint32_t gtes, n_gd;
    bool compressed, zero_grain;
    unsigned char *gt;
    uint64_t gt_at; /* cached GT's sector; 0: none */
    unsigned char *zbuf, *plain;
    uint64_t plain_at; /* cached grain's sector; 0: none */
};

struct extent {
    enum ext_type type;
    uint64_t start, sectors; /* in the guest, sectors */
    uint64_t offset;         /* flat: where the data starts in its file, bytes */
    char *name;
    bool self; /* the image file itself */
    int fd;
    uint64_t size;
    struct sparse *sp;
};

struct vmdk {
    struct extent *ext;
    size_t n;
};

struct descriptor {
    char *create_type, *parent_cid, *parent_hint;
    struct extent *ext;
    size_t n;
    unsigned bad_line;
};

static int ext_pread(struct csm_image *img, struct extent *e, void *buf, size_t len, uint64_t off)
{
    if (e->self)
        return img_pread(img, buf, len, off);
    uint64_t end;
    if (!add_ok(off, len, &end) || end > e->size)
        return -ENODATA;
    ssize_t n = pread(e->fd, buf, len, (off_t)off);
    return n == (ssize_t)len ? 0 : n < 0 ? -errno : -ENODATA;
}

static bool in_file_ext(const struct csm_image *img, const struct extent *e, uint64_t off, uint64_t len)
{
    uint64_t end;
    return add_ok(off, len, &end) && end <= (e->self ? img->host.size : e->size);
}

/* ---- the descriptor ---- */

static char *unquote(char *v)
{
    v = strstrip(v);
    size_t n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        v[n - 1] = '\0';
        v++;
    }
    return v;
}

/* "RW 4192256 SPARSE "name.vmdk" [offset]" */
static bool parse_extent_line(char *line, struct extent *e)
{
    char access[16], type[16];
    unsigned long long sectors;
    int n = 0;
    if (sscanf(line, "%15s %llu %15s %n", access, &sectors, type, &n) < 3)
        return false;
    *e = (struct extent){ .sectors = sectors, .fd = -1 };
    if (streq(type, "SPARSE") || streq(type, "VMFSSPARSE"))
        e->type = EXT_SPARSE;
    else if (streq(type, "FLAT") || streq(type, "VMFS"))
        e->type = EXT_FLAT;
    else if (streq(type, "ZERO"))
        e->type = EXT_ZERO;
    else
        return false;
    char *rest = line + n, *q1 = strchr(rest, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    if (e->type != EXT_ZERO && !q2)
        return false;
    if (q2) {
        e->name = xstrndup(q1 + 1, (size_t)(q2 - q1 - 1));
        unsigned long long off = 0;
        if (sscanf(q2 + 1, "%llu", &off) == 1)
            e->offset = off * 512;
    }
    if (e->sectors <= CSM_IMAGE_MAX_VIRTUAL / 512 && e->offset <= CSM_IMAGE_MAX_VIRTUAL)
        return true;
    free(e->name);
    e->name = NULL;
    return false;
}

static void parse_descriptor(char *text, struct descriptor *d)
{
    unsigned lineno = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && lineno < 4096;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        line = strstrip(line);
        if (!*line || *line == '#')
            continue;
        if (startswith(line, "RW ") || startswith(line, "RDONLY ") || startswith(line, "NOACCESS ")) {
            struct extent e;
            if (d->n >= MAX_EXTENTS || !parse_extent_line(line, &e)) {
                if (!d->bad_line)
                    d->bad_line = lineno;
                continue;
            }
            d->ext = xrealloc(d->ext, (d->n + 1) * sizeof(*d->ext));
            d->ext[d->n++] = e;
            continue;
        }
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *key = strstrip(line), *val = unquote(eq + 1), **slot = NULL;
        if (streq(key, "createType"))
            slot = &d->create_type;
        else if (streq(key, "parentCID"))
            slot = &d->parent_cid;
        else if (streq(key, "parentFileNameHint"))
            slot = &d->parent_hint;
        if (slot) {
            free(*slot);
            *slot = img_printable(val, 64);
        }
    }
}

static void free_extent(struct extent *e)
{
    if (e->sp) {
        free(e->sp->gt);
        free(e->sp->zbuf);
        free(e->sp->plain);
        free(e->sp);
    }
    if (e->fd >= 0)
        close(e->fd);
    free(e->name);
}

static void descriptor_clear(struct descriptor *d)
{
    for (size_t i = 0; i < d->n; i++)
        free_extent(&d->ext[i]);
    free(d->ext);
    free(d->create_type);
    free(d->parent_cid);
    free(d->parent_hint);
}

static void check_parent(struct csm_image *img, const struct descriptor *d, uint64_t at)
{
    if (d->parent_cid && strcasecmp(d->parent_cid, "ffffffff") != 0)
        img_problem(img, CSM_IMGP_DEPENDENT, at, "parentCID", "%s: the disk is a delta (snapshot) of its parent%s%s",
                    d->parent_cid, d->parent_hint ? " " : "", d->parent_hint ? d->parent_hint : "");
}

/* ---- hosted sparse extents ---- */

static void check_newline_test(struct csm_image *img, const unsigned char *h, uint32_t flags)
{
    if ((flags & FLAG_NEWLINE_TEST) && memcmp(h + 73, "\n \r\n", 4) != 0)
        img_problem(img, CSM_IMGP_CORRUPT, 73, "singleEndLineChar", "the newline test bytes were altered: the file "
                    "was copied in text mode (FTP ASCII?) and every line end in it is damaged");
}

/* streamOptimized files written in one pass keep the GD offset in a footer. */
static bool read_footer(struct csm_image *img, struct extent *e, unsigned char *h, const char *field)
{
    uint64_t size = e->self ? img->host.size : e->size;
    if (size < 1536 || ext_pread(img, e, h, 512, size - 1024) < 0 || memcmp(h, "KDMV", 4) != 0) {
        img_problem(img, CSM_IMGP_TRUNCATED, size >= 1024 ? size - 1024 : 0, field, "gdOffset says the grain "
                    "directory is given at the end, but there is no footer there: the file was cut short");
        return false;
    }
    return true;
}

static void check_stream_end(struct csm_image *img, struct extent *e, const char *field)
{
    uint64_t size = e->self ? img->host.size : e->size;
    unsigned char m[16];
    static const unsigned char eos[16];
    if (size < 512 || ext_pread(img, e, m, sizeof(m), size - 512) < 0 || memcmp(m, eos, sizeof(eos)) != 0)
        img_problem(img, CSM_IMGP_TRUNCATED, size >= 512 ? size - 512 : 0, field, "no end-of-stream marker in the "
                    "last sector: the stream was cut short");
}

static bool check_sparse_header(struct csm_image *img, struct extent *e, const unsigned char *h, const char *field)
{
    struct sparse *sp = e->sp;
    uint32_t version = le32(h + 4), flags = le32(h + 8);
    sp->capacity = le64(h + 12);
    sp->grain = le64(h + 20);
    sp->gtes = le32(h + 44);
    sp->gd = le64(h + 56);
    sp->compressed = flags & FLAG_COMPRESSED;
    sp->zero_grain = flags & FLAG_ZERO_GRAIN;
    if (version < 1 || version > 3) {
        img_problem(img, CSM_IMGP_UNSUPPORTED, 4, field, "version %u (1 to 3 are known)", version);
        return false;
    }
    if (sp->capacity > CSM_IMAGE_MAX_VIRTUAL / 512) {
        img_problem(img, CSM_IMGP_CORRUPT, 12, field, "capacity %llu sectors is out of range",
                    (unsigned long long)sp->capacity);
        return false;
    }
    if (!is_pow2(sp->grain) || sp->grain > MAX_GRAIN_SECTORS) {
        img_problem(img, CSM_IMGP_CORRUPT, 20, field, "grainSize %llu sectors is not a power of two up to %u",
                    (unsigned long long)sp->grain, MAX_GRAIN_SECTORS);
        return false;
    }
    if (!sp->gtes || sp->gtes > MAX_GTES) {
        img_problem(img, CSM_IMGP_CORRUPT, 44, field, "numGTEsPerGT %u is out of range (1-%u)", sp->gtes, MAX_GTES);
        return false;
    }
    if (sp->compressed && le16(h + 77) != 1) {
        img_problem(img, CSM_IMGP_UNSUPPORTED, 77, field, "compressAlgorithm %u (only deflate, 1, is known)",
                    le16(h + 77));
        return false;
    }
    if (e->self)
        check_newline_test(img, h, flags);
    if (flags & FLAG_MARKERS)
        check_stream_end(img, e, field);
    uint64_t span = sp->grain * sp->gtes, n_gd = (sp->capacity + span - 1) / span;
    if (n_gd > (1U << 24)) {
        img_problem(img, CSM_IMGP_CORRUPT, 20, field, "%llu grain tables for %llu sectors: grainSize and "
                    "numGTEsPerGT are too small", (unsigned long long)n_gd, (unsigned long long)sp->capacity);
        return false;
    }
    sp->n_gd = (uint32_t)n_gd;
    if (!in_file_ext(img, e, sp->gd * 512, (uint64_t)sp->n_gd * 4) || sp->gd >= (1ULL << 54)) {
        img_problem(img, CSM_IMGP_TRUNCATED, 56, field, "the grain directory (%u entries at sector %llu) lies past "
                    "the end of the file", sp->n_gd, (unsigned long long)sp->gd);
        return false;
    }
    return true;
}

/* What the GD/GT scan found, reported once per kind. */
struct gt_tally {
    uint64_t past, first_past, bad_gt, first_bad_gt, allocated, max_grain;
};

static void scan_gt(struct csm_image *img, struct extent *e, const unsigned char *gt, uint64_t first_grain,
                    struct gt_tally *t)
{
    struct sparse *sp = e->sp;
    uint64_t grain_bytes = sp->grain * 512;
    for (uint32_t k = 0; k < sp->gtes; k++) {
        uint32_t g = le32(gt + 4 * (size_t)k);
        if (first_grain + k >= (sp->capacity + sp->grain - 1) / sp->grain)
            break;
        if (g == 0 || (g == 1 && sp->zero_grain))
            continue;
        t->allocated += grain_bytes;
        if (g > t->max_grain)
            t->max_grain = g;
        if (!in_file_ext(img, e, (uint64_t)g * 512, sp->compressed ? 12 : grain_bytes) && !t->past++)
            t->first_past = (first_grain + k) * grain_bytes;
    }
}

/* The grain that lies last in the file: a cut copy loses it first. */
static void check_last_grain(struct csm_image *img, struct extent *e, uint64_t g, const char *field)
{
    unsigned char m[12];
    if (!g || !e->sp->compressed || ext_pread(img, e, m, sizeof(m), g * 512) < 0)
        return;
    uint32_t size = le32(m + 8);
    if (!in_file_ext(img, e, g * 512 + 12, size))
        img_problem(img, CSM_IMGP_TRUNCATED, g * 512, field, "the compressed grain at sector %llu (%u bytes) runs "
                    "past the end of the file", (unsigned long long)g, size);
}

static void check_grain_tables(struct csm_image *img, struct extent *e, const char *field, bool *complete)
{
    struct sparse *sp = e->sp;
    _cleanup_free_ unsigned char *gd = NULL, *gt = xmalloc((size_t)sp->gtes * 4);
    struct gt_tally t = { 0 };
    uint64_t gd_bytes = (uint64_t)sp->n_gd * 4;

    if (!img_meta_charge(img, gd_bytes, "grain tables")) {
        *complete = false;
        return;
    }
    gd = xmalloc(gd_bytes ? gd_bytes : 1);
    if (ext_pread(img, e, gd, gd_bytes, sp->gd * 512) < 0)
        return;
    for (uint32_t i = 0; i < sp->n_gd; i++) {
        uint32_t at = le32(gd + 4 * (size_t)i);
        if (!at)
            continue;
        if (!in_file_ext(img, e, (uint64_t)at * 512, (uint64_t)sp->gtes * 4)) {
            if (!t.bad_gt++)
                t.first_bad_gt = at;
            continue;
        }
        if (!img_meta_charge(img, (uint64_t)sp->gtes * 4, "grain tables")) {
            *complete = false;
            break;
        }
        if (ext_pread(img, e, gt, (size_t)sp->gtes * 4, (uint64_t)at * 512) == 0)
            scan_gt(img, e, gt, (uint64_t)i * sp->gtes, &t);
    }
    if (t.bad_gt)
        img_problem(img, CSM_IMGP_TRUNCATED, sp->gd * 512, field, "%llu grain tables lie past the end of the file "
                    "(the first at sector %llu)", (unsigned long long)t.bad_gt, (unsigned long long)t.first_bad_gt);
    if (t.past)
        img_problem(img, CSM_IMGP_TRUNCATED, sp->gd * 512, field, "%llu grains lie past the end of the file (the "
                    "first holds guest offset %llu)", (unsigned long long)t.past, (unsigned long long)t.first_past);
    else
        check_last_grain(img, e, t.max_grain, field);
    img->info.allocated += t.allocated;
}

/* Opens a hosted sparse extent: e->self, or e->fd of e->size bytes. */
static bool open_sparse(struct csm_image *img, struct extent *e, const char *field, bool *complete)
{
    unsigned char h[512];
    if (ext_pread(img, e, h, sizeof(h), 0) < 0 || memcmp(h, "KDMV", 4) != 0) {
        img_problem(img, CSM_IMGP_CORRUPT, 0, field, "no \"KDMV\" sparse extent header");
        return false;
    }
    e->sp = xcalloc(1, sizeof(*e->sp));
    if (le64(h + 56) == GD_AT_END && !read_footer(img, e, h, field))
        return false;
    if (!check_sparse_header(img, e, h, field))
        return false;
    if (!e->self && e->sp->capacity != e->sectors)
        img_problem(img, CSM_IMGP_CORRUPT, 12, field, "capacity %llu sectors, but the descriptor gives %llu",
                    (unsigned long long)e->sp->capacity, (unsigned long long)e->sectors);
    e->sectors = e->sp->capacity;
    check_grain_tables(img, e, field, complete);
    return true;
}

/* ---- opening ---- */

static char *read_text(struct csm_image *img, uint64_t off, uint64_t len)
{
    if (len > MAX_DESCRIPTOR)
        len = MAX_DESCRIPTOR;
    char *t = xmalloc(len + 1);
    if (img_pread(img, t, len, off) < 0) {
        free(t);
        return NULL;
    }
    t[len] = '\0';
    return t;
}

static int open_monolithic(struct csm_image *img, struct vmdk *v)
{
    unsigned char h[512];
    struct descriptor d = { 0 };
    bool complete = true;
    if (img_pread(img, h, sizeof(h), 0) < 0) {
        img_problem(img, CSM_IMGP_TRUNCATED, 0, "header", "the file has %llu bytes; a sparse extent header needs "
                    "512", (unsigned long long)img->host.size);
        return 0;
    }
    uint64_t doff = le64(h + 28), dsize = le64(h + 36);
    if (doff && dsize) {
        _cleanup_free_ char *text = doff < (1ULL << 54) && dsize < (1ULL << 54) ? read_text(img, doff * 512, dsize * 512)
                                                                                : NULL;
        if (!text)
            img_problem(img, CSM_IMGP_TRUNCATED, 28, "descriptorOffset", "the embedded descriptor (sector %llu) lies "
                        "past the end of the file", (unsigned long long)doff);
        else
            parse_descriptor(text, &d);
        check_parent(img, &d, doff * 512);
    }
    uint32_t flags = le32(h + 8);
    img->info.subformat = d.create_type ? xstrdup(d.create_type)
                                        : xstrdup(flags & FLAG_MARKERS ? "streamOptimized" : "monolithicSparse");
    if (d.create_type && !streq(d.create_type, "monolithicSparse") && !streq(d.create_type, "streamOptimized"))
        img_problem(img, CSM_IMGP_DEPENDENT, doff * 512, "createType", "'%s': this file is one extent of a disk made "
                    "of several files", d.create_type);
    descriptor_clear(&d);

    v->ext = xcalloc(1, sizeof(*v->ext));
    v->n = 1;
    v->ext[0] = (struct extent){ .type = EXT_SPARSE, .self = true, .fd = -1, .name = xstrdup(img->name) };
    if (!open_sparse(img, &v->ext[0], "header", &complete))
        return 0;
    img->info.virtual_size = v->ext[0].sectors * 512;
    img->info.allocated_known = complete;
    img->info.readable = true;
    return 0;
}

/* An extent file next to the descriptor: a plain name, a regular file. */
static int open_extent_file(struct csm_image *img, struct extent *e)
{
    struct stat st;
    if (img->dirfd < 0)
        return -ENOENT;
    if (!*e->name || strchr(e->name, '/') || streq(e->name, "..") || streq(e->name, "."))
        return -EPERM;
    int fd = openat(img->dirfd, e->name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EMEDIUMTYPE;
    }
    e->fd = fd;
    e->size = (uint64_t)st.st_size;
    return 0;
}

static bool open_extent(struct csm_image *img, struct extent *e, size_t i, bool *complete)
{
    _cleanup_free_ char *field = xasprintf("extent %zu (%s)", i + 1, e->name ? e->name : "ZERO");
    if (e->type == EXT_ZERO)
        return true;
    int r = open_extent_file(img, e);
    if (r < 0) {
        img_problem(img, CSM_IMGP_DEPENDENT, 0, field, "cannot be opened: %s",
                    r == -EPERM ? "only a file name in the descriptor's directory is looked up" : csm_strerror(r));
        return false;
    }
    if (e->type == EXT_SPARSE)
        return open_sparse(img, e, field, complete);
    uint64_t end;
    if (!add_ok(e->offset, e->sectors * 512, &end) || end > e->size) {
        img_problem(img, CSM_IMGP_TRUNCATED, e->size, field, "%llu bytes from offset %llu are described, the file "
                    "has %llu", (unsigned long long)(e->sectors * 512), (unsigned long long)e->offset,
                    (unsigned long long)e->size);
        return false;
    }
    img->info.allocated += e->sectors * 512;
    return true;
}

static int open_descriptor(struct csm_image *img, struct vmdk *v)
{
    struct descriptor d = { 0 };
    bool ok = true, complete = true;
    if (img->host.size > MAX_DESCRIPTOR) {
        img_problem(img, CSM_IMGP_CORRUPT, 0, "descriptor", "a descriptor file of %llu bytes is larger than %u",
                    (unsigned long long)img->host.size, MAX_DESCRIPTOR);
        return 0;
    }
    _cleanup_free_ char *text = read_text(img, 0, img->host.size);
    if (!text)
        return 0;
    parse_descriptor(text, &d);
    img->info.subformat = xstrdup(d.create_type ? d.create_type : "descriptor");
    check_parent(img, &d, 0);
    if (d.bad_line)
        img_problem(img, CSM_IMGP_CORRUPT, 0, "extent line", "line %u is not an extent this tool reads (RW sectors "
                    "SPARSE|FLAT|ZERO \"file\" [offset]), or one too many", d.bad_line);
    if (!d.n) {
        img_problem(img, CSM_IMGP_CORRUPT, 0, "descriptor", "no extent lines");
        descriptor_clear(&d);
        return 0;
    }
    img_problem(img, CSM_IMGP_DEPENDENT, 0, "descriptor", "the disk is this descriptor and %zu extent file%s: the "
                "upload must be one self-contained file", d.n, d.n == 1 ? "" : "s");
    uint64_t start = 0;
    for (size_t i = 0; i < d.n; i++) {
        ok &= open_extent(img, &d.ext[i], i, &complete);
        d.ext[i].start = start;
        start += d.ext[i].sectors;
    }
    v->ext = d.ext;
    v->n = d.n;
    d.ext = NULL;
    d.n = 0;
    descriptor_clear(&d);
    img->info.virtual_size = start * 512;
    img->info.allocated_known = ok && complete;
    img->info.readable = ok && img->info.virtual_size <= CSM_IMAGE_MAX_VIRTUAL;
    return 0;
}

static int vmdk_open(struct csm_image *img)
{
    struct vmdk *v = img->priv = xcalloc(1, sizeof(*v));
    unsigned char m[4];
    if (img_pread(img, m, 4, 0) == 0 && memcmp(m, "KDMV", 4) == 0)
        return open_monolithic(img, v);
    return open_descriptor(img, v);
}

/* ---- reading ---- */

static int load_gt(struct csm_image *img, struct extent *e, uint64_t gd_index, const unsigned char **gt)
{
    struct sparse *sp = e->sp;
    unsigned char b[4];
    *gt = NULL;
    if (gd_index >= sp->n_gd || ext_pread(img, e, b, 4, sp->gd * 512 + gd_index * 4) < 0)
        return gd_index >= sp->n_gd ? 0 : -EIO;
    uint64_t at = le32(b);
    if (!at)
        return 0;
    if (sp->gt_at != at) {
        if (!sp->gt)
            sp->gt = xmalloc((size_t)sp->gtes * 4);
        sp->gt_at = 0;
        if (ext_pread(img, e, sp->gt, (size_t)sp->gtes * 4, at * 512) < 0)
            return -EIO;
        sp->gt_at = at;
    }
    *gt = sp->gt;
    return 0;
}

static int inflate_grain(struct csm_image *img, struct extent *e, uint64_t g, uint64_t grain_no)
{
    struct sparse *sp = e->sp;
    uint64_t grain_bytes = sp->grain * 512;
    unsigned char m[12];
    if (sp->plain_at == g)
        return 0;
    if (!sp->zbuf) {
        sp->zbuf = xmalloc(2 * grain_bytes + 1024);
        sp->plain = xmalloc(grain_bytes);
    }
    sp->plain_at = 0;
    if (ext_pread(img, e, m, sizeof(m), g * 512) < 0)
        return -EIO;
    uint32_t size = le32(m + 8);
    if (size > 2 * grain_bytes + 1024 || ext_pread(img, e, sp->zbuf, size, g * 512 + 12) < 0)
        return -EIO;
    size_t got;
    int r = img_inflate(sp->zbuf, size, sp->plain, grain_bytes, 15, &got);
    if (r < 0 || le64(m) != grain_no * sp->grain) {
        img_problem(img, CSM_IMGP_CORRUPT, g * 512, "compressed grain", r < 0 ? "grain %llu: %u bytes do not inflate"
                    : "grain %llu: its marker names another sector", (unsigned long long)grain_no, size);
        return -EBADMSG;
    }
    memset(sp->plain + got, 0, grain_bytes - got);
    sp->plain_at = g;
    return 0;
}

static int read_sparse(struct csm_image *img, struct extent *e, unsigned char *buf, size_t n, uint64_t off)
{
    struct sparse *sp = e->sp;
    uint64_t grain_bytes = sp->grain * 512, grain_no = off / grain_bytes, in_grain = off % grain_bytes;
    const unsigned char *gt;
    int r = load_gt(img, e, grain_no / sp->gtes, &gt);
    uint32_t g = r == 0 && gt ? le32(gt + 4 * (grain_no % sp->gtes)) : 0;
    if (r < 0 || g == 0 || (g == 1 && sp->zero_grain))
        return memset(buf, 0, n), r;
    if (sp->compressed) {
        r = inflate_grain(img, e, g, grain_no);
        if (r < 0)
            return memset(buf, 0, n), r;
        memcpy(buf, sp->plain + in_grain, n);
        return 0;
    }
    if (ext_pread(img, e, buf, n, (uint64_t)g * 512 + in_grain) < 0)
        return memset(buf, 0, n), -EIO;
    return 0;
}

static int read_extent(struct csm_image *img, struct extent *e, unsigned char *buf, size_t n, uint64_t off)
{
    switch (e->type) {
    case EXT_SPARSE:
        if (e->sp && e->sp->grain)
            return read_sparse(img, e, buf, n, off);
        break;
    case EXT_FLAT:
        if (e->fd >= 0 && ext_pread(img, e, buf, n, e->offset + off) == 0)
            return 0;
        break;
    case EXT_ZERO:
        return memset(buf, 0, n), 0;
    }
    memset(buf, 0, n);
    return -EIO;
}

/* Up to the end of the extent, and of the grain in a sparse one; past
 * the last extent the disk reads as zeros. */
static size_t vmdk_piece(struct csm_image *img, void *buf, size_t len, uint64_t off, int *err)
{
    struct vmdk *v = img->priv;
    uint64_t sector = off / 512;
    size_t i = 0;
    while (i < v->n && sector >= v->ext[i].start + v->ext[i].sectors)
        i++;
    if (i == v->n) {
        memset(buf, 0, len);
        return len;
    }
    struct extent *e = &v->ext[i];
    uint64_t rel = off - e->start * 512, left = e->sectors * 512 - rel;
    if (e->type == EXT_SPARSE && e->sp && e->sp->grain) {
        uint64_t gb = e->sp->grain * 512;
        left = left < gb - rel % gb ? left : gb - rel % gb;
    }
    size_t n = left < len ? (size_t)left : len;
    *err = read_extent(img, e, buf, n, rel);
    return n;
}

static int vmdk_read(struct csm_image *img, void *buf, size_t len, uint64_t off)
{
    return img_read_split(img, buf, len, off, vmdk_piece);
}

static void vmdk_close(struct csm_image *img)
{
    struct vmdk *v = img->priv;
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++)
        free_extent(&v->ext[i]);
    free(v->ext);
    free(v);
}

const struct csm_image_driver csm_image_vmdk_driver = {
    .format = CSM_IMAGE_VMDK,
    .name = "vmdk",
    .open = vmdk_open,
    .read = vmdk_read,
    .close = vmdk_close,
};
