/* dracut's configuration: /etc/dracut.conf, then the *.conf of
 * /etc/dracut.conf.d and /usr/lib/dracut/dracut.conf.d merged by name and
 * ordered as `sort -V` orders them (a name in /etc hides the same name in
 * /usr/lib). dracut sources each file with bash; here a file is read as the
 * assignments it holds: `name="value"` replaces, `name+=" value "` appends
 * (dracut's own files and the distributions' write nothing else). Nothing
 * is expanded or executed; a line that is not an assignment is counted.
 *
 * Each word of a list variable (add_drivers, omit_drivers, ...) keeps the
 * file and line that put it there, so a report can name the line that
 * omits a driver. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct csm_dracut_word {
    char *word;
    char *file;
    unsigned line;
};

struct csm_dracut_var {
    char *name;
    char *value; /* the whole value in force, unquoted */
    char *file;  /* the assignment that set it last */
    unsigned line;
    struct csm_dracut_word *w; /* value, word by word */
    size_t n;
};

struct csm_dracut_conf {
    struct csm_dracut_var *v;
    size_t n;
    char **files;       /* in the order read */
    unsigned bad_lines; /* neither an assignment nor a comment */
    char *bad_first;    /* "file:line" of the first */
};

/* Applies one file's assignments, in the order dracut reads the files. */
void csm_dracut_conf_parse(struct csm_dracut_conf *c, const char *file, const char *text);
const struct csm_dracut_var *csm_dracut_get(const struct csm_dracut_conf *c, const char *name);
/* "yes" for hostonly="yes" and the like; false when unset. */
bool csm_dracut_yes(const struct csm_dracut_conf *c, const char *name);
void csm_dracut_conf_clear(struct csm_dracut_conf *c);

/* What the configuration does with a kernel module (a name, '-' and '_'
 * alike) in an image dracut builds: add_drivers, force_drivers and drivers
 * install it (even hostonly); omit_drivers leaves it out, and its
 * dependencies, unless one of those adds it (add wins). *why is the word
 * that decided, NULL for CSM_DRACUT_DEFAULT. */
enum csm_dracut_driver {
    CSM_DRACUT_DEFAULT, /* neither: it is in when a module of dracut (or hostonly) wants it */
    CSM_DRACUT_ADDED,
    CSM_DRACUT_OMITTED,
};
enum csm_dracut_driver csm_dracut_driver(const struct csm_dracut_conf *c, const char *module,
                                         const struct csm_dracut_word **why);

/* The files dracut reads from the two conf.d directories, given their
 * *.conf names: full paths, in dracut's order. */
char **csm_dracut_conf_order(char *const *etc_names, char *const *lib_names);
#define CSM_DRACUT_CONF "/etc/dracut.conf"
#define CSM_DRACUT_CONF_D "/etc/dracut.conf.d"
#define CSM_DRACUT_LIB_CONF_D "/usr/lib/dracut/dracut.conf.d"
