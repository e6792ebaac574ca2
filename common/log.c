/* log.c - log_write(), the one part of the log that is the same wherever
 * the lines go: x86/log.c writes them to the machine's sinks, the unit
 * tests' mock_log.c keeps them (log.h). */
#include "common/log.h"

void log_write(int l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(l, fmt, ap);
    va_end(ap);
}
