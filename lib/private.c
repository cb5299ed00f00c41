#include "lib/private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/util.h"

struct csm_private_dir {
    char *path;
    char **files; /* what to remove */
};

int csm_private_dir_new(const char *what, struct csm_private_dir **out)
{
    const char *tmp = getenv("TMPDIR");
    char *path = xasprintf("%s/csm-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
    if (!mkdtemp(path)) {
        int e = -errno;
        free(path);
        return e;
    }
    struct csm_private_dir *d = xcalloc(1, sizeof(*d));
    d->path = path;
    *out = d;
    return 0;
}

const char *csm_private_dir_path(const struct csm_private_dir *d)
{
    return d->path;
}

int csm_private_create(struct csm_private_dir *d, const char *name, int flags)
{
    char *p = xasprintf("%s/%s", d->path, name);
    int fd = open(p, flags | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        int e = -errno;
        free(p);
        return e;
    }
    strv_push(&d->files, p);
    return fd;
}

int csm_private_write(struct csm_private_dir *d, const char *name, const void *data, size_t len)
{
    int fd = csm_private_create(d, name, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fd;
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = -errno;
            close(fd);
            return e;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd) < 0 ? -errno : 0;
}

void csm_private_dir_free(struct csm_private_dir *d)
{
    if (!d)
        return;
    for (size_t i = 0; d->files && d->files[i]; i++)
        unlink(d->files[i]);
    /* and what the library made next to them (librpm: sqlite's -shm and
     * -wal): the directory is the tool's own, nothing in it is anyone else's */
    DIR *dir = opendir(d->path);
    struct dirent *de;
    while (dir && (de = readdir(dir)))
        if (de->d_name[0] != '.' || (de->d_name[1] && (de->d_name[1] != '.' || de->d_name[2])))
            unlinkat(dirfd(dir), de->d_name, 0);
    if (dir)
        closedir(dir);
    rmdir(d->path);
    strv_free(d->files);
    free(d->path);
    free(d);
}
