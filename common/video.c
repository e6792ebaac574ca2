/* video.c - picking a video mode (video.h). */
#include "common/video.h"

#include "core/kstring.h"
#include "core/util.h"

bool edid_native_size(const uint8_t *d, uint32_t size, uint32_t *w, uint32_t *h) {
    static const uint8_t header[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
    uint8_t s = 0;
    if (!d || size < 128) return false;
    for (int i = 0; i < 8; i++)
        if (d[i] != header[i]) return false;
    for (int i = 0; i < 128; i++) s = (uint8_t)(s + d[i]);
    if (s != 0) return false;
    const uint8_t *t = d + 54; /* first detailed timing descriptor: the preferred mode */
    if (t[0] == 0 && t[1] == 0) return false; /* a display descriptor, not a timing */
    *w = t[2] | ((uint32_t)(t[4] & 0xf0) << 4);
    *h = t[5] | ((uint32_t)(t[7] & 0xf0) << 4);
    return *w && *h;
}

static int bpp_score(uint32_t bpp) { return bpp == 32 ? 3 : bpp == 24 ? 2 : bpp == 16 ? 1 : 0; }

/* Every helper below considers only modes whose depth scores at least
 * `depth` (0: all of them). */

/* Among modes of exactly w x h, the one with the best depth. */
static int exact(const struct video_mode *m, size_t n, int depth, uint32_t w, uint32_t h) {
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (bpp_score(m[i].bpp) >= depth && m[i].width == w && m[i].height == h &&
            (best < 0 || bpp_score(m[i].bpp) > bpp_score(m[best].bpp)))
            best = (int)i;
    return best;
}

static uint64_t area(const struct video_mode *m) { return (uint64_t)m->width * m->height; }

/* Is a better than b as "largest mode that fits"? Larger area, then depth. */
static bool better_large(const struct video_mode *a, const struct video_mode *b) {
    if (area(a) != area(b)) return area(a) > area(b);
    return bpp_score(a->bpp) > bpp_score(b->bpp);
}

static int largest_within(const struct video_mode *m, size_t n, int depth, uint32_t w, uint32_t h) {
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (bpp_score(m[i].bpp) >= depth && m[i].width <= w && m[i].height <= h &&
            (best < 0 || better_large(&m[i], &m[best])))
            best = (int)i;
    return best;
}

static int smallest_above(const struct video_mode *m, size_t n, int depth, uint32_t w, uint32_t h) {
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if (bpp_score(m[i].bpp) < depth || m[i].width < w || m[i].height < h) continue;
        if (best < 0 || area(&m[i]) < area(&m[best]) ||
            (area(&m[i]) == area(&m[best]) && bpp_score(m[i].bpp) > bpp_score(m[best].bpp)))
            best = (int)i;
    }
    return best;
}

static uint64_t dist(const struct video_mode *m, uint32_t w, uint32_t h) {
    uint64_t dw = m->width > w ? m->width - w : w - m->width;
    uint64_t dh = m->height > h ? m->height - h : h - m->height;
    return dw * dw + dh * dh;
}

static int closest(const struct video_mode *m, size_t n, uint32_t w, uint32_t h) {
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (best < 0 || dist(&m[i], w, h) < dist(&m[best], w, h) ||
            (dist(&m[i], w, h) == dist(&m[best], w, h) && bpp_score(m[i].bpp) > bpp_score(m[best].bpp)))
            best = (int)i;
    return best;
}

/* AUTO: the best depth on offer first (32 bpp whenever there is a 32-bpp
 * mode at all), then within that depth: the display's native size, the
 * firmware's current mode, 1024x768, the largest below it, the smallest. */
static int choose_auto(const struct video_mode *m, size_t n, int current, uint32_t native_w, uint32_t native_h) {
    int depth = 0;
    for (size_t i = 0; i < n; i++) depth = MAX(depth, bpp_score(m[i].bpp));
    if (native_w && native_h) {
        int i = exact(m, n, depth, native_w, native_h);
        if (i < 0) i = largest_within(m, n, depth, native_w, native_h);
        if (i >= 0) return i;
    }
    if (current >= 0 && (size_t)current < n && bpp_score(m[current].bpp) >= depth) return current;
    int i = exact(m, n, depth, 1024, 768);
    if (i < 0) i = largest_within(m, n, depth, 1024, 768);
    if (i < 0) i = smallest_above(m, n, depth, 0, 0);
    return i;
}

int video_choose(const struct video_mode *m, size_t n, int current, uint32_t mode, uint32_t want_w,
                 uint32_t want_h, uint32_t native_w, uint32_t native_h) {
    if (mode == KILN_FB_NONE || n == 0) return -1;
    switch (mode) {
    case KILN_FB_PREFERRED: return closest(m, n, want_w, want_h);
    case KILN_FB_MAX: {
        int i = largest_within(m, n, 0, want_w, want_h);
        return i >= 0 ? i : smallest_above(m, n, 0, 0, 0); /* nothing fits: the smallest there is */
    }
    case KILN_FB_MIN: {
        int i = smallest_above(m, n, 0, want_w, want_h);
        return i >= 0 ? i : largest_within(m, n, 0, UINT32_MAX, UINT32_MAX);
    }
    case KILN_FB_KEEP:
        if (current >= 0 && (size_t)current < n) return current;
        return choose_auto(m, n, current, native_w, native_h); /* nothing to keep (BIOS text mode) */
    default:
        return choose_auto(m, n, current, native_w, native_h);
    }
}

void video_fb_from_mode(const struct video_mode *m, uint64_t fb_phys, struct kiln_framebuffer *fb) {
    memset(fb, 0, sizeof *fb);
    fb->physical_address = fb_phys;
    fb->width = m->width;
    fb->height = m->height;
    fb->pitch = m->pitch;
    fb->bpp = (uint16_t)m->bpp;
    fb->size = (uint64_t)m->pitch * m->height;
    fb->memory_model = KILN_FB_RGB;
    fb->red_mask_size = m->red_size, fb->red_mask_shift = m->red_shift;
    fb->green_mask_size = m->green_size, fb->green_mask_shift = m->green_shift;
    fb->blue_mask_size = m->blue_size, fb->blue_mask_shift = m->blue_shift;
    fb->reserved_mask_size = m->rsvd_size, fb->reserved_mask_shift = m->rsvd_shift;
}
