/* A test driver for the guest filesystem readers (fs/): opens the
 * filesystem in a range of a file (or an LVM volume on it), in-process or
 * in the limited reader child, and runs commands on it, printing what the
 * real tools' oracles (debugfs, xfs_db, mdir) print in their own way.
 *
 *   fsread [OPTIONS] FILE COMMAND [ARG] [COMMAND [ARG]]...
 *   --offset N --size N    the range of FILE (default: all of it)
 *   --type TYPE            the filesystem's type (default: probed)
 *   --child                read in the reader child
 *   --memory N --cpu N --timeout MS   the child's limits
 *   --cache N              the child's read cache (bytes)
 *   --lvm VG/LV            the range is an LVM PV: read that volume on it
 *   --stall-at N --stall sleep|spin|crash|open   the source hangs, spins, crashes or opens a
 *                          file when byte N is read
 *   --can-limit-memory     exit 0 when the child's memory can be limited (not under ASan)
 * Commands: info, statfs, stat PATH, lstat PATH, cat PATH, readlink PATH,
 * ls PATH, head PATH N (the first N bytes). Paths are resolved with the
 * links inside the filesystem (absolute ones restart at its root, ".."
 * stops there). An error prints "fsread: WHAT: REASON" and the exit
 * status is 1 (2 when the filesystem does not open). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/child.h"
#include "fs/fs.h"
#include "fs/lvm.h"
#include "lib/util.h"

static uint64_t stall_at = UINT64_MAX;
static const char *stall_kind;
static struct csm_fs_source base;

static int stalling_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    (void)ctx;
    if (stall_at >= off && stall_at < off + len) {
        if (!strcmp(stall_kind, "crash"))
            raise(SIGSEGV);
        if (!strcmp(stall_kind, "open")) { /* what a library must not do in the child */
            int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return -errno;
            close(fd);
            return base.read(base.ctx, buf, len, off);
        }
        if (!strcmp(stall_kind, "spin"))
            for (volatile unsigned long i = 0;; i++)
                ;
        for (;;)
            pause();
    }
    return base.read(base.ctx, buf, len, off);
}

/* One name at a time; links followed (the last one when follow). */
static int resolve(struct csm_fsreader *fs, const char *path, bool follow, struct csm_fs_stat *out)
{
    char work[8192];
    csm_fs_node stack[512];
    int depth = 0, links = 0;
    snprintf(work, sizeof(work), "%s", path);
    char *p = work;
    stack[0] = fs->root;
    int r = csm_fs_stat(fs, fs->root, out);
    if (r < 0)
        return r;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            return csm_fs_stat(fs, stack[depth], out);
        char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        bool last = !end[strspn(end, "/")];
        if (len == 1 && p[0] == '.') {
            p = end;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (depth > 0)
                depth--;
            p = end;
            continue;
        }
        struct csm_fs_stat st;
        if ((r = csm_fs_lookup(fs, stack[depth], p, len, &st)) < 0)
            return r;
        if (S_ISLNK(st.mode) && (!last || follow)) {
            char target[CSM_FS_LINK_MAX + 1];
            if (++links > 40)
                return -ELOOP;
            ssize_t n = csm_fs_readlink(fs, st.node, target, sizeof(target));
            if (n < 0)
                return (int)n;
            char rest[8192];
            size_t tail = strlen(end);
            if ((size_t)n + tail + 2 > sizeof(rest))
                return -ENAMETOOLONG;
            memcpy(rest, target, (size_t)n);
            rest[n] = '/';
            memcpy(rest + n + 1, end, tail + 1);
            memcpy(work, rest, sizeof(work));
            p = work;
            if (*p == '/')
                depth = 0;
            continue;
        }
        if (!last && !S_ISDIR(st.mode))
            return -ENOTDIR;
        if (last) {
            *out = st;
            return 0;
        }
        if (depth + 1 >= (int)ARRAY_SIZE(stack))
            return -ENAMETOOLONG;
        stack[++depth] = st.node;
        p = end;
    }
}

static int fail(struct csm_fsreader *fs, const char *what, int err)
{
    fprintf(stderr, "fsread: %s: %s\n", what, csm_fs_why(fs, err));
    return 1;
}

struct names {
    char **v;
    struct csm_fsreader *fs;
};

static int add_name(void *data, const struct csm_fs_dirent *e)
{
    struct names *n = data;
    char t = e->type == DT_DIR ? 'd' : e->type == DT_LNK ? 'l' : e->type == DT_REG ? '-' : '?';
    strv_pushf(&n->v, "%.*s %c", (int)e->name_len, e->name, t);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int command(struct csm_fsreader *fs, const char *cmd, const char *arg, const char *arg2)
{
    struct csm_fs_stat st;
    int r;
    if (!strcmp(cmd, "info")) {
        printf("type=%s label=%s uuid=%s state=0x%x size=%llu\n", fs->info.type, fs->info.label, fs->info.uuid,
               fs->info.state, (unsigned long long)fs->info.size);
        if (fs->info.state_why[0])
            printf("state: %s\n", fs->info.state_why);
        return 0;
    }
    if (!strcmp(cmd, "statfs")) {
        struct csm_fs_statfs sf;
        if ((r = csm_fs_statfs(fs, &sf)) < 0)
            return fail(fs, "statfs", r);
        printf("block_size=%u blocks=%llu free=%llu avail=%llu files=%llu free_files=%llu stale=%d\n", sf.block_size,
               (unsigned long long)sf.blocks, (unsigned long long)sf.free_blocks, (unsigned long long)sf.avail_blocks,
               (unsigned long long)sf.files, (unsigned long long)sf.free_files, sf.stale);
        return 0;
    }
    if (!arg) {
        fprintf(stderr, "fsread: %s needs a path\n", cmd);
        return 64;
    }
    if ((r = resolve(fs, arg, strcmp(cmd, "lstat") && strcmp(cmd, "readlink"), &st)) < 0)
        return fail(fs, arg, r);
    if (!strcmp(cmd, "stat") || !strcmp(cmd, "lstat")) {
        printf("mode=0%o uid=%u gid=%u size=%llu nlink=%llu flags=%s%s ino=%llu mtime=%lld\n", st.mode, st.uid, st.gid,
               (unsigned long long)st.size, (unsigned long long)st.nlink, (st.flags & CSM_FS_IMMUTABLE) ? "i" : "",
               (st.flags & CSM_FS_APPEND) ? "a" : "", (unsigned long long)st.node, (long long)st.mtime);
    } else if (!strcmp(cmd, "readlink")) {
        char t[CSM_FS_LINK_MAX + 1];
        ssize_t n = csm_fs_readlink(fs, st.node, t, sizeof(t));
        if (n < 0)
            return fail(fs, arg, (int)n);
        printf("%s\n", t);
    } else if (!strcmp(cmd, "cat") || !strcmp(cmd, "head")) {
        uint64_t want = arg2 ? strtoull(arg2, NULL, 0) : UINT64_MAX, off = 0;
        static char buf[1 << 20];
        while (off < want) {
            size_t len = want - off < sizeof(buf) ? (size_t)(want - off) : sizeof(buf);
            ssize_t n = csm_fs_pread(fs, st.node, buf, len, off);
            if (n < 0)
                return fail(fs, arg, (int)n);
            if (n == 0)
                break;
            fwrite(buf, 1, (size_t)n, stdout);
            off += (uint64_t)n;
        }
    } else if (!strcmp(cmd, "ls")) {
        struct names n = { NULL, fs };
        if ((r = csm_fs_list(fs, st.node, add_name, &n)) < 0) {
            strv_free(n.v);
            return fail(fs, arg, r);
        }
        size_t k = strv_length(n.v);
        if (k)
            qsort(n.v, k, sizeof(*n.v), cmp_str);
        for (size_t i = 0; i < k; i++)
            printf("%s\n", n.v[i]);
        strv_free(n.v);
    } else {
        fprintf(stderr, "fsread: unknown command %s\n", cmd);
        return 64;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t offset = 0, size = UINT64_MAX;
    const char *type = NULL, *lv = NULL;
    bool child = false;
    struct csm_fs_limits lim = { 0 };
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--child")) {
            child = true;
            continue;
        }
        if (!strcmp(o, "--can-limit-memory"))
            return csm_fs_child_limits_memory() ? 0 : 1;
        if (!v)
            return 64;
        i++;
        if (!strcmp(o, "--offset"))
            offset = strtoull(v, NULL, 0);
        else if (!strcmp(o, "--size"))
            size = strtoull(v, NULL, 0);
        else if (!strcmp(o, "--type"))
            type = v;
        else if (!strcmp(o, "--memory"))
            lim.memory = strtoull(v, NULL, 0);
        else if (!strcmp(o, "--cpu"))
            lim.cpu_seconds = (unsigned)atoi(v);
        else if (!strcmp(o, "--timeout"))
            lim.timeout_ms = (unsigned)atoi(v);
        else if (!strcmp(o, "--cache"))
            lim.cache_bytes = strtoull(v, NULL, 0);
        else if (!strcmp(o, "--lvm"))
            lv = v;
        else if (!strcmp(o, "--stall-at"))
            stall_at = strtoull(v, NULL, 0);
        else if (!strcmp(o, "--stall"))
            stall_kind = v;
        else
            return 64;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: fsread [OPTIONS] FILE COMMAND [ARG]...\n");
        return 64;
    }
    int fd = open(argv[i++], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror("fsread");
        return 2;
    }
    uint64_t file = (uint64_t)lseek(fd, 0, SEEK_END);
    if (size == UINT64_MAX)
        size = offset < file ? file - offset : 0;
    struct csm_fs_source disk, src;
    csm_fs_source_fd(fd, offset, size, &disk);
    src = disk;
    struct csm_lvm_vg *vg = NULL;
    const struct csm_fs_source **pvs = NULL;
    struct csm_fs_child *c = NULL;
    struct csm_fsreader *fs = NULL;
    char *why = NULL;
    int status = 2, r;
    if (lv) {
        struct csm_lvm_label label;
        r = csm_lvm_read(&disk, &label, &vg, &why);
        if (r < 0) {
            fprintf(stderr, "fsread: lvm: %s\n", why ? why : strerror(-r));
            goto out;
        }
        const char *slash = strchr(lv, '/');
        if (!slash || strncmp(lv, vg->name, (size_t)(slash - lv)) || vg->name[slash - lv]) {
            fprintf(stderr, "fsread: lvm: the PV belongs to %s\n", vg->name);
            goto out;
        }
        pvs = xcalloc(vg->n_pvs ? vg->n_pvs : 1, sizeof(*pvs));
        ssize_t k = csm_lvm_vg_pv(vg, label.pv_uuid);
        if (k >= 0)
            pvs[k] = &disk;
        if ((r = csm_lvm_map(vg, slash + 1, pvs, &src, &why)) < 0) {
            fprintf(stderr, "fsread: lvm: %s\n", why);
            goto out;
        }
    }
    base = src;
    struct csm_fs_source stalling = src;
    if (stall_kind) {
        stalling.read = stalling_read;
        stalling.free = NULL;
    }
    if (child) {
        r = csm_fs_child_start(&stalling, 1, &fd, 1, &lim, &c);
        if (r == 0)
            r = csm_fs_child_open(c, 0, type, &fs, &why);
    } else {
        r = csm_fs_open(type, &stalling, &fs, &why);
    }
    if (r < 0) {
        fprintf(stderr, "fsread: open: %s\n", why ? why : strerror(-r));
        goto out;
    }
    status = 0;
    for (; i < argc; i++) {
        const char *cmd = argv[i];
        const char *arg = strcmp(cmd, "info") && strcmp(cmd, "statfs") && i + 1 < argc ? argv[++i] : NULL;
        const char *arg2 = !strcmp(cmd, "head") && i + 1 < argc ? argv[++i] : NULL;
        int k = command(fs, cmd, arg, arg2);
        if (k)
            status = k;
        fflush(stdout);
    }
out:
    csm_fs_close(fs);
    csm_fs_child_free(c);
    if (src.ctx != disk.ctx)
        csm_fs_source_free(&src);
    csm_fs_source_free(&disk);
    free(pvs);
    csm_lvm_vg_free(vg);
    free(why);
    close(fd);
    return status;
}
