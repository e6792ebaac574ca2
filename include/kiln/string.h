/* kiln/string.h - memory and string functions for freestanding code, under
 * kiln_ names so that they never clash with a kernel's own libc. The
 * contracts are those of the C functions without the prefix.
 *
 * A kernel still owes the compiler memcpy, memmove, memset and memcmp (GCC
 * and Clang emit calls to them even with -ffreestanding); kernel-example's
 * libc.c shows the four lines that forward them here. */
#ifndef KILN_STRING_H
#define KILN_STRING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *kiln_memcpy(void *dst, const void *src, size_t n);
void *kiln_memmove(void *dst, const void *src, size_t n);
void *kiln_memset(void *dst, int c, size_t n);
int kiln_memcmp(const void *a, const void *b, size_t n);
size_t kiln_strlen(const char *s);
size_t kiln_strnlen(const char *s, size_t max);
int kiln_strcmp(const char *a, const char *b);
int kiln_strncmp(const char *a, const char *b, size_t n);
char *kiln_strchr(const char *s, int c);

#ifdef __cplusplus
}
#endif
#endif
