/* rpm's and dpkg's version orders (src/version.c). The input is two
 * versions separated by a newline. Each order must be antisymmetric, and
 * csm_rpmvercmp() must agree with librpm's own rpmvercmp() when librpm can
 * be loaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dl.h"
#include "lib/util.h"
#include "lib/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int have_rpm = -1;
    if (have_rpm < 0)
        have_rpm = csm_rpm_load() == 0;
    char *a = xstrndup((const char *)data, size);
    char *nl = strchr(a, '\n');
    const char *b = nl ? nl + 1 : "";
    if (nl)
        *nl = '\0';
    int r = sign(csm_rpmvercmp(a, b));
    if (r != -sign(csm_rpmvercmp(b, a)))
        abort();
    if (have_rpm && r != sign(csm_rpm.rpmvercmp(a, b)))
        abort();
    if (sign(csm_rpm_evrcmp(a, b)) != -sign(csm_rpm_evrcmp(b, a)))
        abort();
    if (sign(csm_rpm_nvrcmp(a, b)) != -sign(csm_rpm_nvrcmp(b, a)))
        abort();
    if (sign(csm_dpkg_vercmp(a, b)) != -sign(csm_dpkg_vercmp(b, a)))
        abort();
    char up[64];
    csm_dpkg_upstream(a, up, sizeof(up));
    free(a);
    return 0;
}
