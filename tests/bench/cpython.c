/*
 * cpython.c: the CPython that heapbench compares the heap with: finding a
 * pyenv version's interpreter and running a script in a fresh process,
 * its stdout captured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* The first line `cmd` prints, without its newline; "" if none. */
static void first_line_of(const char *cmd, char *out, size_t cap)
{
    out[0] = 0;
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    if (!fgets(out, (int)cap, p))
        out[0] = 0;
    out[strcspn(out, "\n")] = 0;
    pclose(p);
}

/* Does python run and say it is exactly `version`? */
static int reports_version(const char *python, const char *version)
{
    if (access(python, X_OK) != 0)
        return 0;
    char out[64];
    const char *args[] = {NULL};
    int rc = cpython_run(python,
                         "import sys; print('%d.%d.%d' % sys.version_info[:3])",
                         args, out, sizeof out);
    out[strcspn(out, "\n")] = 0;
    return rc == 0 && strcmp(out, version) == 0;
}

int cpython_find(const char *version, char *path, size_t cap, char *why,
                 size_t whycap)
{
    /* Candidates have room for a prefix and the longest suffix. */
    char prefix[2048], cmd[256];
    snprintf(cmd, sizeof cmd, "pyenv prefix %s 2>/dev/null", version);
    first_line_of(cmd, prefix, sizeof prefix);
    const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");
    char candidates[3][2048 + 64];
    int n = 0;
    if (prefix[0])
        snprintf(candidates[n++], sizeof candidates[0], "%s/bin/python3",
                 prefix);
    if (root && root[0])
        snprintf(candidates[n++], sizeof candidates[0],
                 "%s/versions/%s/bin/python3", root, version);
    if (home && home[0])
        snprintf(candidates[n++], sizeof candidates[0],
                 "%s/.pyenv/versions/%s/bin/python3", home, version);
    for (int i = 0; i < n; i++) {
        if (strlen(candidates[i]) + 1 < sizeof candidates[i] &&
            reports_version(candidates[i], version)) {
            snprintf(path, cap, "%s", candidates[i]);
            return 0;
        }
    }
    snprintf(why, whycap,
             "CPython %s not found: `pyenv prefix %s` gave %s, and no "
             "$PYENV_ROOT/versions/%s or ~/.pyenv/versions/%s holds a "
             "python3 reporting %s. Install it with `pyenv install %s`, or "
             "pass --python PATH.",
             version, version, prefix[0] ? prefix : "nothing", version, version,
             version, version);
    return -1;
}

int cpython_run(const char *python, const char *script, const char *const *args,
                char *out, size_t cap)
{
    const char *argv[64] = {python, "-I", "-c", script};
    int argc = 4;
    for (int i = 0; args[i] && argc < 63; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    return bench_run_capture(argv, out, cap);
}
