/* The parts of fs/ that need no filesystem made by a tool: the read cache,
 * the reader child's protocol, lvm2's CRC, the metadata parser and the
 * mapping of a linear volume in two segments onto its PV. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fs/fs.h"
#include "fs/lvm.h"
#include "fs/proto.h"

/* ---- a source of bytes i * 7 % 251, counting its reads ---- */
struct counted {
    uint64_t size;
    unsigned reads;
};

static int pattern_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct counted *c = ctx;
    if (off > c->size || len > c->size - off)
        return -EIO;
    c->reads++;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)((off + i) * 7 % 251);
    return 0;
}

static bool is_pattern(const unsigned char *p, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != (unsigned char)((off + i) * 7 % 251))
            return false;
    return true;
}

static void test_cache(void)
{
    struct counted c = { (1u << 20) + 1000, 0 };
    struct csm_fs_source in = { pattern_read, &c, c.size, NULL }, cached;
    csm_fs_source_cached(&in, 4 * CSM_FS_CACHE_CHUNK, &cached);
    unsigned char buf[3 * CSM_FS_CACHE_CHUNK];
    for (uint64_t off = 4096; off < 4096 * 17; off += 4096)
        CHECK(cached.read(cached.ctx, buf, 4096, off) == 0 && is_pattern(buf, 4096, off));
    CHECK_MSG(c.reads == 2, "16 block reads in 2 chunks cost 2 reads of the source (%u)", c.reads);
    CHECK(cached.read(cached.ctx, buf, 100, c.size - 100) == 0 && is_pattern(buf, 100, c.size - 100));
    CHECK_MSG(cached.read(cached.ctx, buf, 101, c.size - 100) == -EIO, "a read past the end fails");
    CHECK(cached.read(cached.ctx, buf, sizeof(buf), 10) == 0 && is_pattern(buf, sizeof(buf), 10));
    csm_fs_source_free(&cached);

    struct csm_fs_source range;
    in = (struct csm_fs_source){ pattern_read, &c, c.size, NULL };
    CHECK(csm_fs_source_range(&in, 1000, 5000, &range) == 0);
    CHECK(range.read(range.ctx, buf, 5000, 0) == 0 && is_pattern(buf, 5000, 1000));
    CHECK(csm_fs_source_range(&in, c.size - 10, 11, &range) != 0 || (csm_fs_source_free(&range), false));
    csm_fs_source_free(&range);
}

static void test_proto(void)
{
    struct csm_buf b = { 0 };
    struct csm_fs_request rq = {
        .op = CSM_FS_OP_LOOKUP, .fs = 3, .node = 128, .off = 7, .len = 9, .name = "passwd", .name_len = 6
    };
    csm_fs_put_request(&b, &rq);
    struct csm_fs_request got;
    CHECK(b.len == 4 + 32 + 6);
    CHECK_MSG(csm_fs_get_request(b.p + 4, b.len - 4, &got) && got.op == CSM_FS_OP_LOOKUP && got.fs == 3 &&
                  got.node == 128 && got.off == 7 && got.len == 9 && got.name_len == 6 &&
                  !memcmp(got.name, "passwd", 6),
              "a request decodes as it was encoded");
    CHECK_MSG(!csm_fs_get_request(b.p + 4, b.len - 5, &got), "a truncated request is refused");
    b.p[6] = 200; /* the name's length past the body */
    CHECK_MSG(!csm_fs_get_request(b.p + 4, b.len - 4, &got), "a name longer than the body is refused");
    csm_buf_free(&b);

    size_t start = csm_fs_begin_reply(&b, 1, "why not");
    struct csm_fs_dirent e = { 12, 4, 3, "etc" }, bad = { 13, 8, 3, "a/b" };
    csm_fs_put_dirent(&b, &e);
    csm_fs_put_dirent(&b, &bad);
    csm_fs_end_reply(&b, start);
    struct csm_rd r = { b.p + 4, b.len - 4, 0, false };
    int32_t status;
    const char *why;
    uint16_t why_len;
    CHECK(csm_fs_get_reply(&r, &status, &why, &why_len) && status == 1 && why_len == 7 && !memcmp(why, "why not", 7));
    struct csm_fs_dirent d;
    CHECK(csm_fs_get_dirent(&r, &d) && d.node == 12 && d.name_len == 3 && !memcmp(d.name, "etc", 3));
    CHECK_MSG(!csm_fs_get_dirent(&r, &d) && r.bad, "an entry with a slash is malformed");
    csm_buf_free(&b);

    struct csm_fs_stat st = { .node = 1ull << 40,
                              .mode = 0100640,
                              .uid = 70000,
                              .gid = 5,
                              .flags = 3,
                              .size = 1ull << 33,
                              .nlink = 2,
                              .mtime = -5,
                              .mtime_nsec = 999 },
                       st2;
    csm_fs_put_stat(&b, &st);
    r = (struct csm_rd){ b.p, b.len, 0, false };
    csm_fs_get_stat(&r, &st2);
    CHECK_MSG(!r.bad && st2.node == st.node && st2.mode == st.mode && st2.uid == st.uid && st2.gid == st.gid &&
                  st2.flags == st.flags && st2.size == st.size && st2.nlink == st.nlink && st2.mtime == st.mtime &&
                  st2.mtime_nsec == st.mtime_nsec,
              "a stat round trip");
    r = (struct csm_rd){ b.p, b.len - 1, 0, false };
    csm_fs_get_stat(&r, &st2);
    CHECK_MSG(r.bad, "a short stat is malformed");
    csm_buf_free(&b);
}

static const char vg_text[] =
    "# a comment\n"
    "vgsys {\n"
    "  id = \"hNLvbe-8Tqh\"\n  seqno = 4\n  extent_size = 8\n"
    "  physical_volumes { pv0 { id = \"Rr5RZm-UC2E\" device = \"/dev/sda2\" pe_start = 2048 pe_count = 100 } }\n"
    "  logical_volumes {\n"
    "    root { id = \"aa-bb\" status = [\"READ\", \"WRITE\", \"VISIBLE\"] segment_count = 2\n"
    "      segment2 { start_extent = 5 extent_count = 5 type = \"striped\" stripe_count = 1 stripes = [ \"pv0\", 30 ] "
    "}\n"
    "      segment1 { start_extent = 0 extent_count = 5 type = \"striped\" stripe_count = 1 stripes = [ \"pv0\", 10 ] "
    "}\n"
    "    }\n"
    "    thin1 { status = [\"VISIBLE\"] segment1 { start_extent = 0 extent_count = 5 type = \"thin\" thin_pool = "
    "\"pool\" } }\n"
    "    gap { segment1 { start_extent = 1 extent_count = 5 type = \"striped\" stripe_count = 1 stripes = [ \"pv0\", 0 "
    "] } }\n"
    "  }\n"
    "}\n"
    "contents = \"Text Format Volume Group\"\nversion = 1\n";

static void test_lvm(void)
{
    CHECK(csm_lvm_crc(CSM_LVM_INITIAL_CRC, "", 0) == CSM_LVM_INITIAL_CRC);
    CHECK_MSG(csm_lvm_crc(CSM_LVM_INITIAL_CRC, "LVM2 metadata", 13) == 0x86796bf4, "lvm2's calc_crc");
    CHECK(csm_lvm_crc(csm_lvm_crc(CSM_LVM_INITIAL_CRC, "LVM2 ", 5), "metadata", 8) == 0x86796bf4);

    struct csm_lvm_vg *vg = NULL;
    char *why = NULL;
    CHECK(csm_lvm_parse(vg_text, sizeof(vg_text) - 1, &vg, &why) == 0);
    if (!vg)
        return;
    CHECK(!strcmp(vg->name, "vgsys") && vg->seqno == 4 && vg->extent_size == 8 && vg->n_pvs == 1 && vg->n_lvs == 3);
    CHECK(!strcmp(vg->pvs[0].id, "Rr5RZmUC2E") && vg->pvs[0].pe_start == 2048 && vg->pvs[0].pe_count == 100);
    const struct csm_lvm_volume *root = csm_lvm_vg_volume(vg, "root");
    CHECK_MSG(root && root->visible && root->n_segments == 2 && root->segments[0].pv_extent == 10 &&
                  root->segments[1].pv_extent == 30,
              "segments in the order of their extents");
    CHECK(csm_lvm_volume_size(vg, root) == 10 * 4096);

    /* the PV's bytes: pattern; LV byte x of segment 1 is at PV byte
     * pe_start * 512 + (10 + x / 4096) * 4096 + x % 4096 */
    struct counted c = { 2 << 20, 0 };
    struct csm_fs_source pv = { pattern_read, &c, c.size, NULL }, lv;
    const struct csm_fs_source *pvs[] = { &pv };
    CHECK(csm_lvm_map(vg, "root", pvs, &lv, &why) == 0);
    unsigned char buf[8192];
    CHECK(lv.size == 40960);
    CHECK_MSG(lv.read(lv.ctx, buf, 100, 0) == 0 && is_pattern(buf, 100, 2048 * 512 + 10 * 4096), "segment 1");
    CHECK_MSG(lv.read(lv.ctx, buf, 8192, 5 * 4096 - 4096) == 0 && is_pattern(buf, 4096, 2048 * 512 + 14 * 4096) &&
                  is_pattern(buf + 4096, 4096, 2048 * 512 + 30 * 4096),
              "a read across the segments");
    CHECK_MSG(lv.read(lv.ctx, buf, 2, 40959) == -EIO, "a read past the volume's end");
    csm_fs_source_free(&lv);

    CHECK(csm_lvm_map(vg, "thin1", pvs, &lv, &why) == -EOPNOTSUPP);
    CHECK_MSG(why && strstr(why, "vgsys/thin1 is a thin volume"), "a thin volume: %s", why);
    CHECK(csm_lvm_map(vg, "gap", pvs, &lv, &why) == -EBADMSG);
    const struct csm_fs_source *none[] = { NULL };
    CHECK(csm_lvm_map(vg, "root", none, &lv, &why) == -ENXIO);
    CHECK(csm_lvm_map(vg, "home", pvs, &lv, &why) == -ENOENT);
    struct counted small = { 2048 * 512 + 20 * 4096, 0 };
    struct csm_fs_source short_pv = { pattern_read, &small, small.size, NULL };
    const struct csm_fs_source *shorts[] = { &short_pv };
    CHECK_MSG(csm_lvm_map(vg, "root", shorts, &lv, &why) == -EBADMSG && strstr(why, "past the end"),
              "a segment past the end of the PV's partition");
    csm_lvm_vg_free(vg);

    CHECK(csm_lvm_parse("vg { seqno = 1 ", 15, &vg, &why) == -EBADMSG && !vg);
    CHECK_MSG(why && strstr(why, "line 1"), "a parse error names its line: %s", why);
    CHECK(csm_lvm_parse("a = [ 1, 2 ", 11, &vg, &why) == -EBADMSG);
    char deep[64 * 4 + 1] = "";
    for (int i = 0; i < 64; i++)
        strcat(deep, "a {");
    CHECK_MSG(csm_lvm_parse(deep, strlen(deep), &vg, &why) == -EBADMSG, "nesting is capped");
    free(why);
}

int main(void)
{
    test_cache();
    test_proto();
    test_lvm();
    return failures ? 1 : 0;
}
