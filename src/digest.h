/* SHA-256 through OpenSSL's libcrypto, as lowercase hex. */
#pragma once

#include <stddef.h>

/* Loads libcrypto (src/dl.c) and initializes it without the host's
 * openssl.cnf; aborts when it cannot (a broken installation). */
void csm_crypto_init(void);

struct csm_sha256;

struct csm_sha256 *csm_sha256_new(void);
void csm_sha256_update(struct csm_sha256 *h, const void *data, size_t len);
/* Returns the 64-character digest and frees h. */
char *csm_sha256_finish(struct csm_sha256 *h);
char *csm_sha256_hex(const void *data, size_t len);
