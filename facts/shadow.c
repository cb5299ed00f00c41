/* /etc/shadow as a file: type, owner, mode, attributes, and whether it
 * parses and has a root entry. The password hashes are never kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts/internal.h"
#include "lib/lines.h"
#include "lib/util.h"

#define SHADOW "/etc/shadow"

/* The name of a uid or gid in the tree's own passwd or group file:
 * getpwuid() would answer from the host. */
static char *name_of(struct csm_scan *s, const char *file, unsigned long id)
{
    char *buf, *found = NULL;
    if (csm_tree_read(s->root, file, CSM_CAP_ACCOUNTS, &buf, NULL) < 0)
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

static void *gather_shadow(struct csm_scan *s)
{
    struct csm_shadow *sh = xcalloc(1, sizeof(*sh));
    struct csm_tree_stat st;

    int r = csm_tree_stat(s->root, SHADOW, false, &st);
    if (r < 0) {
        FACT_FAIL(sh, r, "cannot examine %s: %s", SHADOW, csm_strerror(r));
        return sh;
    }
    sh->is_symlink = S_ISLNK(st.mode);
    sh->is_regular = S_ISREG(st.mode);
    sh->mode = st.mode & 07777;
    sh->uid = st.uid;
    sh->gid = st.gid;
    sh->owner = name_of(s, "/etc/passwd", st.uid);
    sh->group = name_of(s, "/etc/group", st.gid);
    if (sh->is_symlink) {
        csm_tree_readlink(s->root, SHADOW, &sh->link_target);
        return sh;
    }
    if (!sh->is_regular)
        return sh;

    struct csm_file *f;
    r = csm_tree_open(s->root, SHADOW, CSM_TREE_NOFOLLOW, &f);
    if (r < 0) {
        sh->read_err = sh->attr_err = r;
        return sh;
    }
    unsigned flags = 0;
    r = csm_file_flags(f, &flags);
    if (r < 0) {
        sh->attr_err = r;
    } else {
        sh->immutable = flags & CSM_FILE_IMMUTABLE;
        sh->append_only = flags & CSM_FILE_APPEND;
    }
    /* Whether it can be changed at all matters only on the running system. */
    struct csm_tree_statfs vfs;
    if (csm_scan_live(s) && csm_tree_statfs(s->root, SHADOW, &vfs) == 0)
        sh->readonly_fs = vfs.readonly;

    char *buf;
    size_t len;
    r = csm_file_read_all(f, CSM_CAP_ACCOUNTS, &buf, &len);
    csm_file_close(f);
    if (r < 0) {
        sh->read_err = r;
        return sh;
    }
    parse_shadow(sh, buf, len);
    explicit_bzero(buf, len);
    free(buf);
    return sh;
}

static void shadow_fact_free(void *fact)
{
    csm_shadow_free(fact);
}

static const struct csm_fact_desc shadow_fact = { "shadow", gather_shadow, shadow_fact_free };

const struct csm_shadow *csm_facts_shadow(struct csm_scan *s)
{
    return csm_fact_get(s, &shadow_fact);
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
