/* A test driver for the guest tree (guest/): opens a disk image, finds its
 * partitions as the disk facts do (libfdisk and libblkid over the image's
 * guest disk), reads the guest's filesystems in the reader child, and runs
 * commands on the guest's tree, its mounts composed from its fstab.
 *
 *   guestread IMAGE COMMAND [ARG] [COMMAND [ARG]]...
 * Commands: info (each filesystem: where, type, mount point or error; the
 * root's failure; the mounts that could not be made), cat PATH, ls PATH,
 * readlink PATH, stat PATH, lstat PATH (which filesystem holds it, mode,
 * size), checks (every check of the offline rule set on the guest's tree,
 * read as a --root tree: "ID STATUS OUTCOME" a line, as csm-precheck --root
 * of the same tree reports them). An error prints "guestread: WHAT: REASON", exit status 1 (2 when
 * the image or its guest cannot be read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "guest/guest.h"
#include "image/guest.h"
#include "root.h"
#include "rules.h"
#include "scan.h"
#include "util.h"

static void rule_error(const char *file, unsigned line, unsigned col, const char *msg, void *data)
{
    (void)data;
    fprintf(stderr, "guestread: %s:%u:%u: %s\n", file, line, col, msg);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: guestread IMAGE COMMAND [ARG]...\n");
        return 2;
    }
    struct csm_image *img = NULL;
    int r = csm_image_open(argv[1], NULL, &img);
    if (r < 0) {
        fprintf(stderr, "guestread: %s: %s\n", argv[1], csm_strerror(r));
        return 2;
    }
    struct csm_image_guest *ig = NULL;
    if ((r = csm_image_guest_open(img, &ig)) < 0) {
        fprintf(stderr, "guestread: guest disk: %s\n", csm_strerror(r));
        return 2;
    }
    struct csm_disk_source dsrc = { csm_image_guest_prefetch, ig };
    struct csm_disk *d = csm_disk_probe_fd(csm_image_guest_fd(ig), argv[1], &dsrc);
    struct csm_guest_part *parts = xcalloc(d->n_parts + 1, sizeof(*parts));
    for (size_t i = 0; i < d->n_parts; i++) {
        const struct csm_partition *p = &d->parts[i];
        parts[i] = (struct csm_guest_part){ p->partno, p->start * d->sector_size, p->size * d->sector_size,
                                            p->partuuid, p->partlabel, p->fstype };
    }
    struct csm_guest *g = NULL;
    r = csm_guest_open(img, parts, d->n_parts, NULL, &g);
    if (r < 0) {
        fprintf(stderr, "guestread: guest: %s\n", csm_strerror(r));
        return 2;
    }
    int status = 0;
    for (int i = 2; i < argc; i++) {
        const char *cmd = argv[i];
        bool bare = !strcmp(cmd, "info") || !strcmp(cmd, "checks");
        const char *arg = !bare && i + 1 < argc ? argv[++i] : NULL;
        if (!strcmp(cmd, "info")) {
            const struct csm_guest_fs *fs;
            size_t n = csm_guest_filesystems(g, &fs);
            for (size_t k = 0; k < n; k++)
                printf("%s %s %s%s%s\n", fs[k].where, fs[k].type, fs[k].mount ? fs[k].mount : "-",
                       fs[k].error ? " error: " : "", fs[k].error ? fs[k].error : "");
            if (csm_guest_root_why(g))
                printf("root: %s\n", csm_guest_root_why(g));
            for (char *const *e = csm_guest_mount_errors(g); e && *e; e++)
                printf("mount: %s\n", *e);
            continue;
        }
        if (!strcmp(cmd, "checks")) {
            struct csm_root *tree;
            if ((r = csm_guest_tree(g, argv[1], &tree)) < 0) {
                fprintf(stderr, "guestread: tree: %s\n", csm_guest_root_why(g));
                return 1;
            }
            size_t n_sec;
            struct csm_rules_section *sec = csm_checks_sections(&n_sec);
            struct csm_ruleset *rs;
            r = csm_ruleset_load(sec, n_sec, "offline", NULL, rule_error, NULL, &rs);
            free(sec);
            if (r < 0) {
                fprintf(stderr, "guestread: rules: %s\n", csm_strerror(r));
                return 2;
            }
            struct csm_scan_options opts = { .root = argv[1] };
            struct csm_scan sc;
            if ((r = csm_scan_init_tree(&sc, &opts, rs, tree)) < 0) {
                fprintf(stderr, "guestread: scan: %s\n", sc.error ? sc.error : csm_strerror(r));
                return 2;
            }
            size_t n;
            struct csm_result *res = csm_checks_run(&sc, &n);
            for (size_t k = 0; k < n; k++) {
                printf("%s %s %s\n", res[k].check->id, csm_status_name(res[k].status),
                       res[k].outcome ? res[k].outcome : "");
                csm_result_clear(&res[k]);
            }
            free(res);
            csm_scan_done(&sc);
            csm_ruleset_free(rs);
            continue;
        }
        if (!arg) {
            fprintf(stderr, "guestread: %s needs a path\n", cmd);
            return 2;
        }
        if (!strcmp(cmd, "cat")) {
            char *buf;
            size_t len;
            if ((r = csm_guest_read(g, arg, 64u << 20, &buf, &len)) == 0) {
                fwrite(buf, 1, len, stdout);
                free(buf);
            }
        } else if (!strcmp(cmd, "ls")) {
            char **names;
            if ((r = csm_guest_list(g, arg, &names)) == 0) {
                for (char **p = names; *p; p++)
                    printf("%s\n", *p);
                strv_free(names);
            }
        } else if (!strcmp(cmd, "readlink")) {
            char *t;
            if ((r = csm_guest_readlink(g, arg, &t)) == 0) {
                printf("%s\n", t);
                free(t);
            }
        } else if (!strcmp(cmd, "stat") || !strcmp(cmd, "lstat")) {
            struct csm_guest_node n;
            if ((r = csm_guest_resolve(g, arg, !strcmp(cmd, "stat"), &n)) == 0) {
                const struct csm_guest_fs *fs;
                csm_guest_filesystems(g, &fs);
                printf("fs=%s mode=0%o size=%llu\n", fs[n.fs].where, n.st.mode, (unsigned long long)n.st.size);
            }
        } else {
            fprintf(stderr, "guestread: unknown command %s\n", cmd);
            return 2;
        }
        if (r < 0) {
            fprintf(stderr, "guestread: %s: %s\n", arg, csm_strerror(r));
            status = 1;
        }
    }
    csm_guest_free(g);
    free(parts);
    csm_disk_free(d);
    csm_image_guest_free(ig);
    csm_image_free(img);
    return status;
}
