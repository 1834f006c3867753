/*
 * fuzzhook.c: a connection on a descriptor the caller already has (one
 * end of a socketpair), with no listener and no accept: the entry point
 * through which tests/fuzz/ feeds arbitrary bytes to the real framing and
 * dispatch code in-process.  Nothing in heapd itself calls it.
 */
#include <stdlib.h>

#include "server.h"

hd_conn *hd_conn_adopt(hd_server *s, int fd)
{
    hd_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->srv = s;
    if (uv_pipe_init(s->loop, &c->u.pipe, 0) != 0) {
        free(c);
        return NULL;
    }
    c->u.handle.data = c;
    if (uv_pipe_open(&c->u.pipe, fd) != 0) {
        /* Never linked in: closing it just frees it (on_closed copes). */
        c->closing = true;
        hd_conn_close(c);
        return NULL;
    }
    hd_conn_link(s, c);
    return c;
}
