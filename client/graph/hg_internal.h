/*
 * hg_internal.h: what the files of libheapgraph share.  Not public: the
 * API is graph.h alone; names here are prefixed hg__.
 *
 * graph.c    the facts about each node and edge, and the dot text
 * cycles.c   which nodes and edges lie on a cycle of strong references
 * render.c   file formats, running Graphviz's dot
 */
#ifndef HG_INTERNAL_H
#define HG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

#define HG__NONE SIZE_MAX /* no node: an edge end outside the graph */

/* Node flags. */
enum {
    HG__ROOT = 1,      /* passed to show_refs (or depth 0) */
    HG__HIGHLIGHT = 2, /* in hg_options.highlight */
    HG__CYCLE = 4,     /* in a cycle of strong references */
    HG__REPEAT = 8,    /* an id seen at an earlier index: not drawn */
};

/* Edge flags. */
enum {
    HG__E_CYCLE = 1, /* a strong reference between two nodes of a cycle */
};

/* What the picture needs to know beyond the message, indexed like
 * g->nodes and g->edges.  Built by hg_write_dot, which owns it. */
typedef struct hg__model {
    size_t nnodes, nedges;
    unsigned char *node; /* HG__* */
    unsigned char *edge; /* HG__E_* */
    size_t *from, *to;   /* node index of each edge's ends, or HG__NONE */
    size_t cycles;       /* strongly connected components that are cycles */
    size_t cycle_nodes;  /* nodes in them */
    size_t drawn_edges;  /* edges with both ends in the graph */
} hg__model;

/* Sets HG__CYCLE on the nodes and HG__E_CYCLE on the edges that lie on a
 * cycle of strong (non-weak) references, and m->cycles, m->cycle_nodes;
 * m->from, m->to must be filled in.  Iterative: the depth of the graph
 * does not matter.  Returns 0, or -1 with errno ENOMEM (nothing set).
 * See docs/graph.md#cycles. */
int hg__find_cycles(hg__model *m, const Heapd__Graph *g);

#endif
