/*
 * alloc.h: the per-heap allocator (internal to core/, see docs/allocator.md).
 *
 * pymalloc's design, one instance per heap: 1 MiB arenas of 16 KiB pools,
 * 32 size classes of 16 bytes (16..512); larger requests go to a raw domain.
 * Every block has a deterministic virtual address in the heap's own address
 * space, which is what id() reports.  Object blocks can be found again from
 * their virtual address (hp__alloc_find), in O(1), and only while allocated;
 * data blocks (item arrays, hash tables) never can.
 *
 * Ownership: the allocator owns all arena and raw memory; hp__alloc_fini
 * releases everything at once, whatever is still allocated.
 */
#ifndef HP_ALLOC_H
#define HP_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

#define HP_ARENA_SIZE   ((size_t)1 << 20)
#define HP_POOL_SIZE    ((size_t)16 << 10)
#define HP_ALIGNMENT    16
#define HP_SMALL_LIMIT  512
#define HP_NUM_CLASSES  (HP_SMALL_LIMIT / HP_ALIGNMENT)

/* Where the virtual address spaces start: pymalloc arenas and raw blocks. */
#define HP_VBASE_ARENAS 0x7f3a00000000ULL
#define HP_VBASE_RAW    0x55d400000000ULL

typedef struct hp_alloc hp_alloc; /* opaque, defined in alloc.c */

/* Create / destroy.  hp__alloc_new returns NULL when out of memory. */
hp_alloc *hp__alloc_new(void);
void hp__alloc_free_all(hp_alloc *a);

/* Limits: 0 means none.  A request that would take bytes_in_use past
 * max_bytes fails (returns NULL) and changes nothing. */
void hp__alloc_set_max_bytes(hp_alloc *a, uint64_t max_bytes);

/* Fault injection for tests: the nth allocation from now (1 = the next
 * one) fails; 0 turns it off.  Counts both object and data allocations. */
void hp__alloc_fail_nth(hp_alloc *a, uint64_t n);

/* Object blocks: findable by virtual address while allocated.
 * n > 0; the block is 16-byte aligned and its contents are undefined. */
void *hp__alloc_obj(hp_alloc *a, size_t n);
void hp__free_obj(hp_alloc *a, void *p);

/* Data blocks: never findable.  hp__realloc_data(a, NULL, n) allocates;
 * on failure it returns NULL and p is untouched. */
void *hp__alloc_data(hp_alloc *a, size_t n);
void *hp__realloc_data(hp_alloc *a, void *p, size_t n);
void hp__free_data(hp_alloc *a, void *p);

/* The virtual address (id) of any block, object or data. */
uint64_t hp__alloc_vaddr(const hp_alloc *a, const void *p);

/* The object block at virtual address v, or NULL if v is not the start of
 * a currently allocated object block (stale, forged, misaligned, data). */
void *hp__alloc_find(const hp_alloc *a, uint64_t v);

/* The usable size class in bytes of a block (what it costs the budget). */
size_t hp__alloc_block_size(const hp_alloc *a, const void *p);

void hp__alloc_stats(const hp_alloc *a, hp_malloc_stats *out);
/* Every invariant of the allocator's structures: 0 if they hold. */
int hp__alloc_check(const hp_alloc *a);
/* Test hook: the size of each reserved region as a number of arena slots
 * (1 << shift), to exercise the multi-region code with small regions. */
int hp__alloc_set_region_slots(hp_alloc *a, unsigned shift);
uint64_t hp__alloc_bytes_in_use(const hp_alloc *a);

#endif
