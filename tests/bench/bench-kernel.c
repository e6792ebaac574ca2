/* bench-kernel.c - the kernel `make bench` boots (bench.sh pads it to 8 and
 * 64 MiB). It asks the loader for what kernel-example asks (the same
 * KILN_CONFIG, so the loader does the same work), then leaves QEMU at once
 * after one line with the loader's time: the boot's wall time ends where
 * the loader hands over, as the floors' ends where their reading does.
 * kernel-example itself prints its page of boot info first, about 9 ms of
 * serial output under TCG that is the kernel's time, not the loader's. */
#include <kiln.h>

#include <kiln/fmt.h>

KILN_CONFIG(.stack_size = 64 * 1024, .physical_memory = KILN_DYNAMIC);

static void kmain(struct kiln_boot_info *bi) {
    char line[96];
    uint64_t ticks = bi->tsc_handoff - bi->tsc_loader_entry, khz = bi->tsc_frequency / 1000;
    if (khz) {
        uint64_t us = ticks * 1000 / khz;
        kiln_snprintf(line, sizeof line, "boot timing: loader ran %llu.%03llu ms\n", (unsigned long long)(us / 1000),
                      (unsigned long long)(us % 1000));
    } else {
        kiln_snprintf(line, sizeof line, "boot timing: loader ran %llu TSC ticks\n", (unsigned long long)ticks);
    }
    kiln_serial_write(line);
    kiln_qemu_exit(1);
}

KILN_ENTRY(kmain);
