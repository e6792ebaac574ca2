#!/bin/sh
# debug.sh - the body of `make debug`: QEMU starts halted with a gdb stub
# (kiln run --gdb) in the background, and gdb attaches in the foreground with
# tools/gdb/kiln.gdb (real mode and long mode) and the kernel's symbols; the
# command is the one kiln prints. Serial output goes to build/debug-serial.log.
# When gdb exits, QEMU is stopped.
#   make debug [KERNEL=...] [FIRMWARE=bios|uefi] [CMDLINE=...] [GDB_ARGS=...]
set -u
B=${B:-build}
KERNEL=${KERNEL:-$B/kernel-example.elf}
FIRMWARE=${FIRMWARE:-bios}
if ! command -v gdb > /dev/null 2>&1; then
    echo "kiln: make debug needs gdb; run as root: apt-get install -y gdb" >&2
    exit 1
fi
serial=$B/debug-serial.log
out=$B/debug-kiln.log
if [ -n "${CMDLINE:-}" ]; then
    "$B"/kiln run "$KERNEL" --firmware "$FIRMWARE" --gdb --serial-log "$serial" --cmdline "$CMDLINE" < /dev/null > "$out" 2>&1 &
else
    "$B"/kiln run "$KERNEL" --firmware "$FIRMWARE" --gdb --serial-log "$serial" < /dev/null > "$out" 2>&1 &
fi
pid=$!
trap 'kill $pid 2> /dev/null; wait $pid 2> /dev/null' EXIT
trap 'exit 130' INT TERM
cmd=""
i=0
while [ -z "$cmd" ] && [ $i -lt 300 ]; do
    cmd=$(sed -n '/attach with:/{n;s/^ *//;p;}' "$out")
    if [ -z "$cmd" ] && ! kill -0 $pid 2> /dev/null; then
        cat "$out" >&2
        exit 1
    fi
    [ -z "$cmd" ] && sleep 0.1
    i=$((i + 1))
done
[ -n "$cmd" ] || { echo "kiln: QEMU did not start (see $out)" >&2; exit 1; }
echo "kiln: QEMU is waiting for gdb; serial output goes to $serial"
echo "kiln: $cmd"
eval "$cmd ${GDB_ARGS:-}"
