#include "lib/version.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* ASCII classes, as both package managers use them (never the locale's). */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A piece of a string: [p, e). */
struct span {
    const char *p, *e;
};

static struct span whole(const char *s)
{
    return (struct span){ s, s + strlen(s) };
}

/* rpmvercmp over two spans. */
static int rpm_cmp(struct span a, struct span b)
{
    const char *p = a.p, *q = b.p;
    while (p < a.e || q < b.e) {
        while (p < a.e && !is_alpha(*p) && !is_digit(*p) && *p != '~' && *p != '^')
            p++;
        while (q < b.e && !is_alpha(*q) && !is_digit(*q) && *q != '~' && *q != '^')
            q++;
        bool pend = p == a.e, qend = q == b.e;
        /* '~' is older than anything, the end included: 1.0~rc1 < 1.0 */
        if ((!pend && *p == '~') || (!qend && *q == '~')) {
            if (pend || *p != '~')
                return 1;
            if (qend || *q != '~')
                return -1;
            p++, q++;
            continue;
        }
        /* '^' is newer than the end, older than anything else: 1.0 < 1.0^git1 < 1.0.1 */
        if ((!pend && *p == '^') || (!qend && *q == '^')) {
            if (pend)
                return -1;
            if (qend)
                return 1;
            if (*p != '^')
                return 1;
            if (*q != '^')
                return -1;
            p++, q++;
            continue;
        }
        if (pend || qend)
            break;
        bool num = is_digit(*p);
        const char *pe = p, *qe = q;
        while (pe < a.e && (num ? is_digit(*pe) : is_alpha(*pe)))
            pe++;
        while (qe < b.e && (num ? is_digit(*qe) : is_alpha(*qe)))
            qe++;
        /* segments of different kinds: a number is newer than letters */
        if (qe == q)
            return num ? 1 : -1;
        if (num) {
            while (p < pe && *p == '0')
                p++;
            while (q < qe && *q == '0')
                q++;
            if (pe - p != qe - q)
                return pe - p > qe - q ? 1 : -1;
        }
        size_t lp = (size_t)(pe - p), lq = (size_t)(qe - q);
        int c = memcmp(p, q, lp < lq ? lp : lq);
        if (c)
            return c < 0 ? -1 : 1;
        if (lp != lq)
            return lp < lq ? -1 : 1;
        p = pe, q = qe;
    }
    if (p == a.e && q == b.e)
        return 0;
    /* whichever has something left is newer */
    return p == a.e ? -1 : 1;
}

int csm_rpmvercmp(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 0;
    return rpm_cmp(whole(a), whole(b));
}

/* Splits "[epoch:]version[-release]"; *epoch is 0 without one. */
static void split_evr(const char *s, unsigned long long *epoch, struct span *v, struct span *r, bool *has_r)
{
    const char *colon = s;
    while (is_digit(*colon))
        colon++;
    *epoch = 0;
    if (*colon == ':') {
        for (const char *d = s; d < colon; d++)
            *epoch = *epoch > 1000000000000ULL ? *epoch : *epoch * 10 + (unsigned)(*d - '0');
        s = colon + 1;
    }
    const char *dash = strrchr(s, '-');
    *has_r = dash != NULL;
    *v = (struct span){ s, dash ? dash : s + strlen(s) };
    *r = dash ? (struct span){ dash + 1, s + strlen(s) } : (struct span){ NULL, NULL };
}

int csm_rpm_evrcmp(const char *a, const char *b)
{
    unsigned long long ea, eb;
    struct span va, ra, vb, rb;
    bool hra, hrb;
    split_evr(a, &ea, &va, &ra, &hra);
    split_evr(b, &eb, &vb, &rb, &hrb);
    if (ea != eb)
        return ea < eb ? -1 : 1;
    int c = rpm_cmp(va, vb);
    if (c || !hra || !hrb)
        return c;
    return rpm_cmp(ra, rb);
}

/* The last two '-' of s, or false when it has fewer. */
static bool split_nvr(const char *s, struct span *n, struct span *v, struct span *r)
{
    const char *end = s + strlen(s);
    const char *d2 = strrchr(s, '-');
    if (!d2)
        return false;
    const char *d1 = NULL;
    for (const char *c = s; c < d2; c++)
        if (*c == '-')
            d1 = c;
    if (!d1)
        return false;
    *n = (struct span){ s, d1 };
    *v = (struct span){ d1 + 1, d2 };
    *r = (struct span){ d2 + 1, end };
    return true;
}

int csm_rpm_nvrcmp(const char *a, const char *b)
{
    struct span na, va, ra, nb, vb, rb;
    if (!split_nvr(a, &na, &va, &ra) || !split_nvr(b, &nb, &vb, &rb))
        return csm_rpmvercmp(a, b);
    int c = rpm_cmp(na, nb);
    if (!c)
        c = rpm_cmp(va, vb);
    if (!c)
        c = rpm_cmp(ra, rb);
    return c;
}

/* ---- dpkg ---- */

/* The weight of a character outside a digit run: the end and digits 0,
 * '~' below everything, letters by their code, the rest after letters. */
static int dpkg_order(const char *p, const char *e)
{
    if (p == e || is_digit(*p))
        return 0;
    if (is_alpha(*p))
        return (unsigned char)*p;
    if (*p == '~')
        return -1;
    return (unsigned char)*p + 256;
}

static int dpkg_cmp(struct span a, struct span b)
{
    const char *p = a.p, *q = b.p;
    while (p < a.e || q < b.e) {
        while ((p < a.e && !is_digit(*p)) || (q < b.e && !is_digit(*q))) {
            int pc = dpkg_order(p, a.e), qc = dpkg_order(q, b.e);
            if (pc != qc)
                return pc < qc ? -1 : 1;
            p++, q++; /* equal weights that are not 0: neither is at its end */
        }
        while (p < a.e && *p == '0')
            p++;
        while (q < b.e && *q == '0')
            q++;
        int first = 0;
        for (; p < a.e && q < b.e && is_digit(*p) && is_digit(*q); p++, q++)
            if (!first)
                first = *p - *q;
        if (p < a.e && is_digit(*p))
            return 1;
        if (q < b.e && is_digit(*q))
            return -1;
        if (first)
            return first < 0 ? -1 : 1;
    }
    return 0;
}

/* "[epoch:]upstream[-revision]": the epoch is what precedes the first ':'
 * (digits), the revision what follows the last '-' (none is "0"). */
static void split_deb(const char *s, unsigned long long *epoch, struct span *up, struct span *rev)
{
    const char *colon = strchr(s, ':');
    *epoch = 0;
    if (colon) {
        for (const char *d = s; d < colon && is_digit(*d); d++)
            *epoch = *epoch > 1000000000000ULL ? *epoch : *epoch * 10 + (unsigned)(*d - '0');
        s = colon + 1;
    }
    const char *end = s + strlen(s), *dash = strrchr(s, '-');
    *up = (struct span){ s, dash ? dash : end };
    *rev = dash ? (struct span){ dash + 1, end } : (struct span){ end, end };
}

int csm_dpkg_vercmp(const char *a, const char *b)
{
    unsigned long long ea, eb;
    struct span ua, ra, ub, rb;
    split_deb(a, &ea, &ua, &ra);
    split_deb(b, &eb, &ub, &rb);
    if (ea != eb)
        return ea < eb ? -1 : 1;
    int c = dpkg_cmp(ua, ub);
    return c ? c : dpkg_cmp(ra, rb);
}

char *csm_dpkg_upstream(const char *version, char *buf, unsigned long len)
{
    unsigned long long epoch;
    struct span up, rev;
    split_deb(version, &epoch, &up, &rev);
    size_t n = (size_t)(up.e - up.p);
    if (len == 0)
        return buf;
    if (n >= len)
        n = len - 1;
    memcpy(buf, up.p, n);
    buf[n] = '\0';
    return buf;
}
