/* The kernel command lines the boot loader will use: grub.cfg (grub 2 and
 * legacy), BLS entries, grubenv, and /etc/default/grub, from which the
 * next grub-mkconfig writes grub.cfg again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "util.h"

static const char *const grub_configs[] = {
    "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/etc/grub/grub.cfg", "/etc/grub2.cfg",
    "/etc/grub2-efi.cfg",  "/boot/grub/menu.lst",  "/boot/grub/grub.conf",
};
static const char *const grubenvs[] = { "/boot/grub2/grubenv", "/boot/grub/grubenv" };

struct seen {
    dev_t dev[64];
    ino_t ino[64];
    size_t n;
};

/* /etc/grub2.cfg is usually a link to /boot/grub2/grub.cfg: read each file once. */
static bool seen_before(struct csm_scan *s, struct seen *seen, const char *path)
{
    struct stat st;
    if (csm_root_stat(s->root, path, true, &st) < 0)
        return false;
    for (size_t i = 0; i < seen->n; i++)
        if (seen->dev[i] == st.st_dev && seen->ino[i] == st.st_ino)
            return true;
    if (seen->n < ARRAY_SIZE(seen->dev)) {
        seen->dev[seen->n] = st.st_dev;
        seen->ino[seen->n++] = st.st_ino;
    }
    return false;
}

/* Reads a file of the tree; NULL when absent, and a note in errors when it
 * exists but cannot be used. */
static char *read_config(struct csm_scan *s, struct csm_bootcfg *b, const char *path, size_t cap)
{
    char *buf;
    size_t len;
    int r = csm_root_read(s->root, path, cap, &buf, &len);
    if (r == -ENOENT || r == -ENOTDIR)
        return NULL;
    if (r < 0) {
        strv_pushf(&b->errors, "%s: %s", path, csm_strerror(r));
        return NULL;
    }
    if (memchr(buf, '\0', len)) {
        strv_pushf(&b->errors, "%s: binary data (a NUL byte)", path);
        free(buf);
        return NULL;
    }
    strv_push(&b->files, xstrdup(path));
    return buf;
}

static struct csm_boot_entry *add_entry(struct csm_bootcfg *b, const char *file, unsigned line)
{
    b->e = xrealloc(b->e, (b->n + 1) * sizeof(*b->e));
    struct csm_boot_entry *e = &b->e[b->n++];
    *e = (struct csm_boot_entry){ .source = xasprintf("%s:%u", file, line) };
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

/* grub 2 (menuentry { linux ... }) and grub legacy (title / kernel). */
static void parse_grub(struct csm_bootcfg *b, const char *file, char *text)
{
    static const char *const kernel_cmds[] = { "linux", "linux16", "linuxefi", "kernel", NULL };
    static const char *const initrd_cmds[] = { "initrd", "initrd16", "initrdefi", NULL };
    static const char *const title_cmds[] = { "menuentry", "title", NULL };
    char *title = NULL;
    struct csm_boot_entry *cur = NULL;
    unsigned lineno = 0;

    for (char *cur_text = text, *line; (line = csm_next_line(&cur_text));) {
        lineno++;
        char *l = strstrip(line);
        if (is_word(l, title_cmds)) {
            _cleanup_strv_ char **w = csm_split_words(l);
            free(title);
            title = streq(w[0], "title") ? xstrdup(strstrip(l + 5)) : xstrdup(w[1] ? w[1] : "");
            cur = NULL;
        } else if (is_word(l, kernel_cmds)) {
            char **w = csm_split_words(l);
            cur = add_entry(b, file, lineno);
            cur->title = title ? xstrdup(title) : NULL;
            cur->kernel = w[1] ? xstrdup(w[1]) : NULL;
            for (size_t i = 2; w[i]; i++)
                strv_push(&cur->args, xstrdup(w[i]));
            strv_free(w);
        } else if (cur && is_word(l, initrd_cmds)) {
            _cleanup_strv_ char **w = csm_split_words(l);
            free(cur->initrd);
            cur->initrd = xstrdup(w[strv_length(w) - 1]); /* after any microcode images */
        } else if (streq(l, "}")) {
            cur = NULL;
        }
    }
    free(title);
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

static void parse_bls(struct csm_bootcfg *b, const char *file, char *text)
{
    struct csm_boot_entry *e = add_entry(b, file, 1);
    unsigned lineno = 0;
    for (char *cur = text, *line; (line = csm_next_line(&cur));) {
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
        for (char *cur = buf, *line; (line = csm_next_line(&cur));) {
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
    if (csm_root_list(s->root, "/etc/default/grub.d", &dropins) == 0)
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

static void read_efi_grub_configs(struct csm_scan *s, struct csm_bootcfg *b, struct seen *seen)
{
    char **vendors = NULL;
    if (csm_root_list(s->root, "/boot/efi/EFI", &vendors) < 0)
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

const struct csm_bootcfg *csm_facts_bootcfg(struct csm_scan *s)
{
    if (s->facts->bootcfg)
        return s->facts->bootcfg;
    struct csm_bootcfg *b = s->facts->bootcfg = xcalloc(1, sizeof(*b));
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
    if (csm_root_list(s->root, "/boot/loader/entries", &bls) == 0)
        for (size_t i = 0; bls && i < strv_length(bls) && i < 1024; i++) {
            if (!endswith(bls[i], ".conf"))
                continue;
            char *path = xasprintf("/boot/loader/entries/%s", bls[i]);
            char *buf = read_config(s, b, path, CSM_CAP_CONFIG);
            if (buf)
                parse_bls(b, b->files[strv_length(b->files) - 1], buf);
            free(buf);
            free(path);
        }
    strv_free(bls);
    return b;
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
        free(b->e[i].title);
        free(b->e[i].kernel);
        free(b->e[i].initrd);
        strv_free(b->e[i].args);
    }
    free(b->e);
    csm_kv_clear(&b->defaults);
    csm_kv_clear(&b->grubenv);
    strv_free(b->files);
    strv_free(b->errors);
    free(b);
}
