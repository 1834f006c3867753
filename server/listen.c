/*
 * listen.c: the server's life: listeners on unix:PATH and tcp:HOST:PORT,
 * signals (SIGINT/SIGTERM stop gracefully, SIGHUP reopens the log), the
 * sweep that enforces idle and frame timeouts, and the orderly stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server.h"

uint64_t hd_now_ms(hd_server *s)
{
    return uv_now(s->loop);
}

static void on_connection(uv_stream_t *listener, int status)
{
    hd_listener *l = listener->data;
    if (status < 0) {
        hd_log(HD_WARN, "accept: %s", uv_strerror(status));
        return;
    }
    hd_conn_accepted(l->srv, listener);
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        static const uint8_t loop6[16] = {[15] = 1};
        return memcmp(&in6->sin6_addr, loop6, 16) == 0;
    }
    return false;
}

/* tcp:HOST:PORT, HOST:PORT, tcp:[::1]:PORT */
static int parse_tcp(const char *spec, struct sockaddr_storage *ss)
{
    char host[256];
    const char *p = spec;
    const char *colon;
    if (*p == '[') {
        const char *end = strchr(p, ']');
        if (!end || end[1] != ':')
            return -1;
        size_t n = (size_t)(end - p - 1);
        if (n >= sizeof host)
            return -1;
        memcpy(host, p + 1, n);
        host[n] = 0;
        colon = end + 1;
    } else {
        colon = strrchr(p, ':');
        if (!colon)
            return -1;
        size_t n = (size_t)(colon - p);
        if (n >= sizeof host)
            return -1;
        memcpy(host, p, n);
        host[n] = 0;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return -1;
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return -1;
}

/* A socket file left by a dead daemon is removed; a live one is not. */
static int clear_stale_socket(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        hd_log(HD_ERROR, "%s exists and is not a socket", path);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int live = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
    close(fd);
    if (live) {
        hd_log(HD_ERROR, "another heapd is listening on %s", path);
        return -1;
    }
    unlink(path);
    return 0;
}

static int listen_one(hd_server *s, const char *spec)
{
    hd_listener *l = &s->listeners[s->nlisteners];
    memset(l, 0, sizeof *l);
    l->srv = s;
    int rc;
    if (strncmp(spec, "unix:", 5) == 0) {
        const char *path = spec + 5;
        if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            hd_log(HD_ERROR, "bad unix socket path in %s", spec);
            return -1;
        }
        if (clear_stale_socket(path) < 0)
            return -1;
        if ((rc = uv_pipe_init(s->loop, &l->u.pipe, 0)) != 0)
            return -1;
        mode_t old = umask(077); /* the socket is the owner's alone */
        rc = uv_pipe_bind(&l->u.pipe, path);
        umask(old);
        if (rc == 0)
            chmod(path, 0700);
        l->path = strdup(path);
    } else {
        const char *hp = strncmp(spec, "tcp:", 4) == 0 ? spec + 4 : spec;
        struct sockaddr_storage ss;
        if (parse_tcp(hp, &ss) < 0) {
            hd_log(HD_ERROR, "cannot parse listen address %s", spec);
            return -1;
        }
        if (!is_loopback((struct sockaddr *)&ss) && !s->cfg.admin_token[0]) {
            hd_log(HD_ERROR, "refusing to listen on non-loopback %s without an "
                             "admin token (--admin-token-file)", spec);
            return -1;
        }
        if ((rc = uv_tcp_init(s->loop, &l->u.tcp)) != 0)
            return -1;
        rc = uv_tcp_bind(&l->u.tcp, (struct sockaddr *)&ss, 0);
    }
    l->u.handle.data = l;
    if (rc == 0)
        rc = uv_listen(&l->u.stream, 511, on_connection);
    if (rc != 0) {
        hd_log(HD_ERROR, "cannot listen on %s: %s", spec, uv_strerror(rc));
        uv_close(&l->u.handle, NULL);
        free(l->path);
        l->path = NULL;
        return -1;
    }
    if (strncmp(spec, "unix:", 5) != 0) {
        struct sockaddr_storage bound;
        int len = sizeof bound;
        char addr[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        if (uv_tcp_getsockname(&l->u.tcp, (struct sockaddr *)&bound, &len) == 0) {
            if (bound.ss_family == AF_INET) {
                uv_ip4_name((struct sockaddr_in *)&bound, addr, sizeof addr);
                port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
            } else {
                uv_ip6_name((struct sockaddr_in6 *)&bound, addr, sizeof addr);
                port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
            }
        }
        /* The bound address on its own line: tests that ask for port 0
         * read the port from here. */
        hd_log(HD_INFO, "listening on tcp:%s:%d", addr, port);
    } else {
        hd_log(HD_INFO, "listening on %s", spec);
    }
    s->nlisteners++;
    return 0;
}

int hd_server_listen(hd_server *s)
{
    for (int i = 0; i < s->cfg.nlisten; i++)
        if (listen_one(s, s->cfg.listen[i]) < 0)
            return -1;
    return 0;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    hd_server *s = sig->data;
    if (signum == SIGHUP) {
        hd_log_reopen();
        hd_log(HD_INFO, "log reopened");
        return;
    }
    hd_log(HD_INFO, "signal %d: stopping", signum);
    hd_server_stop(s);
}

static void sweep(uv_timer_t *t)
{
    hd_server *s = t->data;
    uint64_t now = hd_now_ms(s);
    for (hd_conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        if (c->closing || c->job)
            continue;
        if (c->blocked)
            c->partial_since_ms = 0; /* waiting for a heap, not for the client */
        if (c->partial_since_ms && now - c->partial_since_ms > s->cfg.frame_timeout_ms) {
            hd_log(HD_WARN, "closing a client that left a frame unfinished");
            hd_conn_close(c);
        } else if (c->stalled_since_ms &&
                   now - c->stalled_since_ms > s->cfg.frame_timeout_ms) {
            hd_log(HD_WARN, "closing a client that does not read its replies");
            hd_conn_close(c);
        } else if (now - c->last_frame_ms > s->cfg.idle_timeout_ms && !c->subscribed &&
                   !c->blocked) {
            hd_log(HD_INFO, "closing an idle client");
            hd_conn_close(c);
        }
    }
}

int hd_server_init(hd_server *s, uv_loop_t *loop, const hd_config *cfg)
{
    memset(s, 0, sizeof *s);
    s->loop = loop;
    s->cfg = *cfg;
    int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) {
        uv_signal_init(loop, &s->sig[i]);
        s->sig[i].data = s;
        uv_signal_start(&s->sig[i], on_signal, sigs[i]);
    }
    uv_timer_init(loop, &s->sweep);
    s->sweep.data = s;
    uint64_t every = s->cfg.frame_timeout_ms < 2000 ? s->cfg.frame_timeout_ms / 2 + 1 : 1000;
    if (s->cfg.idle_timeout_ms / 2 + 1 < every)
        every = s->cfg.idle_timeout_ms / 2 + 1;
    uv_timer_start(&s->sweep, sweep, every, every);
    return 0;
}

/* Stop accepting, let replies in flight go out, close every connection,
 * then close our own handles so that uv_run returns. */
void hd_server_stop(hd_server *s)
{
    if (!s->stopping) {
        s->stopping = true;
        for (int i = 0; i < s->nlisteners; i++) {
            uv_close(&s->listeners[i].u.handle, NULL);
            if (s->listeners[i].path) {
                unlink(s->listeners[i].path);
                free(s->listeners[i].path);
                s->listeners[i].path = NULL;
            }
        }
        for (hd_conn *c = s->conns, *next; c; c = next) {
            next = c->next;
            hd_conn_flush(c);
            if (!c->job) /* a job's reply is sent first (job_done) */
                hd_conn_close(c);
        }
    }
    if (s->nconns == 0 && s->jobs == 0 && !uv_is_closing((uv_handle_t *)&s->sweep)) {
        uv_close((uv_handle_t *)&s->sweep, NULL);
        for (int i = 0; i < 3; i++)
            uv_close((uv_handle_t *)&s->sig[i], NULL);
    }
}

int hd_server_run(hd_server *s)
{
    uv_run(s->loop, UV_RUN_DEFAULT);
    s->loop_done = true;
    while (s->heaps)
        hd_heap_destroy(s, s->heaps);
    hd_log(HD_INFO, "stopped");
    return 0;
}
