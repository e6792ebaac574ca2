#!/bin/sh
# bench.sh - the body of `make bench` (docs/benchmarks.md): sizes, boot
# times and guest-instruction counts, Kiln beside the floors under it, all
# measured in one run, interleaved.
#
# Configurations: Kiln booting tests/bench/bench-kernel.c (kernel-example's
# KILN_CONFIG; it leaves QEMU as soon as it runs) padded to ~8 MiB and
# ~64 MiB with random bytes in a loaded, writable segment (or not padded:
# "small"), under SeaBIOS and OVMF, on -M pc (IDE) and -M q35 (AHCI).
# Floors on the same firmware and machine, from the same disk images:
#   exit-mbr   a boot sector that exits at once (SeaBIOS's own time)
#   read-mbr   a boot sector reading the image's bytes with INT 13h, then exiting
#   exit-efi   an EFI application that exits at once (OVMF's own time)
#   read-efi   an EFI application reading the Kiln partition with one BlockIo call
# And, when GRUB is installed (grub-pc-bin, grub-efi-amd64-bin, xorriso), a
# reference: GRUB 2 (a grub-mkrescue image) booting tests/bench/grub-kernel.asm
# through Multiboot2, padded to the same size; without GRUB the bench says
# so and goes on.
# Wall time: QEMU start to exit, N boots of each (median, min, max), the
# configurations interleaved, in a shuffled order each round, so that load
# on the machine hits all alike.
# Guest instructions: INSN_RUNS boots of each under the insncount plugin
# (tests/bench/insncount.c), split by tests/bench/phases.c with the
# loader's and the kernel's symbols into firmware, loader and kernel.
# Output: the report on stdout and in $B/bench/report.md, and the plot of
# boot time against kernel size in $B/bench/boot-time.svg.
#   N=5 INSN_RUNS=1 SIZES="small 8 64" MACHINES="pc q35" FIRMWARES="bios uefi" PREALLOC=1
set -u
B=${B:-build}
N=${N:-5}
INSN_RUNS=${INSN_RUNS:-1}
SIZES=${SIZES:-small 8 64}
MACHINES=${MACHINES:-pc q35}
FIRMWARES=${FIRMWARES:-bios uefi}
OVMF_CODE=${KILN_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${KILN_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
out=$B/bench
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "bench: $*" >&2; exit 1; }

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (!NR) print "-"; else if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -n | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }

# ---------------------------------------------------------------------------
# Kernels and images.
# ---------------------------------------------------------------------------

# link_kernel OUT [OBJECT]: the bench kernel, linked as kernel-example is.
link_kernel() {
    ld -m elf_x86_64 -nostdlib -z max-page-size=4096 -z noexecstack -T kernel-example/kernel.ld -o "$1" \
        "$B"/bench/bench-kernel.o "$B"/kernel-example/libc.o ${2:+"$2"} "$B/lib/libkiln.a"
}

# kernel_for SIZE: the bench kernel, or the bench kernel linked with random
# bytes in a data segment of its own to make an ELF of about SIZE MiB.
kernel_for() {
    k=$tmp/kernel-$1.elf
    if [ "$1" = small ]; then
        [ -f "$k" ] || link_kernel "$k" || fail "linking the bench kernel failed"
    elif [ ! -f "$k" ]; then
        link_kernel "$tmp/kernel-small.elf" || fail "linking the bench kernel failed"
        base=$(wc -c < "$tmp/kernel-small.elf")
        head -c $(($1 * 1048576 - base)) /dev/urandom > "$tmp/pad.bin"
        (cd "$tmp" && objcopy -I binary -O elf64-x86-64 -B i386:x86-64 \
            --rename-section .data=.data.pad,alloc,load,data,contents pad.bin pad.o) || fail "objcopy of the padding failed"
        link_kernel "$k" "$tmp/pad.o" || fail "linking the $1 MiB kernel failed"
    fi
    echo "$k"
}

# What read-mbr reads of an image: "-DLBA=N -DSECTORS=N", the Kiln
# partition from its start to the kernel's end (header, config, kernel:
# what Kiln reads there).
payload_range() {
    "$B"/kiln info "$1" > "$tmp/info" || fail "kiln info $1 failed"
    lba=$(sed -n 's/.*Kiln partition at LBA \([0-9]*\).*/\1/p' "$tmp/info")
    kend=$(awk '$1 == "kernel" && $3 ~ /^0x/ {print $3, $4}' "$tmp/info")
    [ -n "$lba" ] && [ -n "$kend" ] || fail "kiln info $1 names no Kiln partition or kernel"
    set -- $kend
    echo "-DLBA=$lba -DSECTORS=$((($1 + $2 + 511) / 512))"
}

for s in $SIZES; do
    k=$(kernel_for "$s") || exit 1
    "$B"/kiln image "$k" -o "$tmp/kiln-$s.img" --cmdline exit -q || fail "kiln image ($s) failed"
    # read-mbr on a copy of the same image: the payload read at raw speed.
    # shellcheck disable=SC2046
    nasm -f bin $(payload_range "$tmp/kiln-$s.img") -o "$tmp/read-mbr.bin" tests/bench/read-mbr.asm || exit 1
    cp "$tmp/kiln-$s.img" "$tmp/read-mbr-$s.img"
    dd if="$tmp/read-mbr.bin" of="$tmp/read-mbr-$s.img" conv=notrunc status=none
    cp "$tmp/kiln-$s.img" "$tmp/read-efi-$s.img"
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$tmp/read-efi-$s.img@@1M" "$B"/tests/read-efi.efi ::/EFI/BOOT/BOOTX64.EFI || exit 1
done
# GRUB as a reference, when it is installed: a grub-mkrescue image (BIOS
# and UEFI, bootable as a disk) whose grub.cfg boots the Multiboot2 kernel
# at once, padded like the Kiln kernel of the same size; `halt` after
# `boot` powers off (status 0, not 33) if GRUB cannot boot it.
GRUB=
if command -v grub-mkrescue >/dev/null 2>&1 && command -v xorriso >/dev/null 2>&1 &&
    [ -d /usr/lib/grub/i386-pc ] && [ -d /usr/lib/grub/x86_64-efi ]; then
    GRUB=1
    nasm -f elf32 -o "$tmp/grub-kernel.o" tests/bench/grub-kernel.asm || exit 1
    ld -m elf_i386 -T tests/bench/grub-kernel.ld -o "$tmp/grub-base.elf" "$tmp/grub-kernel.o" || fail "linking the GRUB kernel failed"
    for s in $SIZES; do
        set -- "$tmp/grub-kernel.o"
        if [ "$s" != small ]; then
            head -c $(($(wc -c < "$(kernel_for "$s")") - $(wc -c < "$tmp/grub-base.elf"))) /dev/urandom > "$tmp/gpad.bin"
            (cd "$tmp" && objcopy -I binary -O elf32-i386 -B i386 \
                --rename-section .data=.data.pad,alloc,load,data,contents gpad.bin gpad.o) || fail "objcopy of the GRUB padding failed"
            set -- "$@" "$tmp/gpad.o"
        fi
        rm -rf "$tmp/grub-iso"
        mkdir -p "$tmp/grub-iso/boot/grub"
        ld -m elf_i386 --no-warn-rwx-segments -T tests/bench/grub-kernel.ld -o "$tmp/grub-iso/boot/kernel.elf" "$@" ||
            fail "linking the $s GRUB kernel failed"
        printf 'set timeout=0\nmultiboot2 /boot/kernel.elf\nboot\nhalt\n' > "$tmp/grub-iso/boot/grub/grub.cfg"
        grub-mkrescue -o "$tmp/grub-$s.img" "$tmp/grub-iso" > "$tmp/grub-mkrescue.log" 2>&1 ||
            { cat "$tmp/grub-mkrescue.log" >&2; fail "grub-mkrescue ($s) failed"; }
    done
else
    echo "bench: GRUB is not installed (apt-get install grub-pc-bin grub-efi-amd64-bin xorriso): no GRUB reference" >&2
fi

# The exit-at-once floors on a copy of the small kernel's image (SeaBIOS
# does not boot a disk of a single sector on q35's AHCI).
small=$(kernel_for small) || exit 1
"$B"/kiln image "$small" -o "$tmp/exit-efi.img" --cmdline exit -q || exit 1
cp "$tmp/exit-efi.img" "$tmp/exit-mbr.img"
nasm -f bin -o "$tmp/exit-mbr.bin" tests/bench/exit-mbr.asm || exit 1
dd if="$tmp/exit-mbr.bin" of="$tmp/exit-mbr.img" conv=notrunc status=none
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$tmp/exit-efi.img@@1M" "$B"/tests/exit-efi.efi ::/EFI/BOOT/BOOTX64.EFI || exit 1

# Configurations: "NAME FIRMWARE MACHINE IMAGE SIZE KIND", KIND kiln, floor or grub.
: > "$tmp/configs"
for fw in $FIRMWARES; do
    for m in $MACHINES; do
        if [ "$fw" = bios ]; then floor=mbr; else floor=efi; fi
        echo "exit-$floor-$m $fw $m $tmp/exit-$floor.img 0 floor" >> "$tmp/configs"
        for s in $SIZES; do
            echo "kiln-$fw-$m-$s $fw $m $tmp/kiln-$s.img $s kiln" >> "$tmp/configs"
            echo "read-$floor-$m-$s $fw $m $tmp/read-$floor-$s.img $s floor" >> "$tmp/configs"
            [ -n "$GRUB" ] && echo "grub-$fw-$m-$s $fw $m $tmp/grub-$s.img $s grub" >> "$tmp/configs"
        done
    done
done

# ---------------------------------------------------------------------------
# Boots.
# ---------------------------------------------------------------------------

# boot NAME FIRMWARE MACHINE IMAGE [PLUGIN-OUT]: one boot; its wall time
# appended to $tmp/NAME.ms, or its instruction counts written to PLUGIN-OUT.
boot() {
    name=$1 fw=$2 machine=$3 img=$4 plug=${5:-}
    set --
    if [ "$fw" = uefi ]; then
        cp "$OVMF_VARS" "$tmp/vars.fd"
        set -- -drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" -drive if=pflash,format=raw,file="$tmp/vars.fd"
    fi
    if [ "$machine" = q35 ]; then
        set -- "$@" -device ide-hd,drive=d,bus=ide.0,bootindex=0 # the ICH9 AHCI controller
    else
        set -- "$@" -device ide-hd,drive=d,bootindex=0
    fi
    [ -n "$plug" ] && set -- "$@" -plugin "$out/insncount.so,out=$plug"
    # Guest RAM allocated by QEMU at start (PREALLOC=1, the default): else a
    # loader that stores 128 MiB (a 64 MiB kernel's file and segments) pays
    # the host's first-touch page faults, which with transparent huge pages
    # stall on compaction now and then (the loader's time then doubles,
    # from boot to boot of one image), while the raw-read floor, which
    # stores nothing, does not: a cost of the emulation, not of the loader.
    [ "${PREALLOC:-1}" = 1 ] && set -- "$@" -mem-prealloc
    : > "$tmp/serial.log"
    t0=$(now_ms)
    timeout "${BOOT_TIMEOUT:-600}" qemu-system-x86_64 -M "$machine" -m 256 -display none -serial file:"$tmp/serial.log" -no-reboot -net none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -drive if=none,id=d,format=raw,file="$img",snapshot=on \
        "$@" < /dev/null > "$tmp/qemu.log" 2>&1 &
    qpid=$!
    # A loader or kernel that panics halts: end the boot then, not at the
    # timeout (a watcher beside QEMU, so the timing waits on QEMU alone).
    (while sleep 1; do
        if grep -qs '^kiln: the system is halted' "$tmp/serial.log"; then kill $qpid; break; fi
    done) &
    wpid=$!
    wait $qpid
    status=$?
    t1=$(now_ms)
    kill $wpid 2>/dev/null
    wait $wpid 2>/dev/null
    if [ $status -ne 33 ]; then
        cat "$tmp/qemu.log" "$tmp/serial.log" >&2
        fail "$name: QEMU exited $status, not 33 (124: no exit within BOOT_TIMEOUT=${BOOT_TIMEOUT:-600} s; 143: it halted on a panic)"
    fi
    if [ -z "$plug" ]; then
        echo $((t1 - t0)) >> "$tmp/$name.ms"
        sed -n 's/^boot timing: loader ran \([0-9.]*\) ms.*/\1/p' "$tmp/serial.log" >> "$tmp/$name.loader"
    fi
}

# symbols NAME: "REGION BASE START SIZE NAME" lines for phases.c.
fsyms() { nm -S --defined-only "$3" | awk -v r="$1" -v b="$2" 'NF == 4 && ($3 == "T" || $3 == "t") {print r, b, $1, $2, $4}'; }
# An ELF section (REGION BASE ELF SECTION NAME) as one last-resort symbol:
# assembly without sizes. phases.c takes the first symbol a block lies in,
# so these come after the functions.
tsect() { objdump -h "$3" | awk -v r="$1" -v b="$2" -v s="$4" -v n="$5" '$2 == s {print r, b, $4, $3, n}'; }
symbols() {
    case $1 in
    kiln-bios-*)
        echo "loader 0 7c00 200 stage1"
        fsyms loader 0 "$B/stage2.elf"
        tsect loader 0 "$B/stage2.elf" .text "stage2(asm)"
        # Real mode: the first sector's self-check, the BIOS-call thunks.
        tsect loader 0 "$B/stage2.elf" .text16 "stage2(real-mode)" ;;
    kiln-uefi-*)
        fsyms loader auto "$B/uefi/kiln.so" ;;
    esac
    case $1 in
    kiln-*)
        k=$(kernel_for "${1##*-}")
        fsyms kernel 0 "$k" ;;
    esac
}

# Each round boots every configuration once, in an order shuffled anew
# (seeded by the round, so runs repeat it): on this kind of machine a boot
# right after another can take longer outside the guest for reasons of the
# host (a Kiln boot straight after a raw-read floor took 150-400 ms more
# in 3 runs of 8, the one after it did not; a second's pause before every
# boot made each 300-700 ms slower), and in a fixed order every Kiln boot
# followed a floor.
i=0
while [ $i -lt "$N" ]; do
    awk -v seed=$((i + 1)) 'BEGIN {srand(seed)} {print rand() "\t" $0}' "$tmp/configs" | sort -n | cut -f2- > "$tmp/order"
    while read -r name fw m img size kind; do
        boot "$name" "$fw" "$m" "$img"
    done < "$tmp/order"
    i=$((i + 1))
done

# `kiln image` of the largest kernel, N times each kind, interleaved with
# its floor: the same bytes copied to a new file and synced (dd
# conv=fsync), as the tool writes and syncs its image before the rename.
# The output is removed before each run (not timed), so no run pays for
# deleting the last one's.
big=$(kernel_for "$(echo "$SIZES" | awk '{print $NF}')") || exit 1
i=0
while [ $i -lt "$N" ]; do
    for kind in hybrid bios uefi copy; do
        rm -f "$tmp/timed.img"
        t0=$(now_ms)
        if [ $kind = copy ]; then
            dd if="$big" of="$tmp/timed.img" bs=1M conv=fsync status=none || fail "dd of the kernel failed"
        else
            "$B"/kiln image "$big" -o "$tmp/timed.img" --kind $kind --cmdline exit -q || fail "kiln image --kind $kind failed"
        fi
        t1=$(now_ms)
        echo $((t1 - t0)) >> "$tmp/image-$kind.ms"
    done
    i=$((i + 1))
done
rm -f "$tmp/timed.img"

# Instruction counts: INSN_RUNS boots each under the plugin; the median of
# each figure. Lines "NAME total firmware loader kernel" in $tmp/insns.
: > "$tmp/insns"
while read -r name fw m img size kind; do
    if [ "$INSN_RUNS" -lt 1 ]; then # wall time only
        for f in total firmware loader kernel; do echo - > "$tmp/$name.i.$f"; done
        continue
    fi
    symbols "$name" > "$tmp/$name.syms"
    r=0
    while [ $r -lt "$INSN_RUNS" ]; do
        boot "$name" "$fw" "$m" "$img" "$tmp/$name.counts.$r"
        "$out/phases" "$tmp/$name.counts.$r" "$tmp/$name.syms" "$tmp/$name.blocks.$r" > "$tmp/$name.phases.$r" || fail "phases $name failed"
        rm -f "$tmp/$name.counts.$r"
        r=$((r + 1))
    done
    # Each block's count is kept for the report's figure without the
    # firmware's waiting (below).
    for f in total firmware loader kernel; do
        for p in "$tmp/$name.phases."*; do
            awk -v f="$f" '($1 == f && NF == 2) || ($1 == "region" && $2 == f) {print $NF; found = 1} END {if (!found) print 0}' "$p"
        done | median > "$tmp/$name.i.$f"
    done
    cp "$tmp/$name.phases.0" "$out/$name.phases"
done < "$tmp/configs"

# ---------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------

M() { awk -v x="$1" 'BEGIN {if (x == "-") print "-"; else printf "%.2f", x / 1e6}'; }
report() {
    s1=$(od -An -v -tu1 -N 420 "$B"/stage1.bin | tr -s ' ' '\n' | grep -v '^$' | awk '$1 != 0 {last=NR} END {print last}')
    echo "Kiln $("$B"/kiln version | cut -d' ' -f2) on $(uname -m), QEMU $(qemu-system-x86_64 --version | head -n1 | cut -d' ' -f4), TCG, -m 256M; $N boots each for wall time, $INSN_RUNS for instructions; $(date -u +%Y-%m-%d)"
    echo
    echo "sizes"
    echo "  stage1          512 bytes ($s1 bytes used before the patched fields at 0x1a4)"
    echo "  stage2          $(wc -c < "$B"/stage2.bin) bytes on disk ($(size "$B"/stage2.elf | awk 'NR==2 {print $1 " text, " $2 " data, " $3 " bss"}'))"
    echo "  BOOTX64.EFI     $(wc -c < "$B"/BOOTX64.EFI) bytes"
    echo "  kiln (tool)     $(wc -c < "$B"/kiln) bytes, loaders included"
    echo
    echo "| configuration | kernel | wall ms median (min-max) | guest insns M | firmware M | loader M | kernel M | loader over floor M | insns/byte over floor | wall / floor |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    while read -r name fw m img size kind; do
        w=$(median < "$tmp/$name.ms")
        over="" perbyte="" ratio=""
        if [ "$kind" != floor ]; then
            if [ "$fw" = bios ]; then fl=mbr; else fl=efi; fi
            # Small kernel: over the firmware's own floor; large: over the raw read of the same bytes.
            if [ "$size" = small ]; then floor=exit-$fl-$m; else floor=read-$fl-$m-$size; fi
            [ "$size" != small ] && ratio=$(awk -v a="$w" -v b="$(median < "$tmp/$floor.ms")" 'BEGIN {printf "%.2f", a / b}')
        fi
        if [ "$kind" != floor ] && [ "$INSN_RUNS" -ge 1 ]; then
            # GRUB's kernel runs three instructions: all of its count is GRUB's.
            t=$(cat "$tmp/$name.i.total") kn=$(cat "$tmp/$name.i.kernel") ft=$(cat "$tmp/$floor.i.total")
            d=$(awk -v t="$t" -v k="$kn" -v f="$ft" 'BEGIN {printf "%.0f", t - k - f}')
            over=$(M "$d")
            [ "$size" != small ] && [ "$kind" = kiln ] && echo "$fw $m $(wc -c < "$(kernel_for "$size")") $d" >> "$tmp/over"
            if [ "$size" != small ]; then
                perbyte=$(awk -v d="$d" -v b="$(wc -c < "$(kernel_for "$size")")" 'BEGIN {printf "%.2f", d / b}')
            fi
        fi
        ksize=$size
        [ "$size" = 0 ] && ksize="-"
        [ "$size" != small ] && [ "$size" != 0 ] && ksize="$size MiB"
        fwm=$(M "$(cat "$tmp/$name.i.firmware")") ldm=$(M "$(cat "$tmp/$name.i.loader")") knm=$(M "$(cat "$tmp/$name.i.kernel")")
        [ "$kind" = grub ] && fwm=- ldm=- knm=- # no symbols to split GRUB's count by
        printf '| %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$ksize" "$w" "$(minmax < "$tmp/$name.ms")" \
            "$(M "$(cat "$tmp/$name.i.total")")" "$fwm" "$ldm" "$knm" "$over" "$perbyte" "$ratio"
    done < "$tmp/configs"
    # The slope: instructions over the floor per byte between the smallest
    # and largest padded kernels, so that costs which do not grow with the
    # kernel (OVMF's own count varies by tens of millions from boot to
    # boot, a mode set, the page tables' top levels) cancel out.
    if [ -s "$tmp/over" ]; then
        echo
        echo "loader over floor per byte of kernel, as a slope between the padded kernels (instructions/byte)"
        sort -k1,1 -k2,2 -k3,3n "$tmp/over" | awk '
            {k = $1 " " $2; if (!(k in b0)) {b0[k] = $3; d0[k] = $4; order[n++] = k} b1[k] = $3; d1[k] = $4}
            END {for (i = 0; i < n; i++) {k = order[i]; if (b1[k] > b0[k]) printf "  %-10s %.2f\n", k, (d1[k] - d0[k]) / (b1[k] - b0[k])}}'
    fi
    # Over the floor without the firmware's waiting: OVMF's polling loops
    # (a disk, a timer), and SeaBIOS's waiting on IDE, run more or fewer
    # times with the host's timing (10-40 M instructions from boot to boot
    # of one image under OVMF), which buries a few M of work. Counted here:
    # only the blocks that ran the same number of times in every run of
    # both the Kiln boot and its floor (the exit-at-once floor for the small
    # kernel, the raw read for the others), the kernel's left out; what
    # varied in either is left out of both and reported.
    if [ "$INSN_RUNS" -ge 2 ]; then
        echo
        echo "over the floor, blocks that ran alike in all $INSN_RUNS runs of both (M instructions; per byte of kernel)"
        while read -r name fw m img size kind; do
            [ "$kind" = kiln ] || continue
            if [ "$fw" = bios ]; then fl=mbr; else fl=efi; fi
            if [ "$size" = small ]; then fl=exit-$fl-$m bytes=0; else fl=read-$fl-$m-$size bytes=$(wc -c < "$(kernel_for "$size")"); fi
            awk -v n="$name" -v bytes="$bytes" '
                FNR == 1 {c = FILENAME ~ /\/(exit|read)-/ ? "F" : "K"; runs[c]++}
                $3 != "kernel" {v[c, runs[c], $1] += $2; pcs[$1]}
                END {
                    for (p in pcs) {
                        same = 1
                        for (k = 1; k <= 2; k++) { cc = k == 1 ? "F" : "K"
                            for (r = 2; r <= runs[cc]; r++) if (v[cc, r, p] + 0 != v[cc, 1, p] + 0) same = 0 }
                        if (same) d += v["K", 1, p] - v["F", 1, p]
                        else { w += v["K", 1, p] - v["F", 1, p]; nw++ }
                    }
                    per = bytes ? sprintf("%.2f/byte", d / bytes) : "-"
                    printf "  %-22s %7.2f %10s   (left out: %d blocks that varied, %+.1f M in the first runs)\n", n, d / 1e6, per, nw, w / 1e6
                }' "$tmp/$fl.blocks."* "$tmp/$name.blocks."*
        done < "$tmp/configs"
    fi
    echo
    [ "$INSN_RUNS" -ge 1 ] && echo "where the loader's instructions go (first run; M instructions per function)"
    [ "$INSN_RUNS" -ge 1 ] && for name in $(awk '$6 == "kiln" {print $1}' "$tmp/configs"); do
        printf '  %-22s' "$name"
        awk '$1 == "func" && $2 == "loader" && n < 6 {printf " %s %.2f", $3, $4 / 1e6; n++} END {print ""}' "$out/$name.phases"
    done
    echo
    echo "loader time as the kernel measured it (TSC, ms, median)"
    for name in $(awk '$6 == "kiln" {print $1}' "$tmp/configs"); do
        printf '  %-22s %s\n' "$name" "$(median < "$tmp/$name.loader")"
    done
    echo
    echo "kiln image of the $(awk -v b="$(wc -c < "$big")" 'BEGIN {printf "%.1f", b / 1048576}') MiB kernel (wall ms, median (min-max) of $N; copy: dd conv=fsync of the kernel file)"
    for kind in hybrid bios uefi copy; do
        printf '  %-8s %s (%s)\n' "$kind" "$(median < "$tmp/image-$kind.ms")" "$(minmax < "$tmp/image-$kind.ms")"
    done
}
: > "$tmp/over"
report | tee "$out/report.md"

# The plot: wall time against kernel size, Kiln, its raw-read floor and GRUB.
while read -r name fw m img size kind; do
    [ "$size" = 0 ] && continue
    mib=$size
    [ "$size" = small ] && mib=$(awk -v b="$(wc -c < "$(kernel_for small)")" 'BEGIN {printf "%.3f", b / 1048576}')
    series="Kiln $fw $m"
    [ "$kind" = floor ] && series="raw read $fw $m"
    [ "$kind" = grub ] && series="GRUB $fw $m"
    echo "$series|$mib|$(median < "$tmp/$name.ms")"
done < "$tmp/configs" | awk -f tests/bench/plot.awk > "$out/boot-time.svg" || fail "the plot failed"
echo
echo "report: $out/report.md, plot: $out/boot-time.svg"
