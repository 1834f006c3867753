/*
 * config.c: the daemon's settings: defaults, command-line flags, and
 * --config files of "key = value" lines whose keys are the flags' names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

void hd_config_defaults(hd_config *c)
{
    memset(c, 0, sizeof *c);
    c->log_level = HD_INFO;
    c->max_frame = 1u << 20;
    c->max_frame_prehello = 64u << 10;
    c->max_connections = 1024;
    c->max_heaps = 1024;
    c->heap_max_objects = 50000000;
    c->heap_max_bytes = 4ull << 30;
    c->output_high_water = 1u << 20;
    c->output_hard_cap = 64u << 20;
    c->idle_timeout_ms = 3600 * 1000;
    c->frame_timeout_ms = 30 * 1000;
    c->offload_objects = 200000;
    c->max_walk_nodes = 20000;
}

void hd_config_free(hd_config *c)
{
    for (int i = 0; i < c->nlisten; i++)
        free(c->listen[i]);
    free(c->admin_token_file);
    free(c->log_file);
    memset(c, 0, sizeof *c);
}

static const char usage[] =
    "usage: heapd [options]\n"
    "\n"
    "Hosts isolated CPython-like heaps for clients over TCP and Unix sockets.\n"
    "\n"
    "  --listen ADDR            unix:PATH or tcp:HOST:PORT, repeatable\n"
    "                           (default: unix:$XDG_RUNTIME_DIR/heapd.sock or\n"
    "                           unix:/tmp/heapd-UID.sock, and tcp:127.0.0.1:7077)\n"
    "  --admin-token-file FILE  a hex token that grants every heap; required\n"
    "                           to listen on a non-loopback address\n"
    "  --config FILE            'key = value' lines, keys as these flags\n"
    "  --log-level LEVEL        error, warn, info (default), debug\n"
    "  --log-file FILE          log there instead of stderr (SIGHUP reopens)\n"
    "  --max-frame BYTES        largest request after hello (1M)\n"
    "  --max-frame-prehello BYTES  largest request before hello (64K)\n"
    "  --max-connections N      (1024)\n"
    "  --max-heaps N            (1024)\n"
    "  --heap-max-objects N     most objects a heap may hold (50000000)\n"
    "  --heap-max-bytes BYTES   most memory a heap may use (4G)\n"
    "  --output-high-water BYTES  stop reading a client whose replies wait (1M)\n"
    "  --output-hard-cap BYTES  disconnect a client that does not read (64M)\n"
    "  --idle-timeout MS        close connections idle this long (3600000)\n"
    "  --frame-timeout MS       close connections that leave a frame\n"
    "                           unfinished this long (30000)\n"
    "  --offload-objects N      heaps with more objects run on worker threads\n"
    "                           (200000)\n"
    "  --max-walk-nodes N       largest object graph a walk returns (20000)\n"
    "  --version, --help\n";

static int parse_size(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v)
        return -1;
    uint64_t mul = 1;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K':
            mul = 1ull << 10;
            break;
        case 'M':
            mul = 1ull << 20;
            break;
        case 'G':
            mul = 1ull << 30;
            break;
        default:
            return -1;
        }
        if (end[1] && !(toupper((unsigned char)end[1]) == 'B' && !end[2]))
            return -1;
    }
    if (n > UINT64_MAX / mul)
        return -1;
    *out = n * mul;
    return 0;
}

static int parse_u32(const char *v, uint32_t *out)
{
    uint64_t n;
    if (parse_size(v, &n) < 0 || n > UINT32_MAX)
        return -1;
    *out = (uint32_t)n;
    return 0;
}

static int read_token_file(hd_config *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "heapd: cannot read admin token file %s\n", path);
        return -1;
    }
    char line[256] = "";
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    fclose(f);
    size_t n = strcspn(line, " \t\r\n");
    line[n] = 0;
    if (n < 16 || n > 64) {
        fprintf(stderr, "heapd: the admin token in %s must be 16 to 64 "
                        "characters\n", path);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)line[i])) {
            fprintf(stderr, "heapd: the admin token in %s must be hex\n", path);
            return -1;
        }
    memcpy(c->admin_token, line, n + 1);
    return 0;
}

static int set_option(hd_config *c, const char *key, const char *val, int depth);

static int read_config(hd_config *c, const char *path, int depth)
{
    if (depth > 4) {
        fprintf(stderr, "heapd: --config nested too deeply\n");
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "heapd: cannot read config %s\n", path);
        return -1;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "heapd: %s:%d: expected 'key = value'\n", path, lineno);
            rc = -1;
            break;
        }
        char *k_end = eq;
        while (k_end > p && isspace((unsigned char)k_end[-1]))
            k_end--;
        *k_end = 0;
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        size_t vn = strlen(v);
        while (vn && isspace((unsigned char)v[vn - 1]))
            v[--vn] = 0;
        if (set_option(c, p, v, depth + 1) < 0) {
            fprintf(stderr, "heapd: %s:%d: bad setting '%s'\n", path, lineno, p);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static int set_option(hd_config *c, const char *key, const char *val, int depth)
{
    if (strcmp(key, "listen") == 0) {
        if (c->nlisten == HD_MAX_LISTEN)
            return -1;
        c->listen[c->nlisten++] = strdup(val);
        return 0;
    }
    if (strcmp(key, "admin-token-file") == 0) {
        free(c->admin_token_file);
        c->admin_token_file = strdup(val);
        return read_token_file(c, val);
    }
    if (strcmp(key, "config") == 0)
        return read_config(c, val, depth);
    if (strcmp(key, "log-file") == 0) {
        free(c->log_file);
        c->log_file = strdup(val);
        return 0;
    }
    if (strcmp(key, "log-level") == 0) {
        static const char *lv[] = {"error", "warn", "info", "debug"};
        for (int i = 0; i < 4; i++)
            if (strcmp(val, lv[i]) == 0) {
                c->log_level = i;
                return 0;
            }
        return -1;
    }
    struct {
        const char *name;
        uint32_t *u32;
        uint64_t *u64;
    } nums[] = {
        {"max-frame", &c->max_frame, NULL},
        {"max-frame-prehello", &c->max_frame_prehello, NULL},
        {"max-connections", &c->max_connections, NULL},
        {"max-heaps", &c->max_heaps, NULL},
        {"heap-max-objects", NULL, &c->heap_max_objects},
        {"heap-max-bytes", NULL, &c->heap_max_bytes},
        {"output-high-water", NULL, &c->output_high_water},
        {"output-hard-cap", NULL, &c->output_hard_cap},
        {"idle-timeout", &c->idle_timeout_ms, NULL},
        {"frame-timeout", &c->frame_timeout_ms, NULL},
        {"offload-objects", NULL, &c->offload_objects},
        {"max-walk-nodes", &c->max_walk_nodes, NULL},
    };
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        if (strcmp(key, nums[i].name) != 0)
            continue;
        return nums[i].u32 ? parse_u32(val, nums[i].u32) : parse_size(val, nums[i].u64);
    }
    return -1;
}

static void default_listen(hd_config *c)
{
    char path[512];
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (rt && *rt)
        snprintf(path, sizeof path, "unix:%s/heapd.sock", rt);
    else
        snprintf(path, sizeof path, "unix:/tmp/heapd-%u.sock", (unsigned)getuid());
    c->listen[c->nlisten++] = strdup(path);
    c->listen[c->nlisten++] = strdup("tcp:127.0.0.1:7077");
}

int hd_config_parse(hd_config *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("heapd %s (protocol %d)\n", HD_VERSION, HD_PROTOCOL);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "heapd: unexpected argument '%s'\n%s", a, usage);
            return -1;
        }
        const char *key = a + 2, *val;
        char keybuf[64];
        const char *eq = strchr(key, '=');
        if (eq) {
            size_t n = (size_t)(eq - key);
            if (n >= sizeof keybuf)
                n = sizeof keybuf - 1;
            memcpy(keybuf, key, n);
            keybuf[n] = 0;
            key = keybuf;
            val = eq + 1;
        } else {
            if (i + 1 >= argc) {
                fprintf(stderr, "heapd: %s needs a value\n", a);
                return -1;
            }
            val = argv[++i];
        }
        if (set_option(c, key, val, 0) < 0) {
            fprintf(stderr, "heapd: bad option %s %s\n%s", a, val, usage);
            return -1;
        }
    }
    if (c->nlisten == 0)
        default_listen(c);
    if (c->max_frame_prehello > c->max_frame)
        c->max_frame_prehello = c->max_frame;
    return 0;
}
