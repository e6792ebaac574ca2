#!/bin/sh
# runner.sh - command-line tests of `kiln run` and `kiln test`: help texts,
# --dry-run with the source of every value and QEMU arguments appended
# across layers, error messages that name their source, and a few real
# boots of the runner test kernel (exit status mapping, timeout, the image
# cache, prebuilt images left untouched, JUnit). Prints one "[PASS] name"
# or "[FAIL] name: why" line per check (tests/run.sh counts them).
#   sh tests/cli/runner.sh            (from the top of the tree, after make test's build)
set -u
B=${B:-build}
top=$(pwd)
K="$top/$B/kiln"
RT="$top/$B/tests/kernels/rt.elf"
RTIMG="$top/$B/tests/rt.img"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A clean environment: no settings leak in from the caller.
for v in $(env | sed -n 's/^\(KILN_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export KILN_CACHE="$tmp/cache"

ok() { echo "[PASS] runner.$1"; }
bad() {
    echo "[FAIL] runner.$1: $2"
    if [ -n "${3:-}" ] && [ -f "$3" ]; then sed 's/^/    | /' "$3" | head -n 30; fi
}
# has NAME FILE PATTERN...: every extended regex matches a line of FILE
has() {
    name=$1 file=$2
    shift 2
    for p in "$@"; do
        if ! grep -Eq -- "$p" "$file"; then
            bad "$name" "no line matches /$p/" "$file"
            return
        fi
    done
    ok "$name"
}
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
# status NAME WANT GOT FILE
status() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "exit status $3, expected $2" "$4"; fi
}

# --- help --------------------------------------------------------------------------------
"$K" run --help > "$tmp/help.out" 2>&1
status run-help-status 0 $? "$tmp/help.out"
has run-help-options "$tmp/help.out" -- '--firmware bios\|uefi' '--kind hybrid\|bios\|uefi' '--module FILE' \
    '--cmdline STR' '--memory MIB' '--cpus N' '--machine q35\|pc' '--disk ide\|ahci\|nvme\|virtio\|usb' \
    '--accel tcg\|kvm' '--gui' '--gdb' '--log FILE' '--debugcon FILE' '--monitor' '--net' '--dry-run' \
    '--profile NAME' '--config FILE' '-v, --verbose' '--test' '--timeout S' '--expect REGEX' \
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
printf 'not an ELF file: a disk image\n' > "$proj/disk.img"
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

# --- real boots (need QEMU and the runner test kernel) -----------------------------------------
if [ ! -f "$RT" ] || [ ! -f "$RTIMG" ] || ! command -v qemu-system-x86_64 > /dev/null 2>&1; then
    echo "# runner.sh: boots skipped (no $RT, $RTIMG or QEMU; make test builds them)"
    exit 0
fi
cd "$tmp"
"$K" run "$RT" --no-config --test --cmdline pass > pass.out 2>&1
status boot-pass 0 $? pass.out
has boot-pass-message pass.out '^kiln: test passed \([0-9.]+ s\)$'
"$K" run "$RT" --no-config --test --cmdline fail > fail.out 2>&1
status boot-fail 1 $? fail.out
has boot-fail-message fail.out '^kiln: test failed: expected exit 33, QEMU exited 35' '^    \| rt: command line'
"$K" run "$RT" --no-config --test --cmdline spin --timeout 2 > spin.out 2>&1
status boot-timeout 124 $? spin.out
has boot-timeout-message spin.out '^kiln: test timed out after 2 s$'
"$K" run "$RT" --no-config --cmdline pass --timeout 5 > runmode.out 2>&1
status boot-run-mode-timeout 124 $? runmode.out
"$K" run "$RT" --no-config --test --cmdline clean-exit --expect-fail='QEMU exited 0' > xf.out 2>&1
status boot-expect-fail 0 $? xf.out
"$K" run "$RT" --no-config --test --cmdline pass --expect-fail > xf2.out 2>&1
status boot-expect-fail-unmet 1 $? xf2.out
has boot-expect-fail-unmet-message xf2.out 'expected a failure \(--expect-fail\), but the boot passed'

# the cache: one image per distinct input, reused
"$K" run "$RT" --no-config --test --cmdline pass --log serial.log > /dev/null 2>&1
n=$(ls "$KILN_CACHE"/images/*.img | wc -l)
# pass, fail, spin, clean-exit: 4 command lines, 4 images; the pass image was reused
if [ "$n" -eq 4 ]; then ok cache-reuse; else bad cache-reuse "$n images in the cache, expected 4"; fi
has serial-log serial.log "^rt: command line 'pass'.?\$"  # a raw copy: CR LF

# a prebuilt image is booted as it is and never written
cp "$RTIMG" rt.img
sum=$(cksum < rt.img)
"$K" run rt.img --no-config --test > img.out 2>&1
status boot-image 0 $? img.out
if [ "$(cksum < rt.img)" = "$sum" ]; then ok image-untouched; else bad image-untouched "the image changed"; fi

# kiln test: counting, JUnit, the log directory
"$K" test rt.img --no-config --log-dir logs2 --junit junit2.xml > t2.out 2>&1
status kiln-test-image 0 $? t2.out
has kiln-test-image-lines t2.out '^\[PASS\] rt \([0-9.]+ s\)$' '^1 passed, 0 failed$'
has kiln-test-junit junit2.xml '^<\?xml version="1.0" encoding="UTF-8"\?>$' \
    '<testsuite name="kiln" tests="1" failures="0"' '<testcase classname="kiln.boot" name="rt" time="'
if [ -f logs2/rt.log ] && grep -q "command line 'pass'" logs2/rt.log; then ok kiln-test-log; else bad kiln-test-log "no logs2/rt.log"; fi
# image options on an image: an error naming the option
"$K" test "$RT" rt.img --no-config --cmdline pass > t.out 2>&1
has kiln-test-image-option t.out '^kiln: error: --cmdline: rt.img is a disk image'

cat > p.plan <<EOF
# a plan
good   $RT --cmdline pass
marker $RT --cmdline marker-fail
"two words" $RT --cmdline 'fail' --expect-fail='exited 35'
EOF
"$K" test --plan p.plan --no-config -j 3 --junit j.xml --log-dir plogs > plan.out 2>&1
has kiln-test-plan-name plan.out "boot name 'two words': use letters"
sed -i 's/^"two words"/two-words/' p.plan
"$K" test --plan p.plan --no-config --list > list.out 2>&1
has kiln-test-list list.out '^good +.*rt.elf --cmdline pass$' '^marker ' "^two-words +.*rt.elf --cmdline fail '--expect-fail=exited 35'\$"
"$K" test --plan p.plan --no-config -j 3 --junit j.xml --log-dir plogs > plan.out 2>&1
status kiln-test-plan-status 1 $? plan.out
has kiln-test-plan-lines plan.out '^\[PASS\] good \([0-9.]+ s\)$' \
    '^\[FAIL\] marker: 1 \[FAIL\] marker \([0-9.]+ s\)$' '^    \| \[FAIL\] rt.marker: a deliberate failure marker$' \
    '^    log: plogs/marker.log$' '^\[PASS\] two-words \([0-9.]+ s, failed as expected: expected exit 33, QEMU exited 35' \
    '^2 passed, 1 failed$'
has kiln-test-plan-junit j.xml 'tests="3" failures="1"' \
    '<failure message="1 \[FAIL\] marker" type="boot">' '<system-out>\[FAIL\] rt.marker: a deliberate failure marker'
"$K" test --plan p.plan --no-config --filter '^good$' > filter.out 2>&1
has kiln-test-filter filter.out '^\[PASS\] good ' '^1 passed, 0 failed$'
exit 0
