#include "lib/digest.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/dl.h"
#include "lib/util.h"

struct csm_sha256 {
    EVP_MD_CTX *ctx;
    bool failed;
};

static void sha256_free(struct csm_sha256 *h)
{
    if (!h)
        return;
    if (h->ctx)
        csm_crypto.EVP_MD_CTX_free(h->ctx);
    free(h);
}

int csm_crypto_init(void)
{
    static int state; /* 0 not tried, 1 ready, -errno failed */
    /* Without OPENSSL_INIT_NO_LOAD_CONFIG libcrypto reads the host's
     * openssl.cnf on first use: nothing of it matters to a digest or a
     * signature, and a --root scan reads nothing of the host. */
    if (!state)
        state = csm_crypto_load() < 0 ? -ELIBACC
                : csm_crypto.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1 ? -ELIBACC
                                                                                         : 1;
    return state < 0 ? state : 0;
}

struct csm_sha256 *csm_sha256_new(void)
{
    /* Fetched once: an implicit fetch per digest costs more than the hashing. */
    static EVP_MD *sha256;
    if (csm_crypto_init() < 0 || (!sha256 && !(sha256 = csm_crypto.EVP_MD_fetch(NULL, "SHA256", NULL))))
        return NULL; /* csm_dl_error() says why when the library is missing */
    struct csm_sha256 *h = xcalloc(1, sizeof(*h));
    h->ctx = csm_crypto.EVP_MD_CTX_new();
    if (!h->ctx || csm_crypto.EVP_DigestInit_ex(h->ctx, sha256, NULL) != 1) {
        sha256_free(h);
        return NULL;
    }
    return h;
}

void csm_sha256_update(struct csm_sha256 *h, const void *data, size_t len)
{
    if (h && !h->failed && len && csm_crypto.EVP_DigestUpdate(h->ctx, data, len) != 1)
        h->failed = true;
}

char *csm_sha256_finish(struct csm_sha256 *h)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!h)
        return NULL;
    bool ok = !h->failed && csm_crypto.EVP_DigestFinal_ex(h->ctx, md, &n) == 1;
    sha256_free(h);
    if (!ok)
        return NULL;
    char *hex = xmalloc(2 * n + 1);
    for (unsigned int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

char *csm_sha256_hex(const void *data, size_t len)
{
    struct csm_sha256 *h = csm_sha256_new();
    csm_sha256_update(h, data, len);
    return csm_sha256_finish(h);
}
