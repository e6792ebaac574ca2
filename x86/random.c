/* random.c - RDSEED, RDRAND and TSC jitter (random.h). */
#include "x86/random.h"

#include "common/log.h"
#include "common/platform.h" /* kiln.h: KILN_ENTROPY_* */

#define WORDS 4            /* 256 bits from each instruction */
#define RDRAND_TRIES 10    /* Intel's advice: a failure 10 times in a row means a broken DRNG */
#define RDSEED_TRIES 128   /* RDSEED may run dry for a while under load; pause between tries */
#define JITTER_SAMPLES 256

/* One word, or false after `tries` attempts with the carry flag clear.
 * All ones is rejected too: some AMD CPUs return it with CF set once their
 * RNG has failed (after a suspend, with old microcode). */
static bool rdrand64(uint64_t *v) {
    for (int i = 0; i < RDRAND_TRIES; i++) {
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
        if (ok && *v != UINT64_MAX) return true;
    }
    return false;
}
static bool rdseed64(uint64_t *v) {
    for (int i = 0; i < RDSEED_TRIES; i++) {
        uint8_t ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
        if (ok && *v != UINT64_MAX) return true;
        __asm__ volatile("pause");
    }
    return false;
}

/* Absorbs the words an instruction delivered; returns how many. */
static int gather(struct entropy_pool *p, uint32_t source, bool (*get)(uint64_t *)) {
    uint64_t w[WORDS];
    int n = 0;
    for (int i = 0; i < WORDS; i++)
        if (get(&w[n])) n++;
    if (n) entropy_add(p, source, w, (size_t)n * sizeof w[0]);
    for (int i = 0; i < WORDS; i++) w[i] = 0;
    return n;
}

/* The time CPUID and an I/O port read take varies with the machine's
 * state (caches, SMIs, a hypervisor's exits): a little entropy per sample,
 * not enough on its own, which is why the boot info says which sources
 * contributed. */
static void gather_jitter(struct entropy_pool *p) {
    uint32_t d[JITTER_SAMPLES];
    uint64_t prev = rdtsc();
    for (int i = 0; i < JITTER_SAMPLES; i++) {
        uint32_t a, b, c, e;
        cpuid(0, 0, &a, &b, &c, &e);
        (void)inb(0x61); /* system control port B: harmless to read, slow like every port */
        uint64_t now = rdtsc();
        d[i] = (uint32_t)(now - prev);
        prev = now;
    }
    entropy_add(p, KILN_ENTROPY_TSC, d, sizeof d);
    entropy_add(p, KILN_ENTROPY_TSC, &prev, sizeof prev); /* the time itself, too */
}

void random_gather_cpu(struct entropy_pool *p, const struct cpu_features *cpu) {
    int seed = cpu->rdseed ? gather(p, KILN_ENTROPY_RDSEED, rdseed64) : 0;
    int rand = cpu->rdrand ? gather(p, KILN_ENTROPY_RDRAND, rdrand64) : 0;
    gather_jitter(p);
    if (cpu->rdseed && !seed) log_warn("entropy: RDSEED delivered nothing in %d tries per word", RDSEED_TRIES);
    if (cpu->rdrand && !rand) log_warn("entropy: RDRAND failed %d times in a row: its generator is broken", RDRAND_TRIES);
    log_debug("entropy: RDSEED %d/%d, RDRAND %d/%d words, %d TSC samples", seed, cpu->rdseed ? WORDS : 0, rand,
              cpu->rdrand ? WORDS : 0, JITTER_SAMPLES);
}
