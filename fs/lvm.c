/* LVM2 labels, metadata and linear volumes: see lvm.h. */
#include "lvm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"
#include "lib/util.h"

#define MDA_HEADER_SIZE 512
#define RAW_LOCN_IGNORED 0x1u
#define MAX_DEPTH 16
#define MAX_NODES 200000
#define MAX_ITEMS 65536 /* values in one array */
#define MAX_PVS 1024
#define MAX_LVS 4096
#define MAX_SEGMENTS 4096
#define MAX_REFS 256

static const char mda_magic[16] = " LVM2 x[5A%r0N*>";

uint32_t csm_lvm_crc(uint32_t crc, const void *buf, size_t len)
{
    /* lvm2's table is zlib's; zlib inverts before and after */
    const unsigned char *p = buf;
    uint32_t c = ~crc;
    while (len) {
        uInt n = len > (1u << 30) ? 1u << 30 : (uInt)len;
        c = (uint32_t)crc32(c, p, n);
        p += n;
        len -= n;
    }
    return ~c;
}

static char *plain_uuid(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (; *s; s++)
        if (*s != '-')
            *o++ = *s;
    *o = '\0';
    return out;
}

/* ---- the metadata text: a tree of sections and values ---- */

struct value {
    bool is_string;
    char *s;
    uint64_t n;
};

struct node {
    char *key;
    bool section;
    struct node *child, *next; /* a section's members, in order */
    struct value *values;      /* a value: one, or an array's items */
    size_t n_values;
};

struct parser {
    const char *p, *end, *start;
    size_t nodes;
    char *error;
};

static void skip_space(struct parser *ps)
{
    while (ps->p < ps->end) {
        if (*ps->p == '#') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
        } else if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') {
            ps->p++;
        } else {
            break;
        }
    }
}

static bool parse_error(struct parser *ps, const char *what)
{
    if (!ps->error) {
        unsigned line = 1;
        for (const char *q = ps->start; q < ps->p; q++)
            line += *q == '\n';
        ps->error = xasprintf("the LVM metadata does not parse: %s at line %u", what, line);
    }
    return false;
}

static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '+' || c == '/';
}

static char *word(struct parser *ps)
{
    const char *s = ps->p;
    while (ps->p < ps->end && is_word(*ps->p))
        ps->p++;
    if (ps->p == s || ps->p - s > 256)
        return NULL;
    return xstrndup(s, (size_t)(ps->p - s));
}

static bool parse_value(struct parser *ps, struct value *v)
{
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == '"') {
        ps->p++;
        size_t cap = 64, n = 0;
        char *s = xmalloc(cap);
        while (ps->p < ps->end && *ps->p != '"') {
            if (*ps->p == '\\' && ps->p + 1 < ps->end)
                ps->p++;
            if (n + 2 > cap)
                s = xrealloc(s, cap *= 2);
            s[n++] = *ps->p++;
        }
        if (ps->p >= ps->end) {
            free(s);
            return parse_error(ps, "a string without its end");
        }
        ps->p++;
        s[n] = '\0';
        *v = (struct value){ .is_string = true, .s = s };
        return true;
    }
    bool neg = ps->p < ps->end && *ps->p == '-';
    const char *s = ps->p + neg;
    uint64_t n = 0;
    const char *q = s;
    while (q < ps->end && *q >= '0' && *q <= '9') {
        if (n > (UINT64_MAX - 9) / 10)
            return parse_error(ps, "a number out of range");
        n = n * 10 + (uint64_t)(*q++ - '0');
    }
    if (q == s)
        return parse_error(ps, "a value that is neither a string nor a number");
    if (q < ps->end && *q == '.') /* a float (lvm2 writes none that matter here) */
        for (q++; q < ps->end && *q >= '0' && *q <= '9'; q++)
            ;
    ps->p = q;
    *v = (struct value){ .n = neg ? 0 : n };
    return true;
}

static void node_free(struct node *n)
{
    while (n) {
        struct node *next = n->next;
        node_free(n->child);
        for (size_t i = 0; i < n->n_values; i++)
            free(n->values[i].s);
        free(n->values);
        free(n->key);
        free(n);
        n = next;
    }
}

/* Members until '}' (depth > 0) or the end. */
static bool parse_members(struct parser *ps, struct node **out, int depth)
{
    struct node **tail = out;
    for (;;) {
        skip_space(ps);
        if (ps->p >= ps->end || *ps->p == '\0')
            return depth == 0 ? true : parse_error(ps, "a section without its '}'");
        if (*ps->p == '}') {
            if (depth == 0)
                return parse_error(ps, "a '}' without its section");
            ps->p++;
            return true;
        }
        if (++ps->nodes > MAX_NODES)
            return parse_error(ps, "too many entries");
        char *key = word(ps);
        if (!key)
            return parse_error(ps, "a name was expected");
        struct node *n = xcalloc(1, sizeof(*n));
        n->key = key;
        *tail = n;
        tail = &n->next;
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == '{') {
            if (depth + 1 > MAX_DEPTH)
                return parse_error(ps, "sections nested too deep");
            ps->p++;
            n->section = true;
            if (!parse_members(ps, &n->child, depth + 1))
                return false;
        } else if (ps->p < ps->end && *ps->p == '=') {
            ps->p++;
            skip_space(ps);
            if (ps->p < ps->end && *ps->p == '[') {
                ps->p++;
                size_t cap = 0;
                for (;;) {
                    skip_space(ps);
                    if (ps->p < ps->end && *ps->p == ']') {
                        ps->p++;
                        break;
                    }
                    if (n->n_values) {
                        if (ps->p >= ps->end || *ps->p != ',')
                            return parse_error(ps, "a ',' or ']' was expected");
                        ps->p++;
                    }
                    if (n->n_values >= MAX_ITEMS)
                        return parse_error(ps, "an array too long");
                    if (n->n_values == cap)
                        n->values = xrealloc(n->values, (cap = cap ? cap * 2 : 4) * sizeof(*n->values));
                    if (!parse_value(ps, &n->values[n->n_values]))
                        return false;
                    n->n_values++;
                }
            } else {
                n->values = xcalloc(1, sizeof(*n->values));
                if (!parse_value(ps, &n->values[0]))
                    return false;
                n->n_values = 1;
            }
        } else {
            return parse_error(ps, "'=' or '{' was expected");
        }
    }
}

static const struct node *member(const struct node *section, const char *key)
{
    for (const struct node *n = section ? section->child : NULL; n; n = n->next)
        if (streq(n->key, key))
            return n;
    return NULL;
}

static const char *str_of(const struct node *section, const char *key)
{
    const struct node *n = member(section, key);
    return n && !n->section && n->n_values == 1 && n->values[0].is_string ? n->values[0].s : NULL;
}

static bool num_of(const struct node *section, const char *key, uint64_t *v)
{
    const struct node *n = member(section, key);
    if (!n || n->section || n->n_values != 1 || n->values[0].is_string)
        return false;
    *v = n->values[0].n;
    return true;
}

static bool array_has(const struct node *section, const char *key, const char *s)
{
    const struct node *n = member(section, key);
    for (size_t i = 0; n && !n->section && i < n->n_values; i++)
        if (n->values[i].is_string && streq(n->values[i].s, s))
            return true;
    return false;
}

/* Every string value under a section, keys that are not names left out. */
static void collect_refs(const struct node *section, char ***refs)
{
    for (const struct node *n = section->child; n; n = n->next) {
        if (n->section) {
            collect_refs(n, refs);
            continue;
        }
        if (streq(n->key, "type") || streq(n->key, "status") || streq(n->key, "flags") || streq(n->key, "tags") ||
            streq(n->key, "policy") || streq(n->key, "id") || streq(n->key, "creation_host"))
            continue;
        for (size_t i = 0; i < n->n_values; i++)
            if (n->values[i].is_string && strv_length(*refs) < MAX_REFS && !strv_contains(*refs, n->values[i].s))
                strv_push(refs, xstrdup(n->values[i].s));
    }
}

static int cmp_segment(const void *a, const void *b)
{
    const struct csm_lvm_segment *x = a, *y = b;
    return x->start_extent < y->start_extent ? -1 : x->start_extent > y->start_extent;
}

static void read_volume(const struct node *s, struct csm_lvm_volume *lv)
{
    lv->name = xstrdup(s->key);
    lv->id = plain_uuid(str_of(s, "id") ? str_of(s, "id") : "");
    lv->visible = array_has(s, "status", "VISIBLE");
    for (const struct node *g = s->child; g; g = g->next) {
        if (!g->section || !startswith(g->key, "segment") || lv->n_segments >= MAX_SEGMENTS)
            continue;
        lv->segments = xrealloc(lv->segments, (lv->n_segments + 1) * sizeof(*lv->segments));
        struct csm_lvm_segment *seg = &lv->segments[lv->n_segments++];
        *seg = (struct csm_lvm_segment){ 0 };
        num_of(g, "start_extent", &seg->start_extent);
        num_of(g, "extent_count", &seg->extent_count);
        seg->type = xstrdup(str_of(g, "type") ? str_of(g, "type") : "");
        uint64_t stripes = 0;
        if (num_of(g, "stripe_count", &stripes))
            seg->stripe_count = stripes > UINT32_MAX ? UINT32_MAX : (uint32_t)stripes;
        const struct node *st = member(g, "stripes");
        if (st && !st->section && st->n_values >= 2 && st->values[0].is_string && !st->values[1].is_string) {
            seg->pv = xstrdup(st->values[0].s);
            seg->pv_extent = st->values[1].n;
        }
        collect_refs(g, &lv->refs);
    }
    if (lv->n_segments)
        qsort(lv->segments, lv->n_segments, sizeof(*lv->segments), cmp_segment);
}

int csm_lvm_parse(const char *text, size_t len, struct csm_lvm_vg **out, char **why)
{
    *out = NULL;
    const char *nul = memchr(text, '\0', len);
    struct parser ps = { text, nul ? nul : text + len, text, 0, NULL };
    struct node *top = NULL;
    if (!parse_members(&ps, &top, 0)) {
        int r = csm_fs_open_fail(why, -EBADMSG, "%s", ps.error);
        free(ps.error);
        node_free(top);
        return r;
    }
    const struct node *vgs = top;
    while (vgs && !vgs->section)
        vgs = vgs->next;
    if (!vgs) {
        node_free(top);
        return csm_fs_open_fail(why, -EBADMSG, "the LVM metadata holds no volume group");
    }
    struct csm_lvm_vg *vg = xcalloc(1, sizeof(*vg));
    vg->name = xstrdup(vgs->key);
    vg->id = plain_uuid(str_of(vgs, "id") ? str_of(vgs, "id") : "");
    num_of(vgs, "seqno", &vg->seqno);
    num_of(vgs, "extent_size", &vg->extent_size);
    for (const struct node *p = member(vgs, "physical_volumes") ? member(vgs, "physical_volumes")->child : NULL; p;
         p = p->next) {
        if (!p->section || vg->n_pvs >= MAX_PVS)
            continue;
        vg->pvs = xrealloc(vg->pvs, (vg->n_pvs + 1) * sizeof(*vg->pvs));
        struct csm_lvm_vg_pv *pv = &vg->pvs[vg->n_pvs++];
        *pv = (struct csm_lvm_vg_pv){ .key = xstrdup(p->key) };
        pv->id = plain_uuid(str_of(p, "id") ? str_of(p, "id") : "");
        pv->device = xstrdup(str_of(p, "device") ? str_of(p, "device") : "");
        num_of(p, "pe_start", &pv->pe_start);
        num_of(p, "pe_count", &pv->pe_count);
    }
    for (const struct node *l = member(vgs, "logical_volumes") ? member(vgs, "logical_volumes")->child : NULL; l;
         l = l->next) {
        if (!l->section || vg->n_lvs >= MAX_LVS)
            continue;
        vg->lvs = xrealloc(vg->lvs, (vg->n_lvs + 1) * sizeof(*vg->lvs));
        struct csm_lvm_volume *lv = &vg->lvs[vg->n_lvs++];
        *lv = (struct csm_lvm_volume){ 0 };
        read_volume(l, lv);
    }
    node_free(top);
    *out = vg;
    return 0;
}

void csm_lvm_vg_free(struct csm_lvm_vg *vg)
{
    if (!vg)
        return;
    for (size_t i = 0; i < vg->n_pvs; i++) {
        free(vg->pvs[i].key);
        free(vg->pvs[i].id);
        free(vg->pvs[i].device);
    }
    for (size_t i = 0; i < vg->n_lvs; i++) {
        struct csm_lvm_volume *lv = &vg->lvs[i];
        for (size_t k = 0; k < lv->n_segments; k++) {
            free(lv->segments[k].type);
            free(lv->segments[k].pv);
        }
        free(lv->segments);
        strv_free(lv->refs);
        free(lv->name);
        free(lv->id);
    }
    free(vg->pvs);
    free(vg->lvs);
    free(vg->name);
    free(vg->id);
    free(vg);
}

const struct csm_lvm_volume *csm_lvm_vg_volume(const struct csm_lvm_vg *vg, const char *name)
{
    for (size_t i = 0; vg && i < vg->n_lvs; i++)
        if (streq(vg->lvs[i].name, name))
            return &vg->lvs[i];
    return NULL;
}

ssize_t csm_lvm_vg_pv(const struct csm_lvm_vg *vg, const char *key_or_id)
{
    for (size_t i = 0; vg && i < vg->n_pvs; i++)
        if (streq(vg->pvs[i].key, key_or_id) || streq(vg->pvs[i].id, key_or_id))
            return (ssize_t)i;
    return -1;
}

uint64_t csm_lvm_volume_size(const struct csm_lvm_vg *vg, const struct csm_lvm_volume *lv)
{
    uint64_t extents = 0;
    for (size_t i = 0; i < lv->n_segments; i++)
        extents += lv->segments[i].extent_count;
    uint64_t e = vg->extent_size * CSM_LVM_SECTOR;
    return e && extents <= UINT64_MAX / e ? extents * e : 0;
}

/* ---- the on-disk structures ---- */

static int src_read(const struct csm_fs_source *src, void *buf, size_t len, uint64_t off)
{
    if (off > src->size || len > src->size - off)
        return -EIO;
    return src->read(src->ctx, buf, len, off);
}

/* The newest metadata of one metadata area at mda_off: its text and seqno. */
static int read_mda(const struct csm_fs_source *src, uint64_t mda_off, uint64_t mda_size, struct csm_lvm_vg **vg,
                    char **why)
{
    unsigned char h[MDA_HEADER_SIZE];
    if (mda_size < 2 * MDA_HEADER_SIZE || src_read(src, h, sizeof(h), mda_off) < 0)
        return csm_fs_open_fail(why, -EBADMSG, "the LVM metadata area at byte %llu cannot be read",
                                (unsigned long long)mda_off);
    if (memcmp(h + 4, mda_magic, sizeof(mda_magic)) != 0 || csm_le32(h + 20) != 1)
        return csm_fs_open_fail(why, -EBADMSG, "the LVM metadata area at byte %llu has no metadata header",
                                (unsigned long long)mda_off);
    if (csm_lvm_crc(CSM_LVM_INITIAL_CRC, h + 4, MDA_HEADER_SIZE - 4) != csm_le32(h))
        return csm_fs_open_fail(why, -EBADMSG, "the LVM metadata header at byte %llu: its checksum does not match",
                                (unsigned long long)mda_off);
    uint64_t off = csm_le64(h + 40), len = csm_le64(h + 48);
    uint32_t want = csm_le32(h + 56), flags = csm_le32(h + 60);
    if (flags & RAW_LOCN_IGNORED)
        return -ENODATA;
    /* as lvm2's raw_read_mda_header() and _vg_read_raw_area() */
    if (!len || off < MDA_HEADER_SIZE || off >= mda_size || len > mda_size - MDA_HEADER_SIZE ||
        len > CSM_LVM_METADATA_MAX)
        return csm_fs_open_fail(why, -EBADMSG, "the LVM metadata header at byte %llu names metadata out of its area",
                                (unsigned long long)mda_off);
    char *t = xmalloc(len + 1);
    uint64_t first = off + len > mda_size ? mda_size - off : len;
    int r = src_read(src, t, first, mda_off + off);
    if (r == 0 && first < len)
        r = src_read(src, t + first, len - first, mda_off + MDA_HEADER_SIZE); /* wrapped around */
    if (r < 0) {
        free(t);
        return csm_fs_open_fail(why, -EIO, "the LVM metadata at byte %llu cannot be read",
                                (unsigned long long)(mda_off + off));
    }
    uint32_t crc = csm_lvm_crc(CSM_LVM_INITIAL_CRC, t, first);
    crc = csm_lvm_crc(crc, t + first, len - first);
    if (crc != want) {
        free(t);
        return csm_fs_open_fail(why, -EBADMSG, "the LVM metadata at byte %llu: its checksum does not match",
                                (unsigned long long)(mda_off + off));
    }
    t[len] = '\0';
    r = csm_lvm_parse(t, len, vg, why);
    free(t);
    return r;
}

int csm_lvm_read(const struct csm_fs_source *src, struct csm_lvm_label *label, struct csm_lvm_vg **vg, char **why)
{
    unsigned char sec[CSM_LVM_SECTOR];
    *vg = NULL;
    memset(label, 0, sizeof(*label));
    for (uint64_t s = 0; s < 4; s++) {
        if (src_read(src, sec, sizeof(sec), s * CSM_LVM_SECTOR) < 0)
            return -ENOENT;
        if (memcmp(sec, "LABELONE", 8) != 0 || memcmp(sec + 24, "LVM2 001", 8) != 0)
            continue;
        if (csm_le64(sec + 8) != s)
            return csm_fs_open_fail(why, -EBADMSG, "the LVM label in sector %llu says it is in sector %llu",
                                    (unsigned long long)s, (unsigned long long)csm_le64(sec + 8));
        if (csm_lvm_crc(CSM_LVM_INITIAL_CRC, sec + 20, sizeof(sec) - 20) != csm_le32(sec + 16))
            return csm_fs_open_fail(why, -EBADMSG, "the LVM label in sector %llu: its checksum does not match",
                                    (unsigned long long)s);
        uint32_t off = csm_le32(sec + 20);
        if (off < 32 || off > sizeof(sec) - 40 - 16)
            return csm_fs_open_fail(why, -EBADMSG, "the LVM label names a PV header out of its sector");
        memcpy(label->pv_uuid, sec + off, 32);
        label->pv_uuid[32] = '\0';
        label->device_size = csm_le64(sec + off + 32);
        /* data areas, then metadata areas: {offset, size} lists ended by zeros */
        size_t p = off + 40;
        for (; p + 16 <= sizeof(sec) && csm_le64(sec + p); p += 16)
            if (!label->data_offset)
                label->data_offset = csm_le64(sec + p);
        p += 16;
        int r = -ENODATA;
        for (; p + 16 <= sizeof(sec) && csm_le64(sec + p) && label->n_mdas < 2; p += 16) {
            label->n_mdas++;
            struct csm_lvm_vg *one = NULL;
            char *one_why = NULL;
            int k = read_mda(src, csm_le64(sec + p), csm_le64(sec + p + 8), &one, &one_why);
            if (k == 0 && (!*vg || one->seqno > (*vg)->seqno)) {
                csm_lvm_vg_free(*vg);
                *vg = one;
                r = 0;
            } else {
                csm_lvm_vg_free(one);
            }
            if (k < 0 && k != -ENODATA && r != 0) {
                r = k;
                csm_fs_open_fail(why, k, "%s", one_why);
            }
            free(one_why);
        }
        if (r == 0 && why) {
            free(*why);
            *why = NULL;
        }
        return r;
    }
    return -ENOENT;
}

/* ---- a linear volume as a source ---- */

struct run {
    uint64_t start, len; /* bytes of the LV */
    const struct csm_fs_source *pv;
    uint64_t pv_off; /* bytes of the PV */
};

struct mapping {
    struct run *runs;
    size_t n;
};

static int map_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct mapping *m = ctx;
    unsigned char *p = buf;
    size_t lo = 0, hi = m->n;
    while (len) {
        /* the run that holds off: the last whose start is at most off */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (m->runs[mid].start <= off)
                lo = mid;
            else
                hi = mid;
        }
        const struct run *r = &m->runs[lo];
        if (off < r->start || off - r->start >= r->len)
            return -EIO;
        uint64_t in = off - r->start;
        size_t n = r->len - in < len ? (size_t)(r->len - in) : len;
        int k = r->pv->read(r->pv->ctx, p, n, r->pv_off + in);
        if (k < 0)
            return k;
        p += n;
        off += n;
        len -= n;
        lo = 0;
        hi = m->n;
    }
    return 0;
}

static void map_free(void *ctx)
{
    struct mapping *m = ctx;
    free(m->runs);
    free(m);
}

int csm_lvm_map(const struct csm_lvm_vg *vg, const char *name, const struct csm_fs_source *const *pvs,
                struct csm_fs_source *out, char **why)
{
    const struct csm_lvm_volume *lv = csm_lvm_vg_volume(vg, name);
    if (!lv)
        return csm_fs_open_fail(why, -ENOENT, "the volume group %s has no logical volume %s", vg->name, name);
    if (!lv->n_segments)
        return csm_fs_open_fail(why, -EBADMSG, "the logical volume %s/%s has no segments", vg->name, name);
    uint64_t e = vg->extent_size * CSM_LVM_SECTOR;
    if (!vg->extent_size || vg->extent_size > UINT64_MAX / CSM_LVM_SECTOR)
        return csm_fs_open_fail(why, -EBADMSG, "the volume group %s has no valid extent size", vg->name);
    for (size_t i = 0; i < lv->n_segments; i++) {
        const struct csm_lvm_segment *s = &lv->segments[i];
        if (!streq(s->type, "striped"))
            return csm_fs_open_fail(
                why, -EOPNOTSUPP,
                "the logical volume %s/%s is a %s volume: only linear volumes are read, not thin, RAID, "
                "mirror, cache or VDO volumes",
                vg->name, name, s->type[0] ? s->type : "(untyped)");
        if (s->stripe_count != 1)
            return csm_fs_open_fail(why, -EOPNOTSUPP,
                                    "the logical volume %s/%s is striped over %u PVs: only linear volumes are read",
                                    vg->name, name, s->stripe_count);
    }
    struct mapping *m = xcalloc(1, sizeof(*m));
    m->runs = xcalloc(lv->n_segments, sizeof(*m->runs));
    uint64_t next = 0;
    int r = 0;
    for (size_t i = 0; i < lv->n_segments && r == 0; i++) {
        const struct csm_lvm_segment *s = &lv->segments[i];
        ssize_t k = s->pv ? csm_lvm_vg_pv(vg, s->pv) : -1;
        if (s->start_extent != next || !s->extent_count || k < 0 || !streq(vg->pvs[k].key, s->pv)) {
            r = csm_fs_open_fail(why, -EBADMSG,
                                 "the logical volume %s/%s: segment %zu is not contiguous or names no PV", vg->name,
                                 name, i + 1);
            break;
        }
        const struct csm_lvm_vg_pv *pv = &vg->pvs[k];
        if (!pvs || !pvs[k]) {
            r = csm_fs_open_fail(why, -ENXIO, "the logical volume %s/%s uses the PV %s, which is not on this disk",
                                 vg->name, name, pv->id);
            break;
        }
        if (s->extent_count > UINT64_MAX / e || s->pv_extent > UINT64_MAX / e || s->extent_count > pv->pe_count ||
            s->pv_extent > pv->pe_count - s->extent_count || pv->pe_start > UINT64_MAX / CSM_LVM_SECTOR / 2) {
            r = csm_fs_open_fail(why, -EBADMSG, "the logical volume %s/%s: segment %zu lies outside its PV", vg->name,
                                 name, i + 1);
            break;
        }
        uint64_t at = pv->pe_start * CSM_LVM_SECTOR, len = s->extent_count * e, from = s->pv_extent * e;
        if (from > UINT64_MAX - at || at + from > pvs[k]->size || len > pvs[k]->size - (at + from) ||
            next > UINT64_MAX / e - s->extent_count) {
            r = csm_fs_open_fail(why, -EBADMSG,
                                 "the logical volume %s/%s: segment %zu lies past the end of its PV's partition",
                                 vg->name, name, i + 1);
            break;
        }
        m->runs[m->n++] = (struct run){ next * e, len, pvs[k], at + from };
        next += s->extent_count;
    }
    if (r < 0) {
        map_free(m);
        return r;
    }
    *out = (struct csm_fs_source){ map_read, m, next * e, map_free };
    return 0;
}
