/* /etc/fstab through libmount, from a stream opened inside the tree. */
#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/util.h"

static int on_parse_error(struct libmnt_table *tb, const char *filename, int line)
{
    (void)filename;
    struct csm_fstab *f = mnt_table_get_userdata(tb);
    f->bad_lines = xrealloc(f->bad_lines, (f->n_bad + 1) * sizeof(*f->bad_lines));
    f->bad_lines[f->n_bad++] = (unsigned)line;
    return 1; /* skip the line, go on */
}

static bool is_bad_line(const struct csm_fstab *f, unsigned line)
{
    for (size_t i = 0; i < f->n_bad; i++)
        if (f->bad_lines[i] == line)
            return true;
    return false;
}

/* The line of each entry: libmount does not keep it, so walk the text the
 * way its parser does (blank and '#' lines skipped, bad lines reported). */
static unsigned next_entry_line(const struct csm_fstab *f, const char **cursor, unsigned *lineno)
{
    while (**cursor) {
        const char *l = *cursor;
        const char *nl = strchr(l, '\n');
        *cursor = nl ? nl + 1 : l + strlen(l);
        ++*lineno;
        while (*l == ' ' || *l == '\t')
            l++;
        if (*l == '\n' || *l == '\0' || *l == '#')
            continue;
        if (is_bad_line(f, *lineno))
            continue;
        return *lineno;
    }
    return 0;
}

static void keep_bad_text(struct csm_fstab *f, const char *text)
{
    unsigned lineno = 1;
    for (const char *l = text; *l; lineno++) {
        size_t n = strcspn(l, "\n");
        if (is_bad_line(f, lineno))
            strv_push(&f->bad_text, xstrndup(l, n > 200 ? 200 : n));
        l += n + (l[n] == '\n');
    }
}

static void split_tag(struct csm_fstab_entry *e, struct libmnt_fs *fs)
{
    static const char *const by[][2] = {
        { "/dev/disk/by-uuid/", "UUID" },
        { "/dev/disk/by-label/", "LABEL" },
        { "/dev/disk/by-partuuid/", "PARTUUID" },
        { "/dev/disk/by-partlabel/", "PARTLABEL" },
    };
    const char *name, *value;
    if (mnt_fs_get_tag(fs, &name, &value) == 0) {
        e->tag = xstrdup(name);
        e->tag_value = xstrdup(value);
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(by); i++)
        if (startswith(e->source, by[i][0]) && e->source[strlen(by[i][0])]) {
            e->tag = xstrdup(by[i][1]);
            e->tag_value = xstrdup(e->source + strlen(by[i][0]));
        }
}

static bool has_option(const char *opts, const char *name)
{
    return opts && mnt_optstr_get_option(opts, name, NULL, NULL) == 0;
}

static void fill_entry(struct csm_fstab_entry *e, struct libmnt_fs *fs, unsigned line)
{
    const char *opts = mnt_fs_get_options(fs);
    e->line = line;
    e->source = xstrdup(mnt_fs_get_source(fs) ? mnt_fs_get_source(fs) : "none");
    e->target = xstrdup(mnt_fs_get_target(fs) ? mnt_fs_get_target(fs) : "none");
    e->fstype = xstrdup(mnt_fs_get_fstype(fs) ? mnt_fs_get_fstype(fs) : "auto");
    e->options = xstrdup(opts ? opts : "defaults");
    split_tag(e, fs);
    e->swap = mnt_fs_is_swaparea(fs);
    e->net = mnt_fs_is_netfs(fs);
    e->pseudo = mnt_fs_is_pseudofs(fs) || streq(e->fstype, "none") || streq(e->source, "none");
    e->bind = has_option(opts, "bind") || has_option(opts, "rbind");
    e->nofail = has_option(opts, "nofail");
    e->noauto = has_option(opts, "noauto");
    e->netdev = has_option(opts, "_netdev");
}

static void parse(struct csm_fstab *f, const char *text, size_t len)
{
    struct libmnt_table *tb = mnt_new_table();
    struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
    FILE *fp = fmemopen((void *)text, len, "r");
    struct libmnt_fs *fs;

    if (!tb || !it || !fp) {
        FACT_FAIL(f, -ENOMEM, "cannot set up the fstab parser");
        goto done;
    }
    mnt_table_set_userdata(tb, f);
    mnt_table_set_parser_errcb(tb, on_parse_error);
    int r = mnt_table_parse_stream(tb, fp, f->path);
    if (r < 0) {
        FACT_FAIL(f, r, "%s cannot be parsed: %s", f->path, csm_strerror(r));
        goto done;
    }
    const char *cursor = text;
    unsigned lineno = 0;
    keep_bad_text(f, text);
    while (mnt_table_next_fs(tb, it, &fs) == 0) {
        f->e = xrealloc(f->e, (f->n + 1) * sizeof(*f->e));
        struct csm_fstab_entry *e = &f->e[f->n++];
        *e = (struct csm_fstab_entry){ 0 };
        fill_entry(e, fs, next_entry_line(f, &cursor, &lineno));
    }
done:
    if (fp)
        fclose(fp);
    mnt_free_iter(it);
    mnt_unref_table(tb);
}

static void *gather_fstab(struct csm_scan *s)
{
    struct csm_fstab *f = xcalloc(1, sizeof(*f));
    f->path = "/etc/fstab";

    char *buf;
    size_t len;
    int r = csm_tree_read_text(s->root, f->path, CSM_CAP_CONFIG, &buf, &len);
    if (r < 0) {
        FACT_FAIL(f, r, "cannot read %s: %s", f->path, csm_strerror(r));
        return f;
    }
    parse(f, buf, len);
    f->unconfigured = strstr(buf, "# UNCONFIGURED FSTAB") != NULL;
    free(buf);
    return f;
}

static void fstab_fact_free(void *fact)
{
    csm_fstab_free(fact);
}

static const struct csm_fact_desc fstab_fact = { "fstab", gather_fstab, fstab_fact_free };

const struct csm_fstab *csm_facts_fstab(struct csm_scan *s)
{
    return csm_fact_get(s, &fstab_fact);
}

const struct csm_fstab_entry *csm_fstab_find(const struct csm_fstab *f, const char *target)
{
    const struct csm_fstab_entry *found = NULL;
    for (size_t i = 0; i < f->n; i++)
        if (streq(f->e[i].target, target))
            found = &f->e[i]; /* the last one wins, as with mount */
    return found;
}

void csm_fstab_free(struct csm_fstab *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        struct csm_fstab_entry *e = &f->e[i];
        free(e->source);
        free(e->target);
        free(e->fstype);
        free(e->options);
        free(e->tag);
        free(e->tag_value);
    }
    free(f->e);
    free(f->bad_lines);
    strv_free(f->bad_text);
    free(f->why);
    free(f);
}
