/*
 * test_bad_input.c: what a hostile or broken client can send heapd over a
 * raw socket, and that after each case the daemon still serves another
 * client (a fresh connection says hello and pings).  Lengths over the
 * limits, empty and undecodable frames, unknown requests and op codes, cut
 * frames, stale and forged ids, wrong tokens, requests before hello, a
 * protocol mismatch, 10,000 requests written without reading a reply,
 * slowloris and idle clients, and a request that is slow by nature.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"

static it_daemon D;

static void setup(void)
{
    it_daemon_start(&D, NULL);
}

static void teardown(void)
{
    it_daemon_stop(&D);
}

/* The next response, which must be an error with this code; returns its
 * id. */
static uint64_t expect_error(int fd, int code, const char *msg_part)
{
    int why;
    Heapd__Response *r = it_raw_response(fd, 10000, &why);
    ck_assert_msg(r != NULL, "no response (%d)", why);
    ck_assert_msg(r->error != NULL, "expected an error, got result %d",
                  r->result_case);
    ck_assert_msg((int)r->error->code == code, "expected code %d, got %d: %s",
                  code, r->error->code, r->error->message);
    if (msg_part)
        ck_assert_msg(strstr(r->error->message, msg_part),
                      "message '%s' lacks '%s'", r->error->message, msg_part);
    ck_assert_int_eq(r->result_case, HEAPD__RESPONSE__RESULT__NOT_SET);
    uint64_t id = r->id;
    heapd__response__free_unpacked(r, NULL);
    return id;
}

static void expect_pong(int fd, uint64_t id)
{
    Heapd__Request req;
    Heapd__Ping ping;
    it_req_ping(&req, &ping, id);
    ck_assert(it_raw_send(fd, &req));
    int why;
    Heapd__Response *r = it_raw_response(fd, 10000, &why);
    ck_assert_msg(r != NULL, "no answer to ping (%d)", why);
    ck_assert_msg(r->error == NULL, "ping failed: %s", r->error->message);
    ck_assert_int_eq(r->id, id);
    ck_assert_int_eq(r->result_case, HEAPD__RESPONSE__RESULT_EMPTY);
    heapd__response__free_unpacked(r, NULL);
}

static void write_len(int fd, uint32_t n)
{
    uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                    (uint8_t)n};
    ck_assert(it_raw_write(fd, h, 4));
}

/* ---- framing
 * ------------------------------------------------------------------- */

START_TEST(length_over_limit_after_hello)
{
    int fd = it_raw_connect(&D);
    it_raw_hello(fd);
    write_len(fd, (1u << 20) + 1); /* one byte over --max-frame */
    ck_assert_int_eq(
        expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, "exceeds"), 0);
    ck_assert_int_eq(it_raw_wait_eof(fd, 5000), IT_RAW_EOF);
    close(fd);
    it_assert_alive(&D);

    /* 4 GiB - 1: the length is checked before anything is allocated. */
    fd = it_raw_connect(&D);
    it_raw_hello(fd);
    write_len(fd, 0xffffffffu);
    expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, "exceeds");
    ck_assert_int_eq(it_raw_wait_eof(fd, 5000), IT_RAW_EOF);
    close(fd);
    it_assert_alive(&D);
}
END_TEST

START_TEST(length_over_prehello_limit)
{
    /* 100 KB is fine after hello (limit 1 MiB) but not before (64 KiB). */
    int fd = it_raw_connect(&D);
    write_len(fd, 100 * 1024);
    expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, "exceeds");
    ck_assert_int_eq(it_raw_wait_eof(fd, 5000), IT_RAW_EOF);
    close(fd);
    it_assert_alive(&D);

    /* The same length after hello is waited for, not refused. */
    fd = it_raw_connect(&D);
    it_raw_hello(fd);
    write_len(fd, 100 * 1024);
    Heapd__ServerMessage *m;
    ck_assert_int_eq(it_raw_recv(fd, 300, &m), IT_RAW_TIMEOUT);
    close(fd);
    it_assert_alive(&D);
}
END_TEST

START_TEST(zero_length_frame)
{
    int fd = it_raw_connect(&D);
    it_raw_hello(fd);
    write_len(fd, 0); /* an empty Request: id 0, no body */
    expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, "missing");
    expect_pong(fd, 2); /* the connection goes on */
    close(fd);
    it_assert_alive(&D);
}
END_TEST

START_TEST(undecodable_bytes)
{
    int fd = it_raw_connect(&D);
    it_raw_hello(fd);
    static const uint8_t junk[][9] = {
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, /* bad varint */
        {0x0a, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
         0x07}, /* length past end */
        {0x08, 0x01, 0x52, 0x05, 0x0a, 0x03, 0x61, 0x62,
         0x63}, /* hello cut short */
        {0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f}, /* group tags */
    };
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        write_len(fd, sizeof junk[i]);
        ck_assert(it_raw_write(fd, junk[i], sizeof junk[i]));
        ck_assert_int_eq(
            expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL), 0);
    }
    expect_pong(fd, 77);
    close(fd);
    it_assert_alive(&D);
}
END_TEST

START_TEST(unknown_request_and_op)
{
    int fd = it_raw_connect(&D);
    it_raw_hello(fd);
    /* Request{id: 5, field 99: varint 1}: a body this daemon does not know. */
    static const uint8_t unknown[] = {0x08, 0x05, 0x98, 0x06, 0x01};
    write_len(fd, sizeof unknown);
    ck_assert(it_raw_write(fd, unknown, sizeof unknown));
    ck_assert_int_eq(
        expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL), 5);

    /* An Op with an OpCode number the schema does not have. */
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__HeapCreate hc = HEAPD__HEAP_CREATE__INIT;
    req.id = 6;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_CREATE;
    req.heap_create = &hc;
    ck_assert(it_raw_send(fd, &req));
    int why;
    Heapd__Response *r = it_raw_response(fd, 5000, &why);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(r->error);
    heapd__response__free_unpacked(r, NULL);
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = (Heapd__OpCode)4242;
    req.id = 7;
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = &op;
    ck_assert(it_raw_send(fd, &req));
    ck_assert_int_eq(
        expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, "4242"), 7);
    op.code = (Heapd__OpCode)-1;
    req.id = 8;
    ck_assert(it_raw_send(fd, &req));
    ck_assert_int_eq(
        expect_error(fd, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL), 8);
    expect_pong(fd, 9);
    close(fd);
    it_assert_alive(&D);
}
END_TEST

START_TEST(cut_frame_then_close)
{
    for (int k = 0; k < 3; k++) {
        int fd = it_raw_connect(&D);
        if (k > 0)
            it_raw_hello(fd);
        write_len(fd, 200);
        static const uint8_t part[50] = {0x08, 0x01};
        ck_assert(it_raw_write(fd, part, k == 2 ? 0 : sizeof part));
        close(fd);
    }
    /* Half a length prefix. */
    int fd = it_raw_connect(&D);
    ck_assert(it_raw_write(fd, "\0\0", 2));
    close(fd);
    it_assert_alive(&D);
}
END_TEST

/* ---- ids and tokens
 * -------------------------------------------------------------- */

START_TEST(stale_and_forged_ids)
{
    hc_client *c = it_connect(&D);
    ck_assert_int_eq(hc_heap_create(c, "ids", NULL, 0, 0, NULL), 0);
    uint64_t live = it_op(c, HEAPD__OP_CODE__BUILD_LIST, 0, NULL).top;
    it_op(c, HEAPD__OP_CODE__STORE_GLOBAL, 0, "keep");
    uint64_t stale = it_op(c, HEAPD__OP_CODE__PUSH_INT, 777777, NULL).top;
    it_op(c, HEAPD__OP_CODE__POP, 0, NULL);
    hc_op_result r;
    int rc = hc_op(c, HEAPD__OP_CODE__PUSH_ID, 0, NULL, stale, &r);
    it_assert_server_error(c, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);
    Heapd__ObjectInfo *oi;
    rc = hc_inspect_id(c, stale, 0, &oi);
    it_assert_server_error(c, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);
    Heapd__Graph *g;
    rc = hc_walk(c, &stale, 1, 0, 0, 0, 0, &g);
    it_assert_server_error(c, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);

    /* 2000 random 64-bit ids, and ids next to a live one: all refused,
     * pipelined. */
    srandom(12345);
    enum { N = 2000 };
    for (int i = 0; i < N; i++) {
        uint64_t id = ((uint64_t)random() << 33) ^ ((uint64_t)random() << 2) ^
                      (uint64_t)random();
        if (i < 64)
            id = live + (uint64_t)(i - 32); /* misaligned and neighbours */
        if (id == live)
            id = 0;
        Heapd__Op op = HEAPD__OP__INIT;
        op.code = HEAPD__OP_CODE__PUSH_ID;
        op.obj = id;
        Heapd__Request req = HEAPD__REQUEST__INIT;
        req.body_case = HEAPD__REQUEST__BODY_OP;
        req.op = &op;
        ck_assert_int_eq(hc_send(c, &req), 0);
    }
    int refused = 0;
    for (int i = 0; i < N; i++) {
        Heapd__Response *resp;
        rc = hc_recv(c, &resp, 30000);
        ck_assert_msg(rc == HC_E_SERVER || rc == 0, "recv: %s",
                      hc_last_error(c)->message);
        refused += rc == HC_E_SERVER &&
                   resp->error->code == HEAPD__ERROR_CODE__NOT_FOUND;
        hc_free(resp);
    }
    /* A neighbour of the list may be another live object (the list's own
     * items, the ints of the heap): allow those, nothing else. */
    ck_assert_int_ge(refused, N - 64);
    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(c, NULL, NULL, &st), 0);
    ck_assert_int_eq(st.stack_size, (uint32_t)(N - refused));
    hc_close(c);
    it_assert_alive(&D);
}
END_TEST

START_TEST(wrong_tokens)
{
    hc_client *owner = it_connect(&D);
    hc_heap_created hc;
    ck_assert_int_eq(hc_heap_create(owner, "secret", NULL, 0, 0, &hc), 0);
    hc_client *c = it_connect(&D);
    char flipped[80];
    snprintf(flipped, sizeof flipped, "%s", hc.token);
    flipped[31] = flipped[31] == '0' ? '1' : '0';
    const char *bad[] = {
        flipped,
        "",
        "00",
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "gggggggggggggggggggggggggggggggg",
        "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5"
        "\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7\xe6\xe5\xe4"
        "\xe3\xe2\xe1\xe0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = hc_heap_open(c, "secret", bad[i], NULL);
        it_assert_server_error(c, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED,
                               NULL);
    }
    it_assert_alive(&D);
    /* The right token, in upper case, works. */
    char upper[40];
    for (int i = 0; i <= 32; i++)
        upper[i] =
            (char)(hc.token[i] >= 'a' && hc.token[i] <= 'f' ? hc.token[i] - 32
                                                            : hc.token[i]);
    ck_assert_int_eq(hc_heap_open(c, "secret", upper, NULL), 0);
    hc_close(c);
    hc_close(owner);
}
END_TEST

START_TEST(wrong_admin_token)
{
    /* No admin token configured: any admin token is refused and the
     * connection stays un-helloed. */
    int fd = it_raw_connect(&D);
    Heapd__Request req;
    Heapd__Hello h;
    it_req_hello(&req, &h, 1, 1, "00112233445566778899aabbccddeeff");
    ck_assert(it_raw_send(fd, &req));
    expect_error(fd, HEAPD__ERROR_CODE__UNAUTHENTICATED, "admin");
    Heapd__HeapList hl = HEAPD__HEAP_LIST__INIT;
    heapd__request__init(&req);
    req.id = 2;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_LIST;
    req.heap_list = &hl;
    ck_assert(it_raw_send(fd, &req));
    expect_error(fd, HEAPD__ERROR_CODE__FAILED_PRECONDITION, "hello");
    close(fd);
    it_assert_alive(&D);

    /* With one configured: a wrong one is refused, the right one grants
     * every heap. */
    it_daemon A;
    char tokfile[200];
    it_path(&D, "admin.token", tokfile, sizeof tokfile);
    FILE *f = fopen(tokfile, "w");
    ck_assert_ptr_nonnull(f);
    fputs("0123456789abcdef0123456789abcdef\n", f);
    fclose(f);
    it_daemon_start(&A, "--admin-token-file", tokfile, NULL);
    hc_error err;
    hc_client *c = hc_connect(A.addr, 5000, &err);
    ck_assert_ptr_nonnull(c);
    int rc = hc_hello(c, NULL, "0123456789abcdef0123456789abcdee", NULL);
    it_assert_server_error(c, rc, HEAPD__ERROR_CODE__UNAUTHENTICATED, NULL);
    rc = hc_hello(c, NULL, "0123456789abcdef", NULL); /* a prefix */
    it_assert_server_error(c, rc, HEAPD__ERROR_CODE__UNAUTHENTICATED, NULL);
    hc_hello_result hr;
    ck_assert_int_eq(hc_hello(c, NULL, "0123456789abcdef0123456789abcdef", &hr),
                     0);
    ck_assert_int_eq(hr.admin, 1);
    hc_client *owner = it_connect(&A);
    ck_assert_int_eq(hc_heap_create(owner, "theirs", NULL, 0, 0, NULL), 0);
    ck_assert_int_eq(hc_heap_open(c, "theirs", NULL, NULL), 0);
    hc_close(owner);
    hc_close(c);
    it_assert_alive(&A);
    it_daemon_stop(&A);
}
END_TEST

/* ---- session order
 * ------------------------------------------------------------------ */

START_TEST(requests_before_hello)
{
    int fd = it_raw_connect(&D);
    expect_pong(fd, 1); /* ping is allowed */
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__HeapCreate hc = HEAPD__HEAP_CREATE__INIT;
    req.id = 2;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_CREATE;
    req.heap_create = &hc;
    ck_assert(it_raw_send(fd, &req));
    ck_assert_int_eq(
        expect_error(fd, HEAPD__ERROR_CODE__FAILED_PRECONDITION, "hello"), 2);
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__PUSH_NONE;
    heapd__request__init(&req);
    req.id = 3;
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = &op;
    ck_assert(it_raw_send(fd, &req));
    ck_assert_int_eq(
        expect_error(fd, HEAPD__ERROR_CODE__FAILED_PRECONDITION, "hello"), 3);
    Heapd__Subscribe sb = HEAPD__SUBSCRIBE__INIT;
    heapd__request__init(&req);
    req.id = 4;
    req.body_case = HEAPD__REQUEST__BODY_SUBSCRIBE;
    req.subscribe = &sb;
    ck_assert(it_raw_send(fd, &req));
    ck_assert_int_eq(
        expect_error(fd, HEAPD__ERROR_CODE__FAILED_PRECONDITION, "hello"), 4);
    it_raw_hello(fd);
    req.id = 5;
    heapd__request__init(&req);
    req.id = 5;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_CREATE;
    req.heap_create = &hc;
    ck_assert(it_raw_send(fd, &req));
    int why;
    Heapd__Response *r = it_raw_response(fd, 5000, &why);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(r->error);
    ck_assert_int_eq(r->result_case, HEAPD__RESPONSE__RESULT_HEAP_CREATED);
    heapd__response__free_unpacked(r, NULL);
    close(fd);
    it_assert_alive(&D);
}
END_TEST

START_TEST(protocol_mismatch)
{
    int fd = it_raw_connect(&D);
    Heapd__Request req;
    Heapd__Hello h;
    it_req_hello(&req, &h, 1, 2, NULL);
    ck_assert(it_raw_send(fd, &req));
    expect_error(fd, HEAPD__ERROR_CODE__FAILED_PRECONDITION, "protocol 2");
    it_req_hello(&req, &h, 2, 0, NULL);
    ck_assert(it_raw_send(fd, &req));
    expect_error(fd, HEAPD__ERROR_CODE__FAILED_PRECONDITION, "protocol 0");
    /* Still un-helloed. */
    Heapd__HeapList hl = HEAPD__HEAP_LIST__INIT;
    heapd__request__init(&req);
    req.id = 3;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_LIST;
    req.heap_list = &hl;
    ck_assert(it_raw_send(fd, &req));
    expect_error(fd, HEAPD__ERROR_CODE__FAILED_PRECONDITION, "hello");
    it_raw_hello(fd);
    close(fd);
    it_assert_alive(&D);
}
END_TEST

/* ---- flow control
 * -------------------------------------------------------------------- */

/* 10,000 MallocStats requests (about 500 bytes of reply each, 5 MB in all)
 * written without reading: with a 16 KiB high water mark and a 512 KiB
 * hard cap the daemon must stop reading (bytes stay unread in the socket)
 * rather than queue replies, then answer everything in order once read. */
START_TEST(pipeline_10000_without_reading)
{
    enum { N = 10000 };
    it_daemon P;
    it_daemon_start(&P, "--output-high-water", "16K", "--output-hard-cap",
                    "512K", NULL);
    int fd = it_raw_connect(&P);
    it_raw_hello(fd);
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__HeapCreate hcr = HEAPD__HEAP_CREATE__INIT;
    req.id = 2;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_CREATE;
    req.heap_create = &hcr;
    ck_assert(it_raw_send(fd, &req));
    int why;
    Heapd__Response *r = it_raw_response(fd, 5000, &why);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(r->error);
    heapd__response__free_unpacked(r, NULL);

    /* All frames in one buffer. */
    size_t cap = (size_t)N * 16, len = 0;
    uint8_t *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (uint64_t i = 0; i < N; i++) {
        Heapd__MallocStats ms = HEAPD__MALLOC_STATS__INIT;
        heapd__request__init(&req);
        req.id = 1000 + i;
        req.body_case = HEAPD__REQUEST__BODY_MALLOC_STATS;
        req.malloc_stats = &ms;
        size_t n;
        uint8_t *f = it_raw_frame(&req, &n);
        ck_assert_uint_le(len + n, cap);
        memcpy(buf + len, f, n);
        len += n;
        free(f);
    }
    long rss0 = it_daemon_rss_kb(&P);
    ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    size_t off = 0;
    /* Write without reading until the socket will take no more for 300 ms
     * (or everything is written). */
    int64_t quiet_since = it_now_ms();
    while (off < len && it_now_ms() - quiet_since < 300) {
        ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            quiet_since = it_now_ms();
        } else {
            ck_assert_msg(errno == EAGAIN || errno == EINTR, "send: %s",
                          strerror(errno));
            it_sleep_ms(10);
        }
    }
    it_sleep_ms(300);
    /* The daemon stopped reading: our bytes wait in the socket. */
    int unread = 0;
    ck_assert_int_eq(ioctl(fd, SIOCOUTQ, &unread), 0);
    ck_assert_msg(unread > 0,
                  "the daemon read all %zu bytes written without its "
                  "replies being read",
                  off);
    long rss1 = it_daemon_rss_kb(&P);
    ck_assert_msg(rss1 - rss0 < 64 * 1024, "the daemon grew by %ld KiB",
                  rss1 - rss0);

    /* Now read everything (writing the rest as the socket allows). */
    uint64_t want = 1000;
    uint8_t *in = malloc(1 << 20);
    size_t inlen = 0;
    int64_t deadline = it_now_ms() + 120000;
    while (want < 1000 + N) {
        ck_assert_msg(it_now_ms() < deadline, "stuck at reply %llu",
                      (unsigned long long)want);
        struct pollfd pfd = {.fd = fd,
                             .events = POLLIN | (off < len ? POLLOUT : 0)};
        poll(&pfd, 1, 1000);
        if ((pfd.revents & POLLOUT) && off < len) {
            ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
            if (w > 0)
                off += (size_t)w;
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(fd, in + inlen, (1 << 20) - inlen, 0);
            ck_assert_msg(n != 0,
                          "the daemon closed the connection after %llu replies",
                          (unsigned long long)(want - 1000));
            if (n < 0) {
                ck_assert_msg(errno == EAGAIN || errno == EINTR, "recv: %s",
                              strerror(errno));
                continue;
            }
            inlen += (size_t)n;
            size_t p = 0;
            while (inlen - p >= 4) {
                uint32_t fl = (uint32_t)in[p] << 24 |
                              (uint32_t)in[p + 1] << 16 |
                              (uint32_t)in[p + 2] << 8 | in[p + 3];
                if (inlen - p - 4 < fl)
                    break;
                Heapd__ServerMessage *m =
                    heapd__server_message__unpack(NULL, fl, in + p + 4);
                ck_assert_ptr_nonnull(m);
                ck_assert_int_eq(m->msg_case,
                                 HEAPD__SERVER_MESSAGE__MSG_RESPONSE);
                ck_assert_msg(m->response->id == want,
                              "reply %llu where %llu was due",
                              (unsigned long long)m->response->id,
                              (unsigned long long)want);
                ck_assert_ptr_null(m->response->error);
                ck_assert_int_eq(m->response->result_case,
                                 HEAPD__RESPONSE__RESULT_MALLOC);
                ck_assert_int_eq(m->response->malloc->n_classes, 32);
                heapd__server_message__free_unpacked(m, NULL);
                want++;
                p += 4 + fl;
            }
            memmove(in, in + p, inlen - p);
            inlen -= p;
        }
    }
    ck_assert_uint_eq(off, len);
    ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK), 0);
    expect_pong(fd, 5);
    free(in);
    free(buf);
    close(fd);
    it_assert_alive(&P);
    it_daemon_stop(&P);
}
END_TEST

/* ---- timeouts
 * -------------------------------------------------------------------------- */

START_TEST(slowloris)
{
    it_daemon S;
    it_daemon_start(&S, "--frame-timeout", "500", NULL);
    /* A started length prefix, and a started body. */
    int fd1 = it_raw_connect(&S);
    ck_assert(it_raw_write(fd1, "\0\0", 2));
    int fd2 = it_raw_connect(&S);
    it_raw_hello(fd2);
    write_len(fd2, 100);
    ck_assert(it_raw_write(fd2, "\x08\x01", 2));
    int64_t t0 = it_now_ms();
    ck_assert_int_eq(it_raw_wait_eof(fd1, 5000), IT_RAW_EOF);
    ck_assert_int_eq(it_raw_wait_eof(fd2, 5000), IT_RAW_EOF);
    int64_t took = it_now_ms() - t0;
    ck_assert_msg(took >= 400, "closed after %lld ms, before the frame timeout",
                  (long long)took);
    close(fd1);
    close(fd2);
    ck_assert(it_daemon_log_has(&S, "unfinished"));
    it_assert_alive(&S);

    /* A client that keeps frames flowing, each write ending mid-frame,
     * for three times the frame timeout, is served throughout. */
    int fd = it_raw_connect(&S);
    it_raw_hello(fd);
    Heapd__Request req;
    Heapd__Ping ping;
    size_t n;
    it_req_ping(&req, &ping, 100);
    uint8_t *f = it_raw_frame(&req, &n);
    ck_assert(it_raw_write(fd, f, 2)); /* the first half of frame 100 */
    for (uint64_t id = 100; id < 115; id++) {
        it_sleep_ms(100);
        uint8_t *next;
        size_t nn;
        it_req_ping(&req, &ping, id + 1);
        next = it_raw_frame(&req, &nn);
        ck_assert_msg(it_raw_write(fd, f + 2, n - 2) &&
                          it_raw_write(fd, next, 2),
                      "closed at frame %llu", (unsigned long long)id);
        int why;
        Heapd__Response *r = it_raw_response(fd, 5000, &why);
        ck_assert_msg(r != NULL,
                      "no reply to ping %llu (%d): a busy client was closed "
                      "as a slowloris",
                      (unsigned long long)id, why);
        ck_assert_int_eq(r->id, id);
        heapd__response__free_unpacked(r, NULL);
        free(f);
        f = next;
        n = nn;
    }
    free(f);
    close(fd);
    it_daemon_stop(&S);
}
END_TEST

START_TEST(idle_client)
{
    it_daemon S;
    it_daemon_start(&S, "--idle-timeout", "500", NULL);
    int idle = it_raw_connect(&S);
    it_raw_hello(idle);
    int silent = it_raw_connect(&S); /* never says anything */
    int busy = it_raw_connect(&S);
    it_raw_hello(busy);
    int64_t t0 = it_now_ms();
    for (int i = 0; i < 8; i++) { /* 1.2 s of a ping every 150 ms */
        it_sleep_ms(150);
        expect_pong(busy, 10 + (uint64_t)i);
    }
    ck_assert_int_eq(it_raw_wait_eof(idle, 3000), IT_RAW_EOF);
    ck_assert_int_eq(it_raw_wait_eof(silent, 3000), IT_RAW_EOF);
    ck_assert_int_ge(it_now_ms() - t0, 500);
    expect_pong(busy, 99); /* the active one was kept */
    close(idle);
    close(silent);
    close(busy);
    it_assert_alive(&S);
    it_daemon_stop(&S);
}
END_TEST

/* ---- slow requests
 * ------------------------------------------------------------------- */

/* x0 = []; x(k+1) = [xk, xk]: 40 objects whose repr is 2^40 leaves long.
 * Inspect asks for at most repr_limit bytes of it, a walk for 40
 * characters per node, so neither needs more than that; other clients
 * must not wait for it. */
static void build_repr_bomb(hc_client *c, int depth)
{
    it_op(c, HEAPD__OP_CODE__BUILD_LIST, 0, NULL);
    for (int k = 0; k < depth; k++) {
        it_op(c, HEAPD__OP_CODE__DUP, 0, NULL);
        it_op(c, HEAPD__OP_CODE__BUILD_LIST, 2, NULL);
    }
    it_op(c, HEAPD__OP_CODE__STORE_GLOBAL, 0, "bomb");
}

static void assert_others_served_during(it_daemon *d, Heapd__Request *slow)
{
    hc_client *c = it_connect(d);
    ck_assert_int_eq(hc_heap_create(c, "bomb", NULL, 0, 0, NULL), 0);
    build_repr_bomb(c, 40);
    ck_assert_int_eq(hc_send(c, slow), 0);
    /* hc_flush waits for input after writing everything, so a short
     * timeout is expected here. */
    int frc = hc_flush(c, 300);
    ck_assert_msg(frc == 0 || frc == HC_E_TIMEOUT, "flush: %s",
                  hc_code_name(frc));
    it_sleep_ms(100);
    hc_error err;
    hc_client *other = hc_connect(d->addr, 3000, &err);
    ck_assert_ptr_nonnull(other);
    hc_set_timeout(other, 3000);
    int64_t t0 = it_now_ms();
    int rc = hc_hello(other, "bystander", NULL, NULL);
    if (rc != 0) {
        it_daemon_kill(d); /* stuck on the loop thread: SIGTERM cannot help */
        ck_abort_msg(
            "another client waited %lld ms for hello (%s) while one request "
            "printed a repr",
            (long long)(it_now_ms() - t0), hc_code_name(rc));
    }
    ck_assert_int_eq(hc_ping(other), 0);
    Heapd__Response *resp;
    hc_set_timeout(c, 10000);
    rc = hc_recv(c, &resp, 10000);
    ck_assert_msg(rc == 0 || rc == HC_E_SERVER,
                  "the slow request was not answered: %s", hc_code_name(rc));
    hc_free(resp);
    hc_close(other);
    hc_close(c);
}

START_TEST(repr_of_shared_dag_inspect)
{
    Heapd__Target t = HEAPD__TARGET__INIT;
    t.of_case = HEAPD__TARGET__OF_NAME;
    t.name = (char *)"bomb";
    Heapd__Inspect in = HEAPD__INSPECT__INIT;
    in.target = &t;
    in.repr = 1;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_INSPECT;
    req.inspect = &in;
    assert_others_served_during(&D, &req);
}
END_TEST

START_TEST(repr_of_shared_dag_walk)
{
    Heapd__Target t = HEAPD__TARGET__INIT, *tp = &t;
    t.of_case = HEAPD__TARGET__OF_NAME;
    t.name = (char *)"bomb";
    Heapd__Walk w = HEAPD__WALK__INIT;
    w.n_roots = 1;
    w.roots = &tp;
    w.max_depth = 2;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_WALK;
    req.walk = &w;
    assert_others_served_during(&D, &req);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("bad_input");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, length_over_limit_after_hello);
    tcase_add_test(tc, length_over_prehello_limit);
    tcase_add_test(tc, zero_length_frame);
    tcase_add_test(tc, undecodable_bytes);
    tcase_add_test(tc, unknown_request_and_op);
    tcase_add_test(tc, cut_frame_then_close);
    tcase_add_test(tc, stale_and_forged_ids);
    tcase_add_test(tc, wrong_tokens);
    tcase_add_test(tc, wrong_admin_token);
    tcase_add_test(tc, requests_before_hello);
    tcase_add_test(tc, protocol_mismatch);
    tcase_add_test(tc, pipeline_10000_without_reading);
    tcase_add_test(tc, slowloris);
    tcase_add_test(tc, idle_client);
    tcase_add_test(tc, repr_of_shared_dag_inspect);
    tcase_add_test(tc, repr_of_shared_dag_walk);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return it_run_suite(suite());
}
