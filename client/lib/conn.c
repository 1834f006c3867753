/*
 * conn.c: addresses, connecting, and the socket I/O under a deadline.
 *
 * The socket is non-blocking from the start; every wait is a poll(2) with
 * the time left until the call's deadline, restarted after EINTR.  Writes
 * use MSG_NOSIGNAL (SO_NOSIGPIPE where that is the way), so a peer that
 * went away is an HC_E_CLOSED result, never a SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hc_internal.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define READ_CHUNK (64 * 1024)

/* ---- time -------------------------------------------------------------- */

int64_t hc__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -1: no deadline. */
int64_t hc__deadline(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : hc__now_ms() + timeout_ms;
}

/* What poll(2) should wait: -1 forever, else the milliseconds left. */
int hc__remaining(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - hc__now_ms();
    if (left <= 0)
        return 0;
    return left > 1000000000 ? 1000000000 : (int)left;
}

/* ---- addresses --------------------------------------------------------- */

char *hc_default_address(char *buf, size_t cap)
{
    const char *env = getenv("HEAPD_ADDR");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (env && *env)
        snprintf(buf, cap, "%s", env);
    else if (xdg && *xdg)
        snprintf(buf, cap, "unix:%s/heapd.sock", xdg);
    else
        snprintf(buf, cap, "unix:/tmp/heapd-%u.sock", (unsigned)getuid());
    return buf;
}

typedef struct parsed_addr {
    int is_unix;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char host[256];
    char port[16];
} parsed_addr;

static int parse_host_port(const char *s, parsed_addr *pa, hc_error *err)
{
    const char *port = NULL;
    size_t hostlen;
    if (*s == '[') { /* [v6]:port */
        const char *end = strchr(s, ']');
        if (!end) {
            hc__set_error(err, HC_E_INVAL, "bad address '%s': missing ']'", s);
            return HC_E_INVAL;
        }
        hostlen = (size_t)(end - s - 1);
        memcpy(pa->host, s + 1, hostlen < sizeof pa->host ? hostlen : 0);
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0') {
            hc__set_error(err, HC_E_INVAL, "bad address '%s'", s);
            return HC_E_INVAL;
        }
    } else {
        const char *colon = strrchr(s, ':');
        hostlen = colon ? (size_t)(colon - s) : strlen(s);
        if (hostlen < sizeof pa->host)
            memcpy(pa->host, s, hostlen);
        if (colon)
            port = colon + 1;
    }
    if (hostlen == 0 || hostlen >= sizeof pa->host) {
        hc__set_error(err, HC_E_INVAL, "bad address '%s': %s host", s,
                      hostlen ? "too long a" : "no");
        return HC_E_INVAL;
    }
    pa->host[hostlen] = '\0';
    if (!port) {
        snprintf(pa->port, sizeof pa->port, "%d", HC_DEFAULT_TCP_PORT);
        return 0;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (*port == '\0' || *end != '\0' || p <= 0 || p > 65535) {
        hc__set_error(err, HC_E_INVAL, "bad address '%s': bad port '%s'", s,
                      port);
        return HC_E_INVAL;
    }
    snprintf(pa->port, sizeof pa->port, "%ld", p);
    return 0;
}

static int parse_address(const char *addr, parsed_addr *pa, hc_error *err)
{
    memset(pa, 0, sizeof *pa);
    const char *path = NULL;
    if (strncmp(addr, "unix:", 5) == 0)
        path = addr + 5;
    else if (strncmp(addr, "tcp:", 4) == 0)
        return parse_host_port(addr + 4, pa, err);
    else if (strchr(addr, '/'))
        path = addr;
    else
        return parse_host_port(addr, pa, err);

    pa->is_unix = 1;
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof pa->path) {
        hc__set_error(err, HC_E_INVAL, "bad address '%s': %s socket path", addr,
                      n ? "too long a" : "no");
        return HC_E_INVAL;
    }
    memcpy(pa->path, path, n + 1);
    return 0;
}

/* ---- connecting -------------------------------------------------------- */

static void set_nosigpipe(int fd)
{
#ifdef SO_NOSIGPIPE
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#else
    (void)fd;
#endif
}

/* A non-blocking connect that waits until the deadline.  Returns the fd,
 * or -1 with errno set (ETIMEDOUT when the deadline passed). */
static int connect_one(int family, const struct sockaddr *sa, socklen_t len,
                       int64_t deadline)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    set_nosigpipe(fd);
    if (connect(fd, sa, len) == 0)
        return fd;
    if (errno != EINPROGRESS && errno != EINTR)
        goto fail;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r = poll(&p, 1, hc__remaining(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto fail;
        if (r == 0) {
            errno = ETIMEDOUT;
            goto fail;
        }
        break;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        goto fail;
    if (soerr != 0) {
        errno = soerr;
        goto fail;
    }
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

static int connect_unix(const parsed_addr *pa, int64_t deadline,
                        const char *addr, hc_error *err)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, pa->path, strlen(pa->path) + 1);
    int fd =
        connect_one(AF_UNIX, (struct sockaddr *)&sun, sizeof sun, deadline);
    if (fd < 0)
        hc__set_error(err, HC_E_CONNECT, "cannot connect to %s: %s", addr,
                      strerror(errno));
    return fd;
}

static int connect_tcp(const parsed_addr *pa, int64_t deadline,
                       const char *addr, hc_error *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(pa->host, pa->port, &hints, &res);
    if (gai != 0) {
        hc__set_error(err, HC_E_CONNECT, "cannot connect to %s: %s", addr,
                      gai_strerror(gai));
        return -1;
    }
    int fd = -1, last_errno = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = connect_one(ai->ai_family, ai->ai_addr, ai->ai_addrlen, deadline);
        if (fd < 0)
            last_errno = errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        hc__set_error(err, HC_E_CONNECT, "cannot connect to %s: %s", addr,
                      strerror(last_errno));
        return -1;
    }
    int one = 1; /* requests are small and latency matters */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

hc_client *hc_connect(const char *addr, int timeout_ms, hc_error *err)
{
    hc_error scratch;
    char defbuf[512];
    parsed_addr pa;
    if (!err)
        err = &scratch;
    if (!addr)
        addr = hc_default_address(defbuf, sizeof defbuf);
    if (parse_address(addr, &pa, err) < 0)
        return NULL;

    hc_client *c = calloc(1, sizeof *c);
    if (!c) {
        hc__set_error(err, HC_E_NOMEM, "out of memory");
        return NULL;
    }
    int64_t deadline = hc__deadline(timeout_ms);
    c->fd = pa.is_unix ? connect_unix(&pa, deadline, addr, err)
                       : connect_tcp(&pa, deadline, addr, err);
    if (c->fd < 0) {
        free(c);
        return NULL;
    }
    c->timeout_ms = HC_DEFAULT_TIMEOUT_MS;
    c->max_frame = HC_MAX_RECV_FRAME;
    c->next_id = 1;
    hc__set_error(err, HC_OK, "ok");
    return c;
}

void hc_close(hc_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    hc__fifo_free(&c->responses);
    hc__fifo_free(&c->events);
    free(c->out);
    free(c->in);
    free(c->owed);
    free(c);
}

void hc_set_timeout(hc_client *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
}

int hc_get_timeout(const hc_client *c)
{
    return c->timeout_ms;
}

void hc_set_max_frame(hc_client *c, size_t bytes)
{
    c->max_frame = bytes;
}

int hc_fd(const hc_client *c)
{
    return c->fd;
}

/* ---- I/O --------------------------------------------------------------- */

/* Marks the connection unusable: every later I/O call fails with code and
 * this message.  What is already queued can still be received. */
int hc__break(hc_client *c, int code, const char *fmt, ...)
{
    va_list ap;
    if (!c->broken) {
        va_start(ap, fmt);
        vsnprintf(c->broken_msg, sizeof c->broken_msg, fmt, ap);
        va_end(ap);
        c->broken = code;
        shutdown(c->fd, SHUT_RDWR);
        /* Nothing more will arrive: no response is owed any longer. */
        c->owed_n = c->owed_live = 0;
        c->out_off = c->out_len = 0;
    }
    return hc__fail(c, c->broken, "%s", c->broken_msg);
}

/* Waits until the socket is ready for events or the deadline passes. */
int hc__wait(hc_client *c, short events, int64_t deadline, short *revents)
{
    for (;;) {
        struct pollfd p = {.fd = c->fd, .events = events};
        int r = poll(&p, 1, hc__remaining(deadline));
        if (r > 0) {
            *revents = p.revents;
            return 0;
        }
        if (r == 0)
            return hc__fail(c, HC_E_TIMEOUT, "timed out");
        if (errno != EINTR)
            return hc__fail_errno(c, HC_E_IO, "poll");
    }
}

/* Writes what it can of the queued output without blocking. */
int hc__write_some(hc_client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            return hc__break(c, HC_E_CLOSED, "connection closed by the server");
        return hc__break(c, HC_E_IO, "send: %s", strerror(errno));
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static int reserve_input(hc_client *c, size_t want)
{
    if (c->in_off > 0) { /* keep the undecoded bytes at the start */
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
    if (c->in_cap - c->in_len >= want)
        return 0;
    size_t cap = c->in_cap ? c->in_cap : READ_CHUNK;
    while (cap - c->in_len < want)
        cap *= 2;
    uint8_t *p = realloc(c->in, cap);
    if (!p)
        return hc__fail(c, HC_E_NOMEM, "out of memory");
    c->in = p;
    c->in_cap = cap;
    return 0;
}

/* Reads what is there without blocking.  Returns the number of bytes read
 * (0: nothing yet) or an error; end of stream breaks the connection. */
int hc__read_some(hc_client *c)
{
    int rc = reserve_input(c, READ_CHUNK);
    if (rc < 0)
        return rc;
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            return n > INT32_MAX ? INT32_MAX : (int)n;
        }
        if (n == 0)
            return hc__break(
                c, HC_E_CLOSED, "connection closed by the server%s%s%s",
                c->notice[0] ? " (" : "", c->notice, c->notice[0] ? ")" : "");
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno == ECONNRESET)
            return hc__break(c, HC_E_CLOSED, "connection reset by the server");
        return hc__break(c, HC_E_IO, "recv: %s", strerror(errno));
    }
}
