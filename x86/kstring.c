/* kstring.c - the C names the loader's code and the compiler call
 * (core/kstring.h), forwarded to the kernel library's kiln_ functions
 * (libkiln/string.c): one implementation, no symbol of the kernel
 * library's that could clash with a kernel's libc. On the host the real
 * libc provides them instead. */
#include "core/kstring.h"

#include <kiln/string.h>

void *memcpy(void *dst, const void *src, size_t n) { return kiln_memcpy(dst, src, n); }
void *memmove(void *dst, const void *src, size_t n) { return kiln_memmove(dst, src, n); }
void *memset(void *dst, int c, size_t n) { return kiln_memset(dst, c, n); }
int memcmp(const void *a, const void *b, size_t n) { return kiln_memcmp(a, b, n); }
size_t strlen(const char *s) { return kiln_strlen(s); }
size_t strnlen(const char *s, size_t max) { return kiln_strnlen(s, max); }
