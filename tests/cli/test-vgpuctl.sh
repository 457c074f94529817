#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of vgpuctl: usage and --help of every command, `types`
# and `list` (text and JSON) against the mdev sysfs emulator, `attach`,
# `detach`, `requests` and `gc` against libvirt's in-process test driver
# (test:///FILE: no daemon needed), `check` on fixture trees (an H200 that
# is not in vGPU mode; a ready host), `install-hook` into temporary roots.
#
# Usage: test-vgpuctl.sh VGPUCTL VGPU_HOOK VGPU_SIM SOURCE_DIR
set -euo pipefail

. "$4/tests/lib-sim.sh"
. "$4/tests/lib-vgpuctl.sh"
vgpuctl_suite "$@"
# sim_start and sim_restart set their own EXIT trap: put ours back.
start_sim() { sim_start "$1"; trap vgpuctl_cleanup EXIT; }
restart_sim() { sim_restart "$1"; trap vgpuctl_cleanup EXIT; }
# libvirt must not fall back to a real daemon in these tests.
export LIBVIRT_DEFAULT_URI="$NODE_URI"

expect_out() { # PATTERN CONTEXT (fixed string)
    grep -qF -- "$1" "$OUT" || fail "$2: stdout lacks '$1': $(cat "$OUT")"
}

expect_err() { # PATTERN CONTEXT (fixed string)
    grep -qF -- "$1" "$ERR" || fail "$2: stderr lacks '$1': $(cat "$ERR")"
}

# The only line on stderr is "vgpuctl: ..."
expect_one_error_line() {
    [ "$(wc -l <"$ERR")" = 1 ] || fail "$1: stderr is not one line: $(cat "$ERR")"
    grep -q '^vgpuctl: ' "$ERR" || fail "$1: stderr does not start with 'vgpuctl: '"
}

# json EXPR : evaluates a Python expression over the JSON in OUT as `d`
json() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$1" ||
        fail "JSON check failed: $1: $(cat "$OUT")"
}

uuid5() { # DOMAIN_UUID INDEX
    python3 -c 'import uuid, sys; print(uuid.uuid5(uuid.UUID("6c0c1d4e-4c1e-5b8e-9a57-6c6962766770"), sys.argv[1] + "/" + sys.argv[2]))' "$1" "$2"
}

domain_xml() { # NAME DOMAIN_UUID MDEV_UUID TYPE
    cat <<XML
<domain type='kvm'>
  <name>$1</name>
  <uuid>$2</uuid>
  <metadata>
    <vgpu:vgpu xmlns:vgpu="urn:libvgpu:domain:1">
      <vgpu:mdev uuid="$3" type="$4"/>
    </vgpu:vgpu>
  </metadata>
  <devices>
    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='off'>
      <source><address uuid='$3'/></source>
    </hostdev>
  </devices>
</domain>
XML
}

hook_prepare() { # NAME DOMAIN_UUID MDEV_UUID TYPE
    domain_xml "$@" | "$HOOK" "$1" prepare begin - || fail "hook prepare $1"
}

U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
U2=9d2e9b5e-1c4a-4f7e-8a3b-000000000002
U3=9d2e9b5e-1c4a-4f7e-8a3b-000000000003
U4=9d2e9b5e-1c4a-4f7e-8a3b-000000000004
D1=c7a5fdbd-edaf-9455-926a-d65c16db1801
D2=c7a5fdbd-edaf-9455-926a-d65c16db1802
D3=c7a5fdbd-edaf-9455-926a-d65c16db1803
COMMANDS="types list requests attach detach gc install-hook check"

# --- usage, --help ---------------------------------------------------------
run; expect_rc 2 "no command"; expect_one_error_line "no command"
run frobnicate; expect_rc 2 "unknown command"; expect_err 'unknown command "frobnicate"'
run --help; expect_rc 0 "--help"
for section in NAME SYNOPSIS DESCRIPTION COMMANDS EXAMPLES ENVIRONMENT FILES "EXIT STATUS" LIBVGPU_ROOT LIBVIRT_DEFAULT_URI; do
    expect_out "$section" "vgpuctl --help"
done
for c in $COMMANDS; do expect_out "$c" "vgpuctl --help lists $c"; done
run --version; expect_rc 0 "--version"; expect_out "vgpuctl " "--version"
pass "vgpuctl: no command and unknown commands exit 2; --help and --version"

for c in $COMMANDS; do
    run "$c" --help; expect_rc 0 "$c --help"
    for section in "Usage:" "vgpuctl $c" DESCRIPTION "EXIT STATUS" ENVIRONMENT FILES LIBVGPU_ROOT; do
        expect_out "$section" "$c --help"
    done
    [ "$c" = check ] || [ "$c" = list ] || [ "$c" = install-hook ] || expect_out "EXAMPLES" "$c --help"
    run help "$c"; expect_rc 0 "help $c"; expect_out "vgpuctl $c" "help $c"
    run "$c" --no-such-option; expect_rc 2 "$c --no-such-option"
    expect_one_error_line "$c --no-such-option"
    expect_err "vgpuctl $c --help" "$c usage error"
done
run attach --help; expect_out "--type" "attach --help"; expect_out "--connect" "attach --help"
run detach --help; expect_out "--all" "detach --help"
run gc --help; expect_out "--dry-run" "gc --help"
run install-hook --help; expect_out "--hooks-dir" "install-hook --help"
pass "every command has --help (usage, description, environment, files, exit status) and exits 2 on a bad option"

run attach; expect_rc 2 "attach without DOMAIN"; expect_err "missing DOMAIN"
run attach vm1; expect_rc 2 "attach without --type"; expect_err "missing --type"
run attach vm1 extra --type nvidia-65; expect_rc 2 "attach with two domains"
run attach vm1 --type nvidia-65 --ramfb; expect_rc 2 "--ramfb without --display"
run detach vm1; expect_rc 2 "detach without --uuid/--all"
run detach vm1 --all --uuid "$U1"; expect_rc 2 "detach with --uuid and --all"
run types extra; expect_rc 2 "types with an argument"
run list extra; expect_rc 2 "list with an argument"
run check extra; expect_rc 2 "check with an argument"
run help frobnicate; expect_rc 2 "help of an unknown command"
pass "usage errors exit 2 with one line on stderr"

# --- types -----------------------------------------------------------------
start_sim p4
run types; expect_rc 0 "types"
for s in "0000:05:00.0" "nvidia-65" "GRID P4-4Q" "4096 MiB" "7680x4320" "Q (vDWS)" "B (vPC)" "NVIDIA vGPU series:"; do
    expect_out "$s" "types"
done
run types --json; expect_rc 0 "types --json"
json 'd["version"] == 1 and d["source"] == "sysfs" and d["parents"][0]["parent"] == "0000:05:00.0"'
json '[t for t in d["parents"][0]["types"] if t["type"] == "nvidia-65"][0]["nvidia"]["framebuffer_mib"] == 4096'
json '[t for t in d["parents"][0]["types"] if t["type"] == "nvidia-65"][0]["nvidia"]["license"] == "vDWS"'
json '[t for t in d["parents"][0]["types"] if t["type"] == "nvidia-65"][0]["nvidia"]["max_resolution"] == {"width": 7680, "height": 4320}'
json '[t for t in d["parents"][0]["types"] if t["type"] == "nvidia-65"][0]["available_instances"] == 2'
json 'len(d["parents"][0]["types"]) == 12'
run types --parent 0000:05:00.0 --json; expect_rc 0 "types --parent"
json 'len(d["parents"]) == 1'
run types --parent 0000:99:00.0; expect_rc 1 "types --parent unknown"
expect_one_error_line "types --parent unknown"; expect_err "0000:99:00.0"
pass "types: table with decoded NVIDIA data, JSON, --parent"

restart_sim mtty
run types; expect_rc 0 "types mtty"; expect_out "Single port serial" "types mtty"
run types --json; json '[t["nvidia"] for t in d["parents"][0]["types"]] == [None, None]'
json 'd["parents"][0]["parent"] == "mtty"'
pass "types: non-NVIDIA types (mtty) have no NVIDIA data"

EMPTY=$WORK/empty-root; mkdir -p "$EMPTY"
LIBVGPU_ROOT=$EMPTY run types; expect_rc 0 "types on a host without mdev"
expect_out "no parent device offers mdev types" "types without mdev"
LIBVGPU_ROOT=$EMPTY run types --json; json 'd["parents"] == []'
pass "types: a host without mdev support lists nothing and says so"

run types --connect "$NODE_URI"; expect_rc 0 "types --connect"
expect_out "0000:05:00.0" "types --connect"; expect_out "GRID P4-8Q" "types --connect"
run types --connect "$NODE_URI" --json
json 'd["source"] == "libvirt" and d["parents"][0]["parent"] == "0000:05:00.0"'
json '[(t["type"], t["type_name"]) for t in d["parents"][0]["types"]] == [("nvidia-65", "GRID P4-4Q"), ("nvidia-66", "GRID P4-8Q")]'
json 'd["parents"][0]["types"][0]["nvidia"]["framebuffer_mib"] == 4096 and d["parents"][0]["types"][1]["available_instances"] == 1'
run types --connect "$NODE_URI" --parent 0000:06:00.0; expect_rc 1 "types --connect --parent unknown"
expect_one_error_line "types --connect --parent unknown"
pass "types --connect reads a host's mdev types through libvirt's node-device API"

# --- list ------------------------------------------------------------------
restart_sim tiny
run list; expect_rc 0 "list empty"; expect_out "no mediated devices" "list empty"
hook_prepare win11 "$D1" "$U1" nvidia-65
sim_create_by_hand 0000:05:00.0 nvidia-66 "$U2"
run list; expect_rc 0 "list"
grep -F "$U1" "$OUT" | grep -qF "domain win11" || fail "list: owner of $U1: $(cat "$OUT")"
grep -F "$U1" "$OUT" | grep -qF "0000:06:00.0" || fail "list: parent of $U1"
grep -F "$U1" "$OUT" | grep -qF "nvidia-65 (GRID P4-4Q)" || fail "list: type of $U1"
grep -F "$U2" "$OUT" | grep -qF "not created by libvgpu" || fail "list: foreign $U2: $(cat "$OUT")"
run list --json; expect_rc 0 "list --json"
json '{m["device"]: (m["owner"] or {}).get("domain") for m in d["mdevs"]} == {"'$U1'": "win11", "'$U2'": None}'
json '[m["type"] for m in d["mdevs"]] == ["nvidia-65", "nvidia-66"] and d["stale_records"] == []'
pass "list: parent, type and owner; devices not created by libvgpu are marked"

hook_prepare win12 "$D2" "$U3" nvidia-65
echo 1 >"$SIM_ROOT/sys/bus/mdev/devices/$U3/remove"
run list; expect_out "stale record: mediated device $U3 of domain win12" "list stale"
run list --json; json '[(r["device"], r["domain"], r["parent"], r["gpu"]) for r in d["stale_records"]] == [("'$U3'", "win12", "0000:06:00.0", "0000:06:00.0")]'
pass "list: records whose device is gone are reported"

# --- gc --------------------------------------------------------------------
# vm-running runs in the test driver; win11 does not exist there.
hook_prepare vm-running "$D3" "$U4" nvidia-65 2>/dev/null ||
    fail "prepare vm-running"
sleep 1.1 # gc leaves records created in the second it asks libvirt
run gc --dry-run --connect "$NODE_URI"; expect_rc 0 "gc --dry-run"
expect_out "would drop the record of mediated device $U3 (domain win12)" "gc --dry-run"
expect_out "would remove mediated device $U1 of domain win11" "gc --dry-run"
! grep -qF "$U4" "$OUT" || fail "gc --dry-run touches the running domain's device"
! grep -qF "$U2" "$OUT" || fail "gc --dry-run touches a foreign device"
[ -e "$SIM_ROOT/run/libvgpu/mdevs/$U3" ] && sim_mdev_exists "$U1" || fail "gc --dry-run changed something"
pass "gc --dry-run says what it would do and does nothing"

run gc --connect bogus:///nowhere; expect_rc 0 "gc without libvirt"
expect_err "warning: cannot ask libvirt which domains are running" "gc without libvirt"
expect_out "dropped the record of mediated device $U3" "gc without libvirt"
[ ! -e "$SIM_ROOT/run/libvgpu/mdevs/$U3" ] || fail "gc without libvirt: stale record kept"
sim_mdev_exists "$U1" || fail "gc without libvirt removed a device"
pass "gc without libvirt only drops records of vanished devices and says so"

run gc --connect "$NODE_URI"; expect_rc 0 "gc"
expect_out "removing mediated device $U1 of domain win11, which is not running" "gc"
! sim_mdev_exists "$U1" || fail "gc did not remove $U1"
[ ! -e "$SIM_ROOT/run/libvgpu/mdevs/$U1" ] || fail "gc left the record of $U1"
sim_mdev_exists "$U4" && [ -e "$SIM_ROOT/run/libvgpu/mdevs/$U4" ] || fail "gc removed the running domain's device"
sim_mdev_exists "$U2" || fail "gc removed a device libvgpu did not create"
run gc --connect "$NODE_URI"; expect_rc 0 "gc again"; expect_out "nothing to collect" "gc again"
pass "gc removes devices of domains that are not running, keeps running ones and foreign ones"

# --- attach / detach / requests (test driver) -------------------------------
VM1_UUID=c7a5fdbd-edaf-9455-926a-d65c16db1809
run attach vm1 --type nvidia-65 --connect "$NODE_URI"; expect_rc 0 "attach"
[ "$(cat "$OUT")" = "$(uuid5 "$VM1_UUID" 0)" ] || fail "attach: not the name-based UUID: $(cat "$OUT")"
run attach vm1 --type nvidia-65 --uuid 9D2E9B5E-1C4A-4F7E-8A3B-0000000000AA; expect_rc 0 "attach --uuid"
[ "$(cat "$OUT")" = 9d2e9b5e-1c4a-4f7e-8a3b-0000000000aa ] || fail "attach --uuid: $(cat "$OUT")"
run attach vm1 --type nvidia-65 --uuid "$U1"; expect_rc 1 "attach a UUID in use"
expect_one_error_line "attach a UUID in use"
pass "attach prints the name-based UUID, or the given one lowercased; a used UUID is refused"

run attach nosuchvm --type nvidia-65; expect_rc 1 "attach to an unknown domain"
expect_one_error_line "attach unknown domain"; expect_err 'no domain "nosuchvm"'
run attach vm1 --type nvidia-99; expect_rc 1 "attach an unknown type"
expect_one_error_line "attach unknown type"; expect_err "nvidia-99"
run attach vm1 --type nvidia-65 --parent 0000:05:00.0; expect_rc 1 "attach a type the parent lacks"
expect_err "0000:05:00.0"
run attach vm1 --type nvidia-99 --force; expect_rc 0 "attach --force"
run attach vm1 --type nvidia-65 --parent 0000:06:00.0 --display --ramfb; expect_rc 0 "attach --parent --display --ramfb"
pass "attach checks the domain and the type (unless --force)"

SIM_ROOT_SAVED=$LIBVGPU_ROOT
LIBVGPU_ROOT=$EMPTY run attach vm1 --type nvidia-65 --connect "$NODE_URI"
expect_rc 1 "attach on a host without the type"
export LIBVGPU_ROOT=$SIM_ROOT_SAVED
pass "attach checks types in LIBVGPU_ROOT for a local connection"

run detach vm1 --uuid "$U1"; expect_rc 0 "detach --uuid"
[ "$(cat "$OUT")" = "$U1" ] || fail "detach --uuid output: $(cat "$OUT")"
run detach vm1 --uuid "$U2"; expect_rc 1 "detach an unknown request"
expect_one_error_line "detach unknown request"
run detach vm1 --uuid 9d2e9b5e-1c4a-4f7e-8a3b-0000000000ff; expect_rc 1 "detach a hostdev that is not ours"
run detach vm-running --all; expect_rc 1 "detach --all without requests"
expect_err "no vGPU request" "detach --all without requests"
run detach nosuchvm --all; expect_rc 1 "detach unknown domain"; expect_err 'no domain "nosuchvm"'
pass "detach removes a request; unknown requests, foreign hostdevs and domains are errors"

run requests; expect_rc 0 "requests"
grep -F vm1 "$OUT" | grep -F "$U1" | grep -qF nvidia-65 || fail "requests: vm1: $(cat "$OUT")"
grep -F vm1 "$OUT" | grep -qF "not managed by libvgpu" || fail "requests: foreign hostdev"
grep -F vm-broken "$OUT" | grep -qF "invalid libvgpu metadata" || fail "requests: vm-broken"
! grep -qF vm-running "$OUT" || fail "requests lists a domain without mdevs"
run requests --json; expect_rc 0 "requests --json"
json 'd["version"] == 1 and [x["domain"] for x in d["domains"]] == ["vm-broken", "vm1"]'
json 'd["domains"][1]["requests"] == [{"device": "'$U1'", "parent": None, "class": "mdev", "type": "nvidia-65"}]'
json 'd["domains"][1]["unmanaged_mdev_hostdevs"] == ["9d2e9b5e-1c4a-4f7e-8a3b-0000000000ff"]'
json 'd["domains"][0]["request_error"] is not None and d["domains"][1]["running"] is False and d["domains"][1]["domain_uuid"] == "'$VM1_UUID'"'
pass "requests lists domains with vGPU requests and foreign mdev hostdevs"

run requests --connect bogus:///nowhere; expect_rc 1 "requests without libvirt"
expect_one_error_line "requests without libvirt"
pass "libvirt connection errors are one line on stderr, exit 1"
sim_stop
export LIBVGPU_ROOT=$EMPTY # never the real host

# --- check -----------------------------------------------------------------
LIBVGPU_ROOT="$SRC/tests/data/check/h200-passthrough" run check
expect_rc 1 "check on the H200 fixture"
expect_out "FAIL" "check H200"
expect_out "NVIDIA GPU 0000:00:06.0 (10de:2335) is not in vGPU mode: no mdev_supported_types" "check H200"
expect_out "install the NVIDIA vGPU manager (NVIDIA-Linux-x86_64-*-vgpu-kvm.run" "check H200"
expect_out "bound to the 'nvidia' driver without the vGPU manager" "check H200"
expect_out "not ready" "check H200"
pass "check recognises an NVIDIA GPU that is not in vGPU mode and says what to install"

READY=$WORK/ready
P=$READY/sys/devices/pci0000:00/0000:00:03.0/0000:05:00.0
T=$P/mdev_supported_types/nvidia-65
mkdir -p "$T/devices" "$READY/sys/module/vfio" "$READY/sys/module/vfio_iommu_type1" \
    "$READY/sys/module/mdev" "$READY/sys/class/mdev_bus" "$READY/sys/bus/pci/devices" \
    "$READY/sys/bus/pci/drivers/nvidia" "$READY/sys/bus/mdev/devices" \
    "$READY/sys/class/iommu/dmar0" "$READY/proc"
echo "flags		: fpu vme vmx sse2" >"$READY/proc/cpuinfo"
echo 0x10de >"$P/vendor"; echo 0x1bb3 >"$P/device"; echo 0x030200 >"$P/class"
ln -s ../../../../bus/pci/drivers/nvidia "$P/driver"
ln -s ../../devices/pci0000:00/0000:00:03.0/0000:05:00.0 "$READY/sys/class/mdev_bus/0000:05:00.0"
ln -s ../../../devices/pci0000:00/0000:00:03.0/0000:05:00.0 "$READY/sys/bus/pci/devices/0000:05:00.0"
echo "GRID P4-4Q" >"$T/name"; echo vfio-pci >"$T/device_api"; echo 2 >"$T/available_instances"
echo "num_heads=4, frl_config=60, framebuffer=4096M, max_resolution=7680x4320, max_instance=2" >"$T/description"
: >"$T/create"
LIBVGPU_ROOT=$READY run check; expect_rc 1 "check without the hook"
expect_out "the libvgpu hook is not installed" "check without hook"
LIBVGPU_ROOT=$READY run install-hook --hook-program "$HOOK"; expect_rc 0 "install-hook (ready)"
LIBVGPU_ROOT=$READY run check; expect_rc 0 "check on a ready host"
expect_out "NVIDIA GPU 0000:05:00.0 (10de:1bb3) is in vGPU mode" "check ready"
expect_out "1 parent device offers mdev types: 0000:05:00.0 (1 type)" "check ready"
expect_out "the hook is installed" "check ready"
expect_out "ready" "check ready"
! grep -q FAIL "$OUT" || fail "check ready: $(cat "$OUT")"
mkdir -p "$READY/etc/libvgpu"; printf '%s\n' "[libvgpu]" \
    "placement=spread   # inline comments are fine" "placment=pack" \
    "parents=0000:99:00.0" "[libvpgu]" >"$READY/etc/libvgpu/libvgpu.conf"
LIBVGPU_ROOT=$READY run check; expect_rc 0 "check with configuration warnings"
expect_out "configuration /etc/libvgpu/libvgpu.conf: placement spread" "check config warnings"
expect_out 'warning  libvgpu.conf: unknown key "placment" in [libvgpu]; did you mean "placement"?' "check config typo"
expect_out "warning  libvgpu.conf: unknown group [libvpgu]; the only group is [libvgpu]" "check config group"
expect_out "warning  parents= in libvgpu.conf names no existing parent device (0000:99:00.0); vGPU starts will fail: fix the list or remove it" "check parents"
expect_out "ready (see the warnings above)" "check config warnings"
echo "[libvgpu]
placement=sideways" >"$READY/etc/libvgpu/libvgpu.conf"
LIBVGPU_ROOT=$READY run check; expect_rc 1 "check with a bad configuration"
expect_out "sideways" "check bad config"
pass "check: a ready host passes; configuration typos and a parents= list without parents warn; a missing hook or a bad configuration fails"

# --- install-hook ----------------------------------------------------------
R=$WORK/hook-root
mkdir -p "$R/etc/libvirt/hooks"
printf '#!/bin/sh\nexit 0\n' >"$R/etc/libvirt/hooks/qemu"; chmod 755 "$R/etc/libvirt/hooks/qemu"
before=$(sha256sum <"$R/etc/libvirt/hooks/qemu")
LIBVGPU_ROOT=$R run install-hook --hook-program "$HOOK"; expect_rc 0 "install-hook"
[ "$(readlink "$R/etc/libvirt/hooks/qemu.d/vgpu")" = "$(realpath "$HOOK")" ] || fail "install-hook: link target"
expect_out "restart" "install-hook restart hint"; expect_out "systemctl restart libvirtd" "install-hook"
expect_out "left the existing $R/etc/libvirt/hooks/qemu untouched" "install-hook legacy"
[ "$(sha256sum <"$R/etc/libvirt/hooks/qemu")" = "$before" ] || fail "install-hook changed hooks/qemu"
[ -x "$R/etc/libvirt/hooks/qemu" ] && [ ! -L "$R/etc/libvirt/hooks/qemu" ] || fail "hooks/qemu replaced"
LIBVGPU_ROOT=$R run install-hook --hook-program "$HOOK"; expect_rc 0 "install-hook again"
expect_out "already installed" "install-hook again"
pass "install-hook links qemu.d/vgpu, says to restart libvirtd, leaves hooks/qemu alone; reruns are no-ops"

rm "$R/etc/libvirt/hooks/qemu.d/vgpu"
printf '#!/bin/sh\necho mine\n' >"$R/etc/libvirt/hooks/qemu.d/vgpu"
LIBVGPU_ROOT=$R run install-hook --hook-program "$HOOK"; expect_rc 1 "install-hook over another file"
expect_one_error_line "install-hook clobber"; expect_err "refusing to replace"
grep -q mine "$R/etc/libvirt/hooks/qemu.d/vgpu" || fail "install-hook clobbered an existing qemu.d/vgpu"
LIBVGPU_ROOT=$R run install-hook --hook-program "$HOOK" --force; expect_rc 0 "install-hook --force"
[ -L "$R/etc/libvirt/hooks/qemu.d/vgpu" ] || fail "install-hook --force did not replace"
pass "install-hook refuses to replace a different qemu.d/vgpu unless --force"

LIBVGPU_ROOT=$R run install-hook --hook-program "$HOOK" --copy --force; expect_rc 0 "install-hook --copy"
[ ! -L "$R/etc/libvirt/hooks/qemu.d/vgpu" ] && cmp -s "$HOOK" "$R/etc/libvirt/hooks/qemu.d/vgpu" || fail "--copy"
[ -x "$R/etc/libvirt/hooks/qemu.d/vgpu" ] || fail "--copy: not executable"
LIBVGPU_ROOT=$R run install-hook --hook-program "$HOOK" --copy; expect_rc 0 "install-hook --copy again"
expect_out "already installed" "--copy again"
run install-hook --hook-program "$HOOK" --hooks-dir "$WORK/elsewhere/qemu.d"; expect_rc 0 "--hooks-dir"
[ -L "$WORK/elsewhere/qemu.d/vgpu" ] || fail "--hooks-dir"
LIBVGPU_ROOT=$R run install-hook --hook-program "$WORK/no-such-hook"; expect_rc 1 "install-hook without the program"
expect_one_error_line "missing hook program"; expect_err "no-such-hook"
pass "install-hook --copy, --hooks-dir; a missing hook program is an error"

# --- attach of VF-backed types (emulated SR-IOV GPUs, test driver) ----------
start_sim l40s2
VF_PATH=$SIM_ROOT/sys/bus/pci/devices
run attach vm1 --type nvidia-1153 --connect "$NODE_URI"; expect_rc 0 "attach nvidia VF"
[ "$(cat "$OUT")" = 0000:3d:00.4 ] || fail "attach nvidia-1153: chose $(cat "$OUT"), not the first VF of the first GPU"
echo 1153 >"$VF_PATH/0000:3d:00.4/nvidia/current_vgpu_type" # in use now
run attach vm1 --type nvidia-1153 --connect "$NODE_URI"; expect_rc 0 "attach nvidia VF, pack"
[ "$(cat "$OUT")" = 0000:3d:00.5 ] || fail "pack: chose $(cat "$OUT"), not the GPU already holding the type"
mkdir -p "$SIM_ROOT/etc/libvgpu"; printf '[libvgpu]\nplacement=spread\n' >"$SIM_ROOT/etc/libvgpu/libvgpu.conf"
run attach vm1 --type nvidia-1153 --connect "$NODE_URI"; expect_rc 0 "attach nvidia VF, spread"
[ "$(cat "$OUT")" = 0000:3e:00.4 ] || fail "spread: chose $(cat "$OUT"), not the idle GPU"
run attach vm1 --type nvidia-1153 --parent 0000:3d:00.0 --connect "$NODE_URI"; expect_rc 0 "attach --parent GPU"
[ "$(cat "$OUT")" = 0000:3d:00.5 ] || fail "--parent: chose $(cat "$OUT")"
rm "$SIM_ROOT/etc/libvgpu/libvgpu.conf"
run attach vm1 --type nvidia-9999 --connect "$NODE_URI"; expect_rc 1 "attach an uncreatable VF type"
expect_one_error_line "attach nvidia-9999"; expect_err "nvidia-9999"
run attach vm1 --type nvidia-1153 --parent 0000:3D:00.0 --connect "$NODE_URI"; expect_rc 1 "attach --parent uppercase"
expect_one_error_line "attach uppercase GPU"
pass "attach of nvidia-<id>: first free VF of the GPU chosen by the placement policy; bad types and GPUs refused"
restart_sim mixed
run attach vm1 --type vf-1002:692f --connect "$NODE_URI"; expect_rc 0 "attach plain VF"
[ "$(cat "$OUT")" = 0000:5e:02.0 ] || fail "attach vf-1002:692f: chose $(cat "$OUT")"
pass "attach of vf-<vendor>:<device>: a VF with those ids"
echo 1153 >"$SIM_ROOT/sys/bus/pci/devices/0000:3d:00.4/nvidia/current_vgpu_type"
run types; expect_rc 0 "types with VF GPUs"
expect_out "0000:3d:00.0 (NVIDIA vGPU on virtual functions; 10de:26b9; 32 VFs, 1 in use)" "types: NVIDIA VF GPU"
expect_out "nvidia-1153  NVIDIA L40S-12Q  31        1" "types: the GPU now offers only the type it holds"
expect_out "0000:5e:00.0 (virtual functions passed through; 1002:6929; 8 VFs, 0 in use)" "types: plain VF GPU"
expect_out "nvidia-65" "types: the P4's mdev types are still listed"
run types --json; expect_rc 0 "types --json with VF GPUs"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); g=[x for x in d["vf_gpus"] if x["gpu"]=="0000:5e:00.0"][0]; assert g["class"]=="vf" and g["virtual_functions"]==8 and g["used_vfs"]==0 and g["types"][0]["type"]=="vf-1002:692f", g' "$OUT" ||
    fail "types --json: vf_gpus"
pass "types lists GPUs whose VFs carry vGPUs: class, VFs, types and free VFs (text and JSON)"
run check
expect_out "NVIDIA GPU 0000:3d:00.0 (10de:26b9) runs NVIDIA vGPU on its 32 virtual functions" "check: vendor-specific VFIO GPU"
expect_out "GPU 0000:5e:00.0 (1002:6929) has 8 virtual functions to pass through" "check: plain-VF GPU"
! grep -q "install the NVIDIA vGPU manager" "$OUT" || fail "check tells a vGPU-on-VF host to install the vGPU manager"
pass "check recognises vGPUs on virtual functions (NVIDIA vendor-specific VFIO, plain VFs)"

echo "all $PASSED vgpuctl checks passed"
