#!/bin/sh
# screenshot.sh - pictures of the guest's screen: kiln run --screenshot of
# a kernel that paints a known pattern (rt paint: left half red, right half
# blue, a green 64x64 square at the top left) under SeaBIOS and OVMF,
# decoded by an independent PNG reader (tests/cli/pngcheck.c, zlib's
# inflate) at the framebuffer's size; the message when QEMU ended before
# the picture; kiln test keeping the picture of a failed boot next to its
# log and none for a passing one; kiln test's coloured live progress on a
# terminal and plain lines otherwise.
#   sh tests/cli/screenshot.sh            (from the top of the tree, after make test's build)
suite=screenshot
. tests/cli/lib.sh
RT="$top/$B/tests/kernels/rt.elf"
need "make test" "$RT"
export KILN_CACHE="$tmp/cache"
if ! cc -O2 -o "$tmp/pngcheck" tests/cli/pngcheck.c -lz 2> "$tmp/cc.err"; then
    bad setup "cannot compile tests/cli/pngcheck.c (zlib1g-dev)" "$tmp/cc.err"
    exit 1
fi

# painted FIRMWARE: the pattern, at the size the kernel reports
painted() {
    png="$tmp/paint-$1.png"
    "$K" run "$RT" --firmware "$1" --cmdline paint --pass-on '^rt: painted' --screenshot "$png" --timeout 120 \
        > "$tmp/out" 2>&1 < /dev/null
    st=$?
    size=$(sed -n 's/^rt: painted \([0-9]*x[0-9]*\)\r*$/\1/p' "$tmp/out")
    if [ $st -ne 0 ] || [ -z "$size" ]; then bad "paint-$1" "exit $st, or no 'rt: painted' line" "$tmp/out"; return; fi
    got=$("$tmp/pngcheck" "$png" 2>&1)
    w=${size%x*} h=${size#*x}
    pixels=$("$tmp/pngcheck" "$png" 10 10 $((w / 4)) $((h / 2)) $((w * 3 / 4)) $((h / 2)) $((w - 1)) $((h - 1)) 2>&1 | tr '\n' ',')
    if [ "$got" = "$size" ] && [ "$pixels" = "0 255 0,255 0 0,0 0 255,0 0 255," ]; then
        has "paint-$1" "$tmp/out" "^kiln: screenshot \($size\) in $png\$"
    else
        bad "paint-$1" "PNG $got (want $size), pixels '$pixels'" "$tmp/out"
    fi
}
painted bios
painted uefi

# QEMU gone before the picture: said, and the run fails
"$K" run "$RT" --cmdline pass --screenshot "$tmp/none.png" --timeout 60 > "$tmp/out" 2>&1 < /dev/null
st=$?
if [ $st -eq 1 ] && [ ! -e "$tmp/none.png" ]; then
    has qemu-exited "$tmp/out" '^kiln: no screenshot: QEMU exited before kiln stopped it'
else
    bad qemu-exited "exit $st (want 1), or a picture exists" "$tmp/out"
fi

# kiln test: a failed boot's picture next to its log, none for a pass
"$K" test "$RT" --cmdline paint --timeout 10 --log-dir "$tmp/logs" > "$tmp/out" 2>&1 < /dev/null
if [ -f "$tmp/logs/rt.png" ] && "$tmp/pngcheck" "$tmp/logs/rt.png" > /dev/null 2>&1; then
    has test-failed-shot "$tmp/out" "^    screenshot: $tmp/logs/rt\.png \([0-9]+x[0-9]+\)\$"
else
    bad test-failed-shot "no readable $tmp/logs/rt.png" "$tmp/out"
fi
"$K" test "$RT" --cmdline halt-msg --pass-on '^rt: halted on purpose' --log-dir "$tmp/logs2" > "$tmp/out" 2>&1 < /dev/null
if [ -f "$tmp/logs2/rt.log" ] && [ ! -e "$tmp/logs2/rt.png" ]; then ok test-passed-no-shot
else bad test-passed-no-shot "a passing boot left a picture (or no log)" "$tmp/out"; fi

# kiln test's live progress: colours and a status line on a terminal, plain lines otherwise
"$K" test "$RT" "$RT" --cmdline pass -j 2 --log-dir "$tmp/logs3" > "$tmp/plain.out" 2>&1 < /dev/null
esc=$(printf '\033')
if grep -q "$esc" "$tmp/plain.out" || ! grep -q '^\[PASS\] rt (' "$tmp/plain.out"; then
    bad progress-plain "escape sequences, or no plain [PASS] line, without a terminal" "$tmp/plain.out"
else
    ok progress-plain
fi
if command -v script > /dev/null 2>&1; then
    script -qec "\"$K\" test \"$RT\" \"$RT\" --cmdline pass -j 2 --log-dir \"$tmp/logs3\"" /dev/null \
        < /dev/null > "$tmp/tty.out" 2>&1
    if grep -q "$esc\[32m\[PASS\]$esc\[0m rt" "$tmp/tty.out" && grep -q "2 running, 0 waiting" "$tmp/tty.out" &&
        grep -q '2 passed, 0 failed' "$tmp/tty.out"; then
        ok progress-terminal
    else
        bad progress-terminal "no green [PASS] or no status line on a terminal" "$tmp/tty.out"
    fi
else
    bad progress-terminal "script(1) is missing (bsdutils)"
fi
