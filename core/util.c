/* util.c - errors (util.h): a message built by the layer that found the
 * problem. The loader formats with its own printf; the host tool with the
 * C library's, which has every conversion (%f, %g, ...) the tool's own
 * messages may use. */
#include "core/util.h"

#if __STDC_HOSTED__
#include <stdio.h>
#define err_vsnprintf vsnprintf
#define err_snprintf snprintf
#else
#include <kiln/fmt.h>
#define err_vsnprintf kiln_vsnprintf
#define err_snprintf kiln_snprintf
#endif

bool err_set(kiln_err *e, const char *fmt, ...) {
    if (!e) return false;
    va_list ap;
    va_start(ap, fmt);
    err_vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

bool err_prefix(kiln_err *e, const char *fmt, ...) {
    if (!e) return false;
    char prefix[128], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    err_vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    err_snprintf(old, sizeof old, "%s", e->msg);
    return err_set(e, "%s: %s", prefix, old);
}
