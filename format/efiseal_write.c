/* efiseal_write.c - sealing BOOTX64.EFI (efiseal.h), for the host tool. */
#include "format/efiseal.h"

#include "core/kstring.h"

bool efi_seal(uint8_t *f, uint64_t size, kiln_err *e) {
    uint8_t *rec = 0;
    for (uint64_t i = 0; i + sizeof(struct efi_seal) <= size; i++) {
        if (f[i] != 'K' || memcmp(f + i, EFI_SEAL_MAGIC, EFI_SEAL_MAGIC_SIZE) != 0) continue;
        if (rec) return err_set(e, "efi: two seal records in BOOTX64.EFI");
        rec = f + i;
    }
    if (!rec) return err_set(e, "efi: BOOTX64.EFI has no seal record");
    uint32_t crc, covered, again;
    if (!efi_seal_crc(f, size, false, &crc, &covered, e)) return false;
    put_le32(rec + EFI_SEAL_MAGIC_SIZE, crc);
    put_le32(rec + EFI_SEAL_MAGIC_SIZE + 4, covered);
    /* The record must lie outside the covered bytes, or writing it changed them. */
    if (!efi_seal_crc(f, size, false, &again, &covered, e)) return false;
    if (again != crc) return err_set(e, "efi: the seal record lies in a read-only section");
    return true;
}
