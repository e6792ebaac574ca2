#!/bin/sh
# plugin-header.sh OUT - put QEMU's plugin header (qemu-plugin.h, the API
# insncount.c is built against) at OUT. Debian 12 ships it in no binary
# package, so it comes from the source of the installed QEMU: an installed
# header if there is one, else the upstream tarball of Debian's qemu source
# package of the installed version (apt-get source when deb-src lines are
# configured, else the same file from the Debian archive's pool), of which
# only this one header is kept.
set -eu
out=$1
for h in /usr/include/qemu-plugin.h /usr/include/qemu/qemu-plugin.h /usr/local/include/qemu/qemu-plugin.h; do
    if [ -f "$h" ]; then
        cp "$h" "$out"
        exit 0
    fi
done
ver=$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null) || {
    echo "kiln: make bench needs qemu-system-x86 (apt-get install qemu-system-x86)" >&2
    exit 1
}
upstream=${ver#*:}
upstream=${upstream%-*}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=qemu_$upstream.orig.tar.xz
if ! (cd "$tmp" && apt-get source --download-only -qq "qemu=${ver%+b*}" > /dev/null 2>&1 && [ -f "$tarball" ]); then
    url=http://deb.debian.org/debian/pool/main/q/qemu/$tarball
    echo "kiln: fetching QEMU's plugin header from $url" >&2
    if command -v curl > /dev/null 2>&1; then
        curl -fsSL -o "$tmp/$tarball" "$url"
    else
        wget -q -O "$tmp/$tarball" "$url"
    fi || {
        echo "kiln: cannot download $url (QEMU's source, for its plugin header)" >&2
        exit 1
    }
fi
tar -xJf "$tmp/$tarball" -C "$tmp" --wildcards '*/include/qemu/qemu-plugin.h'
cp "$tmp"/*/include/qemu/qemu-plugin.h "$out"
