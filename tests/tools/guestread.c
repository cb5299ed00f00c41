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
 * of the same tree reports them; the reasons of errors and skips, and the
 * reader child's failure, on stderr). An error prints "guestread: WHAT:
 * REASON", exit status 1 (2 when the image or its guest cannot be read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "guest/guest.h"
#include "image/guest.h"
#include "tree/tree.h"
#include "policy/rules.h"
#include "checks/scan.h"
#include "lib/util.h"

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
                printf("%s %s %s%s%s\n", fs[k].where, fs[k].type ? fs[k].type : "-", fs[k].mount ? fs[k].mount : "-",
                       fs[k].error ? " error: " : "", fs[k].error ? fs[k].error : "");
            if (csm_guest_root_why(g))
                printf("root: %s\n", csm_guest_root_why(g));
            for (char *const *e = csm_guest_mount_errors(g); e && *e; e++)
                printf("mount: %s\n", *e);
            continue;
        }
        if (!strcmp(cmd, "checks")) {
            struct csm_tree *tree = csm_guest_take_tree(g);
            if (!tree) {
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
                if (res[k].reason && (res[k].status == CSM_ERROR || res[k].status == CSM_SKIP))
                    fprintf(stderr, "%s: %s\n", res[k].check->id, res[k].reason);
                csm_result_clear(&res[k]);
            }
            free(res);
            if (csm_guest_failure(g))
                fprintf(stderr, "guestread: the reader: %s\n", csm_guest_failure(g));
            csm_scan_done(&sc);
            csm_ruleset_free(rs);
            break; /* the tree went with the scan */
        }
        if (!arg) {
            fprintf(stderr, "guestread: %s needs a path\n", cmd);
            return 2;
        }
        const struct csm_tree *t = csm_guest_tree(g);
        if (!strcmp(cmd, "cat")) {
            char *buf;
            size_t len;
            if ((r = csm_tree_read(t, arg, 64u << 20, &buf, &len)) == 0) {
                fwrite(buf, 1, len, stdout);
                free(buf);
            }
        } else if (!strcmp(cmd, "ls")) {
            char **names = NULL;
            if ((r = csm_tree_list(t, arg, &names)) == 0) {
                for (char **p = names; p && *p; p++)
                    printf("%s\n", *p);
                strv_free(names);
            }
        } else if (!strcmp(cmd, "readlink")) {
            char *target;
            if ((r = csm_tree_readlink(t, arg, &target)) == 0) {
                printf("%s\n", target);
                free(target);
            }
        } else if (!strcmp(cmd, "stat") || !strcmp(cmd, "lstat")) {
            struct csm_tree_stat st;
            if ((r = csm_tree_stat(t, arg, !strcmp(cmd, "stat"), &st)) == 0) {
                const struct csm_guest_fs *fs;
                size_t nfs = csm_guest_filesystems(g, &fs);
                printf("fs=%s mode=0%o size=%llu\n", st.id.fs >= 1 && st.id.fs <= nfs ? fs[st.id.fs - 1].where : "?",
                       (unsigned)st.mode, (unsigned long long)st.size);
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
