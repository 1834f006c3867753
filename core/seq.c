/*
 * seq.c: the sequence protocol for callers that compile Python: one step of
 * a for loop (FOR_ITER over a list, tuple, str, bytes, dict view or set),
 * and sequence concatenation and repetition (BINARY_OP + and * on str,
 * bytes, tuple, list).  Sizes of the results are CPython's: a concatenated
 * or repeated list has exactly its length as capacity.
 */
#include <string.h>

#include "dictset.h"
#include "internal.h"

/* ---- for-loop steps
 * ----------------------------------------------------------- */

/* The live entry of ordinal index i (0-based) of a dict, by insertion
 * order.  O(1) while the dict has no deleted entries, else a scan. */
static const hp_dentry *dict_nth(const hp_dict *d, uint64_t i)
{
    const hp_dentry *ents = hp__dict_entries(d);
    if (d->nentries == d->gc.n)
        return i < d->nentries ? &ents[i] : NULL;
    for (uint32_t p = 0; p < d->nentries; p++)
        if (ents[p].key && i-- == 0)
            return &ents[p];
    return NULL;
}

static hp_obj *set_nth(const hp_set *s, uint64_t i)
{
    uint64_t pos = 0;
    hp_obj *k;
    while (hp__set_next(s, &pos, &k))
        if (i-- == 0)
            return k;
    return NULL;
}

static int stop(hp_heap *h)
{
    return hp__error(h, HP_E_STOP, "%s", "");
}

static int push_pair(hp_heap *h, hp_obj *a, hp_obj *b)
{
    HP_TRY(hp__push_new(h, hp__incref(a)));
    int rc = hp__push_new(h, hp__incref(b));
    if (rc < 0)
        hp__decref(h, hp__pop(h));
    return rc;
}

int hp_iter_next(hp_heap *h, uint32_t depth, uint64_t index, hp_iter_mode mode,
                 int64_t expect_len)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, depth + 1));
    hp_obj *c = hp_peek(h, depth), *r = NULL;
    switch ((hp_type)c->type) {
    case HP_T_LIST:
    case HP_T_TUPLE:
        r = hp_seq_item(c, index);
        if (!r)
            return stop(h);
        hp__incref(r);
        break;
    case HP_T_STR:
    case HP_T_BYTES: {
        const hp_str *s = (const hp_str *)c;
        if (index >= s->len)
            return stop(h);
        if (c->type == HP_T_BYTES) {
            r = hp__new_int(h, (unsigned char)s->data[index]);
        } else {
            size_t a = 0;
            const unsigned char *p = (const unsigned char *)s->data;
            for (uint64_t k = 0; k < index; k++) /* UTF-8 lead bytes */
                do
                    a++;
                while ((p[a] & 0xC0) == 0x80);
            size_t b = a + 1;
            while (b < s->nbytes && (p[b] & 0xC0) == 0x80)
                b++;
            r = hp__new_str(h, s->data + a, b - a);
        }
        if (!r)
            return h->errcode;
        break;
    }
    case HP_T_DICT: {
        const hp_dict *d = (const hp_dict *)c;
        if (expect_len >= 0 && (uint64_t)expect_len != d->gc.n)
            return hp__error(h, HP_E_RUNTIME,
                             "dictionary changed size during iteration");
        const hp_dentry *e = dict_nth(d, index);
        if (!e)
            return stop(h);
        if (mode == HP_ITER_ITEMS)
            return hp__op_end(h, push_pair(h, e->key, e->value));
        r = hp__incref(mode == HP_ITER_VALUES ? e->value : e->key);
        break;
    }
    case HP_T_SET:
    case HP_T_FROZENSET: {
        const hp_set *s = (const hp_set *)c;
        if (expect_len >= 0 && (uint64_t)expect_len != s->gc.n)
            return hp__error(h, HP_E_RUNTIME,
                             "Set changed size during iteration");
        r = set_nth(s, index);
        if (!r)
            return stop(h);
        hp__incref(r);
        break;
    }
    default:
        return hp__error(h, HP_E_TYPE, "'%s' object is not iterable",
                         hp_type_name(c));
    }
    return hp__op_end(h, hp__push_new(h, r));
}

/* ---- + and * on sequences
 * ---------------------------------------------------------- */

static bool is_seq(const hp_obj *o)
{
    return o->type == HP_T_LIST || o->type == HP_T_TUPLE ||
           o->type == HP_T_STR || o->type == HP_T_BYTES;
}

static hp_obj *const *items_of(hp_obj *o)
{
    return o->type == HP_T_LIST ? hp__list_items((hp_list *)o)
                                : ((hp_tuple *)o)->items;
}

/* A new list or tuple of n items: the items of a repeated to fill it. */
static hp_obj *seq_fill(hp_heap *h, hp_type t, hp_obj *const *src,
                        uint64_t nsrc, hp_obj *const *src2, uint64_t nsrc2,
                        uint64_t times)
{
    uint64_t n = (nsrc + nsrc2) * times;
    if (n > UINT32_MAX / 2) {
        hp__error(h, HP_E_NOMEM, "%s", "");
        return NULL;
    }
    hp_obj *r = t == HP_T_LIST ? hp__new_list(h, (uint32_t)n)
                               : hp__new_tuple(h, (uint32_t)n);
    if (!r)
        return NULL;
    hp_obj **dst = (hp_obj **)items_of(r);
    uint64_t k = 0;
    for (uint64_t rep = 0; rep < times; rep++) {
        for (uint64_t i = 0; i < nsrc; i++)
            dst[k++] = hp__incref(src[i]);
        for (uint64_t i = 0; i < nsrc2; i++)
            dst[k++] = hp__incref(src2[i]);
    }
    if (t == HP_T_LIST || n)
        hp__track(h, r);
    return r;
}

static hp_obj *str_fill(hp_heap *h, hp_type t, const hp_str *a, const hp_str *b,
                        uint64_t times)
{
    uint64_t each = (uint64_t)a->nbytes + (b ? b->nbytes : 0), n = each * times;
    if (n > (uint64_t)INT32_MAX) {
        hp__error(h, HP_E_OVERFLOW, "repeated string is too long");
        return NULL;
    }
    char *buf = hp__alloc_data(h->alloc, n + 1);
    if (!buf) {
        hp__error(h, HP_E_NOMEM, "%s", "");
        return NULL;
    }
    size_t k = 0;
    for (uint64_t rep = 0; rep < times; rep++) {
        memcpy(buf + k, a->data, a->nbytes);
        k += a->nbytes;
        if (b) {
            memcpy(buf + k, b->data, b->nbytes);
            k += b->nbytes;
        }
    }
    hp_obj *r =
        t == HP_T_STR ? hp__new_str(h, buf, n) : hp__new_bytes(h, buf, n);
    hp__free_data(h->alloc, buf);
    return r;
}

static int operand_error(hp_heap *h, const char *sym, const hp_obj *a,
                         const hp_obj *b)
{
    return hp__error(h, HP_E_TYPE,
                     "unsupported operand type(s) for %s: '%s' and '%s'", sym,
                     hp_type_name(a), hp_type_name(b));
}

static int concat(hp_heap *h, hp_obj *a, hp_obj *b, hp_obj **out)
{
    if (!is_seq(a))
        return operand_error(h, "+", a, b);
    if (a->type != b->type) {
        if (a->type == HP_T_STR)
            return hp__error(h, HP_E_TYPE,
                             "can only concatenate str (not \"%s\") to str",
                             hp_type_name(b));
        if (a->type == HP_T_BYTES)
            return hp__error(h, HP_E_TYPE, "can't concat %s to bytes",
                             hp_type_name(b));
        return hp__error(h, HP_E_TYPE,
                         "can only concatenate %s (not \"%s\") to %s",
                         hp_type_name(a), hp_type_name(b), hp_type_name(a));
    }
    if (a->type == HP_T_STR || a->type == HP_T_BYTES)
        *out = str_fill(h, (hp_type)a->type, (const hp_str *)a,
                        (const hp_str *)b, 1);
    else
        *out = seq_fill(h, (hp_type)a->type, items_of(a), ((hp_gc *)a)->n,
                        items_of(b), ((hp_gc *)b)->n, 1);
    return *out ? 0 : h->errcode;
}

static int repeat(hp_heap *h, hp_obj *a, hp_obj *b, hp_obj **out)
{
    hp_obj *seq = is_seq(a) ? a : b, *cnt = seq == a ? b : a;
    if (!is_seq(seq) || (cnt->type != HP_T_INT && cnt->type != HP_T_BOOL)) {
        if (is_seq(seq))
            return hp__error(h, HP_E_TYPE,
                             "can't multiply sequence by non-int of type '%s'",
                             hp_type_name(cnt));
        return operand_error(h, "*", a, b);
    }
    int64_t times = ((hp_int *)cnt)->v;
    if (times < 0)
        times = 0;
    if (seq->type == HP_T_STR || seq->type == HP_T_BYTES)
        *out = str_fill(h, (hp_type)seq->type, (const hp_str *)seq, NULL,
                        (uint64_t)times);
    else
        *out = seq_fill(h, (hp_type)seq->type, items_of(seq), ((hp_gc *)seq)->n,
                        NULL, 0, (uint64_t)times);
    return *out ? 0 : h->errcode;
}

int hp_seq_binary(hp_heap *h, int op)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *a = hp_peek(h, 1), *b = hp_peek(h, 0), *r = NULL;
    if (op == '+')
        HP_TRY(concat(h, a, b, &r));
    else if (op == '*')
        HP_TRY(repeat(h, a, b, &r));
    else
        return hp__error(h, HP_E_ARG, "unknown sequence operator %d", op);
    hp__decref(h, hp__pop(h));
    hp__decref(h, hp__pop(h));
    return hp__op_end(h, hp__push_new(h, r));
}
