/*
 * server.h: the daemon's internal interfaces (server/ only).
 *
 * One libuv loop thread owns every connection and every heap.  Requests on
 * small heaps run inline on the loop; on heaps with many objects they run
 * on libuv's thread pool, one at a time per heap, so that a long collection
 * never stalls other heaps (docs/server.md#isolation).  A connection
 * handles its requests strictly in order: while one waits for its heap,
 * the connection reads no further frames, so responses keep request order.
 */
#ifndef HD_SERVER_H
#define HD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "heap.h"
#include "heapd.pb-c.h"

#define HD_VERSION "0.1.0"
#define HD_PROTOCOL 1
#define HD_MAX_LISTEN 16
#define HD_NAME_MAX 64
#define HD_MAX_CALLS 256 /* the engine's HP_MAX_LEVELS */

/* ---- configuration (config.c) -------------------------------------------- */

typedef struct hd_config {
    char *listen[HD_MAX_LISTEN];
    int nlisten;
    char *admin_token_file;
    char admin_token[65]; /* hex, empty when none */
    char *log_file;
    int log_level;                /* 0 error, 1 warn, 2 info, 3 debug */
    uint32_t max_frame;           /* bytes, after hello */
    uint32_t max_frame_prehello;  /* bytes, before hello */
    uint32_t max_connections;
    uint32_t max_heaps;
    uint64_t heap_max_objects;    /* per heap, the most a client may ask */
    uint64_t heap_max_bytes;
    uint64_t output_high_water;   /* pause reading a client above this */
    uint64_t output_hard_cap;     /* disconnect a client above this */
    uint32_t idle_timeout_ms;     /* no complete frame for this long */
    uint32_t frame_timeout_ms;    /* a started frame not finished in time */
    uint64_t offload_objects;     /* heaps this big run on the thread pool */
    uint32_t max_walk_nodes;
} hd_config;

void hd_config_defaults(hd_config *c);
/* Parses argv (and --config files); 0 ok, 1 = exit 0 (help/version
 * printed), -1 = usage error (message printed). */
int hd_config_parse(hd_config *c, int argc, char **argv);
void hd_config_free(hd_config *c);

/* ---- logging (log.c) -------------------------------------------------------- */

void hd_log_open(const char *path, int level);
void hd_log_reopen(void);
void hd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define HD_ERROR 0
#define HD_WARN 1
#define HD_INFO 2
#define HD_DEBUG 3

/* ---- tokens (auth.c) ---------------------------------------------------------- */

#define HD_TOKEN_BYTES 16
int hd_token_new(uint8_t out[HD_TOKEN_BYTES]);
void hd_token_hex(const uint8_t t[HD_TOKEN_BYTES], char out[2 * HD_TOKEN_BYTES + 1]);
/* Constant-time comparison of a hex token from a client with t. */
bool hd_token_equal(const uint8_t t[HD_TOKEN_BYTES], const char *hex);
bool hd_admin_equal(const hd_config *c, const char *hex);

/* ---- growable byte buffers ---------------------------------------------------- */

typedef struct hd_buf {
    uint8_t *p;
    size_t len, cap;
} hd_buf;

int hd_buf_reserve(hd_buf *b, size_t more);
void hd_buf_free(hd_buf *b);

/* ---- heaps (heaps.c) ----------------------------------------------------------- */

typedef struct hd_server hd_server;
typedef struct hd_conn hd_conn;

typedef struct hd_heap {
    char name[HD_NAME_MAX + 1];
    uint8_t token[HD_TOKEN_BYTES];
    hp_heap *h;
    hd_server *srv;
    uint64_t max_objects, max_bytes;
    bool busy;        /* a request runs on the thread pool */
    bool doomed;      /* destroyed while busy: freed when the job ends */
    uint32_t users;   /* connections whose current heap this is */
    hd_conn *due_owner;            /* whose operation made a call due */
    hd_conn *call_owner[HD_MAX_CALLS]; /* who began each call level */
    /* events produced by the engine, delivered by the loop thread */
    Heapd__Event *pending_events;
    size_t npending, cappending;
    uint64_t event_seq;
    uint64_t events_lost;  /* over the pending cap, not yet reported */
    uint64_t serial;       /* unique for the daemon's life */
    struct hd_heap *next; /* registry list */
} hd_heap;

hd_heap *hd_heap_find(hd_server *s, const char *name);
/* Creates a heap; NULL, with *code and *msg set, on failure. */
hd_heap *hd_heap_create(hd_server *s, const char *name, const char *profile,
                        uint64_t max_objects, uint64_t max_bytes,
                        Heapd__ErrorCode *code, const char **msg);
void hd_heap_destroy(hd_server *s, hd_heap *hh);
/* Does the heap run its requests on the thread pool? */
bool hd_heap_offloaded(const hd_heap *hh);
/* Delivers events the engine produced to subscribers (loop thread). */
void hd_heap_flush_events(hd_heap *hh);
/* A connection goes away: end the calls it left due or under way. */
void hd_heap_release_calls(hd_heap *hh, hd_conn *c);
uint32_t hd_heap_event_mask(hd_server *s, hd_heap *hh);
void hd_heap_update_hook(hd_server *s, hd_heap *hh);

/* ---- connections (conn.c) ------------------------------------------------------- */

/* A stream handle that is a TCP or a Unix socket, seen as either. */
typedef union hd_stream {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
} hd_stream;

struct hd_conn {
    hd_stream u;
    hd_server *srv;
    hd_buf in;                /* bytes read, not yet handled */
    hd_buf out;               /* responses not yet written or queued */
    uint64_t in_flight;       /* bytes queued in uv_write, not yet written */
    bool hello, admin;
    bool reading, closing, blocked;
    bool job;                 /* a request of ours runs on the pool */
    hd_heap *current;
    uint64_t *opened;         /* serials of heaps this connection opened */
    uint32_t nopened, capopened;
    uint64_t last_frame_ms;   /* when the last complete frame arrived */
    uint64_t partial_since_ms;/* when the unfinished frame started, or 0 */
    bool subscribed, sub_all;
    uint32_t sub_mask;
    uint64_t dropped;         /* events not delivered (slow reader) */
    uint64_t stalled_since_ms;/* output above high water since, or 0 */
    bool chain_broken;        /* a reply of the chain failed or left a call due */
    struct hd_conn *prev, *next;
    struct hd_conn *wait_next;/* in the queue of a busy heap */
};

void hd_conn_accepted(hd_server *s, uv_stream_t *listener);
/* Adds an initialised, open connection to the server and starts reading. */
void hd_conn_link(hd_server *s, hd_conn *c);
void hd_conn_close(hd_conn *c);
/* Appends a ServerMessage frame to the output; flushes when asked. */
int hd_conn_send(hd_conn *c, const Heapd__ServerMessage *m);
void hd_conn_flush(hd_conn *c);
/* Continue handling buffered frames (after a job or backpressure). */
void hd_conn_resume(hd_conn *c);
bool hd_conn_can_take_events(const hd_conn *c);
/* A connection on fd, an already connected stream socket the connection
 * then owns (fuzzhook.c: for tests/fuzz/, which feed it bytes without a
 * listener).  NULL if it cannot be set up; fd is then the caller's. */
hd_conn *hd_conn_adopt(hd_server *s, int fd);

/* ---- replies (dispatch.c) ---------------------------------------------------------
 * A response and everything it points to live in one arena, freed at once. */
typedef struct hd_chunk hd_chunk;
typedef struct hd_reply {
    Heapd__Response resp;
    hd_chunk *chunks;
    bool made_due; /* this request made a call due (it owns the call) */
} hd_reply;

void hd_reply_init(hd_reply *r, uint64_t id);
void hd_reply_free(hd_reply *r);
void *hd_reply_alloc(hd_reply *r, size_t n); /* zeroed; NULL if no memory */
void hd_reply_error(hd_reply *r, Heapd__ErrorCode code, const char *py_type,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

typedef enum hd_action {
    HD_DONE,    /* the reply is ready */
    HD_OFFLOAD, /* run hd_dispatch_heap_request on the thread pool */
    HD_WAIT,    /* the heap is busy: try again when it is free */
} hd_action;

hd_action hd_dispatch(hd_conn *c, const Heapd__Request *req, hd_reply *r);
/* The heap part of a request, on any thread (touches only the heap). */
void hd_dispatch_heap_request(hd_heap *hh, const Heapd__Request *req, hd_reply *r,
                              uint32_t max_walk_nodes);
/* Bookkeeping after a heap request, on the loop thread. */
void hd_after_heap_request(hd_conn *c, hd_heap *hh, const Heapd__Request *req,
                           hd_reply *r);
void hd_heap_free_doomed(hd_heap *hh);

/* ---- the server (listen.c) --------------------------------------------------------- */

typedef struct hd_listener {
    hd_stream u;
    hd_server *srv;
    char *path; /* unix socket path to unlink at exit */
} hd_listener;

struct hd_server {
    uv_loop_t *loop;
    hd_config cfg;
    hd_listener listeners[HD_MAX_LISTEN];
    int nlisteners;
    hd_conn *conns;
    uint32_t nconns;
    hd_heap *heaps;
    uint32_t nheaps;
    uint64_t heap_seq, heap_serial;
    uint32_t jobs;
    uv_signal_t sig[3];
    uv_timer_t sweep;
    bool stopping;
    bool loop_done; /* uv_run returned: free synchronously */
    uint64_t accepted, rejected;
};

int hd_server_init(hd_server *s, uv_loop_t *loop, const hd_config *cfg);
int hd_server_listen(hd_server *s);
void hd_server_stop(hd_server *s);
/* Runs until stopped; returns the exit status. */
int hd_server_run(hd_server *s);
uint64_t hd_now_ms(hd_server *s);

#endif
