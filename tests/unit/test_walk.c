/*
 * test_walk.c: unit tests for core/walk.c: graph walks along referents and
 * referrers, type statistics and allocator statistics.
 *
 * The graphs are small Python programs; the refcounts, sizes and the
 * referent sets in the comments are what CPython 3.12.1 reports for them
 * (sys.getrefcount minus its argument, sys.getsizeof, gc.get_referents).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static hp_heap *new_heap(void)
{
    hp_heap *h = hp_heap_new(NULL, NULL);
    ck_assert_ptr_nonnull(h);
    return h;
}

static hp_obj *top(hp_heap *h)
{
    hp_obj *o = hp_peek(h, 0);
    ck_assert_ptr_nonnull(o);
    return o;
}

static hp_obj *global(hp_heap *h, const char *name)
{
    ck_assert_int_eq(hp_load_global(h, name), 0);
    hp_obj *o = top(h);
    ck_assert_int_eq(hp_pop(h), 0);
    return o;
}

static void push_cstr(hp_heap *h, const char *s)
{
    ck_assert_int_eq(hp_push_str(h, s, strlen(s)), 0);
}

/* ---- recording a walk ---------------------------------------------------- */

#define MAXREC 256

typedef struct rec_edge {
    uint64_t from, to;
    int weak;
    char label[256];
    int has_label;
    int64_t index;
} rec_edge;

typedef struct rec {
    hp_walk_node nodes[MAXREC];
    rec_edge edges[MAXREC];
    int nnodes, nedges;
    int stop_after_nodes; /* 0 = never stop */
} rec;

static int on_node(void *ctx, const hp_walk_node *n)
{
    rec *r = ctx;
    ck_assert_int_lt(r->nnodes, MAXREC);
    r->nodes[r->nnodes++] = *n;
    return r->stop_after_nodes && r->nnodes >= r->stop_after_nodes;
}

static int on_edge(void *ctx, const hp_walk_edge *e)
{
    rec *r = ctx;
    ck_assert_int_lt(r->nedges, MAXREC);
    rec_edge *d = &r->edges[r->nedges++];
    d->from = e->from;
    d->to = e->to;
    d->weak = e->weak;
    d->index = e->index;
    d->has_label = e->label != NULL;
    snprintf(d->label, sizeof d->label, "%s", e->label ? e->label : "");
    return 0;
}

static int walk(hp_heap *h, hp_obj *root, int dir, uint32_t depth,
                uint32_t fanout, rec *r)
{
    hp_walk_ops ops = {.node = on_node, .edge = on_edge, .ctx = r};
    return hp_walk(h, &root, 1, dir, depth, fanout, &ops);
}

static const hp_walk_node *node_of(const rec *r, hp_heap *h, const hp_obj *o)
{
    const hp_walk_node *found = NULL;
    for (int i = 0; i < r->nnodes; i++) {
        if (r->nodes[i].obj == o) {
            ck_assert_msg(!found, "node reported twice");
            found = &r->nodes[i];
        }
    }
    if (found)
        ck_assert_uint_eq(found->id, hp_id(h, o));
    return found;
}

/* The one edge from -> to; fails if there are several. */
static const rec_edge *edge_of(const rec *r, hp_heap *h, const hp_obj *from,
                               const hp_obj *to)
{
    uint64_t f = hp_id(h, from), t = hp_id(h, to);
    const rec_edge *found = NULL;
    for (int i = 0; i < r->nedges; i++) {
        if (r->edges[i].from == f && r->edges[i].to == t) {
            ck_assert_msg(!found, "edge reported twice");
            found = &r->edges[i];
        }
    }
    return found;
}

/* a = [1]; b = {'k': a}; root = [a, b] */
static void build_abroot(hp_heap *h)
{
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    ck_assert_int_eq(hp_store_global(h, "a"), 0);
    push_cstr(h, "k");
    ck_assert_int_eq(hp_load_global(h, "a"), 0);
    ck_assert_int_eq(hp_build_dict(h, 1), 0);
    ck_assert_int_eq(hp_store_global(h, "b"), 0);
    ck_assert_int_eq(hp_load_global(h, "a"), 0);
    ck_assert_int_eq(hp_load_global(h, "b"), 0);
    ck_assert_int_eq(hp_build_list(h, 2), 0);
    ck_assert_int_eq(hp_store_global(h, "root"), 0);
}

/* ---- forward walks ------------------------------------------------------- */

START_TEST(test_refs_labels_and_nodes)
{
    hp_heap *h = new_heap();
    build_abroot(h);
    hp_obj *a = global(h, "a"), *b = global(h, "b"), *root = global(h, "root");
    hp_obj *one = hp_seq_item(a, 0);
    ck_assert_ptr_nonnull(one);
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, root, HP_WALK_REFS, 10, 0, &r), 0);
    /* root, a, b and 1; the str key 'k' is not a referent of b
     * (gc.get_referents({'k': a}) == [a]) */
    ck_assert_int_eq(r.nnodes, 4);
    const hp_walk_node *nr = node_of(&r, h, root), *na = node_of(&r, h, a),
                       *nb = node_of(&r, h, b), *n1 = node_of(&r, h, one);
    ck_assert_ptr_nonnull(nr);
    ck_assert_ptr_nonnull(na);
    ck_assert_ptr_nonnull(nb);
    ck_assert_ptr_nonnull(n1);
    ck_assert_ptr_eq(nr, &r.nodes[0]); /* the root comes first */
    ck_assert_uint_eq(nr->depth, 0);
    ck_assert_uint_eq(na->depth, 1);
    ck_assert_uint_eq(nb->depth, 1);
    ck_assert_uint_eq(n1->depth, 2);
    /* getrefcount: a 4, b 3, root 2 (each minus the argument) */
    ck_assert_uint_eq(na->refcount, 3);
    ck_assert_uint_eq(nb->refcount, 2);
    ck_assert_uint_eq(nr->refcount, 1);
    /* getsizeof: root 72, a 64, b 184, 1 28 */
    ck_assert_uint_eq(nr->size, 72);
    ck_assert_uint_eq(na->size, 64);
    ck_assert_uint_eq(nb->size, 184);
    ck_assert_uint_eq(n1->size, 28);
    ck_assert_int_eq(nr->type, HP_T_LIST);
    ck_assert_int_eq(nb->type, HP_T_DICT);
    ck_assert_int_eq(n1->type, HP_T_INT);
    ck_assert_int_eq(nr->generation, 0);
    ck_assert_int_eq(n1->generation, -1);
    ck_assert_int_eq(nr->truncated, 0);
    /* edges: root->a [0], root->b [1], a->1 [0], b->a 'k' */
    ck_assert_int_eq(r.nedges, 4);
    const rec_edge *e = edge_of(&r, h, root, a);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->label, "[0]");
    ck_assert_int_eq(e->index, 0);
    ck_assert_int_eq(e->weak, 0);
    e = edge_of(&r, h, root, b);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->index, 1);
    ck_assert_str_eq(e->label, "[1]");
    e = edge_of(&r, h, a, one);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->index, 0);
    e = edge_of(&r, h, b, a);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->label, "'k'");
    ck_assert_int_eq(e->index, -1);
    hp_heap_free(h);
}
END_TEST

START_TEST(test_refs_max_depth)
{
    hp_heap *h = new_heap();
    build_abroot(h);
    hp_obj *a = global(h, "a"), *root = global(h, "root");
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, root, HP_WALK_REFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 3); /* root, a, b: a and b not expanded */
    ck_assert_int_eq(r.nedges, 2);
    ck_assert_ptr_null(node_of(&r, h, hp_seq_item(a, 0)));
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, root, HP_WALK_REFS, 0, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 1);
    ck_assert_int_eq(r.nedges, 0);
    hp_heap_free(h);
}
END_TEST

START_TEST(test_refs_fanout)
{
    hp_heap *h = new_heap();
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(hp_push_int(h, i), 0);
    ck_assert_int_eq(hp_build_list(h, 10), 0);
    hp_obj *l = top(h);
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, l, HP_WALK_REFS, 5, 3, &r), 0);
    ck_assert_int_eq(r.nnodes, 4);
    ck_assert_int_eq(r.nedges, 3);
    ck_assert_uint_eq(node_of(&r, h, l)->truncated, 7);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(r.edges[i].index, i);
    /* no cap */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, l, HP_WALK_REFS, 5, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 11);
    ck_assert_uint_eq(node_of(&r, h, l)->truncated, 0);
    hp_heap_free(h);
}
END_TEST

/* More referents than the linear matcher takes: x = []; y = [];
 * l = [x, y] * 10 (gc.get_referents(l) has 20 items), and
 * d = {i: i + 1000 for i in range(17)} (34 items: keys and values). */
START_TEST(test_refs_many_children)
{
    hp_heap *h = new_heap();
    ck_assert_int_eq(hp_build_list(h, 0), 0);
    hp_obj *x = top(h);
    ck_assert_int_eq(hp_build_list(h, 0), 0);
    hp_obj *y = top(h);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(hp_push_obj(h, x), 0);
        ck_assert_int_eq(hp_push_obj(h, y), 0);
    }
    ck_assert_int_eq(hp_build_list(h, 20), 0);
    hp_obj *l = top(h);
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, l, HP_WALK_REFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 3);
    ck_assert_int_eq(r.nedges, 20);
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq(r.edges[i].index, i);
        ck_assert_uint_eq(r.edges[i].to, hp_id(h, i % 2 ? y : x));
    }
    for (int i = 0; i < 17; i++) {
        ck_assert_int_eq(hp_push_int(h, i), 0);
        ck_assert_int_eq(hp_push_int(h, i + 1000), 0);
    }
    ck_assert_int_eq(hp_build_dict(h, 17), 0);
    hp_obj *d = top(h);
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, d, HP_WALK_REFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 35);
    ck_assert_int_eq(r.nedges, 34);
    int labelled = 0;
    for (int i = 0; i < r.nedges; i++) {
        if (!r.edges[i].has_label)
            continue;
        labelled++;
        int64_t v = -1;
        for (int k = 0; k < r.nnodes; k++)
            if (r.nodes[k].id == r.edges[i].to)
                ck_assert_int_eq(hp_int_value(r.nodes[k].obj, &v), 0);
        ck_assert_int_eq(v, atoi(r.edges[i].label) + 1000);
    }
    ck_assert_int_eq(labelled, 17);
    hp_heap_free(h);
}
END_TEST

/* l = []; l.append(l): one node, one edge l -> l. */
START_TEST(test_refs_cycle_once)
{
    hp_heap *h = new_heap();
    ck_assert_int_eq(hp_build_list(h, 0), 0);
    hp_obj *l = top(h);
    ck_assert_int_eq(hp_push_obj(h, l), 0);
    ck_assert_int_eq(hp_push_obj(h, l), 0);
    ck_assert_int_eq(hp_list_append(h), 0);
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, l, HP_WALK_REFS, 50, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 1);
    ck_assert_int_eq(r.nedges, 1);
    ck_assert_ptr_nonnull(edge_of(&r, h, l, l));
    /* two roots naming the same object: still one node */
    hp_obj *roots[2] = {l, l};
    hp_walk_ops ops = {.node = on_node, .edge = on_edge, .ctx = &r};
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(hp_walk(h, roots, 2, HP_WALK_REFS, 50, 0, &ops), 0);
    ck_assert_int_eq(r.nnodes, 1);
    hp_heap_free(h);
}
END_TEST

/* class C: pass; o = C(); o.x = [1]; w = weakref.ref(o)
 * gc.get_referents(o) == [[1], C]; getrefcount(o) == 2 */
static void build_weak(hp_heap *h)
{
    ck_assert_int_eq(hp_build_dict(h, 0), 0);
    ck_assert_int_eq(hp_build_class(h, "C"), 0);
    ck_assert_int_eq(hp_store_global(h, "C"), 0);
    ck_assert_int_eq(hp_load_global(h, "C"), 0);
    ck_assert_int_eq(hp_new_instance(h), 0);
    ck_assert_int_eq(hp_store_global(h, "o"), 0);
    ck_assert_int_eq(hp_load_global(h, "o"), 0);
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    ck_assert_int_eq(hp_setattr(h, "x"), 0);
    ck_assert_int_eq(hp_load_global(h, "o"), 0);
    ck_assert_int_eq(hp_push_none(h), 0);
    ck_assert_int_eq(hp_new_weakref(h), 0);
    ck_assert_int_eq(hp_store_global(h, "w"), 0);
}

START_TEST(test_refs_attributes_and_weak)
{
    hp_heap *h = new_heap();
    build_weak(h);
    hp_obj *o = global(h, "o"), *w = global(h, "w"), *c = global(h, "C");
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, w, HP_WALK_REFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nedges, 1);
    const rec_edge *e = edge_of(&r, h, w, o);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->weak, 1);
    ck_assert_uint_eq(node_of(&r, h, o)->refcount, 1);
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, o, HP_WALK_REFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nedges, 2);
    e = edge_of(&r, h, o, c);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->label, "__class__");
    ck_assert_int_eq(e->weak, 0);
    int found_x = 0;
    for (int i = 0; i < r.nedges; i++)
        found_x += strcmp(r.edges[i].label, "x") == 0;
    ck_assert_int_eq(found_x, 1);
    hp_heap_free(h);
}
END_TEST

/* A key whose repr is longer than a label: cut, marked with "...". */
START_TEST(test_refs_long_key_label)
{
    hp_heap *h = new_heap();
    char key[300];
    memset(key, 'x', sizeof key);
    ck_assert_int_eq(hp_push_str(h, key, sizeof key), 0);
    ck_assert_int_eq(hp_build_list(h, 0), 0);
    ck_assert_int_eq(hp_build_dict(h, 1), 0);
    hp_obj *d = top(h);
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, d, HP_WALK_REFS, 1, 0, &r), 0);
    /* gc.get_referents(d) == [[]]: the str key is not a referent */
    ck_assert_int_eq(r.nedges, 1);
    const char *lab = r.edges[0].label;
    ck_assert_uint_eq(strlen(lab), 159);
    ck_assert_int_eq(strncmp(lab, "'xxx", 4), 0);
    ck_assert_str_eq(lab + 156, "...");
    hp_heap_free(h);
}
END_TEST

/* ---- backward walks ------------------------------------------------------ */

START_TEST(test_backrefs)
{
    hp_heap *h = new_heap();
    build_abroot(h);
    hp_obj *a = global(h, "a"), *b = global(h, "b"), *root = global(h, "root");
    hp_obj *g = hp_globals(h);
    static rec r;
    memset(&r, 0, sizeof r);
    /* gc.get_referrers(a): the globals dict, b and root */
    ck_assert_int_eq(walk(h, a, HP_WALK_BACKREFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 4);
    ck_assert_int_eq(r.nedges, 3);
    const rec_edge *e = edge_of(&r, h, g, a);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->label, "'a'");
    e = edge_of(&r, h, b, a);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->label, "'k'");
    e = edge_of(&r, h, root, a);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->index, 0);
    ck_assert_uint_eq(node_of(&r, h, b)->depth, 1);
    /* one level more: the globals refer to b and root, root to b */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, a, HP_WALK_BACKREFS, 2, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 4);
    ck_assert_int_eq(r.nedges, 6);
    ck_assert_str_eq(edge_of(&r, h, g, root)->label, "'root'");
    ck_assert_str_eq(edge_of(&r, h, g, b)->label, "'b'");
    ck_assert_int_eq(edge_of(&r, h, root, b)->index, 1);
    /* fanout 1 on the way back: a's other two referrers are cut */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, a, HP_WALK_BACKREFS, 1, 1, &r), 0);
    ck_assert_int_eq(r.nnodes, 2);
    ck_assert_int_eq(r.nedges, 1);
    ck_assert_uint_eq(node_of(&r, h, a)->truncated, 2);
    hp_heap_free(h);
}
END_TEST

START_TEST(test_backrefs_weak)
{
    hp_heap *h = new_heap();
    build_weak(h);
    hp_obj *o = global(h, "o"), *w = global(h, "w");
    static rec r;
    memset(&r, 0, sizeof r);
    /* gc.get_referrers(o) == [globals]; the weakref refers weakly */
    ck_assert_int_eq(walk(h, o, HP_WALK_BACKREFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nedges, 2);
    const rec_edge *e = edge_of(&r, h, w, o);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->weak, 1);
    e = edge_of(&r, h, hp_globals(h), o);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->weak, 0);
    ck_assert_str_eq(e->label, "'o'");
    hp_heap_free(h);
}
END_TEST

/* A code object holds its constants (x = 300 in a script: getrefcount(x)
 * counts co_consts); it is never tracked, yet shows up as a referrer. */
START_TEST(test_backrefs_code_constants)
{
    hp_heap *h = new_heap();
    ck_assert_int_eq(hp_push_int(h, 300), 0);
    hp_obj *k = top(h);
    ck_assert_int_eq(hp_dup(h), 0);
    ck_assert_int_eq(hp_store_global(h, "x"), 0);
    push_cstr(h, "hello world");
    ck_assert_int_eq(hp_build_code(h, "<module>", 2), 0);
    hp_obj *code = top(h);
    ck_assert_int_eq(hp_gc_is_tracked(code), 0);
    static rec r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(walk(h, k, HP_WALK_BACKREFS, 1, 0, &r), 0);
    ck_assert_int_eq(r.nedges, 2);
    const rec_edge *e = edge_of(&r, h, code, k);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->label, "co_consts[0]");
    ck_assert_ptr_nonnull(edge_of(&r, h, hp_globals(h), k));
    hp_heap_free(h);
}
END_TEST

START_TEST(test_walk_stop_and_errors)
{
    hp_heap *h = new_heap();
    build_abroot(h);
    hp_obj *root = global(h, "root");
    static rec r;
    memset(&r, 0, sizeof r);
    r.stop_after_nodes = 1;
    ck_assert_int_eq(walk(h, root, HP_WALK_REFS, 10, 0, &r), 0);
    ck_assert_int_eq(r.nnodes, 1);
    ck_assert_int_eq(r.nedges, 0);
    hp_walk_ops ops = {.node = on_node, .edge = on_edge, .ctx = &r};
    ck_assert_int_eq(hp_walk(h, &root, 1, 7, 1, 0, &ops), HP_E_ARG);
    ck_assert_int_eq(hp_walk(h, &root, 1, HP_WALK_REFS, 1, 0, NULL), HP_E_ARG);
    hp_obj *none[1] = {NULL};
    ck_assert_int_eq(hp_walk(h, none, 1, HP_WALK_REFS, 1, 0, &ops), HP_E_ARG);
    /* no roots: nothing happens */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(hp_walk(h, NULL, 0, HP_WALK_BACKREFS, 3, 0, &ops), 0);
    ck_assert_int_eq(r.nnodes, 0);
    hp_heap_free(h);
}
END_TEST

/* ---- statistics ---------------------------------------------------------- */

START_TEST(test_type_stats)
{
    hp_heap *h = new_heap();
    hp_type_stats before, after;
    hp_type_stats_get(h, &before);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(hp_build_list(h, 0), 0);
    ck_assert_int_eq(hp_push_float(h, 2.5), 0);
    hp_type_stats_get(h, &after);
    ck_assert_uint_eq(after.count[HP_T_LIST], before.count[HP_T_LIST] + 3);
    ck_assert_uint_eq(after.count[HP_T_FLOAT], before.count[HP_T_FLOAT] + 1);
    ck_assert_uint_gt(after.bytes[HP_T_LIST], before.bytes[HP_T_LIST]);
    ck_assert_uint_eq(after.objects, before.objects + 4);
    /* lists are tracked when made, floats never */
    ck_assert_uint_eq(after.tracked[0], before.tracked[0] + 3);
    uint64_t all = after.tracked[0] + after.tracked[1] + after.tracked[2];
    ck_assert_uint_eq(after.tracked[3], 0);
    /* gc.freeze(): everything moves to the permanent generation, and
     * get_freeze_count() is the number moved */
    hp_gc_freeze(h);
    hp_type_stats_get(h, &after);
    ck_assert_uint_eq(after.tracked[3], all);
    ck_assert_uint_eq(after.tracked[0] + after.tracked[1] + after.tracked[2],
                      0);
    ck_assert_uint_eq(hp_gc_get_freeze_count(h), all);
    hp_heap_free(h);
}
END_TEST

START_TEST(test_malloc_stats)
{
    hp_heap *h = new_heap();
    hp_malloc_stats a, b;
    /* grow the value stack first, so that only the floats allocate */
    for (int i = 0; i < 128; i++)
        ck_assert_int_eq(hp_push_none(h), 0);
    for (int i = 0; i < 128; i++)
        ck_assert_int_eq(hp_pop(h), 0);
    hp_malloc_stats_get(h, &a);
    ck_assert_uint_ge(a.arenas_current, 1);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(hp_push_float(h, i + 0.5), 0);
    hp_malloc_stats_get(h, &b);
    /* a float is 16 bytes of block here (hp_float), 100 more blocks */
    uint64_t blocks_a = 0, blocks_b = 0;
    for (int c = 0; c < 32; c++) {
        blocks_a += a.classes[c].blocks_in_use;
        blocks_b += b.classes[c].blocks_in_use;
    }
    ck_assert_uint_eq(blocks_b, blocks_a + 100);
    ck_assert_uint_gt(b.bytes_in_use, a.bytes_in_use);
    hp_heap_free(h);
}
END_TEST

static Suite *walk_suite(void)
{
    Suite *s = suite_create("walk");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_refs_labels_and_nodes);
    tcase_add_test(tc, test_refs_max_depth);
    tcase_add_test(tc, test_refs_fanout);
    tcase_add_test(tc, test_refs_many_children);
    tcase_add_test(tc, test_refs_cycle_once);
    tcase_add_test(tc, test_refs_attributes_and_weak);
    tcase_add_test(tc, test_refs_long_key_label);
    tcase_add_test(tc, test_backrefs);
    tcase_add_test(tc, test_backrefs_weak);
    tcase_add_test(tc, test_backrefs_code_constants);
    tcase_add_test(tc, test_walk_stop_and_errors);
    tcase_add_test(tc, test_type_stats);
    tcase_add_test(tc, test_malloc_stats);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(walk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
