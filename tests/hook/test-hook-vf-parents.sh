#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mdev parents that are SR-IOV virtual functions (NVIDIA Ampere with vGPU
# drivers before 17, emulator scenario "a16": 4 GPUs with 16 VFs each, one
# instance per VF, at most 8 A16-2Q per GPU): the real hook places, counts
# and reports per GPU (the VFs' physfn), not per VF.
#
# Usage: test-hook-vf-parents.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
shopt -s lastpipe

HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

DUUID=c7a5fdbd-edaf-9455-926a-d65c16db1809
T=nvidia-700 # NVIDIA A16-2Q, 8 per GPU
GPU_A=0000:8a:00.0
GPU_B=0000:8b:00.0

uuid() { printf '9d2e9b5e-1c4a-4f7e-8a3b-%012d' "$1"; }

# start NAME N [PARENT]: a domain with N requests of $T, the nth UUID
# numbered from the name's hash so that domains never share one
start() {
    local name=$1 n=$2 parent=${3:-} base r=()
    base=$(( $(cksum <<<"$name" | cut -d' ' -f1) % 100000 * 100 ))
    for ((i = 0; i < n; i++)); do r+=("$(uuid $((base + i))) $T $parent"); done
    sim_domain_xml "$name" "$DUUID" "${r[@]}" | sim_run_hook "$name" prepare begin
}

# gpu_of UUID: the PF of the VF the device sits on
gpu_of() {
    local dev
    dev=$(realpath "$SIM_ROOT/sys/bus/mdev/devices/$1")
    basename "$(realpath "$(dirname "$dev")/physfn")"
}

case_placement() {
    sim_start a16
    start d1 1
    [ "$RC" = 0 ] || fail "d1: $(cat "$HOOK_ERR")"
    [ "$(gpu_of "$(sim_list_mdevs | head -1)")" = "$GPU_A" ] || fail "pack: first device not on $GPU_A"
    # both GPUs hold the type: B (pinned), then A again (pack, tie by name)
    start d3 1 "$GPU_B"
    [ "$RC" = 0 ] || fail "d3: $(cat "$HOOK_ERR")"
    start d4 1
    [ "$RC" = 0 ] || fail "d4: $(cat "$HOOK_ERR")"
    # spread counts free instances per GPU (14 on A, 15 on B): per VF
    # every free VF looks alike, and spread used to pick A again
    sim_conf placement=spread
    start d2 1
    [ "$RC" = 0 ] || fail "d2: $(cat "$HOOK_ERR")"
    local on_b=0 u d
    for u in $(sim_list_mdevs); do [ "$(gpu_of "$u")" = "$GPU_B" ] && on_b=$((on_b + 1)); done
    [ "$on_b" = 2 ] || fail "spread: the last domain is not on $GPU_B"
    for d in d1 d2 d3 d4; do sim_run_hook "$d" release end </dev/null; done
    [ "$(sim_count_mdevs)" = 0 ] || fail "devices left"
}
sim_case "pack fills one GPU, spread compares GPUs holding the type (capacity per GPU, not per VF)" case_placement

case_requested_gpu() {
    sim_start a16
    # a request may name the GPU (the PF): a free VF of it is used
    start full 8 "$GPU_A"
    [ "$RC" = 0 ] || fail "8 on $GPU_A: $(cat "$HOOK_ERR")"
    for u in $(sim_list_mdevs); do [ "$(gpu_of "$u")" = "$GPU_A" ] || fail "$u not on $GPU_A"; done
    start more 1 "$GPU_A"
    [ "$RC" = 1 ] || fail "a 9th on $GPU_A: exit $RC"
    grep -q "$GPU_A has 0 of 8 left (used by full)" "$HOOK_ERR" || fail "message: $(cat "$HOOK_ERR")"
    ! grep -q "0000:8a:00\.[1-7]\|0000:8a:0[1-3]\." "$HOOK_ERR" || fail "message lists VFs: $(cat "$HOOK_ERR")"
    [ -z "$(sim_stderr_problem "$HOOK_ERR")" ] || fail "$(sim_stderr_problem "$HOOK_ERR")"
    sim_run_hook full release end </dev/null
    [ "$(sim_count_mdevs)" = 0 ] || fail "devices left"
}
sim_case "a request naming the GPU gets one of its VFs; a full GPU is one entry of the message" case_requested_gpu

case_all_full() {
    local len
    sim_start a16
    for g in 0 1 2 3; do
        start "g$g" 8 "0000:8$(printf '%x' $((10 + g))):00.0"
        [ "$RC" = 0 ] || fail "filling GPU $g: $(cat "$HOOK_ERR")"
    done
    start late 1
    [ "$RC" = 1 ] || fail "a 33rd device: exit $RC"
    len=$(wc -c <"$HOOK_ERR")
    for g in a b c d; do
        grep -q "0000:8$g:00.0 has 0 of 8 left" "$HOOK_ERR" || fail "GPU 8$g missing: $(cat "$HOOK_ERR")"
    done
    [ "$len" -lt 500 ] || fail "message of $len bytes: $(cat "$HOOK_ERR")"
    [ -z "$(sim_stderr_problem "$HOOK_ERR")" ] || fail "$(sim_stderr_problem "$HOOK_ERR")"
    echo "    ($len bytes) $(cat "$HOOK_ERR")"
    for g in 0 1 2 3; do sim_run_hook "g$g" release end </dev/null; done
    [ "$(sim_count_mdevs)" = 0 ] || fail "devices left"
}
sim_case "64 VF parents full: one line naming the 4 GPUs" case_all_full

sim_finish "hook-vf-parents"
