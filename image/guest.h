/* The guest disk of an image as a file descriptor, for libraries that read
 * a device (libfdisk, libblkid): a sparse memfd of the virtual size that
 * holds only the ranges fetched from the image. What was not fetched reads
 * as zeros, so what is fetched decides what the libraries can see: the
 * label areas at both ends, the EBR chain, each partition's superblock
 * region. Fetching is bounded by CSM_GUEST_FETCH_BUDGET. */
#pragma once

#include "image/image.h"

#define CSM_GUEST_FETCH_BUDGET (64ULL << 20)
/* The start of each partition: where libblkid's probers look (ext at 1 KiB,
 * btrfs at 64 KiB, ZFS labels up to 512 KiB, the UDF anchor at 512 KiB). */
#define CSM_GUEST_HEAD (576ULL << 10)
#define CSM_GUEST_TAIL (256ULL << 10)      /* the end of each partition (md 0.90, ZFS, UDF) */
#define CSM_GUEST_DISK_HEAD (64ULL << 10)  /* MBR, GPT header and entries */
#define CSM_GUEST_DISK_TAIL (64ULL << 10)  /* the backup GPT */

struct csm_image_guest;

/* Creates the descriptor and fetches the label areas (the MBR and the
 * disk's first 64 KiB, the EBR chain, the GPT entries, the end of the disk). */
int csm_image_guest_open(struct csm_image *img, struct csm_image_guest **out);
void csm_image_guest_free(struct csm_image_guest *g);
int csm_image_guest_fd(const struct csm_image_guest *g);

/* Fetches [off, off + len) (whole 4 KiB pages, clipped to the disk). */
void csm_image_guest_fetch(struct csm_image_guest *g, uint64_t off, uint64_t len);
/* Fetches what a probe of a partition (or the whole disk) reads: its
 * first 576 KiB and its last 256 KiB. Made for struct csm_disk_source. */
void csm_image_guest_prefetch(void *g, uint64_t off, uint64_t len);

/* Ranges that could not be read ("guest bytes A-B: why"), NULL if none. */
char *const *csm_image_guest_errors(const struct csm_image_guest *g);
uint64_t csm_image_guest_fetched(const struct csm_image_guest *g);
/* True when the first 576 KiB of the guest hold only zeros. */
bool csm_image_guest_head_blank(const struct csm_image_guest *g);
