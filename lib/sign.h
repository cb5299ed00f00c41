/* Ed25519 keys and signatures through libcrypto, for signed reports.
 *
 * Keys are PEM files as OpenSSL writes them: a private key from
 * "openssl genpkey -algorithm ed25519", its public key from
 * "openssl pkey -pubout". A key is named by its fingerprint, "sha256:" and
 * the hex SHA-256 of its public key in DER (SubjectPublicKeyInfo), which
 * "openssl pkey -pubin -outform DER | sha256sum" reproduces. Signatures
 * and public keys travel as base64. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct csm_key;

/* Load a PEM private key (to sign) or public key (to verify). Returns 0, or
 * -errno for a file that cannot be read, -EINVAL with *why set when it
 * holds no unencrypted Ed25519 key of that kind. Nothing is prompted. */
int csm_key_load_private(const char *path, struct csm_key **out, const char **why);
int csm_key_load_public(const char *path, struct csm_key **out, const char **why);
/* A public key from the base64 of its DER, as a report embeds it. */
int csm_key_from_base64(const char *b64, struct csm_key **out);
void csm_key_free(struct csm_key *k);

const char *csm_key_fingerprint(const struct csm_key *k);
/* The base64 of the DER public key: the body of its PEM file. */
const char *csm_key_public_base64(const struct csm_key *k);

/* The base64 signature of data; the key must be private. */
char *csm_key_sign(const struct csm_key *k, const void *data, size_t len);
/* Whether sig (base64) is k's signature of data. */
bool csm_key_verify(const struct csm_key *k, const void *data, size_t len, const char *sig);
