/* image.h - the image part of the tool: building a bootable disk image
 * from a kernel (build.c, the partition tables in partitions.c), and the
 * commands that build and inspect: `kiln image` (image.c), `kiln check`
 * (check.c), `kiln info` (info.c). The disk layout is described in
 * docs/disk-layout.md. */
#ifndef KILN_TOOL_IMAGE_H
#define KILN_TOOL_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "format/payload.h"
#include "tools/kiln/config/config.h"
#include "tools/kiln/util/files.h"

#define MAX_MODULES 62 /* payload entries: kernel, config, stage2 and these */

/* --- building ------------------------------------------------------------------------ */

struct image_opts {
    const char *kernel, *out;
    const char *kernel_name;  /* the kernel's payload entry name; NULL: its file name */
    const char *cmdline;      /* NULL: none */
    const char *cmdline_name; /* what names it in messages; NULL: "--cmdline" */
    const char *config_file;  /* NULL: none */
    const char *log_level;    /* NULL: default */
    const char *fb;           /* NULL: the kernel's wish */
    const char *serial;       /* NULL: default (on) */
    const char *stage1;       /* test hook: a different stage 1 binary */
    const char *sign_key, *sign_cert; /* both or neither: sign BOOTX64.EFI with the payload's hash (sign.c) */
    enum image_kind kind;
    const char *module_path[MAX_MODULES];
    const char *module_name[MAX_MODULES];
    int nmodules;
    bool quiet;
};
bool parse_kind(const char *s, enum image_kind *k);
const char *kind_name(enum image_kind k);
/* The settings that shape an image in every command (kind, cmdline,
 * modules) into o; dies on more than MAX_MODULES modules. */
void image_opts_from(struct run_config *c, struct image_opts *o);
/* The loader's warnings about a kernel (elf_warning()), about `path`, on
 * stderr: "kiln: warning: ..."; with notes, also facts such as "has no
 * KILN_CONFIG record" ("kiln: ..."). */
struct elf_image;
void report_elf_warnings(const struct elf_image *img, const char *path, bool notes);
/* Validates the kernel as the loader will and writes the image; dies on
 * any error, leaving an existing file at o->out as it was. */
void image_build(const struct image_opts *o);

/* Loader binaries (blobs.S). */
extern const uint8_t kiln_stage1[], kiln_stage1_end[];
extern const uint8_t kiln_cdboot[], kiln_cdboot_end[];
extern const uint8_t kiln_stage2[], kiln_stage2_end[];
extern const uint8_t kiln_pxe_stub[], kiln_pxe_stub_end[];

/* pxedir.c: the network-boot folder of --kind pxe at dir (created if
 * missing; each file replaced atomically, the payload last), with stage 2
 * as sealed for it (stage2_seal), efi the UEFI loader as sealed (and signed)
 * for a disk, and the payload written item by item like disk_write's. */
extern const uint8_t kiln_efi[], kiln_efi_end[];

/* --- the disk layout (partitions.c; the formats are format/mbr.h and format/gpt.h) ----- */

#define SECTOR 512u
#define ALIGN_LBA 2048u /* partitions start on 1 MiB boundaries */

struct disk_layout {
    enum image_kind kind;
    uint64_t disk_sectors;
    uint64_t esp_lba, esp_sectors; /* 0 on bios images */
    uint64_t kiln_lba, kiln_sectors;
};

void disk_plan(struct disk_layout *d, enum image_kind kind, uint64_t payload_bytes);
/* The payload as disk_write takes it: its header (payload_write_header)
 * and the items' bytes at their offsets; the rest of the partition stays a
 * hole of the freshly truncated file (zeros, not written). */
struct payload_out {
    const uint8_t *header;
    uint32_t header_size;
    const struct payload_item *items;
    const uint64_t *offsets;
    uint32_t n;
};
void disk_write(struct out_file *out, const struct disk_layout *d, const uint8_t *stage1, const struct payload_out *p,
                uint64_t stage2_off, uint64_t stage2_size, const uint8_t *efi, size_t efi_size);

void pxe_dir_write(const char *dir, const uint8_t *stage2, size_t stage2_size, const uint8_t *efi, size_t efi_size,
                   const struct payload_out *payload, uint64_t payload_size);

/* sign.c: BOOTX64.EFI (efi: the sealed copy) with the payload's SHA-256 in its trust record,
 * signed by sbsign with key and cert (docs/secure-boot.md); malloc'd. */
uint8_t *sign_efi(const char *key, const char *cert, const uint8_t *efi, size_t efi_size, const uint8_t *payload,
                  uint64_t payload_size, size_t *out_size);

/* Shared with the ISO writer (iso.c): the GPT of layout d (both copies);
 * a command run to completion (dies naming `package` to install if it is
 * missing, and `what` it was doing if it fails), with SOURCE_DATE_EPOCH
 * set; the FAT volume of an EFI system partition holding
 * EFI/BOOT/BOOTX64.EFI (format/fat.h): its first *used bytes (malloc'd),
 * the rest of its `sectors` being zero. */
void write_gpt(struct out_file *out, const struct disk_layout *d, uint32_t seed);
void run_tool(char *const argv[], const char *package, const char *what);
uint8_t *esp_volume(uint64_t sectors, uint32_t hidden, uint32_t serial, const uint8_t *efi, size_t efi_size,
                    size_t *used);

/* --- the ISO (iso.c; docs/iso.md) ------------------------------------------------------ */

/* Writes a hybrid ISO to out: payload (with stage 2 at stage2_off), cdboot,
 * an EFI boot image holding efi (efi_size bytes), stage 1 and a GPT. */
void iso_write(const char *out, const uint8_t *stage1, const uint8_t *payload, uint64_t payload_size,
               uint64_t stage2_off, uint64_t stage2_size, const uint8_t *efi, size_t efi_size);

/* Is path an ISO 9660 image ("CD001" in the descriptor at byte 32769)?
 * false when it cannot be read. */
bool image_is_iso(const char *path);

/* --- the commands ------------------------------------------------------------------------ */

int cmd_image(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_info(int argc, char **argv);
/* The arguments of a command that takes exactly one path (check, info):
 * returns it, or NULL after printing "usage: kiln CMD METAVAR" and help for
 * -h/--help; dies on an option, a second path or none. */
const char *one_path_arg(int argc, char **argv, const char *cmd, const char *noun, const char *metavar,
                         const char *help);

#endif
