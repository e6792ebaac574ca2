# lib.sh - what the command-line tests share. Source it after setting
# `suite` (the prefix of every check's name):
#   suite=image; . tests/cli/lib.sh
# It sets B, top, K (the kiln tool) and tmp (a scratch directory removed on
# exit), clears the caller's KILN_* variables (kiln image, run and test read
# them: no settings leak in), and defines:
#   ok NAME                  print "[PASS] suite.NAME"
#   bad NAME WHY [FILE]      print "[FAIL] suite.NAME: WHY" and FILE's first lines
#   check NAME STATUS [WHY]  ok if STATUS is 0, else bad
#   has NAME FILE REGEX...   ok if every extended regex matches a line of FILE
#   need HOW FILE...         stop with a failed "setup" check unless every
#                            FILE exists (HOW: the commands that build them)
#   tool NAME                compile tests/cli/NAME.c to $tmp/NAME, or stop
# tests/run.sh counts the [PASS]/[FAIL] lines.
set -u
for v in $(env | sed -n 's/^\(KILN_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
B=${B:-build}
top=$(pwd)
K="$top/$B/kiln"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "[PASS] $suite.$1"; }
bad() {
    echo "[FAIL] $suite.$1: $2"
    if [ -n "${3:-}" ] && [ -f "$3" ]; then sed 's/^/    | /' "$3" | head -n 30; fi
}
check() { if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1" "${3:-failed}"; fi; }
has() {
    name=$1 file=$2
    shift 2
    for p in "$@"; do
        if ! grep -Eq -- "$p" "$file"; then
            bad "$name" "no line matches /$p/" "$file"
            return 1
        fi
    done
    ok "$name"
}
need() {
    how=$1
    shift
    for f in "$@"; do
        if [ ! -f "$f" ]; then
            bad setup "$f is missing ($how)"
            exit 1
        fi
    done
}
tool() {
    if ! cc -O2 -o "$tmp/$1" "tests/cli/$1.c" 2> "$tmp/cc.err"; then
        bad setup "cannot compile tests/cli/$1.c" "$tmp/cc.err"
        exit 1
    fi
}
