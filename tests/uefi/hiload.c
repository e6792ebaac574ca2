/* hiload.c - a test EFI application that makes the firmware load Kiln above
 * 4 GiB, the case where loaders with 32-bit assumptions break on real
 * machines. It takes all free memory below 4 GiB (but 8 MiB it gives back
 * before starting Kiln), then loads
 * \EFI\BOOT\KILN.EFI (Kiln's BOOTX64.EFI, renamed by the test build) from its
 * own partition and starts it: the firmware must put the image above 4 GiB,
 * and Kiln's own allocations land there too. Prints to COM1. */
#include <efi.h>

#define MAX_BELOW_4G 0xffffffffull

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static void put(const char *s) {
    for (; *s; s++) {
        for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++) {}
        outb(0x3f8, (uint8_t)*s);
    }
}
static void put_hex(uint64_t v) {
    char b[19] = "0x";
    for (int i = 0; i < 16; i++) b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    b[18] = 0;
    put(b);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
    EFI_BOOT_SERVICES *bs = st->BootServices;
    static EFI_GUID lip = LOADED_IMAGE_PROTOCOL, dpp = DEVICE_PATH_PROTOCOL;
    bs->SetWatchdogTimer(0, 0, 0, NULL);

    /* Read KILN.EFI into memory first: once low memory is taken, the disk
     * drivers may have none left for their buffers, and how much they need
     * grows with the file. LoadImage then takes it from this buffer. */
    static EFI_GUID sfsp = SIMPLE_FILE_SYSTEM_PROTOCOL;
    static const CHAR16 path[] = L"\\EFI\\BOOT\\KILN.EFI";
    EFI_LOADED_IMAGE *li;
    EFI_FILE_IO_INTERFACE *fs;
    EFI_FILE_HANDLE root, file;
    UINTN fsize = 4u << 20;
    void *fbuf;
    if (EFI_ERROR(bs->HandleProtocol(image, &lip, (void **)&li)) ||
        EFI_ERROR(bs->HandleProtocol(li->DeviceHandle, &sfsp, (void **)&fs)) || EFI_ERROR(fs->OpenVolume(fs, &root)) ||
        EFI_ERROR(root->Open(root, &file, (CHAR16 *)path, EFI_FILE_MODE_READ, 0)) ||
        EFI_ERROR(bs->AllocatePool(EfiLoaderData, fsize, &fbuf)) || EFI_ERROR(file->Read(file, &fsize, fbuf))) {
        put("hiload: cannot read KILN.EFI\n");
        return EFI_NOT_FOUND;
    }

    /* Take every free page below 4 GiB, largest chunks first, but keep 8 MiB
     * aside to give back once Kiln is loaded: disk drivers need some low
     * memory for DMA bounce buffers. */
    EFI_PHYSICAL_ADDRESS reserve = MAX_BELOW_4G;
    const UINTN reserve_pages = (8u << 20) / 4096;
    if (EFI_ERROR(bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, reserve_pages, &reserve))) {
        put("hiload: cannot allocate the reserve\n");
        return EFI_OUT_OF_RESOURCES;
    }
    uint64_t taken = 0;
    for (UINTN pages = 1u << 18; pages;) {
        EFI_PHYSICAL_ADDRESS a = MAX_BELOW_4G;
        if (EFI_ERROR(bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, pages, &a))) pages /= 2;
        else taken += pages;
    }
    put("hiload: occupied ");
    put_hex(taken << 12);
    put(" bytes below 4 GiB\n");

    /* Device path of \EFI\BOOT\KILN.EFI on our own partition. */
    EFI_DEVICE_PATH *dp;
    if (EFI_ERROR(bs->HandleProtocol(li->DeviceHandle, &dpp, (void **)&dp))) {
        put("hiload: no device path\n");
        return EFI_NOT_FOUND;
    }
    UINTN len = 0;
    for (EFI_DEVICE_PATH *n = dp; !(n->Type == 0x7f && n->SubType == 0xff);
         n = (EFI_DEVICE_PATH *)((UINT8 *)n + (n->Length[0] | n->Length[1] << 8)))
        len += n->Length[0] | n->Length[1] << 8;
    UINTN node = 4 + sizeof path;
    UINT8 *full;
    if (EFI_ERROR(bs->AllocatePool(EfiLoaderData, len + node + 4, (void **)&full))) return EFI_OUT_OF_RESOURCES;
    bs->CopyMem(full, dp, len);
    UINT8 *f = full + len;
    f[0] = MEDIA_DEVICE_PATH, f[1] = MEDIA_FILEPATH_DP, f[2] = (UINT8)node, f[3] = (UINT8)(node >> 8);
    bs->CopyMem(f + 4, (void *)path, sizeof path);
    f += node;
    f[0] = 0x7f, f[1] = 0xff, f[2] = 4, f[3] = 0;

    EFI_HANDLE child;
    EFI_STATUS s = bs->LoadImage(FALSE, image, (EFI_DEVICE_PATH *)full, fbuf, fsize, &child);
    if (EFI_ERROR(s)) {
        put("hiload: LoadImage failed\n");
        return s;
    }
    EFI_LOADED_IMAGE *cli;
    bs->HandleProtocol(child, &lip, (void **)&cli);
    uint64_t base = (uint64_t)(UINTN)cli->ImageBase;
    put("hiload: Kiln loaded at ");
    put_hex(base);
    put(base > MAX_BELOW_4G ? " (above 4 GiB)\n" : " (below 4 GiB)\n");
    bs->FreePages(reserve, reserve_pages);
    s = bs->StartImage(child, NULL, NULL);
    put("hiload: Kiln returned\n");
    return s;
}
