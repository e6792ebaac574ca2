/* sign.c - a signed BOOTX64.EFI for one image (docs/secure-boot.md): the
 * payload's SHA-256 written into the loader's trust record
 * (format/trust.h), then the binary signed with sbsigntool's sbsign, whose
 * signature the firmware checks under Secure Boot. The result goes into the
 * image's ESP (or the ISO's EFI image) in place of the unsigned loader. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sha256.h"
#include "format/trust.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/cleanup.h"
#include "tools/kiln/util/die.h"

#define MAX_SIGNED_EFI ((size_t)MIB(64))

/* The one trust record in the loader binary, or death: zero or two would
 * mean the binary is not the loader this tool was built with. */
static size_t find_record(const uint8_t *efi, size_t size) {
    size_t at = SIZE_MAX;
    for (size_t i = 0; i + TRUST_RECORD_SIZE <= size; i++)
        if (!memcmp(efi + i, TRUST_MAGIC, TRUST_MAGIC_SIZE)) {
            if (at != SIZE_MAX) die("internal: BOOTX64.EFI has two payload hash records");
            at = i;
        }
    if (at == SIZE_MAX) die("internal: BOOTX64.EFI has no payload hash record");
    if (get_le32(efi + at + TRUST_R_VERSION) != TRUST_VERSION || get_le32(efi + at + TRUST_R_ARMED))
        die("internal: BOOTX64.EFI's payload hash record is not an unsigned version %u one", TRUST_VERSION);
    return at;
}

static char *temp_file(const char *what, const void *data, size_t size) {
    char *path = xmalloc(strlen(tmp_dir()) + 40);
    sprintf(path, "%s/kiln-%s.XXXXXX", tmp_dir(), what);
    int fd = mkstemp(path);
    if (fd < 0) die("%s: %s", path, strerror(errno));
    cleanup_add(path);
    if (size && write(fd, data, size) != (ssize_t)size) die("%s: write failed: %s", path, strerror(errno));
    if (close(fd) != 0) die("%s: %s", path, strerror(errno));
    return path;
}

static void check_readable(const char *opt, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("%s %s: %s", opt, path, strerror(errno));
    close(fd);
}

uint8_t *sign_efi(const char *key, const char *cert, const uint8_t *sealed, size_t size, const uint8_t *payload,
                  uint64_t payload_size, size_t *out_size) {
    check_readable("--sign-key", key);
    check_readable("--sign-cert", cert);
    uint8_t *efi = xmalloc(size);
    memcpy(efi, sealed, size);
    size_t at = find_record(efi, size);
    struct sha256 h;
    sha256_init(&h);
    sha256_update(&h, payload, payload_size);
    sha256_final(&h, efi + at + TRUST_R_SHA256);
    put_le32(efi + at + TRUST_R_ARMED, 1);
    put_le64(efi + at + TRUST_R_PAYLOAD_SIZE, payload_size);

    char *in = temp_file("unsigned-efi", efi, size), *out = temp_file("signed-efi", NULL, 0);
    free(efi);
    /* sbsign asks for the key's passphrase on the terminal if it has one. */
    char *argv[] = {"sbsign", "--key", (char *)key, "--cert", (char *)cert, "--output", out, in, NULL};
    run_tool(argv, "sbsigntool", "signing BOOTX64.EFI");
    uint8_t *signed_efi = read_file(out, out_size, MAX_SIGNED_EFI);
    cleanup_remove(in);
    cleanup_remove(out);
    free(in);
    free(out);
    if (*out_size <= size) die("sbsign wrote no signature into BOOTX64.EFI");
    return signed_efi;
}
