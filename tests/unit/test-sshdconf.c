/* sshd_config (src/sshdconf.c): first value wins, Include in place (drop-ins
 * at the top beat the main file), Match overrides, conditions; each case
 * also given to the real sshd (sshd -T -C user=...) where it can run. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tree/tree.h"
#include "lib/sshdconf.h"
#include "lib/hostfile.h"
#include "lib/util.h"

static char *dir;

/* Include from the test's directory on the host: the tests' own files. */
static int include_host(void *data, const char *pattern, char ***paths, char ***texts)
{
    (void)data;
    const char *rel = startswith(pattern, "/etc/ssh/") ? pattern + 9 : pattern;
    _cleanup_free_ char *pat = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", dir, rel);
    glob_t g;
    if (glob(pat, 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char *buf = NULL;
        if (csm_host_file_read(g.gl_pathv[i], 1 << 20, &buf, NULL) < 0)
            continue;
        strv_push(paths, xstrdup(g.gl_pathv[i]));
        strv_push(texts, buf);
    }
    globfree(&g);
    return 0;
}

static void write_file(const char *name, const char *text)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

/* sshd's own answer for a connection of user, or NULL when sshd cannot run here. */
static char *sshd_says(const char *main_file, const char *key, const char *user)
{
    if (geteuid() != 0 || access("/usr/sbin/sshd", X_OK) != 0)
        return NULL;
    _cleanup_free_ char *cmd = xasprintf(
        "unshare -m sh -c 'mount -t tmpfs none /run 2>/dev/null; mkdir -p /run/sshd; "
        "/usr/sbin/sshd -T -f %s/%s -o HostKey=%s/hostkey -C user=%s,host=h.example,addr=192.0.2.7' 2>/dev/null | "
        "awk '$1 == \"%s\" { $1 = \"\"; sub(/^ /, \"\"); print; exit }' > %s/sshd.out",
        dir, main_file, dir, user, key, dir);
    if (system(cmd) != 0)
        return NULL;
    _cleanup_free_ char *out = xasprintf("%s/sshd.out", dir);
    char *buf = NULL;
    if (csm_host_file_read(out, 4096, &buf, NULL) < 0 || !*buf) {
        free(buf);
        return NULL;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

/* Our answer in sshd -T's words (it prints without-password for prohibit-password). */
static const char *ours(const struct csm_sshd_config *c, const char *key, const char *user)
{
    const struct csm_sshd_directive *d = csm_sshd_effective(c, key, user, NULL);
    const char *v = d ? d->value : csm_sshd_default(key);
    return v && streq(v, "prohibit-password") ? "without-password" : v;
}

static void check_case(const char *name, const char *key, const char *user, const char *want)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    char *text = NULL;
    csm_host_file_read(path, 1 << 20, &text, NULL);
    struct csm_sshd_config c = { 0 };
    csm_sshd_parse(&c, path, text ? text : "", include_host, NULL);
    const char *got = ours(&c, key, user);
    CHECK_MSG(got && streq(got, want), "%s: %s for %s is %s (got %s)", name, key, user, want, got ? got : "none");
    _cleanup_free_ char *real = sshd_says(name, key, user);
    if (real) {
        char *lower = xstrdup(got ? got : "");
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        CHECK_MSG(streq(real, lower), "%s: sshd -T agrees (%s)", name, real);
        free(lower);
    }
    csm_sshd_clear(&c);
    free(text);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    dir = xasprintf("%s/csm-sshd.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    _cleanup_free_ char *keygen = xasprintf("ssh-keygen -q -t ed25519 -N '' -f %s/hostkey >/dev/null 2>&1", dir);
    if (system(keygen) != 0)
        printf("note: no ssh-keygen: sshd -T is not compared\n");
    _cleanup_free_ char *sub = xasprintf("%s/d", dir);
    mkdir(sub, 0755);

    write_file("first", "PermitRootLogin no\nPermitRootLogin yes\n");
    check_case("first", "permitrootlogin", "root", "no");

    write_file("d/10-y.conf", "PermitRootLogin without-password\n");
    write_file("d/50-x.conf", "PermitRootLogin yes\nPasswordAuthentication no\n");
    _cleanup_free_ char *inc = xasprintf("Include %s/d/*.conf\nPermitRootLogin no\nPasswordAuthentication=yes\n", dir);
    write_file("include", inc);
    check_case("include", "permitrootlogin", "root", "without-password");
    check_case("include", "passwordauthentication", "root", "no");

    write_file("matchall", "PermitRootLogin yes\nMatch all\n  PermitRootLogin no\n");
    check_case("matchall", "permitrootlogin", "root", "no");

    write_file("matchuser", "PasswordAuthentication no\nMatch User root,admin\n\tPasswordAuthentication yes\n"
                            "Match User !root,*\n\tPasswordAuthentication no\n");
    check_case("matchuser", "passwordauthentication", "root", "yes");
    check_case("matchuser", "passwordauthentication", "alice", "no");

    write_file("empty", "# nothing\n");
    check_case("empty", "permitrootlogin", "root", "without-password");
    check_case("empty", "passwordauthentication", "root", "yes");
    check_case("empty", "authorizedkeysfile", "root", ".ssh/authorized_keys .ssh/authorized_keys2");

    write_file("case", "pErMiTrOoTlOgIn No   # a comment\nChallengeResponseAuthentication no\n");
    check_case("case", "permitrootlogin", "root", "No");
    check_case("case", "kbdinteractiveauthentication", "root", "no");

    /* a Match on the address: not known before the move, a condition */
    struct csm_sshd_config c = { 0 };
    csm_sshd_parse(&c, "/etc/ssh/sshd_config",
                   "PermitRootLogin yes\nMatch Address 10.0.0.0/8\n PermitRootLogin no\n"
                   "Match User root Host *.example\n PasswordAuthentication no\n",
                   NULL, NULL);
    const struct csm_sshd_directive *cond = NULL;
    const struct csm_sshd_directive *d = csm_sshd_effective(&c, "permitrootlogin", "root", &cond);
    CHECK_MSG(d && streq(d->value, "yes") && d->line == 1 && cond && cond->line == 3,
              "Match Address: the global value, with the Match as a condition");
    CHECK_MSG(csm_sshd_match_applies(&c, 1, "root") == CSM_SSHD_MAYBE, "User root Host x: maybe");
    CHECK_MSG(csm_sshd_match_applies(&c, 1, "alice") == CSM_SSHD_NO, "User root Host x: not for alice");
    csm_sshd_clear(&c);

    /* Include nesting is bounded; without a callback it is an error */
    write_file("loop", "Include loop\n");
    _cleanup_free_ char *lp = xasprintf("%s/loop", dir);
    csm_sshd_parse(&c, lp, "Include loop\n", include_host, NULL);
    CHECK_MSG(c.errors && strstr(c.errors[0], "nested more than 16"), "an Include loop ends");
    csm_sshd_clear(&c);
    csm_sshd_parse(&c, "/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPort\n", NULL, NULL);
    CHECK_MSG(strv_length(c.errors) == 1 && c.bad_lines == 1, "no include function: an error; a keyword alone: bad");
    csm_sshd_clear(&c);

    _cleanup_free_ char *rm = xasprintf("rm -rf %s", dir);
    if (system(rm) != 0)
        failures++;
    free(dir);
    return failures ? 1 : 0;
}
