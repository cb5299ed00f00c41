#include "lib/hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

int csm_fd_read(int fd, size_t cap, char **buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
    if ((uint64_t)st.st_size > cap)
        return -EFBIG;

    /* The size can change under us: read up to cap + 1 bytes whatever
     * fstat said, and refuse past the cap. */
    size_t alloc = (size_t)st.st_size + 1, n = 0;
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
        ssize_t k = read(fd, p + n, alloc - n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            free(p);
            return e;
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

int csm_host_file_read(const char *path, size_t cap, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int ret = csm_fd_read(fd, cap, buf, len);
    close(fd);
    return ret;
}
