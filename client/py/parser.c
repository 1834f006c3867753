/*
 * parser.c: tokens to tree -- a recursive-descent parser for the Python
 * subset, following CPython 3.12's grammar (Grammar/python.gram) for what
 * it accepts, the shapes it builds, and the SyntaxError messages of its
 * invalid_* rules.  Also the REPL's "is this statement complete?" check.
 *
 * Errors unwind with longjmp to the entry point (py_parse_*): everything
 * allocated on the way lives in an arena (the tree's, or a scratch one
 * for tokens), so nothing leaks.  A few places try a parse and go back if
 * it fails (attempt()), the way CPython's PEG parser backtracks.
 *
 * Recursion is bounded: enter() counts the nesting of expressions and
 * fails with RecursionError past MAX_NEST; blocks nest at most 100 deep
 * (the tokenizer's indentation limit); and the finished tree is checked
 * against PY_MAX_DEPTH, so left-leaning chains built by loops (a+b+c...,
 * x.a.b.c...) are bounded too.
 *
 * Errors that CPython finds after parsing (in its symtable and compiler:
 * 'return' outside function, duplicate arguments...) are recorded while
 * parsing and reported only when the parse itself succeeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

#define MAX_NEST           1000 /* enter() levels; see the file comment */
#define INT_MAX_STR_DIGITS 4300

typedef struct tstream {
    py__lexer *lx;
    py__token *toks;
    size_t n, cap;
    size_t furthest; /* the furthest token looked at while parsing */
} tstream;

enum mode { M_FILE, M_SINGLE, M_EVAL };
enum scope { SC_MODULE, SC_CLASS, SC_FUNCTION };
enum targets { STAR_TARGETS, DEL_TARGETS, FOR_TARGETS };

typedef struct parser {
    py__src src;
    py_ast *ast;     /* the tree's arena */
    py_ast *scratch; /* tokens and f-string parts, freed after parsing */
    py_error err;
    jmp_buf *jb;
    tstream *ts;
    size_t pos;
    const py__token *prev; /* the last token taken */
    int depth;
    int mode;
    bool prompt;
    bool incomplete; /* failed for want of input (prompt mode) */
    bool from_lexer; /* the error is the tokenizer's */
    bool no_rest;    /* do not look further for tokenizer errors */
    bool final;      /* not an error that trying another way can avoid */
    int in_field;    /* parsing an f-string replacement field */
    int no_invalid;  /* parsing CPython's expression_without_invalid */
    int explaining;  /* looking ahead only to choose an error message */
    int scope;
    int loops; /* loops around us within the scope */
    /* Errors of CPython's later phases: symtable first, then compiler. */
    bool sym_set, comp_set;
    py_error sym_err, comp_err;
    /* The last parenthesized group: its node and where it ended. */
    const py_node *group;
    const tstream *group_ts;
    size_t group_end;
} parser;

static const py__token no_token;

/* ---- failing ------------------------------------------------------------- */

static _Noreturn void bail(parser *p)
{
    longjmp(*p->jb, 1);
}

static _Noreturn void nomem(parser *p)
{
    py__error_nomem(&p->err, &p->src);
    bail(p);
}

static void vfill(parser *p, py_error *e, py_errkind kind, int l, int c, int el,
                  int ec, const char *fmt, va_list ap)
{
    char msg[sizeof(e->msg)];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    py__error_at(e, &p->src, kind, l, c, el, ec, "%s", msg);
}

static _Noreturn void fail_at(parser *p, py_errkind kind, int l, int c, int el,
                              int ec, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static _Noreturn void fail_at(parser *p, py_errkind kind, int l, int c, int el,
                              int ec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfill(p, &p->err, kind, l, c, el, ec, fmt, ap);
    va_end(ap);
    if (p->in_field)
        p->no_rest = true;
    bail(p);
}

#define FAIL_NODE(p, n, ...)                                                   \
    fail_at(p, PY_ERR_SYNTAX, (n)->lineno, (n)->col, (n)->end_lineno,          \
            (n)->end_col, __VA_ARGS__)
#define FAIL_TOK(p, t, ...)                                                    \
    fail_at(p, PY_ERR_SYNTAX, (t)->lineno, (t)->col, (t)->end_lineno,          \
            (t)->end_col, __VA_ARGS__)
#define FAIL_RANGE(p, a, b, ...)                                               \
    fail_at(p, PY_ERR_SYNTAX, (a)->lineno, (a)->col, (b)->end_lineno,          \
            (b)->end_col, __VA_ARGS__)

/* An error found by CPython after parsing; only the first of each phase
 * counts. */
static void defer(parser *p, bool symtable, const py_node *n, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
static void defer(parser *p, bool symtable, const py_node *n, const char *fmt,
                  ...)
{
    bool *set = symtable ? &p->sym_set : &p->comp_set;
    if (*set)
        return;
    va_list ap;
    va_start(ap, fmt);
    py_error *e = symtable ? &p->sym_err : &p->comp_err;
    vfill(p, e, PY_ERR_SYNTAX, n->lineno, n->col, n->end_lineno, n->end_col,
          fmt, ap);
    va_end(ap);
    e->late = true;
    *set = true;
}

/* ---- tokens -------------------------------------------------------------- */

static _Noreturn void lexer_failed(parser *p, py__lexer *lx, int type)
{
    if (type == T_INCOMPLETE) {
        p->incomplete = true;
    } else {
        p->err = lx->error;
        p->from_lexer = true;
    }
    bail(p);
}

static py__token *tok_at(parser *p, size_t i)
{
    tstream *ts = p->ts;
    if (!p->explaining && i > ts->furthest)
        ts->furthest = i;
    while (ts->n <= i) {
        if (ts->n == ts->cap) {
            size_t cap = ts->cap ? ts->cap * 2 : 256;
            py__token *toks = py__alloc(p->scratch, cap * sizeof(*toks));
            if (toks == NULL)
                nomem(p);
            if (ts->n)
                memcpy(toks, ts->toks, ts->n * sizeof(*toks));
            /* The old array stays in the arena: pointers into it remain
             * valid (tokens never change once read). */
            ts->toks = toks;
            ts->cap = cap;
        }
        int type = py__lexer_next(ts->lx, &ts->toks[ts->n]);
        if (type == T_ERROR || type == T_INCOMPLETE)
            lexer_failed(p, ts->lx, type);
        ts->n++;
    }
    return &ts->toks[i];
}

static py__token *cur(parser *p)
{
    return tok_at(p, p->pos);
}

static int peek(parser *p)
{
    return cur(p)->type;
}

static int peek_at(parser *p, size_t k)
{
    return tok_at(p, p->pos + k)->type;
}

static py__token *take(parser *p)
{
    py__token *t = cur(p);
    p->pos++;
    p->prev = t;
    return t;
}

static bool accept(parser *p, int type)
{
    if (peek(p) != type)
        return false;
    take(p);
    return true;
}

/* CPython's generic error, at the furthest token its parser looked at. */
static _Noreturn void invalid_syntax(parser *p)
{
    py__token *t = cur(p);
    if (p->ts->furthest > p->pos && p->ts->furthest < p->ts->n)
        t = &p->ts->toks[p->ts->furthest];
    if (t->type == T_INDENT) {
        p->no_rest = true;
        fail_at(p, PY_ERR_INDENTATION, t->lineno, t->col - 1, t->lineno, -1,
                "unexpected indent");
    }
    if (t->type == T_DEDENT) {
        p->no_rest = true;
        fail_at(p, PY_ERR_INDENTATION, t->lineno, t->col, t->lineno, -1,
                "unexpected unindent");
    }
    FAIL_TOK(p, t, "invalid syntax");
}

static py__token *expect(parser *p, int type)
{
    if (peek(p) != type)
        invalid_syntax(p);
    return take(p);
}

/* CPython's forced token (&&':' in the grammar): anything else is
 * "expected ':'". */
static void expect_forced(parser *p, int type)
{
    if (peek(p) != type)
        FAIL_TOK(p, cur(p), "expected '%s'", py__token_text(type));
    take(p);
}

static void expect_colon(parser *p)
{
    if (accept(p, T_COLON))
        return;
    if (peek(p) == T_NEWLINE)
        FAIL_TOK(p, cur(p), "expected ':'");
    invalid_syntax(p);
}

static void enter(parser *p)
{
    if (++p->depth > MAX_NEST) {
        py__token *t = cur(p);
        p->no_rest = true;
        fail_at(p, PY_ERR_RECURSION, t->lineno, -1, 0, 0,
                "maximum recursion depth exceeded during compilation");
    }
}

static void leave(parser *p)
{
    p->depth--;
}

/* ---- trying -------------------------------------------------------------- */

typedef py_node *(*parse_fn)(parser *p);

/* Runs fn; on a syntax error puts the parser back where it was and
 * returns NULL.  Other failures (the tokenizer's errors, memory, input
 * needed) are final and go on unwinding. */
static py_node *attempt(parser *p, parse_fn fn)
{
    jmp_buf here;
    jmp_buf *outer = p->jb;
    tstream *ts = p->ts;
    size_t pos = p->pos;
    const py__token *prev = p->prev;
    int depth = p->depth, scope = p->scope, loops = p->loops;
    int in_field = p->in_field, no_invalid = p->no_invalid;
    int explaining = p->explaining;
    bool sym = p->sym_set, comp = p->comp_set, no_rest = p->no_rest;
    const py_node *group = p->group;
    const tstream *group_ts = p->group_ts;
    size_t group_end = p->group_end;
    if (setjmp(here) == 0) {
        p->jb = &here;
        py_node *r = fn(p);
        p->jb = outer;
        return r;
    }
    p->jb = outer;
    if (p->incomplete || p->from_lexer || p->final ||
        p->err.kind == PY_ERR_NOMEM || p->err.kind == PY_ERR_RECURSION)
        bail(p);
    p->ts = ts;
    p->pos = pos;
    p->prev = prev;
    p->depth = depth;
    p->scope = scope;
    p->loops = loops;
    p->in_field = in_field;
    p->no_invalid = no_invalid;
    p->explaining = explaining;
    p->sym_set = sym;
    p->comp_set = comp;
    p->no_rest = no_rest;
    p->group = group;
    p->group_ts = group_ts;
    p->group_end = group_end;
    return NULL;
}

/* ---- nodes --------------------------------------------------------------- */

static py_node *node_at(parser *p, py_kind kind, int lineno, int col)
{
    py_node *n = py__alloc(p->ast, sizeof(*n));
    if (n == NULL)
        nomem(p);
    n->kind = kind;
    n->lineno = lineno;
    n->col = col;
    n->end_lineno = p->prev->end_lineno;
    n->end_col = p->prev->end_col;
    return n;
}

static py_node *node_tok(parser *p, py_kind kind, const py__token *t)
{
    return node_at(p, kind, t->lineno, t->col);
}

static py_node *node_from(parser *p, py_kind kind, const py_node *start)
{
    return node_at(p, kind, start->lineno, start->col);
}

/* Ends n where the last token taken ends. */
static py_node *fin(parser *p, py_node *n)
{
    n->end_lineno = p->prev->end_lineno;
    n->end_col = p->prev->end_col;
    return n;
}

static void end_like(py_node *n, const py_node *last)
{
    n->end_lineno = last->end_lineno;
    n->end_col = last->end_col;
}

static void push(parser *p, py__vec *v, void *item)
{
    if (py__vec_push(p->ast, v, item) < 0)
        nomem(p);
}

static py_seq seq(py__vec v)
{
    return (py_seq){(py_node **)v.items, v.n};
}

static py_seq seq1(parser *p, py_node *n)
{
    py__vec v = {0};
    push(p, &v, n);
    return seq(v);
}

static const char *ident(parser *p, const py__token *t)
{
    char *s = py__strndup(p->ast, t->start, (size_t)(t->end - t->start));
    if (s == NULL)
        nomem(p);
    return s;
}

static py_node *name_node(parser *p, const py__token *t, py_ctx ctx)
{
    py_node *n = node_tok(p, PY_NAME, t);
    n->end_lineno = t->end_lineno;
    n->end_col = t->end_col;
    n->u.name.id = ident(p, t);
    n->u.name.ctx = ctx;
    return n;
}

static void end_of_body(py_node *n, py_seq body)
{
    if (body.n > 0)
        end_like(n, body.items[body.n - 1]);
}

/* ---- what CPython calls things ------------------------------------------- */

static const char *expr_name(const py_node *e)
{
    switch (e->kind) {
    case PY_ATTRIBUTE:
        return "attribute";
    case PY_SUBSCRIPT:
        return "subscript";
    case PY_STARRED:
        return "starred";
    case PY_NAME:
        return "name";
    case PY_LIST:
        return "list";
    case PY_TUPLE:
        return "tuple";
    case PY_LAMBDA:
        return "lambda";
    case PY_CALL:
        return "function call";
    case PY_BOOLOP:
    case PY_BINOP:
    case PY_UNARYOP:
        return "expression";
    case PY_GENERATOREXP:
        return "generator expression";
    case PY_YIELD:
    case PY_YIELDFROM:
        return "yield expression";
    case PY_LISTCOMP:
        return "list comprehension";
    case PY_SETCOMP:
        return "set comprehension";
    case PY_DICTCOMP:
        return "dict comprehension";
    case PY_DICT:
        return "dict literal";
    case PY_SET:
        return "set display";
    case PY_JOINEDSTR:
    case PY_FORMATTEDVALUE:
        return "f-string expression";
    case PY_CONSTANT:
        switch (e->u.constant.kind) {
        case PY_CONST_NONE:
            return "None";
        case PY_CONST_TRUE:
            return "True";
        case PY_CONST_FALSE:
            return "False";
        case PY_CONST_ELLIPSIS:
            return "ellipsis";
        default:
            return "literal";
        }
    case PY_COMPARE:
        return "comparison";
    case PY_IFEXP:
        return "conditional expression";
    case PY_NAMEDEXPR:
        return "named expression";
    default:
        return "expression";
    }
}

/* CPython's _PyPegen_get_invalid_target: the part of e that cannot be
 * assigned to (or deleted), or NULL. */
static const py_node *invalid_target(const py_node *e, int type)
{
    switch (e->kind) {
    case PY_LIST:
    case PY_TUPLE:
        for (size_t i = 0; i < e->u.list.elts.n; i++) {
            const py_node *bad = invalid_target(e->u.list.elts.items[i], type);
            if (bad)
                return bad;
        }
        return NULL;
    case PY_STARRED:
        if (type == DEL_TARGETS)
            return e;
        return invalid_target(e->u.starred.value, type);
    case PY_COMPARE:
        if (type == FOR_TARGETS && e->u.compare.ops[0] == PY_IN)
            return invalid_target(e->u.compare.left, type);
        return e;
    case PY_NAME:
    case PY_SUBSCRIPT:
    case PY_ATTRIBUTE:
        return NULL;
    default:
        return e;
    }
}

static void set_ctx(parser *p, py_node *e, py_ctx ctx)
{
    switch (e->kind) {
    case PY_NAME:
        e->u.name.ctx = ctx;
        if (ctx != PY_LOAD && strcmp(e->u.name.id, "__debug__") == 0)
            defer(p, false, e,
                  ctx == PY_DEL ? "cannot delete __debug__"
                                : "cannot assign to __debug__");
        break;
    case PY_ATTRIBUTE:
        e->u.attribute.ctx = ctx;
        if (ctx != PY_LOAD && strcmp(e->u.attribute.attr, "__debug__") == 0)
            defer(p, false, e, "cannot assign to __debug__");
        break;
    case PY_SUBSCRIPT:
        e->u.subscript.ctx = ctx;
        break;
    case PY_STARRED:
        e->u.starred.ctx = ctx;
        set_ctx(p, e->u.starred.value, ctx);
        break;
    case PY_LIST:
    case PY_TUPLE:
        e->u.list.ctx = ctx;
        for (size_t i = 0; i < e->u.list.elts.n; i++)
            set_ctx(p, e->u.list.elts.items[i], ctx);
        break;
    default:
        break;
    }
}

/* The compiler's checks of starred targets. */
static void check_starred(parser *p, const py_node *e, bool top)
{
    if (e->kind == PY_STARRED && top) {
        defer(p, false, e,
              "starred assignment target must be in a list or tuple");
        return;
    }
    if (e->kind != PY_LIST && e->kind != PY_TUPLE)
        return;
    int stars = 0;
    for (size_t i = 0; i < e->u.list.elts.n; i++) {
        const py_node *x = e->u.list.elts.items[i];
        if (x->kind == PY_STARRED) {
            if (++stars == 2)
                defer(p, false, e,
                      "multiple starred expressions in assignment");
            check_starred(p, x->u.starred.value, false);
        } else {
            check_starred(p, x, false);
        }
    }
}

/* Makes e an assignment (or del) target, or fails as CPython does. */
static void make_target(parser *p, py_node *e, int type)
{
    const py_node *bad = invalid_target(e, type);
    if (bad != NULL) {
        if (type == DEL_TARGETS)
            FAIL_NODE(p, bad, "cannot delete %s", expr_name(bad));
        FAIL_NODE(p, bad, "cannot assign to %s", expr_name(bad));
    }
    set_ctx(p, e, type == DEL_TARGETS ? PY_DEL : PY_STORE);
    if (type != DEL_TARGETS)
        check_starred(p, e, true);
}

/* ---- expressions --------------------------------------------------------- */

static py_node *expression(parser *p);
static py_node *named_expression(parser *p);
static py_node *star_expressions(parser *p);
static py_node *star_named_expression(parser *p);
static py_node *disjunction(parser *p);
static py_node *bitwise_or(parser *p);
static py_node *yield_expr(parser *p);
static py_node *parameters(parser *p, int end, bool annotations);
static void call_args(parser *p, py__vec *args, py__vec *kws,
                      const py__token *open);
static py_node *strings(parser *p);
static py_node *atom(parser *p);

static bool starts_expression(int t)
{
    switch (t) {
    case T_NAME:
    case T_NUMBER:
    case T_STRING:
    case T_LPAR:
    case T_LSQB:
    case T_LBRACE:
    case T_MINUS:
    case T_PLUS:
    case T_TILDE:
    case T_NOT:
    case T_LAMBDA:
    case T_AWAIT:
    case T_NONE:
    case T_TRUE:
    case T_FALSE:
    case T_ELLIPSIS:
        return true;
    default:
        return false;
    }
}

static bool is_soft_keyword(const py__token *t)
{
    static const char *const soft[] = {"match", "case", "_", "type"};
    size_t n = (size_t)(t->end - t->start);
    for (size_t i = 0; i < 4; i++)
        if (strlen(soft[i]) == n && memcmp(soft[i], t->start, n) == 0)
            return true;
    return false;
}

static bool is_name(const py_node *e, const char *id)
{
    return e->kind == PY_NAME && strcmp(e->u.name.id, id) == 0;
}

static bool parenthesized(const parser *p, const py_node *e)
{
    return p->group == e && p->group_ts == p->ts && p->group_end == p->pos;
}

/* Would CPython's bitwise_or rule have produced e? */
static bool bitwise_or_level(const parser *p, const py_node *e)
{
    if (parenthesized(p, e))
        return true;
    switch (e->kind) {
    case PY_UNARYOP:
        return e->u.unaryop.op != PY_NOT;
    case PY_BINOP:
    case PY_CALL:
    case PY_ATTRIBUTE:
    case PY_SUBSCRIPT:
    case PY_NAME:
    case PY_CONSTANT:
    case PY_JOINEDSTR:
    case PY_LIST:
    case PY_TUPLE:
    case PY_DICT:
    case PY_SET:
    case PY_LISTCOMP:
    case PY_SETCOMP:
    case PY_DICTCOMP:
    case PY_GENERATOREXP:
        return true;
    default:
        return false;
    }
}

/* CPython's lookahead !(list|tuple|genexp|'True'|'None'|'False') at the
 * start of e. */
static bool starts_with_display(parser *p, const py_node *e, size_t start)
{
    int t = tok_at(p, start)->type;
    if (t == T_TRUE || t == T_NONE || t == T_FALSE)
        return true;
    const py_node *x = e;
    for (;;) {
        if ((x->kind == PY_LIST || x->kind == PY_TUPLE ||
             x->kind == PY_GENERATOREXP) &&
            x->lineno == e->lineno && x->col == e->col)
            return t == T_LSQB || t == T_LPAR;
        switch (x->kind) {
        case PY_BINOP:
            x = x->u.binop.left;
            continue;
        case PY_CALL:
            x = x->u.call.func;
            continue;
        case PY_ATTRIBUTE:
            x = x->u.attribute.value;
            continue;
        case PY_SUBSCRIPT:
            x = x->u.subscript.value;
            continue;
        default:
            return false;
        }
    }
}

/* After `a` comes '=' where no assignment can be: CPython's
 * invalid_named_expression explains it if what follows '=' is a
 * bitwise_or not followed by '=' or ':='. */
static void explain_equal(parser *p, py_node *a, size_t start)
{
    if (p->no_invalid || peek(p) != T_EQUAL)
        return;
    size_t pos = p->pos;
    const py__token *prev = p->prev;
    bool paren = parenthesized(p, a);
    p->explaining++;
    take(p);
    py_node *b = attempt(p, bitwise_or);
    int after = b ? peek(p) : T_EQUAL;
    p->explaining--;
    p->pos = pos;
    p->prev = prev;
    if (b == NULL || after == T_EQUAL || after == T_COLONEQUAL)
        return;
    if (a->kind == PY_NAME && !paren && tok_at(p, start)->type == T_NAME &&
        pos == start + 1)
        FAIL_RANGE(p, a, b,
                   "invalid syntax. Maybe you meant '==' or ':=' instead of "
                   "'='?");
    if (!starts_with_display(p, a, start) && (paren || bitwise_or_level(p, a)))
        FAIL_NODE(p, a,
                  "cannot assign to %s here. Maybe you meant '==' instead "
                  "of '='?",
                  expr_name(a));
}

static py_node *expression_without_invalid(parser *p)
{
    p->no_invalid++;
    py_node *e = expression(p);
    p->no_invalid--;
    return e;
}

/* Two expressions side by side: CPython's invalid_expression and
 * invalid_legacy_expression. */
static void explain_juxtaposed(parser *p, py_node *a, size_t start)
{
    if (p->no_invalid || !starts_expression(peek(p)))
        return;
    size_t pos = p->pos;
    const py__token *prev = p->prev;
    p->explaining++;
    if (is_name(a, "print") || is_name(a, "exec")) {
        py_node *b = attempt(p, star_expressions);
        if (b != NULL)
            FAIL_RANGE(p, a, b,
                       "Missing parentheses in call to '%s'. Did you mean "
                       "%s(...)?",
                       a->u.name.id, a->u.name.id);
        p->explaining--;
        p->pos = pos;
        p->prev = prev;
        return;
    }
    py__token *first = tok_at(p, start);
    if (first->type == T_NAME &&
        (tok_at(p, start + 1)->type == T_STRING || is_soft_keyword(first))) {
        p->explaining--;
        return;
    }
    /* b is what CPython's PEG parser would take as an expression: the
     * longest that parses, at least a lone name, number or string. */
    py__token *next = cur(p);
    py_node *b = attempt(p, expression_without_invalid);
    const py__token *last = p->prev;
    if (b == NULL && (next->type == T_NAME || next->type == T_NUMBER ||
                      next->type == T_STRING || next->type == T_NONE ||
                      next->type == T_TRUE || next->type == T_FALSE ||
                      next->type == T_ELLIPSIS))
        last = next;
    if ((b != NULL || last == next) && last->level > 0)
        fail_at(p, PY_ERR_SYNTAX, a->lineno, a->col, last->end_lineno,
                last->end_col, "invalid syntax. Perhaps you forgot a comma?");
    p->explaining--;
    p->pos = pos;
    p->prev = prev;
}

static py_node *lambdef(parser *p)
{
    py__token *t = take(p);
    py_node *args = parameters(p, T_COLON, false);
    expect(p, T_COLON);
    int scope = p->scope, loops = p->loops;
    p->scope = SC_FUNCTION;
    p->loops = 0;
    py_node *body = expression(p);
    p->scope = scope;
    p->loops = loops;
    py_node *n = node_tok(p, PY_LAMBDA, t);
    n->u.lambda.args = args;
    n->u.lambda.body = body;
    return fin(p, n);
}

/* expression: lambda | disjunction ['if' disjunction 'else' expression] */
static py_node *expression(parser *p)
{
    enter(p);
    if (peek(p) == T_LAMBDA) {
        py_node *l = lambdef(p);
        leave(p);
        return l;
    }
    size_t start = p->pos;
    py__token *s = cur(p);
    py_node *a = disjunction(p);
    if (peek(p) == T_IF) {
        take(p);
        py_node *test = disjunction(p);
        if (!accept(p, T_ELSE)) {
            if (peek(p) == T_COLON || p->no_invalid)
                invalid_syntax(p);
            FAIL_RANGE(p, a, test, "expected 'else' after 'if' expression");
        }
        py_node *orelse = expression(p);
        py_node *n = node_tok(p, PY_IFEXP, s);
        n->u.ifexp.test = test;
        n->u.ifexp.body = a;
        n->u.ifexp.orelse = orelse;
        leave(p);
        return fin(p, n);
    }
    explain_juxtaposed(p, a, start);
    leave(p);
    return a;
}

static py_node *named_expression(parser *p)
{
    if (peek(p) == T_NAME && peek_at(p, 1) == T_COLONEQUAL) {
        py__token *t = take(p);
        py_node *target = name_node(p, t, PY_STORE);
        take(p);
        py_node *value = expression(p);
        py_node *n = node_tok(p, PY_NAMEDEXPR, t);
        n->u.namedexpr.target = target;
        n->u.namedexpr.value = value;
        return fin(p, n);
    }
    size_t start = p->pos;
    py_node *e = expression(p);
    if (peek(p) == T_COLONEQUAL)
        FAIL_NODE(p, e, "cannot use assignment expressions with %s",
                  expr_name(e));
    explain_equal(p, e, start);
    return e;
}

/* A positional argument: CPython's assignment_expression | expression,
 * without invalid_named_expression's explanations. */
static py_node *argument_expression(parser *p)
{
    if (peek(p) == T_NAME && peek_at(p, 1) == T_COLONEQUAL)
        return named_expression(p);
    py_node *e = expression(p);
    if (peek(p) == T_COLONEQUAL)
        FAIL_NODE(p, e, "cannot use assignment expressions with %s",
                  expr_name(e));
    return e;
}

static py_node *starred(parser *p)
{
    py__token *t = take(p);
    py_node *v = bitwise_or(p);
    py_node *n = node_tok(p, PY_STARRED, t);
    n->u.starred.value = v;
    return fin(p, n);
}

static py_node *star_expression(parser *p)
{
    return peek(p) == T_STAR ? starred(p) : expression(p);
}

static py_node *star_named_expression(parser *p)
{
    return peek(p) == T_STAR ? starred(p) : named_expression(p);
}

static bool starts_star_expression(int t)
{
    return t == T_STAR || starts_expression(t);
}

/* Expressions are placed at their first token, which for one that
 * starts with a parenthesized group is the '(' (as in CPython). */
static py_node *tuple_of(parser *p, py__vec v, const py__token *start)
{
    py_node *n = node_tok(p, PY_TUPLE, start);
    n->u.list.elts = seq(v);
    return fin(p, n);
}

/* star_expressions: a tuple when there is a comma. */
static py_node *star_expressions(parser *p)
{
    py__token *s = cur(p);
    py_node *first = star_expression(p);
    if (peek(p) != T_COMMA)
        return first;
    py__vec v = {0};
    push(p, &v, first);
    while (accept(p, T_COMMA)) {
        if (!starts_star_expression(peek(p)))
            break;
        push(p, &v, star_expression(p));
    }
    return tuple_of(p, v, s);
}

static py_node *boolop(parser *p, const py__token *s, py_node *first, int tok,
                       py_boolop op, py_node *(*sub)(parser *))
{
    if (peek(p) != tok)
        return first;
    py__vec v = {0};
    push(p, &v, first);
    while (accept(p, tok))
        push(p, &v, sub(p));
    py_node *n = node_tok(p, PY_BOOLOP, s);
    n->u.boolop.op = op;
    n->u.boolop.values = seq(v);
    return fin(p, n);
}

static py_node *inversion(parser *p);
static py_node *conjunction(parser *p)
{
    py__token *s = cur(p);
    return boolop(p, s, inversion(p), T_AND, PY_AND, inversion);
}

static py_node *disjunction(parser *p)
{
    py__token *s = cur(p);
    return boolop(p, s, conjunction(p), T_OR, PY_OR, conjunction);
}

static py_node *comparison(parser *p);
static py_node *inversion(parser *p)
{
    if (peek(p) != T_NOT)
        return comparison(p);
    enter(p);
    py__token *t = take(p);
    py_node *operand = inversion(p);
    py_node *n = node_tok(p, PY_UNARYOP, t);
    n->u.unaryop.op = PY_NOT;
    n->u.unaryop.operand = operand;
    leave(p);
    return fin(p, n);
}

/* The comparison operator at the cursor (taking it), or -1. */
static int compare_op(parser *p)
{
    switch (peek(p)) {
    case T_EQEQUAL:
        take(p);
        return PY_EQ;
    case T_NOTEQUAL:
        take(p);
        return PY_NOTEQ;
    case T_LESS:
        take(p);
        return PY_LT;
    case T_LESSEQUAL:
        take(p);
        return PY_LTE;
    case T_GREATER:
        take(p);
        return PY_GT;
    case T_GREATEREQUAL:
        take(p);
        return PY_GTE;
    case T_IN:
        take(p);
        return PY_IN;
    case T_NOT:
        if (peek_at(p, 1) != T_IN)
            return -1;
        take(p);
        take(p);
        return PY_NOTIN;
    case T_IS:
        take(p);
        return accept(p, T_NOT) ? PY_ISNOT : PY_IS;
    default:
        return -1;
    }
}

static py_node *comparison(parser *p)
{
    py__token *s = cur(p);
    py_node *left = bitwise_or(p);
    int op = compare_op(p);
    if (op < 0)
        return left;
    py__vec ops = {0}, comparators = {0};
    do {
        py_cmpop *o = py__alloc(p->ast, sizeof(*o));
        if (o == NULL)
            nomem(p);
        *o = (py_cmpop)op;
        push(p, &ops, o);
        push(p, &comparators, bitwise_or(p));
    } while ((op = compare_op(p)) >= 0);
    py_cmpop *arr = py__alloc(p->ast, ops.n * sizeof(*arr));
    if (arr == NULL)
        nomem(p);
    for (size_t i = 0; i < ops.n; i++)
        arr[i] = *(py_cmpop *)ops.items[i];
    py_node *n = node_tok(p, PY_COMPARE, s);
    n->u.compare.left = left;
    n->u.compare.ops = arr;
    n->u.compare.comparators = seq(comparators);
    return fin(p, n);
}

/* Left-associative binary operators, one precedence level per table. */
typedef struct binlevel {
    int tok[4];
    py_binop op[4];
} binlevel;

static const binlevel levels[] = {
    {{T_VBAR}, {PY_BITOR}},
    {{T_CIRCUMFLEX}, {PY_BITXOR}},
    {{T_AMPER}, {PY_BITAND}},
    {{T_LEFTSHIFT, T_RIGHTSHIFT}, {PY_LSHIFT, PY_RSHIFT}},
    {{T_PLUS, T_MINUS}, {PY_ADD, PY_SUB}},
    {{T_STAR, T_SLASH, T_DOUBLESLASH, T_PERCENT},
     {PY_MULT, PY_DIV, PY_FLOORDIV, PY_MOD}},
};
#define N_LEVELS (sizeof(levels) / sizeof(levels[0]))

static py_node *factor(parser *p);

static int level_op(parser *p, size_t level)
{
    int t = peek(p);
    if (level == N_LEVELS - 1 && t == T_AT)
        return PY_MATMULT;
    for (int i = 0; i < 4; i++)
        if (levels[level].tok[i] == t && t != 0)
            return (int)levels[level].op[i];
    return -1;
}

static py_node *binary(parser *p, size_t level)
{
    py__token *s = cur(p);
    py_node *left = level + 1 < N_LEVELS ? binary(p, level + 1) : factor(p);
    int op;
    while ((op = level_op(p, level)) >= 0) {
        take(p);
        py_node *right =
            level + 1 < N_LEVELS ? binary(p, level + 1) : factor(p);
        py_node *n = node_tok(p, PY_BINOP, s);
        n->u.binop.left = left;
        n->u.binop.op = (py_binop)op;
        n->u.binop.right = right;
        left = fin(p, n);
    }
    return left;
}

static py_node *bitwise_or(parser *p)
{
    return binary(p, 0);
}

static py_node *primary(parser *p);
static py_node *power(parser *p)
{
    py__token *s = cur(p);
    py_node *left;
    if (peek(p) == T_AWAIT) {
        /* No coroutines here: like CPython outside `async def`, fail
         * after parsing (there is no Await node to build). */
        py__token *t = take(p);
        left = primary(p);
        py_node *at = node_tok(p, PY_EXPR, t);
        defer(p, false, fin(p, at),
              p->scope == SC_FUNCTION ? "'await' outside async function"
                                      : "'await' outside function");
    } else {
        left = primary(p);
    }
    if (!accept(p, T_DOUBLESTAR))
        return left;
    py_node *right = factor(p);
    py_node *n = node_tok(p, PY_BINOP, s);
    n->u.binop.left = left;
    n->u.binop.op = PY_POW;
    n->u.binop.right = right;
    return fin(p, n);
}

static py_node *factor(parser *p)
{
    int t = peek(p);
    if (t != T_MINUS && t != T_PLUS && t != T_TILDE)
        return power(p);
    enter(p);
    py__token *op = take(p);
    py_node *operand = factor(p);
    py_node *n = node_tok(p, PY_UNARYOP, op);
    n->u.unaryop.op = t == T_MINUS  ? PY_USUB
                      : t == T_PLUS ? PY_UADD
                                    : PY_INVERT;
    n->u.unaryop.operand = operand;
    leave(p);
    return fin(p, n);
}

/* One subscript item: an expression, a slice, or *x. */
static py_node *slice_item(parser *p)
{
    if (peek(p) == T_STAR)
        return starred(p);
    py__token *t = cur(p);
    py_node *lower = NULL;
    if (peek(p) != T_COLON)
        lower = named_expression(p);
    if (peek(p) != T_COLON)
        return lower;
    take(p);
    py_node *upper = NULL, *step = NULL;
    int k = peek(p);
    if (k != T_COLON && k != T_RSQB && k != T_COMMA)
        upper = expression(p);
    if (accept(p, T_COLON)) {
        k = peek(p);
        if (k != T_RSQB && k != T_COMMA)
            step = expression(p);
    }
    py_node *n = node_tok(p, PY_SLICE, t);
    n->u.slice.lower = lower;
    n->u.slice.upper = upper;
    n->u.slice.step = step;
    return fin(p, n);
}

static py_node *slices(parser *p)
{
    py__token *s = cur(p);
    py_node *first = slice_item(p);
    if (peek(p) != T_COMMA && first->kind != PY_STARRED)
        return first;
    py__vec v = {0};
    push(p, &v, first);
    while (accept(p, T_COMMA)) {
        if (peek(p) == T_RSQB)
            break;
        push(p, &v, slice_item(p));
    }
    return tuple_of(p, v, s);
}

static py_node *primary(parser *p)
{
    py__token *s = cur(p);
    py_node *e = atom(p);
    for (;;) {
        int t = peek(p);
        if (t == T_DOT) {
            take(p);
            py__token *name = expect(p, T_NAME);
            py_node *n = node_tok(p, PY_ATTRIBUTE, s);
            n->u.attribute.value = e;
            n->u.attribute.attr = ident(p, name);
            e = fin(p, n);
        } else if (t == T_LPAR) {
            py__token *open = take(p);
            py__vec args = {0}, kws = {0};
            call_args(p, &args, &kws, open);
            expect(p, T_RPAR);
            py_node *n = node_tok(p, PY_CALL, s);
            n->u.call.func = e;
            n->u.call.args = seq(args);
            n->u.call.keywords = seq(kws);
            e = fin(p, n);
        } else if (t == T_LSQB) {
            take(p);
            py_node *index = slices(p);
            expect(p, T_RSQB);
            py_node *n = node_tok(p, PY_SUBSCRIPT, s);
            n->u.subscript.value = e;
            n->u.subscript.slice = index;
            e = fin(p, n);
        } else {
            return e;
        }
    }
}

/* for_if_clauses after a comprehension's element. */
static py_seq comp_fors(parser *p)
{
    py__vec gens = {0};
    while (peek(p) == T_FOR || peek(p) == T_ASYNC) {
        if (peek(p) == T_ASYNC)
            FAIL_TOK(p, cur(p),
                     "asynchronous comprehensions are not supported");
        py__token *t = take(p);
        py__token *s = cur(p);
        /* star_targets, read as bitwise_or so that 'in' stays ours */
        py_node *first = peek(p) == T_STAR ? starred(p) : bitwise_or(p);
        py_node *target = first;
        if (peek(p) == T_COMMA) {
            py__vec v = {0};
            push(p, &v, first);
            while (accept(p, T_COMMA)) {
                if (peek(p) == T_IN)
                    break;
                push(p, &v, peek(p) == T_STAR ? starred(p) : bitwise_or(p));
            }
            target = tuple_of(p, v, s);
        }
        make_target(p, target, FOR_TARGETS);
        expect(p, T_IN);
        py_node *iter = disjunction(p);
        py__vec ifs = {0};
        while (accept(p, T_IF))
            push(p, &ifs, disjunction(p));
        py_node *c = node_tok(p, PY_COMPREHENSION, t);
        c->u.comprehension.target = target;
        c->u.comprehension.iter = iter;
        c->u.comprehension.ifs = seq(ifs);
        push(p, &gens, fin(p, c));
    }
    return seq(gens);
}

static py_node *comprehension(parser *p, py_kind kind, py_node *elt,
                              const py__token *open)
{
    if (elt->kind == PY_STARRED)
        FAIL_NODE(p, elt, "iterable unpacking cannot be used in comprehension");
    py_seq gens = comp_fors(p);
    py_node *n = node_tok(p, kind, open);
    n->u.comp.elt = elt;
    n->u.comp.generators = gens;
    return n;
}

/* '(' ... ')': a group, a tuple, a generator expression, or yield. */
static py_node *paren_atom(parser *p)
{
    py__token *open = take(p);
    if (accept(p, T_RPAR)) {
        py_node *n = node_tok(p, PY_TUPLE, open);
        return fin(p, n);
    }
    py_node *first;
    if (peek(p) == T_YIELD) {
        first = yield_expr(p);
    } else {
        first = star_named_expression(p);
        if (peek(p) == T_FOR) {
            py_node *g = comprehension(p, PY_GENERATOREXP, first, open);
            expect(p, T_RPAR);
            return fin(p, g);
        }
        if (peek(p) == T_COMMA) {
            py__vec v = {0};
            push(p, &v, first);
            while (accept(p, T_COMMA)) {
                if (peek(p) == T_RPAR)
                    break;
                push(p, &v, star_named_expression(p));
            }
            expect(p, T_RPAR);
            py_node *n = node_tok(p, PY_TUPLE, open);
            n->u.list.elts = seq(v);
            return fin(p, n);
        }
    }
    if (first->kind == PY_STARRED && peek(p) == T_RPAR)
        FAIL_NODE(p, first, "cannot use starred expression here");
    expect(p, T_RPAR);
    p->group = first;
    p->group_ts = p->ts;
    p->group_end = p->pos;
    return first;
}

static py_node *list_atom(parser *p)
{
    py__token *open = take(p);
    py__vec v = {0};
    if (peek(p) != T_RSQB) {
        py_node *first = star_named_expression(p);
        if (peek(p) == T_FOR) {
            py_node *c = comprehension(p, PY_LISTCOMP, first, open);
            expect(p, T_RSQB);
            return fin(p, c);
        }
        push(p, &v, first);
        while (accept(p, T_COMMA)) {
            if (peek(p) == T_RSQB)
                break;
            push(p, &v, star_named_expression(p));
        }
    }
    expect(p, T_RSQB);
    py_node *n = node_tok(p, PY_LIST, open);
    n->u.list.elts = seq(v);
    return fin(p, n);
}

/* The value after `key:` in a dict display. */
static py_node *dict_value(parser *p)
{
    const py__token *colon = p->prev;
    if (peek(p) == T_RBRACE || peek(p) == T_COMMA)
        FAIL_TOK(p, colon, "expression expected after dictionary key and ':'");
    if (peek(p) == T_STAR) {
        py__token *star = cur(p);
        fail_at(p, PY_ERR_SYNTAX, star->lineno, star->col, 0, -2,
                "cannot use a starred expression in a dictionary value");
    }
    return expression(p);
}

/* One `key: value` or `**mapping` of a dict display after the first. */
static void dict_item(parser *p, py__vec *keys, py__vec *values)
{
    if (accept(p, T_DOUBLESTAR)) {
        push(p, keys, NULL);
        push(p, values, bitwise_or(p));
        return;
    }
    py_node *k = expression(p);
    if (peek(p) != T_COLON)
        fail_at(p, PY_ERR_SYNTAX, k->lineno, k->end_col - 1, k->end_lineno, -1,
                "':' expected after dictionary key");
    take(p);
    push(p, keys, k);
    push(p, values, dict_value(p));
}

static py_node *brace_atom(parser *p)
{
    py__token *open = take(p);
    py__vec keys = {0}, values = {0};
    if (accept(p, T_RBRACE)) {
        py_node *n = node_tok(p, PY_DICT, open);
        return fin(p, n);
    }
    if (peek(p) == T_DOUBLESTAR) {
        py__token *star = cur(p);
        dict_item(p, &keys, &values);
        if (peek(p) == T_FOR) {
            py_node *v = values.items[0];
            fail_at(p, PY_ERR_SYNTAX, star->lineno, star->col, v->end_lineno,
                    v->end_col,
                    "dict unpacking cannot be used in dict comprehension");
        }
    } else {
        py_node *first = star_named_expression(p);
        if (first->kind != PY_STARRED && accept(p, T_COLON)) {
            py_node *value = dict_value(p);
            if (peek(p) == T_FOR) {
                py_seq gens = comp_fors(p);
                expect(p, T_RBRACE);
                py_node *n = node_tok(p, PY_DICTCOMP, open);
                n->u.dictcomp.key = first;
                n->u.dictcomp.value = value;
                n->u.dictcomp.generators = gens;
                return fin(p, n);
            }
            push(p, &keys, first);
            push(p, &values, value);
        } else {
            /* a set */
            if (peek(p) == T_FOR) {
                py_node *c = comprehension(p, PY_SETCOMP, first, open);
                expect(p, T_RBRACE);
                return fin(p, c);
            }
            py__vec elts = {0};
            push(p, &elts, first);
            while (accept(p, T_COMMA)) {
                if (peek(p) == T_RBRACE)
                    break;
                push(p, &elts, star_named_expression(p));
            }
            expect(p, T_RBRACE);
            py_node *n = node_tok(p, PY_SET, open);
            n->u.set.elts = seq(elts);
            return fin(p, n);
        }
    }
    while (accept(p, T_COMMA)) {
        if (peek(p) == T_RBRACE)
            break;
        dict_item(p, &keys, &values);
    }
    expect(p, T_RBRACE);
    py_node *n = node_tok(p, PY_DICT, open);
    n->u.dict.keys = seq(keys);
    n->u.dict.values = seq(values);
    return fin(p, n);
}

static py_node *constant(parser *p, const py__token *t, py_const_kind kind)
{
    py_node *n = node_tok(p, PY_CONSTANT, t);
    n->u.constant.kind = kind;
    return fin(p, n);
}

static py_node *number(parser *p)
{
    py__token *t = take(p);
    py_node *n = constant(p, t, PY_CONST_INT);
    size_t len = (size_t)(t->end - t->start);
    char last = t->start[len - 1];
    bool hex = len > 1 && t->start[0] == '0' && (t->start[1] | 0x20) == 'x';
    if (last == 'j' || last == 'J') {
        n->u.constant.kind = PY_CONST_IMAG;
        n->u.constant.fval = py__parse_float(t->start, t->end);
    } else if (!hex &&
               (memchr(t->start, '.', len) || memchr(t->start, 'e', len) ||
                memchr(t->start, 'E', len))) {
        n->u.constant.kind = PY_CONST_FLOAT;
        n->u.constant.fval = py__parse_float(t->start, t->end);
    } else {
        const char *text;
        size_t digits;
        if (py__parse_int(p->ast, t->start, t->end, &text, &n->u.constant.ival,
                          &n->u.constant.big, &digits) < 0)
            nomem(p);
        bool decimal =
            !(len > 1 && t->start[0] == '0' &&
              ((t->start[1] | 0x20) == 'x' || (t->start[1] | 0x20) == 'o' ||
               (t->start[1] | 0x20) == 'b'));
        if (decimal && digits > INT_MAX_STR_DIGITS)
            fail_at(p, PY_ERR_SYNTAX, t->lineno, -1, t->lineno, -2,
                    "Exceeds the limit (%d digits) for integer string "
                    "conversion: value has %zu digits; use "
                    "sys.set_int_max_str_digits() to increase the limit - "
                    "Consider hexadecimal for huge integer literals to "
                    "avoid decimal conversion limits.",
                    INT_MAX_STR_DIGITS, digits);
        n->u.constant.s = text;
        n->u.constant.len = strlen(text);
    }
    return n;
}

static py_node *atom(parser *p)
{
    py__token *t = cur(p);
    switch (t->type) {
    case T_NAME:
        take(p);
        return name_node(p, t, PY_LOAD);
    case T_NUMBER:
        return number(p);
    case T_STRING:
        return strings(p);
    case T_NONE:
        take(p);
        return constant(p, t, PY_CONST_NONE);
    case T_TRUE:
        take(p);
        return constant(p, t, PY_CONST_TRUE);
    case T_FALSE:
        take(p);
        return constant(p, t, PY_CONST_FALSE);
    case T_ELLIPSIS:
        take(p);
        return constant(p, t, PY_CONST_ELLIPSIS);
    case T_LPAR:
        return paren_atom(p);
    case T_LSQB:
        return list_atom(p);
    case T_LBRACE:
        return brace_atom(p);
    default:
        invalid_syntax(p);
    }
}

static bool same_keyword(const py_node *a, const py_node *b)
{
    return a->u.keyword.arg && b->u.keyword.arg &&
           strcmp(a->u.keyword.arg, b->u.keyword.arg) == 0;
}

/* The arguments of a call or a class: positional (with *x), keyword
 * (with **x), or one unparenthesized generator expression. */
static void call_args(parser *p, py__vec *args, py__vec *kws,
                      const py__token *open)
{
    bool seen_kw = false, seen_kwunpack = false;
    while (peek(p) != T_RPAR) {
        py__token *t = cur(p);
        if (t->type == T_STAR) {
            take(p);
            py_node *v = expression(p);
            py_node *s = node_tok(p, PY_STARRED, t);
            s->u.starred.value = v;
            fin(p, s);
            if (peek(p) == T_EQUAL)
                FAIL_RANGE(p, s, s,
                           "cannot assign to iterable argument unpacking");
            if (seen_kwunpack)
                FAIL_NODE(p, s,
                          "iterable argument unpacking follows keyword "
                          "argument unpacking");
            push(p, args, s);
        } else if (t->type == T_DOUBLESTAR) {
            take(p);
            py_node *v = expression(p);
            py_node *k = node_tok(p, PY_KEYWORD, t);
            k->u.keyword.value = v;
            fin(p, k);
            if (peek(p) == T_EQUAL)
                FAIL_NODE(p, k, "cannot assign to keyword argument unpacking");
            push(p, kws, k);
            seen_kwunpack = true;
        } else if ((t->type == T_NAME || t->type == T_TRUE ||
                    t->type == T_FALSE || t->type == T_NONE) &&
                   peek_at(p, 1) == T_EQUAL) {
            take(p);
            take(p);
            py_node *v = expression(p);
            if (t->type != T_NAME)
                fail_at(p, PY_ERR_SYNTAX, t->lineno, t->col, v->end_lineno,
                        v->end_col, "cannot assign to %s",
                        py__token_text(t->type));
            py_node *k = node_tok(p, PY_KEYWORD, t);
            k->u.keyword.arg = ident(p, t);
            k->u.keyword.value = v;
            fin(p, k);
            if (strcmp(k->u.keyword.arg, "__debug__") == 0)
                defer(p, false, k, "cannot assign to __debug__");
            for (size_t i = 0; i < kws->n; i++)
                if (same_keyword(kws->items[i], k))
                    defer(p, false, k, "keyword argument repeated: %s",
                          k->u.keyword.arg);
            push(p, kws, k);
            seen_kw = true;
        } else {
            py_node *e = argument_expression(p);
            if (peek(p) == T_EQUAL) {
                py__token *eq = cur(p);
                fail_at(p, PY_ERR_SYNTAX, e->lineno, e->col, eq->end_lineno,
                        eq->end_col,
                        "expression cannot contain assignment, perhaps you "
                        "meant \"==\"?");
            }
            if (peek(p) == T_FOR) {
                py_node *g = comprehension(p, PY_GENERATOREXP, e, open);
                fin(p, g);
                if (args->n > 0 || kws->n > 0 || peek(p) != T_RPAR) {
                    g->lineno = e->lineno;
                    g->col = e->col;
                    if (accept(p, T_COMMA)) {
                        /* errors in the arguments after it come first */
                        py__vec more = {0}, morekw = {0};
                        call_args(p, &more, &morekw, open);
                    }
                    FAIL_NODE(p, g,
                              "Generator expression must be parenthesized");
                }
                /* CPython's genexp argument spans the call's parentheses. */
                g->end_lineno = cur(p)->end_lineno;
                g->end_col = cur(p)->end_col;
                e = g;
            }
            /* CPython reports these at the token after the argument. */
            if (seen_kwunpack)
                FAIL_TOK(p, cur(p),
                         "positional argument follows keyword argument "
                         "unpacking");
            if (seen_kw)
                FAIL_TOK(p, cur(p),
                         "positional argument follows keyword argument");
            push(p, args, e);
        }
        if (!accept(p, T_COMMA))
            break;
    }
}

/* A starred expression standing alone where a value is needed. */
static void no_bare_starred(parser *p, const py_node *e)
{
    if (e && e->kind == PY_STARRED)
        defer(p, false, e, "can't use starred expression here");
}

static py_node *yield_expr(parser *p)
{
    py__token *t = take(p);
    py_node *n;
    if (accept(p, T_FROM)) {
        py_node *v = expression(p);
        n = node_tok(p, PY_YIELDFROM, t);
        n->u.yield.value = v;
    } else {
        py_node *v =
            starts_star_expression(peek(p)) ? star_expressions(p) : NULL;
        no_bare_starred(p, v);
        n = node_tok(p, PY_YIELD, t);
        n->u.yield.value = v;
    }
    fin(p, n);
    if (p->scope != SC_FUNCTION)
        defer(p, false, n, "'yield' outside function");
    return n;
}

/* ---- strings and f-strings ----------------------------------------------- */

/* Text of a str constant being gathered, and where its source begins
 * and ends. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int lineno, col, end_lineno, end_col;
} sbuf;

/* Line and column of `to`, given `from` at column `from - line_start` of
 * line lineno. */
static void pos_of(const char *line_start, int lineno, const char *from,
                   const char *to, int *l, int *c)
{
    for (const char *q = from; q < to; q++) {
        if (*q == '\n') {
            lineno++;
            line_start = q + 1;
        }
    }
    *l = lineno;
    *c = (int)(to - line_start);
}

/* Notes where the text gathered next comes from: [start, end) of the
 * source, which begins the constant if it is the first. */
static void sbuf_at(sbuf *b, int lineno, int col, int end_lineno, int end_col)
{
    if (b->len == 0) {
        b->lineno = lineno;
        b->col = col;
    }
    b->end_lineno = end_lineno;
    b->end_col = end_col;
}

static void sbuf_add(parser *p, sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = py__alloc(p->scratch, cap);
        if (ns == NULL)
            nomem(p);
        if (b->len)
            memcpy(ns, b->s, b->len);
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

static void decode_into(parser *p, sbuf *b, const py__token *t, const char *s,
                        const char *e, const int where[4])
{
    char *out;
    size_t len;
    char msg[200];
    int r = py__decode_string(p->scratch, s, e, (t->sflags & STR_RAW) != 0,
                              (t->sflags & STR_BYTES) != 0, &out, &len, msg,
                              sizeof(msg));
    if (r == -3)
        nomem(p);
    p->final = true; /* CPython raises these while parsing, not after */
    if (r == -2)
        FAIL_TOK(p, t, "bytes can only contain ASCII literal characters");
    if (r < 0)
        FAIL_TOK(p, t, "%s", msg);
    if (len > 0)
        sbuf_at(b, where[0], where[1], where[2], where[3]);
    sbuf_add(p, b, out, len);
}

/* The text gathered so far, as a str Constant (or nothing if empty). */
static void flush_text(parser *p, sbuf *b, py__vec *values)
{
    if (b->len == 0)
        return;
    py_node *c = node_at(p, PY_CONSTANT, b->lineno, b->col);
    c->end_lineno = b->end_lineno;
    c->end_col = b->end_col;
    c->u.constant.kind = PY_CONST_STR;
    char *s = py__strndup(p->ast, b->s, b->len);
    if (s == NULL)
        nomem(p);
    c->u.constant.s = s;
    c->u.constant.len = b->len;
    push(p, values, c);
    b->len = 0;
}

static py_node *fstring_parts(parser *p, const py__token *t,
                              const py__fpart *parts, sbuf *b, py__vec *values);

/* A replacement field: its expression parsed by a tokenizer of its own. */
static py_node *fstring_field(parser *p, const py__token *t, const py__fpart *f)
{
    enter(p);
    py__lexer lx;
    py__lexer_init_field(&lx, &p->src, p->scratch, f->start, f->end, f->lineno,
                         f->line_start, p->ts->lx->fdepth + 1);
    tstream sub = {.lx = &lx};
    tstream *outer = p->ts;
    size_t pos = p->pos;
    const py__token *prev = p->prev;
    p->ts = &sub;
    p->pos = 0;
    p->in_field++;
    py_node *value;
    if (peek(p) == T_LAMBDA) {
        value = attempt(p, star_expressions);
        if (value == NULL || peek(p) != T_ENDMARKER) {
            py__token *l = tok_at(p, 0);
            int end = (int)(f->stop - f->line_start);
            fail_at(p, PY_ERR_SYNTAX, l->lineno, l->col, l->lineno, end + 1,
                    "f-string: lambda expressions are not allowed without "
                    "parentheses");
        }
    } else {
        value = peek(p) == T_YIELD ? yield_expr(p) : star_expressions(p);
    }
    if (peek(p) != T_ENDMARKER)
        invalid_syntax(p);
    no_bare_starred(p, value);
    p->in_field--;
    p->ts = outer;
    p->pos = pos;
    p->prev = prev;

    py_node *n = node_at(p, PY_FORMATTEDVALUE, f->open_lineno,
                         (int)(f->open - f->open_line));
    n->u.formattedvalue.value = value;
    n->u.formattedvalue.conversion = f->conv ? f->conv : -1;
    if (f->debug_end && !f->conv && !f->has_spec)
        n->u.formattedvalue.conversion = 'r';
    if (f->has_spec) {
        sbuf b = {0};
        py__vec values = {0};
        py_node *spec = fstring_parts(p, t, f->spec, &b, &values);
        flush_text(p, &b, &values);
        spec->lineno = f->colon_lineno;
        spec->col = (int)(f->colon - f->colon_line);
        /* the spec ends at the field's '}' */
        pos_of(f->open_line, f->open_lineno, f->open, f->close - 1,
               &spec->end_lineno, &spec->end_col);
        spec->u.joinedstr.values = seq(values);
        n->u.formattedvalue.format_spec = spec;
    }
    pos_of(f->open_line, f->open_lineno, f->open, f->close, &n->end_lineno,
           &n->end_col);
    leave(p);
    return n;
}

/* Adds an f-string's parts to values (text gathers in b); returns a
 * JoinedStr node for the caller to finish. */
static py_node *fstring_parts(parser *p, const py__token *t,
                              const py__fpart *parts, sbuf *b, py__vec *values)
{
    for (const py__fpart *f = parts; f != NULL; f = f->next) {
        int where[4] = {f->lineno, (int)(f->start - f->line_start)};
        if (!f->field) {
            pos_of(f->line_start, f->lineno, f->start, f->end, &where[2],
                   &where[3]);
            decode_into(p, b, t, f->start, f->end - (f->halved ? 1 : 0), where);
            continue;
        }
        if (f->debug_end) {
            pos_of(f->line_start, f->lineno, f->start, f->debug_end, &where[2],
                   &where[3]);
            sbuf_at(b, where[0], where[1], where[2], where[3]);
            sbuf_add(p, b, f->open + 1, (size_t)(f->debug_end - f->open - 1));
        }
        flush_text(p, b, values);
        push(p, values, fstring_field(p, t, f));
    }
    py_node *j = node_tok(p, PY_JOINEDSTR, t);
    j->end_lineno = t->end_lineno;
    j->end_col = t->end_col;
    return j;
}

/* Adjacent string literals, concatenated: a str or bytes Constant, or a
 * JoinedStr when one of them is an f-string. */
static py_node *strings(parser *p)
{
    py__token *first = cur(p);
    bool bytes = false, text = false, fstring = false;
    sbuf b = {0};
    py__vec values = {0};
    /* Each literal is decoded as soon as it is read, before the next
     * token is looked at: CPython reports errors in that order. */
    do {
        py__token *t = take(p);
        if (t->sflags & STR_BYTES)
            bytes = true;
        else
            text = true;
        if (t->sflags & STR_F) {
            fstring = true;
            fstring_parts(p, t, t->fparts, &b, &values);
        }
        if (t->ferror) {
            p->err = *t->ferror;
            p->from_lexer = true;
            bail(p);
        }
        if (!(t->sflags & STR_F)) {
            int where[4] = {t->lineno, t->col, t->end_lineno, t->end_col};
            decode_into(p, &b, t, t->body, t->body_end, where);
        }
    } while (peek(p) == T_STRING);
    if (bytes && text) {
        p->final = true;
        FAIL_TOK(p, cur(p), "cannot mix bytes and nonbytes literals");
    }
    if (fstring) {
        flush_text(p, &b, &values);
        py_node *j = node_tok(p, PY_JOINEDSTR, first);
        j->u.joinedstr.values = seq(values);
        return fin(p, j);
    }
    py_node *c = node_tok(p, PY_CONSTANT, first);
    c->u.constant.kind = bytes ? PY_CONST_BYTES : PY_CONST_STR;
    char *s = py__strndup(p->ast, b.s ? b.s : "", b.len);
    if (s == NULL)
        nomem(p);
    c->u.constant.s = s;
    c->u.constant.len = b.len;
    return fin(p, c);
}

/* ---- parameters ---------------------------------------------------------- */

static py_node *arg_node(parser *p, bool annotations)
{
    py__token *t = expect(p, T_NAME);
    py_node *a = node_tok(p, PY_ARG, t);
    a->u.arg.arg = ident(p, t);
    if (annotations && accept(p, T_COLON))
        a->u.arg.annotation = expression(p);
    return fin(p, a);
}

static void check_duplicate(parser *p, py__vec *seen, py_node *a)
{
    for (size_t i = 0; i < seen->n; i++)
        if (strcmp(((py_node *)seen->items[i])->u.arg.arg, a->u.arg.arg) == 0)
            defer(p, true, a, "duplicate argument '%s' in function definition",
                  a->u.arg.arg);
    push(p, seen, a);
}

/* def and lambda parameters, up to (not taking) the end token. */
static py_node *parameters(parser *p, int end, bool annotations)
{
    py__vec posonly = {0}, args = {0}, defaults = {0}, kwonly = {0},
            kwdefaults = {0}, seen = {0};
    py_node *vararg = NULL, *kwarg = NULL;
    bool seen_default = false, seen_slash = false, seen_star = false;
    py__token *start = cur(p);
    while (peek(p) != end) {
        py__token *t = cur(p);
        if (kwarg != NULL)
            FAIL_TOK(p, t, "arguments cannot follow var-keyword argument");
        if (t->type == T_SLASH) {
            if (seen_slash)
                FAIL_TOK(p, t, "/ may appear only once");
            if (seen_star)
                FAIL_TOK(p, t, "/ must be ahead of *");
            if (args.n == 0)
                FAIL_TOK(p, t, "at least one argument must precede /");
            take(p);
            posonly = args;
            args = (py__vec){0};
            seen_slash = true;
        } else if (t->type == T_STAR) {
            if (seen_star)
                FAIL_TOK(p, t, "* argument may appear only once");
            take(p);
            seen_star = true;
            if (peek(p) == T_NAME) {
                vararg = arg_node(p, annotations);
                check_duplicate(p, &seen, vararg);
            } else {
                int k = peek(p);
                bool comma = k == T_COMMA;
                if (k == end || (comma && (peek_at(p, 1) == end ||
                                           peek_at(p, 1) == T_DOUBLESTAR))) {
                    /* def: at the '*'; lambda: at the last token read */
                    const py__token *at =
                        annotations ? t : tok_at(p, p->pos + (comma ? 1 : 0));
                    FAIL_TOK(p, at, "named arguments must follow bare *");
                }
            }
        } else if (t->type == T_DOUBLESTAR) {
            take(p);
            kwarg = arg_node(p, annotations);
            check_duplicate(p, &seen, kwarg);
        } else if (t->type == T_NAME) {
            py_node *a = arg_node(p, annotations);
            py_node *def = NULL;
            if (accept(p, T_EQUAL))
                def = expression(p);
            if (seen_star) {
                push(p, &kwonly, a);
                push(p, &kwdefaults, def);
            } else {
                if (def != NULL) {
                    push(p, &defaults, def);
                    seen_default = true;
                } else if (seen_default) {
                    FAIL_NODE(p, a,
                              "parameter without a default follows "
                              "parameter with a default");
                }
                push(p, &args, a);
            }
            check_duplicate(p, &seen, a);
        } else {
            invalid_syntax(p);
        }
        if (!accept(p, T_COMMA))
            break;
    }
    py_node *n = node_tok(p, PY_ARGUMENTS, start);
    n->u.arguments.posonlyargs = seq(posonly);
    n->u.arguments.args = seq(args);
    n->u.arguments.vararg = vararg;
    n->u.arguments.kwonlyargs = seq(kwonly);
    n->u.arguments.kw_defaults = seq(kwdefaults);
    n->u.arguments.kwarg = kwarg;
    n->u.arguments.defaults = seq(defaults);
    return fin(p, n);
}

/* ---- statements ---------------------------------------------------------- */

static bool statement(parser *p, py__vec *body);
static void simple_stmts(parser *p, py__vec *body);

/* A block after a compound statement's ':'. */
static py_seq block(parser *p, const char *what, int lineno)
{
    py__vec v = {0};
    if (peek(p) != T_NEWLINE) {
        simple_stmts(p, &v);
        return seq(v);
    }
    take(p);
    if (peek(p) != T_INDENT) {
        py__token *t = cur(p);
        fail_at(p, PY_ERR_INDENTATION, t->lineno, t->col, t->end_lineno,
                t->end_col, "expected an indented block after %s on line %d",
                what, lineno);
    }
    take(p);
    while (peek(p) != T_DEDENT)
        statement(p, &v);
    take(p);
    return seq(v);
}

static py_seq loop_body(parser *p, const char *what, int lineno)
{
    p->loops++;
    py_seq body = block(p, what, lineno);
    p->loops--;
    return body;
}

static py_node *expr_stmt_node(parser *p, py_node *e, const py__token *s)
{
    py_node *n = fin(p, node_tok(p, PY_EXPR, s));
    n->u.expr.value = e;
    n->u.expr.echo = p->mode == M_SINGLE && p->scope == SC_MODULE;
    return n;
}

static py_node *annassign(parser *p, py_node *target, const py__token *first)
{
    py__token *colon = take(p);
    bool ok = target->kind == PY_NAME || target->kind == PY_ATTRIBUTE ||
              target->kind == PY_SUBSCRIPT;
    if (!ok) {
        /* CPython explains a bad target only when an annotation follows. */
        bool paren = parenthesized(p, target);
        p->explaining++;
        py_node *ann = attempt(p, expression);
        p->explaining--;
        if (ann == NULL)
            FAIL_TOK(p, colon, "invalid syntax");
        if (target->kind == PY_TUPLE || target->kind == PY_LIST) {
            const py_node *at = target;
            if (target->kind == PY_TUPLE && !paren && first->type != T_LPAR &&
                target->u.list.elts.n > 0)
                at = target->u.list.elts.items[0];
            FAIL_NODE(p, at, "only single target (not %s) can be annotated",
                      target->kind == PY_TUPLE ? "tuple" : "list");
        }
        FAIL_NODE(p, target, "illegal target for annotation");
    }
    py_node *ann = expression(p);
    py_node *value = NULL;
    if (accept(p, T_EQUAL)) {
        value = peek(p) == T_YIELD ? yield_expr(p) : star_expressions(p);
        no_bare_starred(p, value);
    }
    set_ctx(p, target, PY_STORE);
    py_node *n = node_tok(p, PY_ANNASSIGN, first);
    n->u.annassign.target = target;
    n->u.annassign.annotation = ann;
    n->u.annassign.value = value;
    n->u.annassign.simple = target->kind == PY_NAME && first->type == T_NAME;
    return fin(p, n);
}

static py_node *assign(parser *p, py_node *first, size_t start)
{
    py__token *s = tok_at(p, start);
    /* `f() = 1`: CPython explains with invalid_named_expression first. */
    if (invalid_target(first, STAR_TARGETS) != NULL &&
        first->kind != PY_YIELD && first->kind != PY_YIELDFROM) {
        int next = peek_at(p, 1);
        if (next != T_NOT && next != T_LAMBDA && next != T_STAR &&
            next != T_YIELD)
            explain_equal(p, first, start);
    }
    /* Each target is checked when its '=' is seen, before what follows
     * is read: CPython's invalid_assignment does the same. */
    py__vec targets = {0};
    py_node *e = first;
    while (peek(p) == T_EQUAL) {
        if (e->kind == PY_YIELD || e->kind == PY_YIELDFROM)
            FAIL_NODE(p, e, "assignment to yield expression not possible");
        make_target(p, e, STAR_TARGETS);
        take(p);
        push(p, &targets, e);
        e = peek(p) == T_YIELD ? yield_expr(p) : star_expressions(p);
    }
    no_bare_starred(p, e);
    py_node *n = node_tok(p, PY_ASSIGN, s);
    n->u.assign.targets = seq(targets);
    n->u.assign.value = e;
    return fin(p, n);
}

static py_node *augassign(parser *p, py_node *target, const py__token *s)
{
    if (target->kind != PY_NAME && target->kind != PY_ATTRIBUTE &&
        target->kind != PY_SUBSCRIPT)
        FAIL_NODE(p, target,
                  "'%s' is an illegal expression for augmented assignment",
                  expr_name(target));
    int op = take(p)->type - T_AUG_FIRST;
    py_node *value = peek(p) == T_YIELD ? yield_expr(p) : star_expressions(p);
    no_bare_starred(p, value);
    set_ctx(p, target, PY_STORE);
    py_node *n = node_tok(p, PY_AUGASSIGN, s);
    n->u.augassign.target = target;
    n->u.augassign.op = (py_binop)op;
    n->u.augassign.value = value;
    return fin(p, n);
}

static py_node *expr_stmt(parser *p)
{
    py__token *first = cur(p);
    size_t start = p->pos;
    py_node *e = peek(p) == T_YIELD ? yield_expr(p) : star_expressions(p);
    int t = peek(p);
    if (t == T_COLON)
        return annassign(p, e, first);
    if (t == T_EQUAL)
        return assign(p, e, start);
    if (t >= T_AUG_FIRST && t <= T_AUG_LAST)
        return augassign(p, e, first);
    if (t == T_COLONEQUAL && e->kind != PY_NAME) {
        /* invalid_named_expression: `a.b := 1` */
        py_node *b;
        take(p);
        p->explaining++;
        b = attempt(p, expression);
        p->explaining--;
        if (b != NULL)
            FAIL_NODE(p, e, "cannot use assignment expressions with %s",
                      expr_name(e));
        invalid_syntax(p);
    }
    no_bare_starred(p, e);
    return expr_stmt_node(p, e, first);
}

static bool ends_statement(int t)
{
    return t == T_NEWLINE || t == T_SEMI || t == T_ENDMARKER;
}

static py_node *del_stmt(parser *p)
{
    py__token *t = take(p);
    py__vec targets = {0};
    do {
        if (ends_statement(peek(p)) && targets.n > 0)
            break;
        py_node *e = star_expression(p);
        make_target(p, e, DEL_TARGETS);
        push(p, &targets, e);
    } while (accept(p, T_COMMA));
    py_node *n = node_tok(p, PY_DELETE, t);
    n->u.del.targets = seq(targets);
    return fin(p, n);
}

static py_node *names_stmt(parser *p, py_kind kind)
{
    py__token *t = take(p);
    py__vec names = {0};
    do {
        py__token *name = expect(p, T_NAME);
        push(p, &names, (void *)ident(p, name));
    } while (accept(p, T_COMMA));
    py_node *n = node_tok(p, kind, t);
    n->u.global.names = (py_names){(const char **)names.items, names.n};
    fin(p, n);
    if (kind == PY_NONLOCAL && p->scope == SC_MODULE)
        defer(p, true, n, "nonlocal declaration not allowed at module level");
    return n;
}

static const char *dotted_name(parser *p)
{
    py__token *first = expect(p, T_NAME);
    const char *end = first->end;
    while (peek(p) == T_DOT) {
        take(p);
        end = expect(p, T_NAME)->end;
    }
    if (end == first->end)
        return ident(p, first);
    /* Rebuild without the spaces a dotted name may contain. */
    char *s = py__alloc(p->ast, (size_t)(end - first->start) + 1);
    if (s == NULL)
        nomem(p);
    size_t n = 0;
    for (const char *c = first->start; c < end; c++)
        if (*c != ' ' && *c != '\t' && *c != '\\' && *c != '\n' && *c != '\f')
            s[n++] = *c;
    s[n] = '\0';
    return s;
}

static py_node *alias(parser *p, bool dotted)
{
    py__token *t = cur(p);
    const char *name = dotted ? dotted_name(p) : ident(p, expect(p, T_NAME));
    py_node *a = node_tok(p, PY_ALIAS, t);
    a->u.alias.name = name;
    if (accept(p, T_AS))
        a->u.alias.asname = ident(p, expect(p, T_NAME));
    return fin(p, a);
}

static py_node *import_stmt(parser *p)
{
    py__token *t = take(p);
    py__vec names = {0};
    do
        push(p, &names, alias(p, true));
    while (accept(p, T_COMMA));
    py_node *n = node_tok(p, PY_IMPORT, t);
    n->u.import.names = seq(names);
    return fin(p, n);
}

static py_node *from_stmt(parser *p)
{
    py__token *t = take(p);
    int level = 0;
    for (;;) {
        if (accept(p, T_DOT))
            level++;
        else if (accept(p, T_ELLIPSIS))
            level += 3;
        else
            break;
    }
    const char *module = NULL;
    if (peek(p) == T_NAME || level == 0)
        module = dotted_name(p);
    expect(p, T_IMPORT);
    py__vec names = {0};
    if (peek(p) == T_STAR) {
        py__token *s = take(p);
        py_node *a = node_tok(p, PY_ALIAS, s);
        a->u.alias.name = "*";
        push(p, &names, fin(p, a));
    } else if (accept(p, T_LPAR)) {
        do {
            if (peek(p) == T_RPAR && names.n > 0)
                break;
            push(p, &names, alias(p, false));
        } while (accept(p, T_COMMA));
        expect(p, T_RPAR);
    } else {
        for (;;) {
            push(p, &names, alias(p, false));
            if (!accept(p, T_COMMA))
                break;
            if (ends_statement(peek(p)))
                FAIL_TOK(p, cur(p),
                         "trailing comma not allowed without "
                         "surrounding parentheses");
        }
    }
    py_node *n = node_tok(p, PY_IMPORTFROM, t);
    n->u.importfrom.module = module;
    n->u.importfrom.names = seq(names);
    n->u.importfrom.level = level;
    return fin(p, n);
}

static py_node *simple_stmt(parser *p)
{
    py__token *t = cur(p);
    py_node *n;
    switch (t->type) {
    case T_PASS:
        take(p);
        return fin(p, node_tok(p, PY_PASS, t));
    case T_BREAK:
    case T_CONTINUE:
        take(p);
        n = fin(p, node_tok(p, t->type == T_BREAK ? PY_BREAK : PY_CONTINUE, t));
        if (p->loops == 0)
            defer(p, false, n,
                  t->type == T_BREAK ? "'break' outside loop"
                                     : "'continue' not properly in loop");
        return n;
    case T_RETURN: {
        take(p);
        py_node *v =
            starts_star_expression(peek(p)) ? star_expressions(p) : NULL;
        n = fin(p, node_tok(p, PY_RETURN, t));
        n->u.ret.value = v;
        if (v)
            no_bare_starred(p, v);
        if (p->scope != SC_FUNCTION)
            defer(p, false, n, "'return' outside function");
        return n;
    }
    case T_RAISE: {
        take(p);
        py_node *exc = NULL, *cause = NULL;
        if (starts_expression(peek(p))) {
            exc = expression(p);
            if (accept(p, T_FROM))
                cause = expression(p);
        }
        n = fin(p, node_tok(p, PY_RAISE, t));
        n->u.raise.exc = exc;
        n->u.raise.cause = cause;
        return n;
    }
    case T_GLOBAL:
        return names_stmt(p, PY_GLOBAL);
    case T_NONLOCAL:
        return names_stmt(p, PY_NONLOCAL);
    case T_DEL:
        return del_stmt(p);
    case T_ASSERT: {
        take(p);
        py_node *test = expression(p), *msg = NULL;
        if (accept(p, T_COMMA))
            msg = expression(p);
        n = fin(p, node_tok(p, PY_ASSERT, t));
        n->u.assert_.test = test;
        n->u.assert_.msg = msg;
        return n;
    }
    case T_IMPORT:
        return import_stmt(p);
    case T_FROM:
        return from_stmt(p);
    default:
        return expr_stmt(p);
    }
}

static void simple_stmts(parser *p, py__vec *body)
{
    for (;;) {
        push(p, body, simple_stmt(p));
        if (peek(p) != T_SEMI)
            break;
        take(p);
        if (peek(p) == T_NEWLINE)
            break;
    }
    if (peek(p) != T_NEWLINE)
        invalid_syntax(p);
    take(p);
}

static py_node *funcdef(parser *p, py_seq decorators)
{
    py__token *t = take(p);
    py__token *name = expect(p, T_NAME);
    expect_forced(p, T_LPAR);
    py_node *args = parameters(p, T_RPAR, true);
    expect(p, T_RPAR);
    py_node *returns = NULL;
    if (accept(p, T_RARROW))
        returns = expression(p);
    expect_forced(p, T_COLON);
    int scope = p->scope, loops = p->loops;
    p->scope = SC_FUNCTION;
    p->loops = 0;
    py_seq body = block(p, "function definition", t->lineno);
    p->scope = scope;
    p->loops = loops;
    py_node *n = node_tok(p, PY_FUNCTIONDEF, t);
    n->u.functiondef.name = ident(p, name);
    n->u.functiondef.args = args;
    n->u.functiondef.body = body;
    n->u.functiondef.decorators = decorators;
    n->u.functiondef.returns = returns;
    end_of_body(n, body);
    return n;
}

static py_node *classdef(parser *p, py_seq decorators)
{
    py__token *t = take(p);
    py__token *name = expect(p, T_NAME);
    py__vec bases = {0}, kws = {0};
    if (peek(p) == T_LPAR) {
        py__token *open = take(p);
        call_args(p, &bases, &kws, open);
        expect(p, T_RPAR);
    }
    expect_colon(p);
    int scope = p->scope, loops = p->loops;
    p->scope = SC_CLASS;
    p->loops = 0;
    py_seq body = block(p, "class definition", t->lineno);
    p->scope = scope;
    p->loops = loops;
    py_node *n = node_tok(p, PY_CLASSDEF, t);
    n->u.classdef.name = ident(p, name);
    n->u.classdef.bases = seq(bases);
    n->u.classdef.keywords = seq(kws);
    n->u.classdef.body = body;
    n->u.classdef.decorators = decorators;
    end_of_body(n, body);
    return n;
}

static py_node *decorated(parser *p)
{
    py__vec decorators = {0};
    while (accept(p, T_AT)) {
        push(p, &decorators, named_expression(p));
        expect(p, T_NEWLINE);
    }
    if (peek(p) == T_DEF)
        return funcdef(p, seq(decorators));
    if (peek(p) == T_CLASS)
        return classdef(p, seq(decorators));
    invalid_syntax(p);
}

static py_node *if_stmt(parser *p)
{
    py__token *t = take(p);
    py_node *test = named_expression(p);
    expect_colon(p);
    py_node *root = node_tok(p, PY_IF, t);
    root->u.if_.test = test;
    root->u.if_.body = block(p, "'if' statement", t->lineno);
    py_node *tail = root;
    /* elif chains are built by a loop: no recursion per elif. */
    for (;;) {
        if (peek(p) == T_ELIF) {
            py__token *e = take(p);
            py_node *etest = named_expression(p);
            expect_colon(p);
            py_node *n = node_tok(p, PY_IF, e);
            n->u.if_.test = etest;
            n->u.if_.body = block(p, "'elif' statement", e->lineno);
            tail->u.if_.orelse = seq1(p, n);
            tail = n;
        } else if (peek(p) == T_ELSE) {
            py__token *e = take(p);
            expect_forced(p, T_COLON);
            tail->u.if_.orelse = block(p, "'else' statement", e->lineno);
            break;
        } else {
            break;
        }
    }
    const py_node *last = NULL;
    py_seq s = tail->u.if_.orelse.n ? tail->u.if_.orelse : tail->u.if_.body;
    if (s.n)
        last = s.items[s.n - 1];
    for (py_node *n = root;; n = n->u.if_.orelse.items[0]) {
        if (last)
            end_like(n, last);
        if (n == tail)
            break;
    }
    return root;
}

static py_seq else_block(parser *p)
{
    if (peek(p) != T_ELSE)
        return (py_seq){NULL, 0};
    py__token *e = take(p);
    expect_forced(p, T_COLON);
    return block(p, "'else' statement", e->lineno);
}

static py_node *while_stmt(parser *p)
{
    py__token *t = take(p);
    py_node *test = named_expression(p);
    expect_colon(p);
    py_node *n = node_tok(p, PY_WHILE, t);
    n->u.while_.test = test;
    n->u.while_.body = loop_body(p, "'while' statement", t->lineno);
    n->u.while_.orelse = else_block(p);
    end_of_body(n,
                n->u.while_.orelse.n ? n->u.while_.orelse : n->u.while_.body);
    return n;
}

static py_node *for_target_item(parser *p)
{
    return peek(p) == T_STAR ? starred(p) : bitwise_or(p);
}

static py_node *for_stmt(parser *p)
{
    py__token *t = take(p);
    py__token *s = cur(p);
    py_node *first = for_target_item(p);
    py_node *target = first;
    if (peek(p) == T_COMMA) {
        py__vec v = {0};
        push(p, &v, first);
        while (accept(p, T_COMMA)) {
            if (peek(p) == T_IN)
                break;
            push(p, &v, for_target_item(p));
        }
        target = tuple_of(p, v, s);
    }
    if (peek(p) != T_IN) {
        /* `for x.y z in w`: CPython's star_expressions target */
        invalid_syntax(p);
    }
    make_target(p, target, FOR_TARGETS);
    take(p);
    py_node *iter = star_expressions(p);
    expect_colon(p);
    py_node *n = node_tok(p, PY_FOR, t);
    n->u.for_.target = target;
    n->u.for_.iter = iter;
    n->u.for_.body = loop_body(p, "'for' statement", t->lineno);
    n->u.for_.orelse = else_block(p);
    end_of_body(n, n->u.for_.orelse.n ? n->u.for_.orelse : n->u.for_.body);
    return n;
}

static py_node *try_stmt(parser *p)
{
    py__token *t = take(p);
    expect_forced(p, T_COLON);
    py_node *n = node_tok(p, PY_TRY, t);
    n->u.try_.body = block(p, "'try' statement", t->lineno);
    py__vec handlers = {0};
    while (peek(p) == T_EXCEPT) {
        py__token *e = take(p);
        if (peek(p) == T_STAR)
            FAIL_TOK(p, cur(p), "'except*' is not supported");
        py_node *type = NULL;
        const char *name = NULL;
        if (peek(p) != T_COLON) {
            type = expression(p);
            if (peek(p) == T_COMMA) {
                while (accept(p, T_COMMA))
                    if (starts_expression(peek(p)))
                        expression(p);
                fail_at(p, PY_ERR_SYNTAX, type->lineno, type->col,
                        p->prev->end_lineno, p->prev->end_col,
                        "multiple exception types must be parenthesized");
            }
            if (accept(p, T_AS))
                name = ident(p, expect(p, T_NAME));
        }
        expect_colon(p);
        py_node *h = node_tok(p, PY_EXCEPTHANDLER, e);
        h->u.excepthandler.type = type;
        h->u.excepthandler.name = name;
        h->u.excepthandler.body = block(p, "'except' statement", e->lineno);
        end_of_body(h, h->u.excepthandler.body);
        if (type == NULL && peek(p) == T_EXCEPT)
            FAIL_NODE(p, h, "default 'except:' must be last");
        push(p, &handlers, h);
    }
    n->u.try_.handlers = seq(handlers);
    if (handlers.n > 0)
        n->u.try_.orelse = else_block(p);
    if (peek(p) == T_FINALLY) {
        py__token *f = take(p);
        expect_forced(p, T_COLON);
        n->u.try_.finalbody = block(p, "'finally' statement", f->lineno);
    }
    if (handlers.n == 0 && n->u.try_.finalbody.n == 0)
        FAIL_TOK(p, cur(p), "expected 'except' or 'finally' block");
    py_seq last = n->u.try_.finalbody.n ? n->u.try_.finalbody
                  : n->u.try_.orelse.n  ? n->u.try_.orelse
                  : handlers.n ? seq1(p, handlers.items[handlers.n - 1])
                               : n->u.try_.body;
    end_of_body(n, last);
    return n;
}

static py_node *with_item(parser *p)
{
    py_node *e = expression(p);
    py_node *item = node_from(p, PY_WITHITEM, e);
    item->u.withitem.context_expr = e;
    if (accept(p, T_AS)) {
        py_node *target = peek(p) == T_STAR ? starred(p) : bitwise_or(p);
        make_target(p, target, STAR_TARGETS);
        item->u.withitem.optional_vars = target;
    }
    return fin(p, item);
}

/* `with (a as b, c as d):`, tried before the plain form. */
static py_node *paren_with_items(parser *p)
{
    py__vec items = {0};
    take(p);
    do {
        if (peek(p) == T_RPAR && items.n > 0)
            break;
        push(p, &items, with_item(p));
    } while (accept(p, T_COMMA));
    expect(p, T_RPAR);
    if (peek(p) != T_COLON)
        invalid_syntax(p);
    /* Pass the list out through a node-shaped carrier. */
    py_node *carrier = node_at(p, PY_WITH, 0, 0);
    carrier->u.with.items = seq(items);
    return carrier;
}

static py_node *with_stmt(parser *p)
{
    py__token *t = take(p);
    if (peek(p) == T_ASYNC)
        invalid_syntax(p);
    py_seq items;
    py_node *carrier = peek(p) == T_LPAR ? attempt(p, paren_with_items) : NULL;
    if (carrier != NULL) {
        items = carrier->u.with.items;
    } else {
        py__vec v = {0};
        do
            push(p, &v, with_item(p));
        while (accept(p, T_COMMA));
        items = seq(v);
    }
    expect_colon(p);
    py_node *n = node_tok(p, PY_WITH, t);
    n->u.with.items = items;
    n->u.with.body = block(p, "'with' statement", t->lineno);
    end_of_body(n, n->u.with.body);
    return n;
}

/* One statement (a compound one, or a line of simple ones) onto body;
 * says whether it was compound. */
static bool statement(parser *p, py__vec *body)
{
    switch (peek(p)) {
    case T_DEF:
        push(p, body, funcdef(p, (py_seq){NULL, 0}));
        return true;
    case T_CLASS:
        push(p, body, classdef(p, (py_seq){NULL, 0}));
        return true;
    case T_AT:
        push(p, body, decorated(p));
        return true;
    case T_IF:
        push(p, body, if_stmt(p));
        return true;
    case T_WHILE:
        push(p, body, while_stmt(p));
        return true;
    case T_FOR:
        push(p, body, for_stmt(p));
        return true;
    case T_TRY:
        push(p, body, try_stmt(p));
        return true;
    case T_WITH:
        push(p, body, with_stmt(p));
        return true;
    case T_ASYNC:
        if (peek_at(p, 1) == T_DEF || peek_at(p, 1) == T_FOR ||
            peek_at(p, 1) == T_WITH)
            FAIL_TOK(p, cur(p), "'async' is not supported");
        take(p);
        invalid_syntax(p);
    default:
        simple_stmts(p, body);
        return false;
    }
}

/* ---- entry points -------------------------------------------------------- */

static py_node *module_node(parser *p, py_kind kind, py__vec body)
{
    py_node *n = py__alloc(p->ast, sizeof(*n));
    if (n == NULL)
        nomem(p);
    n->kind = kind;
    n->lineno = 1;
    n->u.mod.body = seq(body);
    end_of_body(n, n->u.mod.body);
    return n;
}

static py_node *parse_file_input(parser *p)
{
    py__vec body = {0};
    while (peek(p) != T_ENDMARKER)
        statement(p, &body);
    return module_node(p, PY_MODULE, body);
}

static py_node *parse_single_input(parser *p)
{
    py__vec body = {0};
    if (peek(p) == T_ENDMARKER) {
        py__token *t = cur(p);
        fail_at(p, PY_ERR_SYNTAX, t->lineno, -1, t->lineno, -2,
                "invalid syntax");
    }
    /* CPython reads the end of the input as the NEWLINE that ends a
     * compound statement; what else follows is a second statement. */
    bool compound = statement(p, &body);
    if (compound && peek(p) != T_ENDMARKER)
        invalid_syntax(p);
    if (peek(p) != T_ENDMARKER) {
        const py__token *t = p->prev;
        fail_at(p, PY_ERR_SYNTAX, t->lineno, t->col, t->lineno, t->col,
                "multiple statements found while compiling a single "
                "statement");
    }
    return module_node(p, PY_INTERACTIVE, body);
}

/* py_input_status: CPython's interactive single_input, where an empty
 * line is the NEWLINE that ends a compound statement. */
static py_node *parse_prompt_input(parser *p)
{
    py__vec body = {0};
    if (peek(p) == T_NEWLINE)
        return NULL; /* an empty statement */
    if (statement(p, &body))
        expect(p, T_NEWLINE);
    return module_node(p, PY_INTERACTIVE, body);
}

static py_node *parse_eval_input(parser *p)
{
    /* eval: expressions, which unlike star_expressions takes no *x */
    py__token *s = cur(p);
    py_node *e = expression(p);
    if (peek(p) == T_COMMA) {
        py__vec v = {0};
        push(p, &v, e);
        while (accept(p, T_COMMA)) {
            if (!starts_expression(peek(p)))
                break;
            push(p, &v, expression(p));
        }
        e = tuple_of(p, v, s);
    }
    while (accept(p, T_NEWLINE))
        ;
    if (peek(p) != T_ENDMARKER)
        invalid_syntax(p);
    py_node *n = node_from(p, PY_EXPRESSION, e);
    n->u.expression.body = e;
    return n;
}

/* After a syntax error from the parser, CPython tokenizes the rest of the
 * file; an error the tokenizer raises there wins (pegen_errors.c,
 * _PyPegen_tokenize_full_source_to_check_for_errors). */
static void check_rest(parser *p, tstream *main)
{
    int err_line = p->err.lineno;
    for (;;) {
        py__token t;
        int type = py__lexer_next(main->lx, &t);
        if (type == T_ERROR) {
            py__lexer *lx = main->lx;
            if (lx->error_exc ||
                (lx->eof_in_paren && err_line > lx->error.lineno))
                p->err = lx->error;
            return;
        }
        if (type == T_ENDMARKER || type == T_INCOMPLETE)
            return;
    }
}

/* The source as the tokenizer wants it: valid UTF-8 without NULs, "\n"
 * line ends, a final newline, no BOM.  Returns a malloc'd copy or NULL
 * (with err set). */
static char *normalize(const char *src, size_t n, size_t *outlen,
                       const py__src *s, py_error *err)
{
    if (n >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        n -= 3;
    }
    if (memchr(src, '\0', n) != NULL) {
        py__error_at(err, s, PY_ERR_SYNTAX, 0, -1, 0, -2,
                     "source code string cannot contain null bytes");
        return NULL;
    }
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)src[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        const char *why = NULL;
        if (len == 0 || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4))
            why = "invalid start byte";
        else if (i + len > n)
            why = "unexpected end of data";
        for (size_t k = 1; why == NULL && k < len; k++)
            if (((unsigned char)src[i + k] & 0xC0) != 0x80)
                why = "invalid continuation byte";
        if (why != NULL) {
            py__error_at(err, s, PY_ERR_SYNTAX, 0, -1, 0, -2,
                         "(unicode error) 'utf-8' codec can't decode byte "
                         "0x%02x in position %zu: %s",
                         c, i, why);
            return NULL;
        }
        i += len;
    }
    char *buf = malloc(n + 2);
    if (buf == NULL) {
        py__error_nomem(err, s);
        return NULL;
    }
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '\r') {
            buf[len++] = '\n';
            if (i + 1 < n && src[i + 1] == '\n')
                i++;
        } else {
            buf[len++] = src[i];
        }
    }
    if (len > 0 && buf[len - 1] != '\n')
        buf[len++] = '\n';
    buf[len] = '\0';
    *outlen = len;
    return buf;
}

static const char **index_lines(const char *buf, size_t len, size_t *nlines)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n' && i + 1 < len)
            n++;
    const char **lines = malloc(n * sizeof(*lines));
    if (lines == NULL)
        return NULL;
    size_t k = 0;
    lines[k++] = buf;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n' && i + 1 < len)
            lines[k++] = buf + i + 1;
    *nlines = n;
    return lines;
}

/* The parse proper, where errors land (longjmp): true on success. */
static bool parse_guarded(parser *p, py_node **root)
{
    jmp_buf jb;
    p->jb = &jb;
    if (setjmp(jb) != 0)
        return false;
    if (p->prompt)
        *root = parse_prompt_input(p);
    else if (p->mode == M_SINGLE)
        *root = parse_single_input(p);
    else if (p->mode == M_EVAL)
        *root = parse_eval_input(p);
    else
        *root = parse_file_input(p);
    return true;
}

typedef enum outcome { OK, FAILED, INCOMPLETE } outcome;

/* Parses src in mode; on OK *out owns the tree (NULL for an empty prompt
 * input).  *err is filled on FAILED. */
static outcome run(const char *src, size_t n, const char *filename, int mode,
                   bool prompt, py_ast **out, py_error *err)
{
    parser P;
    parser *p = &P;
    memset(p, 0, sizeof(*p));
    p->src.filename = filename ? filename : "<string>";
    p->mode = mode;
    p->prompt = prompt;
    p->prev = &no_token;
    *out = NULL;

    size_t len = 0;
    char *buf = normalize(src ? src : "", src ? n : 0, &len, &p->src, &p->err);
    if (buf == NULL) {
        if (err)
            *err = p->err;
        return FAILED;
    }
    p->src.buf = buf;
    p->src.len = len;
    p->src.lines = index_lines(buf, len, &p->src.nlines);
    p->ast = py__ast_new();
    p->scratch = py__ast_new();
    outcome result = FAILED;
    if (p->src.lines == NULL || p->ast == NULL || p->scratch == NULL) {
        py__error_nomem(&p->err, &p->src);
        goto done;
    }

    py__lexer lx;
    py__lexer_init(&lx, &p->src, p->scratch, prompt);
    tstream main = {.lx = &lx};
    p->ts = &main;
    py_node *root = NULL;
    if (parse_guarded(p, &root)) {
        const py_node *deep = NULL;
        int depth = py__tree_depth(root, PY_MAX_DEPTH, &deep);
        if (depth < 0) {
            py__error_nomem(&p->err, &p->src);
        } else if (depth > PY_MAX_DEPTH) {
            py__error_at(&p->err, &p->src, PY_ERR_RECURSION, deep->lineno, -1,
                         0, 0,
                         "maximum recursion depth exceeded during compilation");
        } else if (p->sym_set) {
            p->err = p->sym_err;
        } else if (p->comp_set) {
            p->err = p->comp_err;
        } else {
            p->ast->root = root;
            result = OK;
        }
    } else if (p->incomplete) {
        result = INCOMPLETE;
    } else if (!p->from_lexer && !p->no_rest && !prompt &&
               p->err.kind != PY_ERR_NOMEM && p->err.kind != PY_ERR_RECURSION) {
        p->ts = &main;
        check_rest(p, &main);
    }

done:
    if (result == OK && (p->ast->root != NULL || prompt)) {
        *out = p->ast;
    } else {
        py_ast_free(p->ast);
        if (result == FAILED && err)
            *err = p->err;
    }
    py_ast_free(p->scratch);
    free(p->src.lines);
    free(buf);
    return result;
}

static int parse(const char *src, size_t n, const char *filename, int mode,
                 py_ast **out, py_error *err)
{
    py_ast *ast = NULL;
    outcome r = run(src, n, filename, mode, false, &ast, err);
    if (out)
        *out = ast;
    else
        py_ast_free(ast);
    if (r == OK && err)
        memset(err, 0, sizeof(*err));
    return r == OK ? 0 : -1;
}

int py_parse_file(const char *src, size_t n, const char *filename, py_ast **out,
                  py_error *err)
{
    return parse(src, n, filename, M_FILE, out, err);
}

int py_parse_interactive(const char *src, size_t n, const char *filename,
                         py_ast **out, py_error *err)
{
    return parse(src, n, filename, M_SINGLE, out, err);
}

int py_parse_expression(const char *src, size_t n, const char *filename,
                        py_ast **out, py_error *err)
{
    return parse(src, n, filename, M_EVAL, out, err);
}

py_input py_input_status(const char *src, size_t n, const char *filename,
                         py_error *err)
{
    py_ast *ast = NULL;
    if (err)
        memset(err, 0, sizeof(*err));
    if (n == 0)
        return PY_INPUT_EMPTY;
    outcome r = run(src, n, filename, M_SINGLE, true, &ast, err);
    if (r == INCOMPLETE)
        return PY_INPUT_INCOMPLETE;
    if (r == FAILED)
        return PY_INPUT_ERROR;
    bool empty = ast == NULL || ast->root == NULL;
    py_ast_free(ast);
    return empty ? PY_INPUT_EMPTY : PY_INPUT_COMPLETE;
}
