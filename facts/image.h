/* An image file (--image) and the guest inside it.
 * Part of facts/facts.h, which includes every domain. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts/disk.h"
#include "facts/target.h"

/* ---- an image file (--image): its format, and its guest disk read by
 * libfdisk and libblkid through image/guest.h ---- */
struct csm_image;
struct csm_image_info;

/* What the image adds to each partition of its guest disk. */
struct csm_image_part {
    char *last_mounted; /* ext2/3/4: the directory it was last mounted on */
    const char *use;    /* "/", "/boot", "swap", "EFI", "LVM" or NULL */
    char *use_why;      /* how that was told: "last mounted on /", "label root" */
    bool past_end;      /* the partition ends past the end of the disk */
};

struct csm_image_facts {
    int err; /* the file cannot be opened at all (an operational error) */
    char *why;
    const char *path;
    struct csm_image *img;
    const struct csm_image_info *info;
    struct csm_disk *disk; /* NULL when the guest disk could not be read */
    char *disk_why;
    struct csm_image_part *parts; /* parallel to disk->parts */
    char **read_errors;           /* guest ranges that could not be read */
    uint64_t fetched;             /* guest bytes read for the probe */
    bool blank;                   /* the first MiB of the guest holds only zeros */
    int root, boot, lvm;          /* indexes into disk->parts, -1: none */
};
const struct csm_image_facts *csm_facts_image(struct csm_scan *s);

/* ---- the guest's filesystems, root and mounts inside the image
 * (guest/guest.h), read in the reader child; image mode only ---- */
struct csm_guest;
struct csm_guest_facts {
    int err; /* the guest cannot be read at all: a package stream, an unreadable disk */
    char *why;
    struct csm_guest *guest; /* NULL when err */
};
const struct csm_guest_facts *csm_facts_guest(struct csm_scan *s);
