/* nftables' saved ruleset (nft -f syntax), as much of it as decides what
 * a base chain on the input hook does with a new TCP connection: tables
 * and chains (both the block form and add/insert commands), policies,
 * include, define, flush ruleset; in a rule, the matches on the interface,
 * the connection state, the layer-4 protocol and the destination port
 * (single values, sets, ranges, verdict maps) are judged, matches on
 * addresses and named sets make "some", and unknown expressions too. Only
 * ip and inet tables are looked at: the address after the move is IPv4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/firewall.h"
#include "lib/util.h"

#define NFT_MAX_DEPTH 16
#define NFT_MAX_TOKENS (1 << 20) /* all files together */
#define NFT_MAX_FILES 256 /* files that include themselves twice would grow without end */
/* Rules judged in one walk: chains that jump to each other several times
 * per level would take exponential time within NFT_MAX_DEPTH. */
#define NFT_MAX_STEPS 100000

struct tok {
    char *s;    /* a word, a string (without its quotes), or one of { } ; , and "\n" */
    bool str;
    unsigned line;
};

struct nft_rule {
    struct tok *t;
    size_t n;
    char *file;
    unsigned line;
};

struct nft_chain {
    char *name;
    bool base_input;
    char *policy; /* "accept" when not set */
    char *policy_src;
    struct nft_rule *r;
    size_t n;
};

struct nft_table {
    char *family, *name;
    struct nft_chain *c;
    size_t n;
};

struct csm_nft {
    struct nft_table *t;
    size_t n;
    char **def_names;
    struct tok **def_vals;
    size_t *def_n;
    size_t n_def;
    unsigned unknown;
    char *unknown_first;
    char **errors;
    unsigned files;
    csm_nft_include_fn include;
    void *data;
};

/* ---- tokens ---- */

static size_t tokens_left = NFT_MAX_TOKENS; /* of the parse under way */

static void push_tok(struct tok **v, size_t *n, char *s, bool str, unsigned line)
{
    if (!tokens_left) {
        free(s);
        return;
    }
    tokens_left--;
    if (!(*n & (*n - 1)) || *n < 16)
        *v = xrealloc(*v, (*n < 16 ? 16 : *n * 2) * sizeof(**v));
    (*v)[(*n)++] = (struct tok){ s, str, line };
}

static void tokenize(const char *p, struct tok **v, size_t *n)
{
    unsigned line = 1;
    while (*p) {
        if (*p == '\\' && p[1] == '\n') {
            p += 2;
            line++;
        } else if (*p == ' ' || *p == '\t' || *p == '\r') {
            p++;
        } else if (*p == '#') {
            p += strcspn(p, "\n");
        } else if (*p == '\n') {
            push_tok(v, n, xstrdup("\n"), false, line++);
            p++;
        } else if (strchr("{};,", *p)) {
            push_tok(v, n, xstrndup(p, 1), false, line);
            p++;
        } else if (*p == '"') {
            size_t k = strcspn(p + 1, "\"\n");
            push_tok(v, n, xstrndup(p + 1, k), true, line);
            p += 1 + k + (p[1 + k] == '"');
        } else {
            size_t k = strcspn(p, " \t\r\n{};,\"#");
            push_tok(v, n, xstrndup(p, k), false, line);
            p += k;
        }
    }
}

static void free_toks(struct tok *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].s);
    free(t);
}

static bool is(const struct tok *t, const char *s)
{
    return t && !t->str && streq(t->s, s);
}

static bool end_of_stmt(const struct tok *t)
{
    return is(t, "\n") || is(t, ";");
}

/* ---- the model ---- */

static bool family_word(const char *s)
{
    return streq(s, "ip") || streq(s, "ip6") || streq(s, "inet") || streq(s, "arp") || streq(s, "bridge") ||
           streq(s, "netdev");
}

static struct nft_table *table_of(struct csm_nft *n, const char *family, const char *name)
{
    for (size_t i = 0; i < n->n; i++)
        if (streq(n->t[i].family, family) && streq(n->t[i].name, name))
            return &n->t[i];
    n->t = xrealloc(n->t, (n->n + 1) * sizeof(*n->t));
    n->t[n->n] = (struct nft_table){ xstrdup(family), xstrdup(name), NULL, 0 };
    return &n->t[n->n++];
}

static struct nft_chain *chain_of(struct nft_table *t, const char *name, bool create)
{
    for (size_t i = 0; i < t->n; i++)
        if (streq(t->c[i].name, name))
            return &t->c[i];
    if (!create)
        return NULL;
    t->c = xrealloc(t->c, (t->n + 1) * sizeof(*t->c));
    t->c[t->n] = (struct nft_chain){ .name = xstrdup(name), .policy = xstrdup("accept") };
    return &t->c[t->n++];
}

static void free_rules(struct nft_chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free_toks(c->r[i].t, c->r[i].n);
        free(c->r[i].file);
    }
    free(c->r);
    c->r = NULL;
    c->n = 0;
}

static void free_tables(struct csm_nft *n)
{
    for (size_t i = 0; i < n->n; i++) {
        for (size_t k = 0; k < n->t[i].n; k++) {
            struct nft_chain *c = &n->t[i].c[k];
            free_rules(c);
            free(c->name);
            free(c->policy);
            free(c->policy_src);
        }
        free(n->t[i].c);
        free(n->t[i].family);
        free(n->t[i].name);
    }
    free(n->t);
    n->t = NULL;
    n->n = 0;
}

static void unknown(struct csm_nft *n, const char *file, unsigned line)
{
    if (!n->unknown++)
        n->unknown_first = xasprintf("%s:%u", file, line);
}

/* ---- the parser ---- */

struct parse {
    struct csm_nft *n;
    const char *file;
    struct tok *t;
    size_t len, i;
    unsigned depth;
};

static struct tok *cur(struct parse *p)
{
    return p->i < p->len ? &p->t[p->i] : NULL;
}

static void skip_stmt(struct parse *p)
{
    int depth = 0;
    for (; p->i < p->len; p->i++) {
        if (is(cur(p), "{"))
            depth++;
        else if (is(cur(p), "}")) {
            if (depth == 0)
                return;
            depth--;
        } else if (depth == 0 && end_of_stmt(cur(p))) {
            p->i++;
            return;
        }
    }
}

static void skip_block(struct parse *p) /* at "{" */
{
    int depth = 0;
    for (; p->i < p->len; p->i++) {
        if (is(cur(p), "{"))
            depth++;
        else if (is(cur(p), "}") && --depth == 0) {
            p->i++;
            return;
        }
    }
}

/* The tokens of one rule, up to the end of its statement; $names replaced. */
static void add_rule(struct parse *p, struct nft_chain *c, bool insert)
{
    struct nft_rule r = { .file = xstrdup(p->file), .line = cur(p) ? cur(p)->line : 0 };
    int depth = 0;
    for (; p->i < p->len; p->i++) {
        struct tok *t = cur(p);
        if (is(t, "{"))
            depth++;
        else if (is(t, "}")) {
            if (depth == 0)
                break;
            depth--;
        } else if (depth == 0 && end_of_stmt(t)) {
            p->i++;
            break;
        } else if (is(t, "\n")) {
            continue;
        }
        size_t d;
        if (!t->str && t->s[0] == '$') {
            for (d = 0; d < p->n->n_def && !streq(p->n->def_names[d], t->s + 1); d++)
                ;
            if (d < p->n->n_def) {
                for (size_t k = 0; k < p->n->def_n[d]; k++)
                    push_tok(&r.t, &r.n, xstrdup(p->n->def_vals[d][k].s), p->n->def_vals[d][k].str, t->line);
                continue;
            }
        }
        push_tok(&r.t, &r.n, xstrdup(t->s), t->str, t->line);
    }
    if (!r.n) {
        free(r.file);
        return;
    }
    c->r = xrealloc(c->r, (c->n + 1) * sizeof(*c->r));
    if (insert)
        memmove(c->r + 1, c->r, c->n * sizeof(*c->r));
    c->r[insert ? 0 : c->n] = r;
    c->n++;
}

static void chain_body(struct parse *p, struct nft_chain *c) /* after "{" */
{
    while (p->i < p->len && !is(cur(p), "}")) {
        struct tok *t = cur(p);
        if (end_of_stmt(t)) {
            p->i++;
        } else if (is(t, "type")) {
            for (size_t k = p->i; k < p->len && !end_of_stmt(&p->t[k]) && !is(&p->t[k], "}"); k++)
                if (is(&p->t[k], "hook") && k + 1 < p->len && is(&p->t[k + 1], "input"))
                    c->base_input = true;
            skip_stmt(p);
        } else if (is(t, "policy") && p->i + 1 < p->len) {
            free(c->policy);
            free(c->policy_src);
            c->policy = xstrdup(p->t[p->i + 1].s);
            c->policy_src = xasprintf("%s:%u", p->file, t->line);
            skip_stmt(p);
        } else if (is(t, "comment") || is(t, "devices") || is(t, "device")) {
            skip_stmt(p);
        } else {
            add_rule(p, c, false);
        }
    }
    if (is(cur(p), "}"))
        p->i++;
}

static void table_body(struct parse *p, struct nft_table *tb) /* after "{" */
{
    while (p->i < p->len && !is(cur(p), "}")) {
        struct tok *t = cur(p);
        if (end_of_stmt(t)) {
            p->i++;
        } else if (is(t, "chain") && p->i + 2 < p->len && is(&p->t[p->i + 2], "{")) {
            struct nft_chain *c = chain_of(tb, p->t[p->i + 1].s, true);
            p->i += 3;
            chain_body(p, c);
        } else {
            /* sets, maps, flowtables, counters, flags, comments */
            size_t k = p->i;
            while (k < p->len && !end_of_stmt(&p->t[k]) && !is(&p->t[k], "{") && !is(&p->t[k], "}"))
                k++;
            if (k < p->len && is(&p->t[k], "{")) {
                p->i = k;
                skip_block(p);
            } else {
                skip_stmt(p);
            }
        }
    }
    if (is(cur(p), "}"))
        p->i++;
}

static void parse_text(struct csm_nft *n, const char *file, const char *text, unsigned depth);

static void include(struct parse *p, const char *pattern)
{
    struct csm_nft *n = p->n;
    if (p->depth >= NFT_MAX_DEPTH || n->files >= NFT_MAX_FILES) {
        strv_pushf(&n->errors, "%s: includes nested more than %d deep or more than %d files", p->file,
                   NFT_MAX_DEPTH, NFT_MAX_FILES);
        return;
    }
    _cleanup_free_ char *pat = NULL;
    if (pattern[0] == '/') {
        pat = xstrdup(pattern);
    } else {
        const char *slash = strrchr(p->file, '/');
        pat = slash ? xasprintf("%.*s/%s", (int)(slash - p->file), p->file, pattern) : xstrdup(pattern);
    }
    char **paths = NULL, **texts = NULL;
    int r = n->include ? n->include(n->data, pat, &paths, &texts) : -1;
    if (r < 0)
        strv_pushf(&n->errors, "%s: include \"%s\": %s", p->file, pat,
                   n->include ? csm_strerror(r) : "not followed");
    for (size_t i = 0; paths && paths[i] && n->files < NFT_MAX_FILES; i++)
        parse_text(n, paths[i], texts[i] ? texts[i] : "", p->depth + 1);
    strv_free(paths);
    strv_free(texts);
}

/* "[family] name" at the cursor */
static void family_name(struct parse *p, const char **family, const char **name)
{
    *family = "ip";
    *name = NULL;
    if (cur(p) && family_word(cur(p)->s) && p->i + 1 < p->len && !end_of_stmt(&p->t[p->i + 1]) &&
        !is(&p->t[p->i + 1], "{")) {
        *family = cur(p)->s;
        p->i++;
    }
    if (cur(p) && !end_of_stmt(cur(p)) && !is(cur(p), "{")) {
        *name = cur(p)->s;
        p->i++;
    }
}

static void command(struct parse *p)
{
    struct csm_nft *n = p->n;
    struct tok *t = cur(p);
    unsigned line = t->line;
    if (is(t, "table")) {
        p->i++;
        const char *family, *name;
        family_name(p, &family, &name);
        if (name && is(cur(p), "{")) {
            struct nft_table *tb = table_of(n, family, name);
            p->i++;
            table_body(p, tb);
            return;
        }
    } else if (is(t, "flush") && p->i + 1 < p->len && is(&p->t[p->i + 1], "ruleset")) {
        free_tables(n);
    } else if (is(t, "include") && p->i + 1 < p->len && p->t[p->i + 1].str) {
        _cleanup_free_ char *pat = xstrdup(p->t[p->i + 1].s);
        skip_stmt(p);
        include(p, pat);
        return;
    } else if (is(t, "define") && p->i + 2 < p->len && is(&p->t[p->i + 2], "=")) {
        n->def_names = xrealloc(n->def_names, (n->n_def + 1) * sizeof(char *));
        n->def_vals = xrealloc(n->def_vals, (n->n_def + 1) * sizeof(struct tok *));
        n->def_n = xrealloc(n->def_n, (n->n_def + 1) * sizeof(size_t));
        n->def_names[n->n_def] = xstrdup(p->t[p->i + 1].s);
        p->i += 3;
        struct nft_chain tmp = { 0 };
        add_rule(p, &tmp, false);
        n->def_vals[n->n_def] = tmp.n ? tmp.r[0].t : NULL;
        n->def_n[n->n_def] = tmp.n ? tmp.r[0].n : 0;
        if (tmp.n)
            free(tmp.r[0].file);
        free(tmp.r);
        n->n_def++;
        return;
    } else if ((is(t, "add") || is(t, "create") || is(t, "insert")) && p->i + 1 < p->len) {
        bool insert = is(t, "insert");
        const char *what = p->t[++p->i].s;
        p->i++;
        const char *family, *name;
        family_name(p, &family, &name);
        if (name && streq(what, "table")) {
            table_of(n, family, name);
            if (is(cur(p), "{")) {
                p->i++;
                table_body(p, table_of(n, family, name));
                return;
            }
        } else if (name && (streq(what, "chain") || streq(what, "rule")) && cur(p) && !end_of_stmt(cur(p))) {
            struct nft_table *tb = table_of(n, family, name);
            struct nft_chain *c = chain_of(tb, cur(p)->s, true);
            p->i++;
            if (streq(what, "chain") && is(cur(p), "{")) {
                p->i++;
                chain_body(p, c);
            } else if (streq(what, "rule")) {
                add_rule(p, c, insert);
            }
            return;
        }
    } else if (is(t, "delete") || is(t, "destroy") || is(t, "list") || is(t, "flush") || is(t, "reset")) {
        /* nothing a boot-time load of the file keeps */
    } else {
        unknown(n, p->file, line);
    }
    skip_stmt(p);
    if (is(cur(p), "}"))
        p->i++; /* a stray brace */
}

static void parse_text(struct csm_nft *n, const char *file, const char *text, unsigned depth)
{
    struct parse p = { .n = n, .file = file, .depth = depth };
    n->files++;
    tokenize(text, &p.t, &p.len);
    while (p.i < p.len) {
        if (end_of_stmt(cur(&p)) || is(cur(&p), "}"))
            p.i++;
        else
            command(&p);
    }
    free_toks(p.t, p.len);
}

void csm_nft_parse(struct csm_nft **np, const char *file, const char *text, csm_nft_include_fn fn, void *data)
{
    if (!*np)
        *np = xcalloc(1, sizeof(**np));
    (*np)->include = fn;
    (*np)->data = data;
    tokens_left = NFT_MAX_TOKENS;
    parse_text(*np, file, text, 0);
}

void csm_nft_free(struct csm_nft *n)
{
    if (!n)
        return;
    free_tables(n);
    for (size_t i = 0; i < n->n_def; i++) {
        free(n->def_names[i]);
        free_toks(n->def_vals[i], n->def_n[i]);
    }
    free(n->def_names);
    free(n->def_vals);
    free(n->def_n);
    free(n->unknown_first);
    strv_free(n->errors);
    free(n);
}

unsigned csm_nft_unknown(const struct csm_nft *n, const char **first)
{
    *first = n ? n->unknown_first : NULL;
    return n ? n->unknown : 0;
}

char **csm_nft_errors(const struct csm_nft *n)
{
    return n ? n->errors : NULL;
}

static bool ipv4_table(const struct nft_table *t)
{
    return streq(t->family, "ip") || streq(t->family, "inet");
}

size_t csm_nft_input_chains(const struct csm_nft *n)
{
    size_t k = 0;
    for (size_t i = 0; n && i < n->n; i++)
        for (size_t j = 0; ipv4_table(&n->t[i]) && j < n->t[i].n; j++)
            k += n->t[i].c[j].base_input;
    return k;
}

/* ---- judging a rule ---- */

enum match { M_NO, M_YES, M_SOME };

static bool verdict_word(const char *s)
{
    return streq(s, "accept") || streq(s, "drop") || streq(s, "reject") || streq(s, "return") ||
           streq(s, "continue") || streq(s, "queue") || streq(s, "jump") || streq(s, "goto");
}

/* Words that start an expression or a statement: a value ends before one. */
static bool keyword(const struct tok *t)
{
    static const char *const kw[] = { "iif", "iifname", "oif", "oifname", "tcp", "udp", "udplite", "sctp", "dccp",
                                      "th", "ct", "meta", "ip", "ip6", "icmp", "icmpv6", "fib", "ether", "vlan",
                                      "counter", "log", "limit", "comment", "notrack", "mark", "socket", "rt",
                                      "ah", "esp", "igmp", "ipsec", "osf", "quota", "tproxy", "numgen", "jhash",
                                      "symhash", "dup", "fwd", "masquerade", "snat", "dnat", "redirect", "set",
                                      "update", "add", "synproxy", "exthdr", "frag", "hbh", "dst", "mh", "srh",
                                      "l4proto", "nfproto", "pkttype", "reject" };
    if (t->str)
        return false;
    if (verdict_word(t->s))
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
        if (streq(t->s, kw[i]))
            return true;
    return false;
}

/* The values after a selector (and its operator): a word, a list "a , b",
 * or a set "{ a , b }". Sets *neg for "!=". Returns the index after them. */
static size_t values(const struct nft_rule *r, size_t i, char ***out, bool *neg, bool *vmap)
{
    *out = NULL;
    *neg = false;
    *vmap = false;
    if (i < r->n && (is(&r->t[i], "!=") || is(&r->t[i], "!"))) {
        *neg = true;
        i++;
    } else if (i < r->n && (is(&r->t[i], "==") || is(&r->t[i], "eq"))) {
        i++;
    }
    if (i < r->n && is(&r->t[i], "vmap")) {
        *vmap = true;
        i++;
    }
    if (i < r->n && is(&r->t[i], "{")) {
        for (i++; i < r->n && !is(&r->t[i], "}"); i++)
            if (!is(&r->t[i], ","))
                strv_push(out, xstrdup(r->t[i].s));
        return i + 1;
    }
    while (i < r->n && !keyword(&r->t[i])) {
        if (!is(&r->t[i], ","))
            strv_push(out, xstrdup(r->t[i].s));
        i++;
        if (i < r->n && !is(&r->t[i], ","))
            break;
        if (i < r->n)
            i++;
    }
    return i;
}

static bool any_port(char **v, unsigned port)
{
    for (size_t i = 0; v && v[i]; i++)
        if (csm_fw_port_in(v[i], port))
            return true;
    return false;
}

static bool any_word(char **v, const char *w)
{
    for (size_t i = 0; v && v[i]; i++)
        if (streq(v[i], w))
            return true;
    return false;
}

/* In a verdict map { key : verdict , ... } as values() left it: the
 * verdict for a key that pred accepts. */
static const char *vmap_lookup(char **v, bool (*pred)(const char *key, unsigned port), unsigned port, const char **jump)
{
    *jump = NULL;
    for (size_t i = 0; v && v[i]; i++) {
        char *colon = strchr(v[i], ':');
        const char *verdict = NULL;
        _cleanup_free_ char *key = NULL;
        size_t next = i;
        if (colon && colon[1]) { /* "22:accept" in one word */
            key = xstrndup(v[i], (size_t)(colon - v[i]));
            verdict = colon + 1;
        } else if (colon && v[i + 1]) { /* "22:" "accept" */
            key = xstrndup(v[i], (size_t)(colon - v[i]));
            verdict = v[++next];
        } else if (v[i + 1] && streq(v[i + 1], ":") && v[i + 2]) {
            key = xstrdup(v[i]);
            verdict = v[next = i + 2];
        } else {
            continue;
        }
        if ((streq(verdict, "jump") || streq(verdict, "goto")) && v[next + 1])
            *jump = v[++next];
        if (pred(key, port))
            return verdict;
        i = next;
    }
    return NULL;
}

static bool key_port(const char *key, unsigned port)
{
    return csm_fw_port_in(key, port);
}

static bool key_new(const char *key, unsigned port)
{
    (void)port;
    return streq(key, "new") || streq(key, "untracked");
}

/* The verdict word as a literal, so that it outlives the values it was found in. */
static const char *verdict_literal(const char *s)
{
    static const char *const v[] = { "accept", "drop", "reject", "return", "continue", "queue", "jump", "goto" };
    for (size_t i = 0; i < ARRAY_SIZE(v); i++)
        if (streq(s, v[i]))
            return v[i];
    return NULL;
}

/* Judges a rule: *verdict ("accept", "drop", "jump" ...) and the chain of
 * a jump in target (at most len bytes); NULL verdict when the rule has none
 * (a counter, a log). */
static enum match nft_match(const struct nft_rule *r, unsigned port, const char **verdict, char *target, size_t len)
{
    enum match m = M_YES;
    *verdict = NULL;
    target[0] = '\0';
    for (size_t i = 0; i < r->n;) {
        const struct tok *t = &r->t[i];
        char **v = NULL;
        bool neg, vmap, yes = true, some = false;
        const char *s = t->str ? "" : t->s;
        const char *s1 = i + 1 < r->n ? r->t[i + 1].s : "";
        if (verdict_word(s)) {
            *verdict = verdict_literal(s);
            if ((streq(s, "jump") || streq(s, "goto")) && i + 1 < r->n)
                snprintf(target, len, "%s", r->t[i + 1].s);
            break;
        }
        if (streq(s, "iif") || streq(s, "iifname") || (streq(s, "meta") && (streq(s1, "iif") || streq(s1, "iifname")))) {
            i = values(r, i + (streq(s, "meta") ? 2 : 1), &v, &neg, &vmap);
            if (any_word(v, "lo"))
                yes = neg;
            else
                some = true;
        } else if ((streq(s, "tcp") || streq(s, "th")) && streq(s1, "dport")) {
            i = values(r, i + 2, &v, &neg, &vmap);
            if (vmap) {
                const char *jump;
                const char *vd = vmap_lookup(v, key_port, port, &jump);
                *verdict = vd ? verdict_literal(vd) : NULL;
                snprintf(target, len, "%s", jump ? jump : "");
                strv_free(v);
                if (!*verdict)
                    return M_NO;
                break;
            }
            bool found = false;
            for (size_t k = 0; v && v[k]; k++)
                found |= v[k][0] == '@';
            if (found)
                some = true; /* a named set */
            else
                yes = any_port(v, port) != neg;
        } else if (streq(s, "ct") && streq(s1, "state")) {
            i = values(r, i + 2, &v, &neg, &vmap);
            if (vmap) {
                const char *jump;
                const char *vd = vmap_lookup(v, key_new, port, &jump);
                *verdict = vd ? verdict_literal(vd) : NULL;
                snprintf(target, len, "%s", jump ? jump : "");
                strv_free(v);
                if (!*verdict)
                    return M_NO;
                break;
            }
            yes = (any_word(v, "new") || any_word(v, "untracked")) != neg;
        } else if ((streq(s, "meta") && streq(s1, "l4proto")) || (streq(s, "ip") && streq(s1, "protocol")) ||
                   (streq(s, "ip6") && streq(s1, "nexthdr"))) {
            i = values(r, i + 2, &v, &neg, &vmap);
            yes = (any_word(v, "tcp") || any_word(v, "6")) != neg;
            if (streq(s, "ip6"))
                yes = false;
        } else if (streq(s, "meta") && streq(s1, "nfproto")) {
            i = values(r, i + 2, &v, &neg, &vmap);
            yes = any_word(v, "ipv4") != neg;
        } else if (streq(s, "udp") || streq(s, "udplite") || streq(s, "sctp") || streq(s, "dccp") ||
                   streq(s, "icmp") || streq(s, "icmpv6") || streq(s, "ip6")) {
            i = values(r, i + 2, &v, &neg, &vmap);
            yes = false;
        } else if (streq(s, "tcp")) {
            i = values(r, i + 2, &v, &neg, &vmap); /* tcp flags, tcp sport: a new connection's SYN passes */
            if (streq(s1, "sport"))
                some = true;
        } else if (streq(s, "counter") || streq(s, "log") || streq(s, "comment") || streq(s, "notrack")) {
            for (i++; i < r->n && !keyword(&r->t[i]); i++)
                ;
        } else if (streq(s, "limit")) {
            bool over = false;
            for (i++; i < r->n && !keyword(&r->t[i]); i++)
                over |= is(&r->t[i], "over");
            some = over;
        } else if (streq(s, "fib") || streq(s, "ip") || streq(s, "ether") || streq(s, "meta") || streq(s, "ct")) {
            /* addresses, marks, packet types: not known before the move */
            i = values(r, i + 2, &v, &neg, &vmap);
            some = true;
        } else {
            for (i++; i < r->n && !keyword(&r->t[i]); i++)
                ;
            some = true;
        }
        strv_free(v);
        if (!yes)
            return M_NO;
        if (some)
            m = M_SOME;
    }
    return m;
}

struct walk {
    const struct nft_table *t;
    unsigned port;
    const struct nft_rule *some;
    size_t steps;
};

/* 1 accept, -1 drop, 0 end of chain or return. */
static int nft_chain(struct walk *w, const struct nft_chain *c, unsigned depth, const struct nft_rule **by)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *verdict;
        char target[256];
        if (++w->steps > NFT_MAX_STEPS) {
            /* Past the budget nothing is decided: the rule stands as one
             * that may or may not let SSH in, never as a pass. */
            if (!w->some)
                w->some = &c->r[i];
            *by = NULL;
            return 0;
        }
        enum match m = nft_match(&c->r[i], w->port, &verdict, target, sizeof(target));
        if (m == M_NO || !verdict || streq(verdict, "continue"))
            continue;
        if (m == M_SOME) {
            if (!w->some)
                w->some = &c->r[i];
            continue;
        }
        if (streq(verdict, "accept")) {
            *by = &c->r[i];
            return 1;
        }
        if (streq(verdict, "drop") || streq(verdict, "reject") || streq(verdict, "queue")) {
            *by = &c->r[i];
            return -1;
        }
        if (streq(verdict, "return"))
            return 0;
        const struct nft_chain *sub = *target ? chain_of((struct nft_table *)w->t, target, false) : NULL;
        if (!sub || depth >= NFT_MAX_DEPTH)
            continue;
        int v = nft_chain(w, sub, depth + 1, by);
        if (v)
            return v;
        if (streq(verdict, "goto"))
            return 0;
    }
    *by = NULL;
    return 0;
}

static char *rule_text(const struct nft_rule *r)
{
    char **w = NULL;
    for (size_t i = 0; i < r->n; i++)
        strv_push(&w, r->t[i].str ? xasprintf("\"%s\"", r->t[i].s) : xstrdup(r->t[i].s));
    char *s = strv_join(w, " ");
    strv_free(w);
    return s;
}

void csm_nft_decide(const struct csm_nft *n, unsigned port, struct csm_fw_decision *d)
{
    *d = (struct csm_fw_decision){ .v = CSM_FW_ACCEPT };
    const struct nft_rule *some = NULL;
    bool decided = false;
    for (size_t i = 0; n && i < n->n; i++) {
        const struct nft_table *t = &n->t[i];
        for (size_t j = 0; ipv4_table(t) && j < t->n; j++) {
            const struct nft_chain *c = &t->c[j];
            if (!c->base_input)
                continue;
            struct walk w = { .t = t, .port = port };
            const struct nft_rule *by = NULL;
            int v = nft_chain(&w, c, 0, &by);
            if (!by)
                v = streq(c->policy, "drop") ? -1 : 1;
            if (w.some && !some)
                some = w.some;
            /* every base chain must accept; the first that drops decides */
            if (v < 0 || !decided) {
                free(d->source);
                free(d->what);
                d->source = by ? xasprintf("%s:%u", by->file, by->line)
                                : xstrdup(c->policy_src ? c->policy_src : "");
                d->what = by ? rule_text(by) : xasprintf("policy %s of chain %s %s %s", c->policy, t->family,
                                                         t->name, c->name);
                d->v = v < 0 ? CSM_FW_DROP : CSM_FW_ACCEPT;
                decided = true;
            }
            if (v < 0)
                goto done;
        }
    }
done:
    if (!decided) {
        d->what = xstrdup("no base chain on the input hook");
        d->source = xstrdup("");
    }
    if (some) {
        _cleanup_free_ char *text = rule_text(some);
        d->some = xasprintf("%s:%u: %s", some->file, some->line, text);
        d->v = CSM_FW_SOME;
    }
}
