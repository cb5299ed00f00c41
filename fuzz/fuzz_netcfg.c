/* The line readers of network and module configuration: udev rules,
 * ifcfg, NetworkManager keyfiles, systemd .link/.network, ifupdown, and
 * the initramfs and modules-load lists. The first byte picks the format. */
#include <stdint.h>
#include <stdlib.h>

#include "facts/facts.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = xstrndup((const char *)data + 1, size - 1);
    unsigned pick = data[0] % 9;
    if (pick <= CSM_NET_IFUPDOWN) {
        static const char *const files[] = { "/etc/udev/rules.d/70-persistent-net.rules",
                                             "/etc/sysconfig/network-scripts/ifcfg-eth0",
                                             "/etc/netplan/01.yaml",
                                             "/etc/NetworkManager/system-connections/x",
                                             "/etc/systemd/network/10.link",
                                             "/etc/systemd/network/10.network",
                                             "/etc/network/interfaces" };
        struct csm_netcfg *nc = xcalloc(1, sizeof(*nc));
        csm_netcfg_parse(nc, (enum csm_net_source)pick, files[pick], text);
        csm_netcfg_free(nc);
    } else {
        char **names = NULL;
        unsigned *lines = NULL;
        size_t n = 0;
        csm_gt_parse_modules(text, pick == 7 ? "dracut" : "initramfs-tools", &names, &lines, &n);
        strv_free(names);
        free(lines);
    }
    free(text);
    return 0;
}
