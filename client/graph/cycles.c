/*
 * cycles.c: finds the reference cycles of a walk's graph, the objects
 * that only the cyclic collector can free, so that the picture can draw
 * them in red.
 *
 * A node lies on a cycle when its strongly connected component over the
 * strong references has more than one node, or it refers to itself; an
 * edge does when it joins two nodes of such a component.  Weak references
 * do not keep anything alive, so they make no cycle.  The components come
 * from Tarjan's algorithm with an explicit stack in place of recursion: a
 * chain of 100000 objects is a walk 100000 calls deep.  See
 * docs/graph.md#cycles.
 */
#include <errno.h>
#include <stdlib.h>

#include "hg_internal.h"

/* Tarjan's per-node state; index is HG__NONE until the node is visited. */
typedef struct tj_node {
    size_t index, low;
    size_t next; /* the next of its edges (into adj) to follow */
    size_t comp;
    unsigned char on_stack, self_loop;
} tj_node;

static int is_strong(const hg__model *m, const Heapd__Graph *g, size_t e)
{
    return m->from[e] != HG__NONE && m->to[e] != HG__NONE && !g->edges[e]->weak;
}

/* The strong edges as adjacency lists: node v's targets are
 * adj[off[v] .. off[v + 1]).  *off and *adj are the caller's to free. */
static int build_adjacency(const hg__model *m, const Heapd__Graph *g,
                           tj_node *t, size_t **offp, size_t **adjp)
{
    size_t n = m->nnodes, nstrong = 0;
    size_t *off = calloc(n + 1, sizeof *off);
    if (!off)
        return -1;
    for (size_t e = 0; e < m->nedges; e++)
        if (is_strong(m, g, e)) {
            off[m->from[e] + 1]++;
            nstrong++;
        }
    for (size_t v = 0; v < n; v++)
        off[v + 1] += off[v];
    size_t *adj = malloc((nstrong ? nstrong : 1) * sizeof *adj);
    if (!adj) {
        free(off);
        return -1;
    }
    /* t[v].next serves as the fill cursor, then is reset for the walk. */
    for (size_t v = 0; v < n; v++)
        t[v].next = off[v];
    for (size_t e = 0; e < m->nedges; e++)
        if (is_strong(m, g, e)) {
            size_t v = m->from[e], w = m->to[e];
            adj[t[v].next++] = w;
            if (v == w)
                t[v].self_loop = 1;
        }
    for (size_t v = 0; v < n; v++)
        t[v].next = off[v];
    *offp = off;
    *adjp = adj;
    return 0;
}

/* Pops the component rooted at v off the Tarjan stack; marks it when it
 * is a cycle. */
static void pop_component(hg__model *m, tj_node *t, size_t *stack, size_t *sp,
                          size_t v, size_t comp)
{
    size_t first = *sp;
    do
        first--;
    while (stack[first] != v);
    size_t size = *sp - first;
    int cyclic = size > 1 || t[v].self_loop;
    for (size_t i = first; i < *sp; i++) {
        size_t w = stack[i];
        t[w].on_stack = 0;
        t[w].comp = comp;
        if (cyclic)
            m->node[w] |= HG__CYCLE;
    }
    if (cyclic) {
        m->cycles++;
        m->cycle_nodes += size;
    }
    *sp = first;
}

int hg__find_cycles(hg__model *m, const Heapd__Graph *g)
{
    size_t n = m->nnodes;
    tj_node *t = calloc(n ? n : 1, sizeof *t);
    size_t *stack = malloc((n ? n : 1) * sizeof *stack); /* Tarjan's */
    size_t *calls = malloc((n ? n : 1) * sizeof *calls); /* the recursion */
    size_t *off = NULL, *adj = NULL;
    if (!t || !stack || !calls || build_adjacency(m, g, t, &off, &adj) < 0) {
        free(t);
        free(stack);
        free(calls);
        errno = ENOMEM;
        return -1;
    }
    for (size_t v = 0; v < n; v++)
        t[v].index = HG__NONE;

    size_t counter = 0, comps = 0, sp = 0, cp = 0;
    for (size_t s = 0; s < n; s++) {
        if (t[s].index != HG__NONE)
            continue;
        t[s].index = t[s].low = counter++;
        t[s].on_stack = 1;
        stack[sp++] = s;
        calls[cp++] = s;
        while (cp > 0) {
            size_t v = calls[cp - 1];
            if (t[v].next < off[v + 1]) {
                size_t w = adj[t[v].next++];
                if (t[w].index == HG__NONE) { /* "recurse" into w */
                    t[w].index = t[w].low = counter++;
                    t[w].on_stack = 1;
                    stack[sp++] = w;
                    calls[cp++] = w;
                } else if (t[w].on_stack && t[w].index < t[v].low) {
                    t[v].low = t[w].index;
                }
                continue;
            }
            cp--; /* v is done: "return" to its caller */
            if (cp > 0) {
                size_t u = calls[cp - 1];
                if (t[v].low < t[u].low)
                    t[u].low = t[v].low;
            }
            if (t[v].low == t[v].index)
                pop_component(m, t, stack, &sp, v, comps++);
        }
    }

    for (size_t e = 0; e < m->nedges; e++)
        if (is_strong(m, g, e) && (m->node[m->from[e]] & HG__CYCLE) &&
            t[m->from[e]].comp == t[m->to[e]].comp)
            m->edge[e] |= HG__E_CYCLE;

    free(t);
    free(stack);
    free(calls);
    free(off);
    free(adj);
    return 0;
}
