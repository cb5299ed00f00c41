/* The YAML reader and what is built on it: netplan and cloud-init. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts/internal.h"
#include "lib/util.h"
#include "lib/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const struct csm_yaml_node *n, void *d)
{
    size_t *c = d;
    *c += n->depth + strlen(n->value);
    for (size_t i = 0; i < n->depth; i++)
        *c += strlen(n->path[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size);
    size_t c = 0;
    struct csm_yaml_error err;
    if (csm_yaml_scan(text, count, &c, &err) < 0 && !err.what[0])
        abort(); /* a refusal always says why */

    struct csm_netcfg *nc = xcalloc(1, sizeof(*nc));
    csm_netcfg_parse(nc, CSM_NET_NETPLAN, "/etc/netplan/fuzz.yaml", text);
    csm_netcfg_free(nc);

    struct csm_cloudinit *ci = xcalloc(1, sizeof(*ci));
    csm_cloudinit_parse(text, "/etc/cloud/cloud.cfg", ci);
    csm_cloudinit_parse(text, "/etc/cloud/cloud.cfg.d/99.cfg", ci);
    csm_cloudinit_free(ci);
    free(text);
    return 0;
}
