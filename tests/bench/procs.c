/*
 * procs.c: the processes heapbench starts and measures against: a heapd
 * on a port the kernel picks (its port read from the log line it writes on
 * stderr), a redis-server on a free loopback port, and any program whose
 * output is captured (CPython, redis-benchmark).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "wire.h"

extern char **environ;

int bench_which(const char *prog, char *path, size_t cap)
{
    if (strchr(prog, '/')) {
        snprintf(path, cap, "%s", prog);
        return access(path, X_OK) == 0 ? 0 : -1;
    }
    const char *env = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", env && *env ? env : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(path, cap, "%s/%s", *d ? d : ".", prog);
        if (access(path, X_OK) == 0)
            return 0;
    }
    path[0] = 0;
    return -1;
}

/* Spawns argv[0] (a path) with out_fd as its stdout and err_fd as its
 * stderr, each unless -1.  Our descriptors are close-on-exec.  The pid, or
 * -1. */
static pid_t spawn(const char *const *argv, int out_fd, int err_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
    pid_t pid;
    int err =
        posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return err ? -1 : pid;
}

static int wait_status(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int bench_run_capture(const char *const *argv, char *out, size_t cap)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = spawn(argv, fds[1], -1);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    size_t len = 0;
    for (;;) {
        char buf[4096];
        ssize_t k = read(fds[0], buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        size_t take = (size_t)k;
        if (len + take > cap - 1)
            take = cap - 1 - len;
        memcpy(out + len, buf, take);
        len += take;
    }
    out[len] = 0;
    close(fds[0]);
    return wait_status(pid);
}

/* SIGTERM, up to 10 s for it to exit, then SIGKILL. */
static void stop_pid(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    wait_status(pid);
}

/* ---- heapd
 * ------------------------------------------------------------------------ */

/* The daemon's log after the listening line: warnings and errors are
 * passed on (a benchmark that makes the daemon complain should say so),
 * the rest (a line per heap created) is dropped. */
static void *drain_log(void *arg)
{
    bench_proc *p = arg;
    FILE *f = fdopen(p->log_fd, "r");
    if (!f)
        return NULL;
    char line[1024];
    while (fgets(line, sizeof line, f))
        if (strstr(line, " heapd warn: ") || strstr(line, " heapd error: "))
            fprintf(stderr, "  (daemon) %s", line);
    fclose(f);
    p->log_fd = -1;
    return NULL;
}

int bench_heapd_path(const char *given, char *path, size_t cap)
{
    if (given)
        return bench_which(given, path, cap);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = 0;
    snprintf(path, cap, "%s/heapd", self);
    return access(path, X_OK) == 0 ? 0 : -1;
}

int bench_heapd_start(const char *heapd, const char *const *extra,
                      bench_proc *p, char *addr, size_t cap)
{
    memset(p, 0, sizeof *p);
    p->log_fd = -1;
    const char *argv[32] = {heapd, "--listen", "tcp:127.0.0.1:0"};
    int argc = 3;
    for (int i = 0; extra && extra[i] && argc < 31; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    p->pid = spawn(argv, -1, fds[1]);
    close(fds[1]);
    if (p->pid < 0) {
        fprintf(stderr, "heapbench: cannot run %s: %s\n", heapd,
                strerror(errno));
        close(fds[0]);
        return -1;
    }
    /* "... heapd info: listening on tcp:127.0.0.1:PORT", within 10 s */
    char buf[8192];
    size_t len = 0;
    const char *key = "listening on tcp:";
    for (;;) {
        buf[len] = 0;
        char *hit = strstr(buf, key);
        char *eol = hit ? strchr(hit, '\n') : NULL;
        if (eol) {
            *eol = 0;
            snprintf(addr, cap, "%s", hit + strlen("listening on "));
            break;
        }
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        ssize_t k = -1;
        if (poll(&pfd, 1, 10000) == 1)
            k = read(fds[0], buf + len, sizeof buf - 1 - len);
        if (k <= 0 || len + (size_t)k >= sizeof buf - 1) {
            fprintf(stderr,
                    "heapbench: %s did not say where it listens; it "
                    "wrote:\n%s\n",
                    heapd, buf);
            close(fds[0]);
            stop_pid(p->pid);
            p->pid = 0;
            return -1;
        }
        len += (size_t)k;
    }
    p->log_fd = fds[0];
    if (pthread_create(&p->drain, NULL, drain_log, p) == 0)
        p->draining = true;
    return 0;
}

void bench_proc_stop(bench_proc *p)
{
    stop_pid(p->pid);
    p->pid = 0;
    if (p->draining)
        pthread_join(p->drain, NULL); /* the pipe ends with the process */
    else if (p->log_fd >= 0)
        close(p->log_fd);
    p->draining = false;
    p->log_fd = -1;
}

/* ---- redis
 * ------------------------------------------------------------------------ */

int bench_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
        getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
        port = ntohs(sin.sin_port);
    close(fd);
    return port;
}

/* Does a redis answer PING on port? */
static int redis_pong(int port)
{
    char addr[64], err[256];
    snprintf(addr, sizeof addr, "tcp:127.0.0.1:%d", port);
    int fd = wire_connect(addr, err, sizeof err);
    if (fd < 0)
        return 0;
    char buf[64] = "";
    ssize_t n = -1;
    if (write(fd, "PING\r\n", 6) == 6) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 1000) == 1)
            n = read(fd, buf, sizeof buf - 1);
    }
    close(fd);
    return n > 0 && strncmp(buf, "+PONG", 5) == 0;
}

int bench_redis_start(const char *server, bench_proc *p, int *port_out)
{
    memset(p, 0, sizeof *p);
    p->log_fd = -1;
    int port = bench_free_port();
    if (port <= 0)
        return -1;
    char ports[16];
    snprintf(ports, sizeof ports, "%d", port);
    /* No persistence, no other interface: a cache on loopback, as
     * redis-benchmark's own documentation measures it. */
    const char *argv[] = {server,      "--port",      ports, "--bind",
                          "127.0.0.1", "--save",      "",    "--appendonly",
                          "no",        "--daemonize", "no",  "--loglevel",
                          "warning",   "--databases", "1",   NULL};
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    p->pid = spawn(argv, devnull, -1);
    if (devnull >= 0)
        close(devnull);
    if (p->pid < 0)
        return -1;
    for (int i = 0; i < 500; i++) {
        if (redis_pong(port)) {
            *port_out = port;
            return 0;
        }
        if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
            p->pid = 0;
            return -1;
        }
        usleep(10000);
    }
    stop_pid(p->pid);
    p->pid = 0;
    return -1;
}
