/* YAML as netplan and cloud-init read it, parsed by libyaml: every key and
 * every scalar item is reported with the path of keys above it and its
 * line, in document order. Block scalars, flow collections, anchors and
 * aliases are YAML's own; an alias is followed as if its node were written
 * again. A text that is not YAML is refused as a whole, the way netplan and
 * cloud-init refuse it.
 *
 * The input is untrusted, so everything is bounded: its size, the nesting,
 * the nodes loaded, the anchors, and the nodes reported once aliases are
 * followed (an alias of an alias of ... would otherwise grow
 * exponentially). Loading is iterative: no recursion follows the input's
 * nesting past the depth cap. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CSM_YAML_MAX_BYTES (4u << 20)
#define CSM_YAML_MAX_DEPTH 64        /* collections inside each other */
#define CSM_YAML_MAX_NODES 200000u   /* nodes loaded */
#define CSM_YAML_MAX_VISITS 1000000u /* nodes reported, aliases followed */
#define CSM_YAML_MAX_ANCHORS 256

enum csm_yaml_kind { CSM_YAML_SCALAR, CSM_YAML_SEQUENCE, CSM_YAML_MAPPING };

struct csm_yaml_node {
    unsigned line;
    size_t depth;            /* keys in path */
    const char *const *path; /* from the top: "network", "ethernets", "eth0", "dhcp4"; then NULL */
    enum csm_yaml_kind kind; /* of the value: a collection's contents follow as nodes of their own */
    const char *value;       /* the scalar; "" for a collection */
    bool item;               /* an element of the sequence at path (scalars only) */
};

/* Returns nonzero to stop the scan. */
typedef int (*csm_yaml_fn)(const struct csm_yaml_node *n, void *data);

struct csm_yaml_error {
    unsigned line;   /* 1-based; 0 when the problem has no place */
    char what[160];  /* libyaml's problem, or which cap was passed */
};

/* Scans a NUL-terminated text, every document in it. Returns 0; -EBADMSG
 * when it is not YAML, -E2BIG past a cap (err, when given, says where and
 * why); nodes reported before the problem was found stay reported (a
 * caller that wants all or nothing waits for the return value). */
int csm_yaml_scan(const char *text, csm_yaml_fn fn, void *data, struct csm_yaml_error *err);

/* YAML 1.1 booleans as netplan and cloud-init read them. */
bool csm_yaml_true(const char *value);
bool csm_yaml_path_is(const struct csm_yaml_node *n, size_t depth, ...);
