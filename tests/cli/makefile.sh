#!/bin/sh
# makefile.sh - each make goal asks the dependency bootstrap
# (scripts/deps.sh) for exactly the package groups it needs: making an
# image must not install QEMU, gdb or OVMF, and `make clean` needs nothing.
suite=makefile
. tests/cli/lib.sh

# groups GOAL...: the groups make asks for when reading the Makefile for GOAL.
groups() { make -n "$@" DEPS='echo GROUPS:' 2>&1 >/dev/null | sed -n 's/^GROUPS: *//p'; }
expect() {
    name=$1 want=$2
    shift 2
    got=$(groups "$@")
    [ "$got" = "$want" ]
    check "deps-$name" $? "make $*: asked for '$got', want '$want'"
}
expect default "build"
expect all "build" all
expect image "build" image
expect install "build" install PREFIX="$tmp/p"
expect run "build run" run
expect bench "bench build run" bench
expect docs-screenshots "build run" docs-screenshots
expect debug "build debug run" debug
expect test "build debug run test" test
expect unit-test "build test" unit-test
expect boot-test "build run test" boot-test
expect fuzz "build test" fuzz
expect clean "" clean

# scripts/deps.sh itself: a group it does not know is an error, not a no-op.
sh scripts/deps.sh bogus > "$tmp/deps.out" 2>&1
[ $? -eq 2 ] && grep -q "unknown group 'bogus'" "$tmp/deps.out"
check deps-unknown-group $? "$(cat "$tmp/deps.out")"
exit 0
