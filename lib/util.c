#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("csm-precheck: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        oom();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        oom();
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

bool endswith(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *strstrip(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

size_t strv_length(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void strv_push(char ***v, char *s)
{
    size_t n = strv_length(*v);
    *v = xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = s;
    (*v)[n + 1] = NULL;
}

void strv_pushf(char ***v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strv_push(v, xvasprintf(fmt, ap));
    va_end(ap);
}

bool strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (streq(v[i], s))
            return true;
    return false;
}

char *strv_join(char *const *v, const char *sep)
{
    size_t len = 1, seplen = strlen(sep);
    for (size_t i = 0; v && v[i]; i++)
        len += strlen(v[i]) + seplen;
    char *out = xmalloc(len), *p = out;
    for (size_t i = 0; v && v[i]; i++) {
        if (i)
            p = stpcpy(p, sep);
        p = stpcpy(p, v[i]);
    }
    *p = '\0';
    return out;
}

char **strv_copy(char *const *v)
{
    char **out = NULL;
    for (size_t i = 0; v && v[i]; i++)
        strv_push(&out, xstrdup(v[i]));
    return out;
}

void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

int csm_parse_size(const char *s, uint64_t *out)
{
    static const char units[] = "KMGTPE";
    char *end;

    if (!s || !*s || *s == '-' || *s == '+')
        return -EINVAL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -EINVAL;

    uint64_t base = 1024, mult = 1;
    if (*end) {
        const char *u = strchr(units, (*end & ~0x20));
        if (!u || !*u)
            return -EINVAL;
        end++;
        if (streq(end, "B"))
            base = 1000;
        else if (!streq(end, "") && !streq(end, "iB"))
            return -EINVAL;
        for (const char *p = units; p <= u; p++)
            mult *= base;
    }
    double bytes = v * (double)mult;
    if (bytes >= 18446744073709551615.0)
        return -ERANGE;
    *out = (uint64_t)bytes;
    return 0;
}

const char *csm_format_size(uint64_t bytes, char *buf, size_t len)
{
    static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double v = (double)bytes;
    size_t i = 0;
    while (v >= 1024 && i + 1 < ARRAY_SIZE(units)) {
        v /= 1024;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, len, "%.1f %s", v, units[i]);
    return buf;
}

const char *csm_strerror(int neg_errno)
{
    switch (-neg_errno) {
    case EMEDIUMTYPE:
        return "not a regular file";
    case EFBIG:
        return "larger than the size limit";
    case EBADMSG:
        return "binary data (a NUL byte)";
    case ELIBACC:
        return "a library it needs cannot be loaded";
    case EREMOTE:
        return "on procfs, sysfs or another kernel filesystem mounted in the tree: the host's, not read";
    /* Where musl's words differ from glibc's: a report says the same
     * whichever C library the binary was built with (the static one is musl). */
    case EIO:
        return "Input/output error";
    case ENOMEM:
        return "Cannot allocate memory";
    case EBUSY:
        return "Device or resource busy";
    case EXDEV:
        return "Invalid cross-device link";
    case EMFILE:
        return "Too many open files";
    case ENOTTY:
        return "Inappropriate ioctl for device";
    case ESPIPE:
        return "Illegal seek";
    case ERANGE:
        return "Numerical result out of range";
    case ENAMETOOLONG:
        return "File name too long";
    case ELOOP:
        return "Too many levels of symbolic links";
    case EOVERFLOW:
        return "Value too large for defined data type";
    case EILSEQ:
        return "Invalid or incomplete multibyte or wide character";
    case EOPNOTSUPP:
        return "Operation not supported";
    case EUCLEAN:
        return "Structure needs cleaning";
    case ETIMEDOUT:
        return "Connection timed out";
    default:
        return strerror(-neg_errno);
    }
}

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (!n || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) || (s[0] == 0xf0 && s[1] < 0x90) ||
        (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

size_t csm_utf8_invalid(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq((const unsigned char *)s + i, len - i);
        if (!n)
            return i;
        i += n;
    }
    return SIZE_MAX;
}

char *csm_utf8_fix(char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (!s || csm_utf8_invalid(s, len) == SIZE_MAX)
        return s;
    char *out = xmalloc(3 * len + 1), *o = out;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq((const unsigned char *)s + i, len - i);
        if (n) {
            memcpy(o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD, one per byte that starts no sequence */
            o += 3;
            i++;
        }
    }
    *o = '\0';
    free(s);
    return out;
}

void csm_text_position(const char *text, size_t off, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

bool csm_shell_safe(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._:=@+,-", *s))
            return false;
    return true;
}
