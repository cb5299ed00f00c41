/* Shell-style assignment files: os-release, /etc/default/grub, ifcfg-*,
 * /etc/selinux/config. KEY=value with '...' and "..." quoting and
 * backslash escapes; no expansion, nothing is executed. */
#pragma once

#include <stddef.h>

struct csm_kv {
    char *key;
    char *value;
    const char *file; /* borrowed from the caller of csm_kv_parse */
    unsigned line;
};

struct csm_kvs {
    struct csm_kv *kv;
    size_t n;
    unsigned bad_lines; /* lines that are not assignments */
};

/* Parses text (NUL-terminated). Later assignments of a key win in lookups. */
void csm_kv_parse(const char *text, const char *file, struct csm_kvs *out);
const struct csm_kv *csm_kv_get(const struct csm_kvs *kvs, const char *key);
void csm_kv_clear(struct csm_kvs *kvs);

/* Splits a kernel command line or a grub argument list into words,
 * honouring quotes. */
char **csm_split_words(const char *s);
