/* console.c - where the loader's log lines and panics go on the machine
 * (common/log.h): COM1, port 0xE9, the framebuffer console, and the
 * firmware's text console until a mode is set. */
#include "common/log.h"

#include "x86/cpu.h"
#include <kiln/fbcon.h>
#include <kiln/fmt.h>
#include "common/frames.h"
#include "x86/serial.h"

static int level = LOG_INFO;
/* Messages more detailed than the default level that arrive before the
 * image config has set the level are kept, and printed if it asks for them
 * (the platform logs a few debug lines before the config is read). */
static bool level_set;
static char early[2048];
static size_t early_len;
static void (*fw_putc)(char);
static struct kiln_fbcon con;
static bool con_on;
static const struct kiln_framebuffer *panic_fb;
/* The last text written while no framebuffer console was on, drawn again
 * when one comes on (a ring: the oldest text goes first). */
static char backlog[512];
static size_t backlog_end;
static bool backlog_full;

void log_init(void (*firmware_putc)(char)) {
    fw_putc = firmware_putc;
    serial_init();
    debugcon_init();
}

void log_set_level(int l) {
    level = l;
    level_set = true;
    if (l >= LOG_DEBUG && early_len) {
        early[early_len] = 0;
        log_puts(early);
    }
    early_len = 0;
}

void log_set_serial(bool on) {
    if (!on) serial_disable();
}

/* The backlog onto the console, from its oldest whole line. */
static void replay(void) {
    size_t start = backlog_full ? backlog_end : 0, n = backlog_full ? sizeof backlog : backlog_end;
    size_t i = 0;
    if (backlog_full)
        while (i < n && backlog[(start + i) % sizeof backlog] != '\n') i++; /* a partial first line */
    for (i += backlog_full; i < n; i++) kiln_fbcon_putc(&con, backlog[(start + i) % sizeof backlog]);
    backlog_end = 0;
    backlog_full = false;
}

void log_set_framebuffer(const struct kiln_framebuffer *fb, bool cleared) {
    void *base = fb ? phys_ptr(fb->physical_address) : 0;
    con_on = fb && (cleared ? kiln_fbcon_attach(&con, base, fb) : kiln_fbcon_init(&con, base, fb));
    if (con_on) replay();
}

void log_set_panic_framebuffer(const struct kiln_framebuffer *fb) { panic_fb = fb; }

void log_firmware_gone(void) { fw_putc = 0; }

static void emit(char c) {
    serial_putc(c);
    debugcon_putc(c);
    if (con_on) {
        kiln_fbcon_putc(&con, c);
        return;
    }
    if (fw_putc) fw_putc(c);
    backlog[backlog_end++] = c;
    if (backlog_end == sizeof backlog) backlog_end = 0, backlog_full = true;
}

void log_puts(const char *s) {
    while (*s) emit(*s++);
}

void log_vwrite(int l, const char *fmt, va_list ap) {
    static const char *tags[] = {"error: ", "warning: ", "", ""};
    char buf[512];
    if (l > level) {
        if (!level_set && early_len + 8 < sizeof early) {
            kiln_vsnprintf(buf, sizeof buf, fmt, ap);
            early_len += kiln_snprintf(early + early_len, sizeof early - early_len, "kiln: %s\n", buf);
            if (early_len >= sizeof early) early_len = sizeof early - 1;
        }
        return;
    }
    kiln_vsnprintf(buf, sizeof buf, fmt, ap);
    if (con_on) kiln_fbcon_set_color(&con, l == LOG_ERROR ? 0xff5555 : l == LOG_WARN ? 0xffff55 : 0xaaaaaa, 0);
    log_puts("kiln: ");
    log_puts(tags[l < 0 ? 0 : l > LOG_DEBUG ? LOG_DEBUG : l]);
    log_puts(buf);
    log_puts("\n");
    if (con_on) kiln_fbcon_set_color(&con, 0xaaaaaa, 0);
}

void panic(const char *fmt, ...) {
    static bool in_panic;
    cli();
    if (in_panic) halt_forever(); /* a panic while panicking: nothing sane left to print */
    in_panic = true;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    kiln_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* No console on the screen yet (UEFI before the mode set): now there
     * must be one, showing what led here. */
    if (!con_on && panic_fb && !fw_putc) log_set_framebuffer(panic_fb, false);
    if (con_on) kiln_fbcon_set_color(&con, 0xffffff, 0xaa0000);
    log_puts("\nkiln: panic: ");
    log_puts(buf);
    log_puts("\nkiln: the system is halted.\n");
    halt_forever();
}
