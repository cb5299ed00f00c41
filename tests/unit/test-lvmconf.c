/* LVM's configuration (src/lvmconf.c): the config tree, the filters as
 * lvm judges them (the cases lvm 2.03 itself decided on a loop PV), the
 * devices file as lvmdevices writes it. Where lvm is installed, its own
 * `lvmconfig` reads the same file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lib/lvmconf.h"
#include "tree/tree.h"
#include "lib/hostfile.h"
#include "lib/util.h"

static const char conf[] = "# This is an example configuration file for the LVM2 system.\n"
                           "config {\n\tchecks = 1\n\tabort_on_errors = 0\n}\n"
                           "devices {\n"
                           "\tdir = \"/dev\"\n"
                           "\tscan = [ \"/dev\" ]\n"
                           "\t# filter = [ \"a|.*|\" ]\n"
                           "\tfilter = [ \"a|^/dev/sd.*|\", \"r|.*|\" ]\n"
                           "\tglobal_filter = [\n\t\t\"r|/dev/cdrom|\"\n\t]\n"
                           "\tuse_devicesfile = 1\n"
                           "\tdevicesfile = \"system.devices\"\n"
                           "\tweird = \"a \\\"quoted\\\" \\\\ word\"\n"
                           "}\n"
                           "activation {\n\tvolume_list = []\n\tthin_pool_autoextend_threshold = 100\n}\n"
                           "devices/obtain_device_list_from_udev = 0\n";

static enum csm_lvm_filter judge(const char *const *pats, const char *const *names)
{
    size_t which;
    return csm_lvm_filter_eval((char *const *)pats, (char *const *)names, &which);
}

int main(void)
{
    struct csm_lvmconf c = { 0 };
    csm_lvmconf_parse(conf, &c);
    CHECK_MSG(!c.error, "parses (%s)", c.error ? c.error : "");
    const struct csm_lvm_setting *f = csm_lvmconf_get(&c, "devices/filter");
    CHECK_MSG(f && f->array && strv_length(f->values) == 2 && streq(f->values[0], "a|^/dev/sd.*|") && f->line == 10,
              "devices/filter: two patterns, line 10");
    const struct csm_lvm_setting *g = csm_lvmconf_get(&c, "devices/global_filter");
    CHECK_MSG(g && strv_length(g->values) == 1 && g->line == 11, "global_filter across lines");
    const struct csm_lvm_setting *u = csm_lvmconf_get(&c, "devices/use_devicesfile");
    CHECK_MSG(u && !u->array && streq(u->values[0], "1"), "use_devicesfile = 1");
    const struct csm_lvm_setting *w = csm_lvmconf_get(&c, "devices/weird");
    CHECK_MSG(w && streq(w->values[0], "a \"quoted\" \\ word"), "escapes in strings");
    const struct csm_lvm_setting *vl = csm_lvmconf_get(&c, "activation/volume_list");
    CHECK_MSG(vl && vl->array && !vl->values, "an empty array");
    CHECK_MSG(csm_lvmconf_get(&c, "devices/obtain_device_list_from_udev"), "a path-style key at the top");
    csm_lvmconf_clear(&c);

    csm_lvmconf_parse("devices {\n filter = [ \"a|x|\" \n}\n", &c);
    CHECK_MSG(c.error && startswith(c.error, "line 3"), "an unterminated array: %s", c.error ? c.error : "");
    csm_lvmconf_clear(&c);
    csm_lvmconf_parse("devices {\n filter = [ \"a|x|\" ]\n", &c);
    CHECK_MSG(c.error && csm_lvmconf_get(&c, "devices/filter"), "an unterminated section: the settings before it kept");
    csm_lvmconf_clear(&c);

    /* the filters, as lvm judged /dev/loop0 (research on lvm 2.03.16), and the disks after the move */
    const char *loop[] = { "/dev/loop0", NULL };
    const char *vda2[] = { "/dev/vda2", "/dev/disk/by-uuid/0f1e", "/dev/disk/by-path/virtio-pci-0000:00:04.0-part2",
                           NULL };
    const char *sd_only[] = { "a|^/dev/sd.*|", "r|.*|", NULL };
    const char *first_wins[] = { "r|.*|", "a|loop|", NULL };
    const char *loop_ok[] = { "a|/dev/loop|", "r|.*|", NULL };
    const char *no_sd[] = { "r|^/dev/sd|", NULL };
    const char *by_uuid[] = { "a|/dev/disk/by-uuid/.*|", "r|.*|", NULL };
    const char *bad[] = { "x|foo|", NULL };
    const char *badre[] = { "a|(|", NULL };
    CHECK_MSG(judge(sd_only, loop) == CSM_LVM_REJECTED, "a|^/dev/sd.*| r|.*|: loop0 rejected");
    CHECK_MSG(judge(sd_only, vda2) == CSM_LVM_REJECTED, "a|^/dev/sd.*| r|.*|: vda2 rejected");
    CHECK_MSG(judge(first_wins, loop) == CSM_LVM_REJECTED, "r|.*| a|loop|: the first match decides");
    CHECK_MSG(judge(loop_ok, loop) == CSM_LVM_ACCEPTED, "a|/dev/loop| r|.*|: accepted");
    CHECK_MSG(judge(no_sd, vda2) == CSM_LVM_UNMATCHED, "r|^/dev/sd|: vda2 matches nothing, accepted");
    CHECK_MSG(judge(by_uuid, vda2) == CSM_LVM_ACCEPTED, "another name of the device is accepted");
    size_t which = 9;
    CHECK_MSG(csm_lvm_filter_eval((char *const *)bad, (char *const *)loop, &which) == CSM_LVM_BAD && which == 0,
              "a pattern without a|r: bad");
    CHECK_MSG(judge(badre, loop) == CSM_LVM_BAD, "a regex that does not compile: bad");

    /* the devices file */
    struct csm_lvm_devices d = { 0 };
    csm_lvm_devices_parse("# LVM uses devices listed in this file.\n"
                          "# Created by LVM command lvmdevices pid 20115 at Tue Dec  1 19:49:32 2026\n"
                          "VERSION=1.1.1\n"
                          "IDTYPE=sys_wwid IDNAME=naa.600508b1001c5c5b DEVNAME=/dev/sda2 PVID=ii41PCWLYQKJxGynyvvMMDPgzmyf3kse "
                          "PART=2\n"
                          "IDTYPE=devname IDNAME=/dev/vdz DEVNAME=/dev/vdz PVID=AAAAbbbbCCCCddddEEEEffffGGGGhhhh\n"
                          "garbage line\n",
                          &d);
    CHECK_MSG(d.n == 2 && streq(d.version, "1.1.1") && streq(d.d[0].idtype, "sys_wwid") && streq(d.d[0].part, "2") &&
                  d.d[1].line == 5 && d.bad_lines == 1,
              "devices file: two entries, the version, a bad line");
    CHECK(csm_lvm_idtype_hardware("sys_wwid") && csm_lvm_idtype_hardware("devname") &&
          !csm_lvm_idtype_hardware("lvmlv_uuid") && !csm_lvm_idtype_hardware("md_uuid"));
    csm_lvm_devices_clear(&d);

    /* lvm's own reader agrees on the file, where lvm is installed */
    if (access("/usr/sbin/lvmconfig", X_OK) == 0 || access("/sbin/lvmconfig", X_OK) == 0) {
        const char *tmp = getenv("TMPDIR");
        _cleanup_free_ char *dir = xasprintf("%s/csm-lvm.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(dir)) {
            _cleanup_free_ char *path = xasprintf("%s/lvm.conf", dir);
            FILE *fp = fopen(path, "w");
            fputs(conf, fp);
            fclose(fp);
            _cleanup_free_ char *cmd = xasprintf("LVM_SYSTEM_DIR=%s lvmconfig --type current devices/filter "
                                                 "devices/use_devicesfile 2>/dev/null > %s/out",
                                                 dir, dir);
            if (system(cmd) == 0) {
                _cleanup_free_ char *out = xasprintf("%s/out", dir);
                char *text = NULL;
                csm_host_file_read(out, 4096, &text, NULL);
                CHECK_MSG(text && strstr(text, "filter=[\"a|^/dev/sd.*|\",\"r|.*|\"]") &&
                              strstr(text, "use_devicesfile=1"),
                          "lvmconfig reads the same values (%s)", text ? text : "");
                free(text);
            }
            _cleanup_free_ char *rm = xasprintf("rm -rf %s", dir);
            if (system(rm) != 0)
                failures++;
        }
    }
    return failures ? 1 : 0;
}
