/* The kernel command lines the boot loader will use: grub.cfg (grub 2 and
 * legacy), BLS entries, grubenv, and /etc/default/grub, from which the
 * next grub-mkconfig writes grub.cfg again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts/internal.h"
#include "lib/lines.h"
#include "lib/util.h"

static const char *const grub_configs[] = {
    "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/etc/grub/grub.cfg", "/etc/grub2.cfg",
    "/etc/grub2-efi.cfg",  "/boot/grub/menu.lst",  "/boot/grub/grub.conf",
};
static const char *const grubenvs[] = { "/boot/grub2/grubenv", "/boot/grub/grubenv" };

struct seen {
    struct csm_node_id id[64];
    size_t n;
};

/* /etc/grub2.cfg is usually a link to /boot/grub2/grub.cfg: read each file once. */
static bool seen_before(struct csm_scan *s, struct seen *seen, const char *path)
{
    struct csm_tree_stat st;
    if (csm_tree_stat(s->root, path, true, &st) < 0)
        return false;
    for (size_t i = 0; i < seen->n; i++)
        if (csm_node_id_eq(seen->id[i], st.id))
            return true;
    if (seen->n < ARRAY_SIZE(seen->id))
        seen->id[seen->n++] = st.id;
    return false;
}

/* Reads a file of the tree; NULL when absent, and a note in errors when it
 * exists but cannot be used. */
static char *read_config(struct csm_scan *s, struct csm_bootcfg *b, const char *path, size_t cap)
{
    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, path, cap, &buf, &len);
    if (r == -ENOENT || r == -ENOTDIR)
        return NULL;
    if (r < 0) {
        strv_pushf(&b->errors, "%s: %s", path, csm_strerror(r));
        return NULL;
    }
    strv_push(&b->files, xstrdup(path));
    return buf;
}

static struct csm_boot_entry *add_entry(struct csm_bootcfg *b, const char *file, unsigned line)
{
    b->e = xrealloc(b->e, (b->n + 1) * sizeof(*b->e));
    struct csm_boot_entry *e = &b->e[b->n++];
    *e = (struct csm_boot_entry){ .source = xasprintf("%s:%u", file, line), .file = xstrdup(file) };
    return e;
}

static bool is_word(const char *line, const char *const *words)
{
    for (; *words; words++) {
        size_t n = strlen(*words);
        if (strncmp(line, *words, n) == 0 && (line[n] == ' ' || line[n] == '\t'))
            return true;
    }
    return false;
}

/* The menu as grub numbers it: submenus nest, every menuentry and submenu
 * takes the next index of its level, and other blocks (functions, if)
 * only nest braces. Deeper nesting than this is not a real grub.cfg. */
#define MENU_MAX_DEPTH 8
#define BRACE_MAX_DEPTH 64

struct menu_state {
    struct csm_menu_item open[MENU_MAX_DEPTH]; /* the enclosing submenus, then the current entry */
    size_t depth;                              /* open items */
    unsigned next[MENU_MAX_DEPTH + 1];         /* next index per level */
    bool brace_is_item[BRACE_MAX_DEPTH];
    size_t braces;
    bool legacy; /* menu.lst: "title" starts an item, no braces */
};

static void menu_item_clear(struct csm_menu_item *m)
{
    free(m->title);
    free(m->id);
    *m = (struct csm_menu_item){ 0 };
}

/* A "menuentry"/"submenu" line: its title, then --id or $menuentry_id_option. */
static void menu_open(struct menu_state *m, char **w, bool has_brace)
{
    if (m->legacy && m->depth)
        menu_item_clear(&m->open[--m->depth]);
    if (m->depth == MENU_MAX_DEPTH)
        return;
    struct csm_menu_item *it = &m->open[m->depth];
    *it = (struct csm_menu_item){ .index = m->next[m->depth]++, .title = xstrdup(w[1] ? w[1] : "") };
    for (size_t i = 2; w[i] && w[i + 1]; i++)
        if (streq(w[i], "--id") || streq(w[i], "$menuentry_id_option"))
            it->id = xstrdup(w[i + 1]);
    m->next[++m->depth] = 0;
    if (has_brace && m->braces < BRACE_MAX_DEPTH)
        m->brace_is_item[m->braces++] = true;
}

static void menu_close(struct menu_state *m)
{
    if (!m->braces)
        return;
    if (m->brace_is_item[--m->braces] && m->depth)
        menu_item_clear(&m->open[--m->depth]);
}

static void entry_set_menu(struct csm_boot_entry *e, const struct menu_state *m)
{
    e->menu_depth = m->depth;
    e->menu = m->depth ? xcalloc(m->depth, sizeof(*e->menu)) : NULL;
    for (size_t i = 0; i < m->depth; i++)
        e->menu[i] = (struct csm_menu_item){ m->open[i].index, xstrdup(m->open[i].title),
                                             m->open[i].id ? xstrdup(m->open[i].id) : NULL };
}

static void set_default(struct csm_bootcfg *b, const char *file, unsigned line, const char *value)
{
    /* grub.cfg sets default="${next_entry}" for a one-shot boot: not the default. */
    if (strstr(value, "next_entry"))
        return;
    for (size_t i = 0; i < b->n_dflt; i++)
        if (streq(b->dflt[i].file, file)) {
            free(b->dflt[i].value);
            free(b->dflt[i].source);
            b->dflt[i].value = xstrdup(value);
            b->dflt[i].source = xasprintf("%s:%u", file, line);
            return;
        }
    b->dflt = xrealloc(b->dflt, (b->n_dflt + 1) * sizeof(*b->dflt));
    b->dflt[b->n_dflt++] = (struct csm_boot_default){ xstrdup(file), xstrdup(value), xasprintf("%s:%u", file, line) };
}

/* "set default=X", "default=X" (grub 2) and "default X" (legacy). */
static bool parse_default(struct csm_bootcfg *b, const char *file, unsigned line, const char *l)
{
    const char *v = startswith(l, "set default=") ? l + 12 : startswith(l, "default=") ? l + 8 : NULL;
    if (!v && startswith(l, "default") && (l[7] == ' ' || l[7] == '\t'))
        v = l + 8;
    if (!v)
        return false;
    _cleanup_strv_ char **w = csm_split_words(v);
    set_default(b, file, line, w && w[0] ? w[0] : "");
    return true;
}

/* grub 2 (menuentry { linux ... }) and grub legacy (title / kernel). */
static void parse_grub(struct csm_bootcfg *b, const char *file, char *text)
{
    static const char *const kernel_cmds[] = { "linux", "linux16", "linuxefi", "kernel", NULL };
    static const char *const initrd_cmds[] = { "initrd", "initrd16", "initrdefi", NULL };
    static const char *const item_cmds[] = { "menuentry", "submenu", "title", NULL };
    struct menu_state m = { .legacy = endswith(file, ".lst") || endswith(file, ".conf") };
    struct csm_boot_entry *cur = NULL;
    unsigned lineno = 0;

    for (char *cur_text = text, *line; (line = csm_line_cut(&cur_text));) {
        lineno++;
        char *l = strstrip(line);
        if (is_word(l, item_cmds)) {
            _cleanup_strv_ char **w = csm_split_words(l);
            if (streq(w[0], "title")) {
                char *t = strstrip(l + 5);
                char *legacy[] = { w[0], t, NULL };
                menu_open(&m, legacy, false);
            } else {
                menu_open(&m, w, endswith(l, "{"));
            }
            cur = NULL;
        } else if (is_word(l, kernel_cmds)) {
            char **w = csm_split_words(l);
            cur = add_entry(b, file, lineno);
            cur->title = m.depth ? xstrdup(m.open[m.depth - 1].title) : NULL;
            entry_set_menu(cur, &m);
            cur->kernel = w[1] ? xstrdup(w[1]) : NULL;
            for (size_t i = 2; w[i]; i++)
                strv_push(&cur->args, xstrdup(w[i]));
            strv_free(w);
        } else if (cur && is_word(l, initrd_cmds)) {
            _cleanup_strv_ char **w = csm_split_words(l);
            free(cur->initrd);
            cur->initrd = xstrdup(w[strv_length(w) - 1]); /* after any microcode images */
        } else if (streq(l, "}")) {
            menu_close(&m);
            cur = NULL;
        } else if (endswith(l, "{") && *l != '#') {
            if (m.braces < BRACE_MAX_DEPTH)
                m.brace_is_item[m.braces++] = false;
        } else if (streq(l, "blscfg") && !b->blscfg_file) {
            b->blscfg_file = xstrdup(file);
            b->blscfg_at = m.next[m.depth];
        } else if (!m.depth || m.legacy) {
            parse_default(b, file, lineno, l);
        }
    }
    while (m.depth)
        menu_item_clear(&m.open[--m.depth]);
}

/* "$kernelopts" in a BLS entry is a grubenv variable (RHEL 8). */
static void push_bls_options(struct csm_bootcfg *b, struct csm_boot_entry *e, const char *value)
{
    _cleanup_strv_ char **w = csm_split_words(value);
    for (size_t i = 0; w && w[i]; i++) {
        if (w[i][0] != '$') {
            strv_push(&e->args, xstrdup(w[i]));
            continue;
        }
        char name[128];
        snprintf(name, sizeof(name), "%s", w[i] + 1 + (w[i][1] == '{'));
        name[strcspn(name, "}")] = '\0';
        const struct csm_kv *kv = csm_kv_get(&b->grubenv, name);
        _cleanup_strv_ char **sub = kv ? csm_split_words(kv->value) : NULL;
        for (size_t j = 0; sub && sub[j]; j++)
            strv_push(&e->args, xstrdup(sub[j]));
    }
}

static void parse_bls(struct csm_bootcfg *b, const char *file, const char *id, char *text)
{
    struct csm_boot_entry *e = add_entry(b, file, 1);
    e->bls_id = xstrdup(id);
    unsigned lineno = 0;
    for (char *cur = text, *line; (line = csm_line_cut(&cur));) {
        lineno++;
        char *l = strstrip(line);
        char *sp = strpbrk(l, " \t");
        if (!sp || *l == '#')
            continue;
        *sp = '\0';
        char *value = strstrip(sp + 1);
        if (streq(l, "title")) {
            free(e->title);
            e->title = xstrdup(value);
        } else if (streq(l, "linux")) {
            free(e->kernel);
            e->kernel = xstrdup(value);
            free(e->source);
            e->source = xasprintf("%s:%u", file, lineno);
        } else if (streq(l, "initrd")) {
            free(e->initrd);
            e->initrd = xstrdup(value);
        } else if (streq(l, "options")) {
            push_bls_options(b, e, value);
        }
    }
}

/* grubenv: "# GRUB Environment Block" then name=value lines, '#' padding. */
static void read_grubenv(struct csm_scan *s, struct csm_bootcfg *b)
{
    for (size_t i = 0; i < ARRAY_SIZE(grubenvs); i++) {
        char *buf = read_config(s, b, grubenvs[i], 64 * 1024);
        if (!buf)
            continue;
        /* Values are raw, not shell-quoted: take each line as it is. */
        unsigned lineno = 0;
        for (char *cur = buf, *line; (line = csm_line_cut(&cur));) {
            lineno++;
            char *eq = strchr(line, '=');
            if (line[0] == '#' || !eq)
                continue;
            b->grubenv.kv = xrealloc(b->grubenv.kv, (b->grubenv.n + 1) * sizeof(*b->grubenv.kv));
            b->grubenv.kv[b->grubenv.n++] = (struct csm_kv){
                xstrndup(line, (size_t)(eq - line)), xstrdup(eq + 1), b->files[strv_length(b->files) - 1], lineno,
            };
        }
        free(buf);
        return;
    }
}

static void read_defaults(struct csm_scan *s, struct csm_bootcfg *b)
{
    _cleanup_strv_ char **paths = NULL;
    char **dropins = NULL;
    strv_push(&paths, xstrdup("/etc/default/grub"));
    int r = csm_tree_list(s->root, "/etc/default/grub.d", &dropins);
    csm_fact_unreadable(&b->errors, "/etc/default/grub.d", r);
    if (r == 0)
        for (size_t i = 0; dropins && dropins[i]; i++)
            if (endswith(dropins[i], ".cfg"))
                strv_pushf(&paths, "/etc/default/grub.d/%s", dropins[i]);
    strv_free(dropins);

    for (size_t i = 0; paths[i]; i++) {
        char *buf = read_config(s, b, paths[i], CSM_CAP_CONFIG);
        if (!buf)
            continue;
        b->has_defaults = true;
        csm_kv_parse(buf, b->files[strv_length(b->files) - 1], &b->defaults);
        free(buf);
    }
}

/* systemd-boot's loader.conf: "default <glob of entry ids>". */
static void read_loader_conf(struct csm_scan *s, struct csm_bootcfg *b)
{
    char *buf = read_config(s, b, "/boot/loader/loader.conf", CSM_CAP_CONFIG);
    unsigned lineno = 0;
    for (char *line = buf, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *l = strstrip(line);
        if (!startswith(l, "default") || (l[7] != ' ' && l[7] != '\t'))
            continue;
        free(b->loader_default);
        free(b->loader_default_source);
        b->loader_default = xstrdup(strstrip(l + 8));
        b->loader_default_source = xasprintf("/boot/loader/loader.conf:%u", lineno);
    }
    free(buf);
}

static void read_efi_grub_configs(struct csm_scan *s, struct csm_bootcfg *b, struct seen *seen)
{
    char **vendors = NULL;
    if (csm_fact_unreadable(&b->errors, "/boot/efi/EFI", csm_tree_list(s->root, "/boot/efi/EFI", &vendors)) ||
        !vendors)
        return;
    for (size_t i = 0; vendors && vendors[i]; i++) {
        char *path = xasprintf("/boot/efi/EFI/%s/grub.cfg", vendors[i]);
        char *buf = seen_before(s, seen, path) ? NULL : read_config(s, b, path, CSM_CAP_BOOTCFG);
        if (buf)
            parse_grub(b, b->files[strv_length(b->files) - 1], buf);
        free(buf);
        free(path);
    }
    strv_free(vendors);
}

static void *gather_bootcfg(struct csm_scan *s)
{
    struct csm_bootcfg *b = xcalloc(1, sizeof(*b));
    struct seen seen = { 0 };

    read_grubenv(s, b);
    read_defaults(s, b);
    for (size_t i = 0; i < ARRAY_SIZE(grub_configs); i++) {
        if (seen_before(s, &seen, grub_configs[i]))
            continue;
        char *buf = read_config(s, b, grub_configs[i], CSM_CAP_BOOTCFG);
        if (buf)
            parse_grub(b, b->files[strv_length(b->files) - 1], buf);
        free(buf);
    }
    read_efi_grub_configs(s, b, &seen);

    char **bls = NULL;
    int r = csm_tree_list(s->root, "/boot/loader/entries", &bls);
    csm_fact_unreadable(&b->errors, "/boot/loader/entries", r);
    if (r == 0)
        for (size_t i = 0; bls && i < strv_length(bls) && i < 1024; i++) {
            if (!endswith(bls[i], ".conf"))
                continue;
            char *path = xasprintf("/boot/loader/entries/%s", bls[i]);
            char *buf = read_config(s, b, path, CSM_CAP_CONFIG);
            _cleanup_free_ char *id = xstrndup(bls[i], strlen(bls[i]) - 5);
            if (buf)
                parse_bls(b, b->files[strv_length(b->files) - 1], id, buf);
            free(buf);
            free(path);
        }
    strv_free(bls);
    read_loader_conf(s, b);
    return b;
}

static void bootcfg_fact_free(void *fact)
{
    csm_bootcfg_free(fact);
}

static const struct csm_fact_desc bootcfg_fact = { "bootcfg", gather_bootcfg, bootcfg_fact_free };

const struct csm_bootcfg *csm_facts_bootcfg(struct csm_scan *s)
{
    return csm_fact_get(s, &bootcfg_fact);
}

const char *csm_boot_arg(char *const *args, const char *name)
{
    const char *found = NULL;
    size_t n = strlen(name);
    for (size_t i = 0; args && args[i]; i++)
        if (strncmp(args[i], name, n) == 0 && args[i][n] == '=')
            found = args[i] + n + 1;
    return found;
}

void csm_bootcfg_free(struct csm_bootcfg *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->e[i].source);
        free(b->e[i].file);
        free(b->e[i].bls_id);
        for (size_t k = 0; k < b->e[i].menu_depth; k++)
            menu_item_clear(&b->e[i].menu[k]);
        free(b->e[i].menu);
        free(b->e[i].title);
        free(b->e[i].kernel);
        free(b->e[i].initrd);
        strv_free(b->e[i].args);
    }
    free(b->e);
    for (size_t i = 0; i < b->n_dflt; i++) {
        free(b->dflt[i].file);
        free(b->dflt[i].value);
        free(b->dflt[i].source);
    }
    free(b->dflt);
    free(b->blscfg_file);
    free(b->loader_default);
    free(b->loader_default_source);
    csm_kv_clear(&b->defaults);
    csm_kv_clear(&b->grubenv);
    strv_free(b->files);
    strv_free(b->errors);
    free(b);
}
