/*
 * error.c: error codes, their names, and the client's last error.  A
 * local failure records an HC_E_* code and a message; a daemon's error
 * records its wire code, Python exception name and message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hc_internal.h"

const char *hc_code_name(int code)
{
    switch (code) {
    case HC_OK:
        return "OK";
    case HC_E_SERVER:
        return "SERVER_ERROR";
    case HC_E_CONNECT:
        return "CANNOT_CONNECT";
    case HC_E_CLOSED:
        return "CLOSED";
    case HC_E_TIMEOUT:
        return "TIMEOUT";
    case HC_E_PROTO:
        return "PROTOCOL_ERROR";
    case HC_E_TOOBIG:
        return "TOO_BIG";
    case HC_E_NOMEM:
        return "NO_MEMORY";
    case HC_E_INVAL:
        return "INVALID";
    case HC_E_IO:
        return "IO_ERROR";
    case HC_E_STATE:
        return "BAD_STATE";
    case HEAPD__ERROR_CODE__INVALID_ARGUMENT:
        return "INVALID_ARGUMENT";
    case HEAPD__ERROR_CODE__NOT_FOUND:
        return "NOT_FOUND";
    case HEAPD__ERROR_CODE__PERMISSION_DENIED:
        return "PERMISSION_DENIED";
    case HEAPD__ERROR_CODE__RESOURCE_EXHAUSTED:
        return "RESOURCE_EXHAUSTED";
    case HEAPD__ERROR_CODE__FAILED_PRECONDITION:
        return "FAILED_PRECONDITION";
    case HEAPD__ERROR_CODE__UNAUTHENTICATED:
        return "UNAUTHENTICATED";
    case HEAPD__ERROR_CODE__INTERNAL:
        return "INTERNAL";
    case HEAPD__ERROR_CODE__PYTHON_ERROR:
        return "PYTHON_ERROR";
    case HEAPD__ERROR_CODE__ALREADY_EXISTS:
        return "ALREADY_EXISTS";
    case HEAPD__ERROR_CODE__UNIMPLEMENTED:
        return "UNIMPLEMENTED";
    case HEAPD__ERROR_CODE__UNAVAILABLE:
        return "UNAVAILABLE";
    case HEAPD__ERROR_CODE__ABORTED:
        return "ABORTED";
    default:
        return "UNKNOWN";
    }
}

void hc__copy_str(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    snprintf(dst, cap, "%s", src ? src : "");
}

void hc__vset_error(hc_error *e, int code, const char *fmt, va_list ap)
{
    e->code = code;
    e->py_type[0] = '\0';
    vsnprintf(e->message, sizeof e->message, fmt, ap);
}

void hc__set_error(hc_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hc__vset_error(e, code, fmt, ap);
    va_end(ap);
}

int hc__fail(hc_client *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hc__vset_error(&c->err, code, fmt, ap);
    va_end(ap);
    return code;
}

int hc__fail_errno(hc_client *c, int code, const char *what)
{
    return hc__fail(c, code, "%s: %s", what, strerror(errno));
}

void hc__clear_error(hc_client *c)
{
    c->err.code = HC_OK;
    c->err.py_type[0] = '\0';
    c->err.message[0] = '\0';
}

int hc__server_error(hc_client *c, const Heapd__Error *e)
{
    /* A daemon that sets an error with code OK still failed the request:
     * report it as INTERNAL rather than as success. */
    c->err.code = e->code != HEAPD__ERROR_CODE__OK
                      ? (int)e->code
                      : (int)HEAPD__ERROR_CODE__INTERNAL;
    hc__copy_str(c->err.py_type, sizeof c->err.py_type, e->py_type);
    hc__copy_str(c->err.message, sizeof c->err.message, e->message);
    return HC_E_SERVER;
}

const hc_error *hc_last_error(const hc_client *c)
{
    return &c->err;
}
