/* png.h - QEMU's screendump (a binary PPM, P6) as a PNG file (png.c): a
 * small writer of our own for the PNG container (8-bit RGB, filter 0 on
 * every row), with zlib (Debian's zlib1g, always installed) for the
 * deflate stream. */
#ifndef KILN_TOOL_PNG_H
#define KILN_TOOL_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* The image in a P6 PPM (maxval 255): its size and where its RGB rows
 * start; false with the reason when it is not one. */
bool ppm_parse(const uint8_t *ppm, size_t n, uint32_t *w, uint32_t *h, const uint8_t **rgb, kiln_err *e);
/* The PNG of w x h RGB pixels (rows of 3 * w bytes), malloc'd; its size in
 * *len. */
uint8_t *png_encode(const uint8_t *rgb, uint32_t w, uint32_t h, size_t *len);

#endif
