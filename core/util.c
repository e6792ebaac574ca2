/* util.c - errors (util.h): a message built by the layer that found the
 * problem, formatted with the loader's own printf (libkiln/fmt.c) in the
 * loader and the host tool alike, so both print the same text. */
#include "core/util.h"

#include <kiln/fmt.h>

bool err_set(kiln_err *e, const char *fmt, ...) {
    if (!e) return false;
    va_list ap;
    va_start(ap, fmt);
    kiln_vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

bool err_prefix(kiln_err *e, const char *fmt, ...) {
    if (!e) return false;
    char prefix[128], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    kiln_vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    kiln_snprintf(old, sizeof old, "%s", e->msg);
    return err_set(e, "%s: %s", prefix, old);
}
