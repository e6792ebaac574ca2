/* test_string.c - the kernel library's memory and string functions
 * (libkiln/string.c), against the host's libc on random inputs. */
#include <stdlib.h>
#include <string.h>

#include <kiln/string.h>
#include "tests/unit/testlib.h"

#define BUF 300

static void random_bytes(unsigned char *p, size_t n, unsigned range) {
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)test_rand_below(range);
}

static int sign(int x) { return (x > 0) - (x < 0); }

TEST(memcpy_memset_like_libc) {
    test_seed(11);
    for (int round = 0; round < 500; round++) {
        unsigned char src[BUF], a[BUF], b[BUF];
        random_bytes(src, BUF, 256);
        memset(a, 0x5a, BUF), memset(b, 0x5a, BUF);
        size_t off = test_rand_below(BUF), n = test_rand_below(BUF - off + 1);
        CHECK(kiln_memcpy(a + off, src, n) == a + off, "memcpy returns dst");
        memcpy(b + off, src, n);
        CHECK(!memcmp(a, b, BUF), "memcpy of %zu bytes at %zu", n, off);
        int c = (int)test_rand_below(512) - 128; /* converted to unsigned char, as memset does */
        CHECK(kiln_memset(a + off, c, n) == a + off, "memset returns dst");
        memset(b + off, c, n);
        CHECK(!memcmp(a, b, BUF), "memset of %zu bytes of %d at %zu", n, c, off);
    }
}

TEST(memmove_overlapping_both_ways) {
    test_seed(12);
    for (int round = 0; round < 1000; round++) {
        unsigned char a[BUF], b[BUF];
        random_bytes(a, BUF, 256);
        memcpy(b, a, BUF);
        size_t n = test_rand_below(BUF / 2), from = test_rand_below(BUF - n + 1), to = test_rand_below(BUF - n + 1);
        CHECK(kiln_memmove(a + to, a + from, n) == a + to, "memmove returns dst");
        memmove(b + to, b + from, n);
        CHECK(!memcmp(a, b, BUF), "memmove of %zu bytes from %zu to %zu", n, from, to);
    }
    /* The backwards copy leaves the direction flag clear (the ABI's rule):
     * a forward copy right after must still copy forwards. */
    char s[] = "abcdef";
    kiln_memmove(s + 1, s, 4);
    kiln_memcpy(s, "XY", 2);
    CHECK(!strcmp(s, "XYbcdf"), "after a backwards move: %s", s);
}

TEST(compare_and_search_like_libc) {
    test_seed(13);
    for (int round = 0; round < 2000; round++) {
        char a[40], b[40];
        /* few letters, so equal prefixes and equal strings are common */
        for (int i = 0; i < 39; i++) a[i] = (char)('a' + test_rand_below(3)), b[i] = (char)('a' + test_rand_below(3));
        if (test_rand_below(2)) memcpy(b, a, test_rand_below(40));
        a[test_rand_below(40)] = 0, b[test_rand_below(40)] = 0;
        a[39] = b[39] = 0;
        if (test_rand_below(8) == 0) a[test_rand_below(39)] = (char)0xe9; /* a byte above 0x7f compares as unsigned */
        size_t n = test_rand_below(45);
        CHECK(sign(kiln_memcmp(a, b, n < 40 ? n : 40)) == sign(memcmp(a, b, n < 40 ? n : 40)), "memcmp %zu", n);
        CHECK(sign(kiln_strcmp(a, b)) == sign(strcmp(a, b)), "strcmp \"%s\" \"%s\"", a, b);
        CHECK(sign(kiln_strncmp(a, b, n)) == sign(strncmp(a, b, n)), "strncmp \"%s\" \"%s\" %zu", a, b, n);
        CHECK(kiln_strlen(a) == strlen(a), "strlen \"%s\"", a);
        CHECK(kiln_strnlen(a, n) == strnlen(a, n), "strnlen \"%s\" %zu", a, n);
        int c = (int)('a' + test_rand_below(4));
        CHECK(kiln_strchr(a, c) == strchr(a, c), "strchr \"%s\" '%c'", a, c);
    }
    const char *s = "abc";
    CHECK(kiln_strchr(s, 0) == s + 3, "strchr finds the terminator");
    CHECK(kiln_memcmp("a", "b", 0) == 0 && kiln_strncmp("a", "b", 0) == 0, "zero lengths compare equal");
}
