/* main.c - the kiln command: image, check, info, run, test. */
#include <stdio.h>
#include <string.h>

#include "core/version.h"
#include "kiln.h"
#include "tools/kiln/flash/flash.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/run/run.h"
#include "tools/kiln/util/die.h"
#include "tools/kiln/util/files.h"

static void usage(void) {
    printf("kiln %s - a BIOS and UEFI bootloader for 64-bit ELF kernels\n"
           "\n"
           "usage: kiln COMMAND [ARGS]\n"
           "\n"
           "commands:\n"
           "  image KERNEL -o OUT [...]   build a bootable disk image\n"
           "  check KERNEL                validate a kernel as the loader will; show its layout\n"
           "  info IMAGE                  show an image's partitions and payload, verify checksums\n"
           "  run TARGET [...]            boot a kernel ELF or a disk image in QEMU (serial on this terminal)\n"
           "  test TARGET... [...]        boot kernels in test mode, several at once; N passed, N failed\n"
           "  flash IMAGE [DEVICE]        write an image to a USB stick: checked, confirmed, verified\n"
           "  help                        this text; `kiln COMMAND --help` for each command\n"
           "  version                     print the version\n"
           "  --print-datadir             Kiln's data directory (kernel-example, gdb script, loader binaries)\n"
           "  --print-pkgconfig-dir       where kiln.pc is (kiln.h and the kernel library, for pkg-config)\n"
           "\n"
           "examples:\n"
           "  kiln check build/kernel.elf\n"
           "  kiln image build/kernel.elf -o disk.img --cmdline 'verbose'\n"
           "  kiln info disk.img\n"
           "  kiln run build/kernel.elf --firmware uefi --memory 1G\n"
           "  kiln run build/kernel.elf --gdb\n"
           "  kiln run build/kernel.elf --test --timeout 30 --expect 'kernel: ready'\n"
           "  kiln test --plan tests/boot/boot.plan -j 4 --junit report.xml\n"
           "  kiln flash disk.img /dev/sdb\n"
           "\n"
           "kiln image, kiln run and kiln test also read kiln.toml (the nearest one upwards), profiles and\n"
           "KILN_* variables; see `kiln run --help`, `kiln image --help` and docs/running.md.\n",
           KILN_LOADER_VERSION);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "image")) return cmd_image(argc - 2, argv + 2);
    if (!strcmp(cmd, "check")) return cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 2, argv + 2);
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "test")) return cmd_test(argc - 2, argv + 2);
    if (!strcmp(cmd, "flash")) return cmd_flash(argc - 2, argv + 2);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage();
        return 0;
    }
    if (!strcmp(cmd, "--print-datadir")) {
        const char *d = kiln_datadir();
        if (!d) die("cannot find Kiln's data directory (with kernel-example/); set KILN_DATADIR");
        puts(d);
        return 0;
    }
    if (!strcmp(cmd, "--print-pkgconfig-dir")) {
        const char *d = kiln_pkgconfig_dir();
        if (!d) die("cannot find kiln.pc (the kernel library's pkg-config file) next to this kiln");
        puts(d);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("kiln %s (boot protocol %d.%d)\n", KILN_LOADER_VERSION, KILN_VERSION_MAJOR, KILN_VERSION_MINOR);
        return 0;
    }
    die("unknown command '%s' (see kiln help)", cmd);
}
