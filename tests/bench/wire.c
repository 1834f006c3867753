/*
 * wire.c: heapbench's side of the heapd protocol: connecting, the
 * hand-rolled encoder and reply scanner of the load path, and the blocking
 * protobuf-c calls of the setup path (wire.h says which is for what).
 */
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RECV_MAX (64u << 20) /* largest frame the setup path accepts */

/* ---- connecting ------------------------------------------------------------
 */

static int say(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int say(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

static int connect_unix(const char *path, char *err, size_t cap)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path)
        return say(err, cap, "unix socket path too long: %s", path);
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return say(err, cap, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        say(err, cap, "connect %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int connect_tcp(const char *hostport, char *err, size_t cap)
{
    char host[256];
    const char *colon;
    if (*hostport == '[') {
        const char *end = strchr(hostport, ']');
        if (!end || end[1] != ':' ||
            (size_t)(end - hostport - 1) >= sizeof host)
            return say(err, cap, "bad address %s", hostport);
        memcpy(host, hostport + 1, (size_t)(end - hostport - 1));
        host[end - hostport - 1] = 0;
        colon = end + 1;
    } else {
        colon = strrchr(hostport, ':');
        if (!colon || (size_t)(colon - hostport) >= sizeof host)
            return say(err, cap, "bad address %s (want HOST:PORT)", hostport);
        memcpy(host, hostport, (size_t)(colon - hostport));
        host[colon - hostport] = 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0)
        return say(err, cap, "%s: %s", hostport, gai_strerror(rc));
    int fd = -1;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd =
            socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        say(err, cap, "connect %s: %s", hostport, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int wire_connect(const char *addr, char *err, size_t errcap)
{
    if (strncmp(addr, "unix:", 5) == 0)
        return connect_unix(addr + 5, err, errcap);
    return connect_tcp(strncmp(addr, "tcp:", 4) == 0 ? addr + 4 : addr, err,
                       errcap);
}

int wire_set_nonblocking(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* ---- the load path: encoding
 * ------------------------------------------------- */

enum {
    WT_VARINT = 0,
    WT_I64 = 1,
    WT_LEN = 2,
    WT_I32 = 5,
};

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *put_tag(uint8_t *p, uint32_t field, int wt)
{
    return put_varint(p, (uint64_t)field << 3 | (uint64_t)wt);
}

static uint8_t *put_bytes(uint8_t *p, uint32_t field, const void *b, size_t n)
{
    p = put_tag(p, field, WT_LEN);
    p = put_varint(p, n);
    if (n)
        memcpy(p, b, n);
    return p + n;
}

/* The frame: length, Request{id, body field = the message in msg[0..n)}. */
static size_t put_request(uint8_t *p, uint64_t id, uint32_t body_field,
                          const uint8_t *msg, size_t n)
{
    uint8_t *q = p + 4;
    if (id)
        q = put_varint(put_tag(q, 1, WT_VARINT), id);
    q = put_bytes(q, body_field, msg, n);
    size_t len = (size_t)(q - p - 4);
    p[0] = (uint8_t)(len >> 24);
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    return (size_t)(q - p);
}

static size_t clip(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > WIRE_NAME_MAX ? WIRE_NAME_MAX : n;
}

size_t wire_put_op(uint8_t *p, uint64_t id, Heapd__OpCode code, int64_t i,
                   const char *s)
{
    uint8_t op[WIRE_FRAME_MAX], *q = op;
    if (code)
        q = put_varint(put_tag(q, 1, WT_VARINT), (uint64_t)code);
    if (i) /* sint64: zigzag */
        q = put_varint(put_tag(q, 2, WT_VARINT),
                       (uint64_t)i << 1 ^ (uint64_t)(i >> 63));
    size_t n = clip(s);
    if (n)
        q = put_bytes(q, 7, s, n);
    return put_request(p, id, 20, op, (size_t)(q - op));
}

size_t wire_put_inspect_name(uint8_t *p, uint64_t id, const char *name)
{
    uint8_t target[WIRE_FRAME_MAX], in[WIRE_FRAME_MAX];
    size_t tn = (size_t)(put_bytes(target, 2, name, clip(name)) - target);
    size_t n = (size_t)(put_bytes(in, 1, target, tn) - in);
    return put_request(p, id, 21, in, n);
}

size_t wire_put_ping(uint8_t *p, uint64_t id)
{
    return put_request(p, id, 27, NULL, 0);
}

/* ---- the load path: decoding
 * ------------------------------------------------- */

long wire_frame_complete(const uint8_t *p, size_t avail, uint32_t max)
{
    if (avail < 4)
        return 0;
    uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                 (uint32_t)p[2] << 8 | p[3];
    if (n > max)
        return -1;
    return avail - 4 < n ? 0 : (long)n + 4;
}

static const uint8_t *get_varint(const uint8_t *p, const uint8_t *end,
                                 uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
        uint8_t b = *p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return p;
        }
    }
    return NULL;
}

/* Past the value of a field of wire type wt; *sub and *subn describe a
 * length-delimited value.  NULL if malformed. */
static const uint8_t *skip_value(const uint8_t *p, const uint8_t *end, int wt,
                                 const uint8_t **sub, size_t *subn)
{
    uint64_t v;
    switch (wt) {
    case WT_VARINT:
        return get_varint(p, end, &v);
    case WT_I64:
        return end - p >= 8 ? p + 8 : NULL;
    case WT_I32:
        return end - p >= 4 ? p + 4 : NULL;
    case WT_LEN:
        if (!(p = get_varint(p, end, &v)) || v > (uint64_t)(end - p))
            return NULL;
        *sub = p;
        *subn = (size_t)v;
        return p + v;
    default:
        return NULL;
    }
}

static int scan_response(const uint8_t *p, const uint8_t *end, uint64_t *id,
                         bool *error)
{
    *id = 0;
    *error = false;
    while (p < end) {
        uint64_t tag;
        if (!(p = get_varint(p, end, &tag)))
            return -1;
        uint32_t field = (uint32_t)(tag >> 3);
        int wt = (int)(tag & 7);
        if (field == 1 && wt == WT_VARINT) {
            if (!(p = get_varint(p, end, id)))
                return -1;
            continue;
        }
        const uint8_t *sub;
        size_t subn;
        if (!(p = skip_value(p, end, wt, &sub, &subn)))
            return -1;
        if (field == 2)
            *error = true;
    }
    return 1;
}

int wire_scan_reply(const uint8_t *body, size_t n, uint64_t *id, bool *error)
{
    const uint8_t *p = body, *end = body + n;
    int kind = -1;
    while (p < end) {
        uint64_t tag;
        if (!(p = get_varint(p, end, &tag)))
            return -1;
        const uint8_t *sub = NULL;
        size_t subn = 0;
        if (!(p = skip_value(p, end, (int)(tag & 7), &sub, &subn)))
            return -1;
        if (tag == (1 << 3 | WT_LEN))
            kind = scan_response(sub, sub + subn, id, error);
        else if (tag == (2 << 3 | WT_LEN))
            kind = 0;
    }
    return kind;
}

/* ---- the setup path
 * ----------------------------------------------------------- */

int wire_send_all(wire_conn *c, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return say(c->err, sizeof c->err, "send: %s", strerror(errno));
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

long wire_recv_frame(wire_conn *c)
{
    if (c->used) {
        memmove(c->in, c->in + c->used, c->inlen - c->used);
        c->inlen -= c->used;
        c->used = 0;
    }
    for (;;) {
        long n = wire_frame_complete(c->in, c->inlen, RECV_MAX);
        if (n < 0)
            return say(c->err, sizeof c->err,
                       "the daemon sent a frame over %u bytes", RECV_MAX);
        if (n > 0) {
            c->body = c->in + 4;
            c->used = (size_t)n;
            return n - 4;
        }
        if (c->incap - c->inlen < 65536) {
            size_t cap = c->incap ? 2 * c->incap : 131072;
            uint8_t *p = realloc(c->in, cap);
            if (!p)
                return say(c->err, sizeof c->err, "out of memory");
            c->in = p;
            c->incap = cap;
        }
        ssize_t r = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return say(c->err, sizeof c->err,
                       "the daemon closed the connection");
        if (r < 0)
            return say(c->err, sizeof c->err, "recv: %s", strerror(errno));
        c->inlen += (size_t)r;
    }
}

Heapd__ServerMessage *wire_call(wire_conn *c, Heapd__Request *req)
{
    req->id = c->next_id++;
    size_t n = heapd__request__get_packed_size(req);
    uint8_t *buf = malloc(n + 4);
    if (!buf) {
        say(c->err, sizeof c->err, "out of memory");
        return NULL;
    }
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    heapd__request__pack(req, buf + 4);
    int rc = wire_send_all(c, buf, n + 4);
    free(buf);
    if (rc < 0)
        return NULL;
    for (;;) {
        long len = wire_recv_frame(c);
        if (len < 0)
            return NULL;
        Heapd__ServerMessage *m =
            heapd__server_message__unpack(NULL, (size_t)len, c->body);
        if (!m) {
            say(c->err, sizeof c->err,
                "the daemon sent a malformed ServerMessage");
            return NULL;
        }
        if (m->msg_case != HEAPD__SERVER_MESSAGE__MSG_RESPONSE) {
            heapd__server_message__free_unpacked(m, NULL);
            continue; /* an event */
        }
        Heapd__Response *r = m->response;
        if (r->error)
            say(c->err, sizeof c->err, "%s%s%s (error %d)", r->error->py_type,
                *r->error->py_type ? ": " : "", r->error->message,
                r->error->code);
        else
            c->err[0] = 0;
        if (r->id != req->id && !r->error) {
            say(c->err, sizeof c->err, "response id %llu, expected %llu",
                (unsigned long long)r->id, (unsigned long long)req->id);
            heapd__server_message__free_unpacked(m, NULL);
            return NULL;
        }
        return m;
    }
}

Heapd__ServerMessage *wire_call_ok(wire_conn *c, Heapd__Request *req)
{
    Heapd__ServerMessage *m = wire_call(c, req);
    if (m && m->response->error) {
        heapd__server_message__free_unpacked(m, NULL);
        return NULL;
    }
    return m;
}

int wire_open(wire_conn *c, const char *addr, const char *who)
{
    memset(c, 0, sizeof *c);
    c->next_id = 1;
    c->fd = wire_connect(addr, c->err, sizeof c->err);
    if (c->fd < 0)
        return -1;
    Heapd__Hello hello = HEAPD__HELLO__INIT;
    hello.protocol = 1;
    hello.client = (char *)who;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_HELLO;
    req.hello = &hello;
    Heapd__ServerMessage *m = wire_call_ok(c, &req);
    if (!m)
        return -1;
    heapd__server_message__free_unpacked(m, NULL);
    return 0;
}

void wire_close(wire_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->in);
    c->fd = -1;
    c->in = NULL;
    c->inlen = c->incap = c->used = 0;
}

int wire_op(wire_conn *c, Heapd__OpCode code, int64_t i, const char *s,
            int64_t *value)
{
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = code;
    op.i = i;
    if (s)
        op.s = (char *)s;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = &op;
    Heapd__ServerMessage *m = wire_call_ok(c, &req);
    if (!m)
        return -1;
    if (value)
        *value = m->response->result_case == HEAPD__RESPONSE__RESULT_OP
                     ? m->response->op->value
                     : 0;
    heapd__server_message__free_unpacked(m, NULL);
    return 0;
}

int wire_heap_create(wire_conn *c, char name[WIRE_NAME_MAX + 1], char token[65])
{
    Heapd__HeapCreate hc = HEAPD__HEAP_CREATE__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_CREATE;
    req.heap_create = &hc;
    Heapd__ServerMessage *m = wire_call_ok(c, &req);
    if (!m)
        return -1;
    int rc = 0;
    if (m->response->result_case != HEAPD__RESPONSE__RESULT_HEAP_CREATED)
        rc = say(c->err, sizeof c->err,
                 "heap_create: no HeapCreated in the response");
    else {
        snprintf(name, WIRE_NAME_MAX + 1, "%s",
                 m->response->heap_created->name);
        snprintf(token, 65, "%s", m->response->heap_created->token);
    }
    heapd__server_message__free_unpacked(m, NULL);
    return rc;
}

int wire_heap_destroy(wire_conn *c, const char *name, const char *token)
{
    Heapd__HeapDestroy hd = HEAPD__HEAP_DESTROY__INIT;
    hd.name = (char *)name;
    hd.token = (char *)token;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_DESTROY;
    req.heap_destroy = &hd;
    Heapd__ServerMessage *m = wire_call_ok(c, &req);
    if (!m)
        return -1;
    heapd__server_message__free_unpacked(m, NULL);
    return 0;
}

int wire_heap_objects(wire_conn *c, uint64_t *objects)
{
    Heapd__HeapInfo hi = HEAPD__HEAP_INFO__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_INFO;
    req.heap_info = &hi;
    Heapd__ServerMessage *m = wire_call_ok(c, &req);
    if (!m)
        return -1;
    int rc = 0;
    if (m->response->result_case != HEAPD__RESPONSE__RESULT_HEAP_INFO)
        rc = say(c->err, sizeof c->err,
                 "heap_info: no HeapInfoResult in the response");
    else
        *objects = m->response->heap_info->objects;
    heapd__server_message__free_unpacked(m, NULL);
    return rc;
}

/* ---- self-test
 * ----------------------------------------------------------------- */

static int same_as_packed(const char *what, const uint8_t *mine, size_t n,
                          const Heapd__Request *req)
{
    uint8_t ref[WIRE_FRAME_MAX];
    size_t rn = heapd__request__get_packed_size(req);
    if (rn <= sizeof ref)
        heapd__request__pack(req, ref);
    if (rn + 4 == n && memcmp(mine + 4, ref, rn) == 0)
        return 0;
    fprintf(stderr, "heapbench: the encoder's %s differs from protobuf-c's\n",
            what);
    return -1;
}

int wire_selftest(void)
{
    uint8_t buf[WIRE_FRAME_MAX];
    int bad = 0;
    static const int64_t ints[] = {0, 1, -1, 300, -70000, INT64_MAX, INT64_MIN};
    for (size_t k = 0; k < sizeof ints / sizeof *ints; k++) {
        Heapd__Op op = HEAPD__OP__INIT;
        op.code = HEAPD__OP_CODE__PUSH_INT;
        op.i = ints[k];
        Heapd__Request req = HEAPD__REQUEST__INIT;
        req.id = k * 1000003u;
        req.body_case = HEAPD__REQUEST__BODY_OP;
        req.op = &op;
        bad |=
            same_as_packed("PUSH_INT", buf,
                           wire_put_op(buf, req.id, op.code, op.i, NULL), &req);
    }
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__STORE_GLOBAL;
    op.s = (char *)"x";
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.id = 77;
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = &op;
    bad |= same_as_packed("STORE_GLOBAL", buf,
                          wire_put_op(buf, 77, op.code, 0, "x"), &req);

    Heapd__Target t = HEAPD__TARGET__INIT;
    t.of_case = HEAPD__TARGET__OF_NAME;
    t.name = (char *)"x";
    Heapd__Inspect in = HEAPD__INSPECT__INIT;
    in.target = &t;
    Heapd__Request ri = HEAPD__REQUEST__INIT;
    ri.id = (uint64_t)1 << 40;
    ri.body_case = HEAPD__REQUEST__BODY_INSPECT;
    ri.inspect = &in;
    bad |= same_as_packed("Inspect", buf,
                          wire_put_inspect_name(buf, ri.id, "x"), &ri);

    Heapd__Ping ping = HEAPD__PING__INIT;
    Heapd__Request rp = HEAPD__REQUEST__INIT;
    rp.id = 5;
    rp.body_case = HEAPD__REQUEST__BODY_PING;
    rp.ping = &ping;
    bad |= same_as_packed("Ping", buf, wire_put_ping(buf, 5), &rp);

    /* The scanner on a packed response with an error and an OpResult. */
    Heapd__Error e = HEAPD__ERROR__INIT;
    e.code = HEAPD__ERROR_CODE__NOT_FOUND;
    Heapd__Response r = HEAPD__RESPONSE__INIT;
    r.id = 123456789;
    r.error = &e;
    Heapd__ServerMessage m = HEAPD__SERVER_MESSAGE__INIT;
    m.msg_case = HEAPD__SERVER_MESSAGE__MSG_RESPONSE;
    m.response = &r;
    size_t n = heapd__server_message__pack(&m, buf);
    uint64_t id;
    bool error;
    if (wire_scan_reply(buf, n, &id, &error) != 1 || id != r.id || !error) {
        fprintf(stderr,
                "heapbench: the reply scanner misreads an error response\n");
        bad = -1;
    }
    Heapd__OpResult res = HEAPD__OP_RESULT__INIT;
    res.top = 99;
    res.top_type = (char *)"int";
    r.error = NULL;
    r.result_case = HEAPD__RESPONSE__RESULT_OP;
    r.op = &res;
    n = heapd__server_message__pack(&m, buf);
    if (wire_scan_reply(buf, n, &id, &error) != 1 || id != r.id || error) {
        fprintf(stderr, "heapbench: the reply scanner misreads an OpResult\n");
        bad = -1;
    }
    return bad ? -1 : 0;
}
