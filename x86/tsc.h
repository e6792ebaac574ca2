/* tsc.h - TSC frequency: CPUID leaf 0x15 when it gives the crystal, else
 * the base frequency of leaf 0x16, else a 10 ms measurement against PIT
 * channel 2 (the speaker channel, which firmware timers do not use), given
 * up within about a second if the PIT does not tick. 0 when nothing works. */
#ifndef X86_TSC_H
#define X86_TSC_H

#include <stdint.h>

uint64_t tsc_frequency(void);

#endif
