#!/bin/sh
# standalone.sh - kernel-example copied out of the tree builds and boots
# against an installed Kiln (make install) and against this tree's kiln, the
# way a kernel developer would use it.
suite=standalone
. tests/cli/lib.sh
root=$top

make -s install PREFIX="$tmp/prefix" > "$tmp/install.log" 2>&1
check install $? "make install failed: $(tail -n 3 "$tmp/install.log")"
for f in bin/kiln include/kiln.h include/kiln/fmt.h include/kiln/fbcon.h include/kiln/font.h include/kiln/crc32.h \
         include/kiln/string.h include/kiln/cmdline.h lib/libkiln.a lib/libkiln-small.a lib/libkiln-pie.a \
         lib/pkgconfig/kiln.pc lib/pkgconfig/kiln-small.pc lib/pkgconfig/kiln-pie.pc share/kiln/kiln.gdb \
         share/kiln/kernel-example/Makefile share/kiln/kernel-example/main.c share/kiln/kernel-example/libc.c \
         share/kiln/loader/BOOTX64.EFI share/doc/kiln/README.md; do
    [ -f "$tmp/prefix/$f" ]
    check "installed:$f" $? "$f missing"
done
# Loader internals are not part of an installation.
[ ! -e "$tmp/prefix/share/kiln/common" ] && [ ! -e "$tmp/prefix/share/kiln/include" ]
check installed-no-loader-sources $? "$(ls "$tmp/prefix/share/kiln")"
out=$("$tmp/prefix/bin/kiln" --print-datadir 2>&1)
[ "$out" = "$(cd "$tmp/prefix/share/kiln" && pwd -P)" ]
check installed-datadir $? "kiln --print-datadir said '$out'"
out=$("$tmp/prefix/bin/kiln" --print-pkgconfig-dir 2>&1)
[ "$out" = "$(cd "$tmp/prefix/lib/pkgconfig" && pwd -P)" ]
check installed-pkgconfig-dir $? "kiln --print-pkgconfig-dir said '$out'"
for v in kiln kiln-small kiln-pie; do
    out=$(echo $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --cflags --libs $v 2>&1))
    [ "$out" = "-I$tmp/prefix/include -L$tmp/prefix/lib -l$v" ]
    check "pkg-config:$v" $? "pkg-config --cflags --libs $v said '$out'"
done
# The kernel library defines and needs only kiln_ names: a kernel's own
# libc never clashes with it.
for a in libkiln libkiln-small libkiln-pie; do
    bad_syms=$(nm -A -g "$tmp/prefix/lib/$a.a" | grep -v ' [A-Za-z] kiln_')
    [ -z "$bad_syms" ]
    check "$a-only-kiln-names" $? "$bad_syms"
done

# 1. An installed Kiln on PATH, the example copied from the installation.
cp -r "$tmp/prefix/share/kiln/kernel-example" "$tmp/proj1"
(cd "$tmp/proj1" && PATH="$tmp/prefix/bin:$PATH" make > "$tmp/build1.log" 2>&1)
check build-installed $? "$(tail -n 5 "$tmp/build1.log")"
# ... with nothing from the source tree: the installed headers and archive only.
! grep -E -- "$root|common/|share/kiln" "$tmp/build1.log" > "$tmp/leak.log" &&
    grep -q -- "-I$tmp/prefix/include" "$tmp/build1.log" && grep -q -- "-L$tmp/prefix/lib -lkiln" "$tmp/build1.log"
check build-installed-uses-only-installed $? "$(cat "$tmp/leak.log") $(tail -n 3 "$tmp/build1.log")"

# A kernel with a libc of its own (strong memcpy, strlen, snprintf, ...)
# links with each archive of the kernel library.
cat > "$tmp/ownlibc.c" << 'EOF'
#include <kiln.h>
#include <kiln/fbcon.h>
#include <kiln/fmt.h>
#include <kiln/string.h>
void *memcpy(void *d, const void *s, size_t n) { return kiln_memcpy(d, s, n); }
void *memset(void *d, int c, size_t n) { return kiln_memset(d, c, n); }
void *memmove(void *d, const void *s, size_t n) { return kiln_memmove(d, s, n); }
int memcmp(const void *a, const void *b, size_t n) { return kiln_memcmp(a, b, n); }
size_t strlen(const char *s) { return kiln_strlen(s); }
int snprintf(char *b, size_t n, const char *f, ...);
int snprintf(char *b, size_t n, const char *f, ...) { return (int)kiln_snprintf(b, n, "%s", f); }
static void kmain(struct kiln_boot_info *bi) {
    struct kiln_fbcon c;
    char buf[32];
    snprintf(buf, sizeof buf, "x");
    if (kiln_fbcon_init(&c, (void *)bi->framebuffer.address, &bi->framebuffer)) kiln_fbcon_write(&c, buf);
    kiln_qemu_exit(1);
}
KILN_ENTRY(kmain);
EOF
for v in "kiln:-fno-pic -fno-pie -mcmodel=kernel:-Ttext=0xffffffff80100000" "kiln-small:-mcmodel=small:-Ttext=0x200000" "kiln-pie:-fpie:-pie"; do
    lib=${v%%:*} rest=${v#*:}
    cf=${rest%%:*} lf=${rest#*:}
    flags=$(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --cflags $lib)
    libs=$(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --libs $lib)
    gcc -std=c11 -O2 -ffreestanding -nostdlib -fno-stack-protector -mno-red-zone -mgeneral-regs-only $cf \
        -Wall -Werror $flags -c "$tmp/ownlibc.c" -o "$tmp/own-$lib.o" > "$tmp/own-$lib.log" 2>&1 &&
        ld -nostdlib -z noexecstack $lf -o "$tmp/own-$lib.elf" "$tmp/own-$lib.o" $libs >> "$tmp/own-$lib.log" 2>&1
    check "own-libc-links-$lib" $? "$(cat "$tmp/own-$lib.log")"
done
(cd "$tmp/proj1" && PATH="$tmp/prefix/bin:$PATH" KILN_CACHE="$tmp/cache" \
    kiln run kernel.elf --test --timeout 90 --cmdline exit --expect '^kernel-example: done' > "$tmp/run1.log" 2>&1)
check run-installed $? "$(tail -n 5 "$tmp/run1.log")"
(cd "$tmp/proj1" && PATH="$tmp/prefix/bin:$PATH" KILN_CACHE="$tmp/cache" \
    kiln run kernel.elf --test --firmware uefi --timeout 120 --cmdline exit --expect 'from UEFI firmware' > "$tmp/run1u.log" 2>&1)
check run-installed-uefi $? "$(tail -n 5 "$tmp/run1u.log")"

# 2. The in-tree kiln, the example copied from the source tree.
cp -r "$root/kernel-example" "$tmp/proj2"
(cd "$tmp/proj2" && make -s KILN="$root/$B/kiln" > "$tmp/build2.log" 2>&1)
check build-in-tree $? "$(tail -n 5 "$tmp/build2.log")"
(cd "$tmp/proj2" && KILN_CACHE="$tmp/cache" "$root/$B/kiln" run kernel.elf --test --timeout 90 --cmdline exit \
    --expect '^kernel-example: done' > "$tmp/run2.log" 2>&1)
check run-in-tree $? "$(tail -n 5 "$tmp/run2.log")"

# Without a reachable kiln the example's Makefile says what to do.
(cd "$tmp/proj2" && PATH=/usr/bin:/bin make -s KILN=/nonexistent/kiln > "$tmp/build3.log" 2>&1)
[ $? -ne 0 ] && grep -q "install Kiln (make install) or pass KILN=" "$tmp/build3.log"
check no-kiln-message $? "$(tail -n 2 "$tmp/build3.log")"
exit 0
