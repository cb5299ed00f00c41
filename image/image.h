/* A read-only block layer over disk image files: qcow2, vmdk, vhd ("vpc")
 * and raw, also inside a tar/gzip package. Opening an image detects its
 * format from the content, validates its metadata and records every problem
 * with the offset and the field it concerns; the guest disk can then be
 * read at any offset.
 *
 * Only metadata and the guest bytes asked for are read: the time and the
 * memory of an open do not grow with the virtual size (a package is the
 * exception: it is read to its end, unless opened quick). Every size and
 * loop taken from the file is bounded, so a hostile file costs at most
 * CSM_IMAGE_META_BUDGET bytes of table reading. The file is never written.
 *
 * Errors are negative errno values. Library code: it never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum csm_image_format {
    CSM_IMAGE_EMPTY,   /* a file of zero bytes */
    CSM_IMAGE_UNKNOWN, /* no known format, no partition table, no filesystem */
    CSM_IMAGE_REFUSED, /* a format this tool names but the service does not take */
    CSM_IMAGE_RAW,
    CSM_IMAGE_QCOW2,
    CSM_IMAGE_VMDK,
    CSM_IMAGE_VHD,
};

/* What a problem means for the upload; the checks map each to a verdict. */
enum csm_image_problem_kind {
    CSM_IMGP_TRUNCATED,   /* metadata or data lies past the end of the file */
    CSM_IMGP_CORRUPT,     /* a field out of range, a bad checksum, a bad table entry */
    CSM_IMGP_UNSUPPORTED, /* a feature the importer may not read */
    CSM_IMGP_ENCRYPTED,
    CSM_IMGP_DEPENDENT,   /* needs another file: backing file, parent, extents */
    CSM_IMGP_UNCLEAN,     /* not closed cleanly: readable, but should be checked */
    CSM_IMGP_UNVERIFIED,  /* a part that was not read (stream budget) */
    CSM_IMGP_PARTIAL,     /* tables validated only in part (metadata budget) */
};
#define CSM_IMGP_KINDS (CSM_IMGP_PARTIAL + 1)

const char *csm_image_problem_kind_name(enum csm_image_problem_kind k);

struct csm_image_problem {
    enum csm_image_problem_kind kind;
    uint64_t offset; /* in the file (the member, inside a package) */
    char *field;     /* "l1_table_offset", "footer.checksum", "extent 2" */
    char *what;
};

struct csm_image_info {
    enum csm_image_format format;
    const char *format_name; /* "qcow2", "vhd", "vhdx", "ELF executable", ... */
    char *subformat;         /* "v3 (compat 1.1)", "dynamic", "streamOptimized" */
    char *name_format;       /* what the file name says ("vhd" for x.vhd), or NULL */

    uint64_t file_size;      /* bytes of the file as uploaded */
    uint64_t virtual_size;   /* bytes of the guest disk; 0 when unknown */
    uint64_t allocated;      /* guest bytes the image maps to data */
    bool allocated_known;

    char *package;           /* "tar.gz", "tar", "gzip"; NULL when not packaged */
    char *member;            /* the member examined inside the package */
    uint64_t member_size;

    bool readable;           /* the guest disk can be read (csm_image_read) */
    char *unreadable_why;

    struct csm_image_problem *problems;
    size_t n_problems;
    size_t n_dropped;        /* problems past the cap, counted only */
    char **notes;            /* facts worth showing that are not problems */
};

struct csm_image;

/* How an image is opened; NULL or all zeros: the defaults. */
struct csm_image_opts {
    /* A package (tar, tar.gz, gzip) is read to its end, whatever that
     * costs, so that its checksums and its end are verified; quick stops
     * that reading at the stream budget (the rest is then "unverified"). */
    bool quick;
    uint64_t stream_budget; /* bytes one pass over a package may inflate; 0: CSM_IMAGE_STREAM_BUDGET */
    /* Called now and then while a package is read to its end: the bytes
     * of the file read so far, and its size; done == total at the end. */
    void (*progress)(void *data, uint64_t done, uint64_t total);
    void *progress_data;
};

/* Opens a file read-only (never blocks on a FIFO, refuses what is not a
 * regular file with -EMEDIUMTYPE). Problems of the content are not errors:
 * they are in the info. The directory of path is where a vmdk descriptor's
 * extent files are looked up. */
int csm_image_open(const char *path, const struct csm_image_opts *opts, struct csm_image **out);
/* The same on a descriptor (kept open by the caller); dirfd is where
 * extent files are looked up, -1 for nowhere. */
int csm_image_open_fd(int fd, int dirfd, const char *name, const struct csm_image_opts *opts,
                      struct csm_image **out);
void csm_image_free(struct csm_image *img);
/* The format of a regular file from its first and last bytes only: nothing
 * is validated and no package is opened (a tar or gzip package is
 * CSM_IMAGE_UNKNOWN, named so). For telling an image from a raw disk. */
enum csm_image_format csm_image_sniff(int fd, const char **name);

const struct csm_image_info *csm_image_info(const struct csm_image *img);

/* Reads guest bytes. Unallocated ranges read as zeros. Returns 0, or a
 * negative errno when a part cannot be read (it is recorded as a problem
 * and the buffer holds zeros there): -EIO outside the file, -EBADMSG for
 * a bad compressed cluster, -E2BIG when a package stream's budget is used. */
int csm_image_read(struct csm_image *img, void *buf, size_t len, uint64_t offset);

/* The descriptors csm_image_read() reads from (the file, a vmdk's extent
 * files): at most cap of them in fds, their number returned. A process
 * that reads the image after closing every other descriptor (the reader
 * child of a guest scan) keeps these. */
size_t csm_image_fds(const struct csm_image *img, int *fds, size_t cap);

/* True when reading the guest goes through a compressed stream: reads
 * should come in ascending order, each step back starts the stream over. */
bool csm_image_streamed(const struct csm_image *img);

/* The format a file name suggests ("qcow2" for x.qcow2, "vhd" for x.vpc);
 * NULL when the name says nothing. */
const char *csm_image_name_format(const char *name);

/* Caps. */
#define CSM_IMAGE_MAX_VIRTUAL (64ULL << 40)   /* 64 TiB: more is out of range */
#define CSM_IMAGE_META_BUDGET (128ULL << 20)  /* table bytes read for validation */
#define CSM_IMAGE_STREAM_BUDGET (1ULL << 30)  /* bytes a pass over a package inflates (--quick) */
#define CSM_IMAGE_MAX_PROBLEMS 32
