/* trust.h - the payload hash inside BOOTX64.EFI (docs/secure-boot.md).
 *
 * `kiln image --sign-key KEY --sign-cert CERT` writes the SHA-256 of the
 * whole payload (its bytes 0 .. payload_size: header, entry table, config
 * with the command line, kernel, modules, stage 2) into this record of a
 * copy of BOOTX64.EFI, then has sbsigntool sign that copy. The firmware's
 * signature check then covers the hash, and the loader (uefi/trust.c)
 * refuses any payload whose hash differs. The record sits in the loader's
 * initialized data; the tool finds it by its magic, which must occur
 * exactly once in the binary. All integers little endian. */
#ifndef FORMAT_TRUST_H
#define FORMAT_TRUST_H

#include <stdint.h>

#define TRUST_MAGIC "KILN-TRUST-HASH\x01" /* 16 bytes, no NUL in the record */
#define TRUST_MAGIC_SIZE 16u
#define TRUST_VERSION 1u

/* Offsets in the record. */
#define TRUST_R_VERSION 16u      /* u32: TRUST_VERSION */
#define TRUST_R_ARMED 20u        /* u32: 1 = the hash below is the one to check; 0 = unsigned build */
#define TRUST_R_PAYLOAD_SIZE 24u /* u64: bytes hashed */
#define TRUST_R_SHA256 32u       /* 32 bytes */
#define TRUST_RECORD_SIZE 64u

struct trust_record {
    uint8_t magic[TRUST_MAGIC_SIZE];
    uint32_t version, armed;
    uint64_t payload_size;
    uint8_t sha256[32];
};
_Static_assert(sizeof(struct trust_record) == TRUST_RECORD_SIZE, "trust record layout");
_Static_assert(__builtin_offsetof(struct trust_record, armed) == TRUST_R_ARMED, "trust record layout");
_Static_assert(__builtin_offsetof(struct trust_record, payload_size) == TRUST_R_PAYLOAD_SIZE, "trust record layout");
_Static_assert(__builtin_offsetof(struct trust_record, sha256) == TRUST_R_SHA256, "trust record layout");

#endif
