/* log.c - the loader's log and panic (log.h). */
#include "common/log.h"

#include "common/cpu.h"
#include "common/fbcon.h"
#include "common/fmt.h"
#include "common/frames.h"
#include "common/serial.h"

static int level = LOG_INFO;
static void (*fw_putc)(char);
static struct fbcon con;
static bool con_on;

void log_init(void (*firmware_putc)(char)) {
    fw_putc = firmware_putc;
    serial_init();
    debugcon_init();
}

void log_set_level(int l) { level = l; }

void log_set_serial(bool on) {
    if (!on) serial_disable();
}

void log_set_framebuffer(const struct kiln_framebuffer *fb) {
    con_on = fb && fbcon_init(&con, phys_ptr(fb->physical_address), fb);
}

void log_firmware_gone(void) { fw_putc = 0; }

static void emit(char c) {
    serial_putc(c);
    debugcon_putc(c);
    if (con_on) fbcon_putc(&con, c);
    else if (fw_putc) fw_putc(c);
}

void log_puts(const char *s) {
    while (*s) emit(*s++);
}

void log_vwrite(int l, const char *fmt, va_list ap) {
    static const char *tags[] = {"error: ", "warning: ", "", ""};
    if (l > level) return;
    char buf[512];
    fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    if (con_on) fbcon_set_color(&con, l == LOG_ERROR ? 0xff5555 : l == LOG_WARN ? 0xffff55 : 0xaaaaaa, 0);
    log_puts("kiln: ");
    log_puts(tags[l < 0 ? 0 : l > LOG_DEBUG ? LOG_DEBUG : l]);
    log_puts(buf);
    log_puts("\n");
    if (con_on) fbcon_set_color(&con, 0xaaaaaa, 0);
}

void log_write(int l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(l, fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...) {
    static bool in_panic;
    cli();
    if (in_panic) halt_forever(); /* a panic while panicking: nothing sane left to print */
    in_panic = true;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (con_on) fbcon_set_color(&con, 0xffffff, 0xaa0000);
    log_puts("\nkiln: panic: ");
    log_puts(buf);
    log_puts("\nkiln: the system is halted.\n");
    halt_forever();
}
