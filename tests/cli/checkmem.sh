#!/bin/sh
# checkmem.sh - `kiln check KERNEL --memory SIZE` predicts whether a kernel
# fits a machine (issue 10): the test kernels linked at 1 MiB whose span is
# 40-90% of 128 or 256 MiB (tests/kernels/tk.mk.inc; they boot in
# tests/boot/boot.plan), one that cannot fit, and bad sizes.
#   sh tests/cli/checkmem.sh      (from the top of the tree, after make test's build)
suite=checkmem
. tests/cli/lib.sh
KD="$top/$B/tests/kernels"
need "make $B/tests/kernels/tk-span115.elf $B/tests/kernels/tk-span230.elf $B/tests/kernels/tk-high.elf" "$K" \
    "$KD/tk-span115.elf" "$KD/tk-span230.elf" "$KD/tk-span77.elf" "$KD/tk-high.elf"

# run NAME STATUS ARGS...: `kiln check ARGS` must exit STATUS; output in $tmp/NAME.{out,err}
run() {
    name=$1 want=$2
    shift 2
    "$K" check "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
    st=$?
    [ $st -eq "$want" ] || { bad "$name" "exit status $st, expected $want" "$tmp/$name.err"; return 1; }
}

# 90% of 128 MiB fits under a BIOS (bios-span90 boots it); a UEFI warning, since OVMF may not leave the block.
run fits-bios 0 "$KD/tk-span115.elf" --memory 128 &&
    has fits-bios "$tmp/fits-bios.out" '^memory: a boot needs about [0-9]+ KiB, the largest run 117[0-9]{3} KiB in one block: it fits 128 MiB under a BIOS$' \
        '^layout \(for 128 MiB of RAM and a 1024x768x32 framebuffer\):$' &&
    has fits-bios-uefi-warning "$tmp/fits-bios.err" '^kiln: warning: .*tk-span115.elf: under UEFI the firmware keeps part of the 128 MiB'
# The same kernel cannot fit 64 MiB at all: an error with the sizes.
run too-small 1 "$KD/tk-span115.elf" --memory=64 &&
    has too-small "$tmp/too-small.err" '^kiln: error: .*tk-span115.elf: does not fit in 64 MiB of RAM: a boot needs about [0-9]+ KiB \(117[0-9]{3} KiB of segments, the largest run 117[0-9]{3} KiB in one block, .*\), and 64512 KiB lie above 1 MiB$'
run span230-128 1 "$KD/tk-span230.elf" --memory 128 && has span230-128 "$tmp/span230-128.err" 'does not fit in 128 MiB'
# A small kernel on a big machine: no warning; the layout for that machine.
run small 0 "$KD/tk-high.elf" --memory 6144 &&
    has small "$tmp/small.out" 'it fits 6144 MiB under a BIOS$' '^layout \(for 6 GiB of RAM' &&
    { [ ! -s "$tmp/small.err" ] && ok small-quiet || bad small-quiet "something on stderr" "$tmp/small.err"; }
# Without --memory: as before, for 4 GiB, no prediction.
run default 0 "$KD/tk-span77.elf" &&
    has default "$tmp/default.out" '^layout \(for 4 GiB of RAM' &&
    { ! grep -q '^memory:' "$tmp/default.out" && ok default-no-prediction || bad default-no-prediction "a memory line"; }
# Bad sizes.
for v in 0 -5 abc 12x 99999999999; do
    run "bad-$v" 1 "$KD/tk-high.elf" --memory "$v" &&
        has "bad-$v" "$tmp/bad-$v.err" "^kiln: error: check: --memory wants a size in MiB \(1 to 16777216\), not '$v'$"
done
run missing 1 "$KD/tk-high.elf" --memory && has missing "$tmp/missing.err" '^kiln: error: check: --memory needs a size in MiB$'
