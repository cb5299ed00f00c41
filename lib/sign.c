#include "lib/sign.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/dl.h"
#include "lib/hostfile.h"
#include "lib/util.h"

#define KEY_FILE_CAP (64 * 1024)
#define ED25519_SIG_LEN 64

struct csm_key {
    EVP_PKEY *pkey;
    char *fingerprint, *public_b64;
};

static char *base64(const unsigned char *data, size_t len)
{
    char *out = xmalloc(4 * ((len + 2) / 3) + 1);
    csm_crypto.EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Decodes base64 into buf of cap bytes; returns the length, or -1. */
static int unbase64(const char *s, unsigned char *buf, size_t cap)
{
    size_t n = strlen(s);
    if (!n || n % 4 || n / 4 * 3 > cap)
        return -1;
    int len = csm_crypto.EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
    if (len < 0)
        return -1;
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    return len - (s[n - 1] == '=') - (s[n - 2] == '=');
}

/* Fills in the names of the key's public half. */
static struct csm_key *key_new(EVP_PKEY *pkey)
{
    unsigned char *der = NULL;
    int n = csm_crypto.i2d_PUBKEY(pkey, &der);
    if (n <= 0) {
        csm_crypto.EVP_PKEY_free(pkey);
        return NULL;
    }
    struct csm_key *k = xcalloc(1, sizeof(*k));
    k->pkey = pkey;
    _cleanup_free_ char *hex = csm_sha256_hex(der, (size_t)n);
    k->fingerprint = xasprintf("sha256:%s", hex);
    k->public_b64 = base64(der, (size_t)n);
    csm_crypto.CRYPTO_free(der, __FILE__, __LINE__);
    return k;
}

/* An encrypted key would make libcrypto prompt on the terminal: refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *data)
{
    (void)buf, (void)size, (void)rwflag, (void)data;
    return -1;
}

static int key_load(const char *path, bool private, struct csm_key **out, const char **why)
{
    char *text;
    size_t len;
    int r = csm_crypto_init();
    if (r < 0) {
        *why = csm_dl_error() ? csm_dl_error() : "libcrypto cannot be loaded";
        return r;
    }
    r = csm_host_file_read(path, KEY_FILE_CAP, &text, &len);
    if (r < 0)
        return r;
    BIO *bio = csm_crypto.BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *pkey = !bio     ? NULL
                     : private ? csm_crypto.PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
                               : csm_crypto.PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
    csm_crypto.BIO_free(bio);
    explicit_bzero(text, len);
    free(text);
    csm_crypto.ERR_clear_error();
    if (!pkey) {
        *why = private ? "not a PEM private key (an encrypted key is not read: nothing is prompted)"
                       : "not a PEM public key";
        return -EINVAL;
    }
    if (!csm_crypto.EVP_PKEY_is_a(pkey, "ED25519")) {
        csm_crypto.EVP_PKEY_free(pkey);
        *why = "not an Ed25519 key (openssl genpkey -algorithm ed25519 makes one)";
        return -EINVAL;
    }
    *out = key_new(pkey);
    if (!*out) {
        *why = "the public key cannot be encoded";
        return -EINVAL;
    }
    return 0;
}

int csm_key_load_private(const char *path, struct csm_key **out, const char **why)
{
    return key_load(path, true, out, why);
}

int csm_key_load_public(const char *path, struct csm_key **out, const char **why)
{
    return key_load(path, false, out, why);
}

int csm_key_from_base64(const char *b64, struct csm_key **out)
{
    unsigned char der[256];
    if (csm_crypto_init() < 0)
        return -ELIBACC;
    int n = unbase64(b64, der, sizeof(der));
    const unsigned char *p = der;
    EVP_PKEY *pkey = n > 0 ? csm_crypto.d2i_PUBKEY(NULL, &p, n) : NULL;
    csm_crypto.ERR_clear_error();
    if (!pkey)
        return -EINVAL;
    if (!csm_crypto.EVP_PKEY_is_a(pkey, "ED25519")) {
        csm_crypto.EVP_PKEY_free(pkey);
        return -EINVAL;
    }
    *out = key_new(pkey);
    return *out ? 0 : -EINVAL;
}

void csm_key_free(struct csm_key *k)
{
    if (!k)
        return;
    csm_crypto.EVP_PKEY_free(k->pkey);
    free(k->fingerprint);
    free(k->public_b64);
    free(k);
}

const char *csm_key_fingerprint(const struct csm_key *k)
{
    return k->fingerprint;
}

const char *csm_key_public_base64(const struct csm_key *k)
{
    return k->public_b64;
}

char *csm_key_sign(const struct csm_key *k, const void *data, size_t len)
{
    unsigned char sig[ED25519_SIG_LEN];
    size_t n = sizeof(sig);
    EVP_MD_CTX *ctx = csm_crypto.EVP_MD_CTX_new();
    /* Ed25519 signs the message itself: no digest is named. */
    bool ok = ctx && csm_crypto.EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
              csm_crypto.EVP_DigestSign(ctx, sig, &n, data, len) == 1;
    csm_crypto.EVP_MD_CTX_free(ctx);
    csm_crypto.ERR_clear_error();
    return ok ? base64(sig, n) : NULL;
}

bool csm_key_verify(const struct csm_key *k, const void *data, size_t len, const char *sig)
{
    unsigned char raw[ED25519_SIG_LEN + 3];
    int n = unbase64(sig, raw, sizeof(raw));
    if (n != ED25519_SIG_LEN)
        return false;
    EVP_MD_CTX *ctx = csm_crypto.EVP_MD_CTX_new();
    bool ok = ctx && csm_crypto.EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
              csm_crypto.EVP_DigestVerify(ctx, raw, (size_t)n, data, len) == 1;
    csm_crypto.EVP_MD_CTX_free(ctx);
    csm_crypto.ERR_clear_error();
    return ok;
}
