/* The rule-file parser: the input is a site's rule file, loaded on top of
 * the shipped set for the offline profile. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/checks.h"
#include "policy/rules.h"
#include "lib/util.h"

static char dir[] = "/tmp/csm-fuzz-rules-XXXXXX";
static char path[256];
static struct csm_rules_section *sections;
static size_t n_sections;

static void ignore(const char *f, unsigned l, unsigned c, const char *m, void *d)
{
    (void)f, (void)l, (void)c, (void)m, (void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sections) {
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof(path), "%s/site.rules", dir);
        sections = csm_checks_sections(&n_sections);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    close(fd);
    struct csm_ruleset *rs = NULL;
    if (csm_ruleset_load(sections, n_sections, "offline", dir, ignore, NULL, &rs) == 0) {
        for (size_t i = 0; i < csm_n_checks; i++)
            (void)csm_rule_lookup(csm_ruleset_get(rs, csm_checks[i].id), "message", "fail", "x");
    }
    csm_ruleset_free(rs);
    return 0;
}
