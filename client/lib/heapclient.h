/*
 * heapclient.h: the whole public surface of libheapclient, the client
 * library of heapd.
 *
 * A client is one connection to a daemon.  Calls block, each with a
 * timeout.  Requests may be pipelined: hc_send several, then hc_recv their
 * responses, which come in request order.  Events (after hc_subscribe)
 * that arrive while a response is awaited are queued and handed out by
 * hc_next_event.  The wire format is proto/heapd.proto (docs/protocol.md);
 * the generated Heapd__* types are part of this API.
 *
 * Names: every public name starts with hc_ (types, functions) or HC_
 * (macros, constants); names with hc__ are internal.  A client is not
 * thread-safe: use one per thread, or lock around it.
 *
 * Errors: functions that can fail return 0 or a negative HC_E_* code.
 * HC_E_SERVER means the daemon answered with an error: hc_last_error()
 * then holds the wire ErrorCode, the Python exception name and the
 * message.  For every other failure hc_last_error() holds that HC_E_*
 * code and a message saying what went wrong.  A failed call leaves its
 * output parameters set to zero/NULL unless it says otherwise.
 *
 * Ownership: results are either plain structs filled in the caller's
 * memory (no pointers inside; strings longer than their array are cut)
 * or decoded messages (Heapd__*) that the caller owns and releases with
 * hc_free().  Each declaration says which.
 */
#ifndef HC_HEAPCLIENT_H
#define HC_HEAPCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "heapd.pb-c.h"

#define HC_VERSION  "0.1.0"
#define HC_PROTOCOL 1 /* Hello.protocol */

/* Frame limits (docs/protocol.md): what the daemon accepts from a client
 * before and after a successful hello, and what this library accepts from
 * the daemon unless hc_set_max_frame says otherwise. */
#define HC_MAX_FRAME_PREHELLO (64u * 1024)
#define HC_MAX_FRAME          (1024u * 1024)
#define HC_MAX_RECV_FRAME     (64u * 1024 * 1024)

#define HC_DEFAULT_TIMEOUT_MS 30000 /* per call; -1 waits forever */
#define HC_DEFAULT_TCP_PORT   7077

/* ---- errors ------------------------------------------------------------ */

typedef enum hc_code {
    HC_OK = 0,
    HC_E_SERVER = -1,  /* the daemon answered with an error (hc_last_error) */
    HC_E_CONNECT = -2, /* cannot connect: refused, no such socket, DNS ... */
    HC_E_CLOSED = -3,  /* the connection was closed (by the peer or an error) */
    HC_E_TIMEOUT = -4, /* the timeout passed; the connection stays usable */
    HC_E_PROTO = -5,   /* the daemon sent something malformed or too large */
    HC_E_TOOBIG = -6,  /* a request larger than the frame limit; not sent */
    HC_E_NOMEM = -7,   /* out of memory */
    HC_E_INVAL = -8,   /* a bad argument: address syntax, NULL, ... */
    HC_E_IO = -9,      /* a system call failed (the message says which) */
    HC_E_STATE = -10,  /* misuse: nothing to receive, hc_call while pipelined */
} hc_code;

typedef struct hc_error {
    /* An HC_E_* code (negative) for a local failure, or, when a call
     * returned HC_E_SERVER, the daemon's Heapd__ErrorCode (positive). */
    int code;
    char py_type[64];  /* "NameError", ... or "" */
    char message[512]; /* "name 'x' is not defined", ... */
} hc_error;

/* The name of an HC_E_* code ("TIMEOUT") or of a positive wire ErrorCode
 * ("NOT_FOUND"); a static string, never NULL. */
const char *hc_code_name(int code);

/* ---- connections ------------------------------------------------------- */

typedef struct hc_client hc_client;

/* Writes the address hc_connect uses when given NULL into buf: $HEAPD_ADDR
 * if set, else unix:$XDG_RUNTIME_DIR/heapd.sock if XDG_RUNTIME_DIR is set,
 * else unix:/tmp/heapd-<uid>.sock.  Returns buf (cut to cap bytes). */
char *hc_default_address(char *buf, size_t cap);

/* Connects to "unix:PATH", "tcp:HOST:PORT", "HOST:PORT" ("[V6]:PORT" for an
 * IPv6 literal) or a path containing '/'; NULL means hc_default_address.
 * timeout_ms bounds the connect (-1: the system's own).  Returns a client
 * that the caller owns and releases with hc_close(), or NULL with *err
 * (if err is not NULL) saying why: HC_E_INVAL for a malformed address,
 * HC_E_CONNECT when nothing answers there.  No hello is sent. */
hc_client *hc_connect(const char *addr, int timeout_ms, hc_error *err);

/* Closes the connection and frees the client with everything it still
 * queues; decoded messages already handed out stay valid.  NULL is a
 * no-op. */
void hc_close(hc_client *c);

/* The error of the last call that failed on c; valid until the next call
 * on c.  Owned by c. */
const hc_error *hc_last_error(const hc_client *c);

/* Timeout of the convenience calls below (HC_DEFAULT_TIMEOUT_MS at first);
 * -1 waits forever. */
void hc_set_timeout(hc_client *c, int timeout_ms);
int hc_get_timeout(const hc_client *c);

/* Largest frame accepted from the daemon (HC_MAX_RECV_FRAME at first).  A
 * larger frame fails the call with HC_E_PROTO and closes the connection,
 * since nothing after it can be read. */
void hc_set_max_frame(hc_client *c, size_t bytes);

/* The socket, for poll(2) by callers with their own loop (readable means
 * hc_recv or hc_next_event may make progress); owned by c. */
int hc_fd(const hc_client *c);

/* Responses still owed to this client: sent (or queued) requests whose
 * responses hc_recv has not yet returned. */
size_t hc_pending(const hc_client *c);

/* ---- raw requests, pipelining ------------------------------------------ */

/* Frees any decoded message returned by this library (a Heapd__Response,
 * Heapd__Event, Heapd__ObjectInfo, ...).  NULL is a no-op. */
void hc_free(void *msg);

/* Queues one request for sending; nothing is written until hc_flush or
 * hc_recv.  If req->id is 0 it is set to the next id of this client (the
 * caller's struct is updated); otherwise the caller's id is sent as is.
 * req stays the caller's.  HC_E_TOOBIG if its frame exceeds the daemon's
 * limit (HC_MAX_FRAME_PREHELLO until a hello succeeded, then
 * HC_MAX_FRAME): nothing is queued then. */
int hc_send(hc_client *c, Heapd__Request *req);

/* Writes everything queued.  While waiting to write it also reads what the
 * daemon sends (queued for hc_recv/hc_next_event), so a long pipeline
 * cannot deadlock.  On HC_E_TIMEOUT the unwritten rest stays queued. */
int hc_flush(hc_client *c, int timeout_ms);

/* Flushes, then waits for the response to the oldest request not yet
 * received.  On success (0) or HC_E_SERVER *resp is that response, which
 * the caller owns and frees with hc_free(); on HC_E_SERVER its error is
 * also copied to hc_last_error.  On any other failure *resp is NULL; after
 * HC_E_TIMEOUT the response is still owed and hc_recv may be called again.
 * HC_E_STATE if no response is owed. */
int hc_recv(hc_client *c, Heapd__Response **resp, int timeout_ms);

/* One request, one response: hc_send, then hc_recv, both within
 * timeout_ms.  *resp and the return value are as for hc_recv, except that
 * on HC_E_TIMEOUT the response is abandoned (dropped when it arrives), so
 * the connection stays usable.  HC_E_STATE if pipelined responses are
 * still owed. */
int hc_call(hc_client *c, Heapd__Request *req, Heapd__Response **resp,
            int timeout_ms);

/* ---- events ------------------------------------------------------------ */

/* Event kinds for hc_subscribe, as a bit mask: 1u << Heapd__EventKind. */
#define HC_EV_ALL       0u
#define HC_EV_BIT(kind) (1u << (kind))

/* Subscribes to the events of the current heap, or of every heap when all
 * is nonzero (admin only).  kinds: a mask of HC_EV_BIT(HEAPD__EVENT_KIND__*)
 * or HC_EV_ALL. */
int hc_subscribe(hc_client *c, uint32_t kinds, int all);
int hc_unsubscribe(hc_client *c);

/* The next event, queued or read from the socket, waiting up to timeout_ms
 * (0: only what is already there).  *ev is owned by the caller, freed with
 * hc_free().  Responses read meanwhile are queued for hc_recv.  Events
 * beyond the client's queue limit (65536) are dropped and counted in the
 * next event's `dropped`, like the daemon's own drops. */
int hc_next_event(hc_client *c, Heapd__Event **ev, int timeout_ms);

/* The name of an event kind ("collection_start", ...); static. */
const char *hc_event_kind_name(int kind);

/* ---- convenience calls ----------------------------------------------------
 * Each sends one request and waits for its response with the client's
 * timeout (hc_set_timeout).  They must not be mixed with unreceived
 * pipelined requests (HC_E_STATE). */

int hc_ping(hc_client *c);

typedef struct hc_hello_result {
    uint32_t protocol;
    char server[64]; /* "heapd 0.1.0" */
    int admin;       /* the admin token was accepted */
} hc_hello_result;

/* Hello{protocol = HC_PROTOCOL}; client_name NULL means "libheapclient",
 * admin_token NULL or "" means none.  out may be NULL. */
int hc_hello(hc_client *c, const char *client_name, const char *admin_token,
             hc_hello_result *out);

typedef struct hc_heap_created {
    char name[128];
    char token[72]; /* hex; the daemon shows it once */
    char profile[16];
} hc_heap_created;

/* Creates a heap and makes it the connection's current heap.  name NULL
 * or "": the daemon picks one; profile NULL: the daemon's default; 0
 * limits: the daemon's defaults.  out may be NULL. */
int hc_heap_create(hc_client *c, const char *name, const char *profile,
                   uint64_t max_bytes, uint64_t max_objects,
                   hc_heap_created *out);

typedef struct hc_heap_stat {
    char name[128];
    char profile[16];
    uint64_t objects, bytes;
    uint64_t max_objects, max_bytes;
    uint32_t connections;
    int busy;
    uint32_t frame_depth;
    uint32_t stack_size;
} hc_heap_stat;

/* Makes the heap current (token NULL or "" with the admin token).  out may
 * be NULL. */
int hc_heap_open(hc_client *c, const char *name, const char *token,
                 hc_heap_stat *out);
/* name NULL or "": the current heap. */
int hc_heap_info(hc_client *c, const char *name, const char *token,
                 hc_heap_stat *out);
int hc_heap_destroy(hc_client *c, const char *name, const char *token);
/* *out is owned by the caller, freed with hc_free(). */
int hc_heap_list(hc_client *c, Heapd__HeapListResult **out);

typedef struct hc_call_due {
    int kind; /* Heapd__CallKind: HEAPD__CALL_KIND__CALL_NONE when none */
    uint64_t callable, arg0, arg1;
    char name[128]; /* the callable's name, when it is a function */
} hc_call_due;

typedef struct hc_op_result {
    uint64_t top;       /* id of the top of the stack, 0 if empty */
    char top_type[128]; /* its type name */
    int64_t value;      /* GC_COLLECT: collected + uncollectable, -1 pending */
    hc_call_due due;    /* caller code that is due (docs/handoff.md) */
    uint32_t stack;     /* stack size after the op */
    uint32_t depth;     /* frame depth after the op */
} hc_op_result;

/* One engine operation on the current heap.  code is a Heapd__OpCode; i, s
 * and obj fill the fields of the same name (s NULL: empty), which is what
 * most codes need (see the OpCode comments in proto/heapd.proto).  out may
 * be NULL. */
int hc_op(hc_client *c, int code, int64_t i, const char *s, uint64_t obj,
          hc_op_result *out);
/* The same with every field of Op (j, k, flags, f, b); op stays the
 * caller's. */
int hc_op_full(hc_client *c, const Heapd__Op *op, hc_op_result *out);

/* gc.collect(generation): out->value is the number found, or -1 when a
 * finalizer or callback became due (out->due says which); after the
 * hand-off, hc_gc_query's last_result holds it. */
int hc_gc_collect(hc_client *c, int generation, hc_op_result *out);

typedef struct hc_gen_stats {
    uint64_t collections, collected, uncollectable;
} hc_gen_stats;

typedef struct hc_gc_state {
    int enabled;
    int64_t threshold[3];
    int64_t count[3];
    hc_gen_stats stats[3];
    int debug;
    uint64_t freeze_count;
    uint64_t garbage; /* len(gc.garbage) */
    int collecting;
    int64_t last_result;
} hc_gc_state;

int hc_gc_query(hc_client *c, hc_gc_state *out);

/* What hc_inspect_* include besides the fixed fields. */
#define HC_INSPECT_REPR  1u
#define HC_INSPECT_STR   2u
#define HC_INSPECT_ITEMS 4u

/* Reads one object by id, by global name, or by stack depth (0 = top).
 * *out is owned by the caller, freed with hc_free(). */
int hc_inspect_id(hc_client *c, uint64_t id, unsigned what,
                  Heapd__ObjectInfo **out);
int hc_inspect_name(hc_client *c, const char *name, unsigned what,
                    Heapd__ObjectInfo **out);
int hc_inspect_depth(hc_client *c, uint32_t depth, unsigned what,
                     Heapd__ObjectInfo **out);

/* *out is owned by the caller, freed with hc_free(). */
int hc_malloc_stats(hc_client *c, Heapd__MallocStatsResult **out);
/* *out is owned by the caller, freed with hc_free(). */
int hc_type_stats(hc_client *c, Heapd__TypeStatsResult **out);

/* The object graph from n root ids, along referents (or referrers when
 * backrefs is nonzero); 0 for max_depth, fanout, max_nodes: the daemon's
 * defaults.  *out is owned by the caller, freed with hc_free(). */
int hc_walk(hc_client *c, const uint64_t *roots, size_t n, int backrefs,
            uint32_t max_depth, uint32_t fanout, uint32_t max_nodes,
            Heapd__Graph **out);

#endif
