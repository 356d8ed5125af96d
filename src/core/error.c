#include "parbench/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vformat(pb_error *err, int code, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int pb_fail(pb_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vformat(err, code, fmt, ap);
        va_end(ap);
    }
    return code;
}

int pb_fail_errno(pb_error *err, int code, int errnum, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vformat(err, code, fmt, ap);
        va_end(ap);
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len, ": %s", pb_errno_text(errnum));
    }
    return code;
}

const char *pb_errno_text(int errnum)
{
    const char *d = strerrordesc_np(errnum);
    return d ? d : "Unknown error";
}

const char *pb_signal_text(int sig)
{
    const char *d = sigdescr_np(sig);
    return d ? d : "Unknown signal";
}
