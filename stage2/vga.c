/* vga.c - the loader's screen output before (or without) a VBE mode: the
 * 80x25 VGA text buffer at 0xb8000, starting below what the BIOS printed,
 * when the display is in that mode (there may be no display at all). */
#include "stage2/bios.h"
#include "stage2/stage2.h"

#include "core/kstring.h"

#define COLS 80
#define ROWS 25
static volatile uint16_t *const text = (volatile uint16_t *)0xb8000;
static unsigned col, row;

bool vga_init(void) {
    /* INT 10h AH=0Fh: the current video mode; 80x25 text is mode 2, 3 or 7.
     * Without a VGA BIOS (no display) nothing answers and AX stays 0x0f00. */
    struct bios_regs r;
    bios_regs_init(&r);
    r.eax = 0x0f00;
    bios_call(0x10, &r);
    uint8_t mode = (uint8_t)r.eax, cols = (uint8_t)(r.eax >> 8);
    if (cols != COLS || (mode != 2 && mode != 3 && mode != 7)) return false;
    /* BIOS data area: cursor position of page 0 (column, row). */
    col = 0;
    row = *(volatile uint8_t *)0x451;
    if (row >= ROWS) row = ROWS - 1;
    if (*(volatile uint8_t *)0x450) row++;
    return true;
}

static void scroll(void) {
    for (unsigned i = 0; i < (ROWS - 1) * COLS; i++) text[i] = text[i + COLS];
    for (unsigned i = 0; i < COLS; i++) text[(ROWS - 1) * COLS + i] = 0x0720;
    row = ROWS - 1;
}

void vga_putc(char c) {
    if (c == '\n') {
        col = 0;
        if (++row == ROWS) scroll();
        return;
    }
    if (c == '\r') {
        col = 0;
        return;
    }
    if (row >= ROWS) scroll();
    text[row * COLS + col] = (uint16_t)(0x0700 | (uint8_t)c);
    if (++col == COLS) {
        col = 0;
        if (++row == ROWS) scroll();
    }
}
