/*
 * render.c: hg_render, a graph into a file by its extension: the dot text
 * itself, or a picture drawn by Graphviz's dot program.
 *
 * dot runs as a child (fork, execvp: no shell, so a filename needs no
 * quoting) with the text on its stdin and its stdout and stderr on a
 * pipe we read, so that what it says ends up in the error message instead
 * of on the terminal of a program that may be printing JSON.  Its stdin is
 * a socket, not a pipe, so that writing to a dot that has already died is
 * EPIPE from send(MSG_NOSIGNAL) rather than a SIGPIPE that would kill the
 * caller: a library must not touch the process's signal dispositions.
 * The text is made in memory first; the parent writes it and reads dot's
 * output in one poll loop, so neither side can block the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hg_internal.h"

#define DOT_NOT_INSTALLED                                                      \
    "graphviz's 'dot' is not installed: install graphviz, or give a "          \
    "filename ending in .dot"
#define DOT_SAID_MAX 1024 /* bytes of dot's output kept for the message */

static int fail(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The -T format for filename's extension: "" for dot text, NULL when the
 * extension is not one we know. */
static const char *format_of(const char *filename, const char **ext)
{
    static const char *const formats[][2] = {
        {"dot", ""}, {"gv", ""}, {"png", "png"}, {"svg", "svg"}, {"pdf", "pdf"},
    };
    const char *base = strrchr(filename, '/');
    const char *dot = strrchr(base ? base + 1 : filename, '.');
    *ext = dot ? dot + 1 : NULL;
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcasecmp(dot + 1, formats[i][0]) == 0)
            return formats[i][1];
    return NULL;
}

static int write_dot_file(const Heapd__Graph *g, const hg_options *o,
                          const char *filename, char *err, size_t errcap)
{
    FILE *f = fopen(filename, "w");
    if (!f)
        return fail(err, errcap, "cannot write %s: %s", filename,
                    strerror(errno));
    int rc = hg_write_dot(g, o, f);
    int e = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc < 0)
        return fail(err, errcap, "cannot write %s: %s", filename, strerror(e));
    return 0;
}

/* The child: stdin from the socket, stdout and stderr to the pipe.  Only
 * async-signal-safe calls until exec; an exec failure goes back as errno
 * on report (close-on-exec, so a successful exec closes it silently). */
static void exec_dot(char *const argv[], int in, int out, int report)
{
    /* A caller with 0, 1 or 2 closed can have been given them for these:
     * lift them above 2 first, so no dup2 overwrites another or is a
     * no-op that keeps close-on-exec. */
    in = fcntl(in, F_DUPFD_CLOEXEC, 3);
    out = fcntl(out, F_DUPFD_CLOEXEC, 3);
    report = fcntl(report, F_DUPFD_CLOEXEC, 3);
    if (in >= 0 && out >= 0 && dup2(in, 0) >= 0 && dup2(out, 1) >= 0 &&
        dup2(out, 2) >= 0)
        execvp(argv[0], argv);
    int e = errno;
    ssize_t unused = write(report, &e, sizeof e);
    (void)unused;
    _exit(127);
}

/* What dot printed, kept up to DOT_SAID_MAX bytes. */
typedef struct said {
    char text[DOT_SAID_MAX + 1];
    size_t len;
} said;

/* Feeds text to the socket and collects the output pipe until dot closes
 * it.  Returns 0, or -1 with errno when poll fails; *fed says whether dot
 * took all of the text (it can close its stdin early on an error). */
static int converse(int in, int out, const char *text, size_t len, said *s,
                    int *fed)
{
    size_t off = 0;
    *fed = 0;
    if (len == 0) {
        close(in);
        in = -1;
        *fed = 1;
    }
    while (out >= 0) {
        struct pollfd p[2] = {{out, POLLIN, 0}, {in, POLLOUT, 0}};
        if (poll(p, in >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            if (in >= 0)
                close(in);
            close(out);
            return -1;
        }
        if (in >= 0 && p[1].revents) {
            ssize_t n =
                send(in, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                off += (size_t)n;
            if (off == len || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                *fed = off == len;
                close(in); /* dot sees the end of its input */
                in = -1;
            }
        }
        if (p[0].revents) {
            char buf[4096];
            ssize_t n = read(out, buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                close(out);
                out = -1;
                break;
            }
            size_t keep = DOT_SAID_MAX - s->len;
            if (keep > (size_t)n)
                keep = (size_t)n;
            memcpy(s->text + s->len, buf, keep);
            s->len += keep;
        }
    }
    if (in >= 0) /* dot closed its output with input left */
        close(in);
    s->text[s->len] = '\0';
    return 0;
}

/* The first nonblank line of what dot printed, for the message. */
static const char *first_line(said *s)
{
    char *p = s->text;
    while (*p == '\n' || *p == '\r' || *p == ' ')
        p++;
    p[strcspn(p, "\r\n")] = '\0';
    return p;
}

static int wait_child(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static void close_all(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static int run_dot(const char *format, const char *filename, const char *text,
                   size_t len, char *err, size_t errcap)
{
    char targ[16], *oarg = malloc(strlen(filename) + 3);
    if (!oarg)
        return fail(err, errcap, "out of memory");
    snprintf(targ, sizeof targ, "-T%s", format);
    /* -o<file> in one word: "-o" "<file>" would read a file named "-x"
     * as an option. */
    strcpy(oarg, "-o");
    strcat(oarg, filename);
    char *argv[] = {"dot", targ, oarg, NULL};

    /* fds: 0,1 the stdin socket (ours, dot's); 2,3 the output pipe (ours,
     * dot's); 4,5 the exec report pipe (ours, dot's). */
    int fds[6] = {-1, -1, -1, -1, -1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 ||
        pipe2(fds + 2, O_CLOEXEC) < 0 || pipe2(fds + 4, O_CLOEXEC) < 0) {
        int e = errno;
        close_all(fds, 6);
        free(oarg);
        return fail(err, errcap, "cannot run dot: %s", strerror(e));
    }
    pid_t pid = fork();
    if (pid == 0)
        exec_dot(argv, fds[1], fds[3], fds[5]);
    int e = errno;
    free(oarg);
    close(fds[1]);
    close(fds[3]);
    close(fds[5]);
    if (pid < 0) {
        close(fds[0]);
        close(fds[2]);
        close(fds[4]);
        return fail(err, errcap, "cannot run dot: %s", strerror(e));
    }

    int exec_errno = 0;
    ssize_t n;
    while ((n = read(fds[4], &exec_errno, sizeof exec_errno)) < 0 &&
           errno == EINTR)
        ;
    close(fds[4]);
    if (n != (ssize_t)sizeof exec_errno)
        exec_errno = 0; /* EOF: the exec succeeded */

    said s = {.len = 0};
    int fed = 0, status = 0, rc = 0;
    if (!exec_errno)
        rc = converse(fds[0], fds[2], text, len, &s, &fed);
    else
        close_all((int[]){fds[0], fds[2]}, 2);
    e = errno;
    if (wait_child(pid, &status) < 0)
        return fail(err, errcap, "cannot wait for dot: %s", strerror(errno));

    if (exec_errno == ENOENT)
        return fail(err, errcap, "%s", DOT_NOT_INSTALLED);
    if (exec_errno)
        return fail(err, errcap, "cannot run graphviz's 'dot': %s",
                    strerror(exec_errno));
    if (rc < 0)
        return fail(err, errcap, "talking to dot: %s", strerror(e));
    if (WIFSIGNALED(status))
        return fail(err, errcap, "graphviz's dot was killed by signal %d",
                    WTERMSIG(status));
    const char *said = first_line(&s), *colon = said[0] ? ": " : "";
    if (WEXITSTATUS(status) != 0)
        return fail(err, errcap, "graphviz's dot failed (exit status %d)%s%s",
                    WEXITSTATUS(status), colon, said);
    if (!fed)
        return fail(err, errcap, "graphviz's dot stopped reading its input%s%s",
                    colon, said);
    return 0;
}

int hg_render(const Heapd__Graph *g, const hg_options *o, const char *filename,
              char *err, size_t errcap)
{
    if (err && errcap > 0)
        err[0] = '\0';
    if (!g)
        return fail(err, errcap, "no graph to draw");
    if (!filename || !filename[0])
        return fail(err, errcap, "no filename to draw the graph into");
    const char *ext;
    const char *format = format_of(filename, &ext);
    if (!format && !ext)
        return fail(err, errcap,
                    "%s has no extension: give a filename ending in .png, "
                    ".svg, .pdf or .dot",
                    filename);
    if (!format)
        return fail(err, errcap,
                    "unknown file extension '.%s': use .png, .svg, .pdf or "
                    ".dot",
                    ext);
    if (!format[0])
        return write_dot_file(g, o, filename, err, errcap);

    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return fail(err, errcap, "out of memory");
    int rc = hg_write_dot(g, o, mem);
    if (fclose(mem) != 0 || rc < 0) {
        free(text);
        return fail(err, errcap, "cannot make the dot text: %s",
                    strerror(errno ? errno : ENOMEM));
    }
    rc = run_dot(format, filename, text, len, err, errcap);
    free(text);
    return rc;
}
