/* test_misc.c - the small common/ modules: fmt, crc32, video mode choice and
 * EDID, the page pool, the frame recorder and heap, and the ACPI/SMBIOS
 * entry-point checks. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32.h"
#include "common/firmware_tables.h"
#include "common/fmt.h"
#include "common/frames.h"
#include "common/pool.h"
#include "common/video.h"
#include "tests/unit/mock_phys.h"
#include "tests/unit/testlib.h"

/* ------------------------------------------------------------------------
 * fmt
 * ------------------------------------------------------------------------ */

/* Formats with fmt_snprintf and with the host's snprintf (the reference for
 * every conversion fmt.h documents); both must agree, byte and length. */
#define SAME_AS_LIBC(...) \
    do { \
        char got_[128], ref_[128]; \
        memset(got_, 'X', sizeof got_); \
        size_t n_ = fmt_snprintf(got_, sizeof got_, __VA_ARGS__); \
        int r_ = snprintf(ref_, sizeof ref_, __VA_ARGS__); \
        CHECK(strcmp(got_, ref_) == 0 && n_ == (size_t)r_, "format %s: got \"%s\" (%zu), libc \"%s\" (%d)", #__VA_ARGS__, \
              got_, n_, ref_, r_); \
    } while (0)

/* fmt_vsnprintf without the format attribute, for formats the compiler
 * would (rightly) warn about. */
static size_t fmt_v(char *buf, size_t n, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    size_t r = fmt_vsnprintf(buf, n, f, ap);
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
    CHECK(fmt_snprintf(b, 5, "hello %s", "world") == 11 && strcmp(b, "hell") == 0 && b[5] == 'X',
          "n=5: \"%s\", byte after %c", b, b[5]);
    memset(b, 'X', sizeof b);
    CHECK(fmt_snprintf(b, 1, "hello") == 5 && b[0] == 0 && b[1] == 'X', "n=1 gives \"\"");
    CHECK(fmt_snprintf(NULL, 0, "hello %d", 12345) == 11, "n=0 writes nothing and counts");
    memset(b, 'X', sizeof b);
    CHECK(fmt_snprintf(b, 4, "%d", 123456) == 6 && strcmp(b, "123") == 0 && b[4] == 'X', "number cut: \"%s\"", b);
    memset(b, 'X', sizeof b);
    CHECK(fmt_snprintf(b, 6, "%10s|", "ab") == 11 && strcmp(b, "     ") == 0, "padding cut: \"%s\"", b);
    memset(b, 'X', sizeof b);
    CHECK(fmt_snprintf(b, 8, "%s", "12345678") == 8 && strcmp(b, "1234567") == 0, "exactly full: \"%s\"", b);
    CHECK(fmt_snprintf(b, 9, "%s", "12345678") == 8 && strcmp(b, "12345678") == 0, "just fits: \"%s\"", b);
}

TEST(err_set_and_prefix) {
    kiln_err e;
    CHECK(!err_set(&e, "elf: segment %u at 0x%llx", 3u, 0x1000ull) && strcmp(e.msg, "elf: segment 3 at 0x1000") == 0,
          "err_set: %s", e.msg);
    CHECK(!err_prefix(&e, "kernel '%s'", "k") && strcmp(e.msg, "kernel 'k': elf: segment 3 at 0x1000") == 0,
          "err_prefix: %s", e.msg);
    CHECK(!err_set(NULL, "x") && !err_prefix(NULL, "y"), "NULL errors are allowed");
    char big[400];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    err_set(&e, "%s", big);
    CHECK(strlen(e.msg) == sizeof e.msg - 1, "err_set truncates to %zu", sizeof e.msg - 1);
    err_prefix(&e, "p");
    CHECK(strlen(e.msg) == sizeof e.msg - 1 && strncmp(e.msg, "p: aaa", 6) == 0, "err_prefix truncates");
}

/* ------------------------------------------------------------------------
 * crc32
 * ------------------------------------------------------------------------ */

TEST(crc32_vectors) {
    CHECK(crc32_update(0, "123456789", 9) == 0xcbf43926u, "check value: %08x", crc32_update(0, "123456789", 9));
    CHECK(crc32_update(0, "", 0) == 0, "empty");
    CHECK(crc32_update(0, "a", 1) == 0xe8b7be43u, "\"a\": %08x", crc32_update(0, "a", 1));
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    CHECK(crc32_update(0, fox, sizeof fox - 1) == 0x414fa339u, "fox: %08x", crc32_update(0, fox, sizeof fox - 1));
    uint8_t zeros[32] = {0};
    CHECK(crc32_update(0, zeros, 32) == 0x190a55adu, "32 zero bytes: %08x", crc32_update(0, zeros, 32));
    uint32_t c = crc32_update(0, "1234", 4);
    CHECK(crc32_update(c, "56789", 5) == 0xcbf43926u, "in two pieces");
    c = 0;
    for (int i = 0; i < 9; i++) c = crc32_update(c, "123456789" + i, 1);
    CHECK(c == 0xcbf43926u, "byte by byte");
}

/* ------------------------------------------------------------------------
 * video_choose and EDID
 * ------------------------------------------------------------------------ */

static struct video_mode M(uint32_t w, uint32_t h, uint32_t bpp) {
    struct video_mode m;
    memset(&m, 0, sizeof m);
    m.width = w, m.height = h, m.bpp = bpp, m.pitch = w * bpp / 8;
    return m;
}

static const struct video_mode *modes(size_t *n) {
    static struct video_mode l[10];
    l[0] = M(640, 480, 32);
    l[1] = M(800, 600, 16);
    l[2] = M(800, 600, 32);
    l[3] = M(800, 600, 24);
    l[4] = M(1024, 768, 24);
    l[5] = M(1024, 768, 32);
    l[6] = M(1280, 1024, 32);
    l[7] = M(1920, 1080, 16);
    l[8] = M(1920, 1080, 32);
    l[9] = M(1600, 900, 32);
    *n = 10;
    return l;
}

#define CHOOSE(want, ...) \
    do { \
        int got_ = video_choose(__VA_ARGS__); \
        CHECK(got_ == (want), "video_choose(%s) = %d, want %d", #__VA_ARGS__, got_, want); \
    } while (0)

TEST(video_none_and_empty) {
    size_t n;
    const struct video_mode *l = modes(&n);
    CHOOSE(-1, l, n, 5, KILN_FB_NONE, 0, 0, 1920, 1080);
    for (uint32_t m = 0; m < KILN_FB_MODE_COUNT; m++) CHOOSE(-1, l, 0, -1, m, 800, 600, 1920, 1080);
}

TEST(video_auto) {
    size_t n;
    const struct video_mode *l = modes(&n);
    CHOOSE(8, l, n, -1, KILN_FB_AUTO, 0, 0, 1920, 1080); /* native, 32 bpp over 16 */
    CHOOSE(8, l, n, 2, KILN_FB_AUTO, 0, 0, 1920, 1080);  /* native beats the current mode */
    CHOOSE(5, l, n, -1, KILN_FB_AUTO, 0, 0, 1366, 768);  /* no native mode: the largest within it */
    CHOOSE(8, l, n, -1, KILN_FB_AUTO, 0, 0, 2560, 1440);
    CHOOSE(6, l, n, 6, KILN_FB_AUTO, 0, 0, 320, 200);    /* nothing within the native size: current */
    CHOOSE(6, l, n, 6, KILN_FB_AUTO, 0, 0, 0, 0);        /* native unknown: current */
    CHOOSE(5, l, n, -1, KILN_FB_AUTO, 0, 0, 0, 0);       /* no current: 1024x768 */
    CHOOSE(5, l, n, 99, KILN_FB_AUTO, 0, 0, 0, 0);       /* a bogus current counts as none */
    CHOOSE(5, l, n, -1, 77, 0, 0, 0, 0);                 /* an unknown mode acts as AUTO */
    struct video_mode no1024[] = {M(640, 480, 32), M(800, 600, 32), M(1280, 1024, 32)};
    CHOOSE(1, no1024, 3, -1, KILN_FB_AUTO, 0, 0, 0, 0); /* the largest below 1024x768 */
    struct video_mode big[] = {M(2560, 1600, 32), M(1280, 1024, 16), M(1920, 1080, 32)};
    CHOOSE(2, big, 3, -1, KILN_FB_AUTO, 0, 0, 0, 0); /* all larger: the smallest of the best depth */
    struct video_mode deep[] = {M(1024, 768, 24), M(800, 600, 32), M(1024, 768, 16)};
    CHOOSE(1, deep, 3, -1, KILN_FB_AUTO, 0, 0, 0, 0);       /* 32 bpp before 1024x768 */
    CHOOSE(1, deep, 3, -1, KILN_FB_AUTO, 0, 0, 1024, 768);  /* ... and before the native size */
    CHOOSE(1, deep, 3, 0, KILN_FB_AUTO, 0, 0, 0, 0);        /* ... and before a 24-bpp current mode */
}

TEST(video_keep) {
    size_t n;
    const struct video_mode *l = modes(&n);
    CHOOSE(7, l, n, 7, KILN_FB_KEEP, 0, 0, 1920, 1080);  /* keep even a 16 bpp mode */
    CHOOSE(8, l, n, -1, KILN_FB_KEEP, 0, 0, 1920, 1080); /* nothing to keep: as AUTO */
    CHOOSE(5, l, n, -1, KILN_FB_KEEP, 0, 0, 0, 0);
}

TEST(video_preferred_max_min) {
    size_t n;
    const struct video_mode *l = modes(&n);
    CHOOSE(5, l, n, 8, KILN_FB_PREFERRED, 1000, 700, 1920, 1080);
    CHOOSE(2, l, n, -1, KILN_FB_PREFERRED, 800, 600, 0, 0);
    CHOOSE(8, l, n, -1, KILN_FB_PREFERRED, 1900, 1000, 0, 0);
    CHOOSE(0, l, n, -1, KILN_FB_PREFERRED, 1, 1, 0, 0);
    CHOOSE(8, l, n, -1, KILN_FB_PREFERRED, 65535, 65535, 0, 0);
    CHOOSE(5, l, n, -1, KILN_FB_MAX, 1300, 1000, 0, 0);  /* 1280x1024 is too tall */
    CHOOSE(6, l, n, -1, KILN_FB_MAX, 1280, 1024, 0, 0);  /* exactly */
    CHOOSE(0, l, n, -1, KILN_FB_MAX, 100, 100, 0, 0);    /* nothing fits: the smallest */
    CHOOSE(8, l, n, -1, KILN_FB_MIN, 1300, 1000, 0, 0);  /* 1600x900 is too short */
    CHOOSE(6, l, n, -1, KILN_FB_MIN, 1280, 1024, 0, 0);
    CHOOSE(2, l, n, -1, KILN_FB_MIN, 700, 500, 0, 0);    /* 800x600 at its best depth */
    CHOOSE(8, l, n, -1, KILN_FB_MIN, 4000, 3000, 0, 0);  /* nothing is big enough: the largest */
}

TEST(video_depth_preference) {
    static const uint32_t perms[6][3] = {{16, 24, 32}, {16, 32, 24}, {24, 16, 32}, {24, 32, 16}, {32, 16, 24}, {32, 24, 16}};
    for (unsigned p = 0; p < 6; p++) {
        struct video_mode l[4];
        int i32 = -1, i24 = -1;
        for (int i = 0; i < 3; i++) {
            l[i] = M(800, 600, perms[p][i]);
            if (perms[p][i] == 32) i32 = i;
            if (perms[p][i] == 24) i24 = i;
        }
        l[3] = M(640, 480, 32);
        CHOOSE(i32, l, 4, -1, KILN_FB_AUTO, 0, 0, 800, 600);
        CHOOSE(i32, l, 4, -1, KILN_FB_PREFERRED, 800, 600, 0, 0);
        CHOOSE(i32, l, 4, -1, KILN_FB_MAX, 1000, 1000, 0, 0);
        CHOOSE(i32, l, 4, -1, KILN_FB_MIN, 700, 500, 0, 0);
        /* without the 32 bpp 800x600, AUTO still takes 32 bpp (640x480); by size, 24 beats 16 */
        l[i32] = M(800, 600, 8);
        CHOOSE(3, l, 4, -1, KILN_FB_AUTO, 0, 0, 800, 600);
        l[3] = M(640, 480, 8);
        CHOOSE(i24, l, 4, -1, KILN_FB_AUTO, 0, 0, 800, 600);
        l[3] = M(640, 480, 32);
        CHOOSE(i24, l, 4, -1, KILN_FB_PREFERRED, 800, 600, 0, 0);
        CHOOSE(i24, l, 4, -1, KILN_FB_MAX, 800, 600, 0, 0);
        CHOOSE(i24, l, 4, -1, KILN_FB_MIN, 800, 600, 0, 0);
    }
}

/* An EDID 1.4 block whose first detailed timing is w x h. */
static void make_edid(uint8_t d[128], uint32_t w, uint32_t h) {
    static const uint8_t header[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
    memset(d, 0, 128);
    memcpy(d, header, 8);
    d[18] = 1, d[19] = 4; /* EDID 1.4 */
    uint8_t *t = d + 54;
    t[0] = 0x02, t[1] = 0x3a;              /* pixel clock 148.5 MHz */
    t[2] = (uint8_t)w, t[3] = 0x18;        /* h active, h blank (low 8 bits) */
    t[4] = (uint8_t)(((w >> 8) << 4) | 1); /* their high nibbles */
    t[5] = (uint8_t)h, t[6] = 0x2d;
    t[7] = (uint8_t)((h >> 8) << 4);
    uint8_t s = 0;
    for (int i = 0; i < 127; i++) s = (uint8_t)(s + d[i]);
    d[127] = (uint8_t)(0x100 - s);
}

TEST(edid_native) {
    uint8_t d[256];
    uint32_t w = 0, h = 0;
    make_edid(d, 1920, 1080);
    CHECK(edid_native_size(d, 128, &w, &h) && w == 1920 && h == 1080, "1920x1080: %ux%u", w, h);
    make_edid(d, 3840, 2160);
    CHECK(edid_native_size(d, 256, &w, &h) && w == 3840 && h == 2160, "3840x2160: %ux%u", w, h);
    make_edid(d, 4095, 4095);
    CHECK(edid_native_size(d, 128, &w, &h) && w == 4095 && h == 4095, "4095x4095: %ux%u", w, h);
    make_edid(d, 1920, 1080);
    d[100] ^= 1;
    CHECK(!edid_native_size(d, 128, &w, &h), "bad checksum accepted");
    make_edid(d, 1920, 1080);
    d[0] = 1, d[127] = (uint8_t)(d[127] - 1); /* checksum still right */
    CHECK(!edid_native_size(d, 128, &w, &h), "bad header accepted");
    make_edid(d, 1920, 1080);
    CHECK(!edid_native_size(d, 127, &w, &h) && !edid_native_size(NULL, 128, &w, &h), "short or NULL accepted");
    make_edid(d, 1920, 1080);
    d[127] = (uint8_t)(d[127] + d[54] + d[55]);
    d[54] = d[55] = 0; /* a display descriptor, not a timing */
    CHECK(!edid_native_size(d, 128, &w, &h), "display descriptor taken for a timing");
    make_edid(d, 0, 1080);
    CHECK(!edid_native_size(d, 128, &w, &h), "zero width accepted");
}

/* ------------------------------------------------------------------------
 * pool
 * ------------------------------------------------------------------------ */

typedef struct kiln_memory_region region;
#define R(b, l, k) ((region){(b), (l), (k), 1})

static bool pool_is(const struct pool *p, const region *want, size_t n) {
    if (p->n != n) return false;
    for (size_t i = 0; i < n; i++)
        if (p->free[i].base != want[i].base || p->free[i].length != want[i].length) return false;
    return true;
}
static void pool_str(const struct pool *p, char *b, size_t len) {
    int w = 0;
    for (size_t i = 0; i < p->n && (size_t)w < len; i++)
        w += snprintf(b + w, len - (size_t)w, "[%llx,%llx) ", (unsigned long long)p->free[i].base,
                      (unsigned long long)(p->free[i].base + p->free[i].length));
}
#define EXPECT_POOL(p, ...) \
    do { \
        region want_[] = {__VA_ARGS__}; \
        char s_[300] = ""; \
        pool_str(p, s_, sizeof s_); \
        CHECK(pool_is(p, want_, ARRAY_LEN(want_)), "pool is %s", s_); \
    } while (0)

static const region pc_map[] = {
    R(0x0, 0x9f000, KILN_MEMORY_USABLE),
    R(0x9f000, 0x61000, KILN_MEMORY_RESERVED),
    R(0x100000, 0x7f00000, KILN_MEMORY_USABLE),  /* 1 MiB .. 128 MiB */
    R(0x8000000, 0x8000000, KILN_MEMORY_ACPI_RECLAIMABLE),
    R(0x10000800, 0xff000, KILN_MEMORY_USABLE),  /* unaligned at both ends */
    R(0x100000000, GIB(1), KILN_MEMORY_USABLE),  /* 4 GiB .. 5 GiB */
};

TEST(pool_init_floor_and_alignment) {
    struct pool p;
    region st[8];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 8);
    EXPECT_POOL(&p, R(0x100000, 0x7f00000, 1), R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_free_bytes(&p) == 0x7f00000 + 0xfe000 + GIB(1), "free bytes 0x%llx",
          (unsigned long long)pool_free_bytes(&p));
    /* a floor inside a usable range trims it */
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), 0x180800, st, 8);
    EXPECT_POOL(&p, R(0x181000, 0x8000000 - 0x181000, 1), R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    /* floor 0 keeps low memory */
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), 0, st, 8);
    CHECK(p.n == 4 && p.free[0].base == 0 && p.free[0].length == 0x9f000, "floor 0");
    /* storage for two ranges keeps the first two */
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 2);
    CHECK(p.n == 2, "capacity respected: %zu", p.n);
}

TEST(pool_exclude_cases) {
    struct pool p;
    region st[8];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 8);
    CHECK(pool_exclude(&p, 0x150000, 0x2000), "split");
    EXPECT_POOL(&p, R(0x100000, 0x50000, 1), R(0x152000, 0x7eae000, 1), R(0x10001000, 0xfe000, 1),
                R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x200800, 0x1000), "unaligned exclude widens to whole pages");
    EXPECT_POOL(&p, R(0x100000, 0x50000, 1), R(0x152000, 0xae000, 1), R(0x202000, 0x7dfe000, 1),
                R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x100000, 0x10000), "head");
    CHECK(pool_exclude(&p, 0x140000, 0x10000), "tail");
    EXPECT_POOL(&p, R(0x110000, 0x30000, 1), R(0x152000, 0xae000, 1), R(0x202000, 0x7dfe000, 1),
                R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x100000, 0x200000), "two whole ranges and the head of a third");
    EXPECT_POOL(&p, R(0x300000, 0x7d00000, 1), R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x7000000, 0x10002000 - 0x7000000), "the tail of one range and the head of the next");
    EXPECT_POOL(&p, R(0x300000, 0x6d00000, 1), R(0x10002000, 0xfd000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, GIB(8), GIB(1)), "outside everything");
    CHECK(pool_exclude(&p, 0x100000000, GIB(1)), "a whole range");
    EXPECT_POOL(&p, R(0x300000, 0x6d00000, 1), R(0x10002000, 0xfd000, 1));
    /* a split with no room for the second piece fails and changes nothing */
    region small[2];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), small, 2);
    CHECK(!pool_exclude(&p, 0x150000, 0x1000), "split with a full array");
    EXPECT_POOL(&p, R(0x100000, 0x7f00000, 1), R(0x10001000, 0xfe000, 1));
}

TEST(pool_alloc_top_down_and_limits) {
    struct pool p;
    region st[8];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 8);
    uint64_t total = pool_free_bytes(&p);
    CHECK(pool_alloc(&p, 1, UINT64_MAX) == GIB(5) - PAGE_SIZE, "highest page first");
    CHECK(pool_alloc(&p, 2, GIB(4)) == 0x100ff000 - 0x2000, "below 4 GiB");
    CHECK(pool_alloc(&p, 1, 0x8000800) == 0x7fff000, "an unaligned limit rounds down");
    CHECK(pool_alloc(&p, 0x100, 0x10100000) == 0x8000000 - 0x1000 - 0x100000,
          "a block that no longer fits the higher range comes from the next one");
    CHECK(pool_free_bytes(&p) == total - (1 + 2 + 1 + 0x100) * PAGE_SIZE, "accounting");
    CHECK(pool_alloc(&p, 0, UINT64_MAX) == 0, "0 pages");
    CHECK(pool_alloc(&p, UINT64_MAX, UINT64_MAX) == 0 && pool_alloc(&p, UINT64_C(1) << 52, UINT64_MAX) == 0,
          "absurd sizes");
    CHECK(pool_alloc(&p, 1, MIB(1)) == 0, "nothing below the floor");
    CHECK(pool_alloc(&p, GIB(1) / PAGE_SIZE, UINT64_MAX) == 0, "1 GiB no longer contiguous");
}

TEST(pool_exhaustion) {
    struct pool p;
    region st[4];
    region map[] = {R(MIB(1), KIB(64), KILN_MEMORY_USABLE), R(MIB(2), KIB(32), KILN_MEMORY_USABLE)};
    pool_init(&p, map, 2, MIB(1), st, 4);
    CHECK(pool_alloc(&p, 9, UINT64_MAX) == MIB(1) + KIB(64) - 9 * PAGE_SIZE, "9 pages only fit the lower range");
    uint64_t got[32];
    unsigned n = 0;
    for (uint64_t a; n < 32 && (a = pool_alloc(&p, 1, UINT64_MAX)) != 0;) got[n++] = a;
    CHECK(n == 15, "%u pages handed out, want 15", n);
    bool ordered = true;
    for (unsigned i = 1; i < n; i++) ordered = ordered && got[i] < got[i - 1];
    CHECK(ordered && got[0] == MIB(2) + KIB(32) - PAGE_SIZE, "top-down, distinct");
    CHECK(pool_free_bytes(&p) == 0 && p.n == 0, "empty: %zu ranges", p.n);
}

/* ------------------------------------------------------------------------
 * frames and the heap
 * ------------------------------------------------------------------------ */

static uint64_t no_memory(uint64_t pages, uint64_t limit) {
    (void)pages, (void)limit;
    return 0;
}

static const region *find_rec(uint64_t base, size_t *idx) {
    size_t n;
    const region *r = frames_records(&n);
    for (size_t i = 0; i < n; i++)
        if (r[i].base == base) {
            if (idx) *idx = i;
            return &r[i];
        }
    return NULL;
}

TEST(frames_records_and_merges) {
    mock_phys_init(MIB(4));
    memset(phys_ptr(MOCK_PHYS_BASE), 0xff, MIB(4)); /* garbage, so zeroing shows */
    frames_init(mock_phys_alloc, UINT64_MAX);
    uint64_t a = frames_alloc(2, KILN_MEMORY_KERNEL);
    uint64_t b = frames_alloc(1, KILN_MEMORY_KERNEL);
    uint64_t c = frames_alloc(1, KILN_MEMORY_PAGE_TABLES);
    uint64_t d = frames_alloc(3, KILN_MEMORY_KERNEL);
    CHECK(a == MOCK_PHYS_BASE && b == a + 0x2000 && c == a + 0x3000 && d == a + 0x4000, "allocation order");
    bool zero = true;
    for (uint64_t i = 0; i < 7 * PAGE_SIZE; i++) zero = zero && ((uint8_t *)phys_ptr(a))[i] == 0;
    CHECK(zero, "frames_alloc zeroes");
    size_t n;
    const region *r = frames_records(&n);
    CHECK(n == 3, "%zu records", n);
    CHECK(r[0].base == a && r[0].length == 0x3000 && r[0].kind == KILN_MEMORY_KERNEL &&
              r[0].firmware_type == KILN_FIRMWARE_TYPE_NONE,
          "a and b merged: [0x%llx +0x%llx)", (unsigned long long)r[0].base, (unsigned long long)r[0].length);
    CHECK(r[1].base == c && r[1].length == 0x1000 && r[1].kind == KILN_MEMORY_PAGE_TABLES, "c");
    CHECK(r[2].base == d && r[2].length == 0x3000 && r[2].kind == KILN_MEMORY_KERNEL, "d not merged across c");
    CHECK(frames_total(KILN_MEMORY_KERNEL) == 0x6000 && frames_total(KILN_MEMORY_PAGE_TABLES) == 0x1000 &&
              frames_total(KILN_MEMORY_MODULE) == 0,
          "totals");
    /* recorded ranges merge from either side */
    CHECK(frames_record(GIB(1), 0x1000, KILN_MEMORY_MODULE) && frames_record(GIB(1) - 0x2000, 0x2000, KILN_MEMORY_MODULE) &&
              frames_record(GIB(1) + 0x1000, 0x1000, KILN_MEMORY_MODULE),
          "records");
    const region *m = find_rec(GIB(1) - 0x2000, NULL);
    CHECK(m && m->length == 0x4000 && frames_records(&n) && n == 4, "merged both ways: %zu records", n);
    CHECK(frames_record(0x5000, 0, KILN_MEMORY_BAD) && frames_records(&n) && n == 4, "empty record ignored");
    /* allocation limits and exhaustion */
    frames_init(mock_phys_alloc, MOCK_PHYS_BASE + 0x10000);
    CHECK(frames_alloc(MIB(1) / PAGE_SIZE, KILN_MEMORY_KERNEL) == 0, "past the default limit");
    CHECK(frames_alloc_below(1, KILN_MEMORY_KERNEL, MOCK_PHYS_BASE + 0x7800) == 0, "past an explicit limit");
    CHECK(frames_alloc_below(1, KILN_MEMORY_KERNEL, UINT64_MAX) == MOCK_PHYS_BASE + 0x7000, "an explicit higher limit");
    CHECK(frames_alloc(0, KILN_MEMORY_KERNEL) == 0, "0 pages");
    frames_init(no_memory, UINT64_MAX);
    CHECK(frames_alloc(1, KILN_MEMORY_KERNEL) == 0 && frames_records(&n) && n == 0, "no memory: nothing recorded");
}

TEST(frames_grow_past_static_records) {
    mock_phys_init(MIB(4));
    frames_init(mock_phys_alloc, UINT64_MAX);
    /* 300 non-adjacent ranges: the array grows twice (64 -> 256 -> 1024) */
    for (unsigned i = 0; i < 300; i++)
        REQUIRE(frames_record(GIB(2) + i * 0x2000, 0x1000, i % 2 ? KILN_MEMORY_MODULE : KILN_MEMORY_KERNEL),
                "record %u", i);
    size_t n;
    const region *r = frames_records(&n);
    CHECK(n == 302, "%zu records: 300 and the two arrays", n);
    unsigned found = 0;
    for (unsigned i = 0; i < 300; i++) {
        size_t idx;
        const region *x = find_rec(GIB(2) + i * 0x2000, &idx);
        if (x && x->length == 0x1000 && x->kind == (i % 2 ? KILN_MEMORY_MODULE : KILN_MEMORY_KERNEL)) found++;
    }
    CHECK(found == 300, "%u of 300 records intact", found);
    /* the arrays themselves are recorded as loader memory */
    CHECK(r[64].kind == KILN_MEMORY_BOOTLOADER_RECLAIMABLE && r[64].base == MOCK_PHYS_BASE && r[64].length == 0x2000,
          "first array: [0x%llx +0x%llx) kind %u", (unsigned long long)r[64].base, (unsigned long long)r[64].length,
          r[64].kind);
    CHECK(r[256].kind == KILN_MEMORY_BOOTLOADER_RECLAIMABLE && r[256].base == MOCK_PHYS_BASE + 0x2000 &&
              r[256].length == 0x6000,
          "second array");
    CHECK((const void *)r == phys_ptr(MOCK_PHYS_BASE + 0x2000), "records live in the second array");
    /* growth that cannot get memory fails cleanly */
    frames_init(no_memory, UINT64_MAX);
    for (unsigned i = 0; i < 64; i++) REQUIRE(frames_record(i * 0x2000, 0x1000, KILN_MEMORY_KERNEL), "record %u", i);
    CHECK(!frames_record(GIB(1), 0x1000, KILN_MEMORY_KERNEL), "65th record without memory");
    CHECK(frames_record(63 * 0x2000 + 0x1000, 0x1000, KILN_MEMORY_KERNEL), "a merge still works when full");
}

TEST(heap_zeroed_aligned_disjoint) {
    mock_phys_init(MIB(4));
    memset(phys_ptr(MOCK_PHYS_BASE), 0xff, MIB(4));
    frames_init(mock_phys_alloc, UINT64_MAX);
    static const uint64_t sizes[] = {1, 10, 16, 17, 0, 100, 4096, 60000, 100000, 3, KIB(64), 5};
    uint8_t *p[ARRAY_LEN(sizes)];
    for (unsigned i = 0; i < ARRAY_LEN(sizes); i++) {
        p[i] = heap_alloc(sizes[i]);
        REQUIRE(p[i], "heap_alloc(%llu)", (unsigned long long)sizes[i]);
        CHECK(((uintptr_t)p[i] & 15) == 0, "heap_alloc(%llu) = %p is not 16-byte aligned", (unsigned long long)sizes[i],
              (void *)p[i]);
        bool zero = true;
        for (uint64_t k = 0; k < sizes[i]; k++) zero = zero && p[i][k] == 0;
        CHECK(zero, "heap_alloc(%llu) not zeroed", (unsigned long long)sizes[i]);
        memset(p[i], 0xcc, sizes[i]);
    }
    for (unsigned i = 0; i < ARRAY_LEN(sizes); i++)
        for (unsigned j = 0; j < i; j++) {
            uint64_t si = sizes[i] ? sizes[i] : 1, sj = sizes[j] ? sizes[j] : 1;
            CHECK(p[i] + si <= p[j] || p[j] + sj <= p[i], "allocations %u and %u overlap", j, i);
        }
    uint64_t blr = frames_total(KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
    CHECK(blr >= KIB(64) && blr % PAGE_SIZE == 0, "the heap is bootloader-reclaimable: 0x%llx", (unsigned long long)blr);
    /* sizes no memory can hold fail, even while the current chunk has room */
    CHECK(heap_alloc(8), "a small allocation");
    static const uint64_t absurd[] = {UINT64_MAX, UINT64_MAX - 15, UINT64_MAX - PAGE_SIZE, UINT64_C(1) << 63, GIB(64)};
    for (unsigned i = 0; i < ARRAY_LEN(absurd); i++)
        CHECK(heap_alloc(absurd[i]) == NULL, "heap_alloc(0x%llx) did not fail", (unsigned long long)absurd[i]);
    CHECK(frames_total(KILN_MEMORY_BOOTLOADER_RECLAIMABLE) == blr, "failed allocations took no memory");
    frames_init(no_memory, UINT64_MAX);
    CHECK(heap_alloc(16) == NULL, "exhausted heap returns NULL");
}

/* ------------------------------------------------------------------------
 * RSDP and SMBIOS
 * ------------------------------------------------------------------------ */

static uint8_t sum8(const uint8_t *p, size_t n) {
    uint8_t s = 0;
    while (n--) s = (uint8_t)(s + *p++);
    return s;
}
static void fix_sum(uint8_t *p, size_t n, size_t at) {
    p[at] = 0;
    p[at] = (uint8_t)(0x100 - sum8(p, n));
}

static void make_rsdp(uint8_t *p, uint8_t rev, uint32_t len) {
    memset(p, 0, 36);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "KILNOE", 6);
    p[15] = rev;
    p[16] = 0x00, p[17] = 0xe0, p[18] = 0x0f; /* RSDT at 0xfe000 */
    fix_sum(p, 20, 8);
    if (rev >= 2) {
        memcpy(p + 20, &len, 4);
        p[24] = 0x40; /* XSDT */
        fix_sum(p, len, 32);
    }
}

TEST(rsdp) {
    uint8_t *p = calloc(1, 4096);
    make_rsdp(p, 0, 0);
    CHECK(rsdp_valid(p, 4096), "ACPI 1.0 RSDP");
    p[10] ^= 1;
    CHECK(!rsdp_valid(p, 4096), "bad checksum accepted");
    make_rsdp(p, 0, 0);
    p[7] = '_', fix_sum(p, 20, 8);
    CHECK(!rsdp_valid(p, 4096), "bad signature accepted");
    make_rsdp(p, 2, 36);
    CHECK(rsdp_valid(p, 4096), "ACPI 2.0 RSDP");
    p[33] ^= 1; /* a reserved byte: only the extended checksum covers it */
    CHECK(!rsdp_valid(p, 4096), "bad extended checksum accepted");
    make_rsdp(p, 2, 36);
    p[8] ^= 1;
    CHECK(!rsdp_valid(p, 4096), "bad v1 checksum on a v2 RSDP accepted");
    make_rsdp(p, 2, 35);
    CHECK(!rsdp_valid(p, 4096), "length 35 accepted");
    /* the length field is outside the v1 checksum, so these stay v1-valid */
    static const uint32_t bad_len[] = {4097, 0xffffffffu, 0};
    for (unsigned i = 0; i < ARRAY_LEN(bad_len); i++) {
        make_rsdp(p, 2, 36);
        memcpy(p + 20, &bad_len[i], 4);
        CHECK(!rsdp_valid(p, 4096), "length %u accepted", bad_len[i]);
    }
    make_rsdp(p, 2, 4096); /* the largest: the extended checksum covers all of it */
    CHECK(rsdp_valid(p, 4096), "length 4096");
    CHECK(!rsdp_valid(p, 4095), "a length past the readable bytes accepted");
    make_rsdp(p, 2, 36);
    CHECK(!rsdp_valid(p, 30), "a v2 RSDP with fewer than 36 readable bytes accepted");
    make_rsdp(p, 0, 0);
    CHECK(!rsdp_valid(p, 19), "an RSDP with fewer than 20 readable bytes accepted");
    free(p); /* (ASan: nothing read past the 4 KiB block) */
}

static void make_sm2(uint8_t *p, uint8_t len) {
    memset(p, 0, 0x40);
    memcpy(p, "_SM_", 4);
    p[5] = len;
    p[6] = 2, p[7] = 8;    /* version 2.8 */
    p[8] = 0x40;           /* max structure size */
    memcpy(p + 0x10, "_DMI_", 5);
    p[0x16] = 0x00, p[0x17] = 0x10; /* table length */
    p[0x18] = 0x00, p[0x19] = 0x00, p[0x1a] = 0x0f; /* table at 0xf0000 */
    p[0x1c] = 20;          /* structure count */
    p[0x1e] = 0x28;
    fix_sum(p + 0x10, 0x0f, 5);
    fix_sum(p, len, 4);
}

static void make_sm3(uint8_t *p, uint8_t len) {
    memset(p, 0, 0x40);
    memcpy(p, "_SM3_", 5);
    p[6] = len;
    p[7] = 3, p[8] = 4; /* 3.4 */
    p[10] = 1;
    p[12] = 0x00, p[13] = 0x20;
    p[16] = 0x00, p[17] = 0x00, p[18] = 0x0f;
    fix_sum(p, len, 5);
}

TEST(smbios) {
    uint8_t *p = calloc(1, 0x40);
    make_sm2(p, 0x1f);
    CHECK(smbios2_valid(p), "SMBIOS 2 entry point");
    p[0x0b] ^= 1;
    CHECK(!smbios2_valid(p), "bad checksum accepted");
    make_sm2(p, 0x1f);
    p[0x1c] ^= 1;
    fix_sum(p, 0x1f, 4); /* the outer checksum is right again; the intermediate one is not */
    CHECK(!smbios2_valid(p), "bad intermediate checksum accepted");
    make_sm2(p, 0x1f);
    p[0x11] = 'X', fix_sum(p + 0x10, 0x0f, 5), fix_sum(p, 0x1f, 4);
    CHECK(!smbios2_valid(p), "bad _DMI_ anchor accepted");
    make_sm2(p, 0x1e); /* the SMBIOS 2.1 erratum length, which real firmware uses */
    CHECK(smbios2_valid(p), "length 0x1e refused");
    make_sm2(p, 0x1d);
    CHECK(!smbios2_valid(p), "length 0x1d accepted");
    make_sm2(p, 0x40);
    CHECK(smbios2_valid(p), "length 0x40");
    p[5] = 0x41, fix_sum(p, 0x40, 4);
    CHECK(!smbios2_valid(p), "length 0x41 accepted");
    make_sm3(p, 0x18);
    CHECK(smbios3_valid(p) && !smbios2_valid(p), "SMBIOS 3 entry point");
    p[0x10] ^= 1;
    CHECK(!smbios3_valid(p), "bad SMBIOS 3 checksum accepted");
    make_sm3(p, 0x17);
    CHECK(!smbios3_valid(p), "length 0x17 accepted");
    make_sm3(p, 0x18);
    p[6] = 0xff, fix_sum(p, 0x18, 5);
    CHECK(!smbios3_valid(p), "absurd length accepted");
    make_sm3(p, 0x18);
    p[4] = '4', fix_sum(p, 0x18, 5);
    CHECK(!smbios3_valid(p), "bad anchor accepted");
    make_sm2(p, 0x1f);
    CHECK(!smbios3_valid(p), "SMBIOS 2 taken for 3");
    free(p);
}

TEST(legacy_scans) {
    mock_phys_init(0x20000);
    uint64_t base = MOCK_PHYS_BASE;
    uint8_t *m = phys_ptr(base);
    make_rsdp(m + 0x100, 0, 0);
    m[0x100 + 9] ^= 1; /* a decoy with a bad checksum */
    make_rsdp(m + 0x1238, 0, 0); /* a valid one off the 16-byte grid: never looked at */
    make_rsdp(m + 0x2340, 2, 36);
    make_rsdp(m + 0x3000, 0, 0);
    CHECK(rsdp_scan(base, 0x10000) == base + 0x2340, "rsdp_scan: 0x%llx", (unsigned long long)rsdp_scan(base, 0x10000));
    CHECK(rsdp_scan(base, 0x2340 + 35) == 0, "a range too short for the RSDP");
    CHECK(rsdp_scan(base + 0x2350, 0x8000) == base + 0x3000, "a later start");
    make_sm3(m + 0x4000, 0x18);
    make_sm2(m + 0x5010, 0x1f);
    make_sm2(m + 0x6000, 0x1f);
    uint64_t sm2 = 0, sm3 = 0;
    smbios_scan(base, 0x10000, &sm2, &sm3);
    CHECK(sm2 == base + 0x5010 && sm3 == base + 0x4000, "smbios_scan: 0x%llx 0x%llx", (unsigned long long)sm2,
          (unsigned long long)sm3);
    sm2 = 0x1234, sm3 = 0;
    smbios_scan(base, 0x10000, &sm2, &sm3);
    CHECK(sm2 == 0x1234 && sm3 == base + 0x4000, "a value already found is kept");
}

int main(void) {
    RUN(fmt_integers);
    RUN(fmt_width_and_flags);
    RUN(fmt_strings);
    RUN(fmt_odd_formats);
    RUN(fmt_truncation);
    RUN(err_set_and_prefix);
    RUN(crc32_vectors);
    RUN(video_none_and_empty);
    RUN(video_auto);
    RUN(video_keep);
    RUN(video_preferred_max_min);
    RUN(video_depth_preference);
    RUN(edid_native);
    RUN(pool_init_floor_and_alignment);
    RUN(pool_exclude_cases);
    RUN(pool_alloc_top_down_and_limits);
    RUN(pool_exhaustion);
    RUN(frames_records_and_merges);
    RUN(frames_grow_past_static_records);
    RUN(heap_zeroed_aligned_disjoint);
    RUN(rsdp);
    RUN(smbios);
    RUN(legacy_scans);
    return test_summary();
}
