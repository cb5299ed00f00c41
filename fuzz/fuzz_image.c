/* libFuzzer target: one image parser, chosen at build time by FUZZ_KIND.
 * The input becomes a file (a memfd) whose magic is forced to the kind's,
 * so the fuzzer spends its time inside that parser; then the guest disk is
 * read at a few offsets and, for the "probe" kind, given to libfdisk and
 * libblkid through the sparse guest descriptor, as a scan does. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "facts/facts.h"
#include "image/guest.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;

static void force_magic(unsigned char *buf, size_t size)
{
    static const struct {
        const char *kind, *magic;
        size_t len;
    } magics[] = {
        { "qcow2", "QFI\xfb", 4 },   { "vmdk", "KDMV", 4 }, { "descriptor", "# Disk DescriptorFile\n", 22 },
        { "vhd", "conectix", 8 },    { "gzip", "\x1f\x8b\x08", 3 },
    };
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (!strcmp(FUZZ_KIND, magics[i].kind) && size >= magics[i].len)
            memcpy(buf, magics[i].magic, magics[i].len);
}

static void read_guest(struct csm_image *img)
{
    const struct csm_image_info *in = csm_image_info(img);
    static unsigned char buf[256 * 1024];
    uint64_t at[] = { 0, 512, 65536, in->virtual_size / 2, in->virtual_size ? in->virtual_size - 4096 : 0 };
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
        csm_image_read(img, buf, i == 0 ? sizeof(buf) : 4096, at[i]);
}

static void probe(struct csm_image *img)
{
    struct csm_image_guest *g;
    if (csm_image_guest_open(img, &g) < 0)
        return;
    struct csm_disk_source src = { csm_image_guest_prefetch, g };
    csm_disk_free(csm_disk_probe_fd(csm_image_guest_fd(g), "fuzz", &src));
    csm_image_guest_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0)
        fd = memfd_create("fuzz", MFD_CLOEXEC);
    /* The file keeps its pages from one input to the next: truncated to
     * the new size, not to 0, then overwritten. */
    unsigned char head[32];
    size_t hn = size < sizeof(head) ? size : sizeof(head);
    memcpy(head, data, hn);
    force_magic(head, hn);
    if (ftruncate(fd, (off_t)size) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
        pwrite(fd, head, hn, 0) != (ssize_t)hn)
        return 0;
    /* A package inflates at most 256 KiB a pass: a parser's paths, not
     * zlib's speed, are what a run explores. */
    static const struct csm_image_opts opts = { .quick = true, .stream_budget = 256 << 10 };
    struct csm_image *img;
    if (csm_image_open_fd(fd, -1, "fuzz.img", &opts, &img) < 0)
        return 0;
    read_guest(img);
    if (!strcmp(FUZZ_KIND, "probe"))
        probe(img);
    csm_image_free(img);
    return 0;
}
