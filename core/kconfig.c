/* kconfig.c - validation and defaults of the kernel's KILN_CONFIG record. */
#include "core/kconfig.h"

#include <kiln/fmt.h>
#include "core/kstring.h"

/* The size of struct kiln_config in kiln.h 1.0: the smallest record accepted. */
#define KCONFIG_V1_0_SIZE 152u

const char *kconfig_fb_mode_name(uint32_t mode) {
    static const char *names[KILN_FB_MODE_COUNT] = {"auto", "keep", "preferred", "max", "min", "none"};
    return mode < KILN_FB_MODE_COUNT ? names[mode] : "?";
}

const char *kconfig_placement_str(uint64_t v, char *buf, unsigned len) {
    if (v == KILN_DEFAULT) return "default";
    if (v == KILN_NONE) return "none";
    if (v == KILN_DYNAMIC) return "dynamic";
    kiln_snprintf(buf, len, "0x%llx", (unsigned long long)v);
    return buf;
}

/* Fixed addresses are checked against the widest paging the kernel allows
 * (bits: 57 when paging_levels_max is 5); the plan checks them again against
 * the depth in use. */
static bool placement(unsigned placement_bits, uint64_t *v, uint64_t dflt, const char *what, bool none_ok,
                      kiln_err *e) {
    if (*v == KILN_DEFAULT) *v = dflt;
    if (*v == KILN_NONE) {
        if (!none_ok) return err_set(e, "config: %s cannot be KILN_NONE", what);
        return true;
    }
    if (*v == KILN_DYNAMIC) return true;
    if (*v & (PAGE_SIZE - 1))
        return err_set(e, "config: %s address 0x%llx is not 4 KiB aligned", what, (unsigned long long)*v);
    if (!va_canonical_bits(*v, placement_bits))
        return err_set(e, "config: %s address 0x%llx is not canonical%s", what, (unsigned long long)*v,
                       placement_bits == 48 && va_canonical_bits(*v, 57) ? " (with 4-level paging; 5-level paging "
                                                                           "needs paging_levels_max = 5)" : "");
    return true;
}

bool kconfig_resolve(const struct kiln_config *raw, uint64_t size, struct kiln_config *out, kiln_err *e) {
    memset(out, 0, sizeof *out);
    if (raw) {
        if (size < sizeof raw->header) return err_set(e, "config: KILN_CONFIG record truncated");
        const struct kiln_config_header *h = &raw->header;
        if (h->magic0 != KILN_CONFIG_MAGIC0 || h->magic1 != KILN_CONFIG_MAGIC1)
            return err_set(e, "config: .kiln_config does not start with the KILN_CONFIG magic");
        if (h->version_major != KILN_VERSION_MAJOR)
            return err_set(e,
                           "config: the kernel was built against kiln.h %u.%u, but this Kiln speaks %u.%u; "
                           "rebuild the kernel with this kiln.h or use a Kiln of major version %u",
                           h->version_major, h->version_minor, KILN_VERSION_MAJOR, KILN_VERSION_MINOR,
                           h->version_major);
        if (h->size < KCONFIG_V1_0_SIZE)
            return err_set(e, "config: KILN_CONFIG record is %u bytes, kiln.h %u.0 made %u", h->size,
                           KILN_VERSION_MAJOR, KCONFIG_V1_0_SIZE);
        if (h->size > size)
            return err_set(e, "config: KILN_CONFIG record claims %u bytes but only %llu are in the file", h->size,
                           (unsigned long long)size);
        memcpy(out, raw, MIN((size_t)h->size, sizeof *out));
        if (h->version_minor <= KILN_VERSION_MINOR)
            for (unsigned i = 0; i < ARRAY_LEN(out->reserved); i++)
                if (out->reserved[i])
                    return err_set(e, "config: reserved field %u is not zero", i);
    } else {
        out->header = (struct kiln_config_header)KILN_CONFIG_HEADER_INIT;
    }

    if (out->stack_size == 0) out->stack_size = KCONFIG_DEFAULT_STACK;
    if (out->stack_size > KCONFIG_MAX_STACK)
        return err_set(e, "config: stack_size %llu is over the 1 GiB limit", (unsigned long long)out->stack_size);
    out->stack_size = align_up(out->stack_size, PAGE_SIZE);

    /* 0 means the default: min 4; max the same as min (so min = 5 alone asks for 5). */
    if (out->paging_levels_min == 0) out->paging_levels_min = 4;
    if (out->paging_levels_max == 0) out->paging_levels_max = out->paging_levels_min;
    if (out->paging_levels_min < 4 || out->paging_levels_min > 5 || out->paging_levels_max < 4 ||
        out->paging_levels_max > 5 || out->paging_levels_min > out->paging_levels_max)
        return err_set(e, "config: paging levels %u-%u: each must be 4 or 5, the minimum not above the maximum",
                       out->paging_levels_min, out->paging_levels_max);
    unsigned bits = va_bits(out->paging_levels_max);
    if (!placement(bits, &out->stack, KILN_DYNAMIC, "stack", false, e) ||
        !placement(bits, &out->boot_info, KILN_DYNAMIC, "boot_info", false, e) ||
        !placement(bits, &out->framebuffer, KILN_DYNAMIC, "framebuffer", true, e) ||
        !placement(bits, &out->modules, KILN_DYNAMIC, "modules", true, e) ||
        !placement(bits, &out->physical_memory, KILN_DYNAMIC, "physical_memory", true, e) ||
        !placement(bits, &out->recursive, KILN_NONE, "recursive", true, e))
        return false;
    /* The physical map is built from 2 MiB (or 1 GiB) pages; at a 4 KiB-only
     * alignment it would need 8 MiB of page tables per 4 GiB. */
    if (out->physical_memory != KILN_NONE && out->physical_memory != KILN_DYNAMIC &&
        (out->physical_memory & (MIB(2) - 1)))
        return err_set(e, "config: physical_memory address 0x%llx is not 2 MiB aligned (1 GiB is best)",
                       (unsigned long long)out->physical_memory);
    if (out->recursive != KILN_NONE && out->recursive != KILN_DYNAMIC && (out->recursive & (GIB(512) - 1)))
        return err_set(e, "config: recursive 0x%llx is not a PML4 slot address (use KILN_SLOT(i))",
                       (unsigned long long)out->recursive);
    if (out->kernel_base == KILN_NONE) return err_set(e, "config: kernel_base cannot be KILN_NONE");
    if (out->kernel_base != KILN_DEFAULT && !placement(bits, &out->kernel_base, KILN_DEFAULT, "kernel_base", false, e))
        return false;

    if (out->dynamic_start == 0) out->dynamic_start = KCONFIG_DYN_START;
    if (out->dynamic_end == 0) out->dynamic_end = KCONFIG_DYN_END;
    uint64_t s = out->dynamic_start, t = out->dynamic_end;
    unsigned w = bits;
    if ((s | t) & (PAGE_SIZE - 1) || s >= t || !va_canonical_bits(s, w) || !va_canonical_bits(t - 1, w) ||
        ((s >> (w - 1)) != ((t - 1) >> (w - 1))))
        return err_set(e, "config: dynamic range 0x%llx-0x%llx must be page-aligned, ordered and canonical",
                       (unsigned long long)s, (unsigned long long)t);

    if (out->aslr > 1) return err_set(e, "config: aslr must be 0 or 1, not %u", out->aslr);
    if (out->smp > KILN_SMP_START)
        return err_set(e, "config: smp must be KILN_SMP_NONE (0) or KILN_SMP_START (1), not %u", out->smp);
    if (out->smp_x2apic > 1) return err_set(e, "config: smp_x2apic must be 0 or 1, not %u", out->smp_x2apic);
    if (out->fb_mode >= KILN_FB_MODE_COUNT) return err_set(e, "config: unknown fb_mode %u", out->fb_mode);
    if (out->fb_width > 65535 || out->fb_height > 65535)
        return err_set(e, "config: framebuffer size %ux%u is too large", out->fb_width, out->fb_height);
    bool needs_size = out->fb_mode == KILN_FB_PREFERRED || out->fb_mode == KILN_FB_MAX || out->fb_mode == KILN_FB_MIN;
    if (needs_size && (out->fb_width == 0 || out->fb_height == 0))
        return err_set(e, "config: fb_mode %s needs fb_width and fb_height", kconfig_fb_mode_name(out->fb_mode));
    return true;
}
