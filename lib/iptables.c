/* iptables-save files (the filter table) and ufw's rule tuples. A rule
 * is judged against a new TCP connection to a port from an unknown
 * address on the system's NIC: a match on the protocol, the destination
 * port, the connection state or the loopback interface is decided; one on
 * the source address, a set or a MAC is "some". The first terminal rule
 * that matches decides; a jump evaluates the chain and comes back on
 * RETURN or at its end; a built-in chain ends in its policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/firewall.h"
#include "lib/kv.h"
#include "lib/lines.h"
#include "lib/util.h"

#define IPT_MAX_DEPTH 32
/* Rules judged in one walk: chains that jump to each other several times
 * per level would take exponential time within IPT_MAX_DEPTH. */
#define IPT_MAX_STEPS 100000

struct ipt_rule {
    char **args;
    char *text;
    char *file;
    unsigned line;
};

struct ipt_chain {
    char *name;
    char *policy; /* built-in chains: ACCEPT, DROP; user chains "-" */
    char *file;
    unsigned line;
    struct ipt_rule *r;
    size_t n;
};

struct csm_ipt {
    struct ipt_chain *c;
    size_t n;
    bool filter;
};

static struct ipt_chain *chain_of(struct csm_ipt *t, const char *name, bool create)
{
    for (size_t i = 0; i < t->n; i++)
        if (streq(t->c[i].name, name))
            return &t->c[i];
    if (!create)
        return NULL;
    t->c = xrealloc(t->c, (t->n + 1) * sizeof(*t->c));
    t->c[t->n] = (struct ipt_chain){ .name = xstrdup(name), .policy = xstrdup("-") };
    return &t->c[t->n++];
}

void csm_ipt_parse(struct csm_ipt **tp, const char *file, const char *text)
{
    if (!*tp)
        *tp = xcalloc(1, sizeof(**tp));
    struct csm_ipt *t = *tp;
    bool in_filter = false;
    const char *cur = text;
    struct csm_line l = { 0 };
    while (csm_line_next(&cur, &l)) {
        _cleanup_free_ char *copy = xstrndup(l.p, l.len);
        char *s = strstrip(copy);
        if (*s == '*') {
            in_filter = streq(s, "*filter");
            t->filter |= in_filter;
            continue;
        }
        if (!in_filter || !*s || *s == '#')
            continue;
        if (streq(s, "COMMIT")) {
            in_filter = false;
            continue;
        }
        if (*s == ':') {
            _cleanup_strv_ char **w = csm_split_words(s + 1);
            if (!w || !w[0])
                continue;
            struct ipt_chain *c = chain_of(t, w[0], true);
            free(c->policy);
            c->policy = xstrdup(w[1] ? w[1] : "-");
            free(c->file);
            c->file = xstrdup(file);
            c->line = l.no;
            continue;
        }
        _cleanup_strv_ char **w = csm_split_words(s);
        if (!w || !w[0] || !w[1] || (!streq(w[0], "-A") && !streq(w[0], "--append") && !streq(w[0], "-I") &&
                                     !streq(w[0], "--insert")))
            continue;
        struct ipt_chain *c = chain_of(t, w[1], true);
        bool insert = w[0][1] == 'I' || streq(w[0], "--insert");
        size_t skip = 2;
        if (insert && w[2] && w[2][0] >= '0' && w[2][0] <= '9')
            skip = 3; /* -I CHAIN N: taken as the top */
        c->r = xrealloc(c->r, (c->n + 1) * sizeof(*c->r));
        if (insert)
            memmove(c->r + 1, c->r, c->n * sizeof(*c->r));
        struct ipt_rule *r = &c->r[insert ? 0 : c->n];
        c->n++;
        *r = (struct ipt_rule){ strv_copy(w + skip), xstrdup(s), xstrdup(file), l.no };
    }
}

bool csm_ipt_has_filter(const struct csm_ipt *t)
{
    return t && t->filter;
}

void csm_ipt_free(struct csm_ipt *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->c[i].n; k++) {
            strv_free(t->c[i].r[k].args);
            free(t->c[i].r[k].text);
            free(t->c[i].r[k].file);
        }
        free(t->c[i].r);
        free(t->c[i].name);
        free(t->c[i].policy);
        free(t->c[i].file);
    }
    free(t->c);
    free(t);
}

enum match { M_NO, M_YES, M_SOME };

static bool states_new(const char *list)
{
    _cleanup_free_ char *l = xstrdup(list);
    for (char *save = NULL, *p = strtok_r(l, ",", &save); p; p = strtok_r(NULL, ",", &save))
        if (strcasecmp(p, "NEW") == 0 || strcasecmp(p, "UNTRACKED") == 0)
            return true;
    return false;
}

/* Whether a rule's matches hold for the connection; *target, *jump_goto set. */
static enum match ipt_match(char **a, unsigned port, const char **target, bool *is_goto)
{
    enum match m = M_YES;
    *target = NULL;
    *is_goto = false;
    for (size_t i = 0; a && a[i]; i++) {
        bool neg = streq(a[i], "!");
        if (neg && !a[++i])
            break;
        const char *o = a[i], *v = a[i + 1];
        if ((streq(o, "-j") || streq(o, "--jump") || streq(o, "-g") || streq(o, "--goto")) && v) {
            *target = v;
            *is_goto = o[1] == 'g' || streq(o, "--goto");
            i++;
            continue;
        }
        if (streq(o, "--syn") || streq(o, "-f") || streq(o, "--fragment"))
            continue; /* a new connection's first packet is a SYN, never a fragment that matters */
        if (!v) {
            m = M_SOME;
            continue;
        }
        /* options with a value: the value may be negated after the option too */
        bool vneg = streq(v, "!");
        if (vneg) {
            v = a[i + 2];
            i++;
            if (!v)
                break;
        }
        neg ^= vneg;
        i++;
        bool yes;
        if (streq(o, "-p") || streq(o, "--protocol"))
            yes = !strcasecmp(v, "tcp") || streq(v, "6") || !strcasecmp(v, "all") || streq(v, "0");
        else if (streq(o, "--dport") || streq(o, "--destination-port") || streq(o, "--dports") ||
                 streq(o, "--destination-ports") || streq(o, "--ports"))
            yes = csm_fw_port_in(v, port);
        else if (streq(o, "--state") || streq(o, "--ctstate"))
            yes = states_new(v);
        else if (streq(o, "-i") || streq(o, "--in-interface")) {
            if (streq(v, "lo"))
                yes = false;
            else {
                m = M_SOME;
                continue;
            }
        } else if (streq(o, "-m") || streq(o, "--match") || streq(o, "--comment") ||
                   streq(o, "--tcp-flags") || streq(o, "--limit") || streq(o, "--limit-burst") ||
                   streq(o, "--reject-with") || streq(o, "--log-prefix") || streq(o, "--log-level") ||
                   streq(o, "-d") || streq(o, "--destination") || streq(o, "--dst-type")) {
            if (streq(o, "--tcp-flags") && a[i + 1])
                i++; /* two values: mask and set */
            continue;
        } else if ((streq(o, "-s") || streq(o, "--source")) && (streq(v, "0.0.0.0/0") || streq(v, "::/0"))) {
            yes = true;
        } else {
            m = M_SOME; /* a source, a set, a MAC, a module's option this does not judge */
            continue;
        }
        if (yes == neg)
            return M_NO;
    }
    return m;
}

struct walk {
    const struct csm_ipt *t;
    unsigned port;
    const struct ipt_rule *some; /* a rule that matches only some sources, before the decision */
    size_t steps;
};

/* 1 accept, -1 drop, 0 return / end of a user chain; *by the rule or NULL for a policy. */
static int ipt_chain(struct walk *w, const struct ipt_chain *c, unsigned depth, const struct ipt_rule **by)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *target;
        bool is_goto;
        if (++w->steps > IPT_MAX_STEPS) {
            /* Past the budget nothing is decided: the rule stands as one
             * that may or may not let SSH in, never as a pass. */
            if (!w->some)
                w->some = &c->r[i];
            *by = NULL;
            return 0;
        }
        enum match m = ipt_match(c->r[i].args, w->port, &target, &is_goto);
        if (m == M_NO || !target)
            continue;
        int v;
        if (streq(target, "ACCEPT"))
            v = 1;
        else if (streq(target, "DROP") || streq(target, "REJECT"))
            v = -1;
        else if (streq(target, "RETURN"))
            v = 0;
        else {
            const struct ipt_chain *sub = chain_of((struct csm_ipt *)w->t, target, false);
            if (!sub || depth >= IPT_MAX_DEPTH)
                continue; /* LOG, MARK, ...: no verdict */
            if (m == M_SOME) {
                if (!w->some)
                    w->some = &c->r[i];
                continue;
            }
            v = ipt_chain(w, sub, depth + 1, by);
            if (v)
                return v;
            if (is_goto)
                return 0;
            continue;
        }
        if (m == M_SOME) {
            if (!w->some)
                w->some = &c->r[i];
            continue;
        }
        if (v == 0)
            return 0;
        *by = &c->r[i];
        return v;
    }
    *by = NULL;
    return 0;
}

void csm_ipt_decide(const struct csm_ipt *t, const char *chain, unsigned port, struct csm_fw_decision *d)
{
    *d = (struct csm_fw_decision){ 0 };
    const struct ipt_chain *c = t ? chain_of((struct csm_ipt *)t, chain, false) : NULL;
    if (!c) {
        d->v = CSM_FW_ACCEPT;
        d->what = xasprintf("no %s chain: policy ACCEPT", chain);
        d->source = xstrdup("");
        return;
    }
    struct walk w = { .t = t, .port = port };
    const struct ipt_rule *by = NULL;
    int v = ipt_chain(&w, c, 0, &by);
    if (by) {
        d->source = xasprintf("%s:%u", by->file, by->line);
        d->what = xstrdup(by->text);
    } else {
        v = strcasecmp(c->policy, "DROP") == 0 || strcasecmp(c->policy, "REJECT") == 0 ? -1 : 1;
        d->source = c->file ? xasprintf("%s:%u", c->file, c->line) : xstrdup("");
        d->what = xasprintf("policy %s of %s", c->policy, c->name);
    }
    d->v = v > 0 ? CSM_FW_ACCEPT : CSM_FW_DROP;
    if (w.some) {
        d->v = CSM_FW_SOME;
        d->some = xasprintf("%s:%u: %s", w.some->file, w.some->line, w.some->text);
    }
}

/* ---- ufw ---- */

void csm_ufw_parse(const char *text, struct csm_ufw_rule **rp, size_t *np)
{
    const char *cur = text;
    struct csm_line l = { 0 };
    while (csm_line_next(&cur, &l)) {
        _cleanup_free_ char *copy = xstrndup(l.p, l.len);
        char *s = strstrip(copy);
        if (!startswith(s, "### tuple ###"))
            continue;
        _cleanup_strv_ char **w = csm_split_words(s + 13);
        size_t n = strv_length(w);
        /* action proto dport dst sport src [dapp sapp] direction */
        if (n != 7 && n != 9)
            continue;
        char *action = xstrdup(w[0]);
        char *u = strstr(action, "_log");
        if (u)
            *u = '\0';
        *rp = xrealloc(*rp, (*np + 1) * sizeof(**rp));
        (*rp)[(*np)++] = (struct csm_ufw_rule){
            .action = action,
            .proto = xstrdup(w[1]),
            .dport = xstrdup(w[2]),
            .src = xstrdup(w[5]),
            .app = n == 9 && !streq(w[6], "-") ? xstrdup(w[6]) : NULL,
            .dir = xstrdup(w[n - 1]),
            .line = l.no,
        };
    }
}

void csm_ufw_free(struct csm_ufw_rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].action);
        free(r[i].proto);
        free(r[i].dport);
        free(r[i].src);
        free(r[i].app);
        free(r[i].dir);
    }
    free(r);
}

void csm_ufw_decide(const struct csm_ufw_rule *r, size_t n, const char *file, const char *policy,
                    const char *policy_source, unsigned port, struct csm_fw_decision *d)
{
    *d = (struct csm_fw_decision){ 0 };
    const struct csm_ufw_rule *some = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!startswith(r[i].dir, "in") || (!streq(r[i].proto, "tcp") && !streq(r[i].proto, "any")))
            continue;
        bool ports = streq(r[i].dport, "any") || csm_fw_port_in(r[i].dport, port) ||
                     (r[i].app && strstr(r[i].app, "OpenSSH") && port == 22);
        if (!ports)
            continue;
        bool any_src = streq(r[i].src, "0.0.0.0/0") || streq(r[i].src, "::/0") || streq(r[i].src, "any");
        bool on_if = r[i].dir[2] == '_'; /* in_eth0: one interface */
        if (!any_src || on_if) {
            if (!some)
                some = &r[i];
            continue;
        }
        bool allow = streq(r[i].action, "allow") || streq(r[i].action, "limit");
        d->v = allow ? CSM_FW_ACCEPT : CSM_FW_DROP;
        d->source = xasprintf("%s:%u", file, r[i].line);
        d->what = xasprintf("ufw %s %s/%s%s%s", r[i].action, r[i].dport, r[i].proto, r[i].app ? " " : "",
                            r[i].app ? r[i].app : "");
        goto done;
    }
    bool accept = policy && strcasecmp(policy, "ACCEPT") == 0;
    d->v = accept ? CSM_FW_ACCEPT : CSM_FW_DROP;
    d->source = xstrdup(policy_source ? policy_source : "");
    d->what = xasprintf("DEFAULT_INPUT_POLICY=%s", policy ? policy : "DROP");
done:
    if (some && (d->v == CSM_FW_DROP) == (streq(some->action, "allow") || streq(some->action, "limit"))) {
        d->v = CSM_FW_SOME;
        d->some = xasprintf("%s:%u: ufw %s %s/%s from %s (%s)", file, some->line, some->action, some->dport,
                            some->proto, some->src, some->dir);
    }
}
