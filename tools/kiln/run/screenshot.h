/* screenshot.h - a picture of the guest's screen (screenshot.c): QEMU's
 * QMP monitor on a Unix socket kiln listens on (QEMU connects as it
 * starts), `screendump` to a PPM file, converted to PNG (png.h) and written
 * atomically. QEMU must still be running: a kernel that ends QEMU itself
 * (isa-debug-exit) leaves nothing to capture after it, so kiln takes the
 * picture when it stops QEMU (a timeout, a reset, --pass-on, Ctrl-C) or
 * when the last --expect pattern matched. */
#ifndef KILN_TOOL_SCREENSHOT_H
#define KILN_TOOL_SCREENSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct screenshot {
    const char *png;       /* where the picture goes */
    const char *socket;    /* the QMP socket kiln listens on */
    const char *ppm;       /* QEMU's dump (a temporary file) */
    int listen_fd, fd;     /* -1: none */
    bool greeted;          /* QMP capabilities negotiated */
    bool taken;            /* png written */
    uint32_t width, height;
    char why[512];         /* why it was not taken, if it was tried */
};

/* Listens on s->socket (removed at exit); s->png, s->socket and s->ppm set
 * by the caller. */
bool screenshot_listen(struct screenshot *s, kiln_err *e);
/* Asks QEMU for the screen and writes s->png; false with s->why set. At
 * most a few seconds. */
bool screenshot_take(struct screenshot *s);
void screenshot_close(struct screenshot *s);

#endif
