#include "lib/hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

int csm_read_capped(uint64_t size, size_t cap, csm_read_at_fn read_at, void *ctx, char **buf, size_t *len)
{
    if (size > cap)
        return -EFBIG;
    /* The size can change under us (a live file, a hostile tree): read up
     * to cap + 1 bytes whatever the size said, and refuse past the cap. */
    size_t alloc = (size_t)size + 1, n = 0;
    char *p = xmalloc(alloc + 1);
    for (;;) {
        if (n == alloc) {
            if (alloc > cap) {
                free(p);
                return -EFBIG;
            }
            alloc = alloc * 2 > cap + 1 ? cap + 1 : alloc * 2;
            p = xrealloc(p, alloc + 1);
        }
        ssize_t k = read_at(ctx, p + n, alloc - n, n);
        if (k < 0) {
            free(p);
            return (int)k;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    if (n > cap) {
        free(p);
        return -EFBIG;
    }
    p[n] = '\0';
    *buf = p;
    if (len)
        *len = n;
    return 0;
}

/* From where the descriptor stands, as read(2) does. */
static ssize_t fd_read_on(void *ctx, void *buf, size_t len, uint64_t off)
{
    (void)off;
    for (;;) {
        ssize_t k = read(*(int *)ctx, buf, len);
        if (k >= 0 || errno != EINTR)
            return k < 0 ? -errno : k;
    }
}

int csm_fd_read(int fd, size_t cap, char **buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
    return csm_read_capped((uint64_t)st.st_size, cap, fd_read_on, &fd, buf, len);
}

int csm_host_file_read(const char *path, size_t cap, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int ret = csm_fd_read(fd, cap, buf, len);
    close(fd);
    return ret;
}
