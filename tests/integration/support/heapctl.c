/*
 * heapctl.c: runs the heapctl binary under test (HEAPCTL_BIN) against a
 * test's daemon, as a user would from a shell, and collects what it
 * printed on stdout and its exit status.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#ifndef HEAPCTL_BIN
#error "HEAPCTL_BIN must name the heapctl binary under test"
#endif

#define MAX_ARGS 64

int it_heapctl(const it_daemon *d, const char *const *args, const char *in,
               char *out, size_t cap)
{
    const char *argv[MAX_ARGS];
    int n = 0;
    argv[n++] = HEAPCTL_BIN;
    argv[n++] = "--server";
    argv[n++] = d->addr;
    argv[n++] = "--no-spawn";
    for (int k = 0; args[k]; k++) {
        ck_assert_int_lt(n, MAX_ARGS - 1);
        argv[n++] = args[k];
    }
    argv[n] = NULL;
    char errpath[128];
    it_path(d, "heapctl.err", errpath, sizeof errpath);
    int pout[2];
    ck_assert_int_eq(pipe(pout), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(in ? in : "/dev/null", O_RDONLY);
        dup2(fd, 0);
        dup2(pout[1], 1);
        fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        close(pout[0]);
        execv(HEAPCTL_BIN, (char *const *)argv);
        _exit(127);
    }
    close(pout[1]);
    /* read to the end even past cap, so that heapctl never blocks */
    size_t len = 0;
    char scratch[4096];
    ssize_t got;
    for (;;) {
        char *dst = len + 1 < cap ? out + len : scratch;
        size_t room = len + 1 < cap ? cap - 1 - len : sizeof scratch;
        if ((got = read(pout[0], dst, room)) <= 0)
            break;
        if (dst != scratch)
            len += (size_t)got;
    }
    out[len] = '\0';
    close(pout[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
