#include "archive_dl.h"

#include <dlfcn.h>
#include <errno.h>

struct csm_la csm_la;

int csm_la_load(void)
{
    static int state; /* 0 not tried, 1 loaded, -errno failed */
    if (state)
        return state < 0 ? state : 0;
    void *h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen("libarchive.so", RTLD_NOW | RTLD_LOCAL);
    state = h ? 1 : -ENOSYS;
#define CSM_LA_SYM(name)                                                                                       \
    if (h && !(csm_la.name = (__typeof__(name) *)dlsym(h, #name)))                                             \
        state = -ENOSYS;
    CSM_LA_SYMBOLS(CSM_LA_SYM)
#undef CSM_LA_SYM
    return state < 0 ? state : 0;
}
