/* qcow2 (versions 2 and 3), after qemu's docs/interop/qcow2.txt: a header,
 * a two-level table (L1 -> L2 -> cluster) mapping guest clusters to host
 * clusters, refcounts for the host clusters. Big-endian throughout.
 *
 * Validation reads the header, the L1 table, the L2 tables (within the
 * metadata budget) and the refcount blocks that cover the end of the file,
 * which is where a truncated copy shows: clusters in use past the end. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "util.h"

#define L1E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L1E_RESERVED 0x7f000000000001ffULL
#define L2E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L2E_RESERVED 0x3f000000000001feULL
#define QCOW_OFLAG_COMPRESSED (1ULL << 62)
#define QCOW_OFLAG_ZERO 1ULL
#define MAX_L1_BYTES (32ULL << 20)
#define MAX_REFCOUNT_TABLE (8ULL << 20)
#define CHUNK (64 * 1024)

struct qcow2 {
    uint32_t version, cluster_bits, l1_size, refcount_order;
    uint64_t cluster_size, l1_offset, rt_offset, rt_bytes;
    unsigned l2_bits;
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
    uint64_t allocated, compressed;
};

static void check_header_v3(struct csm_image *img, struct qcow2 *q, const unsigned char *h, size_t hlen)
{
    uint32_t header_length = be32(h + 100);
    uint64_t incompat = be64(h + 72);
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
    if (incompat & 4) {
        img_problem(img, CSM_IMGP_DEPENDENT, 72, "incompatible_features", "the guest data is in an external data "
                    "file, not in this file");
        img->info.readable = false;
    }
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

static void check_extensions(struct csm_image *img, const unsigned char *h, size_t hlen, size_t start)
{
    size_t off = start;
    for (unsigned n = 0; n < 256 && off + 8 <= hlen; n++) {
        uint32_t type = be32(h + off), len = be32(h + off + 4);
        if (type == 0)
            return;
        if (len > hlen - off - 8) {
            img_problem(img, CSM_IMGP_CORRUPT, off + 4, "header extension length", "extension 0x%08x: %u bytes run "
                        "past the first cluster", type, len);
            return;
        }
        const char *data = (const char *)h + off + 8;
        if (type == 0x44415441)
            img_problem(img, CSM_IMGP_DEPENDENT, off, "external data file", "names '%.*s'", (int)(len < 256 ? len : 256),
                        data);
        else if (type == 0xe2792aca)
            img_note(img, "backing file format: %.*s", (int)(len < 32 ? len : 32), data);
        off += 8 + ((len + 7ULL) & ~7ULL);
    }
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

static bool check_tables(struct csm_image *img, struct qcow2 *q, const unsigned char *h)
{
    uint64_t cs = q->cluster_size, l2_entries = cs / 8;
    uint64_t per_l1 = cs * l2_entries, size = img->info.virtual_size;
    uint64_t need = size / per_l1 + (size % per_l1 != 0);
    bool ok = true;

    q->l1_size = be32(h + 36);
    q->l1_offset = be64(h + 40);
    if (q->l1_size < need || (uint64_t)q->l1_size * 8 > MAX_L1_BYTES) {
        img_problem(img, CSM_IMGP_CORRUPT, 36, "l1_size", "%u entries; the virtual size needs %llu (at most %llu)",
                    q->l1_size, (unsigned long long)need, (unsigned long long)(MAX_L1_BYTES / 8));
        ok = false;
    }
    if (q->l1_size && (q->l1_offset % cs || q->l1_offset == 0)) {
        img_problem(img, CSM_IMGP_CORRUPT, 40, "l1_table_offset", "%llu is not a cluster boundary",
                    (unsigned long long)q->l1_offset);
        ok = false;
    } else if (ok && !in_file(img, q->l1_offset, (uint64_t)q->l1_size * 8)) {
        img_problem(img, CSM_IMGP_TRUNCATED, 40, "l1_table_offset", "the L1 table (%llu bytes at %llu) ends past the "
                    "end of the file (%llu bytes)", (unsigned long long)q->l1_size * 8,
                    (unsigned long long)q->l1_offset, (unsigned long long)img->host.size);
        ok = false;
    }

    q->rt_offset = be64(h + 48);
    uint32_t rt_clusters = be32(h + 56);
    q->rt_bytes = (uint64_t)rt_clusters * cs;
    if (!rt_clusters || q->rt_bytes > MAX_REFCOUNT_TABLE || q->rt_offset % cs || !q->rt_offset) {
        img_problem(img, CSM_IMGP_CORRUPT, 48, "refcount_table_offset", "table at %llu of %u clusters is out of "
                    "range", (unsigned long long)q->rt_offset, rt_clusters);
        q->rt_bytes = 0;
    } else if (!in_file(img, q->rt_offset, q->rt_bytes)) {
        img_problem(img, CSM_IMGP_TRUNCATED, 48, "refcount_table_offset", "the refcount table (%llu bytes at %llu) "
                    "ends past the end of the file (%llu bytes)", (unsigned long long)q->rt_bytes,
                    (unsigned long long)q->rt_offset, (unsigned long long)img->host.size);
        q->rt_bytes = 0;
    }

    uint32_t nb_snapshots = be32(h + 60);
    uint64_t snap_off = be64(h + 64);
    if (nb_snapshots) {
        if (nb_snapshots > 65536 || snap_off % 8 || !in_file(img, snap_off, (uint64_t)nb_snapshots * 40))
            img_problem(img, nb_snapshots > 65536 || snap_off % 8 ? CSM_IMGP_CORRUPT : CSM_IMGP_TRUNCATED, 64,
                        "snapshots_offset", "%u snapshots at %llu do not fit in the file", nb_snapshots,
                        (unsigned long long)snap_off);
        else
            img_note(img, "%u internal snapshots: qemu-img convert leaves them out", nb_snapshots);
    }
    return ok;
}

static void scan_l2(struct csm_image *img, struct qcow2 *q, const unsigned char *l2, uint64_t guest_base,
                    struct l2_tally *t)
{
    uint64_t cs = q->cluster_size, n = cs / 8;
    unsigned x = 62 - (q->cluster_bits - 8);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t e = be64(l2 + i * 8), guest = guest_base + i * cs;
        if (guest >= img->info.virtual_size)
            break;
        if (e & QCOW_OFLAG_COMPRESSED) {
            uint64_t host = e & ((1ULL << x) - 1);
            t->compressed++;
            t->allocated += cs;
            if (host >= img->host.size && !t->past_eof++) {
                t->first_past_guest = guest;
                t->first_past_host = host;
            }
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
        t->allocated += cs;
        if (host % cs) {
            if (!t->misaligned++)
                t->first_misaligned = guest;
        } else if (!in_file(img, host, cs) && !t->past_eof++) {
            t->first_past_guest = guest;
            t->first_past_host = host;
        }
    }
}

static void report_tally(struct csm_image *img, const struct qcow2 *q, const struct l2_tally *t)
{
    if (t->past_eof)
        img_problem(img, CSM_IMGP_TRUNCATED, t->first_past_host, "L2 entry",
                    "%llu data clusters lie past the end of the file (%llu bytes); the first holds guest offset %llu "
                    "at host offset %llu", (unsigned long long)t->past_eof, (unsigned long long)img->host.size,
                    (unsigned long long)t->first_past_guest, (unsigned long long)t->first_past_host);
    if (t->misaligned)
        img_problem(img, CSM_IMGP_CORRUPT, 0, "L2 entry", "%llu entries point inside a cluster, not at its start "
                    "(first: guest offset %llu)", (unsigned long long)t->misaligned,
                    (unsigned long long)t->first_misaligned);
    if (t->reserved)
        img_problem(img, CSM_IMGP_CORRUPT, 0, "L2 entry", "%llu entries set reserved bits (first: guest offset %llu)",
                    (unsigned long long)t->reserved, (unsigned long long)t->first_reserved);
    if (t->compressed)
        img_note(img, "%llu of its clusters are compressed (%llu KiB clusters)", (unsigned long long)t->compressed,
                 (unsigned long long)(q->cluster_size >> 10));
}

/* One L1 entry: its L2 table must be a cluster inside the file. */
static bool check_l1_entry(struct csm_image *img, const struct qcow2 *q, uint64_t i, uint64_t e)
{
    uint64_t at = q->l1_offset + i * 8, l2 = e & L1E_OFFSET_MASK;
    if (e & L1E_RESERVED) {
        img_problem(img, CSM_IMGP_CORRUPT, at, "L1 entry", "entry %llu sets reserved bits (0x%016llx)",
                    (unsigned long long)i, (unsigned long long)e);
        return false;
    }
    if (l2 % q->cluster_size) {
        img_problem(img, CSM_IMGP_CORRUPT, at, "L1 entry", "entry %llu: L2 table offset %llu is not a cluster "
                    "boundary", (unsigned long long)i, (unsigned long long)l2);
        return false;
    }
    if (!in_file(img, l2, q->cluster_size)) {
        img_problem(img, CSM_IMGP_TRUNCATED, at, "L1 entry", "entry %llu: the L2 table at %llu lies past the end of "
                    "the file (%llu bytes)", (unsigned long long)i, (unsigned long long)l2,
                    (unsigned long long)img->host.size);
        return false;
    }
    return true;
}

static void check_l1_l2(struct csm_image *img, struct qcow2 *q)
{
    uint64_t cs = q->cluster_size, per_l1 = cs * (cs / 8);
    _cleanup_free_ unsigned char *chunk = xmalloc(CHUNK);
    _cleanup_free_ unsigned char *l2 = xmalloc(cs);
    struct l2_tally t = { 0 };
    bool complete = true;

    for (uint64_t i = 0; i < q->l1_size; i++) {
        uint64_t k = i % (CHUNK / 8);
        if (k == 0) {
            uint64_t n = q->l1_size - i < CHUNK / 8 ? q->l1_size - i : CHUNK / 8;
            if (img_pread(img, chunk, n * 8, q->l1_offset + i * 8) < 0)
                return;
        }
        uint64_t e = be64(chunk + k * 8);
        if (!(e & L1E_OFFSET_MASK) || !check_l1_entry(img, q, i, e))
            continue;
        if (i * per_l1 >= img->info.virtual_size)
            continue;
        if (!img_meta_charge(img, cs, "L2 tables")) {
            complete = false;
            continue;
        }
        if (img_pread(img, l2, cs, e & L1E_OFFSET_MASK) == 0)
            scan_l2(img, q, l2, i * per_l1, &t);
    }
    report_tally(img, q, &t);
    img->info.allocated = t.allocated;
    img->info.allocated_known = complete;
}

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

/* A copy cut short still lists its lost clusters as in use. */
static void check_refcounts(struct csm_image *img, struct qcow2 *q)
{
    uint64_t cs = q->cluster_size, per_block = cs * 8 >> q->refcount_order;
    uint64_t eof_cluster = (img->host.size + cs - 1) / cs, n_entries = q->rt_bytes / 8;
    _cleanup_free_ unsigned char *blk = xmalloc(cs);
    unsigned char e8[8];

    for (uint64_t i = eof_cluster / per_block; i < n_entries && i < eof_cluster / per_block + 4; i++) {
        if (img_pread(img, e8, 8, q->rt_offset + i * 8) < 0)
            return;
        uint64_t off = be64(e8) & ~511ULL;
        if (!off)
            continue;
        if (!in_file(img, off, cs)) {
            img_problem(img, CSM_IMGP_TRUNCATED, q->rt_offset + i * 8, "refcount table entry", "entry %llu: the "
                        "refcount block at %llu lies past the end of the file (%llu bytes)", (unsigned long long)i,
                        (unsigned long long)off, (unsigned long long)img->host.size);
            return;
        }
        if (img_pread(img, blk, cs, off) < 0)
            return;
        for (uint64_t k = 0; k < per_block; k++) {
            uint64_t cluster = i * per_block + k;
            if (cluster < eof_cluster || !refcount_at(blk, k, q->refcount_order))
                continue;
            img_problem(img, CSM_IMGP_TRUNCATED, off, "refcount block", "host cluster %llu (offset %llu) is in use, "
                        "but the file ends at %llu: allocated clusters are missing", (unsigned long long)cluster,
                        (unsigned long long)(cluster * cs), (unsigned long long)img->host.size);
            return;
        }
    }
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
    check_extensions(img, h, hlen, version == 3 ? be32(h + 100) : 72);
    if (!check_tables(img, q, h)) {
        in->readable = false;
        return 0;
    }
    check_l1_l2(img, q);
    if (q->rt_bytes && q->refcount_order <= 6)
        check_refcounts(img, q);
    return 0;
}

static int load_l2(struct csm_image *img, struct qcow2 *q, uint64_t l1_index, const unsigned char **l2)
{
    unsigned char e8[8];
    *l2 = NULL;
    if (l1_index >= q->l1_size)
        return 0;
    int r = img_pread(img, e8, 8, q->l1_offset + l1_index * 8);
    if (r < 0)
        return -EIO;
    uint64_t e = be64(e8), off = e & L1E_OFFSET_MASK;
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

static size_t qcow2_piece(struct csm_image *img, void *buf, size_t len, uint64_t off, int *err)
{
    struct qcow2 *q = img->priv;
    uint64_t in_cluster = off & (q->cluster_size - 1);
    size_t n = q->cluster_size - in_cluster < len ? (size_t)(q->cluster_size - in_cluster) : len;
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
