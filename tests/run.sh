#!/bin/sh
# run.sh - the body of `make test`: host unit tests, command-line tests of
# the kiln tool, then the QEMU boot tests through `kiln test`. Every check
# prints a "[PASS] name" or "[FAIL] name: why" line; the last line is
# "N passed, N failed", and the exit status is non-zero on any failure.
#   sh tests/run.sh [unit|cli|boot|all]   (default all)
set -u
what=${1:-all}
B=${B:-build}
export B # the unit tests read build products (test kernels, stage 1) under it
pass=0
fail=0

count() { # count FILE: add its [PASS]/[FAIL] lines to the totals
    p=$(grep -c '^\[PASS\]' "$1" || true)
    f=$(grep -c '^\[FAIL\]' "$1" || true)
    pass=$((pass + p))
    fail=$((fail + f))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_one NAME COMMAND...: run a test program, show and count its lines.
run_one() {
    name=$1
    shift
    "$@" > "$tmp/$name.out" 2>&1
    status=$?
    grep -E '^\[(PASS|FAIL)\]' "$tmp/$name.out"
    count "$tmp/$name.out"
    # A crash (sanitizer report, abort) without a [FAIL] line still fails.
    if [ $status -ne 0 ] && ! grep -q '^\[FAIL\]' "$tmp/$name.out"; then
        echo "[FAIL] $name: exited with status $status"
        tail -n 20 "$tmp/$name.out" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
}

if [ "$what" = unit ] || [ "$what" = all ]; then
    for src in tests/unit/test_*.c; do # the tests of these sources, not stale binaries
        t="$B/tests/unit/$(basename "$src" .c)"
        if [ -x "$t" ]; then
            run_one "$(basename "$t")" "$t"
        else
            echo "[FAIL] $(basename "$t"): not built"
            fail=$((fail + 1))
        fi
    done
fi

if [ "$what" = cli ] || [ "$what" = all ]; then
    for t in tests/cli/*.sh; do
        [ -f "$t" ] && B="$B" run_one "$(basename "$t" .sh)" sh "$t"
    done
fi

if [ "$what" = boot ] || [ "$what" = all ]; then
    mkdir -p "$B"/test-logs
    "$B"/kiln test --plan tests/boot/boot.plan --plan tests/boot/runner.plan --log-dir "$B"/test-logs \
        --junit "$B"/test-logs/junit.xml \
        > "$tmp/boot.out" 2>&1
    status=$?
    cat "$tmp/boot.out"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/boot.out" | tail -n 1)
    if [ -n "$line" ]; then
        pass=$((pass + ${line%% passed*}))
        f=${line#*passed, }
        fail=$((fail + ${f%% failed}))
    fi
    if [ $status -ne 0 ] && { [ -z "$line" ] || [ "${f%% failed}" = 0 ]; }; then
        echo "[FAIL] boot tests: kiln test exited with status $status"
        fail=$((fail + 1))
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
