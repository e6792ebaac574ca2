/* font.h - Kiln's 8x16 bitmap font for printable ASCII (0x20-0x7e). */
#ifndef COMMON_FONT_H
#define COMMON_FONT_H

#include <stdint.h>

#define FONT_WIDTH 8
#define FONT_HEIGHT 16
/* 16 rows for character c; bit 7 of each row is the leftmost pixel. Characters
 * outside 0x20-0x7e get a box glyph. */
const uint8_t *font_glyph(char c);

#endif
