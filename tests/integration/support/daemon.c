/*
 * daemon.c: a real heapd for one test: started from HEAPD_BIN in a fresh
 * temporary directory, on a Unix socket there and an ephemeral loopback
 * TCP port, with its stderr in a file; stopped with SIGTERM and checked to
 * exit 0 and remove its socket.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#ifndef HEAPD_BIN
#error "HEAPD_BIN must name the heapd binary under test"
#endif

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS  30000
#define MAX_ARGS         64

/* Every temporary directory of a run lives under base_dir, made by
 * it_run_suite in the runner process and removed by it after the tests:
 * a failed test's process ends with _exit (Check's fork mode) and cannot
 * clean up after itself. */
static char base_dir[64];

/* Daemons still running, killed when this process exits. */
static it_daemon *live[16];
static int nlive;
static bool atexit_done;

int64_t it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void it_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(dp);
    rmdir(dir);
}

static void forget(it_daemon *d)
{
    for (int i = 0; i < nlive; i++)
        if (live[i] == d) {
            live[i] = live[--nlive];
            return;
        }
}

/* The tail of a daemon's stderr, to explain a failure. */
static void dump_log(const it_daemon *d)
{
    FILE *f = fopen(d->errlog, "r");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, n > 4000 ? n - 4000 : 0, SEEK_SET);
    char buf[4001];
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    buf[got] = 0;
    fclose(f);
    fprintf(stderr, "---- heapd (pid %d) stderr, last %zu bytes ----\n%s----\n",
            (int)d->pid, got, buf);
}

static void kill_all(void)
{
    for (int i = 0; i < nlive; i++) {
        it_daemon *d = live[i];
        if (d->pid > 0 && !d->exited) {
            dump_log(d);
            kill(d->pid, SIGKILL);
            waitpid(d->pid, NULL, 0);
        }
        remove_dir(d->dir);
    }
    nlive = 0;
}

static void remember(it_daemon *d)
{
    if (!atexit_done) {
        atexit(kill_all);
        atexit_done = true;
    }
    ck_assert_int_lt(nlive, (int)(sizeof live / sizeof *live));
    live[nlive++] = d;
}

void it_path(const it_daemon *d, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", d->dir, name);
}

static bool read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        buf[0] = 0;
        return false;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
    return true;
}

bool it_daemon_log_has(const it_daemon *d, const char *s)
{
    static char buf[1 << 20];
    read_file(d->errlog, buf, sizeof buf);
    return strstr(buf, s) != NULL;
}

long it_daemon_rss_kb(const it_daemon *d)
{
    char path[64], buf[8192];
    snprintf(path, sizeof path, "/proc/%d/status", (int)d->pid);
    if (!read_file(path, buf, sizeof buf))
        return -1;
    const char *p = strstr(buf, "VmRSS:");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

static bool unix_answers(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    if (n >= sizeof sun.sun_path) {
        close(fd);
        return false;
    }
    memcpy(sun.sun_path, path, n + 1);
    bool ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
    close(fd);
    return ok;
}

static pid_t spawn(const char *const *argv, const char *errlog)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDWR);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(null, 1);
        dup2(fd, 2);
        execv(HEAPD_BIN, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

void it_tmpdir(char *out, size_t cap)
{
    if (base_dir[0])
        snprintf(out, cap, "%s/dXXXXXX", base_dir);
    else
        snprintf(out, cap, "/tmp/heapd-it-XXXXXX");
    ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp: %s", strerror(errno));
}

static void start(it_daemon *d, bool with_tcp, va_list ap)
{
    memset(d, 0, sizeof *d);
    it_tmpdir(d->dir, sizeof d->dir);
    it_path(d, "heapd.sock", d->sock, sizeof d->sock);
    snprintf(d->addr, sizeof d->addr, "unix:%s", d->sock);
    it_path(d, "stderr.log", d->errlog, sizeof d->errlog);

    const char *argv[MAX_ARGS];
    int n = 0;
    argv[n++] = HEAPD_BIN;
    argv[n++] = "--listen";
    argv[n++] = d->addr;
    if (with_tcp) {
        argv[n++] = "--listen";
        argv[n++] = "tcp:127.0.0.1:0";
    }
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        ck_assert_int_lt(n, MAX_ARGS - 1);
        argv[n++] = a;
    }
    argv[n] = NULL;

    d->pid = spawn(argv, d->errlog);
    remember(d);

    static char log[1 << 16];
    int64_t deadline = it_now_ms() + START_TIMEOUT_MS;
    for (;;) {
        int st;
        if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
            d->exited = true;
            d->status = st;
            dump_log(d);
            ck_abort_msg("heapd exited at start-up (status 0x%x)", st);
        }
        bool tcp_ok = !with_tcp;
        if (with_tcp && read_file(d->errlog, log, sizeof log)) {
            const char *p = strstr(log, "listening on tcp:127.0.0.1:");
            if (p) {
                int port = atoi(p + strlen("listening on tcp:127.0.0.1:"));
                if (port > 0) {
                    snprintf(d->tcp, sizeof d->tcp, "tcp:127.0.0.1:%d", port);
                    tcp_ok = true;
                }
            }
        }
        if (tcp_ok && unix_answers(d->sock))
            return;
        if (it_now_ms() > deadline) {
            dump_log(d);
            ck_abort_msg("heapd did not come up within %d ms",
                         START_TIMEOUT_MS);
        }
        it_sleep_ms(5);
    }
}

void it_daemon_start(it_daemon *d, ...)
{
    va_list ap;
    va_start(ap, d);
    start(d, true, ap);
    va_end(ap);
}

void it_daemon_start_unix(it_daemon *d, ...)
{
    va_list ap;
    va_start(ap, d);
    start(d, false, ap);
    va_end(ap);
}

bool it_daemon_wait(it_daemon *d, int timeout_ms)
{
    if (d->exited)
        return true;
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        int st;
        pid_t r = waitpid(d->pid, &st, WNOHANG);
        if (r == d->pid) {
            d->exited = true;
            d->status = st;
            return true;
        }
        if (it_now_ms() > deadline)
            return false;
        it_sleep_ms(5);
    }
}

void it_daemon_stop(it_daemon *d)
{
    ck_assert_msg(!d->exited,
                  "heapd exited before it was stopped (status 0x%x)",
                  d->status);
    ck_assert_int_eq(kill(d->pid, SIGTERM), 0);
    if (!it_daemon_wait(d, STOP_TIMEOUT_MS)) {
        dump_log(d);
        ck_abort_msg("heapd did not exit within %d ms of SIGTERM",
                     STOP_TIMEOUT_MS);
    }
    if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0)
        dump_log(d);
    ck_assert_msg(WIFEXITED(d->status), "heapd died of signal %d after SIGTERM",
                  WIFSIGNALED(d->status) ? WTERMSIG(d->status) : -1);
    ck_assert_msg(WEXITSTATUS(d->status) == 0, "heapd exited %d after SIGTERM",
                  WEXITSTATUS(d->status));
    struct stat st;
    ck_assert_msg(lstat(d->sock, &st) != 0 && errno == ENOENT,
                  "heapd left its socket %s behind", d->sock);
    forget(d);
    remove_dir(d->dir);
}

void it_daemon_kill(it_daemon *d)
{
    if (!d->exited) {
        kill(d->pid, SIGKILL);
        it_daemon_wait(d, STOP_TIMEOUT_MS);
    }
    forget(d);
    remove_dir(d->dir);
}

int it_run_heapd(char *err, size_t errcap, const char *const *argv,
                 int timeout_ms)
{
    char dir[64];
    it_tmpdir(dir, sizeof dir);
    char log[128];
    snprintf(log, sizeof log, "%s/stderr.log", dir);
    const char *args[MAX_ARGS];
    int n = 0;
    args[n++] = HEAPD_BIN;
    for (int i = 0; argv[i] && n < MAX_ARGS - 1; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    pid_t pid = spawn(args, log);
    int st = -1;
    int64_t deadline = it_now_ms() + timeout_ms;
    while (waitpid(pid, &st, WNOHANG) != pid) {
        if (it_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            read_file(log, err, errcap);
            remove_dir(dir);
            ck_abort_msg("heapd %s did not exit within %d ms", argv[0],
                         timeout_ms);
        }
        it_sleep_ms(5);
    }
    read_file(log, err, errcap);
    remove_dir(dir);
    return st;
}

/* After the tests: what is left under base_dir belongs to tests that
 * failed; show their daemons' last words, then remove it all. */
static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_F) {
        size_t n = strlen(path);
        if (n > 11 && strcmp(path + n - 11, "/stderr.log") == 0) {
            it_daemon d = {0};
            snprintf(d.errlog, sizeof d.errlog, "%s", path);
            dump_log(&d);
        }
    }
    return remove(path);
}

int it_run_suite(Suite *s)
{
    snprintf(base_dir, sizeof base_dir, "/tmp/heapd-it-XXXXXX");
    if (!mkdtemp(base_dir))
        base_dir[0] = 0;
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (base_dir[0])
        nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
