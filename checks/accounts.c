/* accounts.shadow: the platform resets passwords and injects keys through
 * /etc/shadow (seed 004 §3), so it must be an ordinary, writable file. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "checks/checks.h"
#include "facts/facts.h"
#include "lib/util.h"

#define LOOSER_THAN_0640 07137

void csm_check_accounts_shadow(struct csm_scan *s, struct csm_result *r)
{
    const struct csm_shadow *sh = csm_facts_shadow(s);
    const char *outcome = NULL;

    csm_result_var(r, "path", "/etc/shadow");
    if (sh->err == -ENOENT) {
        csm_evidence_problem(csm_result_evidence(r, "file", "/etc/shadow does not exist"), "missing");
        csm_result_list(r, "problems", "/etc/shadow does not exist");
        csm_result_set(r, CSM_FAIL, "missing");
        return;
    }
    if (sh->err) {
        csm_result_error(r, "%s", sh->why);
        return;
    }
    csm_result_var(r, "mode", "%04o", (unsigned)sh->mode);
    csm_result_var(r, "owner", "%s", sh->owner ? sh->owner : "?");
    csm_result_var(r, "group", "%s", sh->group ? sh->group : "?");

    /* A link or a special file: its own owner and mode say nothing. */
    if (sh->is_symlink || !sh->is_regular) {
        struct csm_evidence *type = sh->is_symlink
                                        ? csm_result_evidence(r, "type", "symbolic link -> %s",
                                                              sh->link_target ? sh->link_target : "?")
                                        : csm_result_evidence(r, "type", "not a regular file");
        csm_result_problem(r, type, &outcome, sh->is_symlink ? "symlink" : "not-regular", "%s",
                sh->is_symlink ? "a symbolic link, not the file itself" : "not a regular file");
        csm_result_set(r, CSM_FAIL, outcome);
        return;
    }
    csm_result_evidence(r, "type", "regular file");
    struct csm_evidence *own = csm_result_evidence(r, "owner", "%u (%s), group %u (%s)", (unsigned)sh->uid,
                                                   sh->owner ? sh->owner : "?", (unsigned)sh->gid,
                                                   sh->group ? sh->group : "?");
    if (sh->uid != 0)
        csm_result_problem(r, own, &outcome, "owner", "owned by uid %s, not root", sh->owner ? sh->owner : "?");
    struct csm_evidence *mode = csm_result_evidence(r, "mode", "%04o", (unsigned)sh->mode);
    if (sh->mode & LOOSER_THAN_0640)
        csm_result_problem(r, mode, &outcome, "mode", "mode %04o is looser than 0640", (unsigned)sh->mode);

    struct csm_evidence *attr = csm_result_evidence(r, "attributes", "%s",
                                                    sh->attr_err   ? "unknown"
                                                    : sh->immutable ? (sh->append_only ? "immutable, append-only" : "immutable")
                                                    : sh->append_only ? "append-only"
                                                                      : "none");
    if (sh->attr_err)
        csm_evidence_note(attr, "%s", csm_strerror(sh->attr_err));
    else if (sh->immutable || sh->append_only)
        csm_result_problem(r, attr, &outcome, "immutable", "%s", "chattr +i/+a: not even root can rewrite it");
    if (sh->readonly_fs)
        csm_result_problem(r, csm_result_evidence(r, "filesystem", "mounted read-only"), &outcome, "read-only", "%s",
                "on a read-only filesystem");

    if (sh->read_err) {
        if (outcome) {
            csm_result_set(r, CSM_FAIL, outcome);
            return;
        }
        csm_result_error(r, "cannot read /etc/shadow: %s%s", csm_strerror(sh->read_err),
                         sh->read_err == -EACCES && geteuid() != 0 ? " (run as root)" : "");
        return;
    }
    struct csm_evidence *ent = csm_result_evidence(r, "entries", "%u", sh->n_entries);
    if (sh->bad_line)
        csm_result_problem(r, ent, &outcome, "malformed", "line %u is not a shadow entry (9 colon-separated fields)",
                sh->bad_line);
    struct csm_evidence *root = csm_result_evidence(r, "root entry", "%s",
                                                    sh->root_line ? sh->root_pw_kind : "missing");
    if (sh->root_line)
        csm_evidence_source(root, "/etc/shadow:%u", sh->root_line);
    else
        csm_result_problem(r, root, &outcome, "no-root", "%s", "no entry for root");
    csm_result_set(r, outcome ? CSM_FAIL : CSM_PASS, outcome);
}
