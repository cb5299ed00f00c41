/* The free-space counters of a filesystem's superblock (facts/space.c):
 * the first two KiB of an ext or XFS filesystem; the first byte picks
 * which. Totals must hold what is free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned char head[CSM_FS_HEAD];
    size_t n = size - 1 < sizeof(head) ? size - 1 : sizeof(head);
    memset(head, 0, sizeof(head));
    memcpy(head, data + 1, n);
    struct csm_fsspace f = { 0 };
    if (csm_fs_counters(data[0] & 1 ? "xfs" : "ext4", head, n, &f) == 0 &&
        (f.free_bytes > f.total_bytes || f.free_inodes > f.total_inodes))
        abort();
    return 0;
}
