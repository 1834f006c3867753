/*
 * set.c: set and frozenset, CPython 3.12's Objects/setobject.c algorithm.
 *
 * Open addressing over a table of hp_sentry (a data block): probe
 * LINEAR_PROBES neighbours, then jump by perturbation; deleting leaves a
 * dummy (key HP_DUMMY, hash -1); a table whose fill (live + dummies)
 * reaches 3/5 of its mask grows to hold used * 4 (used * 2 past 50000).
 * Iteration walks the table in order, so the order repr shows equals
 * CPython's for keys whose hashes equal CPython's (ints, tuples, floats,
 * str under PYTHONHASHSEED=0).
 *
 * CPython keeps an inline table of 8 entries in every set; here the table
 * is NULL until the first insertion and then at least 8 entries, and
 * hp__set_sizeof counts what CPython would.  A set holds one reference to
 * each live key.
 */
#include <string.h>

#include "dictset.h"

#define SET_MINSIZE   8
#define LINEAR_PROBES 9
#define PERTURB_SHIFT 5
#define DUMMY_HASH    UINT64_MAX /* -1: never the hash of a key */

/* sys.getsizeof: PySetObject (its smalltable included) plus the GC
 * header, the same in CPython 3.11 to 3.13. */
#define SIZEOF_SET_OBJECT (200 + 16)
#define SIZEOF_SETENTRY   16

static bool is_live(const hp_sentry *e)
{
    return e->key != NULL && e->key != HP_DUMMY;
}

static int nomem(hp_heap *h)
{
    return hp__error(h, HP_E_NOMEM, "out of memory");
}

/* set_lookkey: the entry holding key, or NULL. */
static hp_sentry *find(const hp_set *s, const hp_obj *key, uint64_t hash)
{
    if (!s->table)
        return NULL;
    size_t mask = s->mask, perturb = hash, i = hash & mask;
    for (;;) {
        hp_sentry *e = &s->table[i];
        int probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        do {
            if (e->hash == 0 && e->key == NULL)
                return NULL;
            if (e->hash == hash && hp__eq_key(e->key, key))
                return e;
            e++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

/* set_insert_clean: key into a table known to hold no equal key and no
 * dummies. */
static void insert_clean(hp_sentry *table, size_t mask, hp_obj *key,
                         uint64_t hash)
{
    size_t perturb = hash, i = hash & mask;
    hp_sentry *e;
    for (;;) {
        e = &table[i];
        if (e->key == NULL)
            goto found;
        if (i + LINEAR_PROBES <= mask) {
            for (int j = 0; j < LINEAR_PROBES; j++) {
                e++;
                if (e->key == NULL)
                    goto found;
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found:
    e->key = key;
    e->hash = hash;
}

/* The first table: CPython's smalltable, made on first use. */
static int alloc_small(hp_heap *h, hp_set *s)
{
    hp_sentry *t = hp__alloc_data(h->alloc, SET_MINSIZE * sizeof *t);
    if (!t)
        return nomem(h);
    memset(t, 0, SET_MINSIZE * sizeof *t);
    s->table = t;
    s->mask = SET_MINSIZE - 1;
    return 0;
}

/* set_table_resize: rebuild into the smallest table larger than minused,
 * dropping dummies.  A table that stays at the minimum size is rebuilt in
 * place, as CPython does with its smalltable, and cannot fail.  On failure
 * nothing changes. */
static int table_resize(hp_heap *h, hp_set *s, uint64_t minused)
{
    uint64_t newsize = SET_MINSIZE;
    while (newsize <= minused)
        newsize <<= 1;
    if (newsize > ((uint64_t)1 << 31))
        return nomem(h);
    hp_sentry small_copy[SET_MINSIZE];
    hp_sentry *old = s->table, *table;
    size_t oldsize = old ? (size_t)s->mask + 1 : 0;
    if (newsize == SET_MINSIZE && oldsize <= SET_MINSIZE) {
        if (s->fill == s->gc.n)
            return 0; /* no dummies: nothing to do */
        memcpy(small_copy, old, sizeof small_copy);
        table = old;
        old = small_copy;
    } else {
        table = hp__alloc_data(h->alloc, newsize * sizeof *table);
        if (!table)
            return nomem(h);
    }
    memset(table, 0, newsize * sizeof *table);
    for (size_t i = 0; i < oldsize; i++)
        if (is_live(&old[i]))
            insert_clean(table, newsize - 1, old[i].key, old[i].hash);
    if (old != small_copy && old)
        hp__free_data(h->alloc, old);
    s->table = table;
    s->mask = (uint32_t)(newsize - 1);
    s->fill = s->gc.n;
    return 0;
}

/* set_add_entry: adds key (taking a reference) unless an equal key is
 * there.  CPython grows the table after inserting; if that fails here the
 * insertion is undone, so that a failure changes nothing. */
static int add_entry(hp_heap *h, hp_set *s, hp_obj *key, uint64_t hash)
{
    if (!s->table)
        HP_TRY(alloc_small(h, s));
    hp_sentry *freeslot = NULL, *e;
    size_t mask = s->mask, perturb = hash, i = hash & mask;
    for (;;) {
        e = &s->table[i];
        int probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        do {
            if (e->hash == 0 && e->key == NULL)
                goto found_unused;
            if (e->hash == hash) {
                if (hp__eq_key(e->key, key))
                    return 0; /* already there */
            } else if (e->hash == DUMMY_HASH) {
                freeslot = e; /* the last dummy on the way, as 3.11+ */
            }
            e++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found_unused:
    if (freeslot) {
        freeslot->key = hp__incref(key);
        freeslot->hash = hash;
        s->gc.n++;
        return 0;
    }
    e->key = key;
    e->hash = hash;
    s->fill++;
    s->gc.n++;
    if ((size_t)s->fill * 5 >= mask * 3) {
        uint64_t used = s->gc.n;
        int rc = table_resize(h, s, used > 50000 ? used * 2 : used * 4);
        if (rc < 0) {
            e->key = NULL;
            e->hash = 0;
            s->fill--;
            s->gc.n--;
            return rc;
        }
    }
    hp__incref(key);
    return 0;
}

hp_obj *hp__set_new(hp_heap *h, bool frozen)
{
    hp_set *s = (hp_set *)hp__new_obj(h, frozen ? HP_T_FROZENSET : HP_T_SET,
                                      sizeof(hp_set));
    if (!s)
        return NULL;
    s->gc.n = 0;
    s->fill = 0;
    s->mask = 0;
    s->table = NULL;
    s->weaklist = NULL;
    /* PyType_GenericAlloc tracks sets and frozensets at creation */
    hp__track(h, &s->gc.ob);
    return &s->gc.ob;
}

int hp__set_add(hp_heap *h, hp_set *s, hp_obj *key)
{
    uint64_t hash;
    HP_TRY(hp__hash(h, key, &hash));
    return add_entry(h, s, key, hash);
}

/* The hash to look key up with: a set key stands for the frozenset of its
 * contents, as set.__contains__ and set.discard do in CPython. */
static int lookup_hash(hp_heap *h, hp_obj *key, uint64_t *hash)
{
    if (key->type == HP_T_SET) {
        *hash = hp__set_hash((const hp_set *)key);
        return 0;
    }
    return hp__hash(h, key, hash);
}

int hp__set_discard(hp_heap *h, hp_set *s, hp_obj *key, bool *found)
{
    uint64_t hash;
    HP_TRY(lookup_hash(h, key, &hash));
    hp_sentry *e = find(s, key, hash);
    if (found)
        *found = e != NULL;
    if (!e)
        return 0;
    hp_obj *old = e->key;
    e->key = HP_DUMMY;
    e->hash = DUMMY_HASH;
    s->gc.n--;
    hp__decref(h, old);
    return 0;
}

int hp__set_contains(hp_heap *h, hp_set *s, hp_obj *key, bool *found)
{
    uint64_t hash;
    HP_TRY(lookup_hash(h, key, &hash));
    *found = find(s, key, hash) != NULL;
    return 0;
}

void hp__set_detach(hp_heap *h, hp_set *s, hp_sentry **table, uint32_t *size)
{
    (void)h;
    *table = s->table;
    *size = s->table ? s->mask + 1 : 0;
    s->table = NULL;
    s->mask = 0;
    s->fill = 0;
    s->gc.n = 0;
}

void hp__set_clear(hp_heap *h, hp_set *s)
{
    hp_sentry *table;
    uint32_t size;
    hp__set_detach(h, s, &table, &size);
    for (uint32_t i = 0; i < size; i++)
        if (is_live(&table[i]))
            hp__decref(h, table[i].key);
    if (table)
        hp__free_data(h->alloc, table);
}

uint64_t hp__set_sizeof(const hp_heap *h, const hp_set *s)
{
    (void)h;
    uint64_t size = SIZEOF_SET_OBJECT;
    if (s->table && s->mask + 1 > SET_MINSIZE)
        size += ((uint64_t)s->mask + 1) * SIZEOF_SETENTRY;
    return size;
}

int hp__set_next(const hp_set *s, uint64_t *pos, hp_obj **k)
{
    if (!s->table)
        return 0;
    while (*pos <= s->mask) {
        const hp_sentry *e = &s->table[(*pos)++];
        if (is_live(e)) {
            *k = e->key;
            return 1;
        }
    }
    return 0;
}

/* set_merge.  The first resize makes room for all of other, so the final
 * loop of ordinary insertions never resizes: the update cannot fail
 * half-way. */
int hp__set_update(hp_heap *h, hp_set *s, const hp_set *other)
{
    if (other == s || other->gc.n == 0)
        return 0;
    size_t mask = s->table ? s->mask : SET_MINSIZE - 1;
    if (((size_t)s->fill + other->gc.n) * 5 >= mask * 3)
        HP_TRY(table_resize(h, s, ((uint64_t)s->gc.n + other->gc.n) * 2));
    if (!s->table)
        HP_TRY(alloc_small(h, s));
    const hp_sentry *from = other->table;
    if (s->fill == 0 && s->mask == other->mask && other->fill == other->gc.n) {
        /* same size, no dummies: copy the table as it is */
        for (size_t i = 0; i <= other->mask; i++) {
            if (from[i].key) {
                s->table[i].key = hp__incref(from[i].key);
                s->table[i].hash = from[i].hash;
            }
        }
        s->fill = other->fill;
        s->gc.n = other->gc.n;
        return 0;
    }
    if (s->fill == 0) {
        s->fill = other->gc.n;
        s->gc.n = other->gc.n;
        for (size_t i = 0; i <= other->mask; i++)
            if (is_live(&from[i]))
                insert_clean(s->table, s->mask, hp__incref(from[i].key),
                             from[i].hash);
        return 0;
    }
    for (size_t i = 0; i <= other->mask; i++)
        if (is_live(&from[i]))
            HP_TRY(add_entry(h, s, from[i].key, from[i].hash));
    return 0;
}

static uint64_t shuffle_bits(uint64_t h)
{
    return ((h ^ 89869747UL) ^ (h << 16)) * 3644798167UL;
}

/* frozenset_hash.  CPython xors in every slot and then cancels the empty
 * and dummy ones; xoring in only the live ones gives the same value. */
uint64_t hp__set_hash(const hp_set *s)
{
    uint64_t hash = 0;
    if (s->table)
        for (size_t i = 0; i <= s->mask; i++)
            if (is_live(&s->table[i]))
                hash ^= shuffle_bits(s->table[i].hash);
    hash ^= ((uint64_t)s->gc.n + 1) * 1927868237UL;
    hash ^= (hash >> 11) ^ (hash >> 25);
    hash = hash * 69069U + 907133923UL;
    return hash == UINT64_MAX ? 590923713UL : hash;
}

bool hp__set_eq(const hp_set *a, const hp_set *b)
{
    if (a->gc.n != b->gc.n)
        return false;
    if (a->table)
        for (size_t i = 0; i <= a->mask; i++)
            if (is_live(&a->table[i]) &&
                !find(b, a->table[i].key, a->table[i].hash))
                return false;
    return true;
}

static int broken(hp_heap *h, const hp_set *s, const char *what)
{
    return hp__error(h, HP_E_RUNTIME, "set at %#llx: %s",
                     (unsigned long long)hp_id(h, &s->gc.ob), what);
}

int hp__set_check(hp_heap *h, const hp_set *s)
{
    if (!s->table)
        return s->fill == 0 && s->gc.n == 0
                   ? 0
                   : broken(h, s, "keys without a table");
    size_t size = (size_t)s->mask + 1;
    if (size < SET_MINSIZE || (size & s->mask) != 0)
        return broken(h, s, "bad table size");
    uint32_t live = 0, dummies = 0;
    for (size_t i = 0; i < size; i++) {
        const hp_sentry *e = &s->table[i];
        if (e->key == NULL) {
            if (e->hash != 0)
                return broken(h, s, "unused entry with a hash");
        } else if (e->key == HP_DUMMY) {
            if (e->hash != DUMMY_HASH)
                return broken(h, s, "dummy without the dummy hash");
            dummies++;
        } else {
            live++;
            if (e->hash == DUMMY_HASH)
                return broken(h, s, "live entry with the dummy hash");
            if (e->key->refcnt == 0)
                return broken(h, s, "entry refers to a freed object");
            if ((e->key->type == HP_T_STR || e->key->type == HP_T_BYTES) &&
                ((const hp_str *)e->key)->hash &&
                ((const hp_str *)e->key)->hash != e->hash)
                return broken(h, s, "stored hash differs from the key's");
            /* found at its own place: on its probe sequence, no equal
             * key before it */
            if (find(s, e->key, e->hash) != e)
                return broken(h, s, "entry not found where it is");
        }
    }
    if (live != s->gc.n)
        return broken(h, s, "len differs from the live entries");
    if (live + dummies != s->fill)
        return broken(h, s, "fill differs from live + dummies");
    if (s->fill >= size)
        return broken(h, s, "no free slot");
    return 0;
}
