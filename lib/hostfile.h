/* Files of the host that the operator names (a rule file, a waivers file,
 * a report, a key) or the tool writes for itself: read with the rules of
 * the tree's files (a regular file only, never more than a cap), but not
 * confined to any tree. The scanned system is read through tree/tree.h. */
#pragma once

#include <stddef.h>

/* Reads an open descriptor of a regular file of at most cap bytes into a
 * NUL-terminated buffer; -EFBIG past the cap, -EMEDIUMTYPE or -EISDIR for
 * what is not a regular file. Never reads more than cap + 1 bytes. */
int csm_fd_read(int fd, size_t cap, char **buf, size_t *len);
/* The same for a path of the host (opened O_NONBLOCK: a FIFO never blocks). */
int csm_host_file_read(const char *path, size_t cap, char **buf, size_t *len);
