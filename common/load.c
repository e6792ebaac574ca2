/* load.c - phases 1 and 2 of the boot flow (boot.h): the payload read and
 * verified entry by entry, then the kernel ELF and its KILN_CONFIG record
 * validated with the code `kiln check` runs. */
#include "common/boot.h"

#include <kiln/fmt.h>

#include "common/frames.h"
#include "common/log.h"
#include "core/kconfig.h"
#include "core/kstring.h"

/* The start of the Kiln partition, read at once (load_payload): the header
 * and its table, and what follows up to PAYLOAD_HEAD bytes: the image
 * config, the start of the kernel or a small kernel whole. Bytes of an
 * entry that lie in it are copied from it instead of read again: under
 * OVMF each read costs about 150,000 instructions whatever its size. One
 * INT 13h transfer on BIOS. */
#define PAYLOAD_HEAD (127u * 512)
static const uint8_t *head;
static uint64_t head_len;

/* Reads a payload entry into fresh frames of the given kind and checks its
 * sum, which the read takes as it goes (one pass over the bytes on BIOS). */
static struct loaded_file entry_frames(const struct payload_entry *pe, uint32_t kind) {
    struct loaded_file f = {pe, 0, align_up(pe->size ? pe->size : 1, PAGE_SIZE)};
    f.phys = frames_alloc_raw(f.bytes / PAGE_SIZE, kind); /* the read fills it; the tail is zeroed after */
    if (!f.phys)
        panic("payload: no memory for %s '%s' (%llu KiB)", payload_type_name(pe->type), pe->name,
              (unsigned long long)(pe->size >> 10));
    return f;
}

/* Bytes [from, to) of an entry into its frames, added to its sum, the
 * tees' parts stored on the way. */
static void read_part(struct platform *p, const struct loaded_file *f, uint64_t from, uint64_t to, struct sum128 *sum,
                      const struct read_tee *tees, size_t ntees) {
    kiln_err e;
    const struct payload_entry *pe = f->entry;
    uint8_t *dst = (uint8_t *)phys_ptr(f->phys) + from;
    if (from == to) return;
    if (pe->offset + to <= head_len) { /* validated: no wrap */
        sum128_copy_tees(sum, dst, head + pe->offset + from, 0, to - from, tees, ntees);
    } else if (!p->read(pe->offset + from, dst, to - from, sum, tees, ntees, &e)) {
        panic("payload: reading %s '%s': %s", payload_type_name(pe->type), pe->name, e.msg);
    }
}

/* The tail after the file zeroed, the sum compared. */
static void entry_done(const struct loaded_file *f, const struct sum128 *sum) {
    kiln_err e;
    memset((uint8_t *)phys_ptr(f->phys) + f->entry->size, 0, f->bytes - f->entry->size); /* no stale bytes after the file */
    if (!payload_entry_ok(f->entry, sum, &e)) panic("%s", e.msg);
}

static struct loaded_file load_entry(struct platform *p, const struct payload_entry *pe, uint32_t kind) {
    struct loaded_file f = entry_frames(pe, kind);
    struct sum128 sum = {0, 0, 0, 0};
    read_part(p, &f, 0, pe->size, &sum, NULL, 0);
    entry_done(&f, &sum);
    return f;
}

/* What the kernel's file (plan: its runs, from its headers), the runs
 * (each with the spare page of frames_alloc_raw_odd) and the modules take:
 * the blocks the loader fills by copying, for the platform's big_blocks. */
static uint64_t big_blocks_bytes(const struct payload_header *ph, const struct payload_entry *ke,
                                 const struct elf_image *plan) {
    uint64_t total = align_up(ke->size ? ke->size : 1, PAGE_SIZE);
    for (uint32_t i = 0; i < plan->nrun; i++) total += plan->run[i].end - plan->run[i].start + PAGE_SIZE;
    for (uint32_t i = 0; i < ph->entry_count; i++) {
        const struct payload_entry *e = payload_entry_at(ph, i);
        if (e->type == PAYLOAD_MODULE) total += align_up(e->size ? e->size : 1, PAGE_SIZE);
    }
    return total;
}

/* The kernel's file, with its segments placed as it is read: its first
 * part first (what of it the partition's start holds, else PAYLOAD_HEAD
 * bytes); when the program headers are in it (they
 * follow the ELF header in any linked kernel), the frames of its runs are
 * taken now and the rest of the file is read with each segment's file
 * bytes stored into them on the way. On BIOS that is the same pass that
 * copies out of the bounce buffer and sums, where copying the segments out
 * of the file afterwards cost as much again (21 ms of a 64 MiB kernel under
 * TCG). The headers are read before the sum is checked, so a damaged file
 * can place bytes wrongly, but only into its own frames, and the sum stops
 * the boot; elf_parse of the whole, checked file then decides (map.c
 * compares the two). Headers it cannot use: read it whole, copy later.
 * Before the file's frames are taken, the platform hears what the file,
 * the runs and the modules will take (big_blocks), when the program
 * headers are in the partition's first read, as they are in a linked
 * kernel there. */
static void load_kernel_file(struct platform *p, struct payload_files *files) {
    const struct payload_entry *pe = payload_find(files->header, PAYLOAD_KERNEL);
    uint64_t in_head = head_len > pe->offset ? (head_len - pe->offset) & ~(uint64_t)7 : 0; /* whole words: one sum */
    uint64_t first = MIN(pe->size, in_head ? in_head : (uint64_t)PAYLOAD_HEAD); /* then the rest starts on a sector */
    struct elf_image *plan = heap_alloc(sizeof *plan);
    kiln_err ignored;
    /* Headers in the head are parsed there, before the frames are taken
     * (the file's first part is a copy of the same bytes); else once the
     * first part is read. */
    bool parsed = plan && in_head && (p->big_blocks || first < pe->size) &&
                  elf_parse_load(head + pe->offset, pe->size, first, plan, &ignored);
    if (parsed && p->big_blocks) p->big_blocks(big_blocks_bytes(files->header, pe, plan));
    struct loaded_file f = entry_frames(pe, KILN_MEMORY_KERNEL);
    uint8_t *file = phys_ptr(f.phys);
    struct sum128 sum = {0, 0, 0, 0};
    read_part(p, &f, 0, first, &sum, NULL, 0);
    if (plan && !in_head && first < pe->size) parsed = elf_parse_load(file, pe->size, first, plan, &ignored);
    struct read_tee tees[ELF_MAX_LOAD];
    size_t nt = 0;
    bool place = parsed && first < pe->size;
    /* The tees must be in file order and apart; segments sharing file bytes
     * (legal, if odd) are copied later instead. */
    uint64_t last_end = 0;
    for (uint32_t i = 0; place && i < plan->nseg; i++) {
        const struct elf_segment *s = &plan->seg[i];
        if (!s->filesz) continue;
        place = s->offset >= last_end;
        last_end = s->offset + s->filesz;
    }
    if (place) {
        kernel_runs_alloc(p, pe->name, plan, f.phys, files->placed_run_phys);
        for (uint32_t i = 0; i < plan->nseg; i++) {
            const struct elf_segment *s = &plan->seg[i];
            int r = elf_run_of(plan, s->vaddr);
            uint8_t *to = (uint8_t *)phys_ptr(files->placed_run_phys[r]) + (s->vaddr - plan->run[r].start);
            uint64_t end = s->offset + s->filesz;
            if (!s->filesz) continue;
            if (s->offset < first) memcpy(to, file + s->offset, MIN(end, first) - s->offset); /* read already */
            if (end > first) {
                uint64_t from = MAX(s->offset, first);
                tees[nt++] = (struct read_tee){from - first, end - from, to + (from - s->offset)};
            }
        }
        files->placed = plan;
        log_debug("kernel: %u segments placed in %u runs as the file is read", plan->nseg, plan->nrun);
    }
    read_part(p, &f, first, pe->size, &sum, tees, nt);
    entry_done(&f, &sum);
    files->kernel = f;
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
    if (p->big_blocks) p->big_blocks(0); /* the rest is small: anywhere */
}

void load_payload(struct platform *p, struct payload_files *f) {
    kiln_err e;
    /* The partition's size bounds the payload: a header claiming more (even
     * with a correct CRC) is refused here as `kiln image` would. */
    if (!p->payload_space) panic("payload: the size of the Kiln partition is unknown");
    head_len = MAX((uint64_t)PAYLOAD_HEADER_MAX, MIN((uint64_t)PAYLOAD_HEAD, p->payload_space));
    uint64_t hp = frames_alloc_raw(align_up(head_len, PAGE_SIZE) / PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
    if (!hp) panic("memory: no room for the payload header");
    uint8_t *hdr = phys_ptr(hp);
    head = hdr;
    if (!p->read(0, hdr, head_len, NULL, NULL, 0, &e)) panic("payload: reading the header: %s", e.msg);
    if (!payload_validate(hdr, PAYLOAD_HEADER_MAX, p->payload_space, &e)) panic("%s", e.msg);
    f->header = (const struct payload_header *)hdr;
    f->placed = NULL;
    f->config = load_config(p, f->header);
    const struct payload_entry *ke = payload_find(f->header, PAYLOAD_KERNEL);
    log_info("loading kernel '%s' (%llu KiB)", ke->name, (unsigned long long)((ke->size + 1023) >> 10));
    load_kernel_file(p, f);
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
