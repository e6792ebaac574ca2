/* payload.h - the Kiln payload: kernel, modules and image config, stored once
 * per disk image in the Kiln partition, each with its checksum (sum128.h).
 *
 * Layout of the Kiln partition (all integers little endian):
 *   byte 0       struct payload_header, then entry_count struct payload_entry
 *   entries      each at a 4 KiB-aligned offset from the partition start
 * Stage 2 (BIOS only) is itself an entry of type PAYLOAD_STAGE2 so that
 * `kiln info` can show it; stage 1 loads it by LBA without reading this table.
 * docs/disk-layout.md has the full picture. */
#ifndef FORMAT_PAYLOAD_H
#define FORMAT_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sum128.h"
#include "core/util.h"

#define PAYLOAD_MAGIC "KILNPAYL"
/* 2: each entry's checksum is sum128 (core/sum128.h) instead of CRC-32,
 * which cost 3.4 instructions a byte on QEMU's default CPU against 0.56
 * (docs/benchmarks.md); version 1 images are refused by name. */
#define PAYLOAD_VERSION 2u
#define PAYLOAD_ALIGN 4096u
#define PAYLOAD_NAME_MAX 64u         /* including the NUL */
#define PAYLOAD_MAX_ENTRIES 64u
#define PAYLOAD_HEADER_MAX 8192u     /* header + table never exceed this */

enum payload_type {
    PAYLOAD_KERNEL = 1,
    PAYLOAD_MODULE = 2,
    PAYLOAD_CONFIG = 3, /* image config text, see format/imgconfig.h */
    PAYLOAD_STAGE2 = 4,
};

struct payload_header {
    char magic[8];         /* 0: "KILNPAYL" */
    uint32_t version;      /* 8: PAYLOAD_VERSION */
    uint32_t header_size;  /* 12: bytes of header + entry table */
    uint32_t entry_count;  /* 16 */
    uint32_t header_crc32; /* 20: CRC of header + table with this field zero */
    uint64_t total_size;   /* 24: bytes from the partition start to the end of the last entry */
};

struct payload_entry {
    uint32_t type;  /* 0: enum payload_type */
    uint32_t crc32; /* 4: a module's CRC-32, for kiln_module.crc32; 0 for other types */
    uint64_t offset; /* 8: from the partition start, PAYLOAD_ALIGN aligned */
    uint64_t size;   /* 16: bytes */
    struct sum128 sum; /* 24: of the entry's bytes: what the loader checks */
    char name[PAYLOAD_NAME_MAX]; /* 56: NUL-terminated, printable ASCII */
};

_Static_assert(sizeof(struct payload_header) == 32, "payload_header size");
_Static_assert(sizeof(struct payload_entry) == 120, "payload_entry size");

/* Validates a header and its table held in buf (len bytes, at least
 * header_size). Checks magic, version, sizes, CRC, every entry's bounds,
 * alignment, name, overlaps, exactly one kernel and at most one config
 * (not the entries' bytes: payload_entry_ok() checks those).
 * `avail`, if non-zero, is the size of the partition: every entry must fit. */
bool payload_validate(const void *buf, uint64_t len, uint64_t avail, kiln_err *e);

/* The i-th entry of a validated header. */
const struct payload_entry *payload_entry_at(const struct payload_header *h, uint32_t i);
/* The first entry of the given type, or NULL. */
const struct payload_entry *payload_find(const struct payload_header *h, uint32_t type);
const char *payload_type_name(uint32_t type);
/* Whether `got`, the sum of the entry's pe->size bytes (sum128_of, or
 * taken as they were read), matches the stored one; if not, a message
 * naming the entry and both sums. */
bool payload_entry_ok(const struct payload_entry *pe, const struct sum128 *got, kiln_err *e);

/* Writing one (format/payload_write.c: the host tool and tests only). The
 * caller has checked the items (at most PAYLOAD_MAX_ENTRIES, one kernel,
 * names of printable ASCII shorter than PAYLOAD_NAME_MAX). */
struct payload_item {
    uint32_t type;
    const char *name;
    const void *data;
    uint64_t size;
};
/* Bytes of the payload: header, table, each entry at a PAYLOAD_ALIGN offset. */
uint64_t payload_size(const struct payload_item *items, uint32_t n);
/* Writes it into buf (payload_size() bytes); offsets[i] gets item i's offset. */
void payload_write(uint8_t *buf, const struct payload_item *items, uint32_t n, uint64_t offsets[]);
/* Only the header and entry table, into hdr (PAYLOAD_HEADER_MAX bytes),
 * with each item's sum (and a module's CRC-32); returns the header's size. The items' bytes then go
 * to offsets[i] of the payload as they are (kiln image writes them
 * straight from the input file's buffer: each byte written once), and
 * everything else up to payload_size() is zero. */
uint32_t payload_write_header(uint8_t *hdr, const struct payload_item *items, uint32_t n, uint64_t offsets[]);

#endif
