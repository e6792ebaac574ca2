/* trust.c - UEFI Secure Boot and the signed payload hash (format/trust.h,
 * docs/secure-boot.md).
 *
 * A signed BOOTX64.EFI carries the SHA-256 of the whole payload in
 * kiln_trust (written by `kiln image --sign-key` before sbsign signed the
 * binary, so the firmware's signature check covers it). Before anything of
 * the payload is used, efi_trust_init() reads all of it into memory once,
 * hashes it and compares; from then on the boot flow reads the payload only
 * from that verified copy (p->read), never from the disk (or the fetched
 * network copy: it reads through the same p->read) again, so nothing
 * can change between the check and the use. A mismatch stops the boot.
 *
 * Under Secure Boot (the SecureBoot variable is 1) a loader without a hash
 * refuses to boot at all: there is no unverified path. Without Secure Boot
 * an unsigned loader boots as before (CRC-32 checks only), and a signed one
 * still insists on its hash. */
#include "common/log.h"
#include "core/kstring.h"
#include "core/sha256.h"
#include "format/trust.h"
#include "uefi/efi.h"

/* Filled in by the tool; volatile so the compiler never folds an unsigned
 * build's zeros into the code that reads it. */
__attribute__((used, aligned(16))) volatile struct trust_record kiln_trust = {
    .magic = TRUST_MAGIC, .version = TRUST_VERSION, .armed = 0, .payload_size = 0, .sha256 = {0}};

static const uint8_t *verified;
static uint64_t verified_size;

static bool verified_read(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                          size_t ntees, kiln_err *e) {
    uint64_t end;
    if (!add_ok(offset, size, &end) || end > verified_size)
        return err_set(e, "payload: read of %llu bytes at %llu runs past the verified payload (%llu bytes)",
                       (unsigned long long)size, (unsigned long long)offset, (unsigned long long)verified_size);
    sum128_copy_tees(sum, dst, verified + offset, 0, size, tees, ntees);
    return true;
}

/* The firmware enforces Secure Boot: EFI_GLOBAL_VARIABLE SecureBoot == 1. */
static bool secure_boot_on(void) {
    static EFI_GUID global = EFI_GLOBAL_VARIABLE;
    UINT8 v = 0;
    UINTN size = sizeof v;
    UINT32 attr = 0;
    EFI_STATUS s = st->RuntimeServices->GetVariable(L"SecureBoot", &global, &attr, &size, &v);
    return !EFI_ERROR(s) && size == 1 && v == 1;
}

bool efi_trust_init(struct platform *p, kiln_err *e) {
    struct trust_record t;
    for (size_t i = 0; i < sizeof t; i++) ((uint8_t *)&t)[i] = ((const volatile uint8_t *)&kiln_trust)[i];
    bool sb = secure_boot_on();
    if (!t.armed) {
        if (sb)
            return err_set(e, "secure boot: Secure Boot is on but this loader has no payload hash, so nothing it "
                              "loads could be verified (make the image with kiln image --sign-key)");
        return true;
    }
    if (t.version != TRUST_VERSION)
        return err_set(e, "secure boot: payload hash record version %u, this loader knows %u", t.version, TRUST_VERSION);
    uint64_t pages = align_up(t.payload_size, PAGE_SIZE) / PAGE_SIZE;
    EFI_PHYSICAL_ADDRESS buf = 0;
    if (!t.payload_size || pages > (UINT64_MAX >> 12) ||
        EFI_ERROR(bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &buf)))
        return err_set(e, "secure boot: no memory to verify the %llu-byte payload", (unsigned long long)t.payload_size);
    /* p->read: the disk, or the payload fetched over the network (main.c) */
    if (!p->read(0, (void *)(uintptr_t)buf, t.payload_size, NULL, NULL, 0, e)) return err_prefix(e, "secure boot");
    struct sha256 h;
    uint8_t got[32];
    char got_hex[65], want_hex[65];
    sha256_init(&h);
    sha256_update(&h, (const void *)(uintptr_t)buf, t.payload_size);
    sha256_final(&h, got);
    sha256_to_hex(got, got_hex);
    sha256_to_hex(t.sha256, want_hex);
    if (memcmp(got, t.sha256, 32)) {
        log_error("secure boot: payload SHA-256 %s", got_hex);
        log_error("secure boot: signed for      %s", want_hex);
        return err_set(e, "secure boot: the payload is not the one this loader was signed for (kernel, module, "
                          "command line or config changed after signing)");
    }
    verified = (const uint8_t *)(uintptr_t)buf;
    verified_size = t.payload_size;
    p->read = verified_read;
    p->secure_boot = sb;
    log_info("secure boot: %s; payload SHA-256 %.16s... verified", sb ? "enforced" : "not enforced", got_hex);
    return true;
}
