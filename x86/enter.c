/* enter.c - kiln_boot(), where both platforms hand over (platform.h): the
 * CPU's facts for the boot flow, the flow itself (common/boot.c), then the
 * jump. Everything here touches the machine; the flow does not, so the host
 * unit tests run it with a machine of their own. */
#include "common/boot.h"
#include "common/log.h"
#include "core/version.h"
#include "x86/cpu.h"
#include "x86/tsc.h"

/* Randomness for ASLR: RDRAND (retried, as Intel advises), else the TSC. */
static uint64_t random_seed(const struct cpu_features *cpu) {
    uint64_t r = 0;
    for (int i = 0; cpu->rdrand && i < 10 && !r; i++) __asm__ volatile("rdrand %0" : "=r"(r) : : "cc");
    return r ? r : rdtsc();
}

void kiln_boot(struct platform *p) {
    struct cpu_features cpu;
    cpu_detect(&cpu);
    log_info("%s %s, %s firmware", KILN_LOADER_NAME, KILN_LOADER_VERSION,
             p->firmware == KILN_FIRMWARE_UEFI ? "UEFI" : "BIOS");
    if (read_cr4() & CR4_LA57) panic("cpu: the firmware enabled 5-level paging; Kiln builds 4-level tables");
    struct machine m = {.nx = cpu.nx, .gbpages = cpu.gbpages, .tsc_frequency = tsc_frequency(),
                        .random = random_seed(&cpu)};
    struct handoff h;
    boot_flow(p, &m, &h);
    h.bi->tsc_handoff = rdtsc();
    handoff_jump(&h);
}
