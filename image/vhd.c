/* VHD ("vpc" in qemu), after Microsoft's Virtual Hard Disk Image Format
 * Specification: a 512-byte footer at the end of the file (a copy at the
 * start of dynamic disks), for a dynamic disk a header and a block
 * allocation table (BAT) of 32-bit sector offsets. Big-endian. */
#include <errno.h>
#include <string.h>

#include "image/internal.h"
#include "lib/util.h"

#define VHD_FIXED 2
#define VHD_DYNAMIC 3
#define VHD_DIFFERENCING 4
#define BAT_UNUSED 0xffffffffU
#define VHD_MAX_SIZE (2040ULL << 30) /* the specification's limit */
#define MAX_BLOCK (256U << 20)
#define CHUNK (64 * 1024)

struct vhd {
    uint32_t type, block_size;
    uint64_t bat_offset, data_end; /* data_end: where the footer starts */
    uint32_t max_entries;
    uint32_t bitmap_bytes;
    unsigned char bat_page[4096]; /* one cached page of the BAT */
    uint64_t bat_page_at;         /* UINT64_MAX: none */
};

/* The one's complement of the byte sum, the checksum field counted as 0. */
static uint32_t vhd_checksum(const unsigned char *p, size_t len, size_t field)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        if (i < field || i >= field + 4)
            sum += p[i];
    return ~sum;
}

/* Finds the footer: at the end, at end - 511 (old Virtual PC), else the
 * copy at the start of a dynamic disk (then the file was cut). */
static bool find_footer(struct csm_image *img, unsigned char *f, uint64_t *at)
{
    uint64_t size = img->host.size;
    if (size >= 512 && img_pread(img, f, 512, size - 512) == 0 && memcmp(f, "conectix", 8) == 0) {
        *at = size - 512;
        return true;
    }
    if (size >= 511 && img_pread(img, f, 511, size - 511) == 0 && memcmp(f, "conectix", 8) == 0) {
        f[511] = 0;
        *at = size - 511;
        return true;
    }
    if (size >= 512 && img_pread(img, f, 512, 0) == 0 && memcmp(f, "conectix", 8) == 0) {
        img_problem(img, CSM_IMGP_TRUNCATED, size >= 512 ? size - 512 : 0, "footer", "no footer at the end of the "
                    "file: the copy was cut short (the copy of the footer at offset 0 is used)");
        *at = 0;
        return true;
    }
    img_problem(img, CSM_IMGP_TRUNCATED, size >= 512 ? size - 512 : 0, "footer", "no \"conectix\" footer at the end "
                "of the file");
    return false;
}

static bool check_footer(struct csm_image *img, struct vhd *v, const unsigned char *f, uint64_t at)
{
    uint32_t stored = be32(f + 64), computed = vhd_checksum(f, 512, 64);
    if (stored != computed)
        img_problem(img, CSM_IMGP_CORRUPT, at + 64, "footer.checksum", "0x%08x stored, 0x%08x computed", stored,
                    computed);
    if (be32(f + 12) != 0x00010000)
        img_problem(img, CSM_IMGP_CORRUPT, at + 12, "footer.file_format_version", "0x%08x (expected 0x00010000)",
                    be32(f + 12));
    v->type = be32(f + 60);
    uint64_t size = be64(f + 48);
    if (size > VHD_MAX_SIZE || size > CSM_IMAGE_MAX_VIRTUAL) {
        img_problem(img, CSM_IMGP_CORRUPT, at + 48, "footer.current_size", "%llu bytes is more than a VHD holds "
                    "(2040 GiB)", (unsigned long long)size);
        return false;
    }
    img->info.virtual_size = size;
    const char *names[] = { [VHD_FIXED] = "fixed", [VHD_DYNAMIC] = "dynamic", [VHD_DIFFERENCING] = "differencing" };
    if (v->type < VHD_FIXED || v->type > VHD_DIFFERENCING) {
        img_problem(img, CSM_IMGP_CORRUPT, at + 60, "footer.disk_type", "%u is not fixed (2), dynamic (3) or "
                    "differencing (4)", v->type);
        return false;
    }
    img->info.subformat = xstrdup(names[v->type]);
    if (v->type == VHD_DIFFERENCING)
        img_problem(img, CSM_IMGP_DEPENDENT, at + 60, "footer.disk_type", "a differencing disk: the sectors it does "
                    "not hold are in its parent VHD");
    return true;
}

static void check_fixed(struct csm_image *img, struct vhd *v, uint64_t footer_at)
{
    uint64_t size = img->info.virtual_size;
    v->data_end = footer_at;
    if (footer_at < size) {
        img_problem(img, CSM_IMGP_TRUNCATED, footer_at, "footer.current_size", "the disk has %llu bytes but the file "
                    "holds only %llu before its footer", (unsigned long long)size, (unsigned long long)footer_at);
        v->data_end = footer_at;
    }
    img->info.allocated = size;
    img->info.allocated_known = true;
}

static bool check_dynamic_header(struct csm_image *img, struct vhd *v, const unsigned char *f)
{
    uint64_t at = be64(f + 16);
    unsigned char d[1024];
    if (!in_file(img, at, sizeof(d)) || img_pread(img, d, sizeof(d), at) < 0) {
        img_problem(img, CSM_IMGP_TRUNCATED, 16, "footer.data_offset", "the dynamic disk header at %llu lies past "
                    "the end of the file (%llu bytes)", (unsigned long long)at, (unsigned long long)img->host.size);
        return false;
    }
    if (memcmp(d, "cxsparse", 8) != 0) {
        img_problem(img, CSM_IMGP_CORRUPT, at, "header.cookie", "no \"cxsparse\" dynamic disk header at %llu",
                    (unsigned long long)at);
        return false;
    }
    uint32_t stored = be32(d + 36), computed = vhd_checksum(d, sizeof(d), 36);
    if (stored != computed)
        img_problem(img, CSM_IMGP_CORRUPT, at + 36, "header.checksum", "0x%08x stored, 0x%08x computed", stored,
                    computed);
    v->bat_offset = be64(d + 16);
    v->max_entries = be32(d + 28);
    v->block_size = be32(d + 32);
    if (!is_pow2(v->block_size) || v->block_size < 512 || v->block_size > MAX_BLOCK) {
        img_problem(img, CSM_IMGP_CORRUPT, at + 32, "header.block_size", "%u is not a power of two from 512 bytes "
                    "to 256 MiB", v->block_size);
        return false;
    }
    uint64_t need = (img->info.virtual_size + v->block_size - 1) / v->block_size;
    if (v->max_entries < need) {
        img_problem(img, CSM_IMGP_CORRUPT, at + 28, "header.max_table_entries", "%u entries; the disk size needs "
                    "%llu", v->max_entries, (unsigned long long)need);
        return false;
    }
    if (v->bat_offset % 512 || !in_file(img, v->bat_offset, (uint64_t)v->max_entries * 4)) {
        img_problem(img, v->bat_offset % 512 ? CSM_IMGP_CORRUPT : CSM_IMGP_TRUNCATED, at + 16, "header.table_offset",
                    "the BAT (%u entries at %llu) does not lie inside the file (%llu bytes)", v->max_entries,
                    (unsigned long long)v->bat_offset, (unsigned long long)img->host.size);
        return false;
    }
    v->max_entries = (uint32_t)need; /* entries past the disk's end are never used */
    v->bitmap_bytes = (uint32_t)((v->block_size / 512 / 8 + 511) & ~511U);
    return true;
}

static void check_bat(struct csm_image *img, struct vhd *v)
{
    _cleanup_free_ unsigned char *chunk = xmalloc(CHUNK);
    uint64_t past = 0, first = 0, first_at = 0, allocated = 0, span = (uint64_t)v->bitmap_bytes + v->block_size;
    bool complete = true;
    for (uint64_t i = 0; i < v->max_entries; i++) {
        uint64_t k = i % (CHUNK / 4);
        if (k == 0) {
            uint64_t n = v->max_entries - i < CHUNK / 4 ? v->max_entries - i : CHUNK / 4;
            if (!img_meta_charge(img, n * 4, "BAT entries")) {
                complete = false;
                break;
            }
            if (img_pread(img, chunk, n * 4, v->bat_offset + i * 4) < 0)
                return;
        }
        uint32_t e = be32(chunk + k * 4);
        if (e == BAT_UNUSED)
            continue;
        uint64_t block_end = (uint64_t)e * 512 + span;
        allocated += v->block_size;
        if (block_end > v->data_end && !past++) {
            first = i;
            first_at = (uint64_t)e * 512;
        }
    }
    if (past)
        img_problem(img, CSM_IMGP_TRUNCATED, v->bat_offset + first * 4, "BAT entry", "%llu blocks end past the data "
                    "(%llu bytes before the footer); the first is block %llu at %llu", (unsigned long long)past,
                    (unsigned long long)v->data_end, (unsigned long long)first, (unsigned long long)first_at);
    img->info.allocated = allocated;
    img->info.allocated_known = complete;
}

static int vhd_open(struct csm_image *img)
{
    unsigned char f[512];
    uint64_t footer_at;
    if (!find_footer(img, f, &footer_at))
        return 0;
    struct vhd *v = img->priv = xcalloc(1, sizeof(*v));
    v->bat_page_at = UINT64_MAX;
    if (!check_footer(img, v, f, footer_at))
        return 0;
    if (v->type == VHD_FIXED) {
        check_fixed(img, v, footer_at);
        img->info.readable = true;
        return 0;
    }
    /* A dynamic disk whose footer at the end is missing: data may run to the end. */
    v->data_end = footer_at ? footer_at : img->host.size;
    if (!check_dynamic_header(img, v, f))
        return 0;
    img->info.readable = true;
    check_bat(img, v);
    return 0;
}

static int bat_entry(struct csm_image *img, struct vhd *v, uint64_t block, uint32_t *e)
{
    uint64_t off = v->bat_offset + block * 4, page = off & ~4095ULL;
    if (v->bat_page_at != page) {
        uint64_t end = v->bat_offset + (uint64_t)v->max_entries * 4, n = end - page < 4096 ? end - page : 4096;
        uint64_t start = page < v->bat_offset ? v->bat_offset : page;
        memset(v->bat_page, 0xff, sizeof(v->bat_page));
        v->bat_page_at = UINT64_MAX;
        if (img_pread(img, v->bat_page + (start - page), n - (start - page), start) < 0)
            return -EIO;
        v->bat_page_at = page;
    }
    *e = be32(v->bat_page + (off - page));
    return 0;
}

/* Up to the end of a dynamic disk's block; an unused block reads as zeros. */
static size_t vhd_piece(struct csm_image *img, void *buf, size_t len, uint64_t off, int *err)
{
    struct vhd *v = img->priv;
    uint64_t block = off / v->block_size, in_block = off % v->block_size;
    size_t n = v->block_size - in_block < len ? (size_t)(v->block_size - in_block) : len;
    uint32_t e = BAT_UNUSED;
    int r = block < v->max_entries ? bat_entry(img, v, block, &e) : 0;
    uint64_t at = (uint64_t)e * 512 + v->bitmap_bytes + in_block;
    if (r == 0 && e != BAT_UNUSED && (at + n > v->data_end || img_pread(img, buf, n, at) < 0))
        r = -EIO;
    if (r < 0 || e == BAT_UNUSED)
        memset(buf, 0, n);
    *err = r;
    return n;
}

static int vhd_read(struct csm_image *img, void *buf, size_t len, uint64_t off)
{
    struct vhd *v = img->priv;
    if (v->type == VHD_FIXED) {
        size_t n = off + len > v->data_end ? (off >= v->data_end ? 0 : (size_t)(v->data_end - off)) : len;
        memset((char *)buf + n, 0, len - n);
        int r = n ? img_pread(img, buf, n, off) : 0;
        return n < len || r < 0 ? -EIO : 0;
    }
    return img_read_split(img, buf, len, off, vhd_piece);
}

static void vhd_close(struct csm_image *img)
{
    free(img->priv);
}

const struct csm_image_driver csm_image_vhd_driver = {
    .format = CSM_IMAGE_VHD,
    .name = "vhd",
    .open = vhd_open,
    .read = vhd_read,
    .close = vhd_close,
};
