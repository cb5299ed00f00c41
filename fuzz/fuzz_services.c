/* The readers of service and boot configuration: sshd_config (whose
 * Includes return the same text again), dracut.conf, lvm.conf with its
 * filters judged, and LVM's devices file. The first byte picks. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/dracutconf.h"
#include "lib/lvmconf.h"
#include "lib/sshdconf.h"
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
    switch (data[0] % 4) {
    case 0: {
        struct csm_sshd_config c = { 0 };
        again = text;
        csm_sshd_parse(&c, "/etc/ssh/sshd_config", text, include_again, NULL);
        const struct csm_sshd_directive *cond;
        csm_sshd_effective(&c, "permitrootlogin", "root", &cond);
        csm_sshd_effective(&c, "passwordauthentication", NULL, &cond);
        csm_sshd_clear(&c);
        break;
    }
    case 1: {
        struct csm_dracut_conf c = { 0 };
        csm_dracut_conf_parse(&c, "/etc/dracut.conf", text);
        const struct csm_dracut_word *why;
        csm_dracut_driver(&c, "virtio_blk", &why);
        csm_dracut_yes(&c, "hostonly");
        csm_dracut_conf_clear(&c);
        break;
    }
    case 2: {
        struct csm_lvmconf c = { 0 };
        csm_lvmconf_parse(text, &c);
        const struct csm_lvm_setting *f = csm_lvmconf_get(&c, "devices/filter");
        char *names[] = { "/dev/vda2", "/dev/disk/by-uuid/0f1e2d3c", NULL };
        size_t which;
        if (f && strv_length(f->values) <= 16)
            csm_lvm_filter_eval(f->values, names, &which);
        csm_lvmconf_clear(&c);
        break;
    }
    default: {
        struct csm_lvm_devices d = { 0 };
        csm_lvm_devices_parse(text, &d);
        csm_lvm_devices_clear(&d);
        break;
    }
    }
    free(text);
    return 0;
}
