/*
 * objgraph.c: the objgraph module on a remote heap -- show_refs and
 * show_backrefs (a Walk of the heap drawn by client/graph), count,
 * typestats, show_most_common_types, show_growth, by_type and
 * find_backref_chain.  As in objgraph, counts cover the objects the
 * collector tracks (gc.get_objects()), and instances count under their
 * class's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evint.h"
#include "graph.h"

#define OP(name) HEAPD__OP_CODE__##name

enum {
    O_SHOW_REFS = 400,
    O_SHOW_BACKREFS,
    O_COUNT,
    O_TYPESTATS,
    O_SHOW_MOST_COMMON,
    O_SHOW_GROWTH,
    O_BY_TYPE,
    O_FIND_BACKREF_CHAIN,
};

static const struct {
    const char *name;
    int code;
} FUNCS[] = {
    {"show_refs", O_SHOW_REFS},
    {"show_backrefs", O_SHOW_BACKREFS},
    {"count", O_COUNT},
    {"typestats", O_TYPESTATS},
    {"show_most_common_types", O_SHOW_MOST_COMMON},
    {"show_growth", O_SHOW_GROWTH},
    {"by_type", O_BY_TYPE},
    {"find_backref_chain", O_FIND_BACKREF_CHAIN},
};

int og_lookup(const char *name)
{
    for (size_t k = 0; k < sizeof FUNCS / sizeof FUNCS[0]; k++)
        if (!strcmp(FUNCS[k].name, name))
            return FUNCS[k].code;
    return 0;
}

/* Reads n objects at once: the link is idle (synced), so the requests go
 * straight to the client, unchained (reads only: no call can become due). */
static int inspect_many(ev_session *e, const uint64_t *ids, size_t n,
                        Heapd__ObjectInfo ***out)
{
    int rc = ev_sync(e);
    if (rc)
        return rc;
    *out = calloc(n + 1, sizeof **out);
    size_t sent = 0, got = 0;
    while (got < n) {
        while (sent < n && sent - got < 1024) {
            Heapd__Request req = HEAPD__REQUEST__INIT;
            Heapd__Inspect in = HEAPD__INSPECT__INIT;
            Heapd__Target tg = HEAPD__TARGET__INIT;
            tg.of_case = HEAPD__TARGET__OF_ID;
            tg.id = ids[sent++];
            in.target = &tg;
            req.body_case = HEAPD__REQUEST__BODY_INSPECT;
            req.inspect = &in;
            if (hc_send(e->c, &req) < 0)
                return ST_FATAL;
        }
        Heapd__Response *resp;
        int r = hc_recv(e->c, &resp, -1);
        if (r != 0 && r != HC_E_SERVER)
            return ST_FATAL;
        if (resp->result_case == HEAPD__RESPONSE__RESULT_OBJECT) {
            (*out)[got] = resp->object;
            resp->object = NULL;
            resp->result_case = HEAPD__RESPONSE__RESULT__NOT_SET;
        }
        hc_free(resp);
        got++;
    }
    return ST_OK;
}

static void free_infos(Heapd__ObjectInfo **oi, size_t n)
{
    for (size_t k = 0; k < n; k++)
        hc_free(oi[k]);
    free(oi);
}

/* The ids of the items of the heap list/tuple at depth. */
static int item_ids(ev_session *e, uint32_t depth, uint64_t **ids, size_t *n)
{
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, depth, HC_INSPECT_ITEMS, &oi);
    if (rc)
        return rc;
    *n = oi->n_items;
    *ids = calloc(oi->n_items + 1, sizeof **ids);
    memcpy(*ids, oi->items, oi->n_items * sizeof **ids);
    hc_free(oi);
    return ST_OK;
}

/* ---- type statistics
 * ---------------------------------------------------------- */

typedef og_stat tstat;

static int cmp_stat(const void *a, const void *b)
{
    const tstat *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* Counts of the tracked objects by type name; ids_out, infos_out optional. */
static int tracked_stats(ev_session *e, tstat **out, size_t *nout,
                         uint64_t **ids_out, Heapd__ObjectInfo ***infos_out,
                         size_t *nobj)
{
    int rc;
    if ((rc = ev_op(e, OP(GC_GET_OBJECTS), -1, NULL, 1)))
        return rc;
    uint64_t *ids;
    size_t n;
    if ((rc = item_ids(e, 0, &ids, &n)) || (rc = ev_pop(e)))
        return rc;
    Heapd__ObjectInfo **oi;
    if ((rc = inspect_many(e, ids, n, &oi))) {
        free(ids);
        return rc;
    }
    tstat *st = NULL;
    size_t ns = 0;
    for (size_t k = 0; k < n; k++) {
        if (!oi[k])
            continue;
        size_t q;
        for (q = 0; q < ns && strcmp(st[q].name, oi[k]->type); q++)
            ;
        if (q == ns) {
            st = realloc(st, (ns + 1) * sizeof *st);
            snprintf(st[ns].name, sizeof st[ns].name, "%s", oi[k]->type);
            st[ns++].count = 0;
        }
        st[q].count++;
    }
    qsort(st, ns, sizeof *st, cmp_stat);
    *out = st;
    *nout = ns;
    if (ids_out)
        *ids_out = ids;
    else
        free(ids);
    if (infos_out)
        *infos_out = oi;
    else
        free_infos(oi, n);
    if (nobj)
        *nobj = n;
    return ST_OK;
}

static long count_of(const tstat *st, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(st[k].name, name))
            return st[k].count;
    return 0;
}

/* ---- pictures
 * ---------------------------------------------------------------------- */

/* predicate(obj) for a heap function predicate and an object id. */
static int call_pred(ev_session *e, val *pred, uint64_t id, bool *out)
{
    lk_req q;
    memset(&q, 0, sizeof q);
    q.kind = LK_OP;
    q.code = HEAPD__OP_CODE__PUSH_ID;
    q.obj = pred->id;
    q.lineno = e->lineno;
    val arg, res;
    memset(&arg, 0, sizeof arg);
    arg.k = V_HEAP;
    int rc;
    if ((rc = ev_opx(e, &q, 1)))
        return rc;
    q.obj = id;
    if ((rc = ev_opx(e, &q, 1)) || (rc = ev_call_heap(e, pred, &arg, 1, &res)))
        return rc;
    Heapd__ObjectInfo *ti;
    if ((rc = ev_inspect(e, 0, 0, &ti)))
        return rc;
    *out = ti->truth;
    hc_free(ti);
    val_clear(&res);
    return ev_pop(e);
}

/* objgraph's filter=: the nodes it refuses go, with their edges, and so
 * does whatever is then no longer reached from a root. */
static void prune(Heapd__Graph *g, const bool *keep, const uint64_t *roots,
                  uint32_t nroots, bool back)
{
    size_t n = g->n_nodes;
    bool *live = calloc(n + 1, sizeof *live);
    size_t *queue = calloc(n + 1, sizeof *queue);
    size_t qh = 0, qt = 0;
    for (size_t k = 0; k < n; k++)
        for (uint32_t r = 0; r < nroots; r++)
            if (g->nodes[k]->id == roots[r] && keep[k] && !live[k]) {
                live[k] = true;
                queue[qt++] = k;
            }
    while (qh < qt) {
        uint64_t at = g->nodes[queue[qh++]]->id;
        for (size_t k = 0; k < g->n_edges; k++) {
            uint64_t from = back ? g->edges[k]->to : g->edges[k]->from;
            uint64_t to = back ? g->edges[k]->from : g->edges[k]->to;
            if (from != at)
                continue;
            for (size_t q = 0; q < n; q++)
                if (g->nodes[q]->id == to && keep[q] && !live[q]) {
                    live[q] = true;
                    queue[qt++] = q;
                }
        }
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (live[k])
            g->nodes[m++] = g->nodes[k];
        else
            heapd__graph_node__free_unpacked(g->nodes[k], NULL);
    }
    g->n_nodes = m;
    size_t me = 0;
    for (size_t k = 0; k < g->n_edges; k++) {
        bool a = false, b = false;
        for (size_t q = 0; q < m; q++) {
            a |= g->nodes[q]->id == g->edges[k]->from;
            b |= g->nodes[q]->id == g->edges[k]->to;
        }
        if (a && b)
            g->edges[me++] = g->edges[k];
        else
            heapd__graph_edge__free_unpacked(g->edges[k], NULL);
    }
    g->n_edges = me;
    free(live);
    free(queue);
}

static int show_graph(ev_session *e, bool back, val *a, uint32_t npos,
                      const char **kw, uint32_t nkw, val *out)
{
    int rc;
    const char *filename = NULL;
    char *fname = NULL;
    int64_t max_depth = 3, too_many = 10;
    bool refcounts = false;
    val highlight, filter;
    memset(&highlight, 0, sizeof highlight);
    memset(&filter, 0, sizeof filter);
    uint32_t n = npos + nkw;
    for (uint32_t k = 0; k < nkw; k++) {
        val *v = &a[npos + k];
        if (!strcmp(kw[k], "filename")) {
            if (v->known != K_STR && v->k == V_HEAP) {
                Heapd__ObjectInfo *oi;
                uint32_t d = 0;
                for (uint32_t q = npos + k + 1; q < n; q++)
                    d += a[q].k == V_HEAP;
                if ((rc = ev_inspect(e, d, HC_INSPECT_STR, &oi)))
                    return rc;
                fname = strdup(oi->str);
                hc_free(oi);
            } else if (v->known == K_STR) {
                fname = strdup(v->s);
            }
        } else if (!strcmp(kw[k], "max_depth") && (v->known == K_INT)) {
            max_depth = v->i;
        } else if (!strcmp(kw[k], "too_many") && (v->known == K_INT)) {
            too_many = v->i;
        } else if (!strcmp(kw[k], "refcounts")) {
            refcounts = v->i != 0;
        } else if ((!strcmp(kw[k], "highlight") || !strcmp(kw[k], "filter")) &&
                   (v->known == K_NULL || v->k == V_VOID)) {
            /* None: nothing to do */
        } else if (!strcmp(kw[k], "highlight") || !strcmp(kw[k], "filter")) {
            val *slot = kw[k][0] == 'h' ? &highlight : &filter;
            val_clear(slot);
            val_copy(slot, v);
            uint32_t d = 0;
            for (uint32_t q = npos + k + 1; q < n; q++)
                d += a[q].k == V_HEAP;
            if (!slot->fn && (rc = ev_learn(e, slot, d)))
                return rc;
            if (!slot->fn) {
                free(fname);
                return ev_raise(e, "TypeError",
                                "heapctl: %s= must be a function", kw[k]);
            }
        } else {
            free(fname);
            return ev_raise(e, "TypeError",
                            "heapctl: objgraph.%s: unsupported argument %s",
                            back ? "show_backrefs" : "show_refs", kw[k]);
        }
    }
    if (npos < 1 || a[0].k != V_HEAP) {
        free(fname);
        return ev_raise(e, "TypeError", "show_refs() needs a list of objects");
    }
    uint32_t d0 = 0;
    for (uint32_t q = 1; q < n; q++)
        d0 += a[q].k == V_HEAP;
    Heapd__ObjectInfo *oi;
    if ((rc = ev_inspect(e, d0, HC_INSPECT_ITEMS, &oi))) {
        free(fname);
        return rc;
    }
    uint64_t roots[64];
    uint32_t nroots = 0;
    if (!strcmp(oi->type, "list") || !strcmp(oi->type, "tuple")) {
        for (size_t k = 0; k < oi->n_items && nroots < 64; k++)
            roots[nroots++] = oi->items[k];
    } else {
        roots[nroots++] = oi->id; /* a single object, as objgraph accepts */
    }
    hc_free(oi);
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_WALK;
    r.roots = roots;
    r.nroots = nroots;
    r.backrefs = back;
    r.max_depth = (uint32_t)(max_depth < 0 ? 0 : max_depth);
    r.fanout = (uint32_t)(too_many < 0 ? 0 : too_many);
    Heapd__Response *resp;
    if ((rc = ev_ask(e, &r, HEAPD__RESPONSE__RESULT_GRAPH, &resp))) {
        free(fname);
        return rc;
    }
    char tmp[64];
    if (!fname) {
        snprintf(tmp, sizeof tmp, "/tmp/objgraph-%d-%u.png", (int)getpid(),
                 (unsigned)e->lk.sent);
        filename = tmp;
    } else {
        filename = fname;
    }
    Heapd__Graph *gr0 = resp->graph;
    uint64_t *hl = calloc(gr0->n_nodes + 1, sizeof *hl);
    size_t nhl = 0;
    bool *keep = calloc(gr0->n_nodes + 1, sizeof *keep);
    for (size_t k = 0; rc == ST_OK && k < gr0->n_nodes; k++) {
        bool t = true;
        if (filter.fn)
            rc = call_pred(e, &filter, gr0->nodes[k]->id, &t);
        keep[k] = t;
        if (rc == ST_OK && t && highlight.fn &&
            (rc = call_pred(e, &highlight, gr0->nodes[k]->id, &t)) == ST_OK &&
            t)
            hl[nhl++] = gr0->nodes[k]->id;
    }
    if (rc == ST_OK && filter.fn)
        prune(gr0, keep, roots, nroots, back);
    free(keep);
    val_clear(&highlight);
    val_clear(&filter);
    if (rc) {
        free(hl);
        hc_free(resp);
        free(fname);
        return rc;
    }
    hg_options go;
    memset(&go, 0, sizeof go);
    go.roots = roots;
    go.nroots = nroots;
    go.highlight = hl;
    go.nhighlight = nhl;
    go.refcounts = refcounts;
    go.backrefs = back;
    char err[512];
    size_t nnodes = resp->graph->n_nodes;
    int gr = hg_render(resp->graph, &go, filename, err, sizeof err);
    hc_free(resp);
    free(hl);
    if (gr < 0) {
        rc = ev_raise(e, "OSError", "%s", err);
    } else if ((rc = ev_sync(e)) == ST_OK) {
        size_t fl = strlen(filename);
        bool dot = fl > 4 && !strcmp(filename + fl - 4, ".dot");
        if (dot)
            fprintf(e->out, "Graph written to %s (%zu nodes)\n", filename,
                    nnodes);
        else
            fprintf(e->out, "Image generated as %s\n", filename);
        fflush(e->out);
    }
    free(fname);
    if (rc)
        return rc;
    for (uint32_t k = 0; k < n; k++)
        if (a[k].k == V_HEAP && (rc = ev_pop(e)))
            return rc;
    memset(out, 0, sizeof *out);
    out->k = V_VOID;
    return ST_OK;
}

/* ---- the rest
 * --------------------------------------------------------------------- */

static int str_arg(ev_session *e, val *a, uint32_t n, uint32_t k, char **out)
{
    uint32_t d = 0;
    for (uint32_t q = k + 1; q < n; q++)
        d += a[q].k == V_HEAP;
    if (a[k].known == K_STR) {
        *out = strdup(a[k].s);
        return ST_OK;
    }
    Heapd__ObjectInfo *oi;
    int rc = ev_inspect(e, d, HC_INSPECT_STR, &oi);
    if (rc)
        return rc;
    *out = strdup(oi->str);
    hc_free(oi);
    return ST_OK;
}

static int pop_args(ev_session *e, val *a, uint32_t n)
{
    int rc = ST_OK;
    for (uint32_t k = 0; rc == ST_OK && k < n; k++)
        if (a[k].k == V_HEAP)
            rc = ev_pop(e);
    return rc;
}

static int limit_arg(val *a, uint32_t npos, const char **kw, uint32_t nkw,
                     int64_t *limit)
{
    if (npos >= 1 && a[0].known == K_INT)
        *limit = a[0].i;
    for (uint32_t k = 0; k < nkw; k++)
        if (!strcmp(kw[k], "limit") && a[npos + k].known == K_INT)
            *limit = a[npos + k].i;
    return 0;
}

/* find_backref_chain(obj, predicate, max_depth=20): the shortest chain of
 * referrers from an object the predicate accepts down to obj, found
 * breadth first as objgraph does; [obj] when there is none. */
static int backref_chain(ev_session *e, val *a, uint32_t npos, const char **kw,
                         uint32_t nkw, val *out)
{
    uint32_t n = npos + nkw;
    int64_t max_depth = 20;
    for (uint32_t k = 0; k < nkw; k++)
        if (!strcmp(kw[k], "max_depth") && a[npos + k].known == K_INT)
            max_depth = a[npos + k].i;
    if (npos < 2 || a[0].k != V_HEAP || a[1].k != V_HEAP)
        return ev_raise(e, "TypeError",
                        "find_backref_chain(obj, predicate, max_depth=20)");
    int rc;
    val pred;
    val_copy(&pred, &a[1]);
    uint32_t dobj = n - 1, dpred = n - 2;
    Heapd__ObjectInfo *oi;
    if ((!pred.fn && (rc = ev_learn(e, &pred, dpred))) ||
        (rc = ev_inspect(e, dobj, 0, &oi))) {
        val_clear(&pred);
        return rc;
    }
    uint64_t target = oi->id;
    hc_free(oi);
    if (!pred.fn) {
        val_clear(&pred);
        return ev_raise(e, "TypeError",
                        "heapctl: the predicate must be a function");
    }
    uint64_t root = target;
    lk_req r;
    memset(&r, 0, sizeof r);
    r.kind = LK_WALK;
    r.roots = &root;
    r.nroots = 1;
    r.backrefs = true;
    r.max_depth = (uint32_t)(max_depth < 0 ? 0 : max_depth);
    Heapd__Response *resp;
    if ((rc = ev_ask(e, &r, HEAPD__RESPONSE__RESULT_GRAPH, &resp))) {
        val_clear(&pred);
        return rc;
    }
    Heapd__Graph *g = resp->graph;
    size_t found = SIZE_MAX;
    for (size_t k = 0; rc == ST_OK && found == SIZE_MAX && k < g->n_nodes;
         k++) {
        bool t;
        if ((rc = call_pred(e, &pred, g->nodes[k]->id, &t)) == ST_OK && t)
            found = k;
    }
    val_clear(&pred);
    int64_t len = 0;
    if (rc == ST_OK) {
        /* from the object found down to obj: each step is an edge to the
         * node one depth nearer obj */
        uint64_t at = found == SIZE_MAX ? target : g->nodes[found]->id;
        uint32_t depth = found == SIZE_MAX ? 0 : g->nodes[found]->depth;
        while (rc == ST_OK) {
            lk_req q;
            memset(&q, 0, sizeof q);
            q.kind = LK_OP;
            q.code = HEAPD__OP_CODE__PUSH_ID;
            q.obj = at;
            q.lineno = e->lineno;
            rc = ev_opx(e, &q, 1);
            len++;
            if (at == target || depth == 0)
                break;
            uint64_t next = 0;
            for (size_t k = 0; !next && k < g->n_edges; k++)
                if (g->edges[k]->from == at)
                    for (size_t q2 = 0; q2 < g->n_nodes; q2++)
                        if (g->nodes[q2]->id == g->edges[k]->to &&
                            g->nodes[q2]->depth + 1 == depth)
                            next = g->edges[k]->to;
            if (!next)
                break;
            at = next;
            depth--;
        }
    }
    hc_free(resp);
    if (rc)
        return rc;
    if ((rc = ev_op(e, HEAPD__OP_CODE__BUILD_LIST, len, NULL, 1 - (int)len)))
        return rc;
    /* drop the arguments under the chain */
    for (uint32_t k = 0; k < n; k++)
        if (a[k].k == V_HEAP &&
            ((rc = ev_op(e, HEAPD__OP_CODE__ROLL, 1, NULL, 0)) ||
             (rc = ev_pop(e))))
            return rc;
    memset(out, 0, sizeof *out);
    out->k = V_HEAP;
    snprintf(out->tname, sizeof out->tname, "list");
    return ST_OK;
}

int og_call(ev_session *e, int code, val *a, uint32_t npos, const char **kw,
            uint32_t nkw, val *out)
{
    uint32_t n = npos + nkw;
    int rc;
    tstat *st = NULL;
    size_t ns = 0;
    memset(out, 0, sizeof *out);
    switch (code) {
    case O_SHOW_REFS:
    case O_SHOW_BACKREFS:
        return show_graph(e, code == O_SHOW_BACKREFS, a, npos, kw, nkw, out);
    case O_COUNT: {
        char *name;
        if (npos != 1)
            return ev_raise(e, "TypeError", "count() takes one type name");
        if ((rc = str_arg(e, a, n, 0, &name)))
            return rc;
        if ((rc = tracked_stats(e, &st, &ns, NULL, NULL, NULL))) {
            free(name);
            return rc;
        }
        long c = count_of(st, ns, name);
        free(name);
        free(st);
        if ((rc = pop_args(e, a, n)))
            return rc;
        out->k = V_HEAP;
        out->known = K_INT;
        out->i = c;
        return ev_op(e, OP(PUSH_INT), c, NULL, 1);
    }
    case O_TYPESTATS:
        if ((rc = tracked_stats(e, &st, &ns, NULL, NULL, NULL)))
            return rc;
        for (size_t k = 0; rc == ST_OK && k < ns; k++)
            if ((rc = ev_op(e, OP(PUSH_STR), 0, st[k].name, 1)) == ST_OK)
                rc = ev_op(e, OP(PUSH_INT), st[k].count, NULL, 1);
        if (rc == ST_OK)
            rc = ev_op(e, OP(BUILD_DICT), (int64_t)ns, NULL, 1 - 2 * (int)ns);
        free(st);
        out->k = V_HEAP;
        snprintf(out->tname, sizeof out->tname, "dict");
        return rc;
    case O_SHOW_MOST_COMMON:
    case O_SHOW_GROWTH: {
        int64_t limit = 10;
        limit_arg(a, npos, kw, nkw, &limit);
        if ((rc = pop_args(e, a, n)) ||
            (rc = tracked_stats(e, &st, &ns, NULL, NULL, NULL)))
            return rc;
        if (code == O_SHOW_MOST_COMMON) {
            size_t width = 0, m = ns < (size_t)limit ? ns : (size_t)limit;
            for (size_t k = 0; k < m; k++)
                if (strlen(st[k].name) > width)
                    width = strlen(st[k].name);
            for (size_t k = 0; k < m; k++)
                fprintf(e->out, "%-*s %ld\n", (int)width, st[k].name,
                        st[k].count);
        } else {
            /* growth since the last call: objgraph keeps the peak per type */
            tstat *grown = calloc(ns + 1, sizeof *grown);
            size_t ng = 0;
            for (size_t k = 0; k < ns; k++) {
                long peak = count_of(e->og_peak, e->og_npeak, st[k].name);
                if (st[k].count > peak) {
                    grown[ng] = st[k];
                    grown[ng++].count = st[k].count - peak;
                }
            }
            /* biggest growth first, as objgraph sorts */
            qsort(grown, ng, sizeof *grown, cmp_stat);
            size_t width = 0, m = ng < (size_t)limit ? ng : (size_t)limit;
            for (size_t k = 0; k < m; k++)
                if (strlen(grown[k].name) > width)
                    width = strlen(grown[k].name);
            for (size_t k = 0; k < m; k++)
                fprintf(e->out, "%-*s%9ld %+9ld\n", (int)width, grown[k].name,
                        count_of(st, ns, grown[k].name), grown[k].count);
            free(grown);
            /* the new peaks */
            for (size_t k = 0; k < ns; k++) {
                size_t q;
                for (q = 0;
                     q < e->og_npeak && strcmp(e->og_peak[q].name, st[k].name);
                     q++)
                    ;
                if (q == e->og_npeak) {
                    e->og_peak = realloc(e->og_peak, (e->og_npeak + 1) *
                                                         sizeof *e->og_peak);
                    e->og_peak[e->og_npeak++] = st[k];
                } else if (st[k].count > e->og_peak[q].count) {
                    e->og_peak[q].count = st[k].count;
                }
            }
        }
        fflush(e->out);
        free(st);
        out->k = V_VOID;
        return ST_OK;
    }
    case O_BY_TYPE: {
        char *name;
        if (npos != 1)
            return ev_raise(e, "TypeError", "by_type() takes one type name");
        if ((rc = str_arg(e, a, n, 0, &name)))
            return rc;
        uint64_t *ids;
        Heapd__ObjectInfo **oi;
        size_t nobj;
        if ((rc = tracked_stats(e, &st, &ns, &ids, &oi, &nobj))) {
            free(name);
            return rc;
        }
        free(st);
        if ((rc = pop_args(e, a, n)) == ST_OK) {
            int64_t c = 0;
            for (size_t k = 0; rc == ST_OK && k < nobj; k++) {
                if (!oi[k] || strcmp(oi[k]->type, name))
                    continue;
                lk_req r;
                memset(&r, 0, sizeof r);
                r.kind = LK_OP;
                r.code = OP(PUSH_ID);
                r.obj = ids[k];
                rc = ev_opx(e, &r, 1);
                c++;
            }
            if (rc == ST_OK)
                rc = ev_op(e, OP(BUILD_LIST), c, NULL, 1 - (int)c);
        }
        free(name);
        free(ids);
        free_infos(oi, nobj);
        out->k = V_HEAP;
        snprintf(out->tname, sizeof out->tname, "list");
        return rc;
    }
    case O_FIND_BACKREF_CHAIN:
        return backref_chain(e, a, npos, kw, nkw, out);
    }
    return ev_raise(e, "AttributeError",
                    "module 'objgraph' has no such function");
}
