/* rpm's and dpkg's version orders (src/version.c): known pairs, each also
 * compared with librpm's own rpmvercmp() and with dpkg --compare-versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/dl.h"
#include "lib/version.h"

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* a b expected (-1, 0, 1) under rpmvercmp */
static const struct {
    const char *a, *b;
    int want;
} rpm_pairs[] = {
    { "1.0", "1.0", 0 },
    { "1.0", "2.0", -1 },
    { "2.0.1", "2.0", 1 },
    { "3.0.9", "3.1", -1 },
    { "3.1.2", "3.1", 1 },
    { "3.2.3", "3.10", -1 },
    { "3.1", "3.1.0", -1 },
    { "1.0a", "1.0", 1 },
    { "1.0", "1.0a", -1 },
    { "10", "9", 1 },
    { "010", "10", 0 },
    { "1.0~rc1", "1.0", -1 },
    { "1.0~rc1", "1.0~rc2", -1 },
    { "1.0~rc1~git1", "1.0~rc1", -1 },
    { "1.0^", "1.0", 1 },
    { "1.0^git1", "1.0.1", -1 },
    { "1.0^git1", "1.0^git2", -1 },
    { "1_0", "1.0", 0 },
    { "1..0", "1.0", 0 },
    { "a", "1", -1 },
    { "1", "a", 1 },
    { "fc4", "fc.4", 0 },
    { "", "", 0 },
    { "", "1", -1 },
    { "2.0", "2_0", 0 },
    { "99999999999999999999", "1", 1 },
    /* kernels of RHEL: an update's release is newer than the GA one */
    { "427.el9", "427.13.1.el9_4", -1 },
    { "553.el8_10", "553.5.1.el8_10", -1 },
    { "427.13.1.el9_4", "70.13.1.el9_0", 1 },
};

static const struct {
    const char *a, *b;
    int want;
} evr_pairs[] = {
    { "1:1.0-1", "2.0-1", 1 },
    { "0:1.0-1", "1.0-1", 0 },
    { "1.0-1", "1.0-2", -1 },
    { "1.0", "1.0-2", 0 }, /* no release on one side: not compared */
    { "5.14.0-427.el9", "5.14.0-427.13.1.el9_4", -1 },
    { "4.18.0-553.el8_10", "4.18.0-553.5.1.el8_10", -1 },
};

static const struct {
    const char *a, *b;
    int want;
} nvr_pairs[] = {
    { "0123abcd-5.14.0-427.el9.x86_64", "0123abcd-5.14.0-427.13.1.el9_4.x86_64", -1 },
    { "0123abcd-4.18.0-553.5.1.el8_10.x86_64", "0123abcd-4.18.0-553.el8_10.x86_64", 1 },
    { "0123abcd-0-rescue", "0123abcd-5.14.0-70.13.1.el9_0.x86_64", -1 },
    { "x-5.14.0-427.13.1.el9_4.x86_64", "x-5.14.0-70.13.1.el9_0.x86_64", 1 },
};

static const struct {
    const char *a, *b;
    int want;
} deb_pairs[] = {
    { "3.2.7-1+deb12u2", "3.1", 1 },
    { "3.1.3-6", "3.1", 1 },
    { "3.0.9-4", "3.1", -1 },
    { "1:3.0.9-1", "3.1", 1 },
    { "1.0~rc1", "1.0", -1 },
    { "1.0", "1.0-0", 0 },
    { "1.0a", "1.0+", -1 },
    { "1.0", "1.0.0", -1 },
    { "2.06-13", "2.06-13+deb12u1", -1 },
    { "6.1.0-13-amd64", "6.1.0-9-amd64", 1 },
};

int main(void)
{
    int have_rpm = csm_rpm_load() == 0;
    if (!have_rpm)
        printf("note: librpm cannot be loaded, compared with the table only\n");
    for (size_t i = 0; i < sizeof(rpm_pairs) / sizeof(rpm_pairs[0]); i++) {
        const char *a = rpm_pairs[i].a, *b = rpm_pairs[i].b;
        int got = sign(csm_rpmvercmp(a, b)), back = sign(csm_rpmvercmp(b, a));
        CHECK_MSG(got == rpm_pairs[i].want && back == -got, "rpmvercmp(%s, %s) = %d (want %d)", a, b, got,
                  rpm_pairs[i].want);
        if (have_rpm)
            CHECK_MSG(got == sign(csm_rpm.rpmvercmp(a, b)), "librpm agrees on %s, %s", a, b);
    }
    for (size_t i = 0; i < sizeof(evr_pairs) / sizeof(evr_pairs[0]); i++) {
        int got = sign(csm_rpm_evrcmp(evr_pairs[i].a, evr_pairs[i].b));
        CHECK_MSG(got == evr_pairs[i].want, "evrcmp(%s, %s) = %d", evr_pairs[i].a, evr_pairs[i].b, got);
    }
    for (size_t i = 0; i < sizeof(nvr_pairs) / sizeof(nvr_pairs[0]); i++) {
        int got = sign(csm_rpm_nvrcmp(nvr_pairs[i].a, nvr_pairs[i].b));
        CHECK_MSG(got == nvr_pairs[i].want, "nvrcmp(%s, %s) = %d", nvr_pairs[i].a, nvr_pairs[i].b, got);
    }
    int have_dpkg = system("command -v dpkg >/dev/null 2>&1") == 0;
    for (size_t i = 0; i < sizeof(deb_pairs) / sizeof(deb_pairs[0]); i++) {
        const char *a = deb_pairs[i].a, *b = deb_pairs[i].b;
        int got = sign(csm_dpkg_vercmp(a, b));
        CHECK_MSG(got == deb_pairs[i].want && sign(csm_dpkg_vercmp(b, a)) == -got, "dpkg order (%s, %s) = %d", a,
                  b, got);
        if (have_dpkg) {
            char cmd[256];
            snprintf(cmd, sizeof(cmd), "dpkg --compare-versions '%s' %s '%s'", a,
                     got < 0 ? "lt" : got > 0 ? "gt" : "eq", b);
            CHECK_MSG(system(cmd) == 0, "dpkg agrees on %s, %s", a, b);
        }
    }
    char buf[64];
    CHECK(strcmp(csm_dpkg_upstream("1:3.0.9-4+deb12u1", buf, sizeof(buf)), "3.0.9") == 0);
    CHECK(strcmp(csm_dpkg_upstream("2.06-13", buf, sizeof(buf)), "2.06") == 0);
    CHECK(strcmp(csm_dpkg_upstream("1.0", buf, sizeof(buf)), "1.0") == 0);
    CHECK(strcmp(csm_dpkg_upstream("4.4.3-P1-2", buf, sizeof(buf)), "4.4.3-P1") == 0);
    CHECK(strcmp(csm_dpkg_upstream("3.2.7-1", buf, 3), "3.") == 0);
    return failures ? 1 : 0;
}
