#!/bin/sh
# sign.sh - `kiln image --sign-key/--sign-cert` (docs/secure-boot.md): the
# ESP's BOOTX64.EFI carries a signature sbverify accepts and, in its trust
# record, the SHA-256 of the payload as sha256sum computes it from the
# image; unsigned images keep an unsigned loader with an unarmed record;
# signing is reproducible up to the signing time sbsign stamps into the
# signature; ISOs are signed too; wrong use is refused with a clear message; kiln run
# --secure-boot sets up Debian's Secure Boot OVMF. Boots: boot.plan sb-*.
#   sh tests/cli/sign.sh      (from the top of the tree, after make)
suite=sign
. tests/cli/lib.sh
KERNEL="$top/$B/tests/kernels/tk-high.elf"
KEY="$top/$B/tests/sb.key"
CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
export MTOOLS_SKIP_CHECK=1

need "make; make $B/tests/kernels/tk-high.elf $B/tests/sb.key" "$K" "$KERNEL" "$KEY" "$CERT"
for t in sbverify sbattach sha256sum; do
    if ! command -v $t > /dev/null 2>&1; then
        bad setup "$t is not installed (sh scripts/deps.sh build)"
        exit 1
    fi
done

# The record's 32 hash bytes (after the 16-byte magic, version, armed, size) in hex.
record_hash() { # record_hash EFI
    at=$(grep -obUaP 'KILN-TRUST-HASH\x01' "$1" | head -n 1 | cut -d: -f1)
    [ -n "$at" ] && od -An -tx1 -v -j $((at + 32)) -N 32 "$1" | tr -d ' \n'
}
record_armed() { # record_armed EFI -> 1 or 0
    at=$(grep -obUaP 'KILN-TRUST-HASH\x01' "$1" | head -n 1 | cut -d: -f1)
    [ -n "$at" ] && od -An -tu4 -j $((at + 20)) -N 4 "$1" | tr -d ' \n'
}
# The payload's SHA-256 as sha256sum sees it, from kiln info's LBA and size.
payload_hash() { # payload_hash IMAGE
    "$K" info "$1" > "$tmp/ph.info" 2>&1
    lba=$(sed -n 's/.*Kiln partition at LBA \([0-9]*\).*/\1/p' "$tmp/ph.info")
    [ -n "$lba" ] || lba=$(sed -n 's/^  [0-9]: LBA \([0-9]*\)-.*(Kiln)$/\1/p' "$tmp/ph.info")
    size=$(sed -n 's/^payload: version 2, [0-9]* entries, \([0-9]*\) bytes.*/\1/p' "$tmp/ph.info")
    dd if="$1" bs=512 skip="$lba" count=$((size / 512)) status=none | sha256sum | cut -d' ' -f1
}

# --- a signed hybrid image ---------------------------------------------------------------------------------
if "$K" image "$KERNEL" -o "$tmp/s.img" --cmdline "all" --sign-key "$KEY" --sign-cert "$CERT" > "$tmp/s.log" 2>&1 &&
    [ ! -s "$tmp/s.log" ]; then ok build
else bad build "kiln image --sign-key failed or was not quiet" "$tmp/s.log"; fi
mcopy -n -i "$tmp/s.img@@1M" ::/EFI/BOOT/BOOTX64.EFI "$tmp/s.efi" 2> "$tmp/mcopy.err"
sbverify --cert "$CERT" "$tmp/s.efi" > "$tmp/sbverify" 2>&1
has sbverify "$tmp/sbverify" '^Signature verification OK$'
want=$(payload_hash "$tmp/s.img")
got=$(record_hash "$tmp/s.efi")
if [ -n "$want" ] && [ "$want" = "$got" ]; then ok payload-hash
else bad payload-hash "the record holds '$got', the payload hashes to '$want'"; fi
if [ "$(record_armed "$tmp/s.efi")" = 1 ]; then ok armed; else bad armed "the signed loader's record is not armed"; fi

# Two seconds later: the same loader once the signatures (which hold the
# signing time) are removed, and the same payload.
sleep 2
"$K" image "$KERNEL" -o "$tmp/s2.img" --cmdline "all" --sign-key "$KEY" --sign-cert "$CERT" > /dev/null 2>&1
mcopy -n -i "$tmp/s2.img@@1M" ::/EFI/BOOT/BOOTX64.EFI "$tmp/s2.efi" 2> /dev/null
cp "$tmp/s.efi" "$tmp/s1-bare.efi" && cp "$tmp/s2.efi" "$tmp/s2-bare.efi"
sbattach --remove "$tmp/s1-bare.efi" > /dev/null 2>&1 && sbattach --remove "$tmp/s2-bare.efi" > /dev/null 2>&1
if [ -s "$tmp/s1-bare.efi" ] && cmp -s "$tmp/s1-bare.efi" "$tmp/s2-bare.efi" && [ "$(payload_hash "$tmp/s2.img")" = "$want" ]
then ok reproducible-but-signature
else bad reproducible-but-signature "two signed builds differ outside the signature"; fi
"$K" image "$KERNEL" -o "$tmp/s3.img" --cmdline "other" --sign-key "$KEY" --sign-cert "$CERT" > /dev/null 2>&1
mcopy -n -i "$tmp/s3.img@@1M" ::/EFI/BOOT/BOOTX64.EFI "$tmp/s3.efi" 2> /dev/null
if [ "$(record_hash "$tmp/s3.efi")" = "$(payload_hash "$tmp/s3.img")" ] && [ "$(record_hash "$tmp/s3.efi")" != "$got" ]; then
    ok cmdline-changes-hash
else bad cmdline-changes-hash "another command line did not give another signed hash"; fi

# --- unsigned images keep the loader as built ----------------------------------------------------------------
"$K" image "$KERNEL" -o "$tmp/u.img" > /dev/null 2>&1
mcopy -n -i "$tmp/u.img@@1M" ::/EFI/BOOT/BOOTX64.EFI "$tmp/u.efi" 2> /dev/null
if [ "$(record_armed "$tmp/u.efi")" = 0 ] && ! sbverify --list "$tmp/u.efi" 2>&1 | grep -q 'signature 1'; then
    ok unsigned-unchanged
else bad unsigned-unchanged "an unsigned image's BOOTX64.EFI has an armed record or a signature"; fi

# --- an ISO: the loader in its El Torito EFI image ------------------------------------------------------------
if "$K" image "$KERNEL" -o "$tmp/s.iso" --kind iso --sign-key "$KEY" --sign-cert "$CERT" > "$tmp/iso.log" 2>&1; then
    "$K" info "$tmp/s.iso" > "$tmp/iso.info" 2>&1
    blk=$(sed -n 's/^  2: UEFI, bootable, no emulation, [0-9]* sectors from block \([0-9]*\)$/\1/p' "$tmp/iso.info")
    mcopy -n -i "$tmp/s.iso@@$((blk * 2048))" ::/EFI/BOOT/BOOTX64.EFI "$tmp/iso.efi" 2> /dev/null
    if sbverify --cert "$CERT" "$tmp/iso.efi" > /dev/null 2>&1 &&
        [ "$(record_hash "$tmp/iso.efi")" = "$(payload_hash "$tmp/s.iso")" ]; then ok iso
    else bad iso "the ISO's loader is not signed for its payload" "$tmp/iso.info"; fi
else bad iso "kiln image --kind iso --sign-key failed" "$tmp/iso.log"; fi

# --- refusals ------------------------------------------------------------------------------------------------
refuse() { # refuse NAME MESSAGE-REGEX ARGS...
    name=$1 msg=$2
    shift 2
    "$K" "$@" > "$tmp/$name.out" 2>&1
    st=$?
    if [ $st -ne 0 ] && grep -Eq -- "$msg" "$tmp/$name.out" && [ ! -e "$tmp/r.img" ]; then ok "$name"
    else bad "$name" "exit $st, expected /$msg/ and no image" "$tmp/$name.out"; fi
}
refuse needs-both '^kiln: error: --sign-key: signing needs both --sign-key and --sign-cert$' \
    image "$KERNEL" -o "$tmp/r.img" --sign-key "$KEY"
refuse missing-key "^kiln: error: --sign-key $tmp/nokey: No such file or directory\$" \
    image "$KERNEL" -o "$tmp/r.img" --sign-key "$tmp/nokey" --sign-cert "$CERT"
refuse bios-kind '^kiln: error: --sign-key: a bios image has no UEFI loader to sign' \
    image "$KERNEL" -o "$tmp/r.img" --kind bios --sign-key "$KEY" --sign-cert "$CERT"
mkdir "$tmp/bin"
PATH="$tmp/bin" "$K" image "$KERNEL" -o "$tmp/r.img" --sign-key "$KEY" --sign-cert "$CERT" > "$tmp/nosb.out" 2>&1
st=$?
if [ $st -ne 0 ] && grep -Eq '^kiln: error: cannot run sbsign: .*\(install sbsigntool: apt-get install sbsigntool\)$' \
    "$tmp/nosb.out" && [ ! -e "$tmp/r.img" ]; then ok no-sbsign
else bad no-sbsign "exit $st, expected the install hint and no image" "$tmp/nosb.out"; fi
printf 'not a key\n' > "$tmp/bad.key"
refuse bad-key '^kiln: error: sbsign failed while signing BOOTX64.EFI$' \
    image "$KERNEL" -o "$tmp/r.img" --sign-key "$tmp/bad.key" --sign-cert "$CERT"

# --- kiln run --secure-boot ----------------------------------------------------------------------------------
"$K" run "$tmp/s.img" --firmware uefi --secure-boot --dry-run > "$tmp/dry" 2>&1
has run-secure-boot "$tmp/dry" '^ +-machine q35,smm=on ' '^ +-global driver=cfi\.pflash01,property=secure,value=on ' \
    'file=/usr/share/OVMF/OVMF_CODE_4M\.snakeoil\.fd' '^ovmf vars += /usr/share/OVMF/OVMF_VARS_4M\.snakeoil\.fd '
refuse run-sb-bios '^kiln: error: secure boot \(--secure-boot\) needs firmware uefi \(default\)$' \
    run "$tmp/s.img" --secure-boot --dry-run
refuse run-sb-pc '^kiln: error: secure boot \(--secure-boot\) needs machine q35 \(--machine\)' \
    run "$tmp/s.img" --firmware uefi --machine pc --secure-boot --dry-run
refuse run-sign-image '^kiln: error: --sign-key: .* is a disk image, not a kernel ELF' \
    run "$tmp/s.img" --firmware uefi --sign-key "$KEY" --dry-run
