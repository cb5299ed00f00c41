/* libarchive, opened with dlopen() the first time an initramfs or an image
 * package is read, not at start: its chain of libraries (libxml2, ICU,
 * libstdc++, nettle, ...) costs more to load than a whole scan that does
 * not need it. The prototypes come from libarchive's own headers; calls go
 * through csm_la: csm_la.archive_read_new(). */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#define CSM_LA_SYMBOLS(X)                                                                                      \
    X(archive_read_new) X(archive_read_free) X(archive_read_open) X(archive_read_open2) X(archive_read_open_fd) \
    X(archive_read_next_header) X(archive_read_data_block) X(archive_read_data_skip)                           \
    X(archive_read_support_filter_gzip) X(archive_read_support_filter_xz) X(archive_read_support_filter_zstd)   \
    X(archive_read_support_filter_lz4) X(archive_read_support_filter_bzip2) X(archive_read_support_filter_lzma) \
    X(archive_read_support_format_cpio) X(archive_read_support_format_tar) X(archive_read_support_format_raw)  \
    X(archive_filter_bytes) X(archive_filter_code) X(archive_filter_name) X(archive_format) X(archive_errno)   \
    X(archive_error_string) X(archive_set_error) X(archive_entry_pathname) X(archive_entry_filetype)           \
    X(archive_entry_size) X(archive_entry_size_is_set)

struct csm_la {
#define CSM_LA_FIELD(name) __typeof__(name) *name;
    CSM_LA_SYMBOLS(CSM_LA_FIELD)
#undef CSM_LA_FIELD
};

extern struct csm_la csm_la;

/* Loads libarchive once; 0, or -ENOSYS when it cannot be loaded. */
int csm_la_load(void);
