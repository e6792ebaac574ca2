/* mock_log.c - see mock_log.h. */
#include "tests/unit/mock_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static char text[1 << 16];
static size_t len;
static int level = -1;
static bool serial_off;
static jmp_buf catcher;
static bool catching;
static char panic_msg[512];
static bool panicked;

const char *mock_log_text(void) { return text; }
int mock_log_level(void) { return level; }
bool mock_log_serial_off(void) { return serial_off; }
const char *mock_log_panic(void) { return panicked ? panic_msg : NULL; }

void mock_log_reset(void) {
    len = 0, text[0] = 0;
    level = -1, serial_off = false, panicked = false;
}

jmp_buf *mock_log_catch(void) {
    catching = true;
    return &catcher;
}

static void add(const char *tag, const char *fmt, va_list ap) {
    if (len + 1 >= sizeof text) return;
    len += (size_t)snprintf(text + len, sizeof text - len, "%s: ", tag);
    if (len < sizeof text) len += (size_t)vsnprintf(text + len, sizeof text - len, fmt, ap);
    if (len + 1 < sizeof text) text[len++] = '\n', text[len] = 0;
    if (len >= sizeof text) len = sizeof text - 1;
}

void log_init(void (*firmware_putc)(char c)) { (void)firmware_putc; }
void log_set_level(int l) { level = l; }
void log_set_serial(bool on) { serial_off = !on; }
void log_set_framebuffer(const struct kiln_framebuffer *fb, bool cleared) { (void)fb, (void)cleared; }
void log_set_panic_framebuffer(const struct kiln_framebuffer *fb) { (void)fb; }
void log_firmware_gone(void) {}
void log_puts(const char *s) { (void)s; }

void log_vwrite(int l, const char *fmt, va_list ap) {
    static const char *tags[] = {"error", "warning", "info", "debug"};
    add(tags[l < 0 ? 0 : l > LOG_DEBUG ? LOG_DEBUG : l], fmt, ap);
}

void panic(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    add("panic", fmt, ap);
    va_end(ap);
    panicked = true;
    if (!catching) {
        fprintf(stderr, "mock_log: panic outside mock_log_catch: %s\n", panic_msg);
        abort();
    }
    catching = false;
    longjmp(catcher, 1);
}
