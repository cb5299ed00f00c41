/* Every parser of a system tree at once: the input is split into the files
 * of a tree (fstab, grub.cfg, /etc/default/grub, grubenv, a BLS entry,
 * shadow, passwd, group, os-release, dpkg status, hostname, machine-id,
 * crypttab),
 * then every check runs and both renderers write the report. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/checks.h"
#include "report/report.h"
#include "policy/rules.h"
#include "checks/scan.h"
#include "lib/util.h"

static const char *const files[] = {
    "etc/fstab",           "boot/grub/grub.cfg",    "etc/default/grub",         "boot/grub/grubenv",
    "boot/loader/entries/a.conf", "etc/shadow",     "etc/passwd",               "etc/group",
    "usr/lib/os-release",  "var/lib/dpkg/status",   "etc/hostname",             "etc/machine-id",
    "etc/crypttab",
};
static const char sep[] = "\n%%%%\n";

static char tree[] = "/tmp/csm-fuzz-tree-XXXXXX";
static struct csm_ruleset *rules;
static FILE *devnull;

static void ignore(const char *f, unsigned l, unsigned c, const char *m, void *d)
{
    (void)f, (void)l, (void)c, (void)m, (void)d;
}

static void setup(void)
{
    static const char *const dirs[] = { "etc", "etc/default", "boot", "boot/grub", "boot/loader",
                                        "boot/loader/entries", "usr", "usr/lib", "var", "var/lib", "var/lib/dpkg" };
    if (!mkdtemp(tree))
        abort();
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        char p[256];
        snprintf(p, sizeof(p), "%s/%s", tree, dirs[i]);
        if (mkdir(p, 0755) < 0)
            abort();
    }
    size_t n;
    struct csm_rules_section *sec = csm_checks_sections(&n);
    if (csm_ruleset_load(sec, n, "offline", NULL, ignore, NULL, &rules) < 0)
        abort();
    free(sec);
    devnull = fopen("/dev/null", "w");
}

static void write_file(const char *rel, const uint8_t *data, size_t len)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tree, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (fd < 0)
        abort();
    if (len && write(fd, data, len) != (ssize_t)len)
        abort();
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules)
        setup();
    const uint8_t *p = data, *end = data + size;
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        const uint8_t *next = p < end ? memmem(p, (size_t)(end - p), sep, strlen(sep)) : NULL;
        size_t len = next ? (size_t)(next - p) : (size_t)(end - p);
        write_file(files[i], p, p < end ? len : 0);
        p = next ? next + strlen(sep) : end;
    }

    struct csm_scan_options opts = { .root = tree };
    struct csm_scan s;
    if (csm_scan_init(&s, &opts, rules) < 0)
        abort();
    struct csm_report rep;
    csm_report_build(&rep, &s, NULL);
    const struct csm_render_opts ro = { .color = true, .unicode = true };
    csm_report_write_json(&rep, devnull, &ro);
    csm_report_write_text(&rep, devnull, &ro);
    csm_report_clear(&rep);
    csm_scan_done(&s);
    return 0;
}
