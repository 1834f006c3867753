/*
 * test_conformance.c: heapctl against real CPython.  For each profile
 * (3.11, 3.12, 3.13) a heapd is started on a temporary Unix socket; every
 * program under programs/ runs twice, as `heapctl run --profile P FILE`
 * and as `python3 -X utf8 FILE` with the CPython of that profile, and
 * every transcript under interactive/ as `heapctl repl --profile P` and
 * `python3 -X utf8 -i`, stdin from the file.  Stdout is compared line by
 * line, and the exit status; stderr is not compared (tracebacks, prompts
 * and the banner go there).
 *
 * known-differences.txt lists the (profile, file) pairs that are expected
 * to differ.  A profile passes when exactly those differ: a listed file
 * that now matches fails too, so the list cannot go stale.  A CPython that
 * cannot be found fails the test; it is never skipped.
 *
 * By hand (README.md in this directory):
 *   CONFORMANCE_ONLY=gc_       only files whose path contains "gc_"
 *   CONFORMANCE_PROFILES=3.12  only these profiles (comma-separated)
 *   CONFORMANCE_VERBOSE=1      print both outputs in full for a failure
 *   CONFORMANCE_TIMEOUT_MS=N   per-run limit (default 30000)
 *   CONFORMANCE_HEAPCTL=PATH   this heapctl instead of the build's
 *   CONFORMANCE_PYTHON_3_12=/path/to/python3   this interpreter for 3.12
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#ifndef HEAPCTL_BIN
#error "HEAPCTL_BIN must name the heapctl binary under test"
#endif
#ifndef CONFORMANCE_DIR
#error "CONFORMANCE_DIR must name tests/conformance in the source tree"
#endif

extern char **environ;

#define NPROFILES            3
#define DEFAULT_TIMEOUT_MS   30000
#define OUTPUT_CAP           (16u << 20) /* bytes kept of one stream */
#define SHOW_CAP             160         /* characters of a line shown */
#define MAX_SAME_ABNORMAL    3 /* identical heapctl errors shown in full */
#define MAX_HEAPCTL_TIMEOUTS 3 /* then the rest of a profile is not run */

static const char *const PROFILES[NPROFILES] = {"3.11", "3.12", "3.13"};
/* The versions docs/cpython-reference.md was measured with: preferred
 * when installed, else the newest 3.X.N. */
static const char *const REFERENCE_VERSIONS[NPROFILES] = {"3.11.7", "3.12.1",
                                                          "3.13.0"};

/* Formats into out, cutting what does not fit: for report text. */
static void text_into(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void text_into(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

/* Formats a path (or a name that must stay whole) into out: whether it
 * fit. */
static bool path_fits(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool path_fits(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < cap;
}

#define path_into(out, cap, ...)                                               \
    ck_assert_msg(path_fits(out, cap, __VA_ARGS__), "path too long: %s", out)

/* ---- running a child ----------------------------------------------------
 */

typedef struct output {
    char *buf; /* NUL-terminated; malloc'd */
    size_t len;
    bool truncated;
} output;

typedef struct run_result {
    bool started;   /* false: fork or exec failed (why in err) */
    bool timed_out; /* killed after the time limit */
    int status;     /* exit status, or -1 when killed by a signal */
    int sig;        /* the signal, when status is -1 */
    output out, err;
} run_result;

static void output_add(output *o, const char *p, size_t n)
{
    if (o->len + n > OUTPUT_CAP) {
        n = OUTPUT_CAP - o->len;
        o->truncated = true;
    }
    char *b = realloc(o->buf, o->len + n + 1);
    ck_assert_msg(b != NULL, "out of memory");
    memcpy(b + o->len, p, n);
    o->len += n;
    b[o->len] = 0;
    o->buf = b;
}

static void run_free(run_result *r)
{
    free(r->out.buf);
    free(r->err.buf);
    memset(r, 0, sizeof *r);
}

/* The environment children get: ours without PYTHON* (PYTHONSTARTUP would
 * run in -i mode, PYTHONHASHSEED and friends change behaviour) and without
 * HEAPD_* (heapctl must use the test's daemon and a fresh heap). */
static char **child_environ(void)
{
    static char **env;
    if (env)
        return env;
    size_t n = 0;
    while (environ[n])
        n++;
    env = calloc(n + 1, sizeof *env);
    ck_assert_msg(env != NULL, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PYTHON", 6) != 0 &&
            strncmp(environ[i], "HEAPD_", 6) != 0)
            env[k++] = environ[i];
    return env;
}

static void child_exec(const char *const *argv, const char *cwd,
                       const char *stdin_path, int out_fd, int err_fd,
                       int report_fd, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    setpgid(0, 0);
    int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
    const char *what = "open stdin";
    if (in >= 0 && dup2(in, 0) >= 0 && dup2(out_fd, 1) >= 0 &&
        dup2(err_fd, 2) >= 0) {
        what = "chdir";
        if (!cwd || chdir(cwd) == 0) {
            what = "exec";
            if (strchr(argv[0], '/'))
                execve(argv[0], (char *const *)argv, child_environ());
            else {
                environ = child_environ();
                execvp(argv[0], (char *const *)argv);
            }
        }
    }
    char msg[PATH_MAX + 64];
    text_into(msg, sizeof msg, "%s %s: %s", what, argv[0], strerror(errno));
    if (write(report_fd, msg, strlen(msg)) < 0)
        _exit(127);
    _exit(127);
}

/* Runs argv (argv[0] a path, or a name looked up in PATH) in cwd with
 * stdin from stdin_path (NULL: /dev/null), capturing stdout and stderr,
 * killing its process group after timeout_ms.  Never asserts on the
 * child's behaviour: the caller judges r. */
static void run_child(const char *const *argv, const char *cwd,
                      const char *stdin_path, int timeout_ms, run_result *r)
{
    memset(r, 0, sizeof *r);
    output_add(&r->out, "", 0);
    output_add(&r->err, "", 0);
    int outp[2], errp[2], rep[2];
    ck_assert_int_eq(pipe2(outp, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(errp, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0)
        child_exec(argv, cwd, stdin_path, outp[1], errp[1], rep[1], parent);
    setpgid(pid, pid); /* also in the child: whichever runs first */
    close(outp[1]);
    close(errp[1]);
    close(rep[1]);

    struct pollfd fds[2] = {{.fd = outp[0], .events = POLLIN},
                            {.fd = errp[0], .events = POLLIN}};
    output *dst[2] = {&r->out, &r->err};
    int open_fds = 2;
    int64_t deadline = it_now_ms() + timeout_ms;
    char buf[65536];
    while (open_fds > 0) {
        int64_t left = deadline - it_now_ms();
        if (left <= 0 && !r->timed_out) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            r->timed_out = true;
        }
        int n = poll(fds, 2, r->timed_out ? 1000 : (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n >= 0, "poll: %s", strerror(errno));
        if (n == 0 && r->timed_out)
            break; /* killed, yet a grandchild holds the pipe */
        for (int k = 0; k < 2; k++) {
            if (fds[k].fd < 0 ||
                !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[k].fd, buf, sizeof buf);
            if (got > 0) {
                output_add(dst[k], buf, (size_t)got);
            } else if (got == 0 || errno != EINTR) {
                close(fds[k].fd);
                fds[k].fd = -1;
                open_fds--;
            }
        }
    }
    for (int k = 0; k < 2; k++)
        if (fds[k].fd >= 0)
            close(fds[k].fd);
    /* It may still run after closing its output: the limit holds. */
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (w == 0 && it_now_ms() > deadline && !r->timed_out) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            r->timed_out = true;
        }
        if (w == 0)
            it_sleep_ms(1);
    }
    ssize_t why = read(rep[0], buf, sizeof buf - 1);
    close(rep[0]);
    if (why > 0) {
        buf[why] = 0;
        free(r->err.buf);
        r->err.buf = NULL;
        r->err.len = 0;
        output_add(&r->err, buf, (size_t)why);
        return; /* started stays false */
    }
    r->started = true;
    if (WIFEXITED(st)) {
        r->status = WEXITSTATUS(st);
    } else {
        r->status = -1;
        r->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    }
}

/* ---- the interpreters ---------------------------------------------------
 */

typedef struct python {
    char exe[PATH_MAX];
    char version[32]; /* "3.12.1" */
} python;

static const char *env_or_null(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void pyenv_root(char *out, size_t cap)
{
    const char *root = env_or_null("PYENV_ROOT");
    if (root) {
        path_into(out, cap, "%s", root);
        return;
    }
    const char *argv[] = {"pyenv", "root", NULL};
    run_result r;
    run_child(argv, NULL, NULL, 10000, &r);
    if (r.started && r.status == 0 && r.out.len > 0) {
        r.out.buf[strcspn(r.out.buf, "\n")] = 0;
        path_into(out, cap, "%s", r.out.buf);
    } else {
        const char *home = env_or_null("HOME");
        path_into(out, cap, "%s/.pyenv", home ? home : "");
    }
    run_free(&r);
}

/* "3.12.N" with N all digits: N, else -1. */
static long patch_of(const char *name, const char *profile)
{
    size_t n = strlen(profile);
    if (strncmp(name, profile, n) != 0 || name[n] != '.' || !name[n + 1])
        return -1;
    for (const char *p = name + n + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return strtol(name + n + 1, NULL, 10);
}

/* What the interpreter says its version is ("3.12.1"), or false. */
static bool ask_version(const char *exe, char *out, size_t cap)
{
    const char *argv[] = {
        exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])",
        NULL};
    run_result r;
    run_child(argv, NULL, NULL, 30000, &r);
    bool ok = r.started && r.status == 0 && r.out.len > 0;
    if (ok) {
        r.out.buf[strcspn(r.out.buf, "\n")] = 0;
        text_into(out, cap, "%s", r.out.buf);
    }
    run_free(&r);
    return ok;
}

/* Finds the CPython of profile k: $CONFORMANCE_PYTHON_3_12, else the
 * reference version under pyenv's versions/, else the newest 3.12.N
 * there.  On failure, why says where it looked. */
static bool find_python(int k, python *py, char *why, size_t cap)
{
    const char *profile = PROFILES[k];
    char var[64];
    path_into(var, sizeof var, "CONFORMANCE_PYTHON_%c_%s", profile[0],
              profile + 2);
    const char *forced = env_or_null(var);
    char root[PATH_MAX], dir[PATH_MAX + 16];
    if (forced) {
        path_into(py->exe, sizeof py->exe, "%s", forced);
    } else {
        pyenv_root(root, sizeof root);
        path_into(dir, sizeof dir, "%s/versions", root);
        DIR *dp = opendir(dir);
        long best = -1;
        char best_name[256] = "";
        struct dirent *e;
        while (dp && (e = readdir(dp)) != NULL) {
            long patch = patch_of(e->d_name, profile);
            char exe[PATH_MAX];
            if (patch < 0 || !path_fits(exe, sizeof exe, "%s/%s/bin/python3",
                                        dir, e->d_name))
                continue;
            if (access(exe, X_OK) != 0)
                continue;
            bool reference = strcmp(e->d_name, REFERENCE_VERSIONS[k]) == 0;
            if (reference)
                patch = LONG_MAX;
            if (patch > best) {
                best = patch;
                path_into(best_name, sizeof best_name, "%s", e->d_name);
            }
        }
        if (dp)
            closedir(dp);
        if (best < 0) {
            text_into(why, cap,
                      "no CPython %s: nothing executable at %s/%s.*/bin/python3"
                      " (install it with `pyenv install %s`, or set %s to an "
                      "interpreter)",
                      profile, dir, profile, REFERENCE_VERSIONS[k], var);
            return false;
        }
        path_into(py->exe, sizeof py->exe, "%s/%s/bin/python3", dir, best_name);
    }
    if (!ask_version(py->exe, py->version, sizeof py->version)) {
        text_into(why, cap, "CPython %s: %s does not run", profile, py->exe);
        return false;
    }
    size_t n = strlen(profile);
    if (strncmp(py->version, profile, n) != 0 || py->version[n] != '.') {
        text_into(why, cap, "CPython %s: %s is Python %s", profile, py->exe,
                  py->version);
        return false;
    }
    return true;
}

/* ---- the files ------------------------------------------------------------
 */

typedef struct case_file {
    char rel[256];       /* "programs/001_x.py", the name used everywhere */
    char path[PATH_MAX]; /* absolute */
    char dir[PATH_MAX];  /* its directory: the cwd of both runs */
    bool interactive;
    int want_exit; /* "# expect-exit: N" in its first lines; else 0 */
} case_file;

static int declared_exit(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    char line[512];
    int want = 0;
    for (int k = 0; k < 5 && fgets(line, sizeof line, f); k++) {
        const char *p = strstr(line, "expect-exit:");
        if (line[0] == '#' && p) {
            want = atoi(p + strlen("expect-exit:"));
            break;
        }
    }
    fclose(f);
    return want;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The programs, then the transcripts, each in name order; only those
 * whose relative path contains only (when not NULL). */
static size_t list_cases(case_file **out, const char *only)
{
    static const char *const SUBDIRS[] = {"programs", "interactive"};
    size_t n = 0, cap = 0;
    case_file *v = NULL;
    for (int s = 0; s < 2; s++) {
        char dir[PATH_MAX];
        path_into(dir, sizeof dir, "%s/%s", CONFORMANCE_DIR, SUBDIRS[s]);
        struct dirent **names;
        int m = scandir(dir, &names, NULL, by_name);
        ck_assert_msg(m >= 0, "%s: %s", dir, strerror(errno));
        for (int i = 0; i < m; i++) {
            const char *name = names[i]->d_name;
            char rel[256];
            path_into(rel, sizeof rel, "%s/%s", SUBDIRS[s], name);
            if (name[0] != '.' && ends_with(name, ".py") &&
                (!only || strstr(rel, only))) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 128;
                    v = realloc(v, cap * sizeof *v);
                    ck_assert_msg(v != NULL, "out of memory");
                }
                case_file *c = &v[n++];
                memset(c, 0, sizeof *c);
                path_into(c->rel, sizeof c->rel, "%s", rel);
                path_into(c->dir, sizeof c->dir, "%s", dir);
                path_into(c->path, sizeof c->path, "%s/%s", dir, name);
                c->interactive = s == 1;
                c->want_exit = c->interactive ? 0 : declared_exit(c->path);
            }
            free(names[i]);
        }
        free(names);
    }
    *out = v;
    return n;
}

/* ---- known-differences.txt ----------------------------------------------
 */

typedef struct known {
    char profile[8]; /* "3.12" or "*" */
    char rel[256];
    char reason[512];
    int line;
} known;

typedef struct known_list {
    known *items;
    size_t n;
    char error[1024]; /* a malformed line: the file is unusable */
} known_list;

static bool is_profile(const char *s)
{
    if (strcmp(s, "*") == 0)
        return true;
    for (int k = 0; k < NPROFILES; k++)
        if (strcmp(s, PROFILES[k]) == 0)
            return true;
    return false;
}

/* Lines "PROFILE PROGRAM  reason"; '#' starts a comment line.  PROGRAM is
 * a path relative to tests/conformance that must exist. */
static void load_known(known_list *kl)
{
    memset(kl, 0, sizeof *kl);
    char path[PATH_MAX];
    path_into(path, sizeof path, "%s/known-differences.txt", CONFORMANCE_DIR);
    FILE *f = fopen(path, "r");
    if (!f) {
        text_into(kl->error, sizeof kl->error, "%s: %s", path, strerror(errno));
        return;
    }
    char line[1024];
    size_t cap = 0;
    for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
        line[strcspn(line, "\r\n")] = 0;
        char *p = line + strspn(line, " \t");
        if (*p == 0 || *p == '#')
            continue;
        known k = {.line = lineno};
        char *profile = strtok(p, " \t");
        char *rel = strtok(NULL, " \t");
        char *reason = strtok(NULL, "");
        if (reason)
            reason += strspn(reason, " \t");
        char file[PATH_MAX];
        bool fits =
            rel && path_fits(file, sizeof file, "%s/%s", CONFORMANCE_DIR, rel);
        const char *bad = NULL;
        if (!profile || !is_profile(profile))
            bad = "PROFILE must be 3.11, 3.12, 3.13 or *";
        else if (!rel || (strncmp(rel, "programs/", 9) != 0 &&
                          strncmp(rel, "interactive/", 12) != 0))
            bad = "PROGRAM must be programs/NAME.py or interactive/NAME.py";
        else if (!fits || access(file, R_OK) != 0)
            bad = "no such file under tests/conformance";
        else if (!reason || !*reason)
            bad = "a reason is required after the program";
        for (size_t i = 0; !bad && i < kl->n; i++)
            if (strcmp(kl->items[i].rel, rel) == 0 &&
                (strcmp(kl->items[i].profile, profile) == 0 ||
                 strcmp(kl->items[i].profile, "*") == 0 ||
                 strcmp(profile, "*") == 0))
                bad = "this program is already listed for this profile";
        if (bad) {
            text_into(kl->error, sizeof kl->error,
                      "known-differences.txt line %d: %s", lineno, bad);
            break;
        }
        path_into(k.profile, sizeof k.profile, "%s", profile);
        path_into(k.rel, sizeof k.rel, "%s", rel);
        text_into(k.reason, sizeof k.reason, "%s", reason);
        if (kl->n == cap) {
            cap = cap ? 2 * cap : 32;
            kl->items = realloc(kl->items, cap * sizeof *kl->items);
            ck_assert_msg(kl->items != NULL, "out of memory");
        }
        kl->items[kl->n++] = k;
    }
    fclose(f);
}

static const known *find_known(const known_list *kl, const char *profile,
                               const char *rel)
{
    for (size_t i = 0; i < kl->n; i++)
        if (strcmp(kl->items[i].rel, rel) == 0 &&
            (strcmp(kl->items[i].profile, "*") == 0 ||
             strcmp(kl->items[i].profile, profile) == 0))
            return &kl->items[i];
    return NULL;
}

/* ---- comparing --------------------------------------------------------- */

/* A line as shown in the report: cut, control characters escaped. */
static void show_line(char *out, size_t cap, const char *p, size_t n)
{
    if (!p) {
        text_into(out, cap, "(end of output)");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n && k + 8 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        if (i == SHOW_CAP) {
            k += (size_t)snprintf(out + k, cap - k, "...");
            break;
        }
        if (c < 0x20 || c == 0x7f)
            k += (size_t)snprintf(out + k, cap - k, "\\x%02x", c);
        else
            out[k++] = (char)c;
    }
    out[k] = 0;
}

/* A cursor over the lines of an output; a last line without '\n' counts
 * as a line. */
typedef struct line_cursor {
    const char *p, *end;
} line_cursor;

/* The next line (its length in *n, *last_open when no '\n' ends it), or
 * NULL at the end. */
static const char *next_line(line_cursor *c, size_t *n, bool *last_open)
{
    if (c->p >= c->end)
        return NULL;
    const char *line = c->p;
    const char *nl = memchr(line, '\n', (size_t)(c->end - line));
    *n = (size_t)((nl ? nl : c->end) - line);
    *last_open = nl == NULL;
    c->p = nl ? nl + 1 : c->end;
    return line;
}

/* Whether the outputs are equal; if not, the first differing line (1-based)
 * and the two versions of it, as shown. */
static bool same_output(const output *want, const output *got, size_t *lineno,
                        char *w, char *g, size_t cap)
{
    if (want->len == got->len && memcmp(want->buf, got->buf, want->len) == 0)
        return true;
    line_cursor wc = {want->buf, want->buf + want->len};
    line_cursor gc = {got->buf, got->buf + got->len};
    for (size_t k = 1;; k++) {
        size_t wn = 0, gn = 0;
        bool wopen = false, gopen = false;
        const char *wl = next_line(&wc, &wn, &wopen);
        const char *gl = next_line(&gc, &gn, &gopen);
        if (wl && gl && wn == gn && memcmp(wl, gl, wn) == 0 && wopen == gopen)
            continue;
        *lineno = k;
        show_line(w, cap, wl, wn);
        show_line(g, cap, gl, gn);
        if (wl && gl && wopen != gopen) {
            char *open_one = wopen ? w : g;
            size_t used = strlen(open_one);
            text_into(open_one + used, cap - used, " (no newline at the end)");
        }
        return false;
    }
}

/* A stream summed up in a line: its first and last non-empty lines (a
 * usage error comes first, a traceback's exception last). */
static void stream_gist(const output *o, char *out, size_t cap)
{
    const char *p = o->buf, *end = o->buf + o->len;
    while (p < end && (*p == '\n' || *p == ' '))
        p++;
    while (end > p && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    if (p == end) {
        text_into(out, cap, "(nothing on stderr)");
        return;
    }
    const char *first_end = memchr(p, '\n', (size_t)(end - p));
    const char *last = end;
    while (last > p && last[-1] != '\n')
        last--;
    char a[SHOW_CAP * 5], b[SHOW_CAP * 5];
    show_line(a, sizeof a, p, (size_t)((first_end ? first_end : end) - p));
    if (!first_end) {
        text_into(out, cap, "%s", a);
        return;
    }
    show_line(b, sizeof b, last, (size_t)(end - last));
    text_into(out, cap, "%s ... %s", a, b);
}

/* How a run ended; heapctl's own exit codes (main.c) are named. */
static void describe_status(const run_result *r, bool heapctl, char *out,
                            size_t cap)
{
    if (heapctl && r->started && !r->timed_out && r->status == 2)
        text_into(out, cap, "exit 2 (usage error)");
    else if (heapctl && r->started && !r->timed_out && r->status == 3)
        text_into(out, cap, "exit 3 (cannot connect)");
    else if (!r->started)
        text_into(out, cap, "did not start");
    else if (r->timed_out)
        text_into(out, cap, "timed out");
    else if (r->status < 0)
        text_into(out, cap, "killed by signal %d", r->sig);
    else
        text_into(out, cap, "exit %d", r->status);
}

static void print_full(const char *title, const output *o)
{
    printf("    ---- %s (%zu bytes%s) ----\n%s%s    ----\n", title, o->len,
           o->truncated ? ", truncated" : "", o->buf,
           o->len && o->buf[o->len - 1] != '\n' ? "\n" : "");
}

/* ---- one profile ----------------------------------------------------------
 */

typedef struct tally {
    int passed, failed; /* matched CPython, or not */
    int known, unexpected, stale;
    int broken; /* CPython did not run the file as declared */
    char last_abnormal[4 * SHOW_CAP * 11]; /* shown once when repeated */
    int same_abnormal;
} tally;

static void flush_abnormal(tally *t)
{
    if (t->same_abnormal > MAX_SAME_ABNORMAL)
        printf("  ... and %d more failed the same way: %s\n",
               t->same_abnormal - MAX_SAME_ABNORMAL, t->last_abnormal);
    t->same_abnormal = 0;
    t->last_abnormal[0] = 0;
}

/* Reports one file that differs, and says whether that was expected. */
static void report_difference(tally *t, const char *profile, const case_file *c,
                              const known *k, const char *what, bool abnormal)
{
    t->failed++;
    if (k) {
        t->known++;
        printf("known   %s %s (listed: %s): %s\n", profile, c->rel, k->reason,
               what);
        return;
    }
    t->unexpected++;
    if (abnormal && strcmp(what, t->last_abnormal) == 0) {
        if (++t->same_abnormal > MAX_SAME_ABNORMAL)
            return;
    } else {
        flush_abnormal(t);
        if (abnormal) {
            text_into(t->last_abnormal, sizeof t->last_abnormal, "%s", what);
            t->same_abnormal = 1;
        }
    }
    printf("FAIL    %s %s: %s\n", profile, c->rel, what);
}

/* The heapctl under test: the build's, or $CONFORMANCE_HEAPCTL. */
static const char *heapctl_bin(void)
{
    const char *v = env_or_null("CONFORMANCE_HEAPCTL");
    return v ? v : HEAPCTL_BIN;
}

static int timeout_ms(void)
{
    const char *v = env_or_null("CONFORMANCE_TIMEOUT_MS");
    int ms = v ? atoi(v) : DEFAULT_TIMEOUT_MS;
    return ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

static bool profile_selected(const char *profile, char *why, size_t cap)
{
    const char *sel = env_or_null("CONFORMANCE_PROFILES");
    if (!sel)
        return true;
    char copy[256];
    text_into(copy, sizeof copy, "%s", sel);
    bool found = false;
    for (char *tok = strtok(copy, ", "); tok; tok = strtok(NULL, ", ")) {
        ck_assert_msg(is_profile(tok) && strcmp(tok, "*") != 0,
                      "CONFORMANCE_PROFILES: '%s' is not 3.11, 3.12 or 3.13",
                      tok);
        if (strcmp(tok, profile) == 0)
            found = true;
    }
    text_into(why, cap, "CONFORMANCE_PROFILES=%s", sel);
    return found;
}

/* Runs c with CPython and heapctl and compares; updates t. */
static void check_file(tally *t, const char *profile, const python *py,
                       const it_daemon *d, const case_file *c, const known *k,
                       int *heapctl_timeouts)
{
    int limit = timeout_ms();
    const char *stdin_path = c->interactive ? c->path : NULL;
    const char *py_argv[] = {py->exe, "-X", "utf8",
                             c->interactive ? "-i" : c->path, NULL};
    const char *ctl_argv[] = {heapctl_bin(),
                              "--server",
                              d->addr,
                              "--no-spawn",
                              c->interactive ? "repl" : "run",
                              "--profile",
                              profile,
                              c->interactive ? NULL : c->path,
                              NULL};
    char what[4 * SHOW_CAP * 11], st[64];

    run_result want;
    run_child(py_argv, c->dir, stdin_path, limit, &want);
    if (!want.started || want.timed_out || want.status != c->want_exit) {
        char last[SHOW_CAP * 11];
        describe_status(&want, false, st, sizeof st);
        stream_gist(&want.err, last, sizeof last);
        t->broken++;
        t->failed++;
        t->unexpected++;
        flush_abnormal(t);
        printf("FAIL    %s %s: CPython %s: %s, the file declares exit %d: "
               "%s\n",
               profile, c->rel, py->version, st, c->want_exit, last);
        run_free(&want);
        return;
    }
    if (*heapctl_timeouts >= MAX_HEAPCTL_TIMEOUTS) {
        text_into(what, sizeof what,
                  "not run: heapctl already timed out %d times",
                  MAX_HEAPCTL_TIMEOUTS);
        report_difference(t, profile, c, k, what, true);
        run_free(&want);
        return;
    }

    run_result got;
    run_child(ctl_argv, c->dir, stdin_path, limit, &got);
    if (got.timed_out)
        ++*heapctl_timeouts;
    bool abnormal =
        !got.started || got.timed_out || got.status < 0 || got.status > 1;
    size_t lineno = 0;
    char w[SHOW_CAP * 5], g[SHOW_CAP * 5], last[SHOW_CAP * 11];
    bool same =
        !abnormal && same_output(&want.out, &got.out, &lineno, w, g, sizeof w);
    bool status_ok = !abnormal && got.status == want.status;
    if (same && status_ok) {
        t->passed++;
        if (k) {
            t->stale++;
            flush_abnormal(t);
            printf("FAIL    %s %s: matches CPython now, but "
                   "known-differences.txt line %d lists it (%s): remove "
                   "the line\n",
                   profile, c->rel, k->line, k->reason);
        }
    } else if (abnormal) {
        describe_status(&got, true, st, sizeof st);
        stream_gist(&got.err, last, sizeof last);
        text_into(what, sizeof what, "heapctl %s: %s", st, last);
        report_difference(t, profile, c, k, what, true);
    } else {
        char status_part[64] = "", stdout_part[sizeof what] = "";
        if (!status_ok)
            text_into(status_part, sizeof status_part,
                      "exit status %d, CPython %d", got.status, want.status);
        if (!same)
            text_into(stdout_part, sizeof stdout_part,
                      "stdout differs at line %zu\n"
                      "          expected: %s\n"
                      "          got:      %s",
                      lineno, w, g);
        text_into(what, sizeof what, "%s%s%s", status_part,
                  !status_ok && !same ? "; " : "", stdout_part);
        report_difference(t, profile, c, k, what, false);
        if (!k && got.err.len) {
            stream_gist(&got.err, last, sizeof last);
            printf("          heapctl's stderr: %s\n", last);
        }
    }
    if (!(same && status_ok) && env_or_null("CONFORMANCE_VERBOSE")) {
        flush_abnormal(t);
        print_full("CPython stdout", &want.out);
        print_full("heapctl stdout", &got.out);
        print_full("heapctl stderr", &got.err);
    }
    fflush(stdout);
    run_free(&want);
    run_free(&got);
}

START_TEST(conformance_profile)
{
    const char *profile = PROFILES[_i];
    char why[1024];
    if (!profile_selected(profile, why, sizeof why)) {
        printf("conformance %s: not run (%s)\n", profile, why);
        return;
    }
    python py;
    if (!find_python(_i, &py, why, sizeof why)) {
        printf("conformance %s: FAILED: %s\n", profile, why);
        fflush(stdout);
        ck_abort_msg("%s", why);
    }
    ck_assert_msg(access(heapctl_bin(), X_OK) == 0, "heapctl is not built: %s",
                  heapctl_bin());
    known_list kl;
    load_known(&kl);
    ck_assert_msg(!kl.error[0], "%s", kl.error);
    case_file *cases;
    size_t n = list_cases(&cases, env_or_null("CONFORMANCE_ONLY"));
    ck_assert_msg(n > 0, "no programs match CONFORMANCE_ONLY=%s",
                  env_or_null("CONFORMANCE_ONLY"));
    printf("conformance %s: %zu file%s, CPython %s (%s)\n", profile, n,
           n == 1 ? "" : "s", py.version, py.exe);
    fflush(stdout);

    it_daemon d;
    it_daemon_start_unix(&d, NULL);
    tally t = {0};
    int timeouts = 0;
    int64_t t0 = it_now_ms();
    for (size_t i = 0; i < n; i++) {
        const known *k = find_known(&kl, profile, cases[i].rel);
        check_file(&t, profile, &py, &d, &cases[i], k, &timeouts);
        if (it_daemon_wait(&d, 0)) {
            flush_abnormal(&t);
            printf("conformance %s: heapd died while %s ran (status 0x%x)\n",
                   profile, cases[i].rel, d.status);
            fflush(stdout);
            ck_abort_msg("heapd died during %s (status 0x%x)", cases[i].rel,
                         d.status);
        }
    }
    flush_abnormal(&t);
    printf("conformance %s: %d passed, %d failed\n", profile, t.passed,
           t.failed);
    printf("  (%d listed in known-differences.txt, %d unexpected, %d listed "
           "but passing, %d where CPython itself did not exit as declared; "
           "%.1f s)\n",
           t.known, t.unexpected, t.stale, t.broken,
           (double)(it_now_ms() - t0) / 1000.0);
    fflush(stdout);
    it_daemon_stop(&d);
    free(cases);
    free(kl.items);
    ck_assert_msg(t.unexpected == 0 && t.stale == 0,
                  "conformance %s: %d unexpected differences, %d stale "
                  "entries in known-differences.txt (see the report above)",
                  profile, t.unexpected, t.stale);
}
END_TEST

/* The list must parse and name files that exist, even when no profile
 * runs. */
START_TEST(known_differences_format)
{
    known_list kl;
    load_known(&kl);
    ck_assert_msg(!kl.error[0], "%s", kl.error);
    free(kl.items);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("conformance");
    TCase *tc = tcase_create("conformance");
    /* Per profile: ~100 files x 2 runs of well under a second, plus at
     * most MAX_HEAPCTL_TIMEOUTS runs that hang until their limit. */
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, known_differences_format);
    tcase_add_loop_test(tc, conformance_profile, 0, NPROFILES);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    return it_run_suite(suite());
}
