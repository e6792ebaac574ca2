#!/bin/sh
# run.sh - the body of `make fuzz`: each harness fuzzed for SECONDS from its
# committed corpus (tests/fuzz/corpus/NAME; new inputs go to
# $B/fuzz/corpus-NAME, the committed one is only read), then a table of
# executions, coverage (edges, features) and corpus size. A crash stops
# with the harness's report and the input that caused it ($B/fuzz/crash-*).
#   B=build [FUZZ_MERGE=1] sh tests/fuzz/run.sh SECONDS NAME...
set -u
B=${B:-build}
secs=$1
shift
status=0
printf '%-10s %12s %10s %8s %8s %8s\n' harness executions exec/s cov ft corpus > "$B/fuzz/summary.txt"
for name in "$@"; do
    mkdir -p "$B/fuzz/corpus-$name"
    log="$B/fuzz/$name.log"
    echo "fuzz: $name for $secs s"
    "$B/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=32768 \
        -print_final_stats=1 -artifact_prefix="$B/fuzz/crash-$name-" \
        "$B/fuzz/corpus-$name" "tests/fuzz/corpus/$name" > "$log" 2>&1
    st=$?
    if [ $st -ne 0 ]; then
        echo "fuzz: $name FAILED (status $st):"
        grep -E 'ERROR|invariant|Test unit written|SUMMARY' "$log" | head -n 20
        status=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
    printf '%-10s %12s %10s %8s %8s %8s\n' "$name" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
        >> "$B/fuzz/summary.txt"
done
cat "$B/fuzz/summary.txt"
# FUZZ_MERGE=1: what this run found, minimized into the committed corpora
# (inputs of at most 4 KiB, so they stay small).
if [ "${FUZZ_MERGE:-0}" = 1 ] && [ $status -eq 0 ]; then
    for name in "$@"; do
        "$B/fuzz/fuzz_$name" -merge=1 -max_len=4096 "tests/fuzz/corpus/$name" "$B/fuzz/corpus-$name" \
            > "$B/fuzz/$name.merge.log" 2>&1 || status=1
    done
fi
exit $status
