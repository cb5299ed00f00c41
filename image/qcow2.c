/* qcow2 (versions 2 and 3), after qemu's docs/interop/qcow2.txt: a header,
 * a two-level table (L1 -> L2 -> cluster) mapping guest clusters to host
 * clusters, refcounts for the host clusters. Big-endian throughout.
 *
 * Opening validates what qemu validates when it opens an image (every
 * table's offset, alignment and size, even of an empty table), so that a
 * file qemu refuses is never called consistent. Then, as qemu-img check
 * does, it follows every reference to a host cluster (header, L1 tables of
 * the image and of its snapshots, L2 tables, data clusters, refcount table
 * and blocks, snapshot table, bitmaps), finds references into metadata and
 * compares what it counted with the stored refcounts. That reading is
 * bounded by the metadata budget: where it stops, the image is said to be
 * validated in part, never consistent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/internal.h"
#include "lib/util.h"

#define L1E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L1E_RESERVED 0x7f000000000001ffULL
#define L2E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L2E_RESERVED 0x3f000000000001feULL
#define RTE_RESERVED 0x1ffULL
#define QCOW_OFLAG_COPIED (1ULL << 63)
#define QCOW_OFLAG_COMPRESSED (1ULL << 62)
#define QCOW_OFLAG_ZERO 1ULL
#define INCOMPAT_DATA_FILE 4ULL
/* qemu's limits (block/qcow2.h). */
#define MAX_L1_BYTES (32ULL << 20)
#define MAX_REFCOUNT_TABLE (8ULL << 20)
#define MAX_SNAPSHOTS 65536U
#define MAX_SNAPSHOT_EXTRA 1024U
#define MAX_SNAPSHOT_TABLE (1024ULL * MAX_SNAPSHOTS)
#define MAX_BITMAPS 65535U
#define MAX_BITMAP_DIRECTORY (MAX_BITMAPS * 1024ULL)
/* This tool's: the reference map costs 3 bytes a host cluster. */
#define MAX_MAPPED_CLUSTERS (16ULL << 20)
#define MAX_L2_REFS (1U << 20)
#define CHUNK (64 * 1024)

/* What a host cluster holds, as the references to it say. */
enum use {
    U_FREE, U_HEADER, U_L1, U_RT, U_RB, U_SNAPSHOTS, U_SNAPSHOT_L1, U_L2, U_BITMAP, U_CRYPTO, U_DATA,
};
static const char *const use_names[] = {
    "nothing", "the header", "the active L1 table", "the refcount table", "a refcount block",
    "the snapshot table", "a snapshot's L1 table", "an L2 table", "a bitmap", "the encryption header", "guest data",
};
#define USE_MASK 0x0f
#define SEEN_COPIED 0x10   /* an active table entry with the COPIED flag points here */
#define SEEN_UNCOPIED 0x20 /* one without it */

struct snapshot {
    uint64_t l1_offset;
    uint32_t l1_size;
};

/* One reference from an L1 table to an L2 table. */
struct l2_ref {
    uint64_t l2;    /* host offset of the L2 table */
    uint64_t entry; /* offset of the L1 entry */
    uint32_t index; /* of the L1 entry */
    uint8_t flags;  /* REF_* */
};
#define REF_ACTIVE 1
#define REF_COPIED 2

/* References counted per host cluster, and the first of each kind of
 * inconsistency, reported once per kind. */
struct refmap {
    uint64_t n;      /* host clusters of the file */
    uint16_t *count; /* references, saturating */
    uint8_t *use;    /* enum use | SEEN_* */
    uint64_t overlaps, ov_entry, ov_host;
    const char *ov_from;
    enum use ov_into;
};

struct qcow2 {
    uint32_t version, cluster_bits, l1_size, refcount_order;
    uint64_t cluster_size, l1_offset, rt_offset, rt_bytes, incompat, autoclear;
    unsigned l2_bits;
    struct snapshot *snaps;
    uint32_t n_snaps;
    uint64_t snap_offset, snap_bytes;
    uint64_t bitmap_dir, bitmap_dir_size, crypto_off, crypto_len;
    uint32_t nb_bitmaps;
    struct refmap map;
    unsigned char *l1_chunk; /* CHUNK bytes of the L1 table, from entry l1_chunk_first */
    uint64_t l1_chunk_first;
    unsigned char *l2;    /* one cached L2 table */
    uint64_t l2_at;       /* its host offset; 0: none */
    unsigned char *zbuf;  /* compressed input */
    unsigned char *plain; /* one decompressed cluster */
    uint64_t plain_at;    /* its descriptor; 0: none */
};

/* What the L2 scan found, reported once per kind rather than per entry. */
struct l2_tally {
    uint64_t past_eof, first_past_guest, first_past_host;
    uint64_t misaligned, first_misaligned;
    uint64_t reserved, first_reserved;
    uint64_t overrun, first_overrun_guest, first_overrun_host, overrun_sectors;
    uint64_t compressed_copied, first_compressed_copied;
    uint64_t allocated, compressed;
};

/* ---- the header ---- */

static void check_header_v3(struct csm_image *img, struct qcow2 *q, const unsigned char *h, size_t hlen)
{
    uint32_t header_length = be32(h + 100);
    uint64_t incompat = q->incompat = be64(h + 72);
    q->autoclear = be64(h + 88);
    q->refcount_order = be32(h + 96);

    if (header_length < 104 || header_length % 8 || header_length > hlen)
        img_problem(img, CSM_IMGP_CORRUPT, 100, "header_length", "%u is out of range (104 up to the cluster size, "
                    "a multiple of 8)", header_length);
    if (q->refcount_order > 6)
        img_problem(img, CSM_IMGP_CORRUPT, 96, "refcount_order", "%u is out of range (0-6)", q->refcount_order);
    if (incompat & 1)
        img_problem(img, CSM_IMGP_UNCLEAN, 72, "incompatible_features", "the dirty bit is set: the image was not "
                    "closed cleanly and its refcounts may be wrong");
    if (incompat & 2)
        img_problem(img, CSM_IMGP_CORRUPT, 72, "incompatible_features", "the corrupt bit is set: qemu found an "
                    "inconsistency in the metadata and marked the image");
    if (incompat & INCOMPAT_DATA_FILE)
        img->info.readable = false; /* the problem names the file: check_extensions */
    if (incompat & 8) {
        unsigned ctype = header_length > 104 && hlen > 104 ? h[104] : 0;
        if (ctype != 0) {
            img_problem(img, CSM_IMGP_UNSUPPORTED, 104, "compression_type", "%s (%u): importers older than qemu 5.1 "
                        "cannot read it", ctype == 1 ? "zstd" : "unknown", ctype);
            img->info.readable = false;
        }
    }
    if (incompat & 16) {
        img_problem(img, CSM_IMGP_UNSUPPORTED, 72, "incompatible_features", "extended L2 entries (subclusters): "
                    "importers older than qemu 5.2 cannot read it");
        img->info.readable = false;
    }
    for (unsigned bit = 5; bit < 64; bit++)
        if (incompat & (1ULL << bit)) {
            img_problem(img, CSM_IMGP_UNSUPPORTED, 72, "incompatible_features", "unknown feature bit %u", bit);
            img->info.readable = false;
        }
}

static void check_extensions(struct csm_image *img, struct qcow2 *q, const unsigned char *h, size_t hlen,
                             size_t start)
{
    size_t off = start;
    bool data_file_named = false;
    for (unsigned n = 0; n < 256 && off + 8 <= hlen; n++) {
        uint32_t type = be32(h + off), len = be32(h + off + 4);
        if (type == 0)
            break;
        if (len > hlen - off - 8) {
            img_problem(img, CSM_IMGP_CORRUPT, off + 4, "header extension length", "extension 0x%08x: %u bytes run "
                        "past the first cluster", type, len);
            break;
        }
        const unsigned char *d = h + off + 8;
        int shown = (int)(len < 256 ? len : 256);
        if (type == 0x44415441 && (q->incompat & INCOMPAT_DATA_FILE)) {
            img_problem(img, CSM_IMGP_DEPENDENT, off, "external data file", "the guest data is in the external "
                        "data file '%.*s', not in this file", shown, (const char *)d);
            data_file_named = true;
        } else if (type == 0x44415441) {
            /* qemu reads the name only when the incompatible bit says the
             * data is elsewhere: a name left behind changes nothing. */
            img_note(img, "a header extension names the data file '%.*s', but the image does not use it (the "
                     "external data file bit is clear): its data is in this file", shown, (const char *)d);
        } else if (type == 0xe2792aca) {
            img_note(img, "backing file format: %.*s", (int)(len < 32 ? len : 32), (const char *)d);
        } else if (type == 0x23852875 && len >= 24) {
            q->nb_bitmaps = be32(d);
            q->bitmap_dir_size = be64(d + 8);
            q->bitmap_dir = be64(d + 16);
        } else if (type == 0x0537be77 && len >= 16) {
            q->crypto_off = be64(d);
            q->crypto_len = be64(d + 8);
        }
        off += 8 + ((len + 7ULL) & ~7ULL);
    }
    if ((q->incompat & INCOMPAT_DATA_FILE) && !data_file_named)
        img_problem(img, CSM_IMGP_DEPENDENT, 72, "incompatible_features", "the guest data is in an external data "
                    "file, not in this file");
}

static bool check_backing(struct csm_image *img, const unsigned char *h, size_t hlen)
{
    uint64_t bfo = be64(h + 8);
    uint32_t bfs = be32(h + 16);
    if (!bfo)
        return true;
    if (bfs > 1023 || bfo >= hlen || bfs > hlen - bfo) {
        img_problem(img, CSM_IMGP_CORRUPT, 8, "backing_file_offset", "a backing file name at %llu, %u bytes, lies "
                    "outside the first cluster", (unsigned long long)bfo, bfs);
        return false;
    }
    char name[1024];
    memcpy(name, h + bfo, bfs);
    name[bfs] = '\0';
    for (char *p = name; *p; p++)
        if ((unsigned char)*p < 32)
            *p = '?';
    img_problem(img, CSM_IMGP_DEPENDENT, 8, "backing_file_offset", "the image is an overlay of the backing file '%s': "
                "the clusters it does not hold are in that file", name);
    return true;
}

/* qemu's test of a table named in the header (qcow2_validate_table): its
 * size within the limit and its offset on a cluster boundary, also when
 * the table is empty. False, with the problem recorded, when it fails. */
struct table_field {
    const char *what;          /* "active L1 table" */
    uint64_t size_at, off_at;  /* where the header holds its size and offset */
    const char *size_field, *off_field;
};

static bool valid_table(struct csm_image *img, const struct qcow2 *q, const struct table_field *f, uint64_t offset,
                        uint64_t entries, uint64_t entry_len, uint64_t max)
{
    uint64_t end;
    if (entries > max / entry_len) {
        img_problem(img, CSM_IMGP_CORRUPT, f->size_at, f->size_field, "the %s has %llu entries, more than qemu "
                    "accepts (%llu): qemu refuses to open the image", f->what, (unsigned long long)entries,
                    (unsigned long long)(max / entry_len));
        return false;
    }
    if (offset % q->cluster_size || !add_ok(offset, entries * entry_len, &end) || end > INT64_MAX) {
        img_problem(img, CSM_IMGP_CORRUPT, f->off_at, f->off_field, "the %s's offset %llu is not a cluster "
                    "boundary (%llu-byte clusters): qemu refuses to open the image%s", f->what,
                    (unsigned long long)offset, (unsigned long long)q->cluster_size,
                    entries ? "" : ", although the table is empty");
        return false;
    }
    return true;
}

static bool table_in_file(struct csm_image *img, uint64_t field_at, const char *field, const char *what,
                          uint64_t offset, uint64_t bytes)
{
    if (in_file(img, offset, bytes))
        return true;
    img_problem(img, CSM_IMGP_TRUNCATED, field_at, field, "the %s (%llu bytes at %llu) ends past the end of the "
                "file (%llu bytes)", what, (unsigned long long)bytes, (unsigned long long)offset,
                (unsigned long long)img->host.size);
    return false;
}

static bool check_tables(struct csm_image *img, struct qcow2 *q, const unsigned char *h)
{
    uint64_t cs = q->cluster_size, l2_entries = cs / 8;
    uint64_t per_l1 = cs * l2_entries, size = img->info.virtual_size;
    uint64_t need = size / per_l1 + (size % per_l1 != 0);
    bool ok = true;

    q->l1_size = be32(h + 36);
    q->l1_offset = be64(h + 40);
    static const struct table_field l1 = { "active L1 table", 36, 40, "l1_size", "l1_table_offset" };
    static const struct table_field rt = { "refcount table", 56, 48, "refcount_table_clusters",
                                           "refcount_table_offset" };
    static const struct table_field st = { "snapshot table", 60, 64, "nb_snapshots", "snapshots_offset" };
    if (!valid_table(img, q, &l1, q->l1_offset, q->l1_size, 8, MAX_L1_BYTES)) {
        ok = false;
    } else if (q->l1_size < need) {
        img_problem(img, CSM_IMGP_CORRUPT, 36, "l1_size", "%u entries; the virtual size needs %llu: qemu refuses "
                    "to open the image", q->l1_size, (unsigned long long)need);
        ok = false;
    } else if (q->l1_size && q->l1_offset == 0) {
        img_problem(img, CSM_IMGP_CORRUPT, 40, "l1_table_offset", "the L1 table is at offset 0, over the header");
        ok = false;
    } else if (!table_in_file(img, 40, "l1_table_offset", "L1 table", q->l1_offset, (uint64_t)q->l1_size * 8)) {
        ok = false;
    }

    q->rt_offset = be64(h + 48);
    uint32_t rt_clusters = be32(h + 56);
    q->rt_bytes = 0;
    if (!rt_clusters)
        img_problem(img, CSM_IMGP_CORRUPT, 56, "refcount_table_clusters", "0: the image has no refcount table, and "
                    "qemu refuses to open it");
    else if (!valid_table(img, q, &rt, q->rt_offset, rt_clusters, cs, MAX_REFCOUNT_TABLE))
        ;
    else if (!q->rt_offset)
        img_problem(img, CSM_IMGP_CORRUPT, 48, "refcount_table_offset", "the refcount table is at offset 0, over "
                    "the header");
    else if (table_in_file(img, 48, "refcount_table_offset", "refcount table", q->rt_offset,
                           (uint64_t)rt_clusters * cs))
        q->rt_bytes = (uint64_t)rt_clusters * cs;

    uint32_t nb = be32(h + 60);
    q->snap_offset = be64(h + 64);
    if (nb > MAX_SNAPSHOTS)
        img_problem(img, CSM_IMGP_CORRUPT, 60, "nb_snapshots", "%u snapshots, more than qemu accepts (%u): qemu "
                    "refuses to open the image", nb, MAX_SNAPSHOTS);
    else if (valid_table(img, q, &st, q->snap_offset, nb, 40, 40ULL * MAX_SNAPSHOTS) &&
             (!nb || table_in_file(img, 64, "snapshots_offset", "snapshot table", q->snap_offset, 40ULL * nb)))
        q->n_snaps = nb;
    return ok;
}

/* The snapshot table, entry by entry as qemu reads it at open, and each
 * snapshot's L1 table as qemu-img check tests it. */
static void read_snapshots(struct csm_image *img, struct qcow2 *q)
{
    uint64_t off = q->snap_offset;
    uint32_t n = q->n_snaps;
    q->n_snaps = 0;
    if (!n)
        return;
    q->snaps = xcalloc(n, sizeof(*q->snaps));
    for (uint32_t i = 0; i < n; i++) {
        unsigned char e[40];
        if (!img_meta_charge(img, sizeof(e), "the snapshot table"))
            return;
        if (img_pread(img, e, sizeof(e), off) < 0) {
            img_problem(img, CSM_IMGP_TRUNCATED, off, "snapshot table", "snapshot %u of %u: its entry at %llu lies "
                        "past the end of the file", i + 1, n, (unsigned long long)off);
            return;
        }
        uint32_t extra = be32(e + 36);
        uint16_t id_len = be16(e + 12), name_len = be16(e + 14);
        if (extra > MAX_SNAPSHOT_EXTRA) {
            img_problem(img, CSM_IMGP_CORRUPT, off + 36, "snapshot table", "snapshot %u: %u bytes of extra data, "
                        "more than qemu accepts (%u): qemu refuses to open the image", i + 1, extra,
                        MAX_SNAPSHOT_EXTRA);
            return;
        }
        struct snapshot *sn = &q->snaps[q->n_snaps++];
        sn->l1_offset = be64(e);
        sn->l1_size = be32(e + 8);
        uint64_t entry = off;
        off += (40ULL + extra + id_len + name_len + 7) & ~7ULL;
        if (off - q->snap_offset > MAX_SNAPSHOT_TABLE) {
            img_problem(img, CSM_IMGP_CORRUPT, 64, "snapshots_offset", "the snapshot table is larger than qemu "
                        "accepts (%llu bytes): qemu refuses to open the image", MAX_SNAPSHOT_TABLE);
            return;
        }
        if (sn->l1_offset % q->cluster_size || (uint64_t)sn->l1_size * 8 > MAX_L1_BYTES) {
            img_problem(img, CSM_IMGP_CORRUPT, entry, "snapshot L1 table", "snapshot %u: %s (L1 table of %u entries "
                        "at %llu)", i + 1, sn->l1_offset % q->cluster_size ? "its L1 table is not on a cluster "
                        "boundary" : "its L1 table is larger than qemu accepts", sn->l1_size,
                        (unsigned long long)sn->l1_offset);
            sn->l1_size = 0;
        } else if (sn->l1_size && !in_file(img, sn->l1_offset, (uint64_t)sn->l1_size * 8)) {
            img_problem(img, CSM_IMGP_TRUNCATED, entry, "snapshot L1 table", "snapshot %u: its L1 table (%llu bytes "
                        "at %llu) ends past the end of the file (%llu bytes)", i + 1,
                        (unsigned long long)sn->l1_size * 8, (unsigned long long)sn->l1_offset,
                        (unsigned long long)img->host.size);
            sn->l1_size = 0;
        }
    }
    q->snap_bytes = off - q->snap_offset;
    img_note(img, "%u internal snapshots: qemu-img convert leaves them out", n);
}

/* ---- the reference map ---- */

static void ref(struct qcow2 *q, uint64_t off, uint64_t len, enum use use, uint64_t times, uint8_t seen,
                const char *from, uint64_t entry)
{
    struct refmap *m = &q->map;
    if (!m->count || !len)
        return;
    uint64_t first = off >> q->cluster_bits, last = (off + len - 1) >> q->cluster_bits;
    if (off + len < off)
        last = UINT64_MAX >> q->cluster_bits;
    for (uint64_t c = first; c <= last && c < m->n; c++) {
        enum use was = m->use[c] & USE_MASK;
        bool clash = use == U_DATA ? was != U_FREE && was != U_DATA : was != U_FREE && was != use;
        if (clash && !m->overlaps++) {
            m->ov_from = from;
            m->ov_entry = entry;
            m->ov_host = c << q->cluster_bits;
            m->ov_into = was;
        }
        if (was == U_FREE)
            m->use[c] = (uint8_t)((m->use[c] & ~USE_MASK) | use);
        m->use[c] |= seen;
        uint64_t sum = m->count[c] + times;
        m->count[c] = sum > UINT16_MAX ? UINT16_MAX : (uint16_t)sum;
    }
}

/* ---- L1 and L2 tables ---- */

/* One L1 entry: its L2 table must be a cluster inside the file. */
static bool check_l1_entry(struct csm_image *img, const struct qcow2 *q, uint64_t at, uint64_t i, uint64_t e,
                           const char *which)
{
    uint64_t l2 = e & L1E_OFFSET_MASK;
    if (!l2 && !(e & L1E_RESERVED)) {
        /* qemu reads it as unallocated, qemu-img check as an L2 table at 0 */
        img_problem(img, CSM_IMGP_CORRUPT, at, "L1 entry", "%sentry %llu (0x%016llx) is not zero but names no L2 "
                    "table: offset 0 is the header", which, (unsigned long long)i, (unsigned long long)e);
        return false;
    }
    if (e & L1E_RESERVED) {
        img_problem(img, CSM_IMGP_CORRUPT, at, "L1 entry", "%sentry %llu sets reserved bits (0x%016llx)", which,
                    (unsigned long long)i, (unsigned long long)e);
        return false;
    }
    if (l2 % q->cluster_size) {
        img_problem(img, CSM_IMGP_CORRUPT, at, "L1 entry", "%sentry %llu: L2 table offset %llu is not a cluster "
                    "boundary", which, (unsigned long long)i, (unsigned long long)l2);
        return false;
    }
    if (!in_file(img, l2, q->cluster_size)) {
        img_problem(img, CSM_IMGP_TRUNCATED, at, "L1 entry", "%sentry %llu: the L2 table at %llu lies past the end "
                    "of the file (%llu bytes)", which, (unsigned long long)i, (unsigned long long)l2,
                    (unsigned long long)img->host.size);
        return false;
    }
    return true;
}

/* Appends the L2 tables an L1 table points at. False when the reading
 * stopped (budget, or too many references). */
static bool collect_l1(struct csm_image *img, struct qcow2 *q, uint64_t l1_off, uint32_t l1_size, bool active,
                       struct l2_ref **refs, size_t *n)
{
    _cleanup_free_ unsigned char *chunk = xmalloc(CHUNK);
    const char *which = active ? "" : "snapshot L1 table ";
    for (uint64_t i = 0; i < l1_size; i++) {
        uint64_t k = i % (CHUNK / 8);
        if (k == 0) {
            uint64_t len = (l1_size - i < CHUNK / 8 ? l1_size - i : CHUNK / 8) * 8;
            if ((!active && !img_meta_charge(img, len, "snapshot L1 tables")) ||
                img_pread(img, chunk, len, l1_off + i * 8) < 0)
                return false;
        }
        uint64_t e = be64(chunk + k * 8);
        if (!e || !check_l1_entry(img, q, l1_off + i * 8, i, e, which))
            continue;
        if (*n >= MAX_L2_REFS) {
            img_problem(img, CSM_IMGP_PARTIAL, l1_off + i * 8, "L1 entry", "more than %u references to L2 tables: "
                        "the rest were not examined", MAX_L2_REFS);
            return false;
        }
        if (*n % 4096 == 0)
            *refs = xrealloc(*refs, (*n + 4096) * sizeof(**refs));
        (*refs)[(*n)++] = (struct l2_ref){ e & L1E_OFFSET_MASK, l1_off + i * 8, (uint32_t)i,
                                           (uint8_t)((active ? REF_ACTIVE : 0) | (e & QCOW_OFLAG_COPIED ? REF_COPIED : 0)) };
    }
    return true;
}

static int cmp_l2_ref(const void *a, const void *b)
{
    const struct l2_ref *x = a, *y = b;
    if (x->l2 != y->l2)
        return x->l2 < y->l2 ? -1 : 1;
    return (y->flags & REF_ACTIVE) - (x->flags & REF_ACTIVE); /* an active one first: its guest offset */
}

/* The entries of one L2 table; times is how many L1 entries point at it,
 * active how many of those are the image's own (not a snapshot's). */
static void scan_l2(struct csm_image *img, struct qcow2 *q, const unsigned char *l2, uint64_t l2_off,
                    uint64_t guest_base, uint64_t times, uint64_t active, struct l2_tally *t)
{
    uint64_t cs = q->cluster_size, n = cs / 8, fsize = img->host.size;
    unsigned x = 62 - (q->cluster_bits - 8);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t e = be64(l2 + i * 8), guest = guest_base + i * cs, at = l2_off + i * 8;
        bool inside = guest < img->info.virtual_size;
        uint8_t seen = !active ? 0 : e & QCOW_OFLAG_COPIED ? SEEN_COPIED : SEEN_UNCOPIED;
        if (e & QCOW_OFLAG_COMPRESSED) {
            uint64_t host = e & ((1ULL << x) - 1);
            uint64_t sectors = ((e >> x) & ((1ULL << (q->cluster_bits - 8)) - 1)) + 1;
            uint64_t len = sectors * 512 - (host & 511), end = host + len;
            t->compressed += inside && active;
            t->allocated += inside && active ? cs : 0;
            if ((e & QCOW_OFLAG_COPIED) && !t->compressed_copied++)
                t->first_compressed_copied = guest;
            if (host >= fsize) {
                if (!t->past_eof++) {
                    t->first_past_guest = guest;
                    t->first_past_host = host;
                }
            } else if (end > fsize && end - fsize >= cs) {
                /* qemu-img check: a region past the end by a cluster or more */
                if (!t->overrun++) {
                    t->first_overrun_guest = guest;
                    t->first_overrun_host = host;
                    t->overrun_sectors = sectors;
                }
            }
            ref(q, host, len, U_DATA, times, 0, "L2 entry", at);
            continue;
        }
        uint64_t host = e & L2E_OFFSET_MASK;
        if ((e & L2E_RESERVED) || (q->version == 2 && (e & QCOW_OFLAG_ZERO))) {
            if (!t->reserved++)
                t->first_reserved = guest;
            continue;
        }
        if (!host)
            continue;
        t->allocated += inside && active && !(e & QCOW_OFLAG_ZERO) ? cs : 0;
        if (host % cs) {
            if (!t->misaligned++)
                t->first_misaligned = guest;
            continue;
        }
        if (!in_file(img, host, cs)) {
            if (!t->past_eof++) {
                t->first_past_guest = guest;
                t->first_past_host = host;
            }
            continue;
        }
        ref(q, host, cs, U_DATA, times, seen, "L2 entry", at);
    }
}

static void report_tally(struct csm_image *img, const struct qcow2 *q, const struct l2_tally *t)
{
    if (t->past_eof)
        img_problem(img, CSM_IMGP_TRUNCATED, t->first_past_host, "L2 entry",
                    "%llu data clusters lie past the end of the file (%llu bytes); the first holds guest offset %llu "
                    "at host offset %llu", (unsigned long long)t->past_eof, (unsigned long long)img->host.size,
                    (unsigned long long)t->first_past_guest, (unsigned long long)t->first_past_host);
    if (t->overrun)
        img_problem(img, CSM_IMGP_CORRUPT, t->first_overrun_host, "L2 entry", "%llu compressed clusters claim more "
                    "sectors than the file holds; the first, guest offset %llu, names %llu sectors at host offset "
                    "%llu, which run a cluster or more past the end of the file", (unsigned long long)t->overrun,
                    (unsigned long long)t->first_overrun_guest, (unsigned long long)t->overrun_sectors,
                    (unsigned long long)t->first_overrun_host);
    if (t->misaligned)
        img_problem(img, CSM_IMGP_CORRUPT, 0, "L2 entry", "%llu entries point inside a cluster, not at its start "
                    "(first: guest offset %llu)", (unsigned long long)t->misaligned,
                    (unsigned long long)t->first_misaligned);
    if (t->reserved)
        img_problem(img, CSM_IMGP_CORRUPT, 0, "L2 entry", "%llu entries set reserved bits (first: guest offset %llu)",
                    (unsigned long long)t->reserved, (unsigned long long)t->first_reserved);
    if (t->compressed_copied)
        img_problem(img, CSM_IMGP_CORRUPT, 0, "L2 entry", "%llu compressed clusters carry the COPIED flag, which "
                    "they never may (first: guest offset %llu)", (unsigned long long)t->compressed_copied,
                    (unsigned long long)t->first_compressed_copied);
    if (t->compressed)
        img_note(img, "%llu of its clusters are compressed (%llu KiB clusters)", (unsigned long long)t->compressed,
                 (unsigned long long)(q->cluster_size >> 10));
}

/* Every L2 table that an L1 table (the image's or a snapshot's) points at,
 * each read once however many entries share it. True when all were read. */
static bool check_l2_tables(struct csm_image *img, struct qcow2 *q)
{
    uint64_t cs = q->cluster_size, per_l1 = cs * (cs / 8);
    struct l2_ref *refs = NULL;
    size_t n = 0;
    bool complete = collect_l1(img, q, q->l1_offset, q->l1_size, true, &refs, &n);
    for (uint32_t s = 0; complete && s < q->n_snaps; s++)
        complete = collect_l1(img, q, q->snaps[s].l1_offset, q->snaps[s].l1_size, false, &refs, &n);
    if (n)
        qsort(refs, n, sizeof(*refs), cmp_l2_ref);

    /* Every L2 table is metadata before any data reference is counted. */
    for (size_t i = 0; i < n; i++)
        ref(q, refs[i].l2, cs, U_L2, 1,
            !(refs[i].flags & REF_ACTIVE) ? 0 : refs[i].flags & REF_COPIED ? SEEN_COPIED : SEEN_UNCOPIED,
            "L1 entry", refs[i].entry);

    _cleanup_free_ unsigned char *l2 = xmalloc(cs);
    struct l2_tally t = { 0 };
    for (size_t i = 0, j; i < n; i = j) {
        uint64_t active = 0;
        for (j = i; j < n && refs[j].l2 == refs[i].l2; j++)
            active += refs[j].flags & REF_ACTIVE;
        if (!img_meta_charge(img, cs, "L2 tables")) {
            complete = false;
            break;
        }
        if (img_pread(img, l2, cs, refs[i].l2) == 0)
            scan_l2(img, q, l2, refs[i].l2, (uint64_t)refs[i].index * per_l1, j - i, active, &t);
        else
            complete = false; /* a package's stream that stopped */
    }
    free(refs);
    report_tally(img, q, &t);
    img->info.allocated = t.allocated;
    img->info.allocated_known = complete;
    return complete;
}

/* ---- refcounts ---- */

/* Value of refcount entry i in a block; refcounts narrower than a byte are
 * packed from the low bits up. */
static uint64_t refcount_at(const unsigned char *blk, uint64_t i, unsigned order)
{
    unsigned bits = 1u << order;
    if (bits < 8)
        return (blk[i * bits / 8] >> (i * bits % 8)) & ((1u << bits) - 1);
    uint64_t v = 0;
    for (unsigned b = 0; b < bits / 8; b++)
        v = v << 8 | blk[i * (bits / 8) + b];
    return v;
}

/* What the comparison of counted references with refcounts found. */
struct rc_tally {
    uint64_t wrong, first_wrong, wrong_rc, wrong_refs;
    uint64_t unowned, first_unowned; /* referenced, refcount 0 */
    uint64_t copied, first_copied, copied_rc;
    uint64_t leaked;
    enum use wrong_use, unowned_use;
};

/* As qemu-img check: fewer refcounts than references is an error (a write
 * would free or reuse a cluster still in use), more is a leak. */
static void compare(struct qcow2 *q, uint64_t c, uint64_t rc, struct rc_tally *t)
{
    const struct refmap *m = &q->map;
    uint64_t refs = m->count[c];
    enum use use = m->use[c] & USE_MASK;
    if (refs == UINT16_MAX && rc >= UINT16_MAX)
        return; /* more references than the map counts: equal as far as it knows */
    if (rc > refs) {
        t->leaked++;
    } else if (!refs) {
        return;
    } else if (!rc) {
        if (!t->unowned++) {
            t->first_unowned = c;
            t->unowned_use = use;
        }
    } else if (rc < refs && !t->wrong++) {
        t->first_wrong = c;
        t->wrong_rc = rc;
        t->wrong_refs = refs;
        t->wrong_use = use;
    }
    bool bad_copied = ((m->use[c] & SEEN_COPIED) && rc != 1) || ((m->use[c] & SEEN_UNCOPIED) && rc == 1);
    if (bad_copied && !t->copied++) {
        t->first_copied = c;
        t->copied_rc = rc;
    }
}

static void report_refcounts(struct csm_image *img, const struct qcow2 *q, const struct rc_tally *t)
{
    uint64_t cs = q->cluster_size;
    const struct refmap *m = &q->map;
    /* Lazy refcounts leave them stale until qemu repairs a dirty image. */
    enum csm_image_problem_kind rc_kind = q->incompat & 1 ? CSM_IMGP_UNCLEAN : CSM_IMGP_CORRUPT;
    if (m->overlaps)
        img_problem(img, CSM_IMGP_CORRUPT, m->ov_entry, "metadata overlap", "%llu references point into the image's "
                    "own metadata; the first, the %s at offset %llu, points at host offset %llu, which holds %s: a "
                    "write through it overwrites the image's tables", (unsigned long long)m->overlaps, m->ov_from,
                    (unsigned long long)m->ov_entry, (unsigned long long)m->ov_host, use_names[m->ov_into]);
    if (t->unowned)
        img_problem(img, rc_kind, q->rt_offset, "refcounts", "%llu host clusters in use have a refcount of "
                    "0 (an empty or zeroed refcount table or block); the first, at offset %llu, holds %s: qemu "
                    "would allocate it again and overwrite it", (unsigned long long)t->unowned,
                    (unsigned long long)(t->first_unowned * cs), use_names[t->unowned_use]);
    if (t->wrong)
        img_problem(img, rc_kind, q->rt_offset, "refcounts", "%llu host clusters have a refcount lower than "
                    "the number of references to them; the first, at offset %llu (%s), has refcount %llu and "
                    "%s%llu references", (unsigned long long)t->wrong, (unsigned long long)(t->first_wrong * cs),
                    use_names[t->wrong_use], (unsigned long long)t->wrong_rc,
                    t->wrong_refs == UINT16_MAX ? "at least " : "", (unsigned long long)t->wrong_refs);
    if (t->copied)
        img_problem(img, rc_kind, q->l1_offset, "COPIED flag", "%llu table entries carry a COPIED flag "
                    "that does not match the refcount (set exactly when it is 1); the first points at offset %llu, "
                    "refcount %llu", (unsigned long long)t->copied, (unsigned long long)(t->first_copied * cs),
                    (unsigned long long)t->copied_rc);
    if (t->leaked)
        img_note(img, "%llu host clusters have a refcount higher than the references to them (leaked clusters: "
                 "harmless, qemu-img check -r leaks frees them)", (unsigned long long)t->leaked);
}

/* The refcount table: every block it names is metadata. False when it
 * cannot be read or an entry is bad: the refcounts are then not compared. */
static bool read_refcount_table(struct csm_image *img, struct qcow2 *q, unsigned char **out)
{
    uint64_t cs = q->cluster_size, n_entries = q->rt_bytes / 8;
    *out = NULL;
    if (!q->rt_bytes || q->refcount_order > 6 || !img_meta_charge(img, q->rt_bytes, "the refcount table"))
        return false;
    unsigned char *rt = xmalloc(q->rt_bytes);
    if (img_pread(img, rt, q->rt_bytes, q->rt_offset) < 0) {
        free(rt);
        return false;
    }
    bool ok = true;
    for (uint64_t i = 0; i < n_entries; i++) {
        uint64_t at = q->rt_offset + i * 8, e = be64(rt + i * 8), off = e & ~RTE_RESERVED;
        if (!e)
            continue;
        if ((e & RTE_RESERVED) || off % cs) {
            img_problem(img, CSM_IMGP_CORRUPT, at, "refcount table entry", "entry %llu (0x%016llx) %s",
                        (unsigned long long)i, (unsigned long long)e,
                        e & RTE_RESERVED ? "sets reserved bits" : "is not on a cluster boundary");
            ok = false;
        } else if (!in_file(img, off, cs)) {
            img_problem(img, CSM_IMGP_TRUNCATED, at, "refcount table entry", "entry %llu: the refcount block at %llu "
                        "lies past the end of the file (%llu bytes)", (unsigned long long)i, (unsigned long long)off,
                        (unsigned long long)img->host.size);
            ok = false;
        } else {
            ref(q, off, cs, U_RB, 1, 0, "refcount table entry", at);
        }
    }
    *out = rt;
    return ok;
}

/* The refcount blocks, and either the comparison with every counted
 * reference or, when the references are not all known, the test that a
 * copy cut short still lists its lost clusters as in use. */
static void check_refcounts(struct csm_image *img, struct qcow2 *q, const unsigned char *rt, bool compare_all)
{
    uint64_t cs = q->cluster_size, per_block = cs * 8 >> q->refcount_order;
    uint64_t n_host = (img->host.size + cs - 1) / cs, n_entries = q->rt_bytes / 8;
    _cleanup_free_ unsigned char *blk = xmalloc(cs);
    struct rc_tally t = { 0 };
    bool truncated = false;

    for (uint64_t i = 0; i < n_entries && (compare_all || !truncated); i++) {
        uint64_t e = be64(rt + i * 8), base = i * per_block;
        if (!compare_all && base + per_block <= n_host)
            continue; /* only the blocks that cover the end of the file */
        bool have = e && !(e & RTE_RESERVED) && e % cs == 0 && in_file(img, e, cs);
        if (have && (!img_meta_charge(img, cs, "refcount blocks") || img_pread(img, blk, cs, e) < 0)) {
            compare_all = false;
            have = false;
        }
        for (uint64_t k = 0; k < per_block; k++) {
            uint64_t c = base + k, rc = have ? refcount_at(blk, k, q->refcount_order) : 0;
            if (c < n_host) {
                if (compare_all)
                    compare(q, c, rc, &t);
            } else if (!have || truncated) {
                break;
            } else if (rc) {
                img_problem(img, CSM_IMGP_TRUNCATED, e, "refcount block", "host cluster %llu (offset %llu) is in "
                            "use, but the file ends at %llu: allocated clusters are missing", (unsigned long long)c,
                            (unsigned long long)(c * cs), (unsigned long long)img->host.size);
                truncated = true;
            }
        }
    }
    /* Clusters past the last refcount block have a refcount of 0. */
    for (uint64_t c = n_entries * per_block; compare_all && c < n_host; c++)
        compare(q, c, 0, &t);
    if (compare_all)
        report_refcounts(img, q, &t);
}

/* Bitmaps hold clusters of their own: the directory, each bitmap's table
 * and the clusters it names. qemu loads them when the autoclear bit says
 * they are in sync. */
static bool ref_bitmaps(struct csm_image *img, struct qcow2 *q)
{
    uint64_t cs = q->cluster_size, off = q->bitmap_dir, size = q->bitmap_dir_size;
    if (!(q->autoclear & 1) || !q->nb_bitmaps)
        return true;
    if (q->nb_bitmaps > MAX_BITMAPS || size > MAX_BITMAP_DIRECTORY || off % cs || !in_file(img, off, size)) {
        img_problem(img, CSM_IMGP_CORRUPT, 0, "bitmaps extension", "%u bitmaps, a directory of %llu bytes at %llu: "
                    "out of range", q->nb_bitmaps, (unsigned long long)size, (unsigned long long)off);
        return false;
    }
    if (!img_meta_charge(img, size, "bitmaps"))
        return false;
    _cleanup_free_ unsigned char *dir = xmalloc(size ? size : 1);
    _cleanup_free_ unsigned char *chunk = xmalloc(CHUNK);
    if (img_pread(img, dir, size, off) < 0)
        return false;
    ref(q, off, size, U_BITMAP, 1, 0, "bitmaps extension", 0);
    for (uint64_t p = 0, n = 0; n < q->nb_bitmaps && p + 24 <= size; n++) {
        uint64_t table = be64(dir + p);
        uint32_t entries = be32(dir + p + 8), extra = be32(dir + p + 20);
        uint16_t name_len = be16(dir + p + 18);
        if (table % cs || !in_file(img, table, (uint64_t)entries * 8)) {
            img_problem(img, CSM_IMGP_CORRUPT, off + p, "bitmap directory", "bitmap %llu: its table (%u entries at "
                        "%llu) is out of range", (unsigned long long)n + 1, entries, (unsigned long long)table);
            return false;
        }
        ref(q, table, (uint64_t)entries * 8, U_BITMAP, 1, 0, "bitmap directory entry", off + p);
        for (uint64_t i = 0; i < entries; i++) {
            uint64_t k = i % (CHUNK / 8);
            if (k == 0) {
                uint64_t len = (entries - i < CHUNK / 8 ? entries - i : CHUNK / 8) * 8;
                if (!img_meta_charge(img, len, "bitmaps") || img_pread(img, chunk, len, table + i * 8) < 0)
                    return false;
            }
            uint64_t at = be64(chunk + k * 8) & 0x00fffffffffffe00ULL;
            if (at)
                ref(q, at, cs, U_BITMAP, 1, 0, "bitmap table entry", table + i * 8);
        }
        p += (24ULL + extra + name_len + 7) & ~7ULL;
    }
    return true;
}

/* Everything that references a host cluster, then the refcounts. */
static void check_references(struct csm_image *img, struct qcow2 *q)
{
    uint64_t cs = q->cluster_size, n_host = (img->host.size + cs - 1) / cs;
    struct refmap *m = &q->map;
    bool mapped = n_host <= MAX_MAPPED_CLUSTERS && q->rt_bytes && q->refcount_order <= 6;
    if (mapped) {
        m->n = n_host;
        m->count = xcalloc(n_host ? n_host : 1, sizeof(*m->count));
        m->use = xcalloc(n_host ? n_host : 1, sizeof(*m->use));
    } else if (q->rt_bytes && q->refcount_order <= 6) {
        img_problem(img, CSM_IMGP_PARTIAL, 0, "refcounts", "the file has %llu host clusters, more than this tool "
                    "maps (%llu): its refcounts were not compared with the references", (unsigned long long)n_host,
                    MAX_MAPPED_CLUSTERS);
    }
    ref(q, 0, cs, U_HEADER, 1, 0, "header", 0);
    ref(q, q->l1_offset, (uint64_t)q->l1_size * 8, U_L1, 1, 0, "header (l1_table_offset)", 40);
    ref(q, q->rt_offset, q->rt_bytes, U_RT, 1, 0, "header (refcount_table_offset)", 48);
    ref(q, q->snap_offset, q->snap_bytes, U_SNAPSHOTS, 1, 0, "header (snapshots_offset)", 64);
    for (uint32_t s = 0; s < q->n_snaps; s++)
        ref(q, q->snaps[s].l1_offset, (uint64_t)q->snaps[s].l1_size * 8, U_SNAPSHOT_L1, 1, 0, "snapshot table",
            q->snap_offset);
    if (q->crypto_len && in_file(img, q->crypto_off, q->crypto_len))
        ref(q, q->crypto_off, q->crypto_len, U_CRYPTO, 1, 0, "encryption header extension", 0);
    bool complete = ref_bitmaps(img, q);
    /* Refcount blocks and L2 tables are marked before any data cluster is
     * counted, so that a data cluster inside them is seen as an overlap. */
    unsigned char *rt;
    complete = read_refcount_table(img, q, &rt) && complete;
    complete = check_l2_tables(img, q) && complete;
    if (rt)
        check_refcounts(img, q, rt, mapped && complete);
    free(rt);
}

static int qcow2_open(struct csm_image *img)
{
    struct csm_image_info *in = &img->info;
    unsigned char h0[104] = { 0 };
    uint64_t fsize = img->host.size;

    if (img_pread(img, h0, fsize < sizeof(h0) ? (size_t)fsize : sizeof(h0), 0) < 0 || fsize < 72) {
        img_problem(img, CSM_IMGP_TRUNCATED, 0, "header", "the file has %llu bytes; a qcow2 header needs 72",
                    (unsigned long long)fsize);
        return 0;
    }
    uint32_t version = be32(h0 + 4), cluster_bits = be32(h0 + 20);
    in->subformat = xasprintf("version %u (compat=%s)", version, version == 2 ? "0.10" : version == 3 ? "1.1" : "?");
    if (version != 2 && version != 3) {
        img_problem(img, CSM_IMGP_UNSUPPORTED, 4, "version", "%u (this tool and the importer read 2 and 3)", version);
        return 0;
    }
    if (version == 3 && fsize < 104) {
        img_problem(img, CSM_IMGP_TRUNCATED, 0, "header", "the file has %llu bytes; a version 3 header needs 104",
                    (unsigned long long)fsize);
        return 0;
    }
    if (cluster_bits < 9 || cluster_bits > 21) {
        img_problem(img, CSM_IMGP_CORRUPT, 20, "cluster_bits", "%u is out of range (9-21)", cluster_bits);
        return 0;
    }
    in->virtual_size = be64(h0 + 24);
    if (in->virtual_size > CSM_IMAGE_MAX_VIRTUAL) {
        img_problem(img, CSM_IMGP_CORRUPT, 24, "size", "%llu bytes is out of range (at most 64 TiB)",
                    (unsigned long long)in->virtual_size);
        in->virtual_size = 0;
        return 0;
    }

    struct qcow2 *q = img->priv = xcalloc(1, sizeof(*q));
    q->version = version;
    q->cluster_bits = cluster_bits;
    q->cluster_size = 1ULL << cluster_bits;
    q->l2_bits = cluster_bits - 3;
    q->refcount_order = 4;
    in->readable = true;

    size_t hlen = fsize < q->cluster_size ? (size_t)fsize : (size_t)q->cluster_size;
    _cleanup_free_ unsigned char *h = xcalloc(1, hlen);
    if (img_pread(img, h, hlen, 0) < 0)
        return 0;
    uint32_t crypt = be32(h + 32);
    if (crypt) {
        img_problem(img, CSM_IMGP_ENCRYPTED, 32, "crypt_method", "%s encryption: the importer cannot read the guest "
                    "disk without the key", crypt == 1 ? "AES-CBC" : crypt == 2 ? "LUKS" : "unknown");
        in->readable = false;
    }
    check_backing(img, h, hlen);
    if (version == 3)
        check_header_v3(img, q, h, hlen);
    check_extensions(img, q, h, hlen, version == 3 ? be32(h + 100) : 72);
    if (!check_tables(img, q, h)) {
        in->readable = false;
        return 0;
    }
    read_snapshots(img, q);
    check_references(img, q);
    return 0;
}

/* An L1 entry, through a cached chunk of the table: one read per 8192
 * entries, not one per cluster. */
static int l1_entry(struct csm_image *img, struct qcow2 *q, uint64_t i, uint64_t *e)
{
    uint64_t first = i / (CHUNK / 8) * (CHUNK / 8);
    if (!q->l1_chunk || q->l1_chunk_first != first) {
        uint64_t n = q->l1_size - first < CHUNK / 8 ? q->l1_size - first : CHUNK / 8;
        if (!q->l1_chunk)
            q->l1_chunk = xmalloc(CHUNK);
        q->l1_chunk_first = UINT64_MAX;
        if (img_pread(img, q->l1_chunk, n * 8, q->l1_offset + first * 8) < 0)
            return -EIO;
        q->l1_chunk_first = first;
    }
    *e = be64(q->l1_chunk + (i - first) * 8);
    return 0;
}

static int load_l2(struct csm_image *img, struct qcow2 *q, uint64_t l1_index, const unsigned char **l2)
{
    *l2 = NULL;
    if (l1_index >= q->l1_size)
        return 0;
    uint64_t e;
    if (l1_entry(img, q, l1_index, &e) < 0)
        return -EIO;
    uint64_t off = e & L1E_OFFSET_MASK;
    if (!off)
        return 0;
    if ((e & L1E_RESERVED) || off % q->cluster_size)
        return -EIO;
    if (q->l2_at != off) {
        if (!q->l2)
            q->l2 = xmalloc(q->cluster_size);
        q->l2_at = 0;
        if (img_pread(img, q->l2, q->cluster_size, off) < 0)
            return -EIO;
        q->l2_at = off;
    }
    *l2 = q->l2;
    return 0;
}

static int read_compressed(struct csm_image *img, struct qcow2 *q, uint64_t e, uint64_t guest)
{
    if (q->plain_at == e)
        return 0;
    unsigned x = 62 - (q->cluster_bits - 8);
    uint64_t host = e & ((1ULL << x) - 1);
    uint64_t sectors = ((e >> x) & ((1ULL << (q->cluster_bits - 8)) - 1)) + 1;
    uint64_t csize = sectors * 512 - (host & 511);
    if (host >= img->host.size)
        return -EIO;
    if (csize > img->host.size - host) /* the last one may end with the file */
        csize = img->host.size - host;
    if (!q->zbuf) {
        q->zbuf = xmalloc(2 * q->cluster_size);
        q->plain = xmalloc(q->cluster_size);
    }
    q->plain_at = 0;
    if (img_pread(img, q->zbuf, csize, host) < 0)
        return -EIO;
    size_t got;
    int r = img_inflate(q->zbuf, csize, q->plain, q->cluster_size, -12, &got);
    if ((r == 0 || r == -ENOSPC) && got == q->cluster_size) {
        q->plain_at = e;
        return 0;
    }
    img_problem(img, CSM_IMGP_CORRUPT, host, "compressed cluster", "guest offset %llu: %llu compressed bytes do not "
                "inflate to a %llu-byte cluster", (unsigned long long)guest, (unsigned long long)csize,
                (unsigned long long)q->cluster_size);
    return -EBADMSG;
}

static int read_cluster(struct csm_image *img, struct qcow2 *q, unsigned char *buf, size_t n, uint64_t off)
{
    uint64_t cs = q->cluster_size, in_cluster = off & (cs - 1);
    const unsigned char *l2;
    int r = load_l2(img, q, off >> (q->cluster_bits + q->l2_bits), &l2);
    if (r < 0 || !l2)
        return memset(buf, 0, n), r;
    uint64_t e = be64(l2 + ((off >> q->cluster_bits) & ((1ULL << q->l2_bits) - 1)) * 8);
    if (e & QCOW_OFLAG_COMPRESSED) {
        r = read_compressed(img, q, e, off - in_cluster);
        if (r < 0)
            return memset(buf, 0, n), r;
        memcpy(buf, q->plain + in_cluster, n);
        return 0;
    }
    uint64_t host = e & L2E_OFFSET_MASK;
    if (!host || (e & QCOW_OFLAG_ZERO))
        return memset(buf, 0, n), 0;
    if (host % cs || img_pread(img, buf, n, host + in_cluster) < 0)
        return memset(buf, 0, n), -EIO;
    return 0;
}

/* How many bytes from off, up to len, lie in plain clusters that follow
 * each other in the file as in the guest (one read for all); 0 when the
 * cluster at off is not plain. */
static size_t contiguous(struct csm_image *img, struct qcow2 *q, size_t len, uint64_t off)
{
    uint64_t cs = q->cluster_size, per_l2 = 1ULL << q->l2_bits;
    const unsigned char *l2;
    if (load_l2(img, q, off >> (q->cluster_bits + q->l2_bits), &l2) < 0 || !l2)
        return 0;
    uint64_t i = (off >> q->cluster_bits) & (per_l2 - 1), e = be64(l2 + i * 8);
    uint64_t host = e & L2E_OFFSET_MASK, in_cluster = off & (cs - 1);
    if ((e & (QCOW_OFLAG_COMPRESSED | QCOW_OFLAG_ZERO)) || !host || host % cs)
        return 0;
    uint64_t n = cs - in_cluster;
    while (n < len && ++i < per_l2) {
        uint64_t next = be64(l2 + i * 8);
        if ((next & (QCOW_OFLAG_COMPRESSED | QCOW_OFLAG_ZERO)) || (next & L2E_OFFSET_MASK) != host + n + in_cluster)
            break;
        n += cs;
    }
    return n < len ? (size_t)n : len;
}

static size_t qcow2_piece(struct csm_image *img, void *buf, size_t len, uint64_t off, int *err)
{
    struct qcow2 *q = img->priv;
    uint64_t in_cluster = off & (q->cluster_size - 1);
    size_t n = q->cluster_size - in_cluster < len ? (size_t)(q->cluster_size - in_cluster) : len;
    size_t run = contiguous(img, q, len, off);
    if (run > n) {
        const unsigned char *l2;
        load_l2(img, q, off >> (q->cluster_bits + q->l2_bits), &l2);
        uint64_t e = be64(l2 + ((off >> q->cluster_bits) & ((1ULL << q->l2_bits) - 1)) * 8);
        *err = img_pread(img, buf, run, (e & L2E_OFFSET_MASK) + in_cluster) < 0 ? -EIO : 0;
        if (*err)
            memset(buf, 0, run);
        return run;
    }
    *err = read_cluster(img, q, buf, n, off);
    return n;
}

static int qcow2_read(struct csm_image *img, void *buf, size_t len, uint64_t off)
{
    return img_read_split(img, buf, len, off, qcow2_piece);
}

static void qcow2_close(struct csm_image *img)
{
    struct qcow2 *q = img->priv;
    if (!q)
        return;
    free(q->l2);
    free(q->l1_chunk);
    free(q->snaps);
    free(q->map.count);
    free(q->map.use);
    free(q->zbuf);
    free(q->plain);
    free(q);
}

const struct csm_image_driver csm_image_qcow2_driver = {
    .format = CSM_IMAGE_QCOW2,
    .name = "qcow2",
    .open = qcow2_open,
    .read = qcow2_read,
    .close = qcow2_close,
};
