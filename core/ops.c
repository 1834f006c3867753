/*
 * ops.c: the operations a caller runs on a heap's value stack: building
 * objects of every type, subscripts, attributes, container methods,
 * weak references, and reading objects back.  Errors carry CPython's
 * exception type and wording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dictset.h"
#include "internal.h"

/* ---- lists: CPython's list_resize ------------------------------------------ */

/* Sets the allocated size of l to nalloc, keeping its first n items. */
static int list_realloc(hp_heap *h, hp_list *l, uint32_t nalloc)
{
    hp_obj **old = hp__list_items(l);
    uint32_t n = l->gc.n;
    if ((nalloc <= 1) == (l->alloc <= 1)) {
        if (nalloc > 1) {
            hp_obj **p = hp__realloc_data(h->alloc, l->items,
                                          (size_t)nalloc * sizeof(hp_obj *));
            if (!p)
                return hp__error(h, HP_E_NOMEM, "out of memory");
            l->items = p;
        }
        l->alloc = nalloc;
        return 0;
    }
    if (nalloc > 1) { /* inline -> block */
        hp_obj **p = hp__alloc_data(h->alloc, (size_t)nalloc * sizeof(hp_obj *));
        if (!p)
            return hp__error(h, HP_E_NOMEM, "out of memory");
        if (n)
            p[0] = old[0];
        l->items = p;
    } else { /* block -> inline */
        hp_obj *first = n ? old[0] : NULL;
        hp__free_data(h->alloc, old);
        l->items = (hp_obj **)first;
    }
    l->alloc = nalloc;
    return 0;
}

static int list_resize(hp_heap *h, hp_list *l, uint64_t newsize)
{
    if (l->alloc >= newsize && newsize >= (l->alloc >> 1)) {
        l->gc.n = (uint32_t)newsize;
        return 0;
    }
    uint64_t nalloc = (newsize + (newsize >> 3) + 6) & ~(uint64_t)3;
    if ((int64_t)newsize - (int64_t)l->gc.n > (int64_t)(nalloc - newsize))
        nalloc = (newsize + 3) & ~(uint64_t)3;
    if (newsize == 0)
        nalloc = 0;
    if (nalloc > UINT32_MAX / 2)
        return hp__error(h, HP_E_NOMEM, "list too large");
    HP_TRY(list_realloc(h, l, (uint32_t)nalloc));
    l->gc.n = (uint32_t)newsize;
    return 0;
}

int hp__list_append(hp_heap *h, hp_list *l, hp_obj *o)
{
    uint32_t n = l->gc.n;
    if (n < l->alloc) /* room left: list_extend stores without resizing */
        l->gc.n = n + 1;
    else
        HP_TRY(list_resize(h, l, (uint64_t)n + 1));
    hp__list_items(l)[n] = hp__incref(o);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

static hp_obj *pop1(hp_heap *h)
{
    return hp__pop(h);
}

/* Releases the n topmost stack items. */
static void drop(hp_heap *h, uint32_t n)
{
    while (n--)
        hp__decref(h, hp__pop(h));
}

static int finish(hp_heap *h, int rc, uint32_t ndrop)
{
    drop(h, ndrop);
    return hp__op_end(h, rc);
}

static int index_of(hp_heap *h, hp_obj *k, int64_t *out, const char *tname)
{
    if (k->type == HP_T_INT || k->type == HP_T_BOOL) {
        *out = ((hp_int *)k)->v;
        return 0;
    }
    return hp__error(h, HP_E_TYPE, "%s indices must be integers or slices, not %s",
                     tname, hp_type_name(k));
}

static bool norm_index(int64_t *i, uint64_t n)
{
    if (*i < 0)
        *i += (int64_t)n;
    return *i >= 0 && (uint64_t)*i < n;
}

/* Byte offset of code point i in a UTF-8 str. */
static size_t utf8_offset(const hp_str *s, uint64_t i)
{
    if (s->ob.aux <= 1)
        return i;
    size_t off = 0;
    while (i--) {
        off++;
        while (off < s->nbytes && ((unsigned char)s->data[off] & 0xc0) == 0x80)
            off++;
    }
    return off;
}

static hp_obj *str_char(hp_heap *h, const hp_str *s, uint64_t i)
{
    size_t a = utf8_offset(s, i), b = utf8_offset(s, i + 1);
    return hp__new_str(h, s->data + a, b - a);
}

static int key_error(hp_heap *h, hp_obj *k)
{
    char buf[200];
    hp_repr(h, k, buf, sizeof buf);
    return hp__error(h, HP_E_KEY, "%s", buf);
}

/* ---- builders ----------------------------------------------------------------- */

int hp_build_tuple(hp_heap *h, uint32_t n)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n));
    hp_obj *t = hp__new_tuple(h, n);
    if (!t)
        return h->errcode;
    hp_frame *f = hp__frame(h);
    if (n) {
        memcpy(((hp_tuple *)t)->items, &f->stack[f->sp - n], n * sizeof(hp_obj *));
        f->sp -= n;
        hp__track(h, t);
    }
    return hp__op_end(h, hp__push_new(h, t));
}

int hp_build_list(hp_heap *h, uint32_t n)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n));
    hp_obj *l = hp__new_list(h, n);
    if (!l)
        return h->errcode;
    hp_frame *f = hp__frame(h);
    if (n)
        memcpy(hp__list_items((hp_list *)l), &f->stack[f->sp - n], n * sizeof(hp_obj *));
    f->sp -= n;
    hp__track(h, l);
    return hp__op_end(h, hp__push_new(h, l));
}

static int build_set(hp_heap *h, uint32_t n, bool frozen)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n));
    hp_obj *s = hp__set_new(h, frozen);
    if (!s)
        return h->errcode;
    hp_frame *f = hp__frame(h);
    for (uint32_t i = 0; i < n; i++) {
        int rc = hp__set_add(h, (hp_set *)s, f->stack[f->sp - n + i]);
        if (rc < 0) {
            hp__decref(h, s);
            return rc;
        }
    }
    drop(h, n);
    return hp__op_end(h, hp__push_new(h, s));
}

int hp_build_set(hp_heap *h, uint32_t n)
{
    return build_set(h, n, false);
}

int hp_build_frozenset(hp_heap *h, uint32_t n)
{
    return build_set(h, n, true);
}

int hp_build_dict(hp_heap *h, uint32_t npairs)
{
    HP_TRY(hp__op_begin(h));
    if (npairs > UINT32_MAX / 2)
        return hp__error(h, HP_E_ARG, "too many pairs");
    HP_TRY(hp__need(h, 2 * npairs));
    hp_frame *f = hp__frame(h);
    hp_obj **items = &f->stack[f->sp - 2 * npairs];
    bool strkeys = true;
    for (uint32_t i = 0; i < npairs; i++)
        strkeys = strkeys && items[2 * i]->type == HP_T_STR;
    hp_obj *d = hp__dict_new_presized(h, npairs, strkeys);
    if (!d)
        return h->errcode;
    for (uint32_t i = 0; i < npairs; i++) {
        int rc = hp__dict_set(h, (hp_dict *)d, items[2 * i], items[2 * i + 1]);
        if (rc < 0) {
            hp__decref(h, d);
            return rc;
        }
    }
    drop(h, 2 * npairs);
    return hp__op_end(h, hp__push_new(h, d));
}

int hp_build_code(hp_heap *h, const char *name, uint32_t nconsts)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, nconsts));
    hp_obj *nm = hp__intern_cstr(h, name);
    if (!nm)
        return h->errcode;
    hp_code *c = (hp_code *)hp__new_obj(
        h, HP_T_CODE, sizeof(hp_code) + (size_t)nconsts * sizeof(hp_obj *));
    if (!c) {
        hp__decref(h, nm);
        return h->errcode;
    }
    c->gc.n = nconsts;
    c->name = (hp_str *)nm;
    hp_frame *f = hp__frame(h);
    if (nconsts)
        memcpy(c->consts, &f->stack[f->sp - nconsts], nconsts * sizeof(hp_obj *));
    f->sp -= nconsts;
    return hp__op_end(h, hp__push_new(h, &c->gc.ob));
}

int hp_build_function(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *code = hp_peek(h, 1), *defaults = hp_peek(h, 0);
    if (code->type != HP_T_CODE)
        return hp__error(h, HP_E_TYPE, "function() argument 'code' must be code, not %s",
                         hp_type_name(code));
    if (defaults->type != HP_T_TUPLE && defaults->type != HP_T_NONE)
        return hp__error(h, HP_E_TYPE, "arg 4 (defaults) must be None or tuple");
    hp_obj *nm = hp__intern_cstr(h, name);
    if (!nm)
        return h->errcode;
    hp_func *fn = (hp_func *)hp__new_obj(h, HP_T_FUNCTION, sizeof(hp_func));
    if (!fn) {
        hp__decref(h, nm);
        return h->errcode;
    }
    fn->name = (hp_str *)nm;
    fn->weaklist = NULL;
    fn->globals = hp__incref(&h->globals->gc.ob);
    fn->defaults = defaults->type == HP_T_TUPLE ? pop1(h) : (drop(h, 1), NULL);
    fn->code = pop1(h);
    hp__track(h, &fn->gc.ob);
    return hp__op_end(h, hp__push_new(h, &fn->gc.ob));
}

static void class_flags_update(hp_class *k)
{
    k->flags = 0;
    if (hp__dict_get_cstr(k->dict, "__del__"))
        k->flags |= HP_CLS_HAS_DEL;
    if (hp__dict_get_cstr(k->dict, "__heapd_legacy_del__"))
        k->flags |= HP_CLS_LEGACY_DEL;
}

int hp_build_class(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *d = hp_peek(h, 0);
    if (d->type != HP_T_DICT)
        return hp__error(h, HP_E_TYPE, "type.__new__() argument 3 must be dict, not %s",
                         hp_type_name(d));
    hp_obj *nm = hp__intern_cstr(h, name);
    if (!nm)
        return h->errcode;
    hp_class *k = (hp_class *)hp__new_obj(h, HP_T_CLASS, sizeof(hp_class));
    if (!k) {
        hp__decref(h, nm);
        return h->errcode;
    }
    k->name = (hp_str *)nm;
    k->dict = (hp_dict *)pop1(h);
    k->weaklist = NULL;
    k->keys = NULL;
    k->nkeys = k->keycap = 0;
    class_flags_update(k);
    hp__track(h, &k->gc.ob);
    return hp__op_end(h, hp__push_new(h, &k->gc.ob));
}

int hp_new_instance(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *k = hp_peek(h, 0);
    if (k->type != HP_T_CLASS)
        return hp__error(h, HP_E_TYPE, "'%s' object is not callable", hp_type_name(k));
    hp_inst *in = (hp_inst *)hp__new_obj(h, HP_T_INSTANCE, sizeof(hp_inst));
    if (!in)
        return h->errcode;
    in->cls = (hp_class *)pop1(h); /* the stack's reference moves here */
    in->weaklist = NULL;
    in->values = NULL;
    in->nset = 0;
    hp__track(h, &in->gc.ob);
    return hp__op_end(h, hp__push_new(h, &in->gc.ob));
}

/* ---- weak references -------------------------------------------------------------- */

int hp_new_weakref(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *o = hp_peek(h, 1), *cb = hp_peek(h, 0);
    hp_weakref **head = hp__weaklist(o);
    if (!head)
        return hp__error(h, HP_E_TYPE, "cannot create weak reference to '%s' object",
                         hp_type_name(o));
    bool has_cb = cb->type != HP_T_NONE;
    hp_weakref *basic = *head && !(*head)->callback ? *head : NULL;
    if (!has_cb && basic) {
        hp__incref(&basic->gc.ob);
        drop(h, 2);
        return hp__op_end(h, hp__push_new(h, &basic->gc.ob));
    }
    hp_weakref *w = (hp_weakref *)hp__new_obj(h, HP_T_WEAKREF, sizeof(hp_weakref));
    if (!w)
        return h->errcode;
    w->referent = o;
    w->callback = has_cb ? hp__incref(cb) : NULL;
    /* The basic ref stays first; the others follow it, newest first. */
    hp_weakref *after = has_cb ? basic : NULL;
    w->wprev = after;
    w->wnext = after ? after->wnext : *head;
    if (w->wnext)
        w->wnext->wprev = w;
    if (after)
        after->wnext = w;
    else
        *head = w;
    hp__track(h, &w->gc.ob);
    drop(h, 2);
    return hp__op_end(h, hp__push_new(h, &w->gc.ob));
}

int hp_weakref_deref(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *w = hp_peek(h, 0);
    if (w->type != HP_T_WEAKREF)
        return hp__error(h, HP_E_TYPE, "'%s' object is not callable", hp_type_name(w));
    hp_obj *r = ((hp_weakref *)w)->referent;
    if (!r || (r->flags & HP_OF_DYING) || r->refcnt == 0)
        r = h->none;
    hp__incref(r);
    drop(h, 1);
    return hp__op_end(h, hp__push_new(h, r));
}

int hp_weakref_count(hp_heap *h, const hp_obj *o)
{
    (void)h;
    hp_weakref **head = hp__weaklist((hp_obj *)o);
    int n = 0;
    for (hp_weakref *w = head ? *head : NULL; w; w = w->wnext)
        n++;
    return n;
}

int hp_intern(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *s = hp_peek(h, 0);
    if (s->type != HP_T_STR)
        return hp__error(h, HP_E_TYPE, "intern() argument must be str, not %s",
                         hp_type_name(s));
    s = hp__intern_str(h, pop1(h));
    return hp__op_end(h, s ? hp__push_new(h, s) : h->errcode);
}

/* ---- instance and class attributes ------------------------------------------------- */

static int64_t class_key(const hp_class *k, const char *name)
{
    for (uint32_t i = 0; i < k->nkeys; i++)
        if (strcmp(k->keys[i]->data, name) == 0)
            return i;
    return -1;
}

static int64_t class_add_key(hp_heap *h, hp_class *k, const char *name)
{
    if (k->nkeys == k->keycap) {
        uint32_t cap = k->keycap ? k->keycap * 2 : 4;
        hp_str **p = hp__realloc_data(h->alloc, k->keys, cap * sizeof(*p));
        if (!p)
            return hp__error(h, HP_E_NOMEM, "out of memory");
        k->keys = p;
        k->keycap = cap;
    }
    hp_obj *s = hp__intern_cstr(h, name);
    if (!s)
        return h->errcode;
    k->keys[k->nkeys] = (hp_str *)s;
    return k->nkeys++;
}

static hp_obj *inst_get(const hp_inst *in, const char *name)
{
    int64_t i = class_key(in->cls, name);
    return i >= 0 && (uint64_t)i < in->gc.n ? in->values[i] : NULL;
}

/* Looks an attribute up the CPython way for our types: instance values,
 * then the class dict.  Borrowed. */
static hp_obj *lookup_attr(hp_obj *o, const char *name)
{
    if (o->type == HP_T_INSTANCE) {
        hp_obj *v = inst_get((hp_inst *)o, name);
        return v ? v : hp__dict_get_cstr(((hp_inst *)o)->cls->dict, name);
    }
    if (o->type == HP_T_CLASS)
        return hp__dict_get_cstr(((hp_class *)o)->dict, name);
    return NULL;
}

static int attr_error(hp_heap *h, hp_obj *o, const char *name)
{
    if (o->type == HP_T_CLASS)
        return hp__error(h, HP_E_ATTRIBUTE, "type object '%s' has no attribute '%s'",
                         ((hp_class *)o)->name->data, name);
    return hp__error(h, HP_E_ATTRIBUTE, "'%s' object has no attribute '%s'",
                     hp_type_name(o), name);
}

int hp_getattr(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *o = hp_peek(h, 0);
    hp_obj *v = lookup_attr(o, name);
    if (!v && strcmp(name, "__class__") == 0 && o->type == HP_T_INSTANCE)
        v = &((hp_inst *)o)->cls->gc.ob;
    if (!v)
        return attr_error(h, o, name);
    hp__incref(v);
    drop(h, 1);
    return hp__op_end(h, hp__push_new(h, v));
}

int hp_setattr(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *o = hp_peek(h, 1), *v = hp_peek(h, 0);
    if (o->type == HP_T_CLASS) {
        hp_class *k = (hp_class *)o;
        HP_TRY(hp__dict_set_cstr(h, k->dict, name, v));
        class_flags_update(k);
        return finish(h, 0, 2);
    }
    if (o->type != HP_T_INSTANCE)
        return attr_error(h, o, name);
    hp_inst *in = (hp_inst *)o;
    int64_t i = class_key(in->cls, name);
    if (i < 0 && (i = class_add_key(h, in->cls, name)) < 0)
        return (int)i;
    if ((uint64_t)i >= in->gc.n) {
        uint32_t n = in->cls->nkeys, old_n = in->gc.n;
        hp_obj **p = hp__alloc_data(h->alloc, n * (sizeof(*p) + sizeof(uint32_t)));
        if (!p)
            return hp__error(h, HP_E_NOMEM, "out of memory");
        memset(p, 0, n * sizeof(*p));
        if (old_n) {
            memcpy(p, in->values, old_n * sizeof(*p));
            memcpy(p + n, hp__inst_order(in), in->nset * sizeof(uint32_t));
            hp__free_data(h->alloc, in->values);
        }
        in->values = p;
        in->gc.n = n;
    }
    hp_obj *old = in->values[i];
    in->values[i] = pop1(h); /* the stack's reference moves into the slot */
    if (!old)
        hp__inst_order(in)[in->nset++] = (uint32_t)i;
    hp__xdecref(h, old);
    return finish(h, 0, 1);
}

int hp_delattr(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *o = hp_peek(h, 0);
    if (o->type == HP_T_CLASS) {
        hp_class *k = (hp_class *)o;
        if (!hp__dict_get_cstr(k->dict, name))
            return attr_error(h, o, name);
        HP_TRY(hp__dict_del_cstr(h, k->dict, name));
        class_flags_update(k);
        return finish(h, 0, 1);
    }
    if (o->type != HP_T_INSTANCE)
        return attr_error(h, o, name);
    hp_inst *in = (hp_inst *)o;
    int64_t i = class_key(in->cls, name);
    if (i < 0 || (uint64_t)i >= in->gc.n || !in->values[i])
        return attr_error(h, o, name);
    hp_obj *old = in->values[i];
    in->values[i] = NULL;
    uint32_t *order = hp__inst_order(in), k = 0;
    while (order[k] != (uint32_t)i)
        k++;
    memmove(&order[k], &order[k + 1], (in->nset - k - 1) * sizeof *order);
    in->nset--;
    hp__decref(h, old);
    return finish(h, 0, 1);
}

/* ---- subscripts --------------------------------------------------------------------- */

int hp_getitem(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *c = hp_peek(h, 1), *k = hp_peek(h, 0), *r = NULL;
    int64_t i = 0;
    switch (c->type) {
    case HP_T_LIST:
    case HP_T_TUPLE: {
        const char *tn = c->type == HP_T_LIST ? "list" : "tuple";
        HP_TRY(index_of(h, k, &i, tn));
        uint32_t n = ((hp_gc *)c)->n;
        if (!norm_index(&i, n))
            return hp__error(h, HP_E_INDEX, "%s index out of range", tn);
        r = c->type == HP_T_LIST ? hp__list_items((hp_list *)c)[i]
                                 : ((hp_tuple *)c)->items[i];
        hp__incref(r);
        break;
    }
    case HP_T_STR:
    case HP_T_BYTES: {
        hp_str *s = (hp_str *)c;
        const char *tn = c->type == HP_T_STR ? "string" : "byte";
        if (c->type == HP_T_STR && k->type != HP_T_INT && k->type != HP_T_BOOL)
            return hp__error(h, HP_E_TYPE, "string indices must be integers, not '%s'",
                             hp_type_name(k));
        HP_TRY(index_of(h, k, &i, "byte"));
        if (!norm_index(&i, s->len))
            return hp__error(h, HP_E_INDEX, "%s",
                             c->type == HP_T_STR ? "string index out of range"
                                                 : "index out of range");
        (void)tn;
        r = c->type == HP_T_STR ? str_char(h, s, (uint64_t)i)
                                : hp__new_int(h, (unsigned char)s->data[i]);
        if (!r)
            return h->errcode;
        break;
    }
    case HP_T_DICT: {
        int err = 0;
        r = hp__dict_get(h, (hp_dict *)c, k, &err);
        if (err < 0)
            return err;
        if (!r)
            return key_error(h, k);
        hp__incref(r);
        break;
    }
    default:
        return hp__error(h, HP_E_TYPE, "'%s' object is not subscriptable",
                         hp_type_name(c));
    }
    drop(h, 2);
    return hp__op_end(h, hp__push_new(h, r));
}

int hp_setitem(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 3));
    hp_obj *c = hp_peek(h, 2), *k = hp_peek(h, 1), *v = hp_peek(h, 0);
    if (c->type == HP_T_LIST) {
        int64_t i = 0;
        HP_TRY(index_of(h, k, &i, "list"));
        if (!norm_index(&i, ((hp_list *)c)->gc.n))
            return hp__error(h, HP_E_INDEX, "list assignment index out of range");
        hp_obj **slot = &hp__list_items((hp_list *)c)[i];
        hp_obj *old = *slot;
        *slot = hp__incref(v);
        hp__decref(h, old);
        return finish(h, 0, 3);
    }
    if (c->type == HP_T_DICT) {
        HP_TRY(hp__dict_set(h, (hp_dict *)c, k, v));
        return finish(h, 0, 3);
    }
    return hp__error(h, HP_E_TYPE, "'%s' object does not support item assignment",
                     hp_type_name(c));
}

static int list_del(hp_heap *h, hp_list *l, uint32_t i, hp_obj **out)
{
    hp_obj **it = hp__list_items(l);
    hp_obj *o = it[i];
    memmove(&it[i], &it[i + 1], (l->gc.n - i - 1) * sizeof(hp_obj *));
    it[l->gc.n - 1] = NULL;
    if (l->gc.n == 1) {
        /* CPython 3.12: list.pop and del of the last item _list_clear */
        if (l->alloc > 1)
            hp__free_data(h->alloc, l->items);
        l->items = NULL;
        l->alloc = 0;
        l->gc.n = 0;
    } else if (list_resize(h, l, l->gc.n - 1) < 0) {
        /* Shrinking never allocates more than it frees; a failure keeps
         * the old block, which is still valid. */
        l->gc.n--;
    }
    *out = o;
    return 0;
}

int hp_delitem(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *c = hp_peek(h, 1), *k = hp_peek(h, 0), *old;
    if (c->type == HP_T_LIST) {
        int64_t i = 0;
        HP_TRY(index_of(h, k, &i, "list"));
        if (!norm_index(&i, ((hp_list *)c)->gc.n))
            return hp__error(h, HP_E_INDEX, "list assignment index out of range");
        list_del(h, (hp_list *)c, (uint32_t)i, &old);
        hp__decref(h, old);
        return finish(h, 0, 2);
    }
    if (c->type == HP_T_DICT) {
        int err = 0;
        if (!hp__dict_get(h, (hp_dict *)c, k, &err))
            return err < 0 ? err : key_error(h, k);
        int rc = hp__dict_del(h, (hp_dict *)c, k, NULL);
        if (rc < 0)
            return rc;
        return finish(h, 0, 2);
    }
    /* PySequence_DelItem says "doesn't", PyObject_DelItem "does not" */
    bool seq = c->type == HP_T_TUPLE || c->type == HP_T_STR || c->type == HP_T_BYTES ||
               c->type == HP_T_SET || c->type == HP_T_FROZENSET;
    bool index = k->type == HP_T_INT || k->type == HP_T_BOOL;
    return hp__error(h, HP_E_TYPE, "'%s' object %s support item deletion",
                     hp_type_name(c), seq && index ? "doesn't" : "does not");
}

/* ---- container methods ---------------------------------------------------------------- */

static int need_type(hp_heap *h, hp_obj *o, hp_type t, const char *what)
{
    if (o->type != t)
        return hp__error(h, HP_E_TYPE, "descriptor '%s' for '%s' objects doesn't "
                         "apply to a '%s' object", what,
                         t == HP_T_LIST ? "list" : t == HP_T_SET ? "set" : "dict",
                         hp_type_name(o));
    return 0;
}

int hp_list_append(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *l = hp_peek(h, 1);
    HP_TRY(need_type(h, l, HP_T_LIST, "append"));
    HP_TRY(hp__list_append(h, (hp_list *)l, hp_peek(h, 0)));
    return finish(h, 0, 2);
}

int hp_list_insert(hp_heap *h, int64_t index)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_list *l = (hp_list *)hp_peek(h, 1);
    HP_TRY(need_type(h, &l->gc.ob, HP_T_LIST, "insert"));
    uint32_t n = l->gc.n;
    if (index < 0)
        index = index + n < 0 ? 0 : index + n;
    if (index > n)
        index = n;
    HP_TRY(list_resize(h, l, (uint64_t)n + 1));
    hp_obj **it = hp__list_items(l);
    memmove(&it[index + 1], &it[index], (n - index) * sizeof(hp_obj *));
    it[index] = hp__incref(hp_peek(h, 0));
    return finish(h, 0, 2);
}

int hp_list_pop(hp_heap *h, int64_t index)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_list *l = (hp_list *)hp_peek(h, 0);
    HP_TRY(need_type(h, &l->gc.ob, HP_T_LIST, "pop"));
    if (l->gc.n == 0)
        return hp__error(h, HP_E_INDEX, "pop from empty list");
    if (!norm_index(&index, l->gc.n))
        return hp__error(h, HP_E_INDEX, "pop index out of range");
    hp_obj *o;
    list_del(h, l, (uint32_t)index, &o);
    drop(h, 1);
    return hp__op_end(h, hp__push_new(h, o));
}

int hp_list_extend(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_list *l = (hp_list *)hp_peek(h, 1);
    hp_obj *src = hp_peek(h, 0);
    HP_TRY(need_type(h, &l->gc.ob, HP_T_LIST, "extend"));
    uint32_t m = l->gc.n;
    if (src->type == HP_T_LIST || src->type == HP_T_TUPLE) {
        uint32_t n = ((hp_gc *)src)->n;
        if (n == 0)
            return finish(h, 0, 2);
        if (m == 0 && l->alloc == 0) {
            /* list_preallocate_exact rounds up to an even size. */
            HP_TRY(list_realloc(h, l, (n + 1) & ~1u));
            l->gc.n = n;
        } else {
            HP_TRY(list_resize(h, l, (uint64_t)m + n));
        }
        hp_obj **it = hp__list_items(l);
        /* after the resize: src may be l itself (l.extend(l)) */
        hp_obj **from = src->type == HP_T_LIST ? hp__list_items((hp_list *)src)
                                               : ((hp_tuple *)src)->items;
        for (uint32_t i = 0; i < n; i++)
            it[m + i] = hp__incref(from[i]);
        return finish(h, 0, 2);
    }
    /* Any other iterable: presize by its length hint, append, trim. */
    int64_t hint = hp_len(src);
    if (hint < 0)
        return hp__error(h, HP_E_TYPE, "'%s' object is not iterable", hp_type_name(src));
    if (hint > 0 && l->alloc == 0) {
        HP_TRY(list_realloc(h, l, ((uint32_t)hint + 1) & ~1u)); /* preallocate_exact */
    } else if (hint > 0) {
        HP_TRY(list_resize(h, l, (uint64_t)m + (uint64_t)hint));
        l->gc.n = m;
    }
    int rc = 0;
    if (src->type == HP_T_STR) {
        hp_str *s = (hp_str *)src;
        for (uint32_t i = 0; i < s->len && rc == 0; i++) {
            hp_obj *c = str_char(h, s, i);
            rc = c ? hp__list_append(h, l, c) : h->errcode;
            if (c)
                hp__decref(h, c);
        }
    } else if (src->type == HP_T_BYTES) {
        hp_str *s = (hp_str *)src;
        for (uint32_t i = 0; i < s->nbytes && rc == 0; i++) {
            hp_obj *c = hp__new_int(h, (unsigned char)s->data[i]);
            rc = c ? hp__list_append(h, l, c) : h->errcode;
            if (c)
                hp__decref(h, c);
        }
    } else {
        uint64_t pos = 0;
        hp_obj *k, *v;
        while (rc == 0 && hp_iter_items(src, &pos, &k, &v))
            rc = hp__list_append(h, l, k);
    }
    if (rc < 0) {
        /* A failed call changes nothing: drop what was appended. */
        hp_obj **it = hp__list_items(l);
        uint32_t n = l->gc.n;
        l->gc.n = m;
        for (uint32_t i = n; i-- > m;) {
            hp_obj *o = it[i];
            it[i] = NULL;
            hp__decref(h, o);
        }
        return rc;
    }
    if (l->gc.n < l->alloc)
        list_resize(h, l, l->gc.n);
    return finish(h, 0, 2);
}

int hp_clear(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *c = hp_peek(h, 0);
    switch (c->type) {
    case HP_T_LIST: {
        hp_list *l = (hp_list *)c;
        uint32_t n = l->gc.n;
        if (n == 0)
            break;
        hp_obj **it = hp__list_items(l);
        hp_obj *single = l->alloc <= 1 ? it[0] : NULL;
        hp_obj **block = l->alloc > 1 ? l->items : NULL;
        l->items = NULL;
        l->alloc = 0;
        l->gc.n = 0;
        /* list_clear releases backwards, after the list is empty. */
        if (single)
            hp__decref(h, single);
        for (uint32_t i = n; block && i-- > 0;)
            hp__decref(h, block[i]);
        if (block)
            hp__free_data(h->alloc, block);
        break;
    }
    case HP_T_DICT:
        hp__dict_clear(h, (hp_dict *)c);
        break;
    case HP_T_SET:
        hp__set_clear(h, (hp_set *)c);
        break;
    default:
        return hp__error(h, HP_E_ATTRIBUTE, "'%s' object has no attribute 'clear'",
                         hp_type_name(c));
    }
    return finish(h, 0, 1);
}

int hp_set_add(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *s = hp_peek(h, 1);
    HP_TRY(need_type(h, s, HP_T_SET, "add"));
    HP_TRY(hp__set_add(h, (hp_set *)s, hp_peek(h, 0)));
    return finish(h, 0, 2);
}

int hp_set_discard(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *s = hp_peek(h, 1);
    HP_TRY(need_type(h, s, HP_T_SET, "discard"));
    bool found;
    HP_TRY(hp__set_discard(h, (hp_set *)s, hp_peek(h, 0), &found));
    return finish(h, 0, 2);
}

int hp_dict_pop(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 2));
    hp_obj *d = hp_peek(h, 1), *k = hp_peek(h, 0), *v = NULL;
    HP_TRY(need_type(h, d, HP_T_DICT, "pop"));
    int err = 0;
    if (!hp__dict_get(h, (hp_dict *)d, k, &err))
        return err < 0 ? err : key_error(h, k);
    HP_TRY(hp__dict_del(h, (hp_dict *)d, k, &v));
    drop(h, 2);
    return hp__op_end(h, hp__push_new(h, v));
}

/* ---- slicing ---------------------------------------------------------------------------- */

/* PySlice_AdjustIndices. */
static uint64_t slice_adjust(int64_t len, int64_t *start, int64_t *stop, int64_t step)
{
    if (*start < 0) {
        *start += len;
        if (*start < 0)
            *start = step < 0 ? -1 : 0;
    } else if (*start >= len) {
        *start = step < 0 ? len - 1 : len;
    }
    if (*stop < 0) {
        *stop += len;
        if (*stop < 0)
            *stop = step < 0 ? -1 : 0;
    } else if (*stop >= len) {
        *stop = step < 0 ? len - 1 : len;
    }
    if (step < 0)
        return *stop < *start ? (uint64_t)((*start - *stop - 1) / (-step) + 1) : 0;
    return *start < *stop ? (uint64_t)((*stop - *start - 1) / step + 1) : 0;
}

int hp_slice(hp_heap *h, int has_start, int64_t start, int has_stop, int64_t stop,
             int has_step, int64_t step)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp_obj *c = hp_peek(h, 0);
    if (!has_step)
        step = 1;
    if (step == 0)
        return hp__error(h, HP_E_VALUE, "slice step cannot be zero");
    if (c->type == HP_T_DICT) {
        char a[24] = "None", b[24] = "None", st[24] = "None";
        if (has_start)
            snprintf(a, sizeof a, "%lld", (long long)start);
        if (has_stop)
            snprintf(b, sizeof b, "%lld", (long long)stop);
        if (has_step)
            snprintf(st, sizeof st, "%lld", (long long)step);
        return hp__error(h, HP_E_KEY, "slice(%s, %s, %s)", a, b, st);
    }
    int64_t len = hp_len(c);
    if (len < 0 || c->type == HP_T_SET ||
        c->type == HP_T_FROZENSET)
        return hp__error(h, HP_E_TYPE, "'%s' object is not subscriptable",
                         hp_type_name(c));
    if (!has_start)
        start = step < 0 ? INT64_MAX : 0;
    if (!has_stop)
        stop = step < 0 ? INT64_MIN : INT64_MAX;
    uint64_t n = slice_adjust(len, &start, &stop, step);
    hp_obj *r = NULL;
    if (c->type == HP_T_STR || c->type == HP_T_BYTES) {
        hp_str *s = (hp_str *)c;
        char *buf = malloc(n * 4 + 1);
        if (!buf)
            return hp__error(h, HP_E_NOMEM, "out of memory");
        size_t off = 0;
        for (uint64_t k = 0; k < n; k++) {
            int64_t i = start + (int64_t)k * step;
            size_t a = c->type == HP_T_STR ? utf8_offset(s, i) : (size_t)i;
            size_t b = c->type == HP_T_STR ? utf8_offset(s, i + 1) : (size_t)i + 1;
            memcpy(buf + off, s->data + a, b - a);
            off += b - a;
        }
        if (n == s->len && step == 1)
            r = hp__incref(c); /* s[:] is s, b[:] is b */
        else
            r = c->type == HP_T_STR ? hp__new_str(h, buf, off)
                                    : hp__new_bytes(h, buf, off);
        free(buf);
    } else {
        hp_obj **src = c->type == HP_T_LIST ? hp__list_items((hp_list *)c)
                                            : ((hp_tuple *)c)->items;
        if (c->type == HP_T_TUPLE && n == (uint64_t)len && step == 1) {
            r = hp__incref(c); /* t[:] is t */
        } else {
            r = c->type == HP_T_LIST ? hp__new_list(h, (uint32_t)n)
                                     : hp__new_tuple(h, (uint32_t)n);
            if (r && n) {
                hp_obj **dst = c->type == HP_T_LIST ? hp__list_items((hp_list *)r)
                                                    : ((hp_tuple *)r)->items;
                for (uint64_t k = 0; k < n; k++)
                    dst[k] = hp__incref(src[start + (int64_t)k * step]);
            }
            if (r && (r->type == HP_T_LIST || n))
                hp__track(h, r);
        }
    }
    if (!r)
        return h->errcode;
    drop(h, 1);
    return hp__op_end(h, hp__push_new(h, r));
}

/* ---- reading ---------------------------------------------------------------------------- */

hp_type hp_typeof(const hp_obj *o)
{
    return (hp_type)o->type;
}

const char *hp_type_code_name(hp_type t)
{
    static const char *names[HP_T__COUNT] = {
        [HP_T_NONE] = "NoneType", [HP_T_BOOL] = "bool",     [HP_T_INT] = "int",
        [HP_T_FLOAT] = "float",   [HP_T_STR] = "str",       [HP_T_BYTES] = "bytes",
        [HP_T_TUPLE] = "tuple",   [HP_T_LIST] = "list",     [HP_T_DICT] = "dict",
        [HP_T_SET] = "set",       [HP_T_FROZENSET] = "frozenset",
        [HP_T_CLASS] = "type",    [HP_T_INSTANCE] = "instance",
        [HP_T_FUNCTION] = "function", [HP_T_WEAKREF] = "weakref",
        [HP_T_CODE] = "code",
    };
    return t > 0 && t < HP_T__COUNT && names[t] ? names[t] : "object";
}

const char *hp_type_name(const hp_obj *o)
{
    if (o->type == HP_T_INSTANCE)
        return ((const hp_inst *)o)->cls->name->data;
    return hp_type_code_name((hp_type)o->type);
}

uint64_t hp_id(const hp_heap *h, const hp_obj *o)
{
    return hp__alloc_vaddr(h->alloc, o);
}

hp_obj *hp_find(const hp_heap *h, uint64_t id)
{
    hp_obj *o = hp__alloc_find(h->alloc, id);
    if (!o || (o->flags & HP_OF_DYING) || o->refcnt == 0)
        return NULL;
    return o;
}

int64_t hp_len(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_STR:
    case HP_T_BYTES:
        return ((const hp_str *)o)->len;
    case HP_T_TUPLE:
    case HP_T_LIST:
    case HP_T_DICT:
    case HP_T_SET:
    case HP_T_FROZENSET:
        return ((const hp_gc *)o)->n;
    default:
        return -1;
    }
}

int hp_truth(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_NONE:
        return 0;
    case HP_T_BOOL:
    case HP_T_INT:
        return ((const hp_int *)o)->v != 0;
    case HP_T_FLOAT:
        return ((const hp_float *)o)->v != 0.0;
    default: {
        int64_t n = hp_len(o);
        return n < 0 ? 1 : n > 0;
    }
    }
}

int hp_int_value(const hp_obj *o, int64_t *out)
{
    if (o->type != HP_T_INT && o->type != HP_T_BOOL)
        return HP_E_TYPE;
    *out = ((const hp_int *)o)->v;
    return 0;
}

int hp_float_value(const hp_obj *o, double *out)
{
    if (o->type == HP_T_FLOAT)
        *out = ((const hp_float *)o)->v;
    else if (o->type == HP_T_INT || o->type == HP_T_BOOL)
        *out = (double)((const hp_int *)o)->v;
    else
        return HP_E_TYPE;
    return 0;
}

const char *hp_str_utf8(const hp_obj *o, size_t *n)
{
    if (o->type != HP_T_STR && o->type != HP_T_BYTES)
        return NULL;
    if (n)
        *n = ((const hp_str *)o)->nbytes;
    return ((const hp_str *)o)->data;
}

hp_obj *hp_seq_item(const hp_obj *o, uint64_t i)
{
    const hp_gc *g = (const hp_gc *)o;
    switch (o->type) {
    case HP_T_TUPLE:
        return i < g->n ? ((const hp_tuple *)o)->items[i] : NULL;
    case HP_T_LIST:
        return i < g->n ? hp__list_items((hp_list *)o)[i] : NULL;
    case HP_T_CODE:
        return i < g->n ? ((const hp_code *)o)->consts[i] : NULL;
    default:
        return NULL;
    }
}

int hp_iter_items(const hp_obj *o, uint64_t *pos, hp_obj **key, hp_obj **value)
{
    switch (o->type) {
    case HP_T_DICT:
        return hp__dict_next((const hp_dict *)o, pos, key, value);
    case HP_T_SET:
    case HP_T_FROZENSET:
        if (value)
            *value = NULL;
        return hp__set_next((const hp_set *)o, pos, key);
    case HP_T_CLASS:
        return hp__dict_next(((const hp_class *)o)->dict, pos, key, value);
    case HP_T_INSTANCE: {
        const hp_inst *in = (const hp_inst *)o;
        if (*pos >= in->nset)
            return 0;
        uint32_t i = hp__inst_order(in)[(*pos)++];
        *key = &in->cls->keys[i]->ob;
        *value = in->values[i];
        return 1;
    }
    default:
        return 0;
    }
}

hp_obj *hp_instance_class(const hp_obj *o)
{
    return o->type == HP_T_INSTANCE ? &((const hp_inst *)o)->cls->gc.ob : NULL;
}

hp_obj *hp_function_code(const hp_obj *o)
{
    return o->type == HP_T_FUNCTION ? ((const hp_func *)o)->code : NULL;
}

const char *hp_name_of(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_CLASS:
        return ((const hp_class *)o)->name->data;
    case HP_T_FUNCTION:
        return ((const hp_func *)o)->name->data;
    case HP_T_CODE:
        return ((const hp_code *)o)->name->data;
    default:
        return NULL;
    }
}

int hp_equal(const hp_obj *a, const hp_obj *b)
{
    return a == b || hp__eq(a, b);
}

hp_obj *hp_class_lookup(const hp_obj *cls, const char *name)
{
    return cls->type == HP_T_CLASS ? hp__dict_get_cstr(((const hp_class *)cls)->dict, name)
                                   : NULL;
}

uint64_t hp_refcount(const hp_heap *h, const hp_obj *o)
{
    return (o->flags & HP_OF_IMMORTAL) ? h->prof->immortal_refcnt : o->refcnt;
}

uint64_t hp_getsizeof(const hp_heap *h, const hp_obj *o)
{
    return hp__sizeof(h, o);
}
