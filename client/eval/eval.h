/*
 * eval.h: the whole public surface of heapctl's Python evaluator: it runs
 * the Python subset of DESIGN.md section 5 against a remote heap, every
 * object living in the heap, with CPython's reference-counting rules for
 * bindings, containers, arguments and temporaries, so that what a program
 * prints is what CPython prints (docs/heapctl.md).
 *
 * A session owns nothing of the connection it is given: the caller opens
 * the heap, hands over the client, and closes it after ev_close.  Output
 * goes to the session's out (program output, echoed values) and err
 * (tracebacks, notes).  Names are prefixed ev_.
 */
#ifndef EV_EVAL_H
#define EV_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "heapclient.h"

typedef struct ev_session ev_session;

typedef struct ev_options {
    const char
        *profile;    /* "3.11", "3.12", "3.13": what the heap was made with */
    FILE *out, *err; /* stdout, stderr when NULL */
} ev_options;

/* Results of running code. */
enum {
    EV_RUN_OK = 0,    /* ran to the end */
    EV_RUN_EXC = 1,   /* an uncaught exception (its traceback is printed) */
    EV_RUN_FATAL = 2, /* the connection failed; the session is unusable */
};

/* A session on the heap open on c.  NULL with a message in err when out
 * of memory or the heap's state cannot be read. */
ev_session *ev_open(hc_client *c, const ev_options *o, char *err,
                    size_t errcap);
void ev_close(ev_session *s);

/* Runs a file as `python3 FILE` would: one compilation unit. */
int ev_run_file(ev_session *s, const char *src, size_t n, const char *filename);
/* Runs one complete interactive statement as the REPL does ("single"
 * mode): its own compilation unit, expression values echoed and kept in
 * `_`.  src as accepted by py_input_status (PY_INPUT_COMPLETE). */
int ev_run_interactive(ev_session *s, const char *src, size_t n);

/* What CPython does at exit: the globals are set to None, names with
 * one leading underscore first, so finalizers of what they held run. */
int ev_finalize(ev_session *s);

/* How many requests the session sent, and sent again after a due call. */
void ev_stats(const ev_session *s, unsigned long long *sent,
              unsigned long long *resent);

#endif
