/* What the firewall parsers share, and firewalld's zones and services:
 * small XML files read by a scanner of elements and attributes (no DTD,
 * no namespaces: firewalld's own files use neither), enough for the
 * elements that decide what a zone lets in. */
#include "lib/firewall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

const char *csm_fw_verdict_name(enum csm_fw_verdict v)
{
    static const char *const names[] = { "unknown", "accepted", "accepted from some sources only", "dropped" };
    return names[v];
}

void csm_fw_decision_clear(struct csm_fw_decision *d)
{
    free(d->source);
    free(d->what);
    free(d->some);
    *d = (struct csm_fw_decision){ 0 };
}

static bool parse_port(const char *s, const char *e, unsigned *out)
{
    if (e - s == 3 && strncmp(s, "ssh", 3) == 0) {
        *out = 22;
        return true;
    }
    unsigned v = 0;
    if (s == e)
        return false;
    for (const char *p = s; p < e; p++) {
        if (*p < '0' || *p > '9' || v > 65535)
            return false;
        v = v * 10 + (unsigned)(*p - '0');
    }
    *out = v;
    return v <= 65535;
}

bool csm_fw_port_in(const char *list, unsigned port)
{
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ", \t");
        const char *e = p + k, *dash = NULL;
        for (const char *c = p; c < e; c++)
            if (*c == '-' || *c == ':')
                dash = c;
        unsigned lo, hi;
        if (dash ? parse_port(p, dash, &lo) && parse_port(dash + 1, e, &hi) && lo <= port && port <= hi
                 : parse_port(p, e, &lo) && lo == port)
            return true;
        p = e + strspn(e, ", \t");
    }
    return false;
}

/* ---- the XML scanner ---- */

struct xml_elem {
    const char *name;
    char **attr; /* name, value, name, value, ..., NULL */
    bool end;    /* </name> */
    bool empty;  /* <name/> */
    unsigned line;
};
typedef void (*xml_fn)(const struct xml_elem *e, void *data);

/* An attribute value with the predefined entities and character references replaced. */
static char *xml_unescape(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n;) {
        static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
                                              { "&quot;", "\"" }, { "&apos;", "'" } };
        bool done = false;
        for (size_t k = 0; s[i] == '&' && k < ARRAY_SIZE(ent) && !done; k++) {
            size_t l = strlen(ent[k][0]);
            if (i + l <= n && strncmp(s + i, ent[k][0], l) == 0) {
                *o++ = ent[k][1][0];
                i += l;
                done = true;
            }
        }
        if (!done && s[i] == '&' && i + 2 < n && s[i + 1] == '#') {
            size_t j = i + 2;
            unsigned long v = 0;
            bool hex = s[j] == 'x';
            j += hex;
            for (; j < n && j < i + 10 && s[j] != ';'; j++)
                v = v * (hex ? 16 : 10) + (unsigned long)(s[j] >= 'a' ? s[j] - 'a' + 10 : s[j] >= 'A' ? s[j] - 'A' + 10 : s[j] - '0');
            if (j < n && s[j] == ';' && v > 0 && v < 128) {
                *o++ = (char)v;
                i = j + 1;
                done = true;
            }
        }
        if (!done)
            *o++ = s[i++];
    }
    *o = '\0';
    return out;
}

static unsigned lines_in(const char *s, const char *e)
{
    unsigned n = 0;
    for (; s < e; s++)
        n += *s == '\n';
    return n;
}

/* Calls fn for each element; returns the number of elements, or -EBADMSG
 * at a tag that does not end. */
static int xml_scan(const char *text, xml_fn fn, void *data)
{
    const char *p = text;
    unsigned line = 1;
    int count = 0;
    while ((p = strchr(p, '<'))) {
        line += lines_in(text, p);
        text = p;
        const char *close;
        if (startswith(p, "<!--"))
            close = strstr(p + 4, "-->");
        else if (startswith(p, "<?"))
            close = strstr(p + 2, "?>");
        else if (startswith(p, "<!"))
            close = strchr(p + 2, '>');
        else
            close = NULL;
        if (startswith(p, "<!") || startswith(p, "<?")) {
            if (!close)
                return -EBADMSG;
            p = close + 1;
            continue;
        }
        struct xml_elem e = { .line = line };
        const char *s = p + 1;
        if (*s == '/') {
            e.end = true;
            s++;
        }
        size_t k = strcspn(s, " \t\r\n/>");
        if (!k)
            return -EBADMSG;
        _cleanup_free_ char *name = xstrndup(s, k);
        e.name = name;
        s += k;
        for (;;) {
            s += strspn(s, " \t\r\n");
            if (*s == '>' || (s[0] == '/' && s[1] == '>'))
                break;
            size_t an = strcspn(s, " \t\r\n=/>");
            if (!an || s[an] != '=' || (s[an + 1] != '"' && s[an + 1] != '\'')) {
                strv_free(e.attr);
                return -EBADMSG;
            }
            const char *v = s + an + 2, *ve = strchr(v, s[an + 1]);
            if (!ve) {
                strv_free(e.attr);
                return -EBADMSG;
            }
            strv_push(&e.attr, xstrndup(s, an));
            strv_push(&e.attr, xml_unescape(v, (size_t)(ve - v)));
            s = ve + 1;
        }
        e.empty = *s == '/';
        fn(&e, data);
        count++;
        strv_free(e.attr);
        p = s + (e.empty ? 2 : 1);
    }
    return count;
}

static const char *xml_attr(const struct xml_elem *e, const char *name)
{
    for (size_t i = 0; e->attr && e->attr[i] && e->attr[i + 1]; i += 2)
        if (streq(e->attr[i], name))
            return e->attr[i + 1];
    return NULL;
}

/* ---- zones ---- */

struct zone_state {
    struct csm_fw_zone *z;
    int depth; /* 0 outside <zone>, 1 inside it, 2+ inside its children */
    bool seen_zone;
    struct csm_fw_rich *rule; /* the <rule> being read */
};

static void push_line(char ***v, unsigned **lines, const char *s, unsigned line)
{
    size_t n = strv_length(*v);
    strv_push(v, xstrdup(s));
    *lines = xrealloc(*lines, (n + 1) * sizeof(**lines));
    (*lines)[n] = line;
}

static void zone_elem(const struct xml_elem *e, void *data)
{
    struct zone_state *st = data;
    struct csm_fw_zone *z = st->z;
    if (e->end) {
        if (st->depth == 2 && streq(e->name, "rule"))
            st->rule = NULL;
        if (st->depth > 0)
            st->depth--;
        return;
    }
    int depth = st->depth;
    if (!e->empty)
        st->depth++;
    if (depth == 0) {
        if (streq(e->name, "zone")) {
            st->seen_zone = true;
            const char *t = xml_attr(e, "target");
            free(z->target);
            z->target = xstrdup(t && *t ? t : "default");
        }
        return;
    }
    if (depth == 1) {
        const char *v;
        if (streq(e->name, "service") && (v = xml_attr(e, "name")))
            push_line(&z->services, &z->service_lines, v, e->line);
        else if (streq(e->name, "port") && (v = xml_attr(e, "port"))) {
            const char *proto = xml_attr(e, "protocol");
            _cleanup_free_ char *p = xasprintf("%s/%s", v, proto ? proto : "tcp");
            push_line(&z->ports, &z->port_lines, p, e->line);
        } else if (streq(e->name, "interface") && (v = xml_attr(e, "name")))
            strv_push(&z->interfaces, xstrdup(v));
        else if (streq(e->name, "source") && ((v = xml_attr(e, "address")) || (v = xml_attr(e, "ipset"))))
            strv_push(&z->sources, xstrdup(v));
        else if (streq(e->name, "rule")) {
            z->rich = xrealloc(z->rich, (z->n_rich + 1) * sizeof(*z->rich));
            const char *prio = xml_attr(e, "priority");
            z->rich[z->n_rich] = (struct csm_fw_rich){ .line = e->line, .priority = prio ? atoi(prio) : 0 };
            st->rule = e->empty ? NULL : &z->rich[z->n_rich];
            z->n_rich++;
        }
        return;
    }
    if (depth == 2 && st->rule) {
        struct csm_fw_rich *r = st->rule;
        const char *v;
        if (streq(e->name, "source") && !r->source) {
            const char *inv = xml_attr(e, "invert");
            v = xml_attr(e, "address") ? xml_attr(e, "address") : xml_attr(e, "ipset") ? xml_attr(e, "ipset")
                                                                                          : xml_attr(e, "mac");
            r->source = v ? xasprintf("%s%s", inv && streq(inv, "True") ? "not " : "", v) : xstrdup("some");
        } else if (streq(e->name, "service") && (v = xml_attr(e, "name")) && !r->service) {
            r->service = xstrdup(v);
        } else if (streq(e->name, "port") && (v = xml_attr(e, "port")) && !r->port) {
            const char *proto = xml_attr(e, "protocol");
            r->port = xasprintf("%s/%s", v, proto ? proto : "tcp");
        } else if ((streq(e->name, "accept") || streq(e->name, "drop") || streq(e->name, "reject")) && !r->action) {
            r->action = xstrdup(e->name);
        }
    }
}

int csm_fw_zone_parse(const char *text, struct csm_fw_zone *z, char **why)
{
    *z = (struct csm_fw_zone){ 0 };
    struct zone_state st = { .z = z };
    int r = xml_scan(text, zone_elem, &st);
    if (r < 0 || !st.seen_zone) {
        csm_fw_zone_clear(z);
        *why = xstrdup(r < 0 ? "not well-formed XML" : "no <zone> element");
        return -EBADMSG;
    }
    return 0;
}

void csm_fw_zone_clear(struct csm_fw_zone *z)
{
    free(z->target);
    strv_free(z->services);
    free(z->service_lines);
    strv_free(z->ports);
    free(z->port_lines);
    strv_free(z->interfaces);
    strv_free(z->sources);
    for (size_t i = 0; i < z->n_rich; i++) {
        free(z->rich[i].source);
        free(z->rich[i].service);
        free(z->rich[i].port);
        free(z->rich[i].action);
    }
    free(z->rich);
    *z = (struct csm_fw_zone){ 0 };
}

static void service_elem(const struct xml_elem *e, void *data)
{
    char ***ports = data;
    const char *v;
    if (!e->end && streq(e->name, "port") && (v = xml_attr(e, "port"))) {
        const char *proto = xml_attr(e, "protocol");
        strv_pushf(ports, "%s/%s", v, proto ? proto : "tcp");
    }
}

int csm_fw_service_parse(const char *text, char ***ports)
{
    *ports = NULL;
    int r = xml_scan(text, service_elem, ports);
    return r < 0 ? r : 0;
}

/* Does "22/tcp", "1000-2000/tcp" cover tcp port? */
static bool tcp_port(const char *spec, unsigned port)
{
    const char *slash = strrchr(spec, '/');
    if (!slash || !streq(slash + 1, "tcp"))
        return false;
    _cleanup_free_ char *p = xstrndup(spec, (size_t)(slash - spec));
    return csm_fw_port_in(p, port);
}

static bool service_covers(const char *name, unsigned port, csm_fw_service_fn services, void *data)
{
    char **ports = services ? services(data, name) : NULL;
    bool known = ports != NULL, yes = false;
    for (size_t i = 0; ports && ports[i]; i++)
        yes |= tcp_port(ports[i], port);
    strv_free(ports);
    return known ? yes : streq(name, "ssh") && port == 22;
}

static void decided(struct csm_fw_decision *d, enum csm_fw_verdict v, const char *file, unsigned line, char *what)
{
    d->v = v;
    d->source = line ? xasprintf("%s:%u", file, line) : xstrdup(file);
    d->what = what;
}

void csm_fw_zone_decide(const struct csm_fw_zone *z, const char *file, unsigned port, csm_fw_service_fn services,
                        void *data, struct csm_fw_decision *d)
{
    *d = (struct csm_fw_decision){ 0 };
    /* firewalld's order: rich rules with a negative priority, then those
     * that drop or reject, then what the zone allows (its services, ports
     * and accepting rich rules), then rules with a positive priority, then
     * the target. A rule bound to a source decides for some sources only. */
    const struct csm_fw_rich *some = NULL;
    for (int pass = 0; pass < 4; pass++) {
        for (size_t i = 0; i < z->n_rich; i++) {
            const struct csm_fw_rich *r = &z->rich[i];
            int want = r->priority < 0 ? 0 : r->priority > 0 ? 3 : r->action && !streq(r->action, "accept") ? 1 : 2;
            if (want != pass || !r->action)
                continue;
            bool covers = r->port ? tcp_port(r->port, port)
                          : r->service ? service_covers(r->service, port, services, data)
                                       : true; /* a rule on the source alone */
            if (!covers)
                continue;
            if (r->source) {
                if (!some)
                    some = r;
                continue;
            }
            decided(d, streq(r->action, "accept") ? CSM_FW_ACCEPT : CSM_FW_DROP, file, r->line,
                    xasprintf("rich rule: %s %s", r->action, r->service ? r->service : r->port ? r->port : "all"));
            goto done;
        }
        if (pass == 2) {
            for (size_t i = 0; z->services && z->services[i]; i++)
                if (service_covers(z->services[i], port, services, data)) {
                    decided(d, CSM_FW_ACCEPT, file, z->service_lines[i], xasprintf("service %s", z->services[i]));
                    goto done;
                }
            for (size_t i = 0; z->ports && z->ports[i]; i++)
                if (tcp_port(z->ports[i], port)) {
                    decided(d, CSM_FW_ACCEPT, file, z->port_lines[i], xasprintf("port %s", z->ports[i]));
                    goto done;
                }
        }
    }
    decided(d, streq(z->target, "ACCEPT") ? CSM_FW_ACCEPT : CSM_FW_DROP, file, 0,
            xasprintf("target %s", z->target));
done:
    if (some && d->v != CSM_FW_SOME && (d->v == CSM_FW_DROP) == streq(some->action, "accept")) {
        d->some = xasprintf("%s:%u: rich rule: %s from %s", file, some->line, some->action, some->source);
        d->v = CSM_FW_SOME;
    }
}
