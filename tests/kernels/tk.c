/* tk.c - see tk.h. */
#include "tk.h"

#include <kiln/fmt.h>

static unsigned passed, failed;
static const char *group = "";

void tk_printf(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    kiln_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kiln_serial_write(buf);
}

void tk_group(const char *g) { group = g; }

bool tk_check(bool cond, const char *name, const char *fmt, ...) {
    char buf[384];
    if (cond) {
        passed++;
        tk_printf("[PASS] %s%s%s\n", group, *group ? "." : "", name);
        return true;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    kiln_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tk_printf("[FAIL] %s%s%s: %s\n", group, *group ? "." : "", name, buf);
    return false;
}

void tk_finish(void) {
    tk_printf("tk: %u checks passed, %u failed\n", passed, failed);
    kiln_qemu_exit(failed == 0 && passed > 0);
}
