/* csm-precheck: is this Linux system ready to be imaged and moved into a
 * cloud? The command line; everything else lives in the library. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <sys/ioctl.h>
#include <sys/stat.h>

#include "checks/checks.h"
#include "lib/dl.h"
#include "tool/exitcodes.h"
#include "lib/kv.h"
#include "report/checklist.h"
#include "report/report.h"
#include "report/rollup.h"
#include "policy/rules.h"
#include "checks/scan.h"
#include "lib/sign.h"
#include "lib/util.h"
#include "policy/waivers.h"

/* The exit code of each verdict (enum csm_verdict), which the reports record. */
static const csm_verdict_codes verdict_codes = {
    [CSM_VERDICT_READY] = CSM_EXIT_READY,
    [CSM_VERDICT_WARNINGS] = CSM_EXIT_WARNINGS,
    [CSM_VERDICT_BLOCKED] = CSM_EXIT_BLOCKED,
    [CSM_VERDICT_INCOMPLETE] = CSM_EXIT_INCOMPLETE,
};

struct cli {
    struct csm_scan_options scan;
    const char *profile;
    const char *rules_dir;
    bool no_site_rules;
    const char *format;
    const char *waivers;
    const char *sign_key;
    char **outputs;
    int color;  /* -1 auto, 0 never, 1 always */
    int detail; /* -1 quiet, 0, 1 verbose */
    bool list_checks;
    bool role_given;
};

static void usage(FILE *f)
{
    fputs("Usage: csm-precheck [scan] [OPTIONS]\n"
          "       csm-precheck verify [--key PUB.pem] [--format text|json] REPORT.json...\n"
          "       csm-precheck diff [--format text|json] OLD.json NEW.json\n"
          "       csm-precheck rollup [OPTIONS] DIR|REPORT.json...\n"
          "\n"
          "Checks whether a Linux system is ready to be imaged and migrated to a cloud:\n"
          "partition table, boot mode, grub root=, fstab, /etc/shadow, disk layout and size,\n"
          "kernel and initramfs drivers, guest tools, cloud-init, network configuration,\n"
          "SELinux, rsync and data disks. Without --root it scans the running system (as\n"
          "root). With --image it checks an exported image file before its upload instead.\n"
          "\n"
          "Target:\n"
          "  -r, --root DIR              scan the system tree under DIR instead; nothing outside\n"
          "                              DIR is read\n"
          "  -d, --disk PATH             the block device or raw image file that holds --root's\n"
          "                              tree, for the disk checks and the migration plan\n"
          "  -t, --target-disk-size SIZE size of the target disk (50G, 53687091200, 1.5TiB): the\n"
          "                              system disk, or with --role data the data disk\n"
          "  -i, --image FILE            check an image file before its upload: qcow2, vhd, vmdk\n"
          "                              or raw, or a tar/tar.gz/gz package of one; its format,\n"
          "                              metadata, size, partition table, filesystems and what\n"
          "                              it needs to boot. Reads only the file (and a vmdk\n"
          "                              descriptor's extent files beside it), never writes it\n"
          "      --role ROLE             what the image becomes: system (default), the\n"
          "                              instance's system disk, which must boot; or data, a\n"
          "                              block-storage data disk\n"
          "      --file-only             check the image file alone (format, integrity, size,\n"
          "                              partition table, filesystems), not the system inside it\n"
          "      --quick                 read a tar/tar.gz/gz package only up to 1 GiB of\n"
          "                              inflated data instead of to its end: its checksums and\n"
          "                              its end are then not verified (a warning)\n"
          "      --agent-config FILE     the online migration agent's user.json: its DataDisks must\n"
          "                              list every data disk (read on this host, not under --root;\n"
          "                              not with --image)\n"
          "      --host-label NAME       the name the report goes by (in a fleet, in a diff), kept\n"
          "                              beside the hostname the system itself has, if any\n"
          "\n"
          "Rules:\n"
          "  -p, --profile NAME          offline (image import, default) or online (agent)\n"
          "      --rules DIR             apply a site's rule files after the shipped ones:\n"
          "                              DIR/*.rules, then DIR/<profile>/*.rules (default:\n"
          "                              " CSM_SITE_RULES_DIR " when it exists)\n"
          "      --no-site-rules         only the shipped rules, not " CSM_SITE_RULES_DIR "\n"
          "                              (reproducible runs)\n"
          "      --list-checks           print the checks with their severity and exit; with\n"
          "                              --format json, markdown (the README's tables) or man\n"
          "                              (the man page's list)\n"
          "  -w, --waivers FILE          accept the risk of failures listed in FILE (JSON):\n"
          "                              they show as waived and no longer move the verdict\n"
          "\n"
          "Output:\n"
          "  -f, --format FORMAT         text (default), json or html, on standard output\n"
          "  -o, --output FILE           also write the report to FILE, format by extension\n"
          "                              (.txt, .json, .html); written atomically; repeatable\n"
          "  -q, --quiet                 text: only the verdict and the blockers\n"
          "  -v, --verbose               text: also the evidence of what passed\n"
          "      --color[=WHEN]          auto (default: on a terminal), always or never\n"
          "      --sign KEY              sign the JSON report with this Ed25519 private key (PEM,\n"
          "                              as openssl genpkey -algorithm ed25519 writes it)\n"
          "  -h, --help                  show this help\n"
          "  -V, --version               show the version\n"
          "\n"
          "Archives (csm-precheck verify --help, csm-precheck diff --help):\n"
          "  verify REPORT.json...       check each JSON report's digest, its signature (--key\n"
          "                              PUB.pem: signed with that key) and the report against\n"
          "                              itself; exit 0 when intact, 1 when a report was changed,\n"
          "                              is inconsistent or not signed by the key, 4 when\n"
          "                              unreadable\n"
          "  diff OLD.json NEW.json      what changed per check between two runs; exit 1 when a\n"
          "                              check newly fails, 0 otherwise, 4 when unreadable\n"
          "  rollup DIR|REPORT.json...   a migration wave: every host's verdict, blockers, plan\n"
          "                              and digest, and per check the hosts that fail it\n"
          "                              (csm-precheck rollup --help)\n"
          "\n"
          "Exit status of a scan:\n"
          "   0  ready: no check failed\n"
          "   1  warnings only\n"
          "   2  blocked: at least one blocker failed\n"
          "   3  incomplete: no blocker failed, but a blocker could not be evaluated\n"
          "   4  operational error: bad rule, waiver or agent config file, unreadable\n"
          "      --root, --disk or --image, a library that cannot be loaded, unwritable\n"
          "      output\n"
          "  64  usage error\n",
          f);
}

/* The subcommand whose --help a usage error points to ("" for a scan). */
static const char *help_for = "";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "csm-precheck: %s%s", help_for, *help_for ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'csm-precheck %s%s--help' for more information.\n", help_for, *help_for ? " " : "");
    va_end(ap);
    return CSM_EXIT_USAGE;
}

/* A label is printed in reports and matched by waivers: one line of
 * printable ASCII, without spaces at its ends. */
static bool label_ok(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return n && n <= 128 && s[0] != ' ' && s[n - 1] != ' ';
}

/* A progress line on a terminal's stderr, redrawn a few times a second and
 * wiped at the end: nothing of it reaches a report. */
static void show_progress(const char *what, uint64_t done, uint64_t total)
{
    static struct timespec last;
    static int shown;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (done >= total) {
        if (shown)
            fprintf(stderr, "\r%*s\r", shown, "");
        shown = 0;
        return;
    }
    if (shown && (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 < 250)
        return;
    last = now;
    char a[32], b[32];
    int n = fprintf(stderr, "\rcsm-precheck: verifying %s: %s of %s (%d%%)", what, csm_format_size(done, a, sizeof(a)),
                    csm_format_size(total, b, sizeof(b)), (int)(total ? done * 100 / total : 0));
    if (n - 1 < shown)
        fprintf(stderr, "%*s", shown - (n - 1), "");
    shown = n - 1 > shown ? n - 1 : shown;
    fflush(stderr);
}

static int parse_args(int argc, char **argv, struct cli *cli)
{
    enum { OPT_RULES = 256, OPT_LIST_CHECKS, OPT_COLOR, OPT_AGENT_CONFIG, OPT_ROLE, OPT_HOST_LABEL, OPT_SIGN,
           OPT_NO_SITE_RULES, OPT_QUICK, OPT_FILE_ONLY };
    cli->detail = 0;
    static const struct option longopts[] = {
        { "root", required_argument, NULL, 'r' },
        { "disk", required_argument, NULL, 'd' },
        { "target-disk-size", required_argument, NULL, 't' },
        { "agent-config", required_argument, NULL, OPT_AGENT_CONFIG },
        { "image", required_argument, NULL, 'i' },
        { "role", required_argument, NULL, OPT_ROLE },
        { "host-label", required_argument, NULL, OPT_HOST_LABEL },
        { "sign", required_argument, NULL, OPT_SIGN },
        { "quick", no_argument, NULL, OPT_QUICK },
        { "file-only", no_argument, NULL, OPT_FILE_ONLY },
        { "profile", required_argument, NULL, 'p' },
        { "rules", required_argument, NULL, OPT_RULES },
        { "no-site-rules", no_argument, NULL, OPT_NO_SITE_RULES },
        { "list-checks", no_argument, NULL, OPT_LIST_CHECKS },
        { "waivers", required_argument, NULL, 'w' },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "color", optional_argument, NULL, OPT_COLOR },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { 0 },
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:d:t:i:p:f:o:w:qvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            cli->scan.root = optarg;
            break;
        case 'd':
            cli->scan.disk = optarg;
            break;
        case 't':
            if (csm_parse_size(optarg, &cli->scan.target_disk_size) < 0 || !cli->scan.target_disk_size)
                return usage_error("--target-disk-size: invalid size '%s' (examples: 50G, 53687091200, 1.5TiB)",
                                   optarg);
            break;
        case 'i':
            cli->scan.image = optarg;
            break;
        case OPT_ROLE:
            if (streq(optarg, "system"))
                cli->scan.role = CSM_ROLE_SYSTEM;
            else if (streq(optarg, "data"))
                cli->scan.role = CSM_ROLE_DATA;
            else
                return usage_error("--role: expected system or data, not '%s'", optarg);
            cli->role_given = true;
            break;
        case OPT_QUICK:
            cli->scan.quick = true;
            break;
        case OPT_FILE_ONLY:
            cli->scan.file_only = true;
            break;
        case 'p':
            cli->profile = optarg;
            break;
        case OPT_AGENT_CONFIG:
            cli->scan.agent_config = optarg;
            break;
        case OPT_HOST_LABEL:
            if (!label_ok(optarg))
                return usage_error("--host-label: '%s' is not a label (1 to 128 printable ASCII characters)", optarg);
            cli->scan.host_label = optarg;
            break;
        case OPT_SIGN:
            cli->sign_key = optarg;
            break;
        case OPT_RULES:
            cli->rules_dir = optarg;
            break;
        case OPT_NO_SITE_RULES:
            cli->no_site_rules = true;
            break;
        case OPT_LIST_CHECKS:
            cli->list_checks = true;
            break;
        case 'w':
            cli->waivers = optarg;
            break;
        case 'q':
            cli->detail = -1;
            break;
        case 'v':
            cli->detail = 1;
            break;
        case 'f':
            if (!csm_renderer_find(optarg) && !csm_checklist_renderer_find(optarg))
                return usage_error("--format: unknown format '%s' (expected %s)", optarg, csm_renderer_names());
            cli->format = optarg;
            break;
        case 'o':
            if (!csm_renderer_for_file(optarg))
                return usage_error("--output %s: the file name must end in .txt, .json or .html", optarg);
            strv_push(&cli->outputs, xstrdup(optarg));
            break;
        case OPT_COLOR:
            if (!optarg || streq(optarg, "auto"))
                cli->color = -1;
            else if (streq(optarg, "always"))
                cli->color = 1;
            else if (streq(optarg, "never"))
                cli->color = 0;
            else
                return usage_error("--color: expected auto, always or never, not '%s'", optarg);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("csm-precheck %s\n", CSM_VERSION);
            exit(0);
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (cli->scan.image && (cli->scan.root || cli->scan.disk))
        return usage_error("--image checks an image file; it does not go with --root or --disk");
    if (cli->scan.image && cli->scan.agent_config)
        return usage_error("--agent-config goes with a scan of a system (live or --root): an image file has no "
                           "mounts to compare with DataDisks");
    if (cli->role_given && !cli->scan.image)
        return usage_error("--role goes with --image");
    if (cli->scan.quick && !cli->scan.image)
        return usage_error("--quick goes with --image");
    if (cli->scan.file_only && !cli->scan.image)
        return usage_error("--file-only goes with --image");
    if (isatty(STDERR_FILENO))
        cli->scan.progress = show_progress;
    if (cli->scan.disk && !cli->scan.root)
        return usage_error("--disk goes with --root; a live scan finds its own disk");
    if (cli->format && !csm_renderer_find(cli->format) && !cli->list_checks)
        return usage_error("--format %s goes with --list-checks (the documents' check tables)", cli->format);
    bool json = cli->format && streq(cli->format, "json");
    for (size_t i = 0; cli->outputs && cli->outputs[i]; i++)
        json |= endswith(cli->outputs[i], ".json");
    if (cli->sign_key && !json && !cli->list_checks)
        return usage_error("--sign signs the JSON report: add --format json or -o FILE.json");
    return 0;
}

static void report_rule_error(const char *file, unsigned line, unsigned col, const char *msg, void *data)
{
    (void)data;
    if (line && col)
        fprintf(stderr, "%s:%u:%u: error: %s\n", file, line, col, msg);
    else if (line)
        fprintf(stderr, "%s:%u: error: %s\n", file, line, msg);
    else
        fprintf(stderr, "%s: error: %s\n", file, msg);
}

/* The site's rule directory: --rules DIR, else the default one when it
 * exists (an unreadable one is an error, not silently skipped). */
static const char *site_rules_dir(const struct cli *cli)
{
    struct stat st;
    if (cli->rules_dir)
        return cli->rules_dir;
    if (cli->no_site_rules || (stat(CSM_SITE_RULES_DIR, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)))
        return NULL;
    return CSM_SITE_RULES_DIR;
}

static int load_rules(const struct cli *cli, struct csm_ruleset **rs)
{
    const char *site = site_rules_dir(cli);
    _cleanup_strv_ char **names = csm_ruleset_profiles(site);
    if (!strv_contains(names, cli->profile)) {
        _cleanup_free_ char *list = strv_join(names, ", ");
        fprintf(stderr, "csm-precheck: --profile: unknown profile '%s' (known: %s)\n", cli->profile, list);
        return CSM_EXIT_USAGE;
    }
    size_t n;
    struct csm_rules_section *sec = csm_checks_sections(&n);
    int r = csm_ruleset_load(sec, n, cli->profile, site, report_rule_error, NULL, rs);
    free(sec);
    if (r < 0) {
        if (r != -EINVAL)
            fprintf(stderr, "csm-precheck: %s%s: %s\n", cli->rules_dir ? "--rules " : "", site, csm_strerror(r));
        fprintf(stderr, "csm-precheck: the rules were refused; nothing was checked\n");
        return CSM_EXIT_OPERATIONAL;
    }
    return 0;
}

/* Each shipped profile's own rules, for the documents' columns. */
static int load_shipped(struct csm_ruleset ***out, size_t *n)
{
    _cleanup_strv_ char **names = csm_ruleset_profiles(NULL);
    size_t n_sec;
    struct csm_rules_section *sec = csm_checks_sections(&n_sec);
    int code = 0;
    *n = 0;
    *out = xcalloc(strv_length(names) + 1, sizeof(**out));
    for (size_t i = 0; names[i] && !code; i++) {
        if (csm_ruleset_load(sec, n_sec, names[i], NULL, report_rule_error, NULL, &(*out)[*n]) < 0) {
            fprintf(stderr, "csm-precheck: the shipped rules of profile %s were refused\n", names[i]);
            code = CSM_EXIT_OPERATIONAL;
        } else {
            ++*n;
        }
    }
    free(sec);
    return code;
}

static int list_checks(const struct cli *cli, const struct csm_ruleset *rs)
{
    const struct csm_checklist_renderer *r = csm_checklist_renderer_find(cli->format ? cli->format : "text");
    struct csm_checklist cl = { .rules = rs };
    struct csm_ruleset **shipped = NULL;
    int code = 0;
    if (!r) /* a scan's format (html): the text table */
        r = csm_checklist_renderer_find("text");
    if (r->shipped)
        code = load_shipped(&shipped, &cl.n_shipped);
    cl.shipped = (const struct csm_ruleset *const *)shipped;
    if (!code)
        r->write(&cl, stdout);
    for (size_t i = 0; i < cl.n_shipped; i++)
        csm_ruleset_free(shipped[i]);
    free(shipped);
    return code;
}

/* What standard output can show: colour and Unicode marks on a capable
 * terminal only (NO_COLOR and TERM=dumb are respected), wrapped at its width. */
static struct csm_render_opts stdout_opts(const struct cli *cli)
{
    const char *term = getenv("TERM");
    bool tty = isatty(STDOUT_FILENO) && !(term && streq(term, "dumb"));
    const char *ctype = getenv("LC_ALL") ? getenv("LC_ALL") : getenv("LC_CTYPE") ? getenv("LC_CTYPE") : getenv("LANG");
    bool utf8 = ctype && (strcasestr(ctype, "utf-8") || strcasestr(ctype, "utf8"));
    struct winsize ws;
    const char *cols = getenv("COLUMNS");
    int width = 80;
    if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        width = ws.ws_col;
    else if (cols && atoi(cols) > 0)
        width = atoi(cols);
    return (struct csm_render_opts){
        .color = cli->color >= 0 ? cli->color : tty && !getenv("NO_COLOR"),
        .unicode = tty && utf8,
        .width = width,
        .detail = cli->detail,
    };
}

static bool is_check_id(const char *id)
{
    return csm_check_find(id) != NULL;
}

static int load_waivers(const struct cli *cli, struct csm_waivers **ws)
{
    char today[11];
    if (!cli->waivers)
        return 0;
    int r = csm_waivers_load(cli->waivers, csm_today(today), is_check_id, report_rule_error, NULL, ws);
    if (r == -EINVAL) {
        fprintf(stderr, "csm-precheck: the waivers were refused; nothing was checked\n");
        return CSM_EXIT_OPERATIONAL;
    }
    if (r < 0) {
        fprintf(stderr, "csm-precheck: --waivers %s: %s\n", cli->waivers,
                r == -ELIBACC && csm_dl_error() ? csm_dl_error() : csm_strerror(r));
        return CSM_EXIT_OPERATIONAL;
    }
    return 0;
}

static int load_key(const char *option, const char *path, bool private, struct csm_key **key)
{
    const char *why = NULL;
    int r = private ? csm_key_load_private(path, key, &why) : csm_key_load_public(path, key, &why);
    if (r < 0) {
        fprintf(stderr, "csm-precheck: %s %s: %s\n", option, path, why ? why : csm_strerror(r));
        return CSM_EXIT_OPERATIONAL;
    }
    return 0;
}

static int scan(const struct cli *cli, const struct csm_ruleset *rs)
{
    struct csm_waivers *ws = NULL;
    struct csm_key *key = NULL;
    int code = cli->sign_key ? load_key("--sign", cli->sign_key, true, &key) : 0;
    if (!code)
        code = load_waivers(cli, &ws);
    if (code) {
        csm_key_free(key);
        return code;
    }
    struct csm_scan s;
    int r = csm_scan_init(&s, &cli->scan, rs);
    if (r < 0) {
        fprintf(stderr, "csm-precheck: %s\n", s.error ? s.error : csm_strerror(r));
        free(s.error);
        csm_waivers_free(ws);
        csm_key_free(key);
        return CSM_EXIT_OPERATIONAL;
    }
    struct csm_report rep;
    csm_report_build(&rep, &s, ws);
    rep.signer = key;
    rep.exit_code = code = verdict_codes[rep.verdict];

    for (size_t i = 0; cli->outputs && cli->outputs[i]; i++) {
        r = csm_report_save(&rep, csm_renderer_for_file(cli->outputs[i]), cli->outputs[i]);
        if (r < 0) {
            fprintf(stderr, "csm-precheck: --output %s: %s\n", cli->outputs[i], csm_strerror(r));
            code = CSM_EXIT_OPERATIONAL;
        }
    }
    struct csm_render_opts o = stdout_opts(cli);
    const struct csm_renderer *out = csm_renderer_find(cli->format ? cli->format : "text");
    r = out->write(&rep, stdout, &o);
    if (r == 0 && fflush(stdout) != 0)
        r = -errno;
    if (r < 0) {
        fprintf(stderr, "csm-precheck: the report cannot be written: %s\n", csm_strerror(r));
        code = CSM_EXIT_OPERATIONAL;
    }
    /* A library that could not be loaded (file descriptors used up, a
     * broken installation) left something unchecked or unwritten. */
    if (csm_dl_error()) {
        fprintf(stderr, "csm-precheck: %s\n", csm_dl_error());
        code = CSM_EXIT_OPERATIONAL;
    }

    csm_report_clear(&rep);
    csm_scan_done(&s);
    csm_waivers_free(ws);
    csm_key_free(key);
    return code;
}

static int cmd_scan(int argc, char **argv)
{
    struct cli cli = { .profile = "offline", .color = -1 };
    int code = parse_args(argc, argv, &cli);
    struct csm_ruleset *rs = NULL;

    if (code == 0)
        code = load_rules(&cli, &rs);
    if (code == 0)
        code = cli.list_checks ? list_checks(&cli, rs) : scan(&cli, rs);
    csm_ruleset_free(rs);
    strv_free(cli.outputs);
    return code;
}

static void usage_verify(FILE *f)
{
    fputs("Usage: csm-precheck verify [OPTIONS] REPORT.json...\n"
          "\n"
          "Checks archived JSON reports: each one's SHA-256 digest (an accidental change), its\n"
          "Ed25519 signature (who wrote it, and that nothing changed since), and the report\n"
          "against itself: the summary, the verdict and the exit code against the results, the\n"
          "waivers against the results they waive.\n"
          "\n"
          "  -k, --key PUB.pem           the public key the reports must be signed with (PEM, as\n"
          "                              openssl pkey -pubout writes it)\n"
          "  -f, --format FORMAT         text (default) or json\n"
          "  -h, --help                  show this help\n"
          "\n"
          "Exit status:\n"
          "   0  every report is intact and consistent (and signed with --key's key)\n"
          "   1  a report was changed, is inconsistent, or is not signed with --key's key\n"
          "   4  a report cannot be read or has no digest; --key cannot be read\n"
          "  64  usage error\n",
          f);
}

static void usage_diff(FILE *f)
{
    fputs("Usage: csm-precheck diff [OPTIONS] OLD.json NEW.json\n"
          "\n"
          "What changed per check between two runs of the same system: fixed, newly-failing,\n"
          "still-failing, severity-changed, waived, waiver-lapsed, status-changed, added,\n"
          "removed.\n"
          "\n"
          "  -f, --format FORMAT         text (default) or json\n"
          "  -h, --help                  show this help\n"
          "\n"
          "Exit status:\n"
          "   0  no check newly fails\n"
          "   1  a check newly fails, or its waiver lapsed\n"
          "   4  a report cannot be read\n"
          "  64  usage error\n",
          f);
}

/* The options of verify and diff: --format, --help, and verify's --key.
 * Returns 0, -1 after --help, or the usage error's exit code. */
static int parse_sub_args(int argc, char **argv, void (*help)(FILE *), const char **format, const char **key)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "key", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, key ? ":f:k:h" : ":f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!streq(optarg, "text") && !streq(optarg, "json"))
                return usage_error("--format: expected text or json, not '%s'", optarg);
            *format = optarg;
            break;
        case 'k':
            if (!key)
                return usage_error("unknown option '%s'", argv[optind - 1]);
            *key = optarg;
            break;
        case 'h':
            help(stdout);
            return -1;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

/* verify: each report's verdict in turn, an unreadable one's on stderr;
 * the exit code is the worst. */
static int verify_reports(char *const *paths, const struct csm_key *key, const char *format)
{
    static const int state_codes[] = {
        [CSM_REPORT_INTACT] = CSM_EXIT_READY,
        [CSM_REPORT_CHANGED] = CSM_EXIT_CHANGED,
        [CSM_REPORT_UNREADABLE] = CSM_EXIT_OPERATIONAL,
    };
    struct csm_verify_writer *w = csm_verify_writer_new(format, key, stdout);
    int code = 0;
    for (size_t i = 0; paths[i]; i++) {
        struct csm_report_check v;
        csm_report_check(paths[i], CSM_REPORT_CAP, key, verdict_codes, &v, NULL);
        v.code = state_codes[v.state];
        if (v.error)
            fprintf(stderr, "%s\n", v.error);
        csm_verify_writer_add(w, &v);
        code = v.code > code ? v.code : code;
        csm_report_check_clear(&v);
    }
    csm_verify_writer_finish(w, code);
    return code;
}

static int cmd_verify(int argc, char **argv)
{
    const char *format = "text", *key_path = NULL;
    help_for = "verify";
    int code = parse_sub_args(argc, argv, usage_verify, &format, &key_path);
    if (code)
        return code < 0 ? 0 : code;
    if (optind >= argc)
        return usage_error("name the JSON reports to verify");
    struct csm_key *key = NULL;
    if (key_path && (code = load_key("--key", key_path, false, &key)))
        return code;
    code = verify_reports(argv + optind, key, format);
    csm_key_free(key);
    return code;
}

static int cmd_diff(int argc, char **argv)
{
    const char *format = "text";
    help_for = "diff";
    int code = parse_sub_args(argc, argv, usage_diff, &format, NULL);
    if (code)
        return code < 0 ? 0 : code;
    if (argc - optind != 2)
        return usage_error("name two JSON reports, the older first");
    char *why = NULL;
    int r = csm_report_diff(argv[optind], argv[optind + 1], format, stdout, &why);
    if (r < 0)
        fprintf(stderr, "%s\n", why);
    free(why);
    return r < 0 ? CSM_EXIT_OPERATIONAL : r > 0 ? CSM_EXIT_CHANGED : CSM_EXIT_READY;
}

static void usage_rollup(FILE *f)
{
    fputs("Usage: csm-precheck rollup [OPTIONS] DIR|REPORT.json...\n"
          "\n"
          "The reports of a migration wave in one view. DIR holds a directory per host,\n"
          "DIR/<host>/precheck.json (and precheck.html), as the Ansible collection fetches\n"
          "them; a host is named by its directory (a REPORT.json by its file name), with the\n"
          "hostname and label of its report beside it. Per host: the verdict and exit code,\n"
          "blockers, warnings, errors and waivers, the plan, the tool and rule-set versions,\n"
          "the time, and whether its digest verifies. Per check: how many hosts fail, warn,\n"
          "error or are waived, and which. Flags hosts without a report, unreadable reports,\n"
          "unknown schema versions, tampered or unverifiable reports, stale reports,\n"
          "duplicate machine IDs and hosts that were not expected. Reports are read one at\n"
          "a time.\n"
          "\n"
          "  -e, --expect-hosts FILE     the hosts of the wave, one a line (DIR/hosts.txt): one\n"
          "                              without a report counts as incomplete\n"
          "      --max-age DAYS          flag reports older than DAYS (they count as incomplete)\n"
          "  -f, --format FORMAT         text (default), json, csv or html, on standard output\n"
          "  -o, --output FILE           also write the roll-up to FILE, format by extension\n"
          "                              (.txt, .json, .csv, .html); written atomically;\n"
          "                              repeatable\n"
          "      --per-check             csv: a row per host and check instead of per host\n"
          "  -h, --help                  show this help\n"
          "\n"
          "A report that is missing, unreadable, of an unknown schema major version,\n"
          "tampered with, without a digest or older than --max-age counts as incomplete\n"
          "(or blocked, when it says so).\n"
          "\n"
          "Exit status: the worst verdict of the wave\n"
          "   0  every host is ready\n"
          "   1  warnings at worst\n"
          "   2  a host is blocked\n"
          "   3  a host is incomplete (or has no trustworthy report), none is blocked\n"
          "   4  an input, --expect-hosts or an output file cannot be read or written\n"
          "  64  usage error\n",
          f);
}

static int cmd_rollup(int argc, char **argv)
{
    enum { OPT_MAX_AGE = 256, OPT_PER_CHECK };
    static const struct option longopts[] = {
        { "expect-hosts", required_argument, NULL, 'e' },
        { "max-age", required_argument, NULL, OPT_MAX_AGE },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "per-check", no_argument, NULL, OPT_PER_CHECK },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    struct csm_rollup_options ro = { .max_age_days = -1, .verdict_codes = verdict_codes };
    const char *format = "text";
    _cleanup_strv_ char **outputs = NULL;
    char *end;
    int c;
    help_for = "rollup";
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":e:f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e':
            ro.expect_hosts = optarg;
            break;
        case OPT_MAX_AGE:
            ro.max_age_days = strtod(optarg, &end);
            if (end == optarg || *end || !(ro.max_age_days >= 0 && ro.max_age_days < 1e6))
                return usage_error("--max-age: expected a number of days, not '%s'", optarg);
            break;
        case 'f':
            if (!csm_rollup_renderer_find(optarg))
                return usage_error("--format: expected text, json, csv or html, not '%s'", optarg);
            format = optarg;
            break;
        case 'o':
            if (!csm_rollup_renderer_for_file(optarg))
                return usage_error("--output %s: the file name must end in .txt, .json, .csv or .html", optarg);
            strv_push(&outputs, xstrdup(optarg));
            break;
        case OPT_PER_CHECK:
            ro.per_check = true;
            break;
        case 'h':
            usage_rollup(stdout);
            return 0;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("name the directory of the wave's reports (or the reports)");
    struct csm_rollup ru;
    char *why = NULL;
    int code = 0;
    if (csm_rollup_build(&ru, argv + optind, &ro, &why) < 0) {
        fprintf(stderr, "csm-precheck: rollup: %s\n", why);
        code = CSM_EXIT_OPERATIONAL;
    } else {
        code = csm_rollup_exit_code(&ru);
        for (size_t i = 0; outputs && outputs[i]; i++) {
            struct csm_rollup_options fo = ro;
            fo.output = outputs[i];
            const struct csm_rollup_renderer *r = csm_rollup_renderer_for_file(outputs[i]);
            int e = csm_rollup_save(&ru, r, &fo);
            if (e < 0) {
                fprintf(stderr, "csm-precheck: rollup: --output %s: %s\n", outputs[i], csm_strerror(e));
                code = CSM_EXIT_OPERATIONAL;
            }
        }
        int e = csm_rollup_renderer_find(format)->write(&ru, stdout, &ro);
        if (e == 0 && fflush(stdout) != 0)
            e = -errno;
        if (e < 0) {
            fprintf(stderr, "csm-precheck: rollup: the roll-up cannot be written: %s\n", csm_strerror(e));
            code = CSM_EXIT_OPERATIONAL;
        }
        if (csm_dl_error()) {
            fprintf(stderr, "csm-precheck: %s\n", csm_dl_error());
            code = CSM_EXIT_OPERATIONAL;
        }
    }
    free(why);
    csm_rollup_clear(&ru);
    return code;
}

/* The subcommands; a first argument that is none of them is a scan. */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    { "scan", cmd_scan },
    { "verify", cmd_verify },
    { "diff", cmd_diff },
    { "rollup", cmd_rollup },
};

int main(int argc, char **argv)
{
    for (size_t i = 0; argc > 1 && i < ARRAY_SIZE(commands); i++)
        if (streq(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    return cmd_scan(argc, argv);
}
