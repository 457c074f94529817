#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Tier 3 (DESIGN.md): a real libvirtd on this machine, qemu:///system as
# root. vgpuctl attach/detach edit defined TCG domains through libvirt;
# the hook, installed in /etc/libvirt/hooks/qemu.d/ as a wrapper that points
# it at the mdev sysfs emulator, is run by libvirtd at `virsh start`.
#
# This machine's kernel has no VFIO, so QEMU can never open the device: a
# start with a vGPU fails after our hook created the mdev in the emulator,
# and libvirt's `release end` must make the hook remove it again. The
# wrapper logs every hook run with the emulator's devices after it, which
# shows what the hook did at `prepare begin`.
#
# Changes the host while it runs: starts virtlogd/libvirtd if they are not
# running (and stops them again), restarts libvirtd twice (it only sees
# hooks present at start), defines domains named libvgpu-test-*. All of it
# is undone on exit.
#
# Usage: test-libvirt.sh VGPUCTL VGPU_HOOK VGPU_SIM SOURCE_DIR
# Exit: 0 pass, 1 fail, 77 cannot run here (reason on stderr).
set -euo pipefail

VGPUCTL=$1
HOOK=$(realpath "$2")
export VGPU_SIM=$3
SRC=$4
. "$SRC/tests/lib-sim.sh"
. "$SRC/tests/lib-vgpuctl.sh"

URI=qemu:///system
HOOK_DIR=/etc/libvirt/hooks/qemu.d
HOOK_FILE=$HOOK_DIR/vgpu
PREFIX=libvgpu-test-$$
NS=urn:libvgpu:domain:1

skip() {
    echo "SKIP: $*" >&2
    exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (qemu:///system, /etc/libvirt/hooks)"
for tool in virsh libvirtd virtlogd qemu-system-x86_64 python3; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (libvirt-daemon-system, libvirt-clients, qemu-system-x86)"
done
getent passwd libvirt-qemu >/dev/null || getent passwd qemu >/dev/null ||
    skip "no libvirt-qemu user: libvirt's QEMU driver cannot start (install libvirt-daemon-system)"
[ ! -e "$HOOK_FILE" ] && [ ! -L "$HOOK_FILE" ] ||
    skip "$HOOK_FILE already exists (a real installation?); not touching it"

WORK=$(mktemp -d /tmp/vgpu-libvirt-test.XXXXXX)
OUT=$WORK/out
ERR=$WORK/err
LOG=$WORK/hook.log
STARTED_LIBVIRTD=0
STARTED_VIRTLOGD=0
CREATED_HOOK_DIR=0
DAEMON_TOUCHED=0
KVM_SAVED=""

daemon_up() {
    virsh -c "$URI" version >/dev/null 2>&1
}

wait_daemon() { # up|down
    for _ in $(seq 1 100); do
        if [ "$1" = up ]; then daemon_up && return 0
        else
            pid=$(cat /run/libvirtd.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null || return 0
        fi
        sleep 0.2
    done
    return 1
}

start_libvirtd() {
    mkdir -p /var/log/libvirt /var/lib/libvirt /run/libvirt
    if ! pgrep -x virtlogd >/dev/null; then
        virtlogd -d
        STARTED_VIRTLOGD=1
    fi
    libvirtd -d
    wait_daemon up
}

stop_libvirtd() {
    [ -e /run/libvirtd.pid ] || return 0
    kill "$(cat /run/libvirtd.pid)" 2>/dev/null || true
    wait_daemon down
}

# libvirtd only looks for hooks when it starts.
restart_daemon() {
    DAEMON_TOUCHED=1
    if [ $STARTED_LIBVIRTD = 0 ] && command -v systemctl >/dev/null &&
        systemctl is-active --quiet libvirtd 2>/dev/null; then
        systemctl restart libvirtd
        wait_daemon up
    elif [ $STARTED_LIBVIRTD = 0 ] && command -v systemctl >/dev/null &&
        systemctl is-active --quiet virtqemud 2>/dev/null; then
        systemctl restart virtqemud
        wait_daemon up
    else
        stop_libvirtd && start_libvirtd
    fi
}

cleanup() {
    local rc=$?
    set +e
    for d in $(virsh -c "$URI" list --all --name 2>/dev/null | grep "^$PREFIX"); do
        virsh -c "$URI" destroy "$d" >/dev/null 2>&1
        virsh -c "$URI" undefine "$d" >/dev/null 2>&1
    done
    rm -f "$HOOK_FILE"
    [ $CREATED_HOOK_DIR = 1 ] && rmdir "$HOOK_DIR" 2>/dev/null
    if [ $STARTED_LIBVIRTD = 1 ]; then
        stop_libvirtd
    elif [ $DAEMON_TOUCHED = 1 ]; then
        restart_daemon
    fi
    if [ $STARTED_VIRTLOGD = 1 ] && [ -e /run/virtlogd.pid ]; then
        kill "$(cat /run/virtlogd.pid)" 2>/dev/null
    fi
    if [ -n "$KVM_SAVED" ]; then
        read -r mode owner group <<<"$KVM_SAVED"
        chown "$owner:$group" /dev/kvm && chmod "$mode" /dev/kvm
    fi
    if [ $rc != 0 ] && [ $rc != 77 ] && [ -f "$LOG" ]; then
        echo "--- hook log:" >&2
        cat "$LOG" >&2
    fi
    sim_stop
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Without udev, /dev/kvm stays root-only (0600): libvirt's QEMU probe still
# uses KVM (it runs with CAP_DAC_OVERRIDE) while its check as the qemu user
# says KVM is unusable, so every domain definition re-probes QEMU (minutes
# here). Give /dev/kvm the mode udev gives it (root:kvm 0660) for the test.
if [ -c /dev/kvm ] && getent group kvm >/dev/null && getent passwd libvirt-qemu >/dev/null &&
    ! runuser -u libvirt-qemu -- test -w /dev/kvm 2>/dev/null; then
    KVM_SAVED=$(stat -c '%a %U %G' /dev/kvm)
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi

if ! daemon_up; then
    start_libvirtd || true
    STARTED_LIBVIRTD=1
    daemon_up || skip "libvirtd does not start here: $(tail -n 3 /var/log/libvirt/libvirtd.log 2>/dev/null)"
fi

virsh_q() {
    virsh -q -c "$URI" "$@"
}

# virsh start/stop with status in RC and stderr in ERR
virsh_rc() {
    set +e
    virsh -c "$URI" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    set -e
}

uuid5() { # DOMAIN_UUID INDEX
    python3 -c 'import uuid, sys; print(uuid.uuid5(uuid.UUID("6c0c1d4e-4c1e-5b8e-9a57-6c6962766770"), sys.argv[1] + "/" + sys.argv[2]))' "$1" "$2"
}

EMULATOR=$(command -v qemu-system-x86_64)
domain_xml() { # NAME
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices>
    <emulator>$EMULATOR</emulator>
    <graphics type='vnc' listen='127.0.0.1' autoport='yes'/>
    <video><model type='none'/></video>
  </devices>
</domain>
XML
}

define() { # NAME
    domain_xml "$1" >"$WORK/$1.xml"
    virsh_q define "$WORK/$1.xml" >/dev/null || fail "virsh define $1"
}

records() {
    ls "$SIM_ROOT/run/libvgpu/mdevs" 2>/dev/null | wc -l
}

# --- set-up: emulator, hook wrapper, libvirtd restarted -------------------
sim_start tiny # nvidia-65: 2 instances on 0000:06:00.0 only
trap cleanup EXIT # sim_start set its own
if [ ! -d "$HOOK_DIR" ]; then
    mkdir -p "$HOOK_DIR"
    CREATED_HOOK_DIR=1
fi
# libvirtd does not pass its environment to hooks: the wrapper sets the
# root. It logs each run and the emulator's devices afterwards.
cat >"$HOOK_FILE" <<SH
#!/bin/sh
export LIBVGPU_ROOT='$SIM_ROOT'
'$HOOK' "\$@"
rc=\$?
echo "\$1 \$2 \$3 rc=\$rc devices=\$(ls '$SIM_ROOT/sys/bus/mdev/devices' | tr '\n' ' ')" >>'$LOG'
exit \$rc
SH
chmod 755 "$HOOK_FILE"
restart_daemon || fail "libvirtd did not come back after the restart"
pass "libvirtd runs with the hook wrapper in $HOOK_DIR"

# --- attach / detach through libvirt --------------------------------------
A=$PREFIX-a
define "$A"
A_UUID=$(virsh_q domuuid "$A")
run attach "$A" --type nvidia-65 --connect "$URI"; expect_rc 0 "attach"
U0=$(cat "$OUT")
[ "$U0" = "$(uuid5 "$A_UUID" 0)" ] || fail "attach: $U0 is not the name-based UUID of index 0"
virsh_q dumpxml "$A" >"$WORK/a.xml"
grep -q "<hostdev mode='subsystem' type='mdev'" "$WORK/a.xml" || fail "dumpxml: no mdev hostdev: $(cat "$WORK/a.xml")"
grep -q "uuid='$U0'" "$WORK/a.xml" || fail "dumpxml: hostdev UUID"
grep -q "<vgpu:mdev uuid=\"$U0\" type=\"nvidia-65\"/>" "$WORK/a.xml" ||
    fail "dumpxml: no <vgpu:mdev>: $(cat "$WORK/a.xml")"
virsh_q metadata "$A" "$NS" >"$WORK/meta.xml" || fail "virsh metadata"
grep -q "uuid=\"$U0\"" "$WORK/meta.xml" && grep -q 'type="nvidia-65"' "$WORK/meta.xml" ||
    fail "virsh metadata $NS: $(cat "$WORK/meta.xml")"
pass "attach writes the hostdev and <vgpu:mdev>; virsh metadata returns our element"

run attach "$A" --type nvidia-65 --connect "$URI"; expect_rc 0 "attach twice"
U1=$(cat "$OUT")
[ "$U1" = "$(uuid5 "$A_UUID" 1)" ] && [ "$U1" != "$U0" ] || fail "second attach: $U1"
[ "$(virsh_q dumpxml "$A" | grep -c "type='mdev'")" = 2 ] || fail "two hostdevs expected"
run detach "$A" --uuid "$U0" --connect "$URI"; expect_rc 0 "detach --uuid"
[ "$(cat "$OUT")" = "$U0" ] || fail "detach printed $(cat "$OUT")"
! virsh_q dumpxml "$A" | grep -q "$U0" || fail "detach left $U0 in the definition"
run attach "$A" --type nvidia-65 --connect "$URI"; expect_rc 0 "attach after detach"
[ "$(cat "$OUT")" = "$U0" ] || fail "re-attach gave $(cat "$OUT"), not the stable $U0"
pass "attach twice gives two name-based UUIDs; detach + attach gives the same UUID again"

run detach "$A" --all --connect "$URI"; expect_rc 0 "detach --all"
[ "$(wc -l <"$OUT")" = 2 ] || fail "detach --all printed $(cat "$OUT")"
! virsh_q dumpxml "$A" | grep -q "type='mdev'\|urn:libvgpu" || fail "detach --all left something"
run attach "$PREFIX-nosuch" --type nvidia-65 --connect "$URI"; expect_rc 1 "attach to an unknown domain"
grep -q "^vgpuctl: no domain \"$PREFIX-nosuch\"" "$ERR" || fail "unknown domain message: $(cat "$ERR")"
run detach "$PREFIX-nosuch" --all --connect "$URI"; expect_rc 1 "detach from an unknown domain"
run attach "$A" --type nvidia-99 --connect "$URI"; expect_rc 1 "attach an unknown type"
grep -q 'nvidia-99' "$ERR" || fail "unknown type message: $(cat "$ERR")"
pass "detach --all; unknown domains and types are clear errors"

run requests --connect "$URI"; expect_rc 0 "requests"
run types --connect "$URI"; expect_rc 0 "types --connect (node-device API)"
pass "requests and types --connect work against libvirtd"

# --- the hook through libvirtd ---------------------------------------------
B=$PREFIX-plain
define "$B"
virsh_rc start "$B"; expect_rc 0 "virsh start of a domain without vGPU"
[ "$(virsh_q domstate "$B")" = running ] || fail "$B is not running"
# a request attached while the domain runs is for its next start; the
# domain may be named by ID or UUID (virsh's order); -c before the command
B_ID=$(virsh_q domid "$B")
B_UUID=$(virsh_q domuuid "$B")
run -c "$URI" attach "$B_ID" --type nvidia-65; expect_rc 0 "attach by domain ID to a running domain"
UB=$(cat "$OUT")
grep -q "is running: the vGPU is created at its next start" "$ERR" || fail "attach to a running domain: $(cat "$ERR")"
run requests --connect "$URI"; expect_rc 0 "requests with a pending request"
grep -Eq "^$B +next start +$UB +nvidia-65 +any" "$OUT" || fail "requests does not list the pending request: $(cat "$OUT")"
run requests --json --connect "$URI"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); x=[x for x in d["domains"] if x["domain"]==sys.argv[2]][0]; assert d["version"]==1 and x["running"] and x["requests"]==[] and [r["device"] for r in x["pending_requests"]]==[sys.argv[3]], x' "$OUT" "$B" "$UB" ||
    fail "requests --json pending_requests: $(cat "$OUT")"
run detach "${B_UUID^^}" --all --connect "$URI"; expect_rc 0 "detach by domain UUID (uppercase)"
[ "$(cat "$OUT")" = "$UB" ] || fail "detach by UUID removed $(cat "$OUT")"
run -c "$URI" attach "$B" --type nvidia-65 --connect "$URI"; expect_rc 2 "--connect twice"
run attach "$B" --type nvidia-65 --uuid not-a-uuid --connect "$URI"; expect_rc 2 "a bad --uuid"
pass "attach to a running domain (by ID, -c first) is for its next start, shown by requests; detach by UUID; --connect twice and a bad --uuid are usage errors"
virsh_rc destroy "$B"; expect_rc 0 "virsh destroy $B"
grep -q "^$B prepare begin rc=0" "$LOG" || fail "the hook did not run for $B: $(cat "$LOG")"
grep -q "^$B release end rc=0" "$LOG" || fail "no release end for $B"
[ "$(sim_count_mdevs)" = 0 ] || fail "a domain without vGPU created devices"
pass "a domain without a vGPU request starts and stops normally with the hook installed"

T=$PREFIX-transient
domain_xml "$T" >"$WORK/t.xml"
virsh_rc create "$WORK/t.xml"; expect_rc 0 "virsh create (transient)"
run attach "$T" --type nvidia-65 --connect "$URI"; expect_rc 1 "attach to a transient domain"
grep -q "transient" "$ERR" || fail "transient message: $(cat "$ERR")"
virsh_q destroy "$T" >/dev/null
pass "attach refuses transient domains"

run attach "$A" --type nvidia-65 --connect "$URI"; expect_rc 0 "attach for start"
UA=$(cat "$OUT")
virsh_rc start "$A"; expect_rc 1 "virsh start with a vGPU (no VFIO here)"
grep -q "^$A prepare begin rc=0 devices=$UA" "$LOG" ||
    fail "the hook did not create $UA at prepare begin: $(cat "$LOG")"
grep -q "^$A release end rc=0 devices=\$" "$LOG" || fail "release end did not remove $UA: $(cat "$LOG")"
[ "$(sim_count_mdevs)" = 0 ] || fail "mdev left after the failed start"
[ "$(records)" = 0 ] || fail "ownership record left after the failed start"
pass "virsh start: the hook created the mdev at prepare; libvirt's release end made it remove it"

C=$PREFIX-big
define "$C"
for _ in 1 2 3; do
    run attach "$C" --type nvidia-65 --connect "$URI"; expect_rc 0 "attach to $C"
done
virsh_rc start "$C"; expect_rc 1 "virsh start beyond capacity"
grep -q "vgpu-hook: 3 mediated devices of type nvidia-65 (GRID P4-4Q) are requested but only 2 are free" "$ERR" ||
    fail "virsh start did not show the hook's capacity message: $(cat "$ERR")"
[ "$(sim_count_mdevs)" = 0 ] && [ "$(records)" = 0 ] || fail "capacity failure leaked devices or records"
run detach "$C" --all --connect "$URI"; expect_rc 0 "detach $C"
run attach "$C" --type nvidia-99 --force --connect "$URI"; expect_rc 0 "attach --force of an unknown type"
virsh_rc start "$C"; expect_rc 1 "virsh start with an unknown type"
grep -q 'vgpu-hook: no parent device offers mdev type "nvidia-99"' "$ERR" ||
    fail "virsh start did not show the hook's message: $(cat "$ERR")"
pass "virsh start beyond capacity or with an unknown type fails with the hook's message, nothing leaks"

# --- vgpuctl plan: one domain, a running one, all of them -------------------
# nvidia-65 has 2 instances (tiny): P1 (one device) and P2 (two) each fit
# alone, not together.
run detach "$A" --all --connect "$URI"; expect_rc 0 "detach $A"
run detach "$C" --all --connect "$URI"; expect_rc 0 "detach $C"
P1=$PREFIX-plan1
P2=$PREFIX-plan2
define "$P1"
define "$P2"
run attach "$P1" --type nvidia-65 --connect "$URI"; expect_rc 0 "attach to $P1"
for _ in 1 2; do
    run attach "$P2" --type nvidia-65 --connect "$URI"; expect_rc 0 "attach to $P2"
done
state_before=$(cat "$SIM_ROOT/sys/.vgpu-sim/state"; find "$SIM_ROOT/run" | sort)
run plan "$P1" --connect "$URI"; expect_rc 0 "plan $P1"
grep -q "^domain '$P1' would start now:" "$OUT" && grep -q "would go on 0000:06:00.0" "$OUT" ||
    fail "plan $P1: $(cat "$OUT")"
run plan "$P2" --connect "$URI" --json; expect_rc 0 "plan $P2 --json"
python3 - "$OUT" "$P2" <<'PY' || fail "plan $P2 --json: $(cat "$OUT")"
import json, sys
d = json.load(open(sys.argv[1]))
(p,) = d["domains"]
assert d["version"] == 1 and p["domain"] == sys.argv[2] and p["source"] == "definition"
assert [(r["parent"], r["gpu"]) for r in p["requests"]] == [("0000:06:00.0", "0000:06:00.0")] * 2
PY
run plan --all --connect "$URI"; expect_rc 1 "plan --all: $P1 and $P2 do not fit together"
grep -q "^domain '$P1' would start now:" "$OUT" && grep -q "^domain '$P2' would start now:" "$OUT" ||
    fail "plan --all does not plan each domain alone: $(cat "$OUT")"
grep -q "^  domains .*$P1, $P2.* request 3 mediated devices of type nvidia-65, but only 2 can be created now" "$OUT" ||
    fail "plan --all does not report the oversubscription: $(cat "$OUT")"
run plan --all --json --connect "$URI"; expect_rc 1 "plan --all --json"
python3 - "$OUT" "$P1" "$P2" <<'PY' || fail "plan --all --json: $(cat "$OUT")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and d["would_start"] is False
mine = [c for c in d["oversubscribed"] if sys.argv[2] in c["domains"]]
assert len(mine) == 1 and sys.argv[3] in mine[0]["domains"]
assert mine[0]["type"] == "nvidia-65" and mine[0]["capacity"] == 2
assert mine[0]["parent"] is None and mine[0]["device"] is None
PY
[ "$(cat "$SIM_ROOT/sys/.vgpu-sim/state"; find "$SIM_ROOT/run" | sort)" = "$state_before" ] ||
    fail "plan changed the emulator or the state directory"
virsh_rc start "$B"; expect_rc 0 "virsh start $B"
run plan "$B" --connect "$URI"; expect_rc 0 "plan of a running domain"
grep -q "^domain '$B' runs; it requests no vGPU" "$OUT" || fail "plan $B: $(cat "$OUT")"
virsh_rc destroy "$B"; expect_rc 0 "virsh destroy $B"
run plan "$PREFIX-nosuch" --connect "$URI"; expect_rc 1 "plan of an unknown domain"
run detach "$P1" --all --connect "$URI"; expect_rc 0 "detach $P1"
run detach "$P2" --all --connect "$URI"; expect_rc 0 "detach $P2"
pass "plan DOMAIN reads the definition and names the parent; plan --all: two domains that fit alone but not together; nothing written"

# --- VF-backed requests: attach pins a VF, move and start re-place it ------
# The emulator becomes two L40S GPUs with NVIDIA vendor-specific VFIO VFs;
# the wrapper follows it to the new root (libvirtd only checks that the
# hook exists when it starts). QEMU cannot open the VF here either, so a
# start fails after the hook programmed the VF, and release end resets it.
sim_restart l40s2
trap cleanup EXIT
sed -i "s|^export LIBVGPU_ROOT=.*|export LIBVGPU_ROOT='$SIM_ROOT'|; s|'[^']*/sys/bus/mdev/devices'|'$SIM_ROOT/sys/bus/mdev/devices'|" "$HOOK_FILE"
nv_type() { cat "$SIM_ROOT/sys/bus/pci/devices/$1/nvidia/current_vgpu_type"; }
nv_set() { echo "$2" >"$SIM_ROOT/sys/bus/pci/devices/$1/nvidia/current_vgpu_type"; }
pinned() { # DOMAIN: the address of its <vgpu:vf>, checked against its hostdev
    local xml a
    xml=$(virsh_q dumpxml --inactive "$1")
    a=$(echo "$xml" | sed -n 's/.*<vgpu:vf address="\([^"]*\)".*/\1/p')
    echo "$xml" | grep -q "<address domain='0x${a:0:4}' bus='0x${a:5:2}' slot='0x${a:8:2}' function='0x${a:11:1}'/>" ||
        fail "$1: the PCI hostdev does not carry the request's address $a: $xml"
    echo "$a"
}
V=$PREFIX-vf
define "$V"
run attach "$V" --type nvidia-1153 --connect "$URI"; expect_rc 0 "attach of an NVIDIA VF type"
VF0=$(cat "$OUT")
[ "$(pinned "$V")" = "$VF0" ] || fail "attach printed $VF0 but pinned $(pinned "$V")"
virsh_q dumpxml --inactive "$V" | grep -q "<hostdev mode='subsystem' type='pci' managed='no'>" ||
    fail "no managed='no' PCI hostdev for the NVIDIA VF"
run requests --json --connect "$URI"; expect_rc 0 "requests with a VF request"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=[q for x in d["domains"] if x["domain"]==sys.argv[2] for q in x["requests"]]; assert r==[{"device": sys.argv[3], "parent": None, "class": "nvidia-vf", "type": "nvidia-1153"}], r' "$OUT" "$V" "$VF0" ||
    fail "requests --json does not show the VF request: $(cat "$OUT")"
run requests --connect "$URI"; expect_rc 0 "requests (text) with a VF request"
grep -Eq "^$V +shut off +$VF0 +nvidia-1153 +\(the VF\)" "$OUT" || fail "requests text: $(cat "$OUT")"
run move "$V" --connect "$URI"; expect_rc 0 "move with nothing to move"
grep -q "can be hosted where it is" "$OUT" || fail "move printed: $(cat "$OUT")"
pass "attach pins a free VF ($VF0) in <vgpu:vf> and a managed='no' hostdev; requests shows it; move leaves a fine request alone"

# Another tool gives the pinned GPU another type (one type per GPU): the
# start is refused naming 'vgpuctl move', move re-places the request.
GPU0=${VF0%:*}:00.0
OTHER=${VF0%.*}.$(( ${VF0##*.} + 1 ))
nv_set "$OTHER" 1145
virsh_rc start "$V"; expect_rc 1 "virsh start on a GPU that now holds another type"
grep -q "vgpuctl move" "$ERR" || fail "the hook's refusal does not say 'vgpuctl move': $(cat "$ERR")"
[ "$(nv_type "$VF0")" = 0 ] || fail "the refused start programmed $VF0"
run move "$V" --dry-run --json --connect "$URI"; expect_rc 0 "move --dry-run --json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["moves"]; assert d["version"]==1 and d["dry_run"] and len(m)==1 and m[0]["from"]==sys.argv[2] and m[0]["to"]!=sys.argv[2] and m[0]["type"]=="nvidia-1153", d' "$OUT" "$VF0" ||
    fail "move --dry-run --json: $(cat "$OUT")"
[ "$(pinned "$V")" = "$VF0" ] || fail "--dry-run changed the definition"
run move "$V" --connect "$URI"; expect_rc 0 "move"
VF1=$(pinned "$V")
[ "$VF1" != "$VF0" ] && [ "${VF1%:*}:00.0" != "$GPU0" ] || fail "move pinned $VF1 (was $VF0 on $GPU0)"
grep -qx "$VF0 -> $VF1 (GPU ${VF1%:*}:00.0, nvidia-1153)" "$OUT" || fail "move printed: $(cat "$OUT")"
pass "a GPU that cannot create the type any more: virsh start refused naming 'vgpuctl move'; move --dry-run changes nothing; move re-pins to $VF1 on another GPU"

# vgpuctl start: the new GPU fills up too, the first one is free again.
nv_set "$OTHER" 0
nv_set "${VF1%.*}.$(( ${VF1##*.} + 1 ))" 1145
run start "$V" --connect "$URI"; expect_rc 1 "vgpuctl start (QEMU cannot open a VF here)"
VF2=$(pinned "$V")
[ "${VF2%:*}:00.0" = "$GPU0" ] || fail "start did not move the request back to $GPU0: $VF2"
grep -qx "$VF1 -> $VF2 (GPU $GPU0, nvidia-1153)" "$OUT" || fail "start printed: $(cat "$OUT")"
grep -q "^$V prepare begin rc=0" "$LOG" || fail "the hook did not program $VF2 at prepare begin: $(cat "$LOG")"
grep -q "^$V release end rc=0" "$LOG" || fail "no release end for $V: $(cat "$LOG")"
for _ in $(seq 1 50); do [ "$(nv_type "$VF2")" = 0 ] && break; sleep 0.1; done
[ "$(nv_type "$VF2")" = 0 ] || fail "release end did not reset $VF2"
[ "$(records)" = 0 ] || fail "records left after the failed start"
run start "$PREFIX-nosuch" --connect "$URI"; expect_rc 1 "start of an unknown domain"
pass "vgpuctl start moves the request back ($VF1 -> $VF2), the hook programs and (after QEMU fails here) resets the VF"

echo "all $PASSED libvirt checks passed"
