#!/bin/sh
# hostile.sh - the kiln tool under hostile input finishes in bounded time
# and memory with one clear error (issue 10, part 4). Each command runs
# under a CPU-time and address-space limit far above what the fixed tool
# needs (a fraction of a second, a few MiB) and far below what the
# unbounded code took: a limit hit is a crash, and fails the check.
#   sh tests/cli/hostile.sh      (from the top of the tree, after make)
suite=hostile
. tests/cli/lib.sh
KERNEL="$top/$B/tests/kernels/tk-high.elf"
MOD="$top/$B/tests/mod-a.bin"
need "make; make $B/tests/kernels/tk-high.elf $B/tests/mod-a.bin" "$K" "$KERNEL" "$MOD"
tool gptpatch
export MTOOLS_SKIP_CHECK=1
printf '\177ELF' > "$tmp/k.elf" # kiln run --dry-run reads its magic
cd "$tmp" || exit 1

# bounded NAME STATUS WANT ARG...: `kiln ARG...` under 10 s of CPU, 60 s in all and 1 GiB
# of address space must exit with STATUS and, when WANT is not empty, print
# a "kiln: error: " line containing WANT.
bounded() {
    name=$1 want_st=$2 want=$3
    shift 3
    (ulimit -t 10 && ulimit -v 1048576 && exec timeout 60 "$K" "$@") > "$tmp/$name.out" 2> "$tmp/$name.err" < /dev/null
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
    run --dry-run --project "$tmp/nest.toml" k.elf
# 90,000 keys: the duplicate check compared each with every earlier one
# (60,000 took 17 s).
awk 'BEGIN { for (i = 0; i < 90000; i++) printf "k%d=1\n", i }' > "$tmp/keys.toml"
bounded toml_many_keys 1 "keys.toml:1: unknown key 'k0'" run --dry-run --project "$tmp/keys.toml" k.elf
# 40,000 [vars]: each add copied the whole array (10,000 took 3.1 GB).
awk 'BEGIN { print "kernel = \"k.elf\"\n[vars]"; for (i = 0; i < 40000; i++) printf "V%d = \"{{V%d}}.\"\n", i, i + 1;
             print "V40000 = \"end\"" }' > "$tmp/vars.toml"
bounded toml_many_vars 1 "variables nested more than 16 deep" run --dry-run --project "$tmp/vars.toml"
awk 'BEGIN { print "kernel = \"k.elf\"\n[vars]"; for (i = 0; i < 40000; i++) printf "V%d = \"v\"\n", i }' \
    > "$tmp/vars-ok.toml"
bounded toml_many_vars_ok 0 "" run --dry-run --project "$tmp/vars-ok.toml"

# --- regular expressions ----------------------------------------------------------------
# "a" and 24 '+' took 8.5 GB and 18 s in regcomp(); nested counted
# repetitions 23 GB; every profile's patterns were compiled, used or not.
printf 'kernel = "k.elf"\n[profile.ci]\nexpect = ["a++++++++++++++++++++++++"]\n' > "$tmp/re1.toml"
bounded regex_repeats 1 "expect[0] = \"a++++++++++++++++++++++++\": bad regular expression: repetition of a repetition" \
    run --dry-run --project "$tmp/re1.toml"
bounded regex_nested 1 "bad regular expression: too complex" \
    run --dry-run --no-project --expect '((((a{255}){255}){255}){255})' k.elf
bounded regex_filter 1 "--filter a***: bad regular expression: repetition of a repetition" \
    test --filter 'a***' k.elf

# --- kiln image ------------------------------------------------------------------------
# A module that cannot be sized: /dev/zero was read for 2 GiB before the
# size limit refused it.
bounded module_dev_zero 1 "/dev/zero: not a regular file" image "$KERNEL" -o out.img --module /dev/zero
bounded module_fifo 1 "fifo: not a regular file" image "$KERNEL" -o out.img --module "$(mkfifo fifo && echo fifo)"
bounded kernel_dev_zero 1 "/dev/zero: not a regular file" image /dev/zero -o out.img
if [ ! -e out.img ]; then ok no_output_left; else bad no_output_left "out.img was written"; fi
# A kernel file name the payload cannot hold (63 bytes of printable ASCII)
# needs --kernel-name.
long=k-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.elf
cp "$KERNEL" "$long"
cp "$KERNEL" "$(printf 'k\303\251.elf')"
bounded kernel_long_name 1 "name the kernel's entry with --kernel-name NAME" image "$long" -o out.img --kind bios
bounded kernel_utf8_name 1 "not printable ASCII (name the kernel's entry with --kernel-name NAME)" \
    image "$(printf 'k\303\251.elf')" -o out.img --kind bios
bounded kernel_name_given 0 "" image "$long" -o named.img --kind bios --kernel-name kernel
"$K" info named.img > named.info 2>&1
has kernel_name_in_payload named.info '^  kernel +kernel +0x'
bounded kernel_name_too_long 1 "--kernel-name: name '$long' is longer than 63 characters" \
    image "$KERNEL" -o out.img --kind bios --kernel-name "$long"
# An output path with "@@" (mtools' image@@offset syntax) is an ordinary name.
mkdir 'a@@1'
bounded output_at_at 0 "" image "$KERNEL" -o 'a@@1/x@@2.img' --kind hybrid
"$K" info 'a@@1/x@@2.img' > atat.info 2>&1
check output_at_at_valid $? "kiln info found problems in a@@1/x@@2.img"
ln -s 'a@@1/x@@2.img' atat.img # a name mtools can read
if mdir -i atat.img@@1048576 ::/EFI/BOOT 2> /dev/null | grep -q BOOTX64; then ok output_at_at_esp
else bad output_at_at_esp "no EFI/BOOT/BOOTX64.EFI in the ESP"; fi
# A command line over 4,095 bytes is refused for what it is, also when it
# is over the 16 KiB image config too.
for n in 4096 20000; do
    bounded cmdline_$n 1 "--cmdline: the command line is $n bytes; the limit is 4095" \
        image "$KERNEL" -o out.img --kind bios --cmdline "$(head -c $n /dev/zero | tr '\0' x)"
done

# --- kiln info ----------------------------------------------------------------------------
"$K" image "$KERNEL" -o uefi.img --kind uefi > /dev/null 2>&1 || bad setup "kiln image --kind uefi failed"
# info reads what it needs: a 3 GiB image (sparse) under a 256 MiB limit.
cp uefi.img big.img
truncate -s 3G big.img
(ulimit -v 262144 && exec "$K" info big.img) > big.info 2>&1
has info_reads_pieces big.info '^big.img: 3221225472 bytes' '^payload: version 2' '^  kernel .* ok$'
# The primary GPT damaged: the backup is used, and the report says so.
cp uefi.img noprimary.img
dd if=/dev/zero of=noprimary.img bs=512 seek=1 count=1 conv=notrunc 2> /dev/null
bounded info_backup_gpt 1 "" info noprimary.img
has info_backup_gpt_used "$tmp/info_backup_gpt.out" '^GPT primary header: no GPT header at LBA 1' \
    '^using the backup GPT' ' \(Kiln\)$' '^payload: version 2' '^  kernel .* ok$'
# A header size other than 92 is valid when the CRC covers it; over a
# block it is not, and the backup is used.
cp uefi.img hsize.img
"$tmp/gptpatch" hsize.img header-size 200
bounded info_header_size_200 0 "" info hsize.img
"$tmp/gptpatch" hsize.img header-size 600
bounded info_header_size_600 1 "" info hsize.img
has info_header_size_600_msg "$tmp/info_header_size_600.out" '^GPT primary header: GPT header size 600 is invalid' \
    '^using the backup GPT'
cp uefi.img esize.img
"$tmp/gptpatch" esize.img entry-size 384
bounded info_entry_size_384 1 "" info esize.img
has info_entry_size_384_msg "$tmp/info_entry_size_384.out" '^GPT primary header: GPT entry array \(128 x 384 bytes'
# Partition LBAs: first > last, and LBAs whose byte offset wraps 2^64
# (2^55 + 2048 sectors is 1 MiB past 2^64 bytes: the ESP, once).
cp uefi.img order.img
"$tmp/gptpatch" order.img kiln-lbas 40000 30000
bounded info_first_after_last 1 "" info order.img
has info_first_after_last_msg "$tmp/info_first_after_last.out" \
    'partition at LBA 40000-30000 lies outside the usable LBAs' '^no Kiln partition found'
cp uefi.img wrap.img
"$tmp/gptpatch" wrap.img kiln-lbas 36028797018966016 36028797018968063
bounded info_lba_wrap 1 "" info wrap.img
has info_lba_wrap_msg "$tmp/info_lba_wrap.out" 'partition at LBA 36028797018966016-36028797018968063 lies outside' \
    '^no Kiln partition found'
# Not a file kiln can size: refused before reading.
bounded info_dev_zero 1 "/dev/zero: not a regular file or a block device" info /dev/zero
