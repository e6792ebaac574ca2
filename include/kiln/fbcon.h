/* kiln/fbcon.h - a text console on a linear framebuffer: the 8x16 font of
 * kiln/font.h, scrolling, 32, 24 and 16 bpp through the channel masks of
 * struct kiln_framebuffer. The loader logs through it; a kernel can use it
 * on the framebuffer Kiln hands over:
 *
 *   struct kiln_fbcon con;
 *   if (kiln_fbcon_init(&con, (void *)bi->framebuffer.address, &bi->framebuffer))
 *       kiln_fbcon_write(&con, "hello\n");
 *
 * Pixels are written through `base`, a pointer valid in the caller's address
 * space. Nothing here allocates or reads the framebuffer except to scroll. */
#ifndef KILN_FBCON_H
#define KILN_FBCON_H

#include <stdbool.h>
#include <stdint.h>

#include "../kiln.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kiln_fbcon {
    uint8_t *base;
    uint32_t width, height, pitch, bpp;
    uint8_t rs, rp, gs, gp, bs, bp; /* mask sizes and shifts */
    uint32_t cols, rows, x, y;      /* text cells; the cursor */
    uint32_t fg, bg;                /* 0xRRGGBB */
    /* 32 bpp glyph rows: for each 4-bit slice of a font row, its 4 pixels
     * as two 8-byte stores, for the pixel values pat_fg/pat_bg (rebuilt
     * when the colours change). Private to fbcon.c. */
    uint32_t pat_fg, pat_bg;
    bool pat_ok;
    uint64_t pat[16][2];
};

/* Clears the screen. False if the framebuffer's format is unsupported (the
 * console then stays off and every call below does nothing). */
bool kiln_fbcon_init(struct kiln_fbcon *c, void *base, const struct kiln_framebuffer *fb);
/* The same without clearing, for a screen known to be black already (just
 * after a mode set, which clears it): writing megabytes of zeros again is
 * the slowest thing a console can do. */
bool kiln_fbcon_attach(struct kiln_fbcon *c, void *base, const struct kiln_framebuffer *fb);
void kiln_fbcon_putc(struct kiln_fbcon *c, char ch); /* '\n' '\r' '\t' '\b' act as on a terminal */
void kiln_fbcon_write(struct kiln_fbcon *c, const char *s);
void kiln_fbcon_set_color(struct kiln_fbcon *c, uint32_t fg_rgb, uint32_t bg_rgb);
void kiln_fbcon_clear(struct kiln_fbcon *c);
uint32_t kiln_fbcon_pixel(const struct kiln_fbcon *c, uint32_t rgb); /* 0xRRGGBB -> pixel value */
void kiln_fbcon_fill(struct kiln_fbcon *c, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb);

#ifdef __cplusplus
}
#endif
#endif
