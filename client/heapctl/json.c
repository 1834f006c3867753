/*
 * json.c: a streaming JSON writer, enough for --json: objects, arrays,
 * strings (escaped per RFC 8259; UTF-8 passes through), integers, doubles
 * and booleans.  Commas are placed by counting the values at each depth.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heapctl.h"

void json_init(json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
}

/* Before any value (or key): the comma that separates it from the last. */
static void before_value(json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0 && j->count[j->depth]++ > 0)
        fputc(',', j->f);
}

void json_escape(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t k = 0; k < n; k++) {
        unsigned char ch = (unsigned char)s[k];
        switch (ch) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                fprintf(f, "\\u%04x", ch);
            else
                fputc(ch, f);
        }
    }
    fputc('"', f);
}

static void open_nested(json *j, int ch)
{
    before_value(j);
    fputc(ch, j->f);
    if (j->depth < (int)(sizeof j->count / sizeof j->count[0]) - 1)
        j->depth++;
    j->count[j->depth] = 0;
}

static void close_nested(json *j, int ch)
{
    fputc(ch, j->f);
    if (j->depth > 0)
        j->depth--;
    if (j->depth == 0)
        fputc('\n', j->f);
}

void json_obj_begin(json *j)
{
    open_nested(j, '{');
}

void json_obj_end(json *j)
{
    close_nested(j, '}');
}

void json_arr_begin(json *j)
{
    open_nested(j, '[');
}

void json_arr_end(json *j)
{
    close_nested(j, ']');
}

void json_key(json *j, const char *key)
{
    before_value(j);
    json_escape(j->f, key, strlen(key));
    fputc(':', j->f);
    j->after_key = 1;
}

void json_strn(json *j, const char *s, size_t n)
{
    before_value(j);
    json_escape(j->f, s, n);
}

void json_str(json *j, const char *s)
{
    json_strn(j, s ? s : "", s ? strlen(s) : 0);
}

void json_int(json *j, int64_t v)
{
    before_value(j);
    fprintf(j->f, "%lld", (long long)v);
}

void json_uint(json *j, uint64_t v)
{
    before_value(j);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_double(json *j, double v)
{
    before_value(j);
    if (isfinite(v)) {
        /* the shortest of %.15g and %.17g that reads back as v */
        char buf[32];
        snprintf(buf, sizeof buf, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, sizeof buf, "%.17g", v);
        fputs(buf, j->f);
    } else
        fputs("null", j->f); /* JSON has no inf or nan */
}

void json_bool(json *j, int v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->f);
}

void json_null(json *j)
{
    before_value(j);
    fputs("null", j->f);
}

void json_kstr(json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_str(j, s);
}

void json_kint(json *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kuint(json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    json_uint(j, v);
}

void json_kbool(json *j, const char *key, int v)
{
    json_key(j, key);
    json_bool(j, v);
}
