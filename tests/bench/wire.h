/*
 * wire.h: heapbench's side of the heapd protocol (proto/heapd.proto: a
 * 4-byte big-endian length, then a protobuf Request or ServerMessage).
 *
 * Two paths.  The setup path (hello, heap_create, heap_destroy, the odd
 * timed request) packs and unpacks with protobuf-c over a blocking socket.
 * The load path writes the few requests a benchmark repeats with a
 * hand-rolled encoder straight into an output buffer, and reads replies by
 * scanning only the fields it checks (the id and whether there is an
 * error), so that the load generator costs far less per request than the
 * daemon it measures.  wire_selftest checks the encoder against
 * protobuf-c's packing of the same requests.
 */
#ifndef HEAPBENCH_WIRE_H
#define HEAPBENCH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapd.pb-c.h"

/* Most bytes wire_put_* writes for one frame, with a name of at most
 * WIRE_NAME_MAX bytes. */
#define WIRE_NAME_MAX  64
#define WIRE_FRAME_MAX (4 + 3 * 11 + WIRE_NAME_MAX + 16)

/* ---- connecting ------------------------------------------------------------
 */

/* Connects to tcp:HOST:PORT, HOST:PORT or unix:PATH (TCP_NODELAY on TCP).
 * The socket blocks.  A descriptor, or -1 with a reason in err. */
int wire_connect(const char *addr, char *err, size_t errcap);
int wire_set_nonblocking(int fd, bool on);

/* ---- the load path: encoding
 * ------------------------------------------------- Each writes one whole frame
 * at p (room for WIRE_FRAME_MAX bytes) and returns its length.  id 0 is left
 * out, as proto3 leaves out zeros. */
size_t wire_put_op(uint8_t *p, uint64_t id, Heapd__OpCode code, int64_t i,
                   const char *s);
size_t wire_put_inspect_name(uint8_t *p, uint64_t id, const char *name);
size_t wire_put_ping(uint8_t *p, uint64_t id);

/* ---- the load path: decoding -----------------------------------------------
 */

/* The length of the frame at p if all of it is among the avail bytes, 0 if
 * not yet, -1 if its length is beyond max. */
long wire_frame_complete(const uint8_t *p, size_t avail, uint32_t max);

/* Scans a ServerMessage body (the frame without its length): 1 and *id,
 * *error set for a Response, 0 for an Event, -1 if malformed. */
int wire_scan_reply(const uint8_t *body, size_t n, uint64_t *id, bool *error);

/* ---- the setup path
 * ------------------------------------------------------------ */

typedef struct wire_conn {
    int fd;
    uint64_t next_id;
    uint8_t *in; /* bytes read, from the last frame handed out on */
    size_t inlen, incap;
    size_t used;         /* bytes of in that the last frame took */
    const uint8_t *body; /* the last frame's body, inside in */
    char err[512];       /* why the last call failed */
} wire_conn;

/* Connects and says hello (protocol 1). 0, or -1 with c->err set. */
int wire_open(wire_conn *c, const char *addr, const char *who);
void wire_close(wire_conn *c);

/* Sends req with the next id and waits for its response, skipping events.
 * The ServerMessage (caller frees with heapd__server_message__free_unpacked)
 * or NULL with c->err set; a response that carries an error is returned
 * too, with c->err holding its message. */
Heapd__ServerMessage *wire_call(wire_conn *c, Heapd__Request *req);

/* wire_call that fails (NULL, c->err) when the response is an error. */
Heapd__ServerMessage *wire_call_ok(wire_conn *c, Heapd__Request *req);

/* One Op on the current heap; *value gets OpResult.value when value is not
 * NULL.  0, or -1 with c->err. */
int wire_op(wire_conn *c, Heapd__OpCode code, int64_t i, const char *s,
            int64_t *value);

/* Creates a heap with a name the daemon picks and makes it current; its
 * name and token land in name and token.  0, or -1 with c->err. */
int wire_heap_create(wire_conn *c, char name[WIRE_NAME_MAX + 1],
                     char token[65]);
int wire_heap_destroy(wire_conn *c, const char *name, const char *token);
/* HeapInfo of the current heap: its object count.  0, or -1 with c->err. */
int wire_heap_objects(wire_conn *c, uint64_t *objects);

/* Sends raw bytes (whole frames) / reads the next frame, blocking: its
 * body is at c->body until the next read; its length, or -1 with c->err. */
int wire_send_all(wire_conn *c, const void *p, size_t n);
long wire_recv_frame(wire_conn *c);

/* Compares wire_put_* with protobuf-c's packing: 0, or -1 after saying
 * which differs on stderr. */
int wire_selftest(void);

#endif
