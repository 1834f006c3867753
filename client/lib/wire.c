/*
 * wire.c: frames and the order of responses (docs/protocol.md).
 *
 * A frame is a 4-byte big-endian length and one protobuf message.  Sending
 * appends a frame to the output buffer; flushing writes it.  Everything
 * read is decoded as soon as a whole frame is in: responses are matched
 * with the oldest request still owed and queued for hc_recv (or dropped if
 * that request was abandoned by a timed-out hc_call); events are queued
 * for hc_next_event.  The length is checked against the limit before any
 * allocation for the frame.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc_internal.h"

/* ---- queues ------------------------------------------------------------ */

static int fifo_push(hc__fifo *f, void *msg)
{
    hc__node *n = malloc(sizeof *n);
    if (!n)
        return -1;
    n->next = NULL;
    n->msg = msg;
    if (f->tail)
        f->tail->next = n;
    else
        f->head = n;
    f->tail = n;
    f->n++;
    return 0;
}

static void *fifo_pop(hc__fifo *f)
{
    hc__node *n = f->head;
    if (!n)
        return NULL;
    void *msg = n->msg;
    f->head = n->next;
    if (!f->head)
        f->tail = NULL;
    f->n--;
    free(n);
    return msg;
}

void hc__fifo_free(hc__fifo *f)
{
    void *msg;
    while ((msg = fifo_pop(f)) != NULL)
        hc_free(msg);
}

void hc_free(void *msg)
{
    if (msg)
        protobuf_c_message_free_unpacked((ProtobufCMessage *)msg, NULL);
}

/* ---- requests owed a response ------------------------------------------ */

static int owe(hc_client *c, uint64_t id)
{
    if (c->owed_n == c->owed_cap) {
        size_t cap = c->owed_cap ? 2 * c->owed_cap : 16;
        hc__owed *p = malloc(cap * sizeof *p);
        if (!p)
            return hc__fail(c, HC_E_NOMEM, "out of memory");
        for (size_t k = 0; k < c->owed_n; k++) /* unwrap the ring */
            p[k] = c->owed[(c->owed_head + k) % c->owed_cap];
        free(c->owed);
        c->owed = p;
        c->owed_cap = cap;
        c->owed_head = 0;
    }
    hc__owed *o = &c->owed[(c->owed_head + c->owed_n) % c->owed_cap];
    o->id = id;
    o->abandoned = 0;
    c->owed_n++;
    c->owed_live++;
    return 0;
}

size_t hc_pending(const hc_client *c)
{
    return c->owed_live + c->responses.n;
}

/* ---- sending ----------------------------------------------------------- */

int hc_send(hc_client *c, Heapd__Request *req)
{
    hc__clear_error(c);
    if (!req)
        return hc__fail(c, HC_E_INVAL, "no request");
    if (c->broken)
        return hc__fail(c, c->broken, "%s", c->broken_msg);
    size_t limit = c->hello_ok ? HC_MAX_FRAME : HC_MAX_FRAME_PREHELLO;
    if (req->id == 0)
        req->id = c->next_id++;
    size_t len = heapd__request__get_packed_size(req);
    if (len > limit)
        return hc__fail(c, HC_E_TOOBIG,
                        "request of %zu bytes exceeds the frame limit of %zu",
                        len, limit);
    if (c->out_cap - c->out_len < len + 4) {
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap - c->out_len < len + 4)
            cap *= 2;
        uint8_t *p = realloc(c->out, cap);
        if (!p)
            return hc__fail(c, HC_E_NOMEM, "out of memory");
        c->out = p;
        c->out_cap = cap;
    }
    int rc = owe(c, req->id);
    if (rc < 0)
        return rc;
    uint8_t *f = c->out + c->out_len;
    f[0] = (uint8_t)(len >> 24);
    f[1] = (uint8_t)(len >> 16);
    f[2] = (uint8_t)(len >> 8);
    f[3] = (uint8_t)len;
    heapd__request__pack(req, f + 4);
    c->out_len += len + 4;
    return 0;
}

/* ---- receiving --------------------------------------------------------- */

static int take_response(hc_client *c, Heapd__ServerMessage *m)
{
    Heapd__Response *r = m->response;
    m->response = NULL; /* detach: it was allocated on its own */
    m->msg_case = HEAPD__SERVER_MESSAGE__MSG__NOT_SET;
    hc_free(m);

    if (c->owed_n == 0) {
        /* Nothing asked: the daemon says why it is about to close, or it
         * has a bug.  Keep the words for the report of the close. */
        if (r->error)
            snprintf(c->notice, sizeof c->notice, "%s: %s",
                     hc_code_name((int)r->error->code), r->error->message);
        hc_free(r);
        return 0;
    }
    hc__owed *o = &c->owed[c->owed_head];
    /* Id 0: a frame the daemon could not decode, so it could not echo. */
    if (r->id != o->id && r->id != 0) {
        uint64_t got = r->id;
        hc_free(r);
        return hc__break(c, HC_E_PROTO,
                         "response id %llu does not match request id %llu",
                         (unsigned long long)got, (unsigned long long)o->id);
    }
    int abandoned = o->abandoned;
    c->owed_head = (c->owed_head + 1) % c->owed_cap;
    c->owed_n--;
    if (abandoned) {
        hc_free(r);
        return 0;
    }
    c->owed_live--;
    if (r->error == NULL && r->result_case == HEAPD__RESPONSE__RESULT_HELLO)
        c->hello_ok = 1;
    if (fifo_push(&c->responses, r) < 0) {
        hc_free(r);
        return hc__break(c, HC_E_NOMEM, "out of memory");
    }
    return 0;
}

static int take_event(hc_client *c, Heapd__ServerMessage *m)
{
    Heapd__Event *e = m->event;
    m->event = NULL;
    m->msg_case = HEAPD__SERVER_MESSAGE__MSG__NOT_SET;
    hc_free(m);
    if (c->events.n >= HC__EVENT_QUEUE_MAX) {
        c->events_dropped += 1 + e->dropped;
        hc_free(e);
        return 0;
    }
    e->dropped += c->events_dropped;
    if (fifo_push(&c->events, e) < 0) {
        c->events_dropped = e->dropped + 1;
        hc_free(e);
        return 0;
    }
    c->events_dropped = 0;
    return 0;
}

/* Decodes every whole frame in the input buffer. */
static int decode_frames(hc_client *c)
{
    while (c->in_len - c->in_off >= 4) {
        const uint8_t *p = c->in + c->in_off;
        size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 |
                     (size_t)p[2] << 8 | (size_t)p[3];
        if (len > c->max_frame)
            return hc__break(c, HC_E_PROTO,
                             "the server sent a frame of %zu bytes, over the "
                             "limit of %zu",
                             len, c->max_frame);
        if (c->in_len - c->in_off - 4 < len)
            break;
        Heapd__ServerMessage *m =
            heapd__server_message__unpack(NULL, len, p + 4);
        if (!m)
            return hc__break(c, HC_E_PROTO,
                             "the server sent a frame that does not decode "
                             "as a ServerMessage");
        c->in_off += 4 + len;
        int rc = 0;
        if (m->msg_case == HEAPD__SERVER_MESSAGE__MSG_RESPONSE && m->response)
            rc = take_response(c, m);
        else if (m->msg_case == HEAPD__SERVER_MESSAGE__MSG_EVENT && m->event)
            rc = take_event(c, m);
        else
            hc_free(m); /* a kind of message newer than this client */
        if (rc < 0)
            return rc;
    }
    if (c->in_off == c->in_len)
        c->in_off = c->in_len = 0;
    return 0;
}

/* One round of I/O: writes what it can of the output, waits until the
 * socket is readable (or writable, while output is queued) or the deadline
 * passes, and decodes what arrived.  Returns 0 after any progress. */
int hc__pump(hc_client *c, int64_t deadline)
{
    if (c->broken)
        return hc__fail(c, c->broken, "%s", c->broken_msg);
    int rc = hc__write_some(c);
    if (rc < 0)
        return rc;
    short ev = POLLIN | (c->out_off < c->out_len ? POLLOUT : 0), rev = 0;
    rc = hc__wait(c, ev, deadline, &rev);
    if (rc < 0)
        return rc;
    if (rev & POLLOUT) {
        rc = hc__write_some(c);
        if (rc < 0)
            return rc;
    }
    if (rev & POLLNVAL)
        return hc__break(c, HC_E_IO, "the socket is not open");
    if (rev & (POLLIN | POLLHUP | POLLERR)) {
        /* Drain what is there (a burst of events costs one poll), but
         * return to the caller now and then: a daemon that streams events
         * faster than they are read must not keep a response from it. */
        int n, rounds = 0;
        do {
            n = hc__read_some(c);
            int drc = decode_frames(c);
            if (drc < 0)
                return drc;
        } while (n > 0 && ++rounds < 64);
        if (n < 0)
            return n;
    }
    return 0;
}

int hc_flush(hc_client *c, int timeout_ms)
{
    hc__clear_error(c);
    int64_t deadline = hc__deadline(timeout_ms);
    for (;;) {
        int rc = hc__write_some(c);
        if (rc < 0)
            return rc;
        if (c->out_off >= c->out_len)
            return 0; /* all written: no need to wait for input */
        rc = hc__pump(c, deadline); /* reads too, so the daemon is never
                                       stuck writing to us */
        if (rc < 0)
            return rc;
    }
}

static int recv_until(hc_client *c, Heapd__Response **resp, int64_t deadline)
{
    *resp = NULL;
    for (;;) {
        Heapd__Response *r = fifo_pop(&c->responses);
        if (r) {
            *resp = r;
            if (r->error)
                return hc__server_error(c, r->error);
            hc__clear_error(c);
            return 0;
        }
        if (c->broken)
            return hc__fail(c, c->broken, "%s", c->broken_msg);
        if (c->owed_live == 0)
            return hc__fail(c, HC_E_STATE, "no response is owed");
        int rc = hc__pump(c, deadline);
        /* A reply read just before the daemon closed is still delivered:
         * look at the queue again before reporting the close. */
        if (rc < 0 && !c->responses.n)
            return rc;
    }
}

int hc_recv(hc_client *c, Heapd__Response **resp, int timeout_ms)
{
    if (!resp)
        return hc__fail(c, HC_E_INVAL, "no place for the response");
    hc__clear_error(c);
    return recv_until(c, resp, hc__deadline(timeout_ms));
}

int hc_call(hc_client *c, Heapd__Request *req, Heapd__Response **resp,
            int timeout_ms)
{
    if (!resp)
        return hc__fail(c, HC_E_INVAL, "no place for the response");
    *resp = NULL;
    if (hc_pending(c) > 0)
        return hc__fail(c, HC_E_STATE,
                        "%zu pipelined responses are still to be received",
                        hc_pending(c));
    int64_t deadline = hc__deadline(timeout_ms);
    int rc = hc_send(c, req);
    if (rc < 0)
        return rc;
    rc = recv_until(c, resp, deadline);
    if (rc == HC_E_TIMEOUT && c->owed_n > 0) {
        /* Ours is the only live request: drop its response on arrival. */
        c->owed[(c->owed_head + c->owed_n - 1) % c->owed_cap].abandoned = 1;
        c->owed_live--;
    }
    return rc;
}

int hc_next_event(hc_client *c, Heapd__Event **ev, int timeout_ms)
{
    if (!ev)
        return hc__fail(c, HC_E_INVAL, "no place for the event");
    *ev = NULL;
    hc__clear_error(c);
    int64_t deadline = hc__deadline(timeout_ms);
    for (;;) {
        Heapd__Event *e = fifo_pop(&c->events);
        if (e) {
            *ev = e;
            return 0;
        }
        int rc = hc__pump(c, deadline);
        if (rc < 0)
            return rc;
    }
}

const char *hc_event_kind_name(int kind)
{
    switch (kind) {
    case HEAPD__EVENT_KIND__EV_COLLECTION_START:
        return "collection_start";
    case HEAPD__EVENT_KIND__EV_COLLECTION_STOP:
        return "collection_stop";
    case HEAPD__EVENT_KIND__EV_OBJECT_FREED:
        return "object_freed";
    case HEAPD__EVENT_KIND__EV_FINALIZER_DUE:
        return "finalizer_due";
    case HEAPD__EVENT_KIND__EV_WEAKREF_CALLBACK_DUE:
        return "weakref_callback_due";
    default:
        return "unknown";
    }
}
