/* efiseal.c - the sum BOOTX64.EFI checks itself against (efiseal.h). The same
 * code runs in the tool over the file and in the loader over its own image. */
#include "format/efiseal.h"


#define PE_SECTION_SIZE 40u
#define SCN_MEM_WRITE 0x80000000u

bool efi_seal_sum(const uint8_t *b, uint64_t size, bool loaded, struct sum128 *sum, uint32_t *covered,
                  kiln_err *e) {
    if (!loaded && size < 0x40) return err_set(e, "efi: %llu bytes, too small for a PE file", (unsigned long long)size);
    uint32_t pe = get_le32(b + 0x3c);
    if (get_le16(b) != 0x5a4d || (!loaded && pe > size - 24) || get_le32(b + pe) != 0x4550)
        return err_set(e, "efi: not a PE file");
    uint16_t nsec = get_le16(b + pe + 6), optsz = get_le16(b + pe + 20);
    uint64_t opt = (uint64_t)pe + 24, sec = opt + optsz;
    if (loaded) {
        if (optsz < 60 || get_le16(b + opt) != 0x20b) return err_set(e, "efi: not a PE32+ image");
        size = get_le32(b + opt + 56); /* SizeOfImage */
    }
    if (sec + (uint64_t)nsec * PE_SECTION_SIZE > size) return err_set(e, "efi: the section table runs past the end");
    struct sum128 c = {0, 0, 0, 0};
    uint64_t n = 0;
    for (uint16_t i = 0; i < nsec; i++) {
        const uint8_t *s = b + sec + (uint64_t)i * PE_SECTION_SIZE;
        if (get_le32(s + 36) & SCN_MEM_WRITE) continue;
        uint64_t len = MIN(get_le32(s + 8), get_le32(s + 16)), off = get_le32(s + (loaded ? 12 : 20));
        if (off + len > size) return err_set(e, "efi: section %u runs past the end of the image", i);
        sum128_update(&c, b + off, (size_t)len); /* a partial last word padded: the next section starts a word */
        n += len;
    }
    if (n == 0 || n > UINT32_MAX) return err_set(e, "efi: no read-only section to check");
    *sum = c;
    *covered = (uint32_t)n;
    return true;
}
