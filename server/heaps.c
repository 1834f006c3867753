/*
 * heaps.c: the daemon's registry of heaps: creation with a fresh token,
 * lookup, destruction, and the delivery of engine events to subscribers.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define MAX_PENDING_EVENTS 65536

hd_heap *hd_heap_find(hd_server *s, const char *name)
{
    for (hd_heap *hh = s->heaps; hh; hh = hh->next)
        if (strcmp(hh->name, name) == 0)
            return hh;
    return NULL;
}

static bool valid_name(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > HD_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = n[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

/* Engine events, recorded by whichever thread runs the heap; the loop
 * thread delivers them (hd_heap_flush_events). */
static void on_event(void *ctx, const hp_event *e)
{
    hd_heap *hh = ctx;
    if (hh->npending == MAX_PENDING_EVENTS) {
        hh->events_lost++; /* reported as dropped at delivery */
        return;
    }
    if (hh->npending == hh->cappending) {
        size_t cap = hh->cappending ? hh->cappending * 2 : 64;
        Heapd__Event *p = realloc(hh->pending_events, cap * sizeof *p);
        if (!p)
            return;
        hh->pending_events = p;
        hh->cappending = cap;
    }
    Heapd__Event *ev = &hh->pending_events[hh->npending++];
    heapd__event__init(ev);
    static const Heapd__EventKind kinds[] = {
        [HP_EV_COLLECT_START] = HEAPD__EVENT_KIND__EV_COLLECTION_START,
        [HP_EV_COLLECT_STOP] = HEAPD__EVENT_KIND__EV_COLLECTION_STOP,
        [HP_EV_FREED] = HEAPD__EVENT_KIND__EV_OBJECT_FREED,
        [HP_EV_FINALIZER_DUE] = HEAPD__EVENT_KIND__EV_FINALIZER_DUE,
        [HP_EV_WEAKREF_DUE] = HEAPD__EVENT_KIND__EV_WEAKREF_CALLBACK_DUE,
    };
    ev->kind = kinds[e->kind];
    ev->generation = e->generation;
    ev->collected = e->collected;
    ev->uncollectable = e->uncollectable;
    ev->object = e->id;
    ev->type = NULL; /* filled at delivery from the type code below */
    ev->seq = (uint64_t)e->type; /* carried here until delivery */
}

static bool subscribed_to(const hd_conn *c, const hd_heap *hh)
{
    return c->subscribed && !c->closing && (c->current == hh || c->sub_all);
}

uint32_t hd_heap_event_mask(hd_server *s, hd_heap *hh)
{
    uint32_t mask = 0;
    for (hd_conn *c = s->conns; c; c = c->next)
        if (subscribed_to(c, hh))
            mask |= c->sub_mask;
    return mask;
}

void hd_heap_update_hook(hd_server *s, hd_heap *hh)
{
    if (hh->busy)
        return; /* updated when the job ends */
    uint32_t mask = hd_heap_event_mask(s, hh);
    hp_set_event_hook(hh->h, mask, mask ? on_event : NULL, hh);
}

void hd_heap_flush_events(hd_heap *hh)
{
    if (hh->npending == 0)
        return;
    hd_server *s = hh->srv;
    if (hh->events_lost) {
        for (hd_conn *c = s->conns; c; c = c->next)
            if (subscribed_to(c, hh))
                c->dropped += hh->events_lost;
        hh->events_lost = 0;
    }
    for (size_t i = 0; i < hh->npending; i++) {
        Heapd__Event ev = hh->pending_events[i];
        ev.type = (char *)hp_type_code_name((hp_type)ev.seq);
        ev.heap = hh->name;
        ev.seq = ++hh->event_seq;
        for (hd_conn *c = s->conns; c; c = c->next) {
            if (!subscribed_to(c, hh) || !((c->sub_mask >> ev.kind) & 1))
                continue;
            if (!hd_conn_can_take_events(c)) {
                c->dropped++;
                continue;
            }
            ev.dropped = c->dropped;
            Heapd__ServerMessage m = HEAPD__SERVER_MESSAGE__INIT;
            m.msg_case = HEAPD__SERVER_MESSAGE__MSG_EVENT;
            m.event = &ev;
            if (hd_conn_send(c, &m) == 0)
                c->dropped = 0;
            else
                c->dropped++;
        }
    }
    hh->npending = 0;
    for (hd_conn *c = s->conns; c; c = c->next)
        if (c->subscribed)
            hd_conn_flush(c);
}

hd_heap *hd_heap_create(hd_server *s, const char *name, const char *profile,
                        uint64_t max_objects, uint64_t max_bytes,
                        Heapd__ErrorCode *code, const char **msg)
{
    char auto_name[32];
    if (!name || !*name) {
        do
            snprintf(auto_name, sizeof auto_name, "heap-%llu",
                     (unsigned long long)++s->heap_seq);
        while (hd_heap_find(s, auto_name));
        name = auto_name;
    }
    if (!valid_name(name)) {
        *code = HEAPD__ERROR_CODE__INVALID_ARGUMENT;
        *msg = "heap names are 1 to 64 characters of [A-Za-z0-9._-]";
        return NULL;
    }
    if (hd_heap_find(s, name)) {
        *code = HEAPD__ERROR_CODE__ALREADY_EXISTS;
        *msg = "a heap with that name exists";
        return NULL;
    }
    if (s->nheaps >= s->cfg.max_heaps) {
        *code = HEAPD__ERROR_CODE__RESOURCE_EXHAUSTED;
        *msg = "too many heaps";
        return NULL;
    }
    hd_heap *hh = calloc(1, sizeof *hh);
    if (!hh || hd_token_new(hh->token) < 0) {
        free(hh);
        *code = HEAPD__ERROR_CODE__INTERNAL;
        *msg = "out of memory or randomness";
        return NULL;
    }
    if (!max_objects || max_objects > s->cfg.heap_max_objects)
        max_objects = s->cfg.heap_max_objects;
    if (!max_bytes || max_bytes > s->cfg.heap_max_bytes)
        max_bytes = s->cfg.heap_max_bytes;
    hp_config hc = {.profile = profile && *profile ? profile : NULL,
                    .max_objects = max_objects,
                    .max_bytes = max_bytes};
    const char *err = NULL;
    hh->h = hp_heap_new(&hc, &err);
    if (!hh->h) {
        free(hh);
        *code = err && strstr(err, "profile") ? HEAPD__ERROR_CODE__INVALID_ARGUMENT
                                               : HEAPD__ERROR_CODE__RESOURCE_EXHAUSTED;
        *msg = err ? err : "cannot create heap";
        return NULL;
    }
    snprintf(hh->name, sizeof hh->name, "%s", name);
    hh->srv = s;
    hh->serial = ++s->heap_serial;
    hh->max_objects = max_objects;
    hh->max_bytes = max_bytes;
    hh->next = s->heaps;
    s->heaps = hh;
    s->nheaps++;
    hd_log(HD_INFO, "heap %s created (profile %s)", hh->name, hp_heap_profile(hh->h));
    return hh;
}

static void free_heap(hd_heap *hh)
{
    hp_heap_free(hh->h);
    free(hh->pending_events);
    free(hh);
}

/* Releasing a heap of millions of objects takes tens of milliseconds: it
 * happens on the thread pool, not on the loop (docs/server.md#isolation). */
typedef struct free_job {
    uv_work_t work;
    hd_heap *hh;
} free_job;

static void free_job_run(uv_work_t *w)
{
    free_job *j = w->data;
    hp_heap_free(j->hh->h);
    j->hh->h = NULL;
}

static void free_job_done(uv_work_t *w, int status)
{
    (void)status;
    free_job *j = w->data;
    free(j->hh->pending_events);
    free(j->hh);
    free(j);
}

static void release_heap(hd_server *s, hd_heap *hh)
{
    free_job *j = s->loop_done ? NULL : malloc(sizeof *j);
    if (j) {
        j->hh = hh;
        j->work.data = j;
        if (uv_queue_work(s->loop, &j->work, free_job_run, free_job_done) == 0)
            return;
        free(j);
    }
    free_heap(hh);
}

void hd_heap_destroy(hd_server *s, hd_heap *hh)
{
    for (hd_heap **p = &s->heaps; *p; p = &(*p)->next)
        if (*p == hh) {
            *p = hh->next;
            break;
        }
    s->nheaps--;
    for (hd_conn *c = s->conns; c; c = c->next)
        if (c->current == hh)
            c->current = NULL;
    hd_log(HD_INFO, "heap %s destroyed", hh->name);
    if (hh->busy)
        hh->doomed = true; /* the job's end frees it */
    else
        release_heap(s, hh);
}

void hd_heap_free_doomed(hd_heap *hh)
{
    release_heap(hh->srv, hh);
}

bool hd_heap_offloaded(const hd_heap *hh)
{
    return hp_object_count(hh->h) > hh->srv->cfg.offload_objects;
}

/* Calls made due by, or begun by, a connection that went away are ended
 * without running their bodies, so the heap never stays paused
 * (docs/handoff.md#remote).  A heap busy on a worker is left alone: its
 * calls are orphaned (owner NULL) and drained when the job ends. */
void hd_heap_release_calls(hd_heap *hh, hd_conn *c)
{
    if (c) {
        if (hh->due_owner == c)
            hh->due_owner = NULL;
        for (int i = 0; i < HD_MAX_CALLS; i++)
            if (hh->call_owner[i] == c)
                hh->call_owner[i] = NULL;
    }
    if (hh->busy)
        return;
    for (int guard = 0; guard < 1000000; guard++) {
        uint32_t depth = hp_call_depth(hh->h);
        if (hp_call_due(hh->h)) {
            if (hh->due_owner)
                break; /* someone alive will run it */
            hp_call call;
            if (hp_call_begin(hh->h, &call) != 0)
                continue; /* too deep: dropped by the engine */
            if (hp_call_depth(hh->h) < HD_MAX_CALLS)
                hh->call_owner[hp_call_depth(hh->h)] = NULL;
            hp_call_end(hh->h);
            continue;
        }
        if (depth > 0 && (depth >= HD_MAX_CALLS || hh->call_owner[depth] == NULL)) {
            hp_call_end(hh->h);
            continue;
        }
        break;
    }
    hd_heap_flush_events(hh);
}
