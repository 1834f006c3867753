/*
 * error.c: SyntaxError and friends -- filling a py_error with CPython's
 * position conventions, and printing one the way CPython's REPL does.
 */
#include <stdio.h>
#include <string.h>

#include "ast.h"

static const char *type_name(py_errkind kind)
{
    switch (kind) {
    case PY_ERR_NONE:
        return "";
    case PY_ERR_SYNTAX:
        return "SyntaxError";
    case PY_ERR_INDENTATION:
        return "IndentationError";
    case PY_ERR_TAB:
        return "TabError";
    case PY_ERR_RECURSION:
        return "RecursionError";
    case PY_ERR_NOMEM:
        return "MemoryError";
    }
    return "SyntaxError";
}

int py__utf8_width(const char *s, size_t nbytes)
{
    int w = 0;
    for (size_t i = 0; i < nbytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

const char *py__line_start(const py__src *src, int lineno)
{
    if (lineno < 1)
        return NULL;
    if (src->lines != NULL)
        return (size_t)lineno <= src->nlines ? src->lines[lineno - 1] : NULL;
    const char *p = src->buf, *end = src->buf + src->len;
    for (int l = 1; l < lineno; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return NULL;
        p = nl + 1;
    }
    return p < end || lineno == 1 ? p : NULL;
}

/* CPython's offset for byte column col of line: characters before it,
 * plus one.  col == -1 means "no column" (offset 0). */
static int offset_of(const char *line, size_t linelen, int col)
{
    if (col < 0 || line == NULL)
        return col < 0 ? 0 : col + 1;
    size_t c = (size_t)col;
    if (c > linelen)
        return py__utf8_width(line, linelen) + 1 + (int)(c - linelen);
    return py__utf8_width(line, c) + 1;
}

void py__error_at(py_error *err, const py__src *src, py_errkind kind,
                  int lineno, int col, int end_lineno, int end_col,
                  const char *fmt, ...)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
    err->kind = kind;
    err->type = type_name(kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    snprintf(err->filename, sizeof(err->filename), "%s",
             src && src->filename ? src->filename : "<string>");
    err->lineno = lineno;
    const char *line = src ? py__line_start(src, lineno) : NULL;
    size_t linelen = 0;
    if (line != NULL) {
        const char *end = src->buf + src->len;
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        linelen = (size_t)((nl ? nl : end) - line);
        size_t n =
            linelen < sizeof(err->text) - 1 ? linelen : sizeof(err->text) - 1;
        /* Do not cut a character in two. */
        while (n > 0 && n < linelen && ((unsigned char)line[n] & 0xC0) == 0x80)
            n--;
        memcpy(err->text, line, n);
        err->text[n] = '\0';
    }
    err->offset = offset_of(line, linelen, col);
    err->end_lineno = end_lineno;
    if (end_col == -1)
        err->end_offset = -1;
    else if (end_col < 0 || end_lineno == 0)
        err->end_offset = 0;
    else if (end_lineno == lineno)
        err->end_offset = offset_of(line, linelen, end_col);
    else {
        const char *eline = src ? py__line_start(src, end_lineno) : NULL;
        size_t elen = 0;
        if (eline != NULL) {
            const char *end = src->buf + src->len;
            const char *nl = memchr(eline, '\n', (size_t)(end - eline));
            elen = (size_t)((nl ? nl : end) - eline);
        }
        err->end_offset = offset_of(eline, elen, end_col);
    }
}

void py__error_nomem(py_error *err, const py__src *src)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
    err->kind = PY_ERR_NOMEM;
    err->type = type_name(PY_ERR_NOMEM);
    snprintf(err->filename, sizeof(err->filename), "%s",
             src && src->filename ? src->filename : "<string>");
}

/* ---- printing ------------------------------------------------------------ */

typedef struct out {
    char *buf;
    size_t cap, len;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putc_n(out *o, char c, long n)
{
    for (long i = 0; i < n; i++)
        put(o, &c, 1);
}

size_t py_error_format(const py_error *err, char *buf, size_t cap)
{
    out o = {buf, cap ? cap - 1 : 0, 0};
    char num[32];
    if (err->kind == PY_ERR_SYNTAX || err->kind == PY_ERR_INDENTATION ||
        err->kind == PY_ERR_TAB) {
        puts_(&o, "  File \"");
        puts_(&o, err->filename[0] ? err->filename : "<string>");
        snprintf(num, sizeof(num), "\", line %d\n", err->lineno);
        puts_(&o, num);
        if (err->text[0] != '\0' && !err->late) {
            /* pythonrun.c's print_error_text: strip the indentation, clip
             * the caret to the text, one caret unless a range is known. */
            const char *text = err->text;
            long len = (long)strlen(text);
            long offset = err->offset, end_offset = err->end_offset;
            if (err->end_lineno > err->lineno)
                end_offset = len;
            if (end_offset > len + 1)
                end_offset = len + 1;
            long carets =
                end_offset > 0 && end_offset > offset ? end_offset - offset : 1;
            offset--;
            while (*text == ' ' || *text == '\t' || *text == '\f') {
                text++;
                len--;
                offset--;
            }
            if (offset > len)
                offset = len;
            puts_(&o, "    ");
            put(&o, text, (size_t)len);
            puts_(&o, "\n");
            if (offset >= 0) {
                puts_(&o, "    ");
                putc_n(&o, ' ', offset);
                putc_n(&o, '^', carets);
                puts_(&o, "\n");
            }
        }
    }
    puts_(&o, err->type ? err->type : "SyntaxError");
    if (err->msg[0] != '\0') {
        puts_(&o, ": ");
        puts_(&o, err->msg);
    }
    puts_(&o, "\n");
    if (cap > 0)
        buf[o.len < cap - 1 ? o.len : cap - 1] = '\0';
    return o.len;
}
