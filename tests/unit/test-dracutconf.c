/* dracut's configuration (src/dracutconf.c): assignments and appends in
 * dracut's file order, where each driver word comes from, add beating
 * omit; and, where bash is there, the values bash itself gets when it
 * sources the same files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lib/dracutconf.h"
#include "lib/kv.h"
#include "tree/tree.h"
#include "lib/hostfile.h"
#include "lib/util.h"

static const char dist[] = "# RHEL's 01-dist.conf\n"
                           "hostonly=\"yes\"\n"
                           "hostonly_cmdline=\"no\"\n"
                           "omit_drivers+=\" virtio_blk vmwgfx \"\n"
                           "add_dracutmodules+=\" lvm \"\n";
static const char virtio[] = "add_drivers+=\" virtio_blk virtio-scsi \"   # the fix\n"
                             "force_drivers+=' virtio_net'\n";
static const char etc[] = "compress=\"zstd\"\n"
                          "omit_drivers+=\" floppy \"\n"
                          "[ -e /nonexistent ] && compress=\"xz\"\n"
                          "true\n"
                          "export lvmconf=no\n";

/* What bash makes of the same files, sourced in order: the value of var. */
static char *bash_value(const char *dir, const char *var)
{
    _cleanup_free_ char *cmd = xasprintf("bash -c 'set -e; for f in %s/1 %s/2 %s/3; do . \"$f\"; done 2>/dev/null; "
                                         "printf %%s \"$%s\"' > %s/out",
                                         dir, dir, dir, var, dir);
    if (system(cmd) != 0)
        return NULL;
    _cleanup_free_ char *path = xasprintf("%s/out", dir);
    char *buf = NULL;
    csm_host_file_read(path, 4096, &buf, NULL);
    return buf;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    struct csm_dracut_conf c = { 0 };
    csm_dracut_conf_parse(&c, "/usr/lib/dracut/dracut.conf.d/01-dist.conf", dist);
    csm_dracut_conf_parse(&c, "/etc/dracut.conf.d/50-virtio.conf", virtio);
    csm_dracut_conf_parse(&c, "/etc/dracut.conf.d/90-local.conf", etc);

    CHECK_MSG(csm_dracut_yes(&c, "hostonly"), "hostonly=yes from the distribution's file");
    const struct csm_dracut_word *why;
    CHECK_MSG(csm_dracut_driver(&c, "virtio_blk", &why) == CSM_DRACUT_ADDED && why &&
                  streq(why->file, "/etc/dracut.conf.d/50-virtio.conf") && why->line == 1,
              "virtio_blk: added at 50-virtio.conf:1, which beats the omit");
    CHECK_MSG(csm_dracut_driver(&c, "virtio_scsi", &why) == CSM_DRACUT_ADDED, "virtio-scsi and virtio_scsi are one");
    CHECK_MSG(csm_dracut_driver(&c, "virtio_net.ko", &why) == CSM_DRACUT_ADDED && streq(why->word, "virtio_net"),
              "force_drivers adds, .ko ignored");
    CHECK_MSG(csm_dracut_driver(&c, "vmwgfx", &why) == CSM_DRACUT_OMITTED && why->line == 4,
              "vmwgfx: omitted at 01-dist.conf:4");
    CHECK_MSG(csm_dracut_driver(&c, "floppy", &why) == CSM_DRACUT_OMITTED &&
                  streq(why->file, "/etc/dracut.conf.d/90-local.conf"),
              "appends accumulate across files");
    CHECK_MSG(csm_dracut_driver(&c, "e1000", &why) == CSM_DRACUT_DEFAULT && !why, "e1000: nothing says");
    const struct csm_dracut_var *v = csm_dracut_get(&c, "omit_drivers");
    CHECK_MSG(v && v->n == 3, "omit_drivers holds three words");
    CHECK_MSG(csm_dracut_get(&c, "lvmconf") && streq(csm_dracut_get(&c, "lvmconf")->value, "no"),
              "export name=value is an assignment");
    CHECK_MSG(c.bad_lines == 2 && streq(c.bad_first, "/etc/dracut.conf.d/90-local.conf:3"),
              "shell that is not an assignment is counted (%u, %s)", c.bad_lines, c.bad_first);
    CHECK_MSG(strv_length(c.files) == 3, "three files read");

    /* bash sources the same files: the same values */
    const char *tmp = getenv("TMPDIR");
    _cleanup_free_ char *dir = xasprintf("%s/csm-dracut.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) && access("/bin/bash", X_OK) == 0) {
        write_file(dir, "1", dist);
        write_file(dir, "2", virtio);
        write_file(dir, "3", etc);
        static const char *const vars[] = { "omit_drivers", "add_drivers", "force_drivers", "hostonly", "compress" };
        for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
            _cleanup_free_ char *b = bash_value(dir, vars[i]);
            const struct csm_dracut_var *cv = csm_dracut_get(&c, vars[i]);
            /* dracut splits them into words: compare the words */
            _cleanup_strv_ char **bw = b ? csm_split_words(b) : NULL;
            _cleanup_strv_ char **cw = cv ? csm_split_words(cv->value) : NULL;
            _cleanup_free_ char *bj = bw ? strv_join(bw, " ") : xstrdup(""), *cj = cw ? strv_join(cw, " ") : xstrdup("");
            CHECK_MSG(b && cv && streq(bj, cj), "%s is what bash makes of it ('%s')", vars[i], bj);
        }
        _cleanup_free_ char *rm = xasprintf("rm -rf %s", dir);
        if (system(rm) != 0)
            failures++;
    }
    csm_dracut_conf_clear(&c);

    /* dracut's order of its conf.d files: /etc hides /usr/lib, by version order */
    char *etcn[] = { "50-virtio.conf", "01-dist.conf", "README", NULL };
    char *libn[] = { "01-dist.conf", "10-debug.conf", "2-x.conf", "100-late.conf", NULL };
    _cleanup_strv_ char **order = csm_dracut_conf_order(etcn, libn);
    _cleanup_free_ char *joined = order ? strv_join(order, " ") : xstrdup("");
    CHECK_MSG(streq(joined, "/etc/dracut.conf.d/01-dist.conf /usr/lib/dracut/dracut.conf.d/2-x.conf "
                            "/usr/lib/dracut/dracut.conf.d/10-debug.conf /etc/dracut.conf.d/50-virtio.conf "
                            "/usr/lib/dracut/dracut.conf.d/100-late.conf"),
              "conf.d order: %s", joined);
    return failures ? 1 : 0;
}
