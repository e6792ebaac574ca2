/* clock.c - the boot time from the firmware's GetTime (efi.h). */
#include "common/log.h"
#include "core/datetime.h"
#include "uefi/efi.h"

bool efi_boot_time(int64_t *out) {
    EFI_TIME t;
    EFI_STATUS s = st->RuntimeServices->GetTime(&t, NULL);
    if (EFI_ERROR(s)) {
        log_warn("time: GetTime failed (%s); boot_unix_time is unknown", efi_status_str(s));
        return false;
    }
    int64_t v;
    if (!datetime_to_unix(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, &v)) {
        log_warn("time: GetTime returned no valid date (%u-%u-%u %u:%u:%u); boot_unix_time is unknown", t.Year, t.Month,
                 t.Day, t.Hour, t.Minute, t.Second);
        return false;
    }
    /* TimeZone is the local time's offset from UTC in minutes (local = UTC
     * + TimeZone); EFI_UNSPECIFIED_TIMEZONE (0x7FF) says nothing, and the
     * time is taken as UTC, which is what a PC clock kept for a kernel
     * holds and what QEMU's OVMF reports. */
    if (t.TimeZone != EFI_UNSPECIFIED_TIMEZONE && t.TimeZone >= -1440 && t.TimeZone <= 1440)
        v -= (int64_t)t.TimeZone * 60;
    log_debug("time: %lld s since 1970 from GetTime", (long long)v);
    *out = v;
    return true;
}
