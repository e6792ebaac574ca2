/* fmt.h - a small printf for the freestanding loader (also built on the host
 * so it is unit tested). Supports %d %i %u %x %X %o %c %s %p %% with the
 * flags '-', '0', '#', width ('*' too), precision for %s, and the l, ll, z,
 * h, hh sizes. Differences from C: "%#x" of 0 prints "0x0", "%#o" adds no
 * leading 0, a negative '*' width does not left-justify, and a NULL %p
 * prints "0x0". */
#ifndef COMMON_FMT_H
#define COMMON_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Like vsnprintf: always NUL-terminates when n > 0; returns the length the
 * full output would have had. */
size_t fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
size_t fmt_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
