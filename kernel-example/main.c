/* kernel-example - a small higher-half kernel that shows what Kiln handed it:
 * the memory map with kinds and totals, the framebuffer, where everything
 * is, the modules, the command line and how long the loader took. Output
 * goes to the serial port and, when there is one, to the framebuffer.
 *
 * With the word "exit" on its command line it leaves QEMU through
 * isa-debug-exit (so CI can boot it); otherwise it halts. */
#include <kiln.h>

#include <kiln/cmdline.h>
#include <kiln/fbcon.h>
#include <kiln/fmt.h>

/* The wishes of this kernel. Everything not named keeps its default. */
KILN_CONFIG(.stack_size = 64 * 1024, .physical_memory = KILN_DYNAMIC);

static struct kiln_fbcon con;
static bool have_con;

static void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print(const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    kiln_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kiln_serial_write(buf);
    if (have_con)
        kiln_fbcon_write(&con, buf);
}

static const char *kind_name(uint32_t k) {
    static const char *n[KILN_MEMORY_KIND_COUNT] = {
        "?", "usable", "reserved", "ACPI reclaimable", "ACPI NVS", "bad", "bootloader",
        "kernel", "kernel stack", "page tables", "boot info", "module", "framebuffer", "firmware runtime",
    };
    return k < KILN_MEMORY_KIND_COUNT ? n[k] : "?";
}

static void size_str(uint64_t bytes, char *buf, size_t n) {
    if (bytes >= (1ull << 30) && !(bytes & ((1ull << 20) - 1)))
        kiln_snprintf(buf, n, "%llu.%02llu GiB", (unsigned long long)(bytes >> 30),
                     (unsigned long long)((bytes & ((1ull << 30) - 1)) * 100 >> 30));
    else if (bytes >= (1ull << 20))
        kiln_snprintf(buf, n, "%llu MiB", (unsigned long long)(bytes >> 20));
    else
        kiln_snprintf(buf, n, "%llu KiB", (unsigned long long)(bytes >> 10));
}

static void show_memory(const struct kiln_boot_info *bi) {
    uint64_t total[KILN_MEMORY_KIND_COUNT] = {0};
    print("\nmemory map (%llu entries):\n", (unsigned long long)bi->memory_map_count);
    for (uint64_t i = 0; i < bi->memory_map_count; i++) {
        const struct kiln_memory_region *r = &bi->memory_map[i];
        char sz[32];
        size_str(r->length, sz, sizeof sz);
        print("  %016llx-%016llx %-17s %10s  fw type %d\n", (unsigned long long)r->base,
              (unsigned long long)(r->base + r->length), kind_name(r->kind), sz,
              r->firmware_type == KILN_FIRMWARE_TYPE_NONE ? -1 : (int)r->firmware_type);
        if (r->kind < KILN_MEMORY_KIND_COUNT) total[r->kind] += r->length;
    }
    print("totals:\n");
    for (uint32_t k = 1; k < KILN_MEMORY_KIND_COUNT; k++) {
        if (!total[k]) continue;
        char sz[32];
        size_str(total[k], sz, sizeof sz);
        print("  %-17s %s\n", kind_name(k), sz);
    }
}

static void kmain(struct kiln_boot_info *bi) {
    const struct kiln_framebuffer *fb = &bi->framebuffer;
    if (fb->address) {
        have_con = kiln_fbcon_init(&con, (void *)fb->address, fb);
        if (have_con) {
            kiln_fbcon_fill(&con, 0, 0, fb->width, 16 * 2, 0x203040);
            kiln_fbcon_set_color(&con, 0xffcc66, 0x203040);
            print(" kernel-example, booted by Kiln\n\n");
            kiln_fbcon_set_color(&con, 0xdddddd, 0x000000);
        }
    }
    print("kernel-example: booted by %s %s (boot protocol %u.%u) from %s firmware\n", bi->loader_name,
          bi->loader_version, bi->version_major, bi->version_minor,
          bi->firmware == KILN_FIRMWARE_UEFI ? "UEFI" : "BIOS");
    print("command line: \"%s\"\n", bi->cmdline);

    show_memory(bi);

    if (fb->address)
        print("\nframebuffer: %ux%u, %u bpp, pitch %u, at 0x%llx (physical 0x%llx)\n", fb->width, fb->height,
              fb->bpp, fb->pitch, (unsigned long long)fb->address, (unsigned long long)fb->physical_address);
    else
        print("\nframebuffer: none%s\n", bi->flags & KILN_FLAG_VGA_TEXT ? " (VGA text mode)" : "");

    print("kernel: entry 0x%llx, image 0x%llx (physical 0x%llx, %llu KiB), load bias %lld\n",
          (unsigned long long)bi->kernel_entry, (unsigned long long)bi->kernel_image_virt,
          (unsigned long long)bi->kernel_image_phys, (unsigned long long)(bi->kernel_image_size >> 10),
          (long long)bi->kernel_load_bias);
    print("kernel file: %llu KiB at physical 0x%llx, mapped at %p\n", (unsigned long long)(bi->kernel_file_size >> 10),
          (unsigned long long)bi->kernel_file_phys, bi->kernel_file);
    print("stack: 0x%llx-0x%llx\n", (unsigned long long)bi->stack_bottom,
          (unsigned long long)(bi->stack_bottom + bi->stack_size));
    if (bi->flags & KILN_FLAG_PHYSICAL_MEMORY)
        print("physical memory: mapped at 0x%llx (%llu GiB)\n", (unsigned long long)bi->physical_memory_offset,
              (unsigned long long)(bi->physical_memory_size >> 30));
    if (bi->flags & KILN_FLAG_RECURSIVE) print("recursive page tables: PML4 slot %llu\n", (unsigned long long)bi->recursive_index);
    print("ACPI RSDP: 0x%llx, SMBIOS: 0x%llx / 0x%llx, EFI system table: 0x%llx\n", (unsigned long long)bi->rsdp_phys,
          (unsigned long long)bi->smbios32_phys, (unsigned long long)bi->smbios64_phys,
          (unsigned long long)bi->efi_system_table_phys);
    if (bi->tls.address)
        print("TLS template: 0x%llx (%llu bytes)\n", (unsigned long long)bi->tls.address,
              (unsigned long long)bi->tls.mem_size);

    print("modules: %llu\n", (unsigned long long)bi->module_count);
    for (uint64_t i = 0; i < bi->module_count; i++) {
        const struct kiln_module *m = &bi->modules[i];
        print("  %s: %llu bytes at 0x%llx (mapped at %p), crc32 %08x\n", m->name, (unsigned long long)m->size,
              (unsigned long long)m->physical_address, m->address, m->crc32);
    }

    if (bi->tsc_frequency) {
        uint64_t khz = bi->tsc_frequency / 1000;
        uint64_t us = (bi->tsc_handoff - bi->tsc_loader_entry) * 1000 / khz;
        print("boot timing: loader ran %llu.%03llu ms (TSC %llu MHz)\n", (unsigned long long)(us / 1000),
              (unsigned long long)(us % 1000), (unsigned long long)(bi->tsc_frequency / 1000000));
    } else {
        print("boot timing: loader ran %llu TSC ticks (frequency unknown)\n",
              (unsigned long long)(bi->tsc_handoff - bi->tsc_loader_entry));
    }

    if (kiln_cmdline_has(bi->cmdline, "exit")) {
        print("kernel-example: done, leaving QEMU\n");
        kiln_qemu_exit(1);
    }
    print("kernel-example: done; halting\n");
}

KILN_ENTRY(kmain);
