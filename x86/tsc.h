/* tsc.h - TSC frequency: CPUID leaf 0x15 when it gives the crystal, else
 * the base frequency of leaf 0x16, else a hypervisor's leaf 0x40000010,
 * else a 1 ms measurement against the ACPI PM timer the FADT names (rsdp:
 * the RSDP's address, 0 for none), else 2 ms twice against PIT channel 2
 * (the speaker channel, which firmware timers do not use), each given up
 * within about a second if its timer does not tick. 0 when nothing works. */
#ifndef X86_TSC_H
#define X86_TSC_H

#include <stdint.h>

/* *source names where the value came from, for the log. */
uint64_t tsc_frequency(uint64_t rsdp, const char **source);

#endif
