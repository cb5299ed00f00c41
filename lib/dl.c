#include "lib/dl.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#if !CSM_DLOPEN
/* Linked in (a static build): the tables point at the functions themselves,
 * and every loader succeeds. */
#define CSM_DL_INIT(name) .name = name,
struct csm_la csm_la = { CSM_LA_SYMBOLS(CSM_DL_INIT) };
struct csm_kmod csm_kmod = { CSM_KMOD_SYMBOLS(CSM_DL_INIT) };
struct csm_crypto csm_crypto = { CSM_CRYPTO_SYMBOLS(CSM_DL_INIT) };
struct csm_rpm csm_rpm = { CSM_RPM_SYMBOLS(CSM_DL_INIT) };

int csm_la_load(void)
{
    return 0;
}

int csm_kmod_load(void)
{
    return 0;
}

int csm_crypto_load(void)
{
    return 0;
}

int csm_rpm_load(void)
{
    return 0;
}

const char *csm_dl_error(void)
{
    return NULL;
}

#else
#include <dlfcn.h>

struct csm_la csm_la;
struct csm_kmod csm_kmod;
struct csm_crypto csm_crypto;
struct csm_rpm csm_rpm;

/* The first failure, for the command to report (and exit 4). */
static char dl_error[512];

const char *csm_dl_error(void)
{
    return dl_error[0] ? dl_error : NULL;
}

static void dl_failed(const char *soname, const char *why)
{
    if (!dl_error[0])
        snprintf(dl_error, sizeof(dl_error), "%s cannot be loaded: %s", soname, why ? why : "not found");
}

/* The first of the names that opens; NULL when none does. dlopen fails
 * for want of file descriptors too (EMFILE): that is no reason to abort. */
static void *open_first(const char *const *sonames)
{
    char why[256] = "";
    for (const char *const *n = sonames; *n; n++) {
        void *h = dlopen(*n, RTLD_NOW | RTLD_LOCAL);
        if (h)
            return h;
        const char *e = dlerror();
        if (!why[0] && e)
            snprintf(why, sizeof(why), "%s", e); /* the name that should have been there */
    }
    dl_failed(sonames[0], why[0] ? why : NULL);
    return NULL;
}

/* Fills one table from its X-macro; *state remembers the outcome. */
#define CSM_DL_LOADER(fn, table, SYMBOLS, ...)                                                                 \
    int fn(void)                                                                                               \
    {                                                                                                          \
        static int state; /* 0 not tried, 1 loaded, -errno failed */                                           \
        static const char *const sonames[] = { __VA_ARGS__, NULL };                                            \
        if (state)                                                                                             \
            return state < 0 ? state : 0;                                                                      \
        void *h = open_first(sonames);                                                                         \
        state = h ? 1 : -ELIBACC;                                                                              \
        SYMBOLS(CSM_DL_SYM)                                                                                    \
        return state < 0 ? state : 0;                                                                          \
    }
#define CSM_DL_SYM(name)                                                                                       \
    if (h && !(TABLE.name = (__typeof__(name) *)dlsym(h, #name))) {                                            \
        dl_failed(sonames[0], "no symbol " #name);                                                             \
        state = -ELIBACC;                                                                                      \
    }

#define TABLE csm_la
CSM_DL_LOADER(csm_la_load, csm_la, CSM_LA_SYMBOLS, "libarchive.so.13", "libarchive.so")
#undef TABLE
#define TABLE csm_kmod
CSM_DL_LOADER(csm_kmod_load, csm_kmod, CSM_KMOD_SYMBOLS, "libkmod.so.2", "libkmod.so")
#undef TABLE
#define TABLE csm_crypto
CSM_DL_LOADER(csm_crypto_load, csm_crypto, CSM_CRYPTO_SYMBOLS, "libcrypto.so.3", "libcrypto.so")
#undef TABLE
#define TABLE csm_rpm
CSM_DL_LOADER(csm_rpm_load, csm_rpm, CSM_RPM_SYMBOLS, "librpm.so.9", "librpm.so")
#undef TABLE
#endif
