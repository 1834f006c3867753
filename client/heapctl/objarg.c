/*
 * objarg.c: the object arguments of heapctl's subcommands.
 *
 * An object argument is a global NAME, a numeric ID (decimal as id()
 * prints it, or 0x hex as repr() does), None/True/False, or a typed
 * literal int:N, float:X, str:TEXT, bytes:TEXT: the prefixes cannot be
 * Python names, so nothing is ambiguous.  A key (link/unlink) is usually
 * a literal, so there a bare integer is an int, a bare word a str, and
 * @NAME / @ID names an object.  docs/heapctl.md lists the forms.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "heapctl.h"

static int is_identifier(const char *s)
{
    if (!*s || isdigit((unsigned char)*s))
        return 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (!(isalnum(ch) || ch == '_' || ch >= 0x80))
            return 0;
    }
    return 1;
}

/* The daemon keeps str objects in UTF-8; refuse anything else here. */
int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80         ? 0
                : (*p >> 5) == 6  ? 1
                : (*p >> 4) == 14 ? 2
                : (*p >> 3) == 30 ? 3
                                  : -1;
        if (n < 0)
            return 0;
        p++;
        for (int k = 0; k < n; k++, p++)
            if ((*p & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

/* None, True, False and the typed literals; 1 if s is one (parsed into
 * out), 0 if not, -1 after a usage error. */
static int parse_literal(ctl *x, const char *s, objarg *out)
{
    if (strcmp(s, "None") == 0) {
        out->kind = ARG_NONE;
        return 1;
    }
    if (strcmp(s, "True") == 0 || strcmp(s, "False") == 0) {
        out->kind = ARG_BOOL;
        out->i = s[0] == 'T';
        return 1;
    }
    if (strncmp(s, "int:", 4) == 0) {
        out->kind = ARG_INT;
        if (parse_i64(s + 4, &out->i) < 0) {
            ctl_usage(x, "'%s': not a 64-bit integer", s);
            return -1;
        }
        return 1;
    }
    if (strncmp(s, "float:", 6) == 0) {
        char *end;
        out->kind = ARG_FLOAT;
        errno = 0;
        out->f = strtod(s + 6, &end);
        if (s[6] == '\0' || *end != '\0' || errno == ERANGE) {
            ctl_usage(x, "'%s': not a float", s);
            return -1;
        }
        return 1;
    }
    if (strncmp(s, "str:", 4) == 0 || strncmp(s, "bytes:", 6) == 0) {
        out->kind = s[0] == 's' ? ARG_STR : ARG_BYTES;
        out->s = strchr(s, ':') + 1;
        if (out->kind == ARG_STR && !valid_utf8(out->s)) {
            ctl_usage(x, "'%s': not valid UTF-8", s);
            return -1;
        }
        return 1;
    }
    return 0;
}

/* NAME or ID; 1 if s is one, else 0. */
static int parse_ref(const char *s, objarg *out)
{
    if (isdigit((unsigned char)*s)) {
        if (parse_u64(s, &out->id) < 0)
            return 0;
        out->kind = ARG_ID;
        return 1;
    }
    if (is_identifier(s)) {
        out->kind = ARG_NAME;
        out->s = s;
        return 1;
    }
    return 0;
}

int objarg_parse(ctl *x, const char *s, objarg *out)
{
    memset(out, 0, sizeof *out);
    out->text = s;
    int r = parse_literal(x, s, out);
    if (r != 0)
        return r < 0 ? -1 : 0;
    if (parse_ref(s, out))
        return 0;
    ctl_usage(x,
              "'%s' is not an object: give a NAME, an ID, None, True, False, "
              "or int:N, float:X, str:TEXT, bytes:TEXT",
              s);
    return -1;
}

int keyarg_parse(ctl *x, const char *s, objarg *out)
{
    memset(out, 0, sizeof *out);
    out->text = s;
    if (s[0] == '@') {
        if (parse_ref(s + 1, out))
            return 0;
        ctl_usage(x, "'%s': @ must be followed by a NAME or an ID", s);
        return -1;
    }
    int r = parse_literal(x, s, out);
    if (r != 0)
        return r < 0 ? -1 : 0;
    if (parse_i64(s, &out->i) == 0) {
        out->kind = ARG_INT;
        return 0;
    }
    if (!valid_utf8(s)) {
        ctl_usage(x, "'%s': not valid UTF-8", s);
        return -1;
    }
    out->kind = ARG_STR;
    out->s = s;
    return 0;
}

int objarg_push(ctl *x, const objarg *a, hc_op_result *out)
{
    Heapd__Op op = HEAPD__OP__INIT;
    switch (a->kind) {
    case ARG_NAME:
        op.code = HEAPD__OP_CODE__LOAD_GLOBAL;
        op.s = (char *)a->s;
        break;
    case ARG_ID:
        op.code = HEAPD__OP_CODE__PUSH_ID;
        op.obj = a->id;
        break;
    case ARG_NONE:
        op.code = HEAPD__OP_CODE__PUSH_NONE;
        break;
    case ARG_BOOL:
        op.code = HEAPD__OP_CODE__PUSH_BOOL;
        op.i = a->i;
        break;
    case ARG_INT:
        op.code = HEAPD__OP_CODE__PUSH_INT;
        op.i = a->i;
        break;
    case ARG_FLOAT:
        op.code = HEAPD__OP_CODE__PUSH_FLOAT;
        op.f = a->f;
        break;
    case ARG_STR:
        op.code = HEAPD__OP_CODE__PUSH_STR;
        op.s = (char *)a->s;
        break;
    case ARG_BYTES:
        op.code = HEAPD__OP_CODE__PUSH_BYTES;
        op.b.data = (uint8_t *)a->s;
        op.b.len = strlen(a->s);
        break;
    }
    return ctl_op_full(x, &op, out);
}
