/* kstring.h - the C library functions the loader and core/ call. In the loader
 * x86/kstring.c defines them (over libkiln/string.c); on the host libc does:
 * the same names and contracts. */
#ifndef CORE_KSTRING_H
#define CORE_KSTRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);

#endif
