/* test_fmt.c - kiln_vsnprintf and kiln_snprintf (libkiln/fmt.c), against the host's
 * snprintf for every conversion kiln/fmt.h documents. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/fmt.h>
#include "core/util.h"
#include "tests/unit/testlib.h"

/* Formats with kiln_snprintf and with the host's snprintf (the reference for
 * every conversion fmt.h documents); both must agree, byte and length. */
#define SAME_AS_LIBC(...) \
    do { \
        char got_[128], ref_[128]; \
        memset(got_, 'X', sizeof got_); \
        size_t n_ = kiln_snprintf(got_, sizeof got_, __VA_ARGS__); \
        int r_ = snprintf(ref_, sizeof ref_, __VA_ARGS__); \
        CHECK(strcmp(got_, ref_) == 0 && n_ == (size_t)r_, "format %s: got \"%s\" (%zu), libc \"%s\" (%d)", #__VA_ARGS__, \
              got_, n_, ref_, r_); \
    } while (0)

/* kiln_vsnprintf without the format attribute, for formats the compiler
 * would (rightly) warn about. */
static size_t fmt_v(char *buf, size_t n, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    size_t r = kiln_vsnprintf(buf, n, f, ap);
    va_end(ap);
    return r;
}
#define EXPECT_FMT_V(want, ...) \
    do { \
        char got_[128]; \
        size_t n_ = fmt_v(got_, sizeof got_, __VA_ARGS__); \
        CHECK(strcmp(got_, want) == 0 && n_ == strlen(want), "format %s: got \"%s\" (%zu), want \"%s\"", #__VA_ARGS__, \
              got_, n_, want); \
    } while (0)

TEST(fmt_integers) {
    SAME_AS_LIBC("%d %d %d", 0, 42, -42);
    SAME_AS_LIBC("%d %d", INT_MAX, INT_MIN);
    SAME_AS_LIBC("%i", -7);
    SAME_AS_LIBC("%u %u", 0u, UINT_MAX);
    SAME_AS_LIBC("%x %X", 0xdeadbeefu, 0xdeadbeefu);
    SAME_AS_LIBC("%o %o %o", 0u, 8u, 0777u);
    SAME_AS_LIBC("%ld %ld", LONG_MIN, LONG_MAX);
    SAME_AS_LIBC("%lld %lld", LLONG_MIN, LLONG_MAX);
    SAME_AS_LIBC("%llu %llx %llX", ULLONG_MAX, ULLONG_MAX, 0x123456789abcdefULL);
    SAME_AS_LIBC("%lu %lx", ULONG_MAX, 0xfeedUL);
    SAME_AS_LIBC("%zu %zx", SIZE_MAX, (size_t)0x1000);
    SAME_AS_LIBC("%hd %hd", 70000, -1);
    SAME_AS_LIBC("%hu %hx", 70000, 0x12345);
    SAME_AS_LIBC("%hhd %hhu %hhx", 200, 300, 0x1ff);
}

TEST(fmt_width_and_flags) {
    SAME_AS_LIBC("[%5d][%-5d][%05d]", 42, 42, 42);
    SAME_AS_LIBC("[%05d][%-5d][%5d]", -42, -42, -42);
    SAME_AS_LIBC("[%08x][%-8X][%8o]", 0xbeefu, 0xbeefu, 8u);
    SAME_AS_LIBC("[%2d][%1x]", 12345, 0xabcdu); /* width never truncates */
    EXPECT_FMT_V("[42   ]", "[%-05d]", 42); /* '-' wins over '0', as in C */
    SAME_AS_LIBC("[%020llu]", ULLONG_MAX);
    SAME_AS_LIBC("[%#x][%#X][%#010x][%-#6x]", 255u, 255u, 255u, 255u);
    SAME_AS_LIBC("[%*d][%-*d]", 6, 42, 6, 42);
    SAME_AS_LIBC("[%c][%3c][%-3c]", 'A', 'B', 'C');
    SAME_AS_LIBC("[%p]", (void *)0x1234);
    SAME_AS_LIBC("[%20p][%-20p]", (void *)0xffffffff80001000ull, (void *)0x10);
}

TEST(fmt_strings) {
    SAME_AS_LIBC("[%s][%5s][%-5s]", "abc", "abc", "abc");
    SAME_AS_LIBC("[%.2s][%.0s][%.9s]", "abc", "abc", "abc");
    SAME_AS_LIBC("[%.*s][%5.1s][%-5.2s]", 1, "abc", "abc", "abc");
    SAME_AS_LIBC("[%s]", "");
    SAME_AS_LIBC("%%|100%%|%c%%", 'x');
    SAME_AS_LIBC("kernel '%s' at 0x%llx (%u KiB)", "k.elf", 0xffffffff80000000ull, 12u);
    const char *null = NULL;
    EXPECT_FMT_V("[(null)]", "[%s]", null);
    EXPECT_FMT_V("[(nu]", "[%.3s]", null);
    EXPECT_FMT_V("[  (null)]", "[%8s]", null);
}

TEST(fmt_odd_formats) {
    /* not printf-compatible on purpose, but must be safe */
    char b[32];
    CHECK(fmt_v(b, sizeof b, "abc%") == 3 && strcmp(b, "abc") == 0, "a lone %% at the end: \"%s\"", b);
    CHECK(fmt_v(b, sizeof b, "%q!") == 3 && strcmp(b, "%q!") == 0, "unknown conversion copied: \"%s\"", b);
    CHECK(fmt_v(b, sizeof b, "") == 0 && b[0] == 0, "empty format");
}

TEST(fmt_truncation) {
    char b[16];
    memset(b, 'X', sizeof b);
    CHECK(kiln_snprintf(b, 5, "hello %s", "world") == 11 && strcmp(b, "hell") == 0 && b[5] == 'X',
          "n=5: \"%s\", byte after %c", b, b[5]);
    memset(b, 'X', sizeof b);
    CHECK(kiln_snprintf(b, 1, "hello") == 5 && b[0] == 0 && b[1] == 'X', "n=1 gives \"\"");
    CHECK(kiln_snprintf(NULL, 0, "hello %d", 12345) == 11, "n=0 writes nothing and counts");
    memset(b, 'X', sizeof b);
    CHECK(kiln_snprintf(b, 4, "%d", 123456) == 6 && strcmp(b, "123") == 0 && b[4] == 'X', "number cut: \"%s\"", b);
    memset(b, 'X', sizeof b);
    CHECK(kiln_snprintf(b, 6, "%10s|", "ab") == 11 && strcmp(b, "     ") == 0, "padding cut: \"%s\"", b);
    memset(b, 'X', sizeof b);
    CHECK(kiln_snprintf(b, 8, "%s", "12345678") == 8 && strcmp(b, "1234567") == 0, "exactly full: \"%s\"", b);
    CHECK(kiln_snprintf(b, 9, "%s", "12345678") == 8 && strcmp(b, "12345678") == 0, "just fits: \"%s\"", b);
}
