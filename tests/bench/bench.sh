#!/bin/sh
# bench.sh - the body of `make bench`: sizes, and boot times measured side by
# side in one run (QEMU start to exit, TCG, median of N boots):
#   kernel-example (command line "exit") under SeaBIOS, -M pc, IDE
#   a boot sector that exits at once (SeaBIOS's own floor)
#   kernel-example under OVMF, -M q35, AHCI
#   an EFI application that exits at once (OVMF's own floor)
# plus the loader's own time as the kernel measured it (TSC).
set -u
B=${B:-build}
N=${N:-10}
OVMF_CODE=${KILN_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${KILN_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -n | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }

# boot NAME FIRMWARE MACHINE DISKARGS IMAGE: N boots, times into $tmp/NAME.ms
boot() {
    name=$1 fw=$2 machine=$3 disk=$4 img=$5
    : > "$tmp/$name.ms"
    : > "$tmp/$name.loader"
    i=0
    while [ $i -lt "$N" ]; do
        fwargs=""
        if [ "$fw" = uefi ]; then
            cp "$OVMF_VARS" "$tmp/vars.fd"
            fwargs="-drive if=pflash,format=raw,readonly=on,file=$OVMF_CODE -drive if=pflash,format=raw,file=$tmp/vars.fd"
        fi
        t0=$(now_ms)
        # shellcheck disable=SC2086
        qemu-system-x86_64 -M "$machine" -m 256 -display none -serial file:"$tmp/serial.log" -no-reboot -net none \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 $fwargs \
            -drive if=none,id=d,format=raw,file="$img",snapshot=on $disk > /dev/null 2>&1
        status=$?
        t1=$(now_ms)
        if [ $status -ne 33 ]; then
            echo "bench: $name: QEMU exited $status, not 33" >&2
            exit 1
        fi
        echo $((t1 - t0)) >> "$tmp/$name.ms"
        sed -n 's/^boot timing: loader ran \([0-9.]*\) ms.*/\1/p' "$tmp/serial.log" >> "$tmp/$name.loader"
        i=$((i + 1))
    done
}

# Images: kernel-example as a hybrid image; the two floors.
"$B"/kiln image "$B"/kernel-example.elf -o "$tmp/example.img" --cmdline exit -q || exit 1
nasm -f bin -o "$tmp/exit-mbr.img" tests/bench/exit-mbr.asm || exit 1
"$B"/kiln image "$B"/kernel-example.elf -o "$tmp/exit-efi.img" --kind uefi --cmdline exit -q || exit 1
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$tmp/exit-efi.img@@1M" "$B"/tests/exit-efi.efi ::/EFI/BOOT/BOOTX64.EFI || exit 1

boot bios-example bios pc "-device ide-hd,drive=d,bootindex=0" "$tmp/example.img"
boot bios-floor bios pc "-device ide-hd,drive=d,bootindex=0" "$tmp/exit-mbr.img"
boot uefi-example uefi q35 "-device ide-hd,drive=d,bus=ide.0,bootindex=0" "$tmp/example.img"
boot uefi-floor uefi q35 "-device ide-hd,drive=d,bus=ide.0,bootindex=0" "$tmp/exit-efi.img"

s1=$(od -An -v -tu1 -N 420 "$B"/stage1.bin | tr -s ' ' '\n' | grep -v '^$' | awk '$1 != 0 {last=NR} END {print last}')
echo "Kiln $("$B"/kiln version | cut -d' ' -f2) on $(uname -m), QEMU $(qemu-system-x86_64 --version | head -n1 | cut -d' ' -f4), TCG, $N boots each, $(date -u +%Y-%m-%d)"
echo
echo "sizes"
echo "  stage1          512 bytes ($s1 bytes used before the patched fields at 0x1a4)"
echo "  stage2          $(wc -c < "$B"/stage2.bin) bytes on disk ($(size "$B"/stage2.elf | awk 'NR==2 {print $1 " text, " $2 " data, " $3 " bss"}'))"
echo "  BOOTX64.EFI     $(wc -c < "$B"/BOOTX64.EFI) bytes"
echo "  kiln (tool)     $(wc -c < "$B"/kiln) bytes, loaders included"
echo
echo "boot time, QEMU start to exit (ms)          median   min-max"
for n in bios-example bios-floor uefi-example uefi-floor; do
    case $n in
    bios-example) label="kernel-example, SeaBIOS, pc, IDE" ;;
    bios-floor) label="exit-at-once MBR, SeaBIOS, pc, IDE" ;;
    uefi-example) label="kernel-example, OVMF, q35, AHCI" ;;
    uefi-floor) label="exit-at-once EFI app, OVMF, q35, AHCI" ;;
    esac
    printf '  %-40s %7s   %s\n' "$label" "$(median < "$tmp/$n.ms")" "$(minmax < "$tmp/$n.ms")"
done
echo
echo "loader time as the kernel measured it (TSC, ms)     median"
printf '  %-48s %s\n' "Kiln under SeaBIOS" "$(median < "$tmp/bios-example.loader")"
printf '  %-48s %s\n' "Kiln under OVMF" "$(median < "$tmp/uefi-example.loader")"
