/*
 * log.c: the daemon's log: one line per event with a level, to stderr or a
 * file that SIGHUP reopens (for log rotation).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

static FILE *log_fp;
static char *log_path;
static int log_level = HD_INFO;

void hd_log_open(const char *path, int level)
{
    log_level = level;
    free(log_path);
    log_path = path ? strdup(path) : NULL;
    hd_log_reopen();
}

void hd_log_reopen(void)
{
    if (log_fp && log_fp != stderr)
        fclose(log_fp);
    log_fp = stderr;
    if (log_path) {
        FILE *f = fopen(log_path, "a");
        if (f) {
            setvbuf(f, NULL, _IOLBF, 0);
            log_fp = f;
        } else {
            fprintf(stderr, "heapd: cannot open log file %s\n", log_path);
        }
    }
}

void hd_log(int level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    if (level > log_level)
        return;
    FILE *f = log_fp ? log_fp : stderr;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "%s heapd %s: ", when, names[level]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}
