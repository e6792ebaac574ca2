/* fbcon.c - a text console on a linear framebuffer (see kiln/fbcon.h).
 *
 * The screen is cols x rows cells of KILN_FONT_WIDTH x KILN_FONT_HEIGHT pixels; any
 * pixels right of the last column or below the last row are only ever
 * touched by kiln_fbcon_clear and kiln_fbcon_fill. Fills and 32 bpp text
 * use 8-byte stores: no call per pixel. The cursor (x, y) is the cell the
 * next character goes to. After a character lands in the last column the
 * cursor sits at x == cols ("pending wrap"): the next printable character
 * wraps to a new line first, while a '\n' just ends the line, so a line of
 * exactly cols characters followed by '\n' does not leave an empty line.
 */
#include <kiln/fbcon.h>

#include <stddef.h>

#include <kiln/font.h>
#include <kiln/string.h>

#define FBCON_DEFAULT_FG 0xaaaaaau
#define FBCON_DEFAULT_BG 0x000000u
#define FBCON_TAB 8u

/* Pixel stores through these may be unaligned and may alias the byte
 * buffer; on x86 they compile to ordinary moves. */
typedef uint16_t __attribute__((aligned(1), may_alias)) fb_u16;
typedef uint32_t __attribute__((aligned(1), may_alias)) fb_u32;
typedef uint64_t __attribute__((aligned(1), may_alias)) fb_u64;

static uint32_t bytes_per_pixel(const struct kiln_fbcon *c) { return c->bpp / 8; }

/* A mask of `size` bits at `shift` must fit in a pixel of `bpp` bits. */
static bool mask_ok(uint8_t size, uint8_t shift, uint32_t bpp) {
    if (size > 8) return false;
    if (size == 0) return true; /* channel absent: always written as 0 */
    return (uint32_t)shift + size <= bpp;
}

bool kiln_fbcon_init(struct kiln_fbcon *c, void *base, const struct kiln_framebuffer *fb) {
    if (!kiln_fbcon_attach(c, base, fb)) return false;
    kiln_fbcon_clear(c);
    return true;
}

bool kiln_fbcon_attach(struct kiln_fbcon *c, void *base, const struct kiln_framebuffer *fb) {
    kiln_memset(c, 0, sizeof(*c)); /* a refused console stays off (base == 0) */
    if (base == NULL || fb == NULL) return false;
    if (fb->memory_model != KILN_FB_RGB) return false;
    if (fb->bpp != 32 && fb->bpp != 24 && fb->bpp != 16) return false;
    if (fb->width < KILN_FONT_WIDTH || fb->height < KILN_FONT_HEIGHT) return false;
    if ((uint64_t)fb->pitch < (uint64_t)fb->width * (fb->bpp / 8)) return false;
    if (!mask_ok(fb->red_mask_size, fb->red_mask_shift, fb->bpp) ||
        !mask_ok(fb->green_mask_size, fb->green_mask_shift, fb->bpp) ||
        !mask_ok(fb->blue_mask_size, fb->blue_mask_shift, fb->bpp))
        return false;

    c->base = base;
    c->width = fb->width;
    c->height = fb->height;
    c->pitch = fb->pitch;
    c->bpp = fb->bpp;
    c->rs = fb->red_mask_size;
    c->rp = fb->red_mask_shift;
    c->gs = fb->green_mask_size;
    c->gp = fb->green_mask_shift;
    c->bs = fb->blue_mask_size;
    c->bp = fb->blue_mask_shift;
    c->cols = fb->width / KILN_FONT_WIDTH;
    c->rows = fb->height / KILN_FONT_HEIGHT;
    c->fg = FBCON_DEFAULT_FG;
    c->bg = FBCON_DEFAULT_BG;
    return true;
}

/* The top `size` bits of an 8-bit channel value, placed at `shift`. */
static uint32_t channel(uint32_t v8, uint8_t size, uint8_t shift) {
    if (size == 0) return 0;
    return (v8 >> (8u - size)) << shift;
}

uint32_t kiln_fbcon_pixel(const struct kiln_fbcon *c, uint32_t rgb) {
    return channel((rgb >> 16) & 0xff, c->rs, c->rp) |
           channel((rgb >> 8) & 0xff, c->gs, c->gp) |
           channel(rgb & 0xff, c->bs, c->bp);
}

static uint8_t *pixel_addr(const struct kiln_fbcon *c, uint32_t x, uint32_t y) {
    return c->base + (size_t)y * c->pitch + (size_t)x * bytes_per_pixel(c);
}

/* Stores pixel value v at p, using exactly bpp/8 bytes. */
static void store_pixel(const struct kiln_fbcon *c, uint8_t *p, uint32_t v) {
    switch (c->bpp) {
    case 32:
        *(fb_u32 *)p = v;
        break;
    case 24:
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        break;
    default: /* 16 */
        *(fb_u16 *)p = (uint16_t)v;
        break;
    }
}

/* n 32-bit pixels of value v at p: one pixel to reach 8-byte alignment,
 * then pairs with `rep stosq`, then the odd one. */
static void span32(uint8_t *p, size_t n, uint32_t v) {
    if (((uintptr_t)p & 4) && n) {
        *(fb_u32 *)p = v;
        p += 4, n--;
    }
    size_t pairs = n / 2;
    __asm__ volatile("rep stosq" : "+D"(p), "+c"(pairs) : "a"((uint64_t)v << 32 | v) : "memory");
    if (n & 1) *(fb_u32 *)p = v;
}

/* Writes n pixels of value v starting at p. */
static void store_span(const struct kiln_fbcon *c, uint8_t *p, size_t n, uint32_t v) {
    if (c->bpp == 32) {
        span32(p, n, v);
        return;
    }
    uint32_t step = bytes_per_pixel(c);
    for (size_t i = 0; i < n; i++, p += step) store_pixel(c, p, v);
}

void kiln_fbcon_fill(struct kiln_fbcon *c, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb) {
    if (c->base == NULL || x >= c->width || y >= c->height) return;
    if (w > c->width - x) w = c->width - x;
    if (h > c->height - y) h = c->height - y;
    uint32_t v = kiln_fbcon_pixel(c, rgb);
    /* Whole rows of a framebuffer without padding between them: one span. */
    if (x == 0 && w == c->width && (size_t)c->pitch == (size_t)w * bytes_per_pixel(c)) {
        store_span(c, pixel_addr(c, 0, y), (size_t)w * h, v);
        return;
    }
    for (uint32_t j = 0; j < h; j++) store_span(c, pixel_addr(c, x, y + j), w, v);
}

void kiln_fbcon_set_color(struct kiln_fbcon *c, uint32_t fg_rgb, uint32_t bg_rgb) {
    c->fg = fg_rgb & 0xffffffu;
    c->bg = bg_rgb & 0xffffffu;
}

void kiln_fbcon_clear(struct kiln_fbcon *c) {
    if (c->base == NULL) return;
    kiln_fbcon_fill(c, 0, 0, c->width, c->height, c->bg);
    c->x = 0;
    c->y = 0;
}

/* The 32 bpp row patterns for pixel values fg and bg (struct kiln_fbcon). */
static void make_patterns(struct kiln_fbcon *c, uint32_t fg, uint32_t bg) {
    for (uint32_t n = 0; n < 16; n++) {
        uint64_t px[4];
        for (uint32_t i = 0; i < 4; i++) px[i] = (n & (8u >> i)) ? fg : bg;
        c->pat[n][0] = px[0] | px[1] << 32;
        c->pat[n][1] = px[2] | px[3] << 32;
    }
    c->pat_fg = fg, c->pat_bg = bg, c->pat_ok = true;
}

/* Draws character ch in cell (col, row), glyph pixels in fg, the rest in bg. */
static void draw_glyph(struct kiln_fbcon *c, uint32_t col, uint32_t row, char ch) {
    const uint8_t *glyph = kiln_font_glyph(ch);
    uint32_t fg = kiln_fbcon_pixel(c, c->fg), bg = kiln_fbcon_pixel(c, c->bg);
    if (c->bpp == 32 && KILN_FONT_WIDTH == 8) {
        /* A font row is two table lookups and four 8-byte stores. */
        if (!c->pat_ok || c->pat_fg != fg || c->pat_bg != bg) make_patterns(c, fg, bg);
        uint8_t *p = pixel_addr(c, col * KILN_FONT_WIDTH, row * KILN_FONT_HEIGHT);
        for (uint32_t gy = 0; gy < KILN_FONT_HEIGHT; gy++, p += c->pitch) {
            const uint64_t *hi = c->pat[glyph[gy] >> 4], *lo = c->pat[glyph[gy] & 15];
            fb_u64 *q = (fb_u64 *)p;
            q[0] = hi[0], q[1] = hi[1], q[2] = lo[0], q[3] = lo[1];
        }
        return;
    }
    uint32_t step = bytes_per_pixel(c);
    for (uint32_t gy = 0; gy < KILN_FONT_HEIGHT; gy++) {
        uint8_t *p = pixel_addr(c, col * KILN_FONT_WIDTH, row * KILN_FONT_HEIGHT + gy);
        uint8_t bits = glyph[gy];
        for (uint32_t gx = 0; gx < KILN_FONT_WIDTH; gx++, p += step)
            store_pixel(c, p, (bits & (0x80u >> gx)) ? fg : bg);
    }
}

/* Moves the text up by `n` rows and clears the rows that come free.
 * Scrolling reads the framebuffer, which on real hardware is uncached or
 * write-combining memory and slow to read, so big consoles scroll a quarter
 * of the screen at a time rather than a row per line. */
static unsigned scroll_step(const struct kiln_fbcon *c) { return c->rows >= 16 ? c->rows / 4 : 1; }

static void scroll(struct kiln_fbcon *c, unsigned n) {
    size_t row_bytes = (size_t)KILN_FONT_HEIGHT * c->pitch;
    if (c->rows > n) kiln_memmove(c->base, c->base + n * row_bytes, (size_t)(c->rows - n) * row_bytes);
    kiln_fbcon_fill(c, 0, (c->rows - n) * KILN_FONT_HEIGHT, c->cols * KILN_FONT_WIDTH, n * KILN_FONT_HEIGHT, c->bg);
}

static void newline(struct kiln_fbcon *c) {
    c->x = 0;
    if (c->y + 1 < c->rows) {
        c->y++;
    } else {
        unsigned n = scroll_step(c);
        scroll(c, n);
        c->y = c->rows - n;
    }
}

void kiln_fbcon_putc(struct kiln_fbcon *c, char ch) {
    if (c->base == NULL || c->cols == 0 || c->rows == 0) return;
    switch (ch) {
    case '\n':
        newline(c);
        return;
    case '\r':
        c->x = 0;
        return;
    case '\t':
        c->x = (c->x / FBCON_TAB + 1) * FBCON_TAB;
        if (c->x > c->cols) c->x = c->cols; /* past the end: pending wrap */
        return;
    case '\b':
        if (c->x > 0) c->x--;
        return;
    default:
        if (c->x >= c->cols) newline(c);
        draw_glyph(c, c->x, c->y, ch);
        c->x++;
        return;
    }
}

void kiln_fbcon_write(struct kiln_fbcon *c, const char *s) {
    while (*s) kiln_fbcon_putc(c, *s++);
}
