/* vga.c - the loader's screen output before (or without) a VBE mode: the
 * 80x25 VGA text buffer at 0xb8000, starting below what the BIOS printed. */
#include "stage2/stage2.h"

#include "common/kstring.h"

#define COLS 80
#define ROWS 25
static volatile uint16_t *const text = (volatile uint16_t *)0xb8000;
static unsigned col, row;

void vga_init(void) {
    /* BIOS data area: cursor position of page 0 (column, row). */
    col = 0;
    row = *(volatile uint8_t *)0x451;
    if (row >= ROWS) row = ROWS - 1;
    if (*(volatile uint8_t *)0x450) row++;
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
