/*
 * dump.c: py_ast_dump, a stable s-expression of a tree for tests and
 * debugging.  client/py/astdump.py prints CPython's own ast in the same
 * format, so the two can be compared.
 *
 * The format: a node is `(Kind field...)` with CPython's kind names and
 * field order; a list field is `[a b c]`; an absent optional field is `-`,
 * or left out when it is the last one.  Names and identifiers are bare,
 * constants are Python reprs (`(Constant 'hi')`, `(Constant 1.5)`), and
 * operators are their ast class names (`Add`, `USub`, `Lt`).  Contexts
 * other than Load are shown (`(Name x Store)`).  Fields that are usually
 * empty are shown only when not empty, as key=value: `orelse=[...]`,
 * `decorators=[...]`, `returns=X`, `bases=[...]`, `keywords=[...]`.
 * Parameters read like Python: `(arguments a b=(Constant 1) / c *args d
 * **kw)`, with annotations as `a:(Name int)`.  Interactive expression
 * statements to echo are `(Expr X echo)`.  With PY_DUMP_POSITIONS each
 * kind is followed by @line:col (and -end_line:end_col with PY_DUMP_ENDS).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

typedef struct out {
    char *buf;
    size_t len, cap;
    bool oom;
    unsigned flags;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (b == NULL) {
            o->oom = true;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putf(out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* ---- Python reprs -------------------------------------------------------- */

/* repr(float): the shortest digits that read back the same, laid out as
 * Python's float_repr does (add_dot_0: 1.0, not 1). */
static void float_repr(out *o, double d, bool add_dot_0)
{
    if (isnan(d)) {
        puts_(o, "nan");
        return;
    }
    if (isinf(d)) {
        puts_(o, d < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[64], digits[32];
    int exp10 = 0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d || prec == 17)
            break;
    }
    /* tmp is [-]D[.DDD]e[+-]XX, the point maybe a locale's comma */
    const char *s = tmp;
    bool neg = *s == '-';
    if (neg)
        s++;
    size_t nd = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '0' && *s <= '9' && nd < sizeof(digits) - 1)
            digits[nd++] = *s;
    if (*s)
        exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int decpt = exp10 + 1;
    if (neg)
        puts_(o, "-");
    if (d == 0) {
        puts_(o, add_dot_0 ? "0.0" : "0");
        return;
    }
    if (decpt <= -4 || decpt > 16) {
        put(o, digits, 1);
        if (nd > 1) {
            puts_(o, ".");
            put(o, digits + 1, nd - 1);
        }
        putf(o, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (decpt <= 0) {
        puts_(o, "0.");
        for (int i = 0; i < -decpt; i++)
            puts_(o, "0");
        put(o, digits, nd);
    } else if ((size_t)decpt >= nd) {
        put(o, digits, nd);
        for (size_t i = nd; i < (size_t)decpt; i++)
            puts_(o, "0");
        if (add_dot_0)
            puts_(o, ".0");
    } else {
        put(o, digits, (size_t)decpt);
        puts_(o, ".");
        put(o, digits + decpt, nd - (size_t)decpt);
    }
}

/* An int literal's text in decimal, digit by digit (for the dump only). */
static void int_repr(out *o, const py_node *n)
{
    if (!n->u.constant.big) {
        putf(o, "%llu", (unsigned long long)n->u.constant.ival);
        return;
    }
    const char *t = n->u.constant.s;
    size_t len = strlen(t);
    unsigned base = 10;
    if (len > 1 && t[0] == '0' && strchr("xXoObB", t[1])) {
        base = (t[1] | 0x20) == 'x' ? 16 : (t[1] | 0x20) == 'o' ? 8 : 2;
        t += 2;
        len -= 2;
    }
    if (base == 10 || len > 4096) {
        put(o, n->u.constant.s, strlen(n->u.constant.s));
        return;
    }
    /* dec holds the value in base 10, least significant digit first. */
    size_t cap = len * 2 + 2, nd = 1;
    unsigned char *dec = calloc(cap, 1);
    if (dec == NULL) {
        o->oom = true;
        return;
    }
    for (size_t i = 0; i < len; i++) {
        int c = t[i];
        unsigned carry = (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        for (size_t k = 0; k < nd || carry; k++) {
            if (k == nd)
                nd++;
            unsigned v = dec[k] * base + carry;
            dec[k] = (unsigned char)(v % 10);
            carry = v / 10;
        }
    }
    while (nd > 1 && dec[nd - 1] == 0)
        nd--;
    for (size_t k = nd; k-- > 0;) {
        char c = (char)('0' + dec[k]);
        put(o, &c, 1);
    }
    free(dec);
}

static unsigned utf8_at(const unsigned char *s, size_t n, size_t *len)
{
    if (s[0] < 0x80 || n < 2) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *len = 2;
        return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    }
    if ((s[0] & 0xF0) == 0xE0 && n >= 3) {
        *len = 3;
        return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    if (n >= 4) {
        *len = 4;
        return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) |
               ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    }
    *len = 1;
    return s[0];
}

/* repr(str) or repr(bytes). */
static void str_repr(out *o, const char *s, size_t n, bool bytes)
{
    bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
    char quote = sq && !dq ? '"' : '\'';
    if (bytes)
        puts_(o, "b");
    put(o, &quote, 1);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        unsigned c = bytes ? u[i] : utf8_at(u + i, n - i, &len);
        if (c == (unsigned char)quote || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(o, e, 2);
        } else if (c == '\t') {
            puts_(o, "\\t");
        } else if (c == '\n') {
            puts_(o, "\\n");
        } else if (c == '\r') {
            puts_(o, "\\r");
        } else if (c < 0x20 || c == 0x7F || (bytes && c >= 0x80)) {
            putf(o, "\\x%02x", c);
        } else if (c < 0x80) {
            char ch = (char)c;
            put(o, &ch, 1);
        } else if (!py__is_printable(c)) {
            if (c < 0x100)
                putf(o, "\\x%02x", c);
            else if (c < 0x10000)
                putf(o, "\\u%04x", c);
            else
                putf(o, "\\U%08x", c);
        } else {
            put(o, s + i, len);
        }
        i += len;
    }
    put(o, &quote, 1);
}

static void constant_repr(out *o, const py_node *n)
{
    switch (n->u.constant.kind) {
    case PY_CONST_NONE:
        puts_(o, "None");
        break;
    case PY_CONST_TRUE:
        puts_(o, "True");
        break;
    case PY_CONST_FALSE:
        puts_(o, "False");
        break;
    case PY_CONST_ELLIPSIS:
        puts_(o, "Ellipsis");
        break;
    case PY_CONST_INT:
        int_repr(o, n);
        break;
    case PY_CONST_FLOAT:
        float_repr(o, n->u.constant.fval, true);
        break;
    case PY_CONST_IMAG:
        float_repr(o, n->u.constant.fval, false);
        puts_(o, "j");
        break;
    case PY_CONST_STR:
        str_repr(o, n->u.constant.s, n->u.constant.len, false);
        break;
    case PY_CONST_BYTES:
        str_repr(o, n->u.constant.s, n->u.constant.len, true);
        break;
    }
}

/* ---- nodes --------------------------------------------------------------- */

static void node(out *o, const py_node *n);

static void sp(out *o)
{
    puts_(o, " ");
}

static void opt(out *o, const py_node *n)
{
    sp(o);
    if (n)
        node(o, n);
    else
        puts_(o, "-");
}

static void list_body(out *o, py_seq s)
{
    puts_(o, "[");
    for (size_t i = 0; i < s.n; i++) {
        if (i)
            sp(o);
        if (s.items[i])
            node(o, s.items[i]);
        else
            puts_(o, "-");
    }
    puts_(o, "]");
}

static void list(out *o, py_seq s)
{
    sp(o);
    list_body(o, s);
}

static void keyed(out *o, const char *key, py_seq s)
{
    if (s.n == 0)
        return;
    sp(o);
    puts_(o, key);
    puts_(o, "=");
    list_body(o, s);
}

/* An identifier, after a space. */
static void word(out *o, const char *s)
{
    sp(o);
    puts_(o, s);
}

static void ctx(out *o, py_ctx c)
{
    if (c == PY_STORE)
        puts_(o, " Store");
    else if (c == PY_DEL)
        puts_(o, " Del");
}

static void param(out *o, const char *prefix, const py_node *arg,
                  const py_node *def)
{
    sp(o);
    puts_(o, prefix);
    puts_(o, arg->u.arg.arg);
    if (arg->u.arg.annotation) {
        puts_(o, ":");
        node(o, arg->u.arg.annotation);
    }
    if (def) {
        puts_(o, "=");
        node(o, def);
    }
}

static void arguments(out *o, const py_node *n)
{
    size_t npos = n->u.arguments.posonlyargs.n, nargs = n->u.arguments.args.n;
    size_t ndef = n->u.arguments.defaults.n;
    size_t first_def = npos + nargs - ndef;
    for (size_t i = 0; i < npos + nargs; i++) {
        const py_node *a = i < npos ? n->u.arguments.posonlyargs.items[i]
                                    : n->u.arguments.args.items[i - npos];
        const py_node *d = i >= first_def
                               ? n->u.arguments.defaults.items[i - first_def]
                               : NULL;
        param(o, "", a, d);
        if (npos && i == npos - 1)
            puts_(o, " /");
    }
    if (n->u.arguments.vararg)
        param(o, "*", n->u.arguments.vararg, NULL);
    else if (n->u.arguments.kwonlyargs.n)
        puts_(o, " *");
    for (size_t i = 0; i < n->u.arguments.kwonlyargs.n; i++)
        param(o, "", n->u.arguments.kwonlyargs.items[i],
              n->u.arguments.kw_defaults.items[i]);
    if (n->u.arguments.kwarg)
        param(o, "**", n->u.arguments.kwarg, NULL);
}

static void node(out *o, const py_node *n)
{
    puts_(o, "(");
    puts_(o, py_kind_name(n->kind));
    if (o->flags & PY_DUMP_POSITIONS)
        putf(o, "@%d:%d", n->lineno, n->col);
    if ((o->flags & PY_DUMP_POSITIONS) && (o->flags & PY_DUMP_ENDS))
        putf(o, "-%d:%d", n->end_lineno, n->end_col);
    switch (n->kind) {
    case PY_MODULE:
    case PY_INTERACTIVE:
        for (size_t i = 0; i < n->u.mod.body.n; i++) {
            sp(o);
            node(o, n->u.mod.body.items[i]);
        }
        break;
    case PY_EXPRESSION:
        opt(o, n->u.expression.body);
        break;
    case PY_FUNCTIONDEF:
        word(o, n->u.functiondef.name);
        opt(o, n->u.functiondef.args);
        list(o, n->u.functiondef.body);
        keyed(o, "decorators", n->u.functiondef.decorators);
        if (n->u.functiondef.returns) {
            puts_(o, " returns=");
            node(o, n->u.functiondef.returns);
        }
        break;
    case PY_CLASSDEF:
        word(o, n->u.classdef.name);
        list(o, n->u.classdef.body);
        keyed(o, "bases", n->u.classdef.bases);
        keyed(o, "keywords", n->u.classdef.keywords);
        keyed(o, "decorators", n->u.classdef.decorators);
        break;
    case PY_RETURN:
        if (n->u.ret.value)
            opt(o, n->u.ret.value);
        break;
    case PY_DELETE:
        list(o, n->u.del.targets);
        break;
    case PY_ASSIGN:
        list(o, n->u.assign.targets);
        opt(o, n->u.assign.value);
        break;
    case PY_AUGASSIGN:
        opt(o, n->u.augassign.target);
        word(o, py_binop_name(n->u.augassign.op));
        opt(o, n->u.augassign.value);
        break;
    case PY_ANNASSIGN:
        opt(o, n->u.annassign.target);
        opt(o, n->u.annassign.annotation);
        if (n->u.annassign.value)
            opt(o, n->u.annassign.value);
        break;
    case PY_FOR:
        opt(o, n->u.for_.target);
        opt(o, n->u.for_.iter);
        list(o, n->u.for_.body);
        keyed(o, "orelse", n->u.for_.orelse);
        break;
    case PY_WHILE:
        opt(o, n->u.while_.test);
        list(o, n->u.while_.body);
        keyed(o, "orelse", n->u.while_.orelse);
        break;
    case PY_IF:
        opt(o, n->u.if_.test);
        list(o, n->u.if_.body);
        keyed(o, "orelse", n->u.if_.orelse);
        break;
    case PY_WITH:
        list(o, n->u.with.items);
        list(o, n->u.with.body);
        break;
    case PY_RAISE:
        if (n->u.raise.exc)
            opt(o, n->u.raise.exc);
        if (n->u.raise.cause)
            opt(o, n->u.raise.cause);
        break;
    case PY_TRY:
        list(o, n->u.try_.body);
        list(o, n->u.try_.handlers);
        list(o, n->u.try_.orelse);
        list(o, n->u.try_.finalbody);
        break;
    case PY_ASSERT:
        opt(o, n->u.assert_.test);
        if (n->u.assert_.msg)
            opt(o, n->u.assert_.msg);
        break;
    case PY_IMPORT:
        list(o, n->u.import.names);
        break;
    case PY_IMPORTFROM:
        word(o, n->u.importfrom.module ? n->u.importfrom.module : "-");
        list(o, n->u.importfrom.names);
        putf(o, " %d", n->u.importfrom.level);
        break;
    case PY_GLOBAL:
    case PY_NONLOCAL:
        puts_(o, " [");
        for (size_t i = 0; i < n->u.global.names.n; i++) {
            if (i)
                sp(o);
            puts_(o, n->u.global.names.items[i]);
        }
        puts_(o, "]");
        break;
    case PY_EXPR:
        opt(o, n->u.expr.value);
        if (n->u.expr.echo)
            puts_(o, " echo");
        break;
    case PY_PASS:
    case PY_BREAK:
    case PY_CONTINUE:
        break;
    case PY_BOOLOP:
        puts_(o, n->u.boolop.op == PY_AND ? " And" : " Or");
        list(o, n->u.boolop.values);
        break;
    case PY_NAMEDEXPR:
        opt(o, n->u.namedexpr.target);
        opt(o, n->u.namedexpr.value);
        break;
    case PY_BINOP:
        opt(o, n->u.binop.left);
        word(o, py_binop_name(n->u.binop.op));
        opt(o, n->u.binop.right);
        break;
    case PY_UNARYOP:
        word(o, py_unaryop_name(n->u.unaryop.op));
        opt(o, n->u.unaryop.operand);
        break;
    case PY_LAMBDA:
        opt(o, n->u.lambda.args);
        opt(o, n->u.lambda.body);
        break;
    case PY_IFEXP:
        opt(o, n->u.ifexp.test);
        opt(o, n->u.ifexp.body);
        opt(o, n->u.ifexp.orelse);
        break;
    case PY_DICT:
        list(o, n->u.dict.keys);
        list(o, n->u.dict.values);
        break;
    case PY_SET:
        list(o, n->u.set.elts);
        break;
    case PY_LISTCOMP:
    case PY_SETCOMP:
    case PY_GENERATOREXP:
        opt(o, n->u.comp.elt);
        list(o, n->u.comp.generators);
        break;
    case PY_DICTCOMP:
        opt(o, n->u.dictcomp.key);
        opt(o, n->u.dictcomp.value);
        list(o, n->u.dictcomp.generators);
        break;
    case PY_YIELD:
    case PY_YIELDFROM:
        if (n->u.yield.value)
            opt(o, n->u.yield.value);
        break;
    case PY_COMPARE:
        opt(o, n->u.compare.left);
        puts_(o, " [");
        for (size_t i = 0; i < n->u.compare.comparators.n; i++) {
            if (i)
                sp(o);
            puts_(o, py_cmpop_name(n->u.compare.ops[i]));
        }
        puts_(o, "]");
        list(o, n->u.compare.comparators);
        break;
    case PY_CALL:
        opt(o, n->u.call.func);
        list(o, n->u.call.args);
        list(o, n->u.call.keywords);
        break;
    case PY_FORMATTEDVALUE: {
        int conv = n->u.formattedvalue.conversion;
        opt(o, n->u.formattedvalue.value);
        if (conv >= 0 || n->u.formattedvalue.format_spec) {
            if (conv >= 0)
                putf(o, " %c", conv);
            else
                puts_(o, " -");
        }
        if (n->u.formattedvalue.format_spec)
            opt(o, n->u.formattedvalue.format_spec);
        break;
    }
    case PY_JOINEDSTR:
        list(o, n->u.joinedstr.values);
        break;
    case PY_CONSTANT:
        sp(o);
        constant_repr(o, n);
        break;
    case PY_ATTRIBUTE:
        opt(o, n->u.attribute.value);
        word(o, n->u.attribute.attr);
        ctx(o, n->u.attribute.ctx);
        break;
    case PY_SUBSCRIPT:
        opt(o, n->u.subscript.value);
        opt(o, n->u.subscript.slice);
        ctx(o, n->u.subscript.ctx);
        break;
    case PY_STARRED:
        opt(o, n->u.starred.value);
        ctx(o, n->u.starred.ctx);
        break;
    case PY_NAME:
        word(o, n->u.name.id);
        ctx(o, n->u.name.ctx);
        break;
    case PY_LIST:
    case PY_TUPLE:
        list(o, n->u.list.elts);
        ctx(o, n->u.list.ctx);
        break;
    case PY_SLICE:
        opt(o, n->u.slice.lower);
        opt(o, n->u.slice.upper);
        opt(o, n->u.slice.step);
        break;
    case PY_EXCEPTHANDLER:
        opt(o, n->u.excepthandler.type);
        word(o, n->u.excepthandler.name ? n->u.excepthandler.name : "-");
        list(o, n->u.excepthandler.body);
        break;
    case PY_ARGUMENTS:
        arguments(o, n);
        break;
    case PY_ARG:
        word(o, n->u.arg.arg);
        if (n->u.arg.annotation)
            opt(o, n->u.arg.annotation);
        break;
    case PY_KEYWORD:
        word(o, n->u.keyword.arg ? n->u.keyword.arg : "-");
        opt(o, n->u.keyword.value);
        break;
    case PY_ALIAS:
        word(o, n->u.alias.name);
        if (n->u.alias.asname)
            word(o, n->u.alias.asname);
        break;
    case PY_WITHITEM:
        opt(o, n->u.withitem.context_expr);
        if (n->u.withitem.optional_vars)
            opt(o, n->u.withitem.optional_vars);
        break;
    case PY_COMPREHENSION:
        opt(o, n->u.comprehension.target);
        opt(o, n->u.comprehension.iter);
        list(o, n->u.comprehension.ifs);
        break;
    }
    puts_(o, ")");
}

char *py_ast_dump(const py_node *n, unsigned flags)
{
    out o = {NULL, 0, 0, false, flags};
    if (n == NULL)
        puts_(&o, "-");
    else
        node(&o, n);
    if (o.oom) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}
