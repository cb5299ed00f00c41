/* The JSON report (report/report.schema.json): what a migration daemon
 * gates on and an auditor archives. Fields are added, never renamed. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "checks/checks.h"
#include "lib/digest.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "policy/waivers.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *strv_array(char *const *v)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; v && v[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static cJSON *evidence_json(const struct csm_evidence *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", e->label);
    cJSON_AddStringToObject(o, "value", e->value);
    if (e->source)
        cJSON_AddStringToObject(o, "source", e->source);
    if (e->note)
        cJSON_AddStringToObject(o, "note", e->note);
    cJSON_AddBoolToObject(o, "problem", e->problem);
    return o;
}

static cJSON *waiver_json(const struct csm_waiver *w)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "id", str_or_null(w->id));
    cJSON_AddItemToObject(o, "host", str_or_null(w->host));
    cJSON_AddItemToObject(o, "reason", str_or_null(w->reason));
    cJSON_AddItemToObject(o, "approved_by", str_or_null(w->approved_by));
    cJSON_AddItemToObject(o, "expires", str_or_null(w->expires));
    cJSON_AddStringToObject(o, "source", w->source);
    return o;
}

static cJSON *result_json(const struct csm_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->check->id);
    cJSON_AddStringToObject(o, "status", csm_status_name(r->status));
    cJSON_AddItemToObject(o, "outcome", str_or_null(r->outcome));
    cJSON_AddStringToObject(o, "severity", csm_severity_name(r->severity));
    cJSON_AddStringToObject(o, "title", r->title);
    cJSON_AddStringToObject(o, "message", r->message);
    if (r->reason)
        cJSON_AddStringToObject(o, "reason", r->reason);
    cJSON *ev = cJSON_AddArrayToObject(o, "evidence");
    for (size_t i = 0; i < r->n_evidence; i++)
        cJSON_AddItemToArray(ev, evidence_json(r->evidence[i]));
    cJSON *rem = cJSON_AddObjectToObject(o, "remediation");
    cJSON_AddItemToObject(rem, "hint", str_or_null(r->hint));
    cJSON_AddItemToObject(rem, "commands", strv_array(r->commands));
    cJSON_AddItemToObject(o, "references", strv_array(r->references));
    if (r->waiver) {
        cJSON_AddStringToObject(o, "waived_status", csm_status_name(r->waived_status));
        cJSON_AddItemToObject(o, "waiver", waiver_json(r->waiver));
    }
    return o;
}

/* An image's plan: what it holds, what its import lacks to boot. */
static void plan_image_json(cJSON *o, const struct csm_plan *p)
{
    cJSON *holds = cJSON_AddObjectToObject(o, "holds");
    cJSON_AddBoolToObject(holds, "mbr_signature", p->mbr_signature);
    cJSON_AddBoolToObject(holds, "boot_code", p->boot_code);
    cJSON *mounts = cJSON_AddArrayToObject(holds, "mounts");
    for (size_t i = 0; i < p->n_holds; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "mount", p->holds[i].mount);
        cJSON_AddNumberToObject(j, "partition", (double)p->holds[i].partno);
        cJSON_AddStringToObject(j, "where", p->holds[i].where);
        cJSON_AddItemToObject(j, "fstype", str_or_null(p->holds[i].fstype));
        cJSON_AddItemToArray(mounts, j);
    }
    cJSON *missing = cJSON_AddArrayToObject(o, "missing");
    for (size_t i = 0; i < p->n_missing; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "item", p->missing[i].item);
        cJSON_AddItemToObject(j, "mount", str_or_null(p->missing[i].mount));
        cJSON_AddStringToObject(j, "message", p->missing[i].message);
        cJSON_AddItemToArray(missing, j);
    }
    cJSON_AddItemToObject(o, "guest_reason", str_or_null(p->guest_reason));
}

static cJSON *plan_json(const struct csm_plan *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "available", p->available);
    cJSON_AddStringToObject(o, "kind", p->kind == CSM_PLAN_IMAGE ? "image" : "export");
    if (!p->available) {
        cJSON_AddStringToObject(o, "reason", p->reason ? p->reason : "unknown");
        return o;
    }
    cJSON *disk = cJSON_AddObjectToObject(o, "system_disk");
    cJSON_AddStringToObject(disk, "path", p->disk);
    cJSON_AddNumberToObject(disk, "size_bytes", (double)p->disk_bytes);
    cJSON_AddNumberToObject(disk, "sector_size", (double)p->sector_size);
    cJSON_AddItemToObject(disk, "label", str_or_null(p->label));

    cJSON *parts = cJSON_AddArrayToObject(o, "partitions");
    for (size_t i = 0; i < p->n_parts; i++) {
        const struct csm_plan_part *pp = &p->parts[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "number", (double)pp->partno);
        cJSON_AddItemToObject(j, "device", str_or_null(pp->device));
        cJSON_AddNumberToObject(j, "start_sector", (double)pp->start);
        cJSON_AddNumberToObject(j, "end_sector", (double)pp->end);
        cJSON_AddNumberToObject(j, "size_bytes", (double)pp->bytes);
        cJSON_AddItemToObject(j, "type", str_or_null(pp->type));
        cJSON_AddItemToObject(j, "fstype", str_or_null(pp->fstype));
        cJSON_AddItemToObject(j, "uuid", str_or_null(pp->uuid));
        cJSON_AddItemToObject(j, "mount", str_or_null(pp->mount));
        cJSON_AddBoolToObject(j, "required", pp->required);
        cJSON_AddStringToObject(j, "why", pp->why);
        cJSON_AddItemToArray(parts, j);
    }
    cJSON *copy = cJSON_AddObjectToObject(o, "copy");
    cJSON_AddStringToObject(copy, "mode", p->whole ? "whole-disk" : "partial");
    if (p->whole_why)
        cJSON_AddStringToObject(copy, "why", p->whole_why);
    cJSON_AddNumberToObject(copy, "last_sector", (double)p->last_sector);
    cJSON_AddNumberToObject(copy, "bytes", (double)p->copy_bytes);
    cJSON_AddNumberToObject(o, "min_target_bytes", (double)p->min_target_bytes);
    cJSON_AddNumberToObject(o, "min_target_gib", (double)p->min_target_gib);
    cJSON_AddItemToObject(o, "commands", strv_array(p->commands));
    cJSON_AddItemToObject(o, "notes", strv_array(p->notes));
    if (p->kind == CSM_PLAN_IMAGE)
        plan_image_json(o, p);
    return o;
}

/* What was changed from the shipped rules, and which risks were accepted. */
static cJSON *policy_json(const struct csm_report *rep)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *ov = cJSON_AddArrayToObject(o, "overrides");
    for (size_t i = 0; i < rep->n_overrides; i++) {
        const struct csm_override *x = &rep->overrides[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", x->id);
        cJSON_AddStringToObject(j, "key", x->key);
        cJSON_AddStringToObject(j, "value", x->value);
        cJSON_AddItemToObject(j, "shipped", str_or_null(x->shipped));
        cJSON_AddStringToObject(j, "source", x->source);
        cJSON_AddItemToArray(ov, j);
    }
    const struct csm_waivers *ws = rep->waivers;
    if (!ws) {
        cJSON_AddNullToObject(o, "waivers");
        return o;
    }
    cJSON *w = cJSON_AddObjectToObject(o, "waivers");
    cJSON_AddStringToObject(w, "file", ws->path);
    cJSON_AddStringToObject(w, "sha256", ws->sha256);
    cJSON *applied = cJSON_AddArrayToObject(w, "applied");
    cJSON *expired = cJSON_AddArrayToObject(w, "expired");
    cJSON *unused = cJSON_AddArrayToObject(w, "unused");
    for (size_t i = 0; i < ws->n; i++) {
        const struct csm_waiver *x = &ws->w[i];
        cJSON_AddItemToArray(x->expired ? expired : x->uses ? applied : unused, waiver_json(x));
    }
    return o;
}

static cJSON *part_json(const struct csm_report_part *p)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "number", (double)p->partno);
    cJSON_AddNumberToObject(j, "start_sector", (double)p->start);
    cJSON_AddNumberToObject(j, "end_sector", (double)p->end);
    cJSON_AddNumberToObject(j, "size_bytes", (double)p->bytes);
    cJSON_AddItemToObject(j, "type", str_or_null(p->type));
    cJSON_AddItemToObject(j, "type_code", str_or_null(p->type_code));
    cJSON_AddBoolToObject(j, "bootable", p->bootable);
    cJSON_AddItemToObject(j, "fstype", str_or_null(p->fstype));
    cJSON_AddItemToObject(j, "uuid", str_or_null(p->uuid));
    cJSON_AddItemToObject(j, "label", str_or_null(p->label));
    cJSON_AddItemToObject(j, "last_mounted", str_or_null(p->last_mounted));
    cJSON_AddItemToObject(j, "use", str_or_null(p->use));
    cJSON_AddItemToObject(j, "use_why", str_or_null(p->use_why));
    cJSON_AddBoolToObject(j, "past_end", p->past_end);
    return j;
}

static cJSON *image_json(const struct csm_report_image *im)
{
    if (!im)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", im->path);
    cJSON_AddStringToObject(o, "role", im->role);
    cJSON_AddItemToObject(o, "format", str_or_null(im->format));
    cJSON_AddItemToObject(o, "subformat", str_or_null(im->subformat));
    cJSON_AddItemToObject(o, "package", str_or_null(im->package));
    cJSON_AddItemToObject(o, "member", str_or_null(im->member));
    cJSON_AddNumberToObject(o, "file_size", (double)im->file_size);
    cJSON_AddNumberToObject(o, "virtual_size", (double)im->virtual_size);
    cJSON_AddItemToObject(o, "allocated_bytes", im->allocated_known ? cJSON_CreateNumber((double)im->allocated)
                                                                    : cJSON_CreateNull());
    cJSON *g = cJSON_AddObjectToObject(o, "guest");
    cJSON_AddBoolToObject(g, "readable", im->readable);
    if (!im->readable)
        cJSON_AddStringToObject(g, "reason", im->unreadable_why ? im->unreadable_why : "unknown");
    if (!im->readable) {
        cJSON_AddNullToObject(o, "partition_table");
    } else {
        cJSON *t = cJSON_AddObjectToObject(o, "partition_table");
        cJSON_AddItemToObject(t, "label", str_or_null(im->label));
        cJSON_AddItemToObject(t, "disk_id", str_or_null(im->disk_id));
        cJSON_AddBoolToObject(t, "boot_code", im->boot_code);
        cJSON_AddBoolToObject(t, "mbr_signature", im->mbr_signature);
        cJSON_AddItemToObject(t, "whole_disk_fstype", str_or_null(im->whole_fstype));
    }
    cJSON *parts = cJSON_AddArrayToObject(o, "partitions");
    for (size_t i = 0; i < im->n_parts; i++)
        cJSON_AddItemToArray(parts, part_json(&im->parts[i]));
    return o;
}

static cJSON *report_json(const struct csm_report *rep)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "schema_version", CSM_SCHEMA_VERSION);
    cJSON *tool = cJSON_AddObjectToObject(o, "tool");
    cJSON_AddStringToObject(tool, "name", "csm-precheck");
    cJSON_AddStringToObject(tool, "version", CSM_VERSION);
    cJSON_AddStringToObject(o, "generated_at", rep->generated_at);
    cJSON *host = cJSON_AddObjectToObject(o, "host");
    cJSON_AddStringToObject(host, "hostname", rep->hostname);
    cJSON_AddItemToObject(host, "machine_id", str_or_null(rep->machine_id));
    cJSON_AddItemToObject(host, "label", str_or_null(rep->host_label));
    cJSON *target = cJSON_AddObjectToObject(o, "target");
    cJSON_AddStringToObject(target, "mode", rep->mode);
    cJSON_AddStringToObject(target, "root", rep->root);
    cJSON_AddItemToObject(target, "disk", str_or_null(rep->disk));
    cJSON_AddItemToObject(target, "agent_config", str_or_null(rep->agent_config));
    cJSON_AddItemToObject(target, "image", str_or_null(rep->image ? rep->image->path : NULL));
    cJSON_AddItemToObject(target, "role", str_or_null(rep->image ? rep->image->role : NULL));
    cJSON_AddStringToObject(o, "profile", rep->profile);
    cJSON *rules = cJSON_AddObjectToObject(o, "ruleset");
    cJSON_AddStringToObject(rules, "version", rep->ruleset_version);
    cJSON_AddItemToObject(rules, "files", strv_array(rep->rule_files));
    cJSON_AddItemToObject(rules, "file_sha256", strv_array(csm_ruleset_file_digests(rep->rules)));
    cJSON_AddStringToObject(rules, "sha256", csm_ruleset_digest(rep->rules));
    cJSON_AddStringToObject(o, "verdict", csm_verdict_name(rep->verdict));
    cJSON_AddNumberToObject(o, "exit_code", rep->exit_code);

    cJSON *sum = cJSON_AddObjectToObject(o, "summary");
    cJSON_AddNumberToObject(sum, "total", (double)rep->n_results);
    for (int st = CSM_PASS; st < CSM_STATUS_COUNT; st++)
        cJSON_AddNumberToObject(sum, csm_status_name(st), rep->counts[st]);
    cJSON_AddNumberToObject(sum, "blockers", rep->failed_blockers);

    cJSON *results = cJSON_AddArrayToObject(o, "results");
    for (size_t i = 0; i < rep->n_results; i++)
        cJSON_AddItemToArray(results, result_json(&rep->results[i]));
    cJSON_AddItemToObject(o, "plan", plan_json(&rep->plan));
    cJSON_AddItemToObject(o, "policy", policy_json(rep));
    cJSON_AddItemToObject(o, "image", image_json(rep->image));
    return o;
}

char *csm_report_json_digest(cJSON *report)
{
    char *canon = cJSON_PrintUnformatted(report);
    if (!canon)
        return NULL;
    char *hex = csm_sha256_hex(canon, strlen(canon));
    free(canon);
    return hex;
}

/* The signature covers the report without its "signature" and "digest"
 * members, in the same canonical form as the digest; the digest then
 * covers the signature too. */
static int add_signature(cJSON *o, const struct csm_key *k)
{
    char *canon = cJSON_PrintUnformatted(o);
    char *sig = canon ? csm_key_sign(k, canon, strlen(canon)) : NULL;
    free(canon);
    if (!sig)
        return -ENOMEM;
    cJSON *s = cJSON_AddObjectToObject(o, "signature");
    cJSON_AddStringToObject(s, "algorithm", "ed25519");
    cJSON_AddStringToObject(s, "canonical", CSM_DIGEST_CANON);
    cJSON_AddStringToObject(s, "key_fingerprint", csm_key_fingerprint(k));
    cJSON_AddStringToObject(s, "public_key", csm_key_public_base64(k));
    cJSON_AddStringToObject(s, "value", sig);
    free(sig);
    return 0;
}

int csm_report_write_json(const struct csm_report *rep, FILE *f, const struct csm_render_opts *opts)
{
    (void)opts;
    if (!csm_ruleset_digest(rep->rules))
        return -ELIBACC; /* no digests without libcrypto: no verifiable report */
    cJSON *o = report_json(rep);
    if (rep->signer && add_signature(o, rep->signer) < 0) {
        cJSON_Delete(o);
        return -ENOMEM;
    }
    char *hex = csm_report_json_digest(o);
    if (!hex) {
        cJSON_Delete(o);
        return -ELIBACC;
    }
    cJSON *d = cJSON_AddObjectToObject(o, "digest");
    cJSON_AddStringToObject(d, "algorithm", "sha256");
    cJSON_AddStringToObject(d, "canonical", CSM_DIGEST_CANON);
    cJSON_AddStringToObject(d, "value", hex);
    free(hex);
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    if (!s)
        return -ENOMEM;
    int r = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -EIO : 0;
    free(s);
    return r;
}
