/* raw: the file is the guest disk. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "image/internal.h"
#include "lib/util.h"

static int raw_open(struct csm_image *img)
{
    struct csm_image_info *in = &img->info;
    uint64_t size = img->host.size;
    in->virtual_size = size;
    in->readable = size > 0;
    struct stat st;
    /* A sparse file holds only the blocks written; in a package, unknown. */
    if (!img->pkg && fstat(img->fd, &st) == 0) {
        uint64_t used = (uint64_t)st.st_blocks * 512;
        in->allocated = used < size ? used : size;
        in->allocated_known = true;
    }
    if (size % 512)
        img_problem(img, CSM_IMGP_TRUNCATED, size, "file size",
                    "%llu bytes is not a whole number of 512-byte sectors: the copy was cut short",
                    (unsigned long long)size);
    if (size > CSM_IMAGE_MAX_VIRTUAL)
        img_problem(img, CSM_IMGP_CORRUPT, 0, "file size", "%llu bytes is more than this tool accepts (64 TiB)",
                    (unsigned long long)size);
    return 0;
}

static int raw_read(struct csm_image *img, void *buf, size_t len, uint64_t off)
{
    if (off >= img->host.size) {
        memset(buf, 0, len);
        return 0;
    }
    size_t n = off + len > img->host.size ? (size_t)(img->host.size - off) : len;
    int r = img_pread(img, buf, n, off);
    memset((char *)buf + n, 0, len - n);
    if (r < 0)
        memset(buf, 0, n);
    return r == -ENODATA ? -EIO : r;
}

const struct csm_image_driver csm_image_raw_driver = {
    .format = CSM_IMAGE_RAW,
    .name = "raw",
    .open = raw_open,
    .read = raw_read,
};
