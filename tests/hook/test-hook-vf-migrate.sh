#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `migrate begin` / `restore begin` with VF requests (DESIGN.md hook table):
# on the destination the hook prints the whole domain XML with a request
# (and its PCI hostdev) moved when its VF is missing, busy or on a GPU that
# cannot create the type; nothing when every pinned VF is fine; mdev
# requests never print. The output is parsed and checked.
#
# Usage: test-hook-vf-migrate.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
shopt -s lastpipe

HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

DUUID=c7a5fdbd-edaf-9455-926a-d65c16db1809
PCI=""

# pinned OUTPUT: "request-address hostdev-address" per VF request of the
# domain XML in OUTPUT, checking that it parses and that both agree
pinned() {
    python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = {"vgpu": "urn:libvgpu:domain:1"}
hostdevs = set()
for h in root.iter("hostdev"):
    if h.get("type") == "pci":
        a = h.find("source/address")
        hostdevs.add("%04x:%02x:%02x.%x" % tuple(int(a.get(k), 0) for k in ("domain", "bus", "slot", "function")))
for r in root.iterfind("metadata/vgpu:vgpu/vgpu:vf", ns):
    addr = r.get("address")
    print(addr, addr if addr in hostdevs else "MISSING")
PY
}

migrate() { # NAME REQUEST...
    local name=$1; shift
    sim_domain_xml_vf "$name" "$DUUID" "$@" | sim_run_hook "$name" migrate begin
}

case_fine_vf_prints_nothing() {
    sim_start l40s2
    migrate m1 "0000:3d:00.4 nvidia-1153"
    [ "$RC" = 0 ] && [ ! -s "$HOOK_OUT" ] || fail "a fine VF: exit $RC, output $(head -c 200 "$HOOK_OUT")"
    sim_domain_xml_vf m1 "$DUUID" "mdev:9d2e9b5e-1c4a-4f7e-8a3b-000000000001 nvidia-65" |
        sim_run_hook m1 migrate begin
    [ "$RC" = 0 ] && [ ! -s "$HOOK_OUT" ] || fail "an mdev request: exit $RC, output $(head -c 200 "$HOOK_OUT")"
}
sim_case "a VF that can host its type, and mdev requests: nothing printed" case_fine_vf_prints_nothing

case_missing_vf_moves() {
    sim_start l40s2
    migrate m1 "0000:99:00.4 nvidia-1153"
    [ "$RC" = 0 ] || fail "exit $RC: $(cat "$HOOK_ERR")"
    [ "$(pinned "$HOOK_OUT")" = "0000:3d:00.4 0000:3d:00.4" ] || fail "moved to: $(pinned "$HOOK_OUT")"
    grep -q "<name>m1</name>" "$HOOK_OUT" || fail "not the whole domain XML"
    # restore begin does the same
    sim_domain_xml_vf m1 "$DUUID" "0000:99:00.4 nvidia-1153" | sim_run_hook m1 restore begin
    [ "$RC" = 0 ] && [ "$(pinned "$HOOK_OUT")" = "0000:3d:00.4 0000:3d:00.4" ] || fail "restore begin: $(pinned "$HOOK_OUT")"
}
sim_case "a VF missing on this host: request and hostdev moved to a free VF (migrate and restore begin)" case_missing_vf_moves

case_busy_or_full_moves() {
    local V=$SIM_ROOT/sys/bus/pci/devices
    sim_start l40s2
    V=$SIM_ROOT/sys/bus/pci/devices
    echo 1145 >"$V/0000:3d:00.4/nvidia/current_vgpu_type" # holds another type
    migrate m1 "0000:3d:00.4 nvidia-1145"
    [ "$RC" = 0 ] && [ ! -s "$HOOK_OUT" ] || fail "a VF holding the requested type must stay: $(pinned "$HOOK_OUT")"
    migrate m1 "0000:3d:00.4 nvidia-1153"
    [ "$RC" = 0 ] || fail "exit $RC: $(cat "$HOOK_ERR")"
    # GPU 3d now holds 1B (one type per GPU): 12Q must go to the other GPU
    [ "$(pinned "$HOOK_OUT")" = "0000:3e:00.4 0000:3e:00.4" ] || fail "busy VF moved to: $(pinned "$HOOK_OUT")"
    # two requests, both on the full GPU: two distinct VFs of 3e
    migrate m2 "0000:3d:00.5 nvidia-1153" "0000:3d:00.6 nvidia-1153"
    [ "$RC" = 0 ] || fail "exit $RC: $(cat "$HOOK_ERR")"
    [ "$(pinned "$HOOK_OUT" | tr '\n' ' ')" = "0000:3e:00.4 0000:3e:00.4 0000:3e:00.5 0000:3e:00.5 " ] ||
        fail "two moves: $(pinned "$HOOK_OUT" | tr '\n' ' ')"
}
sim_case "a VF holding another type or on a GPU that cannot create the type: moved to a GPU that can" case_busy_or_full_moves

case_nowhere_fails() {
    local V
    sim_start l40s2
    V=$SIM_ROOT/sys/bus/pci/devices
    for f in 4 5 6 7; do echo 1153 >"$V/0000:3d:00.$f/nvidia/current_vgpu_type"; done
    for f in 4 5 6 7; do echo 1153 >"$V/0000:3e:00.$f/nvidia/current_vgpu_type"; done
    migrate m1 "0000:99:00.4 nvidia-1153"
    [ "$RC" = 1 ] || fail "no VF can host: exit $RC"
    [ -z "$(sim_stderr_problem "$HOOK_ERR")" ] || fail "$(sim_stderr_problem "$HOOK_ERR")"
    grep -q "0000:99:00.4" "$HOOK_ERR" || fail "message: $(cat "$HOOK_ERR")"
    [ ! -s "$HOOK_OUT" ] || fail "printed XML although it failed"
}
sim_case "no VF of this host can host the type: migrate begin fails with one line" case_nowhere_fails

sim_finish "hook-vf-migrate"
