#!/bin/sh
# runmode.sh - `kiln run` never fails silently: targets it cannot boot are
# refused and named, a guest that resets is stopped with its last serial
# lines and CPU state (unless --allow-reboot), firmware that finds nothing
# to boot (SeaBIOS, OVMF) ends the run with its message, the first line says
# how to quit, and OVMF's screen clearing stays off the terminal. One option
# language: --loader-log, --fb, --serial on kiln run; --log and --config,
# which meant two things, refused naming both; "did you mean" for typos. A
# cargo runner: test binaries in deps/ boot in test mode, --success-code,
# run mode's exit 0 for the success port.
#   sh tests/cli/runmode.sh            (from the top of the tree, after make test's build)
suite=runmode
. tests/cli/lib.sh
RT="$top/$B/tests/kernels/rt.elf"
need "make test" "$RT" "$top/$B/BOOTX64.EFI"
export KILN_CACHE="$tmp/cache"

# refuse NAME FILE REGEX: kiln run FILE exits 1 before QEMU, naming what FILE is
refuse() {
    "$K" run "$2" > "$tmp/out" 2>&1 < /dev/null
    st=$?
    if [ $st -ne 1 ]; then bad "$1" "exit $st, want 1" "$tmp/out"; return; fi
    has "$1" "$tmp/out" "$3" "not something kiln run can boot|not a CD image" "kernel ELF"
}

printf '#include <kiln.h>\nvoid kmain(void) {}\n' > "$tmp/kernel.c"
refuse refuse-c-source "$tmp/kernel.c" "kernel\.c is C source"
refuse refuse-efi "$top/$B/BOOTX64.EFI" "BOOTX64\.EFI is a PE/COFF executable"
head -c 65536 /dev/urandom > "$tmp/random.bin"
# random data could start like an ELF file or end its first sector with 55 aa
printf 'junk' | dd of="$tmp/random.bin" conv=notrunc 2> /dev/null
printf '\000\000' | dd of="$tmp/random.bin" bs=1 seek=510 conv=notrunc 2> /dev/null
refuse refuse-random "$tmp/random.bin" "random\.bin is data of no format kiln knows"
: > "$tmp/empty"
refuse refuse-empty "$tmp/empty" "empty is an empty file"

# SeaBIOS finds nothing: a GPT header but no MBR boot signature
head -c 1048576 /dev/zero > "$tmp/gpt-only.img"
printf 'EFI PART' | dd of="$tmp/gpt-only.img" bs=1 seek=512 conv=notrunc 2> /dev/null
"$K" run "$tmp/gpt-only.img" --timeout 60 > "$tmp/out" 2> "$tmp/err" < /dev/null
st=$?
cat "$tmp/out" >> "$tmp/err"
if [ $st -eq 1 ]; then
    has seabios-no-boot "$tmp/err" '^kiln: no bootable device \(SeaBIOS: No bootable device\.\)$'
else
    bad seabios-no-boot "exit $st, want 1 (not the timeout)" "$tmp/err"
fi
has quit-line "$tmp/err" '^kiln: serial output below; press Ctrl-C to stop QEMU; no copy is kept \(--serial-log FILE keeps one\)$'

# OVMF finds nothing: an MBR-only image; its shell's screen clearing is not shown
"$K" image "$RT" -o "$tmp/bios.img" --kind bios -q
"$K" run "$tmp/bios.img" --firmware uefi --timeout 120 > "$tmp/out" 2> "$tmp/err" < /dev/null
st=$?
if [ $st -eq 1 ]; then
    has ovmf-no-boot "$tmp/err" '^kiln: no bootable device \(OVMF found nothing to boot and started its shell\)$' \
        'BdsDxe: failed to load Boot0001'
else
    bad ovmf-no-boot "exit $st, want 1" "$tmp/err"
fi
esc=$(printf '\033')
if grep -q 'BdsDxe' "$tmp/out" && ! grep -q "$esc\[2J\|$esc\[[0-9;]*H\|$esc\[=3h" "$tmp/out"; then
    ok ovmf-screen-clearing-dropped
else
    bad ovmf-screen-clearing-dropped "OVMF's output missing, or ESC[2J / ESC[H / ESC[=3h reached the terminal" "$tmp/out"
fi

# a triple fault in run mode: stopped at once, with the CPU state
"$K" run "$RT" --cmdline triple-fault --timeout 60 > "$tmp/out" 2> "$tmp/err" < /dev/null
st=$?
if [ $st -eq 1 ]; then
    has reset-stopped "$tmp/err" '^kiln: the guest reset \(a triple fault\); kiln stopped it \(--allow-reboot lets it reboot\)$' \
        '^    \| rt: triple fault$' '^    the CPU state at the reset' '^    \| RIP=ffffffff8' '^    \| CR0='
else
    bad reset-stopped "exit $st, want 1" "$tmp/err"
fi
# ... and with --allow-reboot it reboots until the timeout
"$K" run "$RT" --cmdline triple-fault --timeout 4 --allow-reboot > "$tmp/out" 2> "$tmp/err" < /dev/null
st=$?
n=$(grep -c '^rt: triple fault' "$tmp/out")
if [ $st -eq 124 ] && [ "$n" -ge 2 ]; then ok allow-reboot; else bad allow-reboot "exit $st, $n boots (want 124, >= 2)" "$tmp/err"; fi

# one option language: the loader's settings on kiln run, the old ambiguous spellings refused
"$K" run "$RT" --test --cmdline pass --loader-log debug > "$tmp/out" 2>&1 < /dev/null
has loader-log-debug "$tmp/out" '^kiln: stage 2: boot drive 0x80' '^kiln: test passed'
"$K" run "$RT" --test --cmdline pass --serial off > "$tmp/out" 2>&1 < /dev/null
if grep -q '^rt: command line' "$tmp/out" && ! grep -q '^kiln: loading kernel' "$tmp/out"; then ok loader-serial-off
else bad loader-serial-off "the loader still wrote to COM1, or the kernel did not run" "$tmp/out"; fi
"$K" run "$RT" --log debug > "$tmp/out" 2>&1 < /dev/null
st=$?
if [ $st -eq 1 ] && [ ! -e debug ]; then
    has log-ambiguous "$tmp/out" "^kiln: error: run: --log is ambiguous: the loader's log level is --loader-log LEVEL, a copy of the serial output is --serial-log FILE"
else
    bad log-ambiguous "exit $st, or a file named debug was written" "$tmp/out"
fi
"$K" run "$RT" --memroy 5 > "$tmp/out" 2>&1 < /dev/null
has did-you-mean "$tmp/out" "^kiln: error: run: unknown option '--memroy' \(did you mean --memory\?\)"
"$K" image "$RT" -o "$tmp/x.img" --config "$tmp/c" > "$tmp/out" 2>&1 < /dev/null
has config-ambiguous "$tmp/out" "^kiln: error: --config is ambiguous: the image config .* is --image-config FILE, the project file \(kiln.toml\) is --project FILE"

# cargo's runner: a test binary under target/.../deps/ boots in test mode,
# and a run-mode boot that ends through the success port exits 0
deps="$tmp/target/x86_64-unknown-none/debug/deps"
mkdir -p "$deps"
cp "$RT" "$deps/kernel-0123456789abcdef"
tb="$deps/kernel-0123456789abcdef"
"$K" run "$tb" --dry-run > "$tmp/out" 2>&1
has cargo-test-detected "$tmp/out" '^mode += test  \(default for a cargo test binary \(TARGET in deps/\)\)$' \
    '^timeout += 60  \(default in test mode\)$' '^    -no-reboot'
"$K" run "$tb" --cmdline pass > "$tmp/out" 2>&1 < /dev/null
st=$?
if [ $st -eq 0 ]; then has cargo-test-pass "$tmp/out" '^kiln: test passed'; else bad cargo-test-pass "exit $st" "$tmp/out"; fi
"$K" run "$tb" --cmdline fail > "$tmp/out" 2>&1 < /dev/null
st=$?
if [ $st -eq 1 ]; then has cargo-test-fail "$tmp/out" '^kiln: test failed: expected exit 33, QEMU exited 35'
else bad cargo-test-fail "exit $st, want 1" "$tmp/out"; fi
"$K" run "$tb" --cmdline fail --success-code 35 > "$tmp/out" 2>&1 < /dev/null
check success-code $? "--success-code 35: a kernel that exits 35 did not pass"
"$K" run "$RT" --cmdline pass --timeout 60 > "$tmp/out" 2>&1 < /dev/null
check run-mode-success-is-0 $? "run mode: QEMU's success exit (33) is not kiln's 0"
