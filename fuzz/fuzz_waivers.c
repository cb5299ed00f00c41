/* The waiver-file loader: cJSON, the element-position scanner and the
 * field checks, on arbitrary bytes. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "checks/checks.h"
#include "policy/waivers.h"

static char path[] = "/tmp/csm-fuzz-waivers-XXXXXX";
static int fd = -1;

static void ignore(const char *f, unsigned l, unsigned c, const char *m, void *d)
{
    (void)f, (void)l, (void)c, (void)m, (void)d;
}

static bool known(const char *id)
{
    return csm_check_find(id) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0 && (fd = mkstemp(path)) < 0)
        abort();
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    struct csm_waivers *ws = NULL;
    if (csm_waivers_load(path, "2026-01-01", known, ignore, NULL, &ws) == 0)
        (void)csm_waivers_match(ws, "disk.partition-table", "host", "0123456789abcdef0123456789abcdef");
    csm_waivers_free(ws);
    return 0;
}
