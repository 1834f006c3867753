/*
 * raw.c: talking to heapd over a bare Unix socket, for the tests that send
 * what libheapclient never would: bad lengths, cut frames, garbage, a
 * pipeline written without reading.  Frames are a 4-byte big-endian length
 * and one protobuf message, as in proto/heapd.proto.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest.h"

#define RAW_MAX_FRAME (64u << 20)

int it_raw_connect(const it_daemon *d)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", d->sock);
    ck_assert_msg(connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0,
                  "connect %s: %s", d->sock, strerror(errno));
    return fd;
}

bool it_raw_write(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        b += w;
        n -= (size_t)w;
    }
    return true;
}

uint8_t *it_raw_frame(const Heapd__Request *req, size_t *n)
{
    size_t len = heapd__request__get_packed_size(req);
    uint8_t *f = malloc(len + 4);
    ck_assert_ptr_nonnull(f);
    f[0] = (uint8_t)(len >> 24);
    f[1] = (uint8_t)(len >> 16);
    f[2] = (uint8_t)(len >> 8);
    f[3] = (uint8_t)len;
    heapd__request__pack(req, f + 4);
    *n = len + 4;
    return f;
}

bool it_raw_send(int fd, const Heapd__Request *req)
{
    size_t n;
    uint8_t *f = it_raw_frame(req, &n);
    bool ok = it_raw_write(fd, f, n);
    free(f);
    return ok;
}

/* Reads exactly n bytes before the deadline. */
static int read_exact(int fd, uint8_t *p, size_t n, int64_t deadline)
{
    while (n) {
        int left = (int)(deadline - it_now_ms());
        if (left <= 0)
            return IT_RAW_TIMEOUT;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            return IT_RAW_TIMEOUT;
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return IT_RAW_EOF; /* EOF or reset */
        p += r;
        n -= (size_t)r;
    }
    return IT_RAW_OK;
}

int it_raw_recv(int fd, int timeout_ms, Heapd__ServerMessage **out)
{
    *out = NULL;
    int64_t deadline = it_now_ms() + timeout_ms;
    uint8_t hdr[4];
    int rc = read_exact(fd, hdr, 4, deadline);
    if (rc != IT_RAW_OK)
        return rc;
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
                   (uint32_t)hdr[2] << 8 | hdr[3];
    if (len > RAW_MAX_FRAME)
        return IT_RAW_BAD;
    uint8_t *body = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(body);
    rc = read_exact(fd, body, len, deadline);
    if (rc == IT_RAW_OK) {
        *out = heapd__server_message__unpack(NULL, len, body);
        if (!*out)
            rc = IT_RAW_BAD;
    }
    free(body);
    return rc;
}

Heapd__Response *it_raw_response(int fd, int timeout_ms, int *why)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        Heapd__ServerMessage *m;
        int left = (int)(deadline - it_now_ms());
        int rc = it_raw_recv(fd, left > 0 ? left : 0, &m);
        if (rc != IT_RAW_OK) {
            if (why)
                *why = rc;
            return NULL;
        }
        if (m->msg_case == HEAPD__SERVER_MESSAGE__MSG_RESPONSE && m->response) {
            Heapd__Response *r = m->response;
            m->response = NULL;
            m->msg_case = HEAPD__SERVER_MESSAGE__MSG__NOT_SET;
            heapd__server_message__free_unpacked(m, NULL);
            if (why)
                *why = IT_RAW_OK;
            return r;
        }
        heapd__server_message__free_unpacked(m, NULL);
    }
}

int it_raw_wait_eof(int fd, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    uint8_t buf[65536];
    for (;;) {
        int left = (int)(deadline - it_now_ms());
        if (left <= 0)
            return IT_RAW_TIMEOUT;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            return IT_RAW_TIMEOUT;
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return IT_RAW_EOF;
    }
}

void it_req_ping(Heapd__Request *req, Heapd__Ping *ping, uint64_t id)
{
    heapd__request__init(req);
    heapd__ping__init(ping);
    req->id = id;
    req->body_case = HEAPD__REQUEST__BODY_PING;
    req->ping = ping;
}

void it_req_hello(Heapd__Request *req, Heapd__Hello *h, uint64_t id,
                  uint32_t protocol, const char *admin)
{
    heapd__request__init(req);
    heapd__hello__init(h);
    h->protocol = protocol;
    h->client = (char *)"itest-raw";
    h->admin_token = (char *)(admin ? admin : "");
    req->id = id;
    req->body_case = HEAPD__REQUEST__BODY_HELLO;
    req->hello = h;
}

void it_raw_hello(int fd)
{
    Heapd__Request req;
    Heapd__Hello h;
    it_req_hello(&req, &h, 1, 1, NULL);
    ck_assert(it_raw_send(fd, &req));
    int why;
    Heapd__Response *r = it_raw_response(fd, 10000, &why);
    ck_assert_msg(r != NULL, "no answer to hello (%d)", why);
    ck_assert_msg(r->error == NULL, "hello refused: %s",
                  r->error ? r->error->message : "");
    ck_assert_int_eq(r->id, 1);
    ck_assert_int_eq(r->result_case, HEAPD__RESPONSE__RESULT_HELLO);
    heapd__response__free_unpacked(r, NULL);
}
