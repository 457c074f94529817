#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of the real vgpu-hook for the VF-backed device classes
# (DESIGN.md "Device classes", docs/engine.md "VF-backed classes") against
# the emulator:
#
# - NVIDIA vendor-specific VFIO (scenario l40s2: 2 x L40S, 32 VFs each,
#   nvidia/current_vgpu_type per VF): prepare programs the pinned VF under
#   the lock (record class=nvidia-vf, state=ready), release writes 0 only to
#   a VF it programmed that still holds the recorded type; refusals are one
#   line naming the GPUs that could host the type; hostile addresses are
#   refused before any sysfs access.
# - plain SR-IOV VFs (scenario s7150): nothing programmed, the domain claims
#   the VF with a record (class=vf).
# - a domain mixing an mdev and an NVIDIA VF (scenario mixed).
#
# Each case runs on a fresh emulator. Refusals must change nothing in the
# emulated sysfs (the emulator's .vgpu-sim/state and every VF's
# current_vgpu_type are compared before and after) and leave no record.
#
# Usage: test-hook-vf.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
shopt -s lastpipe
# bash >= 5.2: '&' in a ${s//pattern/replacement} means the match; the XML
# escaping below needs it literal
shopt -u patsub_replacement 2>/dev/null || true

HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

WORK=$(mktemp -d /tmp/vgpu-vf.XXXXXX)
HOOK_OUT=$WORK/out
HOOK_ERR=$WORK/err
trap 'rm -rf "$WORK"' EXIT

sim_require

GPU_A=0000:3d:00.0 # L40S, VFs 0000:3d:00.4 … 0000:3d:04.3
GPU_B=0000:3e:00.0
VF1=0000:3d:00.4 # VFs of GPU_A
VF2=0000:3d:00.5
VF3=0000:3d:00.6
VF4=0000:3d:00.7
VF5=0000:3d:01.0
VF6=0000:3d:01.1
T12=nvidia-1153    # L40S-12Q, 4 per GPU
T1B=nvidia-1145    # L40S-1B, 32 per GPU
T48=nvidia-1155    # L40S-48Q, 1 per GPU
AMD_PF=0000:5e:00.0 # S7150 (1002:6929), VFs 1002:692f at 0000:5e:02.0 … 02.7
AMD_VF=0000:5e:02.0
AMD_VF2=0000:5e:02.1
AMD_T=vf-1002:692f
U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001

# --- helpers ------------------------------------------------------------------
duuid() { printf 'c7a5fdbd-edaf-9455-926a-%012d' "$(($(cksum <<<"$1" | cut -d' ' -f1) % 1000000000000))"; }
nvdir() { echo "$SIM_ROOT/sys/bus/pci/devices/$1/nvidia"; }
cur() { cat "$(nvdir "$1")/current_vgpu_type"; }
set_by_hand() { echo "$2" >"$(nvdir "$1")/current_vgpu_type"; } # VF ID
rec() { echo "$SIM_ROOT/run/libvgpu/mdevs/$1"; }
rec_get() { sed -n "s/^$2=//p" "$(rec "$1")" | head -1; } # ID KEY
# every file in the records directory (records and temporary files)
records() { ls -A "$SIM_ROOT/run/libvgpu/mdevs" 2>/dev/null | tr '\n' ' ' || true; }

# sysfs_state: a checksum of what the emulator holds (devices, VF types,
# holds, room per GPU) and of every VF's current_vgpu_type
sysfs_state() {
    local f
    {
        cat "$SIM_ROOT/sys/.vgpu-sim/state"
        for f in "$SIM_ROOT"/sys/bus/pci/devices/*/nvidia/current_vgpu_type; do
            [ -e "$f" ] || continue
            echo "${f%/nvidia/current_vgpu_type} $(cat "$f")"
        done
    } | cksum
}

prep() { # NAME REQUEST...
    local name=$1
    shift
    sim_domain_xml_vf "$name" "$(duuid "$name")" "$@" | sim_run_hook "$name" prepare begin
}

rel() { # NAME
    sim_run_hook "$1" release end </dev/null
    # the helper process finishes the records; let it end before judging
    sim_wait_hooks 10 || fail "release end of $1: hook processes still running after 10 s"
}

errtext() { head -c 600 "$HOOK_ERR" | tr '\n' '|'; }

expect_rc() { # RC WHAT
    [ "$RC" = "$1" ] || fail "$2: exit $RC, wanted $1; stderr: $(errtext)"
}

# a success: exit 0, nothing printed
expect_ok() { # WHAT
    expect_rc 0 "$1"
    [ ! -s "$HOOK_ERR" ] && [ ! -s "$HOOK_OUT" ] ||
        fail "$1: exit 0 but printed: $(cat "$HOOK_OUT" "$HOOK_ERR" | head -c 400 | tr '\n' '|')"
}

# a refusal: exit 1, one clean line
expect_refused() { # WHAT
    local why
    expect_rc 1 "$1"
    why=$(sim_stderr_problem "$HOOK_ERR")
    [ -z "$why" ] || fail "$1: $why: $(errtext)"
    echo "    $1: $(head -c 400 "$HOOK_ERR")"
}

expect_no_records() { # WHAT
    [ -z "$(records)" ] || fail "$1: records left: $(records)"
}

expect_record() { # ID CLASS DOMAIN WHAT
    local f
    f=$(rec "$1")
    [ -f "$f" ] || fail "$4: no record $1 (records: $(records))"
    [ "$(rec_get "$1" class)" = "$2" ] || fail "$4: record $1 has class=$(rec_get "$1" class), wanted $2: $(tr '\n' '|' <"$f")"
    [ "$(rec_get "$1" state)" = ready ] || fail "$4: record $1 has state=$(rec_get "$1" state), wanted ready: $(tr '\n' '|' <"$f")"
    [ "$(rec_get "$1" domain)" = "$3" ] || fail "$4: record $1 has domain=$(rec_get "$1" domain), wanted $3"
}

expect_cur() { # VF ID WHAT
    local c
    c=$(cur "$1")
    [ "$c" = "$2" ] || fail "$3: $1 current_vgpu_type reads $c, wanted $2"
}

# the VFs of the emulator holding a type, as "VF=ID" words
programmed() {
    local f
    for f in "$SIM_ROOT"/sys/bus/pci/devices/*/nvidia/current_vgpu_type; do
        [ -e "$f" ] || continue
        [ "$(cat "$f")" = 0 ] || printf '%s=%s ' "$(basename "${f%/nvidia/current_vgpu_type}")" "$(cat "$f")"
    done
    return 0
}

# ==============================================================================
# NVIDIA vendor-specific VFIO (l40s2)
# ==============================================================================

case_nv_basic() {
    sim_start l40s2
    prep win1 "$VF1 $T12"
    expect_ok "prepare"
    expect_cur "$VF1" 1153 "prepare"
    [ "$(programmed)" = "$VF1=1153 " ] || fail "prepare: VFs programmed: $(programmed)"
    expect_record "$VF1" nvidia-vf win1 "prepare"
    [ "$(rec_get "$VF1" type)" = "$T12" ] || fail "record type=$(rec_get "$VF1" type)"
    [ "$(records)" = "$VF1 " ] || fail "records after prepare: $(records)"
    rel win1
    expect_ok "release"
    expect_cur "$VF1" 0 "release"
    expect_no_records "release"
    [ -z "$(programmed)" ] || fail "release: VFs still programmed: $(programmed)"
}
sim_case "nvidia VF: prepare writes the id (read back 1153, record class=nvidia-vf state=ready), release writes 0 and drops the record" case_nv_basic

case_nv_twice() {
    sim_start l40s2
    prep win1 "$VF1 $T12"
    expect_ok "first prepare"
    prep win1 "$VF1 $T12"
    expect_ok "second prepare"
    expect_cur "$VF1" 1153 "second prepare"
    expect_record "$VF1" nvidia-vf win1 "second prepare"
    [ "$(records)" = "$VF1 " ] || fail "records after two prepares: $(records)"
    [ "$(programmed)" = "$VF1=1153 " ] || fail "VFs programmed: $(programmed)"
    rel win1
    expect_ok "release"
    expect_cur "$VF1" 0 "release"
    expect_no_records "release"
}
sim_case "nvidia VF: prepare twice is idempotent (one record, one VF), one release undoes it" case_nv_twice

case_nv_admin() {
    sim_start l40s2
    set_by_hand "$VF1" 1153
    prep win1 "$VF1 $T12"
    expect_ok "prepare on a VF set by hand to the type"
    expect_cur "$VF1" 1153 "prepare"
    [ ! -e "$(rec "$VF1")" ] || fail "prepare wrote a record for a VF it did not program (it would be reset at release): $(tr '\n' '|' <"$(rec "$VF1")")"
    rel win1
    expect_ok "release"
    expect_cur "$VF1" 1153 "release (an administrator's vGPU must not be reset)"
    expect_no_records "release"
}
sim_case "nvidia VF: a VF set by hand to the requested type is used as is, no record, never reset at release" case_nv_admin

case_nv_other_type() {
    local before
    sim_start l40s2
    set_by_hand "$VF1" 1145
    before=$(sysfs_state)
    prep win1 "$VF1 $T12"
    expect_refused "VF holding nvidia-1145, request nvidia-1153"
    grep -q "$VF1" "$HOOK_ERR" || fail "the refusal does not name $VF1: $(errtext)"
    [ "$(sysfs_state)" = "$before" ] || fail "sysfs changed: $(programmed)"
    expect_cur "$VF1" 1145 "after the refusal"
    expect_no_records "after the refusal"
    rel win1
    expect_rc 0 "release of the refused domain"
    expect_cur "$VF1" 1145 "release of the refused domain"
}
sim_case "nvidia VF: a VF holding another type is refused (one line), nothing changed" case_nv_other_type

case_nv_gpu_full() {
    local before
    sim_start l40s2
    # 4 x 12Q on GPU A by hand: it can host no more 12Q; GPU B can
    for v in "$VF2" "$VF3" "$VF4" "$VF5"; do set_by_hand "$v" 1153; done
    before=$(sysfs_state)
    prep win1 "$VF1 $T12"
    expect_refused "12Q on a free VF of a full GPU"
    grep -q "$GPU_B" "$HOOK_ERR" || fail "the refusal does not name $GPU_B, which could host $T12: $(errtext)"
    grep -Eqi 'vgpuctl|move|pick|choose|another|free VF|use ' "$HOOK_ERR" || fail "the refusal does not say what to do: $(errtext)"
    [ "$(sysfs_state)" = "$before" ] || fail "sysfs changed: $(programmed)"
    expect_cur "$VF1" 0 "after the refusal"
    expect_no_records "after the refusal"
}
sim_case "nvidia VF: a type the GPU cannot create now is refused with one line naming $GPU_B and the way out" case_nv_gpu_full

case_nv_unknown_type() {
    local before
    sim_start l40s2
    before=$(sysfs_state)
    prep win1 "$VF1 nvidia-9999"
    expect_refused "nvidia-9999"
    grep -q "nvidia-9999" "$HOOK_ERR" || fail "the refusal does not name nvidia-9999: $(errtext)"
    [ "$(sysfs_state)" = "$before" ] || fail "sysfs changed: $(programmed)"
    expect_no_records "after the refusal"
}
sim_case "nvidia VF: a type no GPU offers (nvidia-9999) is refused, nothing changed" case_nv_unknown_type

case_nv_race() {
    local i wins=0 losses=0 winner loser
    sim_start l40s2
    # 3 of GPU A's 4 12Q slots taken by hand; r1 pins VF1, r2 VF6
    for v in "$VF2" "$VF3" "$VF4"; do set_by_hand "$v" 1153; done
    # the write of the id takes 300 ms: the two prepares overlap
    sim_ctl delay "create 300" || fail "cannot set a create delay"
    sim_domain_xml_vf r1 "$(duuid r1)" "$VF1 $T12" >"$WORK/r1.xml"
    sim_domain_xml_vf r2 "$(duuid r2)" "$VF6 $T12" >"$WORK/r2.xml"
    for i in 1 2; do
        (
            rc=0
            timeout -k 2 20 "$HOOK" "r$i" prepare begin - <"$WORK/r$i.xml" >"$WORK/r$i.out" 2>"$WORK/r$i.err" || rc=$?
            echo "$rc" >"$WORK/r$i.rc"
        ) &
    done
    wait
    for i in 1 2; do
        case $(cat "$WORK/r$i.rc") in
        0) wins=$((wins + 1)); winner=$i ;;
        1) losses=$((losses + 1)); loser=$i ;;
        *) fail "r$i: exit $(cat "$WORK/r$i.rc"): $(head -c 400 "$WORK/r$i.err")" ;;
        esac
    done
    [ "$wins" = 1 ] && [ "$losses" = 1 ] || fail "$wins winners, $losses losers: r1: $(head -c 300 "$WORK/r1.err"); r2: $(head -c 300 "$WORK/r2.err")"
    echo "    r$winner won; r$loser: $(head -c 400 "$WORK/r$loser.err")"
    [ -z "$(sim_stderr_problem "$WORK/r$loser.err")" ] || fail "loser r$loser: $(sim_stderr_problem "$WORK/r$loser.err")"
    [ ! -s "$WORK/r$winner.err" ] || fail "winner r$winner printed: $(head -c 300 "$WORK/r$winner.err")"
    local wvf lvf
    if [ "$winner" = 1 ]; then wvf=$VF1 lvf=$VF6; else wvf=$VF6 lvf=$VF1; fi
    expect_cur "$wvf" 1153 "winner's VF"
    expect_cur "$lvf" 0 "loser's VF"
    expect_record "$wvf" nvidia-vf "r$winner" "winner"
    [ "$(records)" = "$wvf " ] || fail "records after the race: $(records)"
    sim_ctl delay "create 0" || true
    rel r1
    expect_rc 0 "release r1"
    rel r2
    expect_rc 0 "release r2"
    expect_cur "$VF1" 0 "after both releases"
    expect_cur "$VF6" 0 "after both releases"
    for v in "$VF2" "$VF3" "$VF4"; do expect_cur "$v" 1153 "a VF set by hand, after both releases"; done
    expect_no_records "after both releases"
}
sim_case "nvidia VF: two domains racing for a GPU's last 12Q slot: exactly one wins, nothing leaks" case_nv_race

case_nv_busy() {
    sim_start l40s2
    sim_conf remove_timeout_ms=1000
    prep win1 "$VF1 $T12"
    expect_ok "prepare"
    sim_ctl hold "$VF1" || fail "cannot hold $VF1"
    rel win1
    expect_rc 0 "release of a held VF"
    echo "    ($HOOK_MS ms) $(head -c 400 "$HOOK_ERR")"
    grep -qi warning "$HOOK_ERR" || fail "release of a held VF: no warning: $(errtext)"
    grep -q "$VF1" "$HOOK_ERR" || fail "the warning does not name $VF1: $(errtext)"
    [ -z "$(sim_stderr_problem "$HOOK_ERR")" ] || fail "warning: $(sim_stderr_problem "$HOOK_ERR"): $(errtext)"
    [ "$HOOK_MS" -le 3000 ] || fail "release took $HOOK_MS ms with remove_timeout_ms=1000"
    expect_cur "$VF1" 1153 "release of a held VF"
    [ -f "$(rec "$VF1")" ] || fail "the record of the held VF was dropped"
    sim_ctl release "$VF1" || fail "cannot release the hold of $VF1"
    rel win1
    expect_ok "second release"
    expect_cur "$VF1" 0 "second release"
    expect_no_records "second release"
}
sim_case "nvidia VF: release of a busy VF warns (exit 0) and keeps VF and record; the next release writes 0" case_nv_busy

case_nv_rollback() { # FIRST SECOND
    local before
    sim_start l40s2
    before=$(sysfs_state)
    prep win1 "$1" "$2"
    expect_refused "second request not creatable"
    [ -z "$(programmed)" ] || fail "VFs left programmed: $(programmed)"
    [ "$(sysfs_state)" = "$before" ] || fail "sysfs changed"
    expect_no_records "after the refusal"
}
# homogeneous: once VF1 holds 12Q, GPU A cannot create 1B
sim_case "nvidia VF: rollback: 12Q on $VF1 then 1B on $VF2 (one type per GPU): $VF1 back to 0, no records" \
    case_nv_rollback "$VF1 $T12" "$VF2 $T1B"
# 48Q: one per GPU, both VFs list it before the first is written
sim_case "nvidia VF: rollback: 48Q on $VF1 and on $VF2 (one per GPU): $VF1 back to 0, no records" \
    case_nv_rollback "$VF1 $T48" "$VF2 $T48"

# The write itself fails (not the placement): GPU A has 2 of 4 12Q slots
# taken; the domain asks for 12Q on VF1 and VF6; each id write takes 1 s.
# While the hook writes VF1, a 12Q is written by hand to VF5; it ends first
# and takes the last slot, so VF6 is refused (by the driver's write, or by
# the placement if the hook was slow): VF1 must go back to 0.
case_nv_rollback_write() {
    local t0 hand_rc
    sim_start l40s2
    set_by_hand "$VF2" 1153
    set_by_hand "$VF3" 1153
    sim_ctl delay "create 1000" || fail "cannot set a create delay"
    sim_domain_xml_vf win1 "$(duuid win1)" "$VF1 $T12" "$VF6 $T12" >"$WORK/rb.xml"
    t0=$(sim_now_ms)
    (
        rc=0
        timeout -k 2 20 "$HOOK" win1 prepare begin - <"$WORK/rb.xml" >"$WORK/rb.out" 2>"$WORK/rb.err" || rc=$?
        echo "$rc" >"$WORK/rb.rc"
    ) &
    sleep 0.3
    hand_rc=0
    set_by_hand "$VF5" 1153 2>"$WORK/hand.err" || hand_rc=$?
    wait
    echo "    hook: exit $(cat "$WORK/rb.rc") after $(($(sim_now_ms) - t0)) ms: $(head -c 400 "$WORK/rb.err")"
    [ "$hand_rc" = 0 ] || fail "the write by hand to $VF5 failed: $(cat "$WORK/hand.err")"
    [ "$(cat "$WORK/rb.rc")" = 1 ] || fail "prepare: exit $(cat "$WORK/rb.rc"), wanted 1: $(head -c 400 "$WORK/rb.err")"
    [ -z "$(sim_stderr_problem "$WORK/rb.err")" ] || fail "$(sim_stderr_problem "$WORK/rb.err")"
    expect_cur "$VF1" 0 "after the rollback"
    expect_cur "$VF6" 0 "after the rollback"
    for v in "$VF2" "$VF3" "$VF5"; do expect_cur "$v" 1153 "a VF set by hand"; done
    expect_no_records "after the rollback"
}
sim_case "nvidia VF: rollback when the driver refuses the second write (slot taken meanwhile): $VF1 back to 0, no records" case_nv_rollback_write

# Another domain's VF: holding the requested type is not enough to share it.
case_nv_other_domain() {
    sim_start l40s2
    prep owner "$VF1 $T12"
    expect_ok "prepare of the owner"
    prep intruder "$VF1 $T12"
    expect_refused "a second domain pinning the owner's VF"
    grep -q owner "$HOOK_ERR" || fail "the refusal does not name the domain holding $VF1: $(errtext)"
    expect_record "$VF1" nvidia-vf owner "after the refusal"
    rel intruder
    expect_rc 0 "release of the refused domain"
    expect_cur "$VF1" 1153 "release of the refused domain (the owner's vGPU)"
    expect_record "$VF1" nvidia-vf owner "release of the refused domain"
    rel owner
    expect_ok "release of the owner"
    expect_cur "$VF1" 0 "release of the owner"
    expect_no_records "release of the owner"
}
sim_case "nvidia VF: a second domain pinning a VF another domain programmed is refused naming it; its release leaves the VF" case_nv_other_domain

# Release writes 0 only while the VF still holds the recorded type.
case_nv_retyped() {
    sim_start l40s2
    prep win1 "$VF1 $T12"
    expect_ok "prepare"
    set_by_hand "$VF1" 0
    set_by_hand "$VF1" 1145
    rel win1
    expect_rc 0 "release of a VF retyped by hand"
    expect_cur "$VF1" 1145 "release of a VF retyped by hand (not ours any more)"
    # docs/engine.md does not say what becomes of the record: dropped, or
    # kept and reported (as for an mdev of another type). A report is one
    # line naming the VF.
    if [ -s "$HOOK_ERR" ]; then
        [ -z "$(sim_stderr_problem "$HOOK_ERR")" ] || fail "warning: $(sim_stderr_problem "$HOOK_ERR"): $(errtext)"
        grep -q "$VF1" "$HOOK_ERR" || fail "the warning does not name $VF1: $(errtext)"
    fi
    echo "    record $( [ -e "$(rec "$VF1")" ] && echo kept || echo dropped); $(head -c 400 "$HOOK_ERR")"
    # the way out: the administrator clears the VF; the next release
    # forgets it without writing anything
    set_by_hand "$VF1" 0
    rel win1
    expect_ok "release after the VF was cleared by hand"
    expect_cur "$VF1" 0 "release after the VF was cleared by hand"
    expect_no_records "release after the VF was cleared by hand"
}
sim_case "nvidia VF: release leaves a VF retyped behind our back (holds 1145, not the recorded 1153); once cleared, the record goes" case_nv_retyped

case_nv_gone() {
    sim_start l40s2
    prep win1 "$VF1 $T12"
    expect_ok "prepare"
    set_by_hand "$VF1" 0
    rel win1
    expect_ok "release of a VF cleared by hand"
    expect_cur "$VF1" 0 "release"
    expect_no_records "release of a VF cleared by hand"
}
sim_case "nvidia VF: release of a VF cleared by hand drops the record quietly" case_nv_gone

# Records left by a killed hook (docs/engine.md "States of a device"),
# written by hand: the owner pid is dead.
dead_record() { # VF STATE DOMAIN
    [ -d "$SIM_ROOT/run/libvgpu" ] || mkdir -m 0700 "$SIM_ROOT/run/libvgpu"
    [ -d "$SIM_ROOT/run/libvgpu/mdevs" ] || mkdir -m 0700 "$SIM_ROOT/run/libvgpu/mdevs"
    (
        umask 077
        cat >"$(rec "$1")" <<REC
[mdev]
domain=$3
uuid=$1
class=nvidia-vf
parent=$GPU_A
type=$T12
created=1763686800
state=$2
pid=999999999
pid_start=1
REC
    )
}

case_nv_crash_creating_present() {
    sim_start l40s2
    set_by_hand "$VF1" 1153 # the id was written, then the hook died
    dead_record "$VF1" creating win1
    prep win1 "$VF1 $T12"
    expect_rc 0 "prepare adopting a VF left 'creating' by a dead hook"
    expect_cur "$VF1" 1153 "adoption"
    expect_record "$VF1" nvidia-vf win1 "adoption"
    rel win1
    expect_ok "release"
    expect_cur "$VF1" 0 "release of the adopted VF"
    expect_no_records "release of the adopted VF"
}
sim_case "nvidia VF: a 'creating' record of a dead hook with the VF programmed: the next prepare adopts it, release writes 0" case_nv_crash_creating_present

case_nv_crash_creating_absent() {
    sim_start l40s2
    dead_record "$VF1" creating win1 # the hook died before the write
    rel win1
    expect_rc 0 "release"
    expect_cur "$VF1" 0 "release"
    expect_no_records "release of a 'creating' record whose VF holds nothing"
}
sim_case "nvidia VF: a 'creating' record of a dead hook with the VF at 0: release drops it" case_nv_crash_creating_absent

case_nv_crash_removing() {
    sim_start l40s2
    set_by_hand "$VF1" 1153
    dead_record "$VF1" removing win1 # the release died before writing 0
    rel win1
    expect_rc 0 "release"
    expect_cur "$VF1" 0 "release of a VF left 'removing'"
    expect_no_records "release of a VF left 'removing'"
}
sim_case "nvidia VF: a 'removing' record of a dead hook with the VF programmed: release writes 0 and drops it" case_nv_crash_removing

case_nv_crash_other_domain() {
    local before
    sim_start l40s2
    set_by_hand "$VF1" 1153
    dead_record "$VF1" creating owner
    before=$(sysfs_state)
    prep intruder "$VF1 $T12"
    expect_refused "a VF another domain's dead prepare left 'creating'"
    [ "$(sysfs_state)" = "$before" ] || fail "sysfs changed: $(programmed)"
    [ "$(rec_get "$VF1" domain)" = owner ] || fail "the record changed hands: $(tr '\n' '|' <"$(rec "$VF1")")"
}
sim_case "nvidia VF: a VF another domain's dead prepare left 'creating' is not taken by a third domain" case_nv_crash_other_domain

# A request and its hostdev, both written by hand: VALUE escaped for XML
# goes into the metadata, HOSTDEV (DDDD BB SS F) into the hostdev.
xml_escape() {
    local s=$1
    s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\"/&quot;}; s=${s//\'/&apos;}
    s=${s//$'\n'/&#10;}; s=${s//$'\r'/&#13;}
    printf '%s' "$s"
}
xml_vf_raw() { # ADDRESS TYPE DOMAIN BUS SLOT FUNCTION
    cat <<XML
<domain type='kvm'>
  <name>win1</name>
  <uuid>$(duuid win1)</uuid>
  <metadata>
    <vgpu:vgpu xmlns:vgpu="urn:libvgpu:domain:1">
      <vgpu:vf address="$(xml_escape "$1")" type="$(xml_escape "$2")"/>
    </vgpu:vgpu>
  </metadata>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='no'>
      <source><address domain='0x$3' bus='0x$4' slot='0x$5' function='0x$6'/></source>
    </hostdev>
  </devices>
</domain>
XML
}

case_hostile() { # FIELD
    local n v before problems="" why
    local -A V
    sim_start l40s2
    if [ "$1" = address ]; then
        V[dotdot]='..'
        V[uppercase]='0000:3D:00.4'
        V[pf]=$GPU_A
        V[absent]='0000:99:00.1'
        V[traversal]='0000:3d:00.4/../x'
        V[traversal2]='../../../../devices/pci0000:00'
        V[10k]=$(head -c 10240 /dev/zero | tr '\0' 4)
        V[newline]=$'0000:3d:00.4\n'
        V[newline2]=$'0000:3d:00.4\nvgpu-hook: forged'
        V[space]=' 0000:3d:00.4'
        V[short]='0:3d:0.4'
        V[empty]=''
    else
        V[uppercase]='NVIDIA-1153'
        V[hex]='nvidia-0x481'
        V[sign]='nvidia-+1153'
        V[bare]='nvidia-'
        V[traversal]='nvidia-1153/../x'
        V[10k]=nvidia-$(head -c 10240 /dev/zero | tr '\0' 1)
        V[newline]=$'nvidia-1153\n'
        V[vf-upper]='vf-10DE:26B9'
        V[mdev]='nvidia-65'
        V[empty]=''
    fi
    before=$(sysfs_state)
    for n in "${!V[@]}"; do
        v=${V[$n]}
        if [ "$1" = address ]; then
            case $n in
            uppercase) xml_vf_raw "$v" "$T12" 0000 3D 00 4 ;;
            pf) xml_vf_raw "$v" "$T12" 0000 3d 00 0 ;;
            absent) xml_vf_raw "$v" "$T12" 0000 99 00 1 ;;
            *) xml_vf_raw "$v" "$T12" 0000 3d 00 4 ;;
            esac
        else
            xml_vf_raw "$VF1" "$v" 0000 3d 00 4
        fi | sim_run_hook win1 prepare begin
        if [ "$RC" != 1 ]; then
            problems+="  - $1 $n: exit $RC, wanted 1: $(errtext)
"
        else
            why=$(sim_stderr_problem "$HOOK_ERR")
            [ -z "$why" ] || problems+="  - $1 $n: $why: $(head -c 200 "$HOOK_ERR" | od -An -c | head -3 | tr -s ' ')
"
            echo "    $1 $n: $(head -c 200 "$HOOK_ERR")"
        fi
        [ "$(sysfs_state)" = "$before" ] || problems+="  - $1 $n: sysfs changed: $(programmed)
"
        [ -z "$(records)" ] || problems+="  - $1 $n: records: $(records)
"
        # tidy up for the next value
        for f in "$SIM_ROOT"/sys/bus/pci/devices/*/nvidia/current_vgpu_type; do
            [ "$(cat "$f")" = 0 ] || echo 0 >"$f"
        done
        rm -f "$SIM_ROOT/run/libvgpu/mdevs"/* "$SIM_ROOT/run/libvgpu/mdevs"/.[!.]* 2>/dev/null || true
    done
    [ -z "$problems" ] || fail "$(printf '%s' "$problems" | grep -c '^  - ') problem(s):
$problems"
}
sim_case "nvidia VF: hostile addresses ('..', uppercase, the PF, absent, traversal, 10 KB, newline): exit 1, one line, nothing written" case_hostile address
sim_case "nvidia VF: hostile types (uppercase, hex, traversal, 10 KB, newline, an mdev type): exit 1, one line, nothing written" case_hostile type

case_nv_stale() {
    local before
    sim_start l40s2
    before=$(sysfs_state)
    prep win1 "meta-only:$VF1 $T12"
    expect_ok "a request without its PCI hostdev"
    prep win2 "hostdev-only:$VF2 $T12"
    expect_ok "a PCI hostdev without a request"
    [ "$(sysfs_state)" = "$before" ] || fail "sysfs changed: $(programmed)"
    expect_no_records "stale request"
    rel win1
    expect_rc 0 "release"
}
sim_case "nvidia VF: a request without its PCI hostdev (or a hostdev without request) is ignored: exit 0, nothing programmed" case_nv_stale

# ==============================================================================
# plain SR-IOV VFs (s7150)
# ==============================================================================

case_plain() {
    sim_start s7150
    prep first "$AMD_VF $AMD_T"
    expect_ok "prepare"
    expect_record "$AMD_VF" vf first "prepare"
    [ "$(rec_get "$AMD_VF" type)" = "$AMD_T" ] || fail "record type=$(rec_get "$AMD_VF" type)"
    prep second "$AMD_VF $AMD_T"
    expect_refused "a second domain pinning the same VF"
    grep -q "first" "$HOOK_ERR" || fail "the refusal does not name the domain holding $AMD_VF: $(errtext)"
    expect_record "$AMD_VF" vf first "after the refusal"
    [ "$(records)" = "$AMD_VF " ] || fail "records: $(records)"
    rel second
    expect_rc 0 "release of the refused domain"
    expect_record "$AMD_VF" vf first "the refused domain's release"
    rel first
    expect_ok "release"
    expect_no_records "release"
    # free again: the other domain may have it now
    prep second "$AMD_VF $AMD_T"
    expect_ok "prepare of the second domain once the VF is free"
    expect_record "$AMD_VF" vf second "second prepare"
    rel second
    expect_ok "release of the second domain"
    expect_no_records "release of the second domain"
}
sim_case "plain VF: prepare claims the VF (record class=vf), a second domain is refused naming the first, release drops the claim" case_plain

case_plain_refused() { # ADDRESS TYPE WHAT
    sim_start s7150
    prep win1 "$1 $2"
    expect_refused "$3"
    expect_no_records "$3"
    rel win1
    expect_rc 0 "release"
}
sim_case "plain VF: wrong vendor:device (vf-10de:26b9 on $AMD_VF) is refused" case_plain_refused "$AMD_VF" vf-10de:26b9 "wrong vendor:device"
sim_case "plain VF: the PF address ($AMD_PF, its own ids vf-1002:6929) is refused" case_plain_refused "$AMD_PF" vf-1002:6929 "the PF"
sim_case "plain VF: the PF address ($AMD_PF) with the VFs' ids is refused" case_plain_refused "$AMD_PF" "$AMD_T" "the PF with the VF ids"

case_plain_two() {
    sim_start s7150
    prep win1 "$AMD_VF $AMD_T" "$AMD_VF2 $AMD_T"
    expect_ok "two VFs"
    expect_record "$AMD_VF" vf win1 "two VFs"
    expect_record "$AMD_VF2" vf win1 "two VFs"
    rel win1
    expect_ok "release"
    expect_no_records "release"
}
sim_case "plain VF: one domain claims two VFs, release drops both" case_plain_two

case_plain_unbound() {
    sim_start s7150
    # VFs 4-7 have no driver (libvirt binds vfio-pci, managed='yes')
    prep win1 "0000:5e:02.4 $AMD_T"
    expect_ok "a VF without driver"
    expect_record 0000:5e:02.4 vf win1 "a VF without driver"
    rel win1
    expect_ok "release"
    expect_no_records "release"
}
sim_case "plain VF: a VF bound to no driver is claimed too (libvirt binds it)" case_plain_unbound

case_plain_not_display() {
    local vf=0000:01:00.1 type=vf-1b36:0010
    sim_start nvme
    # not a display controller and not named in plain_vf_pfs: refused with the fix
    prep win1 "$vf $type"
    expect_refused "a VF of a non-display PF"
    grep -q "plain_vf_pfs=0000:01:00.0" "$HOOK_ERR" ||
        fail "the refusal does not give the plain_vf_pfs fix: $(errtext)"
    expect_no_records "the refusal"
    rel win1
    # named in libvgpu.conf: the VF is claimed like an AMD one
    mkdir -p "$SIM_ROOT/etc/libvgpu"
    printf '[libvgpu]\nplain_vf_pfs=0000:01:00.0\n' >"$SIM_ROOT/etc/libvgpu/libvgpu.conf"
    prep win1 "$vf $type"
    expect_ok "the same VF once plain_vf_pfs names its PF"
    expect_record "$vf" vf win1 "plain_vf_pfs"
    rel win1
    expect_ok "release"
    expect_no_records "release"
}
sim_case "plain VF: a VF of a non-display PF (NVMe) is refused with the plain_vf_pfs fix, and claimed once libvgpu.conf names the PF" case_plain_not_display

case_plain_mdev_parent() {
    sim_start a16
    # an A16 VF is an mdev parent: its vGPUs are mdevs, never the whole VF
    prep win1 "0000:8a:00.4 vf-10de:25b6"
    expect_refused "an mdev-parent VF requested as a plain VF"
    grep -q "is an mdev parent" "$HOOK_ERR" || fail "the refusal does not say why: $(errtext)"
    expect_no_records "the refusal"
    rel win1
}
sim_case "plain VF: a VF that is an mdev parent (A16) is refused as a plain VF" case_plain_mdev_parent

# ==============================================================================
# mixed classes (mixed)
# ==============================================================================

case_mixed() {
    sim_start mixed
    prep win1 "mdev:$U1 nvidia-65" "$VF1 $T12"
    expect_ok "prepare of an mdev and an NVIDIA VF"
    sim_mdev_exists "$U1" || fail "the mdev $U1 was not created"
    expect_cur "$VF1" 1153 "prepare"
    expect_record "$U1" mdev win1 "prepare"
    expect_record "$VF1" nvidia-vf win1 "prepare"
    rel win1
    expect_ok "release"
    ! sim_mdev_exists "$U1" || fail "the mdev $U1 is left"
    expect_cur "$VF1" 0 "release"
    expect_no_records "release"
}
sim_case "mixed: one domain with an mdev (P4 nvidia-65) and an NVIDIA VF: both created, both removed" case_mixed

case_mixed_rollback() {
    sim_start mixed
    # the mdev is created first or second; the VF's type is unknown on the
    # L40S, so nothing may stay
    prep win1 "mdev:$U1 nvidia-65" "$VF1 nvidia-1154"
    expect_refused "an mdev and an uncreatable VF type"
    [ "$(sim_count_mdevs)" = 0 ] || fail "mdevs left: $(sim_list_mdevs)"
    [ -z "$(programmed)" ] || fail "VFs programmed: $(programmed)"
    expect_no_records "after the refusal"
}
sim_case "mixed: an mdev and an uncreatable VF type in one domain: refused, nothing left" case_mixed_rollback

sim_finish "hook-vf"
