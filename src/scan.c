#include "scan.h"

#include <stdlib.h>
#include <string.h>

#include "facts/facts.h"
#include "util.h"

const char *csm_role_name(enum csm_role r)
{
    return r == CSM_ROLE_DATA ? "data" : "system";
}

/* Letters, digits, '-', '.' and '_': a name that can go into a file name. */
static bool hostname_like(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._");
    return n && n <= 64 && !s[n] && s[0] != '.' && s[0] != '-';
}

int csm_scan_init(struct csm_scan *s, const struct csm_scan_options *opts, const struct csm_ruleset *rules)
{
    *s = (struct csm_scan){
        .mode = opts->image ? CSM_MODE_IMAGE : opts->root ? CSM_MODE_ROOT : CSM_MODE_LIVE,
        .opts = opts,
        .rules = rules,
    };
    if (s->mode != CSM_MODE_IMAGE) {
        int r = csm_root_open(opts->root ? opts->root : "/", &s->root);
        if (r < 0)
            return r;
    }
    s->facts = csm_facts_new();
    if (s->mode == CSM_MODE_IMAGE && csm_facts_image(s)->err) {
        int r = csm_facts_image(s)->err;
        csm_scan_done(s);
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

void csm_scan_done(struct csm_scan *s)
{
    csm_facts_free(s->facts);
    csm_root_free(s->root);
    csm_vars_clear(&s->globals);
    s->facts = NULL;
    s->root = NULL;
}
