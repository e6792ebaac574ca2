/* kiln/fmt.h - a small printf for freestanding code: the kernel library's,
 * and the loader's own (the same source).
 *
 * Supports %d %i %u %x %X %o %c %s %p %% with the flags '-', '0', '#', a
 * width ('*' too), a precision for %s, and the sizes l, ll, z, h, hh.
 * Differences from C: "%#x" of 0 prints "0x0", "%#o" adds no leading 0, a
 * negative '*' width does not left-justify, and a NULL %p prints "0x0". */
#ifndef KILN_FMT_H
#define KILN_FMT_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Like vsnprintf: always NUL-terminates when n > 0; returns the length the
 * full output would have had. */
size_t kiln_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
size_t kiln_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif
#endif
