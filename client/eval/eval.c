/*
 * eval.c: the evaluator proper -- compilation units and their constants,
 * statements, expressions, calls of user functions and classes, and
 * exceptions (evint.h says how values work; docs/heapctl.md how it maps
 * onto CPython's bytecode and reference counts).
 *
 * The heap's stack is used the way CPython's value stack is: operands and
 * temporaries are pushed, consumed by the operation, and a call's
 * arguments become the callee's locals.  The evaluator does not wait for
 * answers unless it needs one (a value to print or compute with, a truth
 * value to branch on); errors found later are raised where they are found
 * (link.c), which is at the latest the end of the statement, or of every
 * statement inside a try block.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evint.h"

#define OP(name)       HEAPD__OP_CODE__##name
#define MAX_CALL_DEPTH 200

/* ---- values
 * ------------------------------------------------------------------ */

void val_clear(val *v)
{
    free(v->s);
    memset(v, 0, sizeof *v);
}

void val_copy(val *dst, const val *src)
{
    *dst = *src;
    dst->s = src->s ? strndup(src->s, src->slen) : NULL;
}

static void val_heap(val *v, const char *tname)
{
    memset(v, 0, sizeof *v);
    v->k = V_HEAP;
    if (tname)
        snprintf(v->tname, sizeof v->tname, "%.47s", tname);
}

/* ---- compilation units
 * -------------------------------------------------------- Equal constants of a
 * unit are one object, held by the unit's arena (the list CPython's parser
 * keeps its constants in, alive while the unit runs) and by the code object of
 * each function body that uses it. */

typedef struct kconst {
    int kind; /* K_INT, K_FLOAT, K_STR, K_BOOL, K_NULL, or 9 bytes */
    int64_t i;
    double f;
    const char *s;
    size_t n;
    uint64_t id;
} kconst;

struct unit {
    py_ast *ast;
    char filename[256];
    const char *src;
    char *srccopy;
    kconst *k;
    size_t nk, capk;
    py_node **knode; /* constant nodes and their index in k */
    size_t *kidx;
    size_t nknode, capknode;
};

/* A folded or literal constant's value, or false when node is not one. */
static bool const_value(py_node *n, kconst *out);

static bool same_const(const kconst *a, const kconst *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case K_INT:
    case K_BOOL:
        return a->i == b->i;
    case K_FLOAT:
        return memcmp(&a->f, &b->f, sizeof a->f) == 0;
    case K_NULL:
        return true;
    default:
        return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
    }
}

static int add_const(unit *u, py_node *n, const kconst *c)
{
    size_t idx;
    for (idx = 0; idx < u->nk && !same_const(&u->k[idx], c); idx++)
        ;
    if (idx == u->nk) {
        if (u->nk == u->capk) {
            size_t cap = u->capk ? u->capk * 2 : 16;
            kconst *p = realloc(u->k, cap * sizeof *p);
            if (!p)
                return -1;
            u->k = p;
            u->capk = cap;
        }
        u->k[u->nk++] = *c;
    }
    if (u->nknode == u->capknode) {
        size_t cap = u->capknode ? u->capknode * 2 : 16;
        py_node **p = realloc(u->knode, cap * sizeof *p);
        size_t *q = realloc(u->kidx, cap * sizeof *q);
        if (p)
            u->knode = p;
        if (q)
            u->kidx = q;
        if (!p || !q)
            return -1;
        u->capknode = cap;
    }
    u->knode[u->nknode] = n;
    u->kidx[u->nknode++] = idx;
    return 0;
}

static const kconst *const_of(const unit *u, const py_node *n)
{
    for (size_t k = u->nknode; k-- > 0;)
        if (u->knode[k] == n)
            return &u->k[u->kidx[k]];
    return NULL;
}

static bool fold_num(py_binop op, const kconst *a, const kconst *b, kconst *out)
{
    bool ints = (a->kind == K_INT || a->kind == K_BOOL) &&
                (b->kind == K_INT || b->kind == K_BOOL);
    bool nums =
        ints ||
        ((a->kind == K_INT || a->kind == K_FLOAT || a->kind == K_BOOL) &&
         (b->kind == K_INT || b->kind == K_FLOAT || b->kind == K_BOOL));
    if (!nums)
        return false;
    memset(out, 0, sizeof *out);
    if (ints) {
        int64_t x = a->i, y = b->i, r;
        out->kind = K_INT;
        switch (op) {
        case PY_ADD:
            if (__builtin_add_overflow(x, y, &r))
                return false;
            break;
        case PY_SUB:
            if (__builtin_sub_overflow(x, y, &r))
                return false;
            break;
        case PY_MULT:
            if (__builtin_mul_overflow(x, y, &r))
                return false;
            break;
        case PY_POW: {
            if (y < 0 || y > 62)
                return false;
            r = 1;
            for (int64_t k = 0; k < y; k++)
                if (__builtin_mul_overflow(r, x, &r))
                    return false;
            break;
        }
        default:
            return false;
        }
        out->i = r;
        return true;
    }
    double x = a->kind == K_FLOAT ? a->f : (double)a->i,
           y = b->kind == K_FLOAT ? b->f : (double)b->i;
    out->kind = K_FLOAT;
    switch (op) {
    case PY_ADD:
        out->f = x + y;
        return true;
    case PY_SUB:
        out->f = x - y;
        return true;
    case PY_MULT:
        out->f = x * y;
        return true;
    default:
        return false;
    }
}

static bool const_value(py_node *n, kconst *out)
{
    memset(out, 0, sizeof *out);
    if (n->kind == PY_CONSTANT) {
        switch (n->u.constant.kind) {
        case PY_CONST_NONE:
            out->kind = K_NULL;
            return true;
        case PY_CONST_TRUE:
        case PY_CONST_FALSE:
            out->kind = K_BOOL;
            out->i = n->u.constant.kind == PY_CONST_TRUE;
            return true;
        case PY_CONST_INT:
            if (n->u.constant.big || n->u.constant.ival > INT64_MAX)
                return false;
            out->kind = K_INT;
            out->i = (int64_t)n->u.constant.ival;
            return true;
        case PY_CONST_FLOAT:
            out->kind = K_FLOAT;
            out->f = n->u.constant.fval;
            return true;
        case PY_CONST_STR:
            out->kind = K_STR;
            out->s = n->u.constant.s;
            out->n = n->u.constant.len;
            return true;
        case PY_CONST_BYTES:
            out->kind = 9;
            out->s = n->u.constant.s;
            out->n = n->u.constant.len;
            return true;
        default:
            return false;
        }
    }
    if (n->kind == PY_UNARYOP &&
        (n->u.unaryop.op == PY_USUB || n->u.unaryop.op == PY_UADD)) {
        kconst a;
        if (!const_value(n->u.unaryop.operand, &a) ||
            (a.kind != K_INT && a.kind != K_FLOAT))
            return false;
        *out = a;
        if (n->u.unaryop.op == PY_USUB) {
            if (a.kind == K_INT)
                out->i = -a.i;
            else
                out->f = -a.f;
        }
        return true;
    }
    if (n->kind == PY_BINOP) {
        kconst a, b;
        return const_value(n->u.binop.left, &a) &&
               const_value(n->u.binop.right, &b) &&
               fold_num(n->u.binop.op, &a, &b, out);
    }
    return false;
}

/* Collects the unit's constants, outermost folded expression first. */
static int collect_consts(unit *u, py_node *n);

static int collect_seq(unit *u, py_seq *s)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->items[k] && collect_consts(u, s->items[k]) < 0)
            return -1;
    return 0;
}

static int collect_consts(unit *u, py_node *n)
{
    if (!n)
        return 0;
    kconst c;
    if (n->kind != PY_JOINEDSTR && const_value(n, &c))
        return add_const(u, n, &c);
    switch (n->kind) {
    case PY_MODULE:
    case PY_INTERACTIVE:
        return collect_seq(u, &n->u.mod.body);
    case PY_FUNCTIONDEF:
        if (collect_seq(u, &n->u.functiondef.args->u.arguments.defaults) < 0)
            return -1;
        return collect_seq(u, &n->u.functiondef.body);
    case PY_LAMBDA:
        if (collect_seq(u, &n->u.lambda.args->u.arguments.defaults) < 0)
            return -1;
        return collect_consts(u, n->u.lambda.body);
    case PY_CLASSDEF:
        return collect_seq(u, &n->u.classdef.body);
    case PY_RETURN:
        return collect_consts(u, n->u.ret.value);
    case PY_DELETE:
        return collect_seq(u, &n->u.del.targets);
    case PY_ASSIGN:
        return collect_seq(u, &n->u.assign.targets) < 0
                   ? -1
                   : collect_consts(u, n->u.assign.value);
    case PY_AUGASSIGN:
        return collect_consts(u, n->u.augassign.target) < 0
                   ? -1
                   : collect_consts(u, n->u.augassign.value);
    case PY_FOR:
        if (collect_consts(u, n->u.for_.iter) < 0 ||
            collect_seq(u, &n->u.for_.body) < 0)
            return -1;
        return collect_seq(u, &n->u.for_.orelse);
    case PY_WHILE:
        if (collect_consts(u, n->u.while_.test) < 0 ||
            collect_seq(u, &n->u.while_.body) < 0)
            return -1;
        return collect_seq(u, &n->u.while_.orelse);
    case PY_IF:
        if (collect_consts(u, n->u.if_.test) < 0 ||
            collect_seq(u, &n->u.if_.body) < 0)
            return -1;
        return collect_seq(u, &n->u.if_.orelse);
    case PY_TRY:
        if (collect_seq(u, &n->u.try_.body) < 0 ||
            collect_seq(u, &n->u.try_.orelse) < 0 ||
            collect_seq(u, &n->u.try_.finalbody) < 0)
            return -1;
        for (size_t k = 0; k < n->u.try_.handlers.n; k++)
            if (collect_seq(
                    u, &n->u.try_.handlers.items[k]->u.excepthandler.body) < 0)
                return -1;
        return 0;
    case PY_RAISE:
        return collect_consts(u, n->u.raise.exc);
    case PY_ASSERT:
        return collect_consts(u, n->u.assert_.test) < 0
                   ? -1
                   : collect_consts(u, n->u.assert_.msg);
    case PY_EXPR:
        return collect_consts(u, n->u.expr.value);
    case PY_BOOLOP:
        return collect_seq(u, &n->u.boolop.values);
    case PY_BINOP:
        return collect_consts(u, n->u.binop.left) < 0
                   ? -1
                   : collect_consts(u, n->u.binop.right);
    case PY_UNARYOP:
        return collect_consts(u, n->u.unaryop.operand);
    case PY_IFEXP:
        if (collect_consts(u, n->u.ifexp.test) < 0 ||
            collect_consts(u, n->u.ifexp.body) < 0)
            return -1;
        return collect_consts(u, n->u.ifexp.orelse);
    case PY_DICT:
        return collect_seq(u, &n->u.dict.keys) < 0
                   ? -1
                   : collect_seq(u, &n->u.dict.values);
    case PY_SET:
        return collect_seq(u, &n->u.set.elts);
    case PY_LIST:
    case PY_TUPLE:
        return collect_seq(u, &n->u.list.elts);
    case PY_LISTCOMP:
    case PY_SETCOMP:
    case PY_GENERATOREXP:
        if (collect_consts(u, n->u.comp.elt) < 0)
            return -1;
        for (size_t k = 0; k < n->u.comp.generators.n; k++) {
            py_node *g = n->u.comp.generators.items[k];
            if (collect_consts(u, g->u.comprehension.iter) < 0 ||
                collect_seq(u, &g->u.comprehension.ifs) < 0)
                return -1;
        }
        return 0;
    case PY_COMPARE:
        return collect_consts(u, n->u.compare.left) < 0
                   ? -1
                   : collect_seq(u, &n->u.compare.comparators);
    case PY_CALL:
        if (collect_consts(u, n->u.call.func) < 0 ||
            collect_seq(u, &n->u.call.args) < 0)
            return -1;
        for (size_t k = 0; k < n->u.call.keywords.n; k++)
            if (collect_consts(
                    u, n->u.call.keywords.items[k]->u.keyword.value) < 0)
                return -1;
        return 0;
    case PY_JOINEDSTR:
        for (size_t k = 0; k < n->u.joinedstr.values.n; k++) {
            py_node *p = n->u.joinedstr.values.items[k];
            if (p->kind == PY_FORMATTEDVALUE &&
                collect_consts(u, p->u.formattedvalue.value) < 0)
                return -1;
        }
        return 0;
    case PY_ATTRIBUTE:
        return collect_consts(u, n->u.attribute.value);
    case PY_SUBSCRIPT:
        return collect_consts(u, n->u.subscript.value) < 0
                   ? -1
                   : collect_consts(u, n->u.subscript.slice);
    case PY_SLICE:
        if (collect_consts(u, n->u.slice.lower) < 0 ||
            collect_consts(u, n->u.slice.upper) < 0)
            return -1;
        return collect_consts(u, n->u.slice.step);
    case PY_STARRED:
        return collect_consts(u, n->u.starred.value);
    default:
        return 0;
    }
}

static bool identifier_like(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* ---- requests
 * ------------------------------------------------------------------- */

int ev_status(ev_session *e, int rc)
{
    if (rc == LK_OK)
        return ST_OK;
    if (rc == LK_FATAL)
        return ST_FATAL;
    lk_exc x;
    if (lk_take_exc(&e->lk, &x)) {
        memset(&e->exc, 0, sizeof e->exc);
        snprintf(e->exc.type, sizeof e->exc.type, "%s",
                 x.type[0] ? x.type : "SystemError");
        snprintf(e->exc.msg, sizeof e->exc.msg, "%s", x.msg);
        e->exc.lineno = x.lineno;
    }
    return ST_EXC;
}

int ev_opx(ev_session *e, const lk_req *r, int delta)
{
    int rc = lk_send(&e->lk, r);
    e->sp = (uint32_t)((int64_t)e->sp + delta);
    return ev_status(e, rc);
}

int ev_op(ev_session *e, int code, int64_t i, const char *s, int delta)
{
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_OP;
    r.code = code;
    r.i = i;
    r.s = (char *)s;
    r.lineno = e->lineno;
    return ev_opx(e, &r, delta);
}

static int op_obj(ev_session *e, int code, uint64_t obj, int delta)
{
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_OP;
    r.code = code;
    r.obj = obj;
    r.lineno = e->lineno;
    return ev_opx(e, &r, delta);
}

int ev_sync(ev_session *e)
{
    return ev_status(e, lk_wait(&e->lk, NULL));
}

int ev_raise(ev_session *e, const char *type, const char *fmt, ...)
{
    /* an earlier request that failed raised first */
    int rc = ev_sync(e);
    if (rc != ST_OK)
        return rc;
    memset(&e->exc, 0, sizeof e->exc);
    snprintf(e->exc.type, sizeof e->exc.type, "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->exc.msg, sizeof e->exc.msg, fmt, ap);
    va_end(ap);
    e->exc.lineno = e->lineno;
    return ST_EXC;
}

int ev_ask(ev_session *e, lk_req *r, int result_case, Heapd__Response **out)
{
    *out = NULL;
    r->lineno = e->lineno;
    int rc = ev_status(e, lk_send(&e->lk, r));
    if (rc != ST_OK)
        return rc;
    Heapd__Response *resp;
    if ((rc = ev_status(e, lk_wait(&e->lk, &resp))) != ST_OK)
        return rc;
    if (!resp || (int)resp->result_case != result_case) {
        hc_free(resp);
        return ev_raise(e, "SystemError",
                        "heapctl: unexpected answer from heapd");
    }
    *out = resp;
    return ST_OK;
}

/* Inspect by depth (target 0) or id (target 1); repr and str up to 1 MiB. */
static int inspect_target(ev_session *e, int target, uint32_t depth,
                          uint64_t id, unsigned what, Heapd__ObjectInfo **out)
{
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_INSPECT;
    r.target = target;
    r.depth = depth;
    r.obj = id;
    r.what = what;
    r.repr_limit = 1u << 20;
    Heapd__Response *resp;
    *out = NULL;
    int rc = ev_ask(e, &r, HEAPD__RESPONSE__RESULT_OBJECT, &resp);
    if (rc != ST_OK)
        return rc;
    *out = resp->object;
    resp->object = NULL;
    resp->result_case = HEAPD__RESPONSE__RESULT__NOT_SET;
    hc_free(resp);
    return ST_OK;
}

int ev_inspect(ev_session *e, uint32_t depth, unsigned what,
               Heapd__ObjectInfo **out)
{
    return inspect_target(e, 0, depth, 0, what, out);
}

int ev_inspect_id(ev_session *e, uint64_t id, unsigned what,
                  Heapd__ObjectInfo **out)
{
    return inspect_target(e, 1, 0, id, what, out);
}

int ev_pop(ev_session *e)
{
    return ev_op(e, OP(POP), 0, NULL, -1);
}

/* Fills in what the heap says about the heap value at depth. */
int ev_learn(ev_session *e, val *v, uint32_t depth)
{
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, depth, 0, &oi);
    if (rc != ST_OK)
        return rc;
    snprintf(v->tname, sizeof v->tname, "%s", oi->type);
    v->id = oi->id;
    if (!v->known) {
        if (!strcmp(oi->type, "int")) {
            v->known = K_INT;
            v->i = oi->int_value;
        } else if (!strcmp(oi->type, "bool")) {
            v->known = K_BOOL;
            v->i = oi->int_value;
        } else if (!strcmp(oi->type, "float")) {
            v->known = K_FLOAT;
            v->f = oi->float_value;
            if (v->f == 0) {
                /* proto3 does not send a zero double: is it -0.0? */
                Heapd__ObjectInfo *ri;
                int rc2 = ev_inspect(e, depth, HC_INSPECT_REPR, &ri);
                if (rc2 != ST_OK) {
                    hc_free(oi);
                    return rc2;
                }
                if (ri->repr[0] == '-')
                    v->f = -0.0;
                hc_free(ri);
            }
        } else if (!strcmp(oi->type, "NoneType")) {
            v->known = K_NULL;
        }
    }
    if (!strcmp(oi->type, "function") && !v->fn) {
        for (size_t k = 0; k < e->nfns; k++)
            if (e->fns[k]->id == oi->id)
                v->fn = (int)k + 1;
    }
    if (!strcmp(oi->type, "type") && !v->cls) {
        for (size_t k = 0; k < e->nclasses; k++)
            if (e->classes[k]->id == oi->id)
                v->cls = (int)k + 1;
    }
    hc_free(oi);
    return ST_OK;
}

/* A str value's text, asking the heap when it is not known. */
static int learn_str(ev_session *e, val *v, uint32_t depth)
{
    if (v->known == K_STR)
        return ST_OK;
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, depth, HC_INSPECT_STR, &oi);
    if (rc != ST_OK)
        return rc;
    snprintf(v->tname, sizeof v->tname, "%s", oi->type);
    v->id = oi->id;
    if (!strcmp(oi->type, "str")) {
        free(v->s);
        v->slen = strlen(oi->str);
        v->s = strndup(oi->str, v->slen);
        v->known = K_STR;
    }
    hc_free(oi);
    return ST_OK;
}

int ev_push_float(ev_session *e, double d)
{
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_OP;
    r.code = OP(PUSH_FLOAT);
    r.f = d;
    if (d == 0 && signbit(d)) { /* proto3 would drop -0.0's sign */
        r.f = 0;
        r.flags = 1;
    }
    r.lineno = e->lineno;
    return ev_opx(e, &r, 1);
}

static int push_known(ev_session *e, val *v)
{
    switch (v->known) {
    case K_INT:
        return ev_op(e, OP(PUSH_INT), v->i, NULL, 1);
    case K_BOOL:
        return ev_op(e, OP(PUSH_BOOL), v->i, NULL, 1);
    case K_NULL:
        return ev_op(e, OP(PUSH_NONE), 0, NULL, 1);
    case K_FLOAT:
        return ev_push_float(e, v->f);
    case K_STR: {
        if (memchr(v->s, '\0', v->slen))
            return ev_raise(e, "ValueError",
                            "heapctl: a str with a NUL character");
        return ev_op(e, OP(PUSH_STR), 0, v->s, 1);
    }
    default:
        return ev_raise(e, "SystemError", "heapctl: value not known");
    }
}

int ev_materialize(ev_session *e, val *v)
{
    switch (v->k) {
    case V_HEAP:
        return ST_OK;
    case V_VOID:
        v->known = K_NULL;
        snprintf(v->tname, sizeof v->tname, "NoneType");
        break;
    case V_RANGE:
        return ev_raise(e, "TypeError",
                        "heapctl: range objects live only in for loops and "
                        "list()/tuple()/set() here");
    default:
        return ev_raise(e, "TypeError",
                        "heapctl: %s objects cannot be stored in the heap",
                        v->k == V_MODULE ? "module"
                        : v->k == V_EXC  ? "exception"
                                         : "builtin");
    }
    int rc = push_known(e, v);
    v->k = V_HEAP;
    return rc;
}

/* ---- frames and names
 * ------------------------------------------------------------ */

struct frame {
    frame *back;
    fninfo *fn;  /* NULL at module level */
    val *locals; /* what is known of each local */
    bool *bound;
    uint32_t depth; /* heap frame depth */
    int class_body; /* class namespace dict at this stack size - 1 */
    uint32_t dict_sp;
    char **cnames; /* names assigned so far in the class body */
    size_t ncnames;
    int selfcls; /* class of local 0, index+1 */
    /* comprehension variables: on the heap's stack, not bound in a
     * namespace (PEP 709 keeps them apart from the function's) */
    struct {
        const char *name;
        uint32_t slot;
    } cvars[16];
    int ncvars;
};

static gname *global_find(ev_session *e, const char *name)
{
    for (size_t k = 0; k < e->nglobals; k++)
        if (!strcmp(e->globals[k].name, name))
            return &e->globals[k];
    return NULL;
}

static gname *global_add(ev_session *e, const char *name)
{
    gname *g = global_find(e, name);
    if (g)
        return g;
    if (e->nglobals == e->capglobals) {
        size_t cap = e->capglobals ? e->capglobals * 2 : 32;
        gname *p = realloc(e->globals, cap * sizeof *p);
        if (!p)
            return NULL;
        e->globals = p;
        e->capglobals = cap;
    }
    g = &e->globals[e->nglobals++];
    memset(g, 0, sizeof *g);
    g->name = strdup(name);
    return g;
}

static int local_slot(const frame *f, const char *name)
{
    if (!f->fn)
        return -1;
    for (uint32_t k = 0; k < f->fn->nglobals; k++)
        if (!strcmp(f->fn->globals[k], name))
            return -1;
    for (uint32_t k = 0; k < f->fn->nlocals; k++)
        if (!strcmp(f->fn->locals[k], name))
            return (int)k;
    return -1;
}

static int ev_expr(ev_session *e, py_node *n, val *out);
static int ev_push(ev_session *e, py_node *n, val *out);

static int cvar_slot(const frame *f, const char *name)
{
    for (int k = f->ncvars; k-- > 0;)
        if (!strcmp(f->cvars[k].name, name))
            return (int)f->cvars[k].slot;
    return -1;
}
static int exec_body(ev_session *e, py_seq *body);

/* Stores the heap value on top under name (popping it). */
static int store_name(ev_session *e, const char *name, val *v)
{
    frame *f = e->f;
    int cs = cvar_slot(f, name);
    if (cs >= 0 && v->k == V_HEAP) {
        /* [.. old .. new] -> [.. new ..] */
        uint32_t t = e->sp - 1, d = t - (uint32_t)cs;
        int rc;
        if ((rc = ev_op(e, OP(ROLL), d, NULL, 0)) || (rc = ev_pop(e)))
            return rc;
        return ev_op(e, OP(SINK), d - 1, NULL, 0);
    }
    if (v->k != V_HEAP) {
        /* client-only objects are bound in the client only */
        if (f->class_body)
            return ev_raise(e, "TypeError",
                            "heapctl: modules and builtins cannot be class "
                            "attributes");
        int cslot = local_slot(f, name);
        if (cslot >= 0) {
            int rc = ST_OK;
            if (f->bound[cslot] && f->locals[cslot].k == V_HEAP)
                rc = ev_op(e, OP(DELETE_LOCAL), cslot, NULL, 0);
            val_clear(&f->locals[cslot]);
            val_copy(&f->locals[cslot], v);
            f->bound[cslot] = true;
            return rc;
        }
        gname *old = global_find(e, name);
        bool was_heap = old && old->v.k == V_HEAP;
        gname *g = global_add(e, name);
        if (!g)
            return ev_raise(e, "MemoryError", "%s", "");
        int rc = ST_OK;
        if (was_heap)
            rc = ev_op(e, OP(DELETE_GLOBAL), 0, name, 0);
        val_clear(&g->v);
        val_copy(&g->v, v);
        return rc;
    }
    if (f->class_body) {
        /* [d, v] -> d[name] = v */
        int rc;
        uint32_t d = e->sp - 1 - f->dict_sp;
        if ((rc = ev_op(e, OP(PICK), d, NULL, 1)) ||
            (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) ||
            (rc = ev_op(e, OP(PUSH_STR), 0, name, 1)) ||
            (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) ||
            (rc = ev_op(e, OP(SETITEM), 0, NULL, -3)))
            return rc;
        char **p = realloc(f->cnames, (f->ncnames + 1) * sizeof *p);
        if (p) {
            f->cnames = p;
            f->cnames[f->ncnames++] = strdup(name);
        }
        return ST_OK;
    }
    int slot = local_slot(f, name);
    if (slot >= 0) {
        val_clear(&f->locals[slot]);
        val_copy(&f->locals[slot], v);
        f->locals[slot].k = V_HEAP;
        f->bound[slot] = true;
        return ev_op(e, OP(STORE_LOCAL), slot, NULL, -1);
    }
    gname *g = global_add(e, name);
    if (!g)
        return ev_raise(e, "MemoryError", "%s", "");
    val_clear(&g->v);
    val_copy(&g->v, v);
    g->v.known =
        v->known == K_STR ? K_UNKNOWN : K_UNKNOWN; /* values may change */
    free(g->v.s);
    g->v.s = NULL;
    g->v.id = 0;
    return ev_op(e, OP(STORE_GLOBAL), 0, name, -1);
}

static int load_name(ev_session *e, const char *name, val *out)
{
    frame *f = e->f;
    memset(out, 0, sizeof *out);
    int cs = cvar_slot(f, name);
    if (cs >= 0) {
        val_heap(out, NULL);
        return ev_op(e, OP(PICK), e->sp - 1 - (uint32_t)cs, NULL, 1);
    }
    if (f->class_body) {
        for (size_t k = 0; k < f->ncnames; k++)
            if (!strcmp(f->cnames[k], name)) {
                int rc;
                uint32_t d = e->sp - 1 - f->dict_sp;
                if ((rc = ev_op(e, OP(PICK), d, NULL, 1)) ||
                    (rc = ev_op(e, OP(PUSH_STR), 0, name, 1)) ||
                    (rc = ev_op(e, OP(GETITEM), 0, NULL, -1)))
                    return rc;
                val_heap(out, NULL);
                return ST_OK;
            }
    }
    int slot = local_slot(f, name);
    if (slot >= 0) {
        if (!f->bound[slot])
            return ev_raise(
                e, "UnboundLocalError",
                "cannot access local variable '%s' where it is not associated "
                "with a value",
                name);
        val_copy(out, &f->locals[slot]);
        if (out->k != V_HEAP)
            return ST_OK; /* a client-only value (a module, an exception) */
        return ev_op(e, OP(LOAD_LOCAL), slot, NULL, 1);
    }
    gname *g = global_find(e, name);
    if (g && g->v.k != V_HEAP) {
        val_copy(out, &g->v);
        return ST_OK;
    }
    if (!g && bi_lookup(name, out))
        return ST_OK;
    if (!g && !strcmp(name, "_") && e->has_underscore && !f->fn) {
        val_heap(out, NULL);
        return ev_op(e, OP(PICK), e->sp - e->base_sp, NULL, 1);
    }
    if (!g && !strcmp(name, "__name__")) {
        out->k = V_HEAP;
        out->known = K_STR;
        out->s = strdup("__main__");
        out->slen = 8;
        return push_known(e, out);
    }
    if (g)
        val_copy(out, &g->v);
    else
        val_heap(out, NULL);
    out->k = V_HEAP;
    int rc = ev_op(e, OP(LOAD_GLOBAL), 0, name, 1);
    if (rc == ST_EXC && !strcmp(e->exc.type, "NameError") &&
        bi_lookup(name, out))
        return ST_OK;
    return rc;
}

static int delete_name(ev_session *e, const char *name)
{
    frame *f = e->f;
    int slot = local_slot(f, name);
    if (slot >= 0) {
        if (!f->bound[slot])
            return ev_raise(
                e, "UnboundLocalError",
                "cannot access local variable '%s' where it is not associated "
                "with a value",
                name);
        f->bound[slot] = false;
        bool client = f->locals[slot].k != V_HEAP;
        val_clear(&f->locals[slot]);
        return client ? ST_OK : ev_op(e, OP(DELETE_LOCAL), slot, NULL, 0);
    }
    gname *g = global_find(e, name);
    if (g && g->v.k != V_HEAP) {
        val_clear(&g->v);
        free(g->name);
        memmove(g, g + 1, (size_t)(e->globals + --e->nglobals - g) * sizeof *g);
        return ST_OK;
    }
    if (g) {
        val_clear(&g->v);
        free(g->name);
        memmove(g, g + 1, (size_t)(e->globals + --e->nglobals - g) * sizeof *g);
    }
    return ev_op(e, OP(DELETE_GLOBAL), 0, name, 0);
}

/* ---- expressions
 * ------------------------------------------------------------------ */

static int push_const(ev_session *e, const kconst *c, val *out)
{
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->id = c->id;
    out->known = c->kind == 9 ? K_UNKNOWN : c->kind;
    out->i = c->i;
    out->f = c->f;
    static const char *const names[] = {"",    "int",  "float",
                                        "str", "bool", "NoneType"};
    snprintf(out->tname, sizeof out->tname, "%s",
             c->kind == 9 ? "bytes" : names[c->kind]);
    if (c->kind == K_STR) {
        out->s = strndup(c->s, c->n);
        out->slen = c->n;
    }
    return op_obj(e, OP(PUSH_ID), c->id, 1);
}

static int truth(ev_session *e, val *v, bool *out)
{
    switch (v->known) {
    case K_INT:
    case K_BOOL:
        *out = v->i != 0;
        return ST_OK;
    case K_FLOAT:
        *out = v->f != 0;
        return ST_OK;
    case K_STR:
        *out = v->slen != 0;
        return ST_OK;
    case K_NULL:
        *out = false;
        return ST_OK;
    }
    if (v->k == V_VOID) {
        *out = false;
        return ST_OK;
    }
    if (v->k != V_HEAP) {
        *out = true;
        return ST_OK;
    }
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, 0, 0, &oi);
    if (rc != ST_OK)
        return rc;
    *out = oi->truth;
    hc_free(oi);
    return ST_OK;
}

/* Pops a heap value (or forgets a client one). */
static int discard(ev_session *e, val *v)
{
    int rc = v->k == V_HEAP ? ev_pop(e) : ST_OK;
    val_clear(v);
    return rc;
}

static bool is_num(const val *v)
{
    return v->known == K_INT || v->known == K_BOOL || v->known == K_FLOAT;
}

/* a OP b on known numbers or strs; false when not computable here. */
static int arith_known(ev_session *e, py_binop op, const val *a, const val *b,
                       val *r, bool *done)
{
    *done = false;
    memset(r, 0, sizeof *r);
    r->k = V_HEAP;
    if (a->known == K_STR && b->known == K_STR && op == PY_ADD) {
        r->known = K_STR;
        r->slen = a->slen + b->slen;
        r->s = malloc(r->slen + 1);
        memcpy(r->s, a->s, a->slen);
        memcpy(r->s + a->slen, b->s, b->slen);
        r->s[r->slen] = '\0';
        snprintf(r->tname, sizeof r->tname, "str");
        *done = true;
        return ST_OK;
    }
    if (!is_num(a) || !is_num(b))
        return ST_OK;
    bool fl = a->known == K_FLOAT || b->known == K_FLOAT;
    if (!fl) {
        int64_t x = a->i, y = b->i, z = 0;
        bool ovf = false;
        switch (op) {
        case PY_ADD:
            ovf = __builtin_add_overflow(x, y, &z);
            break;
        case PY_SUB:
            ovf = __builtin_sub_overflow(x, y, &z);
            break;
        case PY_MULT:
            ovf = __builtin_mul_overflow(x, y, &z);
            break;
        case PY_FLOORDIV:
        case PY_MOD:
            if (y == 0)
                return ev_raise(e, "ZeroDivisionError",
                                op == PY_MOD
                                    ? "integer modulo by zero"
                                    : "integer division or modulo by zero");
            z = op == PY_FLOORDIV ? x / y : x % y;
            if ((x % y != 0) && ((x < 0) != (y < 0)))
                z = op == PY_FLOORDIV ? z - 1 : z + y;
            break;
        case PY_POW:
            if (y < 0) {
                fl = true;
                break;
            }
            z = 1;
            for (int64_t k = 0; k < y && !ovf; k++)
                ovf = __builtin_mul_overflow(z, x, &z);
            break;
        case PY_DIV:
            fl = true;
            break;
        case PY_LSHIFT:
            if (y < 0)
                return ev_raise(e, "ValueError", "negative shift count");
            ovf = y >= 63 || (x << y) >> y != x;
            z = ovf ? 0 : x << y;
            break;
        case PY_RSHIFT:
            if (y < 0)
                return ev_raise(e, "ValueError", "negative shift count");
            z = y >= 63 ? (x < 0 ? -1 : 0) : x >> y;
            break;
        case PY_BITAND:
            z = x & y;
            break;
        case PY_BITOR:
            z = x | y;
            break;
        case PY_BITXOR:
            z = x ^ y;
            break;
        default:
            return ST_OK;
        }
        if (ovf)
            return ev_raise(e, "OverflowError",
                            "heapctl: the heap's ints are 64-bit");
        if (!fl) {
            r->known = K_INT;
            r->i = z;
            snprintf(r->tname, sizeof r->tname, "int");
            *done = true;
            return ST_OK;
        }
    }
    double x = a->known == K_FLOAT ? a->f : (double)a->i;
    double y = b->known == K_FLOAT ? b->f : (double)b->i, z;
    switch (op) {
    case PY_ADD:
        z = x + y;
        break;
    case PY_SUB:
        z = x - y;
        break;
    case PY_MULT:
        z = x * y;
        break;
    case PY_DIV:
        if (y == 0)
            return ev_raise(e, "ZeroDivisionError",
                            a->known == K_FLOAT || b->known == K_FLOAT
                                ? "float division by zero"
                                : "division by zero");
        z = x / y;
        break;
    case PY_FLOORDIV:
        if (y == 0)
            return ev_raise(e, "ZeroDivisionError",
                            "float floor division by zero");
        z = floor(x / y);
        break;
    case PY_MOD:
        if (y == 0)
            return ev_raise(e, "ZeroDivisionError", "float modulo");
        z = fmod(x, y);
        if (z != 0 && ((z < 0) != (y < 0)))
            z += y;
        break;
    case PY_POW:
        z = pow(x, y);
        break;
    default:
        return ST_OK;
    }
    r->known = K_FLOAT;
    r->f = z;
    snprintf(r->tname, sizeof r->tname, "float");
    *done = true;
    return ST_OK;
}

/* Replaces the two heap operands on top with the known result r. */
static int replace_two(ev_session *e, val *r)
{
    int rc;
    if ((rc = ev_pop(e)) || (rc = ev_pop(e)))
        return rc;
    return push_known(e, r);
}

static int binop_values(ev_session *e, py_binop op, val *a, val *b, val *out)
{
    /* both on the heap: a at depth 1, b at depth 0 */
    bool done;
    int rc;
    if (!is_num(a) && a->known != K_STR && (rc = ev_learn(e, a, 1)))
        return rc;
    if (!is_num(b) && b->known != K_STR && (rc = ev_learn(e, b, 0)))
        return rc;
    if (!strcmp(a->tname, "str") && a->known != K_STR &&
        !strcmp(b->tname, "str") && op == PY_ADD) {
        val_heap(out, "str");
        return ev_op(e, OP(SEQ_BINARY), '+', NULL, -1);
    }
    if ((rc = arith_known(e, op, a, b, out, &done)))
        return rc;
    if (done)
        return replace_two(e, out);
    if (op == PY_ADD || op == PY_MULT) {
        val_heap(out, NULL);
        if (op == PY_ADD)
            snprintf(out->tname, sizeof out->tname, "%s", a->tname);
        return ev_op(e, OP(SEQ_BINARY), op == PY_ADD ? '+' : '*', NULL, -1);
    }
    if (op == PY_MOD && !strcmp(a->tname, "str"))
        return ev_raise(
            e, "TypeError",
            "heapctl: %%-formatting is not supported; use f-strings");
    return ev_raise(e, "TypeError",
                    "unsupported operand type(s) for %s: '%s' and '%s'",
                    py_binop_symbol(op), a->tname, b->tname);
}

/* a OP= b: lists extend in place (list.__iadd__), everything else is
 * a OP b.  a at depth 1, b at depth 0; leaves the result. */
static int augop_values(ev_session *e, py_binop op, val *a, val *b, val *out)
{
    int rc;
    if (op == PY_ADD && !is_num(a) && a->known != K_STR) {
        if (!a->tname[0] && (rc = ev_learn(e, a, 1)))
            return rc;
        if (!strcmp(a->tname, "list")) {
            /* [a, b] -> [a, a, b] -> extend -> [a] */
            if ((rc = ev_op(e, OP(PICK), 1, NULL, 1)) ||
                (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) ||
                (rc = ev_op(e, OP(LIST_EXTEND), 0, NULL, -2)))
                return rc;
            val_copy(out, a);
            return ST_OK;
        }
    }
    return binop_values(e, op, a, b, out);
}

static int eval_binop(ev_session *e, py_node *n, val *out)
{
    val a, b;
    int rc = ev_push(e, n->u.binop.left, &a);
    if (rc)
        return rc;
    if ((rc = ev_push(e, n->u.binop.right, &b))) {
        val_clear(&a);
        return rc;
    }
    rc = binop_values(e, n->u.binop.op, &a, &b, out);
    val_clear(&a);
    val_clear(&b);
    return rc;
}

static int compare_known(const val *a, const val *b, py_cmpop op, int *res)
{
    double x, y;
    int c;
    if (is_num(a) && is_num(b)) {
        if (a->known != K_FLOAT && b->known != K_FLOAT) {
            c = a->i < b->i ? -1 : a->i > b->i;
        } else {
            x = a->known == K_FLOAT ? a->f : (double)a->i;
            y = b->known == K_FLOAT ? b->f : (double)b->i;
            if (x != x || y != y) {
                *res = op == PY_NOTEQ;
                return op == PY_EQ || op == PY_NOTEQ || op == PY_LT ||
                       op == PY_LTE || op == PY_GT || op == PY_GTE;
            }
            c = x < y ? -1 : x > y;
        }
    } else if (a->known == K_STR && b->known == K_STR) {
        size_t m = a->slen < b->slen ? a->slen : b->slen;
        c = memcmp(a->s, b->s, m);
        c = c ? (c < 0 ? -1 : 1) : (a->slen < b->slen ? -1 : a->slen > b->slen);
    } else if (a->known == K_NULL && b->known == K_NULL) {
        c = 0;
        if (op != PY_EQ && op != PY_NOTEQ)
            return 0;
    } else {
        return 0;
    }
    switch (op) {
    case PY_EQ:
        *res = c == 0;
        break;
    case PY_NOTEQ:
        *res = c != 0;
        break;
    case PY_LT:
        *res = c < 0;
        break;
    case PY_LTE:
        *res = c <= 0;
        break;
    case PY_GT:
        *res = c > 0;
        break;
    case PY_GTE:
        *res = c >= 0;
        break;
    default:
        return 0;
    }
    return 1;
}

/* a and b on the heap (depth 1, 0); leaves a bool there. */
static int compare_values(ev_session *e, py_cmpop op, val *a, val *b, val *out)
{
    int res, rc;
    if (op == PY_IS || op == PY_ISNOT) {
        if (!a->id && (rc = ev_learn(e, a, 1)))
            return rc;
        if (!b->id && (rc = ev_learn(e, b, 0)))
            return rc;
        res = (a->id == b->id) == (op == PY_IS);
    } else if (op == PY_IN || op == PY_NOTIN) {
        if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)) ||
            (rc = ev_op(e, OP(CONTAINS), 0, NULL, -1)))
            return rc;
        val_heap(out, "bool");
        if (op == PY_NOTIN) {
            bool t;
            if ((rc = truth(e, out, &t)) || (rc = ev_pop(e)))
                return rc;
            out->known = K_BOOL;
            out->i = !t;
            return push_known(e, out);
        }
        return ST_OK;
    } else if (!compare_known(a, b, op, &res)) {
        static const int code[] = {0, 1, 2, 3, 4, 5};
        val_heap(out, "bool");
        return ev_op(e, OP(COMPARE), code[op], NULL, -1);
    }
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_BOOL;
    out->i = res;
    snprintf(out->tname, sizeof out->tname, "bool");
    return replace_two(e, out);
}

/* Is a client-only value (a type, module, builtin) the same as v? */
static bool client_same(const val *a, const val *b)
{
    if (a->k != b->k)
        return false;
    if (a->k == V_TYPE)
        return !strcmp(a->s, b->s);
    if (a->k == V_MODULE || a->k == V_BUILTIN)
        return a->i == b->i;
    return a->k == V_VOID;
}

/* `a OP b` where one side lives in the client: identity and equality
 * by what it is (type(x) is list, f == len); a heap value is never one. */
static int compare_client(ev_session *e, py_node *n, val *a, val *out)
{
    val b;
    int rc = ev_expr(e, n->u.compare.comparators.items[0], &b);
    if (rc) {
        discard(e, a);
        return rc;
    }
    py_cmpop op = n->u.compare.ops[0];
    bool same = client_same(a, &b);
    if (a->k == V_TYPE && b.k == V_HEAP) {
        /* type(obj) is C, with C a class of the heap */
        if (!b.cls && (rc = ev_learn(e, &b, 0)))
            return rc;
        same = b.cls && !strcmp(e->classes[b.cls - 1]->name, a->s);
    }
    bool r = false;
    if (op == PY_IS || op == PY_EQ)
        r = same;
    else if (op == PY_ISNOT || op == PY_NOTEQ)
        r = !same;
    else
        rc = ev_raise(e, "TypeError", "'%s' not supported here",
                      py_cmpop_symbol(op));
    /* b was pushed after a: drop b first */
    int r1 = discard(e, &b), r2 = discard(e, a);
    if (rc)
        return rc;
    if ((rc = r1 ? r1 : r2))
        return rc;
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_BOOL;
    out->i = r;
    snprintf(out->tname, sizeof out->tname, "bool");
    return push_known(e, out);
}

static int eval_compare(ev_session *e, py_node *n, val *out)
{
    val a, b;
    int rc = ev_expr(e, n->u.compare.left, &a);
    if (rc)
        return rc;
    if (a.k != V_HEAP && a.k != V_VOID && n->u.compare.comparators.n == 1)
        return compare_client(e, n, &a, out);
    if (a.k != V_HEAP && (rc = ev_materialize(e, &a)))
        return rc;
    if (n->u.compare.comparators.n == 1) {
        py_node *rn = n->u.compare.comparators.items[0];
        if (rn->kind == PY_NAME || rn->kind == PY_CALL ||
            rn->kind == PY_ATTRIBUTE) {
            /* `x == int`: the right side may be client-only too */
            if ((rc = ev_expr(e, rn, &b)))
                return rc;
            if (b.k != V_HEAP && b.k != V_VOID) {
                py_cmpop op = n->u.compare.ops[0];
                int r1 = discard(e, &b), r2 = discard(e, &a);
                if (r1 || r2)
                    return r1 ? r1 : r2;
                memset(out, 0, sizeof *out);
                out->k = V_HEAP;
                out->known = K_BOOL;
                out->i = op == PY_ISNOT || op == PY_NOTEQ;
                snprintf(out->tname, sizeof out->tname, "bool");
                return push_known(e, out);
            }
            if ((rc = ev_materialize(e, &b)))
                return rc;
            rc = compare_values(e, n->u.compare.ops[0], &a, &b, out);
            val_clear(&a);
            val_clear(&b);
            return rc;
        }
    }
    for (size_t k = 0; k < n->u.compare.comparators.n; k++) {
        if ((rc = ev_push(e, n->u.compare.comparators.items[k], &b))) {
            val_clear(&a);
            return rc;
        }
        bool last = k + 1 == n->u.compare.comparators.n;
        if (!last) {
            /* keep b for the next comparison: [a, b] -> [b, a, b] */
            if ((rc = ev_op(e, OP(PICK), 0, NULL, 1)) ||
                (rc = ev_op(e, OP(SINK), 2, NULL, 0)))
                return rc;
        }
        val r;
        rc = compare_values(e, n->u.compare.ops[k], &a, &b, &r);
        val_clear(&a);
        if (rc) {
            val_clear(&b);
            return rc;
        }
        if (last) {
            val_clear(&b);
            *out = r;
            return ST_OK;
        }
        bool t;
        if ((rc = truth(e, &r, &t))) {
            val_clear(&b);
            val_clear(&r);
            return rc;
        }
        if (!t) {
            /* [b, False] -> [False] */
            if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
                return rc;
            val_clear(&b);
            *out = r;
            return ST_OK;
        }
        val_clear(&r);
        if ((rc = ev_pop(e)))
            return rc;
        a = b;
    }
    return ST_OK;
}

static int eval_boolop(ev_session *e, py_node *n, val *out)
{
    py_seq *vs = &n->u.boolop.values;
    int rc = ev_push(e, vs->items[0], out);
    for (size_t k = 1; rc == ST_OK && k < vs->n; k++) {
        bool t;
        if ((rc = truth(e, out, &t)))
            break;
        if (t == (n->u.boolop.op == PY_OR))
            return ST_OK;
        if ((rc = discard(e, out)))
            break;
        rc = ev_push(e, vs->items[k], out);
    }
    return rc;
}

static int build_items(ev_session *e, py_seq *elts, int code, val *out,
                       const char *tname)
{
    for (size_t k = 0; k < elts->n; k++) {
        val v;
        if (elts->items[k]->kind == PY_STARRED)
            return ev_raise(e, "SyntaxError",
                            "heapctl: starred items are not supported");
        int rc = ev_push(e, elts->items[k], &v);
        val_clear(&v);
        if (rc)
            return rc;
    }
    val_heap(out, tname);
    return ev_op(e, code, (int64_t)elts->n, NULL, 1 - (int)elts->n);
}

static int eval_subscript(ev_session *e, py_node *n, val *out)
{
    val c, k;
    int rc = ev_push(e, n->u.subscript.value, &c);
    if (rc)
        return rc;
    py_node *sl = n->u.subscript.slice;
    if (sl->kind == PY_SLICE) {
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(SLICE);
        r.lineno = e->lineno;
        py_node *parts[3] = {sl->u.slice.lower, sl->u.slice.upper,
                             sl->u.slice.step};
        int64_t *dst[3] = {&r.i, &r.j, &r.k};
        for (int p = 0; p < 3; p++) {
            if (!parts[p] || (parts[p]->kind == PY_CONSTANT &&
                              parts[p]->u.constant.kind == PY_CONST_NONE))
                continue;
            val b;
            if ((rc = ev_expr(e, parts[p], &b)))
                return rc;
            if (b.k == V_HEAP && !is_num(&b) && (rc = ev_learn(e, &b, 0)))
                return rc;
            if (b.known != K_INT && b.known != K_BOOL) {
                val_clear(&b);
                return ev_raise(e, "TypeError",
                                "slice indices must be integers or None or "
                                "have an __index__ "
                                "method");
            }
            *dst[p] = b.i;
            r.flags |= 1u << p;
            if ((rc = discard(e, &b)))
                return rc;
        }
        val_clear(&c);
        val_heap(out, NULL);
        snprintf(out->tname, sizeof out->tname, "%s", c.tname);
        return ev_opx(e, &r, 0);
    }
    if ((rc = ev_push(e, sl, &k)))
        return rc;
    val_clear(&c);
    val_clear(&k);
    val_heap(out, NULL);
    return ev_op(e, OP(GETITEM), 0, NULL, -1);
}

static int eval_joinedstr(ev_session *e, py_node *n, val *out)
{
    size_t cap = 64, len = 0;
    char *buf = malloc(cap);
    int rc = ST_OK;
    for (size_t k = 0; rc == ST_OK && k < n->u.joinedstr.values.n; k++) {
        py_node *p = n->u.joinedstr.values.items[k];
        char *piece = NULL;
        if (p->kind == PY_CONSTANT) {
            piece = strndup(p->u.constant.s, p->u.constant.len);
        } else {
            val v;
            if ((rc = ev_expr(e, p->u.formattedvalue.value, &v)))
                break;
            char *spec = NULL;
            if (p->u.formattedvalue.format_spec) {
                val sv;
                if ((rc = eval_joinedstr(e, p->u.formattedvalue.format_spec,
                                         &sv))) {
                    discard(e, &v);
                    break;
                }
                spec = strndup(sv.s, sv.slen);
                if ((rc = discard(e, &sv))) {
                    free(spec);
                    break;
                }
            }
            int conv = p->u.formattedvalue.conversion;
            bool repr = conv == 'r' || conv == 'a';
            if (v.k == V_HEAP && !v.known &&
                (rc = ev_learn(e, &v, 0)) == ST_OK && !v.known &&
                !strcmp(v.tname, "str"))
                rc = learn_str(e, &v, 0);
            if (rc == ST_OK) {
                if (spec && *spec && repr && v.k == V_HEAP) {
                    Heapd__ObjectInfo *oi;
                    if ((rc = ev_inspect(e, 0, HC_INSPECT_REPR, &oi)) ==
                        ST_OK) {
                        val t;
                        memset(&t, 0, sizeof t);
                        t.known = K_STR;
                        t.s = oi->repr;
                        t.slen = strlen(oi->repr);
                        const char *err;
                        piece = fmt_spec(&t, spec, &err);
                        hc_free(oi);
                        if (!piece)
                            rc = ev_raise(e, "ValueError", "%s",
                                          err ? err : "bad format");
                    }
                } else if (spec && *spec && !repr && v.known) {
                    const char *err;
                    piece = fmt_spec(&v, spec, &err);
                    if (!piece)
                        rc = ev_raise(e, "ValueError", "%s",
                                      err ? err : "bad format");
                } else if (v.known) {
                    piece = fmt_known_str(&v, repr);
                } else {
                    Heapd__ObjectInfo *oi;
                    if (v.k != V_HEAP) {
                        piece = strdup(v.s ? v.s : "");
                    } else if ((rc = ev_inspect(e, 0,
                                                repr ? HC_INSPECT_REPR
                                                     : HC_INSPECT_STR,
                                                &oi)) == ST_OK) {
                        piece = strdup(repr ? oi->repr : oi->str);
                        hc_free(oi);
                    }
                }
            }
            free(spec);
            int rc2 = discard(e, &v);
            if (rc == ST_OK)
                rc = rc2;
        }
        if (piece) {
            size_t pl = strlen(piece);
            while (len + pl + 1 > cap)
                buf = realloc(buf, cap *= 2);
            memcpy(buf + len, piece, pl);
            len += pl;
            free(piece);
        }
    }
    if (rc) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_STR;
    out->s = buf;
    out->slen = len;
    snprintf(out->tname, sizeof out->tname, "str");
    return push_known(e, out);
}

/* ---- calls
 * ------------------------------------------------------------------------ */

fninfo *ev_fn_by_id(ev_session *e, uint64_t id)
{
    for (size_t k = e->nfns; k-- > 0;)
        if (e->fns[k]->id == id)
            return e->fns[k];
    return NULL;
}

clsinfo *ev_class_named(ev_session *e, const char *name)
{
    for (size_t k = e->nclasses; k-- > 0;)
        if (!strcmp(e->classes[k]->name, name))
            return e->classes[k];
    return NULL;
}

static int push_traceback(ev_session *e, const char *func)
{
    if (e->exc.nwhere < 8) {
        snprintf(e->exc.where[e->exc.nwhere++], sizeof e->exc.where[0],
                 "  File \"%.80s\", line %d, in %.50s",
                 e->u ? e->u->filename : "<stdin>", e->exc.lineno, func);
    }
    return ST_EXC;
}

/* Runs fn's body in a new frame: the heap frame is already pushed with
 * its arguments.  On return the result is on the caller's stack. */
static int run_function(ev_session *e, fninfo *fn, val *args, uint32_t nargs,
                        int selfcls, val *out)
{
    if (e->depth >= MAX_CALL_DEPTH)
        return ev_raise(e, "RecursionError",
                        "maximum recursion depth exceeded");
    frame f;
    memset(&f, 0, sizeof f);
    f.back = e->f;
    f.fn = fn;
    f.depth = e->depth + 1;
    f.selfcls = selfcls;
    f.locals = calloc(fn->nlocals ? fn->nlocals : 1, sizeof *f.locals);
    f.bound = calloc(fn->nlocals ? fn->nlocals : 1, sizeof *f.bound);
    for (uint32_t k = 0; k < nargs && k < fn->nlocals; k++) {
        val_copy(&f.locals[k], &args[k]);
        f.bound[k] = true;
    }
    uint32_t caller_sp = e->sp;
    unit *caller_u = e->u;
    int caller_line = e->lineno;
    e->f = &f;
    e->u = fn->u;
    e->depth++;
    e->sp = 0;
    int rc;
    val ret;
    memset(&ret, 0, sizeof ret);
    val *saved_slot = e->ret_slot;
    e->ret_slot = &ret;
    if (fn->node->kind == PY_LAMBDA) {
        rc = ev_push(e, fn->node->u.lambda.body, &ret);
        if (rc == ST_OK)
            rc = ST_RETURN;
    } else {
        rc = exec_body(e, &fn->node->u.functiondef.body);
    }
    e->ret_slot = saved_slot;
    if (rc == ST_OK) {
        ret.k = V_HEAP;
        ret.known = K_NULL;
        snprintf(ret.tname, sizeof ret.tname, "NoneType");
        rc = push_known(e, &ret);
        if (rc == ST_OK)
            rc = ST_RETURN;
    }
    for (uint32_t k = 0; k < fn->nlocals; k++)
        val_clear(&f.locals[k]);
    free(f.locals);
    free(f.bound);
    e->f = f.back;
    e->lineno = caller_line;
    if (rc == ST_RETURN) {
        e->depth--;
        e->u = caller_u;
        e->sp = caller_sp;
        rc = ev_op(e, OP(FRAME_POP), 1, NULL, 1);
        *out = ret;
        return rc;
    }
    val_clear(&ret);
    if (rc == ST_EXC) {
        push_traceback(e, fn->name);
        e->exc.lineno = caller_line;
    }
    /* the heap frame is unwound by whoever handles the exception */
    e->depth--;
    e->u = caller_u;
    e->sp = caller_sp;
    return rc;
}

/* [callable, a0 .. an-1] on the heap, callable user function fn. */
static int call_function(ev_session *e, fninfo *fn, val *args, uint32_t nargs,
                         int selfcls, val *out)
{
    if (nargs > fn->nparams)
        return ev_raise(e, "TypeError",
                        "%s() takes %u positional argument%s but %u %s given",
                        fn->name, fn->nparams, fn->nparams == 1 ? "" : "s",
                        nargs, nargs == 1 ? "was" : "were");
    uint32_t need = fn->nparams - fn->ndefaults;
    if (nargs < need) {
        uint32_t missing = need - nargs;
        return ev_raise(e, "TypeError",
                        "%s() missing %u required positional argument%s: '%s'",
                        fn->name, missing, missing == 1 ? "" : "s",
                        fn->locals[nargs]);
    }
    val *all = calloc(fn->nparams ? fn->nparams : 1, sizeof *all);
    int rc = ST_OK;
    for (uint32_t k = 0; k < nargs; k++)
        val_copy(&all[k], &args[k]);
    for (uint32_t k = nargs; rc == ST_OK && k < fn->nparams; k++) {
        uint64_t id = fn->defaults[k - (fn->nparams - fn->ndefaults)];
        val_heap(&all[k], NULL);
        all[k].id = id;
        rc = op_obj(e, OP(PUSH_ID), id, 1);
    }
    if (rc == ST_OK) {
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(FRAME_PUSH);
        r.i = fn->nparams;
        r.j = fn->nlocals;
        r.lineno = e->lineno;
        rc = ev_opx(e, &r, -(int)fn->nparams - 1);
    }
    if (rc == ST_OK)
        rc = run_function(e, fn, all, fn->nparams, selfcls, out);
    for (uint32_t k = 0; k < fn->nparams; k++)
        val_clear(&all[k]);
    free(all);
    return rc;
}

/* Maps keyword arguments onto fn's parameters: args has npos positional
 * values then nkw keyword values, all on the heap in that order.  The
 * heap is rearranged so that fn's parameters are all there, in order:
 * keyword values are copied into their slots (defaults pushed for the
 * others), then the originals are dropped.  *nout = fn->nparams. */
static int keywords_to_positional(ev_session *e, fninfo *fn, uint32_t npos,
                                  const char **kw, uint32_t nkw, uint32_t *nout)
{
    if (!nkw) {
        *nout = npos;
        return ST_OK;
    }
    int slot_of[64];
    if (nkw > 64)
        return ev_raise(e, "TypeError", "heapctl: too many keyword arguments");
    for (uint32_t k = 0; k < nkw; k++) {
        slot_of[k] = -1;
        for (uint32_t p = 0; p < fn->nparams; p++)
            if (!strcmp(fn->locals[p], kw[k]))
                slot_of[k] = (int)p;
        if (slot_of[k] < 0)
            return ev_raise(e, "TypeError",
                            "%s() got an unexpected keyword argument '%s'",
                            fn->name, kw[k]);
        if ((uint32_t)slot_of[k] < npos)
            return ev_raise(e, "TypeError",
                            "%s() got multiple values for argument '%s'",
                            fn->name, kw[k]);
    }
    uint32_t firstdef = fn->nparams - fn->ndefaults;
    int rc = ST_OK;
    uint32_t pushed = 0;
    for (uint32_t p = npos; rc == ST_OK && p < fn->nparams; p++) {
        int k = -1;
        for (uint32_t q = 0; q < nkw; q++)
            if (slot_of[q] == (int)p)
                k = (int)q;
        if (k >= 0) {
            /* keyword value k is at depth pushed + (nkw - 1 - k) */
            rc = ev_op(e, HEAPD__OP_CODE__PICK,
                       pushed + (nkw - 1 - (uint32_t)k), NULL, 1);
        } else if (p >= firstdef) {
            rc = op_obj(e, HEAPD__OP_CODE__PUSH_ID, fn->defaults[p - firstdef],
                        1);
        } else {
            return ev_raise(e, "TypeError",
                            "%s() missing 1 required positional argument: '%s'",
                            fn->name, fn->locals[p]);
        }
        pushed++;
    }
    /* drop the originals, which sit just under the copies */
    for (uint32_t k = 0; rc == ST_OK && k < nkw; k++)
        if ((rc = ev_op(e, HEAPD__OP_CODE__ROLL, pushed, NULL, 0)) == ST_OK)
            rc = ev_pop(e);
    *nout = fn->nparams;
    return rc;
}

int ev_call_heap(ev_session *e, val *callee, val *args, uint32_t nargs,
                 val *out)
{
    int rc;
    if (!callee->fn && !callee->cls && (rc = ev_learn(e, callee, nargs)))
        return rc;
    if (callee->fn)
        return call_function(e, e->fns[callee->fn - 1], args, nargs, 0, out);
    if (!strcmp(callee->tname, "weakref.ReferenceType") ||
        !strcmp(callee->tname, "weakref")) {
        if (nargs)
            return ev_raise(e, "TypeError", "weakref() takes no arguments");
        val_heap(out, NULL);
        return ev_op(e, OP(WEAKREF_DEREF), 0, NULL, 0);
    }
    if (callee->cls) {
        clsinfo *c = e->classes[callee->cls - 1];
        /* [C, a..] -> [C, a.., inst] */
        if ((rc = ev_op(e, OP(PICK), nargs, NULL, 1)) ||
            (rc = ev_op(e, OP(NEW_INSTANCE), 0, NULL, 0)))
            return rc;
        int init = 0;
        for (uint32_t k = 0; k < c->nattrs; k++)
            if (!strcmp(c->attrs[k], "__init__"))
                init = c->attr_fn[k];
        if (init) {
            fninfo *fn = e->fns[init - 1];
            /* [C, a.., inst, init, inst, a'..] : __init__'s arguments are
             * copies, the caller's stay until the call returns */
            val *all = calloc(nargs + 1, sizeof *all);
            val_heap(&all[0], c->name);
            all[0].cls = callee->cls;
            if ((rc = op_obj(e, OP(PUSH_ID), fn->id, 1)) ||
                (rc = ev_op(e, OP(PICK), 1, NULL, 1))) {
                free(all);
                return rc;
            }
            for (uint32_t k = 0; rc == ST_OK && k < nargs; k++) {
                val_copy(&all[k + 1], &args[k]);
                rc = ev_op(e, OP(PICK), nargs + 2, NULL, 1);
            }
            val r;
            memset(&r, 0, sizeof r);
            if (rc == ST_OK)
                rc = call_function(e, fn, all, nargs + 1, callee->cls, &r);
            for (uint32_t k = 0; k <= nargs; k++)
                val_clear(&all[k]);
            free(all);
            if (rc)
                return rc;
            if (r.known != K_NULL) {
                val_clear(&r);
                return ev_raise(e, "TypeError",
                                "__init__() should return None");
            }
            if ((rc = ev_pop(e)))
                return rc;
        } else if (nargs) {
            return ev_raise(e, "TypeError", "%s() takes no arguments", c->name);
        }
        /* [C, a.., inst] -> [inst] */
        for (uint32_t k = 0; k <= nargs; k++)
            if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
                return rc;
        val_heap(out, c->name);
        out->aux = callee->cls;
        return ST_OK;
    }
    return ev_raise(e, "TypeError", "'%s' object is not callable",
                    callee->tname);
}

static int eval_comprehension(ev_session *e, py_node *n, val *out);

/* The argument of sum(x for x in ...): the items, made the way a list
 * comprehension makes them (the client has no generator objects; the
 * results are the same, the memory is a list's). */
static int eval_genexp_arg(ev_session *e, py_node *n, val *out)
{
    py_node copy = *n;
    copy.kind = PY_LISTCOMP;
    return eval_comprehension(e, &copy, out);
}

static int eval_args(ev_session *e, py_node *call, bool to_heap, val **args,
                     uint32_t *npos, const char ***kw, uint32_t *nkw)
{
    uint32_t na = (uint32_t)call->u.call.args.n,
             nk = (uint32_t)call->u.call.keywords.n;
    *args = calloc(na + nk + 1, sizeof **args);
    *kw = calloc(nk + 1, sizeof **kw);
    *npos = na;
    *nkw = nk;
    int rc = ST_OK;
    for (uint32_t k = 0; rc == ST_OK && k < na; k++) {
        py_node *a = call->u.call.args.items[k];
        if (a->kind == PY_STARRED)
            rc = ev_raise(e, "TypeError",
                          "heapctl: *args calls are not supported");
        else if (a->kind == PY_GENERATOREXP && na == 1 && nk == 0)
            rc = eval_genexp_arg(e, a, &(*args)[k]);
        else
            rc = to_heap ? ev_push(e, a, &(*args)[k])
                         : ev_expr(e, a, &(*args)[k]);
    }
    for (uint32_t k = 0; rc == ST_OK && k < nk; k++) {
        py_node *kwn = call->u.call.keywords.items[k];
        if (!kwn->u.keyword.arg)
            rc = ev_raise(e, "TypeError",
                          "heapctl: **kwargs calls are not supported");
        else {
            (*kw)[k] = kwn->u.keyword.arg;
            rc = to_heap ? ev_push(e, kwn->u.keyword.value, &(*args)[na + k])
                         : ev_expr(e, kwn->u.keyword.value, &(*args)[na + k]);
        }
    }
    return rc;
}

static void free_args(val *args, uint32_t n, const char **kw)
{
    for (uint32_t k = 0; k < n; k++)
        val_clear(&args[k]);
    free(args);
    free(kw);
}

/* A method of a user class on a heap receiver at depth nargs. */
static int call_user_method(ev_session *e, clsinfo *c, int cls,
                            const char *name, val *recv, py_node *call,
                            val *out, bool *handled)
{
    *handled = false;
    int fnidx = 0;
    for (uint32_t k = 0; k < c->nattrs; k++)
        if (!strcmp(c->attrs[k], name))
            fnidx = c->attr_fn[k];
    if (!fnidx)
        return ST_OK;
    *handled = true;
    fninfo *fn = e->fns[fnidx - 1];
    int rc;
    /* [obj] -> [fn, obj] */
    if ((rc = op_obj(e, OP(PUSH_ID), fn->id, 1)) ||
        (rc = ev_op(e, OP(ROLL), 1, NULL, 0)))
        return rc;
    val *args;
    const char **kw;
    uint32_t npos, nkw;
    rc = eval_args(e, call, true, &args, &npos, &kw, &nkw);
    if (rc == ST_OK) {
        uint32_t size =
            (npos + nkw > fn->nparams ? npos + nkw : fn->nparams) + 2;
        val *all = calloc(size, sizeof *all);
        val_copy(&all[0], recv);
        for (uint32_t k = 0; k < npos; k++)
            val_copy(&all[k + 1], &args[k]);
        uint32_t n;
        rc = keywords_to_positional(e, fn, npos, kw, nkw, &n);
        if (rc == ST_OK)
            rc = call_function(e, fn, all, n + 1, cls, out);
        for (uint32_t k = 0; k < size; k++)
            val_clear(&all[k]);
        free(all);
    }
    free_args(args, npos + nkw, kw);
    return rc;
}

static int eval_method_call(ev_session *e, py_node *n, val *out)
{
    py_node *fnode = n->u.call.func;
    const char *name = fnode->u.attribute.attr;
    val recv;
    int rc = ev_expr(e, fnode->u.attribute.value, &recv);
    if (rc)
        return rc;
    val *args;
    const char **kw;
    uint32_t npos, nkw;
    if (recv.k == V_MODULE) {
        val fn;
        rc = bi_module_attr(e, (int)recv.i, name, &fn);
        val_clear(&recv);
        if (rc)
            return rc;
        if (fn.k == V_HEAP) {
            /* a heap object reached through a module: gc.callbacks.append */
            val_clear(&fn);
            return ev_raise(e, "TypeError",
                            "heapctl: call methods of gc.%s through a name",
                            name);
        }
        if ((rc = eval_args(e, n, false, &args, &npos, &kw, &nkw)) == ST_OK)
            rc = bi_call(e, &fn, args, npos, kw, nkw, out);
        free_args(args, npos + nkw, kw);
        val_clear(&fn);
        return rc;
    }
    if (recv.k != V_HEAP) {
        val_clear(&recv);
        return ev_raise(e, "AttributeError", "heapctl: no attribute '%s' here",
                        name);
    }
    if (!recv.tname[0] && (rc = ev_learn(e, &recv, 0))) {
        val_clear(&recv);
        return rc;
    }
    /* user class instance: its class's function */
    clsinfo *c = NULL;
    int cls = recv.aux;
    if (!cls && e->f->selfcls && e->f->fn && recv.id == 0) {
        /* not known */
    }
    if (cls)
        c = e->classes[cls - 1];
    else if ((c = ev_class_named(e, recv.tname)) != NULL) {
        for (size_t k = 0; k < e->nclasses; k++)
            if (e->classes[k] == c)
                cls = (int)k + 1;
    }
    if (c) {
        bool handled;
        rc = call_user_method(e, c, cls, name, &recv, n, out, &handled);
        if (handled || rc) {
            val_clear(&recv);
            return rc;
        }
    }
    if ((rc = eval_args(e, n, true, &args, &npos, &kw, &nkw)) == ST_OK)
        rc = bi_method(e, &recv, name, args, npos, kw, nkw, out);
    free_args(args, npos + nkw, kw);
    val_clear(&recv);
    return rc;
}

/* Does a type value t (a built-in type, or a user class on the heap)
 * describe type name tn? */
static int type_matches(ev_session *e, py_node *tn_node, const char *tn,
                        bool *out)
{
    val t;
    int rc = ev_expr(e, tn_node, &t);
    if (rc)
        return rc;
    *out = false;
    if (t.k == V_TYPE) {
        *out = !strcmp(t.s, tn) ||
               (!strcmp(t.s, "int") && !strcmp(tn, "bool")) ||
               !strcmp(t.s, "object") ||
               (t.aux == 1 && bi_is_exc_name(tn) && bi_exc_matches(tn, t.s));
    } else if (t.k == V_HEAP) {
        if (!t.cls && (rc = ev_learn(e, &t, 0)))
            return rc;
        if (!t.cls) {
            val_clear(&t);
            return ev_raise(e, "TypeError",
                            "isinstance() arg 2 must be a type, a tuple of "
                            "types, or a union");
        }
        *out = !strcmp(e->classes[t.cls - 1]->name, tn);
    }
    return discard(e, &t);
}

static int eval_isinstance(ev_session *e, py_node *n, val *out)
{
    val x;
    int rc = ev_expr(e, n->u.call.args.items[0], &x);
    if (rc)
        return rc;
    char tn[64];
    if (x.k == V_EXC)
        snprintf(tn, sizeof tn, "%.63s", x.tname);
    else if (x.k == V_HEAP) {
        if (!x.tname[0] && (rc = ev_learn(e, &x, 0)))
            return rc;
        snprintf(tn, sizeof tn, "%.63s", x.tname);
    } else {
        snprintf(tn, sizeof tn, "%s",
                 x.k == V_TYPE ? "type" : "builtin_function_or_method");
    }
    if ((rc = discard(e, &x)))
        return rc;
    py_node *t = n->u.call.args.items[1];
    bool r = false;
    if (t->kind == PY_TUPLE) {
        for (size_t k = 0; !r && k < t->u.list.elts.n; k++)
            if ((rc = type_matches(e, t->u.list.elts.items[k], tn, &r)))
                return rc;
    } else if ((rc = type_matches(e, t, tn, &r))) {
        return rc;
    }
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_BOOL;
    out->i = r;
    snprintf(out->tname, sizeof out->tname, "bool");
    return push_known(e, out);
}

static int eval_call(ev_session *e, py_node *n, val *out)
{
    py_node *fnode = n->u.call.func;
    if (fnode->kind == PY_ATTRIBUTE)
        return eval_method_call(e, n, out);
    val callee;
    int rc = ev_expr(e, fnode, &callee);
    if (rc)
        return rc;
    val *args;
    const char **kw;
    uint32_t npos, nkw;
    if (callee.k == V_BUILTIN && bi_is_isinstance(&callee) &&
        n->u.call.args.n == 2 && !n->u.call.keywords.n) {
        val_clear(&callee);
        return eval_isinstance(e, n, out);
    }
    if (callee.k == V_BUILTIN || callee.k == V_TYPE) {
        if ((rc = eval_args(e, n, false, &args, &npos, &kw, &nkw)) == ST_OK)
            rc = bi_call(e, &callee, args, npos, kw, nkw, out);
        free_args(args, npos + nkw, kw);
        val_clear(&callee);
        return rc;
    }
    if (callee.k != V_HEAP) {
        val_clear(&callee);
        return ev_raise(e, "TypeError", "'module' object is not callable");
    }
    if ((rc = eval_args(e, n, true, &args, &npos, &kw, &nkw)) == ST_OK) {
        uint32_t nall = npos;
        if (nkw) {
            if (!callee.fn &&
                (rc = ev_learn(e, &callee, npos + nkw)) == ST_OK && !callee.fn)
                rc = ev_raise(e, "TypeError",
                              "heapctl: keyword arguments only for functions");
            if (rc == ST_OK)
                rc = keywords_to_positional(e, e->fns[callee.fn - 1], npos, kw,
                                            nkw, &nall);
        }
        val *pos =
            calloc((nall > npos + nkw ? nall : npos + nkw) + 1, sizeof *pos);
        for (uint32_t k = 0; k < npos; k++)
            val_copy(&pos[k], &args[k]);
        if (rc == ST_OK)
            rc = ev_call_heap(e, &callee, pos, nall, out);
        for (uint32_t k = 0; k < nall || k < npos; k++)
            val_clear(&pos[k]);
        free(pos);
    }
    free_args(args, npos + nkw, kw);
    val_clear(&callee);
    return rc;
}

/* ---- expressions: dispatch
 * -------------------------------------------------------- */

static int eval_comprehension(ev_session *e, py_node *n, val *out);

static int ev_expr(ev_session *e, py_node *n, val *out)
{
    memset(out, 0, sizeof *out);
    e->lineno = n->lineno;
    const kconst *c = e->u ? const_of(e->u, n) : NULL;
    if (c)
        return push_const(e, c, out);
    switch (n->kind) {
    case PY_NAME:
        return load_name(e, n->u.name.id, out);
    case PY_BINOP:
        return eval_binop(e, n, out);
    case PY_UNARYOP: {
        int rc;
        if (n->u.unaryop.op == PY_NOT) {
            if ((rc = ev_push(e, n->u.unaryop.operand, out)))
                return rc;
            bool t;
            if ((rc = truth(e, out, &t)) || (rc = discard(e, out)))
                return rc;
            out->k = V_HEAP;
            out->known = K_BOOL;
            out->i = !t;
            snprintf(out->tname, sizeof out->tname, "bool");
            return push_known(e, out);
        }
        if ((rc = ev_push(e, n->u.unaryop.operand, out)))
            return rc;
        if (!is_num(out) && (rc = ev_learn(e, out, 0)))
            return rc;
        if (!is_num(out))
            return ev_raise(e, "TypeError",
                            "bad operand type for unary %s: '%s'",
                            py_unaryop_symbol(n->u.unaryop.op), out->tname);
        if ((rc = ev_pop(e)))
            return rc;
        if (out->known == K_BOOL)
            out->known = K_INT;
        if (n->u.unaryop.op == PY_USUB) {
            if (out->known == K_FLOAT)
                out->f = -out->f;
            else
                out->i = -out->i;
        } else if (n->u.unaryop.op == PY_INVERT) {
            if (out->known == K_FLOAT)
                return ev_raise(e, "TypeError",
                                "bad operand type for unary ~: 'float'");
            out->i = ~out->i;
        }
        out->id = 0;
        snprintf(out->tname, sizeof out->tname,
                 out->known == K_FLOAT ? "float" : "int");
        return push_known(e, out);
    }
    case PY_BOOLOP:
        return eval_boolop(e, n, out);
    case PY_COMPARE:
        return eval_compare(e, n, out);
    case PY_IFEXP: {
        val t;
        int rc = ev_push(e, n->u.ifexp.test, &t);
        bool b;
        if (rc || (rc = truth(e, &t, &b)) || (rc = discard(e, &t)))
            return rc;
        return ev_push(e, b ? n->u.ifexp.body : n->u.ifexp.orelse, out);
    }
    case PY_LIST:
        return build_items(e, &n->u.list.elts, OP(BUILD_LIST), out, "list");
    case PY_TUPLE:
        return build_items(e, &n->u.list.elts, OP(BUILD_TUPLE), out, "tuple");
    case PY_SET:
        return build_items(e, &n->u.set.elts, OP(BUILD_SET), out, "set");
    case PY_DICT: {
        for (size_t k = 0; k < n->u.dict.keys.n; k++) {
            if (!n->u.dict.keys.items[k])
                return ev_raise(e, "SyntaxError",
                                "heapctl: ** in dict displays");
            val a, b;
            int rc = ev_push(e, n->u.dict.keys.items[k], &a);
            val_clear(&a);
            if (rc || (rc = ev_push(e, n->u.dict.values.items[k], &b)))
                return rc;
            val_clear(&b);
        }
        val_heap(out, "dict");
        return ev_op(e, OP(BUILD_DICT), (int64_t)n->u.dict.keys.n, NULL,
                     1 - 2 * (int)n->u.dict.keys.n);
    }
    case PY_SUBSCRIPT:
        return eval_subscript(e, n, out);
    case PY_ATTRIBUTE: {
        val o;
        int rc = ev_expr(e, n->u.attribute.value, &o);
        if (rc)
            return rc;
        if (o.k == V_MODULE) {
            rc = bi_module_attr(e, (int)o.i, n->u.attribute.attr, out);
            val_clear(&o);
            return rc;
        }
        if (o.k == V_TYPE || o.k == V_EXC) {
            if (!strcmp(n->u.attribute.attr, "__name__") && o.k == V_TYPE) {
                const char *dot = strrchr(o.s, '.'); /* weakref.ReferenceType */
                out->k = V_HEAP;
                out->known = K_STR;
                out->s = strdup(dot ? dot + 1 : o.s);
                out->slen = strlen(out->s);
                val_clear(&o);
                return push_known(e, out);
            }
            if (!strcmp(n->u.attribute.attr, "args") && o.k == V_EXC) {
                val_clear(&o);
                return ev_raise(e, "TypeError",
                                "heapctl: exception args are not supported");
            }
            val_clear(&o);
            return ev_raise(e, "AttributeError",
                            "heapctl: attribute '%s' not supported",
                            n->u.attribute.attr);
        }
        if ((rc = ev_materialize(e, &o)))
            return rc;
        if (!strcmp(n->u.attribute.attr, "__name__")) {
            if (!o.fn && !o.cls && (rc = ev_learn(e, &o, 0)))
                return rc;
            const char *nm = o.fn    ? e->fns[o.fn - 1]->name
                             : o.cls ? e->classes[o.cls - 1]->name
                                     : NULL;
            if (nm) {
                val_clear(&o);
                if ((rc = ev_pop(e)))
                    return rc;
                out->k = V_HEAP;
                out->known = K_STR;
                out->s = strdup(nm);
                out->slen = strlen(nm);
                return push_known(e, out);
            }
        }
        val_clear(&o);
        val_heap(out, NULL);
        return ev_op(e, OP(GETATTR), 0, n->u.attribute.attr, 0);
    }
    case PY_CALL:
        return eval_call(e, n, out);
    case PY_JOINEDSTR:
        return eval_joinedstr(e, n, out);
    case PY_LAMBDA:
    case PY_LISTCOMP:
    case PY_SETCOMP:
    case PY_GENERATOREXP:
        return eval_comprehension(e, n, out);
    case PY_NAMEDEXPR: {
        int rc = ev_push(e, n->u.namedexpr.value, out);
        if (rc || (rc = ev_op(e, OP(DUP), 0, NULL, 1)))
            return rc;
        return store_name(e, n->u.namedexpr.target->u.name.id, out);
    }
    case PY_CONSTANT:
        return ev_raise(e, "SyntaxError",
                        "heapctl: this constant is not supported");
    default:
        return ev_raise(e, "SyntaxError",
                        "heapctl: %s expressions are not supported",
                        py_kind_name(n->kind));
    }
}

static int ev_push(ev_session *e, py_node *n, val *out)
{
    int rc = ev_expr(e, n, out);
    if (rc == ST_OK && out->k != V_HEAP)
        rc = ev_materialize(e, out);
    return rc;
}

/* ---- functions and classes
 * -------------------------------------------------------- */

static bool name_in(char **names, uint32_t n, const char *name)
{
    for (uint32_t k = 0; k < n; k++)
        if (!strcmp(names[k], name))
            return true;
    return false;
}

static void add_name(char ***names, uint32_t *n, const char *name)
{
    if (name_in(*names, *n, name))
        return;
    char **p = realloc(*names, (*n + 1) * sizeof *p);
    if (!p)
        return;
    *names = p;
    p[(*n)++] = strdup(name);
}

static void scan_targets(fninfo *fn, py_node *t)
{
    if (!t)
        return;
    if (t->kind == PY_NAME)
        add_name(&fn->locals, &fn->nlocals, t->u.name.id);
    else if (t->kind == PY_TUPLE || t->kind == PY_LIST)
        for (size_t k = 0; k < t->u.list.elts.n; k++)
            scan_targets(fn, t->u.list.elts.items[k]);
    else if (t->kind == PY_STARRED)
        scan_targets(fn, t->u.starred.value);
}

static void scan_body(fninfo *fn, py_seq *body)
{
    for (size_t k = 0; k < body->n; k++) {
        py_node *s = body->items[k];
        switch (s->kind) {
        case PY_GLOBAL:
            for (size_t g = 0; g < s->u.global.names.n; g++)
                add_name(&fn->globals, &fn->nglobals,
                         s->u.global.names.items[g]);
            break;
        case PY_ASSIGN:
            for (size_t t = 0; t < s->u.assign.targets.n; t++)
                scan_targets(fn, s->u.assign.targets.items[t]);
            break;
        case PY_AUGASSIGN:
            scan_targets(fn, s->u.augassign.target);
            break;
        case PY_ANNASSIGN:
            scan_targets(fn, s->u.annassign.target);
            break;
        case PY_DELETE:
            for (size_t t = 0; t < s->u.del.targets.n; t++)
                scan_targets(fn, s->u.del.targets.items[t]);
            break;
        case PY_FOR:
            scan_targets(fn, s->u.for_.target);
            scan_body(fn, &s->u.for_.body);
            scan_body(fn, &s->u.for_.orelse);
            break;
        case PY_WHILE:
            scan_body(fn, &s->u.while_.body);
            scan_body(fn, &s->u.while_.orelse);
            break;
        case PY_IF:
            scan_body(fn, &s->u.if_.body);
            scan_body(fn, &s->u.if_.orelse);
            break;
        case PY_TRY:
            scan_body(fn, &s->u.try_.body);
            scan_body(fn, &s->u.try_.orelse);
            scan_body(fn, &s->u.try_.finalbody);
            for (size_t h = 0; h < s->u.try_.handlers.n; h++) {
                py_node *hn = s->u.try_.handlers.items[h];
                if (hn->u.excepthandler.name)
                    add_name(&fn->locals, &fn->nlocals,
                             hn->u.excepthandler.name);
                scan_body(fn, &hn->u.excepthandler.body);
            }
            break;
        case PY_FUNCTIONDEF:
            add_name(&fn->locals, &fn->nlocals, s->u.functiondef.name);
            break;
        case PY_CLASSDEF:
            add_name(&fn->locals, &fn->nlocals, s->u.classdef.name);
            break;
        case PY_IMPORT:
            for (size_t a = 0; a < s->u.import.names.n; a++) {
                py_node *al = s->u.import.names.items[a];
                add_name(&fn->locals, &fn->nlocals,
                         al->u.alias.asname ? al->u.alias.asname
                                            : al->u.alias.name);
            }
            break;
        default:
            break;
        }
    }
}

/* Appends p to a growable array of pointers; -1 when out of memory. */
static int ptr_push(void ***arr, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void **q = realloc(*arr, c * sizeof *q);
        if (!q)
            return -1;
        *arr = q;
        *cap = c;
    }
    (*arr)[(*n)++] = p;
    return 0;
}

static fninfo *new_fninfo(ev_session *e, py_node *n, const char *name)
{
    fninfo *fn = calloc(1, sizeof *fn);
    if (!fn)
        return NULL;
    fn->node = n;
    fn->u = e->u;
    snprintf(fn->name, sizeof fn->name, "%s", name);
    py_node *a =
        n->kind == PY_LAMBDA ? n->u.lambda.args : n->u.functiondef.args;
    for (size_t k = 0; k < a->u.arguments.posonlyargs.n; k++)
        add_name(&fn->locals, &fn->nlocals,
                 a->u.arguments.posonlyargs.items[k]->u.arg.arg);
    for (size_t k = 0; k < a->u.arguments.args.n; k++)
        add_name(&fn->locals, &fn->nlocals,
                 a->u.arguments.args.items[k]->u.arg.arg);
    fn->nparams = fn->nlocals;
    if (n->kind == PY_FUNCTIONDEF)
        scan_body(fn, &n->u.functiondef.body);
    /* names declared global are not locals */
    for (uint32_t g = 0; g < fn->nglobals; g++)
        for (uint32_t k = fn->nparams; k < fn->nlocals; k++)
            if (!strcmp(fn->locals[k], fn->globals[g])) {
                free(fn->locals[k]);
                fn->locals[k] = fn->locals[--fn->nlocals];
                k--;
            }
    if (ptr_push((void ***)&e->fns, &e->nfns, &e->capfns, fn) < 0) {
        free(fn);
        return NULL;
    }
    return fn;
}

/* The constants a function body uses, for its code object. */
static void body_consts(unit *u, py_node *n, uint64_t **ids, uint32_t *nids)
{
    /* every constant node inside n's span belongs to it */
    for (size_t k = 0; k < u->nknode; k++) {
        py_node *c = u->knode[k];
        bool inside =
            (c->lineno > n->lineno ||
             (c->lineno == n->lineno && c->col >= n->col)) &&
            (c->end_lineno < n->end_lineno ||
             (c->end_lineno == n->end_lineno && c->end_col <= n->end_col));
        if (!inside)
            continue;
        uint64_t id = u->k[u->kidx[k]].id;
        bool seen = false;
        for (uint32_t q = 0; q < *nids; q++)
            seen |= (*ids)[q] == id;
        if (!seen) {
            uint64_t *p = realloc(*ids, (*nids + 1) * sizeof *p);
            if (!p)
                return;
            *ids = p;
            p[(*nids)++] = id;
        }
    }
}

/* Pushes the function object for a def or lambda node. */
static int make_function(ev_session *e, py_node *n, const char *name, int cls,
                         val *out)
{
    fninfo *fn = new_fninfo(e, n, name);
    if (!fn)
        return ev_raise(e, "MemoryError", "%s", "");
    fn->cls = cls;
    /* code object: the body's constants */
    uint64_t *ids = NULL;
    uint32_t nids = 0;
    py_seq *defaults =
        &(n->kind == PY_LAMBDA ? n->u.lambda.args : n->u.functiondef.args)
             ->u.arguments.defaults;
    if (n->kind == PY_FUNCTIONDEF) {
        for (size_t k = 0; k < n->u.functiondef.body.n; k++)
            body_consts(e->u, n->u.functiondef.body.items[k], &ids, &nids);
    } else {
        body_consts(e->u, n->u.lambda.body, &ids, &nids);
    }
    int rc = ST_OK;
    for (uint32_t k = 0; rc == ST_OK && k < nids; k++)
        rc = op_obj(e, OP(PUSH_ID), ids[k], 1);
    free(ids);
    if (rc == ST_OK)
        rc = ev_op(e, OP(BUILD_CODE), nids, name, 1 - (int)nids);
    /* defaults */
    if (rc == ST_OK && defaults->n) {
        for (size_t k = 0; rc == ST_OK && k < defaults->n; k++) {
            val d;
            rc = ev_push(e, defaults->items[k], &d);
            val_clear(&d);
        }
        if (rc == ST_OK)
            rc = ev_op(e, OP(BUILD_TUPLE), (int64_t)defaults->n, NULL,
                       1 - (int)defaults->n);
        if (rc == ST_OK) {
            Heapd__ObjectInfo *oi;
            if ((rc = ev_inspect(e, 0, HC_INSPECT_ITEMS, &oi)) == ST_OK) {
                fn->ndefaults = (uint32_t)oi->n_items;
                fn->defaults = calloc(oi->n_items + 1, sizeof *fn->defaults);
                for (size_t k = 0; k < oi->n_items; k++)
                    fn->defaults[k] = oi->items[k];
                hc_free(oi);
            }
        }
    } else if (rc == ST_OK) {
        rc = ev_op(e, OP(PUSH_NONE), 0, NULL, 1);
    }
    if (rc == ST_OK)
        rc = ev_op(e, OP(BUILD_FUNCTION), 0, name, -1);
    if (rc == ST_OK) {
        Heapd__ObjectInfo *oi;
        if ((rc = ev_inspect(e, 0, 0, &oi)) == ST_OK) {
            fn->id = oi->id;
            hc_free(oi);
        }
    }
    val_heap(out, "function");
    out->fn = (int)e->nfns;
    for (size_t k = 0; k < e->nfns; k++)
        if (e->fns[k] == fn)
            out->fn = (int)k + 1;
    out->id = fn->id;
    return rc;
}

static int exec_classdef(ev_session *e, py_node *n)
{
    py_seq *bases = &n->u.classdef.bases;
    if (bases->n > 1 ||
        (bases->n == 1 && !(bases->items[0]->kind == PY_NAME &&
                            !strcmp(bases->items[0]->u.name.id, "object"))))
        return ev_raise(e, "TypeError",
                        "heapctl: classes cannot have base classes here");
    clsinfo *c = calloc(1, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", n->u.classdef.name);
    if (!c ||
        ptr_push((void ***)&e->classes, &e->nclasses, &e->capclasses, c) < 0) {
        free(c);
        return ev_raise(e, "MemoryError", "%s", "");
    }
    int cls = (int)e->nclasses;
    int rc = ev_op(e, OP(BUILD_DICT), 0, NULL, 1);
    if (rc)
        return rc;
    frame *f = e->f;
    int saved = f->class_body;
    uint32_t saved_sp = f->dict_sp;
    char **saved_names = f->cnames;
    size_t saved_n = f->ncnames;
    f->class_body = cls;
    f->dict_sp = e->sp - 1;
    f->cnames = NULL;
    f->ncnames = 0;
    for (size_t k = 0; rc == ST_OK && k < n->u.classdef.body.n; k++) {
        py_node *s = n->u.classdef.body.items[k];
        e->lineno = s->lineno;
        if (s->kind == PY_FUNCTIONDEF) {
            val fv;
            if ((rc = make_function(e, s, s->u.functiondef.name, cls, &fv)))
                break;
            c->attrs = realloc(c->attrs, (c->nattrs + 1) * sizeof *c->attrs);
            c->attr_fn =
                realloc(c->attr_fn, (c->nattrs + 1) * sizeof *c->attr_fn);
            c->attr_id =
                realloc(c->attr_id, (c->nattrs + 1) * sizeof *c->attr_id);
            c->attrs[c->nattrs] = strdup(s->u.functiondef.name);
            c->attr_fn[c->nattrs] = fv.fn;
            c->attr_id[c->nattrs++] = fv.id;
            rc = store_name(e, s->u.functiondef.name, &fv);
            val_clear(&fv);
        } else {
            rc = exec_body(e, &(py_seq){&n->u.classdef.body.items[k], 1});
        }
    }
    for (size_t k = 0; k < f->ncnames; k++)
        free(f->cnames[k]);
    free(f->cnames);
    f->class_body = saved;
    f->dict_sp = saved_sp;
    f->cnames = saved_names;
    f->ncnames = saved_n;
    if (rc)
        return rc;
    if ((rc = ev_op(e, OP(BUILD_CLASS), 0, c->name, 0)))
        return rc;
    Heapd__ObjectInfo *oi;
    if ((rc = ev_inspect(e, 0, 0, &oi)))
        return rc;
    c->id = oi->id;
    hc_free(oi);
    val v;
    val_heap(&v, "type");
    v.cls = cls;
    v.id = c->id;
    rc = store_name(e, n->u.classdef.name, &v);
    val_clear(&v);
    return rc;
}

/* ---- comprehensions (3.12 inlines them: the loop runs in place)
 * ------------------- */

static int assign_target(ev_session *e, py_node *t, val *v);

static int comp_loop(ev_session *e, py_node *n, size_t gen, uint32_t acc_sp);

static int for_each(ev_session *e, py_node *target, py_node *iter,
                    int (*body)(ev_session *, void *), void *ctx,
                    py_seq *orelse);

typedef struct comp_ctx {
    py_node *n;
    size_t gen;
    uint32_t acc_sp;
} comp_ctx;

static int comp_body(ev_session *e, void *p)
{
    comp_ctx *c = p;
    py_node *g = c->n->u.comp.generators.items[c->gen];
    for (size_t k = 0; k < g->u.comprehension.ifs.n; k++) {
        val t;
        bool b;
        int rc = ev_push(e, g->u.comprehension.ifs.items[k], &t);
        if (rc || (rc = truth(e, &t, &b)) || (rc = discard(e, &t)))
            return rc;
        if (!b)
            return ST_OK;
    }
    return comp_loop(e, c->n, c->gen + 1, c->acc_sp);
}

static int comp_loop(ev_session *e, py_node *n, size_t gen, uint32_t acc_sp)
{
    if (gen == n->u.comp.generators.n) {
        val v;
        int rc;
        if ((rc = ev_op(e, OP(PICK), e->sp - 1 - acc_sp, NULL, 1)) ||
            (rc = ev_push(e, n->u.comp.elt, &v)))
            return rc;
        val_clear(&v);
        return ev_op(e, n->kind == PY_SETCOMP ? OP(SET_ADD) : OP(LIST_APPEND),
                     0, NULL, -2);
    }
    py_node *g = n->u.comp.generators.items[gen];
    comp_ctx c = {n, gen, acc_sp};
    py_node *t = g->u.comprehension.target;
    py_node *names[16];
    int nn = 0, rc = ST_OK;
    if (t->kind == PY_NAME)
        names[nn++] = t;
    else if (t->kind == PY_TUPLE || t->kind == PY_LIST)
        for (size_t k = 0; k < t->u.list.elts.n && nn < 16; k++)
            if (t->u.list.elts.items[k]->kind == PY_NAME)
                names[nn++] = t->u.list.elts.items[k];
    frame *f = e->f;
    int base = f->ncvars;
    for (int k = 0; rc == ST_OK && k < nn && f->ncvars < 16; k++) {
        rc = ev_op(e, OP(PUSH_NONE), 0, NULL, 1);
        f->cvars[f->ncvars].name = names[k]->u.name.id;
        f->cvars[f->ncvars++].slot = e->sp - 1;
    }
    if (rc == ST_OK)
        rc = for_each(e, t, g->u.comprehension.iter, comp_body, &c, NULL);
    /* the variables go when the comprehension ends */
    while (f->ncvars > base) {
        uint32_t slot = f->cvars[--f->ncvars].slot;
        if (rc == ST_OK &&
            ((rc = ev_op(e, OP(ROLL), e->sp - 1 - slot, NULL, 0)) == ST_OK))
            rc = ev_pop(e);
    }
    return rc;
}

static int eval_comprehension(ev_session *e, py_node *n, val *out)
{
    if (n->kind == PY_LAMBDA)
        return make_function(e, n, "<lambda>", 0, out);
    if (n->kind == PY_GENERATOREXP)
        return ev_raise(e, "TypeError",
                        "heapctl: generator expressions are supported only as "
                        "the argument of "
                        "sum(), list(), tuple(), set(), min(), max(), any(), "
                        "all() and str.join()");
    int rc = ev_op(e, n->kind == PY_SETCOMP ? OP(BUILD_SET) : OP(BUILD_LIST), 0,
                   NULL, 1);
    if (rc)
        return rc;
    rc = comp_loop(e, n, 0, e->sp - 1);
    val_heap(out, n->kind == PY_SETCOMP ? "set" : "list");
    return rc;
}

/* ---- assignment
 * ------------------------------------------------------------------- */

/* Unpacks the heap sequence on top into n items on the stack (first item
 * deepest), popping the sequence. */
static int unpack(ev_session *e, val *seq, size_t n)
{
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, 0, 0, &oi);
    if (rc)
        return rc;
    int64_t len = oi->len;
    char tname[64];
    snprintf(tname, sizeof tname, "%s", oi->type);
    hc_free(oi);
    (void)seq;
    if (len < 0)
        return ev_raise(e, "TypeError", "cannot unpack non-iterable %s object",
                        tname);
    if ((size_t)len != n) {
        if ((size_t)len > n)
            return ev_raise(e, "ValueError",
                            "too many values to unpack (expected %zu)", n);
        return ev_raise(e, "ValueError",
                        "not enough values to unpack (expected %zu, got %lld)",
                        n, (long long)len);
    }
    for (size_t k = 0; k < n; k++) {
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(ITER_NEXT);
        r.i = (int64_t)k;
        r.j = (int64_t)k;
        r.k = -1;
        r.lineno = e->lineno;
        if ((rc = ev_opx(e, &r, 1)))
            return rc;
    }
    /* [seq, a0 .. an-1] -> [a0 .. an-1] */
    if ((rc = ev_op(e, OP(ROLL), (int64_t)n, NULL, 0)))
        return rc;
    return ev_pop(e);
}

/* Stores the heap value on top (popped) into target. */
static int assign_target(ev_session *e, py_node *t, val *v)
{
    int rc;
    switch (t->kind) {
    case PY_NAME:
        return store_name(e, t->u.name.id, v);
    case PY_ATTRIBUTE: {
        val o;
        if ((rc = ev_push(e, t->u.attribute.value, &o)))
            return rc;
        val_clear(&o);
        /* [v, o] -> [o, v] */
        if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)))
            return rc;
        return ev_op(e, OP(SETATTR), 0, t->u.attribute.attr, -2);
    }
    case PY_SUBSCRIPT: {
        val c, k;
        if ((rc = ev_push(e, t->u.subscript.value, &c)))
            return rc;
        val_clear(&c);
        if (t->u.subscript.slice->kind == PY_SLICE)
            return ev_raise(e, "TypeError",
                            "heapctl: slice assignment is not supported");
        if ((rc = ev_push(e, t->u.subscript.slice, &k)))
            return rc;
        val_clear(&k);
        /* [v, c, k] -> [c, k, v] */
        if ((rc = ev_op(e, OP(ROLL), 2, NULL, 0)))
            return rc;
        return ev_op(e, OP(SETITEM), 0, NULL, -3);
    }
    case PY_TUPLE:
    case PY_LIST: {
        size_t n = t->u.list.elts.n;
        if ((rc = unpack(e, v, n)))
            return rc;
        /* store the first target first: bring items up in order */
        for (size_t k = 0; k < n; k++) {
            val item;
            val_heap(&item, NULL);
            if ((rc = ev_op(e, OP(ROLL), (int64_t)(n - 1 - k), NULL, 0)) ||
                (rc = assign_target(e, t->u.list.elts.items[k], &item)))
                return rc;
        }
        return ST_OK;
    }
    default:
        return ev_raise(e, "SyntaxError", "heapctl: cannot assign to %s",
                        py_kind_name(t->kind));
    }
}

/* ---- loops
 * ----------------------------------------------------------------------- */

static bool may_mutate(py_node *n);

static bool seq_may_mutate(py_seq *s)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->items[k] && may_mutate(s->items[k]))
            return true;
    return false;
}

/* Could running n change a container being iterated?  Calls, deletions
 * and item stores could; plain arithmetic and name stores cannot. */
static bool may_mutate(py_node *n)
{
    switch (n->kind) {
    case PY_CALL:
    case PY_DELETE:
    case PY_AUGASSIGN:
        return true;
    case PY_ASSIGN:
        for (size_t k = 0; k < n->u.assign.targets.n; k++)
            if (n->u.assign.targets.items[k]->kind != PY_NAME)
                return true;
        return may_mutate(n->u.assign.value);
    case PY_EXPR:
        return may_mutate(n->u.expr.value);
    case PY_IF:
        return may_mutate(n->u.if_.test) || seq_may_mutate(&n->u.if_.body) ||
               seq_may_mutate(&n->u.if_.orelse);
    case PY_FOR:
    case PY_WHILE:
    case PY_TRY:
    case PY_FUNCTIONDEF:
    case PY_CLASSDEF:
        return true;
    case PY_BINOP:
        return may_mutate(n->u.binop.left) || may_mutate(n->u.binop.right);
    case PY_COMPARE:
        return may_mutate(n->u.compare.left) ||
               seq_may_mutate(&n->u.compare.comparators);
    case PY_LIST:
    case PY_TUPLE:
        return seq_may_mutate(&n->u.list.elts);
    case PY_SUBSCRIPT:
        return may_mutate(n->u.subscript.value) ||
               may_mutate(n->u.subscript.slice);
    case PY_JOINEDSTR:
    case PY_LISTCOMP:
    case PY_SETCOMP:
    case PY_DICTCOMP:
    case PY_GENERATOREXP:
        return true;
    default:
        return false;
    }
}

typedef struct stmt_body {
    py_seq *body;
} stmt_body;

static int run_stmt_body(ev_session *e, void *p)
{
    return exec_body(e, ((stmt_body *)p)->body);
}

static int range_args(ev_session *e, py_node *call, int64_t r[3])
{
    size_t n = call->u.call.args.n;
    if (n < 1 || n > 3 || call->u.call.keywords.n)
        return ev_raise(e, "TypeError",
                        "range expected at most 3 arguments, got %zu", n);
    int64_t v[3];
    for (size_t k = 0; k < n; k++) {
        val a;
        int rc = ev_expr(e, call->u.call.args.items[k], &a);
        if (rc)
            return rc;
        if (a.k == V_HEAP && !a.known && (rc = ev_learn(e, &a, 0)))
            return rc;
        if (a.known != K_INT && a.known != K_BOOL) {
            val_clear(&a);
            return ev_raise(e, "TypeError",
                            "'%s' object cannot be interpreted as an integer",
                            a.tname[0] ? a.tname : "float");
        }
        v[k] = a.i;
        if ((rc = discard(e, &a)))
            return rc;
    }
    r[0] = n == 1 ? 0 : v[0];
    r[1] = n == 1 ? v[0] : v[1];
    r[2] = n == 3 ? v[2] : 1;
    if (r[2] == 0)
        return ev_raise(e, "ValueError", "range() arg 3 must not be zero");
    return ST_OK;
}

/* One value for a for target from the iterable at depth `depth`. */
static int for_each(ev_session *e, py_node *target, py_node *iter,
                    int (*body)(ev_session *, void *), void *ctx,
                    py_seq *orelse)
{
    int rc;
    bool broke = false;
    /* for i in range(...): the ints are made as the loop goes */
    if (iter->kind == PY_CALL && iter->u.call.func->kind == PY_NAME &&
        !strcmp(iter->u.call.func->u.name.id, "range") &&
        !global_find(e, "range")) {
        int64_t r[3] = {0, 0, 1};
        if ((rc = range_args(e, iter, r)))
            return rc;
        for (int64_t i = r[0]; r[2] > 0 ? i < r[1] : i > r[1]; i += r[2]) {
            val v;
            memset(&v, 0, sizeof v);
            v.k = V_HEAP;
            v.known = K_INT;
            v.i = i;
            snprintf(v.tname, sizeof v.tname, "int");
            if ((rc = push_known(e, &v)) || (rc = assign_target(e, target, &v)))
                return rc;
            rc = body(e, ctx);
            if (rc == ST_BREAK) {
                broke = true;
                break;
            }
            if (rc == ST_CONTINUE)
                continue;
            if (rc)
                return rc;
        }
        if (!broke && orelse)
            return exec_body(e, orelse);
        return ST_OK;
    }
    int mode = 0;
    bool enumerate = false, zip = false;
    Heapd__ObjectInfo *oi;
    val it;
    py_node *src = iter;
    if (iter->kind == PY_CALL && iter->u.call.func->kind == PY_ATTRIBUTE &&
        iter->u.call.args.n == 0) {
        const char *m = iter->u.call.func->u.attribute.attr;
        if (!strcmp(m, "items") || !strcmp(m, "keys") || !strcmp(m, "values")) {
            mode = !strcmp(m, "items") ? 2 : !strcmp(m, "values") ? 1 : 0;
            src = iter->u.call.func->u.attribute.value;
        }
    } else if (iter->kind == PY_CALL && iter->u.call.func->kind == PY_NAME &&
               !strcmp(iter->u.call.func->u.name.id, "enumerate") &&
               iter->u.call.args.n == 1 && !global_find(e, "enumerate")) {
        enumerate = true;
        src = iter->u.call.args.items[0];
    } else if (iter->kind == PY_CALL && iter->u.call.func->kind == PY_NAME &&
               !strcmp(iter->u.call.func->u.name.id, "zip") &&
               iter->u.call.args.n == 2 && !global_find(e, "zip")) {
        zip = true;
        src = iter->u.call.args.items[0];
    }
    if ((rc = ev_push(e, src, &it)))
        return rc;
    uint32_t it_sp = e->sp - 1, it2_sp = 0;
    int64_t len2 = INT64_MAX;
    if (zip) {
        val it2;
        if ((rc = ev_push(e, iter->u.call.args.items[1], &it2)))
            return rc;
        val_clear(&it2);
        it2_sp = e->sp - 1;
        if ((rc = ev_inspect(e, 0, 0, &oi)))
            return rc;
        len2 = oi->len;
        hc_free(oi);
        if (len2 < 0)
            return ev_raise(e, "TypeError", "'%s' object is not iterable",
                            "zip argument");
    }
    if ((rc = ev_inspect(e, e->sp - 1 - it_sp, 0, &oi)))
        return rc;
    int64_t len = oi->len;
    bool sized = !strcmp(oi->type, "dict") || !strcmp(oi->type, "set") ||
                 !strcmp(oi->type, "frozenset");
    char tname[64];
    snprintf(tname, sizeof tname, "%s", oi->type);
    hc_free(oi);
    if (len < 0) {
        val_clear(&it);
        return ev_raise(e, "TypeError", "'%s' object is not iterable", tname);
    }
    if (mode && strcmp(tname, "dict")) {
        val_clear(&it);
        return ev_raise(e, "AttributeError",
                        "'%s' object has no attribute '%s'", tname,
                        mode == 2 ? "items" : "values");
    }
    bool careful =
        body != comp_body && (seq_may_mutate(((stmt_body *)ctx)->body));
    for (int64_t i = 0;; i++) {
        if (i >= len || careful) {
            /* the container may have grown (or shrunk): ask */
            if ((rc = ev_inspect(e, e->sp - 1 - it_sp, 0, &oi)))
                return rc;
            len = oi->len;
            hc_free(oi);
            if (i >= len || i >= len2)
                break;
        }
        if (i >= len2)
            break;
        if (enumerate) {
            val iv;
            memset(&iv, 0, sizeof iv);
            iv.k = V_HEAP;
            iv.known = K_INT;
            iv.i = i;
            if ((rc = push_known(e, &iv)))
                return rc;
        }
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(ITER_NEXT);
        r.i = i;
        r.j = e->sp - 1 - it_sp;
        r.k = sized ? len : -1;
        r.flags = (uint32_t)mode;
        r.lineno = e->lineno;
        if ((rc = ev_opx(e, &r, mode == 2 ? 2 : 1)))
            return rc;
        if (zip) {
            r.j = e->sp - 1 - it2_sp;
            if ((rc = ev_opx(e, &r, 1)))
                return rc;
        }
        val v;
        val_heap(&v, NULL);
        if (mode == 2 || enumerate || zip) {
            /* [k, v] as a 2-tuple target */
            if (target->kind == PY_TUPLE && target->u.list.elts.n == 2) {
                if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)) ||
                    (rc = assign_target(e, target->u.list.elts.items[0], &v)) ||
                    (rc = assign_target(e, target->u.list.elts.items[1], &v)))
                    return rc;
            } else {
                if ((rc = ev_op(e, OP(BUILD_TUPLE), 2, NULL, -1)) ||
                    (rc = assign_target(e, target, &v)))
                    return rc;
            }
        } else if ((rc = assign_target(e, target, &v))) {
            return rc;
        }
        rc = body(e, ctx);
        if (rc == ST_BREAK) {
            broke = true;
            break;
        }
        if (rc == ST_CONTINUE)
            continue;
        if (rc)
            return rc;
    }
    val_clear(&it);
    /* drop the iterables */
    if (zip && ((rc = ev_op(e, OP(ROLL), e->sp - 1 - it2_sp, NULL, 0)) ||
                (rc = ev_pop(e))))
        return rc;
    if ((rc = ev_op(e, OP(ROLL), e->sp - 1 - it_sp, NULL, 0)) ||
        (rc = ev_pop(e)))
        return rc;
    if (!broke && orelse)
        return exec_body(e, orelse);
    return ST_OK;
}

/* ---- exceptions
 * ------------------------------------------------------------------- */

/* Brings the heap back to frame depth `depth` with `sp` items on its
 * stack, after an exception left it wherever the failure happened. */
static int resync(ev_session *e, uint32_t depth, uint32_t sp)
{
    int rc = ev_sync(e);
    lk_exc drop;
    while (rc == ST_EXC && lk_take_exc(&e->lk, &drop))
        rc = ev_sync(e);
    if (rc == ST_FATAL)
        return rc;
    while (e->lk.real_depth > depth) {
        if ((rc = ev_op(e, OP(FRAME_POP), 0, NULL, 0)) || (rc = ev_sync(e)))
            return rc;
    }
    while (e->lk.real_sp > sp) {
        uint32_t n = e->lk.real_sp - sp;
        for (uint32_t k = 0; k < n; k++)
            if ((rc = ev_op(e, OP(POP), 0, NULL, 0)))
                return rc;
        if ((rc = ev_sync(e)))
            return rc;
    }
    e->sp = sp;
    e->depth = depth;
    return ST_OK;
}

static bool handler_matches(ev_session *e, py_node *type, int *rc)
{
    *rc = ST_OK;
    if (!type)
        return true;
    if (type->kind == PY_TUPLE) {
        for (size_t k = 0; k < type->u.list.elts.n; k++)
            if (handler_matches(e, type->u.list.elts.items[k], rc))
                return true;
        return false;
    }
    if (type->kind == PY_NAME && bi_is_exc_name(type->u.name.id))
        return bi_exc_matches(e->exc.type, type->u.name.id);
    *rc = ST_OK;
    return false;
}

static int exec_try(ev_session *e, py_node *n)
{
    uint32_t depth = e->depth, sp = e->sp;
    int rc;
    e->in_try++;
    rc = exec_body(e, &n->u.try_.body);
    if (rc == ST_OK)
        rc = ev_sync(e);
    e->in_try--;
    if (rc == ST_EXC) {
        ev_exc saved = e->exc;
        int rs = resync(e, depth, sp);
        if (rs)
            return rs;
        e->exc = saved;
        bool caught = false;
        for (size_t k = 0; k < n->u.try_.handlers.n && !caught; k++) {
            py_node *h = n->u.try_.handlers.items[k];
            int mrc;
            if (!handler_matches(e, h->u.excepthandler.type, &mrc))
                continue;
            caught = true;
            if (h->u.excepthandler.name) {
                val ev;
                memset(&ev, 0, sizeof ev);
                ev.k = V_EXC;
                snprintf(ev.tname, sizeof ev.tname, "%.47s", saved.type);
                ev.s = strdup(saved.msg);
                ev.slen = strlen(saved.msg);
                rc = store_name(e, h->u.excepthandler.name, &ev);
                val_clear(&ev);
                if (rc)
                    break;
            }
            e->in_try += n->u.try_.finalbody.n > 0;
            ev_exc *outer = e->handling;
            e->handling = &saved;
            rc = exec_body(e, &h->u.excepthandler.body);
            e->handling = outer;
            e->in_try -= n->u.try_.finalbody.n > 0;
            if (h->u.excepthandler.name && rc != ST_FATAL) {
                int drc = delete_name(e, h->u.excepthandler.name);
                if (rc == ST_OK)
                    rc = drc;
            }
        }
        if (!caught)
            rc = ST_EXC;
    } else if (rc == ST_OK) {
        rc = exec_body(e, &n->u.try_.orelse);
    }
    if (n->u.try_.finalbody.n) {
        ev_exc saved = e->exc;
        if (rc == ST_EXC) {
            int rs = resync(e, depth, sp);
            if (rs)
                return rs;
        }
        int frc = exec_body(e, &n->u.try_.finalbody);
        if (frc)
            return frc;
        e->exc = saved;
    }
    return rc;
}

/* ---- statements
 * ------------------------------------------------------------------ */

static int exec_import(ev_session *e, py_node *s)
{
    for (size_t k = 0; k < s->u.import.names.n; k++) {
        py_node *a = s->u.import.names.items[k];
        val m;
        memset(&m, 0, sizeof m);
        m.k = V_MODULE;
        const char *name = a->u.alias.name;
        m.i = !strcmp(name, "gc")         ? MOD_GC
              : !strcmp(name, "sys")      ? MOD_SYS
              : !strcmp(name, "weakref")  ? MOD_WEAKREF
              : !strcmp(name, "objgraph") ? MOD_OBJGRAPH
                                          : 0;
        if (!m.i)
            return ev_raise(e, "ModuleNotFoundError", "No module named '%s'",
                            name);
        int rc =
            store_name(e, a->u.alias.asname ? a->u.alias.asname : name, &m);
        if (rc)
            return rc;
    }
    return ST_OK;
}

/* A slice bound: an int, None or absent; false for anything else. */
static int slice_bound(ev_session *e, py_node *n, bool *has, int64_t *v)
{
    *has = false;
    if (!n || (n->kind == PY_CONSTANT && n->u.constant.kind == PY_CONST_NONE))
        return ST_OK;
    val b;
    int rc = ev_expr(e, n, &b);
    if (rc)
        return rc;
    if (b.k == V_HEAP && !b.known && (rc = ev_learn(e, &b, 0)))
        return rc;
    if (b.known != K_INT && b.known != K_BOOL) {
        val_clear(&b);
        return ev_raise(e, "TypeError",
                        "slice indices must be integers or None or have an "
                        "__index__ method");
    }
    *has = true;
    *v = b.i;
    return discard(e, &b);
}

/* del l[a:b] on the list on top (popped): the items go last first, as
 * list_ass_slice releases them. */
static int delete_slice(ev_session *e, py_node *sl)
{
    bool ha, hb, hs;
    int64_t a = 0, b = 0, st = 1;
    int rc;
    if ((rc = slice_bound(e, sl->u.slice.lower, &ha, &a)) ||
        (rc = slice_bound(e, sl->u.slice.upper, &hb, &b)) ||
        (rc = slice_bound(e, sl->u.slice.step, &hs, &st)))
        return rc;
    if (hs && st != 1)
        return ev_raise(e, "TypeError",
                        "heapctl: del with a slice step is not supported");
    Heapd__ObjectInfo *oi;
    if ((rc = ev_inspect(e, 0, 0, &oi)))
        return rc;
    int64_t len = oi->len;
    bool list = !strcmp(oi->type, "list");
    char tn[64];
    snprintf(tn, sizeof tn, "%s", oi->type);
    hc_free(oi);
    if (!list)
        return ev_raise(e, "TypeError",
                        "'%s' object does not support item deletion", tn);
    if (!ha)
        a = 0;
    if (!hb)
        b = len;
    if (a < 0)
        a = a + len < 0 ? 0 : a + len;
    if (b < 0)
        b = b + len < 0 ? 0 : b + len;
    if (a > len)
        a = len;
    if (b > len)
        b = len;
    if (!ha && !hb)
        return ev_op(e, OP(CLEAR), 0, NULL, -1);
    for (int64_t k = b - 1; k >= a; k--) {
        if ((rc = ev_op(e, OP(DUP), 0, NULL, 1)) ||
            (rc = ev_op(e, OP(LIST_POP), k, NULL, 0)) || (rc = ev_pop(e)))
            return rc;
    }
    return ev_pop(e);
}

static int exec_delete(ev_session *e, py_node *t)
{
    int rc;
    switch (t->kind) {
    case PY_NAME:
        return delete_name(e, t->u.name.id);
    case PY_SUBSCRIPT: {
        val c, k;
        if ((rc = ev_push(e, t->u.subscript.value, &c)))
            return rc;
        val_clear(&c);
        if (t->u.subscript.slice->kind == PY_SLICE)
            return delete_slice(e, t->u.subscript.slice);
        if ((rc = ev_push(e, t->u.subscript.slice, &k)))
            return rc;
        val_clear(&k);
        return ev_op(e, OP(DELITEM), 0, NULL, -2);
    }
    case PY_ATTRIBUTE: {
        val o;
        if ((rc = ev_push(e, t->u.attribute.value, &o)))
            return rc;
        val_clear(&o);
        return ev_op(e, OP(DELATTR), 0, t->u.attribute.attr, -1);
    }
    case PY_TUPLE:
    case PY_LIST:
        for (size_t k = 0; k < t->u.list.elts.n; k++)
            if ((rc = exec_delete(e, t->u.list.elts.items[k])))
                return rc;
        return ST_OK;
    default:
        return ev_raise(e, "SyntaxError", "cannot delete %s",
                        py_kind_name(t->kind));
    }
}

static int echo_value(ev_session *e, val *v);

static int exec_stmt(ev_session *e, py_node *s, val *ret)
{
    e->lineno = s->lineno;
    int rc;
    val v;
    switch (s->kind) {
    case PY_EXPR:
        if ((rc = ev_expr(e, s->u.expr.value, &v)))
            return rc;
        if (s->u.expr.echo)
            return echo_value(e, &v);
        return discard(e, &v);
    case PY_ASSIGN: {
        py_seq *ts = &s->u.assign.targets;
        py_node *value = s->u.assign.value;
        /* a, b = b, a: no tuple, as CPython's compiler does */
        if (ts->n == 1 &&
            (ts->items[0]->kind == PY_TUPLE || ts->items[0]->kind == PY_LIST) &&
            value->kind == PY_TUPLE &&
            value->u.list.elts.n == ts->items[0]->u.list.elts.n &&
            !const_of(e->u, value)) {
            size_t n = value->u.list.elts.n;
            for (size_t k = 0; k < n; k++) {
                val x;
                rc = ev_push(e, value->u.list.elts.items[k], &x);
                val_clear(&x);
                if (rc)
                    return rc;
            }
            for (size_t k = 0; k < n; k++) {
                val item;
                val_heap(&item, NULL);
                if ((rc = ev_op(e, OP(ROLL), (int64_t)(n - 1 - k), NULL, 0)) ||
                    (rc = assign_target(e, ts->items[0]->u.list.elts.items[k],
                                        &item)))
                    return rc;
            }
            return ST_OK;
        }
        if ((rc = ev_expr(e, value, &v)))
            return rc;
        if (v.k == V_HEAP || v.k == V_VOID) {
            if ((rc = ev_materialize(e, &v)))
                return rc;
            for (size_t k = 0; rc == ST_OK && k < ts->n; k++) {
                if (k + 1 < ts->n && (rc = ev_op(e, OP(DUP), 0, NULL, 1)))
                    break;
                rc = assign_target(e, ts->items[k], &v);
            }
        } else {
            for (size_t k = 0; rc == ST_OK && k < ts->n; k++) {
                if (ts->items[k]->kind != PY_NAME)
                    rc = ev_raise(e, "TypeError",
                                  "heapctl: cannot store that in the heap");
                else
                    rc = store_name(e, ts->items[k]->u.name.id, &v);
            }
        }
        val_clear(&v);
        return rc;
    }
    case PY_AUGASSIGN: {
        py_node *t = s->u.augassign.target;
        val a, b, r;
        if (t->kind == PY_NAME) {
            if ((rc = load_name(e, t->u.name.id, &a)) ||
                (rc = ev_materialize(e, &a)))
                return rc;
            if ((rc = ev_push(e, s->u.augassign.value, &b)))
                return rc;
            rc = augop_values(e, s->u.augassign.op, &a, &b, &r);
            val_clear(&a);
            val_clear(&b);
            if (rc == ST_OK)
                rc = store_name(e, t->u.name.id, &r);
            val_clear(&r);
            return rc;
        }
        if (t->kind == PY_ATTRIBUTE) {
            val o;
            if ((rc = ev_push(e, t->u.attribute.value, &o)))
                return rc;
            val_clear(&o);
            if ((rc = ev_op(e, OP(DUP), 0, NULL, 1)) ||
                (rc = ev_op(e, OP(GETATTR), 0, t->u.attribute.attr, 0)))
                return rc;
            val_heap(&a, NULL);
            if ((rc = ev_push(e, s->u.augassign.value, &b)))
                return rc;
            rc = augop_values(e, s->u.augassign.op, &a, &b, &r);
            val_clear(&a);
            val_clear(&b);
            val_clear(&r);
            if (rc)
                return rc;
            return ev_op(e, OP(SETATTR), 0, t->u.attribute.attr, -2);
        }
        if (t->kind == PY_SUBSCRIPT) {
            val c, k;
            if ((rc = ev_push(e, t->u.subscript.value, &c)) ||
                (rc = ev_push(e, t->u.subscript.slice, &k)))
                return rc;
            val_clear(&c);
            val_clear(&k);
            /* [c, k] -> [c, k, c[k]] */
            if ((rc = ev_op(e, OP(PICK), 1, NULL, 1)) ||
                (rc = ev_op(e, OP(PICK), 1, NULL, 1)) ||
                (rc = ev_op(e, OP(GETITEM), 0, NULL, -1)))
                return rc;
            val_heap(&a, NULL);
            if ((rc = ev_push(e, s->u.augassign.value, &b)))
                return rc;
            rc = augop_values(e, s->u.augassign.op, &a, &b, &r);
            val_clear(&a);
            val_clear(&b);
            val_clear(&r);
            if (rc)
                return rc;
            return ev_op(e, OP(SETITEM), 0, NULL, -3);
        }
        return ev_raise(e, "SyntaxError",
                        "illegal expression for augmented assignment");
    }
    case PY_DELETE:
        for (size_t k = 0; k < s->u.del.targets.n; k++)
            if ((rc = exec_delete(e, s->u.del.targets.items[k])))
                return rc;
        return ST_OK;
    case PY_IF: {
        bool b;
        if ((rc = ev_push(e, s->u.if_.test, &v)) || (rc = truth(e, &v, &b)) ||
            (rc = discard(e, &v)))
            return rc;
        return exec_body(e, b ? &s->u.if_.body : &s->u.if_.orelse);
    }
    case PY_WHILE:
        for (;;) {
            bool b;
            if ((rc = ev_push(e, s->u.while_.test, &v)) ||
                (rc = truth(e, &v, &b)) || (rc = discard(e, &v)))
                return rc;
            if (!b)
                return exec_body(e, &s->u.while_.orelse);
            rc = exec_body(e, &s->u.while_.body);
            if (rc == ST_BREAK)
                return ST_OK;
            if (rc == ST_CONTINUE)
                continue;
            if (rc)
                return rc;
        }
    case PY_FOR: {
        stmt_body sb = {&s->u.for_.body};
        return for_each(e, s->u.for_.target, s->u.for_.iter, run_stmt_body, &sb,
                        &s->u.for_.orelse);
    }
    case PY_BREAK:
        return ST_BREAK;
    case PY_CONTINUE:
        return ST_CONTINUE;
    case PY_PASS:
    case PY_GLOBAL:
        return ST_OK;
    case PY_RETURN:
        if (!s->u.ret.value) {
            memset(ret, 0, sizeof *ret);
            ret->k = V_HEAP;
            ret->known = K_NULL;
            if ((rc = push_known(e, ret)))
                return rc;
        } else if ((rc = ev_push(e, s->u.ret.value, ret))) {
            return rc;
        }
        return ST_RETURN;
    case PY_FUNCTIONDEF:
        if ((rc = make_function(e, s, s->u.functiondef.name, 0, &v)))
            return rc;
        rc = store_name(e, s->u.functiondef.name, &v);
        val_clear(&v);
        return rc;
    case PY_CLASSDEF:
        return exec_classdef(e, s);
    case PY_TRY:
        return exec_try(e, s);
    case PY_IMPORT:
        return exec_import(e, s);
    case PY_RAISE: {
        if (!s->u.raise.exc) {
            if (!e->handling)
                return ev_raise(e, "RuntimeError",
                                "No active exception to reraise");
            if ((rc = ev_sync(e)))
                return rc;
            e->exc = *e->handling;
            e->exc.nwhere = 0;
            e->exc.lineno = e->lineno;
            return ST_EXC;
        }
        if ((rc = ev_expr(e, s->u.raise.exc, &v)))
            return rc;
        if (v.k == V_TYPE && v.aux == 1) {
            rc = ev_raise(e, v.s, "%s", "");
        } else if (v.k == V_EXC) {
            rc = ev_raise(e, v.tname, "%s", v.s ? v.s : "");
        } else {
            rc = discard(e, &v);
            if (rc == ST_OK)
                rc = ev_raise(e, "TypeError",
                              "exceptions must derive from BaseException");
        }
        val_clear(&v);
        return rc;
    }
    case PY_ASSERT: {
        bool b;
        if ((rc = ev_push(e, s->u.assert_.test, &v)) ||
            (rc = truth(e, &v, &b)) || (rc = discard(e, &v)))
            return rc;
        if (b)
            return ST_OK;
        char msg[512] = "";
        if (s->u.assert_.msg) {
            if ((rc = ev_push(e, s->u.assert_.msg, &v)))
                return rc;
            if (v.known != K_STR)
                learn_str(e, &v, 0);
            char *t = fmt_known_str(&v, false);
            snprintf(msg, sizeof msg, "%s", t ? t : "");
            free(t);
            if ((rc = discard(e, &v)))
                return rc;
        }
        return ev_raise(e, "AssertionError", "%s", msg);
    }
    default:
        return ev_raise(e, "SyntaxError",
                        "heapctl: %s statements are not supported",
                        py_kind_name(s->kind));
    }
}

static int exec_body(ev_session *e, py_seq *body)
{
    for (size_t k = 0; k < body->n; k++) {
        val ret;
        memset(&ret, 0, sizeof ret);
        int rc = exec_stmt(e, body->items[k], &ret);
        if (rc == ST_OK && e->in_try)
            rc = ev_sync(e);
        if (rc == ST_RETURN) {
            /* the return statement itself fills ret; a compound statement
             * returning from inside has already filled the slot */
            if (body->items[k]->kind == PY_RETURN) {
                val_clear(e->ret_slot);
                *e->ret_slot = ret;
            } else {
                val_clear(&ret);
            }
            return rc;
        }
        val_clear(&ret);
        if (rc)
            return rc;
    }
    return ST_OK;
}

/* ---- echo and `_`
 * ------------------------------------------------------------------ */

static void write_out(ev_session *e, const char *s, size_t n)
{
    fwrite(s, 1, n, e->out);
    fflush(e->out);
}

/* The REPL prints repr(value) unless it is None, and keeps it in `_`
 * (builtins._ in CPython: one more reference). */
static int echo_value(ev_session *e, val *v)
{
    int rc;
    if (v->k == V_VOID || v->known == K_NULL)
        return discard(e, v);
    char *text = NULL;
    if (v->k == V_TYPE || v->k == V_MODULE || v->k == V_BUILTIN ||
        v->k == V_EXC) {
        text = bi_client_repr(v);
        val_clear(v);
        if ((rc = ev_sync(e)))
            return rc;
        write_out(e, text, strlen(text));
        write_out(e, "\n", 1);
        free(text);
        return ST_OK;
    }
    if ((rc = ev_materialize(e, v)))
        return rc;
    if (v->known)
        text = fmt_known_str(v, true);
    Heapd__ObjectInfo *oi = NULL;
    if (!text) {
        if ((rc = ev_inspect(e, 0, HC_INSPECT_REPR, &oi)))
            return rc;
        text = strdup(oi->repr);
        bool none = !strcmp(oi->type, "NoneType");
        hc_free(oi);
        if (none) {
            free(text);
            return discard(e, v);
        }
    }
    if ((rc = ev_sync(e))) {
        free(text);
        return rc;
    }
    write_out(e, text, strlen(text));
    write_out(e, "\n", 1);
    free(text);
    val_clear(v);
    /* [_old?, arena, code, v] -> [v, arena, code] */
    if (e->has_underscore) {
        if ((rc = ev_op(e, OP(ROLL), 3, NULL, 0)) || (rc = ev_pop(e)))
            return rc;
    }
    rc = ev_op(e, OP(SINK), 2, NULL, 0);
    if (!e->has_underscore) {
        e->has_underscore = true;
        e->base_sp++;
    }
    return rc;
}

/* ---- the hand-off: __del__, weakref callbacks, gc callbacks
 * ------------------------ */

static void print_traceback(ev_session *e, const char *head);

static int run_call(ev_session *e, const Heapd__CallDue *due)
{
    fninfo *fn = ev_fn_by_id(e, due->callable);
    if (!fn)
        return ST_OK; /* not ours: the call ends with its body not run */
    uint32_t nargs = due->kind == HEAPD__CALL_KIND__CALL_GC ? 2 : 1;
    if (nargs > fn->nparams)
        nargs = fn->nparams;
    int rc;
    if ((rc = op_obj(e, OP(PUSH_ID), due->callable, 1)) ||
        (rc = op_obj(e, OP(PUSH_ID), due->arg0, 1)) ||
        (nargs == 2 && (rc = op_obj(e, OP(PUSH_ID), due->arg1, 1))))
        return rc;
    if (nargs < 2 && due->kind == HEAPD__CALL_KIND__CALL_GC)
        return ev_raise(e, "TypeError",
                        "%s() takes %u positional argument%s but 2 were given",
                        fn->name, fn->nparams, fn->nparams == 1 ? "" : "s");
    val args[2];
    memset(args, 0, sizeof args);
    args[0].k = args[1].k = V_HEAP;
    val r;
    memset(&r, 0, sizeof r);
    rc = call_function(e, fn, args, nargs, fn->cls, &r);
    val_clear(&r);
    if (rc == ST_OK)
        rc = ev_pop(e);
    return rc;
}

static int on_due(void *ctx, const Heapd__CallDue *first)
{
    ev_session *e = ctx;
    Heapd__CallDue due = *first;
    char name[128];
    snprintf(name, sizeof name, "%s", first->name ? first->name : "");
    due.name = name;
    uint32_t sp = e->sp, depth = e->depth;
    int lineno = e->lineno;
    ev_exc saved = e->exc;
    e->sp = e->lk.real_sp;
    e->depth = e->lk.real_depth;
    e->handoff_depth++;
    int rc = ST_OK;
    for (;;) {
        uint32_t call_sp = e->sp, call_depth = e->depth;
        if ((rc = ev_op(e, OP(CALL_BEGIN), 0, NULL, 0)))
            break;
        rc = run_call(e, &due);
        if (rc == ST_EXC) {
            char head[300];
            fninfo *fn = ev_fn_by_id(e, due.callable);
            snprintf(head, sizeof head, "Exception ignored in: <function %s>",
                     fn ? fn->name : name);
            print_traceback(e, head);
            rc = resync(e, call_depth, call_sp);
        }
        if (rc)
            break;
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(CALL_END);
        r.no_due_run = true;
        r.lineno = e->lineno;
        if ((rc = ev_opx(e, &r, 0)) || (rc = ev_sync(e)))
            break;
        if (!lk_take_due(&e->lk, &due, name, sizeof name))
            break;
    }
    e->handoff_depth--;
    e->sp = sp;
    e->depth = depth;
    e->lineno = lineno;
    e->exc = saved;
    return rc == ST_FATAL ? LK_FATAL : LK_OK;
}

/* ---- units
 * ------------------------------------------------------------------------- */

static void print_traceback(ev_session *e, const char *head)
{
    if (head)
        fprintf(e->err, "%s\n", head);
    fprintf(e->err, "Traceback (most recent call last):\n");
    fprintf(e->err, "  File \"%s\", line %d, in <module>\n",
            e->u ? e->u->filename : "<stdin>", e->exc.lineno);
    for (int k = e->exc.nwhere; k-- > 0;)
        fprintf(e->err, "%s\n", e->exc.where[k]);
    if (e->exc.msg[0])
        fprintf(e->err, "%s: %s\n", e->exc.type, e->exc.msg);
    else
        fprintf(e->err, "%s\n", e->exc.type);
    fflush(e->err);
}

static bool inside_def(py_node *root, py_node *c)
{
    py_seq *body = &root->u.mod.body;
    for (size_t k = 0; k < body->n; k++) {
        py_node *s = body->items[k];
        py_node *defs[64];
        size_t nd = 0;
        if (s->kind == PY_FUNCTIONDEF)
            defs[nd++] = s;
        else if (s->kind == PY_CLASSDEF)
            for (size_t q = 0; q < s->u.classdef.body.n && nd < 64; q++)
                if (s->u.classdef.body.items[q]->kind == PY_FUNCTIONDEF)
                    defs[nd++] = s->u.classdef.body.items[q];
        for (size_t d = 0; d < nd; d++) {
            py_node *n = defs[d];
            py_node *first = n->u.functiondef.body.items[0];
            if ((c->lineno > first->lineno ||
                 (c->lineno == first->lineno && c->col >= first->col)) &&
                (c->end_lineno < n->end_lineno ||
                 (c->end_lineno == n->end_lineno && c->end_col <= n->end_col)))
                return true;
        }
    }
    return false;
}

/* Makes the unit's arena and module code object: [arena, code]. */
static int unit_begin(ev_session *e, unit *u)
{
    int rc = ST_OK;
    py_node *root = py_ast_root(u->ast);
    if (collect_consts(u, root) < 0)
        return ev_raise(e, "MemoryError", "%s", "");
    for (size_t k = 0; rc == ST_OK && k < u->nk; k++) {
        kconst *c = &u->k[k];
        val v;
        memset(&v, 0, sizeof v);
        v.known = c->kind;
        v.i = c->i;
        v.f = c->f;
        if (c->kind == 9) {
            lk_req r;
            memset(&r, 0, sizeof r);
            r.kind = LK_OP;
            r.code = OP(PUSH_BYTES);
            r.b = (uint8_t *)c->s;
            r.blen = c->n;
            rc = ev_opx(e, &r, 1);
            continue;
        }
        if (c->kind == K_STR) {
            v.s = (char *)c->s;
            v.slen = c->n;
        }
        rc = push_known(e, &v);
        if (rc == ST_OK && c->kind == K_STR && identifier_like(c->s, c->n))
            rc = ev_op(e, OP(INTERN), 0, NULL, 0);
    }
    if (rc == ST_OK)
        rc = ev_op(e, OP(BUILD_LIST), (int64_t)u->nk, NULL, 1 - (int)u->nk);
    Heapd__ObjectInfo *oi = NULL;
    if (rc == ST_OK &&
        (rc = ev_inspect(e, 0, HC_INSPECT_ITEMS, &oi)) == ST_OK) {
        for (size_t k = 0; k < u->nk && k < oi->n_items; k++)
            u->k[k].id = oi->items[k];
        hc_free(oi);
    }
    /* the module code holds the constants used outside function bodies */
    uint32_t n = 0;
    for (size_t k = 0; rc == ST_OK && k < u->nk; k++) {
        bool used = false;
        for (size_t q = 0; q < u->nknode && !used; q++)
            used = u->kidx[q] == k && !inside_def(root, u->knode[q]);
        if (used) {
            rc = op_obj(e, OP(PUSH_ID), u->k[k].id, 1);
            n++;
        }
    }
    if (rc == ST_OK)
        rc = ev_op(e, OP(BUILD_CODE), n, "<module>", 1 - (int)n);
    return rc;
}

static int unit_end(ev_session *e)
{
    int rc = ev_pop(e);
    if (rc == ST_OK)
        rc = ev_pop(e);
    if (rc == ST_OK)
        rc = ev_sync(e);
    return rc;
}

static unit *unit_new(ev_session *e, const char *src, size_t n,
                      const char *filename)
{
    unit *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    snprintf(u->filename, sizeof u->filename, "%s", filename);
    u->srccopy = strndup(src, n);
    u->src = u->srccopy;
    if (ptr_push((void ***)&e->units, &e->nunits, &e->capunits, u) < 0) {
        free(u->srccopy);
        free(u);
        return NULL;
    }
    return u;
}

static void print_syntax_error(ev_session *e, const py_error *err)
{
    char buf[2048];
    py_error_format(err, buf, sizeof buf);
    fputs(buf, e->err);
    fflush(e->err);
}

/* Runs a parsed unit's statements; each top-level statement is waited
 * for before the next, so its errors are its own. */
static int run_unit(ev_session *e, unit *u)
{
    frame top;
    memset(&top, 0, sizeof top);
    e->f = &top;
    e->u = u;
    e->sp = e->base_sp;
    e->depth = 0;
    memset(&e->exc, 0, sizeof e->exc);
    int rc = unit_begin(e, u);
    py_seq *body = &py_ast_root(u->ast)->u.mod.body;
    for (size_t k = 0; rc == ST_OK && k < body->n; k++) {
        val ret;
        memset(&ret, 0, sizeof ret);
        rc = exec_stmt(e, body->items[k], &ret);
        val_clear(&ret);
        if (rc == ST_OK)
            rc = ev_sync(e);
        if (rc == ST_BREAK || rc == ST_CONTINUE || rc == ST_RETURN)
            rc = ST_OK;
    }
    if (rc == ST_EXC) {
        print_traceback(e, NULL);
        rc = resync(e, 0, e->base_sp + 2);
        if (rc == ST_OK)
            rc = ST_EXC;
    }
    if (rc != ST_FATAL) {
        int rc2 = unit_end(e);
        if (rc == ST_OK)
            rc = rc2;
    }
    e->f = NULL;
    if (rc == ST_FATAL) {
        fprintf(e->err, "heapctl: %s\n", e->lk.fatal_msg);
        return EV_RUN_FATAL;
    }
    return rc == ST_OK ? EV_RUN_OK : EV_RUN_EXC;
}

/* At exit CPython clears __main__'s globals, names with one leading
 * underscore first, in insertion order: their finalizers run then. */
int ev_finalize(ev_session *e)
{
    frame top;
    memset(&top, 0, sizeof top);
    e->f = &top;
    e->sp = e->base_sp;
    e->depth = 0;
    int rc = ST_OK;
    for (int pass = 0; pass < 2 && rc == ST_OK; pass++) {
        for (size_t k = 0; k < e->nglobals && rc == ST_OK;) {
            gname *g = &e->globals[k];
            bool under = g->name[0] == '_' && g->name[1] != '_';
            if ((pass == 0) != under || g->v.k != V_HEAP) {
                k++;
                continue;
            }
            rc = ev_op(e, OP(PUSH_NONE), 0, NULL, 1);
            if (rc == ST_OK)
                rc = ev_op(e, OP(STORE_GLOBAL), 0, g->name, -1);
            g->v.k = V_VOID; /* bound to None now; not ours to clear again */
            k++;
        }
    }
    if (rc == ST_OK)
        rc = ev_sync(e);
    if (rc == ST_EXC) {
        print_traceback(e, NULL);
        rc = ST_OK;
    }
    e->f = NULL;
    return rc == ST_FATAL ? EV_RUN_FATAL : EV_RUN_OK;
}

int ev_run_file(ev_session *s, const char *src, size_t n, const char *filename)
{
    unit *u = unit_new(s, src, n, filename);
    if (!u)
        return EV_RUN_FATAL;
    py_error err;
    if (py_parse_file(u->src, n, filename, &u->ast, &err) < 0) {
        print_syntax_error(s, &err);
        return EV_RUN_EXC;
    }
    s->interactive = 0;
    return run_unit(s, u);
}

int ev_run_interactive(ev_session *s, const char *src, size_t n)
{
    unit *u = unit_new(s, src, n, "<stdin>");
    if (!u)
        return EV_RUN_FATAL;
    py_error err;
    if (py_parse_interactive(u->src, n, "<stdin>", &u->ast, &err) < 0) {
        print_syntax_error(s, &err);
        return EV_RUN_EXC;
    }
    s->interactive = 1;
    return run_unit(s, u);
}

ev_session *ev_open(hc_client *c, const ev_options *o, char *err, size_t errcap)
{
    hc_heap_stat st;
    if (hc_heap_info(c, NULL, NULL, &st) < 0) {
        snprintf(err, errcap, "cannot read the heap: %s",
                 hc_last_error(c)->message);
        return NULL;
    }
    ev_session *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    e->c = c;
    e->out = o && o->out ? o->out : stdout;
    e->err = o && o->err ? o->err : stderr;
    snprintf(e->profile, sizeof e->profile, "%.7s",
             o && o->profile ? o->profile : st.profile);
    lk_init(&e->lk, c, st.stack_size, st.frame_depth);
    e->lk.on_due = on_due;
    e->lk.ctx = e;
    e->base_sp = st.stack_size;
    if (st.frame_depth != 0) {
        snprintf(err, errcap, "the heap is inside a call (frame depth %u)",
                 st.frame_depth);
        free(e);
        return NULL;
    }
    return e;
}

void ev_close(ev_session *s)
{
    if (!s)
        return;
    lk_free(&s->lk);
    for (size_t k = 0; k < s->nfns; k++) {
        fninfo *f = s->fns[k];
        for (uint32_t q = 0; q < f->nlocals; q++)
            free(f->locals[q]);
        for (uint32_t q = 0; q < f->nglobals; q++)
            free(f->globals[q]);
        free(f->locals);
        free(f->globals);
        free(f->defaults);
        free(f);
    }
    free(s->fns);
    for (size_t k = 0; k < s->nclasses; k++) {
        clsinfo *c = s->classes[k];
        for (uint32_t q = 0; q < c->nattrs; q++)
            free(c->attrs[q]);
        free(c->attrs);
        free(c->attr_fn);
        free(c->attr_id);
        free(c);
    }
    free(s->classes);
    for (size_t k = 0; k < s->nglobals; k++) {
        free(s->globals[k].name);
        val_clear(&s->globals[k].v);
    }
    free(s->globals);
    for (size_t k = 0; k < s->nunits; k++) {
        unit *u = s->units[k];
        py_ast_free(u->ast);
        free(u->srccopy);
        free(u->k);
        free(u->knode);
        free(u->kidx);
        free(u);
    }
    free(s->units);
    free(s->og_peak);
    free(s);
}

void ev_stats(const ev_session *s, unsigned long long *sent,
              unsigned long long *resent)
{
    *sent = s->lk.sent;
    *resent = s->lk.resent;
}
