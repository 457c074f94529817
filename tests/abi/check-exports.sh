#!/usr/bin/env bash
# Every dynamic symbol a libvgpu library defines must carry the given
# prefix (vgpu_ / vgpu_virt_); the version node is the only other name.
# Usage: check-exports.sh LIBRARY PREFIX
set -euo pipefail
lib=$1 prefix=$2
symbols=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
[ -n "$symbols" ] || { echo "no exported symbols in $lib" >&2; exit 1; }
bad=$(echo "$symbols" | grep -v "^$prefix" | grep -v '^LIBVGPU' || true)
if [ -n "$bad" ]; then
    echo "symbols without the $prefix prefix exported by $lib:" >&2
    echo "$bad" >&2
    exit 1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
case $soname in
libvgpu*.so.0) ;;
*) echo "unexpected SONAME $soname" >&2; exit 1 ;;
esac
echo "$(echo "$symbols" | wc -l) exported symbols, all $prefix*, SONAME $soname"
