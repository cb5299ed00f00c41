/* csm-precheck rollup on one arbitrary report: the verify code's reader
 * (UTF-8, cJSON, digest, consistency), the roll-up's record of it and its
 * four renderers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/rollup.h"
#include "lib/util.h"

static char dir[] = "/tmp/csm-fuzz-rollup-XXXXXX";
static char *report;
static FILE *null;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!report) {
        if (!mkdtemp(dir))
            abort();
        char *host = xasprintf("%s/web-01", dir);
        if (mkdir(host, 0700) < 0)
            abort();
        report = xasprintf("%s/precheck.json", host);
        free(host);
        null = fopen("/dev/null", "w");
        if (!null)
            abort();
    }
    FILE *f = fopen(report, "w");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    char *inputs[] = { dir, NULL };
    static const csm_verdict_codes codes = { 0, 1, 2, 3 };
    struct csm_rollup_options o = { .max_age_days = 30, .verdict_codes = codes };
    struct csm_rollup ru;
    char *why = NULL;
    if (csm_rollup_build(&ru, inputs, &o, &why) == 0) {
        for (const char *const *n = (const char *const[]){ "text", "json", "csv", "html", NULL }; *n; n++)
            (void)csm_rollup_renderer_find(*n)->write(&ru, null, &o);
        o.per_check = true;
        (void)csm_rollup_renderer_find("csv")->write(&ru, null, &o);
    }
    free(why);
    csm_rollup_clear(&ru);
    return 0;
}
