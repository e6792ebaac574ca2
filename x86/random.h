/* random.h - the CPU's entropy sources for the pool (core/entropy.h). */
#ifndef X86_RANDOM_H
#define X86_RANDOM_H

#include "core/entropy.h"
#include "x86/cpu.h"

/* Absorbs RDSEED and RDRAND output (where the CPU has them and they
 * deliver) and TSC jitter into the pool. */
void random_gather_cpu(struct entropy_pool *p, const struct cpu_features *cpu);

#endif
