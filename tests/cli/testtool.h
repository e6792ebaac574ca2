/* testtool.h - what the standalone test programs in tests/cli (imgcheck.c,
 * mkbad.c) share: fatal errors, whole-file reads and little-endian fields.
 * Deliberately nothing from the project's own headers, so these programs
 * stay independent of the code they check. Define TOOL (the program's name,
 * a string) before including. */
#ifndef TESTTOOL_H
#define TESTTOOL_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "TOOL: message" on stderr, exit status 2 (a broken test setup, not a
 * failed check). */
__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
    va_list ap;
    fputs(TOOL ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* The whole file, with one spare byte after it. */
static inline uint8_t *load(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) die("%s: cannot seek", path);
    long n = ftell(f);
    if (n < 0) die("%s: cannot size", path);
    rewind(f);
    uint8_t *b = malloc((size_t)n + 1);
    if (!b || (n && fread(b, 1, (size_t)n, f) != (size_t)n)) die("%s: read error", path);
    fclose(f);
    *size = (size_t)n;
    return b;
}

static inline uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t g32(const uint8_t *p) { return g16(p) | (uint32_t)g16(p + 2) << 16; }
static inline uint64_t g64(const uint8_t *p) { return g32(p) | (uint64_t)g32(p + 4) << 32; }
static inline void p16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static inline void p32(uint8_t *p, uint32_t v) { p16(p, (uint16_t)v), p16(p + 2, (uint16_t)(v >> 16)); }
static inline void p64(uint8_t *p, uint64_t v) { p32(p, (uint32_t)v), p32(p + 4, (uint32_t)(v >> 32)); }

#endif
