/*
 * cmd_gc.c: the gc module from the shell (gc collect|count|threshold|
 * stats|enable|disable|freeze|unfreeze|garbage|debug) and malloc-stats
 * (sys._debugmallocstats()).
 */
#include <inttypes.h>
#include <string.h>

#include "heapctl.h"

const char HELP_GC[] =
    "usage: heapctl gc collect [GEN]        gc.collect(GEN), GEN 0..2 "
    "(default 2)\n"
    "       heapctl gc count                gc.get_count()\n"
    "       heapctl gc threshold [T0 [T1 [T2]]]  gc.set_threshold(), then\n"
    "                                       prints gc.get_threshold()\n"
    "       heapctl gc stats                gc.get_stats() and the rest of "
    "gc's state\n"
    "       heapctl gc enable | disable     gc.enable(), gc.disable()\n"
    "       heapctl gc freeze | unfreeze    gc.freeze(), gc.unfreeze()\n"
    "       heapctl gc garbage              the objects in gc.garbage\n"
    "       heapctl gc debug [FLAGS]        gc.set_debug(FLAGS), then prints\n"
    "                                       gc.get_debug(); FLAGS a number "
    "or\n"
    "                                       names joined by '|' or ',': "
    "stats,\n"
    "                                       collectable, uncollectable, "
    "saveall,\n"
    "                                       leak; 0 or none clears\n"
    "\n"
    "collect prints the number of unreachable objects found.  When a\n"
    "__del__ or a callback becomes due, it is begun and ended without\n"
    "running its body (that needs the REPL), and a note says so (JSON:\n"
    "\"calls_due\").  JSON: collect {\"collected\":N}, count "
    "{\"count\":[..]},\n"
    "threshold {\"threshold\":[..]}, stats {\"enabled\":..,\"threshold\":..,\n"
    "\"count\":..,\"stats\":[{\"collections\":..,\"collected\":..,\n"
    "\"uncollectable\":..}..],\"debug\":..,\"freeze_count\":..,"
    "\"garbage\":..},\n"
    "enable/disable {\"enabled\":..}, freeze/unfreeze {\"freeze_count\":..},\n"
    "garbage {\"garbage\":[{\"id\":..,\"type\":..,\"refcount\":..,"
    "\"repr\":..}]}, debug {\"debug\":..}.\n";

const char HELP_MALLOC_STATS[] =
    "usage: heapctl malloc-stats\n"
    "\n"
    "The heap allocator's statistics, as sys._debugmallocstats() prints\n"
    "them: blocks per size class, arenas, pools, bytes.  JSON: every field\n"
    "of MallocStatsResult, with \"classes\":[{\"size\":..,\"pools\":..,\n"
    "\"blocks_in_use\":..,\"blocks_free\":..}].\n";

static void json_i64_array(json *j, const char *key, const int64_t *v, int n)
{
    json_key(j, key);
    json_arr_begin(j);
    for (int k = 0; k < n; k++)
        json_int(j, v[k]);
    json_arr_end(j);
}

static int query(ctl *x, hc_gc_state *st)
{
    return hc_gc_query(x->c, st) < 0 ? ctl_fail(x) : 0;
}

static int gc_collect(ctl *x, int npos, const char **pos)
{
    int64_t gen = 2;
    if (npos > 1)
        return ctl_usage(x, "'gc collect' takes at most one GEN");
    if (npos == 1 && parse_i64(pos[0], &gen) < 0)
        return ctl_usage(x, "'%s' is not a generation", pos[0]);
    int rc = ctl_start(x, NEED_HEAP);
    if (rc)
        return rc;
    hc_op_result r;
    if ((rc = ctl_op(x, HEAPD__OP_CODE__GC_COLLECT, gen, NULL, 0, &r)))
        return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kint(j, "collected", r.value);
        ctl_json_end(x);
    } else {
        printf("%" PRId64 "\n", r.value);
        ctl_report_dues(x);
    }
    return EXIT_OK;
}

static int gc_threshold(ctl *x, int npos, const char **pos)
{
    int64_t t[3] = {0, 0, 0};
    if (npos > 3)
        return ctl_usage(x, "'gc threshold' takes at most 3 numbers");
    for (int k = 0; k < npos; k++)
        if (parse_i64(pos[k], &t[k]) < 0)
            return ctl_usage(x, "'%s' is not a number", pos[k]);
    int rc = ctl_start(x, NEED_HEAP);
    if (rc)
        return rc;
    if (npos > 0) {
        Heapd__Op op = HEAPD__OP__INIT;
        op.code = HEAPD__OP_CODE__GC_SET_THRESHOLD;
        op.i = t[0];
        op.j = t[1];
        op.k = t[2];
        op.flags = (uint32_t)npos;
        if ((rc = ctl_op_full(x, &op, NULL)))
            return rc;
    }
    hc_gc_state st;
    if ((rc = query(x, &st)))
        return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_i64_array(j, "threshold", st.threshold, 3);
        ctl_json_end(x);
    } else {
        printf("%" PRId64 " %" PRId64 " %" PRId64 "\n", st.threshold[0],
               st.threshold[1], st.threshold[2]);
    }
    return EXIT_OK;
}

static int gc_count(ctl *x)
{
    hc_gc_state st;
    int rc = ctl_start(x, NEED_HEAP);
    if (rc || (rc = query(x, &st)))
        return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_i64_array(j, "count", st.count, 3);
        ctl_json_end(x);
    } else {
        printf("%" PRId64 " %" PRId64 " %" PRId64 "\n", st.count[0],
               st.count[1], st.count[2]);
    }
    return EXIT_OK;
}

static int gc_stats(ctl *x)
{
    hc_gc_state st;
    int rc = ctl_start(x, NEED_HEAP);
    if (rc || (rc = query(x, &st)))
        return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kbool(j, "enabled", st.enabled);
        json_i64_array(j, "threshold", st.threshold, 3);
        json_i64_array(j, "count", st.count, 3);
        json_key(j, "stats");
        json_arr_begin(j);
        for (int g = 0; g < 3; g++) {
            json_obj_begin(j);
            json_kuint(j, "collections", st.stats[g].collections);
            json_kuint(j, "collected", st.stats[g].collected);
            json_kuint(j, "uncollectable", st.stats[g].uncollectable);
            json_obj_end(j);
        }
        json_arr_end(j);
        json_kint(j, "debug", st.debug);
        json_kuint(j, "freeze_count", st.freeze_count);
        json_kuint(j, "garbage", st.garbage);
        json_kbool(j, "collecting", st.collecting);
        json_kint(j, "last_result", st.last_result);
        ctl_json_end(x);
        return EXIT_OK;
    }
    printf("%-4s %12s %10s %14s\n", "GEN", "COLLECTIONS", "COLLECTED",
           "UNCOLLECTABLE");
    for (int g = 0; g < 3; g++)
        printf("%-4d %12" PRIu64 " %10" PRIu64 " %14" PRIu64 "\n", g,
               st.stats[g].collections, st.stats[g].collected,
               st.stats[g].uncollectable);
    printf("enabled      %s\n", st.enabled ? "yes" : "no");
    printf("threshold    %" PRId64 " %" PRId64 " %" PRId64 "\n",
           st.threshold[0], st.threshold[1], st.threshold[2]);
    printf("count        %" PRId64 " %" PRId64 " %" PRId64 "\n", st.count[0],
           st.count[1], st.count[2]);
    printf("debug        %d\n", st.debug);
    printf("frozen       %" PRIu64 "\n", st.freeze_count);
    printf("garbage      %" PRIu64 "\n", st.garbage);
    return EXIT_OK;
}

/* enable, disable, freeze, unfreeze: one op, then the state it changed. */
static int gc_switch(ctl *x, int code)
{
    hc_gc_state st;
    int rc = ctl_start(x, NEED_HEAP);
    if (rc || (rc = ctl_op(x, code, 0, NULL, 0, NULL)))
        return rc;
    if (!x->json)
        return EXIT_OK;
    if ((rc = query(x, &st)))
        return rc;
    json *j = ctl_json_begin(x);
    if (code == HEAPD__OP_CODE__GC_ENABLE || code == HEAPD__OP_CODE__GC_DISABLE)
        json_kbool(j, "enabled", st.enabled);
    else
        json_kuint(j, "freeze_count", st.freeze_count);
    ctl_json_end(x);
    return EXIT_OK;
}

static int gc_garbage(ctl *x)
{
    int rc = ctl_start(x, NEED_HEAP);
    if (rc || (rc = ctl_op(x, HEAPD__OP_CODE__PUSH_GARBAGE, 0, NULL, 0, NULL)))
        return rc;
    return show_list_on_top(x, "garbage");
}

/* gc.DEBUG_* by name, as CPython defines them. */
static int parse_debug_flags(const char *s, int64_t *out)
{
    static const struct {
        const char *name;
        int value;
    } names[] = {{"none", 0},          {"stats", 1},    {"collectable", 2},
                 {"uncollectable", 4}, {"saveall", 32}, {"leak", 38}};
    if (parse_i64(s, out) == 0)
        return *out < 0 ? -1 : 0;
    *out = 0;
    while (*s) {
        size_t n = strcspn(s, "|,");
        size_t k;
        for (k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strlen(names[k].name) == n && !strncmp(names[k].name, s, n))
                break;
        if (k == sizeof names / sizeof names[0])
            return -1;
        *out |= names[k].value;
        s += n;
        if (*s)
            s++;
    }
    return 0;
}

static int gc_debug(ctl *x, int npos, const char **pos)
{
    int64_t flags = 0;
    if (npos > 1)
        return ctl_usage(x, "'gc debug' takes at most one FLAGS");
    if (npos == 1 && parse_debug_flags(pos[0], &flags) < 0)
        return ctl_usage(x, "'%s' is not a set of gc debug flags", pos[0]);
    hc_gc_state st;
    int rc = ctl_start(x, NEED_HEAP);
    if (rc)
        return rc;
    if (npos == 1 &&
        (rc = ctl_op(x, HEAPD__OP_CODE__GC_SET_DEBUG, flags, NULL, 0, NULL)))
        return rc;
    if ((rc = query(x, &st)))
        return rc;
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_kint(j, "debug", st.debug);
        ctl_json_end(x);
    } else {
        printf("%d\n", st.debug);
    }
    return EXIT_OK;
}

int cmd_gc(ctl *x, int argc, char **argv)
{
    if (argc == 0)
        return ctl_usage(x, "give a subcommand: collect, count, threshold, "
                            "stats, enable, disable, freeze, unfreeze, "
                            "garbage, debug");
    const char *sub = argv[0];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        fputs(HELP_GC, stdout);
        return EXIT_OK;
    }
    const char *pos[4];
    int npos,
        rc = parse_opts(x, argc - 1, argv + 1, NULL, pos, 4, &npos, HELP_GC);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if (!strcmp(sub, "collect"))
        return gc_collect(x, npos, pos);
    if (!strcmp(sub, "threshold"))
        return gc_threshold(x, npos, pos);
    if (!strcmp(sub, "debug"))
        return gc_debug(x, npos, pos);
    if (npos > 0)
        return ctl_usage(x, "'gc %s' takes no arguments", sub);
    if (!strcmp(sub, "count"))
        return gc_count(x);
    if (!strcmp(sub, "stats"))
        return gc_stats(x);
    if (!strcmp(sub, "enable"))
        return gc_switch(x, HEAPD__OP_CODE__GC_ENABLE);
    if (!strcmp(sub, "disable"))
        return gc_switch(x, HEAPD__OP_CODE__GC_DISABLE);
    if (!strcmp(sub, "freeze"))
        return gc_switch(x, HEAPD__OP_CODE__GC_FREEZE);
    if (!strcmp(sub, "unfreeze"))
        return gc_switch(x, HEAPD__OP_CODE__GC_UNFREEZE);
    if (!strcmp(sub, "garbage"))
        return gc_garbage(x);
    return ctl_usage(x, "unknown gc subcommand '%s'", sub);
}

/* ---- malloc-stats ------------------------------------------------------ */

/* 1234567 -> "1,234,567", as _debugmallocstats prints byte counts. */
static const char *grouped(uint64_t v, char *buf, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v), o = 0;
    for (int k = 0; k < n && (size_t)o + 2 < cap; k++) {
        if (k > 0 && (n - k) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[k];
    }
    buf[o] = '\0';
    return buf;
}

static void line(const char *label, uint64_t v)
{
    char buf[40];
    printf("%-38s= %21s\n", label, grouped(v, buf, sizeof buf));
}

int cmd_malloc_stats(ctl *x, int argc, char **argv)
{
    const char *pos[1];
    int npos,
        rc = parse_opts(x, argc, argv, NULL, pos, 0, &npos, HELP_MALLOC_STATS);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    if ((rc = ctl_start(x, NEED_HEAP)) != 0)
        return rc;
    Heapd__MallocStatsResult *m;
    if (hc_malloc_stats(x->c, &m) < 0)
        return ctl_fail(x);
    if (x->json) {
        json *j = ctl_json_begin(x);
        json_key(j, "classes");
        json_arr_begin(j);
        for (size_t k = 0; k < m->n_classes; k++) {
            json_obj_begin(j);
            json_kuint(j, "size", m->classes[k]->size);
            json_kuint(j, "pools", m->classes[k]->pools);
            json_kuint(j, "blocks_in_use", m->classes[k]->blocks_in_use);
            json_kuint(j, "blocks_free", m->classes[k]->blocks_free);
            json_obj_end(j);
        }
        json_arr_end(j);
        json_kuint(j, "arenas_allocated_total", m->arenas_allocated_total);
        json_kuint(j, "arenas_reclaimed", m->arenas_reclaimed);
        json_kuint(j, "arenas_highwater", m->arenas_highwater);
        json_kuint(j, "arenas_current", m->arenas_current);
        json_kuint(j, "pools_free", m->pools_free);
        json_kuint(j, "bytes_in_blocks", m->bytes_in_blocks);
        json_kuint(j, "bytes_free_blocks", m->bytes_free_blocks);
        json_kuint(j, "bytes_unused_pools", m->bytes_unused_pools);
        json_kuint(j, "bytes_pool_headers", m->bytes_pool_headers);
        json_kuint(j, "bytes_arena_total", m->bytes_arena_total);
        json_kuint(j, "raw_blocks", m->raw_blocks);
        json_kuint(j, "raw_bytes", m->raw_bytes);
        json_kuint(j, "bytes_in_use", m->bytes_in_use);
        ctl_json_end(x);
        hc_free(m);
        return EXIT_OK;
    }
    printf("Small block threshold = 512, in %zu size classes.\n\n",
           m->n_classes);
    printf("class   size   num pools   blocks in use  avail blocks\n"
           "-----   ----   ---------   -------------  ------------\n");
    for (size_t k = 0; k < m->n_classes; k++) {
        const Heapd__SizeClass *sc = m->classes[k];
        if (sc->pools == 0)
            continue;
        printf("%5zu %6u %11u %15" PRIu64 " %13" PRIu64 "\n", k, sc->size,
               sc->pools, sc->blocks_in_use, sc->blocks_free);
    }
    printf("\n");
    line("# arenas allocated total", m->arenas_allocated_total);
    line("# arenas reclaimed", m->arenas_reclaimed);
    line("# arenas highwater mark", m->arenas_highwater);
    line("# arenas allocated current", m->arenas_current);
    char label[64];
    snprintf(label, sizeof label, "%" PRIu64 " arenas * 1048576 bytes/arena",
             m->arenas_current);
    line(label, m->bytes_arena_total);
    printf("\n");
    line("# bytes in allocated blocks", m->bytes_in_blocks);
    line("# bytes in available blocks", m->bytes_free_blocks);
    snprintf(label, sizeof label, "%" PRIu64 " unused pools * 16384 bytes",
             m->pools_free);
    line(label, m->bytes_unused_pools);
    line("# bytes lost to pool headers", m->bytes_pool_headers);
    line("# large blocks (raw domain)", m->raw_blocks);
    line("# bytes in large blocks", m->raw_bytes);
    line("Total (bytes the budget counts)", m->bytes_in_use);
    hc_free(m);
    return EXIT_OK;
}
