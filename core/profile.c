/*
 * profile.c: the CPython versions a heap can emulate, as data, and
 * sys.getsizeof under a profile.
 *
 * Every number here was measured with the real interpreters (3.11.7,
 * 3.12.1, 3.13.0, 64-bit Linux); docs/cpython-reference.md lists them and
 * tests/conformance/reference/measure.py reproduces them.
 */
#include <string.h>

#include "internal.h"

/* sys.getsizeof constants that are the same in 3.11, 3.12 and 3.13.  A GC
 * object's size includes the 16-byte GC pre-header (getsizeof adds it). */
#define SIZE_NONE       16u /* object.__basicsize__ */
#define SIZE_FLOAT      24u
#define SIZE_INT_BASE   24u /* offsetof(PyLongObject, ob_digit) */
#define SIZE_INT_DIGIT  4u  /* one 30-bit digit; at least one is counted */
#define SIZE_BYTES_BASE 33u /* PyBytesObject with its trailing NUL */
#define SIZE_TUPLE_BASE 40u /* 16 + 24 */
#define SIZE_LIST_BASE  56u /* 16 + 40; + 8 per allocated slot */
#define SIZE_WEAKREF    80u /* 16 + 64, with or without a callback */
#define SIZE_PTR        8u

static const hp_profile profiles[] = {
    {
        .name = "3.11",
        .minor = 11,
        .threshold = {700, 10, 10},
        .immortal = false,
        .immortal_refcnt = 0,
        .intern_immortal = false,
        .lazy_dict_tracking = true,
        /* _PyObject_IMMORTAL_INIT's count in 3.11 */
        .static_base_refcnt = 999999999,
        /* getrefcount(x) - 1 right after `import sys` in `python3 f.py` */
        .singleton_base_refcnt = {5511, 408, 385},
        .str_ascii_size = 48,
        .str_compact_size = 72,
        .latin1_utf8_cached = false,
        .class_size = 1688,
        .instance_size = 56,
        .function_size = 152,
        .code_size = 192,
    },
    {
        .name = "3.12",
        .minor = 12,
        .threshold = {700, 10, 10},
        .immortal = true,
        .immortal_refcnt = 4294967295u, /* _Py_IMMORTAL_REFCNT */
        .intern_immortal = true,
        .lazy_dict_tracking = true,
        .static_base_refcnt = 0,
        .singleton_base_refcnt = {0, 0, 0},
        .str_ascii_size = 40,
        .str_compact_size = 56,
        .latin1_utf8_cached = true,
        .class_size = 1704,
        .instance_size = 48,
        .function_size = 160,
        .code_size = 200,
    },
    {
        .name = "3.13",
        .minor = 13,
        .threshold = {2000, 10, 10},
        .immortal = true,
        .immortal_refcnt = 4294967295u,
        .intern_immortal = false, /* interned strings are mortal again */
        .lazy_dict_tracking = true,
        .static_base_refcnt = 0,
        .singleton_base_refcnt = {0, 0, 0},
        .str_ascii_size = 40,
        .str_compact_size = 56,
        .latin1_utf8_cached = true,
        .class_size = 1712,
        .instance_size = 48,
        .function_size = 160,
        .code_size = 208,
    },
};

const hp_profile *hp__profile_find(const char *name)
{
    if (!name)
        name = "3.12";
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

/* Number of 30-bit digits CPython uses for v, at least one. */
static uint64_t int_digits(int64_t v)
{
    uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
    uint64_t n = 1;
    while (m >>= 30)
        n++;
    return n;
}

/* The CPython kind of a str from its UTF-8 (for strs without aux). */
static unsigned str_kind_of_data(const hp_str *s)
{
    const unsigned char *p = (const unsigned char *)s->data;
    unsigned kind = 1;
    for (uint32_t i = 0; i < s->nbytes; i++) {
        if (p[i] < 0x80)
            continue;
        if (p[i] >= 0xf0)
            return 4;
        if (p[i] >= 0xe0)
            kind = 3;
        else if (kind < 3)
            kind = p[i] <= 0xc3 ? 2 : 3; /* lead byte <= c3: cp < 0x100 */
    }
    return kind;
}

/* unicode.__sizeof__ for a compact str; CPython allocates no separate
 * UTF-8 copy except for the 1-char latin-1 singletons of 3.12+. */
static uint64_t str_sizeof(const hp_profile *p, const hp_str *s)
{
    unsigned kind = s->ob.aux ? s->ob.aux : str_kind_of_data(s);
    if (kind == 1)
        return p->str_ascii_size + (uint64_t)s->len + 1;
    static const unsigned char charsize[5] = {1, 1, 1, 2, 4};
    uint64_t n = p->str_compact_size + ((uint64_t)s->len + 1) * charsize[kind];
    if (kind == 2 && s->len == 1 && p->latin1_utf8_cached)
        n += s->nbytes + 1;
    return n;
}

uint64_t hp__sizeof(const hp_heap *h, const hp_obj *o)
{
    const hp_profile *p = h->prof;
    switch ((hp_type)o->type) {
    case HP_T_NONE:
        return SIZE_NONE;
    case HP_T_BOOL:
    case HP_T_INT:
        return SIZE_INT_BASE +
               SIZE_INT_DIGIT * int_digits(((const hp_int *)o)->v);
    case HP_T_FLOAT:
        return SIZE_FLOAT;
    case HP_T_STR:
        return str_sizeof(p, (const hp_str *)o);
    case HP_T_BYTES:
        return SIZE_BYTES_BASE + ((const hp_str *)o)->nbytes;
    case HP_T_TUPLE:
        return SIZE_TUPLE_BASE + SIZE_PTR * (uint64_t)((const hp_gc *)o)->n;
    case HP_T_LIST:
        return SIZE_LIST_BASE +
               SIZE_PTR * (uint64_t)((const hp_list *)o)->alloc;
    case HP_T_DICT:
        return hp__dict_sizeof(h, (const hp_dict *)o);
    case HP_T_SET:
    case HP_T_FROZENSET:
        return hp__set_sizeof(h, (const hp_set *)o);
    case HP_T_CLASS:
        return p->class_size;
    case HP_T_INSTANCE:
        return p->instance_size;
    case HP_T_FUNCTION:
        return p->function_size;
    case HP_T_WEAKREF:
        return SIZE_WEAKREF;
    case HP_T_CODE:
        return p->code_size;
    default:
        return 0;
    }
}
