/* The SSH server of the tree: its package, program, unit, and the
 * configuration sshd would read, Includes followed inside the tree. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts/internal.h"
#include "lib/util.h"

static int include_tree(void *data, const char *pattern, char ***paths, char ***texts)
{
    return csm_facts_glob_texts(data, pattern, paths, texts);
}

/* The unit that starts sshd: enabled beats preset beats disabled. */
static void find_unit(struct csm_scan *s, struct csm_sshd *sd)
{
    static const char *const units[] = { "sshd.service", "ssh.service", "ssh.socket", "sshd.socket" };
    static const int rank[] = { [CSM_UNIT_ABSENT] = 0, [CSM_UNIT_MASKED] = 1, [CSM_UNIT_DISABLED] = 2,
                                [CSM_UNIT_PRESET] = 3, [CSM_UNIT_ENABLED] = 4 };
    for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
        struct csm_unit_status st;
        csm_facts_unit_status(s, units[i], &st);
        if (rank[st.state] > rank[sd->unit.state]) {
            csm_unit_status_clear(&sd->unit);
            sd->unit = st;
            sd->unit_name = units[i];
        } else {
            if (st.error && !sd->unit.error && sd->unit.state != CSM_UNIT_ENABLED)
                strv_pushf(&sd->errors, "%s: %s", units[i], st.error);
            csm_unit_status_clear(&st);
        }
    }
}

static void *gather(struct csm_scan *s)
{
    struct csm_sshd *sd = xcalloc(1, sizeof(*sd));
    const struct csm_packages *pk = csm_facts_packages(s);
    static const char *const pkgs[] = { "openssh-server", "openssh" };
    for (size_t i = 0; !pk->err && i < ARRAY_SIZE(pkgs) && !sd->pkg; i++)
        sd->pkg = csm_package_find(pk, pkgs[i]);
    sd->program = csm_facts_program(s, "sshd", &sd->errors);
    find_unit(s, sd);

    /* SUSE keeps the distribution's file in /usr/etc when /etc has none */
    static const char *const configs[] = { "/etc/ssh/sshd_config", "/usr/etc/ssh/sshd_config" };
    for (size_t i = 0; i < ARRAY_SIZE(configs) && !sd->config && !sd->err; i++) {
        char *text;
        int r = csm_tree_read_text(s->root, configs[i], CSM_CAP_CONFIG, &text, NULL);
        if (csm_tree_absent(r))
            continue;
        if (r < 0) {
            FACT_FAIL(sd, r, "cannot read %s: %s", configs[i], csm_strerror(r));
            break;
        }
        sd->config = xstrdup(configs[i]);
        csm_sshd_parse(&sd->cfg, configs[i], text, include_tree, s);
        free(text);
    }
    return sd;
}

const char *csm_sshd_value(const struct csm_sshd *sd, const char *key, const char *user,
                           const struct csm_sshd_directive **d, const struct csm_sshd_directive **cond)
{
    *d = csm_sshd_effective(&sd->cfg, key, user, cond);
    return *d ? (*d)->value : csm_sshd_default(key);
}

static void sshd_free(void *fact)
{
    struct csm_sshd *sd = fact;
    if (!sd)
        return;
    free(sd->why);
    free(sd->program);
    strv_free(sd->errors);
    csm_unit_status_clear(&sd->unit);
    free(sd->config);
    csm_sshd_clear(&sd->cfg);
    free(sd);
}

static const struct csm_fact_desc sshd_fact = { "sshd", gather, sshd_free };

const struct csm_sshd *csm_facts_sshd(struct csm_scan *s)
{
    return csm_fact_get(s, &sshd_fact);
}
