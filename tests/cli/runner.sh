#!/bin/sh
# runner.sh - command-line tests of `kiln run` and `kiln test`: help texts,
# --dry-run with the source of every value and QEMU arguments appended
# across layers, error messages that name their source, warnings for
# misspelt KILN_* variables, kiln.toml's debugging settings, and real boots
# of the runner test kernel (exit status mapping, timeout, the image cache,
# prebuilt images left untouched, JUnit, the serial output's files, commas
# in paths, gdb from kiln.toml, --accel auto and its fallback to TCG).
# Prints one "[PASS] name" or "[FAIL] name: why" line per check (tests/run.sh
# counts them).
#   sh tests/cli/runner.sh            (from the top of the tree, after make test's build)
suite=runner
. tests/cli/lib.sh
RT="$top/$B/tests/kernels/rt.elf"
RTIMG="$top/$B/tests/rt.img"
export KILN_CACHE="$tmp/cache"

# in_order NAME FILE PATTERN...: the patterns match lines in this order
in_order() {
    name=$1 file=$2
    shift 2
    last=0
    for p in "$@"; do
        n=$(grep -En -- "$p" "$file" | head -n 1 | cut -d: -f1)
        if [ -z "$n" ] || [ "$n" -le "$last" ]; then
            bad "$name" "/$p/ missing or out of order" "$file"
            return
        fi
        last=$n
    done
    ok "$name"
}
# lacks NAME FILE PATTERN...: no line of FILE matches any of the patterns
lacks() {
    name=$1 file=$2
    shift 2
    for p in "$@"; do
        if grep -Eq -- "$p" "$file"; then
            bad "$name" "a line matches /$p/" "$file"
            return
        fi
    done
    ok "$name"
}
# status NAME WANT GOT FILE
status() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "exit status $3, expected $2" "$4"; fi
}

# --- help --------------------------------------------------------------------------------
"$K" run --help > "$tmp/help.out" 2>&1
status run-help-status 0 $? "$tmp/help.out"
has run-help-options "$tmp/help.out" -- '--firmware bios\|uefi' '--kind hybrid\|bios\|uefi' '--module FILE' \
    '--cmdline STR' '--memory MIB' '--cpus N' '--machine q35\|pc' '--disk ide\|ahci\|nvme\|virtio\|usb' \
    '--accel tcg\|kvm\|auto' '--gui' '--gdb' '--serial-log FILE' '--debugcon FILE' '--monitor' '--net' '--dry-run' \
    '--profile NAME' '--project FILE' '-v, --verbose' '--test' '--timeout S' '--expect REGEX' \
    '--reply PATTERN=TEXT' '--pass-on REGEX' '--expect-fail' '^examples:'
"$K" test --help > "$tmp/thelp.out" 2>&1
status test-help-status 0 $? "$tmp/thelp.out"
has test-help-options "$tmp/thelp.out" -- '--plan FILE' '-j, --jobs N' '--log-dir DIR' '--junit FILE' \
    '--filter REGEX' '--list' '--dry-run' 'passed, N failed'
"$K" --help > "$tmp/khelp.out" 2>&1
has kiln-help "$tmp/khelp.out" '^  run TARGET' '^  test TARGET' 'kiln run .*--gdb'

# --- a project with kiln.toml: layering and sources in --dry-run -----------------------------
proj="$tmp/proj"
mkdir -p "$proj/sub/dir"
# a disk image as kiln recognises one: the MBR boot signature at byte 510
fake_image() { head -c 510 /dev/zero > "$1" && printf '\125\252' >> "$1"; }
fake_image "$proj/disk.img"
cat > "$proj/kiln.toml" <<'EOF'
# a test project
kernel = "disk.img"
memory = 300
qemu_args = ["-name", "file-arg"]

[run]
qemu_args = ["-run-arg"]

[profile.ci]
memory = 512
qemu_args = ["-profile-arg"]

[profile.debug]
gui = true
EOF
(cd "$proj/sub/dir" && KILN_QEMU_ARGS="-env-arg 'two words'" KILN_CPUS=2 \
    "$K" run --profile ci --dry-run -- -cli-arg) > "$tmp/dry.out" 2>&1
status dry-run-status 0 $? "$tmp/dry.out"
has dry-run-sources "$tmp/dry.out" \
    "^config file += $proj/kiln.toml\$" \
    '^profile += ci  \(--profile\)$' \
    "^kernel += $proj/disk.img  \(.*kiln.toml:2\)\$" \
    '^memory += 512  \(.*kiln.toml:10 \[profile.ci\]\)$' \
    '^cpus += 2  \(env KILN_CPUS\)$' \
    '^firmware += bios  \(default\)$' \
    '^disk += ahci  \(default for machine q35\)$' \
    '^image += .*disk.img  \(a disk image, booted as it is'
in_order dry-run-qemu-args-appended "$tmp/dry.out" \
    '^qemu_args +\+= "-name"  \(.*kiln.toml:4\)$' \
    '^qemu_args +\+= "file-arg"  \(.*kiln.toml:4\)$' \
    '^qemu_args +\+= "-run-arg"  \(.*kiln.toml:7 \[run\]\)$' \
    '^qemu_args +\+= "-profile-arg"  \(.*kiln.toml:11 \[profile.ci\]\)$' \
    '^qemu_args +\+= "-env-arg"  \(env KILN_QEMU_ARGS\)$' \
    '^qemu_args +\+= "two words"  \(env KILN_QEMU_ARGS\)$' \
    '^qemu_args +\+= "-cli-arg"  \(--\)$'
in_order dry-run-command-line "$tmp/dry.out" \
    '^# the QEMU command line$' \
    '^[^ ]*qemu[^ ]* \\$' \
    '^    -machine q35 \\$' \
    '^    -m 512 \\$' \
    '^    -smp 2 \\$' \
    "^    -drive if=none,id=disk0,format=raw,file=$proj/disk.img,snapshot=on \\\\\$" \
    '^    -device ide-hd,drive=disk0,bus=ide.0,bootindex=0 \\$' \
    '^    -serial stdio \\$' \
    '^    -monitor none \\$' \
    '^    -name file-arg \\$' \
    '^    -run-arg \\$' \
    '^    -profile-arg \\$' \
    "^    -env-arg 'two words' \\\\\$" \
    '^    -cli-arg$'

# test mode: [test] instead of [run], the debug-exit device, a timeout
(cd "$proj" && KILN_PROFILE=debug "$K" run --test --dry-run --machine pc) > "$tmp/dry2.out" 2>&1
has dry-run-test-mode "$tmp/dry2.out" '^mode += test  \(--test\)$' '^timeout += 60  \(default in test mode\)$' \
    '^gui += true  \(.*kiln.toml:14 \[profile.debug\]\)$' '^profile += debug  \(env KILN_PROFILE\)$' \
    '^disk += ide  \(default for machine pc\)$' '-device isa-debug-exit,iobase=0xf4,iosize=0x04' '-no-reboot'
if grep -q -- '-run-arg' "$tmp/dry2.out"; then bad dry-run-no-run-table "[run] applied in test mode" "$tmp/dry2.out"
else ok dry-run-no-run-table; fi
if grep -q -- '-display none' "$tmp/dry2.out"; then bad dry-run-gui "gui = true still has -display none" "$tmp/dry2.out"
else ok dry-run-gui; fi

# --- errors name their source ------------------------------------------------------------------
(cd "$proj" && "$K" run --profile nope --dry-run) > "$tmp/prof.out" 2>&1
st=$?
if [ $st -ne 0 ]; then ok unknown-profile-status; else bad unknown-profile-status "exit 0" "$tmp/prof.out"; fi
has unknown-profile-message "$tmp/prof.out" \
    "^kiln: error: unknown profile 'nope' \(--profile\): .*kiln.toml defines: ci, debug\$"

(cd "$proj" && KILN_MEMORY=abc "$K" run --dry-run) > "$tmp/env.out" 2>&1
st=$?
if [ $st -ne 0 ]; then ok bad-env-status; else bad bad-env-status "exit 0" "$tmp/env.out"; fi
has bad-env-message "$tmp/env.out" '^kiln: error: KILN_MEMORY=abc: not a number of MiB'
(cd "$proj" && KILN_CPUS=0 "$K" run --dry-run) > "$tmp/env2.out" 2>&1
has bad-env-cpus "$tmp/env2.out" '^kiln: error: KILN_CPUS=0: must be 1\.\.255$'
(cd "$proj" && "$K" run --dry-run --cpus 0) > "$tmp/cli.out" 2>&1
has bad-option "$tmp/cli.out" '^kiln: error: --cpus 0: must be 1\.\.255$'
(cd "$proj" && "$K" run --dry-run --frob) > "$tmp/cli2.out" 2>&1
has unknown-option "$tmp/cli2.out" "^kiln: error: run: unknown option '--frob' \\(see kiln run --help\\)\$"

mkdir -p "$tmp/badproj"
printf 'kernel = "x.img"\n\nmemroy = 5\n' > "$tmp/badproj/kiln.toml"
(cd "$tmp/badproj" && "$K" run --dry-run) > "$tmp/badkey.out" 2>&1
has toml-unknown-key "$tmp/badkey.out" "^kiln: error: kiln.toml:3: unknown key 'memroy' \\(known: kernel, "
printf 'kernel = "x.img"\nqemu_args = ["-a",\n  5]\n' > "$tmp/badproj/kiln.toml"
(cd "$tmp/badproj" && "$K" run --dry-run) > "$tmp/badval.out" 2>&1
has toml-bad-array "$tmp/badval.out" '^kiln: error: kiln.toml:3: arrays may only hold strings'

(cd "$proj" && "$K" run --dry-run --cmdline x) > "$tmp/imgopt.out" 2>&1
has image-option-on-image "$tmp/imgopt.out" 'kiln: error: --cmdline: .*disk.img is a disk image, not a kernel ELF'

# a misspelt KILN_* variable draws a warning with the nearest name; known ones do not
(cd "$proj" && KILN_MEMROY=512 KILN_FROB=1 KILN_CPUS=2 "$K" run --dry-run) > "$tmp/envtypo.out" 2>&1
has env-typo-warning "$tmp/envtypo.out" \
    '^kiln: warning: unknown environment variable KILN_MEMROY \(did you mean KILN_MEMORY\?\)$' \
    '^kiln: warning: unknown environment variable KILN_FROB \(kiln reads the KILN_\* variables listed in docs/running.md\)$'
lacks env-typo-known "$tmp/envtypo.out" 'warning: .*KILN_CPUS'
(cd "$proj" && KILN_TIMEUOT=5 "$K" test --list) > "$tmp/envtypo2.out" 2>&1
has env-typo-warning-test "$tmp/envtypo2.out" \
    '^kiln: warning: unknown environment variable KILN_TIMEUOT \(did you mean KILN_TIMEOUT\?\)$'

# gdb, log, monitor in kiln.toml and a profile
mkdir -p "$tmp/dbgproj"
cat > "$tmp/dbgproj/kiln.toml" <<EOF
kernel = "$top/$B/tests/kernels/rt.elf"
cmdline = "pass"
[profile.debug]
gdb = true
serial_log = "serial,1.log"
[profile.debug.test]
timeout = 2
[profile.mon]
monitor = true
EOF
(cd "$tmp/dbgproj" && "$K" run --profile debug --test --dry-run) > "$tmp/dbgdry.out" 2>&1
has toml-gdb-log-dry-run "$tmp/dbgdry.out" '^gdb += true  \(.*kiln.toml:4 \[profile.debug\]\)$' \
    '^serial_log += serial,1.log  \(kiln.toml:5 \[profile.debug\]\)$' \
    '^# note: no timeout while debugging \(gdb \(.*kiln.toml:4 \[profile.debug\]\)\)$' '^    -s \\$' '^    -S$'
(cd "$tmp/dbgproj" && "$K" run --profile mon --dry-run) > "$tmp/mondry.out" 2>&1
has toml-monitor-dry-run "$tmp/mondry.out" '^monitor += true  \(.*kiln.toml:9 \[profile.mon\]\)$' '^    -monitor stdio \\$'
(cd "$tmp/dbgproj" && "$K" test --profile debug "$top/$B/tests/kernels/rt.elf" "$top/$B/tests/rt.img" -j 2) \
    > "$tmp/dbgj2.out" 2>&1
has toml-gdb-needs-j1 "$tmp/dbgj2.out" \
    '^kiln: error: gdb and monitor need one boot at a time \(gdb \(.*kiln.toml:4 \[profile.debug\]\) in boot rt\): add -j 1$'
(cd "$tmp/dbgproj" && "$K" test --profile debug "$top/$B/tests/kernels/rt.elf" "$top/$B/tests/rt.img" -j 1 --no-gdb) \
    > "$tmp/dbglog2.out" 2>&1
has toml-log-shared "$tmp/dbglog2.out" \
    '^kiln: error: serial_log \(kiln.toml:5 \[profile.debug\]\) serial,1.log is the log of boots rt and rt-2: they would overwrite each other'

# firmware and image kind must fit, both ways
(cd "$tmp" && "$K" run "$top/$B/tests/kernels/rt.elf" --no-project --kind uefi --dry-run) > "$tmp/kind.out" 2>&1
has kind-uefi-firmware-bios "$tmp/kind.out" \
    '^kiln: error: kind uefi \(--kind\) cannot boot with firmware bios \(default\): a uefi image has no BIOS boot code; use kind hybrid or bios$'
(cd "$tmp" && KILN_FIRMWARE=uefi "$K" run "$top/$B/tests/kernels/rt.elf" --no-project --kind bios --dry-run) \
    > "$tmp/kind2.out" 2>&1
has kind-bios-firmware-uefi "$tmp/kind2.out" \
    '^kiln: error: kind bios \(--kind\) cannot boot with firmware uefi \(env KILN_FIRMWARE\)'

# variables inside variables, and a cycle named
mkdir -p "$tmp/varproj"
cat > "$tmp/varproj/kiln.toml" <<'EOF'
kernel = "disk.img"
qemu_args = ["-name", "{{NAME}}"]
[vars]
BASE = "kiln"
NAME = "{{BASE}}-{{KERNEL_NAME}}"
EOF
fake_image "$tmp/varproj/disk.img"
(cd "$tmp/varproj" && "$K" run --dry-run) > "$tmp/vars.out" 2>&1
has nested-template "$tmp/vars.out" '^    -name kiln-disk$'
printf 'CYCLE = "{{LOOP}}"\nLOOP = "x{{CYCLE}}"\n' >> "$tmp/varproj/kiln.toml"
(cd "$tmp/varproj" && "$K" run --dry-run) > "$tmp/vars2.out" 2>&1
has template-cycle "$tmp/vars2.out" \
    '^kiln: error: kiln.toml:7: \[vars\] LOOP: template: \{\{CYCLE\}\} refers to itself through \{\{LOOP\}\}$'

# --gui on a QEMU without a window display: an error, not VNC
cat > "$tmp/qemu-nogui" <<'EOF'
#!/bin/sh
if [ "$1" = -display ]; then printf 'Available display backend types:\nnone\ncurses\negl-headless\n'; exit 0; fi
exit 1
EOF
chmod +x "$tmp/qemu-nogui"
(cd "$proj" && "$K" run --gui --qemu "$tmp/qemu-nogui") > "$tmp/gui.out" 2>&1
status gui-missing-status 1 $? "$tmp/gui.out"
has gui-missing-message "$tmp/gui.out" "^kiln: error: --gui needs QEMU's display support: apt-get install qemu-system-gui\$"
(cd "$proj" && KILN_PROFILE=debug "$K" run --qemu "$tmp/qemu-nogui" --dry-run) > "$tmp/gui2.out" 2>&1
has gui-missing-dry-run "$tmp/gui2.out" \
    "^# note: a real run would stop here: gui \\(.*kiln.toml:14 \\[profile.debug\\]\\) needs QEMU's display support"

# output files: a --junit that is not a regular file, or cannot be written, stops everything before it runs
mkfifo "$tmp/junit.fifo"
(cd "$proj" && "$K" test --junit "$tmp/junit.fifo" --log-dir "$tmp/jlogs") > "$tmp/jfifo.out" 2>&1
has junit-fifo-refused "$tmp/jfifo.out" \
    "^kiln: error: --junit $tmp/junit.fifo: exists and is a FIFO; the report is written to a new file renamed into place, so name a regular file\$"
if [ -p "$tmp/junit.fifo" ] && [ ! -e "$tmp/jlogs" ]; then ok junit-fifo-untouched
else bad junit-fifo-untouched "the FIFO was replaced, or boots ran"; fi
# (root may write anywhere but in /proc)
if [ "$(id -u)" = 0 ]; then ro=/proc/kiln-junit-test.xml; else mkdir "$tmp/ro" && chmod 555 "$tmp/ro" && ro="$tmp/ro/j.xml"; fi
(cd "$proj" && "$K" test --junit "$ro" --log-dir "$tmp/jlogs") > "$tmp/jro.out" 2>&1
has junit-read-only "$tmp/jro.out" "^kiln: error: --junit $ro: cannot write in ${ro%/*}: "
if [ ! -e "$tmp/jlogs" ]; then ok junit-read-only-ran-nothing; else bad junit-read-only-ran-nothing "boots ran"; fi
(cd "$proj" && "$K" test --junit "$tmp" --log-dir "$tmp/jlogs") > "$tmp/jdir.out" 2>&1
has junit-directory "$tmp/jdir.out" "^kiln: error: --junit $tmp: exists and is a directory"

# --- real boots (need QEMU and the runner test kernel) -----------------------------------------
if [ ! -f "$RT" ] || [ ! -f "$RTIMG" ] || ! command -v qemu-system-x86_64 > /dev/null 2>&1; then
    echo "# runner.sh: boots skipped (no $RT, $RTIMG or QEMU; make test builds them)"
    exit 0
fi
cd "$tmp"
"$K" run "$RT" --no-project --test --cmdline pass > pass.out 2>&1
status boot-pass 0 $? pass.out
has boot-pass-message pass.out '^kiln: test passed \([0-9.]+ s\)$'
"$K" run "$RT" --no-project --test --cmdline fail > fail.out 2>&1
status boot-fail 1 $? fail.out
has boot-fail-message fail.out '^kiln: test failed: expected exit 33, QEMU exited 35' '^    \| rt: command line'
"$K" run "$RT" --no-project --test --cmdline spin --timeout 2 > spin.out 2>&1
status boot-timeout 124 $? spin.out
has boot-timeout-message spin.out '^kiln: test timed out after 2 s$'
# Run mode: the kernel can end QEMU too (isa-debug-exit is always there), and
# kiln run returns 0 for the success port (33), else QEMU's status; a kernel that never exits is stopped by --timeout.
"$K" run "$RT" --no-project --cmdline pass --timeout 30 > runmode.out 2>&1
status boot-run-mode-exit 0 $? runmode.out
"$K" run "$RT" --no-project --cmdline spin --timeout 5 > runmode.out 2>&1
status boot-run-mode-timeout 124 $? runmode.out
"$K" run "$RT" --no-project --test --cmdline clean-exit --expect-fail='QEMU exited 0' > xf.out 2>&1
status boot-expect-fail 0 $? xf.out
"$K" run "$RT" --no-project --test --cmdline pass --expect-fail > xf2.out 2>&1
status boot-expect-fail-unmet 1 $? xf2.out
has boot-expect-fail-unmet-message xf2.out 'expected a failure \(--expect-fail\), but the boot passed'

# the cache: one image per distinct input, reused
"$K" run "$RT" --no-project --test --cmdline pass --serial-log serial.log > /dev/null 2>&1
n=$(ls "$KILN_CACHE"/images/*.img | wc -l)
# pass, fail, spin, clean-exit: 4 command lines, 4 images; the pass image was reused
if [ "$n" -eq 4 ]; then ok cache-reuse; else bad cache-reuse "$n images in the cache, expected 4"; fi
has serial-log serial.log "^rt: command line 'pass'.?\$"  # a raw copy: CR LF

# a prebuilt image is booted as it is and never written
cp "$RTIMG" rt.img
sum=$(cksum < rt.img)
"$K" run rt.img --no-project --test > img.out 2>&1
status boot-image 0 $? img.out
if [ "$(cksum < rt.img)" = "$sum" ]; then ok image-untouched; else bad image-untouched "the image changed"; fi

# kiln test: counting, JUnit, the log directory
"$K" test rt.img --no-project --log-dir logs2 --junit junit2.xml > t2.out 2>&1
status kiln-test-image 0 $? t2.out
has kiln-test-image-lines t2.out '^\[PASS\] rt \([0-9.]+ s\)$' '^1 passed, 0 failed$'
has kiln-test-junit junit2.xml '^<\?xml version="1.0" encoding="UTF-8"\?>$' \
    '<testsuite name="kiln" tests="1" failures="0"' '<testcase classname="kiln.boot" name="rt" time="'
if [ -f logs2/rt.log ] && grep -q "command line 'pass'" logs2/rt.log; then ok kiln-test-log; else bad kiln-test-log "no logs2/rt.log"; fi
# without --log-dir the logs go to the cache's test-logs, whatever the directory holds (a ./build too)
mkdir build
"$K" test rt.img --no-project > t3.out 2>&1
status kiln-test-default-log-dir-status 0 $? t3.out
if grep -q "command line 'pass'" "$KILN_CACHE/test-logs/rt.log" 2> /dev/null && [ -z "$(ls -A build)" ]; then
    ok kiln-test-default-log-dir
else
    bad kiln-test-default-log-dir "no $KILN_CACHE/test-logs/rt.log, or something in ./build" t3.out
fi
rmdir build
# image options on an image: an error naming the option
"$K" test "$RT" rt.img --no-project --cmdline pass > t.out 2>&1
has kiln-test-image-option t.out '^kiln: error: --cmdline: rt.img is a disk image'

cat > p.plan <<EOF
# a plan
good   $RT --cmdline pass
marker $RT --cmdline marker-fail
"two words" $RT --cmdline 'fail' --expect-fail='exited 35'
EOF
"$K" test --plan p.plan --no-project -j 3 --junit j.xml --log-dir plogs > plan.out 2>&1
has kiln-test-plan-name plan.out "boot name 'two words': use letters"
sed -i 's/^"two words"/two-words/' p.plan
"$K" test --plan p.plan --no-project --list > list.out 2>&1
has kiln-test-list list.out '^good +.*rt.elf --cmdline pass$' '^marker ' "^two-words +.*rt.elf --cmdline fail '--expect-fail=exited 35'\$"
"$K" test --plan p.plan --no-project -j 3 --junit j.xml --log-dir plogs > plan.out 2>&1
status kiln-test-plan-status 1 $? plan.out
has kiln-test-plan-lines plan.out '^\[PASS\] good \([0-9.]+ s\)$' \
    '^\[FAIL\] marker: 1 \[FAIL\] marker \([0-9.]+ s\)$' '^    \| \[FAIL\] rt.marker: a deliberate failure marker$' \
    '^    log: plogs/marker.log$' '^\[PASS\] two-words \([0-9.]+ s, failed as expected: expected exit 33, QEMU exited 35' \
    '^2 passed, 1 failed$'
has kiln-test-plan-junit j.xml 'tests="3" failures="1"' \
    '<failure message="1 \[FAIL\] marker" type="boot">' '<system-out>\[FAIL\] rt.marker: a deliberate failure marker'
"$K" test --plan p.plan --no-project --filter '^good$' > filter.out 2>&1
has kiln-test-filter filter.out '^\[PASS\] good ' '^1 passed, 0 failed$'
# --- the serial output's files, and commas in every path QEMU is given -----------------------
# --serial-log to a FIFO is written in place; kiln says it waits for the reader
mkfifo serial.fifo
"$K" run "$RT" --no-project --test --cmdline pass --serial-log serial.fifo > fifolog.out 2>&1 &
kpid=$!
i=0
while ! grep -q 'waiting for a reader' fifolog.out && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
cat serial.fifo > fifo.copy
wait $kpid
status log-fifo 0 $? fifolog.out
has log-fifo-waits fifolog.out '^kiln: --serial-log serial.fifo: waiting for a reader of the FIFO$'
has log-fifo-content fifo.copy "^rt: command line 'pass'.?\$"
if [ -p serial.fifo ]; then ok log-fifo-still-a-fifo; else bad log-fifo-still-a-fifo "replaced"; fi
"$K" run "$RT" --no-project --test --cmdline pass --serial-log "$tmp" > logdir.out 2>&1
has log-directory logdir.out "^kiln: error: --serial-log $tmp: is a directory; the serial output goes to a file, a FIFO or a terminal\$"
if [ "$(id -u)" = 0 ]; then rolog=/proc/kiln-log-test; else mkdir -p "$tmp/ro2" && chmod 555 "$tmp/ro2" && rolog="$tmp/ro2/s.log"; fi
"$K" run "$RT" --no-project --test --cmdline pass --serial-log "$rolog" > logro.out 2>&1
status log-read-only-status 1 $? logro.out
has log-read-only logro.out "^kiln: error: --serial-log $rolog: "
lacks log-read-only-ran-nothing logro.out 'rt: command line'
# a file that cannot be written (/proc/version: root opens it, then every write fails)
"$K" run "$RT" --no-project --test --cmdline pass --serial-log /proc/version > logwr.out 2>&1
status log-write-error-status 1 $? logwr.out
has log-write-error logwr.out '^kiln: error: --serial-log /proc/version: '

# commas in the cache (-drive file=), TMPDIR (the OVMF variables' copy: pflash), --debugcon, --serial-log
mkdir -p "d,1"
KILN_CACHE="$tmp/ca,che" TMPDIR="$tmp/d,1" "$K" run "$RT" --no-project --test --cmdline pass --firmware uefi \
    --debugcon "$tmp/d,1/e9,x.log" --serial-log "$tmp/d,1/serial,x.log" > commas.out 2>&1
status commas-uefi 0 $? commas.out
has commas-debugcon "d,1/e9,x.log" '^kiln: Kiln .*UEFI'
has commas-log "d,1/serial,x.log" "^rt: command line 'pass'"
if ls "$tmp"/ca,che/images/*.img > /dev/null 2>&1; then ok commas-cache; else bad commas-cache "no image in ca,che"; fi
# the monitor's serial socket in a TMPDIR with a comma (-chardev path=)
TMPDIR="$tmp/d,1" "$K" run "$RT" --no-project --test --cmdline pass --monitor < /dev/null > monitor.out 2>&1
status commas-monitor-socket 0 $? monitor.out
# an image whose relative name looks like a QEMU protocol ("x:")
cp "$RTIMG" "x:rt.img"
"$K" run "x:rt.img" --no-project --test > colon.out 2>&1
status image-name-with-colon 0 $? colon.out

# --- gdb from kiln.toml: QEMU waits, and the profile's timeout does not apply ------------------
(cd "$tmp/dbgproj" && exec "$K" run --profile debug --test) > gdbrun.out 2>&1 &
kpid=$!
sleep 4 # twice the profile's timeout
if kill -0 $kpid 2> /dev/null; then ok toml-gdb-no-timeout; else bad toml-gdb-no-timeout "kiln ended" gdbrun.out; fi
kill -TERM $kpid 2> /dev/null
wait $kpid
status toml-gdb-interrupted 130 $? gdbrun.out
has toml-gdb-messages gdbrun.out '^kiln: QEMU waits for gdb on localhost:1234; attach with:$' \
    '^kiln: gdb \(kiln.toml:4 \[profile.debug\]\): no timeout while debugging$'
if [ -f "$tmp/dbgproj/serial,1.log" ]; then ok toml-log-written; else bad toml-log-written "no serial,1.log"; fi

# --- --accel auto -------------------------------------------------------------------------------
# Whatever KVM does on this machine the boot passes; a KVM that fails is said once and remembered.
KILN_CACHE="$tmp/cache-auto" "$K" run "$RT" --no-project --test --cmdline pass --accel auto > auto1.out 2>&1
status accel-auto 0 $? auto1.out
if [ -f "$tmp/cache-auto/kvm-broken" ]; then
    has accel-auto-fallback auto1.out '^kiln: KVM does not work here \(.+\); using TCG$'
    lacks accel-auto-no-qemu-report auto1.out '^KVM internal error' '^extra data'
    KILN_CACHE="$tmp/cache-auto" "$K" run "$RT" --no-project --test --cmdline pass --accel auto -v > auto2.out 2>&1
    status accel-auto-remembered 0 $? auto2.out
    has accel-auto-remembered-tcg auto2.out '^kiln: accel auto \(--accel\): TCG: KVM failed here before: ' \
        '^kiln: running .* -accel tcg '
    lacks accel-auto-remembered-quiet auto2.out 'KVM does not work here'
else
    lacks accel-auto-no-fallback auto1.out 'KVM does not work here'
fi

# The fallback itself, with a QEMU whose KVM always fails (where /dev/kvm is usable, so auto tries it).
if "$K" run "$RTIMG" --no-project --accel kvm --dry-run 2>&1 | grep -q 'KVM is not usable'; then
    echo "# runner.sh: /dev/kvm is not usable here: the KVM fallback checks skipped"
else
    real=$(command -v qemu-system-x86_64)
    cat > qemu-badkvm <<EOF
#!/bin/sh
case " \$* " in
*" kvm "*) printf 'KVM internal error. Suberror: 1\nextra data[0]: 0x1\nemulation failure\n' >&2; exec sleep 30 ;;
esac
exec "$real" "\$@"
EOF
    chmod +x qemu-badkvm
    fb="$tmp/cache-fb"
    KILN_CACHE="$fb" "$K" run "$RT" --no-project --test --cmdline pass --accel auto --qemu ./qemu-badkvm > fb1.out 2>&1
    status kvm-fallback 0 $? fb1.out
    has kvm-fallback-line fb1.out \
        '^kiln: KVM does not work here \(KVM internal error. Suberror: 1; emulation failure\); using TCG$' \
        '^kiln: test passed'
    lacks kvm-fallback-quiet fb1.out '^KVM internal error' '^extra data' '^emulation failure'
    if grep -qxF "qemu: $("$real" -version | head -n 1)" "$fb/kvm-broken" &&
        grep -qxF 'reason: KVM internal error. Suberror: 1; emulation failure' "$fb/kvm-broken"; then
        ok kvm-fallback-record
    else
        bad kvm-fallback-record "not QEMU's version and the reason" "$fb/kvm-broken"
    fi
    KILN_CACHE="$fb" "$K" run "$RT" --no-project --test --cmdline pass --accel auto --qemu ./qemu-badkvm -v > fb2.out 2>&1
    status kvm-fallback-remembered 0 $? fb2.out
    lacks kvm-fallback-remembered-quiet fb2.out 'KVM does not work here'
    has kvm-fallback-remembered-tcg fb2.out '^kiln: running .* -accel tcg '
    # another QEMU version: KVM is tried again
    sed -i 's/^qemu: .*/qemu: QEMU emulator version 0.0.1/' "$fb/kvm-broken"
    KILN_CACHE="$fb" "$K" run "$RT" --no-project --test --cmdline pass --accel auto --qemu ./qemu-badkvm > fb3.out 2>&1
    has kvm-record-other-version fb3.out '^kiln: KVM does not work here '
    # a record older than 30 days: tried again
    touch -d '31 days ago' "$fb/kvm-broken"
    KILN_CACHE="$fb" "$K" run "$RT" --no-project --test --cmdline pass --accel auto --qemu ./qemu-badkvm > fb4.out 2>&1
    has kvm-record-too-old fb4.out '^kiln: KVM does not work here '
    # with the monitor on the terminal, QEMU's stderr is still watched
    rm -f "$fb/kvm-broken"
    KILN_CACHE="$fb" "$K" run "$RT" --no-project --test --cmdline pass --accel auto --qemu ./qemu-badkvm --monitor \
        < /dev/null > fb7.out 2>&1
    status kvm-fallback-monitor 0 $? fb7.out
    has kvm-fallback-monitor-line fb7.out '^kiln: KVM does not work here '
    # --accel kvm was asked for: no fallback
    KILN_CACHE="$fb" "$K" run "$RT" --no-project --test --cmdline pass --accel kvm --qemu ./qemu-badkvm > fb5.out 2>&1
    status kvm-explicit-no-fallback 1 $? fb5.out
    has kvm-explicit-reason fb5.out '^kiln: test failed: QEMU stopped the guest: KVM internal error'
    lacks kvm-explicit-no-fallback-line fb5.out 'using TCG$'
    # kiln test, two boots at once: both pass, the line comes once
    rm -f "$fb/kvm-broken"
    KILN_CACHE="$fb" "$K" test "$RT" "$RT" --no-project --cmdline pass --accel auto --qemu ./qemu-badkvm -j 2 \
        > fb6.out 2>&1
    has kvm-fallback-kiln-test fb6.out '^2 passed, 0 failed$'
    n=$(grep -c 'KVM does not work here' fb6.out)
    if [ "$n" = 1 ]; then ok kvm-fallback-said-once; else bad kvm-fallback-said-once "said $n times" fb6.out; fi
fi
exit 0
