/* cmos.h - the CMOS real-time clock (ports 0x70/0x71), for the BIOS
 * platform's boot time. */
#ifndef X86_CMOS_H
#define X86_CMOS_H

#include <stdbool.h>
#include <stdint.h>

/* Reads the date and time: waits out an update in progress (bounded), then
 * reads until two passes agree. century_reg: the FADT's CMOS index, 0 for
 * none. Returns Unix time in *out; false when the clock does not settle or
 * holds values that are not a date (core/datetime.c). */
bool cmos_unix_time(uint8_t century_reg, int64_t *out);

#endif
