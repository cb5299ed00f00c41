/* /etc/shadow as a file: type, owner, mode, attributes, and whether it
 * parses and has a root entry. The password hashes are never kept. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "internal.h"
#include "lines.h"
#include "util.h"

#define SHADOW "/etc/shadow"

/* The name of a uid or gid in the tree's own passwd or group file:
 * getpwuid() would answer from the host. */
static char *name_of(struct csm_scan *s, const char *file, unsigned long id)
{
    char *buf, *found = NULL;
    if (csm_root_read(s->root, file, CSM_CAP_ACCOUNTS, &buf, NULL) < 0)
        return NULL;
    for (char *cur = buf, *line; !found && (line = csm_line_cut(&cur));) {
        char *f[4] = { 0 };
        char *p = line;
        for (size_t i = 0; i < 4 && p; i++) {
            f[i] = p;
            p = strchr(p, ':');
            if (p)
                *p++ = '\0';
        }
        char *end;
        if (f[2] && *f[2] && strtoul(f[2], &end, 10) == id && !*end && *f[0])
            found = xstrdup(f[0]);
    }
    free(buf);
    return found;
}

static const char *password_kind(const char *pw)
{
    static const struct {
        const char *prefix, *kind;
    } kinds[] = {
        { "$y$", "yescrypt hash" }, { "$gy$", "gost-yescrypt hash" }, { "$7$", "scrypt hash" },
        { "$6$", "SHA-512 hash" },  { "$5$", "SHA-256 hash" },        { "$2b$", "bcrypt hash" },
        { "$2y$", "bcrypt hash" },  { "$2a$", "bcrypt hash" },        { "$1$", "MD5 hash" },
    };
    if (!*pw)
        return "empty (no password)";
    if (pw[0] == '!' || pw[0] == '*')
        return "locked";
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (startswith(pw, kinds[i].prefix))
            return kinds[i].kind;
    return "DES or unknown hash";
}

static void parse_shadow(struct csm_shadow *sh, char *buf, size_t len)
{
    unsigned lineno = 0;
    char *end = buf + len;
    for (char *line = buf, *next; line < end; line = next) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        next = nl ? nl + 1 : end;
        size_t n = (size_t)((nl ? nl : end) - line);
        lineno++;
        if (n == 0)
            continue;
        size_t colons = 0;
        bool binary = false;
        for (size_t i = 0; i < n; i++) {
            colons += line[i] == ':';
            binary |= line[i] == '\0';
        }
        if (colons != 8 || binary || line[0] == ':') {
            if (!sh->bad_line)
                sh->bad_line = lineno;
            continue;
        }
        sh->n_entries++;
        if (n > 5 && strncmp(line, "root:", 5) == 0 && !sh->root_line) {
            sh->root_line = lineno;
            char *pw = xstrndup(line + 5, strcspn(line + 5, ":"));
            sh->root_pw_kind = xstrdup(password_kind(pw));
            explicit_bzero(pw, strlen(pw));
            free(pw);
        }
    }
}

const struct csm_shadow *csm_facts_shadow(struct csm_scan *s)
{
    if (s->facts->shadow)
        return s->facts->shadow;
    struct csm_shadow *sh = s->facts->shadow = xcalloc(1, sizeof(*sh));
    struct stat st;

    int r = csm_root_stat(s->root, SHADOW, false, &st);
    if (r < 0) {
        FACT_FAIL(sh, r, "cannot examine %s: %s", SHADOW, csm_strerror(r));
        return sh;
    }
    sh->is_symlink = S_ISLNK(st.st_mode);
    sh->is_regular = S_ISREG(st.st_mode);
    sh->mode = st.st_mode & 07777;
    sh->uid = st.st_uid;
    sh->gid = st.st_gid;
    sh->owner = name_of(s, "/etc/passwd", st.st_uid);
    sh->group = name_of(s, "/etc/group", st.st_gid);
    if (sh->is_symlink) {
        csm_root_readlink(s->root, SHADOW, &sh->link_target);
        return sh;
    }
    if (!sh->is_regular)
        return sh;

    int fd = csm_root_openat(s->root, SHADOW, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        sh->read_err = sh->attr_err = fd;
        return sh;
    }
    int flags = 0;
    int ar = csm_root_attr(s->root, SHADOW, fd, &flags);
    if (ar < 0) {
        sh->attr_err = ar;
    } else {
        sh->immutable = flags & FS_IMMUTABLE_FL;
        sh->append_only = flags & FS_APPEND_FL;
    }
    struct statvfs vfs;
    if (csm_scan_live(s) && fstatvfs(fd, &vfs) == 0)
        sh->readonly_fs = vfs.f_flag & ST_RDONLY;

    char *buf;
    size_t len;
    r = csm_fd_read(fd, CSM_CAP_ACCOUNTS, &buf, &len);
    close(fd);
    if (r < 0) {
        sh->read_err = r;
        return sh;
    }
    parse_shadow(sh, buf, len);
    explicit_bzero(buf, len);
    free(buf);
    return sh;
}

void csm_shadow_free(struct csm_shadow *sh)
{
    if (!sh)
        return;
    free(sh->why);
    free(sh->link_target);
    free(sh->owner);
    free(sh->group);
    free(sh->root_pw_kind);
    free(sh);
}
