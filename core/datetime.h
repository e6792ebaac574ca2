/* datetime.h - calendar time to Unix time, and the decoding of the PC's
 * CMOS real-time clock registers (BCD or binary, 12- or 24-hour). Pure
 * logic: x86/cmos.c reads the registers, uefi/ asks GetTime, and the unit
 * tests feed both hostile values. */
#ifndef CORE_DATETIME_H
#define CORE_DATETIME_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds since 1970-01-01 00:00:00 UTC of a proleptic Gregorian date and
 * time. False (nothing written) when a field is out of range: year outside
 * 1970-9999, month 1-12, day beyond the month's length, hour 0-23, minute
 * 0-59, second 0-59 (a leap second 60 is counted as 59). */
bool datetime_to_unix(uint32_t year, uint32_t month, uint32_t day, uint32_t hour, uint32_t minute, uint32_t second,
                      int64_t *out);

/* The CMOS RTC's registers as read (x86/cmos.c). */
struct cmos_time {
    uint8_t second, minute, hour, day, month, year; /* registers 0x00 0x02 0x04 0x07 0x08 0x09 */
    uint8_t status_b;     /* register 0x0B: bit 2 binary (else BCD), bit 1 24-hour (else 12-hour) */
    uint8_t century;      /* the FADT's century register, when has_century */
    bool has_century;
};
#define CMOS_B_BINARY 0x04u
#define CMOS_B_24HOUR 0x02u

/* Decodes the registers into Unix time. In 12-hour mode bit 7 of the hour
 * is PM (12 AM is hour 0, 12 PM is noon). Without a century register, a
 * two-digit year 70-99 is 19xx and 00-69 is 20xx. False when a register
 * holds a value that is not a valid BCD digit pair or is out of range. */
bool cmos_time_to_unix(const struct cmos_time *t, int64_t *out);

#endif
