#!/bin/sh
# debug.sh - `make debug`'s script: QEMU halted with a gdb stub, gdb attached
# with tools/gdb/kiln.gdb and the kernel's symbols; a hardware breakpoint on
# the kernel entry must stop there, in long mode, after firmware, stage 1 and
# stage 2 ran (BIOS), and the same under UEFI.
suite=debug
. tests/cli/lib.sh
entry=$(nm "$B"/kernel-example.elf | sed -n 's/^\([0-9a-f]*\) T _start$/\1/p')
if ! command -v gdb > /dev/null 2>&1; then
    echo "[FAIL] debug.gdb-installed: gdb is missing (scripts/deps.sh installs it)"
    exit 0
fi
for fw in bios uefi; do
    out=$(B="$B" FIRMWARE=$fw GDB_ARGS="-batch -ex kiln-entry -ex continue -ex 'info registers rip'" \
        timeout 180 sh scripts/debug.sh 2>&1)
    echo "$out" | grep -Eq "^rip +0x$entry +0x$entry <_start>"
    check "$fw-stops-at-kernel-entry" $? "$(echo "$out" | tail -n 4 | tr '\n' '|')"
    echo "$out" | grep -q "in the same address space\|Breakpoint 1, _start"
    check "$fw-kernel-symbols" $? "no symbols for _start"
done
exit 0
