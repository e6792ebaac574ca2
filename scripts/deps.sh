#!/bin/sh
# deps.sh - make sure the Debian packages a goal needs are installed.
#   sh scripts/deps.sh [GROUP...]     (no group: all of them)
# Groups:
#   build   the loader, the kiln tool, the kernel library, kernel-example,
#           disk images and ISOs, signed loaders (make, make image, make install)
#   run     booting in QEMU under SeaBIOS, OVMF and U-Boot (make run, make bench)
#   test    the test suite's extra compilers, sanitizer runtimes and libFuzzer
#           (make test, make unit-test, make fuzz)
#   debug   gdb (make debug)
#   bench   make bench: xz and curl fetch QEMU's plugin header from the
#           source of the installed QEMU (tests/bench/plugin-header.sh;
#           Debian 12 has it in no binary package); GRUB for the reference
#           boots (the bench skips them, saying so, where GRUB is missing)
# As root: apt-get install -y what is missing (apt-get update first if the
# package lists are empty or stale). Otherwise: print the exact command and
# fail, so `make` stops with a clear message.
set -eu

groups=${*:-build run test debug bench}
need=""
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_file() { [ -e "$1" ]; }

for g in $groups; do
    case $g in
    build)
        have_cmd nasm || need="$need nasm"
        have_cmd gcc || need="$need gcc"
        have_cmd ld || need="$need binutils"
        have_cmd objcopy || need="$need binutils"
        have_cmd make || need="$need make"
        have_cmd xorriso || need="$need xorriso"        # kiln image --kind iso
        have_cmd sbsign || need="$need sbsigntool"      # kiln image --sign-key
        have_cmd pkg-config || need="$need pkgconf"
        have_file /usr/include/efi/efi.h || need="$need gnu-efi"
        have_file /usr/lib/crt0-efi-x86_64.o || need="$need gnu-efi"
        have_file /usr/include/zlib.h || need="$need zlib1g-dev" # the PNG of kiln run --screenshot
        ;;
    run)
        have_cmd qemu-system-x86_64 || need="$need qemu-system-x86"
        have_file /usr/share/OVMF/OVMF_CODE_4M.fd || need="$need ovmf"
        have_file /usr/lib/u-boot/qemu-x86_64/u-boot.rom || need="$need u-boot-qemu"
        ;;
    test)
        have_cmd clang || need="$need clang"
        have_cmd mcopy || need="$need mtools" # reads the ESPs kiln image writes
        have_cmd ld.lld || need="$need lld"
        # A signed BOOTX64.EFI must still pass its self-check (tests/kernels/tk.mk.inc).
        have_cmd sbsign || need="$need sbsigntool"
        have_cmd openssl || need="$need openssl"
        # ASan/UBSan runtimes for the host unit tests. gcc -print-file-name
        # prints the bare name when it does not find the file.
        case "$(gcc -print-file-name=libasan.so 2>/dev/null)" in /*) ;; *) need="$need libasan8" ;; esac
        case "$(gcc -print-file-name=libubsan.so 2>/dev/null)" in /*) ;; *) need="$need libubsan1" ;; esac
        # libFuzzer for the fuzz harnesses (make fuzz; replayed in make test)
        have_file "$(clang -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-x86_64.a" ||
            need="$need libclang-rt-14-dev"
        ;;
    debug)
        have_cmd gdb || need="$need gdb"
        ;;
    bench)
        have_cmd xz || need="$need xz-utils"
        have_cmd curl || need="$need curl"
        have_cmd dpkg-query || need="$need dpkg"
        have_cmd grub-mkrescue || need="$need grub-common"
        have_file /usr/lib/grub/i386-pc/multiboot2.mod || need="$need grub-pc-bin"
        have_file /usr/lib/grub/x86_64-efi/multiboot2.mod || need="$need grub-efi-amd64-bin"
        ;;
    *)
        echo "deps.sh: unknown group '$g' (build, run, test, debug, bench)" >&2
        exit 2
        ;;
    esac
done

need=$(printf '%s\n' $need | sort -u | tr '\n' ' ')
[ -z "${need# }" ] && exit 0

cmd="apt-get install -y --no-install-recommends $need"
if [ "$(id -u)" -ne 0 ]; then
    echo "kiln: missing packages:$need" >&2
    echo "kiln: run this as root, then try again:" >&2
    echo "    apt-get update && $cmd" >&2
    exit 1
fi
echo "kiln: installing:$need" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $need >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y --no-install-recommends $need
fi
