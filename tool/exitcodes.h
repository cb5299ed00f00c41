/* Exit codes: a documented interface (--help, README, man page). A
 * migration daemon gates on them. */
#pragma once

#define CSM_EXIT_READY 0       /* no check failed */
#define CSM_EXIT_WARNINGS 1    /* only warnings */
#define CSM_EXIT_BLOCKED 2     /* at least one blocker failed */
#define CSM_EXIT_INCOMPLETE 3  /* no blocker failed, but a blocker could not be evaluated */
#define CSM_EXIT_OPERATIONAL 4 /* bad rules, unreadable root, unwritable output */
#define CSM_EXIT_USAGE 64      /* bad command line (EX_USAGE) */

/* verify and diff: a report was changed, is inconsistent or is not signed
 * by the key asked for; a check newly fails or its waiver lapsed. */
#define CSM_EXIT_CHANGED 1
