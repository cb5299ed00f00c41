/* csm-irscan FILE [MODULE...]: reads an initramfs the way the scan does.
 * Without modules it reads to the end and prints every kernel module in
 * it; with modules it stops once all are seen and prints which were.
 * Exit: 0 all found (or listed), 1 some missing, 2 unreadable. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "facts/facts.h"
#include "lib/util.h"

static bool wanted_all_seen(const bool *seen, int n)
{
    for (int i = 0; i < n; i++)
        if (!seen[i])
            return false;
    return n > 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: csm-irscan FILE [MODULE...]\n", stderr);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    struct csm_irscan *sc;
    struct csm_file *f = NULL;
    int r = fd < 0 ? -errno : csm_file_from_fd(fd, &f);
    if (r < 0 && fd >= 0)
        close(fd);
    if (r == 0)
        r = csm_irscan_new(f, &sc);
    if (r < 0) {
        fprintf(stderr, "csm-irscan: %s: %s\n", argv[1], csm_strerror(r));
        return 2;
    }
    int n = argc - 2;
    char **want = argv + 2;
    bool seen[256] = { false };
    if (n > 256)
        n = 256;
    const char *member, *why;
    while ((r = csm_irscan_next(sc, &member, &why)) == 0) {
        const char *base = strrchr(member, '/');
        if (!strstr(base ? base : member, ".ko"))
            continue;
        _cleanup_free_ char *name = csm_module_name(member);
        if (!n)
            printf("%s %s\n", name, member);
        for (int i = 0; i < n; i++)
            if (!seen[i] && streq(want[i], name)) {
                seen[i] = true;
                printf("found %s %s\n", name, member);
            }
        if (wanted_all_seen(seen, n))
            break;
    }
    fprintf(stderr, "csm-irscan: %s: %" PRIu64 " members, %" PRIu64 " bytes, last segment %s%s%s\n", argv[1],
            csm_irscan_entries(sc), csm_irscan_bytes(sc), csm_irscan_segment(sc), r < 0 ? ": " : "",
            r < 0 ? why : "");
    int missing = 0;
    for (int i = 0; i < n; i++)
        if (!seen[i]) {
            printf("missing %s\n", want[i]);
            missing = 1;
        }
    csm_irscan_free(sc); /* and the file with it */
    return r < 0 ? 2 : missing;
}
