/* Libraries opened with dlopen() the first time they are needed, not at
 * start. Every scan pays for what it links: libarchive's chain (libxml2,
 * ICU, libstdc++, ...) costs more to load than a whole check of an image,
 * and libkmod and libcrypto together about a millisecond and 2 MB; a scan
 * that reads no initramfs, decodes no module index and writes no digest
 * needs none of them. The prototypes come from each library's own headers;
 * calls go through a table: csm_la.archive_read_new(), csm_kmod.kmod_new(),
 * csm_crypto.EVP_DigestInit_ex() (digests and the Ed25519 signatures of
 * reports), csm_rpm.headerImport() (the RPM package database, in a child
 * process: facts/rpmdb.c; only a scan of an RPM system loads it). Each loader returns 0, or -ELIBACC when the library or one of
 * its symbols cannot be had (csm_strerror() says so; csm_dl_error() says
 * which and why, and the command exits 4). Built with CSM_DLOPEN=OFF (the static binary)
 * the libraries are linked and the tables point at them: a static binary
 * has nothing to dlopen from. */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <libkmod.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>
#include <rpm/rpmver.h>

#define CSM_DL_FIELD(name) __typeof__(name) *name;

#define CSM_LA_SYMBOLS(X)                                                                                      \
    X(archive_read_new) X(archive_read_free) X(archive_read_open) X(archive_read_open2) X(archive_read_open_fd) \
    X(archive_read_next_header) X(archive_read_data_block) X(archive_read_data_skip)                           \
    X(archive_read_support_filter_gzip) X(archive_read_support_filter_xz) X(archive_read_support_filter_zstd)   \
    X(archive_read_support_filter_lz4) X(archive_read_support_filter_bzip2) X(archive_read_support_filter_lzma) \
    X(archive_read_support_format_cpio) X(archive_read_support_format_tar) X(archive_read_support_format_raw)  \
    X(archive_filter_bytes) X(archive_filter_code) X(archive_filter_name) X(archive_format) X(archive_errno)   \
    X(archive_error_string) X(archive_set_error) X(archive_entry_pathname) X(archive_entry_filetype)           \
    X(archive_entry_size) X(archive_entry_size_is_set)

#define CSM_KMOD_SYMBOLS(X) X(kmod_new) X(kmod_unref) X(kmod_set_log_fn) X(kmod_dump_index)

#define CSM_CRYPTO_SYMBOLS(X)                                                                                  \
    X(OPENSSL_init_crypto) X(EVP_MD_CTX_new) X(EVP_MD_CTX_free) X(EVP_MD_fetch) X(EVP_DigestInit_ex)          \
    X(EVP_DigestUpdate) X(EVP_DigestFinal_ex) X(BIO_new_mem_buf) X(BIO_free) X(PEM_read_bio_PrivateKey)         \
    X(PEM_read_bio_PUBKEY) X(d2i_PUBKEY) X(i2d_PUBKEY) X(EVP_PKEY_is_a) X(EVP_PKEY_free) X(EVP_DigestSignInit) \
    X(EVP_DigestSign) X(EVP_DigestVerifyInit) X(EVP_DigestVerify) X(EVP_EncodeBlock) X(EVP_DecodeBlock)       \
    X(CRYPTO_free) X(ERR_clear_error)

/* librpm's own and, through it, librpmio's (rpmvercmp, macros, log). */
#define CSM_RPM_SYMBOLS(X)                                                                                     \
    X(rpmlogSetCallback) X(rpmlogRecMessage) X(rpmlogRecPriority) X(rpmPushMacro) X(rpmtsCreate)             \
    X(rpmtsSetRootDir) X(rpmtsSetVSFlags) X(rpmtsOpenDB) X(rpmtsInitIterator) X(rpmdbNextIterator)           \
    X(rpmdbGetIteratorOffset) X(rpmdbFreeIterator) X(rpmtsCloseDB) X(rpmtsFree) X(headerImport) X(headerFree) \
    X(headerGetString) X(headerGetNumber) X(headerIsEntry) X(rpmvercmp)

extern struct csm_la {
    CSM_LA_SYMBOLS(CSM_DL_FIELD)
} csm_la;
extern struct csm_kmod {
    CSM_KMOD_SYMBOLS(CSM_DL_FIELD)
} csm_kmod;
extern struct csm_crypto {
    CSM_CRYPTO_SYMBOLS(CSM_DL_FIELD)
} csm_crypto;
extern struct csm_rpm {
    CSM_RPM_SYMBOLS(CSM_DL_FIELD)
} csm_rpm;

int csm_la_load(void);
int csm_kmod_load(void);
int csm_crypto_load(void);
int csm_rpm_load(void);
/* "libarchive.so.13 cannot be loaded: ...", the first failure; NULL when
 * every library asked for was loaded. */
const char *csm_dl_error(void);
