#!/bin/sh
# malformed.sh - `kiln check` and `kiln image` refuse bad input loudly and
# cleanly. tests/cli/mkbad.c patches a valid kernel into ~60 malformed ones
# (header fields, program headers, segments, entry point, dynamic linking,
# section headers, the KILN_CONFIG record); each must make `kiln check` and
# `kiln image --kind bios|hybrid` exit 1 with exactly one "kiln: error: "
# line naming the file and the fault, print nothing on stdout, and leave no
# output or temporary file behind. Then bad options, files and output paths,
# and the valid kernel as a control. Prints one "[PASS] name" or
# "[FAIL] name: why" line per check (tests/run.sh counts them).
#   sh tests/cli/malformed.sh      (from the top of the tree, after make)
suite=malformed
. tests/cli/lib.sh
KERNEL="$top/$B/tests/kernels/tk-high.elf"
PIE="$top/$B/tests/kernels/tk-pie.elf"
MOD="$top/$B/tests/mod-a.bin"

need "make; make $B/tests/kernels/tk-high.elf $B/tests/kernels/tk-pie.elf $B/tests/mod-a.bin" "$K" "$KERNEL" "$PIE" "$MOD"
tool mkbad
mkdir "$tmp/bad" "$tmp/run"
if ! "$tmp/mkbad" "$KERNEL" "$tmp/bad" > "$tmp/cases" 2> "$tmp/mkbad.err"; then
    bad setup "mkbad failed" "$tmp/mkbad.err"
    exit 1
fi

# refuse NAME WANT ARG...: `kiln ARG...`, run in a fresh directory D (its
# working directory, where relative outputs go) with TMPDIR=D.tmpdir, must
# exit 1, print nothing on stdout and exactly one stderr line that starts
# with "kiln: error: " and contains WANT, and leave D and D.tmpdir as they
# were: empty, or holding only what $keep names (a directory made for the case).
keep=
refuse() {
    name=$1 want=$2
    shift 2
    d="$tmp/run/$name"
    mkdir -p "$d" "$d.tmpdir"
    [ -n "$keep" ] && mkdir -p "$d/$keep"
    (cd "$d" && TMPDIR="$d.tmpdir" exec "$K" "$@") > "$d.out" 2> "$d.err"
    st=$?
    lines=$(grep -c '' "$d.err")
    left=$(cd "$d" && ls -A; ls -A "$d.tmpdir"; [ -n "$keep" ] && [ -d "$d/$keep" ] && ls -A "$d/$keep")
    if [ $st -ne 1 ]; then
        bad "$name" "exit status $st, expected 1" "$d.err"
    elif [ -s "$d.out" ]; then
        bad "$name" "printed on stdout" "$d.out"
    elif [ "$lines" -ne 1 ]; then
        bad "$name" "$lines lines on stderr, expected 1" "$d.err"
    elif ! grep -q '^kiln: error: ' "$d.err"; then
        bad "$name" "stderr does not start with 'kiln: error: '" "$d.err"
    elif ! grep -qF -- "$want" "$d.err"; then
        bad "$name" "stderr lacks '$want'" "$d.err"
    elif [ "$left" != "$keep" ]; then
        bad "$name" "left behind: $(echo "$left" | tr '\n' ' ')"
    else
        ok "$name"
    fi
    keep=
}

# --- every malformed kernel, three ways ---------------------------------------------------------
n=0
tab=$(printf '\t')
while IFS="$tab" read -r file expect; do
    f="$tmp/bad/$file"
    case $file in warn-*) printf '%s\t%s\n' "$f" "$expect" >> "$tmp/warnings"; continue ;; esac
    n=$((n + 1))
    base=${file%.elf}
    # die("%s: %s", path, message): the path, then the loader's own message.
    refuse "$base.check" "kiln: error: $f: $expect" check "$f"
    refuse "$base.image-bios" "kiln: error: $f: $expect" image "$f" -o out.img --kind bios
    refuse "$base.image-hybrid" "kiln: error: $f: $expect" image "$f" -o out.img --kind hybrid --module "$MOD"
done < "$tmp/cases"
if [ "$n" -ge 40 ]; then ok "mkbad-cases"; else bad "mkbad-cases" "only $n malformed kernels"; fi

# The major-version message names both versions.
if grep -q 'kiln.h 2\.0, but this Kiln speaks 1\.[0-9]' "$tmp/run/config-major2.check.err"; then
    ok config-major2-names-both-versions
else
    bad config-major2-names-both-versions "no 'kiln.h 2.0 ... 1.x'" "$tmp/run/config-major2.check.err"
fi

# --- accepted with a warning: kiln check and kiln image say it (the loader's own
# text, elf_warning()), kiln image -q does not; and kiln image notes a kernel
# without a KILN_CONFIG record. ------------------------------------------------------------------
printf '%s\t%s\n' "$top/$B/tests/kernels/rt.elf" " has no KILN_CONFIG record; using defaults" >> "$tmp/warnings"
while IFS="$tab" read -r f expect; do
    base=$(basename "$f" .elf)
    case $base in warn-*) line="kiln: warning: $f$expect" check=yes ;; *) line="kiln: $f$expect" check=no ;; esac
    (cd "$tmp/run" && "$K" image "$f" -o "$base.img" --kind bios) > "$tmp/$base.image.out" 2>&1
    st=$?
    [ $st -eq 0 ] && grep -qxF -- "$line" "$tmp/$base.image.out" && [ "$(grep -c '' "$tmp/$base.image.out")" = 1 ]
    check "$base.image-says" $? "exit $st; want the one line '$line'; got: $(cat "$tmp/$base.image.out")"
    (cd "$tmp/run" && "$K" image "$f" -o "$base-q.img" --kind bios -q) > "$tmp/$base.quiet.out" 2>&1
    st=$?
    [ $st -eq 0 ] && [ ! -s "$tmp/$base.quiet.out" ]
    check "$base.image-quiet" $? "exit $st; $(cat "$tmp/$base.quiet.out")"
    [ $check = no ] && continue
    "$K" check "$f" > "$tmp/$base.check.out" 2> "$tmp/$base.check.err"
    st=$?
    [ $st -eq 0 ] && grep -qxF -- "$line" "$tmp/$base.check.err"
    check "$base.check-says" $? "exit $st; want '$line'; got: $(cat "$tmp/$base.check.err")"
done < "$tmp/warnings"

# --- the valid kernels: the control ---------------------------------------------------------------
for k in "$KERNEL" "$PIE"; do
    name=valid-check-$(basename "$k" .elf)
    "$K" check "$k" > "$tmp/$name.out" 2> "$tmp/$name.err"
    st=$?
    if [ $st -ne 0 ]; then bad "$name" "exit status $st" "$tmp/$name.err"
    elif ! grep -q "^ok: the loader accepts $k\$" "$tmp/$name.out"; then bad "$name" "no 'ok:' line" "$tmp/$name.out"
    elif grep -q 'error' "$tmp/$name.err"; then bad "$name" "an error on stderr" "$tmp/$name.err"
    else ok "$name"; fi
done
# The paging-level wish, as kiln check prints it, and the layout for it.
for pair in "tk-high:4-4: 4-level paging on every CPU:" \
    "tk-la57:4-5: 5-level paging where the CPU has LA57, else 4:, with 5-level paging" \
    "tk-la57only:5-5: 5-level paging; refused on a CPU without LA57:, with 5-level paging"; do
    k=${pair%%:*} rest=${pair#*:}
    levels=${rest%%:*} rest=${rest#*:}
    what=${rest%%:*} layout=${rest#*:}
    "$K" check "$top/$B/tests/kernels/$k.elf" > "$tmp/paging-$k.out" 2>&1
    has "check-paging-levels-$k" "$tmp/paging-$k.out" "^  paging levels $levels:$what\$" \
        "^layout \(for 4 GiB of RAM and a 1024x768x32 framebuffer$layout[;)]"
done
for kind in bios hybrid uefi; do
    name=valid-image-$kind
    d="$tmp/run/$name"
    mkdir -p "$d" "$d.tmpdir"
    (cd "$d" && TMPDIR="$d.tmpdir" "$K" image "$KERNEL" -o out.img --kind $kind --module "$MOD") > "$d.out" 2> "$d.err"
    st=$?
    if [ $st -ne 0 ]; then bad "$name" "exit status $st" "$d.err"
    elif [ -s "$d.out" ] || [ -s "$d.err" ]; then bad "$name" "printed something" "$d.err"
    elif [ ! -s "$d/out.img" ] || [ $(($(wc -c < "$d/out.img") % 512)) -ne 0 ]; then bad "$name" "no image, or not whole sectors"
    elif [ "$(cd "$d" && ls -A)" != out.img ] || [ -n "$(ls -A "$d.tmpdir")" ]; then
        bad "$name" "temporary files left: $(ls -A "$d" "$d.tmpdir" | tr '\n' ' ')"
    else ok "$name"; fi
done

# --- files that are not there, or not files ----------------------------------------------------------
refuse missing-kernel.check "kiln: error: $tmp/nope.elf: No such file or directory" check "$tmp/nope.elf"
refuse missing-kernel.image "kiln: error: $tmp/nope.elf: No such file or directory" image "$tmp/nope.elf" -o out.img
refuse dir-kernel.check "kiln: error: $tmp/bad: is a directory" check "$tmp/bad"
refuse dir-kernel.image "kiln: error: $tmp/bad: is a directory" image "$tmp/bad" -o out.img
refuse missing-module "kiln: error: $tmp/nope.bin: No such file or directory" \
    image "$KERNEL" -o out.img --module "$MOD" --module "$tmp/nope.bin"
refuse dir-module "kiln: error: $tmp/bad: is a directory" image "$KERNEL" -o out.img --module "$tmp/bad"
refuse missing-config "kiln: error: $tmp/nope.cfg: No such file or directory" \
    image "$KERNEL" -o out.img --image-config "$tmp/nope.cfg"

# A kernel over the 1 GiB limit, sparse: refused from its size, before any
# reading, quickly and under a 256 MiB address-space limit (reading it would
# need 1.1 GiB; shells without ulimit -v just skip the limit).
truncate -s 1100M "$tmp/huge.elf"
for cmd in check image; do
    if [ $cmd = check ]; then set -- check "$tmp/huge.elf"; else set -- image "$tmp/huge.elf" -o out.img; fi
    start=$(date +%s)
    (
        ulimit -v 262144 2> /dev/null
        refuse huge-kernel.$cmd "kiln: error: $tmp/huge.elf: 1153433600 bytes is more than the 1073741824-byte limit" "$@"
    )
    end=$(date +%s)
    if [ $((end - start)) -le 5 ]; then ok huge-kernel.$cmd-fast; else bad huge-kernel.$cmd-fast "took $((end - start)) s"; fi
done
set --
rm -f "$tmp/huge.elf"

# --- output paths ---------------------------------------------------------------------------------------
refuse out-no-such-dir "kiln: error: $tmp/run/nodir/x.img: cannot create output: No such file or directory" \
    image "$KERNEL" -o "$tmp/run/nodir/x.img"
# /proc refuses new files even to root.
refuse out-in-proc "kiln: error: /proc/kiln-test.img: cannot create output: " image "$KERNEL" -o /proc/kiln-test.img
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro"
    chmod 555 "$tmp/ro"
    refuse out-read-only-dir "kiln: error: $tmp/ro/x.img: cannot create output: Permission denied" \
        image "$KERNEL" -o "$tmp/ro/x.img"
    if [ -z "$(ls -A "$tmp/ro")" ]; then ok out-read-only-dir-empty; else bad out-read-only-dir-empty "files appeared"; fi
    chmod 755 "$tmp/ro"
else
    echo "# malformed.sh: out-read-only-dir skipped (root can write anywhere; out-in-proc covers it)"
fi
# An existing directory as the output: refused, the directory untouched.
keep=img
refuse out-is-dir "kiln: error: img: exists and is not a regular file" image "$KERNEL" -o img --kind hybrid
# A device node or FIFO is never replaced by an image file (kiln image -o
# /dev/sdX must not delete the node and report success).
mkfifo "$tmp/fifo"
refuse out-is-fifo "exists and is not a regular file" image "$KERNEL" -o "$tmp/fifo" --kind bios
if [ -p "$tmp/fifo" ]; then ok out-fifo-untouched; else bad out-fifo-untouched "the FIFO was replaced"; fi
rm -f "$tmp/fifo"
refuse no-output "kiln: error: image: no output given (-o OUT)" image "$KERNEL"
refuse no-kernel "kiln: error: image: no kernel given" image -o out.img
refuse no-kernel.check "kiln: error: check: no kernel given" check
refuse two-kernels "kiln: error: image: more than one kernel given" image "$KERNEL" "$PIE" -o out.img
refuse output-needs-value "kiln: error: -o needs a value" image "$KERNEL" -o

# --- options ----------------------------------------------------------------------------------------------
refuse dup-module "kiln: error: two modules named 'mod-a.bin' (use --module FILE=NAME to rename one)" \
    image "$KERNEL" -o out.img --module "$MOD" --module "$MOD"
refuse dup-module-renamed "kiln: error: two modules named 'x'" \
    image "$KERNEL" -o out.img --module "$MOD=x" --module "$KERNEL=x"
refuse module-empty-name "kiln: error: $MOD: empty name" image "$KERNEL" -o out.img --module "$MOD="
long=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
refuse module-long-name "kiln: error: $MOD: name '$long' is longer than 63 characters" \
    image "$KERNEL" -o out.img --module "$MOD=$long"
refuse bad-kind "kiln: error: --kind: 'floppy' is not hybrid, bios, uefi, iso or pxe" image "$KERNEL" -o out.img --kind floppy
refuse bad-fb "kiln: error: --fb: fb must be auto, keep, none, WxH, max:WxH or min:WxH" \
    image "$KERNEL" -o out.img --fb 800x
refuse bad-fb-zero "kiln: error: --fb: " image "$KERNEL" -o out.img --fb max:0x600
refuse bad-log "kiln: error: --log: log must be error, warn, info or debug" image "$KERNEL" -o out.img --log loud
refuse bad-serial "kiln: error: --serial: serial must be on or off" image "$KERNEL" -o out.img --serial maybe
nl='
'
refuse cmdline-newline "kiln: error: --cmdline: the command line may not contain a newline" \
    image "$KERNEL" -o out.img --cmdline "one${nl}two"
refuse cmdline-control "kiln: error: --cmdline: control character in cmdline" \
    image "$KERNEL" -o out.img --cmdline "$(printf 'a\033b')"
refuse unknown-option "kiln: error: image: unknown option '--frob' (see kiln image --help)" \
    image "$KERNEL" -o out.img --frob
refuse check-unknown-option "kiln: error: check: unknown option '--frob'" check --frob "$KERNEL"

# 62 modules (the --module limit) plus the kernel, an image config and stage 2
# are 65 payload entries, one more than fits.
set --
i=0
while [ $i -lt 62 ]; do
    i=$((i + 1))
    set -- "$@" --module "$MOD=m$i"
done
refuse too-many-entries \
    "kiln: error: 62 modules are too many: the payload holds 64 entries, 3 of them for the kernel, the image config, stage 2" \
    image "$KERNEL" -o out.img --kind bios --cmdline x "$@"
refuse too-many-modules "kiln: error: more than 62 modules" image "$KERNEL" -o out.img "$@" --module "$MOD=m63"
# Exactly 64 entries fit: without stage 2 (uefi), or with one module fewer.
for kind in uefi bios; do
    [ $kind = bios ] && shift 2
    "$K" image "$KERNEL" -o "$tmp/full-$kind.img" --kind $kind --cmdline x "$@" > "$tmp/full-$kind.out" 2>&1 &&
        "$K" info "$tmp/full-$kind.img" >> "$tmp/full-$kind.out" 2>&1
    st=$?
    if [ $st -eq 0 ] && grep -q '^payload: version 2, 64 entries,' "$tmp/full-$kind.out"; then ok "64-entries-$kind"
    else bad "64-entries-$kind" "status $st" "$tmp/full-$kind.out"; fi
    rm -f "$tmp/full-$kind.img"
done
set --

# A disk image needs no other program (the ESP's FAT is Kiln's own,
# format/fat_write.c): with nothing on PATH a hybrid image is made, valid,
# and nothing else is left behind.
d="$tmp/run/no-tools"
mkdir -p "$d" "$d.tmpdir" "$tmp/nobin"
(cd "$d" && PATH="$tmp/nobin" TMPDIR="$d.tmpdir" exec "$K" image "$KERNEL" -o out.img -q) > "$d.out" 2> "$d.err"
st=$?
left=$(ls -A "$d"; ls -A "$d.tmpdir")
if [ $st -eq 0 ] && [ ! -s "$d.err" ] && [ "$left" = out.img ] && "$K" info "$d/out.img" > "$d.info" 2>&1; then
    ok hybrid-needs-no-tools
else
    bad hybrid-needs-no-tools "status $st; left: $(echo "$left" | tr '\n' ' ')" "$d.err"
fi

# An image config file: errors name the file and the line.
printf '# settings\ncmdline=a b\nfrob=1\n' > "$tmp/unknown.cfg"
refuse config-unknown-key "kiln: error: $tmp/unknown.cfg: config line 3: unknown key 'frob'" \
    image "$KERNEL" -o out.img --image-config "$tmp/unknown.cfg"
printf 'log=debug\nfb=huge\n' > "$tmp/badfb.cfg"
refuse config-bad-value "kiln: error: $tmp/badfb.cfg: config line 2: fb must be" \
    image "$KERNEL" -o out.img --image-config "$tmp/badfb.cfg"
printf 'cmdline=a\n' > "$tmp/cmd.cfg"
refuse config-and-option "kiln: error: $tmp/cmd.cfg and the options together: config line 2: cmdline given twice" \
    image "$KERNEL" -o out.img --image-config "$tmp/cmd.cfg" --cmdline b

# A failing run next to an existing image leaves it alone (image.sh checks
# the inode; here: no temporary file either).
d="$tmp/run/keep-existing"
mkdir -p "$d"
"$K" image "$KERNEL" -o "$d/out.img" --kind bios > /dev/null 2>&1
sum=$(cksum < "$d/out.img")
"$K" image "$tmp/bad/overlap.elf" -o "$d/out.img" --kind bios > /dev/null 2>&1
st=$?
if [ $st -eq 1 ] && [ "$(cksum < "$d/out.img")" = "$sum" ] && [ "$(cd "$d" && ls -A)" = out.img ]; then
    ok keep-existing-output
else
    bad keep-existing-output "status $st; now: $(cd "$d" && ls -A | tr '\n' ' ')"
fi
exit 0
