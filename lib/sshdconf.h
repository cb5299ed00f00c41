/* OpenSSH's sshd_config, as sshd reads it (sshd_config(5)): keywords are
 * case-insensitive and take "Key value" or "Key=value"; for most keywords
 * the first value obtained wins; Include expands its globs in place, in
 * sorted order, relative to /etc/ssh (so drop-ins included at the top beat
 * the main file); a Match block lasts to the next Match or the end of its
 * file, and a value set by a Match block that applies to a connection
 * overrides the global one (the first such Match wins).
 *
 * The effective value is asked for a connection by user only: the address,
 * host and the other criteria of a Match are not known before the move,
 * and a block that depends on them is reported as a condition rather than
 * taken or left. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct csm_sshd_directive {
    char *key;   /* lower case; "challengeresponseauthentication" is read as "kbdinteractiveauthentication" */
    char *value; /* the arguments as written, lower case kept */
    char *file;
    unsigned line;
    int match; /* index into matches[], -1 in the global section */
};

struct csm_sshd_match {
    char *criteria; /* "User root", "Address 10.0.0.0/8" */
    char *file;
    unsigned line;
};

struct csm_sshd_config {
    struct csm_sshd_directive *d;
    size_t n;
    struct csm_sshd_match *m;
    size_t n_match;
    char **files;   /* every file read, in order */
    char **errors;  /* "file:line: why": Include targets that could not be read, nesting too deep */
    unsigned bad_lines;
    char *bad_first; /* "file:line" */
};

/* Expands one Include pattern (absolute, or already made relative to
 * /etc/ssh) into the files it names, sorted, with their texts; returns 0 or
 * -errno (an unreadable directory). A pattern that matches nothing is not
 * an error. */
typedef int (*csm_sshd_include_fn)(void *data, const char *pattern, char ***paths, char ***texts);

/* Parses the main file (include may be NULL: Include lines are then
 * recorded as errors). */
void csm_sshd_parse(struct csm_sshd_config *c, const char *file, const char *text, csm_sshd_include_fn include,
                    void *data);
void csm_sshd_clear(struct csm_sshd_config *c);

enum csm_sshd_applies {
    CSM_SSHD_NO,
    CSM_SSHD_YES,
    CSM_SSHD_MAYBE, /* depends on what is not known: the address, the host */
};
/* Does Match block i apply to a connection of this user (NULL: a user
 * that none of the User criteria names)? */
enum csm_sshd_applies csm_sshd_match_applies(const struct csm_sshd_config *c, size_t i, const char *user);

/* The effective directive of a keyword for a connection of user: from
 * the first Match block that applies, else the global section; NULL when
 * neither sets it (then sshd's default, csm_sshd_default(), holds).
 * *conditional, when not NULL, is set to a directive of a Match block that
 * may apply (MAYBE) and would override the answer, else NULL. */
const struct csm_sshd_directive *csm_sshd_effective(const struct csm_sshd_config *c, const char *key,
                                                    const char *user, const struct csm_sshd_directive **conditional);
/* sshd's compiled-in default of a keyword (OpenSSH 7.0 and later), or NULL. */
const char *csm_sshd_default(const char *key);
