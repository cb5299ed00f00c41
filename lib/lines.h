/* Line-oriented readers of the configuration formats the network and
 * software checks look at. None of them is a full parser: each finds the
 * few keys that matter, tolerates what it does not understand, and says on
 * which line it found them, so a report can point at file:line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One line of a NUL-terminated text, without its newline (and "\r"). */
struct csm_line {
    const char *p;
    size_t len;
    unsigned no; /* 1-based */
};

/* Advances *cursor over the next line; false at the end. Set l->no to 0
 * before the first call. The text is left as it is. */
bool csm_line_next(const char **cursor, struct csm_line *l);

/* The same for a text the caller owns, cut in place: returns the line
 * (its '\n' replaced by NUL) and advances *cursor; NULL at the end. */
char *csm_line_cut(char **cursor);

/* ---- INI: NetworkManager keyfiles, systemd .link and .network ----
 * "[section]" headers, "key=value" lines, '#' and ';' comments. Keys and
 * values are trimmed; a key outside any section has section "". fn
 * returns nonzero to stop. Returns the count of lines that are neither. */
typedef int (*csm_ini_fn)(const char *section, const char *key, const char *value, unsigned line, void *data);
unsigned csm_ini_parse(const char *text, csm_ini_fn fn, void *data);

/* ---- udev rules: KEY{attr}=="value", KEY="value", ... ----
 * One rule (a line, with backslash continuations joined) split into its
 * assignments and conditions. */
struct csm_udev_token {
    char *key;  /* "ATTR{address}", "NAME", "SUBSYSTEM" */
    char *op;   /* "==", "!=", "=", "+=", "-=", ":=" */
    char *value;
};
struct csm_udev_rule {
    unsigned line;
    struct csm_udev_token *t;
    size_t n;
    bool bad; /* text that is not a token: the rest of the line was skipped */
};
typedef int (*csm_udev_fn)(const struct csm_udev_rule *rule, void *data);
/* Calls fn for each rule that has at least one token. */
void csm_udev_parse(const char *text, csm_udev_fn fn, void *data);
/* The value of the first token with this key and one of the ops ("==" or
 * "=" ...: a string of ops separated by '|'), or NULL. */
const char *csm_udev_get(const struct csm_udev_rule *rule, const char *key, const char *ops);
