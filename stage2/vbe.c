/* vbe.c - VESA BIOS Extensions: mode list, EDID, mode set (stage2.h).
 * Only direct-colour modes with a linear framebuffer are offered; when
 * there are none, the loader keeps VGA text mode and boots without a
 * framebuffer. */
#include "core/kstring.h"
#include "common/video.h"
#include "stage2/bios.h"
#include "stage2/lowmem.h"
#include "stage2/stage2.h"

#define VBE_OK 0x004f
#define INFO_OFF 0x0000  /* VbeInfoBlock, 512 bytes, in the bounce buffer */
#define MODE_OFF 0x1000  /* ModeInfoBlocks, 256 bytes each, BIOS_CALLS_MAX of them */
#define MAX_VBE_MODES 512

static uint16_t vbe_version;

static uint8_t *bounce(uint32_t off) { return (uint8_t *)(uintptr_t)(BOUNCE_BASE + off); }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

/* Registers for 4F01h (mode information) into the i-th 256-byte block at
 * MODE_OFF, which is cleared first. VBE reports failure in AX, not CF: CF
 * is clear so that a batch of them (bios_calls) runs to its end. */
static void mode_query(uint16_t mode, unsigned i, struct bios_regs *r) {
    memset(bounce(MODE_OFF + 256 * i), 0, 256);
    bios_regs_init(r);
    r->eflags &= ~EFLAGS_CF;
    r->eax = 0x4f01;
    r->ecx = mode;
    r->es = (uint16_t)((BOUNCE_BASE + MODE_OFF + 256 * i) >> 4);
    r->edi = 0;
}

/* A mode from its 4F01h answer (AX and the block), if Kiln can use it. */
static bool mode_decode(uint16_t mode, uint32_t ax, const uint8_t *mi, struct video_mode *m) {
    if ((ax & 0xffff) != VBE_OK) return false;
    uint16_t attr = rd16(mi);
    /* supported (bit 0), graphics (bit 4), linear framebuffer (bit 7) */
    if ((attr & 0x91) != 0x91) return false;
    uint8_t model = mi[0x1b], bpp = mi[0x19];
    m->id = mode;
    m->width = rd16(mi + 0x12);
    m->height = rd16(mi + 0x14);
    m->bpp = bpp;
    m->fb_phys = rd32(mi + 0x28);
    bool v3 = vbe_version >= 0x300;
    m->pitch = v3 && rd16(mi + 0x32) ? rd16(mi + 0x32) : rd16(mi + 0x10);
    /* VBE 3.0 has separate masks for linear modes; some BIOSes leave them 0. */
    const uint8_t *mask = mi + (v3 && (mi[0x36] | mi[0x38] | mi[0x3a]) ? 0x36 : 0x1f);
    m->red_size = mask[0], m->red_shift = mask[1];
    m->green_size = mask[2], m->green_shift = mask[3];
    m->blue_size = mask[4], m->blue_shift = mask[5];
    m->rsvd_size = mask[6], m->rsvd_shift = mask[7];
    if (bpp != 32 && bpp != 24 && bpp != 16) return false;
    if (model == 4 && bpp >= 24 && !m->red_size) { /* "packed" true colour: assume xRGB */
        m->red_size = m->green_size = m->blue_size = 8;
        m->red_shift = 16, m->green_shift = 8, m->blue_shift = 0;
    } else if (model != 6) {
        return false;
    }
    if (!m->fb_phys || !m->width || !m->height || m->pitch < m->width * (bpp / 8u)) return false;
    return true;
}

static bool mode_info(uint16_t mode, struct video_mode *m) {
    struct bios_regs r;
    mode_query(mode, 0, &r);
    bios_call(0x10, &r);
    return mode_decode(mode, r.eax, bounce(MODE_OFF), m);
}

size_t vbe_modes(struct video_mode *out, size_t cap, int *current) {
    uint8_t *info = bounce(INFO_OFF);
    struct bios_regs r;
    *current = -1; /* BIOS: text mode, nothing to keep */
    memset(info, 0, 512);
    memcpy(info, "VBE2", 4); /* ask for the VBE 2.0+ block */
    bios_regs_init(&r);
    r.eax = 0x4f00;
    r.es = (BOUNCE_BASE + INFO_OFF) >> 4;
    r.edi = 0;
    bios_call(0x10, &r);
    if ((r.eax & 0xffff) != VBE_OK || memcmp(info, "VESA", 4) != 0) return 0;
    vbe_version = rd16(info + 4);
    /* Copy the mode list out first: it may point into the info block,
     * which the mode queries below overwrite... in another part of the
     * bounce buffer, but copy anyway to be independent of where it is. */
    uint32_t list = far_to_linear(rd32(info + 14));
    static uint16_t ids[MAX_VBE_MODES];
    size_t nids = 0;
    if (list + 2 > LOW_MEMORY_END) return 0;
    for (const uint8_t *p = (const uint8_t *)(uintptr_t)list; nids < MAX_VBE_MODES; p += 2) {
        if ((uintptr_t)p + 2 > LOW_MEMORY_END) break;
        uint16_t id = rd16(p);
        if (id == 0xffff) break;
        ids[nids++] = id;
    }
    /* BIOS_CALLS_MAX queries a trip to real mode: SeaBIOS lists 59 modes,
     * and a trip costs about as much as its answer (docs/boot-flow.md). */
    size_t n = 0;
    for (size_t i = 0; i < nids && n < cap;) {
        struct bios_regs q[BIOS_CALLS_MAX];
        unsigned k = (unsigned)MIN(nids - i, (size_t)BIOS_CALLS_MAX);
        for (unsigned j = 0; j < k; j++) mode_query(ids[i + j], j, &q[j]);
        unsigned made = bios_calls(0x10, q, k);
        for (unsigned j = 0; j < made && n < cap; j++)
            if (mode_decode(ids[i + j], q[j].eax, bounce(MODE_OFF + 256 * j), &out[n])) n++;
        i += made;
    }
    return n;
}

bool vbe_edid(uint8_t out[128]) {
    struct bios_regs r;
    bios_regs_init(&r);
    r.eax = 0x4f15;
    r.ebx = 0x01; /* read EDID, block 0 */
    r.es = (BOUNCE_BASE + INFO_OFF) >> 4;
    r.edi = 0;
    bios_call(0x10, &r);
    if ((r.eax & 0xffff) != VBE_OK) return false;
    memcpy(out, bounce(INFO_OFF), 128);
    return true;
}

bool vbe_set(const struct video_mode *m, struct kiln_framebuffer *fb, bool *cleared, kiln_err *e) {
    struct bios_regs r;
    bios_regs_init(&r);
    r.eax = 0x4f02;
    r.ebx = m->id | 0x4000; /* use the linear framebuffer */
    bios_call(0x10, &r);
    if ((r.eax & 0xffff) != VBE_OK) return err_set(e, "VBE mode 0x%x: set mode failed (AX=0x%04x)", m->id, r.eax & 0xffff);
    /* Re-read the mode: the pitch is only certain once the mode is set. */
    struct video_mode now;
    if (!mode_info((uint16_t)m->id, &now)) now = *m;
    video_fb_from_mode(&now, now.fb_phys, fb);
    *cleared = true; /* bit 15 of BX clear: the BIOS cleared the screen */
    return true;
}
