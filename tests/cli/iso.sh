#!/bin/sh
# iso.sh - `kiln image --kind iso` (docs/iso.md): equal inputs give equal
# bytes; `kiln info` shows the MBR/GPT view, the payload, the ISO 9660
# volume and the El Torito entries, and reports a damaged cdboot; xorriso
# (an independent reader) maps the GPT's partitions to the ISO's files and
# finds both boot entries; mtools finds BOOTX64.EFI in the EFI boot image; a
# missing xorriso is an error naming the package and leaves no file; kiln
# run boots an ISO as a CD unless --disk is given. Boots are in
# tests/boot/boot.plan (iso-*).
#   sh tests/cli/iso.sh      (from the top of the tree, after make)
suite=iso
. tests/cli/lib.sh
KERNEL="$top/$B/tests/kernels/tk-high.elf"
MOD="$top/$B/tests/mod-a.bin"
export MTOOLS_SKIP_CHECK=1

need "make; make $B/tests/kernels/tk-high.elf $B/tests/mod-a.bin" "$K" "$KERNEL" "$MOD"
if ! command -v xorriso > /dev/null 2>&1; then
    bad setup "xorriso is not installed (sh scripts/deps.sh build)"
    exit 1
fi

build() { # build OUT [extra options]
    out=$1
    shift
    "$K" image "$KERNEL" -o "$out" --kind iso --module "$MOD" --cmdline "console=serial answer=42" "$@" \
        > "$tmp/log.$(basename "$out")" 2>&1
}

# --- building, reproducibly ---------------------------------------------------------------------------
if build "$tmp/a.iso" && [ -s "$tmp/a.iso" ] && [ ! -s "$tmp/log.a.iso" ]; then ok build
else bad build "kiln image --kind iso failed or was not quiet" "$tmp/log.a.iso"; fi
sleep 2
build "$tmp/b.iso"
if cmp -s "$tmp/a.iso" "$tmp/b.iso"; then ok reproducible
else bad reproducible "two builds of the same inputs differ: $(cmp "$tmp/a.iso" "$tmp/b.iso" 2>&1)"; fi
build "$tmp/c.iso" --cmdline "console=serial answer=43"
if ! cmp -s "$tmp/a.iso" "$tmp/c.iso"; then ok cmdline-changes-image
else bad cmdline-changes-image "a different command line gave the same ISO"; fi
size=$(wc -c < "$tmp/a.iso" | tr -d ' ')
if [ $((size % 2048)) -eq 0 ]; then ok whole-blocks; else bad whole-blocks "$size bytes is not a multiple of 2048"; fi

# --- kiln info ------------------------------------------------------------------------------------------
"$K" info "$tmp/a.iso" > "$tmp/info" 2>&1
check info-status $? "kiln info exited non-zero"
last=$((size / 512 - 1))
has info-view "$tmp/info" \
    '^MBR: disk signature [0-9a-f]{8}; stage 1 loads [0-9]+ sectors of stage 2 from LBA [0-9]+; Kiln partition at LBA [0-9]+$' \
    '^  1: type 0xee active, start 1, [0-9]+ sectors \(GPT protective\)$' \
    "^GPT backup header at LBA $last: CRC ok" \
    '^  [0-9]: LBA [0-9]+-[0-9]+ \([0-9]+ KiB, 2 KiB aligned\) type C12A7328-F81F-11D2-BA4B-00A0C93EC93B ' \
    '^  [0-9]: LBA [0-9]+-[0-9]+ \([0-9]+ KiB, 2 KiB aligned\) type 4B4C4E31-5B1E-4C4E-8D2A-6B696C6E0001 .*\(Kiln\)$' \
    '^  kernel +tk-high\.elf .* ok$' '^  module +mod-a\.bin .* ok$' '^  stage2 +stage2\.bin .* ok$' \
    '^ISO 9660: volume "KILN", [0-9]+ blocks of 2048 bytes$' '^El Torito catalog at block [0-9]+: 2 entries$' \
    '^  1: BIOS, bootable, no emulation, 4 sectors from block [0-9]+$' \
    '^  cdboot: payload at block [0-9]+, stage 2: [0-9]+ sectors from block [0-9]+$' \
    '^  2: UEFI, bootable, no emulation, [0-9]+ sectors from block [0-9]+$'

# cdboot's payload block, times 4, is stage 1's payload LBA.
pblock=$(sed -n 's/^  cdboot: payload at block \([0-9]*\),.*/\1/p' "$tmp/info")
plba=$(sed -n 's/.*; Kiln partition at LBA \([0-9]*\)$/\1/p' "$tmp/info")
if [ -n "$pblock" ] && [ "$((pblock * 4))" = "$plba" ]; then ok cdboot-agrees
else bad cdboot-agrees "cdboot's payload block '$pblock' x 4 is not stage 1's LBA '$plba'"; fi

# A damaged cdboot field is reported.
cp "$tmp/a.iso" "$tmp/bad.iso"
cdblock=$(sed -n 's/^  1: BIOS, bootable, no emulation, 4 sectors from block \([0-9]*\)$/\1/p' "$tmp/info")
field=$(sed -n 's/^#define MBR_PAYLOAD_LBA \(0x[0-9a-f]*\)u.*/\1/p' format/mbr.h) # cdboot's payload block
printf '\377' | dd of="$tmp/bad.iso" bs=1 seek=$((cdblock * 2048 + field)) conv=notrunc 2> /dev/null
"$K" info "$tmp/bad.iso" > "$tmp/bad.info" 2>&1
st=$?
if [ $st -eq 1 ] && grep -q "cdboot's fields disagree with stage 1's" "$tmp/bad.info"; then ok info-bad-cdboot
else bad info-bad-cdboot "kiln info exited $st without naming cdboot's fields" "$tmp/bad.info"; fi

# --- xorriso and mtools read it independently ------------------------------------------------------------
xorriso -indev "$tmp/a.iso" -report_el_torito plain -report_system_area plain > "$tmp/xorriso" 2>&1
has xorriso-view "$tmp/xorriso" '^El Torito boot img : +1 +BIOS +y +none ' '^El Torito boot img : +2 +UEFI +y +none ' \
    '^El Torito img path : +1 +/CDBOOT.BIN' '^El Torito img path : +2 +/EFIBOOT.IMG' \
    '^GPT partition path : +1 +/EFIBOOT.IMG' '^GPT partition path : +2 +/PAYLOAD.KLN'
efiblock=$(sed -n 's/^  2: UEFI, bootable, no emulation, [0-9]* sectors from block \([0-9]*\)$/\1/p' "$tmp/info")
if mdir -i "$tmp/a.iso@@$((efiblock * 2048))" ::/EFI/BOOT > "$tmp/mdir" 2>&1 && grep -q BOOTX64 "$tmp/mdir"; then ok efi-image
else bad efi-image "mtools finds no EFI/BOOT/BOOTX64.EFI in the El Torito EFI image" "$tmp/mdir"; fi

# --- without xorriso: an error naming the package, no output ----------------------------------------------
mkdir "$tmp/bin"
PATH="$tmp/bin" "$K" image "$KERNEL" -o "$tmp/none.iso" --kind iso > "$tmp/none.log" 2>&1
st=$?
if [ $st -ne 0 ] && grep -q '^kiln: error: cannot run xorriso: .*(install xorriso: apt-get install xorriso)$' "$tmp/none.log" &&
    [ -z "$(ls "$tmp" | grep '^none.iso')" ] && [ -z "$(ls "${TMPDIR:-/tmp}" | grep "^kiln-iso\.")" ]; then
    ok no-xorriso
else bad no-xorriso "exit $st; expected the install hint and no file left" "$tmp/none.log"; fi

# --- kiln run: a CD unless --disk --------------------------------------------------------------------------
"$K" run "$tmp/a.iso" --dry-run > "$tmp/dry" 2>&1
has run-cd "$tmp/dry" 'media=cdrom,readonly=on' 'ide-cd,drive=disk0,bus=ide\.0,bootindex=0' 'an ISO image, booted as a CD'
"$K" run "$tmp/a.iso" --dry-run --disk usb > "$tmp/dry-disk" 2>&1
if grep -q 'usb-storage,bus=xhci.0,drive=disk0' "$tmp/dry-disk" && ! grep -q 'media=cdrom' "$tmp/dry-disk"; then ok run-disk
else bad run-disk "--disk usb did not boot the ISO as a USB disk" "$tmp/dry-disk"; fi
"$K" run "$KERNEL" --kind iso --machine pc --dry-run > "$tmp/dry-elf" 2>&1
has run-kind-iso "$tmp/dry-elf" 'media=cdrom,readonly=on' '^ +-device ide-cd,drive=disk0,bootindex=0 '
