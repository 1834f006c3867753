/*
 * conn.c: one client connection: reading and framing (a 4-byte big-endian
 * length, checked against the limit before anything is allocated, then a
 * protobuf Request), handing requests to dispatch in order, batching
 * replies into one write per read, backpressure, and closing.
 * See docs/server.md#framing.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* ---- buffers ------------------------------------------------------------------ */

int hd_buf_reserve(hd_buf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

void hd_buf_free(hd_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- jobs on the thread pool --------------------------------------------------- */

typedef struct hd_job {
    uv_work_t work;
    hd_conn *conn;
    hd_heap *heap;
    Heapd__Request *req;
    hd_reply reply;
    uint32_t max_walk_nodes;
} hd_job;

static void on_closed(uv_handle_t *handle);
static void process(hd_conn *c);

static void job_run(uv_work_t *w)
{
    hd_job *j = w->data;
    hd_dispatch_heap_request(j->heap, j->req, &j->reply, j->max_walk_nodes);
}

/* A reply that is an error or leaves a call due ends the chain: the
 * chained requests after it are answered ABORTED (docs/protocol.md#chains). */
static void send_reply(hd_conn *c, hd_reply *r)
{
    if (r->resp.error ||
        (r->resp.result_case == HEAPD__RESPONSE__RESULT_OP && r->resp.op->due))
        c->chain_broken = true;
    Heapd__ServerMessage m = HEAPD__SERVER_MESSAGE__INIT;
    m.msg_case = HEAPD__SERVER_MESSAGE__MSG_RESPONSE;
    m.response = &r->resp;
    hd_conn_send(c, &m);
}

static void wake_waiters(hd_server *s, hd_heap *hh)
{
    for (hd_conn *c = s->conns; c; c = c->next)
        if (c->blocked && !c->closing && (c->current == hh || !c->current)) {
            hd_conn_resume(c);
            if (hh->busy)
                break; /* the next one waits for this job */
        }
}

static void job_done(uv_work_t *w, int status)
{
    (void)status;
    hd_job *j = w->data;
    hd_conn *c = j->conn;
    hd_heap *hh = j->heap;
    hd_server *s = c->srv;
    s->jobs--;
    hh->busy = false;
    c->job = false;
    if (hh->doomed) {
        /* Those waiting for it now have no current heap: wake them to
         * hear so.  They look for the heap by pointer, so before it goes. */
        wake_waiters(s, hh);
        hd_heap_free_doomed(hh);
        hh = NULL;
    } else {
        hd_after_heap_request(c, hh, j->req, &j->reply);
        hd_heap_update_hook(s, hh);
    }
    if (!c->closing)
        send_reply(c, &j->reply);
    hd_reply_free(&j->reply);
    if (s->stopping && !c->closing) {
        hd_conn_flush(c); /* the reply in flight at SIGTERM goes out */
        hd_conn_close(c);
    }
    heapd__request__free_unpacked(j->req, NULL);
    free(j);
    if (hh)
        hd_heap_release_calls(hh, NULL); /* calls orphaned during the job */
    /* Others waiting for this heap go first: a client pipelining many
     * requests on a big heap does not starve them (docs/server.md). */
    if (hh)
        wake_waiters(s, hh);
    if (c->closing)
        hd_conn_close(c); /* finishes the close deferred for the job */
    else if (!c->job)
        hd_conn_resume(c);
    if (s->stopping)
        hd_server_stop(s);
}

static int start_job(hd_conn *c, Heapd__Request *req)
{
    hd_job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->conn = c;
    j->heap = c->current;
    j->req = req;
    j->max_walk_nodes = c->srv->cfg.max_walk_nodes;
    hd_reply_init(&j->reply, req->id);
    j->work.data = j;
    j->heap->busy = true;
    if (uv_queue_work(c->srv->loop, &j->work, job_run, job_done) != 0) {
        j->heap->busy = false;
        free(j);
        return -1;
    }
    c->job = true;
    c->srv->jobs++;
    return 0;
}

/* ---- writing ----------------------------------------------------------------------- */

/* What uv_try_write could not take at once: the tail of an output buffer
 * the request now owns (mem, freed in on_written), buf its unsent part. */
typedef struct hd_write {
    uv_write_t req;
    uv_buf_t buf;
    void *mem;
} hd_write;

/* An output buffer this big is freed once written rather than kept for
 * the next batch, so a connection that once sent a large Walk does not
 * hold its memory for life. */
#define HD_OUT_KEEP 65536

static uint64_t pending_output(const hd_conn *c)
{
    return c->in_flight + c->out.len;
}

bool hd_conn_can_take_events(const hd_conn *c)
{
    return !c->closing && pending_output(c) < c->srv->cfg.output_high_water;
}

/* ---- the common reply, encoded by hand --------------------------------------
 * Nearly every reply is ServerMessage{response{id, op{top, top_type, value,
 * stack, depth}}} with no call due and no error.  Packing it here in one
 * pass, without protobuf-c's size pass and descriptor walk, is most of the
 * per-request cost saved (docs/bench.md).  Debug builds check every such
 * frame against protobuf-c's own encoding. */

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* A field's bytes: its one-byte tag plus the varint, or 0 when the value
 * is proto3's default and so not sent. */
static size_t field_len(uint64_t v)
{
    return v ? 1 + varint_len(v) : 0;
}

static uint8_t *put_field(uint8_t *p, uint8_t tag, uint64_t v)
{
    if (!v)
        return p;
    *p++ = tag;
    return put_varint(p, v);
}

static bool is_plain_op_reply(const Heapd__ServerMessage *m)
{
    return m->msg_case == HEAPD__SERVER_MESSAGE__MSG_RESPONSE && !m->response->error &&
           m->response->result_case == HEAPD__RESPONSE__RESULT_OP && !m->response->op->due;
}

static size_t pack_op_reply(const Heapd__Response *r, uint8_t *out, size_t *need)
{
    const Heapd__OpResult *o = r->op;
    size_t tl = o->top_type ? strlen(o->top_type) : 0;
    uint64_t zz = ((uint64_t)o->value << 1) ^ (uint64_t)(o->value >> 63);
    size_t opn = field_len(o->top) + (tl ? 1 + varint_len(tl) + tl : 0) + field_len(zz) +
                 field_len(o->stack) + field_len(o->depth);
    size_t rn = field_len(r->id) + 1 + varint_len(opn) + opn;
    size_t n = 1 + varint_len(rn) + rn;
    *need = n;
    if (!out)
        return 0;
    uint8_t *q = out;
    *q++ = 0x0a; /* ServerMessage.response */
    q = put_varint(q, rn);
    q = put_field(q, 0x08, r->id);
    *q++ = 0x72; /* Response.op, field 14 */
    q = put_varint(q, opn);
    q = put_field(q, 0x08, o->top);
    if (tl) {
        *q++ = 0x12;
        q = put_varint(q, tl);
        memcpy(q, o->top_type, tl);
        q += tl;
    }
    q = put_field(q, 0x18, zz);
    q = put_field(q, 0x28, o->stack);
    q = put_field(q, 0x30, o->depth);
    return (size_t)(q - out);
}

int hd_conn_send(hd_conn *c, const Heapd__ServerMessage *m)
{
    if (c->closing)
        return -1;
    bool plain = is_plain_op_reply(m);
    size_t n;
    if (plain)
        pack_op_reply(m->response, NULL, &n);
    else
        n = heapd__server_message__get_packed_size(m);
    if (pending_output(c) + n + 4 > c->srv->cfg.output_hard_cap) {
        hd_log(HD_WARN, "closing a client that does not read its replies");
        hd_conn_close(c);
        return -1;
    }
    if (hd_buf_reserve(&c->out, n + 4) < 0) {
        hd_conn_close(c);
        return -1;
    }
    uint8_t *p = c->out.p + c->out.len;
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    if (plain) {
        size_t wrote = pack_op_reply(m->response, p + 4, &n);
        (void)wrote;
#ifdef HEAPD_DEBUG
        uint8_t *ref = malloc(n);
        if (!ref || heapd__server_message__get_packed_size(m) != n || wrote != n ||
            (heapd__server_message__pack(m, ref), memcmp(ref, p + 4, n) != 0)) {
            hd_log(HD_ERROR, "hand-packed reply differs from protobuf-c's");
            abort();
        }
        free(ref);
#endif
    } else {
        heapd__server_message__pack(m, p + 4);
    }
    c->out.len += n + 4;
    return 0;
}

static void on_written(uv_write_t *req, int status)
{
    hd_write *w = (hd_write *)req;
    hd_conn *c = req->data;
    c->in_flight -= w->buf.len;
    free(w->mem);
    free(w);
    if (c->closing) {
        if (c->in_flight == 0 && !c->job && !uv_is_closing(&c->u.handle))
            uv_close(&c->u.handle, on_closed);
        return;
    }
    if (status < 0) {
        hd_conn_close(c);
        return;
    }
    if (pending_output(c) < c->srv->cfg.output_high_water / 2) {
        c->stalled_since_ms = 0;
        hd_conn_resume(c);
    }
}

/* Writes the output at once if the socket takes it (uv_try_write: no
 * request, no watcher change, the buffer kept for the next batch); what it
 * does not take goes to uv_write, counted in in_flight until on_written.
 * uv_try_write refuses while an earlier uv_write is queued, so replies
 * keep their order.  When uv_try_write fails, uv_write gets the whole
 * buffer and reports the error to on_written, as before uv_try_write was
 * used: a reset peer is not closed in the middle of a flush (event
 * delivery flushes other connections).  See docs/server.md#framing. */
void hd_conn_flush(hd_conn *c)
{
    if (c->out.len == 0 || uv_is_closing(&c->u.handle))
        return;
    uv_buf_t all = uv_buf_init((char *)c->out.p, (unsigned)c->out.len);
    int n = uv_try_write(&c->u.stream, &all, 1);
    size_t done = n > 0 ? (size_t)n : 0;
    if (done == c->out.len) {
        c->out.len = 0;
        if (c->out.cap > HD_OUT_KEEP)
            hd_buf_free(&c->out);
        return;
    }
    hd_write *w = malloc(sizeof *w);
    if (!w) {
        hd_conn_close(c);
        return;
    }
    w->mem = c->out.p;
    w->buf =
        uv_buf_init((char *)c->out.p + done, (unsigned)(c->out.len - done));
    w->req.data = c;
    c->in_flight += w->buf.len;
    c->out.p = NULL;
    c->out.len = c->out.cap = 0;
    if (uv_write(&w->req, &c->u.stream, &w->buf, 1, on_written) != 0) {
        c->in_flight -= w->buf.len;
        free(w->mem);
        free(w);
        hd_conn_close(c);
    }
}

/* ---- reading ------------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    hd_conn *c = h->data;
    (void)suggested;
    if (hd_buf_reserve(&c->in, 65536) < 0) {
        buf->base = NULL;
        buf->len = 0;
        return;
    }
    buf->base = (char *)c->in.p + c->in.len;
    buf->len = c->in.cap - c->in.len;
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    hd_conn *c = stream->data;
    (void)buf;
    if (n < 0) {
        hd_conn_close(c); /* EOF or error; a cut frame is simply dropped */
        return;
    }
    if (n == 0)
        return;
    c->in.len += (size_t)n;
    process(c);
}

static void start_reading(hd_conn *c)
{
    if (!c->reading && !c->closing && uv_read_start(&c->u.stream, on_alloc, on_read) == 0)
        c->reading = true;
}

static void stop_reading(hd_conn *c)
{
    if (c->reading) {
        uv_read_stop(&c->u.stream);
        c->reading = false;
    }
}

/* An error that ends the connection: say why if we can, then close once
 * the reply is written. */
static void fatal(hd_conn *c, Heapd__ErrorCode code, const char *msg)
{
    hd_reply r;
    hd_reply_init(&r, 0);
    hd_reply_error(&r, code, NULL, "%s", msg);
    send_reply(c, &r);
    hd_reply_free(&r);
    hd_conn_flush(c);
    hd_conn_close(c);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Requests handled on the loop thread are unpacked into one bump arena,
 * reset after each request: no malloc per request.  What does not fit
 * spills to malloc.  A request that goes to the thread pool is unpacked
 * again with malloc, since it outlives the arena's next reset. */
static struct {
    uint8_t buf[1 << 20];
    size_t used;
    bool spilled;
} arena;

static void *arena_alloc(void *data, size_t n)
{
    (void)data;
    n = (n + 15) & ~(size_t)15;
    if (sizeof arena.buf - arena.used >= n) {
        void *p = arena.buf + arena.used;
        arena.used += n;
        return p;
    }
    arena.spilled = true;
    return malloc(n);
}

static void arena_free(void *data, void *p)
{
    (void)data;
    if ((uint8_t *)p < arena.buf || (uint8_t *)p >= arena.buf + sizeof arena.buf)
        free(p);
}

static ProtobufCAllocator arena_allocator = {arena_alloc, arena_free, NULL};

static Heapd__Request *unpack_request(size_t n, const uint8_t *p)
{
    return heapd__request__unpack(&arena_allocator, n, p);
}

static void release_request(Heapd__Request *req)
{
    if (arena.spilled)
        heapd__request__free_unpacked(req, &arena_allocator);
    arena.used = 0;
    arena.spilled = false;
}

/* Handles the complete frames in the input, in order, until the input
 * runs out, the connection waits for a heap, or the output reaches the
 * high water.  Returns whether it consumed any. */
static bool handle_frames(hd_conn *c, uint64_t now)
{
    hd_server *s = c->srv;
    size_t off = 0;
    while (!c->closing && !c->blocked && !c->job) {
        if (pending_output(c) >= s->cfg.output_high_water)
            break;
        if (c->in.len - off < 4)
            break;
        uint32_t n = be32(c->in.p + off);
        uint32_t limit = c->hello ? s->cfg.max_frame : s->cfg.max_frame_prehello;
        if (n > limit) {
            char msg[128];
            snprintf(msg, sizeof msg, "frame of %u bytes exceeds the limit of %u", n, limit);
            fatal(c, HEAPD__ERROR_CODE__INVALID_ARGUMENT, msg);
            return true;
        }
        if (c->in.len - off - 4 < n)
            break;
        c->last_frame_ms = now;
        Heapd__Request *req = unpack_request(n, c->in.p + off + 4);
        if (!req) {
            hd_reply r;
            hd_reply_init(&r, 0);
            hd_reply_error(&r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL,
                           "malformed request: not a Request message");
            send_reply(c, &r);
            hd_reply_free(&r);
            off += 4 + (size_t)n;
            continue;
        }
        hd_reply r;
        hd_reply_init(&r, req->id);
        if (req->chained && c->chain_broken) {
            hd_reply_error(&r, HEAPD__ERROR_CODE__ABORTED, NULL,
                           "not run: an earlier request of its chain failed");
            send_reply(c, &r);
            hd_reply_free(&r);
            release_request(req);
            off += 4 + (size_t)n;
            continue;
        }
        if (!req->chained)
            c->chain_broken = false;
        hd_action a = hd_dispatch(c, req, &r);
        if (a == HD_WAIT) {
            hd_reply_free(&r);
            release_request(req);
            c->blocked = true; /* the frame stays; retried when the heap is free */
            break;
        }
        off += 4 + (size_t)n;
        if (a == HD_OFFLOAD) {
            hd_reply_free(&r);
            release_request(req);
            req = heapd__request__unpack(NULL, n, c->in.p + off - n);
            if (start_job(c, req) < 0) {
                hd_reply_init(&r, req->id);
                hd_reply_error(&r, HEAPD__ERROR_CODE__INTERNAL, NULL,
                               "cannot start a worker job");
                send_reply(c, &r);
                hd_reply_free(&r);
                heapd__request__free_unpacked(req, NULL);
            }
            break;
        }
        send_reply(c, &r);
        hd_reply_free(&r);
        release_request(req);
    }
    if (off) {
        memmove(c->in.p, c->in.p + off, c->in.len - off);
        c->in.len -= off;
    }
    return off != 0;
}

/* Handles what the input holds and writes the replies.  A batch that
 * stopped at the high water and then went straight into the socket leaves
 * no write to complete and so no on_written to resume it: carry on here
 * instead. */
static void process(hd_conn *c)
{
    hd_server *s = c->srv;
    uint64_t now = hd_now_ms(s);
    bool handled = false, full;
    do {
        handled |= handle_frames(c, now);
        full = pending_output(c) >= s->cfg.output_high_water;
        hd_conn_flush(c);
    } while (full && !c->closing &&
             pending_output(c) < s->cfg.output_high_water);
    if (c->closing)
        return;
    /* The unfinished-frame clock starts when a frame starts: after the last
     * complete one, or now.  A frame waiting for a busy heap is complete. */
    if (!c->in.len || c->blocked)
        c->partial_since_ms = 0;
    else if (handled || !c->partial_since_ms)
        c->partial_since_ms = now;
    if (pending_output(c) >= s->cfg.output_high_water) {
        if (!c->stalled_since_ms)
            c->stalled_since_ms = now;
    } else {
        c->stalled_since_ms = 0;
    }
    /* Backpressure: stop reading while replies pile up or while requests
     * wait and the input already holds a full frame's worth. */
    bool stalled = c->blocked || c->job;
    if (pending_output(c) >= s->cfg.output_high_water ||
        (stalled && c->in.len > (size_t)s->cfg.max_frame + 4))
        stop_reading(c);
    else if (!s->stopping)
        start_reading(c);
}

void hd_conn_resume(hd_conn *c)
{
    c->blocked = false;
    if (!c->closing)
        process(c);
}

/* ---- accepting and closing ------------------------------------------------------------- */

void hd_conn_accepted(hd_server *s, uv_stream_t *listener)
{
    hd_conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    int rc = listener->type == UV_TCP ? uv_tcp_init(s->loop, &c->u.tcp)
                                      : uv_pipe_init(s->loop, &c->u.pipe, 0);
    if (rc != 0) {
        free(c);
        return;
    }
    c->u.handle.data = c;
    if (uv_accept(listener, &c->u.stream) != 0) {
        uv_close(&c->u.handle, on_closed);
        return;
    }
    if (s->nconns >= s->cfg.max_connections || s->stopping) {
        s->rejected++;
        hd_log(HD_WARN, "connection refused: %u connections open", s->nconns);
        c->closing = true;
        uv_close(&c->u.handle, on_closed);
        return;
    }
    if (listener->type == UV_TCP)
        uv_tcp_nodelay(&c->u.tcp, 1);
    hd_conn_link(s, c);
}

void hd_conn_link(hd_server *s, hd_conn *c)
{
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    s->accepted++;
    c->last_frame_ms = hd_now_ms(s);
    hd_conn_resume(c); /* nothing to handle yet: starts reading */
}

static void on_closed(uv_handle_t *handle)
{
    hd_conn *c = handle->data;
    hd_server *s = c->srv;
    if (c->prev || s->conns == c) {
        if (c->prev)
            c->prev->next = c->next;
        else
            s->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        s->nconns--;
    }
    hd_buf_free(&c->in);
    hd_buf_free(&c->out);
    free(c->opened);
    free(c);
    if (s->stopping)
        hd_server_stop(s);
}

void hd_conn_close(hd_conn *c)
{
    if (!c->closing) {
        c->closing = true;
        stop_reading(c);
        for (hd_heap *hh = c->srv->heaps; hh; hh = hh->next)
            hd_heap_release_calls(hh, c);
        bool was_subscribed = c->subscribed;
        c->subscribed = false;
        if (was_subscribed)
            for (hd_heap *h = c->srv->heaps; h; h = h->next)
                hd_heap_update_hook(c->srv, h);
    }
    if (c->job || uv_is_closing(&c->u.handle))
        return; /* job_done comes back here */
    if (c->in_flight == 0)
        uv_close(&c->u.handle, on_closed);
    /* else on_written closes once the last reply is out */
}
