#include "checks/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts/facts.h"
#include "guest/guest.h"
#include "image/image.h"
#include "lib/util.h"

/* Letters, digits, '-', '.' and '_': a name that can go into a file name. */
static bool hostname_like(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._");
    return n && n <= 64 && !s[n] && s[0] != '.' && s[0] != '-';
}

/* --disk: a block device or a raw image file. An image format is named,
 * and --image is the way to check it. */
static int check_disk(struct csm_scan *s, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = -errno;
        s->error = xasprintf("--disk %s: %s", path, strerror(-e));
        if (fd >= 0)
            close(fd);
        return e;
    }
    const char *name = NULL;
    enum csm_image_format f = S_ISREG(st.st_mode) ? csm_image_sniff(fd, &name) : CSM_IMAGE_RAW;
    close(fd);
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        s->error = xasprintf("--disk %s: neither a block device nor a raw disk image file", path);
        return -EMEDIUMTYPE;
    }
    if (f != CSM_IMAGE_RAW && f != CSM_IMAGE_EMPTY) {
        s->error = xasprintf("--disk %s: the file is a %s, not a raw disk: check the image itself with --image %s "
                             "(or give --disk a raw copy, or the device qemu-nbd attaches it to)",
                             path, name, path);
        return -EMEDIUMTYPE;
    }
    return 0;
}

/* An image whose guest has a root found by its content gains the guest's
 * tree and disk: every system check then runs on it as on --root --disk.
 * The guest's filesystems stay open (in the reader child) until the scan
 * ends. A system disk whose root cannot be read keeps the checks that need
 * the tree, in error with the reason (a stream without random access:
 * skipped), so that the verdict can never be ready. An image without a
 * readable guest disk has nothing of a system to check: its image checks
 * say why. */
static void attach_guest(struct csm_scan *s)
{
    const struct csm_guest_facts *gf = csm_facts_guest(s);
    if (gf->err == -ENODEV)
        return;
    if (gf->err) {
        s->no_tree = xstrdup(gf->why);
        s->no_tree_skip = gf->err == -ESPIPE;
        return;
    }
    if (!csm_guest_tree(gf->guest)) {
        const char *why = csm_guest_failure(gf->guest);
        if (!why)
            why = csm_guest_root_why(gf->guest);
        s->no_tree = xasprintf("the guest's root cannot be read: %s", why ? why : "no root found");
        return;
    }
    s->root = csm_guest_take_tree(gf->guest);
    s->target.has |= CSM_HAS_TREE | CSM_HAS_DISK;
}

static int scan_init(struct csm_scan *s, const struct csm_scan_options *opts, const struct csm_ruleset *rules,
                     struct csm_tree *tree)
{
    /* What the target has follows from the options alone. */
    unsigned has = opts->image ? CSM_HAS_IMAGE
                   : opts->root ? CSM_HAS_TREE | (opts->disk ? CSM_HAS_DISK : 0)
                                : CSM_HAS_TREE | CSM_HAS_DISK | CSM_HAS_KERNEL;
    *s = (struct csm_scan){
        .target = { .has = has },
        .opts = opts,
        .rules = rules,
        .root = tree,
    };
    int r = 0;
    if (csm_scan_has(s, CSM_HAS_TREE) && !tree) {
        r = csm_tree_open_dir(opts->root ? opts->root : "/", &s->root);
        if (r < 0) {
            s->error = xasprintf("--root %s: %s", opts->root ? opts->root : "/", csm_strerror(r));
            return r;
        }
    }
    s->facts = csm_facts_new();
    if (csm_scan_has(s, CSM_HAS_IMAGE) && csm_facts_image(s)->err) {
        r = csm_facts_image(s)->err;
        s->error = xasprintf("--image %s: %s", opts->image, csm_strerror(r));
    } else if (csm_scan_has(s, CSM_HAS_IMAGE) && !opts->file_only && opts->role != CSM_ROLE_DATA) {
        attach_guest(s);
    } else if (!csm_scan_has(s, CSM_HAS_IMAGE) && opts->disk) {
        r = check_disk(s, opts->disk);
    }
    if (r == 0 && opts->agent_config && csm_facts_agent_config(s)->err) {
        r = csm_facts_agent_config(s)->err;
        s->error = xasprintf("--agent-config %s", csm_facts_agent_config(s)->why);
    }
    if (r < 0) {
        char *e = s->error;
        s->error = NULL;
        csm_scan_done(s);
        s->error = e;
        return r;
    }
    csm_vars_set(&s->globals, "root", opts->root ? opts->root : "");
    csm_vars_set(&s->globals, "profile", csm_ruleset_profile(rules));
    /* {host} names files the fixes write: the label stands in for a
     * hostname the system does not have, when it can name a file. */
    const char *host = csm_facts_identity(s)->hostname;
    if (streq(host, "unknown") && opts->host_label && hostname_like(opts->host_label))
        host = opts->host_label;
    csm_vars_set(&s->globals, "host", host);
    csm_vars_set(&s->globals, "family", csm_family_name(csm_facts_osrel(s)->family));
    return 0;
}

int csm_scan_init(struct csm_scan *s, const struct csm_scan_options *opts, const struct csm_ruleset *rules)
{
    return scan_init(s, opts, rules, NULL);
}

int csm_scan_init_tree(struct csm_scan *s, const struct csm_scan_options *opts, const struct csm_ruleset *rules,
                       struct csm_tree *tree)
{
    return scan_init(s, opts, rules, tree);
}

void csm_scan_done(struct csm_scan *s)
{
    csm_tree_free(s->root); /* first: a guest's tree reads through the guest facts */
    csm_facts_free(s->facts);
    csm_vars_clear(&s->globals);
    free(s->error);
    free(s->no_tree);
    s->no_tree = NULL;
    s->facts = NULL;
    s->root = NULL;
    s->error = NULL;
}
