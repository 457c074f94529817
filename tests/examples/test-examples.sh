#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The examples, built against the installed library through libvgpu.pc
# (as a user would), then run: list-mdev-types on the emulator, and
# add-vgpu-request whose output the real hook then starts, and which fails
# in one line when the installed editor module is missing.
#
# Usage: test-examples.sh BUILD_DIR SOURCE_DIR VGPU_SIM
set -euo pipefail
shopt -s lastpipe
BUILD=$1 SRC=$2
export VGPU_SIM=$3
. "$SRC/tests/lib-sim.sh"

STAGE=$(mktemp -d)
cleanup() { sim_stop; rm -rf "$STAGE"; }
trap cleanup EXIT

# 1. Install into a staging dir and build the examples with pkg-config.
meson install -C "$BUILD" --destdir "$STAGE" --quiet >/dev/null
pc=$(find "$STAGE" -name libvgpu.pc | head -1)
[ -n "$pc" ] || fail "libvgpu.pc not installed"
libdir=$(dirname "$(dirname "$pc")")
# Point the staged .pc file at the staging dir (what a distribution package
# would not need).
mkdir -p "$STAGE/pc"
sed "s|^prefix=|prefix=$STAGE|" "$pc" >"$STAGE/pc/libvgpu.pc"
export PKG_CONFIG_PATH=$STAGE/pc
# A sanitizer build of the library needs the sanitizer runtime first.
sanitize=()
if ldd "$libdir"/libvgpu.so.0 | grep -q libasan; then
    sanitize=(-fsanitize=address,undefined)
fi
for ex in list-mdev-types add-vgpu-request; do
    # shellcheck disable=SC2046
    cc -std=gnu11 -Wall -Werror "${sanitize[@]}" -o "$STAGE/$ex" "$SRC/examples/$ex.c" \
        $(pkg-config --cflags --libs libvgpu) || fail "$ex does not build with libvgpu.pc"
done
export LD_LIBRARY_PATH=$libdir
pass "examples build against the installed libvgpu.pc"

# 2. list-mdev-types on a Tesla P4.
sim_start p4
"$STAGE/list-mdev-types" >"$STAGE/types.txt"
grep -q '^0000:05:00.0$' "$STAGE/types.txt" || fail "parent missing: $(cat "$STAGE/types.txt")"
grep -Eq 'nvidia-65 +GRID P4-4Q +available 2' "$STAGE/types.txt" || fail "nvidia-65 line: $(cat "$STAGE/types.txt")"
grep -q '4096 MiB, 4 heads, 7680x4320, series Q (vDWS licence)' "$STAGE/types.txt" || fail "decoded line"
[ "$(grep -c '^  nvidia-' "$STAGE/types.txt")" = 12 ] || fail "P4 has 12 types"
pass "list-mdev-types shows the P4's 12 types with decoded NVIDIA metadata"

# 3. add-vgpu-request writes a request that the hook then creates.
cat >"$STAGE/win11.xml" <<'XML'
<domain type='kvm'>
  <name>win11</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>4194304</memory>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
  </devices>
</domain>
XML
"$STAGE/add-vgpu-request" "$STAGE/win11.xml" nvidia-65 >"$STAGE/win11-vgpu.xml" 2>"$STAGE/add.err"
uuid=$(sed -n 's/.*requested mdev \([0-9a-f-]*\) of type.*/\1/p' "$STAGE/add.err")
[ ${#uuid} = 36 ] || fail "no UUID reported: $(cat "$STAGE/add.err")"
grep -q "<address uuid=['\"]$uuid['\"]/>" "$STAGE/win11-vgpu.xml" || fail "hostdev missing"
grep -q "urn:libvgpu:domain:1" "$STAGE/win11-vgpu.xml" || fail "metadata missing"
"$STAGE/add-vgpu-request" "$STAGE/win11.xml" nvidia-65 2>/dev/null | cmp -s - "$STAGE/win11-vgpu.xml" || fail "default UUID is not stable"
"$BUILD/hooks/vgpu-hook" win11 prepare begin - <"$STAGE/win11-vgpu.xml" || fail "hook rejected the example's XML"
sim_mdev_exists "$uuid" || fail "hook did not create $uuid"
"$BUILD/hooks/vgpu-hook" win11 release end - <"$STAGE/win11-vgpu.xml"
! sim_mdev_exists "$uuid" || fail "hook did not remove $uuid"
pass "add-vgpu-request output is started by the hook (mdev $uuid created and removed)"

set +e; "$STAGE/add-vgpu-request" "$STAGE/win11.xml" ../../etc >/dev/null 2>"$STAGE/bad.err"; rc=$?; set -e
[ $rc = 1 ] && grep -q '\.\./\.\./etc' "$STAGE/bad.err" || fail "bad type not rejected clearly"
pass "add-vgpu-request rejects a hostile type with a clear message"
# 4. The editor is a module of the installed library, loaded on the first
#    parse (libvgpu/libvgpu-domain-xml.so beside libvgpu.so.0): where it is
#    missing, editing fails in one line that names it and the fix.
module=$(find "$STAGE" -path '*/libvgpu/libvgpu-domain-xml.so' | head -1)
[ -n "$module" ] || fail "libvgpu/libvgpu-domain-xml.so not installed"
[ "$(dirname "$(dirname "$module")")" = "$libdir" ] || fail "editor module not under $libdir/libvgpu: $module"
mv "$module" "$module.away"
set +e; "$STAGE/add-vgpu-request" "$STAGE/win11.xml" nvidia-65 >/dev/null 2>"$STAGE/nomod.err"; rc=$?; set -e
mv "$module.away" "$module"
[ $rc = 1 ] && [ "$(wc -l <"$STAGE/nomod.err")" = 1 ] &&
    grep -q "cannot load the domain XML editor of libvgpu: $module: .*reinstall libvgpu0" "$STAGE/nomod.err" ||
    fail "missing editor module: $(cat "$STAGE/nomod.err")"
pass "the installed editor module is loaded from \$libdir/libvgpu; without it, one line naming it and the fix"
echo "all $PASSED example checks passed"
