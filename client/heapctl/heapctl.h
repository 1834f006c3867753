/*
 * heapctl.h: what the files of heapctl share (not a library header).
 *
 * main.c        global options, the table of subcommands, help
 * session.c     connecting, opening the heap, running ops with the
 *               finalizer hand-off, errors, leaving the stack as found
 * objarg.c      object arguments (NAME, ID, literals) and keys
 * json.c        the JSON writer for --json
 * cmd_heap.c    ping, heap create|list|info|destroy
 * cmd_obj.c     new, bind, del, link, unlink, obj info, referrers, referents
 * cmd_gc.c      gc ..., malloc-stats
 * cmd_events.c  events
 * cmd_python.c  run, -c, repl, and the REPL's way of reading statements
 * cmd_lab.c     lab check: the labs' pycon transcripts against a heap
 */
#ifndef HEAPCTL_H
#define HEAPCTL_H

#include <stdint.h>
#include <stdio.h>

#include "eval.h"
#include "heapclient.h"

/* Exit codes (docs/heapctl.md). */
enum {
    EXIT_OK = 0,
    EXIT_OP = 1,      /* the operation failed */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_CONNECT = 3, /* cannot connect */
};

/* ---- JSON output (json.c) ---------------------------------------------- */

typedef struct json {
    FILE *f;
    int depth;
    int after_key;
    unsigned count[32]; /* values written at each depth */
} json;

void json_init(json *j, FILE *f);
void json_obj_begin(json *j);
void json_obj_end(json *j); /* a newline after the outermost */
void json_arr_begin(json *j);
void json_arr_end(json *j);
void json_key(json *j, const char *key);
void json_str(json *j, const char *s);
void json_strn(json *j, const char *s, size_t n);
void json_int(json *j, int64_t v);
void json_uint(json *j, uint64_t v);
void json_double(json *j, double v);
void json_bool(json *j, int v);
void json_null(json *j);
/* key + value */
void json_kstr(json *j, const char *key, const char *s);
void json_kint(json *j, const char *key, int64_t v);
void json_kuint(json *j, const char *key, uint64_t v);
void json_kbool(json *j, const char *key, int v);
/* Writes s as a JSON string literal to f. */
void json_escape(FILE *f, const char *s, size_t n);

/* ---- the session (session.c) ------------------------------------------- */

#define CTL_MAX_DUES 64

typedef struct ctl {
    /* global options */
    const char *server; /* NULL: HEAPD_ADDR or the default */
    const char *heap;   /* --heap or HEAPD_HEAP */
    const char *token;  /* --token or HEAPD_TOKEN */
    const char *admin_token;
    int json;
    int timeout_ms;
    const char *cmd; /* the subcommand, for messages */

    hc_client *c;
    int opened;          /* the heap is open: the stack must be restored */
    uint32_t base_stack; /* its stack size when opened */
    uint32_t last_stack; /* after our last op */
    int pushed;          /* an op of ours may have changed the stack */
    int no_spawn; /* --no-spawn: never start a heapd */
    char made_heap[128], made_token[72]; /* a heap this session created */
    hc_call_due dues[CTL_MAX_DUES]; /* caller code that was due */
    int ndues, dues_lost;
    json j;
} ctl;

/* How much of a session a subcommand needs. */
enum { NEED_CONNECT, NEED_HELLO, NEED_HEAP };

/* Connects (exit code 3 on failure), says hello, and opens the heap for
 * NEED_HEAP.  Returns 0 or the exit code to return. */
int ctl_start(ctl *x, int need);
/* Leaves the heap's stack as it was when opened, closes. */
void ctl_end(ctl *x);

/* Prints the client's last error (text on stderr, or JSON on stdout) and
 * returns the exit code for it. */
int ctl_fail(ctl *x);
/* A usage error: prints "heapctl CMD: message" and the hint; returns 2. */
int ctl_usage(ctl *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A failure heapctl itself detects after connecting; returns 1. */
int ctl_error(ctl *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One op on the open heap.  When it leaves a finalizer or callback due,
 * the call is begun and ended at once (its body is the REPL's business),
 * remembered for the report, and repeated while more become due.  For
 * GC_COLLECT out->value is then the collection's final result.  Returns
 * 0 or the exit code (the error already printed). */
int ctl_op(ctl *x, int code, int64_t i, const char *s, uint64_t obj,
           hc_op_result *out);
int ctl_op_full(ctl *x, Heapd__Op *op, hc_op_result *out);

/* JSON output of one command: the object is opened by ctl_json_begin and
 * closed by ctl_json_end, which adds "calls_due" when there were some. */
json *ctl_json_begin(ctl *x);
void ctl_json_end(ctl *x);
/* Human notes (stderr) about the calls that were due. */
void ctl_report_dues(ctl *x);

/* The whole of a file ("-": stdin), NUL-terminated, malloc'd (the caller
 * frees it), its length in *n; NULL if it cannot be read (cmd_python.c). */
char *ctl_read_file(const char *path, size_t *n);

/* Parses a whole decimal or 0x-hex number; 0 on success. */
int parse_i64(const char *s, int64_t *out);
int parse_u64(const char *s, uint64_t *out);

/* ---- object arguments (objarg.c) --------------------------------------- */

typedef enum argkind {
    ARG_NAME,  /* a global name */
    ARG_ID,    /* an object id */
    ARG_NONE,  /* None */
    ARG_BOOL,  /* True, False */
    ARG_INT,   /* int:N, or a bare integer in a key */
    ARG_FLOAT, /* float:X */
    ARG_STR,   /* str:TEXT, or a bare word in a key */
    ARG_BYTES, /* bytes:TEXT */
} argkind;

typedef struct objarg {
    argkind kind;
    const char *text; /* as given */
    const char *s;    /* NAME, or the TEXT of str:/bytes: */
    uint64_t id;
    int64_t i;
    double f;
} objarg;

/* An object argument: NAME, ID (decimal or 0x hex), None, True, False, or
 * a literal int:N float:X str:TEXT bytes:TEXT.  0, or -1 after printing a
 * usage error. */
int objarg_parse(ctl *x, const char *s, objarg *out);
/* A key (link/unlink): an integer, a literal as above, @NAME or @ID for
 * an object, else the word itself as a str. */
int keyarg_parse(ctl *x, const char *s, objarg *out);
/* Is s valid UTF-8 (what a str must be)? */
int valid_utf8(const char *s);
/* Pushes the argument's object on the heap's stack; out as ctl_op. */
int objarg_push(ctl *x, const objarg *a, hc_op_result *out);

/* ---- subcommands ------------------------------------------------------- */

typedef int (*cmd_fn)(ctl *x, int argc, char **argv);

/* A subcommand's own options, parsed wherever they appear after it. */
typedef struct optspec {
    const char *name;   /* "--bind" */
    int has_arg;        /* takes the next argument (or --name=value) */
    const char **value; /* where the argument goes (the last one wins) */
    int *flag;          /* set to 1 when seen (options without argument) */
    const char **list;  /* repeatable: arguments collected here */
    int *nlist;
    int maxlist;
} optspec;

/* Splits argv (after the subcommand word) into options and positionals;
 * "--help" prints help_text and returns 1 (exit 0); a bad option prints a
 * usage error and returns -1.  Negative numbers are positionals; "--"
 * ends the options. */
int parse_opts(ctl *x, int argc, char **argv, const optspec *opts,
               const char **pos, int maxpos, int *npos, const char *help_text);

int cmd_ping(ctl *x, int argc, char **argv);
int cmd_heap(ctl *x, int argc, char **argv);
int cmd_new(ctl *x, int argc, char **argv);
int cmd_bind(ctl *x, int argc, char **argv);
int cmd_del(ctl *x, int argc, char **argv);
int cmd_link(ctl *x, int argc, char **argv);
int cmd_unlink(ctl *x, int argc, char **argv);
int cmd_obj(ctl *x, int argc, char **argv);
int cmd_referrers(ctl *x, int argc, char **argv);
int cmd_referents(ctl *x, int argc, char **argv);
int cmd_gc(ctl *x, int argc, char **argv);
int cmd_malloc_stats(ctl *x, int argc, char **argv);
int cmd_events(ctl *x, int argc, char **argv);
int cmd_run(ctl *x, int argc, char **argv);
int cmd_repl(ctl *x, int argc, char **argv);
int cmd_lab(ctl *x, int argc, char **argv);
/* heapctl -c CODE */
int cmd_code(ctl *x, const char *code);

/* The REPL's input (cmd_python.c): the lines typed since the `>>>`
 * prompt.  repl_feed adds one line (without its newline); once
 * py_input_status says the statement is complete it runs it with
 * ev_run_interactive (a SyntaxError is printed on err) and drops the
 * lines.  repl_finish runs what is left at end of input.  The buffer is
 * the caller's, freed with repl_input_free; start from all zeros. */
typedef struct repl_input {
    char *src;
    size_t len, cap;
} repl_input;
enum {
    REPL_MORE,  /* prompt `...`: the statement goes on */
    REPL_RAN,   /* prompt `>>>`: it ran, failed to compile, or was empty */
    REPL_FATAL, /* the connection failed (or out of memory) */
};
int repl_feed(repl_input *in, ev_session *s, const char *line, FILE *err);
int repl_finish(repl_input *in, ev_session *s);
void repl_input_free(repl_input *in);

/* Prints the items of the list on top of the stack (one line, or one
 * JSON object under key, each) and pops it.  0 or the exit code. */
int show_list_on_top(ctl *x, const char *key);

/* Help texts, shown by "heapctl CMD --help" and "heapctl help CMD". */
extern const char HELP_PING[], HELP_HEAP[], HELP_NEW[], HELP_BIND[], HELP_DEL[],
    HELP_LINK[], HELP_UNLINK[], HELP_OBJ[], HELP_REFERRERS[], HELP_REFERENTS[],
    HELP_GC[], HELP_MALLOC_STATS[], HELP_EVENTS[], HELP_RUN[], HELP_LAB[];

#endif
