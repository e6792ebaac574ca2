/* rng.c - the firmware's EFI_RNG_PROTOCOL, one of the entropy pool's
 * sources (efi.h). Absent on most firmware without a hardware RNG driver
 * (OVMF has it with a virtio-rng device). */
#include "common/log.h"
#include "core/kstring.h"
#include "uefi/efi.h"

bool efi_random(uint8_t out[32]) {
    static EFI_GUID rng_guid = EFI_RNG_PROTOCOL_GUID;
    EFI_RNG_PROTOCOL *rng = NULL;
    EFI_STATUS s = bs->LocateProtocol(&rng_guid, NULL, (void **)&rng);
    if (EFI_ERROR(s) || !rng) {
        log_debug("entropy: no EFI_RNG_PROTOCOL (%s)", efi_status_str(s));
        return false;
    }
    /* The default algorithm (NULL): whatever the firmware's driver does best. */
    s = rng->GetRNG(rng, NULL, 32, out);
    if (EFI_ERROR(s)) {
        memset(out, 0, 32);
        log_warn("entropy: EFI_RNG_PROTOCOL.GetRNG failed (%s)", efi_status_str(s));
        return false;
    }
    return true;
}
