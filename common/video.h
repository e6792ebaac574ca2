/* video.h - choosing a video mode from the firmware's list, the kernel's and
 * the image's wishes and the display's native size. Shared by VBE and GOP. */
#ifndef COMMON_VIDEO_H
#define COMMON_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "common/platform.h"

/* EDID 1.x block: the preferred (first detailed) timing's size. False if the
 * header or checksum is wrong or there is no detailed timing. */
bool edid_native_size(const uint8_t *edid, uint32_t size, uint32_t *w, uint32_t *h);

/* Index of the mode to set, or -1 for "no framebuffer". `current` is the
 * firmware's active mode or -1; native_w/h are 0 when unknown. AUTO (and
 * KEEP with nothing to keep) chooses among the modes of the best depth on
 * offer (32, then 24, then 16 bpp); PREFERRED/MAX/MIN go by size first and
 * prefer the better depth among equal sizes. */
int video_choose(const struct video_mode *modes, size_t n, int current, uint32_t fb_mode, uint32_t want_w,
                 uint32_t want_h, uint32_t native_w, uint32_t native_h);

/* The kernel-facing description of mode m with its framebuffer at fb_phys
 * (size = pitch * height). */
void video_fb_from_mode(const struct video_mode *m, uint64_t fb_phys, struct kiln_framebuffer *fb);

#endif
