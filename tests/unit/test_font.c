/* test_font.c - libkiln/font.c: the 8x16 font's glyphs are distinct, sit
 * in their cell, and everything outside printable ASCII gets one box. */
#include <stdbool.h>
#include <string.h>

#include <kiln/font.h>
#include "tests/unit/testlib.h"

TEST(font_glyphs) {
    bool distinct = true, inked = true, in_cell = true;
    for (int a = 0x20; a <= 0x7e; a++) {
        const uint8_t *ga = kiln_font_glyph((char)a);
        int ink = 0;
        for (int r = 0; r < KILN_FONT_HEIGHT; r++) {
            ink += ga[r] != 0;
            if ((r < 2 || r == 15) && ga[r]) in_cell = false; /* spacing rows stay blank */
        }
        if ((a == ' ') != (ink == 0)) inked = false;
        for (int b = a + 1; b <= 0x7e; b++)
            if (memcmp(ga, kiln_font_glyph((char)b), KILN_FONT_HEIGHT) == 0) distinct = false;
    }
    CHECK(distinct, "all 95 glyphs differ");
    CHECK(inked, "only space is blank");
    CHECK(in_cell, "rows 0, 1 and 15 are blank");
    const uint8_t *box = kiln_font_glyph('\x01');
    CHECK(kiln_font_glyph('\x1f') == box && kiln_font_glyph('\x7f') == box && kiln_font_glyph('\x80') == box &&
              kiln_font_glyph('\xff') == box && kiln_font_glyph('\0') == box,
          "font: characters outside 0x20-0x7e share the box glyph");
    bool box_new = true;
    for (int a = 0x20; a <= 0x7e; a++)
        if (memcmp(box, kiln_font_glyph((char)a), KILN_FONT_HEIGHT) == 0) box_new = false;
    CHECK(box_new, "the box differs from every printable glyph");
}
