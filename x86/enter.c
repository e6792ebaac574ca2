/* enter.c - kiln_boot(), where both platforms hand over (platform.h): the
 * CPU's facts for the boot flow, the flow itself (common/boot.c), then the
 * jump. Everything here touches the machine; the flow does not, so the host
 * unit tests run it with a machine of their own. */
#include "common/boot.h"
#include "common/log.h"
#include "core/version.h"
#include "core/kstring.h"
#include "x86/cpu.h"
#include "x86/random.h"
#include "x86/tsc.h"

/* The entropy pool: the firmware's RNG (gathered by the platform), RDSEED,
 * RDRAND, TSC jitter. The kernel's entropy[] and the ASLR seed are two
 * labelled outputs of it (core/entropy.h). */
static void gather_entropy(const struct platform *p, const struct cpu_features *cpu, struct machine *m) {
    struct entropy_pool pool;
    entropy_init(&pool);
    if (p->has_fw_random) entropy_add(&pool, KILN_ENTROPY_EFI_RNG, p->fw_random, sizeof p->fw_random);
    random_gather_cpu(&pool, cpu);
    entropy_add(&pool, 0, &p->tsc_entry, sizeof p->tsc_entry); /* context, no source: the boot's own timing */
    uint8_t seed[32];
    entropy_extract(&pool, "Kiln boot info entropy", m->entropy);
    entropy_extract(&pool, "Kiln ASLR seed", seed);
    m->random = get_le64(seed);
    m->entropy_sources = pool.sources;
    memset(&pool, 0, sizeof pool);
    memset(seed, 0, sizeof seed);
    log_info("entropy: sources%s%s%s%s", m->entropy_sources & KILN_ENTROPY_RDSEED ? " RDSEED" : "",
             m->entropy_sources & KILN_ENTROPY_RDRAND ? " RDRAND" : "",
             m->entropy_sources & KILN_ENTROPY_EFI_RNG ? " EFI_RNG" : "",
             m->entropy_sources & KILN_ENTROPY_TSC ? " TSC-jitter" : "");
}

void kiln_boot(struct platform *p) {
    struct cpu_features cpu;
    cpu_detect(&cpu);
    log_info("%s %s, %s firmware", KILN_LOADER_NAME, KILN_LOADER_VERSION,
             p->firmware == KILN_FIRMWARE_UEFI ? "UEFI" : "BIOS");
    const char *tsc_source;
    struct machine m = {.nx = cpu.nx, .gbpages = cpu.gbpages, .la57 = cpu.la57, .la57_on = read_cr4() & CR4_LA57,
                        .tsc_frequency = tsc_frequency(p->rsdp, &tsc_source)};
    if (m.tsc_frequency)
        log_info("tsc: %llu kHz, from %s", (unsigned long long)(m.tsc_frequency / 1000), tsc_source);
    else
        log_warn("tsc: the frequency is unknown (no CPUID leaf gives it, neither the PM timer nor the PIT ticks)");
    if (m.la57_on) log_info("cpu: the firmware runs with 5-level paging (CR4.LA57)");
    gather_entropy(p, &cpu, &m);
    struct handoff h;
    boot_flow(p, &m, &h);
    h.bi->tsc_handoff = rdtsc();
    handoff_jump(&h);
}
