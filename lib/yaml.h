/* A tolerant, line-oriented reader of the YAML subset that configuration
 * files are written in (netplan, cloud-init). The project has no YAML
 * library, and the checks need a few keys only: this reader follows block
 * mappings and sequences by indentation, one level of flow mappings
 * ("match: {macaddress: ...}") and flow sequences ("[a, b]", also across
 * lines), skips block scalars (| and >), anchors and tags, and reports each
 * key and each sequence item with the path of keys above it and its line.
 * It never fails: what it cannot read is skipped and counted. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CSM_YAML_MAX_DEPTH 32

struct csm_yaml_node {
    unsigned line;
    size_t depth;            /* keys in path */
    const char *const *path; /* from the top: "network", "ethernets", "eth0", "dhcp4" */
    const char *value;       /* the scalar, unquoted; "[a, b]" kept as written; "" when a block follows */
    bool item;               /* "- value": an element of the sequence at path */
};

/* Returns nonzero to stop the scan. */
typedef int (*csm_yaml_fn)(const struct csm_yaml_node *n, void *data);

/* Scans a NUL-terminated text. Returns the number of lines skipped as
 * unreadable (tabs for indentation, unterminated flow collections, depth
 * past CSM_YAML_MAX_DEPTH). */
unsigned csm_yaml_scan(const char *text, csm_yaml_fn fn, void *data);

/* The items of a flow sequence "[a, 'b', "c"]", unquoted; NULL when value
 * is not one. */
char **csm_yaml_flow_list(const char *value);

/* YAML 1.1 booleans as netplan and cloud-init read them. */
bool csm_yaml_true(const char *value);
bool csm_yaml_path_is(const struct csm_yaml_node *n, size_t depth, ...);
