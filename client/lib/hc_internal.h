/*
 * hc_internal.h: what the files of libheapclient share.  Not public: the
 * API is heapclient.h alone; names here are prefixed hc__.
 *
 * conn.c     addresses, connecting, socket I/O with deadlines
 * wire.c     frames, the response and event queues, send/flush/recv/call
 * calls.c    the convenience calls
 * error.c    error codes, names and messages
 */
#ifndef HC_INTERNAL_H
#define HC_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>

#include "heapclient.h"

#define HC__EVENT_QUEUE_MAX 65536

/* A queued decoded message: a Heapd__Response or a Heapd__Event. */
typedef struct hc__node {
    struct hc__node *next;
    void *msg;
} hc__node;

typedef struct hc__fifo {
    hc__node *head, *tail;
    size_t n;
} hc__fifo;

/* A request whose response has not arrived.  Abandoned ones (their
 * hc_call timed out) have their response dropped on arrival. */
typedef struct hc__owed {
    uint64_t id;
    int abandoned;
} hc__owed;

struct hc_client {
    int fd;
    int broken; /* 0, or why the connection is unusable (HC_E_*) */
    char broken_msg[512];
    int timeout_ms;
    size_t max_frame; /* receive limit */
    int hello_ok;     /* a hello succeeded: the larger send limit applies */
    uint64_t next_id;
    hc_error err;

    uint8_t *out; /* frames queued for writing: out[out_off, out_len) */
    size_t out_off, out_len, out_cap;
    uint8_t *in; /* bytes read, not yet decoded: in[in_off, in_len) */
    size_t in_off, in_len, in_cap;

    hc__owed *owed; /* ring of requests sent, response not yet arrived */
    size_t owed_head, owed_n, owed_cap;
    size_t owed_live; /* those not abandoned */

    /* an error the daemon sent unasked, e.g. before closing */
    char notice[600];

    hc__fifo responses; /* arrived, not yet returned by hc_recv */
    hc__fifo events;
    uint64_t events_dropped; /* since the last queued event */
};

/* error.c */
int hc__fail(hc_client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hc__fail_errno(hc_client *c, int code, const char *what);
void hc__set_error(hc_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hc__vset_error(hc_error *e, int code, const char *fmt, va_list ap);
void hc__clear_error(hc_client *c);
int hc__server_error(hc_client *c, const Heapd__Error *e);
void hc__copy_str(char *dst, size_t cap, const char *src);

/* conn.c */
int64_t hc__now_ms(void);
int64_t hc__deadline(int timeout_ms);
int hc__remaining(int64_t deadline);
int hc__break(hc_client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hc__wait(hc_client *c, short events, int64_t deadline, short *revents);
int hc__write_some(hc_client *c);
int hc__read_some(hc_client *c);

/* wire.c */
int hc__pump(hc_client *c, int64_t deadline);
void hc__fifo_free(hc__fifo *f);

#endif
