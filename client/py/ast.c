/*
 * ast.c: the arena that owns a parsed tree, and what walks a tree without
 * knowing what it means: the child enumeration, the depth check behind
 * PY_MAX_DEPTH, and the names of kinds and operators.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

/* ---- the arena ----------------------------------------------------------- */

#define CHUNK_SIZE (64 * 1024)

struct py__chunk {
    struct py__chunk *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

py_ast *py__ast_new(void)
{
    return calloc(1, sizeof(py_ast));
}

void py_ast_free(py_ast *ast)
{
    if (ast == NULL)
        return;
    struct py__chunk *c = ast->chunks;
    while (c != NULL) {
        struct py__chunk *next = c->next;
        free(c);
        c = next;
    }
    free(ast);
}

py_node *py_ast_root(const py_ast *ast)
{
    return ast ? ast->root : NULL;
}

void *py__alloc(py_ast *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    struct py__chunk *c = a->chunks;
    if (c == NULL || c->cap - c->used < size) {
        size_t cap = size > CHUNK_SIZE / 4 ? size : CHUNK_SIZE;
        if (cap > SIZE_MAX - sizeof(*c))
            return NULL;
        struct py__chunk *n = malloc(sizeof(*n) + cap);
        if (n == NULL)
            return NULL;
        n->used = 0;
        n->cap = cap;
        if (cap == size && c != NULL) {
            /* A big block gets its own chunk behind the current one, so
             * the current one keeps serving small requests. */
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->chunks = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *py__strndup(py_ast *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = py__alloc(a, n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

int py__vec_push(py_ast *a, py__vec *v, void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        if (cap > SIZE_MAX / sizeof(void *))
            return -1;
        void **items = py__alloc(a, cap * sizeof(void *));
        if (items == NULL)
            return -1;
        if (v->n)
            memcpy(items, v->items, v->n * sizeof(void *));
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = item;
    return 0;
}

/* ---- children ------------------------------------------------------------ */

typedef void (*child_fn)(const py_node *child, void *ctx);

static void each_seq(const py_seq *s, child_fn fn, void *ctx)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i] != NULL)
            fn(s->items[i], ctx);
}

static void each_one(const py_node *n, child_fn fn, void *ctx)
{
    if (n != NULL)
        fn(n, ctx);
}

/* Calls fn on every direct child of n, in field order. */
static void each_child(const py_node *n, child_fn fn, void *ctx)
{
    switch (n->kind) {
    case PY_MODULE:
    case PY_INTERACTIVE:
        each_seq(&n->u.mod.body, fn, ctx);
        break;
    case PY_EXPRESSION:
        each_one(n->u.expression.body, fn, ctx);
        break;
    case PY_FUNCTIONDEF:
        each_seq(&n->u.functiondef.decorators, fn, ctx);
        each_one(n->u.functiondef.args, fn, ctx);
        each_one(n->u.functiondef.returns, fn, ctx);
        each_seq(&n->u.functiondef.body, fn, ctx);
        break;
    case PY_CLASSDEF:
        each_seq(&n->u.classdef.decorators, fn, ctx);
        each_seq(&n->u.classdef.bases, fn, ctx);
        each_seq(&n->u.classdef.keywords, fn, ctx);
        each_seq(&n->u.classdef.body, fn, ctx);
        break;
    case PY_RETURN:
        each_one(n->u.ret.value, fn, ctx);
        break;
    case PY_DELETE:
        each_seq(&n->u.del.targets, fn, ctx);
        break;
    case PY_ASSIGN:
        each_seq(&n->u.assign.targets, fn, ctx);
        each_one(n->u.assign.value, fn, ctx);
        break;
    case PY_AUGASSIGN:
        each_one(n->u.augassign.target, fn, ctx);
        each_one(n->u.augassign.value, fn, ctx);
        break;
    case PY_ANNASSIGN:
        each_one(n->u.annassign.target, fn, ctx);
        each_one(n->u.annassign.annotation, fn, ctx);
        each_one(n->u.annassign.value, fn, ctx);
        break;
    case PY_FOR:
        each_one(n->u.for_.target, fn, ctx);
        each_one(n->u.for_.iter, fn, ctx);
        each_seq(&n->u.for_.body, fn, ctx);
        each_seq(&n->u.for_.orelse, fn, ctx);
        break;
    case PY_WHILE:
        each_one(n->u.while_.test, fn, ctx);
        each_seq(&n->u.while_.body, fn, ctx);
        each_seq(&n->u.while_.orelse, fn, ctx);
        break;
    case PY_IF:
        each_one(n->u.if_.test, fn, ctx);
        each_seq(&n->u.if_.body, fn, ctx);
        each_seq(&n->u.if_.orelse, fn, ctx);
        break;
    case PY_WITH:
        each_seq(&n->u.with.items, fn, ctx);
        each_seq(&n->u.with.body, fn, ctx);
        break;
    case PY_RAISE:
        each_one(n->u.raise.exc, fn, ctx);
        each_one(n->u.raise.cause, fn, ctx);
        break;
    case PY_TRY:
        each_seq(&n->u.try_.body, fn, ctx);
        each_seq(&n->u.try_.handlers, fn, ctx);
        each_seq(&n->u.try_.orelse, fn, ctx);
        each_seq(&n->u.try_.finalbody, fn, ctx);
        break;
    case PY_ASSERT:
        each_one(n->u.assert_.test, fn, ctx);
        each_one(n->u.assert_.msg, fn, ctx);
        break;
    case PY_IMPORT:
        each_seq(&n->u.import.names, fn, ctx);
        break;
    case PY_IMPORTFROM:
        each_seq(&n->u.importfrom.names, fn, ctx);
        break;
    case PY_EXPR:
        each_one(n->u.expr.value, fn, ctx);
        break;
    case PY_GLOBAL:
    case PY_NONLOCAL:
    case PY_PASS:
    case PY_BREAK:
    case PY_CONTINUE:
    case PY_CONSTANT:
    case PY_NAME:
    case PY_ALIAS:
        break;
    case PY_BOOLOP:
        each_seq(&n->u.boolop.values, fn, ctx);
        break;
    case PY_NAMEDEXPR:
        each_one(n->u.namedexpr.target, fn, ctx);
        each_one(n->u.namedexpr.value, fn, ctx);
        break;
    case PY_BINOP:
        each_one(n->u.binop.left, fn, ctx);
        each_one(n->u.binop.right, fn, ctx);
        break;
    case PY_UNARYOP:
        each_one(n->u.unaryop.operand, fn, ctx);
        break;
    case PY_LAMBDA:
        each_one(n->u.lambda.args, fn, ctx);
        each_one(n->u.lambda.body, fn, ctx);
        break;
    case PY_IFEXP:
        each_one(n->u.ifexp.test, fn, ctx);
        each_one(n->u.ifexp.body, fn, ctx);
        each_one(n->u.ifexp.orelse, fn, ctx);
        break;
    case PY_DICT:
        each_seq(&n->u.dict.keys, fn, ctx);
        each_seq(&n->u.dict.values, fn, ctx);
        break;
    case PY_SET:
        each_seq(&n->u.set.elts, fn, ctx);
        break;
    case PY_LISTCOMP:
    case PY_SETCOMP:
    case PY_GENERATOREXP:
        each_one(n->u.comp.elt, fn, ctx);
        each_seq(&n->u.comp.generators, fn, ctx);
        break;
    case PY_DICTCOMP:
        each_one(n->u.dictcomp.key, fn, ctx);
        each_one(n->u.dictcomp.value, fn, ctx);
        each_seq(&n->u.dictcomp.generators, fn, ctx);
        break;
    case PY_YIELD:
    case PY_YIELDFROM:
        each_one(n->u.yield.value, fn, ctx);
        break;
    case PY_COMPARE:
        each_one(n->u.compare.left, fn, ctx);
        each_seq(&n->u.compare.comparators, fn, ctx);
        break;
    case PY_CALL:
        each_one(n->u.call.func, fn, ctx);
        each_seq(&n->u.call.args, fn, ctx);
        each_seq(&n->u.call.keywords, fn, ctx);
        break;
    case PY_FORMATTEDVALUE:
        each_one(n->u.formattedvalue.value, fn, ctx);
        each_one(n->u.formattedvalue.format_spec, fn, ctx);
        break;
    case PY_JOINEDSTR:
        each_seq(&n->u.joinedstr.values, fn, ctx);
        break;
    case PY_ATTRIBUTE:
        each_one(n->u.attribute.value, fn, ctx);
        break;
    case PY_SUBSCRIPT:
        each_one(n->u.subscript.value, fn, ctx);
        each_one(n->u.subscript.slice, fn, ctx);
        break;
    case PY_STARRED:
        each_one(n->u.starred.value, fn, ctx);
        break;
    case PY_LIST:
    case PY_TUPLE:
        each_seq(&n->u.list.elts, fn, ctx);
        break;
    case PY_SLICE:
        each_one(n->u.slice.lower, fn, ctx);
        each_one(n->u.slice.upper, fn, ctx);
        each_one(n->u.slice.step, fn, ctx);
        break;
    case PY_EXCEPTHANDLER:
        each_one(n->u.excepthandler.type, fn, ctx);
        each_seq(&n->u.excepthandler.body, fn, ctx);
        break;
    case PY_ARGUMENTS:
        each_seq(&n->u.arguments.posonlyargs, fn, ctx);
        each_seq(&n->u.arguments.args, fn, ctx);
        each_one(n->u.arguments.vararg, fn, ctx);
        each_seq(&n->u.arguments.kwonlyargs, fn, ctx);
        each_seq(&n->u.arguments.kw_defaults, fn, ctx);
        each_one(n->u.arguments.kwarg, fn, ctx);
        each_seq(&n->u.arguments.defaults, fn, ctx);
        break;
    case PY_ARG:
        each_one(n->u.arg.annotation, fn, ctx);
        break;
    case PY_KEYWORD:
        each_one(n->u.keyword.value, fn, ctx);
        break;
    case PY_WITHITEM:
        each_one(n->u.withitem.context_expr, fn, ctx);
        each_one(n->u.withitem.optional_vars, fn, ctx);
        break;
    case PY_COMPREHENSION:
        each_one(n->u.comprehension.target, fn, ctx);
        each_one(n->u.comprehension.iter, fn, ctx);
        each_seq(&n->u.comprehension.ifs, fn, ctx);
        break;
    }
}

/* ---- depth --------------------------------------------------------------- */

typedef struct frame {
    const py_node *node;
    int depth;
} frame;

typedef struct walk {
    frame *stack;
    size_t n, cap;
    int depth; /* of the children being pushed */
    int oom;
} walk;

static void push_child(const py_node *child, void *ctx)
{
    walk *w = ctx;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        frame *s = realloc(w->stack, cap * sizeof(*s));
        if (s == NULL) {
            w->oom = 1;
            return;
        }
        w->stack = s;
        w->cap = cap;
    }
    w->stack[w->n++] = (frame){child, w->depth};
}

int py__tree_depth(const py_node *node, int limit, const py_node **deepest)
{
    walk w = {0};
    int max = 0;
    const py_node *at = node;
    if (node == NULL)
        return 0;
    w.depth = 1;
    push_child(node, &w);
    while (w.n > 0 && !w.oom) {
        frame f = w.stack[--w.n];
        if (f.depth > max) {
            max = f.depth;
            at = f.node;
            if (max > limit)
                break;
        }
        w.depth = f.depth + 1;
        each_child(f.node, push_child, &w);
    }
    free(w.stack);
    if (deepest)
        *deepest = at;
    if (w.oom)
        return -1;
    return max > limit ? limit + 1 : max;
}

/* ---- names --------------------------------------------------------------- */

const char *py_kind_name(py_kind kind)
{
    static const char *const names[] = {
        [PY_MODULE] = "Module",
        [PY_INTERACTIVE] = "Interactive",
        [PY_EXPRESSION] = "Expression",
        [PY_FUNCTIONDEF] = "FunctionDef",
        [PY_CLASSDEF] = "ClassDef",
        [PY_RETURN] = "Return",
        [PY_DELETE] = "Delete",
        [PY_ASSIGN] = "Assign",
        [PY_AUGASSIGN] = "AugAssign",
        [PY_ANNASSIGN] = "AnnAssign",
        [PY_FOR] = "For",
        [PY_WHILE] = "While",
        [PY_IF] = "If",
        [PY_WITH] = "With",
        [PY_RAISE] = "Raise",
        [PY_TRY] = "Try",
        [PY_ASSERT] = "Assert",
        [PY_IMPORT] = "Import",
        [PY_IMPORTFROM] = "ImportFrom",
        [PY_GLOBAL] = "Global",
        [PY_NONLOCAL] = "Nonlocal",
        [PY_EXPR] = "Expr",
        [PY_PASS] = "Pass",
        [PY_BREAK] = "Break",
        [PY_CONTINUE] = "Continue",
        [PY_BOOLOP] = "BoolOp",
        [PY_NAMEDEXPR] = "NamedExpr",
        [PY_BINOP] = "BinOp",
        [PY_UNARYOP] = "UnaryOp",
        [PY_LAMBDA] = "Lambda",
        [PY_IFEXP] = "IfExp",
        [PY_DICT] = "Dict",
        [PY_SET] = "Set",
        [PY_LISTCOMP] = "ListComp",
        [PY_SETCOMP] = "SetComp",
        [PY_DICTCOMP] = "DictComp",
        [PY_GENERATOREXP] = "GeneratorExp",
        [PY_YIELD] = "Yield",
        [PY_YIELDFROM] = "YieldFrom",
        [PY_COMPARE] = "Compare",
        [PY_CALL] = "Call",
        [PY_FORMATTEDVALUE] = "FormattedValue",
        [PY_JOINEDSTR] = "JoinedStr",
        [PY_CONSTANT] = "Constant",
        [PY_ATTRIBUTE] = "Attribute",
        [PY_SUBSCRIPT] = "Subscript",
        [PY_STARRED] = "Starred",
        [PY_NAME] = "Name",
        [PY_LIST] = "List",
        [PY_TUPLE] = "Tuple",
        [PY_SLICE] = "Slice",
        [PY_EXCEPTHANDLER] = "ExceptHandler",
        [PY_ARGUMENTS] = "arguments",
        [PY_ARG] = "arg",
        [PY_KEYWORD] = "keyword",
        [PY_ALIAS] = "alias",
        [PY_WITHITEM] = "withitem",
        [PY_COMPREHENSION] = "comprehension",
    };
    if ((size_t)kind < sizeof(names) / sizeof(names[0]) && names[kind])
        return names[kind];
    return "?";
}

static const char *const binop_names[][2] = {
    [PY_ADD] = {"Add", "+"},
    [PY_SUB] = {"Sub", "-"},
    [PY_MULT] = {"Mult", "*"},
    [PY_MATMULT] = {"MatMult", "@"},
    [PY_DIV] = {"Div", "/"},
    [PY_MOD] = {"Mod", "%"},
    [PY_POW] = {"Pow", "**"},
    [PY_LSHIFT] = {"LShift", "<<"},
    [PY_RSHIFT] = {"RShift", ">>"},
    [PY_BITOR] = {"BitOr", "|"},
    [PY_BITXOR] = {"BitXor", "^"},
    [PY_BITAND] = {"BitAnd", "&"},
    [PY_FLOORDIV] = {"FloorDiv", "//"},
};

static const char *const unaryop_names[][2] = {
    [PY_INVERT] = {"Invert", "~"},
    [PY_NOT] = {"Not", "not"},
    [PY_UADD] = {"UAdd", "+"},
    [PY_USUB] = {"USub", "-"},
};

static const char *const cmpop_names[][2] = {
    [PY_EQ] = {"Eq", "=="}, [PY_NOTEQ] = {"NotEq", "!="},
    [PY_LT] = {"Lt", "<"},  [PY_LTE] = {"LtE", "<="},
    [PY_GT] = {"Gt", ">"},  [PY_GTE] = {"GtE", ">="},
    [PY_IS] = {"Is", "is"}, [PY_ISNOT] = {"IsNot", "is not"},
    [PY_IN] = {"In", "in"}, [PY_NOTIN] = {"NotIn", "not in"},
};

#define NAME_OF(table, op, i)                                                  \
    ((size_t)(op) < sizeof(table) / sizeof(table[0]) ? table[op][i] : "?")

const char *py_binop_name(py_binop op)
{
    return NAME_OF(binop_names, op, 0);
}

const char *py_binop_symbol(py_binop op)
{
    return NAME_OF(binop_names, op, 1);
}

const char *py_unaryop_name(py_unaryop op)
{
    return NAME_OF(unaryop_names, op, 0);
}

const char *py_unaryop_symbol(py_unaryop op)
{
    return NAME_OF(unaryop_names, op, 1);
}

const char *py_cmpop_name(py_cmpop op)
{
    return NAME_OF(cmpop_names, op, 0);
}

const char *py_cmpop_symbol(py_cmpop op)
{
    return NAME_OF(cmpop_names, op, 1);
}
