#!/bin/sh
# hostile.sh - the kiln tool under hostile input finishes in bounded time
# and memory with one clear error (issue 10, part 4). Each command runs
# under a CPU-time and address-space limit far above what the fixed tool
# needs (a fraction of a second, a few MiB) and far below what the
# unbounded code took: a limit hit is a crash, and fails the check.
#   sh tests/cli/hostile.sh      (from the top of the tree, after make)
suite=hostile
. tests/cli/lib.sh
need make "$K"
printf '\177ELF' > "$tmp/k.elf" # kiln run --dry-run reads its magic
cd "$tmp" || exit 1

# bounded NAME STATUS WANT ARG...: `kiln ARG...` under 10 s of CPU and 1 GiB
# of address space must exit with STATUS and, when WANT is not empty, print
# a "kiln: error: " line containing WANT.
bounded() {
    name=$1 want_st=$2 want=$3
    shift 3
    (ulimit -t 10 && ulimit -v 1048576 && exec "$K" "$@") > "$tmp/$name.out" 2> "$tmp/$name.err"
    st=$?
    if [ "$st" -ne "$want_st" ]; then
        bad "$name" "exit status $st, want $want_st" "$tmp/$name.err"
    elif [ -n "$want" ] && ! grep -Fq -- "kiln: error: " "$tmp/$name.err"; then
        bad "$name" "no 'kiln: error:' line" "$tmp/$name.err"
    elif [ -n "$want" ] && ! grep -Fq -- "$want" "$tmp/$name.err"; then
        bad "$name" "no line says '$want'" "$tmp/$name.err"
    else
        ok "$name"
    fi
}

# --- kiln.toml ---------------------------------------------------------------------------
# "a = " and 60,000 '[' crashed kiln run by recursion (SIGSEGV).
awk 'BEGIN { printf "a = "; for (i = 0; i < 60000; i++) printf "["; print "" }' > "$tmp/nest.toml"
bounded toml_nesting 1 "nest.toml:1: arrays may only hold strings (found an array)" \
    run --dry-run --config "$tmp/nest.toml" k.elf
# 90,000 keys: the duplicate check compared each with every earlier one
# (60,000 took 17 s).
awk 'BEGIN { for (i = 0; i < 90000; i++) printf "k%d=1\n", i }' > "$tmp/keys.toml"
bounded toml_many_keys 1 "keys.toml:1: unknown key 'k0'" run --dry-run --config "$tmp/keys.toml" k.elf
# 40,000 [vars]: each add copied the whole array (10,000 took 3.1 GB).
awk 'BEGIN { print "kernel = \"k.elf\"\n[vars]"; for (i = 0; i < 40000; i++) printf "V%d = \"{{V%d}}.\"\n", i, i + 1;
             print "V40000 = \"end\"" }' > "$tmp/vars.toml"
bounded toml_many_vars 1 "variables nested more than 16 deep" run --dry-run --config "$tmp/vars.toml"
awk 'BEGIN { print "kernel = \"k.elf\"\n[vars]"; for (i = 0; i < 40000; i++) printf "V%d = \"v\"\n", i }' \
    > "$tmp/vars-ok.toml"
bounded toml_many_vars_ok 0 "" run --dry-run --config "$tmp/vars-ok.toml"

# --- regular expressions ----------------------------------------------------------------
# "a" and 24 '+' took 8.5 GB and 18 s in regcomp(); nested counted
# repetitions 23 GB; every profile's patterns were compiled, used or not.
printf 'kernel = "k.elf"\n[profile.ci]\nexpect = ["a++++++++++++++++++++++++"]\n' > "$tmp/re1.toml"
bounded regex_repeats 1 "expect[0] = \"a++++++++++++++++++++++++\": bad regular expression: repetition of a repetition" \
    run --dry-run --config "$tmp/re1.toml"
bounded regex_nested 1 "bad regular expression: too complex" \
    run --dry-run --no-config --expect '((((a{255}){255}){255}){255})' k.elf
bounded regex_filter 1 "--filter a***: bad regular expression: repetition of a repetition" \
    test --filter 'a***' k.elf
