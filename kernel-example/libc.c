/* libc.c - the C library functions the compiler may call on its own (GCC
 * and Clang emit memcpy, memmove, memset and memcmp for struct copies and
 * large initialisers, even with -ffreestanding). A kernel with its own libc
 * drops this file; here they forward to the kernel library, whose names all
 * start with kiln_ so that they never clash with a kernel's own. */
#include <kiln/string.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n) { return kiln_memcpy(dst, src, n); }
void *memmove(void *dst, const void *src, size_t n) { return kiln_memmove(dst, src, n); }
void *memset(void *dst, int c, size_t n) { return kiln_memset(dst, c, n); }
int memcmp(const void *a, const void *b, size_t n) { return kiln_memcmp(a, b, n); }
