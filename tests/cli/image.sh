#!/bin/sh
# image.sh - the structure of `kiln image` output and its reproducibility,
# for the hybrid, bios and uefi kinds: `kiln info` agrees with itself, and
# tests/cli/imgcheck.c (an independent reader sharing no code with the tool)
# checks the MBR, both GPTs, the partitions, stage 1's fields and the
# payload; mtools finds BOOTX64.EFI in the ESP; equal inputs give equal
# bytes; corruption is reported; a failed or interrupted run leaves an
# existing image alone; settings come from kiln.toml ([image], a profile)
# and KILN_* variables too, --dry-run shows each with its source, and their
# errors name it; --kind pxe writes a network-boot folder. Prints one "[PASS] name" or "[FAIL] name: why" line per
# check (tests/run.sh counts them).
#   sh tests/cli/image.sh      (from the top of the tree, after make)
suite=image
. tests/cli/lib.sh
KERNEL="$top/$B/tests/kernels/tk-high.elf"
MOD="$top/$B/tests/mod-a.bin"
EFI="$top/$B/BOOTX64.EFI"
CMDLINE="console=serial answer=42"
export MTOOLS_SKIP_CHECK=1

size_of() { wc -c < "$1" | tr -d ' '; }

need "make; make $B/tests/kernels/tk-high.elf $B/tests/kernels/tk-smp.elf $B/tests/mod-a.bin" "$K" "$KERNEL" "$top/$B/tests/kernels/tk-smp.elf" "$MOD" "$EFI"
tool imgcheck
C="$tmp/imgcheck"

# --- build: the same inputs twice, two seconds apart, to different paths -----------------------------
build() { # build KIND OUT [extra options]
    kind=$1 out=$2
    shift 2
    "$K" image "$KERNEL" -o "$out" --kind "$kind" --module "$MOD" --cmdline "$CMDLINE" "$@" \
        > "$tmp/log.$(basename "$out")" 2>&1
}
for kind in hybrid bios uefi; do
    if build $kind "$tmp/$kind.img"; then ok "$kind.build"; else bad "$kind.build" "kiln image failed" "$tmp/log.$kind.img"; fi
done
sleep 2
for kind in hybrid bios uefi; do
    build $kind "$tmp/again-$kind.img"
    if cmp -s "$tmp/$kind.img" "$tmp/again-$kind.img"; then ok "$kind.reproducible"
    else bad "$kind.reproducible" "two builds of the same inputs differ: $(cmp "$tmp/$kind.img" "$tmp/again-$kind.img" 2>&1)"; fi
    build $kind "$tmp/other-$kind.img" --cmdline "console=serial answer=43"
    if ! cmp -s "$tmp/$kind.img" "$tmp/other-$kind.img"; then ok "$kind.cmdline-changes-image"
    else bad "$kind.cmdline-changes-image" "a different command line gave the same image"; fi
done

for kind in hybrid bios uefi; do
    img="$tmp/$kind.img"
    [ -f "$img" ] || continue
    sectors=$(($(size_of "$img") / 512))
    last=$((sectors - 1))

    # --- kiln info ---------------------------------------------------------------------------------
    "$K" info "$img" > "$tmp/$kind.info" 2>&1
    st=$?
    if [ $st -eq 0 ]; then ok "$kind.info-status"; else bad "$kind.info-status" "kiln info exited $st" "$tmp/$kind.info"; fi
    has "$kind.info-payload" "$tmp/$kind.info" '^payload: version 2, [0-9]+ entries, .* header CRC [0-9a-f]{8} ok$' \
        '^  config +kiln\.cfg .* ok$' '^  kernel +tk-high\.elf .* ok$' '^  module +mod-a\.bin .* ok$' \
        "^          \\| cmdline=$CMDLINE\$"
    if [ $kind = uefi ]; then
        if grep -q '^  stage2 ' "$tmp/$kind.info"; then bad "$kind.info-stage2" "a UEFI-only image with stage 2" "$tmp/$kind.info"
        else ok "$kind.info-stage2"; fi
    else
        has "$kind.info-stage2" "$tmp/$kind.info" '^  stage2 +stage2\.bin .* ok$'
    fi
    if [ $kind = bios ]; then
        has "$kind.info-mbr" "$tmp/$kind.info" '^  1: type 0x7f active, start 2048, [0-9]+ sectors \(Kiln\)$'
    else
        has "$kind.info-gpt" "$tmp/$kind.info" \
            "^GPT primary header at LBA 1: CRC ok, entries at LBA 2 \\(128 x 128 bytes\\) CRC ok," \
            "^GPT backup header at LBA $last: CRC ok, entries at LBA $((last - 32)) \\(128 x 128 bytes\\) CRC ok," \
            '^  [0-9]: LBA [0-9]+-[0-9]+ \([0-9]+ MiB, 1 MiB aligned\) type C12A7328-F81F-11D2-BA4B-00A0C93EC93B ' \
            '^  [0-9]: LBA [0-9]+-[0-9]+ \([0-9]+ MiB, 1 MiB aligned\) type 4B4C4E31-5B1E-4C4E-8D2A-6B696C6E0001 .*\(Kiln\)$'
    fi

    # --- the independent checker -----------------------------------------------------------------------
    "$C" verify $kind "$img" "$KERNEL" "$MOD" > "$tmp/$kind.check" 2>&1
    st=$?
    sed -n "s/^PASS /[PASS] image.$kind./p; s/^FAIL /[FAIL] image.$kind./p" "$tmp/$kind.check"
    if [ $st -ne 0 ] && ! grep -q '^FAIL ' "$tmp/$kind.check"; then
        bad "$kind.imgcheck" "imgcheck exited $st" "$tmp/$kind.check"
    fi

    # --- the EFI system partition, through mtools ---------------------------------------------------------
    if [ $kind != bios ]; then
        off=$("$C" esp "$img")
        if mdir -i "$img@@$off" ::/EFI/BOOT > "$tmp/$kind.mdir" 2>&1 && grep -Eq '^BOOTX64 +EFI ' "$tmp/$kind.mdir"; then
            ok "$kind.esp-lists-bootx64"
        else
            bad "$kind.esp-lists-bootx64" "mdir does not list BOOTX64.EFI at offset $off" "$tmp/$kind.mdir"
        fi
        rm -f "$tmp/$kind.efi"
        # The ESP's copy is the built one, sealed (format/efiseal.h): only the 40 bytes
        # after the seal record's magic differ, and they do.
        seal=$(grep -boa 'KILN-EFI-SEAL-2' "$EFI" | cut -d: -f1)
        if mcopy -i "$img@@$off" ::/EFI/BOOT/BOOTX64.EFI "$tmp/$kind.efi" > "$tmp/$kind.mcopy" 2>&1 &&
            [ "$(wc -c < "$tmp/$kind.efi")" = "$(wc -c < "$EFI")" ] && [ -n "$seal" ] &&
            cmp -l "$tmp/$kind.efi" "$EFI" | awk -v lo=$((seal + 17)) -v hi=$((seal + 56)) \
                '$1 < lo || $1 > hi {bad = 1} {n++} END {exit bad || n == 0}'; then
            ok "$kind.esp-bootx64-identical"
        else
            bad "$kind.esp-bootx64-identical" "the ESP's BOOTX64.EFI is not $EFI sealed (seal record at $seal)" "$tmp/$kind.mcopy"
        fi
    fi

    # --- corruption is reported ------------------------------------------------------------------------
    cp "$img" "$tmp/bad-$kind.img"
    ent=$("$C" kernel "$img") # "OFFSET SIZE" of the kernel's bytes
    "$C" flip "$tmp/bad-$kind.img" $((${ent% *} + ${ent#* } / 2))
    "$K" info "$tmp/bad-$kind.img" > "$tmp/bad-$kind.info" 2>&1
    st=$?
    if [ $st -eq 1 ] && grep -Eq '^  kernel +tk-high\.elf .* CORRUPT$' "$tmp/bad-$kind.info" &&
        grep -q '^1 problem found$' "$tmp/bad-$kind.info"; then
        ok "$kind.corrupt-kernel-detected"
    else
        bad "$kind.corrupt-kernel-detected" "kiln info exited $st" "$tmp/bad-$kind.info"
    fi
    if "$C" verify $kind "$tmp/bad-$kind.img" > "$tmp/bad-$kind.check" 2>&1 ||
        ! grep -q '^FAIL payload-entries: entry [0-9]*: sum mismatch' "$tmp/bad-$kind.check"; then
        bad "$kind.imgcheck-sees-corrupt-kernel" "the independent checker missed it" "$tmp/bad-$kind.check"
    else
        ok "$kind.imgcheck-sees-corrupt-kernel"
    fi
done

# An image of payload version 1 (CRC-32 entries, before sum128): refused by
# name, with what to do (tests/kernels/corrupt.c payload-v1; booted in
# boot.plan's bios-payload-v1 and uefi-payload-v1).
"$K" info "$B/tests/damaged-payload-v1.img" > "$tmp/v1.info" 2>&1
st=$?
if [ $st -eq 1 ] && grep -q "^  payload: format version 1, this Kiln reads version 2: make the image again with this Kiln's \`kiln image\`$" "$tmp/v1.info"; then
    ok payload-v1-refused
else
    bad payload-v1-refused "kiln info exited $st" "$tmp/v1.info"
fi

# GPT damage, on the hybrid image: a byte of the primary header (its
# FirstUsableLBA), then a byte of the backup entry array.
cp "$tmp/hybrid.img" "$tmp/gpt1.img"
"$C" flip "$tmp/gpt1.img" $((512 + 40))
"$K" info "$tmp/gpt1.img" > "$tmp/gpt1.info" 2>&1
st=$?
if [ $st -eq 1 ] && grep -q '^GPT primary header: GPT header at LBA 1 fails its CRC$' "$tmp/gpt1.info"; then
    ok gpt-primary-header-corruption-detected
else
    bad gpt-primary-header-corruption-detected "kiln info exited $st" "$tmp/gpt1.info"
fi
if ! "$C" verify hybrid "$tmp/gpt1.img" > "$tmp/gpt1.check" 2>&1 &&
    grep -q '^FAIL gpt-primary: header CRC32' "$tmp/gpt1.check"; then
    ok imgcheck-sees-gpt-header-corruption
else
    bad imgcheck-sees-gpt-header-corruption "the independent checker missed it" "$tmp/gpt1.check"
fi
cp "$tmp/hybrid.img" "$tmp/gpt2.img"
last=$(($(size_of "$tmp/gpt2.img") / 512 - 1))
"$C" flip "$tmp/gpt2.img" $(((last - 32) * 512 + 20))
"$K" info "$tmp/gpt2.img" > "$tmp/gpt2.info" 2>&1
st=$?
if [ $st -eq 1 ] && grep -q "^GPT backup header at LBA $last: CRC ok, .* CRC BAD," "$tmp/gpt2.info"; then
    ok gpt-backup-array-corruption-detected
else
    bad gpt-backup-array-corruption-detected "kiln info exited $st" "$tmp/gpt2.info"
fi

# --- replacing an existing image ----------------------------------------------------------------------------
out="$tmp/replace/disk.img"
mkdir -p "$tmp/replace"
build bios "$out"
ln "$out" "$tmp/old-link.img" # a second name for the old inode
inode=$(ls -i "$out" | awk '{print $1}')
sum=$(cksum < "$out")
head -c 200 "$KERNEL" > "$tmp/truncated.elf"
"$K" image "$tmp/truncated.elf" -o "$out" --kind bios > "$tmp/fail.out" 2>&1
st=$?
if [ $st -eq 1 ] && [ "$(ls -i "$out" | awk '{print $1}')" = "$inode" ] && [ "$(cksum < "$out")" = "$sum" ] &&
    [ "$(cd "$tmp/replace" && ls -A)" = disk.img ]; then
    ok failed-run-keeps-old-image
else
    bad failed-run-keeps-old-image "status $st; directory: $(cd "$tmp/replace" && ls -A | tr '\n' ' ')" "$tmp/fail.out"
fi
# A failure late in the build: the kernel is fine, the second module is missing.
"$K" image "$KERNEL" -o "$out" --kind hybrid --module "$MOD" --module "$tmp/nope.bin" > "$tmp/fail2.out" 2>&1
st=$?
if [ $st -eq 1 ] && [ "$(cksum < "$out")" = "$sum" ] && [ "$(cd "$tmp/replace" && ls -A)" = disk.img ]; then
    ok failed-late-run-keeps-old-image
else
    bad failed-late-run-keeps-old-image "status $st" "$tmp/fail2.out"
fi
# A successful run replaces the file by renaming a new one over it: the old
# inode, still reachable through the hard link, keeps the old bytes.
build uefi "$out"
if [ "$(cksum < "$out")" != "$sum" ] && [ "$(cksum < "$tmp/old-link.img")" = "$sum" ] &&
    [ "$(ls -i "$out" | awk '{print $1}')" != "$inode" ] && [ "$(cd "$tmp/replace" && ls -A)" = disk.img ]; then
    ok success-replaces-by-rename
else
    bad success-replaces-by-rename "the old inode was written in place, or files were left behind"
fi
perm=$(ls -l "$out" | cut -c1-10)
if [ "$perm" = "-rw-r--r--" ]; then ok output-mode-0644; else bad output-mode-0644 "mode $perm"; fi

# --- an interrupted run -------------------------------------------------------------------------------------
# A stand-in xorriso that reports its pid and waits, so SIGTERM reaches kiln
# while it builds an ISO over the disk image (the temporary output and the
# staging folder exist at that moment).
mkdir -p "$tmp/fakebin" "$tmp/tmpdir"
cat > "$tmp/fakebin/xorriso" <<'EOF'
#!/bin/sh
echo $$ > "$KILN_TEST_MARK.tmp" && mv "$KILN_TEST_MARK.tmp" "$KILN_TEST_MARK"
exec sleep 60
EOF
chmod +x "$tmp/fakebin/xorriso"
sum=$(cksum < "$out")
KILN_TEST_MARK="$tmp/mark" PATH="$tmp/fakebin:$PATH" TMPDIR="$tmp/tmpdir" \
    "$K" image "$KERNEL" -o "$out" --kind iso > "$tmp/sig.out" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/mark" ] && [ $i -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
done
if [ ! -s "$tmp/mark" ]; then
    kill "$pid" 2> /dev/null
    wait "$pid"
    bad interrupted-run-cleans-up "the stand-in xorriso never ran" "$tmp/sig.out"
else
    during=$(cd "$tmp/replace" && ls -A | tr '\n' ' ')
    kill -TERM "$pid"
    wait "$pid" 2> /dev/null # no "Terminated" from the shell
    st=$?
    kill "$(cat "$tmp/mark")" 2> /dev/null
    left=$(cd "$tmp/replace" && ls -A; ls -A "$tmp/tmpdir")
    if [ $st -ne 0 ] && [ "$left" = disk.img ] && [ "$(cksum < "$out")" = "$sum" ]; then
        ok interrupted-run-cleans-up
    else
        bad interrupted-run-cleans-up "status $st; during: $during; after: $(echo "$left" | tr '\n' ' ')" "$tmp/sig.out"
    fi
fi
# --- settings from kiln.toml and the environment ---------------------------------------------------------
proj="$tmp/proj"
mkdir -p "$proj/sub"
cat > "$proj/kiln.toml" <<EOF
kernel = "$KERNEL"
cmdline = "from the project"
memory = 512

[image]
output = "out/disk.img"
kind = "bios"
modules = ["$MOD=initrd"]

[profile.terse.image]
loader_log = "error"
EOF
(cd "$proj/sub" && KILN_LOADER_SERIAL=off "$K" image --dry-run --profile terse --cmdline "from the command line") \
    > "$tmp/dry.out" 2>&1
check settings.dry-run-status $? "kiln image --dry-run failed: $(head -n 1 "$tmp/dry.out")"
has settings.dry-run-sources "$tmp/dry.out" \
    "^config file += $proj/kiln.toml\$" \
    '^profile += terse  \(--profile\)$' \
    "^kernel += $KERNEL  \\(.*kiln.toml:1\\)\$" \
    "^output += $proj/out/disk.img  \\(.*kiln.toml:6 \\[image\\]\\)\$" \
    '^kind += bios  \(.*kiln.toml:7 \[image\]\)$' \
    '^cmdline += "from the command line"  \(--cmdline\)$' \
    '^loader_log += "error"  \(.*kiln.toml:11 \[profile.terse.image\]\)$' \
    '^loader_serial += "off"  \(env KILN_LOADER_SERIAL\)$' \
    '^quiet += false  \(default\)$' \
    "^modules +\\+= $MOD=initrd  \\(.*kiln.toml:8 \\[image\\]\\)\$"
if grep -Eq '^(memory|mode|qemu_args) ' "$tmp/dry.out" || [ -e "$proj/out" ]; then
    bad settings.dry-run-image-only "kiln run's settings listed, or something built" "$tmp/dry.out"
else
    ok settings.dry-run-image-only
fi
# A real build from the same settings: the image holds them.
mkdir "$proj/out"
(cd "$proj/sub" && KILN_LOADER_SERIAL=off "$K" image --profile terse) > "$tmp/proj.out" 2>&1
check settings.build $? "$(head -n 1 "$tmp/proj.out")"
"$K" info "$proj/out/disk.img" > "$tmp/proj.info" 2>&1
has settings.build-uses-them "$tmp/proj.info" '^  1: type 0x7f active, start 2048, ' '^  module +initrd ' \
    '^          \| cmdline=from the project$' '^          \| log=error$' '^          \| serial=off$'
# Errors name where the value came from; the command line's keep their words.
(cd "$proj" && KILN_KIND=floppy "$K" image) > "$tmp/envkind.out" 2>&1
has settings.env-error "$tmp/envkind.out" '^kiln: error: KILN_KIND=floppy: must be hybrid, bios, uefi, iso or pxe$'
(cd "$proj" && "$K" image --kind floppy) > "$tmp/clikind.out" 2>&1
has settings.option-error "$tmp/clikind.out" "^kiln: error: --kind: 'floppy' is not hybrid, bios, uefi, iso or pxe\$"
printf '[image]\nloader_fb = "huge"\n' > "$proj/sub/kiln.toml"
(cd "$proj/sub" && "$K" image "$KERNEL" -o x.img) > "$tmp/filefb.out" 2>&1
has settings.file-error "$tmp/filefb.out" \
    '^kiln: error: kiln.toml:2: loader_fb = "huge": fb must be auto, keep, none, WxH, max:WxH or min:WxH$'
printf '[image]\nmemory = 512\n' > "$proj/sub/kiln.toml"
(cd "$proj/sub" && "$K" image "$KERNEL" -o x.img) > "$tmp/filekey.out" 2>&1
has settings.run-key-in-image-table "$tmp/filekey.out" \
    "^kiln: error: kiln.toml:2: 'memory' cannot be set in \\[image\\]: it is not a setting of kiln image "
# kiln check prints the smp wish and, with it, where the AP stacks go.
"$K" check "$top/$B/tests/kernels/tk-smp.elf" > "$tmp/check-smp.out" 2>&1
has check.smp-wish "$tmp/check-smp.out" '^  smp start: every AP started and parked on its goto_address; x2APIC mode preferred$' \
    '^  AP stacks +0x[0-9a-f]{16}-0x[0-9a-f]{16} 3 APs, a guard page below each$'
"$K" check "$KERNEL" > "$tmp/check-nosmp.out" 2>&1
has check.no-smp-wish "$tmp/check-nosmp.out" '^  smp none: the processors are listed, no AP is started$'
"$K" image --help > "$tmp/help.out" 2>&1
has settings.help "$tmp/help.out" '^  --dry-run ' '^  --profile NAME ' 'kiln\.toml' 'KILN_LOADER_LOG'

# --- --kind pxe: a folder for a TFTP server --------------------------------------------------------------
# kiln-bios.0 is the PXE stub (1 KiB, "KPXE" at 4, stage 2's sector count at
# MBR_STAGE2_SECTORS, 0x1b4, as stage 1 keeps it) followed by stage 2 as sealed for it (its header,
# bytes 8-39, filled in; the rest as built); kiln-x64.efi is the UEFI loader
# sealed as on a disk's ESP; kiln.payload is byte for byte the Kiln partition
# of a uefi image of the same inputs (no stage 2 entry in either).
net="$tmp/net"
if build pxe "$net"; then ok pxe.build; else bad pxe.build "kiln image --kind pxe failed" "$tmp/log.net"; fi
s2="$top/$B/stage2.bin"
s2s=$(( ($(size_of "$s2") + 511) / 512 ))
tail -c +41 "$s2" > "$tmp/s2.tail"
if [ "$(size_of "$net/kiln-bios.0")" -eq $((1024 + $(size_of "$s2"))) ] &&
    [ "$(dd if="$net/kiln-bios.0" bs=1 skip=4 count=4 status=none)" = KPXE ] &&
    [ "$(od -An -tu2 -j $((0x1b4)) -N2 "$net/kiln-bios.0" | tr -d ' ')" = "$s2s" ] &&
    tail -c +$((1024 + 41)) "$net/kiln-bios.0" | cmp -s - "$tmp/s2.tail"; then ok pxe.bios-program
else bad pxe.bios-program "kiln-bios.0 is not the stub followed by stage 2"; fi
mcopy -o -i "$tmp/uefi.img@@1M" ::/EFI/BOOT/BOOTX64.EFI "$tmp/esp.efi" 2>/dev/null
if cmp -s "$net/kiln-x64.efi" "$tmp/esp.efi"; then ok pxe.uefi-program
else bad pxe.uefi-program "kiln-x64.efi differs from the uefi image's sealed BOOTX64.EFI"; fi
lba=$("$K" info "$tmp/uefi.img" | sed -n 's/^  2: LBA \([0-9]*\)-.*(Kiln)$/\1/p')
psize=$(size_of "$net/kiln.payload")
if [ -n "$lba" ] && dd if="$tmp/uefi.img" bs=512 skip="$lba" status=none | head -c "$psize" | cmp -s - "$net/kiln.payload"
then ok pxe.payload-as-on-disk
else bad pxe.payload-as-on-disk "kiln.payload differs from the uefi image's Kiln partition (LBA '$lba')"; fi
build pxe "$tmp/net-again"
if cmp -s "$net/kiln.payload" "$tmp/net-again/kiln.payload"; then ok pxe.reproducible; else bad pxe.reproducible "differs"; fi
build pxe "$net" # into an existing folder: replaced, nothing left beside
left=$(ls -A "$net" | tr '\n' ' ')
if [ "$left" = "kiln-bios.0 kiln-x64.efi kiln.payload " ]; then ok pxe.rewrite; else bad pxe.rewrite "left: $left"; fi
: > "$tmp/net-file"
"$K" image "$KERNEL" -o "$tmp/net-file" --kind pxe > "$tmp/pxefile.out" 2>&1
has pxe.output-is-a-file "$tmp/pxefile.out" 'net-file: exists and is not a directory; --kind pxe writes a folder'
"$K" run "$tmp/uefi.img" --net --dry-run > "$tmp/netimg.out" 2>&1
has pxe.run-disk-image-refused "$tmp/netimg.out" 'is a disk image; the network boots a kernel ELF .* or a folder made by'
"$K" run "$KERNEL" --net --kind bios --dry-run > "$tmp/netkind.out" 2>&1
has pxe.run-kind-refused "$tmp/netkind.out" '^kiln: error: kind bios \(--kind\) cannot boot from the network \(--net\): use kind pxe$'
"$K" run "$net" --firmware uefi --dry-run > "$tmp/netdir.out" 2>&1
has pxe.run-folder "$tmp/netdir.out" "tftp=$net,bootfile=kiln-x64.efi" 'virtio-net-pci,netdev=net0,bootindex=0,romfile='
exit 0
