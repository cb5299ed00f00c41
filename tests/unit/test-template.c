/* Placeholders: prose, commands repeated per list item in step, the whole
 * list in one command, literal braces, and values that must never reach a
 * shell command. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "policy/template.h"
#include "lib/util.h"



static void expect_cmds(const char *tmpl, const struct csm_vars *vs, const char *want)
{
    char **out = NULL;
    char *const t[] = { (char *)tmpl, NULL };
    const struct csm_vars *sets[] = { vs };
    csm_template_commands(t, sets, 1, &out);
    char *got = strv_join(out, " | ");
    bool ok = streq(got, want);
    printf("%s %s -> [%s]%s%s%s\n", ok ? "ok  " : "FAIL", tmpl, got, ok ? "" : " expected [", ok ? "" : want,
           ok ? "" : "]");
    failures += !ok;
    free(got);
    strv_free(out);
}

static void expect_text(const char *tmpl, const struct csm_vars *vs, const char *want)
{
    const struct csm_vars *sets[] = { vs };
    char *got = csm_template_text(tmpl, sets, 1);
    bool ok = streq(got, want);
    printf("%s %s -> [%s]\n", ok ? "ok  " : "FAIL", tmpl, got);
    failures += !ok;
    free(got);
}

int main(void)
{
    struct csm_vars vs = { 0 };
    csm_vars_set(&vs, "disk", "/dev/sda");
    csm_vars_push(&vs, "dev", "/dev/sda1");
    csm_vars_push(&vs, "dev", "/dev/sda2");
    csm_vars_push(&vs, "uuid", "u-1");
    csm_vars_push(&vs, "uuid", "u-2");
    csm_vars_push(&vs, "mods", "virtio_blk");
    csm_vars_push(&vs, "mods", "virtio_pci");
    csm_vars_push(&vs, "none", NULL);
    csm_vars_set(&vs, "evil", "x; rm -rf /");
    csm_vars_push(&vs, "evil_list", "ok");
    csm_vars_push(&vs, "evil_list", "$(reboot)");

    expect_text("{disk} holds {dev}", &vs, "/dev/sda holds /dev/sda1, /dev/sda2");
    expect_text("literal {{braces}} and {disk}", &vs, "literal {braces} and /dev/sda");
    expect_cmds("sed s|{dev}|UUID={uuid}|", &vs, "sed s|/dev/sda1|UUID=u-1| | sed s|/dev/sda2|UUID=u-2|");
    expect_cmds("dracut --add-drivers \"{mods*}\"", &vs, "dracut --add-drivers \"virtio_blk virtio_pci\"");
    expect_cmds("echo {none}", &vs, "");
    expect_cmds("modprobe {none*}", &vs, "");
    expect_cmds("echo {evil}", &vs, "");
    expect_cmds("echo {evil_list}", &vs, "echo ok");
    expect_cmds("echo {evil_list*}", &vs, "");
    expect_cmds("echo {missing}", &vs, "");
    /* The number and the form that agrees with it. */
    csm_vars_set(&vs, "one", "1");
    csm_vars_set(&vs, "three", "3");
    expect_text("{one:entry names|entries name} /dev/sdX", &vs, "1 entry names /dev/sdX");
    expect_text("{three:entry names|entries name} /dev/sdX", &vs, "3 entries name /dev/sdX");
    size_t col = 0;
    failures += csm_template_scan("{one:entry|entries}", NULL, NULL, &col) != 0;
    failures += csm_template_scan("x {one:entry} y", NULL, NULL, &col) == 0 || col != 2;
    failures += csm_template_scan("x {one:a|b|c}", NULL, NULL, &col) == 0;
    failures += csm_template_scan("x {one:|b}", NULL, NULL, &col) == 0;
    failures += csm_template_scan("bad {brace", NULL, NULL, &col) == 0 || col != 4;
    failures += csm_template_scan("ok {a} }} {{", NULL, NULL, &col) != 0;
    csm_vars_clear(&vs);
    return failures ? 1 : 0;
}
