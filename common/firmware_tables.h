/* firmware_tables.h - ACPI RSDP and SMBIOS entry points: validation, and the
 * legacy memory scan used on BIOS. */
#ifndef COMMON_FIRMWARE_TABLES_H
#define COMMON_FIRMWARE_TABLES_H

#include <stdbool.h>
#include <stdint.h>

/* RSDP at p (avail bytes readable): signature, checksum of the first 20
 * bytes and, for revision >= 2, the extended checksum over `length` bytes
 * (36 <= length <= 4096, within avail). Revision 0 (ACPI 1.0) is accepted. */
bool rsdp_valid(const uint8_t *p, uint64_t avail);
/* "_SM_" (2.x, with its "_DMI_" intermediate checksum) or "_SM3_" (3.x). */
bool smbios2_valid(const uint8_t *p);
bool smbios3_valid(const uint8_t *p);

/* Scan [start, start+len) on 16-byte boundaries. Return the address or 0. */
uint64_t rsdp_scan(uint64_t start, uint64_t len);
void smbios_scan(uint64_t start, uint64_t len, uint64_t *sm2, uint64_t *sm3);

/* The ACPI table with signature sig, through the XSDT (revision 2+ RSDP
 * with one) or the RSDT; every table read lies below end and has a good
 * checksum. NULL when absent. */
const uint8_t *acpi_table(uint64_t rsdp, const char sig[4], uint64_t end, uint32_t *len);
/* The FADT's CENTURY field: the CMOS index of the century register, or 0
 * when there is none (or it names a clock register or is past the CMOS). */
uint8_t acpi_fadt_century(uint64_t rsdp, uint64_t end);
/* The FADT's ACPI PM timer (3.579545 MHz): its I/O port (X_PM_TMR_BLK when
 * that is in I/O space, else PM_TMR_BLK with PM_TMR_LEN 4) and the mask of
 * its 24 or 32 bits (TMR_VAL_EXT). 0 when there is none (hardware-reduced
 * ACPI, a zero or out-of-range port, a timer in memory space). */
uint16_t acpi_fadt_pm_timer(uint64_t rsdp, uint64_t end, uint32_t *mask);

#endif
