/* mbr.h - the first sector of a Kiln disk: stage 1's code with the fields
 * the host tool patches into it, the disk signature and the partition table
 * (docs/disk-layout.md). One definition for stage1/stage1.asm (through
 * format/asm-offsets.c), stage 2 (which reads the fields from stage 1's copy
 * at 0x7C00) and the kiln tool (which writes them and shows them). */
#ifndef FORMAT_MBR_H
#define FORMAT_MBR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

#define MBR_SIZE 512u

/* Stage 1's fields, from MBR_STAGE1_FIELDS on; everything before is code
 * (after the BPB-shaped gap, MBR_BPB_END). */
#define MBR_BPB_END 0x5au            /* 0x03-0x59: may be patched by BIOSes emulating a floppy */
#define MBR_STAGE1_FIELDS 0x1a4u     /* up to here: 330 bytes of code (after the BPB gap) */
#define MBR_PAYLOAD_LBA 0x1a4u       /* u64: first LBA of the Kiln partition (read by stage 2) */
#define MBR_STAGE2_LBA 0x1acu        /* u64: first LBA of stage 2 */
#define MBR_STAGE2_SECTORS 0x1b4u    /* u16: its length in sectors, 1..STAGE2_MAX_SECTORS */
#define MBR_FLAGS 0x1b6u             /* u8: 0; test builds of stage 1 set MBR_FLAG_* in memory */
#define MBR_FLAG_CHS 0x01u           /* stage 2 reads the disk with CHS too */
#define MBR_FLAG_NO_E820 0x02u       /* stage 2 acts as if the BIOS had no E820 */
#define MBR_FLAG_LA57 0x04u          /* stage 2 runs on 5-level tables, as some UEFI firmware does (CPUs with LA57) */
#define MBR_FLAG_CDROM 0x08u         /* set by cdboot (stage1/cdboot.asm): the LBAs count 2048-byte CD blocks */
#define CD_BLOCK_SIZE 2048u          /* ISO 9660 / El Torito block */
#define MBR_DISK_SIGNATURE 0x1b8u    /* u32, then a u16 0 */
#define MBR_PARTITIONS 0x1beu        /* 4 entries of MBR_PARTITION_SIZE bytes */
#define MBR_PARTITION_SIZE 16u
#define MBR_BOOT_SIGNATURE 0x1feu    /* 0x55 0xAA */

#define MBR_TYPE_KILN 0x7fu          /* "reserved for individual use": the Kiln partition of a bios image */
#define MBR_TYPE_GPT_PROTECTIVE 0xeeu
#define MBR_ACTIVE 0x80u

/* What stage 1 loads: stage 2, to STAGE2_BASE. Its first sector starts with
 * a header the tool fills in when it writes an image (stage2_seal()):
 *   STAGE2_MAGIC_OFFSET    u32 STAGE2_MAGIC ("KLN2")
 *   STAGE2_HDR_SIZE        u32 bytes of stage 2: more than one sector, a
 *                          multiple of 16, at most STAGE2_SUM_MAX
 *   STAGE2_HDR_FIXUP       u32 chosen so that the 128 little-endian dwords
 *                          of the first sector sum (mod 2^32) to STAGE2_MAGIC
 *   STAGE2_HDR_PART_SECTORS u64 the Kiln partition's size in sectors (the
 *                          payload must fit it: stage 2 checks total_size)
 *   STAGE2_HDR_SUM_A       u64 a = w1 + w2 + ... + wn
 *   STAGE2_HDR_SUM_B       u64 b = a1 + a2 + ... + an, ak the running sum
 *                          w1 + ... + wk
 * where w1..wn are the little-endian u32 words of bytes 512 .. size
 * (stage2_sums()). Stage 1 checks the first sector's sum before it jumps
 * (any changed byte of the first sector changes it); the first sector's code
 * then checks that stage 1 loaded all STAGE2_HDR_SIZE bytes and their two
 * sums before anything beyond it runs (stage2/entry.asm: four instructions
 * a word in real mode, where a bit-by-bit CRC-32 cost about 40 a byte).
 * Both sums are exact: a < 2^48, and b <= (2^32 - 1) n (n + 1) / 2 < 2^63
 * while n < 2^16 words (STAGE2_SUM_MAX), so damage e1..en (ek the change of
 * word k) goes unseen only if e1 + ... + en = 0 and 1 e1 + ... + n en = 0 as
 * integers. A change in one word or two (so any burst up to 33 bits), two
 * swapped words, and any damage that only clears bits or only sets bits (a
 * zeroed or 0xFF-filled sector: all ek of one sign) are always seen
 * (docs/disk-layout.md). */
#define STAGE2_BASE 0x8000u
#define STAGE2_MAGIC_OFFSET 4u
#define STAGE2_MAGIC 0x324e4c4bu     /* 'K' 'L' 'N' '2' as a little-endian u32 */
#define STAGE2_HDR_SIZE 8u
#define STAGE2_HDR_FIXUP 12u
#define STAGE2_HDR_PART_SECTORS 16u
#define STAGE2_HDR_SUM_A 24u
#define STAGE2_HDR_SUM_B 32u
#define STAGE2_HDR_END 40u
#define STAGE2_SUM_MAX 0x40000u      /* 256 KiB: the sums stay exact (above); linker/stage2.ld asserts it too */
#define STAGE2_MAX_SECTORS 832u      /* (0x70000 - STAGE2_BASE) / 512: up to the bounce buffer */

struct mbr_partition {
    uint8_t status; /* MBR_ACTIVE or 0 */
    uint8_t type;   /* 0: unused */
    uint32_t first_lba, sectors;
};

struct mbr {
    bool boot_signature; /* 55 AA present */
    uint32_t disk_signature;
    struct mbr_partition part[4];
    /* Stage 1's fields (all 0 where no Kiln stage 1 was written: uefi images). */
    uint64_t payload_lba, stage2_lba;
    uint16_t stage2_sectors;
    uint8_t flags;
};

/* Reads a sector as an MBR. Every field is taken as it is; what it means
 * (a usable Kiln partition, a protective MBR) is for the caller to judge. */
void mbr_parse(const uint8_t sector[MBR_SIZE], struct mbr *m);
/* The index of the first partition of the given type, or -1. */
int mbr_find(const struct mbr *m, uint8_t type);
/* Checks a sealed stage 2 of `size` bytes as stage 1 and stage 2's first
 * sector do at boot (the first sector's sum, the length, the two sums of the
 * rest); for the tests. */
bool stage2_check(const uint8_t *s2, uint64_t size, kiln_err *e);
/* The two sums of the header (above) over `len` bytes, len a multiple of 4. */
void stage2_sums(const uint8_t *p, uint32_t len, uint64_t *a, uint64_t *b);

/* Writing one (format/mbr_write.c: the host tool only). */
/* CHS triple for a partition entry (255 heads, 63 sectors per track; LBAs
 * beyond CHS reach get the conventional 1023/254/63). */
void mbr_lba_to_chs(uint64_t lba, uint8_t chs[3]);
/* Partition entry i (0-3); LBA and size clipped to 32 bits. */
void mbr_set_partition(uint8_t sector[MBR_SIZE], int i, uint8_t status, uint8_t type, uint64_t lba, uint64_t sectors);
void mbr_set_stage1(uint8_t sector[MBR_SIZE], uint64_t payload_lba, uint64_t stage2_lba, uint16_t stage2_sectors);
void mbr_set_disk_signature(uint8_t sector[MBR_SIZE], uint32_t signature);
/* Fills in stage 2's header (above) for a Kiln partition of part_sectors
 * sectors. False, with a message, if s2 is no stage 2 (no magic, not more
 * than one sector, larger than STAGE2_SUM_MAX, not a multiple of 16). */
bool stage2_seal(uint8_t *s2, uint64_t size, uint64_t part_sectors, kiln_err *e);

#endif
