/*
 * link.c: requests to the heap, sent ahead of their answers in chains,
 * read back in order (link.h; docs/heapctl.md#pipelining).
 *
 * After a chain breaks, every request sent after the one that broke it
 * comes back ABORTED.  What that means depends on why it broke: after an
 * error those requests are dropped (the evaluator raises the exception and
 * goes its own way); after a due call they are kept, and once every answer
 * is in, the call is run and they are sent again in order, the first one
 * unchained.  A request sent again is the same request: the heap is, from
 * its point of view, exactly where it was when the request was first sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"

enum { MODE_NONE, MODE_DROP, MODE_STASH };

#define LK_WINDOW 4096

void lk_init(lk *l, hc_client *c, uint32_t stack, uint32_t depth)
{
    memset(l, 0, sizeof *l);
    l->c = c;
    l->window = LK_WINDOW;
    l->need_unchain = true;
    l->real_sp = stack;
    l->real_depth = depth;
}

static void req_free(lk_req *r)
{
    free(r->s);
    free(r->b);
    free(r->roots);
    r->s = NULL;
    r->b = NULL;
    r->roots = NULL;
}

static int copy_req(lk_req *dst, const lk_req *src)
{
    *dst = *src;
    dst->s = NULL;
    dst->b = NULL;
    dst->roots = NULL;
    if (src->s && !(dst->s = strdup(src->s)))
        return -1;
    if (src->blen) {
        if (!(dst->b = malloc(src->blen)))
            return -1;
        memcpy(dst->b, src->b, src->blen);
    }
    if (src->nroots) {
        if (!(dst->roots = malloc(src->nroots * sizeof *dst->roots)))
            return -1;
        memcpy(dst->roots, src->roots, src->nroots * sizeof *dst->roots);
    }
    return 0;
}

void lk_free(lk *l)
{
    for (size_t n = 0; n < l->qn; n++)
        req_free(&l->q[(l->qhead + n) % l->qcap]);
    for (size_t n = 0; n < l->nstash; n++)
        req_free(&l->stash[n]);
    free(l->q);
    free(l->stash);
    memset(l, 0, sizeof *l);
}

static int fatal(lk *l, const char *what)
{
    if (!l->fatal) {
        l->fatal = true;
        snprintf(l->fatal_msg, sizeof l->fatal_msg, "%.60s: %.400s", what,
                 hc_last_error(l->c)->message);
    }
    return LK_FATAL;
}

/* ---- sending
 * ------------------------------------------------------------------ */

static int transmit(lk *l, const lk_req *r)
{
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Op op = HEAPD__OP__INIT;
    Heapd__Inspect in = HEAPD__INSPECT__INIT;
    Heapd__Target tg = HEAPD__TARGET__INIT;
    Heapd__GcQuery gq = HEAPD__GC_QUERY__INIT;
    Heapd__MallocStats ms = HEAPD__MALLOC_STATS__INIT;
    Heapd__TypeStats ts = HEAPD__TYPE_STATS__INIT;
    Heapd__Walk wk = HEAPD__WALK__INIT;
    Heapd__Target *wroots[64], wtargets[64];
    switch (r->kind) {
    case LK_OP:
        op.code = (Heapd__OpCode)r->code;
        op.i = r->i;
        op.j = r->j;
        op.k = r->k;
        op.flags = r->flags;
        op.f = r->f;
        op.s = r->s ? r->s : (char *)"";
        op.b.data = r->b;
        op.b.len = r->blen;
        op.obj = r->obj;
        req.body_case = HEAPD__REQUEST__BODY_OP;
        req.op = &op;
        break;
    case LK_INSPECT:
        if (r->target == 0) {
            tg.of_case = HEAPD__TARGET__OF_DEPTH;
            tg.depth = r->depth;
        } else if (r->target == 1) {
            tg.of_case = HEAPD__TARGET__OF_ID;
            tg.id = r->obj;
        } else {
            tg.of_case = HEAPD__TARGET__OF_NAME;
            tg.name = r->s;
        }
        in.target = &tg;
        in.repr = (r->what & HC_INSPECT_REPR) != 0;
        in.str = (r->what & HC_INSPECT_STR) != 0;
        in.items = (r->what & HC_INSPECT_ITEMS) != 0;
        in.repr_limit = r->repr_limit;
        req.body_case = HEAPD__REQUEST__BODY_INSPECT;
        req.inspect = &in;
        break;
    case LK_GCQUERY:
        req.body_case = HEAPD__REQUEST__BODY_GC_QUERY;
        req.gc_query = &gq;
        break;
    case LK_MALLOC:
        req.body_case = HEAPD__REQUEST__BODY_MALLOC_STATS;
        req.malloc_stats = &ms;
        break;
    case LK_TYPES:
        req.body_case = HEAPD__REQUEST__BODY_TYPE_STATS;
        req.type_stats = &ts;
        break;
    case LK_WALK:
        if (r->nroots > 64)
            return LK_FATAL;
        for (uint32_t n = 0; n < r->nroots; n++) {
            heapd__target__init(&wtargets[n]);
            wtargets[n].of_case = HEAPD__TARGET__OF_ID;
            wtargets[n].id = r->roots[n];
            wroots[n] = &wtargets[n];
        }
        wk.roots = wroots;
        wk.n_roots = r->nroots;
        wk.backrefs = r->backrefs;
        wk.max_depth = r->max_depth;
        wk.fanout = r->fanout;
        wk.max_nodes = r->max_nodes;
        req.body_case = HEAPD__REQUEST__BODY_WALK;
        req.walk = &wk;
        break;
    }
    req.chained = !l->need_unchain;
    l->need_unchain = false;
    if (hc_send(l->c, &req) < 0)
        return fatal(l, "sending to heapd");
    return LK_OK;
}

static int push_queue(lk *l, const lk_req *r)
{
    if (l->qn == l->qcap) {
        size_t cap = l->qcap ? l->qcap * 2 : 256;
        lk_req *q = malloc(cap * sizeof *q);
        if (!q)
            return -1;
        for (size_t n = 0; n < l->qn; n++)
            q[n] = l->q[(l->qhead + n) % l->qcap];
        free(l->q);
        l->q = q;
        l->qcap = cap;
        l->qhead = 0;
    }
    if (copy_req(&l->q[(l->qhead + l->qn) % l->qcap], r) < 0)
        return -1;
    l->qn++;
    return 0;
}

static int receive_one(lk *l, Heapd__Response **keep);

int lk_send(lk *l, const lk_req *r)
{
    if (l->fatal)
        return LK_FATAL;
    if (l->has_exc)
        return LK_EXC;
    if (push_queue(l, r) < 0) {
        snprintf(l->fatal_msg, sizeof l->fatal_msg, "out of memory");
        l->fatal = true;
        return LK_FATAL;
    }
    int rc = transmit(l, r);
    if (rc < 0)
        return rc;
    l->sent++;
    while (l->qn >= l->window)
        while (l->qn > l->window / 2)
            if ((rc = receive_one(l, NULL)) == LK_FATAL)
                return rc;
    return l->has_exc ? LK_EXC : LK_OK;
}

/* ---- answers
 * ------------------------------------------------------------------ */

static int stash_push(lk *l, lk_req *r)
{
    if (l->nstash == l->capstash) {
        size_t cap = l->capstash ? l->capstash * 2 : 64;
        lk_req *p = realloc(l->stash, cap * sizeof *p);
        if (!p)
            return -1;
        l->stash = p;
        l->capstash = cap;
    }
    l->stash[l->nstash++] = *r; /* takes ownership */
    return 0;
}

static void set_exc(lk *l, const Heapd__Error *e, const lk_req *r)
{
    if (l->has_exc)
        return;
    l->has_exc = true;
    snprintf(l->exc.type, sizeof l->exc.type, "%s",
             e->py_type ? e->py_type : "");
    snprintf(l->exc.msg, sizeof l->exc.msg, "%s", e->message ? e->message : "");
    l->exc.code = (int)e->code;
    l->exc.lineno = r->lineno;
}

/* Everything is answered and the chain broke for a due call: run it,
 * then send again what the daemon skipped.  The stash is taken out of
 * the link first: the call's own requests go through the link too. */
static int run_due(lk *l)
{
    lk_req *stash = l->stash;
    size_t nstash = l->nstash;
    l->stash = NULL;
    l->nstash = l->capstash = 0;
    Heapd__CallDue due = l->due;
    char name[128];
    memcpy(name, l->due_name, sizeof name);
    due.name = name;
    l->has_due = false;
    l->mode = MODE_NONE;
    l->need_unchain = true;
    int rc = l->on_due ? l->on_due(l->ctx, &due) : LK_OK;
    for (size_t n = 0; n < nstash; n++) {
        if (rc == LK_OK && !l->fatal && !l->has_exc) {
            if (push_queue(l, &stash[n]) < 0 || transmit(l, &stash[n]) < 0)
                rc = LK_FATAL;
            l->resent++;
        }
        req_free(&stash[n]);
    }
    free(stash);
    return l->fatal ? LK_FATAL : rc;
}

/* Reads one answer and acts on it; *keep (if not NULL) gets it, unless
 * it is ABORTED.  Runs a due call once everything is answered. */
static int receive_one(lk *l, Heapd__Response **keep)
{
    Heapd__Response *resp = NULL;
    int rc = hc_recv(l->c, &resp, -1);
    if (rc != 0 && rc != HC_E_SERVER)
        return fatal(l, "reading from heapd");
    lk_req r = l->q[l->qhead];
    l->qhead = (l->qhead + 1) % l->qcap;
    l->qn--;
    bool keep_req = false;
    if (resp->error && resp->error->code == HEAPD__ERROR_CODE__ABORTED) {
        if (l->mode == MODE_STASH)
            keep_req = stash_push(l, &r) == 0;
    } else if (resp->error) {
        set_exc(l, resp->error, &r);
        l->mode = MODE_DROP;
        l->need_unchain = true;
    } else if (resp->result_case == HEAPD__RESPONSE__RESULT_OP) {
        l->real_sp = resp->op->stack;
        l->real_depth = resp->op->depth;
        if (resp->op->due) {
            l->due = *resp->op->due;
            snprintf(l->due_name, sizeof l->due_name, "%s",
                     resp->op->due->name ? resp->op->due->name : "");
            l->due.name = NULL;
            l->has_due = true;
            l->need_unchain = true;
            if (!r.no_due_run)
                l->mode = MODE_STASH;
        }
    }
    bool aborted =
        resp->error && resp->error->code == HEAPD__ERROR_CODE__ABORTED;
    if (!keep_req)
        req_free(&r);
    if (keep && !aborted) {
        hc_free(*keep);
        *keep = resp;
    } else {
        hc_free(resp);
    }
    if (l->qn == 0) {
        if (l->mode == MODE_STASH)
            return run_due(l);
        l->mode = MODE_NONE;
    }
    return LK_OK;
}

int lk_wait(lk *l, Heapd__Response **out)
{
    Heapd__Response *last = NULL;
    if (out)
        *out = NULL;
    while (l->qn && !l->fatal)
        receive_one(l, &last);
    if (l->fatal || l->has_exc) {
        hc_free(last);
        return l->fatal ? LK_FATAL : LK_EXC;
    }
    if (out)
        *out = last;
    else
        hc_free(last);
    return LK_OK;
}

bool lk_take_exc(lk *l, lk_exc *out)
{
    if (!l->has_exc)
        return false;
    *out = l->exc;
    l->has_exc = false;
    return true;
}

bool lk_take_due(lk *l, Heapd__CallDue *out, char *name, size_t cap)
{
    if (!l->has_due || l->mode == MODE_STASH)
        return false;
    *out = l->due;
    snprintf(name, cap, "%s", l->due_name);
    out->name = name;
    l->has_due = false;
    return true;
}
