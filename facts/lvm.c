/* LVM2 physical volumes read from a disk offline: which volume group a PV
 * belongs to, and which PVs each logical volume uses, so that an fstab
 * entry such as /dev/mapper/rhel-root can be placed on disks without
 * device-mapper. There is no library that reads LVM metadata from a file
 * (liblvm2app is gone; liblvm2cmd scans the host's devices), so the few
 * structures are read here, by their on-disk layout:
 *
 *   label (one of sectors 0-3): "LABELONE", ..., offset of the PV header,
 *                               "LVM2 001"
 *   PV header: the PV's UUID (32 characters), the device size, then lists
 *              of data areas and metadata areas {offset, size}, each ended
 *              by a zero pair
 *   metadata area header: magic " LVM2 x[5A%r0N*>", version 1, start, size,
 *              then raw locations {offset, size, checksum, flags}: the first
 *              names the current metadata text in the circular buffer
 *   metadata text: "vg { ... physical_volumes { pv0 { id = "..." } }
 *              logical_volumes { lv { segment1 { stripes = ["pv0", 0] } } } }"
 *
 * Everything is bounds-checked and capped: the input may be hostile. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts/internal.h"
#include "lib/util.h"

#define SECTOR 512
#define MDA_HEADER_SIZE 512
#define METADATA_CAP (1024 * 1024)
#define MAX_NAMES 256
#define MAX_DEPTH 16

static const char mda_magic[16] = " LVM2 x[5A%r0N*>";

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool read_at(int fd, uint64_t base, uint64_t limit, uint64_t off, void *buf, size_t len)
{
    if (off > limit || len > limit - off)
        return false;
    return pread(fd, buf, len, (off_t)(base + off)) == (ssize_t)len;
}

/* "aaaaaa-bbbb-..." and "aaaaaabbbb..." name the same UUID. */
static char *uuid_plain(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (; *s; s++)
        if (*s != '-')
            *o++ = *s;
    *o = '\0';
    return out;
}

/* The label and the first metadata area's location. */
static int read_pv_header(int fd, uint64_t base, uint64_t size, char **pv_uuid, uint64_t *mda_off,
                          uint64_t *mda_size)
{
    unsigned char sec[SECTOR];
    for (uint64_t s = 0; s < 4; s++) {
        if (!read_at(fd, base, size, s * SECTOR, sec, sizeof(sec)))
            return -EIO;
        if (memcmp(sec, "LABELONE", 8) != 0 || memcmp(sec + 24, "LVM2 001", 8) != 0)
            continue;
        uint32_t off = le32(sec + 20);
        if (off < 32 || off > SECTOR - 32 - 16)
            return -EBADMSG;
        const unsigned char *pvh = sec + off;
        *pv_uuid = xstrndup((const char *)pvh, 32);
        /* Skip the data areas, then take the first metadata area. */
        size_t p = off + 40;
        while (p + 16 <= SECTOR && le64(sec + p))
            p += 16;
        p += 16;
        if (p + 16 > SECTOR || !le64(sec + p))
            return -ENODATA; /* a PV without metadata: nothing to learn */
        *mda_off = le64(sec + p);
        *mda_size = le64(sec + p + 8);
        return 0;
    }
    return -ENOENT;
}

/* The current metadata text, which may wrap around the circular buffer. */
static int read_metadata(int fd, uint64_t base, uint64_t size, uint64_t mda_off, uint64_t mda_size, char **text)
{
    unsigned char h[MDA_HEADER_SIZE];
    if (mda_size < 2 * MDA_HEADER_SIZE || !read_at(fd, base, size, mda_off, h, sizeof(h)))
        return -EBADMSG;
    if (memcmp(h + 4, mda_magic, sizeof(mda_magic)) != 0 || le32(h + 20) != 1)
        return -EBADMSG;
    uint64_t off = le64(h + 40), len = le64(h + 48);
    if (!len || len > METADATA_CAP || off < MDA_HEADER_SIZE || off >= mda_size)
        return -EBADMSG;
    char *t = xmalloc(len + 1);
    uint64_t first = off + len > mda_size ? mda_size - off : len;
    bool ok = read_at(fd, base, size, mda_off + off, t, first) &&
              (first == len || read_at(fd, base, size, mda_off + MDA_HEADER_SIZE, t + first, len - first));
    if (!ok) {
        free(t);
        return -EIO;
    }
    t[len] = '\0';
    *text = t;
    return 0;
}

/* ---- the metadata text: a tolerant tokenizer and a walk with a stack ---- */

struct lexer {
    const char *p;
    char tok[256];
    bool string;
};

/* The next token: a word, a "string", or one of { } [ ] = ,. False at the end. */
static bool next_token(struct lexer *lx)
{
    for (;;) {
        while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r')
            lx->p++;
        if (*lx->p != '#')
            break;
        while (*lx->p && *lx->p != '\n')
            lx->p++;
    }
    if (!*lx->p)
        return false;
    size_t n = 0;
    lx->string = *lx->p == '"';
    if (lx->string) {
        for (lx->p++; *lx->p && *lx->p != '"'; lx->p++) {
            if (*lx->p == '\\' && lx->p[1])
                lx->p++;
            if (n + 1 < sizeof(lx->tok))
                lx->tok[n++] = *lx->p;
        }
        if (*lx->p)
            lx->p++;
    } else if (strchr("{}[]=,", *lx->p)) {
        lx->tok[n++] = *lx->p++;
    } else {
        while (*lx->p && !strchr(" \t\r\n{}[]=,\"#", *lx->p)) {
            if (n + 1 < sizeof(lx->tok))
                lx->tok[n++] = *lx->p;
            lx->p++;
        }
    }
    lx->tok[n] = '\0';
    return true;
}

struct lv_refs {
    char *name;
    char **refs; /* every string inside its section: PV keys, other LVs */
};

struct walk_state {
    char *stack[MAX_DEPTH];
    int depth;
    char **pv_keys, **pv_ids, **pv_devices;
    struct lv_refs *lvs;
    size_t n_lvs;
    char *vg;
    char *last_word;
};

static void walk_string(struct walk_state *w, const char *key, const char *value)
{
    char **st = w->stack;
    if (w->depth == 3 && streq(st[1], "physical_volumes") && key) {
        if (streq(key, "id") && strv_length(w->pv_keys) < MAX_NAMES) {
            strv_push(&w->pv_keys, xstrdup(st[2]));
            strv_push(&w->pv_ids, uuid_plain(value));
            strv_push(&w->pv_devices, xstrdup(""));
        } else if (streq(key, "device") && w->pv_keys && streq(w->pv_keys[strv_length(w->pv_keys) - 1], st[2])) {
            size_t i = strv_length(w->pv_devices) - 1;
            free(w->pv_devices[i]);
            w->pv_devices[i] = xstrdup(value);
        }
    } else if (w->depth >= 3 && streq(st[1], "logical_volumes") && w->n_lvs &&
               streq(w->lvs[w->n_lvs - 1].name, st[2]) && strv_length(w->lvs[w->n_lvs - 1].refs) < MAX_NAMES) {
        strv_push(&w->lvs[w->n_lvs - 1].refs, xstrdup(value));
    }
}

static void open_section(struct walk_state *w, const char *name)
{
    if (w->depth >= MAX_DEPTH)
        return;
    w->stack[w->depth++] = xstrdup(name);
    if (w->depth == 1 && !w->vg)
        w->vg = xstrdup(name);
    if (w->depth == 3 && streq(w->stack[1], "logical_volumes") && w->n_lvs < MAX_NAMES) {
        w->lvs = xrealloc(w->lvs, (w->n_lvs + 1) * sizeof(*w->lvs));
        w->lvs[w->n_lvs++] = (struct lv_refs){ xstrdup(name), NULL };
    }
}

static void parse_text(const char *text, struct walk_state *w)
{
    struct lexer lx = { .p = text };
    char key[256] = "";
    int in_array = 0;
    while (next_token(&lx)) {
        if (!lx.string && streq(lx.tok, "{")) {
            open_section(w, w->last_word ? w->last_word : "");
        } else if (!lx.string && streq(lx.tok, "}")) {
            if (w->depth > 0 && w->depth <= MAX_DEPTH)
                free(w->stack[--w->depth]);
            key[0] = '\0';
        } else if (!lx.string && streq(lx.tok, "[")) {
            in_array++;
        } else if (!lx.string && streq(lx.tok, "]")) {
            in_array = in_array > 0 ? in_array - 1 : 0;
        } else if (!lx.string && streq(lx.tok, "=")) {
            snprintf(key, sizeof(key), "%s", w->last_word ? w->last_word : "");
        } else if (lx.string) {
            walk_string(w, key, lx.tok);
        } else if (!streq(lx.tok, ",")) {
            free(w->last_word);
            w->last_word = xstrdup(lx.tok);
            if (!in_array)
                key[0] = '\0'; /* a word or number outside [] ends an assignment */
        }
    }
    while (w->depth > 0)
        free(w->stack[--w->depth]);
}

/* The PVs an LV uses, through the sub-LVs of mirrors and RAID (one level
 * of indirection is enough for them; deeper chains are capped). */
static void lv_pvs(const struct walk_state *w, const struct lv_refs *lv, int depth, char ***out)
{
    for (size_t i = 0; lv->refs && lv->refs[i] && depth < 4; i++) {
        for (size_t k = 0; w->pv_keys && w->pv_keys[k]; k++)
            if (streq(lv->refs[i], w->pv_keys[k]) && !strv_contains(*out, w->pv_ids[k]))
                strv_push(out, xstrdup(w->pv_ids[k]));
        for (size_t l = 0; l < w->n_lvs; l++)
            if (&w->lvs[l] != lv && streq(lv->refs[i], w->lvs[l].name))
                lv_pvs(w, &w->lvs[l], depth + 1, out);
    }
}

static void walk_free(struct walk_state *w)
{
    strv_free(w->pv_keys);
    strv_free(w->pv_ids);
    strv_free(w->pv_devices);
    for (size_t i = 0; i < w->n_lvs; i++) {
        free(w->lvs[i].name);
        strv_free(w->lvs[i].refs);
    }
    free(w->lvs);
    free(w->vg);
    free(w->last_word);
}

struct csm_lvm_pv *csm_lvm_pv_read(int fd, uint64_t offset, uint64_t size)
{
    char *uuid = NULL, *text = NULL;
    uint64_t mda_off = 0, mda_size = 0;
    if (read_pv_header(fd, offset, size, &uuid, &mda_off, &mda_size) < 0 ||
        read_metadata(fd, offset, size, mda_off, mda_size, &text) < 0) {
        free(uuid);
        return NULL;
    }
    struct walk_state w = { 0 };
    parse_text(text, &w);
    free(text);

    struct csm_lvm_pv *pv = xcalloc(1, sizeof(*pv));
    pv->pv_uuid = uuid;
    pv->vg = xstrdup(w.vg ? w.vg : "");
    pv->pv_devices = NULL;
    for (size_t k = 0; w.pv_ids && w.pv_ids[k]; k++) {
        strv_push(&pv->vg_pvs, xstrdup(w.pv_ids[k]));
        strv_push(&pv->pv_devices, xstrdup(w.pv_devices[k]));
    }
    pv->lvs = xcalloc(w.n_lvs ? w.n_lvs : 1, sizeof(*pv->lvs));
    for (size_t l = 0; l < w.n_lvs; l++) {
        pv->lvs[pv->n_lvs].name = xstrdup(w.lvs[l].name);
        lv_pvs(&w, &w.lvs[l], 0, &pv->lvs[pv->n_lvs].pvs);
        pv->n_lvs++;
    }
    walk_free(&w);
    return pv;
}

void csm_lvm_pv_free(struct csm_lvm_pv *pv)
{
    if (!pv)
        return;
    free(pv->pv_uuid);
    free(pv->vg);
    strv_free(pv->vg_pvs);
    strv_free(pv->pv_devices);
    for (size_t i = 0; i < pv->n_lvs; i++) {
        free(pv->lvs[i].name);
        strv_free(pv->lvs[i].pvs);
    }
    free(pv->lvs);
    free(pv);
}

const struct csm_lvm_lv *csm_lvm_find_lv(const struct csm_lvm_pv *pv, const char *lv)
{
    for (size_t i = 0; pv && i < pv->n_lvs; i++)
        if (streq(pv->lvs[i].name, lv))
            return &pv->lvs[i];
    return NULL;
}

bool csm_lvm_split_name(const char *source, char **vg, char **lv)
{
    *vg = *lv = NULL;
    if (startswith(source, "/dev/mapper/")) {
        /* device-mapper doubles the '-' inside names and joins with one. */
        const char *s = source + 12;
        char *a = xmalloc(strlen(s) + 1), *b = NULL, *o = a;
        for (; *s; s++) {
            if (*s == '-' && s[1] == '-') {
                *o++ = '-';
                s++;
            } else if (*s == '-' && !b) {
                *o++ = '\0';
                b = o;
            } else {
                *o++ = *s;
            }
        }
        *o = '\0';
        if (!b || !*a || !*b) {
            free(a);
            return false;
        }
        *vg = xstrdup(a);
        *lv = xstrdup(b);
        free(a);
        return true;
    }
    const char *rest = startswith(source, "/dev/") ? source + 5 : NULL;
    const char *slash = rest ? strchr(rest, '/') : NULL;
    if (!slash || strchr(slash + 1, '/') || startswith(rest, "disk/") || slash == rest || !slash[1])
        return false;
    *vg = xstrndup(rest, (size_t)(slash - rest));
    *lv = xstrdup(slash + 1);
    return true;
}
