#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vgpuctl loads libvgpu-virt (and with it libvirt, ~40 shared objects) only
# for the commands that talk to libvirt: under LD_DEBUG=libs, types, list,
# check, plan --file, install-hook and help (text and JSON) on the mdev
# sysfs emulator never load libvirt.so.0 or libvgpu-virt.so.0, while types
# --connect and gc do and still work; types, list and help never load
# libxml2 (libvgpu.so's editor module comes with the first domain parsed). check reads the libvirt version from
# the name of the library file. A vgpuctl without libvgpu-virt still runs
# the other commands and says in one line what to install for the rest.
#
# Usage: test-vgpuctl-no-libvirt.sh VGPUCTL VGPU_HOOK VGPU_SIM SOURCE_DIR
#   NOT_JSON_GLIB (a libjson-glib-1.0.so.0 without json-glib's functions)
set -euo pipefail

. "$4/tests/lib-sim.sh"
. "$4/tests/lib-vgpuctl.sh"
vgpuctl_suite "$@"
# the version check must read the library, not this
unset VGPUCTL_TEST_LIBVIRT_VERSION
# a command that contacts libvirt by mistake fails on this URI
export LIBVIRT_DEFAULT_URI="no-such-driver:///nowhere"
TEST_URI="test:///default"

# run_traced ARGS...: run vgpuctl under LD_DEBUG=libs (the dynamic linker's
# log in $WORK/ld.PID, not on stderr); RC, OUT, ERR as run; LOG is that log.
run_traced() {
    rm -f "$WORK"/ld.*
    LD_DEBUG=libs LD_DEBUG_OUTPUT=$WORK/ld run "$@"
    LOG=$(cat "$WORK"/ld.*)
    grep -q 'calling init: .*libvgpu\.so\.0' <<<"$LOG" ||
        fail "vgpuctl $*: LD_DEBUG=libs did not log libvgpu.so.0: $LOG"
}

expect_no_libvirt() { # WANT-RC ARGS...: exits WANT-RC, libvirt not loaded
    local want=$1
    shift
    run_traced "$@"
    expect_rc "$want" "vgpuctl $*"
    if grep -E -m 5 'libvirt\.so|libvgpu-virt\.so' <<<"$LOG"; then
        fail "vgpuctl $* loaded libvirt (above)"
    fi
}

expect_libvirt() { # ARGS...: the command succeeds and loaded libvirt
    run_traced "$@"
    expect_rc 0 "vgpuctl $*"
    grep -q 'calling init: .*libvgpu-virt\.so\.0' <<<"$LOG" ||
        fail "vgpuctl $*: libvgpu-virt.so.0 not loaded"
    grep -q 'calling init: .*libvirt\.so\.0' <<<"$LOG" ||
        fail "vgpuctl $*: libvirt.so.0 not loaded"
}

sim_start p4
echo 9d2e9b5e-1c4a-4f7e-8a3b-000000000001 \
    >"$SIM_ROOT/sys/class/mdev_bus/0000:05:00.0/mdev_supported_types/nvidia-65/create"
cat >"$WORK/domain.xml" <<XML
$(sim_domain_xml win1 c7a5fdbd-edaf-9455-926a-d65c16db1801 \
    "9d2e9b5e-1c4a-4f7e-8a3b-000000000002 nvidia-65")
XML

# --- what does not talk to libvirt --------------------------------------------
for args in "types" "types --json" "types --parent 0000:05:00.0" \
    "list" "list --json" "plan --file $WORK/domain.xml" \
    "plan --file $WORK/domain.xml --json" "help" "--version" "attach --help" \
    "help requests"; do
    # shellcheck disable=SC2086 # the command's words
    expect_no_libvirt 0 $args
done
run list
grep -qF "nvidia-65 (GRID P4-4Q)" "$OUT" || fail "list does not name the device's type: $(cat "$OUT")"
pass "types, list, plan --file and help (text and JSON) do not load libvirt"

# libvgpu.so loads its domain XML editor (libvgpu-domain-xml.so, with
# libxml2, ICU and libstdc++) on the first parse of a domain only
for args in "types" "types --json" "list" "list --json" "help" "--version"; do
    # shellcheck disable=SC2086 # the command's words
    run_traced $args
    expect_rc 0 "vgpuctl $args"
    if grep -E -m 5 'libxml2\.so|libvgpu-domain-xml\.so' <<<"$LOG"; then
        fail "vgpuctl $args loaded the domain XML editor or libxml2 (above)"
    fi
done
run_traced plan --file "$WORK/domain.xml"
expect_rc 0 "vgpuctl plan --file"
grep -q 'calling init: .*libvgpu-domain-xml\.so' <<<"$LOG" ||
    fail "vgpuctl plan --file did not load libvgpu-domain-xml.so"
pass "types, list and help do not load libxml2; plan --file loads the editor module"

# json-glib (with GIO and GObject) is loaded for --json output and for an
# mdevctl definition only (lib/vgpu-json-loader.h), never linked
expect_json_glib() { # yes|no ARGS...: whether the command loaded it
    local want=$1
    shift
    # shellcheck disable=SC2086 # the command's words
    run_traced "$@"
    expect_rc 0 "vgpuctl $*"
    if grep -q 'calling init: .*libjson-glib-1\.0\.so' <<<"$LOG"; then
        [ "$want" = yes ] || fail "vgpuctl $* loaded json-glib"
    else
        [ "$want" = no ] || fail "vgpuctl $* did not load json-glib"
    fi
}
for args in "types" "list" "help" "--version" "plan --file $WORK/domain.xml"; do
    # shellcheck disable=SC2086 # the command's words
    expect_json_glib no $args
done
for args in "types --json" "list --json" "plan --file $WORK/domain.xml --json"; do
    # shellcheck disable=SC2086 # the command's words
    expect_json_glib yes $args
done
grep -q '"version"' "$OUT" || fail "plan --json printed no document: $(cat "$OUT")"
DEFINED=9d2e9b5e-1c4a-4f7e-8a3b-000000000003
mkdir -p "$SIM_ROOT/etc/mdevctl.d/0000:05:00.0"
printf '{"mdev_type": "nvidia-65", "start": "manual"}\n' \
    >"$SIM_ROOT/etc/mdevctl.d/0000:05:00.0/$DEFINED"
chmod 644 "$SIM_ROOT/etc/mdevctl.d/0000:05:00.0/$DEFINED"
expect_json_glib yes list
grep -q "$DEFINED" "$OUT" || fail "list does not show the mdevctl definition: $(cat "$OUT")"
rm -r "$SIM_ROOT/etc/mdevctl.d"
pass "json-glib is loaded for --json and mdevctl definitions only"

# a libjson-glib-1.0.so.0 without json-glib's functions first on the search
# path: --json fails in one line naming the library and the fix; text works
NOT_JSON_GLIB_DIR=$WORK/not-json-glib
mkdir -p "$NOT_JSON_GLIB_DIR"
ln -s "$(realpath "$5")" "$NOT_JSON_GLIB_DIR/libjson-glib-1.0.so.0"
LD_LIBRARY_PATH=$NOT_JSON_GLIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run list --json
expect_rc 1 "list --json with a json-glib that lacks its functions"
[ "$(wc -l <"$ERR")" = 1 ] || fail "list --json without json-glib: not one line: $(cat "$ERR")"
grep -q '^vgpuctl: libjson-glib-1\.0\.so\.0 has no function json_[a-z_]*: install json-glib 1\.4 or later$' "$ERR" ||
    fail "list --json without json-glib: $(cat "$ERR")"
LD_LIBRARY_PATH=$NOT_JSON_GLIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run list
expect_rc 0 "list (text) with a json-glib that lacks its functions"
pass "without a usable json-glib: --json fails in one line naming the fix, text output works"

# check exits 1 here (no hook on the emulator's root)
expect_no_libvirt 1 check
expect_no_libvirt 1 check --json
run check
LIBDIR=$(sed -n 's/.*cannot tell the libvirt version (no link \(.*\)\/libvirt\.so\.0).*/\1/p' "$OUT" | head -n 1)
[ -n "$LIBDIR" ] || fail "check without a libvirt library under the root: $(cat "$OUT")"
mkdir -p "$SIM_ROOT/$LIBDIR"
ln -s libvirt.so.0.9007.0 "$SIM_ROOT/$LIBDIR/libvirt.so.0"
expect_no_libvirt 1 check --json
python3 -c '
import json, sys
found = {f["check"]: f for f in json.load(open(sys.argv[1]))["findings"]}
assert found["libvirt-hook-dirs"]["verdict"] == "ok", found["libvirt-hook-dirs"]
assert "libvirt 9.7.0 " in found["libvirt-hook-dirs"]["message"], found["libvirt-hook-dirs"]
' "$OUT" || fail "check: version from libvirt.so.0.9007.0: $(cat "$OUT")"
ln -sfn libvirt.so.0.x "$SIM_ROOT/$LIBDIR/libvirt.so.0"
run check
grep -qF 'cannot tell the libvirt version ('"$LIBDIR"'/libvirt.so.0 links to "libvirt.so.0.x"' "$OUT" ||
    fail "check: a library name without a version: $(cat "$OUT")"
rm -rf "${SIM_ROOT:?}/usr"
pass "check reads the libvirt version from the library's file name without loading it"

R=$WORK/hook-root
mkdir -p "$R/etc/libvirt/hooks"
LIBVGPU_ROOT=$R expect_no_libvirt 0 install-hook --hook-program "$HOOK"
pass "install-hook does not load libvirt"

# --- what talks to libvirt ----------------------------------------------------
expect_libvirt types --connect "$TEST_URI"
expect_libvirt -c "$TEST_URI" types --json
expect_libvirt gc --dry-run -c "$TEST_URI"
pass "types --connect and gc load libvgpu-virt and libvirt, and work"

# --- a vgpuctl without libvgpu-virt -------------------------------------------
# A copy whose RUNPATH ($ORIGIN/../lib) holds libvgpu.so.0 only, without
# the LD_LIBRARY_PATH meson test sets; skipped where the system has a
# libvgpu-virt.so.0 of its own.
unset LD_LIBRARY_PATH
if PATH=$PATH:/sbin:/usr/sbin ldconfig -p 2>/dev/null | grep -q 'libvgpu-virt\.so\.0'; then
    echo "SKIP: a system libvgpu-virt.so.0 is installed; not testing its absence"
else
    BUILD_LIB=$(dirname "$(realpath "$VGPUCTL")")/../lib
    mkdir -p "$WORK/copy/bin" "$WORK/copy/lib"
    cp "$VGPUCTL" "$WORK/copy/bin/vgpuctl"
    ln -s "$(realpath "$BUILD_LIB/libvgpu.so.0")" "$WORK/copy/lib/libvgpu.so.0"
    VGPUCTL=$WORK/copy/bin/vgpuctl
    run types; expect_rc 0 "types without libvgpu-virt"
    run attach win1 --type nvidia-65 -c "$TEST_URI"; expect_rc 1 "attach without libvgpu-virt"
    [ "$(wc -l <"$ERR")" = 1 ] || fail "attach without libvgpu-virt: not one line: $(cat "$ERR")"
    grep -q '^vgpuctl: cannot load libvgpu-virt.so.0 to talk to libvirt (.*): install the libvgpu0 package' "$ERR" ||
        fail "attach without libvgpu-virt: $(cat "$ERR")"
    run gc --dry-run; expect_rc 0 "gc without libvgpu-virt"
    grep -q '^vgpuctl: warning: cannot ask libvirt which domains are running (cannot load libvgpu-virt.so.0' "$ERR" ||
        fail "gc without libvgpu-virt: $(cat "$ERR")"
    pass "without libvgpu-virt: types works, attach fails in one line naming the fix, gc warns"
fi

echo "all $PASSED checks passed"
