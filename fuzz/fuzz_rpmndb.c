/* The ndb container walker (src/rpmndb.c) on a whole Packages.db: every
 * blob it hands on lies inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/rpmndb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bounds {
    const uint8_t *d;
    size_t size;
};

static int check(const unsigned char *blob, size_t len, uint32_t pkgidx, void *p)
{
    const struct bounds *b = p;
    (void)pkgidx;
    if (blob < b->d || blob + len > b->d + b->size)
        abort();
    /* every byte of the blob is readable (ASan says otherwise) */
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += blob[i];
    return sum == 0xffffffffu;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bounds b = { data, size };
    struct csm_ndb_walk w;
    csm_ndb_walk(data, size, check, &b, &w);
    return 0;
}
