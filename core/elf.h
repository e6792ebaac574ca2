/* elf.h - ELF64 kernel validation, shared by the loader and `kiln check`.
 *
 * The kernel file is hostile input: every header field, offset and size is
 * bounds- and overflow-checked before use, and a failure names the field.
 * elf_parse() never writes to the file; elf_relocate() applies relocations
 * to the loaded image. */
#ifndef CORE_ELF_H
#define CORE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "kiln.h"

#define ELF_MAX_LOAD 32u /* PT_LOAD segments accepted */
#define ELF_MAX_RUNS 8u  /* groups of segments loaded as one contiguous block */

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_segment {
    uint64_t vaddr, memsz;  /* link-time virtual address and size in memory */
    uint64_t offset, filesz;
    uint64_t align;
    uint32_t flags; /* ELF_PF_* */
    uint32_t index; /* program header index, for messages */
};

/* Segments whose pages are close together are loaded as one physically
 * contiguous run; [start, end) is page-aligned, link-time addresses. */
struct elf_run {
    uint64_t start, end;
};

/* Warnings: not fatal; the loader, `kiln check` and `kiln image` print
 * them with elf_warning(). */
#define ELF_WARN_RWX_SEGMENT 0x1u   /* a segment is writable and executable */
#define ELF_WARN_SHARED_PAGE 0x2u   /* two segments share a page with different permissions */
#define ELF_WARN_NO_CONFIG 0x4u     /* no KILN_CONFIG record: defaults apply */
#define ELF_WARN_CONFIG_NEWER 0x8u  /* built against a newer minor kiln.h: unknown fields ignored */
#define ELF_WARN_ALL 0xfu

struct elf_image {
    const uint8_t *file;
    uint64_t size;
    uint16_t type; /* ET_EXEC (2) or ET_DYN (3) */
    uint64_t entry;
    struct elf_segment seg[ELF_MAX_LOAD]; /* sorted by vaddr */
    uint32_t nseg;
    struct elf_run run[ELF_MAX_RUNS];
    uint32_t nrun;
    uint64_t min_vaddr, max_vaddr; /* page-aligned span of all segments */
    uint64_t max_align;            /* largest p_align of PT_LOAD (at least 4096) */

    bool has_tls;
    uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
    bool has_relro;
    uint64_t relro_vaddr, relro_memsz;
    bool has_dynamic;
    uint64_t dyn_off, dyn_size; /* PT_DYNAMIC's bytes in the file */

    /* Relocations (ET_DYN): file offsets of the tables, validated. */
    uint64_t rela_off, rela_count; /* Elf64_Rela entries, R_X86_64_RELATIVE or NONE only */
    uint64_t relr_off, relr_count; /* DT_RELR words */

    /* The KILN_CONFIG record, or NULL; config_size bytes are readable. */
    const struct kiln_config *config;
    uint64_t config_size;
    uint64_t config_offset;

    uint32_t warnings; /* ELF_WARN_* */
    uint32_t rwx_seg;                /* ELF_WARN_RWX_SEGMENT: the first such segment */
    uint32_t warn_seg_a, warn_seg_b; /* ELF_WARN_SHARED_PAGE: the segments and the page */
    uint64_t warn_page;
};

bool elf_parse(const void *file, uint64_t size, struct elf_image *img, kiln_err *e);
/* The first part of elf_parse: the header, the program headers, the
 * segments and runs (seg, run, min/max_vaddr, max_align), of a file of
 * `size` bytes of which only the first `readable` are there yet; the
 * program header table must lie in them. What the loader needs to place
 * the segments' bytes while it reads the rest (common/load.c); elf_parse
 * of the whole file then checks everything, and gives the same segments
 * and runs from the same bytes. */
bool elf_parse_load(const void *file, uint64_t size, uint64_t readable, struct elf_image *img, kiln_err *e);

/* The message for warning `w` (one ELF_WARN_* bit) about `subject` (e.g.
 * "kernel 'k.elf'", or a path), into buf: returns ELF_WARNING or ELF_NOTE
 * (a fact worth knowing, not a problem), or 0 when img does not have w. */
enum { ELF_NOTE = 1, ELF_WARNING = 2 };
int elf_warning(const struct elf_image *img, uint32_t w, const char *subject, char *buf, size_t n);

/* Apply the relocations of a parsed ET_DYN image loaded with `bias` (runtime
 * address - link address). `run_mem[i]` points at the loader's view of run i
 * (run[i].end - run[i].start bytes, already holding the segments). Every
 * relocation target was validated by elf_parse to lie inside a segment. */
bool elf_relocate(const struct elf_image *img, uint8_t *const run_mem[], int64_t bias, kiln_err *e);

/* Copy the segments into the run buffers, zeroing what is not file data:
 * every byte of every run is written, so the buffers may hold anything.
 * With data_placed, the file data is there already (put there as the file
 * was read) and only the rest is zeroed. */
void elf_load_segments(const struct elf_image *img, uint8_t *const run_mem[], bool data_placed);

/* Mapping flags for the page at link-time address `page` (ELF_PF_* union of
 * all segments touching it; 0 if none). Pages in [align_down(RELRO start),
 * align_down(RELRO end)) lose ELF_PF_W, as with the dynamic linkers. */
uint32_t elf_page_flags(const struct elf_image *img, uint64_t page);
/* The first page after `page`, and at most `limit`, whose elf_page_flags
 * may differ from page's: the next page a segment or the RELRO range starts
 * or ends on. The loader maps a stretch of pages with one set of flags at a
 * time instead of asking for every page (16,384 calls for a 64 MiB kernel). */
uint64_t elf_flags_end(const struct elf_image *img, uint64_t page, uint64_t limit);

/* The run holding link-time address va, or -1. */
int elf_run_of(const struct elf_image *img, uint64_t va);

#endif
