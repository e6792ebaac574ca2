/* gop.c - video through the Graphics Output Protocol.
 *
 * The GOP of the console's output device is preferred (it is the screen the
 * user looks at); otherwise the first GOP with a linear framebuffer. A
 * BltOnly GOP, or none at all, means no framebuffer: Kiln then logs to the
 * serial port only. Modes are always set, even the current one, because
 * some firmware reports a wrong pitch until a mode has been set. */
#include "core/kstring.h"
#include "common/log.h"
#include "common/video.h"
#include "uefi/efi.h"

static EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
static EFI_HANDLE gop_handle;
static uint8_t edid[256];
static uint32_t edid_size;

static bool describe(uint32_t id, const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info, struct video_mode *m);

static bool usable(EFI_GRAPHICS_OUTPUT_PROTOCOL *g) {
    return g && g->Mode && g->Mode->Info && g->Mode->Info->PixelFormat != PixelBltOnly && g->Mode->MaxMode > 0;
}

void efi_gop_init(void) {
    static EFI_GUID gp = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, ea = EFI_EDID_ACTIVE_PROTOCOL_GUID,
                    ed = EFI_EDID_DISCOVERED_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL *g = NULL;
    if (!EFI_ERROR(bs->HandleProtocol(st->ConsoleOutHandle, &gp, (void **)&g)) && usable(g) &&
        g->Mode->FrameBufferBase) {
        gop = g;
        gop_handle = st->ConsoleOutHandle;
    } else {
        UINTN n = 0;
        EFI_HANDLE *h = NULL;
        if (!EFI_ERROR(bs->LocateHandleBuffer(ByProtocol, &gp, NULL, &n, &h))) {
            for (UINTN i = 0; i < n && !gop; i++)
                if (!EFI_ERROR(bs->HandleProtocol(h[i], &gp, (void **)&g)) && usable(g)) gop = g, gop_handle = h[i];
            bs->FreePool(h);
        }
    }
    if (!gop) return;
    /* The screen in the mode the firmware left is for a panic only: the
     * log goes to the screen once the kernel's mode is set (which clears
     * it), so a boot clears and draws no screen it then throws away. */
    struct video_mode cur;
    if (gop->Mode->FrameBufferBase && describe(gop->Mode->Mode, gop->Mode->Info, &cur)) {
        static struct kiln_framebuffer fb;
        video_fb_from_mode(&cur, gop->Mode->FrameBufferBase, &fb);
        st->ConOut->EnableCursor(st->ConOut, FALSE);
        log_set_panic_framebuffer(&fb);
    }
    EFI_EDID_ACTIVE_PROTOCOL *a = NULL;
    if (EFI_ERROR(bs->HandleProtocol(gop_handle, &ea, (void **)&a)) || !a->SizeOfEdid)
        if (EFI_ERROR(bs->HandleProtocol(gop_handle, &ed, (void **)&a))) a = NULL;
    if (a && a->Edid && a->SizeOfEdid >= 128) {
        edid_size = MIN(a->SizeOfEdid, (uint32_t)sizeof edid);
        memcpy(edid, a->Edid, edid_size);
    }
}

const uint8_t *efi_gop_edid(uint32_t *size) {
    *size = edid_size;
    return edid_size ? edid : NULL;
}

static void mask_to_field(uint32_t mask, uint8_t *size, uint8_t *shift) {
    *size = *shift = 0;
    if (!mask) return;
    while (!(mask & 1)) mask >>= 1, (*shift)++;
    while (mask & 1) mask >>= 1, (*size)++;
}

static bool describe(uint32_t id, const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info, struct video_mode *m) {
    memset(m, 0, sizeof *m);
    m->id = id;
    m->width = info->HorizontalResolution;
    m->height = info->VerticalResolution;
    m->bpp = 32; /* GOP pixels are always 32 bits wide */
    m->pitch = info->PixelsPerScanLine * 4;
    switch (info->PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor: /* bytes R, G, B, X */
        m->red_size = m->green_size = m->blue_size = m->rsvd_size = 8;
        m->red_shift = 0, m->green_shift = 8, m->blue_shift = 16, m->rsvd_shift = 24;
        break;
    case PixelBlueGreenRedReserved8BitPerColor: /* bytes B, G, R, X */
        m->red_size = m->green_size = m->blue_size = m->rsvd_size = 8;
        m->red_shift = 16, m->green_shift = 8, m->blue_shift = 0, m->rsvd_shift = 24;
        break;
    case PixelBitMask:
        mask_to_field(info->PixelInformation.RedMask, &m->red_size, &m->red_shift);
        mask_to_field(info->PixelInformation.GreenMask, &m->green_size, &m->green_shift);
        mask_to_field(info->PixelInformation.BlueMask, &m->blue_size, &m->blue_shift);
        mask_to_field(info->PixelInformation.ReservedMask, &m->rsvd_size, &m->rsvd_shift);
        if (!m->red_size || !m->green_size || !m->blue_size) return false;
        break;
    default: /* BltOnly: no linear framebuffer */
        return false;
    }
    return m->width && m->height && info->PixelsPerScanLine >= info->HorizontalResolution;
}

size_t efi_gop_modes(struct video_mode *out, size_t cap, int *current) {
    *current = -1;
    if (!gop) return 0;
    size_t n = 0;
    for (uint32_t i = 0; i < gop->Mode->MaxMode && n < cap; i++) {
        EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
        UINTN size;
        if (EFI_ERROR(gop->QueryMode(gop, i, &size, &info))) continue;
        if (size >= sizeof *info && describe(i, info, &out[n])) {
            if (i == gop->Mode->Mode) {
                *current = (int)n;
                out[n].fb_phys = gop->Mode->FrameBufferBase;
            }
            n++;
        }
        bs->FreePool(info);
    }
    return n;
}

bool efi_gop_set(const struct video_mode *m, struct kiln_framebuffer *fb, bool *cleared, kiln_err *e) {
    /* The active mode with its framebuffer known is used as it is: SetMode
     * of it again would only clear the screen, which OVMF does a pixel at
     * a time, and the log's console clears it with wide stores instead. */
    *cleared = !(m->id == gop->Mode->Mode && gop->Mode->FrameBufferBase);
    if (*cleared) {
        EFI_STATUS s = gop->SetMode(gop, m->id);
        if (EFI_ERROR(s)) return err_set(e, "GOP mode %u: SetMode failed (%s)", m->id, efi_status_str(s));
    }
    struct video_mode now;
    if (!describe(m->id, gop->Mode->Info, &now) || !gop->Mode->FrameBufferBase)
        return err_set(e, "GOP mode %u has no linear framebuffer after SetMode", m->id);
    video_fb_from_mode(&now, gop->Mode->FrameBufferBase, fb);
    /* The firmware's text console draws into this framebuffer too; stop its
     * cursor from blinking over Kiln's log. */
    st->ConOut->EnableCursor(st->ConOut, FALSE);
    return true;
}
