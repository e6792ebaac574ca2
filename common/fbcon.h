/* fbcon.h - a text console on a linear framebuffer: 8x16 font, scrolls,
 * 32, 24 and 16 bpp through the channel masks. Used by the loader for its
 * log (and by kernel-example). Pixels are written through `base`, a pointer
 * valid in the caller's address space. */
#ifndef COMMON_FBCON_H
#define COMMON_FBCON_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"

struct fbcon {
    uint8_t *base;
    uint32_t width, height, pitch, bpp;
    uint8_t rs, rp, gs, gp, bs, bp; /* mask sizes and shifts */
    uint32_t cols, rows, x, y;
    uint32_t fg, bg; /* 0xRRGGBB */
};

/* False if the framebuffer format is unsupported (the console stays off). */
bool fbcon_init(struct fbcon *c, void *base, const struct kiln_framebuffer *fb);
void fbcon_putc(struct fbcon *c, char ch);
void fbcon_set_color(struct fbcon *c, uint32_t fg_rgb, uint32_t bg_rgb);
void fbcon_clear(struct fbcon *c);
uint32_t fbcon_pixel(const struct fbcon *c, uint32_t rgb); /* rgb -> pixel value */
void fbcon_fill(struct fbcon *c, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb);

#endif
