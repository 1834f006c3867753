/*
 * graph.h: the whole public surface of libheapgraph, which draws the
 * object graph of a walk (a Heapd__Graph, docs/protocol.md 6.6) for
 * heapctl's objgraph.show_refs / show_backrefs.
 *
 * The picture is Graphviz dot text (docs/graph.md says what it shows):
 * one box per object with its type, repr, refcount and generation, filled
 * by generation; the walk's roots in a thick border; instances of classes
 * with __del__ with clipped corners; reference cycles (over strong
 * references) in red; weak references dashed; a legend.  The same graph and
 * options always give the same text.
 *
 * Names: every public name starts with hg_; names with hg__ are internal.
 * Errors: functions return 0 or -1.  Nothing here keeps a pointer to its
 * arguments after it returns, and the graph is only read.
 */
#ifndef HG_GRAPH_H
#define HG_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heapd.pb-c.h"

/* Longest repr, type name or edge label drawn, in characters; longer ones
 * are cut to end in "..." (the daemon already cuts reprs to 40). */
#define HG_TEXT_MAX 40

/* What to draw besides the graph.  A zeroed struct (or NULL where an
 * hg_options pointer is taken) is valid: roots are the nodes at depth 0,
 * nothing is highlighted, no title.  The arrays are object ids; ids not
 * in the graph are ignored. */
typedef struct hg_options {
    const uint64_t *roots; /* the objects passed to show_refs, drawn with a */
    size_t nroots;         /* thick border; 0: the nodes at depth 0 */
    const uint64_t *highlight; /* objgraph's highlight=: a double border */
    size_t nhighlight;
    int refcounts;     /* objgraph's refcounts=True: counts are always shown,
                          this sets them in bold */
    int backrefs;      /* the graph came from show_backrefs (edges still point
                          from referrer to referent) */
    const char *title; /* UTF-8 or NULL: a heading above the graph */
} hg_options;

/* Writes g as dot text to f, which stays the caller's (not closed; only
 * written and flushed).  Returns 0, or -1 with errno set: EINVAL for a
 * NULL g or f, ENOMEM, or the error of a failed write (the text in f is
 * then incomplete).  Edges whose ends are not nodes of g are left out, as
 * are repeated nodes after the first. */
int hg_write_dot(const Heapd__Graph *g, const hg_options *o, FILE *f);

/* Draws g into the file filename, in the format its extension names:
 * ".dot" or ".gv" writes the dot text itself; ".png", ".svg" and ".pdf"
 * run Graphviz (`dot -T<fmt> -o<filename>`, found on PATH, no shell) with
 * the text on its stdin.  Returns 0, or -1 with a message in err (always
 * NUL-terminated when errcap > 0; err may be NULL): an unknown extension,
 * dot not installed, dot failing (with the first line it printed), or the
 * file not writable.  A failed dot may leave a partial file behind.
 * Blocks until dot exits; it does not touch signal handlers, and it reaps
 * only its own child. */
int hg_render(const Heapd__Graph *g, const hg_options *o, const char *filename,
              char *err, size_t errcap);

#endif
