/* Files of the host that the operator names (a rule file, a waivers file,
 * a report, a key) or the tool writes for itself: read with the rules of
 * the tree's files (a regular file only, never more than a cap), but not
 * confined to any tree. The scanned system is read through tree/tree.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads a file of about size bytes through read_at (a negative errno on
 * error, 0 at the end) into a NUL-terminated buffer: -EFBIG when it holds
 * more than cap bytes, however it grew since its size was taken; never
 * more than cap + 1 bytes are read. The tree's files are read with it too. */
typedef ssize_t (*csm_read_at_fn)(void *ctx, void *buf, size_t len, uint64_t off);
int csm_read_capped(uint64_t size, size_t cap, csm_read_at_fn read_at, void *ctx, char **buf, size_t *len);

/* Reads an open descriptor of a regular file of at most cap bytes into a
 * NUL-terminated buffer; -EFBIG past the cap, -EMEDIUMTYPE or -EISDIR for
 * what is not a regular file. Never reads more than cap + 1 bytes. */
int csm_fd_read(int fd, size_t cap, char **buf, size_t *len);
/* The same for a path of the host (opened O_NONBLOCK: a FIFO never blocks). */
int csm_host_file_read(const char *path, size_t cap, char **buf, size_t *len);
