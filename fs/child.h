/* The reader child: the filesystem libraries run in a child process with
 * limits, and the parent holds proxies that have the operations of
 * fs.h. The guest filesystems are the most hostile input this tool reads
 * and the libraries that read them are thinly fuzzed (libfsxfs aborts on
 * some crafted inodes): a crash, a hang or a runaway allocation in the
 * child ends that child, and every operation on its filesystems then
 * fails with one named reason ("the xfs reader crashed (Aborted) while
 * looking up \"abs\" in directory inode 128") instead of ending the scan,
 * hanging it, or passing a check.
 *
 * The child is forked with the sources it may read (set up by the caller
 * before, e.g. over the image layer, whose descriptors it inherits) and
 * nothing else: every other descriptor is closed, a seccomp filter makes
 * opening, creating, executing and connecting fail (EPERM), no file can
 * grow (RLIMIT_FSIZE 0), it dumps no core, dies with its parent, and runs under an address-space limit (RLIMIT_AS; not
 * in AddressSanitizer builds, whose shadow memory is terabytes of address
 * space), a CPU-time limit (RLIMIT_CPU) and, enforced by the parent, a
 * wall-clock limit for each request. It serves requests over a socket
 * (fs/proto.h) until the parent closes it. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "fs.h"

#define CSM_FS_CHILD_MEMORY (256ull << 20)
#define CSM_FS_CHILD_CPU_SECONDS 20
#define CSM_FS_CHILD_TIMEOUT_MS 15000

struct csm_fs_limits {
    unsigned long long memory; /* bytes of address space; 0: CSM_FS_CHILD_MEMORY */
    unsigned cpu_seconds;      /* CPU time of the child's life; 0: CSM_FS_CHILD_CPU_SECONDS */
    unsigned timeout_ms;       /* wall-clock time of one request; 0: CSM_FS_CHILD_TIMEOUT_MS */
    size_t cache_bytes;        /* the read cache of each source; 0: 8 MiB */
};

struct csm_fs_child;

/* Forks the child. sources (n of them) must stay valid until the child is
 * freed; keep_fds are the descriptors their reads need. */
int csm_fs_child_start(const struct csm_fs_source *sources, size_t n, const int *keep_fds, size_t n_keep,
                       const struct csm_fs_limits *limits, struct csm_fs_child **out);
/* Opens a filesystem of source index in the child: a proxy with the
 * operations of fs.h (csm_fs_close() closes it; the child lives on until
 * csm_fs_child_free). Same errors and *why as csm_fs_open, and the
 * child's failure. */
int csm_fs_child_open(struct csm_fs_child *c, size_t source, const char *type, struct csm_fsreader **out, char **why);
/* Ends the child (its proxies may still be closed after). */
void csm_fs_child_free(struct csm_fs_child *c);

pid_t csm_fs_child_pid(const struct csm_fs_child *c);
/* Why the child is gone, NULL while it serves. */
const char *csm_fs_child_failure(const struct csm_fs_child *c);
/* Whether this build can limit the child's memory (not under ASan). */
bool csm_fs_child_limits_memory(void);
