/* Opening an image: the format from the content, then the format's driver.
 * Problems are collected, not returned: a broken image is still "opened"
 * so that the report can name everything that is wrong with it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "image/internal.h"
#include "lib/util.h"

#define HEAD_LEN (64 * 1024)
#define TAIL_LEN 1024

const char *csm_image_problem_kind_name(enum csm_image_problem_kind k)
{
    static const char *const names[] = { "truncated", "corrupt",  "unsupported", "encrypted",
                                         "dependent", "unclean", "unverified", "partial" };
    return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "unknown";
}

void img_problem(struct csm_image *img, enum csm_image_problem_kind kind, uint64_t off, const char *field,
                 const char *fmt, ...)
{
    struct csm_image_info *in = &img->info;
    if (in->n_problems >= CSM_IMAGE_MAX_PROBLEMS) {
        in->n_dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    in->problems = xrealloc(in->problems, (in->n_problems + 1) * sizeof(*in->problems));
    in->problems[in->n_problems++] = (struct csm_image_problem){
        .kind = kind, .offset = off, .field = xstrdup(field), .what = xvasprintf(fmt, ap)
    };
    va_end(ap);
}

void img_note(struct csm_image *img, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (strv_length(img->info.notes) < CSM_IMAGE_MAX_PROBLEMS)
        strv_push(&img->info.notes, xvasprintf(fmt, ap));
    va_end(ap);
}

bool img_meta_charge(struct csm_image *img, uint64_t bytes, const char *what)
{
    if (img->meta_spent + bytes <= CSM_IMAGE_META_BUDGET) {
        img->meta_spent += bytes;
        return true;
    }
    if (!img->meta_capped)
        img_problem(img, CSM_IMGP_PARTIAL, 0, "validation budget", "%s past the first %llu MiB of tables were not "
                    "examined: the metadata was validated only in part", what,
                    (unsigned long long)(CSM_IMAGE_META_BUDGET >> 20));
    img->meta_capped = true;
    return false;
}

char *img_printable(const char *s, size_t max)
{
    char *out = xstrndup(s, max);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
            *p = '?';
    return out;
}

int img_pread(struct csm_image *img, void *buf, size_t len, uint64_t off)
{
    if (!in_file(img, off, len))
        return -ENODATA;
    size_t done = 0;
    while (done < len) {
        ssize_t n = img->host.pread(img->host.data, (char *)buf + done, len - done, off + done);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return -ENODATA;
        done += (size_t)n;
    }
    return 0;
}

int img_read_split(struct csm_image *img, void *buf, size_t len, uint64_t off, img_piece_fn piece)
{
    int ret = 0;
    while (len) {
        int err = 0;
        size_t n = piece(img, buf, len, off, &err);
        if (err < 0 && !ret)
            ret = err;
        buf = (char *)buf + n;
        off += n;
        len -= n;
    }
    return ret;
}

int img_inflate(const void *in, size_t in_len, void *out, size_t out_len, int window_bits, size_t *produced)
{
    z_stream z = { 0 };
    *produced = 0;
    if (in_len > UINT_MAX || out_len > UINT_MAX || inflateInit2(&z, window_bits) != Z_OK)
        return -ENOMEM;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)in_len;
    z.next_out = out;
    z.avail_out = (uInt)out_len;
    int r = inflate(&z, Z_FINISH);
    *produced = out_len - z.avail_out;
    inflateEnd(&z);
    if (r == Z_STREAM_END)
        return 0;
    if (r == Z_BUF_ERROR && z.avail_out == 0)
        return -ENOSPC;
    return -EBADMSG;
}

static ssize_t file_pread(void *data, void *buf, size_t len, uint64_t off)
{
    const struct csm_image *img = data;
    if (off > (uint64_t)INT64_MAX)
        return -EINVAL;
    ssize_t n;
    do
        n = pread(img->fd, buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

const char *csm_image_name_format(const char *name)
{
    static const struct {
        const char *ext, *format;
    } exts[] = {
        { ".tar.gz", "tar.gz" }, { ".tgz", "tar.gz" }, { ".tar", "tar" },    { ".gz", "gzip" },
        { ".qcow2", "qcow2" },   { ".qcow", "qcow2" }, { ".vmdk", "vmdk" },  { ".vhd", "vhd" },
        { ".vpc", "vhd" },       { ".raw", "raw" },    { ".vhdx", "vhdx" },  { ".vdi", "vdi" },
        { ".qed", "qed" },       { ".iso", "iso" },    { ".ova", "tar" },
    };
    for (size_t i = 0; name && i < ARRAY_SIZE(exts); i++) {
        size_t a = strlen(name), b = strlen(exts[i].ext);
        if (a > b && strcasecmp(name + a - b, exts[i].ext) == 0)
            return exts[i].format;
    }
    return NULL;
}

/* Formats this tool recognises and refuses: named, so the admin knows what
 * the file is and which conversion makes it acceptable. */
static const char *refused_format(const unsigned char *h, size_t n, const unsigned char *tail, size_t tn)
{
    static const struct {
        size_t off;
        const char *magic;
        size_t len;
        const char *name;
    } magics[] = {
        { 0, "vhdxfile", 8, "vhdx" },
        { 0x40, "\x7f\x10\xda\xbe", 4, "vdi" },
        { 0, "QED\0", 4, "qed" },
        { 0, "COWD", 4, "VMware ESX sparse (COWD) vmdk" },
        { 0, "WithoutFreeSpace", 16, "Parallels" },
        { 0, "WithouFreSpacExt", 16, "Parallels" },
        { 0, "OOOM", 4, "qemu cow (version 1)" },
        { 0x8001, "CD001", 5, "ISO 9660 CD/DVD image" },
        { 0, "\x7f" "ELF", 4, "ELF executable" },
        { 0, "#!", 2, "script" },
        { 0, "PK\x03\x04", 4, "zip archive" },
        { 0, "\xfd" "7zXZ\0", 6, "xz-compressed file" },
        { 0, "BZh", 3, "bzip2-compressed file" },
        { 0, "\x28\xb5\x2f\xfd", 4, "zstd-compressed file" },
        { 0, "7z\xbc\xaf\x27\x1c", 6, "7-Zip archive" },
        { 0, "Rar!\x1a\x07", 6, "RAR archive" },
        { 0, "%PDF-", 5, "PDF document" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
        if (magics[i].off + magics[i].len <= n && memcmp(h + magics[i].off, magics[i].magic, magics[i].len) == 0)
            return magics[i].name;
    if (n >= 8 && memcmp(h, "QFI\xfb", 4) == 0 && be32(h + 4) < 2)
        return "qcow (version 1)";
    /* A PE executable: "MZ" and the "PE\0\0" its header points at. */
    if (n >= 64 && h[0] == 'M' && h[1] == 'Z') {
        uint32_t pe = le32(h + 60);
        if (pe + 4 <= n && memcmp(h + pe, "PE\0\0", 4) == 0)
            return "Windows (PE) executable";
    }
    if (tn >= 512 && memcmp(tail + tn - 512, "koly", 4) == 0)
        return "Apple disk image (dmg)";
    return NULL;
}

static bool is_descriptor(const unsigned char *h, size_t n)
{
    static const char sig[] = "# Disk DescriptorFile";
    if (n >= sizeof(sig) - 1 && memcmp(h, sig, sizeof(sig) - 1) == 0)
        return true;
    /* Descriptors written by other tools may start with other comments:
     * text only, with a createType line, in the first few KiB. */
    size_t m = n < 4096 ? n : 4096;
    for (size_t i = 0; i < m; i++)
        if (!h[i] ? i == 0 : (h[i] < 9 || (h[i] > 13 && h[i] < 32)))
            return false;
    return m && memmem(h, m, "createType", 10) != NULL;
}

enum csm_image_format csm_image_detect(const unsigned char *head, size_t head_len, const unsigned char *tail,
                                       size_t tail_len, uint64_t size, const char **name)
{
    *name = NULL;
    if (size == 0)
        return *name = "empty", CSM_IMAGE_EMPTY;
    if ((*name = refused_format(head, head_len, tail, tail_len)))
        return CSM_IMAGE_REFUSED;
    if (head_len >= 8 && memcmp(head, "QFI\xfb", 4) == 0)
        return *name = "qcow2", CSM_IMAGE_QCOW2;
    if (head_len >= 4 && memcmp(head, "KDMV", 4) == 0)
        return *name = "vmdk", CSM_IMAGE_VMDK;
    if (is_descriptor(head, head_len))
        return *name = "vmdk", CSM_IMAGE_VMDK;
    if (head_len >= 8 && memcmp(head, "conectix", 8) == 0)
        return *name = "vhd", CSM_IMAGE_VHD;
    /* A fixed VHD: raw data, then the footer (511 bytes in old Virtual PC files). */
    if (tail_len >= 512 && (memcmp(tail + tail_len - 512, "conectix", 8) == 0 ||
                            memcmp(tail + tail_len - 511, "conectix", 8) == 0))
        return *name = "vhd", CSM_IMAGE_VHD;
    return *name = "raw", CSM_IMAGE_RAW;
}

static const struct csm_image_driver *driver_for(enum csm_image_format f)
{
    switch (f) {
    case CSM_IMAGE_RAW:
        return &csm_image_raw_driver;
    case CSM_IMAGE_QCOW2:
        return &csm_image_qcow2_driver;
    case CSM_IMAGE_VMDK:
        return &csm_image_vmdk_driver;
    case CSM_IMAGE_VHD:
        return &csm_image_vhd_driver;
    default:
        return NULL;
    }
}

static int package_kind(const unsigned char *h, size_t n)
{
    if (n >= 3 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 8)
        return 1; /* gzip (deflate) */
    if (n >= 512 && memcmp(h + 257, "ustar", 5) == 0)
        return 2;
    return 0;
}

/* Reads the head and the tail of the image (the member, when packaged). */
static void read_ends(struct csm_image *img, unsigned char *head, size_t *hn, unsigned char *tail, size_t *tn,
                      bool want_tail)
{
    uint64_t size = img->host.size;
    *hn = size < HEAD_LEN ? (size_t)size : HEAD_LEN;
    if (img_pread(img, head, *hn, 0) < 0)
        *hn = 0;
    *tn = 0;
    if (want_tail && size >= 512) {
        *tn = size < TAIL_LEN ? (size_t)size : TAIL_LEN;
        if (img_pread(img, tail, *tn, size - *tn) < 0)
            *tn = 0;
    }
}

static int open_content(struct csm_image *img)
{
    _cleanup_free_ unsigned char *head = xmalloc(HEAD_LEN);
    unsigned char tail[TAIL_LEN];
    size_t hn, tn;
    struct csm_image_info *in = &img->info;

    read_ends(img, head, &hn, tail, &tn, true);
    int pk = package_kind(head, hn);
    if (pk) {
        int r = csm_package_open(img, pk == 1);
        if (r < 0)
            return r;
        if (!img->pkg) {
            in->format = CSM_IMAGE_UNKNOWN;
            in->format_name = pk == 1 ? "gzip package" : "tar package";
            return 0;
        }
        /* Inside a stream the tail costs the whole stream: only for a name
         * that says vhd, the one format found by its tail. */
        const char *nf = csm_image_name_format(in->member);
        read_ends(img, head, &hn, tail, &tn, nf && streq(nf, "vhd"));
    }
    in->format = csm_image_detect(head, hn, tail, tn, img->host.size, &in->format_name);
    img->drv = driver_for(in->format);
    if (img->drv) {
        int r = img->drv->open(img);
        if (r < 0)
            return r;
    }
    if (img->pkg)
        csm_package_verify(img);
    if (!in->readable && !in->unreadable_why)
        in->unreadable_why = !img->drv ? xasprintf("the file's content (%s) is not a disk image this tool reads", in->format_name)
                             : in->n_problems ? xasprintf("%s: %s", in->problems[0].field, in->problems[0].what)
                                              : xstrdup("its metadata cannot be read");
    return 0;
}

int csm_image_open_fd(int fd, int dirfd, const char *name, const struct csm_image_opts *opts,
                      struct csm_image **out)
{
    struct stat st;
    *out = NULL;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EMEDIUMTYPE;
    struct csm_image *img = xcalloc(1, sizeof(*img));
    img->fd = fd;
    img->dirfd = dirfd;
    if (opts)
        img->opts = *opts;
    if (!img->opts.stream_budget)
        img->opts.stream_budget = CSM_IMAGE_STREAM_BUDGET;
    img->name = xstrdup(name);
    img->host = (struct csm_image_host){ file_pread, img, (uint64_t)st.st_size };
    img->info.file_size = (uint64_t)st.st_size;
    const char *nf = csm_image_name_format(name);
    img->info.name_format = nf ? xstrdup(nf) : NULL;
    img->info.format_name = "empty";

    int r = open_content(img);
    if (r < 0) {
        csm_image_free(img);
        return r;
    }
    *out = img;
    return 0;
}

int csm_image_open(const char *path, const struct csm_image_opts *opts, struct csm_image **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    int dirfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const char *base = slash ? strrchr(path, '/') + 1 : path;
    int r = csm_image_open_fd(fd, dirfd, base, opts, out);
    if (r < 0) {
        close(fd);
        if (dirfd >= 0)
            close(dirfd);
        return r;
    }
    (*out)->own_fd = true;
    (*out)->own_dirfd = dirfd >= 0;
    return 0;
}

enum csm_image_format csm_image_sniff(int fd, const char **name)
{
    struct stat st;
    *name = "unknown";
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return CSM_IMAGE_UNKNOWN;
    _cleanup_free_ unsigned char *head = xmalloc(HEAD_LEN);
    unsigned char tail[TAIL_LEN];
    uint64_t size = (uint64_t)st.st_size;
    ssize_t hn = pread(fd, head, size < HEAD_LEN ? (size_t)size : HEAD_LEN, 0);
    ssize_t tn = size >= 512 ? pread(fd, tail, size < TAIL_LEN ? (size_t)size : TAIL_LEN,
                                     (off_t)(size - (size < TAIL_LEN ? size : TAIL_LEN)))
                             : 0;
    hn = hn < 0 ? 0 : hn;
    tn = tn < 0 ? 0 : tn;
    int pk = package_kind(head, (size_t)hn);
    if (pk) {
        *name = pk == 1 ? "gzip package" : "tar package";
        return CSM_IMAGE_UNKNOWN;
    }
    return csm_image_detect(head, (size_t)hn, tail, (size_t)tn, size, name);
}

const struct csm_image_info *csm_image_info(const struct csm_image *img)
{
    return &img->info;
}

bool csm_image_streamed(const struct csm_image *img)
{
    return img->pkg && csm_package_streamed(img->pkg);
}

int csm_image_read(struct csm_image *img, void *buf, size_t len, uint64_t offset)
{
    uint64_t vs = img->info.virtual_size;
    if (!img->info.readable || !img->drv)
        return -ENODEV;
    if (offset >= vs) {
        memset(buf, 0, len);
        return 0;
    }
    if (len > vs - offset) {
        memset((char *)buf + (vs - offset), 0, len - (size_t)(vs - offset));
        len = (size_t)(vs - offset);
    }
    return img->drv->read(img, buf, len, offset);
}

void csm_image_free(struct csm_image *img)
{
    if (!img)
        return;
    if (img->drv && img->drv->close)
        img->drv->close(img);
    csm_package_free(img->pkg);
    struct csm_image_info *in = &img->info;
    for (size_t i = 0; i < in->n_problems; i++) {
        free(in->problems[i].field);
        free(in->problems[i].what);
    }
    free(in->problems);
    free(in->subformat);
    free(in->name_format);
    free(in->package);
    free(in->member);
    free(in->unreadable_why);
    strv_free(in->notes);
    if (img->own_fd)
        close(img->fd);
    if (img->own_dirfd)
        close(img->dirfd);
    free(img->name);
    free(img);
}
