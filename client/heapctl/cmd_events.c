/*
 * cmd_events.c: heapctl events, which follows a heap's event stream and
 * prints one line per event (one JSON object per line with --json) until
 * it is interrupted, --count events were shown, or --idle passed quietly.
 */
#include <inttypes.h>
#include <string.h>

#include "heapctl.h"

#define MAX_KINDS 8

const char HELP_EVENTS[] =
    "usage: heapctl events [--kind KIND]... [--all] [--count N] [--idle MS]\n"
    "\n"
    "Follows the events of the heap (--heap), or of every heap with --all\n"
    "(admin token), one line per event, flushed as it comes:\n"
    "  SEQ collection_start gen=G\n"
    "  SEQ collection_stop gen=G collected=N uncollectable=M\n"
    "  SEQ object_freed id=ID type=TYPE\n"
    "  SEQ finalizer_due id=ID type=TYPE\n"
    "  SEQ weakref_callback_due id=ID\n"
    "with 'heap=NAME' after SEQ under --all, and 'dropped=N' when the\n"
    "daemon had to drop events for a slow reader.  KIND (repeatable):\n"
    "start, stop, freed, finalizer, weakref (default: all of them).\n"
    "--count N stops after N events; --idle MS stops after MS without one.\n"
    "--json prints one JSON object per event (JSON lines): {\"seq\":..,\n"
    "\"heap\":..,\"kind\":..,\"generation\":..,\"collected\":..,\n"
    "\"uncollectable\":..,\"object\":..,\"type\":..,\"dropped\":..}.\n";

static int kind_of(const char *s)
{
    static const struct {
        const char *name;
        int kind;
    } kinds[] = {
        {"start", HEAPD__EVENT_KIND__EV_COLLECTION_START},
        {"stop", HEAPD__EVENT_KIND__EV_COLLECTION_STOP},
        {"freed", HEAPD__EVENT_KIND__EV_OBJECT_FREED},
        {"finalizer", HEAPD__EVENT_KIND__EV_FINALIZER_DUE},
        {"weakref", HEAPD__EVENT_KIND__EV_WEAKREF_CALLBACK_DUE},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(kinds[k].name, s) ||
            !strcmp(hc_event_kind_name(kinds[k].kind), s))
            return kinds[k].kind;
    return 0;
}

static void print_event(ctl *x, const Heapd__Event *e, int all)
{
    int k = (int)e->kind;
    int gc = k == HEAPD__EVENT_KIND__EV_COLLECTION_START ||
             k == HEAPD__EVENT_KIND__EV_COLLECTION_STOP;
    int obj = !gc;
    if (x->json) {
        json j;
        json_init(&j, stdout);
        json_obj_begin(&j);
        json_kuint(&j, "seq", e->seq);
        json_kstr(&j, "heap", e->heap);
        json_kstr(&j, "kind", hc_event_kind_name(k));
        if (gc)
            json_kint(&j, "generation", e->generation);
        if (k == HEAPD__EVENT_KIND__EV_COLLECTION_STOP) {
            json_kint(&j, "collected", e->collected);
            json_kint(&j, "uncollectable", e->uncollectable);
        }
        if (obj) {
            json_kuint(&j, "object", e->object);
            json_kstr(&j, "type", e->type);
        }
        json_kuint(&j, "dropped", e->dropped);
        json_obj_end(&j);
    } else {
        printf("%" PRIu64, e->seq);
        if (all)
            printf(" heap=%s", e->heap);
        printf(" %s", hc_event_kind_name(k));
        if (gc)
            printf(" gen=%d", e->generation);
        if (k == HEAPD__EVENT_KIND__EV_COLLECTION_STOP)
            printf(" collected=%" PRId64 " uncollectable=%" PRId64,
                   e->collected, e->uncollectable);
        if (obj)
            printf(" id=%" PRIu64, e->object);
        if (obj && *e->type)
            printf(" type=%s", e->type);
        if (e->dropped)
            printf(" dropped=%" PRIu64, e->dropped);
        printf("\n");
    }
    fflush(stdout);
}

int cmd_events(ctl *x, int argc, char **argv)
{
    const char *pos[1], *kinds[MAX_KINDS], *count_s = NULL, *idle_s = NULL;
    int nkinds = 0, all = 0;
    const optspec opts[] = {{"--kind", 1, 0, 0, kinds, &nkinds, MAX_KINDS},
                            {"--all", 0, 0, &all, 0, 0, 0},
                            {"--count", 1, &count_s, 0, 0, 0, 0},
                            {"--idle", 1, &idle_s, 0, 0, 0, 0},
                            {0}};
    int npos, rc = parse_opts(x, argc, argv, opts, pos, 0, &npos, HELP_EVENTS);
    if (rc)
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    uint32_t mask = HC_EV_ALL;
    for (int k = 0; k < nkinds; k++) {
        int kind = kind_of(kinds[k]);
        if (!kind)
            return ctl_usage(x, "unknown event kind '%s'", kinds[k]);
        mask |= HC_EV_BIT(kind);
    }
    uint64_t count = 0;
    int64_t idle = -1;
    if (count_s && (parse_u64(count_s, &count) < 0 || count == 0))
        return ctl_usage(x, "--count: '%s' is not a positive number", count_s);
    if (idle_s && (parse_i64(idle_s, &idle) < 0 || idle < 0 || idle > 86400000))
        return ctl_usage(x, "--idle: '%s' is not a number of milliseconds",
                         idle_s);
    if (all && !x->admin_token)
        return ctl_usage(x, "--all needs the admin token (--admin-token)");
    if ((rc = ctl_start(x, all ? NEED_HELLO : NEED_HEAP)) != 0)
        return rc;
    if (hc_subscribe(x->c, mask, all) < 0)
        return ctl_fail(x);
    for (uint64_t seen = 0; !count || seen < count; seen++) {
        Heapd__Event *e;
        rc = hc_next_event(x->c, &e, (int)idle);
        if (rc == HC_E_TIMEOUT)
            return EXIT_OK; /* --idle: quiet for long enough */
        if (rc < 0)
            return ctl_fail(x);
        print_event(x, e, all);
        hc_free(e);
    }
    return EXIT_OK;
}
