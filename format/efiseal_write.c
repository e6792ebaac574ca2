/* efiseal_write.c - sealing BOOTX64.EFI (efiseal.h), for the host tool. */
#include "format/efiseal.h"

#include <stddef.h>

#include "core/kstring.h"

bool efi_seal(uint8_t *f, uint64_t size, kiln_err *e) {
    uint8_t *rec = 0;
    for (uint64_t i = 0; i + sizeof(struct efi_seal) <= size; i++) {
        if (f[i] != 'K' || memcmp(f + i, EFI_SEAL_MAGIC, EFI_SEAL_MAGIC_SIZE) != 0) continue;
        if (rec) return err_set(e, "efi: two seal records in BOOTX64.EFI");
        rec = f + i;
    }
    if (!rec) return err_set(e, "efi: BOOTX64.EFI has no seal record");
    struct sum128 sum, again;
    uint32_t covered;
    if (!efi_seal_sum(f, size, false, &sum, &covered, e)) return false;
    /* Little endian at the offsets of struct efi_seal (efiseal.h), whatever the host's byte order. */
    uint8_t *sp = rec + offsetof(struct efi_seal, sum);
    put_le32(rec + offsetof(struct efi_seal, covered), covered);
    put_le32(rec + offsetof(struct efi_seal, reserved), 0);
    put_le64(sp, sum.a_lo), put_le64(sp + 8, sum.a_hi), put_le64(sp + 16, sum.b_lo), put_le64(sp + 24, sum.b_hi);
    /* The record must lie outside the covered bytes, or writing it changed them. */
    if (!efi_seal_sum(f, size, false, &again, &covered, e)) return false;
    if (!sum128_equal(&again, &sum)) return err_set(e, "efi: the seal record lies in a read-only section");
    return true;
}
