/*
 * dictset.h: dict and set helpers beyond the declarations in internal.h
 * (core/dict.c, core/set.c).  Internal to core/, like internal.h.
 *
 * Storage, for code that walks it (the collector, dealloc, hp_check):
 *  - a dict's entries are hp__dict_entries(d)[0 .. d->nentries); an entry
 *    with key NULL was deleted; d->table is NULL when nothing was ever
 *    inserted (or after detach), then there are no entries.
 *  - a set's table is s->table[0 .. s->mask] when s->table is not NULL; an
 *    entry is live when its key is neither NULL nor HP_DUMMY.
 */
#ifndef HP_DICTSET_H
#define HP_DICTSET_H

#include "internal.h"

/* hp_obj.aux of a dict: the keys table is CPython's DICT_KEYS_UNICODE
 * kind (every key inserted since the table was made was a str), so
 * sys.getsizeof counts 16-byte entries instead of 24-byte ones. */
#define HP_DICT_STRKEYS 0x01

/* ---- hashing (dict.c) ---------------------------------------------------- */

/* The hash of a str or bytes (cached in s->hash); equal to CPython's
 * hash() under PYTHONHASHSEED=0 (SipHash-1-3 with a zero key over the
 * canonical representation), except that it is never 0 for a non-empty
 * string. */
uint64_t hp__str_hash(hp_str *s);
/* The hash a str holding the NUL-terminated UTF-8 name would have. */
uint64_t hp__cstr_hash(const char *name);
/* PyObject_RichCompareBool(a, b, Py_EQ): identity first, then hp__eq. */
bool hp__eq_key(const hp_obj *a, const hp_obj *b);

/* ---- dict (dict.c) ------------------------------------------------------- */

/* CPython's _PyDict_NewPresized(n) as BUILD_MAP / BUILD_CONST_KEY_MAP use
 * it: a table big enough for n items (none below 6); strkeys says that all
 * n keys are str.  New reference, NULL + MemoryError on failure. */
hp_obj *hp__dict_new_presized(hp_heap *h, uint32_t n, bool strkeys);
/* Iteration in insertion order: *pos starts at 0; returns 1 and sets *k
 * and *v (borrowed; either may be NULL to skip), 0 at the end. */
int hp__dict_next(const hp_dict *d, uint64_t *pos, hp_obj **k, hp_obj **v);
/* dict.clear(): detaches the table, then releases every key and value. */
void hp__dict_clear(hp_heap *h, hp_dict *d);
/* The dict's invariants (index table against entries, counts, hashes of
 * str keys): 0 if they hold, else negative and a message in hp_errmsg. */
int hp__dict_check(hp_heap *h, const hp_dict *d);

/* ---- set (set.c) --------------------------------------------------------- */

/* Iteration in table order (the order repr shows): *pos starts at 0;
 * returns 1 and sets *k (borrowed), 0 at the end. */
int hp__set_next(const hp_set *s, uint64_t *pos, hp_obj **k);
/* s |= other (set or frozenset): CPython's set_merge, used by SET_UPDATE
 * (set displays of constants) and set(iterable-set).  Either all of other
 * is added or, on MemoryError, s is unchanged. */
int hp__set_update(hp_heap *h, hp_set *s, const hp_set *other);
/* set.clear(): detaches the table, then releases every key. */
void hp__set_clear(hp_heap *h, hp_set *s);
/* CPython's frozenset hash of the contents of s (set or frozenset). */
uint64_t hp__set_hash(const hp_set *s);
/* The set's invariants: 0 if they hold, else negative + hp_errmsg. */
int hp__set_check(hp_heap *h, const hp_set *s);
/* Set equality by contents (set == frozenset allowed), for hp__eq. */
bool hp__set_eq(const hp_set *a, const hp_set *b);

#endif
