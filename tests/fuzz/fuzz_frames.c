/*
 * fuzz_frames.c: the libFuzzer target over heapd's frame decoder and
 * dispatcher, in-process.  One hd_server on a private loop, never
 * listening; each input is written into a fresh connection (a socketpair
 * adopted with hd_conn_adopt, server/fuzzhook.c), then the write side is
 * shut, the loop runs until the daemon has answered and closed the
 * connection, and every heap the input created is destroyed, so inputs do
 * not depend on each other.  Replies are read and decoded as a client
 * would, and must decode.
 *
 * The same file is linked with replay_main.c (no libFuzzer) into
 * fuzz_replay, which runs the seed corpus and every saved crash as a
 * normal test.  See tests/fuzz/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

static hd_server srv;
static uv_loop_t loop;
static bool ready;

static void init_once(void)
{
    if (ready)
        return;
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop);
    hd_config cfg;
    hd_config_defaults(&cfg);
    cfg.log_level = -1; /* silent: nothing is below "error" */
    /* Small budgets keep one input cheap: a few doublings of a list would
     * otherwise ask for gigabytes.  Heaps never grow past the offload
     * threshold, so every request runs on this thread (deterministic). */
    cfg.heap_max_objects = 20000;
    cfg.heap_max_bytes = 16u << 20;
    cfg.offload_objects = UINT64_MAX;
    cfg.max_heaps = 8;
    cfg.max_walk_nodes = 2000;
    cfg.output_high_water = 64u << 10;
    cfg.output_hard_cap = 8u << 20;
    hd_log_open(NULL, cfg.log_level);
    hd_server_init(&srv, &loop, &cfg);
    /* libFuzzer owns the process's signals. */
    for (int i = 0; i < 3; i++)
        uv_signal_stop(&srv.sig[i]);
    ready = true;
}

/* Reads and decodes what the daemon wrote; false when it closed. */
static bool drain(int fd, uint8_t **in, size_t *len, size_t *cap)
{
    for (;;) {
        if (*cap - *len < 65536) {
            *cap = *cap ? *cap * 2 : 1 << 17;
            *in = realloc(*in, *cap);
            if (!*in)
                abort();
        }
        ssize_t n = recv(fd, *in + *len, *cap - *len, MSG_DONTWAIT);
        if (n == 0)
            return false;
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        *len += (size_t)n;
        /* Every whole frame must be a ServerMessage. */
        size_t off = 0;
        while (*len - off >= 4) {
            const uint8_t *p = *in + off;
            uint32_t fl = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                          (uint32_t)p[2] << 8 | p[3];
            if (*len - off - 4 < fl)
                break;
            Heapd__ServerMessage *m =
                heapd__server_message__unpack(NULL, fl, p + 4);
            if (!m)
                abort(); /* the daemon sent something no client can read */
            heapd__server_message__free_unpacked(m, NULL);
            off += 4 + fl;
        }
        memmove(*in, *in + off, *len - off);
        *len -= off;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
    if (!hd_conn_adopt(&srv, sv[0]))
        abort();
    uint8_t *in = NULL;
    size_t inlen = 0, incap = 0, off = 0;
    bool open = true, shut = false;
    /* Write the input as the socket takes it, running the loop between. */
    for (unsigned spins = 0; open || srv.nconns > 0; spins++) {
        if (off < size) {
            ssize_t w = send(sv[1], data + off, size - off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                off += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                off = size; /* the daemon closed: the rest is moot */
        }
        if (off == size && !shut) {
            shutdown(sv[1], SHUT_WR);
            shut = true;
        }
        uv_run(&loop, UV_RUN_NOWAIT);
        if (open)
            open = drain(sv[1], &in, &inlen, &incap);
        if (spins > 10000000)
            abort(); /* the daemon neither answers nor closes */
    }
    close(sv[1]);
    free(in);
    while (srv.heaps)
        hd_heap_destroy(&srv, srv.heaps);
    uv_run(&loop, UV_RUN_NOWAIT);
    return 0;
}
