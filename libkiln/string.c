/* string.c - memory and string functions under kiln_ names (kiln/string.h).
 * The copy loops are `rep movsq/stosq` for the 8-byte words, then `rep
 * movsb/stosb` for the rest: fast on every CPU, an eighth of the
 * iterations of the byte loop where the CPU (or an emulator such as QEMU's
 * TCG) runs string instructions an element at a time, and immune to the
 * compiler turning a C loop back into a call to memcpy. */
#include <kiln/string.h>

#include <stdint.h>

void *kiln_memcpy(void *dst, const void *src, size_t n) {
    void *d = dst;
    size_t words = n >> 3, bytes = n & 7;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(bytes) : : "memory");
    return dst;
}

void *kiln_memmove(void *dst, const void *src, size_t n) {
    if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n) return kiln_memcpy(dst, src, n);
    /* Overlapping with dst above src: copy backwards, the odd bytes at the
     * top first, then the words. DF must be clear again before returning
     * (the ABI requires it). */
    size_t words = n >> 3, bytes = n & 7;
    unsigned char *d = (unsigned char *)dst + n - 1;
    const unsigned char *s = (const unsigned char *)src + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
    d -= 7, s -= 7; /* rdi and rsi now address the last word below the bytes done */
    __asm__ volatile("std; rep movsq; cld" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
    return dst;
}

void *kiln_memset(void *dst, int c, size_t n) {
    void *d = dst;
    size_t words = n >> 3, bytes = n & 7;
    uint64_t v = (uint8_t)c * UINT64_C(0x0101010101010101);
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(v) : "memory");
    return dst;
}

int kiln_memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t kiln_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t kiln_strnlen(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

int kiln_strcmp(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int kiln_strncmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) {
        if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
        if (!*a) return 0;
    }
    return 0;
}

char *kiln_strchr(const char *s, int c) {
    for (;; s++) {
        if (*s == (char)c) return (char *)s;
        if (!*s) return 0;
    }
}
