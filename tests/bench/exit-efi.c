/* exit-efi.c - an EFI application that leaves QEMU at once through
 * isa-debug-exit: `make bench` boots it to measure OVMF's own time, the
 * floor under any UEFI loader. */
#include <efi.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
    (void)image, (void)st;
    __asm__ volatile("outb %0, %1" : : "a"((uint8_t)0x10), "Nd"((uint16_t)0xf4));
    return EFI_SUCCESS;
}
