/* The online agent's user.json, as --agent-config reads it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts/facts.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1); /* NUL bytes inside stay: a file may hold them */
    memcpy(text, data, size);
    text[size] = '\0';
    struct csm_agent_config *ac = xcalloc(1, sizeof(*ac));
    ac->path = xstrdup("user.json");
    csm_agent_config_parse(ac, text, size);
    csm_agent_config_free(ac);
    free(text);
    return 0;
}
