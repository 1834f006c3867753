/*
 * main.c: heapd, the daemon: parse the settings, listen, serve until
 * SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "server.h"

int main(int argc, char **argv)
{
    hd_config cfg;
    hd_config_defaults(&cfg);
    int rc = hd_config_parse(&cfg, argc, argv);
    if (rc != 0) {
        hd_config_free(&cfg);
        return rc > 0 ? 0 : 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Big heaps run on libuv's pool (docs/server.md#isolation): more
     * threads than its default 4, so several can collect at once. */
    setenv("UV_THREADPOOL_SIZE", "16", 0);
    hd_log_open(cfg.log_file, cfg.log_level);
    hd_server s;
    hd_server_init(&s, uv_default_loop(), &cfg);
    if (hd_server_listen(&s) < 0) {
        hd_server_stop(&s);
        uv_run(s.loop, UV_RUN_DEFAULT);
        hd_config_free(&cfg);
        return 1;
    }
    hd_log(HD_INFO, "heapd %s ready", HD_VERSION);
    rc = hd_server_run(&s);
    uv_loop_close(s.loop);
    hd_config_free(&cfg);
    return rc;
}
