/* The initramfs fact's contract for every check that asks about modules:
 * a read stops once the wanted names are seen, resumes on a later question,
 * and absence is only proven by a complete read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "facts/facts.h"
#include "lib/util.h"


/* One newc member: header, name, padding to 4, data, padding to 4. */
static void newc(FILE *f, const char *name, const char *data)
{
    size_t nlen = strlen(name) + 1, dlen = strlen(data);
    fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", 1u, 0100644u, 0u, 0u, 1u, 0u, dlen,
            0u, 0u, 0u, 0u, nlen, 0u);
    fwrite(name, 1, nlen, f);
    for (size_t pad = (4 - (110 + nlen) % 4) % 4; pad; pad--)
        fputc(0, f);
    fwrite(data, 1, dlen, f);
    for (size_t pad = (4 - dlen % 4) % 4; pad; pad--)
        fputc(0, f);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    char dir[] = "/tmp/csm-unit-initramfs.XXXXXX";
    if (!mkdtemp(dir))
        return 99;
    char path[512];
    snprintf(path, sizeof(path), "%s/boot", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/boot/vmlinuz-1.0", dir);
    write_file(path, "kernel");
    snprintf(path, sizeof(path), "%s/boot/initrd.img-1.0", dir);
    FILE *f = fopen(path, "w");
    newc(f, "init", "#!/bin/sh\n");
    newc(f, "usr/lib/modules/1.0/kernel/drivers/block/virtio_blk.ko", "x");
    newc(f, "usr/lib/modules/1.0/kernel/fs/ext4.ko.zst", "x");
    newc(f, "usr/lib/modules/1.0/misc/vboxguest.ko", "x");
    newc(f, "TRAILER!!!", "");
    fclose(f);

    struct csm_scan_options opts = { .root = dir };
    struct csm_scan s = { .target = { .has = CSM_HAS_TREE }, .opts = &opts };
    CHECK(csm_tree_open_dir(dir, &s.root) == 0);
    s.facts = csm_facts_new();

    const struct csm_kernels *ks = csm_facts_kernels(&s);
    CHECK(ks->n == 1 && ks->def && streq(ks->def->version, "1.0"));
    char *want[] = { "virtio-blk", NULL };
    const struct csm_initramfs *ir = csm_facts_initramfs(&s, ks->def, want, false);
    const char *where = NULL;
    CHECK(ir->err == 0);
    CHECK(csm_initramfs_has(ir, "virtio_blk", &where) == 1);
    CHECK(where && streq(where, "usr/lib/modules/1.0/kernel/drivers/block/virtio_blk.ko"));
    CHECK(!ir->complete);
    CHECK(csm_initramfs_has(ir, "vboxguest", NULL) == -ENODATA); /* not read yet: not known */

    char *guest[] = { "vboxguest", NULL };
    const struct csm_initramfs *again = csm_facts_initramfs(&s, ks->def, guest, false);
    CHECK(again == ir); /* one fact per kernel, resumed */
    CHECK(csm_initramfs_has(ir, "vboxguest", NULL) == 1);
    CHECK(csm_initramfs_has(ir, "ext4", NULL) == 1); /* .ko.zst counts */
    CHECK(csm_initramfs_has(ir, "vmw_pvscsi", NULL) == -ENODATA);

    csm_facts_initramfs(&s, ks->def, NULL, true);
    CHECK(ir->complete && ir->err == 0);
    CHECK(csm_initramfs_has(ir, "vmw_pvscsi", NULL) == 0); /* proven absent */
    CHECK(ir->n_modules == 3);
    CHECK(ir->segments && streq(ir->segments[0], "cpio"));

    csm_facts_free(s.facts);
    csm_tree_free(s.root);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path) != 0)
        failures++;
    if (failures)
        return 1;
    printf("1 passed, 0 failed\n");
    return 0;
}
