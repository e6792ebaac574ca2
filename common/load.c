/* load.c - phases 1 and 2 of the boot flow (boot.h): the payload read and
 * verified entry by entry, then the kernel ELF and its KILN_CONFIG record
 * validated with the code `kiln check` runs. */
#include "common/boot.h"

#include <kiln/fmt.h>

#include "common/frames.h"
#include "common/log.h"
#include "core/kconfig.h"
#include "core/kstring.h"

/* Reads a payload entry into fresh frames of the given kind and checks its
 * sum, which the read takes as it goes (one pass over the bytes on BIOS). */
static struct loaded_file load_entry(struct platform *p, const struct payload_entry *pe, uint32_t kind) {
    kiln_err e;
    struct loaded_file f = {pe, 0, align_up(pe->size ? pe->size : 1, PAGE_SIZE)};
    f.phys = frames_alloc_raw(f.bytes / PAGE_SIZE, kind); /* the read fills it; the tail is zeroed below */
    if (!f.phys)
        panic("payload: no memory for %s '%s' (%llu KiB)", payload_type_name(pe->type), pe->name,
              (unsigned long long)(pe->size >> 10));
    struct sum128 sum = {0, 0, 0, 0};
    if (pe->size && !p->read(pe->offset, phys_ptr(f.phys), pe->size, &sum, &e))
        panic("payload: reading %s '%s': %s", payload_type_name(pe->type), pe->name, e.msg);
    memset((uint8_t *)phys_ptr(f.phys) + pe->size, 0, f.bytes - pe->size); /* no stale bytes after the file */
    if (!payload_entry_ok(pe, &sum, &e)) panic("%s", e.msg);
    return f;
}

/* The image config entry, or the defaults; sets the log level it asks for. */
static const struct imgconfig *load_config(struct platform *p, const struct payload_header *ph) {
    kiln_err e;
    struct imgconfig *icfg = heap_alloc(sizeof *icfg);
    if (!icfg) panic("memory: no room for the image config");
    imgconfig_defaults(icfg);
    const struct payload_entry *ce = payload_find(ph, PAYLOAD_CONFIG);
    if (ce) {
        if (ce->size > IMGCONFIG_MAX_SIZE) panic("config '%s': %llu bytes is too large", ce->name, (unsigned long long)ce->size);
        struct loaded_file cf = load_entry(p, ce, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
        if (!imgconfig_parse(phys_ptr(cf.phys), ce->size, icfg, &e)) panic("image %s", e.msg);
    }
    log_set_level(icfg->log_level);
    if (!icfg->serial) log_set_serial(false);
    return icfg;
}

void load_modules(struct platform *p, struct payload_files *f) {
    const struct payload_header *ph = f->header;
    uint32_t nmod = 0;
    for (uint32_t i = 0; i < ph->entry_count; i++) nmod += payload_entry_at(ph, i)->type == PAYLOAD_MODULE;
    f->modules = heap_alloc(sizeof *f->modules * (nmod ? nmod : 1));
    if (!f->modules) panic("memory: no room for the module list");
    f->module_count = nmod;
    f->module_bytes = 0;
    for (uint32_t i = 0, m = 0; i < ph->entry_count; i++) {
        const struct payload_entry *pe = payload_entry_at(ph, i);
        if (pe->type != PAYLOAD_MODULE) continue;
        struct loaded_file *lf = &f->modules[m++];
        *lf = load_entry(p, pe, KILN_MEMORY_MODULE);
        f->module_bytes += lf->bytes;
        log_info("module '%s' (%llu KiB) at 0x%llx", pe->name, (unsigned long long)((pe->size + 1023) >> 10),
                 (unsigned long long)lf->phys);
    }
}

void load_payload(struct platform *p, struct payload_files *f) {
    kiln_err e;
    uint8_t *hdr = heap_alloc(PAYLOAD_HEADER_MAX);
    if (!hdr) panic("memory: no room for the payload header");
    if (!p->read(0, hdr, PAYLOAD_HEADER_MAX, NULL, &e)) panic("payload: reading the header: %s", e.msg);
    /* The partition's size bounds the payload: a header claiming more (even
     * with a correct CRC) is refused here as `kiln image` would. */
    if (!p->payload_space) panic("payload: the size of the Kiln partition is unknown");
    if (!payload_validate(hdr, PAYLOAD_HEADER_MAX, p->payload_space, &e)) panic("%s", e.msg);
    f->header = (const struct payload_header *)hdr;
    f->config = load_config(p, f->header);
    const struct payload_entry *ke = payload_find(f->header, PAYLOAD_KERNEL);
    log_info("loading kernel '%s' (%llu KiB)", ke->name, (unsigned long long)((ke->size + 1023) >> 10));
    f->kernel = load_entry(p, ke, KILN_MEMORY_KERNEL);
}

void load_kernel(const struct payload_files *f, struct kernel *k) {
    kiln_err e;
    const struct payload_entry *ke = f->kernel.entry;
    k->name = ke->name;
    k->elf = heap_alloc(sizeof *k->elf);
    k->cfg = heap_alloc(sizeof *k->cfg);
    if (!k->elf || !k->cfg) panic("memory: no room for the kernel description");
    if (!elf_parse(phys_ptr(f->kernel.phys), ke->size, k->elf, &e)) panic("kernel '%s': %s", ke->name, e.msg);
    char subject[PAYLOAD_NAME_MAX + 16], msg[256];
    kiln_snprintf(subject, sizeof subject, "kernel '%s'", ke->name);
    for (uint32_t w = 1; w & ELF_WARN_ALL; w <<= 1) {
        int level = elf_warning(k->elf, w, subject, msg, sizeof msg);
        if (level == ELF_NOTE) log_info("%s", msg);
        else if (level == ELF_WARNING) log_warn("%s", msg);
    }
    if (!kconfig_resolve(k->elf->config, k->elf->config_size, k->cfg, &e)) panic("kernel '%s': %s", ke->name, e.msg);
    if (f->config->fb_set) {
        k->cfg->fb_mode = f->config->fb_mode;
        k->cfg->fb_width = f->config->fb_width;
        k->cfg->fb_height = f->config->fb_height;
    }
}
