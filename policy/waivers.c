#include "policy/waivers.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/hostfile.h"
#include "lib/util.h"

#define WAIVER_FILE_CAP (4 * 1024 * 1024)

struct loader {
    const char *path;
    const char *text;
    csm_waivers_errfn errfn;
    void *data;
    unsigned errors;
};

static void werr(struct loader *l, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void werr(struct loader *l, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    l->errors++;
    l->errfn(l->path, line, col, msg, l->data);
}

/* The line each element of the "waivers" array starts on: cJSON keeps no
 * positions, so walk the text once, minding strings. The root object holds
 * only that array, so an element starts at the first non-blank character
 * after the '[' at depth 1 or a ',' at depth 2. */
static unsigned *element_lines(const char *text, size_t max)
{
    unsigned *lines = xcalloc(max + 1, sizeof(*lines));
    unsigned line = 1;
    size_t n = 0;
    int depth = 0;
    bool in_string = false, expect = false;
    for (const char *p = text; *p && n < max; p++) {
        if (*p == '\n')
            line++;
        if (in_string) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_string = false;
            continue;
        }
        if (expect && !strchr(" \t\r\n", *p)) {
            lines[n++] = line;
            expect = false;
        }
        if (*p == '"') {
            in_string = true;
        } else if (*p == '{' || *p == '[') {
            expect = depth == 1 && *p == '[';
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        } else if (*p == ',' && depth == 2) {
            expect = true;
        }
    }
    return lines;
}

/* YYYY-MM-DD of a day that exists: 2027-02-29 and 2027-04-31 do not. */
static bool valid_date(const char *s)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, m, d;
    char extra;
    if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* cJSON keeps every member of a duplicated key and answers with the
 * first: a second "id" or "expires" would be silently ignored. */
static void check_duplicate_keys(struct loader *l, const cJSON *o, unsigned line)
{
    for (const cJSON *k = o->child; k; k = k->next)
        for (const cJSON *e = o->child; e != k; e = e->next)
            if (k->string && e->string && streq(k->string, e->string)) {
                werr(l, line, 0, "duplicate key \"%s\"", k->string);
                break;
            }
}

static char *string_field(struct loader *l, const cJSON *o, const char *name, bool required, unsigned line)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v) {
        if (required)
            werr(l, line, 0, "a waiver needs \"%s\"", name);
        return NULL;
    }
    if (!cJSON_IsString(v) || !*v->valuestring) {
        werr(l, line, 0, "\"%s\" must be a non-empty string", name);
        return NULL;
    }
    return xstrdup(v->valuestring);
}

static void parse_waiver(struct loader *l, const cJSON *o, unsigned line, bool (*known)(const char *),
                         const char *today, struct csm_waiver *w)
{
    static const char *const keys[] = { "id", "host", "reason", "approved_by", "expires" };
    if (!cJSON_IsObject(o)) {
        werr(l, line, 0, "each waiver must be an object");
        return;
    }
    check_duplicate_keys(l, o, line);
    for (const cJSON *k = o->child; k; k = k->next) {
        bool ok = false;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
            ok |= streq(k->string, keys[i]);
        if (!ok)
            werr(l, line, 0, "unknown key \"%s\" (expected id, host, reason, approved_by, expires)", k->string);
    }
    w->source = csm_utf8_fix(xasprintf("%s:%u", l->path, line));
    w->id = string_field(l, o, "id", true, line);
    w->host = string_field(l, o, "host", false, line);
    w->reason = string_field(l, o, "reason", true, line);
    w->approved_by = string_field(l, o, "approved_by", false, line);
    w->expires = string_field(l, o, "expires", false, line);
    if (w->id && known && !known(w->id))
        werr(l, line, 0, "\"%s\" is not a check id (see csm-precheck --list-checks)", w->id);
    if (w->expires && !valid_date(w->expires))
        werr(l, line, 0, "\"expires\" must be a date YYYY-MM-DD, not \"%s\"", w->expires);
    else if (w->expires && strcmp(w->expires, today) < 0)
        w->expired = true;
}

static void parse(struct loader *l, struct csm_waivers *ws, bool (*known)(const char *), const char *today)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(l->text, &end, 1);
    if (!root) {
        unsigned line, col;
        csm_text_position(l->text, end ? (size_t)(end - l->text) : 0, &line, &col);
        werr(l, line, col, "not valid JSON here");
        return;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "waivers");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(arr)) {
        werr(l, 1, 1, "expected an object with a \"waivers\" array");
        cJSON_Delete(root);
        return;
    }
    for (const cJSON *k = root->child; k; k = k->next)
        if (!streq(k->string, "waivers"))
            werr(l, 1, 1, "unknown key \"%s\" (a waiver file holds only \"waivers\")", k->string);
    check_duplicate_keys(l, root, 1);
    size_t n = (size_t)cJSON_GetArraySize(arr);
    unsigned *lines = element_lines(l->text, n);
    ws->w = xcalloc(n ? n : 1, sizeof(*ws->w));
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++)
        parse_waiver(l, o, lines[i] ? lines[i] : 1, known, today, &ws->w[ws->n++]);
    free(lines);
    cJSON_Delete(root);
}

int csm_waivers_load(const char *path, const char *today, bool (*known)(const char *id), csm_waivers_errfn errfn,
                     void *data, struct csm_waivers **out)
{
    char *text;
    size_t len;
    int r = csm_host_file_read(path, WAIVER_FILE_CAP, &text, &len);
    if (r < 0)
        return r;

    struct csm_waivers *ws = xcalloc(1, sizeof(*ws));
    ws->path = csm_utf8_fix(xstrdup(path)); /* a file name need not be UTF-8; the report is */
    ws->sha256 = csm_sha256_hex(text, len);
    if (!ws->sha256) {
        free(text);
        csm_waivers_free(ws);
        return -ELIBACC;
    }
    struct loader l = { .path = path, .text = text, .errfn = errfn, .data = data };
    size_t bad = csm_utf8_invalid(text, len);
    if (memchr(text, '\0', len)) {
        werr(&l, 1, 1, "binary content (a NUL byte) in a waiver file");
    } else if (bad != SIZE_MAX) {
        unsigned line, col;
        csm_text_position(text, bad, &line, &col);
        werr(&l, line, col, "invalid UTF-8 (byte 0x%02x): JSON is UTF-8 text", (unsigned char)text[bad]);
    } else {
        parse(&l, ws, known, today);
    }
    free(text);
    if (l.errors) {
        csm_waivers_free(ws);
        return -EINVAL;
    }
    *out = ws;
    return 0;
}

void csm_waivers_free(struct csm_waivers *ws)
{
    if (!ws)
        return;
    for (size_t i = 0; i < ws->n; i++) {
        struct csm_waiver *w = &ws->w[i];
        free(w->id);
        free(w->host);
        free(w->reason);
        free(w->approved_by);
        free(w->expires);
        free(w->source);
    }
    free(ws->w);
    free(ws->path);
    free(ws->sha256);
    free(ws);
}

struct csm_waiver *csm_waivers_match(struct csm_waivers *ws, const char *id, const char *hostname,
                                     const char *machine_id)
{
    for (size_t i = 0; ws && i < ws->n; i++) {
        struct csm_waiver *w = &ws->w[i];
        if (w->expired || !w->id || !streq(w->id, id))
            continue;
        if (w->host && fnmatch(w->host, hostname, 0) != 0 && !(machine_id && fnmatch(w->host, machine_id, 0) == 0))
            continue;
        return w;
    }
    return NULL;
}
