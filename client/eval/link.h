/*
 * link.h: the evaluator's connection to its heap.  Requests go out ahead
 * of their answers in chains (docs/protocol.md#chains) and the answers are
 * read back in order.  The two things that break a chain are dealt with
 * here: an error becomes the link's pending exception (every later send
 * refuses until the evaluator takes it), and a call that becomes due (a
 * __del__, a weakref callback, a gc callback) is run through the on_due
 * hook, after which the requests the daemon skipped meanwhile are sent
 * again, unchanged.  See docs/heapctl.md#pipelining.
 *
 * Internal to client/eval; names are lk_.
 */
#ifndef EV_LINK_H
#define EV_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "heapclient.h"

typedef enum lk_kind {
    LK_OP,
    LK_INSPECT,
    LK_GCQUERY,
    LK_MALLOC,
    LK_TYPES,
    LK_WALK,
} lk_kind;

/* One request, kept until answered: it may have to be sent again.  The
 * link owns the strings and arrays it copies in lk_send. */
typedef struct lk_req {
    lk_kind kind;
    /* LK_OP */
    int code;
    int64_t i, j, k;
    uint32_t flags;
    double f;
    char *s;    /* op.s, or the Inspect target name */
    uint8_t *b; /* op.b */
    size_t blen;
    uint64_t obj;    /* op.obj, or the Inspect target id */
    bool no_due_run; /* a due in the answer is left in lk.due for the caller */
    /* LK_INSPECT: target by depth (target 0), id (1) or name (2) */
    int target;
    uint32_t depth;
    unsigned what; /* HC_INSPECT_* */
    uint32_t repr_limit;
    /* LK_WALK */
    uint64_t *roots;
    uint32_t nroots, max_depth, fanout, max_nodes;
    bool backrefs;
    int lineno; /* source line that sent it, for tracebacks */
} lk_req;

enum { LK_OK = 0, LK_EXC = -1, LK_FATAL = -2 };

typedef struct lk_exc {
    char type[64]; /* "NameError"; "" for an error that is not Python's */
    char msg[512];
    int code; /* the wire ErrorCode */
    int lineno;
} lk_exc;

typedef struct lk {
    hc_client *c;
    lk_req *q; /* sent, not answered, in order: q[qhead .. qhead+qn) */
    size_t qhead, qn, qcap;
    size_t window;     /* most requests in flight */
    bool need_unchain; /* the next request starts a chain */
    int mode;          /* what the answers seen since the chain broke mean */
    lk_req *stash;     /* skipped because of a due call: to send again */
    size_t nstash, capstash;
    bool has_exc;
    lk_exc exc;
    bool has_due;
    Heapd__CallDue due; /* copied; name in due_name */
    char due_name[128];
    uint32_t real_sp, real_depth; /* after the last op that succeeded */
    /* Runs a due call: CALL_BEGIN, its body, CALL_END.  Returns LK_OK or
     * LK_FATAL.  Called with nothing in flight. */
    int (*on_due)(void *ctx, const Heapd__CallDue *due);
    void *ctx;
    bool fatal;
    char fatal_msg[512];
    uint64_t sent, resent; /* statistics */
} lk;

void lk_init(lk *l, hc_client *c, uint32_t stack, uint32_t depth);
void lk_free(lk *l);

/* Sends r (copied).  LK_EXC if an exception is pending (nothing is sent),
 * LK_FATAL if the connection failed; LK_OK otherwise, which says nothing
 * about how r will fare. */
int lk_send(lk *l, const lk_req *r);
/* Waits until everything sent is answered; *out (if not NULL) gets the
 * answer to the last request sent, which the caller frees with hc_free.
 * LK_EXC if any of them failed (the exception is pending). */
int lk_wait(lk *l, Heapd__Response **out);
/* Takes the pending exception; false if there is none. */
bool lk_take_exc(lk *l, lk_exc *out);
/* Takes the call left due by a request sent with no_due_run. */
bool lk_take_due(lk *l, Heapd__CallDue *out, char *name, size_t cap);

#endif
