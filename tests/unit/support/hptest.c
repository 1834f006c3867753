/* hptest.c: see hptest.h. */
#include "hptest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hp_heap *t_heap(const char *profile)
{
    hp_config cfg = {.profile = profile};
    const char *err = NULL;
    hp_heap *h = hp_heap_new(&cfg, &err);
    ck_assert_msg(h != NULL, "hp_heap_new: %s", err ? err : "?");
    return h;
}

static void logf_(t_log *log, const char *fmt, ...)
{
    if (!log)
        return;
    size_t n = strlen(log->text);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log->text + n, sizeof log->text - n, fmt, ap);
    va_end(ap);
}

static const char *label_of(hp_heap *h, hp_obj *o)
{
    static char buf[64];
    strcpy(buf, "?");
    if (hp_typeof(o) != HP_T_INSTANCE)
        return buf;
    uint64_t pos = 0;
    hp_obj *k, *v;
    while (hp_iter_items(o, &pos, &k, &v)) {
        if (strcmp(hp_str_utf8(k, NULL), "name") == 0 && hp_typeof(v) == HP_T_STR) {
            snprintf(buf, sizeof buf, "%s", hp_str_utf8(v, NULL));
            break;
        }
    }
    (void)h;
    return buf;
}

static int64_t info_get(hp_obj *d, const char *key)
{
    uint64_t pos = 0;
    hp_obj *k, *v;
    int64_t out = -1;
    while (hp_iter_items(d, &pos, &k, &v))
        if (strcmp(hp_str_utf8(k, NULL), key) == 0)
            hp_int_value(v, &out);
    return out;
}

void t_drain(hp_heap *h, t_log *log)
{
    while (hp_call_due(h)) {
        hp_call c;
        T_OK(h, hp_call_begin(h, &c));
        switch (c.kind) {
        case HP_CALL_FINALIZER:
            logf_(log, "del %s;", label_of(h, c.arg0));
            if (log)
                log->finalizers++;
            break;
        case HP_CALL_WEAKREF:
            logf_(log, "cb;");
            if (log)
                log->callbacks++;
            break;
        case HP_CALL_GC:
            logf_(log, "%s %lld %lld %lld;", hp_str_utf8(c.arg0, NULL),
                  (long long)info_get(c.arg1, "generation"),
                  (long long)info_get(c.arg1, "collected"),
                  (long long)info_get(c.arg1, "uncollectable"));
            if (log)
                log->gc_callbacks++;
            break;
        }
        if (log && log->hook)
            log->hook(h, &c, log->ctx);
        T_OK(h, hp_call_end(h));
    }
}

int64_t t_collect(hp_heap *h, int gen, t_log *log)
{
    int64_t r = -2;
    T_OK(h, hp_gc_collect(h, gen, &r));
    if (r == -1) {
        t_drain(h, log);
        ck_assert(!hp_gc_collecting(h));
        r = hp_gc_result(h);
    }
    return r;
}

void t_class(hp_heap *h, const char *name, int with_del)
{
    int n = 0;
    if (with_del) {
        T_OK(h, hp_push_str(h, "__del__", 7));
        T_OK(h, hp_build_code(h, "__del__", 0));
        T_OK(h, hp_push_none(h));
        T_OK(h, hp_build_function(h, "__del__"));
        n = 1;
    }
    T_OK(h, hp_build_dict(h, n));
    T_OK(h, hp_build_class(h, name));
    T_OK(h, hp_store_global(h, name));
}

void t_instance(hp_heap *h, const char *cls, const char *var, const char *label)
{
    T_OK(h, hp_load_global(h, cls));
    T_OK(h, hp_new_instance(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_str(h, label, strlen(label)));
    T_OK(h, hp_setattr(h, "name"));
    T_OK(h, hp_store_global(h, var));
}

void t_setattr(hp_heap *h, const char *a, const char *attr, const char *b)
{
    T_OK(h, hp_load_global(h, a));
    T_OK(h, hp_load_global(h, b));
    T_OK(h, hp_setattr(h, attr));
}

void t_del(hp_heap *h, const char *var, t_log *log)
{
    T_OK(h, hp_delete_global(h, var));
    t_drain(h, log);
}

void t_list(hp_heap *h, const char *var)
{
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, var));
}

void t_append(hp_heap *h, const char *a, const char *b)
{
    T_OK(h, hp_load_global(h, a));
    T_OK(h, hp_load_global(h, b));
    T_OK(h, hp_list_append(h));
}

hp_obj *t_global(hp_heap *h, const char *var)
{
    T_OK(h, hp_load_global(h, var));
    hp_obj *o = hp_peek(h, 0);
    T_OK(h, hp_pop(h));
    return o;
}

uint64_t t_getrefcount(hp_heap *h, const char *var)
{
    T_OK(h, hp_load_global(h, var));
    uint64_t n = hp_refcount(h, hp_peek(h, 0));
    T_OK(h, hp_pop(h));
    return n;
}

int t_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void t_push_cstr(hp_heap *h, const char *s)
{
    T_OK(h, hp_push_str(h, s, strlen(s)));
}

const char *t_repr(const hp_heap *h, const hp_obj *o)
{
    static char buf[4096];
    size_t n = hp_repr(h, o, buf, sizeof buf);
    ck_assert_uint_lt(n, sizeof buf);
    return buf;
}

const char *t_repr_top(const hp_heap *h)
{
    hp_obj *o = hp_peek(h, 0);
    ck_assert_ptr_nonnull(o);
    return t_repr(h, o);
}

void t_snap_take(const hp_heap *h, t_snap *s)
{
    memset(s, 0, sizeof *s);
    s->size = hp_stack_size(h);
    s->n = s->size < T_SNAP_MAX ? s->size : T_SNAP_MAX;
    for (uint32_t i = 0; i < s->n; i++) {
        s->items[i] = hp_peek(h, i);
        s->refcnt[i] = hp_refcount(h, s->items[i]);
    }
}

const char *t_snap_diff(const hp_heap *h, const t_snap *s)
{
    static char buf[128];
    if (hp_stack_size(h) != s->size) {
        snprintf(buf, sizeof buf, "size %u, was %u", hp_stack_size(h), s->size);
        return buf;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        if (hp_peek(h, i) != s->items[i]) {
            snprintf(buf, sizeof buf, "item at depth %u replaced", i);
            return buf;
        }
        if (hp_refcount(h, s->items[i]) != s->refcnt[i]) {
            snprintf(buf, sizeof buf, "count at depth %u: %llu, was %llu", i,
                     (unsigned long long)hp_refcount(h, s->items[i]),
                     (unsigned long long)s->refcnt[i]);
            return buf;
        }
    }
    return NULL;
}
