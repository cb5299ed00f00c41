/* The one tokenizer of INI-style text: the rule files (policy/rules.c),
 * NetworkManager keyfiles and systemd .link/.network files (csm_ini_parse
 * in lib/lines.c). It splits lines, joins continuations, drops blank and
 * comment lines ('#', ';'), and cuts "[section]" headers and "key = value"
 * entries, each with its line and columns. What a key may be, what a value
 * means and which lines are errors is each reader's own: the token keeps
 * the text as written, and the reader trims and judges it. */
#pragma once

#include <stddef.h>

enum csm_ini_kind {
    CSM_INI_SECTION,  /* "[name]": name, then rest after the ']' */
    CSM_INI_ENTRY,    /* key, value (NULL: no '=' on the line) */
    CSM_INI_UNCLOSED, /* '[' without ']': col is the end of the line */
};

enum csm_ini_flags {
    CSM_INI_CONTINUE = 1 << 0, /* a line ending in '\' goes on on the next one, joined by a space */
    CSM_INI_ANY_SPACE = 1 << 1, /* any whitespace before the text, not only blanks (spaces, tabs) */
};

/* Points into a buffer the tokenizer owns, writable until fn returns (a
 * reader may cut its parts in place). Columns are 0-based, in the line as
 * joined. */
struct csm_ini_token {
    enum csm_ini_kind kind;
    unsigned line;       /* 1-based, the first of a joined line */
    const char *section; /* for an entry: the name of the last section header, as written; "" before any */
    char *name;          /* SECTION: between '[' and the first ']' */
    char *rest;          /* SECTION: after the ']' */
    char *key;           /* ENTRY: from the first non-blank to the '=' or the end, as written */
    char *value;         /* ENTRY: after the '=' and the blanks after it, as written; NULL without '=' */
    size_t col;          /* of name, of key, or (UNCLOSED) of the end of the line */
    size_t rest_col, value_col;
};

/* Returns nonzero to stop. */
typedef int (*csm_ini_token_fn)(struct csm_ini_token *t, void *data);

/* Tokenizes a NUL-terminated text. Returns what the last fn returned (0
 * when it never stopped). */
int csm_ini_tokenize(const char *text, unsigned flags, csm_ini_token_fn fn, void *data);
