#!/bin/sh
# standalone.sh - kernel-example copied out of the tree builds and boots
# against an installed Kiln (make install) and against this tree's kiln, the
# way a kernel developer would use it.
suite=standalone
. tests/cli/lib.sh
root=$top

make -s install PREFIX="$tmp/prefix" > "$tmp/install.log" 2>&1
check install $? "make install failed: $(tail -n 3 "$tmp/install.log")"
for f in bin/kiln include/kiln.h share/kiln/include/kiln.h share/kiln/common/fbcon.c share/kiln/kiln.gdb \
         share/kiln/kernel-example/Makefile share/kiln/loader/BOOTX64.EFI share/doc/kiln/README.md; do
    [ -f "$tmp/prefix/$f" ]
    check "installed:$f" $? "$f missing"
done
out=$("$tmp/prefix/bin/kiln" --print-datadir 2>&1)
[ "$out" = "$(cd "$tmp/prefix/share/kiln" && pwd -P)" ]
check installed-datadir $? "kiln --print-datadir said '$out'"

# 1. An installed Kiln on PATH, the example copied from the installation.
cp -r "$tmp/prefix/share/kiln/kernel-example" "$tmp/proj1"
(cd "$tmp/proj1" && PATH="$tmp/prefix/bin:$PATH" make -s > "$tmp/build1.log" 2>&1)
check build-installed $? "$(tail -n 5 "$tmp/build1.log")"
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
