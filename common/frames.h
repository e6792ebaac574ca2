/* frames.h - the frame allocator: every page the loader takes is recorded
 * with its kind, so the final memory map reports each used frame as what it
 * is (kernel, stack, page tables, ...). Where the pages come from is the
 * platform's business: a pool over the E820 map on BIOS (common/pool.h),
 * AllocatePages on UEFI. */
#ifndef COMMON_FRAMES_H
#define COMMON_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

typedef uint64_t (*frames_source_fn)(uint64_t pages, uint64_t limit);

/* limit: default exclusive upper bound for allocations (the loader can only
 * touch memory below it). */
void frames_init(frames_source_fn source, uint64_t limit);
/* The limit given to frames_init(): the loader reads no memory at or above it. */
uint64_t frames_limit(void);
/* Zeroed pages, or 0 when memory is exhausted. */
uint64_t frames_alloc(uint64_t pages, uint32_t kind);
/* The same, not zeroed: only for pages the caller overwrites entirely
 * (a file read, then its tail zeroed; segments by elf_load_segments), so
 * no byte is written twice. */
uint64_t frames_alloc_raw(uint64_t pages, uint32_t kind);
/* frames_alloc_raw for a block the loader fills by copying from the memory
 * at `from` (a kernel segment, from its bytes in the kernel file): placed
 * an odd number of pages away from it, so that no page of the copy's
 * source and its destination page are a multiple of any power of two
 * pages apart. Emulators with a direct-mapped software TLB (QEMU's TCG:
 * entry = page number modulo a power of two) otherwise evict one stream's
 * entry with the other's on every store when the distance is such a
 * multiple: a 64 MiB kernel whose segment lay 16,384 pages from its file
 * bytes took 6-7 times as long to copy (docs/benchmarks.md). One page more
 * is taken; the one left over is recorded BOOTLOADER_RECLAIMABLE. */
uint64_t frames_alloc_raw_odd(uint64_t pages, uint32_t kind, uint64_t from);
/* Pages the loader will execute from while still on the firmware's page
 * tables (the hand-off stub). UEFI firmware may map loader *data* NX, so
 * the platform can give a separate source (EfiLoaderCode); without one the
 * normal source is used. Recorded as BOOTLOADER_RECLAIMABLE. */
void frames_set_code_source(frames_source_fn source);
uint64_t frames_alloc_code(uint64_t pages);
/* The same, below `limit` (the hand-off when it changes the paging depth
 * runs through 32-bit protected mode: its page and the top-level table must
 * be below 4 GiB). */
uint64_t frames_alloc_below(uint64_t pages, uint32_t kind, uint64_t limit);
uint64_t frames_alloc_code_below(uint64_t pages, uint64_t limit);
/* Record memory already in use (e.g. the BIOS stage 2 image). */
bool frames_record(uint64_t base, uint64_t len, uint32_t kind);
const struct kiln_memory_region *frames_records(size_t *count);

/* Loader view of physical memory. Identity on both firmware paths; the
 * host unit tests provide their own. */
void *phys_ptr(uint64_t pa);

/* A bump heap for the loader's own bookkeeping (BOOTLOADER_RECLAIMABLE).
 * Zeroed, 16-byte aligned; returns NULL when memory is exhausted. */
void *heap_alloc(uint64_t bytes);

#endif
