#include "policy/rules.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/digest.h"
#include "tree/tree.h"
#include "policy/template.h"
#include "lib/hostfile.h"
#include "lib/ini.h"
#include "lib/util.h"

#define RULE_FILE_CAP (1024 * 1024)

struct csm_ruleset {
    char *profile;
    struct csm_rule *rules;
    size_t n_rules;
    char **files;
    struct rule_text {
        const char *data; /* the shipped file's bytes, or owned */
        size_t len;
        char *owned;
    } *texts; /* parallel to files, kept for the digests */
    /* Computed on first use: a scan that writes no JSON or HTML needs none. */
    char **file_digests;
    char *digest;
};

/* State while one file is parsed. */
struct parser {
    const struct csm_rules_section *sections;
    size_t n_sections;
    struct csm_ruleset *rs;
    const char *file;
    unsigned line;
    const struct csm_rules_section *section; /* NULL: ruleset/profile or none */
    struct csm_rule *rule;
    bool bad_section; /* already reported: ignore its keys */
    bool site;        /* loading a site's layer */
    char **opened;    /* the sections of this file so far, "name\tline" */
    csm_rules_errfn errfn;
    void *data;
    unsigned errors;
};

static const char *const special_sections[] = { "ruleset", "profile" };

const char *csm_severity_name(enum csm_severity s)
{
    static const char *const names[] = { "info", "warning", "blocker" };
    return names[s];
}

static void perr(struct parser *p, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(struct parser *p, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    p->errors++;
    p->errfn(p->file, p->line, (unsigned)col + 1, msg, p->data);
}

static struct csm_rule *rule_slot(struct csm_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (streq(rs->rules[i].id, id))
            return &rs->rules[i];
    rs->rules = xrealloc(rs->rules, (rs->n_rules + 1) * sizeof(*rs->rules));
    struct csm_rule *r = &rs->rules[rs->n_rules++];
    *r = (struct csm_rule){ .id = xstrdup(id), .enabled = true, .severity = -1 };
    return r;
}

static struct csm_rule_value *value_slot(struct csm_rule *r, const char *key)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (streq(r->values[i].key, key))
            return &r->values[i];
    r->values = xrealloc(r->values, (r->n_values + 1) * sizeof(*r->values));
    struct csm_rule_value *v = &r->values[r->n_values++];
    *v = (struct csm_rule_value){ .key = xstrdup(key) };
    return v;
}

static bool word_listed(const char *const *words, const char *w)
{
    for (size_t i = 0; words && words[i]; i++)
        if (streq(words[i], w))
            return true;
    return false;
}

static bool word_in(const char *words, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = words; p && *p;) {
        const char *end = strchrnul(p, ' ');
        if ((size_t)(end - p) == n && strncmp(p, w, n) == 0)
            return true;
        p = *end ? end + 1 : end;
    }
    return false;
}

/* Levenshtein distance, for "did you mean" on a mistyped check id. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t d[65], prev;
    for (size_t j = 0; j <= lb; j++)
        d[j] = j;
    for (size_t i = 1; i <= la; i++) {
        prev = d[0];
        d[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = d[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (d[j] + 1 < best)
                best = d[j] + 1;
            if (d[j - 1] + 1 < best)
                best = d[j - 1] + 1;
            d[j] = best;
            prev = cur;
        }
    }
    return d[lb];
}

/* A section twice in one file: which of its keys win is left to their
 * order, which nobody reading one of the two sees. Across files it is how
 * a layer overrides another. */
static void check_duplicate(struct parser *p, const char *name, size_t col)
{
    size_t n = strlen(name);
    for (size_t i = 0; p->opened && p->opened[i]; i++)
        if (strncmp(p->opened[i], name, n) == 0 && p->opened[i][n] == '\t') {
            perr(p, col, "section [%s] appears twice in this file (first at line %s): keep its keys in one place",
                 name, p->opened[i] + n + 1);
            return;
        }
    strv_pushf(&p->opened, "%s\t%u", name, p->line);
}

static void open_section(struct parser *p, char *name, size_t col)
{
    p->section = NULL;
    p->rule = NULL;
    p->bad_section = false;
    check_duplicate(p, name, col);
    for (size_t i = 0; i < ARRAY_SIZE(special_sections); i++)
        if (streq(name, special_sections[i])) {
            p->rule = rule_slot(p->rs, name);
            return;
        }
    for (size_t i = 0; i < p->n_sections; i++)
        if (streq(p->sections[i].id, name)) {
            p->section = &p->sections[i];
            p->rule = rule_slot(p->rs, name);
            return;
        }
    /* Unknown: the closest known id is the likely typo. */
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < p->n_sections; i++) {
        size_t d = distance(p->sections[i].id, name);
        if (d < best_d) {
            best_d = d;
            best = p->sections[i].id;
        }
    }
    p->bad_section = true;
    if (best)
        perr(p, col, "unknown section [%s]; did you mean [%s]?", name, best);
    else
        perr(p, col, "unknown section [%s] (see csm-precheck --list-checks)", name);
}

struct var_check {
    struct parser *p;
    size_t col;
};

static void check_var(const char *name, size_t col, void *data)
{
    struct var_check *vc = data;
    char base[64];
    snprintf(base, sizeof(base), "%s", name);
    if (endswith(base, "*"))
        base[strlen(base) - 1] = '\0';
    if (word_in(CSM_RULES_GLOBAL_VARS, base) || (vc->p->section && word_listed(vc->p->section->vars, base)))
        return;
    perr(vc->p, vc->col + col, "unknown placeholder {%s} in [%s]", name, vc->p->rule->id);
}

static void check_template(struct parser *p, const char *value, size_t col)
{
    struct var_check vc = { p, col };
    size_t bad = 0;
    if (csm_template_scan(value, check_var, &vc, &bad) < 0)
        perr(p, col + bad, "malformed placeholder (write {{ and }} for literal braces)");
}

/* "[debian,rhel] cmd": returns how far the filter reaches. */
static size_t check_families(struct parser *p, const char *value, size_t col)
{
    const char *end = strchr(value, ']');
    if (!end) {
        perr(p, col, "missing ']' after the family list");
        return 0;
    }
    _cleanup_free_ char *list = xstrndup(value + 1, (size_t)(end - value - 1));
    for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save))
        if (!word_in(CSM_RULES_FAMILIES, strstrip(f)))
            perr(p, col + 1, "unknown distribution family '%s' (expected %s)", strstrip(f), CSM_RULES_FAMILIES);
    return (size_t)(end - value) + 1;
}

static bool parse_bool(const char *v, bool *out)
{
    if (streq(v, "yes") || streq(v, "true") || streq(v, "1"))
        *out = true;
    else if (streq(v, "no") || streq(v, "false") || streq(v, "0"))
        *out = false;
    else
        return false;
    return true;
}

static bool parse_severity(const char *v, enum csm_severity *out)
{
    for (int s = CSM_SEV_INFO; s <= CSM_SEV_BLOCKER; s++)
        if (streq(v, csm_severity_name(s))) {
            *out = s;
            return true;
        }
    return false;
}

/* Which keys a section takes, and whether they hold a list. */
static bool key_allowed(struct parser *p, const char *key, bool *list, size_t col)
{
    const char *id = p->rule->id;
    *list = false;
    if (streq(id, "ruleset"))
        return streq(key, "version") || streq(key, "name");
    if (streq(id, "profile")) {
        *list = streq(key, "reference");
        return streq(key, "description") || *list;
    }
    if (startswith(key, "param.")) {
        *list = true;
        if (word_listed(p->section->params, key + 6))
            return true;
        _cleanup_free_ char *names = strv_join((char *const *)p->section->params, " ");
        perr(p, col, "[%s] has no parameter '%s'%s%s", id, key + 6, *names ? "; it has: " : "", names);
        return true; /* reported */
    }
    if (streq(key, "reference") || streq(key, "command") || startswith(key, "command.")) {
        *list = true;
        return true;
    }
    if (streq(key, "message") || startswith(key, "message.") || streq(key, "hint") || startswith(key, "hint."))
        return true;
    return p->section->is_check && (streq(key, "title") || streq(key, "severity") || streq(key, "enabled") ||
                                    streq(key, "follows"));
}

static bool is_check_section(const struct parser *p, const char *id)
{
    for (size_t i = 0; i < p->n_sections; i++)
        if (p->sections[i].is_check && streq(p->sections[i].id, id))
            return true;
    return false;
}

static void assign(struct parser *p, char *key, char *value, size_t key_col, size_t val_col)
{
    bool list;
    if (!p->rule) {
        if (!p->bad_section)
            perr(p, key_col, "'%s' outside of a section", key);
        return;
    }
    if (!key_allowed(p, key, &list, key_col)) {
        perr(p, key_col, "unknown key '%s' in [%s]", key, p->rule->id);
        return;
    }
    if (streq(key, "severity")) {
        enum csm_severity sev;
        if (!parse_severity(value, &sev)) {
            perr(p, val_col, "invalid severity '%s' (expected blocker, warning or info)", value);
            return;
        }
        p->rule->severity = sev;
    } else if (streq(key, "enabled")) {
        bool b;
        if (!parse_bool(value, &b)) {
            perr(p, val_col, "invalid value '%s' for enabled (expected yes or no)", value);
            return;
        }
        p->rule->enabled = b;
    } else if (streq(key, "follows")) {
        if (!is_check_section(p, value) || streq(value, p->rule->id)) {
            perr(p, val_col, "follows: '%s' is not another check", value);
            return;
        }
    } else if (p->section && !startswith(key, "param.") && !streq(key, "reference")) {
        size_t skip = 0;
        if ((streq(key, "command") || startswith(key, "command.")) && value[0] == '[')
            skip = check_families(p, value, val_col);
        check_template(p, value + skip, val_col + skip);
    }

    struct csm_rule_value *v = value_slot(p->rule, key);
    if (p->site && !v->site) {
        v->site = true;
        v->shipped = strv_copy(v->values);
    }
    if (!list || !*value) {
        strv_free(v->values);
        v->values = NULL;
    }
    if (*value || !list)
        strv_push(&v->values, xstrdup(value));
    free(v->origin);
    v->origin = xasprintf("%s:%u", p->file, p->line);
}

/* Cuts an inline comment off a value: a '#' after a space or a tab starts
 * one, so "severity = warning   # why" reads as it looks while "#" inside a
 * word (sed 's#a#b#', a URL's #fragment) stays. A command is shell: there a
 * quoted '#' stays too, as the shell reads it ('^ *#'). Elsewhere "\#"
 * writes a literal '#' after a space ("ticket \#4711"). value points into
 * its line, after the '=' and the spaces that follow it. */
static void cut_comment(char *value, bool shell)
{
    char quote = 0;
    char *w = value;
    for (char *s = value; *s; s++) {
        if (shell && quote) {
            if (*s == quote)
                quote = 0;
            else if (quote == '"' && *s == '\\' && s[1])
                *w++ = *s++;
        } else if (shell && (*s == '\'' || *s == '"')) {
            quote = *s;
        } else if (*s == '\\' && s[1] == '#') {
            if (shell)
                *w++ = *s;
            s++;
        } else if (shell && *s == '\\' && s[1]) {
            *w++ = *s++;
        } else if (*s == '#' && (s[-1] == ' ' || s[-1] == '\t')) {
            break;
        }
        *w++ = *s;
    }
    *w = '\0';
    strstrip(value);
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* A "[section]" header; a missing ']' leaves no section open, so that its
 * keys are not taken for another's. */
static void section_token(struct parser *p, struct csm_ini_token *t)
{
    if (t->kind == CSM_INI_UNCLOSED) {
        perr(p, t->col, "missing ']'");
        p->rule = NULL;
        p->section = NULL;
        p->bad_section = true;
        return;
    }
    if (*strstrip(t->rest))
        perr(p, t->rest_col, "unexpected text after ']'");
    open_section(p, strstrip(t->name), t->col);
}

/* "key = value": a key is [a-z0-9._-]+, blanks may stand before the '='. */
static void entry_token(struct parser *p, struct csm_ini_token *t)
{
    char *k = t->key;
    size_t n = 0;
    while (is_key_char(k[n]))
        n++;
    size_t m = n;
    while (k[m] == ' ' || k[m] == '\t')
        m++;
    if (n == 0 || k[m] || !t->value) {
        perr(p, t->col + m, n == 0 ? "expected a key" : "expected '=' after the key");
        return;
    }
    k[n] = '\0';
    cut_comment(t->value, streq(k, "command") || startswith(k, "command."));
    assign(p, k, t->value, t->col, t->value_col);
}

static int rule_token(struct csm_ini_token *t, void *data)
{
    struct parser *p = data;
    p->line = t->line;
    if (t->kind == CSM_INI_ENTRY)
        entry_token(p, t);
    else
        section_token(p, t);
    return 0;
}

static void parse_buffer(struct parser *p, const char *buf, size_t len)
{
    if (memchr(buf, '\0', len)) {
        p->line = 1;
        perr(p, 0, "binary content (a NUL byte) in a rule file");
        return;
    }
    size_t bad = csm_utf8_invalid(buf, len);
    if (bad != SIZE_MAX) {
        unsigned col;
        csm_text_position(buf, bad, &p->line, &col);
        perr(p, col - 1, "invalid UTF-8 (byte 0x%02x): a rule file is UTF-8 text", (unsigned char)buf[bad]);
        return;
    }
    _cleanup_free_ char *text = xstrndup(buf, len);
    p->section = NULL;
    p->rule = NULL;
    p->bad_section = false;
    strv_free(p->opened);
    p->opened = NULL;
    csm_ini_tokenize(text, CSM_INI_CONTINUE, rule_token, p);
}

static void record_file(struct csm_ruleset *rs, char *name, const char *data, size_t size, bool shipped)
{
    size_t n = strv_length(rs->files);
    strv_push(&rs->files, name);
    rs->texts = xrealloc(rs->texts, (n + 1) * sizeof(*rs->texts));
    char *owned = shipped ? NULL : xstrndup(data, size);
    rs->texts[n] = (struct rule_text){ owned ? owned : data, size, owned };
}

/* The digests, filled in on first use (a cache: the set itself is const). */
static void compute_digests(const struct csm_ruleset *crs)
{
    struct csm_ruleset *rs = (struct csm_ruleset *)crs;
    if (rs->digest)
        return;
    struct csm_sha256 *whole = csm_sha256_new();
    char **each = NULL;
    bool all = true;
    for (size_t i = 0; rs->files && rs->files[i]; i++) {
        char header[32];
        int n = snprintf(header, sizeof(header), "%zu\n", rs->texts[i].len);
        char *hex = csm_sha256_hex(rs->texts[i].data, rs->texts[i].len);
        all = all && hex;
        if (hex)
            strv_push(&each, hex);
        csm_sha256_update(whole, header, (size_t)n);
        csm_sha256_update(whole, rs->texts[i].data, rs->texts[i].len);
    }
    rs->digest = csm_sha256_finish(whole);
    /* Without libcrypto there are none: the renderers that need them refuse. */
    if (all && rs->digest) {
        rs->file_digests = each;
    } else {
        strv_free(each);
        free(rs->digest);
        rs->digest = NULL;
    }
}

static int parse_site_file(struct parser *p, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    char *buf;
    size_t len;
    int r = csm_fd_read(fd, RULE_FILE_CAP, &buf, &len);
    close(fd);
    if (r < 0)
        return r;
    p->file = path;
    record_file(p->rs, xstrdup(path), buf, len, false);
    parse_buffer(p, buf, len);
    free(buf);
    return 0;
}

/* Sorted *.rules names of a host directory; a missing directory is empty. */
static int list_rule_files(const char *dir, char ***out)
{
    struct csm_tree *r;
    int ret = csm_tree_open_dir(dir, &r);
    if (ret == -ENOENT) {
        *out = NULL;
        return 0;
    }
    if (ret < 0)
        return ret;
    char **names = NULL;
    ret = csm_tree_list(r, ".", &names);
    csm_tree_free(r);
    if (ret < 0)
        return ret;
    char **keep = NULL;
    for (size_t i = 0; names && names[i]; i++)
        if (endswith(names[i], ".rules"))
            strv_pushf(&keep, "%s/%s", dir, names[i]);
    strv_free(names);
    *out = keep;
    return 0;
}

static void load_builtin(struct parser *p, const char *profile)
{
    /* The shipped set: top-level files for every profile, then the profile's own. */
    for (int pass = 0; pass < 2; pass++)
        for (const struct csm_rules_file *f = csm_rules_builtin; f->path; f++) {
            const char *slash = strchr(f->path, '/');
            bool mine = pass == 0 ? !slash
                                  : slash && (size_t)(slash - f->path) == strlen(profile) &&
                                        strncmp(f->path, profile, strlen(profile)) == 0;
            if (!mine)
                continue;
            char *name = xasprintf("builtin:%s", f->path);
            record_file(p->rs, name, f->data, f->size, true);
            p->file = name;
            parse_buffer(p, f->data, f->size);
        }
}

static int load_site(struct parser *p, const char *dir, const char *profile)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    char *sub = xasprintf("%s/%s", dir, profile);
    char *dirs[] = { (char *)dir, sub };
    int r = 0;
    for (size_t d = 0; d < 2 && r >= 0; d++) {
        char **files = NULL;
        r = list_rule_files(dirs[d], &files);
        if (r < 0) {
            p->line = 0;
            p->file = dirs[d];
            perr(p, 0, "cannot read the rules directory: %s", csm_strerror(r));
            break;
        }
        for (size_t i = 0; files && files[i]; i++) {
            int fr = parse_site_file(p, files[i]);
            if (fr < 0) {
                p->file = files[i];
                p->line = 0;
                perr(p, 0, "cannot read: %s", csm_strerror(fr));
            }
        }
        strv_free(files);
    }
    free(sub);
    return r;
}

char **csm_ruleset_profiles(const char *site_dir)
{
    char **out = NULL;
    for (const struct csm_rules_file *f = csm_rules_builtin; f->path; f++) {
        const char *slash = strchr(f->path, '/');
        if (!slash)
            continue;
        char *name = xstrndup(f->path, (size_t)(slash - f->path));
        if (strv_contains(out, name))
            free(name);
        else
            strv_push(&out, name);
    }
    struct csm_tree *r;
    if (site_dir && csm_tree_open_dir(site_dir, &r) == 0) {
        char **names = NULL;
        csm_tree_list(r, ".", &names);
        for (size_t i = 0; names && names[i]; i++) {
            struct csm_tree_stat st;
            if (csm_tree_stat(r, names[i], false, &st) == 0 && S_ISDIR(st.mode) &&
                !strv_contains(out, names[i]))
                strv_push(&out, xstrdup(names[i]));
        }
        strv_free(names);
        csm_tree_free(r);
    }
    return out;
}

/* "follows = disk.partition-table": the severity a site gives that check
 * is this one's too, unless the site sets this one's itself. A site that
 * accepts GPT disks says so once, and image scans accept GPT images. */
static void apply_follows(struct csm_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_rules; i++) {
        struct csm_rule *r = &rs->rules[i];
        const char *from = csm_rule_scalar(r, "follows");
        const struct csm_rule *src = from ? csm_ruleset_get(rs, from) : NULL;
        const struct csm_rule_value *sv = csm_rule_find(src, "severity");
        const struct csm_rule_value *own = csm_rule_find(r, "severity");
        if (!sv || !sv->site || (own && own->site))
            continue;
        r->severity = src->severity;
        struct csm_rule_value *v = value_slot(r, "severity");
        v->site = true;
        v->shipped = strv_copy(v->values);
        strv_free(v->values);
        v->values = strv_copy(sv->values);
        free(v->origin);
        v->origin = xasprintf("%s (follows %s)", sv->origin, from);
    }
}

static void validate(struct parser *p)
{
    for (size_t i = 0; i < p->n_sections; i++) {
        const struct csm_rules_section *sec = &p->sections[i];
        struct csm_rule *r = rule_slot(p->rs, sec->id);
        if (!sec->is_check)
            continue;
        p->file = "rules";
        p->line = 0;
        if ((int)r->severity < 0)
            perr(p, 0, "[%s] has no severity", sec->id);
        if (!csm_rule_scalar(r, "title"))
            perr(p, 0, "[%s] has no title", sec->id);
    }
}

int csm_ruleset_load(const struct csm_rules_section *sections, size_t n_sections, const char *profile,
                     const char *site_dir, csm_rules_errfn errfn, void *data, struct csm_ruleset **out)
{
    _cleanup_strv_ char **profiles = csm_ruleset_profiles(site_dir);
    if (!strv_contains(profiles, profile))
        return -ENOENT;

    struct csm_ruleset *rs = xcalloc(1, sizeof(*rs));
    rs->profile = xstrdup(profile);
    struct parser p = {
        .sections = sections, .n_sections = n_sections, .rs = rs, .errfn = errfn, .data = data,
    };
    load_builtin(&p, profile);
    p.site = true;
    int r = site_dir ? load_site(&p, site_dir, profile) : 0;
    strv_free(p.opened);
    if (r >= 0) {
        apply_follows(rs);
        validate(&p);
    }
    if (r >= 0 && p.errors)
        r = -EINVAL;
    if (r < 0) {
        csm_ruleset_free(rs);
        return r;
    }
    *out = rs;
    return 0;
}

void csm_ruleset_free(struct csm_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n_rules; i++) {
        struct csm_rule *r = &rs->rules[i];
        for (size_t j = 0; j < r->n_values; j++) {
            free(r->values[j].key);
            strv_free(r->values[j].values);
            strv_free(r->values[j].shipped);
            free(r->values[j].origin);
        }
        free(r->values);
        free(r->id);
    }
    free(rs->rules);
    for (size_t i = 0; rs->files && rs->files[i]; i++)
        free(rs->texts[i].owned);
    free(rs->texts);
    strv_free(rs->files);
    strv_free(rs->file_digests);
    free(rs->digest);
    free(rs->profile);
    free(rs);
}

const struct csm_rule *csm_ruleset_get(const struct csm_ruleset *rs, const char *section)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (streq(rs->rules[i].id, section))
            return &rs->rules[i];
    return NULL;
}

const char *csm_ruleset_version(const struct csm_ruleset *rs)
{
    const struct csm_rule *r = csm_ruleset_get(rs, "ruleset");
    const char *v = r ? csm_rule_scalar(r, "version") : NULL;
    return v ? v : "unknown";
}

const char *csm_ruleset_profile(const struct csm_ruleset *rs)
{
    return rs->profile;
}

char *const *csm_ruleset_files(const struct csm_ruleset *rs)
{
    return rs->files;
}

char *const *csm_ruleset_file_digests(const struct csm_ruleset *rs)
{
    compute_digests(rs);
    return rs->file_digests;
}

const char *csm_ruleset_digest(const struct csm_ruleset *rs)
{
    compute_digests(rs);
    return rs->digest;
}

size_t csm_ruleset_count(const struct csm_ruleset *rs)
{
    return rs->n_rules;
}

const struct csm_rule *csm_ruleset_at(const struct csm_ruleset *rs, size_t i)
{
    return &rs->rules[i];
}

const struct csm_rule_value *csm_rule_find(const struct csm_rule *rule, const char *key)
{
    for (size_t i = 0; rule && i < rule->n_values; i++)
        if (streq(rule->values[i].key, key))
            return &rule->values[i];
    return NULL;
}

const char *csm_rule_scalar(const struct csm_rule *rule, const char *key)
{
    const struct csm_rule_value *v = csm_rule_find(rule, key);
    return v && v->values ? v->values[0] : NULL;
}

char *const *csm_rule_lookup(const struct csm_rule *rule, const char *key, const char *status,
                             const char *outcome)
{
    const char *quals[] = { outcome, status, NULL };
    for (size_t i = 0; i < ARRAY_SIZE(quals); i++) {
        char k[128];
        if (i < 2 && !quals[i])
            continue;
        if (quals[i])
            snprintf(k, sizeof(k), "%s.%s", key, quals[i]);
        else
            snprintf(k, sizeof(k), "%s", key);
        const struct csm_rule_value *v = csm_rule_find(rule, k);
        if (v)
            return v->values;
    }
    return NULL;
}

char *const *csm_rule_param(const struct csm_rule *rule, const char *name)
{
    static char *const empty[] = { NULL };
    char k[128];
    snprintf(k, sizeof(k), "param.%s", name);
    const struct csm_rule_value *v = csm_rule_find(rule, k);
    return v && v->values ? v->values : empty;
}
