/*
 * main.c: heapctl's command line.  Global options come before the
 * subcommand, as with git (heapctl --server ADDR --heap NAME --json gc
 * collect); each subcommand parses its own arguments.  Exit codes: 0 ok,
 * 1 the operation failed, 2 usage, 3 cannot connect (docs/heapctl.md).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapctl.h"

static const char USAGE[] =
    "usage: heapctl [OPTIONS] SUBCOMMAND [ARGS]\n"
    "\n"
    "Scripting client of heapd: each subcommand is one short session with\n"
    "the daemon; --json makes it print one JSON object.\n"
    "\n"
    "Options (before the subcommand):\n"
    "  --server ADDR       unix:PATH, tcp:HOST:PORT or HOST:PORT (default:\n"
    "                      $HEAPD_ADDR, else "
    "unix:$XDG_RUNTIME_DIR/heapd.sock,\n"
    "                      else unix:/tmp/heapd-UID.sock)\n"
    "  --heap NAME         the heap to work on (default: $HEAPD_HEAP)\n"
    "  --token TOKEN       its token (default: $HEAPD_TOKEN)\n"
    "  --admin-token T     the daemon's admin token (default: "
    "$HEAPD_ADMIN_TOKEN)\n"
    "  --json              print JSON instead of text\n"
    "  --timeout MS        per request (default 30000; -1 waits forever)\n"
    "  -h, --help          this help; 'heapctl SUBCOMMAND --help' for one\n"
    "  -V, --version       print the version\n"
    "\n"
    "Subcommands:\n"
    "  ping                           is the daemon there?\n"
    "  heap create|list|info|destroy  manage heaps\n"
    "  new TYPE [VALUE|ITEM...]       create an object (--bind NAME)\n"
    "  bind NAME OBJ                  NAME = OBJ\n"
    "  del NAME...                    del NAME\n"
    "  link OBJ ...                   store a reference: OBJ[KEY] = V, "
    "OBJ.attr = V,\n"
    "                                 OBJ.append(V), ...\n"
    "  unlink OBJ ...                 remove one: del OBJ[KEY], del "
    "OBJ.attr, ...\n"
    "  obj info OBJ                   id, type, refcount, size, generation, "
    "repr\n"
    "  referrers OBJ...               gc.get_referrers(OBJ...)\n"
    "  referents OBJ...               gc.get_referents(OBJ...)\n"
    "  gc SUBCOMMAND                  collect [GEN], count, threshold, "
    "stats, enable,\n"
    "                                 disable, freeze, unfreeze, garbage, "
    "debug\n"
    "  malloc-stats                   sys._debugmallocstats()\n"
    "  events                         follow the event stream\n"
    "  run FILE.py                    run a Python file on a fresh heap\n"
    "  repl                           the Python prompt (the default on a "
    "terminal)\n"
    "  -c CODE                        run CODE\n"
    "  lab check FILE.md...           check the labs' transcripts\n"
    "\n"
    "OBJ is a global NAME or an object ID; where a value is stored, None,\n"
    "True, False, int:N, float:X, str:TEXT and bytes:TEXT are accepted too.\n"
    "\n"
    "Exit status: 0 ok, 1 operation failed, 2 usage error, 3 cannot "
    "connect.\n";

static const struct command {
    const char *name;
    cmd_fn run;
    const char *help;
} COMMANDS[] = {
    {"ping", cmd_ping, HELP_PING},
    {"heap", cmd_heap, HELP_HEAP},
    {"new", cmd_new, HELP_NEW},
    {"bind", cmd_bind, HELP_BIND},
    {"del", cmd_del, HELP_DEL},
    {"link", cmd_link, HELP_LINK},
    {"unlink", cmd_unlink, HELP_UNLINK},
    {"obj", cmd_obj, HELP_OBJ},
    {"referrers", cmd_referrers, HELP_REFERRERS},
    {"referents", cmd_referents, HELP_REFERENTS},
    {"gc", cmd_gc, HELP_GC},
    {"malloc-stats", cmd_malloc_stats, HELP_MALLOC_STATS},
    {"events", cmd_events, HELP_EVENTS},
    {"run", cmd_run, HELP_RUN},
    {"repl", cmd_repl, HELP_RUN},
    {"lab", cmd_lab, HELP_LAB},
};

#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static const struct command *find_command(const char *name)
{
    for (size_t k = 0; k < NCOMMANDS; k++)
        if (strcmp(COMMANDS[k].name, name) == 0)
            return &COMMANDS[k];
    return NULL;
}

/* A negative number is a value, not an option. */
static int looks_negative_number(const char *s)
{
    return s[0] == '-' && ((s[1] >= '0' && s[1] <= '9') || s[1] == '.');
}

int parse_opts(ctl *x, int argc, char **argv, const optspec *opts,
               const char **pos, int maxpos, int *npos, const char *help_text)
{
    int only_positionals = 0;
    *npos = 0;
    for (int k = 0; k < argc; k++) {
        const char *a = argv[k];
        if (only_positionals || a[0] != '-' || a[1] == '\0' ||
            looks_negative_number(a)) {
            if (*npos == maxpos)
                return ctl_usage(x, "unexpected argument '%s'", a), -1;
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positionals = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(help_text, stdout);
            return 1;
        }
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const optspec *o = NULL;
        for (const optspec *p = opts; p && p->name; p++)
            if (strlen(p->name) == nlen && strncmp(p->name, a, nlen) == 0)
                o = p;
        if (!o)
            return ctl_usage(x, "unknown option '%s'", a), -1;
        const char *val = NULL;
        if (o->has_arg) {
            if (eq)
                val = eq + 1;
            else if (k + 1 < argc)
                val = argv[++k];
            else
                return ctl_usage(x, "%s needs an argument", o->name), -1;
        } else if (eq) {
            return ctl_usage(x, "%s takes no argument", o->name), -1;
        }
        if (o->flag)
            *o->flag = 1;
        if (o->value)
            *o->value = val;
        if (o->list) {
            if (*o->nlist == o->maxlist)
                return ctl_usage(x, "too many %s", o->name), -1;
            o->list[(*o->nlist)++] = val;
        }
    }
    return 0;
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "heapctl: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'heapctl --help'.\n");
    return EXIT_USAGE;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int main(int argc, char **argv)
{
    ctl x;
    memset(&x, 0, sizeof x);
    x.server = env("HEAPD_ADDR");
    x.heap = env("HEAPD_HEAP");
    x.token = env("HEAPD_TOKEN");
    x.admin_token = env("HEAPD_ADMIN_TOKEN");
    x.timeout_ms = HC_DEFAULT_TIMEOUT_MS;

    int k = 1;
    for (; k < argc && argv[k][0] == '-'; k++) {
        const char *a = argv[k];
        const char *names[] = {"--server", "--heap", "--token", "--admin-token",
                               "--timeout"};
        const char **slots[] = {&x.server, &x.heap, &x.token, &x.admin_token,
                                NULL};
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(USAGE, stdout);
            return EXIT_OK;
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("heapctl %s (protocol %d)\n", HC_VERSION, HC_PROTOCOL);
            return EXIT_OK;
        }
        if (strcmp(a, "--json") == 0) {
            x.json = 1;
            continue;
        }
        if (strcmp(a, "--no-spawn") == 0) {
            x.no_spawn = 1;
            continue;
        }
        if (strcmp(a, "-c") == 0) {
            if (k + 1 >= argc)
                return usage_error("%s", "-c needs the code to run");
            x.cmd = "-c";
            int rc = cmd_code(&x, argv[k + 1]);
            ctl_end(&x);
            return rc;
        }
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        size_t n;
        for (n = 0; n < sizeof names / sizeof names[0]; n++)
            if (strlen(names[n]) == nlen && strncmp(names[n], a, nlen) == 0)
                break;
        if (n == sizeof names / sizeof names[0])
            return usage_error("unknown option '%s'", a);
        const char *val = eq ? eq + 1 : (k + 1 < argc ? argv[++k] : NULL);
        if (!val)
            return usage_error("%s needs an argument", names[n]);
        if (slots[n]) {
            *slots[n] = val;
        } else {
            int64_t ms;
            if (parse_i64(val, &ms) < 0 || ms < -1 || ms > 86400000)
                return usage_error("--timeout: '%s' is not a number of "
                                   "milliseconds (or -1)",
                                   val);
            x.timeout_ms = (int)ms;
        }
    }
    if (k == argc) {
        if (!isatty(0))
            return usage_error("%s", "no subcommand given");
        x.cmd = "repl";
        int rc = cmd_repl(&x, 0, argv + k);
        ctl_end(&x);
        return rc;
    }
    const char *name = argv[k];
    if (strcmp(name, "help") == 0) {
        const struct command *c =
            k + 1 < argc ? find_command(argv[k + 1]) : NULL;
        if (k + 1 < argc && !c)
            return usage_error("unknown subcommand '%s'", argv[k + 1]);
        fputs(c ? c->help : USAGE, stdout);
        return EXIT_OK;
    }
    const struct command *c = find_command(name);
    if (!c)
        return usage_error("unknown subcommand '%s'", name);
    x.cmd = c->name;
    int rc = c->run(&x, argc - k - 1, argv + k + 1);
    ctl_end(&x);
    return rc;
}
