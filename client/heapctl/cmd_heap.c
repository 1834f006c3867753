/*
 * cmd_heap.c: ping, and heap create|list|info|destroy.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "heapctl.h"

const char HELP_PING[] =
    "usage: heapctl ping\n"
    "\n"
    "Sends a Ping and prints the round trip: 'pong 0.123 ms'.\n"
    "JSON: {\"pong\":true,\"rtt_ms\":0.123}.  Exit 3 if nothing answers.\n";

const char HELP_HEAP[] =
    "usage: heapctl heap create [NAME] [--profile 3.11|3.12|3.13]\n"
    "                           [--max-bytes N] [--max-objects N]\n"
    "       heapctl heap list\n"
    "       heapctl heap info [NAME]\n"
    "       heapctl heap destroy [NAME]\n"
    "\n"
    "create   prints one line, NAME TOKEN PROFILE, so that a script can\n"
    "         read -r name token profile < <(heapctl heap create);\n"
    "         the token is shown only here.  NAME omitted: the daemon\n"
    "         picks one.  JSON: {\"name\":..,\"token\":..,\"profile\":..}\n"
    "list     the heaps this session may see: all of them with the admin\n"
    "         token, otherwise the one given by --heap/--token\n"
    "info     one heap (default: --heap): objects, bytes, limits, users\n"
    "destroy  frees a heap and everything in it (default: --heap)\n"
    "\n"
    "info and destroy need the heap's token (--token) or the admin token.\n";

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int cmd_ping(ctl *x, int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = parse_opts(x, argc, argv, NULL, pos, 0, &npos, HELP_PING);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if ((rc = ctl_start(x, NEED_CONNECT)) != 0)
        return rc;
    double t0 = now_ms();
    if (hc_ping(x->c) < 0)
        return ctl_fail(x);
    double rtt = now_ms() - t0;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kbool(j, "pong", 1);
        json_key(j, "rtt_ms");
        json_double(j, (double)(int64_t)(rtt * 1000 + 0.5) / 1000);
        ctl_json_end(x);
    } else {
        printf("pong %.3f ms\n", rtt);
    }
    return EXIT_OK;
}

static void json_heap_stat(json *j, const hc_heap_stat *h)
{
    json_kstr(j, "name", h->name);
    json_kstr(j, "profile", h->profile);
    json_kuint(j, "objects", h->objects);
    json_kuint(j, "bytes", h->bytes);
    json_kuint(j, "max_objects", h->max_objects);
    json_kuint(j, "max_bytes", h->max_bytes);
    json_kuint(j, "connections", h->connections);
    json_kbool(j, "busy", h->busy);
    json_kuint(j, "frame_depth", h->frame_depth);
    json_kuint(j, "stack_size", h->stack_size);
}

static void stat_from_message(hc_heap_stat *out, const Heapd__HeapInfoResult *h)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", h->name);
    snprintf(out->profile, sizeof out->profile, "%s", h->profile);
    out->objects = h->objects;
    out->bytes = h->bytes;
    out->max_objects = h->max_objects;
    out->max_bytes = h->max_bytes;
    out->connections = h->connections;
    out->busy = h->busy;
    out->frame_depth = h->frame_depth;
    out->stack_size = h->stack_size;
}

static int heap_create(ctl *x, int argc, char **argv)
{
    const char *pos[1], *profile = NULL, *maxb = NULL, *maxo = NULL;
    const optspec opts[] = {{"--profile", 1, &profile, 0, 0, 0, 0},
                            {"--max-bytes", 1, &maxb, 0, 0, 0, 0},
                            {"--max-objects", 1, &maxo, 0, 0, 0, 0},
                            {0}};
    int npos, rc = parse_opts(x, argc, argv, opts, pos, 1, &npos, HELP_HEAP);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    uint64_t mb = 0, mo = 0;
    if (maxb && parse_u64(maxb, &mb) < 0)
        return ctl_usage(x, "--max-bytes: '%s' is not a number", maxb);
    if (maxo && parse_u64(maxo, &mo) < 0)
        return ctl_usage(x, "--max-objects: '%s' is not a number", maxo);
    if ((rc = ctl_start(x, NEED_HELLO)) != 0)
        return rc;
    hc_heap_created hc;
    if (hc_heap_create(x->c, npos ? pos[0] : NULL, profile, mb, mo, &hc) < 0)
        return ctl_fail(x);
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kstr(j, "name", hc.name);
        json_kstr(j, "token", hc.token);
        json_kstr(j, "profile", hc.profile);
        ctl_json_end(x);
    } else {
        printf("%s %s %s\n", hc.name, hc.token, hc.profile);
    }
    return EXIT_OK;
}

static int heap_list(ctl *x, int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = parse_opts(x, argc, argv, NULL, pos, 0, &npos, HELP_HEAP);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if ((rc = ctl_start(x, NEED_HELLO)) != 0)
        return rc;
    /* Without the admin token a session sees the heaps it opened. */
    if (x->heap && !x->admin_token &&
        hc_heap_open(x->c, x->heap, x->token, NULL) < 0)
        return ctl_fail(x);
    Heapd__HeapListResult *hl;
    if (hc_heap_list(x->c, &hl) < 0)
        return ctl_fail(x);
    hc_heap_stat st;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_key(j, "heaps");
        json_arr_begin(j);
        for (size_t k = 0; k < hl->n_heaps; k++) {
            stat_from_message(&st, hl->heaps[k]);
            json_obj_begin(j);
            json_heap_stat(j, &st);
            json_obj_end(j);
        }
        json_arr_end(j);
        ctl_json_end(x);
    } else {
        printf("%-24s %-7s %10s %12s %5s\n", "NAME", "PROFILE", "OBJECTS",
               "BYTES", "USERS");
        for (size_t k = 0; k < hl->n_heaps; k++) {
            stat_from_message(&st, hl->heaps[k]);
            printf("%-24s %-7s %10" PRIu64 " %12" PRIu64 " %5u%s\n", st.name,
                   st.profile, st.objects, st.bytes, st.connections,
                   st.busy ? " busy" : "");
        }
    }
    hc_free(hl);
    return EXIT_OK;
}

static void print_limit(const char *label, uint64_t v)
{
    if (v)
        printf("%-12s %" PRIu64 "\n", label, v);
    else
        printf("%-12s %s\n", label, "none");
}

static int heap_info_or_destroy(ctl *x, int argc, char **argv, int destroy)
{
    const char *pos[1];
    int npos, rc = parse_opts(x, argc, argv, NULL, pos, 1, &npos, HELP_HEAP);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    const char *name = npos ? pos[0] : x->heap;
    if (!name)
        return ctl_usage(x, "which heap? give NAME or --heap NAME");
    if ((rc = ctl_start(x, NEED_HELLO)) != 0)
        return rc;
    if (destroy) {
        if (hc_heap_destroy(x->c, name, x->token) < 0)
            return ctl_fail(x);
        if (x->json) {
            json *j = ctl_json_begin(x);
            json_kstr(j, "destroyed", name);
            ctl_json_end(x);
        }
        return EXIT_OK;
    }
    hc_heap_stat st;
    if (hc_heap_info(x->c, name, x->token, &st) < 0)
        return ctl_fail(x);
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_heap_stat(j, &st);
        ctl_json_end(x);
        return EXIT_OK;
    }
    printf("%-12s %s\n", "name", st.name);
    printf("%-12s %s\n", "profile", st.profile);
    printf("%-12s %" PRIu64 "\n", "objects", st.objects);
    printf("%-12s %" PRIu64 "\n", "bytes", st.bytes);
    print_limit("max_objects", st.max_objects);
    print_limit("max_bytes", st.max_bytes);
    printf("%-12s %u\n", "connections", st.connections);
    printf("%-12s %s\n", "busy", st.busy ? "yes" : "no");
    printf("%-12s %u\n", "frame_depth", st.frame_depth);
    printf("%-12s %u\n", "stack_size", st.stack_size);
    return EXIT_OK;
}

int cmd_heap(ctl *x, int argc, char **argv)
{
    if (argc == 0)
        return ctl_usage(x, "create, list, info or destroy?");
    const char *sub = argv[0];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(HELP_HEAP, stdout);
        return EXIT_OK;
    }
    if (strcmp(sub, "create") == 0)
        return heap_create(x, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return heap_list(x, argc - 1, argv + 1);
    if (strcmp(sub, "info") == 0)
        return heap_info_or_destroy(x, argc - 1, argv + 1, 0);
    if (strcmp(sub, "destroy") == 0)
        return heap_info_or_destroy(x, argc - 1, argv + 1, 1);
    return ctl_usage(x, "unknown heap subcommand '%s'", sub);
}
