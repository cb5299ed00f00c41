/* libFuzzer target: the initramfs reader (segment walk, caps, libarchive)
 * on arbitrary bytes. Build with -DCSM_FUZZ=ON and clang. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "facts/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("initramfs", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        struct csm_irscan *sc;
        if (csm_irscan_new(fd, &sc) == 0) {
            const char *member, *why;
            while (csm_irscan_next(sc, &member, &why) == 0) {
                const char *text;
                size_t len;
                if (csm_irscan_data(sc, &text, &len) == 0 && (len > CSM_IR_KEPT_MAX || text[len]))
                    abort();
            }
            csm_irscan_free(sc);
        }
    }
    close(fd);
    return 0;
}
