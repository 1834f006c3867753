/*
 * cmd_lab.c: `heapctl lab check FILE.md...`, the check that the labs
 * show what heapctl prints.  A lab is Markdown; each ```pycon block in it
 * is a REPL transcript, run on a fresh heap of its own: its input lines
 * are fed one at a time as the REPL reads them (repl_feed), and what each
 * statement prints is compared with the lines the transcript shows after
 * it.  The rules (also in HELP_LAB):
 *
 * - `>>> ` starts a statement; `... ` continues one that py_input_status
 *   says is not complete ("..." or a blank line there is an empty line,
 *   which ends a compound statement, as at the prompt);
 * - every other line is expected output; a line `...` alone matches any
 *   one line (an id, an address), and after `Traceback (most recent call
 *   last):` a line `...` (indented or not) stands for all the indented
 *   `  File ...` lines that follow, as in doctest.
 *
 * What the statements print on stdout and stderr goes to one memory
 * stream, so a traceback comes where a terminal would show it.
 */
#include <stdlib.h>
#include <string.h>

#include "heapctl.h"

const char HELP_LAB[] =
    "usage: heapctl [OPTIONS] lab check FILE.md... [--profile P] [--json]\n"
    "\n"
    "Runs every ```pycon block of the labs, each on a fresh heap (made and\n"
    "destroyed; profile P, default the daemon's), feeding its input the way\n"
    "the REPL reads it: a line after '>>> ' starts a statement, a line\n"
    "after '... ' continues it, and a blank line (or '...' alone) is the\n"
    "empty line that ends a compound statement.  Every other line is the\n"
    "output expected, stdout and tracebacks together: '...' alone matches\n"
    "any one line, and '...' after 'Traceback (most recent call last):'\n"
    "stands for the '  File' lines, as in doctest.\n"
    "\n"
    "Each difference is printed as 'FILE: block B line L: expected X, got\n"
    "Y' (B counts the pycon blocks of the file from 1, L the lines of the\n"
    "block from 1, the line after the fence), then 'lab check: N blocks, M\n"
    "passed'.  Exit status 1 if any block differs.  JSON: {\"files\":[{\n"
    "\"file\":..,\"blocks\":[{\"block\":B,\"file_line\":..,\"passed\":..,\n"
    "\"differences\":[{\"line\":L,\"file_line\":..,\"expected\":..,\"got\":..,"
    "\n"
    "\"message\":..}]}]}],\"blocks\":N,\"passed\":M}; expected and got are\n"
    "null where there is no line.\n";

static const char TRACEBACK_HEAD[] = "Traceback (most recent call last):";

/* A line of a lab file: not NUL-terminated. */
typedef struct lline {
    const char *s;
    size_t n;
} lline;

/* One difference, kept for the JSON report; the strings are malloc'd. */
typedef struct diff {
    int line, file_line;
    char *expected, *got, *message;
} diff;

/* The check of one block. */
typedef struct check {
    ctl *x;
    const char *file;
    int block;      /* 1-based, among the file's pycon blocks */
    int fence_line; /* the file line of the opening fence */
    const lline *lines;
    size_t nlines;
    ev_session *s;
    FILE *cap; /* stdout and stderr of the session */
    char *capbuf;
    size_t capsize, mark; /* output up to mark is compared already */
    diff *diffs;
    size_t ndiffs, capdiffs;
    int fatal;
} check;

static int is_prompt(const lline *l, const char *p)
{
    /* ">>> x" or ">>>" alone */
    return l->n >= 3 && memcmp(l->s, p, 3) == 0 &&
           (l->n == 3 || l->s[3] == ' ');
}

static int is_blank(const lline *l)
{
    for (size_t k = 0; k < l->n; k++)
        if (l->s[k] != ' ' && l->s[k] != '\t')
            return 0;
    return 1;
}

static int line_is(const lline *l, const char *s)
{
    return l->n == strlen(s) && memcmp(l->s, s, l->n) == 0;
}

static int is_elision(const lline *l)
{
    size_t k = 0;
    while (k < l->n && l->s[k] == ' ')
        k++;
    return l->n - k == 3 && memcmp(l->s + k, "...", 3) == 0;
}

static char *dup_line(const lline *l)
{
    if (!l)
        return NULL;
    char *p = malloc(l->n + 1);
    if (p) {
        memcpy(p, l->s, l->n);
        p[l->n] = '\0';
    }
    return p;
}

/* Records a difference at line k of the block (0-based) and prints it
 * unless the report is JSON.  expected/got NULL: no line there. */
static void report(check *c, size_t k, const lline *expected, const lline *got,
                   const char *message)
{
    int line = (int)k + 1;
    if (!c->x->json) {
        printf("%s: block %d line %d: ", c->file, c->block, line);
        if (message) {
            printf("%s\n", message);
        } else {
            if (expected)
                printf("expected '%.*s'", (int)expected->n, expected->s);
            else
                printf("expected no more output");
            if (got)
                printf(", got '%.*s'\n", (int)got->n, got->s);
            else
                printf(", got no more output\n");
        }
    }
    if (c->ndiffs == c->capdiffs) {
        size_t cap = c->capdiffs ? 2 * c->capdiffs : 8;
        diff *p = realloc(c->diffs, cap * sizeof *p);
        if (!p)
            return;
        c->diffs = p;
        c->capdiffs = cap;
    }
    diff *d = &c->diffs[c->ndiffs++];
    d->line = line;
    d->file_line = c->fence_line + line;
    d->expected = dup_line(expected);
    d->got = dup_line(got);
    d->message = message ? strdup(message) : NULL;
}

/* Splits the output printed since the last comparison into lines (the
 * last one may lack its newline).  *n lines in a malloc'd array. */
static lline *take_output(check *c, size_t *n)
{
    fflush(c->cap);
    const char *p = c->capbuf + c->mark, *end = c->capbuf + c->capsize;
    c->mark = c->capsize;
    size_t cap = 8;
    lline *v = malloc(cap * sizeof *v);
    *n = 0;
    while (v && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (*n == cap) {
            lline *q = realloc(v, (cap *= 2) * sizeof *v);
            if (!q) {
                free(v);
                return NULL;
            }
            v = q;
        }
        v[(*n)++] = (lline){p, (size_t)(stop - p)};
        p = nl ? nl + 1 : end;
    }
    return v;
}

/* Compares the expected lines [from, to) of the block with what the last
 * statement printed; an extra line is reported at line `to`, where more
 * output would have been expected. */
static void compare_output(check *c, size_t from, size_t to)
{
    size_t na;
    lline *got = take_output(c, &na);
    if (!got) {
        report(c, from, NULL, NULL, "out of memory");
        return;
    }
    size_t j = 0;
    for (size_t i = from; i < to; i++) {
        const lline *e = &c->lines[i];
        if (j == na) {
            report(c, i, e, NULL, NULL);
            continue;
        }
        if (line_is(e, "...")) {
            j++;
            continue;
        }
        if (line_is(e, TRACEBACK_HEAD) && i + 1 < to &&
            is_elision(&c->lines[i + 1]) && line_is(&got[j], TRACEBACK_HEAD)) {
            /* the stack: every indented line up to the exception's */
            for (j++; j < na && got[j].n && got[j].s[0] == ' '; j++)
                ;
            i++;
            continue;
        }
        if (e->n != got[j].n || memcmp(e->s, got[j].s, e->n))
            report(c, i, e, &got[j], NULL);
        j++;
    }
    for (; j < na; j++)
        report(c, to, NULL, &got[j], NULL);
    free(got);
}

/* Feeds one input line; a fatal failure ends the whole check. */
static int feed(check *c, repl_input *in, const lline *l, size_t k)
{
    char *text = dup_line(l);
    int rc = text ? repl_feed(in, c->s, text, c->cap) : REPL_FATAL;
    free(text);
    if (rc == REPL_FATAL) {
        report(c, k, NULL, NULL, "the connection to heapd failed");
        c->fatal = 1;
    }
    return rc;
}

/* The text after a prompt: ">>> x" and "... x" give "x". */
static lline after_prompt(const lline *l)
{
    return l->n > 3 ? (lline){l->s + 4, l->n - 4} : (lline){l->s + 3, 0};
}

/* Runs the block's statements in order on the open session, comparing
 * each one's output when the next one starts and at the end. */
static void run_block(check *c)
{
    repl_input in = {NULL, 0, 0};
    int open = 0;        /* a statement is being read: prompt `...` */
    int started = 0;     /* a statement was read */
    size_t out_from = 0; /* where the last statement's output begins */
    size_t k;
    for (k = 0; k < c->nlines && !c->fatal; k++) {
        const lline *l = &c->lines[k];
        if (open) {
            lline rest = {"", 0};
            if (is_prompt(l, "..."))
                rest = after_prompt(l);
            else if (!is_blank(l)) {
                report(c, k, NULL, NULL,
                       "the statement above is not complete: a compound "
                       "statement ends with a blank line");
                break;
            }
            open = feed(c, &in, &rest, k) == REPL_MORE;
            out_from = k + 1;
        } else if (is_prompt(l, ">>>")) {
            if (started)
                compare_output(c, out_from, k);
            lline rest = after_prompt(l);
            open = feed(c, &in, &rest, k) == REPL_MORE;
            started = 1;
            out_from = k + 1;
        } else if (is_prompt(l, "...") && !line_is(l, "...")) {
            report(c, k, NULL, NULL,
                   "a '... ' line, but no statement is being read");
            break;
        } else if (!started) {
            report(c, k, NULL, NULL,
                   "output before the first '>>> ' statement");
            break;
        }
    }
    if (!c->fatal && k == c->nlines) {
        /* at the end of input the REPL runs what it has */
        if (open && repl_finish(&in, c->s) == REPL_FATAL) {
            report(c, k, NULL, NULL, "the connection to heapd failed");
            c->fatal = 1;
        } else if (started) {
            compare_output(c, out_from, c->nlines);
        }
    }
    repl_input_free(&in);
}

/* Checks one block on a heap of its own.  0, or an exit code when the
 * daemon cannot be used any more. */
static int check_block(check *c, const char *profile)
{
    hc_heap_created hc;
    if (hc_heap_create(c->x->c, NULL, profile, 0, 0, &hc) < 0)
        return ctl_fail(c->x);
    int rc = EXIT_OK;
    c->cap = open_memstream(&c->capbuf, &c->capsize);
    char err[256] = "out of memory";
    ev_options eo = {profile, c->cap, c->cap};
    c->s = c->cap ? ev_open(c->x->c, &eo, err, sizeof err) : NULL;
    if (c->s) {
        run_block(c);
        ev_close(c->s);
        if (c->fatal)
            rc = EXIT_CONNECT;
    } else {
        rc = ctl_error(c->x, "%s", err);
    }
    if (c->cap)
        fclose(c->cap);
    free(c->capbuf);
    c->capbuf = NULL;
    c->capsize = c->mark = 0;
    if (hc_heap_destroy(c->x->c, hc.name, hc.token) < 0 && rc == EXIT_OK)
        rc = ctl_fail(c->x);
    return rc;
}

static void json_diffs(json *j, const check *c)
{
    json_key(j, "differences");
    json_arr_begin(j);
    for (size_t k = 0; k < c->ndiffs; k++) {
        const diff *d = &c->diffs[k];
        json_obj_begin(j);
        json_kint(j, "line", d->line);
        json_kint(j, "file_line", d->file_line);
        const char *keys[] = {"expected", "got", "message"};
        const char *vals[] = {d->expected, d->got, d->message};
        for (int v = 0; v < 3; v++) {
            json_key(j, keys[v]);
            if (vals[v])
                json_str(j, vals[v]);
            else
                json_null(j);
        }
        json_obj_end(j);
    }
    json_arr_end(j);
}

static void free_diffs(check *c)
{
    for (size_t k = 0; k < c->ndiffs; k++) {
        free(c->diffs[k].expected);
        free(c->diffs[k].got);
        free(c->diffs[k].message);
    }
    free(c->diffs);
    c->diffs = NULL;
    c->ndiffs = c->capdiffs = 0;
}

/* The file's lines, in a malloc'd array pointing into text. */
static lline *split_lines(const char *text, size_t n, size_t *nlines)
{
    size_t cap = 64;
    lline *v = malloc(cap * sizeof *v);
    *nlines = 0;
    for (const char *p = text, *end = text + n; v && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t len = (size_t)(stop - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (*nlines == cap) {
            lline *q = realloc(v, (cap *= 2) * sizeof *v);
            if (!q) {
                free(v);
                return NULL;
            }
            v = q;
        }
        v[(*nlines)++] = (lline){p, len};
        p = nl ? nl + 1 : end;
    }
    return v;
}

static int is_pycon_fence(const lline *l)
{
    if (l->n < 8 || memcmp(l->s, "```pycon", 8))
        return 0;
    return l->n == 8 || l->s[8] == ' ' || l->s[8] == '\t';
}

static int is_fence(const lline *l)
{
    return l->n >= 3 && memcmp(l->s, "```", 3) == 0;
}

typedef struct tally {
    int blocks, passed;
} tally;

/* Checks every pycon block of one file.  0, or an exit code that ends
 * the check. */
static int check_file(ctl *x, const char *path, const char *profile, tally *t)
{
    size_t n, nl;
    char *text = ctl_read_file(path, &n);
    if (!text) {
        fprintf(stderr, "heapctl lab: can't open file '%s'\n", path);
        return EXIT_USAGE;
    }
    lline *lines = split_lines(text, n, &nl);
    if (!lines) {
        free(text);
        return ctl_error(x, "out of memory");
    }
    if (x->json) {
        json_obj_begin(&x->j);
        json_kstr(&x->j, "file", path);
        json_key(&x->j, "blocks");
        json_arr_begin(&x->j);
    }
    int rc = EXIT_OK, block = 0;
    for (size_t k = 0; k < nl && rc == EXIT_OK; k++) {
        if (!is_fence(&lines[k]))
            continue;
        int pycon = is_pycon_fence(&lines[k]);
        size_t end = k + 1;
        while (end < nl && !is_fence(&lines[end]))
            end++;
        if (pycon) {
            check c;
            memset(&c, 0, sizeof c);
            c.x = x;
            c.file = path;
            c.block = ++block;
            c.fence_line = (int)k + 1;
            c.lines = &lines[k + 1];
            c.nlines = end - k - 1;
            if (end == nl)
                report(&c, c.nlines, NULL, NULL, "no closing ``` fence");
            else
                rc = check_block(&c, profile);
            t->blocks++;
            t->passed += c.ndiffs == 0;
            if (x->json) {
                json_obj_begin(&x->j);
                json_kint(&x->j, "block", c.block);
                json_kint(&x->j, "file_line", c.fence_line);
                json_kbool(&x->j, "passed", c.ndiffs == 0);
                json_diffs(&x->j, &c);
                json_obj_end(&x->j);
            }
            free_diffs(&c);
        }
        k = end; /* the closing fence */
    }
    if (x->json) {
        json_arr_end(&x->j);
        json_obj_end(&x->j);
    }
    free(lines);
    free(text);
    return rc;
}

int cmd_lab(ctl *x, int argc, char **argv)
{
    enum { MAXFILES = 256 };
    const char *pos[MAXFILES + 1];
    const char *profile = NULL;
    int npos, json_flag = 0;
    const optspec opts[] = {
        {"--profile", 1, &profile, NULL, NULL, NULL, 0},
        {"--json", 0, NULL, &json_flag, NULL, NULL, 0},
        {NULL, 0, NULL, NULL, NULL, NULL, 0},
    };
    int rc =
        parse_opts(x, argc, argv, opts, pos, MAXFILES + 1, &npos, HELP_LAB);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (npos == 0 || strcmp(pos[0], "check"))
        return ctl_usage(x, "the only lab subcommand is 'check FILE.md...'");
    if (npos == 1)
        return ctl_usage(x, "give the lab files to check");
    if (profile && strcmp(profile, "3.11") && strcmp(profile, "3.12") &&
        strcmp(profile, "3.13"))
        return ctl_usage(x, "unknown profile '%s' (3.11, 3.12 or 3.13)",
                         profile);
    x->json |= json_flag;
    if ((rc = ctl_start(x, NEED_HELLO)))
        return rc;
    tally t = {0, 0};
    if (x->json) {
        json_init(&x->j, stdout);
        json_obj_begin(&x->j);
        json_key(&x->j, "files");
        json_arr_begin(&x->j);
    }
    for (int k = 1; k < npos && rc == EXIT_OK; k++)
        rc = check_file(x, pos[k], profile, &t);
    if (x->json) {
        json_arr_end(&x->j);
        json_kint(&x->j, "blocks", t.blocks);
        json_kint(&x->j, "passed", t.passed);
        json_obj_end(&x->j);
    } else {
        printf("lab check: %d blocks, %d passed\n", t.blocks, t.passed);
    }
    fflush(stdout);
    if (rc)
        return rc;
    return t.passed == t.blocks ? EXIT_OK : EXIT_OP;
}
