/* tsc.h - TSC frequency: CPUID leaf 0x15 when complete, else a 10 ms
 * measurement against PIT channel 2 (the speaker channel, which firmware
 * timers do not use). 0 when neither works (PIT clock-gated, no leaf). */
#ifndef COMMON_TSC_H
#define COMMON_TSC_H

#include <stdint.h>

uint64_t tsc_frequency(void);

#endif
