/* SHA-256 through OpenSSL's libcrypto, as lowercase hex. libcrypto is
 * loaded on first use: when it cannot be (csm_dl_error() says why),
 * csm_sha256_new() returns NULL, update does nothing with NULL, and finish
 * and hex return NULL. */
#pragma once

#include <stddef.h>

/* Loads libcrypto (lib/dl.c) and initializes it without the host's
 * openssl.cnf: 0, or -ELIBACC when it cannot (out of file descriptors, a
 * broken installation; csm_dl_error() says which). */
int csm_crypto_init(void);

struct csm_sha256;

struct csm_sha256 *csm_sha256_new(void);
void csm_sha256_update(struct csm_sha256 *h, const void *data, size_t len);
/* Returns the 64-character digest (NULL on failure) and frees h. */
char *csm_sha256_finish(struct csm_sha256 *h);
char *csm_sha256_hex(const void *data, size_t len);
