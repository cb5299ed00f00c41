/* The reader child and the parent's proxies: see child.h. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "proto.h"
#include "lib/util.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
/* ASan's shadow memory is terabytes of address space: RLIMIT_AS would
 * make the child's first mapping fail. Its reports are kept on stderr. */
#define SANITIZED 1
#include <sanitizer/common_interface_defs.h>
#else
#define SANITIZED 0
#endif

#define STDERR_KEEP 4096 /* the child's last words, for the failure's reason */

struct csm_fs_child {
    pid_t pid;
    int sock, err_fd;
    struct csm_fs_limits lim;
    char *failure;
    int refs;        /* the handle and each open proxy */
    char doing[192]; /* the request under way, for the failure's reason */
};

struct proxy {
    struct csm_fsreader fs;
    struct csm_fs_child *c;
    uint32_t id;
};

bool csm_fs_child_limits_memory(void)
{
    return !SANITIZED;
}

pid_t csm_fs_child_pid(const struct csm_fs_child *c)
{
    return c->pid;
}

const char *csm_fs_child_failure(const struct csm_fs_child *c)
{
    return c->failure;
}

/* ---- the child ---- */

static int send_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -EPIPE;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static bool recv_all(int fd, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

static int flush_out(void *data, struct csm_buf *out)
{
    int r = send_all(*(int *)data, out->p, out->len);
    out->len = 0;
    return r;
}

static void __attribute__((noreturn)) serve(int sock, const struct csm_fs_source *sources, size_t n, size_t cache)
{
    struct csm_fs_server s = {
        .sources = sources, .n_sources = n, .cache_bytes = cache, .flush = flush_out, .flush_data = &sock
    };
    struct csm_buf out = { 0 };
    unsigned char *body = malloc(CSM_FS_PROTO_MAX);
    if (!body) {
        fputs("csm-precheck: out of memory\n", stderr); /* as xmalloc says it: the parent names the limit */
        _exit(3);
    }
    for (;;) {
        unsigned char head[4];
        if (!recv_all(sock, head, sizeof(head)))
            _exit(0); /* the parent is done */
        uint32_t len = csm_le32(head);
        if (len > CSM_FS_PROTO_MAX || !recv_all(sock, body, len))
            _exit(2);
        out.len = 0;
        if (csm_fs_server_handle(&s, body, len, &out) < 0 || flush_out(&sock, &out) < 0)
            _exit(0);
    }
}

/* Closes every descriptor but those in keep (sorted, unique). */
static void close_others(const int *keep, size_t n)
{
    int from = 0;
    for (size_t i = 0; i <= n; i++) {
        int to = i < n ? keep[i] - 1 : INT32_MAX;
        if (to >= from) {
#ifdef SYS_close_range
            if (syscall(SYS_close_range, (unsigned)from, (unsigned)to, 0u) == 0)
                goto next;
#endif
            /* a kernel before 5.9: one by one, up to the descriptor limit */
            struct rlimit nofile;
            int last = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 65536 ? (int)nofile.rlim_cur : 65536;
            for (int fd = from; fd <= to && fd < last; fd++)
                close(fd);
        }
#ifdef SYS_close_range
    next:
#endif
        if (i < n)
            from = keep[i] + 1;
    }
}

/* A seccomp filter that makes every call that would reach beyond the
 * descriptors the child holds fail with EPERM: opening, creating,
 * executing, connecting, changing files, tracing. Reads and the memory
 * calls of the allocators stay allowed. Only where the build knows its
 * architecture's audit number; a call of another ABI (i386 or x32 on
 * x86_64) fails. */
#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef SECCOMP_ARCH
static void deny_reaching_out(void)
{
    static const int denied[] = {
#ifdef SYS_open
        SYS_open,
#endif
#ifdef SYS_creat
        SYS_creat,
#endif
#ifdef SYS_openat2
        SYS_openat2,
#endif
#ifdef SYS_mkdir
        SYS_mkdir, SYS_rmdir, SYS_unlink, SYS_rename, SYS_link, SYS_symlink, SYS_chmod, SYS_chown,
#endif
        SYS_openat, SYS_open_by_handle_at, SYS_name_to_handle_at, SYS_execve, SYS_execveat, SYS_socket,
        SYS_socketpair, SYS_connect, SYS_bind, SYS_mkdirat, SYS_unlinkat, SYS_renameat, SYS_linkat, SYS_symlinkat,
        SYS_fchmodat, SYS_fchownat, SYS_truncate, SYS_ptrace, SYS_process_vm_writev, SYS_mount, SYS_chroot,
    };
    struct sock_filter prog[8 + ARRAY_SIZE(denied) * 2];
    size_t n = 0;
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* x32 */, 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
#endif
    for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i], 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    }
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog fprog = { (unsigned short)n, prog };
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0); /* a kernel without it: the limits remain */
}
#else
static void deny_reaching_out(void)
{
}
#endif

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void __attribute__((noreturn))
child_main(int sock, int err_fd, const struct csm_fs_source *sources, size_t n, const int *keep_fds, size_t n_keep,
           const struct csm_fs_limits *lim, pid_t parent)
{
    /* the parent's handlers are not the child's; a sanitizer keeps its own */
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (SANITIZED && (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL))
            continue;
        signal(sig, SIG_DFL);
    }
#if SANITIZED
    /* A report in the child ends the child, as a crash does: not the
     * process it was forked from (a fuzzer's callback would record the
     * parent's input as the crash). */
    __sanitizer_set_death_callback(NULL);
#endif
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    if (err_fd >= 0 && err_fd != STDERR_FILENO) {
        dup2(err_fd, STDERR_FILENO);
        close(err_fd);
    }
    int *keep = xmalloc((n_keep + 2) * sizeof(*keep));
    size_t k = 0;
    keep[k++] = STDERR_FILENO;
    keep[k++] = sock;
    for (size_t i = 0; i < n_keep; i++)
        keep[k++] = keep_fds[i];
    qsort(keep, k, sizeof(*keep), cmp_int);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (keep[i] >= 0 && (u == 0 || keep[u - 1] != keep[i]))
            keep[u++] = keep[i];
    close_others(keep, u);
    int max_fd = u ? keep[u - 1] : STDERR_FILENO;
    free(keep);

    struct rlimit zero = { 0, 0 };
    struct rlimit nofile = { (rlim_t)max_fd + 1, (rlim_t)max_fd + 1 };
    struct rlimit cpu = { lim->cpu_seconds, lim->cpu_seconds + 1 };
    struct rlimit as = { lim->memory, lim->memory };
    setrlimit(RLIMIT_CORE, &zero);
    setrlimit(RLIMIT_FSIZE, &zero); /* no file can be written: SIGXFSZ */
    setrlimit(RLIMIT_NOFILE, &nofile);
    setrlimit(RLIMIT_CPU, &cpu); /* SIGXCPU at the soft limit, SIGKILL at the hard one */
    if (!SANITIZED)
        setrlimit(RLIMIT_AS, &as);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    deny_reaching_out();
    serve(sock, sources, n, lim->cache_bytes);
}

int csm_fs_child_start(const struct csm_fs_source *sources, size_t n, const int *keep_fds, size_t n_keep,
                       const struct csm_fs_limits *limits, struct csm_fs_child **out)
{
    struct csm_fs_limits lim = limits ? *limits : (struct csm_fs_limits){ 0 };
    if (!lim.memory)
        lim.memory = CSM_FS_CHILD_MEMORY;
    if (!lim.cpu_seconds)
        lim.cpu_seconds = CSM_FS_CHILD_CPU_SECONDS;
    if (!lim.timeout_ms)
        lim.timeout_ms = CSM_FS_CHILD_TIMEOUT_MS;
    int sv[2], ep[2] = { -1, -1 };
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    /* the child's stderr comes to the parent, for the reason of a crash
     * ("double free detected"); a sanitizer's report stays on stderr */
    if (!SANITIZED && pipe2(ep, O_CLOEXEC) < 0) {
        int r = -errno;
        close(sv[0]);
        close(sv[1]);
        return r;
    }
    if (ep[1] >= 0)
        fcntl(ep[1], F_SETFL, O_NONBLOCK); /* a chatty child never blocks on it */
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int r = -errno;
        close(sv[0]);
        close(sv[1]);
        if (ep[0] >= 0) {
            close(ep[0]);
            close(ep[1]);
        }
        return r;
    }
    if (pid == 0) {
        close(sv[0]);
        if (ep[0] >= 0)
            close(ep[0]);
        child_main(sv[1], ep[1], sources, n, keep_fds, n_keep, &lim, parent);
    }
    close(sv[1]);
    if (ep[1] >= 0) {
        close(ep[1]);
        fcntl(ep[0], F_SETFL, O_NONBLOCK);
    }
    struct csm_fs_child *c = xcalloc(1, sizeof(*c));
    c->pid = pid;
    c->sock = sv[0];
    c->err_fd = ep[0];
    c->lim = lim;
    c->refs = 1;
    *out = c;
    return 0;
}

/* ---- the parent: requests, and the child's end ---- */

static void unref(struct csm_fs_child *c)
{
    if (--c->refs > 0)
        return;
    free(c->failure);
    free(c);
}

/* The last line the child wrote on stderr, printable, or "". */
static void last_words(struct csm_fs_child *c, char *out, size_t len)
{
    char buf[STDERR_KEEP + 1];
    size_t n = 0;
    out[0] = '\0';
    if (c->err_fd < 0)
        return;
    for (;;) {
        ssize_t k = read(c->err_fd, buf + n, STDERR_KEEP - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        if (n == STDERR_KEEP) { /* keep the end */
            memmove(buf, buf + STDERR_KEEP / 2, STDERR_KEEP / 2);
            n = STDERR_KEEP / 2;
        }
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    size_t o = 0;
    for (; *line && o + 1 < len; line++)
        out[o++] = (unsigned char)*line >= 0x20 && (unsigned char)*line < 0x7f ? *line : '?';
    out[o] = '\0';
}

/* Records why the child is gone, once, after reaping it. */
static void child_ended(struct csm_fs_child *c, bool timed_out, const char *protocol)
{
    if (c->failure)
        return;
    int status = 0;
    if (c->pid > 0) {
        if (timed_out || protocol)
            kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
            ;
        c->pid = 0;
    }
    char words[256];
    last_words(c, words, sizeof(words));
    const char *doing = c->doing[0] ? c->doing : "";
    if (timed_out)
        c->failure = xasprintf("the filesystem reader did not answer within %u.%u s%s", c->lim.timeout_ms / 1000,
                               c->lim.timeout_ms % 1000 / 100, doing);
    else if (protocol)
        c->failure = xasprintf("the filesystem reader %s%s", protocol, doing);
    else if (strstr(words, "out of memory"))
        c->failure =
            xasprintf("the filesystem reader exceeded its memory limit of %llu MiB%s", c->lim.memory >> 20, doing);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        c->failure = xasprintf("the filesystem reader was killed%s", doing);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
        c->failure =
            xasprintf("the filesystem reader exceeded its CPU time limit of %u s%s", c->lim.cpu_seconds, doing);
    else if (WIFSIGNALED(status))
        c->failure = xasprintf("the filesystem reader crashed (%s)%s%s%s", strsignal(WTERMSIG(status)), doing,
                               words[0] ? ": " : "", words);
    else
        c->failure = xasprintf("the filesystem reader ended (exit status %d)%s", WEXITSTATUS(status), doing);
    close(c->sock);
    c->sock = -1;
    if (c->err_fd >= 0)
        close(c->err_fd);
    c->err_fd = -1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* n bytes from the child before the deadline; false when it is gone. */
static bool take(struct csm_fs_child *c, void *buf, size_t n, long long deadline)
{
    unsigned char *p = buf;
    while (n) {
        long long left = deadline - now_ms();
        struct pollfd pfd = { c->sock, POLLIN, 0 };
        int k = left > 0 ? poll(&pfd, 1, (int)(left > 60000 ? 60000 : left)) : 0;
        if (k < 0 && errno == EINTR)
            continue;
        if (k == 0 && now_ms() >= deadline) {
            child_ended(c, true, NULL);
            return false;
        }
        if (k <= 0)
            continue;
        ssize_t got = read(c->sock, p, n);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0) {
            child_ended(c, false, NULL);
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

/* One reply frame into body. */
static int receive(struct csm_fs_child *c, struct csm_buf *body, long long deadline)
{
    unsigned char head[4];
    if (!take(c, head, sizeof(head), deadline))
        return -EIO;
    uint32_t len = csm_le32(head);
    if (len > CSM_FS_PROTO_MAX || len < 8) {
        child_ended(c, false, "sent a malformed reply");
        return -EIO;
    }
    body->len = 0;
    if (body->cap < len) {
        body->p = xrealloc(body->p, len);
        body->cap = len;
    }
    if (!take(c, body->p, len, deadline))
        return -EIO;
    body->len = len;
    return 0;
}

static int send_request(struct csm_fs_child *c, const struct csm_fs_request *rq)
{
    if (c->failure)
        return -EIO;
    struct csm_buf b = { 0 };
    csm_fs_put_request(&b, rq);
    int r = send_all(c->sock, b.p, b.len);
    csm_buf_free(&b);
    if (r < 0) {
        child_ended(c, false, NULL);
        return -EIO;
    }
    return 0;
}

static int gone(struct proxy *p)
{
    return csm_fs_fail(&p->fs, -EIO, "%s", p->c->failure);
}

static void describe(struct proxy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void describe(struct proxy *p, const char *fmt, ...)
{
    char what[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(p->c->doing, sizeof(p->c->doing), " while %s of the %s filesystem", what, p->fs.info.type);
}

/* Sends rq and takes one reply: its status (and why into the proxy's),
 * the rest of the body in r. */
static int call(struct proxy *p, const struct csm_fs_request *rq, struct csm_buf *body, struct csm_rd *r)
{
    struct csm_fs_child *c = p->c;
    long long deadline = now_ms() + c->lim.timeout_ms;
    if (send_request(c, rq) < 0 || receive(c, body, deadline) < 0)
        return gone(p);
    *r = (struct csm_rd){ body->p, body->len, 0, false };
    int32_t status;
    const char *why;
    uint16_t why_len;
    if (!csm_fs_get_reply(r, &status, &why, &why_len) || status > (int32_t)CSM_FS_PROTO_MAX || status < -4095) {
        child_ended(c, false, "sent a malformed reply");
        return gone(p);
    }
    if (why_len)
        snprintf(p->fs.why, sizeof(p->fs.why), "%.*s", (int)why_len, why);
    if (status == -ENOMEM)
        csm_fs_fail(&p->fs, 0, "the filesystem reader ran out of memory%s (its memory limit of %llu MiB)", c->doing,
                    c->lim.memory >> 20);
    return status;
}

static int malformed(struct proxy *p)
{
    child_ended(p->c, false, "sent a malformed reply");
    return gone(p);
}

/* A request whose reply is a stat (lookup, stat). */
static int stat_call(struct proxy *p, const struct csm_fs_request *rq, struct csm_fs_stat *st)
{
    struct csm_buf body = { 0 };
    struct csm_rd r;
    int s = call(p, rq, &body, &r);
    if (s == 0) {
        csm_fs_get_stat(&r, st);
        if (r.bad)
            s = malformed(p);
    }
    csm_buf_free(&body);
    return s < 0 ? s : 0;
}

static int p_lookup(struct csm_fsreader *fs, csm_fs_node dir, const char *name, size_t len, struct csm_fs_stat *st)
{
    struct proxy *p = (struct proxy *)fs;
    describe(p, "looking up \"%.*s\" in directory inode %llu", (int)(len > 64 ? 64 : len), name,
             (unsigned long long)dir);
    struct csm_fs_request rq = {
        .op = CSM_FS_OP_LOOKUP, .fs = p->id, .node = dir, .name = name, .name_len = (uint16_t)len
    };
    return stat_call(p, &rq, st);
}

static int p_stat(struct csm_fsreader *fs, csm_fs_node node, struct csm_fs_stat *st)
{
    struct proxy *p = (struct proxy *)fs;
    describe(p, "reading inode %llu", (unsigned long long)node);
    struct csm_fs_request rq = { .op = CSM_FS_OP_STAT, .fs = p->id, .node = node };
    return stat_call(p, &rq, st);
}

static ssize_t p_readlink(struct csm_fsreader *fs, csm_fs_node node, char *buf, size_t cap)
{
    struct proxy *p = (struct proxy *)fs;
    describe(p, "reading the symbolic link inode %llu", (unsigned long long)node);
    struct csm_fs_request rq = { .op = CSM_FS_OP_READLINK,
                                 .fs = p->id,
                                 .node = node,
                                 .len = cap > CSM_FS_LINK_MAX + 1 ? CSM_FS_LINK_MAX + 1 : (uint32_t)cap };
    struct csm_buf body = { 0 };
    struct csm_rd r;
    int s = call(p, &rq, &body, &r);
    if (s >= 0) {
        const unsigned char *t = csm_fs_get_bytes(&r, (size_t)s);
        if (!t || r.pos != r.len || (size_t)s >= cap || memchr(t, '\0', (size_t)s)) {
            s = malformed(p);
        } else {
            memcpy(buf, t, (size_t)s);
            buf[s] = '\0';
        }
    }
    csm_buf_free(&body);
    return s;
}

static ssize_t p_pread(struct csm_fsreader *fs, csm_fs_node node, void *buf, size_t len, uint64_t off)
{
    struct proxy *p = (struct proxy *)fs;
    describe(p, "reading the file inode %llu", (unsigned long long)node);
    struct csm_buf body = { 0 };
    size_t done = 0;
    int s = 0;
    while (done < len) {
        size_t want = len - done > CSM_FS_PROTO_READ ? CSM_FS_PROTO_READ : len - done;
        struct csm_fs_request rq = {
            .op = CSM_FS_OP_PREAD, .fs = p->id, .node = node, .off = off + done, .len = (uint32_t)want
        };
        struct csm_rd r;
        s = call(p, &rq, &body, &r);
        if (s < 0)
            break;
        const unsigned char *d = csm_fs_get_bytes(&r, (size_t)s);
        if (!d || r.pos != r.len || (size_t)s > want) {
            s = malformed(p);
            break;
        }
        memcpy((char *)buf + done, d, (size_t)s);
        done += (size_t)s;
        if ((size_t)s < want)
            break; /* the end of the file */
    }
    csm_buf_free(&body);
    return s < 0 ? s : (ssize_t)done;
}

static int p_list(struct csm_fsreader *fs, csm_fs_node dir, csm_fs_list_fn fn, void *data)
{
    struct proxy *p = (struct proxy *)fs;
    describe(p, "listing directory inode %llu", (unsigned long long)dir);
    struct csm_fs_request rq = { .op = CSM_FS_OP_LIST, .fs = p->id, .node = dir };
    struct csm_buf body = { 0 };
    struct csm_rd r;
    int s = call(p, &rq, &body, &r);
    size_t n = 0;
    bool stopped = false;
    long long deadline = now_ms() + p->c->lim.timeout_ms;
    while (s == 1) {
        struct csm_fs_dirent e;
        while (csm_fs_get_dirent(&r, &e)) {
            if (++n > CSM_FS_LIST_MAX) {
                s = malformed(p);
                goto out;
            }
            if (!stopped && fn(data, &e))
                stopped = true; /* the rest is read and dropped */
        }
        if (r.bad) {
            s = malformed(p);
            goto out;
        }
        if (receive(p->c, &body, deadline) < 0) {
            s = gone(p);
            goto out;
        }
        r = (struct csm_rd){ body.p, body.len, 0, false };
        int32_t status;
        const char *why;
        uint16_t why_len;
        if (!csm_fs_get_reply(&r, &status, &why, &why_len) || status > 1) {
            s = malformed(p);
            goto out;
        }
        if (why_len)
            snprintf(fs->why, sizeof(fs->why), "%.*s", (int)why_len, why);
        s = status;
    }
out:
    csm_buf_free(&body);
    return s < 0 ? s : 0;
}

static int p_statfs(struct csm_fsreader *fs, struct csm_fs_statfs *out)
{
    struct proxy *p = (struct proxy *)fs;
    describe(p, "reading the free space");
    struct csm_fs_request rq = { .op = CSM_FS_OP_STATFS, .fs = p->id };
    struct csm_buf body = { 0 };
    struct csm_rd r;
    int s = call(p, &rq, &body, &r);
    if (s == 0) {
        csm_fs_get_statfs(&r, out);
        if (r.bad)
            s = malformed(p);
    }
    csm_buf_free(&body);
    return s < 0 ? s : 0;
}

static void p_close(struct csm_fsreader *fs)
{
    struct proxy *p = (struct proxy *)fs;
    if (!p->c->failure && p->c->pid > 0) {
        struct csm_fs_request rq = { .op = CSM_FS_OP_CLOSE, .fs = p->id };
        struct csm_buf body = { 0 };
        struct csm_rd r;
        describe(p, "closing it");
        call(p, &rq, &body, &r);
        csm_buf_free(&body);
    }
    unref(p->c);
    free(p);
}

static const struct csm_fsreader_ops proxy_ops = {
    .lookup = p_lookup,
    .stat = p_stat,
    .readlink = p_readlink,
    .pread = p_pread,
    .list = p_list,
    .statfs = p_statfs,
    .close = p_close,
};

int csm_fs_child_open(struct csm_fs_child *c, size_t source, const char *type, struct csm_fsreader **out, char **why)
{
    *out = NULL;
    if (why)
        *why = NULL;
    struct proxy *p = xcalloc(1, sizeof(*p));
    p->fs.ops = &proxy_ops;
    p->c = c;
    c->refs++;
    snprintf(p->fs.info.type, sizeof(p->fs.info.type), "%s", type ? type : "unknown");
    snprintf(c->doing, sizeof(c->doing), " while opening the %s%sfilesystem", type ? type : "", type ? " " : "");
    struct csm_fs_request rq = { .op = CSM_FS_OP_OPEN,
                                 .node = source,
                                 .name = type ? type : "",
                                 .name_len = type ? (uint16_t)strnlen(type, 31) : 0 };
    struct csm_buf body = { 0 };
    struct csm_rd r;
    int s = call(p, &rq, &body, &r);
    if (s == 0) {
        p->id = csm_fs_get_u32(&r);
        p->fs.root = csm_fs_get_u64(&r);
        csm_fs_get_info(&r, &p->fs.info);
        if (r.bad)
            s = malformed(p);
    }
    csm_buf_free(&body);
    if (s < 0) {
        csm_fs_open_fail(why, s, "%s", csm_fs_why(&p->fs, s));
        unref(c);
        free(p);
        return s;
    }
    p->fs.why[0] = '\0';
    *out = &p->fs;
    return 0;
}

void csm_fs_child_free(struct csm_fs_child *c)
{
    if (!c)
        return;
    if (!c->failure) {
        /* closing the socket ends its loop; a child that does not end
         * (stuck in a library) is killed */
        close(c->sock);
        c->sock = -1;
        int status;
        pid_t w = 0;
        for (int i = 0; i < 100 && (w = waitpid(c->pid, &status, WNOHANG)) == 0; i++)
            usleep(1000);
        if (w == 0) {
            kill(c->pid, SIGKILL);
            while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
                ;
        }
        c->pid = 0;
        if (c->err_fd >= 0)
            close(c->err_fd);
        c->err_fd = -1;
        c->failure = xstrdup("the filesystem reader was stopped");
    }
    unref(c);
}
