/* log.h - the loader's log: serial (COM1, probed), port 0xe9 (probed), the
 * framebuffer console once a mode is set, and the firmware's text console
 * before that. One panic() that prints to all of them and halts. The boot
 * flow logs through this interface only: x86/console.c implements it on the
 * machine, tests/unit/mock_log.c on the host (log_write is common/log.c). */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "format/imgconfig.h"
#include "kiln.h"

void log_init(void (*firmware_putc)(char c));
void log_set_level(int level);
void log_set_serial(bool on);
/* Switch screen output from the firmware console to a framebuffer (NULL:
 * no screen output except the firmware console, which is also dropped when
 * `firmware_gone`). `cleared`: the screen is black already (a mode was just
 * set), so the console does not clear it again. The last lines logged
 * before are drawn again on it. */
void log_set_framebuffer(const struct kiln_framebuffer *fb_phys_view, bool cleared);
/* A framebuffer for panics only (UEFI: the firmware's mode before Kiln sets
 * one): not drawn on, so not cleared, unless the boot ends in a panic. */
void log_set_panic_framebuffer(const struct kiln_framebuffer *fb_phys_view);
void log_firmware_gone(void);

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vwrite(int level, const char *fmt, va_list ap);
/* Raw text to every sink, no level, no prefix. */
void log_puts(const char *s);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

/* "kiln: panic: <msg>" on every sink, then cli; hlt forever. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
