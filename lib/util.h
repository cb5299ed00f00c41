/* Small helpers shared by every part of the tool: string lists, checked
 * allocation, size parsing and formatting. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define streq(a, b) (strcmp((a), (b)) == 0)

/* Allocation failure is not a condition the tool can report usefully: abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Inline, so the length of a literal prefix is known at compile time. */
static inline bool startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}
bool endswith(const char *s, const char *suffix);
/* Trims ASCII white space in place; returns s advanced past leading space. */
char *strstrip(char *s);
/* The form of a noun that agrees with n: plural(n, "entry", "entries"). */
static inline const char *plural(unsigned long n, const char *one, const char *other)
{
    return n == 1 ? one : other;
}


/* NULL-terminated string vectors ("strv"), as in systemd. */
size_t strv_length(char *const *v);
void strv_push(char ***v, char *s);          /* takes ownership of s */
void strv_pushf(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strv_contains(char *const *v, const char *s);
char *strv_join(char *const *v, const char *sep);
char **strv_copy(char *const *v);
void strv_free(char **v);

/* Parses "50G", "50GiB", "53687091200", "1.5T": binary suffixes K M G T P
 * (with or without "iB"), decimal with "B" (KB, MB, ...). */
int csm_parse_size(const char *s, uint64_t *out);
/* "20.0 GiB"; buf of at least 32 bytes. */
const char *csm_format_size(uint64_t bytes, char *buf, size_t len);

/* strerror() for the negative errno values this tool returns, with the
 * project's own meanings for a few (see root.h). */
const char *csm_strerror(int neg_errno);

/* Line and column (1-based) of byte offset off in text. */
void csm_text_position(const char *text, size_t off, unsigned *line, unsigned *col);

/* UTF-8 (RFC 3629), which every text of a report is: the offset of the
 * first byte of s[0..len) that is not part of a valid sequence, SIZE_MAX
 * when there is none. */
size_t csm_utf8_invalid(const char *s, size_t len);
/* s itself when it is valid UTF-8, else a copy with each invalid byte
 * replaced by U+FFFD and s freed. NULL stays NULL. */
char *csm_utf8_fix(char *s);

/* True when s holds only characters safe to paste into a shell command
 * unquoted (paths, UUIDs, device names). */
bool csm_shell_safe(const char *s);

static inline void freep(void *p) { free(*(void **)p); }
static inline void strv_freep(char ***p) { strv_free(*p); }
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_strv_ __attribute__((cleanup(strv_freep)))
