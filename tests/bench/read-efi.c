/* read-efi.c - the raw-read floor under OVMF for `make bench`: an EFI
 * application that reads the largest partition of the disks (the Kiln
 * partition of the image it is put on) with one BlockIo ReadBlocks call
 * into pages it allocates, then leaves QEMU through isa-debug-exit
 * (exit status 33). Any failure leaves with status 3, so the benchmark
 * notices. */
#include <efi.h>

static void leave(uint8_t code) { __asm__ volatile("outb %0, %1" : : "a"(code), "Nd"((uint16_t)0xf4)); }

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
    (void)image;
    EFI_BOOT_SERVICES *bs = st->BootServices;
    EFI_GUID bip = BLOCK_IO_PROTOCOL;
    UINTN count = 0;
    EFI_HANDLE *handles = NULL;
    if (EFI_ERROR(bs->LocateHandleBuffer(ByProtocol, &bip, NULL, &count, &handles))) leave(1);
    EFI_BLOCK_IO *best = NULL;
    for (UINTN i = 0; i < count; i++) {
        EFI_BLOCK_IO *bio;
        if (EFI_ERROR(bs->HandleProtocol(handles[i], &bip, (void **)&bio))) continue;
        if (!bio->Media->LogicalPartition || !bio->Media->MediaPresent) continue;
        if (!best || bio->Media->LastBlock > best->Media->LastBlock) best = bio;
    }
    if (!best) leave(1);
    UINTN bytes = (UINTN)(best->Media->LastBlock + 1) * best->Media->BlockSize;
    EFI_PHYSICAL_ADDRESS buf = 0;
    if (EFI_ERROR(bs->AllocatePages(AllocateAnyPages, EfiLoaderData, (bytes + 4095) / 4096, &buf)))
        leave(1);
    if (EFI_ERROR(best->ReadBlocks(best, best->Media->MediaId, 0, bytes, (void *)(UINTN)buf)))
        leave(1);
    leave(0x10);
    return EFI_SUCCESS;
}
