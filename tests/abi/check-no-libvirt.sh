#!/usr/bin/env bash
# libvgpu and the hook programs must not link libvirt (DESIGN.md: a hook
# must never call libvirtd, and linking libvirt alone makes a process start
# ~5x slower); vgpu-hook, which libvirt runs, must not link libvgpu.so,
# libxml2 or json-glib either (statically linked, it needs nothing), and
# libvgpu.so not json-glib (it loads it for an mdevctl definition only:
# lib/vgpu-json-loader.h).
# Usage: check-no-libvirt.sh LIBVGPU HOOK HOOK_WORKER_FULL
set -euo pipefail
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
for f in "$@"; do
    if needed "$f" | grep -q libvirt; then
        echo "$f links libvirt: $(needed "$f" | tr '\n' ' ')" >&2
        exit 1
    fi
done
if needed "$1" | grep -q json-glib; then
    echo "$1 links json-glib: $(needed "$1" | tr '\n' ' ')" >&2
    exit 1
fi
heavy=$(needed "$2" | grep -E '^lib(vgpu|xml2|json-glib|icu|stdc\+\+)' || true)
[ -z "$heavy" ] || { echo "$2 links $heavy" >&2; exit 1; }
echo "no libvirt in $*; $(basename "$2") needs $(needed "$2" | tr '\n' ' ')"
