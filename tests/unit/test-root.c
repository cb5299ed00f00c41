/* Resolution inside a tree: absolute links restart at the tree's top, ".."
 * stops there, loops end with ELOOP, and FIFOs and oversized files are
 * refused without blocking. Both the openat2 path and the user-space walk
 * are exercised on the same tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tree/backend.h"
#include "tree/tree.h"
#include "lib/util.h"

static char tree[] = "/tmp/csm-root-XXXXXX";


static void put(const char *rel, const char *content)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tree, rel);
    FILE *f = fopen(p, "w");
    if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
        perror(p);
        exit(1);
    }
}

static void link_(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tree, rel);
    if (symlink(target, p) < 0) {
        perror(p);
        exit(1);
    }
}

static void mkdir_(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tree, rel);
    if (mkdir(p, 0755) < 0) {
        perror(p);
        exit(1);
    }
}

/* Reads path inside the tree; "" when it cannot. */
static char *read_in(struct csm_tree *r, const char *path, int *err)
{
    char *buf = NULL;
    *err = csm_tree_read(r, path, 4096, &buf, NULL);
    return buf ? buf : xstrdup("");
}

static void expect_content(struct csm_tree *r, const char *mode, const char *path, const char *want)
{
    int err;
    char *got = read_in(r, path, &err);
    CHECK_MSG(err == 0 && streq(got, want), "%s: %s reads the tree's own file (err %d, got %zu bytes)", mode, path, err,
          strlen(got));
    free(got);
}

static void expect_error(struct csm_tree *r, const char *mode, const char *path, int want)
{
    int err;
    free(read_in(r, path, &err));
    CHECK_MSG(err == want, "%s: %s fails with %s (got %s)", mode, path, strerror(-want), strerror(-err));
}

static void run(const char *mode)
{
    struct csm_tree *r;
    if (csm_tree_open_dir(tree, &r) < 0) {
        perror(tree);
        exit(1);
    }
    expect_content(r, mode, "/etc/hostname", "inside\n");
    expect_content(r, mode, "etc/hostname", "inside\n");
    expect_content(r, mode, "/abs/hostname", "inside\n");           /* abs -> /etc */
    expect_content(r, mode, "/slash/etc/hostname", "inside\n");     /* slash -> / */
    expect_content(r, mode, "/etc/../../../../etc/hostname", "inside\n");
    expect_content(r, mode, "/sixdots/etc/hostname", "inside\n");   /* ../../.. from the top */
    expect_content(r, mode, "/etc/os-release", "ID=tree\n");        /* ../usr/lib/os-release */
    expect_content(r, mode, "/etc/passwd-link", "root:x:0:0::/:/bin/sh\n"); /* -> /etc/passwd, the tree's */
    expect_error(r, mode, "/loop", -ELOOP);
    expect_error(r, mode, "/loop-a", -ELOOP);
    expect_error(r, mode, "/missing", -ENOENT);
    expect_error(r, mode, "/etc/fifo", -EMEDIUMTYPE);
    expect_error(r, mode, "/etc", -EISDIR);
    expect_error(r, mode, "/big", -EFBIG);

    struct csm_tree_stat st, st2;
    CHECK_MSG(csm_tree_stat(r, "/abs", false, &st) == 0 && S_ISLNK(st.mode), "%s: lstat sees the link", mode);
    CHECK_MSG(csm_tree_stat(r, "/abs", true, &st) == 0 && S_ISDIR(st.mode), "%s: stat follows it inside", mode);
    CHECK_MSG(csm_tree_stat(r, "/etc", true, &st2) == 0 && csm_node_id_eq(st.id, st2.id),
              "%s: a link and its target are one node", mode);
    CHECK_MSG(csm_tree_stat(r, "/usr", true, &st2) == 0 && !csm_node_id_eq(st.id, st2.id),
              "%s: two directories are two nodes", mode);
    char *target = NULL;
    CHECK_MSG(csm_tree_readlink(r, "/abs", &target) == 0 && streq(target, "/etc"), "%s: readlink", mode);
    free(target);
    struct csm_file *f = NULL;
    int e = csm_tree_open(r, "/etc/passwd-link", CSM_TREE_NOFOLLOW, &f);
    CHECK_MSG(e == -ELOOP, "%s: CSM_TREE_NOFOLLOW refuses a final link (%d)", mode, e);
    if (e == 0)
        csm_file_close(f);
    e = csm_tree_open(r, "/etc/os-release", 0, &f);
    char buf[8] = "";
    CHECK_MSG(e == 0 && csm_file_pread(f, buf, 2, 3) == 2 && memcmp(buf, "tr", 2) == 0, "%s: pread at an offset",
              mode);
    if (e == 0)
        csm_file_close(f);
    struct csm_tree_statfs sf;
    CHECK_MSG(csm_tree_statfs(r, "/etc", &sf) == 0 && sf.blocks > 0 && sf.block_size > 0, "%s: statfs", mode);
    char **names = NULL;
    CHECK_MSG(csm_tree_list(r, "/abs", &names) == 0 && strv_contains(names, "hostname"), "%s: list through a link",
          mode);
    strv_free(names);
    csm_tree_free(r);
}

/* A tree of two filesystems: "/" and, at /boot, another directory. Links
 * cross into it and out of it, ".." leaves it for the directory it is
 * mounted on, and nothing climbs above the tree's top. */
static void mounts(void)
{
    mkdir_("boot");
    mkdir_("bootfs");
    mkdir_("bootfs/grub");
    put("bootfs/grub/grub.cfg", "set root\n");
    put("boot/hidden", "under the mount\n");
    link_("../boot/grub/grub.cfg", "etc/grub2.cfg");
    link_("../../../../etc", "bootfs/grub/etc");
    link_("/etc/hostname", "bootfs/hostname");

    struct csm_tree *t = csm_tree_new();
    struct csm_fs *top, *boot;
    char p[512];
    snprintf(p, sizeof(p), "%s/bootfs", tree);
    CHECK(csm_fs_host_open(tree, &top) == 0 && csm_tree_mount(t, "/", top) == 0);
    CHECK(csm_fs_host_open(p, &boot) == 0 && csm_tree_mount(t, "/boot", boot) == 0);
    const char *mode = "mounts";
    expect_content(t, mode, "/etc/grub2.cfg", "set root\n");
    expect_content(t, mode, "/boot/grub/grub.cfg", "set root\n");
    expect_content(t, mode, "/boot/grub/etc/hostname", "inside\n");
    expect_content(t, mode, "/boot/hostname", "inside\n");
    expect_content(t, mode, "/boot/../etc/hostname", "inside\n");
    expect_content(t, mode, "/boot/grub/../../../../etc/hostname", "inside\n");
    expect_error(t, mode, "/boot/hidden", -ENOENT);
    expect_error(t, mode, "/loop", -ELOOP);
    char **names = NULL;
    CHECK_MSG(csm_tree_list(t, "/boot", &names) == 0 && strv_contains(names, "grub") &&
                  !strv_contains(names, "hidden"),
              "mounts: /boot lists the mounted filesystem");
    strv_free(names);
    struct csm_tree_stat a, b;
    CHECK_MSG(csm_tree_stat(t, "/boot", true, &a) == 0 && csm_tree_stat(t, "/boot/grub/..", true, &b) == 0 &&
                  csm_node_id_eq(a.id, b.id),
              "mounts: /boot is the mounted filesystem's top");
    struct csm_fs *extra;
    CHECK(csm_fs_host_open(p, &extra) == 0);
    CHECK_MSG(csm_tree_mount(t, "/etc/hostname", extra) == -ENOTDIR, "mounts: a mount point is a directory");
    csm_tree_free(t);
}

int main(void)
{
    if (!mkdtemp(tree)) {
        perror("mkdtemp");
        return 1;
    }
    mkdir_("etc");
    mkdir_("usr");
    mkdir_("usr/lib");
    put("etc/hostname", "inside\n");
    put("etc/passwd", "root:x:0:0::/:/bin/sh\n");
    put("usr/lib/os-release", "ID=tree\n");
    link_("../usr/lib/os-release", "etc/os-release");
    link_("/etc/passwd", "etc/passwd-link");
    link_("/etc", "abs");
    link_("/", "slash");
    link_("../../..", "sixdots");
    link_("loop", "loop");
    link_("loop-b", "loop-a");
    link_("/loop-a", "loop-b");
    char p[512];
    snprintf(p, sizeof(p), "%s/etc/fifo", tree);
    if (mkfifo(p, 0644) < 0) {
        perror(p);
        return 1;
    }
    snprintf(p, sizeof(p), "%s/big", tree);
    if (truncate(p, 0) < 0 && errno == ENOENT) {
        int fd = open(p, O_CREAT | O_WRONLY, 0644);
        if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
            return 1;
        close(fd);
    }

    unsetenv("CSM_PRECHECK_FORCE_CHASE");
    run("openat2");
    setenv("CSM_PRECHECK_FORCE_CHASE", "1", 1);
    run("chase");
    unsetenv("CSM_PRECHECK_FORCE_CHASE");
    mounts();

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
    if (system(cmd) != 0)
        return 1;
    return failures ? 1 : 0;
}
