/* test_fbcon.c - libkiln/fbcon.c, the framebuffer console.
 *
 * Framebuffers live in heap blocks with guard bytes on both sides; every
 * byte (guards and pitch padding included) starts as FILL, so stray writes
 * show up as changed guard or padding bytes. Each test below groups the
 * checks of one scenario; a failing check names itself in the [FAIL] line. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/fbcon.h>
#include <kiln/font.h>
#include "tests/unit/testlib.h"

#define GUARD 256
#define FILL 0x5a

/* Every check of the original test, counted by testlib. */
#define check(cond, what) CHECK(cond, "%s", what)

struct testfb {
    struct kiln_framebuffer fb;
    uint8_t *block; /* GUARD | pitch * height | GUARD */
    uint8_t *pix;
    size_t size;
};

/* Masks: {rsize, rshift, gsize, gshift, bsize, bshift}. */
static struct testfb make_fb(uint32_t w, uint32_t h, uint32_t pitch, uint16_t bpp, const uint8_t m[6]) {
    struct testfb t;
    memset(&t, 0, sizeof(t));
    t.fb.width = w;
    t.fb.height = h;
    t.fb.pitch = pitch;
    t.fb.bpp = bpp;
    t.fb.memory_model = KILN_FB_RGB;
    t.fb.red_mask_size = m[0];
    t.fb.red_mask_shift = m[1];
    t.fb.green_mask_size = m[2];
    t.fb.green_mask_shift = m[3];
    t.fb.blue_mask_size = m[4];
    t.fb.blue_mask_shift = m[5];
    t.size = (size_t)pitch * h;
    t.fb.size = t.size;
    t.block = malloc(t.size + 2 * GUARD);
    if (!t.block) {
        perror("malloc");
        exit(2);
    }
    memset(t.block, FILL, t.size + 2 * GUARD);
    t.pix = t.block + GUARD;
    return t;
}

static bool guards_intact(const struct testfb *t) {
    for (size_t i = 0; i < GUARD; i++)
        if (t->block[i] != FILL || t->pix[t->size + i] != FILL) return false;
    return true;
}

/* The bytes of each scan line past width * bytes-per-pixel stay FILL. */
static bool padding_intact(const struct testfb *t) {
    size_t used = (size_t)t->fb.width * (t->fb.bpp / 8);
    for (uint32_t y = 0; y < t->fb.height; y++)
        for (size_t i = used; i < t->fb.pitch; i++)
            if (t->pix[(size_t)y * t->fb.pitch + i] != FILL) return false;
    return true;
}

static uint32_t read_px(const struct testfb *t, uint32_t x, uint32_t y) {
    const uint8_t *p = t->pix + (size_t)y * t->fb.pitch + (size_t)x * (t->fb.bpp / 8);
    uint32_t v = 0;
    for (uint32_t i = 0; i < t->fb.bpp / 8u; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}

/* Does text cell (col, row) show ch, glyph pixels as fgv, the rest as bgv? */
static bool cell_shows(const struct testfb *t, uint32_t col, uint32_t row, char ch, uint32_t fgv, uint32_t bgv) {
    const uint8_t *g = kiln_font_glyph(ch);
    for (uint32_t gy = 0; gy < KILN_FONT_HEIGHT; gy++)
        for (uint32_t gx = 0; gx < KILN_FONT_WIDTH; gx++) {
            uint32_t want = (g[gy] & (0x80u >> gx)) ? fgv : bgv;
            if (read_px(t, col * KILN_FONT_WIDTH + gx, row * KILN_FONT_HEIGHT + gy) != want) return false;
        }
    return true;
}

/* Is the pixel rectangle all value v? */
static bool rect_is(const struct testfb *t, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t v) {
    for (uint32_t j = y; j < y + h; j++)
        for (uint32_t i = x; i < x + w; i++)
            if (read_px(t, i, j) != v) return false;
    return true;
}

static const uint8_t MASK_BGR32[6] = {8, 16, 8, 8, 8, 0}; /* 0x00RRGGBB */
static const uint8_t MASK_RGB32[6] = {8, 0, 8, 8, 8, 16}; /* 0x00BBGGRR */
static const uint8_t MASK_565[6] = {5, 11, 6, 5, 5, 0};
static const uint8_t MASK_BGR24[6] = {8, 16, 8, 8, 8, 0};
static const uint8_t MASK_RGB24[6] = {8, 0, 8, 8, 8, 16};

#define FG 0xff8040u
#define BG 0x123456u

/* Draws 'A' at (0,0) and 'g' at (2,1) and checks them pixel by pixel against
 * hand-computed pixel values for FG and BG. */
static void glyph_test(const char *name, uint32_t w, uint32_t h, uint32_t pitch, uint16_t bpp, const uint8_t m[6],
                       uint32_t fgv, uint32_t bgv) {
    char what[160];
    struct testfb t = make_fb(w, h, pitch, bpp, m);
    struct kiln_fbcon c;
    snprintf(what, sizeof what, "%s: init", name);
    check(kiln_fbcon_init(&c, t.pix, &t.fb), what);
    snprintf(what, sizeof what, "%s: pixel values (fg %#x, bg %#x)", name, fgv, bgv);
    check(kiln_fbcon_pixel(&c, FG) == fgv && kiln_fbcon_pixel(&c, BG) == bgv, what);
    snprintf(what, sizeof what, "%s: default colours and cleared screen", name);
    check(c.fg == 0xaaaaaa && c.bg == 0 && c.x == 0 && c.y == 0 && rect_is(&t, 0, 0, w, h, 0), what);

    kiln_fbcon_set_color(&c, FG, BG);
    kiln_fbcon_clear(&c);
    snprintf(what, sizeof what, "%s: clear fills with bg", name);
    check(rect_is(&t, 0, 0, w, h, bgv), what);

    kiln_fbcon_write(&c, "A\n  g");
    snprintf(what, sizeof what, "%s: 'A' at cell (0,0)", name);
    check(cell_shows(&t, 0, 0, 'A', fgv, bgv), what);
    snprintf(what, sizeof what, "%s: 'g' at cell (2,1)", name);
    check(cell_shows(&t, 2, 1, 'g', fgv, bgv), what);
    snprintf(what, sizeof what, "%s: neighbouring cells untouched", name);
    check(rect_is(&t, 8, 0, w - 8, 16, bgv) && rect_is(&t, 0, 16, 16, 16, bgv) &&
              rect_is(&t, 24, 16, w - 24, 16, bgv),
          what);
    snprintf(what, sizeof what, "%s: cursor after text", name);
    check(c.x == 3 && c.y == 1, what);
    snprintf(what, sizeof what, "%s: guards and padding intact", name);
    check(guards_intact(&t) && padding_intact(&t), what);
    free(t.block);
}

static void pixel_test(void) {
    uint8_t m444[6] = {4, 8, 4, 4, 4, 0};
    uint8_t nogreen[6] = {8, 16, 0, 0, 8, 0};
    uint8_t m555[6] = {5, 10, 5, 5, 5, 0};
    struct testfb t = make_fb(16, 16, 64, 32, m444);
    struct kiln_fbcon c;
    kiln_fbcon_init(&c, t.pix, &t.fb);
    check(kiln_fbcon_pixel(&c, 0xabcdef) == 0xace, "pixel: 4:4:4 takes the top bits");
    free(t.block);
    t = make_fb(16, 16, 64, 32, nogreen);
    kiln_fbcon_init(&c, t.pix, &t.fb);
    check(kiln_fbcon_pixel(&c, 0xabcdef) == 0xab00ef, "pixel: absent channel (size 0) is 0");
    free(t.block);
    t = make_fb(16, 16, 32, 16, m555);
    kiln_fbcon_init(&c, t.pix, &t.fb);
    check(kiln_fbcon_pixel(&c, 0xffffff) == 0x7fff && kiln_fbcon_pixel(&c, 0x080808) == 0x0421,
          "pixel: 5:5:5 white and dark grey");
    free(t.block);
}

/* 4 cols x 3 rows. Text scrolls up one row; the new last row is bg. */
static void scroll_test(uint16_t bpp, const uint8_t m[6]) {
    char what[120];
    uint32_t bypp = bpp / 8u, w = 35, h = 50; /* partial column and row at the edges */
    struct testfb t = make_fb(w, h, w * bypp + 5, bpp, m);
    struct kiln_fbcon c;
    kiln_fbcon_init(&c, t.pix, &t.fb);
    kiln_fbcon_set_color(&c, FG, BG);
    kiln_fbcon_clear(&c);
    uint32_t fgv = kiln_fbcon_pixel(&c, FG), bgv = kiln_fbcon_pixel(&c, BG);
    check(c.cols == 4 && c.rows == 3, "scroll: 35x50 gives 4x3 cells");

    kiln_fbcon_write(&c, "AB\nCD\nEF");
    snprintf(what, sizeof what, "scroll %ubpp: three rows before scrolling", bpp);
    check(cell_shows(&t, 0, 0, 'A', fgv, bgv) && cell_shows(&t, 1, 2, 'F', fgv, bgv) && c.y == 2, what);

    kiln_fbcon_putc(&c, '\n');
    snprintf(what, sizeof what, "scroll %ubpp: rows moved up by one", bpp);
    check(cell_shows(&t, 0, 0, 'C', fgv, bgv) && cell_shows(&t, 1, 0, 'D', fgv, bgv) &&
              cell_shows(&t, 0, 1, 'E', fgv, bgv) && cell_shows(&t, 1, 1, 'F', fgv, bgv),
          what);
    snprintf(what, sizeof what, "scroll %ubpp: last text row cleared, cursor at its start", bpp);
    check(rect_is(&t, 0, 32, 32, 16, bgv) && c.x == 0 && c.y == 2, what);

    kiln_fbcon_set_color(&c, BG, FG); /* the new row is cleared with the current bg */
    kiln_fbcon_write(&c, "G\n");
    snprintf(what, sizeof what, "scroll %ubpp: second scroll, inverted colours", bpp);
    check(cell_shows(&t, 0, 0, 'E', fgv, bgv) && cell_shows(&t, 0, 1, 'G', bgv, fgv) &&
              rect_is(&t, 0, 32, 32, 16, fgv),
          what);
    snprintf(what, sizeof what, "scroll %ubpp: guards and padding intact", bpp);
    check(guards_intact(&t) && padding_intact(&t), what);
    free(t.block);
}

/* 2 cols x 20 rows: a console of 16 rows or more scrolls a quarter of its
 * rows at a time (5 here), so the framebuffer is read less often. */
static void jump_scroll_test(void) {
    struct testfb t = make_fb(16, 20 * 16, 16 * 4, 32, MASK_BGR32);
    struct kiln_fbcon c;
    kiln_fbcon_init(&c, t.pix, &t.fb);
    kiln_fbcon_set_color(&c, FG, BG);
    kiln_fbcon_clear(&c);
    uint32_t fgv = kiln_fbcon_pixel(&c, FG), bgv = kiln_fbcon_pixel(&c, BG);
    check(c.rows == 20, "jump scroll: 20 rows");
    for (int i = 0; i < 20; i++) {
        kiln_fbcon_putc(&c, (char)('A' + i));
        if (i < 19) kiln_fbcon_putc(&c, '\n');
    }
    check(c.y == 19 && cell_shows(&t, 0, 0, 'A', fgv, bgv) && cell_shows(&t, 0, 19, 'T', fgv, bgv),
          "jump scroll: a full screen before scrolling");
    kiln_fbcon_putc(&c, '\n');
    check(c.y == 15 && c.x == 0, "jump scroll: the cursor is 5 rows up from the bottom");
    check(cell_shows(&t, 0, 0, 'F', fgv, bgv) && cell_shows(&t, 0, 14, 'T', fgv, bgv),
          "jump scroll: the text moved up by 5 rows");
    check(rect_is(&t, 0, 15 * 16, 16, 5 * 16, bgv), "jump scroll: the 5 freed rows are cleared");
    kiln_fbcon_putc(&c, 'U');
    check(cell_shows(&t, 0, 15, 'U', fgv, bgv) && guards_intact(&t) && padding_intact(&t),
          "jump scroll: writing continues below the old text");
    free(t.block);
}

static void control_test(void) {
    struct testfb t = make_fb(80, 32, 320, 32, MASK_BGR32); /* 10 x 2 cells */
    struct kiln_fbcon c;
    kiln_fbcon_init(&c, t.pix, &t.fb);
    kiln_fbcon_write(&c, "ab\tc");
    check(c.x == 9 && c.y == 0 && cell_shows(&t, 8, 0, 'c', 0xaaaaaa, 0), "control: tab to column 8");
    kiln_fbcon_write(&c, "\b\bX");
    check(c.x == 8 && cell_shows(&t, 7, 0, 'X', 0xaaaaaa, 0), "control: backspace");
    kiln_fbcon_write(&c, "\rY");
    check(c.x == 1 && c.y == 0 && cell_shows(&t, 0, 0, 'Y', 0xaaaaaa, 0), "control: carriage return");
    kiln_fbcon_putc(&c, '\r');
    kiln_fbcon_putc(&c, '\b');
    check(c.x == 0 && c.y == 0, "control: backspace at column 0 stays");

    kiln_fbcon_clear(&c);
    kiln_fbcon_write(&c, "0123456789");
    check(c.x == 10 && c.y == 0, "wrap: full line leaves the cursor pending at the end");
    kiln_fbcon_putc(&c, '\n');
    check(c.x == 0 && c.y == 1, "wrap: newline after a full line does not add an empty line");
    kiln_fbcon_clear(&c);
    kiln_fbcon_write(&c, "0123456789Z");
    check(c.x == 1 && c.y == 1 && cell_shows(&t, 0, 1, 'Z', 0xaaaaaa, 0), "wrap: next character wraps");
    kiln_fbcon_clear(&c);
    kiln_fbcon_write(&c, "012345678\t");
    check(c.x == 10 && c.y == 0, "wrap: tab past the end stops at the end");
    kiln_fbcon_putc(&c, 'T');
    check(c.x == 1 && c.y == 1 && cell_shows(&t, 0, 1, 'T', 0xaaaaaa, 0), "wrap: character after such a tab wraps");
    check(guards_intact(&t) && padding_intact(&t), "control: guards intact");
    free(t.block);
}

/* A long stream of every byte value on odd-sized screens; nothing outside
 * the framebuffer (or in the pitch padding) may change. */
static void overrun_test(uint16_t bpp, const uint8_t m[6], uint32_t w, uint32_t h, uint32_t pad) {
    char what[120];
    struct testfb t = make_fb(w, h, w * (bpp / 8u) + pad, bpp, m);
    struct kiln_fbcon c;
    bool ok = kiln_fbcon_init(&c, t.pix, &t.fb);
    uint32_t seed = 12345;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        char ch = (char)(seed >> 16);
        if (i % 97 == 0) kiln_fbcon_set_color(&c, seed & 0xffffff, (seed >> 8) & 0xffffff);
        kiln_fbcon_putc(&c, ch);
        if (c.y >= c.rows || c.x > c.cols) ok = false;
    }
    for (uint32_t i = 0; i < 300; i++) kiln_fbcon_write(&c, "a fairly long line that wraps around several times over\n");
    kiln_fbcon_fill(&c, w - 3, h - 2, 1000, 1000, 0xffffff);
    kiln_fbcon_fill(&c, w, 0, 5, 5, 0xffffff);
    kiln_fbcon_fill(&c, 0, h, 5, 5, 0xffffff);
    kiln_fbcon_fill(&c, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffff);
    kiln_fbcon_fill(&c, 1, 1, 0xffffffffu, 0xffffffffu, 0xffffff);
    snprintf(what, sizeof what, "overrun %ubpp %ux%u pad %u: guards and padding intact", bpp, w, h, pad);
    check(ok && guards_intact(&t) && padding_intact(&t), what);
    free(t.block);
}

static void fill_test(void) {
    struct testfb t = make_fb(20, 20, 60, 24, MASK_RGB24);
    struct kiln_fbcon c;
    kiln_fbcon_init(&c, t.pix, &t.fb);
    kiln_fbcon_fill(&c, 17, 18, 100, 100, 0x0000ff); /* blue; b shift 16 */
    check(rect_is(&t, 17, 18, 3, 2, 0xff0000) && rect_is(&t, 0, 0, 20, 18, 0) && rect_is(&t, 0, 18, 17, 2, 0),
          "fill: clipped to the screen (24bpp)");
    kiln_fbcon_fill(&c, 2, 3, 0, 5, 0xffffff);
    kiln_fbcon_fill(&c, 2, 3, 5, 0, 0xffffff);
    check(rect_is(&t, 0, 0, 20, 18, 0) && guards_intact(&t), "fill: empty rectangles draw nothing");
    free(t.block);
}

static bool refuses(struct kiln_framebuffer fb, const char *what) {
    struct testfb t = make_fb(64, 64, 64 * 4, 32, MASK_BGR32);
    struct kiln_fbcon c;
    bool refused = !kiln_fbcon_init(&c, t.pix, &fb);
    kiln_fbcon_putc(&c, 'x'); /* a refused console ignores output */
    kiln_fbcon_clear(&c);
    kiln_fbcon_fill(&c, 0, 0, 10, 10, 0xffffff);
    bool untouched = true;
    for (size_t i = 0; i < t.size; i++)
        if (t.pix[i] != FILL) untouched = false;
    check(refused && untouched && guards_intact(&t), what);
    free(t.block);
    return refused;
}

static void init_test(void) {
    struct testfb good = make_fb(64, 64, 64 * 4, 32, MASK_BGR32);
    struct kiln_framebuffer fb;
    struct kiln_fbcon c;
    check(kiln_fbcon_init(&c, good.pix, &good.fb), "init: accepts 32bpp 64x64");
    check(!kiln_fbcon_init(&c, NULL, &good.fb), "init: refuses a null base");

    fb = good.fb; fb.memory_model = 0; refuses(fb, "init: refuses memory model 0");
    fb = good.fb; fb.memory_model = 2; refuses(fb, "init: refuses memory model 2");
    fb = good.fb; fb.bpp = 8; refuses(fb, "init: refuses 8bpp");
    fb = good.fb; fb.bpp = 15; refuses(fb, "init: refuses 15bpp");
    fb = good.fb; fb.bpp = 64; refuses(fb, "init: refuses 64bpp");
    fb = good.fb; fb.width = 7; refuses(fb, "init: refuses width 7");
    fb = good.fb; fb.height = 15; refuses(fb, "init: refuses height 15");
    fb = good.fb; fb.width = 0; fb.height = 0; refuses(fb, "init: refuses 0x0");
    fb = good.fb; fb.pitch = 64 * 4 - 1; refuses(fb, "init: refuses pitch < width * 4");
    fb = good.fb; fb.bpp = 24; fb.pitch = 64 * 3 - 1; refuses(fb, "init: refuses pitch < width * 3 (24bpp)");
    fb = good.fb; fb.red_mask_size = 9; refuses(fb, "init: refuses red mask size 9");
    fb = good.fb; fb.green_mask_size = 9; refuses(fb, "init: refuses green mask size 9");
    fb = good.fb; fb.blue_mask_size = 16; refuses(fb, "init: refuses blue mask size 16");
    fb = good.fb; fb.red_mask_shift = 25; refuses(fb, "init: refuses red mask past bit 31");
    fb = good.fb; fb.bpp = 16; fb.red_mask_shift = 11; fb.red_mask_size = 8;
    refuses(fb, "init: refuses a 16bpp mask past bit 15");
    fb = good.fb; fb.blue_mask_shift = 200; refuses(fb, "init: refuses shift 200");

    struct testfb tiny = make_fb(8, 16, 8 * 2, 16, MASK_565);
    check(kiln_fbcon_init(&c, tiny.pix, &tiny.fb) && c.cols == 1 && c.rows == 1, "init: accepts 8x16 (one cell)");
    kiln_fbcon_write(&c, "abc\ndef\n\t\b\rxyz");
    check(cell_shows(&tiny, 0, 0, 'z', kiln_fbcon_pixel(&c, 0xaaaaaa), 0) && guards_intact(&tiny),
          "init: one-cell console scrolls in place");
    free(tiny.block);
    free(good.block);
}

/* --- the tests --------------------------------------------------------- */

/* 32bpp, red at bit 16 (B,G,R,x in memory): FG 0xff8040 -> 0x00ff8040. */
TEST(glyphs_32bpp_r16_g8_b0) { glyph_test("32bpp r16 g8 b0", 40, 40, 40 * 4 + 16, 32, MASK_BGR32, 0x00ff8040u, 0x00123456u); }
/* 32bpp, red at bit 0 (R,G,B,x in memory). */
TEST(glyphs_32bpp_r0_g8_b16) { glyph_test("32bpp r0 g8 b16", 40, 40, 40 * 4, 32, MASK_RGB32, 0x004080ffu, 0x00563412u); }
/* 24bpp, both orders; pitch == width * 3 so a 4-byte store would hit the guard. */
TEST(glyphs_24bpp_r16_g8_b0) { glyph_test("24bpp r16 g8 b0", 40, 40, 40 * 3, 24, MASK_BGR24, 0xff8040u, 0x123456u); }
TEST(glyphs_24bpp_r0_g8_b16) { glyph_test("24bpp r0 g8 b16", 41, 33, 41 * 3 + 3, 24, MASK_RGB24, 0x4080ffu, 0x563412u); }
/* 16bpp 5:6:5: FG -> (0x1f<<11)|(0x20<<5)|0x08 = 0xfc08, BG -> (2<<11)|(0x0d<<5)|0x0a = 0x11aa. */
TEST(glyphs_16bpp_565) { glyph_test("16bpp 5:6:5", 40, 40, 40 * 2, 16, MASK_565, 0xfc08u, 0x11aau); }
TEST(pixel_values) { pixel_test(); }
TEST(scroll_32bpp) { scroll_test(32, MASK_BGR32); }
TEST(jump_scroll) { jump_scroll_test(); }
TEST(scroll_24bpp) { scroll_test(24, MASK_BGR24); }
TEST(scroll_16bpp) { scroll_test(16, MASK_565); }
TEST(control_characters_and_wrap) { control_test(); }
TEST(fill_clipping) { fill_test(); }
TEST(overrun_32bpp_37x53) { overrun_test(32, MASK_BGR32, 37, 53, 0); }
TEST(overrun_32bpp_100x70_pad12) { overrun_test(32, MASK_RGB32, 100, 70, 12); }
TEST(overrun_24bpp_37x53) { overrun_test(24, MASK_BGR24, 37, 53, 0); }
TEST(overrun_24bpp_64x33_pad1) { overrun_test(24, MASK_RGB24, 64, 33, 1); }
TEST(overrun_16bpp_37x53) { overrun_test(16, MASK_565, 37, 53, 0); }
TEST(overrun_16bpp_8x16_pad2) { overrun_test(16, MASK_565, 8, 16, 2); }
TEST(init_accepts_and_refuses) { init_test(); }

/* kiln_fbcon_attach leaves the screen as it is (the loader attaches just
 * after a mode set cleared it); the text drawn then is the same as after
 * kiln_fbcon_init, and a colour change rebuilds the 32 bpp row patterns. */
TEST(attach_does_not_clear) {
    struct testfb a = make_fb(40, 40, 40 * 4 + 8, 32, MASK_BGR32), b = make_fb(40, 40, 40 * 4 + 8, 32, MASK_BGR32);
    struct kiln_fbcon ca, cb;
    check(kiln_fbcon_attach(&ca, a.pix, &a.fb), "attach accepts 32 bpp");
    bool untouched = true;
    for (size_t i = 0; i < a.size; i++) untouched &= a.pix[i] == FILL;
    check(untouched, "attach wrote nothing");
    check(kiln_fbcon_init(&cb, b.pix, &b.fb), "init accepts 32 bpp");
    kiln_fbcon_fill(&ca, 0, 0, 40, 40, 0); /* now both black, padding untouched */
    for (int round = 0; round < 2; round++) {
        if (round) kiln_fbcon_set_color(&ca, 0xff8040, 0x102030), kiln_fbcon_set_color(&cb, 0xff8040, 0x102030);
        kiln_fbcon_write(&ca, "Ag\n#~");
        kiln_fbcon_write(&cb, "Ag\n#~");
        check(memcmp(a.pix, b.pix, a.size) == 0, round ? "same text after a colour change" : "same text as after init");
    }
    check(guards_intact(&a) && guards_intact(&b), "guards intact");
    free(a.block);
    free(b.block);
}
