/* os.release: which distribution, for the report and for the wording of
 * remediation commands. */
#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

void csm_check_os_release(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_osrel *o = csm_facts_osrel(s);
    /* The report's host names come from the tree: say why one is missing. */
    const struct csm_identity *id = csm_facts_identity(s);
    for (size_t i = 0; id->errors && id->errors[i]; i++)
        csm_evidence_note(csm_result_evidence(r, "identity", "not read"), "%s", id->errors[i]);
    if (o->err) {
        csm_result_error(r, "%s", o->why);
        return;
    }
    const char *name = o->pretty ? o->pretty : o->name ? o->name : o->id;
    csm_result_var(r, "name", "%s", name);
    csm_result_var(r, "version", "%s", o->version_id ? o->version_id : "");
    csm_result_var(r, "os_id", "%s", o->id ? o->id : "");
    csm_result_var(r, "family", "%s", csm_family_name(o->family));
    csm_evidence_source(csm_result_evidence(r, "distribution", "%s", name), "%s", o->path);
    if (o->id)
        csm_result_evidence(r, "ID", "%s%s%s", o->id, o->id_like ? ", like " : "", o->id_like ? o->id_like : "");
    csm_result_evidence(r, "family", "%s", csm_family_name(o->family));
    csm_result_set(r, CSM_PASS, o->family == CSM_FAMILY_UNKNOWN ? "unknown-family" : NULL);
}
