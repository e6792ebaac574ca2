/* test_video.c - choosing a video mode and reading EDID (common/video.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/video.h"
#include "core/util.h"
#include "tests/unit/testlib.h"

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
