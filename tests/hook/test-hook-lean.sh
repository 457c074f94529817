#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The lean hook (hooks/vgpu-hook-lean.c, issue "Performance at the floor"):
# a start and a stop with libvgpu requests run vgpu-hook alone, one
# program, which loads none of libxml2, ICU, libstdc++, json-glib or
# libvgpu.so (statically linked, it opens no shared object at all); what
# only the full library can do is handed over to vgpu-hook-worker-full
# with the same arguments and XML: a hostdev that an mdevctl definition
# explains, and migrate begin; an operation libvgpu ignores runs nothing
# more and still reads all of its input. Seen with strace (execve, openat).
#
# Usage: test-hook-lean.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
shopt -s lastpipe

REAL_HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"
command -v strace >/dev/null || { echo "SKIP: no strace (scripts/install-deps)"; exit 77; }

TRACE=$(mktemp /tmp/vgpu-lean-trace.XXXXXX)
HOOK=$(mktemp /tmp/vgpu-lean-hook.XXXXXX)
T_XML=$(mktemp /tmp/vgpu-lean-xml.XXXXXX)
trap 'rm -f "$TRACE" "$HOOK" "$T_XML"' EXIT
# LeakSanitizer cannot run under ptrace (sanitizer builds): leaks are the
# other suites' business here
cat >"$HOOK" <<SH
#!/bin/sh
export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0"
exec strace -f -qq -o "$TRACE" -e trace=execve,openat "$REAL_HOOK" "\$@"
SH
chmod +x "$HOOK"

DUUID=6f1f4a66-2a55-4d3b-9f0e-0b8d3c1e7a01
U1=5cf14a12-a437-4c82-a13f-70e945782d7b
U2=783e6dbb-ea0e-411f-94e2-717eaad438bf
P6=0000:06:00.0

# the programs the last hook run executed, by name, in order
programs() { sed -n 's/.*execve("[^"]*\/\([^/"]*\)".* = 0$/\1/p' "$TRACE" | tr '\n' ' '; }
# shared objects the worker opened (successfully or not) that it must not;
# a sanitizer build links the worker dynamically, and its runtime brings
# libstdc++ along
HEAVY='libxml2|libicu[a-z]*|libjson-glib-1\.0|libvgpu|libgio-2\.0|libgobject-2\.0'
readelf -d "$REAL_HOOK" | grep -qE 'lib(a|ub)san' ||
    HEAVY+='|libstdc\+\+'
heavy_libraries() { grep -oE "($HEAVY)[^/\"]*\.so[^\"]*" "$TRACE" | sort -u | tr '\n' ' '; }

case_request() {
    sim_start tiny
    sim_domain_xml vm "$DUUID" "$U1 nvidia-65" | sim_run_hook vm prepare begin
    [ "$RC" = 0 ] || fail "prepare: $(cat "$HOOK_ERR")"
    sim_mdev_exists $U1 || fail "the requested device was not created"
    [ "$(programs)" = "vgpu-hook " ] ||
        fail "prepare ran '$(programs)', wanted vgpu-hook alone"
    [ -z "$(heavy_libraries)" ] || fail "prepare loaded $(heavy_libraries)"
    sim_run_hook vm release end </dev/null
    [ "$RC" = 0 ] || fail "release: $(cat "$HOOK_ERR")"
    sim_wait_for 5 eval '! sim_mdev_exists $U1' || fail "release left the device"
    [ "$(programs)" = "vgpu-hook " ] ||
        fail "release ran '$(programs)', wanted vgpu-hook alone"
    [ -z "$(heavy_libraries)" ] || fail "release loaded $(heavy_libraries)"
}
sim_case "request: vgpu-hook alone, no libxml2/ICU/libstdc++/json-glib/libvgpu.so" case_request

case_mdevctl_handover() {
    sim_start tiny
    mkdir -p "$SIM_ROOT/etc/mdevctl.d/$P6"
    echo '{"mdev_type": "nvidia-65", "start": "manual"}' >"$SIM_ROOT/etc/mdevctl.d/$P6/$U2"
    sim_domain_xml vm "$DUUID" "$U1 nvidia-65" "hostdev-only:$U2" | sim_run_hook vm prepare begin
    [ "$RC" = 0 ] || fail "prepare: $(cat "$HOOK_ERR")"
    [ "$(programs)" = "vgpu-hook vgpu-hook-worker-full " ] ||
        fail "prepare ran '$(programs)', wanted a handover to the full worker"
    sim_mdev_exists $U1 && sim_mdev_exists $U2 ||
        fail "the full worker did not create both devices (same XML on its stdin)"
    grep -qx 'origin=mdevctl' "$(sim_record $U2)" || fail "U2 is not recorded as mdevctl's"
    sim_run_hook vm release end </dev/null
    sim_wait_for 5 eval '! sim_mdev_exists $U1 && ! sim_mdev_exists $U2' ||
        fail "release left devices: $(sim_list_mdevs)"
}
sim_case "hostdev with an mdevctl definition: handed over to the full worker, both created" case_mdevctl_handover

case_undefined_handover_refusal() {
    sim_start tiny
    # a broken definition: the full worker refuses in one line, nothing made
    mkdir -p "$SIM_ROOT/etc/mdevctl.d/$P6"
    echo '{"mdev_type": ' >"$SIM_ROOT/etc/mdevctl.d/$P6/$U2"
    sim_domain_xml vm "$DUUID" "$U1 nvidia-65" "hostdev-only:$U2" | sim_run_hook vm prepare begin
    [ "$RC" = 1 ] || fail "prepare: exit $RC, wanted 1"
    local why
    why=$(sim_stderr_problem "$HOOK_ERR")
    [ -z "$why" ] || fail "$why: $(cat "$HOOK_ERR")"
    [ "$(sim_count_mdevs)" = 0 ] || fail "devices left: $(sim_list_mdevs)"
    [ -z "$(sim_list_records)" ] || fail "records left: $(sim_list_records)"
}
sim_case "handover refusal: one line from the full worker, nothing left" case_undefined_handover_refusal

case_migrate() {
    sim_start tiny
    sim_domain_xml vm "$DUUID" "$U1 nvidia-65" | sim_run_hook vm migrate begin
    [ "$RC" = 0 ] || fail "migrate begin: $(cat "$HOOK_ERR")"
    [ "$(programs)" = "vgpu-hook vgpu-hook-worker-full " ] ||
        fail "migrate begin ran '$(programs)', wanted the full worker"
    [ ! -s "$HOOK_OUT" ] || fail "migrate begin printed XML for an mdev-only domain"
}
sim_case "migrate begin: handed over to the full worker" case_migrate

# libvirt writes the XML to every hook call: one libvgpu ignores must read
# it to the end (no broken pipe for libvirt), print nothing and run nothing
case_ignored_operation() {
    sim_start tiny
    local op
    for op in "started begin" "stopped end" "reconnect begin" "release end"; do
        # 1 MiB, more than a pipe holds: a hook that stops reading blocks
        # the writer, whose write then fails when the hook exits
        { sim_domain_xml vm "$DUUID" "$U1 nvidia-65"
          head -c 1048576 /dev/zero | tr '\0' ' '; } >"$T_XML"
        local writer=0
        if cat "$T_XML" | sim_run_hook vm $op; then :; else writer=${PIPESTATUS[0]}; fi
        [ "$writer" = 0 ] || fail "$op: the writer got status $writer (input not read to the end)"
        [ "$RC" = 0 ] || fail "$op: exit $RC: $(cat "$HOOK_ERR")"
        [ ! -s "$HOOK_OUT" ] || fail "$op printed $(head -c 200 "$HOOK_OUT")"
        [ "$(programs)" = "vgpu-hook " ] || fail "$op ran '$(programs)'"
    done
    [ "$(sim_count_mdevs)" = 0 ] || fail "devices made: $(sim_list_mdevs)"
}
sim_case "ignored operations and a release with nothing to do: input read to the end, nothing run" case_ignored_operation

sim_finish hook-lean
