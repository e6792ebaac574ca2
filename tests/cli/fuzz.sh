#!/bin/sh
# fuzz.sh - each libFuzzer harness (tests/fuzz/fuzz_*.c, built by make
# test) replays its committed corpus (tests/fuzz/corpus/NAME) and then
# fuzzes for 3 seconds more from a fixed seed: a crash, a sanitizer report
# or a broken invariant fails the check. `make fuzz` fuzzes for longer.
#   sh tests/cli/fuzz.sh      (from the top of the tree, after make test)
suite=fuzz
. tests/cli/lib.sh
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    bin="$top/$B/fuzz/fuzz_$name"
    need "make test (or make $B/fuzz/fuzz_$name)" "$bin"
    if [ -z "$(ls "tests/fuzz/corpus/$name" 2> /dev/null)" ]; then
        bad "$name.corpus" "tests/fuzz/corpus/$name is empty"
        continue
    fi
    mkdir -p "$tmp/$name"
    "$bin" -seed=1 -max_total_time=3 -timeout=10 -rss_limit_mb=2048 -max_len=32768 \
        -artifact_prefix="$tmp/crash-$name-" "$tmp/$name" "tests/fuzz/corpus/$name" > "$tmp/$name.log" 2>&1
    st=$?
    runs=$(sed -n 's/^#\([0-9]*\).*DONE.*/\1/p' "$tmp/$name.log" | tail -n 1)
    if [ $st -eq 0 ] && [ -n "$runs" ]; then
        ok "$name"
    else
        grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$tmp/$name.log" > "$tmp/$name.why"
        bad "$name" "status $st" "$tmp/$name.why"
    fi
done
