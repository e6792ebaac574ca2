#!/bin/sh
# flash.sh - `kiln flash` without hardware: a fake sysfs tree (KILN_SYSFS)
# and mount table (KILN_MOUNTS) for the device checks (a USB stick, an
# internal disk holding the running system, a mounted stick, a small one, a
# read-only one, a partition), the candidates list, --check, the refusals
# and --force; real writes through --to-file to files (verified, byte for
# byte), the confirmation on a terminal, and a verify failure (/dev/zero
# takes every write and reads back zeros); kiln info on an image written to
# a larger stick (the backup GPT not at the end is the expected state).
#   sh tests/cli/flash.sh            (from the top of the tree, after make test's build)
suite=flash
. tests/cli/lib.sh
need "make" "$top/$B/kernel-example.elf"

sys="$tmp/sys"
mkdir -p "$sys/block" "$sys/class/block/sdb1"
echo 1 > "$sys/class/block/sdb1/partition"
# disk NAME BUSPATH REMOVABLE RO SECTORS VENDOR MODEL
disk() {
    d="$sys/devices/$2/block/$1"
    mkdir -p "$d/device"
    echo "$3" > "$d/removable"
    echo "$4" > "$d/ro"
    echo "$5" > "$d/size"
    echo "$6" > "$d/device/vendor"
    echo "$7" > "$d/device/model"
    ln -s "../devices/$2/block/$1" "$sys/block/$1"
}
disk sda pci0000:00/ata1/host0 0 0 500118192 ATA "Samsung SSD 860"
disk sdb pci0000:00/usb2/2-1/host6 1 0 31260672 SanDisk "Cruzer Blade"
disk sdc pci0000:00/usb2/2-2/host7 1 0 31260672 Kingston DataTraveler
disk sdd pci0000:00/usb2/2-3/host8 1 0 8192 Tiny Stick
disk sde pci0000:00/usb2/2-4/host9 1 1 31260672 Locked Stick
disk sdf pci0000:00/ata2/host1 0 0 976773168 WDC "WD10EZEX"
disk loop0 virtual 0 0 2048 "" ""
printf '/dev/sda2 / ext4 rw 0 0\n/dev/sda1 /boot/efi vfat rw 0 0\n/dev/sdc1 /media/me/STICK vfat rw 0 0\n' \
    > "$tmp/mounts"
export KILN_SYSFS="$sys" KILN_MOUNTS="$tmp/mounts"

"$K" image "$top/$B/kernel-example.elf" -o "$tmp/disk.img" -q
img="$tmp/disk.img"

# fails NAME REGEX ARGS...: kiln flash ARGS exits 1 with a line matching REGEX
fails() {
    name=$1 re=$2
    shift 2
    "$K" flash "$@" > "$tmp/out" 2>&1 < /dev/null
    st=$?
    if [ $st -ne 1 ]; then bad "$name" "exit $st, want 1" "$tmp/out"; return; fi
    has "$name" "$tmp/out" "$re"
}

"$K" flash "$img" > "$tmp/out" 2>&1
has list "$tmp/out" '^removable disks:$' '^  /dev/sdb +14\.9 GiB  usb  SanDisk Cruzer Blade +not mounted$' \
    '^  /dev/sdc .*mounted: /dev/sdc1 on /media/me/STICK$' "^write one with: kiln flash $img /dev/sdb\$"
if grep -q 'sda\|sdf\|loop0' "$tmp/out"; then bad list-no-fixed "a fixed disk or loop device listed" "$tmp/out"
else ok list-no-fixed; fi

"$K" flash "$img" /dev/sdb --check > "$tmp/out" 2>&1
has check-usb-stick "$tmp/out" "^checks passed: kiln flash would write $img \(19\.0 MiB\) to /dev/sdb \(SanDisk Cruzer Blade, 14\.9 GiB\)\$"
fails refuse-system '^kiln: error: /dev/sda holds the running system \(/dev/sda2 on /\): kiln flash never writes it' \
    "$img" /dev/sda --force --check
fails refuse-fixed '^kiln: error: /dev/sdf is not removable and not on USB .*--force if you are sure' "$img" /dev/sdf --check
"$K" flash "$img" /dev/sdf --force --check > "$tmp/out" 2>&1
has force-fixed "$tmp/out" '^kiln: warning: --force: /dev/sdf is not removable and not on USB' '^checks passed'
fails refuse-mounted '^kiln: error: /dev/sdc is mounted \(/dev/sdc1 on /media/me/STICK\): unmount it first' \
    "$img" /dev/sdc --check
"$K" flash "$img" /dev/sdc --force --check > "$tmp/out" 2>&1
has force-mounted "$tmp/out" '^kiln: warning: --force: /dev/sdc is mounted' '^checks passed'
fails refuse-small '^kiln: error: /dev/sdd is smaller than the image: 4\.0 MiB, the image 19\.0 MiB$' \
    "$img" /dev/sdd --force --check
fails refuse-read-only '^kiln: error: /dev/sde is read-only' "$img" /dev/sde --check
fails refuse-partition '^kiln: error: /dev/sdb1 is a partition, not a whole disk' "$img" /dev/sdb1 --check
fails refuse-unknown "^kiln: error: /dev/sdz is not a disk the kernel knows" "$img" /dev/sdz --check
printf 'not an image\n' > "$tmp/notimg"
fails refuse-not-image 'is not a disk image \(no MBR boot signature, no GPT\)' "$tmp/notimg" /dev/sdb --check
fails refuse-not-block '^kiln: error: /dev/sdb is not a block device$' "$img" /dev/sdb --yes
fails refuse-regular-file-without-to-file 'is not a disk \(/dev/NAME\): kiln flash writes a regular file only with --to-file' "$img" "$tmp/out.img" --yes
if [ ! -e "$tmp/out.img" ]; then ok no-file-without-to-file; else bad no-file-without-to-file "a file was written"; fi

# writing through --to-file: the whole image, verified
"$K" flash "$img" "$tmp/out.img" --to-file --yes > "$tmp/out" 2>&1
st=$?
if [ $st -eq 0 ] && cmp -s "$img" "$tmp/out.img"; then
    has write-verified "$tmp/out" '^kiln: wrote 19\.0 MiB in ' "^$tmp/out.img now holds $img \(19\.0 MiB, verified\)\$"
else
    bad write-verified "exit $st, or the file differs from the image" "$tmp/out"
fi
# an existing longer file: replaced, not written over in place
head -c 30000000 /dev/urandom > "$tmp/long.img"
"$K" flash "$img" "$tmp/long.img" --to-file --yes > /dev/null 2>&1
if cmp -s "$img" "$tmp/long.img"; then ok write-replaces; else bad write-replaces "the old file's tail is left"; fi

# asking: refused without a terminal; on a terminal only "yes" writes
fails ask-needs-terminal '^kiln: error: standard input is not a terminal, so kiln cannot ask: pass --yes' \
    "$img" "$tmp/asked.img" --to-file
if command -v script > /dev/null 2>&1; then
    printf 'no\n' | script -qec "\"$K\" flash \"$img\" \"$tmp/asked.img\" --to-file" /dev/null > "$tmp/out" 2>&1
    if grep -q 'Type yes to go on' "$tmp/out" && grep -q 'nothing written' "$tmp/out" && [ ! -e "$tmp/asked.img" ]; then
        ok ask-no
    else bad ask-no "asked and written anyway, or not asked" "$tmp/out"; fi
    printf 'yes\n' | script -qec "\"$K\" flash \"$img\" \"$tmp/asked.img\" --to-file" /dev/null > "$tmp/out" 2>&1
    if cmp -s "$img" "$tmp/asked.img" && grep -q 'verified' "$tmp/out"; then ok ask-yes
    else bad ask-yes "not written after yes" "$tmp/out"; fi
else
    bad ask-terminal "script(1) is missing (bsdutils)"
fi

# a device that reads back other bytes: /dev/zero takes every write and returns zeros
fails verify-failure '^kiln: error: verify failed: /dev/zero differs from the image at byte 0 \(wrote eb, read 00\)' \
    "$img" /dev/zero --to-file --yes
if grep -q 'now holds' "$tmp/out"; then bad verify-no-success "success reported before the verify" "$tmp/out"
else ok verify-no-success; fi
fails write-failure '^kiln: error: /dev/full: write failed at byte 0: No space left on device' "$img" /dev/full --to-file --yes
fails unknown-option "^kiln: error: flash: unknown option '--forse' \(did you mean --force\?\)" "$img" /dev/sdb --forse

# an image dd'd onto a larger stick: the backup GPT is not at the end, and that is expected
cp "$img" "$tmp/stick.img"
truncate -s 64M "$tmp/stick.img"
"$K" info "$tmp/stick.img" > "$tmp/out" 2>&1
st=$?
if [ $st -eq 0 ]; then
    has info-larger-stick "$tmp/out" 'GPT backup header at LBA [0-9]+, not at the disk.s last LBA 131071: as expected after writing an image to a larger disk .*sgdisk -e'
else
    bad info-larger-stick "exit $st, want 0" "$tmp/out"
fi
