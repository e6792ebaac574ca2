#!/bin/sh
# entropy.sh - two boots of the same image get different entropy[] (and
# neither is all zeros): the test kernel prints the bytes Kiln handed it
# (tests/kernels/tk_main.c, word `entropy`), here compared across boots.
#   sh tests/cli/entropy.sh            (from the top of the tree, after make test's build)
suite=entropy
. tests/cli/lib.sh
TK="$top/$B/tests/kernels/tk-high.elf"
need "make test" "$K" "$TK"
export KILN_CACHE="$tmp/cache"

cat > "$tmp/two.plan" <<PLAN
one $TK --firmware bios --memory 128 --cmdline 'entropy'
two $TK --firmware bios --memory 128 --cmdline 'entropy'
PLAN
"$K" test --plan "$tmp/two.plan" --log-dir "$tmp/logs" -j 2 > "$tmp/out" 2>&1
check boots $? "kiln test failed: $(tail -n 3 "$tmp/out")"
e1=$(sed -n 's/^tk: entropy \([0-9a-f]\{64\}\) sources .*/\1/p' "$tmp/logs/one.log")
e2=$(sed -n 's/^tk: entropy \([0-9a-f]\{64\}\) sources .*/\1/p' "$tmp/logs/two.log")
if [ -z "$e1" ] || [ -z "$e2" ]; then
    bad printed "no 'tk: entropy' line" "$tmp/logs/one.log"
elif [ "$e1" = "$e2" ]; then
    bad differ "both boots got $e1"
elif [ "$e1" = "$(printf '0%.0s' $(seq 64))" ]; then
    bad differ "all zeros"
else
    ok differ
fi
