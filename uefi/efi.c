/* efi.c - what every part of the UEFI platform uses (efi.h): the system
 * table, boot services and our image handle, and readable status codes. */
#include "uefi/efi.h"

EFI_SYSTEM_TABLE *st;
EFI_BOOT_SERVICES *bs;
EFI_HANDLE image_handle;

void efi_init(EFI_HANDLE handle, EFI_SYSTEM_TABLE *systab) {
    image_handle = handle;
    st = systab;
    bs = systab->BootServices;
}

const char *efi_status_str(EFI_STATUS s) {
    switch (s) {
    case EFI_SUCCESS: return "success";
    case EFI_INVALID_PARAMETER: return "invalid parameter";
    case EFI_UNSUPPORTED: return "unsupported";
    case EFI_BUFFER_TOO_SMALL: return "buffer too small";
    case EFI_DEVICE_ERROR: return "device error";
    case EFI_OUT_OF_RESOURCES: return "out of resources";
    case EFI_NOT_FOUND: return "not found";
    case EFI_NO_MEDIA: return "no media";
    case EFI_MEDIA_CHANGED: return "media changed";
    default: return "error";
    }
}
