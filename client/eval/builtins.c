/*
 * builtins.c: the builtin functions of the subset (print, len, id, type,
 * repr, str, int, float, list, tuple, dict, set, range, isinstance, hex,
 * abs, bool, min, max, sum, sorted), the methods of built-in types the
 * labs use, the exception classes, and the modules gc, sys and weakref,
 * each mapped onto heap operations so that the objects they make and the
 * references they hold are CPython's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evint.h"

#define OP(name) HEAPD__OP_CODE__##name

enum {
    B_PRINT = 1,
    B_LEN,
    B_ID,
    B_TYPE,
    B_REPR,
    B_STR,
    B_INT,
    B_FLOAT,
    B_LIST,
    B_TUPLE,
    B_DICT,
    B_SET,
    B_RANGE,
    B_ISINSTANCE,
    B_HEX,
    B_ABS,
    B_BOOL,
    B_MIN,
    B_MAX,
    B_SUM,
    B_SORTED,
    B_GLOBALS,
    B_ANY,
    B_ALL,
    /* gc */
    G_COLLECT = 100,
    G_ENABLE,
    G_DISABLE,
    G_ISENABLED,
    G_GET_COUNT,
    G_GET_THRESHOLD,
    G_SET_THRESHOLD,
    G_GET_STATS,
    G_GET_DEBUG,
    G_SET_DEBUG,
    G_FREEZE,
    G_UNFREEZE,
    G_GET_FREEZE_COUNT,
    G_GET_OBJECTS,
    G_GET_REFERRERS,
    G_GET_REFERENTS,
    G_IS_TRACKED,
    G_IS_FINALIZED,
    /* sys */
    S_GETREFCOUNT = 200,
    S_GETSIZEOF,
    S_INTERN,
    S_GETALLOCATEDBLOCKS,
    /* weakref */
    W_REF = 300,
    W_GETWEAKREFCOUNT,
};

typedef struct named {
    const char *name;
    int code;
} named;

static const named BUILTINS[] = {
    {"print", B_PRINT},     {"len", B_LEN},     {"id", B_ID},
    {"repr", B_REPR},       {"hex", B_HEX},     {"abs", B_ABS},
    {"min", B_MIN},         {"max", B_MAX},     {"sum", B_SUM},
    {"sorted", B_SORTED},   {"range", B_RANGE}, {"isinstance", B_ISINSTANCE},
    {"globals", B_GLOBALS}, {"any", B_ANY},     {"all", B_ALL},
};

/* Types that are also callables. */
static const named TYPES[] = {
    {"type", B_TYPE}, {"str", B_STR},     {"int", B_INT},   {"float", B_FLOAT},
    {"list", B_LIST}, {"tuple", B_TUPLE}, {"dict", B_DICT}, {"set", B_SET},
    {"bool", B_BOOL}, {"object", 0},      {"bytes", 0},     {"frozenset", 0},
};

static const named GC_FUNCS[] = {
    {"collect", G_COLLECT},
    {"enable", G_ENABLE},
    {"disable", G_DISABLE},
    {"isenabled", G_ISENABLED},
    {"get_count", G_GET_COUNT},
    {"get_threshold", G_GET_THRESHOLD},
    {"set_threshold", G_SET_THRESHOLD},
    {"get_stats", G_GET_STATS},
    {"get_debug", G_GET_DEBUG},
    {"set_debug", G_SET_DEBUG},
    {"freeze", G_FREEZE},
    {"unfreeze", G_UNFREEZE},
    {"get_freeze_count", G_GET_FREEZE_COUNT},
    {"get_objects", G_GET_OBJECTS},
    {"get_referrers", G_GET_REFERRERS},
    {"get_referents", G_GET_REFERENTS},
    {"is_tracked", G_IS_TRACKED},
    {"is_finalized", G_IS_FINALIZED},
};

static const named SYS_FUNCS[] = {
    {"getrefcount", S_GETREFCOUNT},
    {"getsizeof", S_GETSIZEOF},
    {"intern", S_INTERN},
    {"getallocatedblocks", S_GETALLOCATEDBLOCKS},
};

static const named WEAKREF_FUNCS[] = {
    {"ref", W_REF},
    {"getweakrefcount", W_GETWEAKREFCOUNT},
};

/* Built-in exceptions and their bases. */
static const struct {
    const char *name, *base;
} EXCEPTIONS[] = {
    {"BaseException", NULL},
    {"Exception", "BaseException"},
    {"ArithmeticError", "Exception"},
    {"ZeroDivisionError", "ArithmeticError"},
    {"OverflowError", "ArithmeticError"},
    {"LookupError", "Exception"},
    {"KeyError", "LookupError"},
    {"IndexError", "LookupError"},
    {"NameError", "Exception"},
    {"UnboundLocalError", "NameError"},
    {"AttributeError", "Exception"},
    {"TypeError", "Exception"},
    {"ValueError", "Exception"},
    {"MemoryError", "Exception"},
    {"RuntimeError", "Exception"},
    {"RecursionError", "RuntimeError"},
    {"NotImplementedError", "RuntimeError"},
    {"StopIteration", "Exception"},
    {"AssertionError", "Exception"},
    {"ImportError", "Exception"},
    {"ModuleNotFoundError", "ImportError"},
    {"SystemError", "Exception"},
    {"KeyboardInterrupt", "BaseException"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int find(const named *t, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(t[k].name, name))
            return t[k].code ? t[k].code : -1;
    return 0;
}

bool bi_is_exc_name(const char *name)
{
    for (size_t k = 0; k < N(EXCEPTIONS); k++)
        if (!strcmp(EXCEPTIONS[k].name, name))
            return true;
    return false;
}

bool bi_exc_matches(const char *type, const char *base)
{
    while (type) {
        if (!strcmp(type, base))
            return true;
        const char *up = NULL;
        for (size_t k = 0; k < N(EXCEPTIONS); k++)
            if (!strcmp(EXCEPTIONS[k].name, type))
                up = EXCEPTIONS[k].base;
        type = up;
    }
    return false;
}

static void set_type(val *out, const char *name, int code)
{
    memset(out, 0, sizeof *out);
    out->k = V_TYPE;
    out->s = strdup(name);
    out->slen = strlen(name);
    out->i = code;
}

bool bi_lookup(const char *name, val *out)
{
    int c;
    memset(out, 0, sizeof *out);
    if ((c = find(BUILTINS, N(BUILTINS), name))) {
        out->k = V_BUILTIN;
        out->i = c;
        return true;
    }
    if ((c = find(TYPES, N(TYPES), name))) {
        set_type(out, name, c < 0 ? 0 : c);
        return true;
    }
    if (bi_is_exc_name(name)) {
        set_type(out, name, 0);
        out->aux = 1; /* an exception class */
        return true;
    }
    return false;
}

bool bi_is_isinstance(const val *callee)
{
    return callee->k == V_BUILTIN && callee->i == B_ISINSTANCE;
}

bool bi_is_builtin_name(const char *name)
{
    val v;
    bool r = bi_lookup(name, &v);
    val_clear(&v);
    return r;
}

char *bi_client_repr(const val *v)
{
    char buf[300];
    static const char *const mods[] = {"", "gc", "sys", "weakref", "objgraph"};
    switch (v->k) {
    case V_MODULE:
        snprintf(buf, sizeof buf, "<module '%s' (built-in)>", mods[v->i]);
        break;
    case V_TYPE:
        if (v->aux == 2)
            snprintf(buf, sizeof buf, "<class '__main__.%s'>", v->s);
        else
            snprintf(buf, sizeof buf, "<class '%s'>", v->s);
        break;
    case V_EXC:
        if (v->s && v->s[0]) {
            char *r = fmt_str_repr(v->s, v->slen);
            snprintf(buf, sizeof buf, "%s(%s)", v->tname, r);
            free(r);
        } else {
            snprintf(buf, sizeof buf, "%s()", v->tname);
        }
        break;
    case V_RANGE:
        if (v->r[2] == 1)
            snprintf(buf, sizeof buf, "range(%" PRId64 ", %" PRId64 ")",
                     v->r[0], v->r[1]);
        else
            snprintf(buf, sizeof buf,
                     "range(%" PRId64 ", %" PRId64 ", %" PRId64 ")", v->r[0],
                     v->r[1], v->r[2]);
        break;
    default:
        snprintf(buf, sizeof buf, "<built-in function>");
    }
    return strdup(buf);
}

/* ---- helpers
 * ------------------------------------------------------------------- */

static uint32_t nheap(const val *a, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t k = 0; k < n; k++)
        c += a[k].k == V_HEAP;
    return c;
}

/* Depth of heap argument k among n arguments. */
static uint32_t depth_of(const val *a, uint32_t n, uint32_t k)
{
    uint32_t d = 0;
    for (uint32_t q = k + 1; q < n; q++)
        d += a[q].k == V_HEAP;
    return d;
}

static int pop_heap(ev_session *e, const val *a, uint32_t n)
{
    int rc = ST_OK;
    for (uint32_t k = nheap(a, n); rc == ST_OK && k > 0; k--)
        rc = ev_pop(e);
    return rc;
}

static int push_int(ev_session *e, int64_t v, val *out)
{
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_INT;
    out->i = v;
    snprintf(out->tname, sizeof out->tname, "int");
    return ev_op(e, OP(PUSH_INT), v, NULL, 1);
}

static int push_bool(ev_session *e, bool b, val *out)
{
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_BOOL;
    out->i = b;
    snprintf(out->tname, sizeof out->tname, "bool");
    return ev_op(e, OP(PUSH_BOOL), b, NULL, 1);
}

static int push_str(ev_session *e, const char *s, val *out)
{
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_STR;
    out->s = strdup(s);
    out->slen = strlen(s);
    snprintf(out->tname, sizeof out->tname, "str");
    return ev_op(e, OP(PUSH_STR), 0, s, 1);
}

static int heap_result(val *out, const char *tname)
{
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    if (tname)
        snprintf(out->tname, sizeof out->tname, "%s", tname);
    return ST_OK;
}

static int void_result(val *out)
{
    memset(out, 0, sizeof *out);
    out->k = V_VOID;
    return ST_OK;
}

static int nargs_error(ev_session *e, const char *name, uint32_t want,
                       uint32_t got)
{
    return ev_raise(e, "TypeError", "%s() takes exactly %s (%u given)", name,
                    want == 0   ? "no arguments"
                    : want == 1 ? "one argument"
                                : "two arguments",
                    got);
}

/* str() or repr() text of an argument. */
static int text_of(ev_session *e, val *a, uint32_t depth, bool repr, char **out)
{
    *out = NULL;
    if (a->k == V_HEAP && a->known)
        *out = fmt_known_str(a, repr);
    else if (a->k == V_VOID)
        *out = strdup("None");
    else if (a->k == V_EXC && !repr)
        *out = strdup(a->s ? a->s : "");
    else if (a->k != V_HEAP)
        *out = bi_client_repr(a);
    if (*out)
        return ST_OK;
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, depth, repr ? HC_INSPECT_REPR : HC_INSPECT_STR, &oi);
    if (rc)
        return rc;
    *out = strdup(repr ? oi->repr : oi->str);
    hc_free(oi);
    return ST_OK;
}

static int info_of(ev_session *e, uint32_t depth, unsigned what,
                   Heapd__ObjectInfo **oi)
{
    return ev_inspect(e, depth, what, oi);
}

/* The values of a heap sequence's items (ints, floats, strs). */
typedef struct item {
    uint64_t id;
    val v;
} item;

static int items_of(ev_session *e, uint32_t depth, item **out, size_t *n)
{
    Heapd__ObjectInfo *oi;
    int rc = info_of(e, depth, HC_INSPECT_ITEMS, &oi);
    if (rc)
        return rc;
    if (oi->len < 0) {
        rc = ev_raise(e, "TypeError", "'%s' object is not iterable", oi->type);
        hc_free(oi);
        return rc;
    }
    bool dict = !strcmp(oi->type, "dict");
    size_t cnt = dict ? oi->n_items / 2 : oi->n_items;
    *out = calloc(cnt + 1, sizeof **out);
    *n = cnt;
    for (size_t k = 0; k < cnt; k++)
        (*out)[k].id = oi->items[dict ? 2 * k : k];
    hc_free(oi);
    for (size_t k = 0; rc == ST_OK && k < cnt; k++) {
        Heapd__ObjectInfo *io;
        if ((rc = ev_inspect_id(e, (*out)[k].id, HC_INSPECT_STR, &io)))
            break;
        val *v = &(*out)[k].v;
        v->k = V_HEAP;
        snprintf(v->tname, sizeof v->tname, "%s", io->type);
        if (!strcmp(io->type, "int") || !strcmp(io->type, "bool")) {
            v->known = !strcmp(io->type, "int") ? K_INT : K_BOOL;
            v->i = io->int_value;
        } else if (!strcmp(io->type, "float")) {
            v->known = K_FLOAT;
            v->f = io->float_value;
        } else if (!strcmp(io->type, "str")) {
            v->known = K_STR;
            v->slen = strlen(io->str);
            v->s = strndup(io->str, v->slen);
        }
        hc_free(io);
    }
    return rc;
}

static void items_free(item *it, size_t n)
{
    for (size_t k = 0; k < n; k++)
        val_clear(&it[k].v);
    free(it);
}

static int cmp_vals(const val *a, const val *b, bool *ok)
{
    *ok = true;
    bool na = a->known == K_INT || a->known == K_BOOL || a->known == K_FLOAT;
    bool nb = b->known == K_INT || b->known == K_BOOL || b->known == K_FLOAT;
    if (na && nb) {
        double x = a->known == K_FLOAT ? a->f : (double)a->i;
        double y = b->known == K_FLOAT ? b->f : (double)b->i;
        if (a->known != K_FLOAT && b->known != K_FLOAT)
            return a->i < b->i ? -1 : a->i > b->i;
        return x < y ? -1 : x > y;
    }
    if (a->known == K_STR && b->known == K_STR) {
        int c = strcmp(a->s, b->s);
        return c < 0 ? -1 : c > 0;
    }
    *ok = false;
    return 0;
}

/* Pushes a new sequence built from the iterable at depth: `code` is
 * BUILD_TUPLE or BUILD_SET.  The iterable stays. */
static int build_from(ev_session *e, uint32_t depth, int code)
{
    Heapd__ObjectInfo *oi;
    int rc = info_of(e, depth, 0, &oi);
    if (rc)
        return rc;
    int64_t len = oi->len;
    bool sized = !strcmp(oi->type, "dict") || !strcmp(oi->type, "set");
    char tn[64];
    snprintf(tn, sizeof tn, "%s", oi->type);
    hc_free(oi);
    if (len < 0)
        return ev_raise(e, "TypeError", "'%s' object is not iterable", tn);
    for (int64_t k = 0; k < len; k++) {
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(ITER_NEXT);
        r.i = k;
        r.j = depth + k;
        r.k = sized ? len : -1;
        r.lineno = e->lineno;
        if ((rc = ev_opx(e, &r, 1)))
            return rc;
    }
    return ev_op(e, code, len, NULL, 1 - (int)len);
}

/* ---- builtin functions
 * ------------------------------------------------------------ */

static int do_print(ev_session *e, val *a, uint32_t npos, const char **kw,
                    uint32_t nkw, val *out)
{
    const char *sep = " ", *end = "\n";
    char *sepbuf = NULL, *endbuf = NULL;
    int rc = ST_OK;
    uint32_t n = npos + nkw;
    for (uint32_t k = 0; k < nkw; k++) {
        val *v = &a[npos + k];
        char **dst = !strcmp(kw[k], "sep")   ? &sepbuf
                     : !strcmp(kw[k], "end") ? &endbuf
                                             : NULL;
        if (!dst)
            return ev_raise(e, "TypeError",
                            "'%s' is an invalid keyword argument for print()",
                            kw[k]);
        if (v->known == K_NULL || v->k == V_VOID)
            continue;
        if ((rc = text_of(e, v, depth_of(a, n, npos + k), false, dst)))
            return rc;
    }
    if (sepbuf)
        sep = sepbuf;
    if (endbuf)
        end = endbuf;
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    for (uint32_t k = 0; rc == ST_OK && k < npos; k++) {
        char *t;
        if ((rc = text_of(e, &a[k], depth_of(a, n, k), false, &t)))
            break;
        size_t need = strlen(t) + strlen(sep) + strlen(end) + 1;
        while (len + need >= cap)
            buf = realloc(buf, cap *= 2);
        if (k) {
            strcpy(buf + len, sep);
            len += strlen(sep);
        }
        strcpy(buf + len, t);
        len += strlen(t);
        free(t);
    }
    if (rc == ST_OK) {
        while (len + strlen(end) + 1 >= cap)
            buf = realloc(buf, cap *= 2);
        strcpy(buf + len, end);
        len += strlen(end);
        if ((rc = pop_heap(e, a, n)) == ST_OK && (rc = ev_sync(e)) == ST_OK) {
            fwrite(buf, 1, len, e->out);
            fflush(e->out);
        }
    }
    free(buf);
    free(sepbuf);
    free(endbuf);
    if (rc == ST_OK)
        void_result(out);
    return rc;
}

static int one_heap_arg(ev_session *e, const char *name, val *a, uint32_t n)
{
    if (n != 1)
        return ev_raise(e, "TypeError",
                        "%s() takes exactly one argument (%u given)", name, n);
    return ev_materialize(e, &a[0]);
}

static int type_of(ev_session *e, val *a, val *out)
{
    if (a->k == V_TYPE) {
        set_type(out, "type", B_TYPE);
        return ST_OK;
    }
    if (a->k == V_EXC) {
        set_type(out, a->tname, 0);
        out->aux = 1;
        return ST_OK;
    }
    if (a->k == V_MODULE) {
        set_type(out, "module", 0);
        return ST_OK;
    }
    int rc;
    if ((rc = ev_materialize(e, a)) ||
        (!a->tname[0] && (rc = ev_learn(e, a, 0))))
        return rc;
    if (!a->tname[0] && (rc = ev_learn(e, a, 0)))
        return rc;
    char tn[64];
    snprintf(tn, sizeof tn, "%s", a->tname);
    if ((rc = ev_pop(e)))
        return rc;
    bool user = ev_class_named(e, tn) != NULL && strcmp(tn, "type");
    set_type(out, tn, 0);
    if (user)
        out->aux = 2;
    return ST_OK;
}

static int list_from(ev_session *e, val *a, uint32_t n, val *out)
{
    int rc;
    if (n == 0) {
        heap_result(out, "list");
        return ev_op(e, OP(BUILD_LIST), 0, NULL, 1);
    }
    if (a[0].k == V_RANGE) {
        int64_t c = 0;
        for (int64_t i = a[0].r[0];
             a[0].r[2] > 0 ? i < a[0].r[1] : i > a[0].r[1]; i += a[0].r[2]) {
            val t;
            if ((rc = push_int(e, i, &t)))
                return rc;
            c++;
        }
        /* list(range(n)) preallocates its exact size rounded up to even */
        if ((rc = ev_op(e, OP(BUILD_TUPLE), c, NULL, 1 - (int)c)))
            return rc;
        a[0].k = V_HEAP;
    } else if ((rc = ev_materialize(e, &a[0]))) {
        return rc;
    }
    /* [x] -> [x, l] -> [x, l, l, x] -> extend -> [l] */
    if ((rc = ev_op(e, OP(BUILD_LIST), 0, NULL, 1)) ||
        (rc = ev_op(e, OP(PICK), 0, NULL, 1)) ||
        (rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
        (rc = ev_op(e, OP(LIST_EXTEND), 0, NULL, -2)) ||
        (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
        return rc;
    return heap_result(out, "list");
}

static int seq_from(ev_session *e, val *a, uint32_t n, int code,
                    const char *tname, val *out)
{
    int rc;
    if (n == 0) {
        heap_result(out, tname);
        return ev_op(e, code, 0, NULL, 1);
    }
    if (a[0].k == V_RANGE) {
        int64_t c = 0;
        for (int64_t i = a[0].r[0];
             a[0].r[2] > 0 ? i < a[0].r[1] : i > a[0].r[1]; i += a[0].r[2]) {
            val t;
            if ((rc = push_int(e, i, &t)))
                return rc;
            c++;
        }
        heap_result(out, tname);
        return ev_op(e, code, c, NULL, 1 - (int)c);
    }
    if ((rc = ev_materialize(e, &a[0])))
        return rc;
    if (code == OP(BUILD_TUPLE) && !strcmp(a[0].tname, "tuple"))
        return heap_result(out, tname); /* tuple(t) is t */
    if ((rc = build_from(e, 0, code)) ||
        (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
        return rc;
    return heap_result(out, tname);
}

static int dict_from(ev_session *e, val *a, uint32_t npos, const char **kw,
                     uint32_t nkw, val *out)
{
    int rc;
    if (npos)
        return ev_raise(e, "TypeError",
                        "heapctl: dict() takes keyword arguments only here");
    if ((rc = ev_op(e, OP(BUILD_DICT), 0, NULL, 1)))
        return rc;
    for (uint32_t k = 0; k < nkw; k++) {
        if ((rc = ev_materialize(e, &a[k])))
            return rc;
    }
    /* [v0 .. vn-1, d] */
    for (uint32_t k = 0; k < nkw; k++) {
        if ((rc = ev_op(e, OP(PICK), 0, NULL, 1)) ||
            (rc = ev_op(e, OP(PUSH_STR), 0, kw[k], 1)) ||
            (rc = ev_op(e, OP(PICK), (nkw - 1 - k) + 3, NULL, 1)) ||
            (rc = ev_op(e, OP(SETITEM), 0, NULL, -3)))
            return rc;
    }
    for (uint32_t k = 0; k < nkw; k++)
        if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
            return rc;
    return heap_result(out, "dict");
}

static int minmax_sum(ev_session *e, int code, val *a, uint32_t n, val *out)
{
    int rc;
    if (n == 1 && a[0].k == V_RANGE) {
        int64_t s = 0, m = 0;
        bool any = false;
        for (int64_t i = a[0].r[0];
             a[0].r[2] > 0 ? i < a[0].r[1] : i > a[0].r[1]; i += a[0].r[2]) {
            if (!any || (code == B_MIN ? i < m : i > m))
                m = i;
            s += i;
            any = true;
        }
        if (code != B_SUM && !any)
            return ev_raise(e, "ValueError", "%s() arg is an empty sequence",
                            code == B_MIN ? "min" : "max");
        return push_int(e, code == B_SUM ? s : m, out);
    }
    item *it = NULL;
    size_t cnt = 0;
    if (n == 1) {
        if ((rc = ev_materialize(e, &a[0])) || (rc = items_of(e, 0, &it, &cnt)))
            return rc;
    } else {
        it = calloc(n + 1, sizeof *it);
        cnt = n;
        for (uint32_t k = 0; k < n; k++) {
            if (a[k].k == V_HEAP && !a[k].known &&
                (rc = ev_learn(e, &a[k], depth_of(a, n, k))))
                return rc;
            val_copy(&it[k].v, &a[k]);
            it[k].id = a[k].id;
        }
    }
    if (code == B_SUM) {
        int64_t si = 0;
        double sf = 0;
        bool fl = false;
        for (size_t k = 0; k < cnt; k++) {
            val *v = &it[k].v;
            if (v->known == K_FLOAT) {
                fl = true;
                sf += v->f;
            } else if (v->known == K_INT || v->known == K_BOOL) {
                si += v->i;
                sf += (double)v->i;
            } else {
                items_free(it, cnt);
                return ev_raise(
                    e, "TypeError",
                    "unsupported operand type(s) for +: 'int' and '%s'",
                    v->tname);
            }
        }
        items_free(it, cnt);
        if ((rc = pop_heap(e, a, n)))
            return rc;
        if (fl) {
            val r;
            memset(&r, 0, sizeof r);
            r.k = V_HEAP;
            r.known = K_FLOAT;
            r.f = sf;
            snprintf(r.tname, sizeof r.tname, "float");
            *out = r;
            return ev_push_float(e, sf);
        }
        return push_int(e, si, out);
    }
    if (!cnt) {
        items_free(it, cnt);
        return ev_raise(e, "ValueError", "%s() arg is an empty sequence",
                        code == B_MIN ? "min" : "max");
    }
    size_t best = 0;
    for (size_t k = 1; k < cnt; k++) {
        bool ok;
        int c = cmp_vals(&it[k].v, &it[best].v, &ok);
        if (!ok) {
            rc =
                ev_raise(e, "TypeError",
                         "'<' not supported between instances of '%s' and '%s'",
                         it[k].v.tname, it[best].v.tname);
            items_free(it, cnt);
            return rc;
        }
        if (code == B_MIN ? c < 0 : c > 0)
            best = k;
    }
    uint64_t id = it[best].id;
    val bv;
    val_copy(&bv, &it[best].v);
    items_free(it, cnt);
    if (n == 1) {
        lk_req q;
        memset(&q, 0, sizeof q);
        q.kind = LK_OP;
        q.code = OP(PUSH_ID);
        q.obj = id;
        if ((rc = ev_opx(e, &q, 1)) || (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) ||
            (rc = ev_pop(e)))
            return rc;
    } else {
        /* keep argument `best`: pick it, drop the others */
        if ((rc = ev_op(e, OP(PICK), depth_of(a, n, (uint32_t)best), NULL, 1)))
            return rc;
        for (uint32_t k = 0; k < nheap(a, n); k++)
            if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
                return rc;
    }
    *out = bv;
    out->k = V_HEAP;
    return ST_OK;
}

/* Sorts (by value) and/or reverses the list on top, in place. */
static int sort_items(ev_session *e, item *it, size_t cnt);
static int write_back(ev_session *e, const uint64_t *ids, size_t cnt);

static int list_reorder(ev_session *e, bool sort, bool reverse)
{
    item *it;
    size_t cnt;
    int rc = items_of(e, 0, &it, &cnt);
    if (rc)
        return rc;
    if (sort)
        rc = sort_items(e, it, cnt);
    uint64_t *ids = calloc(cnt + 1, sizeof *ids);
    for (size_t k = 0; k < cnt; k++)
        ids[k] = it[reverse ? cnt - 1 - k : k].id;
    items_free(it, cnt);
    if (rc == ST_OK)
        rc = write_back(e, ids, cnt);
    free(ids);
    return rc;
}

/* list.sort(key=..., reverse=...) on the list under the nkw keyword
 * values (which are popped); the list stays.  key is a function of the
 * heap, called once per item as CPython does. */
static int sort_with(ev_session *e, val *kv, const char **kw, uint32_t nkw)
{
    int rc;
    bool rev = false;
    int keyat = -1;
    for (uint32_t k = 0; k < nkw; k++) {
        if (!strcmp(kw[k], "reverse")) {
            if (kv[k].k == V_HEAP && !kv[k].known &&
                (rc = ev_learn(e, &kv[k], nkw - 1 - k)))
                return rc;
            rev = kv[k].i != 0;
        } else if (!strcmp(kw[k], "key")) {
            if (kv[k].known != K_NULL)
                keyat = (int)k;
        } else {
            return ev_raise(e, "TypeError",
                            "'%s' is an invalid keyword argument for sort()",
                            kw[k]);
        }
    }
    val keyfn;
    memset(&keyfn, 0, sizeof keyfn);
    if (keyat >= 0) {
        val_copy(&keyfn, &kv[keyat]);
        if (!keyfn.fn && (rc = ev_learn(e, &keyfn, nkw - 1 - (uint32_t)keyat)))
            return rc;
    }
    item *it;
    size_t cnt;
    if ((rc = items_of(e, nkw, &it, &cnt)))
        return rc;
    if (keyat >= 0) {
        if (!keyfn.fn) {
            items_free(it, cnt);
            return ev_raise(e, "TypeError",
                            "heapctl: sort key must be a function");
        }
        for (size_t k = 0; rc == ST_OK && k < cnt; k++) {
            lk_req q;
            memset(&q, 0, sizeof q);
            q.kind = LK_OP;
            q.code = OP(PUSH_ID);
            q.obj = keyfn.id;
            val r, arg;
            memset(&arg, 0, sizeof arg);
            arg.k = V_HEAP;
            arg.id = it[k].id;
            if ((rc = ev_opx(e, &q, 1)))
                break;
            q.obj = it[k].id;
            if ((rc = ev_opx(e, &q, 1)) ||
                (rc = ev_call_heap(e, &keyfn, &arg, 1, &r)))
                break;
            if (!r.known && (rc = ev_learn(e, &r, 0)) == ST_OK && !r.known &&
                !strcmp(r.tname, "str")) {
                char *t;
                if ((rc = text_of(e, &r, 0, false, &t)) == ST_OK) {
                    r.known = K_STR;
                    r.s = t;
                    r.slen = strlen(t);
                }
            }
            val_clear(&it[k].v);
            it[k].v = r;
            if (rc == ST_OK)
                rc = ev_pop(e);
        }
    }
    val_clear(&keyfn);
    if (rc == ST_OK &&
        rev) /* stable under reverse=True: reverse, sort, reverse */
        for (size_t k = 0; k < cnt / 2; k++) {
            item t = it[k];
            it[k] = it[cnt - 1 - k];
            it[cnt - 1 - k] = t;
        }
    if (rc == ST_OK)
        rc = sort_items(e, it, cnt);
    uint64_t *ids = calloc(cnt + 1, sizeof *ids);
    for (size_t k = 0; k < cnt; k++)
        ids[k] = it[rev ? cnt - 1 - k : k].id;
    items_free(it, cnt);
    /* [l, kw...] -> [l, kw..., l] -> write -> [l] */
    if (rc == ST_OK && (rc = ev_op(e, OP(PICK), nkw, NULL, 1)) == ST_OK &&
        (rc = write_back(e, ids, cnt)) == ST_OK)
        rc = ev_pop(e);
    free(ids);
    for (uint32_t k = 0; rc == ST_OK && k < nkw; k++)
        rc = ev_pop(e);
    return rc;
}

static int do_sorted(ev_session *e, val *a, uint32_t n, val *out)
{
    int rc;
    if (n != 1)
        return ev_raise(e, "TypeError", "sorted expected 1 argument, got %u",
                        n);
    if ((rc = list_from(e, a, 1, out)))
        return rc;
    item *it;
    size_t cnt;
    if ((rc = items_of(e, 0, &it, &cnt)))
        return rc;
    /* insertion sort, stable, as list.sort's result */
    for (size_t k = 1; k < cnt; k++) {
        item x = it[k];
        size_t q = k;
        while (q > 0) {
            bool ok;
            int c = cmp_vals(&x.v, &it[q - 1].v, &ok);
            if (!ok) {
                rc = ev_raise(
                    e, "TypeError",
                    "'<' not supported between instances of '%s' and '%s'",
                    x.v.tname, it[q - 1].v.tname);
                it[k] = x;
                items_free(it, cnt);
                return rc;
            }
            if (c >= 0)
                break;
            it[q] = it[q - 1];
            q--;
        }
        it[q] = x;
    }
    uint64_t *ids = calloc(cnt + 1, sizeof *ids);
    for (size_t k = 0; k < cnt; k++)
        ids[k] = it[k].id;
    if (rc == ST_OK)
        rc = write_back(e, ids, cnt);
    free(ids);
    items_free(it, cnt);
    return rc ? rc : heap_result(out, "list");
}

/* Learns the value of a heap argument: its number, or its text when it
 * is a str (for int("12") and float("1.5")). */
static int learn_number_or_str(ev_session *e, val *v)
{
    int rc;
    if (v->k == V_HEAP && !v->known && (rc = ev_learn(e, v, 0)))
        return rc;
    if (v->k == V_HEAP && !v->known && !strcmp(v->tname, "str")) {
        char *t;
        if ((rc = text_of(e, v, 0, false, &t)))
            return rc;
        v->known = K_STR;
        v->s = t;
        v->slen = strlen(t);
    }
    return ST_OK;
}

static int to_int(ev_session *e, val *a, uint32_t n, val *out)
{
    int rc;
    if (n == 0)
        return push_int(e, 0, out);
    val *v = &a[0];
    if ((rc = learn_number_or_str(e, v)))
        return rc;
    int64_t r;
    if (v->known == K_INT) {
        *out = *v;
        memset(v, 0, sizeof *v);
        return ST_OK; /* int(i) is i */
    }
    if (v->known == K_BOOL)
        r = v->i;
    else if (v->known == K_FLOAT)
        r = (int64_t)v->f;
    else if (v->known == K_STR) {
        char *end;
        const char *s = v->s;
        while (*s == ' ')
            s++;
        r = strtoll(s, &end, 10);
        while (*end == ' ' || *end == '\n')
            end++;
        if (end == s || *end) {
            char *rp = fmt_str_repr(v->s, v->slen);
            rc = ev_raise(e, "ValueError",
                          "invalid literal for int() with base 10: %s", rp);
            free(rp);
            return rc;
        }
    } else {
        return ev_raise(e, "TypeError",
                        "int() argument must be a string, a bytes-like object "
                        "or a real number, not '%s'",
                        v->tname);
    }
    if ((rc = pop_heap(e, a, n)))
        return rc;
    return push_int(e, r, out);
}

static int to_float(ev_session *e, val *a, uint32_t n, val *out)
{
    int rc;
    double d = 0;
    if (n) {
        val *v = &a[0];
        if ((rc = learn_number_or_str(e, v)))
            return rc;
        if (v->known == K_FLOAT) {
            *out = *v;
            memset(v, 0, sizeof *v);
            return ST_OK;
        }
        if (v->known == K_INT || v->known == K_BOOL)
            d = (double)v->i;
        else if (v->known == K_STR) {
            char *end;
            d = strtod(v->s, &end);
            if (end == v->s || *end) {
                char *rp = fmt_str_repr(v->s, v->slen);
                rc = ev_raise(e, "ValueError",
                              "could not convert string to float: %s", rp);
                free(rp);
                return rc;
            }
        } else {
            return ev_raise(e, "TypeError",
                            "float() argument must be a string or a real "
                            "number, not '%s'",
                            v->tname);
        }
        if ((rc = pop_heap(e, a, n)))
            return rc;
    }
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    out->known = K_FLOAT;
    out->f = d;
    snprintf(out->tname, sizeof out->tname, "float");
    return ev_push_float(e, d);
}

static int gc_state(ev_session *e, Heapd__GcState **out)
{
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_GCQUERY;
    Heapd__Response *resp;
    int rc = ev_ask(e, &r, HEAPD__RESPONSE__RESULT_GC, &resp);
    if (rc)
        return rc;
    *out = resp->gc;
    resp->gc = NULL;
    resp->result_case = HEAPD__RESPONSE__RESULT__NOT_SET;
    hc_free(resp);
    return ST_OK;
}

static int push_int_tuple(ev_session *e, const int64_t *v, size_t n, val *out)
{
    int rc;
    for (size_t k = 0; k < n; k++) {
        val t;
        if ((rc = push_int(e, v[k], &t)))
            return rc;
    }
    heap_result(out, "tuple");
    return ev_op(e, OP(BUILD_TUPLE), (int64_t)n, NULL, 1 - (int)n);
}

static int int_arg(ev_session *e, val *a, uint32_t n, uint32_t k, int64_t *out)
{
    int rc;
    if (a[k].k == V_HEAP && !a[k].known &&
        (rc = ev_learn(e, &a[k], depth_of(a, n, k))))
        return rc;
    if (a[k].known != K_INT && a[k].known != K_BOOL)
        return ev_raise(e, "TypeError",
                        "'%s' object cannot be interpreted as an integer",
                        a[k].tname);
    *out = a[k].i;
    return ST_OK;
}

static int gc_call(ev_session *e, int code, val *a, uint32_t n, val *out)
{
    int rc;
    Heapd__GcState *st = NULL;
    int64_t x = 0, t[3] = {0, 0, 0};
    switch (code) {
    case G_COLLECT: {
        int64_t gen = 2;
        if (n && (rc = int_arg(e, a, n, 0, &gen)))
            return rc;
        if ((rc = pop_heap(e, a, n)))
            return rc;
        if ((rc = ev_op(e, OP(GC_COLLECT), gen, NULL, 0)))
            return rc;
        Heapd__Response *resp;
        if ((rc = ev_status(e, lk_wait(&e->lk, &resp))))
            return rc;
        int64_t v = resp && resp->result_case == HEAPD__RESPONSE__RESULT_OP
                        ? resp->op->value
                        : 0;
        hc_free(resp);
        if (v < 0) {
            if ((rc = gc_state(e, &st)))
                return rc;
            v = st->last_result;
            hc_free(st);
        }
        return push_int(e, v, out);
    }
    case G_ENABLE:
    case G_DISABLE:
    case G_FREEZE:
    case G_UNFREEZE: {
        static const int ops[] = {OP(GC_ENABLE), OP(GC_DISABLE), OP(GC_FREEZE),
                                  OP(GC_UNFREEZE)};
        int idx = code == G_ENABLE    ? 0
                  : code == G_DISABLE ? 1
                  : code == G_FREEZE  ? 2
                                      : 3;
        if (n)
            return nargs_error(e, "gc function", 0, n);
        if ((rc = ev_op(e, ops[idx], 0, NULL, 0)))
            return rc;
        return void_result(out);
    }
    case G_SET_DEBUG:
        if (n != 1)
            return nargs_error(e, "set_debug", 1, n);
        if ((rc = int_arg(e, a, n, 0, &x)) || (rc = pop_heap(e, a, n)) ||
            (rc = ev_op(e, OP(GC_SET_DEBUG), x, NULL, 0)))
            return rc;
        return void_result(out);
    case G_SET_THRESHOLD: {
        if (n < 1 || n > 3)
            return ev_raise(e, "TypeError",
                            "set_threshold() takes 1 to 3 arguments");
        for (uint32_t k = 0; k < n; k++)
            if ((rc = int_arg(e, a, n, k, &t[k])))
                return rc;
        if ((rc = pop_heap(e, a, n)))
            return rc;
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(GC_SET_THRESHOLD);
        r.i = t[0];
        r.j = t[1];
        r.k = t[2];
        r.flags = n;
        r.lineno = e->lineno;
        if ((rc = ev_opx(e, &r, 0)))
            return rc;
        return void_result(out);
    }
    case G_ISENABLED:
    case G_GET_COUNT:
    case G_GET_THRESHOLD:
    case G_GET_STATS:
    case G_GET_DEBUG:
    case G_GET_FREEZE_COUNT: {
        if ((rc = gc_state(e, &st)))
            return rc;
        switch (code) {
        case G_ISENABLED:
            rc = push_bool(e, st->enabled, out);
            break;
        case G_GET_COUNT:
        case G_GET_THRESHOLD: {
            int64_t *src = code == G_GET_COUNT ? st->count : st->threshold;
            size_t m = code == G_GET_COUNT ? st->n_count : st->n_threshold;
            rc = push_int_tuple(e, src, m > 3 ? 3 : m, out);
            break;
        }
        case G_GET_DEBUG:
            rc = push_int(e, st->debug, out);
            break;
        case G_GET_FREEZE_COUNT:
            rc = push_int(e, (int64_t)st->freeze_count, out);
            break;
        case G_GET_STATS:
            for (size_t k = 0; rc == ST_OK && k < st->n_stats; k++) {
                val tmp;
                const char *keys[] = {"collections", "collected",
                                      "uncollectable"};
                uint64_t vals[] = {st->stats[k]->collections,
                                   st->stats[k]->collected,
                                   st->stats[k]->uncollectable};
                for (int q = 0; rc == ST_OK && q < 3; q++) {
                    if ((rc = push_str(e, keys[q], &tmp)) == ST_OK) {
                        val_clear(&tmp);
                        rc = push_int(e, (int64_t)vals[q], &tmp);
                    }
                    val_clear(&tmp);
                }
                if (rc == ST_OK)
                    rc = ev_op(e, OP(BUILD_DICT), 3, NULL, -5);
            }
            if (rc == ST_OK)
                rc = ev_op(e, OP(BUILD_LIST), (int64_t)st->n_stats, NULL,
                           1 - (int)st->n_stats);
            heap_result(out, "list");
            break;
        }
        hc_free(st);
        return rc;
    }
    case G_GET_OBJECTS: {
        int64_t gen = -1;
        if (n && a[0].known != K_NULL && (rc = int_arg(e, a, n, 0, &gen)))
            return rc;
        if ((rc = pop_heap(e, a, n)) ||
            (rc = ev_op(e, OP(GC_GET_OBJECTS), gen, NULL, 1)))
            return rc;
        return heap_result(out, "list");
    }
    case G_GET_REFERRERS:
    case G_GET_REFERENTS:
        for (uint32_t k = 0; k < n; k++)
            if ((rc = ev_materialize(e, &a[k])))
                return rc;
        if ((rc = ev_op(e,
                        code == G_GET_REFERRERS ? OP(GC_GET_REFERRERS)
                                                : OP(GC_GET_REFERENTS),
                        n, NULL, 1 - (int)n)))
            return rc;
        return heap_result(out, "list");
    case G_IS_TRACKED:
    case G_IS_FINALIZED: {
        Heapd__ObjectInfo *oi;
        if ((rc = one_heap_arg(
                 e, code == G_IS_TRACKED ? "is_tracked" : "is_finalized", a,
                 n)) ||
            (rc = info_of(e, 0, 0, &oi)))
            return rc;
        bool b = code == G_IS_TRACKED ? oi->tracked : oi->finalized;
        hc_free(oi);
        if ((rc = ev_pop(e)))
            return rc;
        return push_bool(e, b, out);
    }
    }
    return ev_raise(e, "AttributeError", "module 'gc' has no such function");
}

static int malloc_blocks(ev_session *e, int64_t *out)
{
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_MALLOC;
    Heapd__Response *resp;
    int rc = ev_ask(e, &r, HEAPD__RESPONSE__RESULT_MALLOC, &resp);
    if (rc)
        return rc;
    int64_t blocks = (int64_t)resp->malloc->raw_blocks;
    for (size_t k = 0; k < resp->malloc->n_classes; k++)
        blocks += (int64_t)resp->malloc->classes[k]->blocks_in_use;
    hc_free(resp);
    *out = blocks;
    return ST_OK;
}

int bi_call(ev_session *e, val *callee, val *a, uint32_t npos, const char **kw,
            uint32_t nkw, val *out)
{
    int code = (int)callee->i;
    uint32_t n = npos + nkw;
    int rc;
    memset(out, 0, sizeof *out);
    if (callee->k == V_TYPE && callee->aux == 1) {
        /* an exception instance: KeyError('x') */
        memset(out, 0, sizeof *out);
        out->k = V_EXC;
        snprintf(out->tname, sizeof out->tname, "%s", callee->s);
        if (npos) {
            char *t;
            /* str(KeyError(k)) is repr(k) */
            bool repr = !strcmp(callee->s, "KeyError");
            if ((rc = text_of(e, &a[0], depth_of(a, n, 0), repr, &t)))
                return rc;
            out->s = t;
            out->slen = strlen(t);
        }
        return pop_heap(e, a, n);
    }
    if (code >= 400)
        return og_call(e, code, a, npos, kw, nkw, out);
    if (code == B_SORTED && nkw && npos == 1) {
        /* [x, kw...] -> a sorted copy of x under the keyword values */
        for (uint32_t k = 0; k < nkw; k++)
            if ((rc = ev_materialize(e, &a[1 + k])))
                return rc;
        if ((rc = ev_op(e, OP(PICK), nkw, NULL, 1)))
            return rc;
        val copy;
        memset(&copy, 0, sizeof copy); /* V_HEAP: the pick just made */
        if ((rc = list_from(e, &copy, 1, out)))
            return rc;
        /* [x, kw..., l] -> [x, l, kw...] */
        for (uint32_t k = 0; k < nkw; k++)
            if ((rc = ev_op(e, OP(PICK), nkw, NULL, 1)))
                return rc;
        for (uint32_t k = 0; k < nkw; k++)
            if ((rc = ev_op(e, OP(ROLL), nkw + 1, NULL, 0)) || (rc = ev_pop(e)))
                return rc;
        if ((rc = sort_with(e, a + 1, kw, nkw)))
            return rc;
        /* [x, l] -> [l] */
        if ((rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
            return rc;
        return heap_result(out, "list");
    }
    if (nkw == 1 && npos == 0 && !strcmp(kw[0], "generation") &&
        (code == G_COLLECT || code == G_GET_OBJECTS)) {
        npos = 1;
        nkw = 0;
    }
    if (nkw && code != B_PRINT && code != B_DICT)
        return ev_raise(e, "TypeError",
                        "heapctl: keyword arguments are not supported here");
    if (code >= G_COLLECT && code < S_GETREFCOUNT)
        return gc_call(e, code, a, n, out);
    Heapd__ObjectInfo *oi;
    switch (code) {
    case B_PRINT:
        return do_print(e, a, npos, kw, nkw, out);
    case B_LEN:
        if ((rc = one_heap_arg(e, "len", a, n)) || (rc = info_of(e, 0, 0, &oi)))
            return rc;
        if (oi->len < 0) {
            rc = ev_raise(e, "TypeError", "object of type '%s' has no len()",
                          oi->type);
            hc_free(oi);
            return rc;
        } else {
            int64_t len = oi->len;
            hc_free(oi);
            if ((rc = ev_pop(e)))
                return rc;
            return push_int(e, len, out);
        }
    case B_ID:
        if ((rc = one_heap_arg(e, "id", a, n)))
            return rc;
        if (!a[0].id && (rc = ev_learn(e, &a[0], 0)))
            return rc;
        if ((rc = ev_pop(e)))
            return rc;
        return push_int(e, (int64_t)a[0].id, out);
    case B_TYPE:
        if (n != 1)
            return ev_raise(e, "TypeError", "type() takes 1 or 3 arguments");
        return type_of(e, &a[0], out);
    case B_REPR:
    case B_STR: {
        if (code == B_STR && n == 0)
            return push_str(e, "", out);
        if (n != 1)
            return ev_raise(e, "TypeError",
                            "%s() takes exactly one argument (%u given)",
                            code == B_STR ? "str" : "repr", n);
        if (code == B_STR && a[0].k == V_HEAP && !a[0].tname[0] &&
            !a[0].known && (rc = ev_learn(e, &a[0], 0)))
            return rc;
        if (code == B_STR && a[0].k == V_HEAP && !strcmp(a[0].tname, "str")) {
            *out = a[0]; /* str(s) is s */
            memset(&a[0], 0, sizeof a[0]);
            return ST_OK;
        }
        char *t;
        if ((rc = text_of(e, &a[0], 0, code == B_REPR, &t)))
            return rc;
        if ((rc = pop_heap(e, a, n)) == ST_OK)
            rc = push_str(e, t, out);
        free(t);
        return rc;
    }
    case B_INT:
        return to_int(e, a, n, out);
    case B_FLOAT:
        return to_float(e, a, n, out);
    case B_BOOL: {
        bool b = false;
        if (n) {
            if ((rc = ev_materialize(e, &a[0])) || (rc = info_of(e, 0, 0, &oi)))
                return rc;
            b = oi->truth;
            hc_free(oi);
            if ((rc = ev_pop(e)))
                return rc;
        }
        return push_bool(e, b, out);
    }
    case B_LIST:
        return list_from(e, a, n, out);
    case B_TUPLE:
        return seq_from(e, a, n, OP(BUILD_TUPLE), "tuple", out);
    case B_SET:
        return seq_from(e, a, n, OP(BUILD_SET), "set", out);
    case B_DICT:
        return dict_from(e, a, npos, kw, nkw, out);
    case B_RANGE: {
        int64_t r[3] = {0, 0, 1};
        if (n < 1 || n > 3)
            return ev_raise(e, "TypeError",
                            "range expected at most 3 arguments, got %u", n);
        int64_t v[3];
        for (uint32_t k = 0; k < n; k++)
            if ((rc = int_arg(e, a, n, k, &v[k])))
                return rc;
        if ((rc = pop_heap(e, a, n)))
            return rc;
        r[0] = n == 1 ? 0 : v[0];
        r[1] = n == 1 ? v[0] : v[1];
        r[2] = n == 3 ? v[2] : 1;
        if (!r[2])
            return ev_raise(e, "ValueError", "range() arg 3 must not be zero");
        out->k = V_RANGE;
        memcpy(out->r, r, sizeof r);
        return ST_OK;
    }
    case B_ISINSTANCE: {
        if (n != 2 || a[1].k != V_TYPE)
            return ev_raise(e, "TypeError",
                            "heapctl: isinstance(x, T) with a built-in or "
                            "class name T");
        val t;
        if ((rc = type_of(e, &a[0], &t)))
            return rc;
        const char *want = a[1].s;
        bool r = !strcmp(t.s, want) ||
                 (!strcmp(want, "int") && !strcmp(t.s, "bool")) ||
                 !strcmp(want, "object");
        val_clear(&t);
        return push_bool(e, r, out);
    }
    case B_HEX:
    case B_ABS: {
        int64_t x = 0;
        if (n != 1)
            return nargs_error(e, code == B_HEX ? "hex" : "abs", 1, n);
        if (code == B_ABS && a[0].k == V_HEAP && !a[0].known &&
            (rc = ev_learn(e, &a[0], 0)))
            return rc;
        if (code == B_ABS && a[0].known == K_FLOAT) {
            val r = a[0];
            r.s = NULL;
            r.f = r.f < 0 ? -r.f : r.f;
            r.id = 0;
            if ((rc = pop_heap(e, a, n)))
                return rc;
            *out = r;
            return ev_push_float(e, r.f);
        }
        if ((rc = int_arg(e, a, n, 0, &x)) || (rc = pop_heap(e, a, n)))
            return rc;
        if (code == B_ABS)
            return push_int(e, x < 0 ? -x : x, out);
        char buf[40];
        if (x < 0)
            snprintf(buf, sizeof buf, "-0x%" PRIx64, (uint64_t)(-(x + 1)) + 1);
        else
            snprintf(buf, sizeof buf, "0x%" PRIx64, (uint64_t)x);
        return push_str(e, buf, out);
    }
    case B_MIN:
    case B_MAX:
    case B_SUM:
        if (n == 0)
            return ev_raise(e, "TypeError",
                            "expected at least 1 argument, got 0");
        return minmax_sum(e, code, a, n, out);
    case B_SORTED:
        return do_sorted(e, a, n, out);
    case B_ANY:
    case B_ALL: {
        if (n != 1)
            return nargs_error(e, code == B_ANY ? "any" : "all", 1, n);
        if ((rc = ev_materialize(e, &a[0])))
            return rc;
        Heapd__ObjectInfo *li;
        if ((rc = info_of(e, 0, HC_INSPECT_ITEMS, &li)))
            return rc;
        bool r = code == B_ALL;
        size_t cnt = li->n_items;
        if (!strcmp(li->type, "dict"))
            cnt /= 2;
        for (size_t k = 0; rc == ST_OK && k < cnt && r == (code == B_ALL);
             k++) {
            Heapd__ObjectInfo *io;
            uint64_t id = li->items[!strcmp(li->type, "dict") ? 2 * k : k];
            if ((rc = ev_inspect_id(e, id, 0, &io)) == ST_OK) {
                if (code == B_ANY ? io->truth : !io->truth)
                    r = code == B_ANY;
                hc_free(io);
            }
        }
        hc_free(li);
        if (rc || (rc = ev_pop(e)))
            return rc;
        return push_bool(e, r, out);
    }
    case B_GLOBALS:
        heap_result(out, "dict");
        return ev_op(e, OP(PUSH_GLOBALS), 0, NULL, 1);
    case S_GETREFCOUNT:
    case S_GETSIZEOF:
        if ((rc = one_heap_arg(
                 e, code == S_GETREFCOUNT ? "getrefcount" : "getsizeof", a,
                 n)) ||
            (rc = info_of(e, 0, 0, &oi)))
            return rc;
        else {
            int64_t v = code == S_GETREFCOUNT ? (int64_t)oi->refcount
                                              : (int64_t)oi->size;
            hc_free(oi);
            if ((rc = ev_pop(e)))
                return rc;
            return push_int(e, v, out);
        }
    case S_INTERN:
        if ((rc = one_heap_arg(e, "intern", a, n)))
            return rc;
        heap_result(out, "str");
        return ev_op(e, OP(INTERN), 0, NULL, 0);
    case S_GETALLOCATEDBLOCKS: {
        int64_t b;
        if ((rc = malloc_blocks(e, &b)))
            return rc;
        return push_int(e, b, out);
    }
    case W_REF:
        if (n < 1 || n > 2)
            return ev_raise(e, "TypeError", "ref expected 1 or 2 arguments");
        for (uint32_t k = 0; k < n; k++)
            if ((rc = ev_materialize(e, &a[k])))
                return rc;
        if (n == 1 && (rc = ev_op(e, OP(PUSH_NONE), 0, NULL, 1)))
            return rc;
        heap_result(out, "weakref.ReferenceType");
        return ev_op(e, OP(NEW_WEAKREF), 0, NULL, -1);
    case W_GETWEAKREFCOUNT:
        if ((rc = one_heap_arg(e, "getweakrefcount", a, n)) ||
            (rc = info_of(e, 0, 0, &oi)))
            return rc;
        else {
            int64_t v = oi->weakrefs;
            hc_free(oi);
            if ((rc = ev_pop(e)))
                return rc;
            return push_int(e, v, out);
        }
    }
    return ev_raise(e, "TypeError", "heapctl: '%s' cannot be called here",
                    callee->k == V_TYPE ? callee->s : "builtin");
}

int bi_module_attr(ev_session *e, int mod, const char *name, val *out)
{
    int c = 0;
    memset(out, 0, sizeof *out);
    switch (mod) {
    case MOD_GC:
        if (!strcmp(name, "garbage") || !strcmp(name, "callbacks")) {
            heap_result(out, "list");
            return ev_op(e,
                         !strcmp(name, "garbage") ? OP(PUSH_GARBAGE)
                                                  : OP(PUSH_CALLBACKS),
                         0, NULL, 1);
        }
        {
            static const named consts[] = {{"DEBUG_STATS", 1},
                                           {"DEBUG_COLLECTABLE", 2},
                                           {"DEBUG_UNCOLLECTABLE", 4},
                                           {"DEBUG_SAVEALL", 32},
                                           {"DEBUG_LEAK", 38}};
            int v = find(consts, N(consts), name);
            if (v)
                return push_int(e, v, out);
        }
        c = find(GC_FUNCS, N(GC_FUNCS), name);
        break;
    case MOD_SYS:
        c = find(SYS_FUNCS, N(SYS_FUNCS), name);
        break;
    case MOD_WEAKREF:
        c = find(WEAKREF_FUNCS, N(WEAKREF_FUNCS), name);
        break;
    case MOD_OBJGRAPH:
        c = og_lookup(name);
        break;
    default:
        break;
    }
    if (!c) {
        static const char *const mods[] = {"", "gc", "sys", "weakref",
                                           "objgraph"};
        return ev_raise(e, "AttributeError",
                        "module '%s' has no attribute '%s'", mods[mod], name);
    }
    out->k = V_BUILTIN;
    out->i = c;
    return ST_OK;
}

/* ---- methods of built-in types
 * ----------------------------------------------------- */

static int str_method(ev_session *e, val *recv, const char *name, val *a,
                      uint32_t n, val *out)
{
    int rc;
    uint32_t total = n + 1;
    (void)total;
    if (!strcmp(name, "join")) {
        if (n != 1)
            return nargs_error(e, "join", 1, n);
        char *sep;
        if ((rc = ev_materialize(e, &a[0])) ||
            (rc = text_of(e, recv, 1, false, &sep)))
            return rc;
        item *it;
        size_t cnt;
        if ((rc = items_of(e, 0, &it, &cnt))) {
            free(sep);
            return rc;
        }
        size_t len = 0, sl = strlen(sep);
        for (size_t k = 0; k < cnt; k++) {
            if (it[k].v.known != K_STR) {
                rc = ev_raise(
                    e, "TypeError",
                    "sequence item %zu: expected str instance, %s found", k,
                    it[k].v.tname);
                items_free(it, cnt);
                free(sep);
                return rc;
            }
            len += it[k].v.slen + sl;
        }
        char *buf = malloc(len + 1), *p = buf;
        for (size_t k = 0; k < cnt; k++) {
            if (k) {
                memcpy(p, sep, sl);
                p += sl;
            }
            memcpy(p, it[k].v.s, it[k].v.slen);
            p += it[k].v.slen;
        }
        *p = '\0';
        items_free(it, cnt);
        free(sep);
        if ((rc = ev_pop(e)) || (rc = ev_pop(e)) ||
            (rc = push_str(e, buf, out))) {
            free(buf);
            return rc;
        }
        free(buf);
        return ST_OK;
    }
    char *s;
    if ((rc = text_of(e, recv, nheap(a, n), false, &s)))
        return rc;
    char *res = NULL;
    if (!strcmp(name, "upper") || !strcmp(name, "lower")) {
        res = strdup(s);
        for (char *p = res; *p; p++)
            if (name[0] == 'u' ? (*p >= 'a' && *p <= 'z')
                               : (*p >= 'A' && *p <= 'Z'))
                *p ^= 0x20;
    } else if (!strcmp(name, "strip")) {
        char *b = s, *en = s + strlen(s);
        while (*b == ' ' || *b == '\n' || *b == '\t')
            b++;
        while (en > b && (en[-1] == ' ' || en[-1] == '\n' || en[-1] == '\t'))
            en--;
        res = strndup(b, (size_t)(en - b));
    } else if (!strcmp(name, "startswith") || !strcmp(name, "endswith")) {
        char *x;
        if (n != 1 || (rc = text_of(e, &a[0], 0, false, &x))) {
            free(s);
            return n != 1 ? nargs_error(e, name, 1, n) : rc;
        }
        size_t ls = strlen(s), lx = strlen(x);
        bool r = lx <= ls && !memcmp(name[0] == 's' ? s : s + ls - lx, x, lx);
        free(x);
        free(s);
        if ((rc = pop_heap(e, a, n)) || (rc = ev_pop(e)))
            return rc;
        return push_bool(e, r, out);
    } else if (!strcmp(name, "replace")) {
        char *x, *y;
        if (n != 2) {
            free(s);
            return nargs_error(e, name, 2, n);
        }
        if ((rc = text_of(e, &a[0], 1, false, &x)) ||
            (rc = text_of(e, &a[1], 0, false, &y))) {
            free(s);
            return rc;
        }
        size_t lx = strlen(x), ly = strlen(y), cap = strlen(s) * (ly + 1) + 1;
        res = malloc(cap + ly);
        char *p = res;
        for (const char *q = s; *q;) {
            if (lx && !strncmp(q, x, lx)) {
                memcpy(p, y, ly);
                p += ly;
                q += lx;
            } else {
                *p++ = *q++;
            }
        }
        *p = '\0';
        free(x);
        free(y);
    } else if (!strcmp(name, "split")) {
        char *x = NULL;
        if (n == 1 && (rc = text_of(e, &a[0], 0, false, &x))) {
            free(s);
            return rc;
        }
        if ((rc = pop_heap(e, a, n)) || (rc = ev_pop(e))) {
            free(s);
            free(x);
            return rc;
        }
        int64_t cnt = 0;
        char *p = s;
        while (*p) {
            if (!x) {
                while (*p == ' ' || *p == '\n' || *p == '\t')
                    p++;
                if (!*p)
                    break;
                char *b = p;
                while (*p && *p != ' ' && *p != '\n' && *p != '\t')
                    p++;
                char *w = strndup(b, (size_t)(p - b));
                val t;
                rc = push_str(e, w, &t);
                val_clear(&t);
                free(w);
            } else {
                char *hit = strstr(p, x);
                size_t l = hit ? (size_t)(hit - p) : strlen(p);
                char *w = strndup(p, l);
                val t;
                rc = push_str(e, w, &t);
                val_clear(&t);
                free(w);
                p += l;
                if (hit) {
                    p += strlen(x);
                    if (!*p) {
                        cnt++;
                        rc = rc ? rc : push_str(e, "", &t);
                        val_clear(&t);
                    }
                }
            }
            cnt++;
            if (rc)
                break;
        }
        free(s);
        free(x);
        if (rc)
            return rc;
        heap_result(out, "list");
        return ev_op(e, OP(BUILD_LIST), cnt, NULL, 1 - (int)cnt);
    } else {
        free(s);
        return ev_raise(e, "AttributeError",
                        "'str' object has no attribute '%s'", name);
    }
    free(s);
    if ((rc = pop_heap(e, a, n)) || (rc = ev_pop(e))) {
        free(res);
        return rc;
    }
    rc = push_str(e, res, out);
    free(res);
    return rc;
}

/* The position of the item equal to x (by value for numbers and strs,
 * else identity), or -1. */
static int64_t find_item(const item *it, size_t cnt, const val *x,
                         int64_t *count)
{
    int64_t first = -1;
    *count = 0;
    for (size_t k = 0; k < cnt; k++) {
        bool ok, eq;
        int c = cmp_vals(&it[k].v, x, &ok);
        eq = ok ? c == 0 : (x->id && it[k].id == x->id);
        if (eq) {
            if (first < 0)
                first = (int64_t)k;
            (*count)++;
        }
    }
    return first;
}

/* Writes ids into the list at depth 0, in order (l[k] = ids[k]). */
static int write_back(ev_session *e, const uint64_t *ids, size_t cnt)
{
    /* Every item is held on the stack first: storing l[k] releases the
     * item it replaces, which may be its last reference. */
    int rc = ST_OK;
    for (size_t k = 0; rc == ST_OK && k < cnt; k++) {
        lk_req q;
        memset(&q, 0, sizeof q);
        q.kind = LK_OP;
        q.code = OP(PUSH_ID);
        q.obj = ids[k];
        q.lineno = e->lineno;
        rc = ev_opx(e, &q, 1);
    }
    /* [l, i0 .. in-1]: l[k] = ik */
    for (size_t k = 0; rc == ST_OK && k < cnt; k++) {
        if ((rc = ev_op(e, OP(PICK), (int64_t)cnt, NULL, 1)) ||
            (rc = ev_op(e, OP(PUSH_INT), (int64_t)k, NULL, 1)) ||
            (rc = ev_op(e, OP(PICK), (int64_t)(cnt + 1 - k), NULL, 1)))
            break;
        rc = ev_op(e, OP(SETITEM), 0, NULL, -3);
    }
    for (size_t k = 0; rc == ST_OK && k < cnt; k++)
        rc = ev_pop(e);
    return rc;
}

static int sort_items(ev_session *e, item *it, size_t cnt)
{
    for (size_t k = 1; k < cnt; k++) {
        item x = it[k];
        size_t q = k;
        while (q > 0) {
            bool ok;
            int c = cmp_vals(&x.v, &it[q - 1].v, &ok);
            if (!ok) {
                it[k] = x;
                return ev_raise(
                    e, "TypeError",
                    "'<' not supported between instances of '%s' and '%s'",
                    x.v.tname, it[q - 1].v.tname);
            }
            if (c >= 0)
                break;
            it[q] = it[q - 1];
            q--;
        }
        it[q] = x;
    }
    return ST_OK;
}

/* [d, k, default] -> has k? (the three stay) */
static int dict_has(ev_session *e, bool *has)
{
    int rc;
    if ((rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
        (rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
        (rc = ev_op(e, OP(CONTAINS), 0, NULL, -1)))
        return rc;
    Heapd__ObjectInfo *oi;
    if ((rc = ev_inspect(e, 0, 0, &oi)))
        return rc;
    *has = oi->truth;
    hc_free(oi);
    return ev_pop(e);
}

/* A new list of a dict's keys, values or (key, value) tuples. */
static int dict_view_list(ev_session *e, int mode, val *out)
{
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, 0, 0, &oi);
    if (rc)
        return rc;
    int64_t len = oi->len;
    hc_free(oi);
    for (int64_t k = 0; k < len; k++) {
        lk_req r;
        memset(&r, 0, sizeof r);
        r.kind = LK_OP;
        r.code = OP(ITER_NEXT);
        r.i = k;
        r.j = k;
        r.k = len;
        r.flags = (uint32_t)mode;
        r.lineno = e->lineno;
        if ((rc = ev_opx(e, &r, mode == 2 ? 2 : 1)))
            return rc;
        if (mode == 2 && (rc = ev_op(e, OP(BUILD_TUPLE), 2, NULL, -1)))
            return rc;
    }
    if ((rc = ev_op(e, OP(BUILD_LIST), len, NULL, 1 - (int)len)) ||
        (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)))
        return rc;
    return heap_result(out, "list");
}

static int more_methods(ev_session *e, val *recv, const char *name, val *a,
                        uint32_t n, val *out, bool *done)
{
    const char *t = recv->tname;
    int rc;
    *done = true;
    if (!strcmp(t, "list") &&
        (!strcmp(name, "index") || !strcmp(name, "count") ||
         !strcmp(name, "remove"))) {
        if (n != 1)
            return nargs_error(e, name, 1, n);
        if ((rc = ev_materialize(e, &a[0])) ||
            (!a[0].known && (rc = ev_learn(e, &a[0], 0))))
            return rc;
        item *it;
        size_t cnt;
        if ((rc = items_of(e, 1, &it, &cnt)))
            return rc;
        int64_t count, at = find_item(it, cnt, &a[0], &count);
        items_free(it, cnt);
        if (!strcmp(name, "count")) {
            if ((rc = ev_pop(e)) || (rc = ev_pop(e)))
                return rc;
            return push_int(e, count, out);
        }
        if (at < 0) {
            if (!strcmp(name, "remove"))
                return ev_raise(e, "ValueError",
                                "list.remove(x): x not in list");
            char *r;
            if ((rc = text_of(e, &a[0], 0, true, &r)))
                return rc;
            rc = ev_raise(e, "ValueError", "%s is not in list", r);
            free(r);
            return rc;
        }
        if (!strcmp(name, "index")) {
            if ((rc = ev_pop(e)) || (rc = ev_pop(e)))
                return rc;
            return push_int(e, at, out);
        }
        if ((rc = ev_pop(e)) || (rc = ev_op(e, OP(PUSH_INT), at, NULL, 1)) ||
            (rc = ev_op(e, OP(DELITEM), 0, NULL, -2)))
            return rc;
        return void_result(out);
    }
    if (!strcmp(t, "list") &&
        (!strcmp(name, "reverse") || !strcmp(name, "sort"))) {
        if (n)
            return ev_raise(e, "TypeError",
                            "heapctl: %s() takes no arguments here", name);
        if ((rc = list_reorder(e, name[0] == 's', name[0] == 'r')) ||
            (rc = ev_pop(e)))
            return rc;
        return void_result(out);
    }
    if (!strcmp(t, "dict")) {
        if (!strcmp(name, "keys") || !strcmp(name, "values") ||
            !strcmp(name, "items")) {
            if (n)
                return nargs_error(e, name, 0, n);
            return dict_view_list(e,
                                  name[0] == 'k'   ? 0
                                  : name[0] == 'v' ? 1
                                                   : 2,
                                  out);
        }
        if ((!strcmp(name, "pop") && n == 2) || !strcmp(name, "setdefault")) {
            if (n < 1 || n > 2)
                return nargs_error(e, name, 2, n);
            if (n == 1) {
                if ((rc = ev_op(e, OP(PUSH_NONE), 0, NULL, 1)))
                    return rc;
            } else if ((rc = ev_materialize(e, &a[1]))) {
                return rc;
            }
            bool has;
            if ((rc = dict_has(e, &has)))
                return rc;
            if (has) {
                /* [d, k, default] -> [d[k]] (popped for pop) */
                if ((rc = ev_pop(e)) ||
                    (rc = ev_op(e, name[0] == 'p' ? OP(DICT_POP) : OP(GETITEM),
                                0, NULL, -1)))
                    return rc;
                return heap_result(out, NULL);
            }
            if (name[0] == 's' && ((rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
                                   (rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
                                   (rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
                                   (rc = ev_op(e, OP(SETITEM), 0, NULL, -3))))
                return rc;
            if (name[0] == 'p' && n == 1)
                return ev_raise(e, "KeyError", "heapctl: missing key");
            if ((rc = ev_op(e, OP(SINK), 2, NULL, 0)) || (rc = ev_pop(e)) ||
                (rc = ev_pop(e)))
                return rc;
            return heap_result(out, NULL);
        }
        if (!strcmp(name, "update") && n == 1) {
            /* [d, o]: d[k] = v for each item of the dict o */
            if ((rc = ev_materialize(e, &a[0])))
                return rc;
            Heapd__ObjectInfo *oi;
            if ((rc = ev_inspect(e, 0, 0, &oi)))
                return rc;
            int64_t len = oi->len;
            bool isdict = !strcmp(oi->type, "dict");
            hc_free(oi);
            if (!isdict)
                return ev_raise(e, "TypeError",
                                "heapctl: dict.update() takes a dict here");
            for (int64_t k = 0; k < len; k++) {
                lk_req r;
                memset(&r, 0, sizeof r);
                r.kind = LK_OP;
                r.code = OP(ITER_NEXT);
                r.i = k;
                r.j = 1;
                r.k = len;
                r.flags = 2;
                r.lineno = e->lineno;
                if ((rc = ev_op(e, OP(PICK), 1, NULL, 1)) ||
                    (rc = ev_opx(e, &r, 2)) ||
                    (rc = ev_op(e, OP(SETITEM), 0, NULL, -3)))
                    return rc;
            }
            if ((rc = ev_pop(e)) || (rc = ev_pop(e)))
                return rc;
            return void_result(out);
        }
    }
    if (!strcmp(t, "set") && !strcmp(name, "remove") && n == 1) {
        if ((rc = ev_materialize(e, &a[0])) ||
            (rc = ev_op(e, OP(PICK), 1, NULL, 1)) ||
            (rc = ev_op(e, OP(PICK), 1, NULL, 1)) ||
            (rc = ev_op(e, OP(CONTAINS), 0, NULL, -1)))
            return rc;
        Heapd__ObjectInfo *oi;
        if ((rc = ev_inspect(e, 0, 0, &oi)))
            return rc;
        bool has = oi->truth;
        hc_free(oi);
        if ((rc = ev_pop(e)))
            return rc;
        if (!has) {
            char *r;
            if ((rc = text_of(e, &a[0], 0, true, &r)))
                return rc;
            rc = ev_raise(e, "KeyError", "%s", r);
            free(r);
            return rc;
        }
        if ((rc = ev_op(e, OP(SET_DISCARD), 0, NULL, -2)))
            return rc;
        return void_result(out);
    }
    *done = false;
    return ST_OK;
}

int bi_method(ev_session *e, val *recv, const char *name, val *a, uint32_t npos,
              const char **kw, uint32_t nkw, val *out)
{
    uint32_t n = npos + nkw;
    int rc;
    memset(out, 0, sizeof *out);
    if (nkw && npos == 0 && !strcmp(name, "update") &&
        !strcmp(recv->tname, "dict")) {
        /* [d, v0 .. vn-1]: d[k_i] = v_i */
        for (uint32_t k = 0; k < nkw; k++)
            if ((rc = ev_materialize(e, &a[k])))
                return rc;
        for (uint32_t k = 0; k < nkw; k++)
            if ((rc = ev_op(e, OP(PICK), nkw, NULL, 1)) ||
                (rc = ev_op(e, OP(PUSH_STR), 0, kw[k], 1)) ||
                (rc = ev_op(e, OP(PICK), (nkw - 1 - k) + 2, NULL, 1)) ||
                (rc = ev_op(e, OP(SETITEM), 0, NULL, -3)))
                return rc;
        for (uint32_t k = 0; k <= nkw; k++)
            if ((rc = ev_pop(e)))
                return rc;
        return void_result(out);
    }
    if (nkw && npos == 0 && !strcmp(name, "sort") &&
        !strcmp(recv->tname, "list")) {
        if ((rc = sort_with(e, a, kw, nkw)) || (rc = ev_pop(e)))
            return rc;
        return void_result(out);
    }
    if (nkw)
        return ev_raise(e, "TypeError",
                        "heapctl: keyword arguments are not supported here");
    const char *t = recv->tname;
    if (!strcmp(t, "str"))
        return str_method(e, recv, name, a, n, out);
    if (!strcmp(t, "list")) {
        if (!strcmp(name, "append") || !strcmp(name, "extend")) {
            if (n != 1)
                return nargs_error(e, name, 1, n);
            if ((rc = ev_op(e,
                            name[0] == 'a' ? OP(LIST_APPEND) : OP(LIST_EXTEND),
                            0, NULL, -2)))
                return rc;
            return void_result(out);
        }
        if (!strcmp(name, "insert")) {
            int64_t i = 0;
            if (n != 2)
                return ev_raise(e, "TypeError",
                                "insert expected 2 arguments, got %u", n);
            if ((rc = int_arg(e, a, n, 0, &i)) ||
                (rc = ev_op(e, OP(ROLL), 1, NULL, 0)) || (rc = ev_pop(e)) ||
                (rc = ev_op(e, OP(LIST_INSERT), i, NULL, -2)))
                return rc;
            return void_result(out);
        }
        if (!strcmp(name, "pop")) {
            int64_t i = -1;
            if (n > 1)
                return ev_raise(e, "TypeError",
                                "pop expected at most 1 argument, got %u", n);
            if (n && ((rc = int_arg(e, a, n, 0, &i)) || (rc = ev_pop(e))))
                return rc;
            heap_result(out, NULL);
            return ev_op(e, OP(LIST_POP), i, NULL, 0);
        }
    }
    if (!strcmp(t, "list") || !strcmp(t, "dict") || !strcmp(t, "set")) {
        if (!strcmp(name, "clear")) {
            if ((rc = ev_op(e, OP(CLEAR), 0, NULL, -1)))
                return rc;
            return void_result(out);
        }
    }
    if (!strcmp(t, "set")) {
        if (!strcmp(name, "add") || !strcmp(name, "discard")) {
            if (n != 1)
                return nargs_error(e, name, 1, n);
            if ((rc = ev_op(e, name[0] == 'a' ? OP(SET_ADD) : OP(SET_DISCARD),
                            0, NULL, -2)))
                return rc;
            return void_result(out);
        }
    }
    if (!strcmp(t, "dict")) {
        if (!strcmp(name, "pop") && n == 1) {
            heap_result(out, NULL);
            return ev_op(e, OP(DICT_POP), 0, NULL, -1);
        }
        if (!strcmp(name, "get") && (n == 1 || n == 2)) {
            /* [d, k(, default)] */
            if (n == 1) {
                if ((rc = ev_op(e, OP(PUSH_NONE), 0, NULL, 1)))
                    return rc;
            } else if ((rc = ev_materialize(e, &a[1]))) {
                return rc;
            }
            val b;
            if ((rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
                (rc = ev_op(e, OP(PICK), 2, NULL, 1)) ||
                (rc = ev_op(e, OP(CONTAINS), 0, NULL, -1)))
                return rc;
            Heapd__ObjectInfo *oi;
            if ((rc = ev_inspect(e, 0, 0, &oi)))
                return rc;
            bool has = oi->truth;
            hc_free(oi);
            (void)b;
            if ((rc = ev_pop(e)))
                return rc;
            if (has) {
                if ((rc = ev_pop(e)) ||
                    (rc = ev_op(e, OP(GETITEM), 0, NULL, -1)))
                    return rc;
            } else {
                /* [d, k, default] -> [default] */
                if ((rc = ev_op(e, OP(SINK), 2, NULL, 0)) || (rc = ev_pop(e)) ||
                    (rc = ev_pop(e)))
                    return rc;
            }
            return heap_result(out, NULL);
        }
    }
    bool done = false;
    rc = more_methods(e, recv, name, a, n, out, &done);
    if (done || rc)
        return rc;
    return ev_raise(e, "AttributeError", "'%s' object has no attribute '%s'", t,
                    name);
}
