#!/bin/sh
# structure.sh - the rules of docs/architecture.md, checked on the tree:
# which folder may include which, no firmware #if outside the platforms,
# each on-disk constant defined once, short loader functions, and no two
# source files with the same name.
suite=structure
. tests/cli/lib.sh

# allowed FOLDER QUOTED-PREFIXES ANGLE-REGEX: every #include of FOLDER's
# files is "PREFIX..." for one of the prefixes, or <...> matching the regex.
STD='^(stdint|stddef|stdbool|stdarg)\.h$'
allowed() {
    folder=$1 prefixes=$2 angle=$3
    bad=""
    for f in $(git ls-files "$folder" | grep -E '\.(c|h)$' | grep -v "${skip:-^$}"); do
        sed -n 's/^#[ \t]*include[ \t]*\(["<][^">]*[">]\).*/\1/p' "$f" > "$tmp/inc"
        while read -r inc; do
            name=${inc#?}
            name=${name%?}
            case $inc in
            \<*) echo "$name" | grep -Eq "$angle" && continue ;;
            *) ok_inc=no
               for p in $prefixes; do case $name in "$p"*) ok_inc=yes ;; esac; done
               [ $ok_inc = yes ] && continue ;;
            esac
            bad="$bad $f:$inc"
        done < "$tmp/inc"
    done
    [ -z "$bad" ]
    check "includes-$(echo "$folder" | tr / -)" $? "not allowed:$bad"
}
LIB="$STD|^kiln\.h$|^kiln/[a-z0-9]+\.h$"
allowed include/kiln "../kiln.h" "$STD"
allowed libkiln "" "$LIB"
allowed core "core/ kiln.h" "$LIB"
allowed format "format/ core/ kiln.h" "$LIB"
allowed common "common/ core/ format/ kiln.h" "$LIB"
allowed x86 "x86/ common/ core/ format/" "$LIB"
allowed stage2 "stage2/ x86/ common/ core/ format/ kiln.h" "$LIB"
allowed uefi "uefi/ x86/ common/ core/ format/" "$LIB|^efi\.h$|^efilib\.h$"
# The tool's parts, layered: util <- config <- image <- run <- main.c.
allowed tools/kiln/util "tools/kiln/util/ core/" '.'
allowed tools/kiln/config "tools/kiln/config/ tools/kiln/util/ core/ format/" '.'
allowed tools/kiln/image "tools/kiln/image/ tools/kiln/config/ tools/kiln/util/ core/ format/ kiln.h" '.'
allowed tools/kiln/run "tools/kiln/run/ tools/kiln/image/ tools/kiln/config/ tools/kiln/util/ core/ format/ kiln.h" '.'
allowed tools/kiln/flash "tools/kiln/flash/ tools/kiln/util/ core/" '.'
allowed tools/kiln/main.c "tools/kiln/ core/ kiln.h" '.'
allowed kernel-example "" "$LIB"
skip="mkdata.c\|corrupt.c" allowed tests/kernels "tk.h" "$LIB" # host programs that make test data

# The firmware difference lives behind struct platform, not in #if.
hits=$(grep -nE '^[ \t]*#[ \t]*(if|ifdef|ifndef|elif).*\b(BIOS|UEFI|EFI|KILN_FIRMWARE_[A-Z]+)\b' common/* core/* format/* x86/* libkiln/*)
[ -z "$hits" ]
check no-firmware-ifdefs $? "$hits"

# Each on-disk format is defined once (format/): stage 1's field offsets
# and the Kiln partition's GUID appear nowhere else in the product (tests
# may restate the spec on purpose, as an independent oracle).
hits=$(git grep -nE '0x1[aA][0-9a-fA-F]\b|0x1[bB][0-2]\b' -- '*.c' '*.h' '*.asm' '*.S' ':!format/mbr.h' ':!tests/')
[ -z "$hits" ]
check stage1-fields-defined-once $? "$hits"
hits=$(git grep -niE '0x4b4c4e31|0x31, 0x4e, 0x4c, 0x4b|4B4C4E31-5B1E' -- '*.c' '*.h' '*.asm' '*.S' '*.sh' ':!format/gpt.c' ':!format/gpt.h' ':!tests/')
[ -z "$hits" ]
check kiln-guid-defined-once $? "$hits"

# No loader function over 120 lines (data tables such as the font are not functions).
long=$(awk -f tests/cli/functions.awk $(git ls-files common core format x86 stage2 uefi libkiln | grep '\.c$') |
    awk '$1 > 120')
[ -z "$long" ]
check loader-functions-short $? "$long"
# ... and the checker finds functions at all (a broken awk would pass the rule above).
n=$(awk -f tests/cli/functions.awk common/boot.c | grep -c ' boot_flow$')
[ "$n" = 1 ]
check function-finder-works $? "boot_flow not found in common/boot.c"

# Names say what a file holds: no two source files share one (main.c, the
# entry of each program, and asm-offsets.c, the generator convention, aside).
dups=$(git ls-files '*.c' '*.h' '*.asm' '*.S' | xargs -n1 basename | grep -vxE 'main\.c|asm-offsets\.c' | sort | uniq -d)
[ -z "$dups" ]
check unique-file-names $? "$(for d in $dups; do git ls-files | grep "/$d\$" | tr '\n' ' '; done)"
# tests/boot/features.txt names real variants, words and boot lines, and
# lists every boot line, so the test of a feature can be found there.
features=tests/boot/features.txt
grep -v '^#' "$features" | grep . > "$tmp/features"
variants=$(sed -n 's/.*tk_kernel,\([a-z0-9-]*\),.*/\1/p' tests/kernels/*.mk.inc)
words=$(grep -ohE '(word|want)\("[^"]*"\)|kiln_cmdline_has\(cmd, "[^"]*"\)' tests/kernels/tk_main.c tests/kernels/tk_smp.c tests/kernels/rt.c |
    sed 's/.*"\(.*\)".*/\1/')
lines=$(grep -hE '^[a-z]' tests/boot/boot.plan tests/boot/runner.plan | awk '{print $1}')
member() { printf '%s\n' $2 | grep -qxF -- "$1"; }
bad=""
while IFS='|' read -r feature vs ws ls; do
    for v in $vs; do [ "$v" = - ] || member "$v" "$variants" || bad="$bad variant:$v"; done
    for w in $ws; do [ "$w" = - ] || member "$w" "$words" || bad="$bad word:$w"; done
    for l in $ls; do member "$l" "$lines" || bad="$bad line:$l"; done
done < "$tmp/features"
[ -z "$bad" ]
check features-names-exist $? "not found:$bad"
listed=$(cut -d'|' -f4 "$tmp/features")
missing=""
for l in $lines; do member "$l" "$listed" || missing="$missing $l"; done
[ -z "$missing" ]
check features-list-every-boot $? "boot lines no feature names:$missing"
exit 0
