/* The firewall readers: firewalld zone and service XML, iptables-save,
 * ufw's tuples, nftables (whose includes return the same text again, to
 * hold the nesting and size budgets). The first byte picks the format;
 * each text is then judged for port 22. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/firewall.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *again;

static int include_again(void *data, const char *pattern, char ***paths, char ***texts)
{
    (void)data;
    strv_push(paths, xstrdup(pattern));
    strv_push(texts, xstrdup(again));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = xstrndup((const char *)data + 1, size - 1);
    struct csm_fw_decision d = { 0 };
    switch (data[0] % 5) {
    case 0: {
        struct csm_fw_zone z;
        char *why = NULL;
        if (csm_fw_zone_parse(text, &z, &why) == 0) {
            csm_fw_zone_decide(&z, "/etc/firewalld/zones/public.xml", 22, NULL, NULL, &d);
            csm_fw_zone_clear(&z);
        }
        free(why);
        break;
    }
    case 1: {
        char **ports = NULL;
        csm_fw_service_parse(text, &ports);
        strv_free(ports);
        break;
    }
    case 2: {
        struct csm_ipt *t = NULL;
        csm_ipt_parse(&t, "/etc/sysconfig/iptables", text);
        csm_ipt_decide(t, "INPUT", 22, &d);
        csm_ipt_free(t);
        break;
    }
    case 3: {
        struct csm_ufw_rule *r = NULL;
        size_t n = 0;
        csm_ufw_parse(text, &r, &n);
        csm_ufw_decide(r, n, "/etc/ufw/user.rules", "DROP", "/etc/default/ufw:1", 22, &d);
        csm_ufw_free(r, n);
        break;
    }
    default: {
        struct csm_nft *n = NULL;
        again = text;
        csm_nft_parse(&n, "/etc/nftables.conf", text, include_again, NULL);
        csm_nft_decide(n, 22, &d);
        csm_nft_free(n);
        break;
    }
    }
    csm_fw_decision_clear(&d);
    free(text);
    return 0;
}
