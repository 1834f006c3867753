/*
 * ast.h: internal to client/py -- the arena that owns a tree, growable
 * node lists built in it, and the error helpers the tokenizer and parser
 * share.  Nothing here is API; see py.h.
 */
#ifndef PY_AST_H
#define PY_AST_H

#include <stdarg.h>

#include "py.h"

/* ---- the arena --------------------------------------------------------------
 * A py_ast is an arena plus the root of its tree.  Allocations are zeroed
 * and suitably aligned; they are released only by py_ast_free. */

struct py__chunk;
struct py_ast {
    struct py__chunk *chunks;
    py_node *root;
};

py_ast *py__ast_new(void);               /* NULL when out of memory */
void *py__alloc(py_ast *a, size_t size); /* NULL when out of memory */
char *py__strndup(py_ast *a, const char *s, size_t n);

/* A list under construction: items live in the arena and move (the old
 * copy is abandoned to the arena) when it grows. */
typedef struct py__vec {
    void **items;
    size_t n, cap;
} py__vec;

int py__vec_push(py_ast *a, py__vec *v, void *item); /* -1: no memory */

/* Deepest root-to-leaf path under node, counted in nodes, found without
 * recursion; stops counting past limit (returns limit + 1).  *deepest, if
 * given, gets a node on the deepest path (for the error position). */
int py__tree_depth(const py_node *node, int limit, const py_node **deepest);

/* ---- errors -----------------------------------------------------------------
 * How the tokenizer and parser report errors.  Columns are 0-based byte
 * columns within their line; they become CPython's 1-based character
 * offsets here. */

typedef struct py__src {
    const char *buf; /* normalized source: "\n" line ends, NUL-terminated */
    size_t len;
    const char *filename;
    const char **lines; /* start of each line (or NULL: found by scanning) */
    size_t nlines;
} py__src;

/* Fills err (when err != NULL): kind, message, and position.  col and
 * end_col are 0-based byte columns of the characters the error starts and
 * ends at (CPython's offsets count characters, from 1).  Special values:
 * col -1 gives offset 0; end_col -1 gives end_offset -1 and any other
 * negative end_col (or end_lineno 0) end_offset 0, as CPython reports for
 * some errors. */
void py__error_at(py_error *err, const py__src *src, py_errkind kind,
                  int lineno, int col, int end_lineno, int end_col,
                  const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void py__error_nomem(py_error *err, const py__src *src);

/* Start of line lineno (1-based) in src, or NULL past the end. */
const char *py__line_start(const py__src *src, int lineno);

/* Number of UTF-8 characters in [s, s + nbytes). */
int py__utf8_width(const char *s, size_t nbytes);

#endif
