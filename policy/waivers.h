/* Waivers: accepted risk, keyed by stable check id. A waiver file is JSON:
 *
 *   { "waivers": [ { "id": "disk.partition-table",
 *                    "host": "web-*",              optional glob on hostname or machine-id
 *                    "reason": "target accepts GPT", required
 *                    "approved_by": "ops lead",     optional
 *                    "expires": "2027-03-31" } ] }  optional, last day it holds (UTC)
 *
 * A waiver turns a matching failure (fail, warn or error) into "waived": it
 * no longer moves the verdict but stays visible with its reason. Expired
 * waivers are ignored and reported; waivers that match nothing are
 * reported as unused. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct csm_waiver {
    char *id;
    char *host; /* NULL: every host */
    char *reason;
    char *approved_by; /* may be NULL */
    char *expires;     /* YYYY-MM-DD or NULL */
    char *source;      /* "file:line" */
    bool expired;
    unsigned uses;
};

struct csm_waivers {
    char *path;
    char *sha256; /* of the file as read */
    struct csm_waiver *w;
    size_t n;
};

/* Reports a defect: "file:line:col: msg" (col 0: unknown). */
typedef void (*csm_waivers_errfn)(const char *file, unsigned line, unsigned col, const char *msg, void *data);

/* Loads path; today is "YYYY-MM-DD" (UTC), for expiry. known(id) tells a
 * check id from a typo. Returns -EINVAL after reporting each defect,
 * another negative errno when the file cannot be read. */
int csm_waivers_load(const char *path, const char *today, bool (*known)(const char *id), csm_waivers_errfn errfn,
                     void *data, struct csm_waivers **out);
void csm_waivers_free(struct csm_waivers *ws);

/* The first unexpired waiver for id on this host, or NULL. */
struct csm_waiver *csm_waivers_match(struct csm_waivers *ws, const char *id, const char *hostname,
                                     const char *machine_id);

