/*
 * cmd_python.c: heapctl as a Python interpreter on a remote heap -- `run
 * FILE.py`, `-c CODE` and `repl` (the default on a terminal).  Each
 * session gets a fresh heap of its own, destroyed at exit unless --keep
 * NAME; --heap NAME --token T attaches to an existing one.  The REPL
 * behaves like `python3 -i`: on a terminal with readline and
 * ~/.heapctl_history, otherwise with the banner and prompts on stderr.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "eval.h"
#include "heapctl.h"
#include "py.h"

typedef struct pyopts {
    const char *profile;
    const char *keep;
    int quiet;
} pyopts;

const char HELP_RUN[] =
    "usage: heapctl [OPTIONS] run FILE.py [--profile 3.11|3.12|3.13] [--keep "
    "NAME]\n"
    "       heapctl [OPTIONS] -c CODE\n"
    "       heapctl [OPTIONS] repl [--profile P] [--keep NAME]\n"
    "\n"
    "Runs Python on a heap of the daemon: every object lives in the heap and\n"
    "what the program prints is what CPython would print.  A fresh heap is\n"
    "made for the session and destroyed at exit, unless --keep NAME (the heap\n"
    "stays, under that name) or --heap NAME --token T (an existing heap).\n"
    "If nothing answers at the default address heapctl starts a heapd in the\n"
    "background, unless --no-spawn.\n";


/* Opens the heap the session runs on: the one named by --heap, or a new
 * one.  Returns 0 or an exit code. */
static int open_heap(ctl *x, const pyopts *o, int *made)
{
    *made = 0;
    if (x->heap && *x->heap) {
        if (hc_heap_open(x->c, x->heap, x->token, NULL) < 0)
            return ctl_fail(x);
        return 0;
    }
    hc_heap_created hc;
    if (hc_heap_create(x->c, o->keep, o->profile, 0, 0, &hc) < 0)
        return ctl_fail(x);
    *made = 1;
    if (o->keep)
        fprintf(stderr, "heapctl: heap %s kept, token %s\n", hc.name, hc.token);
    snprintf(x->made_heap, sizeof x->made_heap, "%s", hc.name);
    snprintf(x->made_token, sizeof x->made_token, "%s", hc.token);
    return 0;
}

static void close_heap(ctl *x, const pyopts *o, int made)
{
    if (made && !o->keep)
        hc_heap_destroy(x->c, x->made_heap, x->made_token);
}

char *ctl_read_file(const char *path, size_t *n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                buf = NULL;
            }
            buf = p;
        }
    }
    if (f != stdin)
        fclose(f);
    if (buf)
        buf[len] = '\0';
    *n = len;
    return buf;
}

static int parse_py_opts(ctl *x, int argc, char **argv, pyopts *o,
                         const char **pos, int maxpos, int *npos)
{
    memset(o, 0, sizeof *o);
    const optspec opts[] = {
        {"--profile", 1, &o->profile, NULL, NULL, NULL, 0},
        {"--keep", 1, &o->keep, NULL, NULL, NULL, 0},
        {NULL, 0, NULL, NULL, NULL, NULL, 0},
    };
    int rc = parse_opts(x, argc, argv, opts, pos, maxpos, npos, HELP_RUN);
    if (rc)
        return rc;
    if (o->profile && strcmp(o->profile, "3.11") &&
        strcmp(o->profile, "3.12") && strcmp(o->profile, "3.13"))
        return ctl_usage(x, "unknown profile '%s' (3.11, 3.12 or 3.13)",
                         o->profile),
               -1;
    return 0;
}

typedef struct repl {
    int tty;
    char *history;
    hc_client *c;
} repl;

static int repl_loop(ev_session *s, void *arg);

static int with_session(ctl *x, const pyopts *o,
                        int (*body)(ev_session *, void *), void *arg)
{
    int rc = ctl_start(x, NEED_HELLO);
    if (rc)
        return rc;
    int made;
    if ((rc = open_heap(x, o, &made)))
        return rc;
    char err[256];
    ev_options eo = {o->profile, stdout, stderr};
    ev_session *s = ev_open(x->c, &eo, err, sizeof err);
    if (!s) {
        close_heap(x, o, made);
        return ctl_error(x, "%s", err);
    }
    if (body == repl_loop)
        ((repl *)arg)->c = x->c;
    rc = body(s, arg);
    ev_close(s);
    close_heap(x, o, made);
    return rc;
}

typedef struct source {
    const char *text;
    size_t n;
    const char *filename;
} source;

static int run_source(ev_session *s, void *arg)
{
    source *src = arg;
    int r = ev_run_file(s, src->text, src->n, src->filename);
    if (r != EV_RUN_FATAL && ev_finalize(s) == EV_RUN_FATAL)
        r = EV_RUN_FATAL;
    return r == EV_RUN_OK ? EXIT_OK : r == EV_RUN_EXC ? EXIT_OP : EXIT_CONNECT;
}

int cmd_run(ctl *x, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    pyopts o;
    int rc = parse_py_opts(x, argc, argv, &o, pos, 1, &npos);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (npos != 1)
        return ctl_usage(x, "give one FILE.py to run");
    size_t n;
    char *text = ctl_read_file(pos[0], &n);
    if (!text) {
        fprintf(stderr, "heapctl: can't open file '%s'\n", pos[0]);
        return EXIT_USAGE;
    }
    source src = {text, n, pos[0]};
    rc = with_session(x, &o, run_source, &src);
    free(text);
    return rc;
}

int cmd_code(ctl *x, const char *code)
{
    pyopts o;
    memset(&o, 0, sizeof o);
    source src = {code, strlen(code), "<string>"};
    return with_session(x, &o, run_source, &src);
}

/* ---- the REPL
 * ----------------------------------------------------------------- */

static char *next_line(repl *r, const char *prompt)
{
    if (r->tty) {
        char *l = readline(prompt);
        if (l && *l)
            add_history(l);
        return l;
    }
    fputs(prompt, stderr);
    fflush(stderr);
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    int c;
    while ((c = getchar()) != EOF) {
        if (len + 2 >= cap)
            buf = realloc(buf, cap *= 2);
        if (c == '\n')
            break;
        buf[len++] = (char)c;
    }
    if (c == EOF && len == 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* ---- workshop commands at the prompt ------------------------------------- */

static const char MAGIC_HELP[] =
    "Workshop commands (at the >>> prompt):\n"
    "  %heap         objects by type, their bytes, objects per generation\n"
    "  %gc           gc counts, thresholds, statistics, debug flags\n"
    "  %malloc       the allocator: arenas, pools, blocks per size class\n"
    "  %graph NAME   draw the objects NAME refers to, into NAME.png\n"
    "  %help         this list\n";

static void magic_heap(hc_client *c)
{
    Heapd__TypeStatsResult *t;
    if (hc_type_stats(c, &t) < 0) {
        fprintf(stderr, "%%heap: %s\n", hc_last_error(c)->message);
        return;
    }
    printf("%-12s %10s %12s\n", "type", "objects", "bytes");
    for (size_t k = 0; k < t->n_types; k++)
        if (t->types[k]->count)
            printf("%-12s %10llu %12llu\n", t->types[k]->type,
                   (unsigned long long)t->types[k]->count,
                   (unsigned long long)t->types[k]->bytes);
    printf("%llu objects;", (unsigned long long)t->objects);
    static const char *const gen[] = {"gen 0", "gen 1", "gen 2", "frozen"};
    for (size_t k = 0; k < t->n_tracked && k < 4; k++)
        printf(" %s: %llu%s", gen[k], (unsigned long long)t->tracked[k],
               k + 1 < t->n_tracked ? "," : "");
    printf("\n");
    hc_free(t);
}

static void magic_gc(hc_client *c)
{
    hc_gc_state g;
    if (hc_gc_query(c, &g) < 0) {
        fprintf(stderr, "%%gc: %s\n", hc_last_error(c)->message);
        return;
    }
    printf("enabled %s, debug %d, frozen %llu, garbage %llu\n",
           g.enabled ? "yes" : "no", g.debug,
           (unsigned long long)g.freeze_count, (unsigned long long)g.garbage);
    printf("count      %lld %lld %lld\n", (long long)g.count[0],
           (long long)g.count[1], (long long)g.count[2]);
    printf("threshold  %lld %lld %lld\n", (long long)g.threshold[0],
           (long long)g.threshold[1], (long long)g.threshold[2]);
    for (int k = 0; k < 3; k++)
        printf("gen %d: %llu collections, %llu collected, %llu uncollectable\n",
               k, (unsigned long long)g.stats[k].collections,
               (unsigned long long)g.stats[k].collected,
               (unsigned long long)g.stats[k].uncollectable);
}

static void magic_malloc(hc_client *c)
{
    Heapd__MallocStatsResult *m;
    if (hc_malloc_stats(c, &m) < 0) {
        fprintf(stderr, "%%malloc: %s\n", hc_last_error(c)->message);
        return;
    }
    printf("class   size   pools   blocks in use   free\n");
    for (size_t k = 0; k < m->n_classes; k++)
        if (m->classes[k]->pools)
            printf("%5zu %6u %7u %15llu %6llu\n", k, m->classes[k]->size,
                   m->classes[k]->pools,
                   (unsigned long long)m->classes[k]->blocks_in_use,
                   (unsigned long long)m->classes[k]->blocks_free);
    printf("arenas: %llu now, %llu allocated, %llu reclaimed, highwater %llu\n",
           (unsigned long long)m->arenas_current,
           (unsigned long long)m->arenas_allocated_total,
           (unsigned long long)m->arenas_reclaimed,
           (unsigned long long)m->arenas_highwater);
    printf("bytes in blocks %llu, raw blocks %llu (%llu bytes), in use %llu\n",
           (unsigned long long)m->bytes_in_blocks,
           (unsigned long long)m->raw_blocks, (unsigned long long)m->raw_bytes,
           (unsigned long long)m->bytes_in_use);
    hc_free(m);
}

/* A line starting with % at the >>> prompt; false if it is not one. */
static bool magic(ev_session *s, hc_client *c, const char *line)
{
    if (line[0] != '%')
        return false;
    char word[32] = "", arg[200] = "";
    sscanf(line + 1, "%31s %199s", word, arg);
    if (!strcmp(word, "heap"))
        magic_heap(c);
    else if (!strcmp(word, "gc"))
        magic_gc(c);
    else if (!strcmp(word, "malloc"))
        magic_malloc(c);
    else if (!strcmp(word, "graph") && arg[0]) {
        char src[600];
        snprintf(src, sizeof src,
                 "import objgraph as _heapctl_og; _heapctl_og.show_refs([%s], "
                 "filename='%s.png'); del _heapctl_og\n",
                 arg, arg);
        ev_run_interactive(s, src, strlen(src));
    } else
        fputs(MAGIC_HELP, stdout);
    fflush(stdout);
    return true;
}

int repl_feed(repl_input *in, ev_session *s, const char *line, FILE *err)
{
    size_t ll = strlen(line);
    if (in->len + ll + 2 > in->cap) {
        size_t cap = in->cap ? in->cap : 256;
        while (in->len + ll + 2 > cap)
            cap *= 2;
        char *p = realloc(in->src, cap);
        if (!p)
            return REPL_FATAL;
        in->src = p;
        in->cap = cap;
    }
    memcpy(in->src + in->len, line, ll);
    in->len += ll;
    in->src[in->len++] = '\n';
    in->src[in->len] = '\0';
    py_error perr;
    py_input st = py_input_status(in->src, in->len, "<stdin>", &perr);
    if (st == PY_INPUT_INCOMPLETE)
        return REPL_MORE;
    int rc = REPL_RAN;
    if (st == PY_INPUT_ERROR) {
        char buf[2048];
        py_error_format(&perr, buf, sizeof buf);
        fputs(buf, err);
        fflush(err);
    } else if (st == PY_INPUT_COMPLETE &&
               ev_run_interactive(s, in->src, in->len) == EV_RUN_FATAL) {
        rc = REPL_FATAL;
    }
    in->len = 0;
    return rc;
}

int repl_finish(repl_input *in, ev_session *s)
{
    int rc = REPL_RAN;
    if (in->len && ev_run_interactive(s, in->src, in->len) == EV_RUN_FATAL)
        rc = REPL_FATAL;
    in->len = 0;
    return rc;
}

void repl_input_free(repl_input *in)
{
    free(in->src);
    memset(in, 0, sizeof *in);
}

static int repl_loop(ev_session *s, void *arg)
{
    repl *r = arg;
    fprintf(stderr,
            "heapctl %s: Python on a heapd heap (CPython's semantics)\n"
            "Type %%help for the workshop commands; Ctrl-D leaves.\n",
            HC_VERSION);
    repl_input in = {NULL, 0, 0};
    int rc = REPL_RAN;
    for (;;) {
        char *line = next_line(r, in.len ? "... " : ">>> ");
        if (!line) {
            rc = repl_finish(&in, s);
            if (!r->tty)
                fputs("\n", stderr);
            break;
        }
        if (!in.len && magic(s, r->c, line)) {
            free(line);
            continue;
        }
        rc = repl_feed(&in, s, line, stderr);
        free(line);
        if (rc == REPL_FATAL)
            break;
    }
    repl_input_free(&in);
    if (rc != REPL_FATAL && ev_finalize(s) == EV_RUN_FATAL)
        rc = REPL_FATAL;
    return rc == REPL_FATAL ? EXIT_CONNECT : EXIT_OK;
}

int cmd_repl(ctl *x, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    pyopts o;
    int rc = parse_py_opts(x, argc, argv, &o, pos, 0, &npos);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    repl r = {isatty(0) && isatty(2), NULL, NULL};
    if (r.tty) {
        const char *home = getenv("HOME");
        if (home && asprintf(&r.history, "%s/.heapctl_history", home) > 0)
            read_history(r.history);
    }
    rc = with_session(x, &o, repl_loop, &r);
    if (r.history) {
        write_history(r.history);
        free(r.history);
    }
    return rc;
}
