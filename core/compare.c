/*
 * compare.c: rich comparison (==, !=, <, <=, >, >=) and membership (`in`)
 * with CPython's results and error messages, for the compiler's COMPARE_OP
 * and CONTAINS_OP on objects whose values the caller does not hold.
 * Equality is hp__eq's (identity first inside containers, as
 * PyObject_RichCompareBool); ordering follows the types' tp_richcompare:
 * numbers by value, str and bytes by code point / byte, tuples and lists
 * lexicographically, sets by inclusion.
 */
#include <string.h>

#include "dictset.h"
#include "internal.h"

#define COMPARE_DEPTH_LIMIT 1000

static const char *const op_symbol[] = {"==", "!=", "<", "<=", ">", ">="};

static bool is_number(const hp_obj *o)
{
    return o->type == HP_T_INT || o->type == HP_T_BOOL || o->type == HP_T_FLOAT;
}

/* -1, 0, 1, or 2 for "unordered" (a NaN is involved). */
static int number_order(const hp_obj *a, const hp_obj *b)
{
    if (a->type != HP_T_FLOAT && b->type != HP_T_FLOAT) {
        int64_t x = ((const hp_int *)a)->v, y = ((const hp_int *)b)->v;
        return x < y ? -1 : x > y;
    }
    /* long double holds every int64 exactly on the platforms we build for */
    long double x = a->type == HP_T_FLOAT ? ((const hp_float *)a)->v
                                          : (long double)((const hp_int *)a)->v;
    long double y = b->type == HP_T_FLOAT ? ((const hp_float *)b)->v
                                          : (long double)((const hp_int *)b)->v;
    if (x != x || y != y)
        return 2;
    return x < y ? -1 : x > y;
}

static bool order_holds(int cmp, hp_cmp op)
{
    if (cmp == 2)
        return op == HP_CMP_NE;
    switch (op) {
    case HP_CMP_EQ:
        return cmp == 0;
    case HP_CMP_NE:
        return cmp != 0;
    case HP_CMP_LT:
        return cmp < 0;
    case HP_CMP_LE:
        return cmp <= 0;
    case HP_CMP_GT:
        return cmp > 0;
    default:
        return cmp >= 0;
    }
}

static int unsupported(hp_heap *h, hp_cmp op, const hp_obj *a, const hp_obj *b)
{
    return hp__error(h, HP_E_TYPE,
                     "'%s' not supported between instances of '%s' and '%s'",
                     op_symbol[op], hp_type_name(a), hp_type_name(b));
}

/* Is every element of a in b? */
static int set_subset(hp_heap *h, hp_set *a, hp_set *b, bool *out)
{
    uint64_t pos = 0;
    hp_obj *k;
    *out = true;
    if (a->gc.n > b->gc.n) {
        *out = false;
        return 0;
    }
    while (hp__set_next(a, &pos, &k)) {
        bool found;
        HP_TRY(hp__set_contains(h, b, k, &found));
        if (!found) {
            *out = false;
            break;
        }
    }
    return 0;
}

static int compare_depth(hp_heap *h, hp_obj *a, hp_obj *b, hp_cmp op, int depth,
                         bool *out);

/* Lexicographic order of two item arrays, as list_richcompare. */
static int seq_compare(hp_heap *h, hp_obj *const *x, uint32_t nx,
                       hp_obj *const *y, uint32_t ny, hp_cmp op, int depth,
                       bool *out)
{
    uint32_t i = 0;
    while (i < nx && i < ny && (x[i] == y[i] || hp__eq(x[i], y[i])))
        i++;
    if (i >= nx || i >= ny) {
        int cmp = nx < ny ? -1 : nx > ny;
        *out = order_holds(cmp, op);
        return 0;
    }
    if (op == HP_CMP_EQ || op == HP_CMP_NE) {
        *out = op == HP_CMP_NE;
        return 0;
    }
    return compare_depth(h, x[i], y[i], op, depth + 1, out);
}

static hp_obj *const *seq_items(hp_obj *o, uint32_t *n)
{
    *n = ((hp_gc *)o)->n;
    return o->type == HP_T_LIST ? hp__list_items((hp_list *)o)
                                : ((hp_tuple *)o)->items;
}

static int compare_depth(hp_heap *h, hp_obj *a, hp_obj *b, hp_cmp op, int depth,
                         bool *out)
{
    if (depth > COMPARE_DEPTH_LIMIT)
        return hp__error(h, HP_E_RUNTIME,
                         "maximum recursion depth exceeded in comparison");
    if (op == HP_CMP_EQ || op == HP_CMP_NE) {
        *out = (op == HP_CMP_EQ) == hp__eq(a, b);
        return 0;
    }
    if (is_number(a) && is_number(b)) {
        *out = order_holds(number_order(a, b), op);
        return 0;
    }
    if (a->type != b->type) {
        bool sets = (a->type == HP_T_SET || a->type == HP_T_FROZENSET) &&
                    (b->type == HP_T_SET || b->type == HP_T_FROZENSET);
        if (!sets)
            return unsupported(h, op, a, b);
    }
    switch ((hp_type)a->type) {
    case HP_T_STR:
    case HP_T_BYTES: {
        const hp_str *x = (const hp_str *)a, *y = (const hp_str *)b;
        size_t n = x->nbytes < y->nbytes ? x->nbytes : y->nbytes;
        int c = memcmp(x->data, y->data, n);
        int cmp = c ? (c < 0 ? -1 : 1)
                    : (x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes);
        *out = order_holds(cmp, op);
        return 0;
    }
    case HP_T_LIST:
    case HP_T_TUPLE: {
        uint32_t nx, ny;
        hp_obj *const *x = seq_items(a, &nx), *const *y = seq_items(b, &ny);
        return seq_compare(h, x, nx, y, ny, op, depth, out);
    }
    case HP_T_SET:
    case HP_T_FROZENSET: {
        hp_set *x = (hp_set *)a, *y = (hp_set *)b;
        bool sub;
        if (op == HP_CMP_LT || op == HP_CMP_LE) {
            HP_TRY(set_subset(h, x, y, &sub));
            *out = sub && (op == HP_CMP_LE || x->gc.n < y->gc.n);
        } else {
            HP_TRY(set_subset(h, y, x, &sub));
            *out = sub && (op == HP_CMP_GE || x->gc.n > y->gc.n);
        }
        return 0;
    }
    default:
        return unsupported(h, op, a, b);
    }
}

int hp_compare(hp_heap *h, hp_cmp op)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    if ((unsigned)op > HP_CMP_GE)
        return hp__error(h, HP_E_ARG, "unknown comparison %d", (int)op);
    bool r;
    HP_TRY(compare_depth(h, hp_peek(h, 1), hp_peek(h, 0), op, 0, &r));
    hp__decref(h, hp__pop(h));
    hp__decref(h, hp__pop(h));
    return hp__op_end(h, hp__push_new(h, hp__bool(h, r)));
}

/* str in str, bytes/int in bytes: PyUnicode_Contains, bytes_contains. */
static int string_contains(hp_heap *h, const hp_str *s, const hp_obj *x,
                           bool *out)
{
    if (s->ob.type == HP_T_BYTES &&
        (x->type == HP_T_INT || x->type == HP_T_BOOL)) {
        int64_t v = ((const hp_int *)x)->v;
        if (v < 0 || v > 255)
            return hp__error(h, HP_E_VALUE, "byte must be in range(0, 256)");
        *out = memchr(s->data, (int)v, s->nbytes) != NULL;
        return 0;
    }
    if (x->type != s->ob.type) {
        if (s->ob.type == HP_T_STR)
            return hp__error(h, HP_E_TYPE,
                             "'in <string>' requires string as left operand, "
                             "not %s",
                             hp_type_name(x));
        return hp__error(h, HP_E_TYPE,
                         "a bytes-like object is required, not '%s'",
                         hp_type_name(x));
    }
    const hp_str *n = (const hp_str *)x;
    *out = n->nbytes == 0;
    for (size_t i = 0; !*out && i + n->nbytes <= s->nbytes; i++)
        *out = memcmp(s->data + i, n->data, n->nbytes) == 0;
    return 0;
}

int hp_contains(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *c = hp_peek(h, 1), *x = hp_peek(h, 0);
    bool r = false;
    switch ((hp_type)c->type) {
    case HP_T_LIST:
    case HP_T_TUPLE: {
        uint32_t n;
        hp_obj *const *it = seq_items(c, &n);
        for (uint32_t i = 0; i < n && !r; i++)
            r = it[i] == x || hp__eq(it[i], x);
        break;
    }
    case HP_T_DICT: {
        int err = 0;
        r = hp__dict_get(h, (hp_dict *)c, x, &err) != NULL;
        if (err < 0)
            return err;
        break;
    }
    case HP_T_SET:
    case HP_T_FROZENSET:
        HP_TRY(hp__set_contains(h, (hp_set *)c, x, &r));
        break;
    case HP_T_STR:
    case HP_T_BYTES:
        HP_TRY(string_contains(h, (const hp_str *)c, x, &r));
        break;
    default:
        return hp__error(h, HP_E_TYPE, "argument of type '%s' is not iterable",
                         hp_type_name(c));
    }
    hp__decref(h, hp__pop(h));
    hp__decref(h, hp__pop(h));
    return hp__op_end(h, hp__push_new(h, hp__bool(h, r)));
}
