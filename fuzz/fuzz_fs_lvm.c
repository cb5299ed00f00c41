/* libFuzzer target: the LVM2 reader and mapper (fs/lvm.c). An input that
 * starts with 'R' is the bytes of a PV as they are (label, header,
 * metadata area); any other input is metadata text, which the target
 * wraps into a PV with a valid label, header and CRCs, so that the fuzzer
 * gets past the checksums into the parser. Every LV of the group is then
 * mapped onto the PV and read at its start, middle and end. */
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "fs/lvm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PV_SIZE (8u << 20)
#define MDA_OFF 4096u
#define MDA_SIZE (1u << 20)

static unsigned char pv[PV_SIZE];

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    (void)ctx;
    if (off > PV_SIZE || len > PV_SIZE - off)
        return -5;
    memcpy(buf, pv + off, len);
    return 0;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* A PV whose one metadata area holds text. */
static void wrap(const uint8_t *text, size_t len)
{
    if (len > MDA_SIZE - 1024)
        len = MDA_SIZE - 1024;
    memset(pv, 0, MDA_OFF + MDA_SIZE);
    unsigned char *l = pv + 512;
    memcpy(l, "LABELONE", 8);
    put64(l + 8, 1);
    put32(l + 20, 32);
    memcpy(l + 24, "LVM2 001", 8);
    memcpy(l + 32, "Rr5RZmUC2E1w4ZJXYFn6uzZItYWMWn8T", 32);
    put64(l + 64, PV_SIZE);
    put64(l + 72, MDA_OFF + MDA_SIZE); /* a data area */
    put64(l + 104, MDA_OFF);           /* after its 0 pair: the metadata area */
    put64(l + 112, MDA_SIZE);
    put32(l + 16, csm_lvm_crc(CSM_LVM_INITIAL_CRC, l + 20, 512 - 20));
    unsigned char *h = pv + MDA_OFF;
    memcpy(h + 4, " LVM2 x[5A%r0N*>", 16);
    put32(h + 20, 1);
    put64(h + 24, MDA_OFF);
    put64(h + 32, MDA_SIZE);
    put64(h + 40, 512);
    put64(h + 48, len ? len : 1);
    memcpy(h + 512, text, len);
    put32(h + 56, csm_lvm_crc(CSM_LVM_INITIAL_CRC, h + 512, len ? len : 1));
    put32(h, csm_lvm_crc(CSM_LVM_INITIAL_CRC, h + 4, 512 - 4));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 'R') {
        size_t n = size - 1 < PV_SIZE ? size - 1 : PV_SIZE;
        memset(pv, 0, PV_SIZE);
        memcpy(pv, data + 1, n);
    } else {
        wrap(data, size);
    }
    struct csm_fs_source src = { mem_read, NULL, PV_SIZE, NULL };
    struct csm_lvm_label label;
    struct csm_lvm_vg *vg = NULL;
    char *why = NULL;
    if (csm_lvm_read(&src, &label, &vg, &why) == 0) {
        const struct csm_fs_source **pvs = calloc(vg->n_pvs + 1, sizeof(*pvs));
        for (size_t i = 0; i < vg->n_pvs; i++)
            pvs[i] = i % 3 == 2 ? NULL : &src; /* some PVs are not on the disk */
        for (size_t i = 0; i < vg->n_lvs && i < 64; i++) {
            struct csm_fs_source lv;
            csm_lvm_volume_size(vg, &vg->lvs[i]);
            if (csm_lvm_map(vg, vg->lvs[i].name, pvs, &lv, &why) == 0) {
                unsigned char buf[4096];
                uint64_t at[] = { 0, lv.size / 2, lv.size > sizeof(buf) ? lv.size - sizeof(buf) : 0 };
                for (size_t k = 0; k < 3; k++)
                    lv.read(lv.ctx, buf, lv.size < sizeof(buf) ? (size_t)lv.size : sizeof(buf), at[k]);
                csm_fs_source_free(&lv);
            }
        }
        free(pvs);
    }
    csm_lvm_vg_free(vg);
    free(why);
    return 0;
}
