/*
 * session.c: one heapctl command's session with the daemon: connect, say
 * hello, open the heap; run ops, dealing with finalizers and callbacks
 * that become due (docs/handoff.md: a scripting command begins and ends
 * each call at once and reports it); report errors; and leave the heap's
 * value stack as it was found, since it outlives the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "heapctl.h"

int parse_i64(const char *s, int64_t *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || *end != '\0')
        return -1;
    /* strtoll's base 0 reads a leading 0 as octal: refuse "010" */
    const char *d = s + (*s == '-' || *s == '+');
    if (d[0] == '0' && d[1] >= '0' && d[1] <= '9')
        return -1;
    *out = v;
    return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end != '\0')
        return -1;
    if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
        return -1;
    *out = v;
    return 0;
}

/* ---- messages ---------------------------------------------------------- */

int ctl_usage(ctl *x, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "heapctl%s%s: ", x->cmd ? " " : "", x->cmd ? x->cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'heapctl %s%s--help'.\n", x->cmd ? x->cmd : "",
            x->cmd ? " " : "");
    return EXIT_USAGE;
}

static void print_error(ctl *x, const char *code, const char *py_type,
                        const char *message)
{
    if (x->json) {
        json j;
        json_init(&j, stdout);
        json_obj_begin(&j);
        json_key(&j, "error");
        json_obj_begin(&j);
        json_kstr(&j, "code", code);
        json_kstr(&j, "py_type", py_type);
        json_kstr(&j, "message", message);
        json_obj_end(&j);
        json_obj_end(&j);
        fflush(stdout);
        return;
    }
    if (py_type && *py_type) /* as Python prints it */
        fprintf(stderr, "heapctl: %s: %s\n", py_type, message);
    else
        fprintf(stderr, "heapctl: %s (%s)\n", message, code);
}

int ctl_error(ctl *x, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error(x, "ERROR", "", msg);
    return EXIT_OP;
}

int ctl_fail(ctl *x)
{
    const hc_error *e = hc_last_error(x->c);
    print_error(x, hc_code_name(e->code), e->py_type, e->message);
    return e->code == HC_E_CONNECT ? EXIT_CONNECT : EXIT_OP;
}

/* ---- the session ------------------------------------------------------- */

/* Starts a heapd in the background on the default Unix socket (as
 * gpg-agent is started): the heapd next to this heapctl, detached, its
 * output discarded.  Then waits up to 5 s for it to answer. */
static hc_client *spawn_heapd(ctl *x, hc_error *err)
{
    char self[4096], addr[600];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 16);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return NULL;
    strcpy(slash + 1, "heapd");
    if (access(self, X_OK) != 0)
        return NULL;
    hc_default_address(addr, sizeof addr);
    pid_t pid = fork();
    if (pid < 0)
        return NULL;
    if (pid == 0) {
        setsid();
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (fork() == 0) {
            /* nothing of ours stays open in the daemon (pipes to a caller) */
            for (int k = 3; k < 1024; k++)
                close(k);
            execl(self, "heapd", "--listen", addr, (char *)NULL);
        }
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    fprintf(stderr, "heapctl: started heapd on %s\n", addr);
    hc_client *c = NULL;
    for (int k = 0; k < 100 && !c; k++) {
        usleep(50000);
        c = hc_connect(NULL, x->timeout_ms, err);
    }
    return c;
}

int ctl_start(ctl *x, int need)
{
    if (need == NEED_HEAP && (!x->heap || !*x->heap))
        return ctl_usage(x, "no heap given: use --heap NAME --token TOKEN "
                            "(or HEAPD_HEAP and HEAPD_TOKEN)");
    hc_error err;
    x->c = hc_connect(x->server, x->timeout_ms, &err);
    if (!x->c && err.code == HC_E_CONNECT && !x->server && !x->no_spawn)
        x->c = spawn_heapd(x, &err);
    if (!x->c) {
        print_error(x, hc_code_name(err.code), "", err.message);
        return err.code == HC_E_INVAL ? EXIT_USAGE : EXIT_CONNECT;
    }
    hc_set_timeout(x->c, x->timeout_ms);
    if (need == NEED_CONNECT)
        return 0;
    hc_hello_result hr;
    if (hc_hello(x->c, "heapctl", x->admin_token, &hr) < 0)
        return ctl_fail(x);
    if (need == NEED_HELLO)
        return 0;
    hc_heap_stat st;
    if (hc_heap_open(x->c, x->heap, x->token, &st) < 0)
        return ctl_fail(x);
    x->opened = 1;
    x->base_stack = x->last_stack = st.stack_size;
    return 0;
}

/* Pops what this command left on the heap's stack (after an error the
 * operands of the failed op are still there). */
static void restore_stack(ctl *x)
{
    hc_heap_stat st;
    if (!x->opened || !x->pushed)
        return;
    if (x->last_stack == x->base_stack)
        return;
    if (hc_heap_info(x->c, NULL, NULL, &st) < 0)
        return;
    int saved_json = x->json;
    x->json = 0; /* a failure here goes to stderr, after the command's JSON */
    for (uint32_t n = st.stack_size; n > x->base_stack; n--)
        if (ctl_op(x, HEAPD__OP_CODE__POP, 0, NULL, 0, NULL) != 0)
            break;
    x->json = saved_json;
}

void ctl_end(ctl *x)
{
    if (x->c) {
        restore_stack(x);
        hc_close(x->c);
        x->c = NULL;
    }
}

/* ---- ops and the hand-off ---------------------------------------------- */

static void remember_due(ctl *x, const hc_call_due *d)
{
    if (x->ndues < CTL_MAX_DUES)
        x->dues[x->ndues++] = *d;
    else
        x->dues_lost++;
}

/* A scripting command has no Python to run: each due call is begun and
 * ended at once, which resumes the paused work (which may make the next
 * call due). */
static int run_dues(ctl *x, hc_op_result *res)
{
    int pending_gc = res->value == -1;
    while (res->due.kind != HEAPD__CALL_KIND__CALL_NONE) {
        remember_due(x, &res->due);
        hc_op_result r;
        if (hc_op(x->c, HEAPD__OP_CODE__CALL_BEGIN, 0, NULL, 0, &r) < 0 ||
            hc_op(x->c, HEAPD__OP_CODE__CALL_END, 0, NULL, 0, &r) < 0)
            return ctl_fail(x);
        x->last_stack = r.stack;
        res->due = r.due;
        if (pending_gc)
            res->value = r.value;
    }
    return 0;
}

/* Is a due call reported after this op one that the op made due?  Most
 * ops fail while a call is due, so their success means the due is ours.
 * These few succeed regardless (they release nothing), so a due they
 * report belongs to another session on the heap and is not ours to run. */
static int op_owns_due(int code)
{
    switch (code) {
    case HEAPD__OP_CODE__GC_ENABLE:
    case HEAPD__OP_CODE__GC_DISABLE:
    case HEAPD__OP_CODE__GC_SET_THRESHOLD:
    case HEAPD__OP_CODE__GC_SET_DEBUG:
    case HEAPD__OP_CODE__GC_FREEZE:
    case HEAPD__OP_CODE__GC_UNFREEZE:
        return 0;
    default:
        return 1;
    }
}

int ctl_op_full(ctl *x, Heapd__Op *op, hc_op_result *out)
{
    hc_op_result scratch;
    if (!out)
        out = &scratch;
    x->pushed = 1;
    if (hc_op_full(x->c, op, out) < 0)
        return ctl_fail(x);
    x->last_stack = out->stack;
    if (op->code != HEAPD__OP_CODE__GC_COLLECT && out->value == -1)
        out->value = 0; /* only a collection can be pending */
    if (!op_owns_due(op->code)) {
        memset(&out->due, 0, sizeof out->due);
        return 0;
    }
    return run_dues(x, out);
}

int ctl_op(ctl *x, int code, int64_t i, const char *s, uint64_t obj,
           hc_op_result *out)
{
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = (Heapd__OpCode)code;
    op.i = i;
    op.s = (char *)(s ? s : "");
    op.obj = obj;
    return ctl_op_full(x, &op, out);
}

/* ---- reporting --------------------------------------------------------- */

static const char *due_kind_name(int kind)
{
    switch (kind) {
    case HEAPD__CALL_KIND__CALL_FINALIZER:
        return "finalizer";
    case HEAPD__CALL_KIND__CALL_WEAKREF:
        return "weakref_callback";
    case HEAPD__CALL_KIND__CALL_GC:
        return "gc_callback";
    default:
        return "unknown";
    }
}

json *ctl_json_begin(ctl *x)
{
    json_init(&x->j, stdout);
    json_obj_begin(&x->j);
    return &x->j;
}

void ctl_json_end(ctl *x)
{
    json *j = &x->j;
    if (x->ndues > 0) {
        json_key(j, "calls_due");
        json_arr_begin(j);
        for (int k = 0; k < x->ndues; k++) {
            const hc_call_due *d = &x->dues[k];
            json_obj_begin(j);
            json_kstr(j, "kind", due_kind_name(d->kind));
            json_kstr(j, "name", d->name);
            json_kuint(j, "callable", d->callable);
            json_kuint(j, "arg0", d->arg0);
            if (d->kind == HEAPD__CALL_KIND__CALL_GC)
                json_kuint(j, "arg1", d->arg1);
            json_kbool(j, "body_run", 0);
            json_obj_end(j);
        }
        json_arr_end(j);
        if (x->dues_lost)
            json_kint(j, "calls_due_not_listed", x->dues_lost);
    }
    json_obj_end(j);
    fflush(stdout);
}

void ctl_report_dues(ctl *x)
{
    if (x->json)
        return;
    for (int k = 0; k < x->ndues; k++) {
        const hc_call_due *d = &x->dues[k];
        const char *name = *d->name ? d->name : "?";
        switch (d->kind) {
        case HEAPD__CALL_KIND__CALL_FINALIZER:
            fprintf(stderr,
                    "heapctl: note: %s() of object %llu was due; its body "
                    "was not run (that needs the REPL)\n",
                    name, (unsigned long long)d->arg0);
            break;
        case HEAPD__CALL_KIND__CALL_WEAKREF:
            fprintf(stderr,
                    "heapctl: note: weakref callback %s() for weakref %llu "
                    "was due; its body was not run\n",
                    name, (unsigned long long)d->arg0);
            break;
        default:
            fprintf(stderr,
                    "heapctl: note: gc callback %s() was due; its body was "
                    "not run\n",
                    name);
            break;
        }
    }
    if (x->dues_lost)
        fprintf(stderr, "heapctl: note: %d more calls were due\n",
                x->dues_lost);
}
