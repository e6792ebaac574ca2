/* madt.h - the processors of the ACPI MADT, found from the RSDP through the
 * XSDT (ACPI 2.0+) or the RSDT.
 *
 * Every byte comes from firmware and is treated as hostile: each table is
 * read only through the caller's view function (which refuses memory the
 * caller cannot read), its length is bounded before it is read and its
 * checksum verified; a malformed MADT entry ends the walk with an error,
 * never a read past the table. Pure logic: the loader and the unit tests
 * run it with views of their own. */
#ifndef CORE_MADT_H
#define CORE_MADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "kiln.h"

/* Where [pa, pa+len) can be read, or NULL when the caller cannot read it. */
typedef const uint8_t *(*madt_view_fn)(void *ctx, uint64_t pa, uint64_t len);

#define MADT_TABLE_MAX MIB(1) /* longest RSDT, XSDT or MADT accepted */

/* The processors of the MADT in table order, as kiln_cpu records:
 * acpi_uid, lapic_id and state, everything else 0. Local APIC (type 0) and
 * x2APIC (type 9) entries are read; an entry neither enabled nor
 * online-capable is skipped, one online-capable but not enabled is listed
 * as KILN_CPU_DISABLED, an enabled one as KILN_CPU_NOT_STARTED; a second
 * entry for an APIC ID already listed is skipped, as are the broadcast IDs.
 * *n is the number of processors (when it exceeds cap, only cap are
 * written). With out == NULL it only counts, duplicates included: an upper
 * bound for sizing out. False with a message when the tables are malformed or
 * there is no MADT. */
bool madt_cpus(madt_view_fn view, void *ctx, uint64_t rsdp, struct kiln_cpu *out, size_t cap, size_t *n,
               kiln_err *e);

#endif
