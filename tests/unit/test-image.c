/* The image block layer on images built byte by byte: detection, a qcow2
 * with a compressed and a plain cluster, a fixed VHD and its checksum, the
 * guest descriptor's fetching. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "image/guest.h"
#include "image/image.h"
#include "image/internal.h"


static char dir[] = "/tmp/csm-unit-image.XXXXXX";

static struct csm_image *open_bytes(const char *name, const void *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    struct csm_image *img = NULL;
    CHECK(csm_image_open(path, NULL, &img) == 0);
    return img;
}

static bool has_problem(const struct csm_image *img, enum csm_image_problem_kind k, const char *field)
{
    const struct csm_image_info *in = csm_image_info(img);
    for (size_t i = 0; i < in->n_problems; i++)
        if (in->problems[i].kind == k && strcmp(in->problems[i].field, field) == 0)
            return true;
    return false;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static void test_names_and_detection(void)
{
    CHECK(!strcmp(csm_image_name_format("a.QCOW2"), "qcow2"));
    CHECK(!strcmp(csm_image_name_format("x.tar.gz"), "tar.gz"));
    CHECK(!strcmp(csm_image_name_format("x.vpc"), "vhd"));
    CHECK(csm_image_name_format("disk.img") == NULL);

    static unsigned char h[65536];
    const char *name;
    memcpy(h, "vhdxfile", 8);
    CHECK(csm_image_detect(h, sizeof(h), NULL, 0, sizeof(h), &name) == CSM_IMAGE_REFUSED && !strcmp(name, "vhdx"));
    memcpy(h, "\x7f" "ELF", 4);
    CHECK(csm_image_detect(h, sizeof(h), NULL, 0, sizeof(h), &name) == CSM_IMAGE_REFUSED);
    memcpy(h, "QFI\xfb\0\0\0\1", 8);
    CHECK(csm_image_detect(h, sizeof(h), NULL, 0, sizeof(h), &name) == CSM_IMAGE_REFUSED);
    memcpy(h, "QFI\xfb\0\0\0\3", 8);
    CHECK(csm_image_detect(h, sizeof(h), NULL, 0, sizeof(h), &name) == CSM_IMAGE_QCOW2);
    memcpy(h, "# Disk DescriptorFile\n", 22);
    CHECK(csm_image_detect(h, sizeof(h), NULL, 0, sizeof(h), &name) == CSM_IMAGE_VMDK);
    memset(h, 0, sizeof(h));
    CHECK(csm_image_detect(h, sizeof(h), NULL, 0, sizeof(h), &name) == CSM_IMAGE_RAW);
    CHECK(csm_image_detect(h, 0, NULL, 0, 0, &name) == CSM_IMAGE_EMPTY);
}

/* A qcow2 of 512-byte clusters: header, L1, refcount table and block, L2,
 * a compressed cluster of 'A' and a plain cluster of 'B'. */
static size_t make_qcow2(unsigned char *f, uint64_t plain_at)
{
    enum { CS = 512 };
    memset(f, 0, 8 * CS);
    memcpy(f, "QFI\xfb", 4);
    put_be32(f + 4, 2);
    put_be32(f + 20, 9);
    put_be64(f + 24, 4096);
    put_be32(f + 36, 1);
    put_be64(f + 40, 1 * CS);
    put_be64(f + 48, 2 * CS);
    put_be32(f + 56, 1);
    put_be64(f + 1 * CS, (1ULL << 63) | 4 * CS);
    put_be64(f + 2 * CS, 3 * CS);
    for (int c = 0; c < 7; c++)
        f[3 * CS + 2 * c + 1] = 1;

    unsigned char plain[CS], z[CS];
    memset(plain, 'A', CS);
    z_stream s = { 0 };
    deflateInit2(&s, 9, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY);
    s.next_in = plain, s.avail_in = CS, s.next_out = z, s.avail_out = CS;
    deflate(&s, Z_FINISH);
    size_t zlen = CS - s.avail_out;
    deflateEnd(&s);
    memcpy(f + 5 * CS, z, zlen);
    put_be64(f + 4 * CS, (1ULL << 62) | 5 * CS);
    put_be64(f + 4 * CS + 8, (1ULL << 63) | plain_at);
    memset(f + 6 * CS, 'B', CS);
    return 7 * CS;
}

static void test_qcow2(void)
{
    static unsigned char f[8 * 512];
    unsigned char buf[1024];
    size_t n = make_qcow2(f, 6 * 512);
    struct csm_image *img = open_bytes("t.qcow2", f, n);
    const struct csm_image_info *in = csm_image_info(img);
    CHECK(in->format == CSM_IMAGE_QCOW2 && in->virtual_size == 4096 && in->readable);
    CHECK(in->n_problems == 0);
    CHECK(in->allocated_known && in->allocated == 1024);
    CHECK(csm_image_read(img, buf, sizeof(buf), 0) == 0);
    CHECK(buf[0] == 'A' && buf[511] == 'A' && buf[512] == 'B' && buf[1023] == 'B');
    CHECK(csm_image_read(img, buf, 512, 2048) == 0 && buf[0] == 0);
    csm_image_free(img);

    make_qcow2(f, 40 * 512); /* the plain cluster past the end */
    img = open_bytes("eof.qcow2", f, n);
    CHECK(has_problem(img, CSM_IMGP_TRUNCATED, "L2 entry"));
    CHECK(csm_image_read(img, buf, 512, 512) < 0);
    csm_image_free(img);

    make_qcow2(f, 6 * 512);
    put_be32(f + 20, 40);
    img = open_bytes("bits.qcow2", f, n);
    CHECK(has_problem(img, CSM_IMGP_CORRUPT, "cluster_bits") && !csm_image_info(img)->readable);
    csm_image_free(img);
}

static void vhd_footer(unsigned char *p, uint64_t size)
{
    memset(p, 0, 512);
    memcpy(p, "conectix", 8);
    put_be32(p + 8, 2);
    put_be32(p + 12, 0x00010000);
    put_be64(p + 16, ~0ULL);
    put_be64(p + 40, size);
    put_be64(p + 48, size);
    put_be32(p + 60, 2);
    uint32_t sum = 0;
    for (int i = 0; i < 512; i++)
        sum += p[i];
    put_be32(p + 64, ~sum);
}

static void test_vhd_fixed(void)
{
    static unsigned char f[8192 + 512];
    memset(f, 0, sizeof(f));
    f[510] = 0x55, f[511] = 0xaa;
    vhd_footer(f + 8192, 8192);
    struct csm_image *img = open_bytes("f.vhd", f, sizeof(f));
    const struct csm_image_info *in = csm_image_info(img);
    CHECK(in->format == CSM_IMAGE_VHD && !strcmp(in->subformat, "fixed") && in->virtual_size == 8192);
    CHECK(in->n_problems == 0);
    csm_image_free(img);
    f[8192 + 64] ^= 1;
    img = open_bytes("sum.vhd", f, sizeof(f));
    CHECK(has_problem(img, CSM_IMGP_CORRUPT, "footer.checksum"));
    csm_image_free(img);
}

/* Found by fuzz-vhd: an extent line out of range leaked its file name. */
static void test_descriptor_out_of_range(void)
{
    static const char d[] = "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\n"
                            "RW 99999999999999999 FLAT \"x-flat.vmdk\" 0\n";
    struct csm_image *img = open_bytes("range.vmdk", d, sizeof(d) - 1);
    CHECK(has_problem(img, CSM_IMGP_CORRUPT, "extent line"));
    CHECK(!csm_image_info(img)->readable);
    csm_image_free(img);
}

static void test_guest(void)
{
    size_t size = 8 << 20;
    unsigned char *f = calloc(1, size), buf[16];
    memcpy(f + (5 << 20), "partition-data", 14);
    memcpy(f + size - 16, "end-of-the-disk", 15);
    struct csm_image *img = open_bytes("g.raw", f, size);
    struct csm_image_guest *g;
    CHECK(csm_image_guest_open(img, &g) == 0);
    uint64_t fetched = csm_image_guest_fetched(g);
    CHECK(fetched == CSM_GUEST_DISK_HEAD + CSM_GUEST_DISK_TAIL);
    CHECK(pread(csm_image_guest_fd(g), buf, 15, (off_t)(size - 16)) == 15 && !memcmp(buf, "end-of-the-disk", 15));
    CHECK(pread(csm_image_guest_fd(g), buf, 14, 5 << 20) == 14 && buf[0] == 0);
    csm_image_guest_prefetch(g, 5 << 20, 2 << 20);
    CHECK(pread(csm_image_guest_fd(g), buf, 14, 5 << 20) == 14 && !memcmp(buf, "partition-data", 14));
    uint64_t again = csm_image_guest_fetched(g);
    csm_image_guest_prefetch(g, 5 << 20, 2 << 20);
    CHECK(csm_image_guest_fetched(g) == again); /* nothing is fetched twice */
    CHECK(csm_image_guest_errors(g) == NULL);
    csm_image_guest_free(g);
    csm_image_free(img);
    free(f);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 99;
    test_names_and_detection();
    test_qcow2();
    test_vhd_fixed();
    test_descriptor_out_of_range();
    test_guest();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        failures++;
    printf("%s\n", failures ? "FAIL" : "ok");
    return failures ? 1 : 0;
}
