/* libFuzzer target: the initramfs reader (segment walk, caps, libarchive)
 * on arbitrary bytes. Build with -DCSM_FUZZ=ON and clang. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "facts/facts.h"
#include "tree/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("initramfs", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    struct csm_file *f;
    if (write(fd, data, size) != (ssize_t)size || csm_file_from_fd(fd, &f) < 0) {
        close(fd);
        return 0;
    }
    struct csm_irscan *sc;
    if (csm_irscan_new(f, &sc) == 0) {
        const char *member, *why;
        while (csm_irscan_next(sc, &member, &why) == 0) {
            const char *text;
            size_t len;
            if (csm_irscan_data(sc, &text, &len) == 0 && (len > CSM_IR_KEPT_MAX || text[len]))
                abort();
        }
        csm_irscan_free(sc);
    }
    return 0;
}
