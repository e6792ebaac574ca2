/* kiln/font.h - Kiln's 8x16 bitmap font for printable ASCII (0x20-0x7e). */
#ifndef KILN_FONT_H
#define KILN_FONT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_FONT_WIDTH 8
#define KILN_FONT_HEIGHT 16
/* 16 rows for character c; bit 7 of each row is the leftmost pixel.
 * Characters outside 0x20-0x7e get a box glyph. */
const uint8_t *kiln_font_glyph(char c);

#ifdef __cplusplus
}
#endif
#endif
