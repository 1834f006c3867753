/*
 * dict.c: hashing and equality of objects, and the dict.
 *
 * Hashes are CPython's for ints, floats, tuples, frozensets and objects
 * hashed by identity, so that dicts and sets of such keys behave and
 * iterate as in CPython.  str and bytes use SipHash-1-3 with a zero key
 * over CPython's canonical representation (1, 2 or 4 bytes per code
 * point), which is CPython's own hash under PYTHONHASHSEED=0: fixed, and
 * reproducible against a real interpreter.
 *
 * The dict is CPython 3.12's compact dict (Objects/dictobject.c).  One data
 * block holds an index table of 1 << log2size slots (int8/16/32/64 by size;
 * -1 empty, -2 dummy) followed by USABLE_FRACTION(size) entries in
 * insertion order.  Deleting leaves a NULL-key entry and a dummy slot;
 * only a resize compacts.  Sizes, growth (used * 3), probing and the
 * str-keys-only table kind follow CPython, so sys.getsizeof matches.
 *
 * References: a dict holds one reference to each key and value.  Anything
 * released is released only once the table is consistent again, because a
 * release can run arbitrary deallocation; no pointer into the table is
 * kept across one.
 */
#include <math.h>
#include <string.h>

#include "dictset.h"

/* Nesting depth at which hashing and comparison give up (RecursionError
 * in CPython), so that a pathological nesting cannot exhaust the C stack. */
#define HP_RECURSION_LIMIT 2000

/* ---- hashing ------------------------------------------------------------- */

#define HASH_BITS    61
#define HASH_MODULUS (((uint64_t)1 << HASH_BITS) - 1)
#define HASH_INF     314159
#define HASH_NONE    0xFCA86420u /* 3.12+: hash(None) is a constant */
#define HASH_ERRVAL  UINT64_MAX  /* -1: CPython's error value, never a hash */

static uint64_t fix_minus_one(uint64_t x)
{
    return x == HASH_ERRVAL ? HASH_ERRVAL - 1 : x;
}

/* long_hash: |v| mod 2**61-1 with v's sign. */
static uint64_t int_hash(int64_t v)
{
    uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
    uint64_t x = m % HASH_MODULUS;
    return fix_minus_one(v < 0 ? -x : x);
}

/* _Py_HashPointer: an identity hash, id rotated right by 4. */
static uint64_t pointer_hash(uint64_t p)
{
    return fix_minus_one((p >> 4) | (p << 60));
}

/* _Py_HashDouble: the value mod 2**61-1, so integral floats hash like
 * ints; NaN hashes by identity (idhash), as in CPython 3.10+. */
static uint64_t double_hash(double v, uint64_t idhash)
{
    if (!isfinite(v)) {
        if (isinf(v))
            return v > 0 ? HASH_INF : -(uint64_t)HASH_INF;
        return idhash;
    }
    int e;
    double m = frexp(v, &e);
    uint64_t sign = 1;
    if (m < 0) {
        sign = (uint64_t)-1;
        m = -m;
    }
    uint64_t x = 0;
    while (m != 0.0) { /* 28 bits at a time */
        x = ((x << 28) & HASH_MODULUS) | x >> (HASH_BITS - 28);
        m *= 268435456.0;
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= HASH_MODULUS)
            x -= HASH_MODULUS;
    }
    e = e >= 0 ? e % HASH_BITS : HASH_BITS - 1 - ((-1 - e) % HASH_BITS);
    x = ((x << e) & HASH_MODULUS) | x >> (HASH_BITS - e);
    return fix_minus_one(x * sign);
}

/* SipHash-1-3 as in CPython's Python/pyhash.c, key (0, 0), fed a byte at
 * a time so that a str's code points can be hashed in CPython's layout
 * without converting it. */
typedef struct sip13 {
    uint64_t v0, v1, v2, v3;
    uint64_t tail;
    unsigned ntail;
} sip13;

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(sip13 *s)
{
    s->v0 += s->v1;
    s->v2 += s->v3;
    s->v1 = ROTL64(s->v1, 13) ^ s->v0;
    s->v3 = ROTL64(s->v3, 16) ^ s->v2;
    s->v0 = ROTL64(s->v0, 32);
    s->v2 += s->v1;
    s->v0 += s->v3;
    s->v1 = ROTL64(s->v1, 17) ^ s->v2;
    s->v3 = ROTL64(s->v3, 21) ^ s->v0;
    s->v2 = ROTL64(s->v2, 32);
}

static void sip_init(sip13 *s)
{
    s->v0 = 0x736f6d6570736575ULL;
    s->v1 = 0x646f72616e646f6dULL;
    s->v2 = 0x6c7967656e657261ULL;
    s->v3 = 0x7465646279746573ULL;
    s->tail = 0;
    s->ntail = 0;
}

static void sip_block(sip13 *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    s->v0 ^= m;
}

static void sip_byte(sip13 *s, uint8_t b)
{
    s->tail |= (uint64_t)b << (8 * s->ntail);
    if (++s->ntail == 8) {
        sip_block(s, s->tail);
        s->tail = 0;
        s->ntail = 0;
    }
}

static void sip_bytes(sip13 *s, const unsigned char *p, size_t n)
{
    while (n && s->ntail)
        sip_byte(s, *p++), n--;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t m = 0;
        for (int i = 7; i >= 0; i--)
            m = (m << 8) | p[i];
        sip_block(s, m);
    }
    while (n--)
        sip_byte(s, *p++);
}

static uint64_t sip_final(sip13 *s, uint64_t total)
{
    uint64_t b = (total << 56) | s->tail;
    sip_block(s, b);
    s->v2 ^= 0xff;
    sip_round(s);
    sip_round(s);
    sip_round(s);
    return (s->v0 ^ s->v1) ^ (s->v2 ^ s->v3);
}

/* One code point of UTF-8 at *pp.  A byte that does not start a valid
 * sequence stands for itself (str data is valid UTF-8; this only keeps a
 * bad one from reading past the end). */
static uint32_t utf8_next(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    uint32_t c = *p;
    int n = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
    if (n <= 0 || end - p <= n) {
        *pp = p + 1;
        return c;
    }
    c &= 0x3f >> n;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *pp = p + 1;
            return *p;
        }
        c = (c << 6) | (p[i] & 0x3f);
    }
    *pp = p + n + 1;
    return c;
}

/* CPython hashes a str's data in its kind's layout: one byte per code
 * point when all are below 256, else two, else four (little-endian, as
 * in memory on the machines CPython runs on). */
static uint64_t hash_utf8(const char *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data, *end = p + n;
    uint32_t maxc = 0;
    uint64_t count = 0;
    for (const unsigned char *q = p; q < end; count++) {
        uint32_t c = utf8_next(&q, end);
        if (c > maxc)
            maxc = c;
    }
    sip13 s;
    sip_init(&s);
    if (maxc < 0x80) {
        sip_bytes(&s, p, n);
        return sip_final(&s, n);
    }
    unsigned width = maxc < 0x100 ? 1 : maxc < 0x10000 ? 2 : 4;
    while (p < end) {
        uint32_t c = utf8_next(&p, end);
        for (unsigned i = 0; i < width; i++)
            sip_byte(&s, (uint8_t)(c >> (8 * i)));
    }
    return sip_final(&s, count * width);
}

/* The hash of n bytes of str (UTF-8) or bytes data.  Empty strings hash
 * to 0 as in CPython; 0 is otherwise kept free to mean "not computed". */
static uint64_t hash_data(const char *data, size_t n, bool is_str)
{
    if (n == 0)
        return 0;
    uint64_t x;
    if (is_str) {
        x = hash_utf8(data, n);
    } else {
        sip13 s;
        sip_init(&s);
        sip_bytes(&s, (const unsigned char *)data, n);
        x = sip_final(&s, n);
    }
    return x == 0 ? 1 : fix_minus_one(x);
}

uint64_t hp__str_hash(hp_str *s)
{
    if (s->hash == 0 && s->nbytes > 0)
        s->hash = hash_data(s->data, s->nbytes, s->ob.type == HP_T_STR);
    return s->hash;
}

uint64_t hp__cstr_hash(const char *name)
{
    return hash_data(name, strlen(name), true);
}

/* CPython 3.8+ tuplehash (xxHash-based). */
#define XXPRIME_1 11400714785074694791ULL
#define XXPRIME_2 14029467366897019727ULL
#define XXPRIME_5 2870177450012600261ULL

static int hash_depth(hp_heap *h, hp_obj *o, uint64_t *out, int depth);

static int tuple_hash(hp_heap *h, hp_tuple *t, uint64_t *out, int depth)
{
    uint64_t acc = XXPRIME_5;
    for (uint32_t i = 0; i < t->gc.n; i++) {
        uint64_t lane;
        HP_TRY(hash_depth(h, t->items[i], &lane, depth + 1));
        acc += lane * XXPRIME_2;
        acc = ROTL64(acc, 31);
        acc *= XXPRIME_1;
    }
    acc += (uint64_t)t->gc.n ^ (XXPRIME_5 ^ 3527539UL);
    *out = acc == HASH_ERRVAL ? 1546275796 : acc;
    return 0;
}

static int hash_depth(hp_heap *h, hp_obj *o, uint64_t *out, int depth)
{
    if (depth > HP_RECURSION_LIMIT)
        return hp__error(h, HP_E_RUNTIME, "maximum recursion depth exceeded");
    switch ((hp_type)o->type) {
    case HP_T_NONE:
        *out = h->prof->minor >= 12 ? HASH_NONE : pointer_hash(hp_id(h, o));
        return 0;
    case HP_T_BOOL:
    case HP_T_INT:
        *out = int_hash(((const hp_int *)o)->v);
        return 0;
    case HP_T_FLOAT:
        *out = double_hash(((const hp_float *)o)->v, pointer_hash(hp_id(h, o)));
        return 0;
    case HP_T_STR:
    case HP_T_BYTES:
        *out = hp__str_hash((hp_str *)o);
        return 0;
    case HP_T_TUPLE:
        return tuple_hash(h, (hp_tuple *)o, out, depth);
    case HP_T_FROZENSET:
        *out = hp__set_hash((const hp_set *)o);
        return 0;
    case HP_T_LIST:
    case HP_T_DICT:
    case HP_T_SET:
        return hp__error(h, HP_E_TYPE, "unhashable type: '%s'",
                         hp_type_name(o));
    case HP_T_WEAKREF: {
        /* CPython: the referent's hash (cached there; we do not cache). */
        hp_obj *r = ((const hp_weakref *)o)->referent;
        if (!r)
            return hp__error(h, HP_E_TYPE, "weak object has gone away");
        return hash_depth(h, r, out, depth + 1);
    }
    default: /* classes, instances, functions, code: identity */
        *out = pointer_hash(hp_id(h, o));
        return 0;
    }
}

int hp__hash(hp_heap *h, hp_obj *o, uint64_t *out)
{
    return hash_depth(h, o, out, 0);
}

/* ---- equality ------------------------------------------------------------ */

static bool is_number(const hp_obj *o)
{
    return o->type == HP_T_INT || o->type == HP_T_BOOL || o->type == HP_T_FLOAT;
}

/* int == float, exactly (no rounding of the int), as CPython compares. */
static bool int_float_eq(int64_t i, double d)
{
    if (!(d >= -0x1p63 && d < 0x1p63)) /* also NaN, inf */
        return false;
    int64_t t = (int64_t)d;
    return (double)t == d && t == i;
}

static bool numbers_eq(const hp_obj *a, const hp_obj *b)
{
    bool fa = a->type == HP_T_FLOAT, fb = b->type == HP_T_FLOAT;
    if (fa && fb)
        return ((const hp_float *)a)->v == ((const hp_float *)b)->v;
    if (fa)
        return int_float_eq(((const hp_int *)b)->v, ((const hp_float *)a)->v);
    if (fb)
        return int_float_eq(((const hp_int *)a)->v, ((const hp_float *)b)->v);
    return ((const hp_int *)a)->v == ((const hp_int *)b)->v;
}

static bool strs_eq(const hp_str *a, const hp_str *b)
{
    if (a->nbytes != b->nbytes || (a->hash && b->hash && a->hash != b->hash))
        return false;
    return memcmp(a->data, b->data, a->nbytes) == 0;
}

static bool eq_depth(const hp_obj *a, const hp_obj *b, int depth);

/* An item comparison inside a container: identity first, like
 * PyObject_RichCompareBool, so (nan,) == (nan,) for one nan object. */
static bool item_eq(const hp_obj *a, const hp_obj *b, int depth)
{
    return a == b || eq_depth(a, b, depth + 1);
}

static bool seqs_eq(hp_obj *const *a, hp_obj *const *b, uint32_t n, int depth)
{
    for (uint32_t i = 0; i < n; i++)
        if (!item_eq(a[i], b[i], depth))
            return false;
    return true;
}

static bool dicts_eq(const hp_dict *a, const hp_dict *b, int depth);

static bool eq_depth(const hp_obj *a, const hp_obj *b, int depth)
{
    if (depth > HP_RECURSION_LIMIT)
        return false;
    if (is_number(a) && is_number(b))
        return numbers_eq(a, b);
    if (a == b)
        return true;
    switch ((hp_type)a->type) {
    case HP_T_STR:
    case HP_T_BYTES:
        return b->type == a->type &&
               strs_eq((const hp_str *)a, (const hp_str *)b);
    case HP_T_TUPLE: {
        const hp_tuple *x = (const hp_tuple *)a, *y = (const hp_tuple *)b;
        return b->type == HP_T_TUPLE && x->gc.n == y->gc.n &&
               seqs_eq(x->items, y->items, x->gc.n, depth);
    }
    case HP_T_LIST: {
        hp_list *x = (hp_list *)a, *y = (hp_list *)b;
        return b->type == HP_T_LIST && x->gc.n == y->gc.n &&
               seqs_eq(hp__list_items(x), hp__list_items(y), x->gc.n, depth);
    }
    case HP_T_SET:
    case HP_T_FROZENSET:
        return (b->type == HP_T_SET || b->type == HP_T_FROZENSET) &&
               hp__set_eq((const hp_set *)a, (const hp_set *)b);
    case HP_T_DICT:
        return b->type == HP_T_DICT &&
               dicts_eq((const hp_dict *)a, (const hp_dict *)b, depth);
    case HP_T_WEAKREF: {
        /* Referents compared while both are alive, else identity. */
        const hp_obj *ra = ((const hp_weakref *)a)->referent;
        const hp_obj *rb =
            b->type == HP_T_WEAKREF ? ((const hp_weakref *)b)->referent : NULL;
        return ra && rb && (ra == rb || eq_depth(ra, rb, depth + 1));
    }
    default:
        return false;
    }
}

bool hp__eq(const hp_obj *a, const hp_obj *b)
{
    return eq_depth(a, b, 0);
}

bool hp__eq_key(const hp_obj *a, const hp_obj *b)
{
    return a == b || eq_depth(a, b, 0);
}

/* ---- dict: the keys block ------------------------------------------------ */

#define DICT_LOG_MINSIZE 3
#define DICT_LOG_MAXSIZE 32 /* entries are counted in uint32_t */
#define DKIX_EMPTY       (-1)
#define DKIX_DUMMY       (-2)
#define PERTURB_SHIFT    5

/* sys.getsizeof parts, the same in CPython 3.11, 3.12 and 3.13 (measured
 * with tests/conformance/reference/measure.py): PyDictObject plus the GC
 * header, the PyDictKeysObject header, and the two entry sizes. */
#define SIZEOF_DICT_OBJECT (48 + 16)
#define SIZEOF_DICT_KEYS   32
#define SIZEOF_ENTRY       24
#define SIZEOF_STR_ENTRY   16

static size_t usable_fraction(size_t size)
{
    return (size << 1) / 3;
}

static unsigned index_width(unsigned log2size)
{
    return log2size < 8 ? 1 : log2size < 16 ? 2 : log2size < 32 ? 4 : 8;
}

static size_t index_bytes(unsigned log2size)
{
    return (size_t)index_width(log2size) << log2size;
}

static bool has_strkeys(const hp_dict *d)
{
    return d->gc.ob.aux & HP_DICT_STRKEYS;
}

static hp_dentry *block_entries(void *block, unsigned log2size)
{
    return (hp_dentry *)((char *)block + index_bytes(log2size));
}

static int64_t get_index(const void *block, unsigned log2size, size_t i)
{
    switch (index_width(log2size)) {
    case 1:
        return ((const int8_t *)block)[i];
    case 2:
        return ((const int16_t *)block)[i];
    case 4:
        return ((const int32_t *)block)[i];
    default:
        return ((const int64_t *)block)[i];
    }
}

static void set_index(void *block, unsigned log2size, size_t i, int64_t ix)
{
    switch (index_width(log2size)) {
    case 1:
        ((int8_t *)block)[i] = (int8_t)ix;
        break;
    case 2:
        ((int16_t *)block)[i] = (int16_t)ix;
        break;
    case 4:
        ((int32_t *)block)[i] = (int32_t)ix;
        break;
    default:
        ((int64_t *)block)[i] = ix;
        break;
    }
}

/* CPython 3.11-3.13's calculate_log2_keysize, quirk included: any
 * minsize from 1 to 7 gives 16 slots, 0 and 8 give 8. */
static unsigned calculate_log2_keysize(uint64_t minsize)
{
    minsize = (minsize | 8) - 1;
    return 64 - (unsigned)__builtin_clzll(minsize | 7);
}

/* GROWTH_RATE: the size a full table is resized to. */
static unsigned growth_log2(const hp_dict *d)
{
    return calculate_log2_keysize((uint64_t)d->gc.n * 3);
}

/* The first slot of hash's probe sequence that holds no entry (empty or
 * dummy): find_empty_slot. */
static size_t find_empty_slot(const void *block, unsigned log2size,
                              uint64_t hash)
{
    size_t mask = ((size_t)1 << log2size) - 1;
    size_t perturb = hash, i = hash & mask;
    while (get_index(block, log2size, i) >= 0) {
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
    return i;
}

typedef bool (*key_match)(const hp_obj *key, const void *arg);

/* The entry index of the key with this hash that match() accepts, or
 * DKIX_EMPTY; *slot is where in the index table it was found. */
static int64_t lookup(const hp_dict *d, uint64_t hash, key_match match,
                      const void *arg, size_t *slot)
{
    if (!d->table)
        return DKIX_EMPTY;
    const hp_dentry *ents = block_entries(d->table, d->log2size);
    size_t mask = ((size_t)1 << d->log2size) - 1;
    size_t perturb = hash, i = hash & mask;
    for (;;) {
        int64_t ix = get_index(d->table, d->log2size, i);
        if (ix == DKIX_EMPTY)
            return DKIX_EMPTY;
        /* arg is the key itself for match_obj: identity first */
        if (ix >= 0 && (ents[ix].key == arg ||
                        (ents[ix].hash == hash && match(ents[ix].key, arg)))) {
            *slot = i;
            return ix;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
}

static bool match_obj(const hp_obj *key, const void *arg)
{
    return hp__eq(key, arg);
}

typedef struct cstr_key {
    const char *p;
    size_t n;
} cstr_key;

static bool match_cstr(const hp_obj *key, const void *arg)
{
    const cstr_key *c = arg;
    const hp_str *s = (const hp_str *)key;
    return key->type == HP_T_STR && s->nbytes == c->n &&
           memcmp(s->data, c->p, c->n) == 0;
}

static int64_t lookup_cstr(const hp_dict *d, const char *name, size_t *slot)
{
    cstr_key c = {name, strlen(name)};
    return lookup(d, hp__cstr_hash(name), match_cstr, &c, slot);
}

static int nomem(hp_heap *h)
{
    return hp__error(h, HP_E_NOMEM, "out of memory");
}

/* dictresize: a new block of 1 << log2size slots holding the live entries
 * in order.  The new table is of the str-keys kind if strkeys and the old
 * one was (an empty dict counts as str-keys, like CPython's empty keys).
 * On failure nothing changes. */
static int dict_resize(hp_heap *h, hp_dict *d, unsigned log2size, bool strkeys)
{
    if (log2size > DICT_LOG_MAXSIZE)
        return nomem(h);
    size_t ib = index_bytes(log2size);
    size_t usable = usable_fraction((size_t)1 << log2size);
    void *block = hp__alloc_data(h->alloc, ib + usable * sizeof(hp_dentry));
    if (!block)
        return nomem(h);
    memset(block, 0xff, ib); /* DKIX_EMPTY everywhere */
    hp_dentry *ents = block_entries(block, log2size);
    uint32_t n = 0;
    if (d->table) {
        const hp_dentry *old = block_entries(d->table, d->log2size);
        for (uint32_t i = 0; i < d->nentries; i++)
            if (old[i].key)
                ents[n++] = old[i];
        hp__free_data(h->alloc, d->table);
    }
    for (uint32_t i = 0; i < n; i++)
        set_index(block, log2size,
                  find_empty_slot(block, log2size, ents[i].hash), i);
    if (!strkeys) /* the kind is only ever lost, never regained */
        d->gc.ob.aux &= (uint8_t)~HP_DICT_STRKEYS;
    d->table = block;
    d->log2size = (uint8_t)log2size;
    d->nentries = n;
    return 0;
}

static void dict_reset(hp_dict *d)
{
    d->gc.n = 0;
    d->nentries = 0;
    d->log2size = 0;
    d->table = NULL;
    d->gc.ob.aux = HP_DICT_STRKEYS;
}

/* ---- dict: operations ---------------------------------------------------- */

static hp_dict *dict_alloc(hp_heap *h)
{
    hp_dict *d = (hp_dict *)hp__new_obj(h, HP_T_DICT, sizeof(hp_dict));
    if (!d)
        return NULL;
    memset(d->pad_, 0, sizeof d->pad_);
    dict_reset(d);
    if (!h->prof->lazy_dict_tracking)
        hp__track(h, &d->gc.ob);
    return d;
}

hp_obj *hp__dict_new(hp_heap *h)
{
    return (hp_obj *)dict_alloc(h);
}

hp_obj *hp__dict_new_presized(hp_heap *h, uint32_t n, bool strkeys)
{
    const unsigned log2_max_presize = 17;
    if (n <= usable_fraction((size_t)1 << DICT_LOG_MINSIZE))
        return hp__dict_new(h);
    unsigned log2size = n > usable_fraction((size_t)1 << log2_max_presize)
                            ? log2_max_presize
                            : calculate_log2_keysize(((uint64_t)n * 3 + 1) / 2);
    size_t ib = index_bytes(log2size);
    size_t usable = usable_fraction((size_t)1 << log2size);
    /* the block first, as CPython makes the keys before the dict, and so
     * that a failure never has to deallocate a half-made dict */
    void *block = hp__alloc_data(h->alloc, ib + usable * sizeof(hp_dentry));
    if (!block) {
        nomem(h);
        return NULL;
    }
    hp_dict *d = dict_alloc(h);
    if (!d) {
        hp__free_data(h->alloc, block);
        return NULL;
    }
    memset(block, 0xff, ib);
    d->table = block;
    d->log2size = (uint8_t)log2size;
    if (!strkeys)
        d->gc.ob.aux = 0;
    return (hp_obj *)d;
}

/* MAINTAIN_TRACKING: a lazily tracked dict starts being tracked when it
 * receives a key or value that may be tracked. */
static void maintain_tracking(hp_heap *h, hp_dict *d, const hp_obj *key,
                              const hp_obj *value)
{
    if (h->prof->lazy_dict_tracking && !(d->gc.ob.flags & HP_OF_TRACKED) &&
        (hp__may_be_tracked(key) || hp__may_be_tracked(value)))
        hp__track(h, &d->gc.ob);
}

static void replace_value(hp_heap *h, hp_dict *d, int64_t ix, const hp_obj *key,
                          hp_obj *value)
{
    hp_dentry *e = &block_entries(d->table, d->log2size)[ix];
    hp_obj *old = e->value;
    e->value = hp__incref(value);
    maintain_tracking(h, d, key, value);
    hp__decref(h, old);
}

/* insertdict: the one place a new entry is made. */
static int dict_insert(hp_heap *h, hp_dict *d, hp_obj *key, uint64_t hash,
                       hp_obj *value)
{
    bool strkey = key->type == HP_T_STR;
    if (!d->table)
        HP_TRY(dict_resize(h, d, DICT_LOG_MINSIZE, strkey));
    else if (has_strkeys(d) && !strkey)
        HP_TRY(dict_resize(h, d, growth_log2(d), false));
    size_t slot;
    int64_t ix = lookup(d, hash, match_obj, key, &slot);
    if (ix >= 0) {
        replace_value(h, d, ix, key, value);
        return 0;
    }
    if (usable_fraction((size_t)1 << d->log2size) <= d->nentries)
        HP_TRY(dict_resize(h, d, growth_log2(d), true));
    slot = find_empty_slot(d->table, d->log2size, hash);
    set_index(d->table, d->log2size, slot, d->nentries);
    hp_dentry *e = &block_entries(d->table, d->log2size)[d->nentries];
    e->hash = hash;
    e->key = hp__incref(key);
    e->value = hp__incref(value);
    d->nentries++;
    d->gc.n++;
    maintain_tracking(h, d, key, value);
    return 0;
}

int hp__dict_set(hp_heap *h, hp_dict *d, hp_obj *key, hp_obj *value)
{
    uint64_t hash;
    HP_TRY(hp__hash(h, key, &hash));
    return dict_insert(h, d, key, hash, value);
}

hp_obj *hp__dict_get(hp_heap *h, hp_dict *d, hp_obj *key, int *err)
{
    uint64_t hash;
    size_t slot;
    *err = hp__hash(h, key, &hash);
    if (*err < 0)
        return NULL;
    int64_t ix = lookup(d, hash, match_obj, key, &slot);
    return ix < 0 ? NULL : block_entries(d->table, d->log2size)[ix].value;
}

hp_obj *hp__dict_get_cstr(const hp_dict *d, const char *name)
{
    size_t slot;
    int64_t ix = lookup_cstr(d, name, &slot);
    return ix < 0 ? NULL : block_entries(d->table, d->log2size)[ix].value;
}

int hp__dict_set_cstr(hp_heap *h, hp_dict *d, const char *name, hp_obj *v)
{
    size_t slot;
    int64_t ix = lookup_cstr(d, name, &slot);
    if (ix >= 0) {
        replace_value(h, d, ix, block_entries(d->table, d->log2size)[ix].key,
                      v);
        return 0;
    }
    hp_obj *key = hp__intern_cstr(h, name);
    if (!key)
        return HP_E_NOMEM;
    int rc = dict_insert(h, d, key, hp__cstr_hash(name), v);
    hp__decref(h, key);
    return rc;
}

/* delitem_common: the entry becomes a hole, its slot a dummy; the
 * references go only once the table is consistent. */
static void delete_at(hp_heap *h, hp_dict *d, size_t slot, int64_t ix,
                      hp_obj **out)
{
    hp_dentry *e = &block_entries(d->table, d->log2size)[ix];
    hp_obj *key = e->key, *value = e->value;
    set_index(d->table, d->log2size, slot, DKIX_DUMMY);
    e->key = NULL;
    e->value = NULL;
    d->gc.n--;
    hp__decref(h, key);
    if (out)
        *out = value;
    else
        hp__decref(h, value);
}

/* KeyError's message is the key's repr. */
static int key_error(hp_heap *h, const hp_obj *key)
{
    char buf[HP_ERRMSG];
    hp_buf b = {.p = buf, .len = 0, .cap = sizeof buf};
    hp__repr(h, key, &b);
    buf[b.len < sizeof buf ? b.len : sizeof buf - 1] = '\0';
    return hp__error(h, HP_E_KEY, "%s", buf);
}

int hp__dict_del(hp_heap *h, hp_dict *d, hp_obj *key, hp_obj **out)
{
    uint64_t hash;
    size_t slot;
    HP_TRY(hp__hash(h, key, &hash));
    int64_t ix = lookup(d, hash, match_obj, key, &slot);
    if (ix < 0)
        return key_error(h, key);
    delete_at(h, d, slot, ix, out);
    return 0;
}

int hp__dict_del_cstr(hp_heap *h, hp_dict *d, const char *name)
{
    size_t slot;
    int64_t ix = lookup_cstr(d, name, &slot);
    if (ix < 0)
        return hp__error(h, HP_E_KEY, "'%s'", name);
    delete_at(h, d, slot, ix, NULL);
    return 0;
}

hp_dentry *hp__dict_entries(const hp_dict *d)
{
    return d->table ? block_entries(d->table, d->log2size) : NULL;
}

int hp__dict_next(const hp_dict *d, uint64_t *pos, hp_obj **k, hp_obj **v)
{
    const hp_dentry *ents = hp__dict_entries(d);
    while (*pos < d->nentries) {
        const hp_dentry *e = &ents[(*pos)++];
        if (e->key) {
            if (k)
                *k = e->key;
            if (v)
                *v = e->value;
            return 1;
        }
    }
    return 0;
}

void hp__dict_detach(hp_heap *h, hp_dict *d, void **block, hp_dentry **ents,
                     uint32_t *nentries)
{
    (void)h;
    *block = d->table;
    *ents = hp__dict_entries(d);
    *nentries = d->nentries;
    dict_reset(d);
}

void hp__dict_clear(hp_heap *h, hp_dict *d)
{
    void *block;
    hp_dentry *ents;
    uint32_t n;
    hp__dict_detach(h, d, &block, &ents, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (ents[i].key) {
            hp__decref(h, ents[i].key);
            hp__decref(h, ents[i].value);
        }
    }
    if (block)
        hp__free_data(h->alloc, block);
}

void hp__dict_maybe_untrack(hp_heap *h, hp_dict *d)
{
    if (!h->prof->lazy_dict_tracking || !(d->gc.ob.flags & HP_OF_TRACKED))
        return;
    const hp_dentry *ents = hp__dict_entries(d);
    for (uint32_t i = 0; i < d->nentries; i++)
        if (ents[i].key && (hp__may_be_tracked(ents[i].value) ||
                            hp__may_be_tracked(ents[i].key)))
            return;
    hp__untrack(h, &d->gc.ob);
}

uint64_t hp__dict_sizeof(const hp_heap *h, const hp_dict *d)
{
    (void)h;
    uint64_t size = SIZEOF_DICT_OBJECT;
    if (d->table)
        size += SIZEOF_DICT_KEYS + index_bytes(d->log2size) +
                usable_fraction((size_t)1 << d->log2size) *
                    (has_strkeys(d) ? SIZEOF_STR_ENTRY : SIZEOF_ENTRY);
    return size;
}

/* Dict equality, for hp__eq: same length, and each key of a is in b with
 * an equal value.  Keys are looked up with the hash stored in a. */
static bool dicts_eq(const hp_dict *a, const hp_dict *b, int depth)
{
    if (a->gc.n != b->gc.n)
        return false;
    const hp_dentry *ea = hp__dict_entries(a);
    for (uint32_t i = 0; i < a->nentries; i++) {
        if (!ea[i].key)
            continue;
        size_t slot;
        int64_t ix = lookup(b, ea[i].hash, match_obj, ea[i].key, &slot);
        if (ix < 0 ||
            !item_eq(ea[i].value,
                     block_entries(b->table, b->log2size)[ix].value, depth))
            return false;
    }
    return true;
}

static int broken(hp_heap *h, const hp_dict *d, const char *what)
{
    return hp__error(h, HP_E_RUNTIME, "dict at %#llx: %s",
                     (unsigned long long)hp_id(h, &d->gc.ob), what);
}

int hp__dict_check(hp_heap *h, const hp_dict *d)
{
    if (!d->table)
        return d->nentries == 0 && d->gc.n == 0
                   ? 0
                   : broken(h, d, "entries without a table");
    if (d->log2size < DICT_LOG_MINSIZE || d->log2size > DICT_LOG_MAXSIZE)
        return broken(h, d, "bad table size");
    size_t size = (size_t)1 << d->log2size, mask = size - 1;
    if (d->nentries > usable_fraction(size))
        return broken(h, d, "more entries than usable");
    const hp_dentry *ents = block_entries(d->table, d->log2size);
    uint32_t live = 0;
    for (uint32_t i = 0; i < d->nentries; i++) {
        const hp_dentry *e = &ents[i];
        if (!e->key) {
            if (e->value)
                return broken(h, d, "value without a key");
            continue;
        }
        live++;
        if (!e->value)
            return broken(h, d, "key without a value");
        if (e->key->refcnt == 0 || e->value->refcnt == 0)
            return broken(h, d, "entry refers to a freed object");
        if (has_strkeys(d) && e->key->type != HP_T_STR)
            return broken(h, d, "non-str key in a str-keys table");
        if ((e->key->type == HP_T_STR || e->key->type == HP_T_BYTES) &&
            ((const hp_str *)e->key)->hash &&
            ((const hp_str *)e->key)->hash != e->hash)
            return broken(h, d, "stored hash differs from the key's");
        /* the entry must be reachable along its probe sequence */
        size_t perturb = e->hash, j = e->hash & mask;
        int64_t ix;
        while ((ix = get_index(d->table, d->log2size, j)) != (int64_t)i) {
            if (ix == DKIX_EMPTY)
                return broken(h, d, "entry not on its probe sequence");
            perturb >>= PERTURB_SHIFT;
            j = (j * 5 + perturb + 1) & mask;
        }
    }
    if (live != d->gc.n)
        return broken(h, d, "len differs from the live entries");
    uint32_t indexed = 0;
    for (size_t j = 0; j < size; j++) {
        int64_t ix = get_index(d->table, d->log2size, j);
        if (ix >= 0) {
            if (ix >= d->nentries || !ents[ix].key)
                return broken(h, d, "slot points to no live entry");
            indexed++;
        } else if (ix != DKIX_EMPTY && ix != DKIX_DUMMY) {
            return broken(h, d, "bad slot value");
        }
    }
    return indexed == live ? 0 : broken(h, d, "slots differ from entries");
}
