/*
 * evint.h: what the evaluator's files share (not API; see eval.h).
 *
 * eval.c      statements, expressions, calls, classes, exceptions
 * builtins.c  builtin functions, methods of built-in types, gc/sys/weakref
 * format.c    CPython's repr of floats, str(), format specs
 * link.c      the pipelined connection (link.h)
 *
 * The evaluator walks the tree of client/py.  Every Python object lives in
 * the heap: evaluating an expression leaves its object on the top of the
 * heap's value stack (a "heap value"), exactly where CPython's bytecode
 * would keep it, so reference counts match.  Only things the heap has no
 * type for stay in the client (modules, builtin functions, types,
 * exception objects).  What the evaluator knows about a heap value (its
 * type, its value when it computed it) travels with it so that it does
 * not have to ask.
 */
#ifndef EV_EVINT_H
#define EV_EVINT_H

#include <stdint.h>

#include "eval.h"
#include "link.h"
#include "py.h"

/* Statuses of evaluation functions. */
enum {
    ST_OK = 0,
    ST_EXC = -1,   /* a Python exception is in ev.exc */
    ST_FATAL = -2, /* the connection failed */
    ST_BREAK = 1,
    ST_CONTINUE = 2,
    ST_RETURN = 3,
};

typedef enum vkind {
    V_HEAP = 0, /* an object on the heap's stack */
    V_VOID,     /* None that is not on the heap (a builtin's result) */
    V_MODULE,   /* aux: MOD_* */
    V_BUILTIN,  /* aux: builtin index; self: for a method of a module */
    V_TYPE,     /* a built-in type or exception class: name in s */
    V_CLASSREF, /* a user class used as a value without a heap slot: no */
    V_EXC,      /* an exception object: type name in tname, message in s */
    V_RANGE,    /* range(start, stop, step) in r[] */
} vkind;

/* What is known of a heap value's content. */
enum { K_NONE_ = 0, K_UNKNOWN = 0, K_INT, K_FLOAT, K_STR, K_BOOL, K_NULL };

enum { MOD_GC = 1, MOD_SYS, MOD_WEAKREF, MOD_OBJGRAPH };

typedef struct val {
    vkind k;
    int known; /* K_* */
    int64_t i; /* K_INT, K_BOOL; V_BUILTIN/V_MODULE code */
    double f;  /* K_FLOAT */
    char *s;   /* K_STR (UTF-8, owned), V_TYPE/V_EXC name or message */
    size_t slen;
    char tname[48]; /* type name when known, "" otherwise */
    uint64_t id;    /* the object's id when known, 0 otherwise */
    int fn, cls;    /* index+1 in the function / class tables, 0: none */
    int64_t r[3];   /* V_RANGE */
    int aux;
} val;

void val_clear(val *v);
void val_copy(val *dst, const val *src);

/* A compilation unit: a file, -c code, or one interactive statement. */
typedef struct unit unit;

/* A function the evaluator compiled: its def (or lambda) node and scope. */
typedef struct fninfo {
    py_node *node; /* FUNCTIONDEF or LAMBDA */
    unit *u;
    char name[128];
    char **locals; /* local names, parameters first */
    uint32_t nlocals, nparams;
    char **globals; /* names declared global */
    uint32_t nglobals;
    uint64_t id;        /* the heap function */
    uint64_t *defaults; /* ids of the default values, for the last params */
    uint32_t ndefaults;
    int cls; /* the class it was defined in, index+1, or 0 */
} fninfo;

typedef struct clsinfo {
    char name[128];
    uint64_t id;
    char **attrs;      /* names assigned in the class body */
    int *attr_fn;      /* the function (index+1) bound to each, or 0 */
    uint64_t *attr_id; /* the object's id */
    uint32_t nattrs;
} clsinfo;

/* What the evaluator knows about a global name. */
typedef struct gname {
    char *name;
    val v; /* k == V_HEAP: bound in the heap's globals; else client-only */
} gname;

typedef struct frame frame;

/* objgraph's count of one type. */
typedef struct og_stat {
    char name[64];
    long count;
} og_stat;

typedef struct ev_exc {
    char type[64];
    char msg[512];
    int lineno;
    char where[8][160]; /* traceback lines, innermost first */
    int nwhere;
} ev_exc;

struct ev_session {
    lk lk;
    hc_client *c;
    FILE *out, *err;
    char profile[8];
    uint32_t sp, depth; /* the heap's stack size and frame depth as predicted */
    uint32_t base_sp;   /* module-level stack under the running unit */
    frame *f;           /* innermost frame */
    unit *u;            /* running unit */
    int lineno;
    int in_try; /* try blocks active: wait after each statement */
    int interactive;
    bool has_underscore; /* `_` sits at the bottom of frame 0's stack */
    ev_exc exc;
    fninfo **fns;
    size_t nfns, capfns;
    clsinfo **classes;
    size_t nclasses, capclasses;
    gname *globals;
    size_t nglobals, capglobals;
    unit **units; /* kept: functions point into their trees */
    size_t nunits, capunits;
    uint64_t none_id;
    int handoff_depth;
    val *ret_slot;    /* where a return statement leaves its value */
    ev_exc *handling; /* the exception an except clause is handling */
    og_stat *og_peak; /* objgraph.show_growth's peaks */
    size_t og_npeak;
};

/* ---- eval.c: used by builtins.c
 * ---------------------------------------------- */
int ev_op(ev_session *e, int code, int64_t i, const char *s, int delta);
int ev_push_float(ev_session *e, double d);
int ev_opx(ev_session *e, const lk_req *r, int delta);
int ev_raise(ev_session *e, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ev_status(ev_session *e, int lkrc);
/* Waits for everything sent; ST_EXC if something failed. */
int ev_sync(ev_session *e);
/* Sends r and waits for its answer, which must be of result_case (a
 * Heapd__Response result case); *out is the caller's, freed with hc_free. */
int ev_ask(ev_session *e, lk_req *r, int result_case, Heapd__Response **out);
/* Reads the object at depth d of the stack (after a sync). */
int ev_inspect(ev_session *e, uint32_t depth, unsigned what,
               Heapd__ObjectInfo **out);
int ev_inspect_id(ev_session *e, uint64_t id, unsigned what,
                  Heapd__ObjectInfo **out);
/* Puts a value on the heap if it is not there (V_VOID -> None, ...). */
int ev_materialize(ev_session *e, val *v);
/* Pops a heap value's slot. */
int ev_pop(ev_session *e);
/* Fills v's type and, for scalars, its value, asking the heap. */
int ev_learn(ev_session *e, val *v, uint32_t depth);
/* Calls a heap callable at depth nargs under nargs heap arguments. */
int ev_call_heap(ev_session *e, val *callee, val *args, uint32_t nargs,
                 val *out);
fninfo *ev_fn_by_id(ev_session *e, uint64_t id);
clsinfo *ev_class_named(ev_session *e, const char *name);

/* ---- builtins.c
 * ------------------------------------------------------------------- */
/* Looks up a builtin or module name; true and *out set if it is one. */
bool bi_lookup(const char *name, val *out);
bool bi_is_builtin_name(const char *name);
bool bi_is_isinstance(const val *callee);
/* Calls a builtin (callee V_BUILTIN) with evaluated arguments: heap
 * arguments are on the stack in order.  kwnames[i] names args[npos+i]. */
int bi_call(ev_session *e, val *callee, val *args, uint32_t npos,
            const char **kwnames, uint32_t nkw, val *out);
/* A method call on a heap value of a built-in type: the receiver is at
 * depth nheap(args) on the stack, under its heap arguments. */
int bi_method(ev_session *e, val *recv, const char *name, val *args,
              uint32_t npos, const char **kwnames, uint32_t nkw, val *out);
/* Attribute of a module (gc.garbage, gc.DEBUG_SAVEALL, ...). */
int bi_module_attr(ev_session *e, int mod, const char *name, val *out);
/* The builtin exception classes: is `type` a subclass of `base`? */
bool bi_exc_matches(const char *type, const char *base);
bool bi_is_exc_name(const char *name);
/* repr of a client-only value (<module 'gc' (built-in)>, <class 'int'>). */
char *bi_client_repr(const val *v);

/* ---- objgraph.c
 * ------------------------------------------------------------------ */
/* The code of an objgraph function, or 0. */
int og_lookup(const char *name);
int og_call(ev_session *e, int code, val *args, uint32_t npos,
            const char **kwnames, uint32_t nkw, val *out);

/* ---- format.c
 * --------------------------------------------------------------------- */
/* repr(float) as CPython: the shortest string that reads back. */
void fmt_float_repr(double d, char *buf, size_t cap);
/* str() of a known scalar value into a malloc'd string. */
char *fmt_known_str(const val *v, bool repr);
/* format(value, spec) for known ints, floats and strs; NULL + *err. */
char *fmt_spec(const val *v, const char *spec, const char **err);
/* CPython's repr of a str (quote choice and escapes), malloc'd. */
char *fmt_str_repr(const char *s, size_t n);

#endif
