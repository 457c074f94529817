#!/usr/bin/env bash
# libvgpu and the hook must not link libvirt (DESIGN.md: a hook must never
# call libvirtd, and linking libvirt alone makes a process start ~5x
# slower); the hook's front must link nothing but libc.
# Usage: check-no-libvirt.sh LIBVGPU HOOK WORKER
set -euo pipefail
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
for f in "$@"; do
    if needed "$f" | grep -q libvirt; then
        echo "$f links libvirt: $(needed "$f" | tr '\n' ' ')" >&2
        exit 1
    fi
done
front=$(needed "$2" | grep -Ev '^(libc|libasan|libubsan)\.so' || true)
[ -z "$front" ] || { echo "$2 links more than libc: $front" >&2; exit 1; }
echo "no libvirt in $*; $(basename "$2") needs only libc"
