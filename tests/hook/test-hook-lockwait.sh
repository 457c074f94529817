#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of the host lock discipline of the real vgpu-hook
# (docs/engine.md, "Lock discipline" and "Release"): a release waiting for a
# busy or slow device never holds the lock, so another domain's start goes
# through; a release whose `remove` write blocks in the kernel still lets
# libvirt read EOF on the hook's output by the deadline (the detached helper
# finishes the job); a stuck lock makes a prepare fail within the bound,
# naming the lock.
#
# Usage: test-hook-lockwait.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
shopt -s lastpipe

HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

WORK=$(mktemp -d /tmp/vgpu-lockwait.XXXXXX)
HOOK_OUT=$WORK/out
HOOK_ERR=$WORK/err
trap 'rm -rf "$WORK"' EXIT

U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
U2=9d2e9b5e-1c4a-4f7e-8a3b-000000000002
D1=c7a5fdbd-edaf-9455-926a-d65c16db1801
D2=c7a5fdbd-edaf-9455-926a-d65c16db1802
# Long enough that b's prepare (slow under ASan or valgrind on a loaded
# machine) fits in a's wait: the checks are causal (b finished while a's
# release still ran), not timed.
REMOVE_TIMEOUT_MS=8000

sim_require

# tiny with a parent whose devices linger after `remove`.
slow_scenario() { # DELAY_MS
    sed "/^\[parent 0000:06:00.0\]/a remove_delay_ms=$1" \
        "$(dirname "$0")/../sim/scenarios/tiny.conf" >"$WORK/slow.conf"
    echo "$WORK/slow.conf"
}

prepare_a() {
    sim_domain_xml a "$D1" "$U1 nvidia-65" | sim_run_hook a prepare begin
    [ "$RC" = 0 ] || fail "prepare a: exit $RC: $(cat "$HOOK_ERR")"
    sim_mdev_exists "$U1" || fail "prepare a created nothing"
}

# Starts `release end` of a in the background; RELEASE_PID, result in
# $WORK/release.rc and $WORK/release.err.
release_a_in_background() {
    rm -f "$WORK/release.rc"
    (
        set +e
        timeout -k 2 $((REMOVE_TIMEOUT_MS / 1000 + 10)) "$HOOK" a release end - \
            </dev/null >/dev/null 2>"$WORK/release.err"
        echo $? >"$WORK/release.rc"
    ) &
    RELEASE_PID=$!
}

# While a's release is waiting, b's prepare must finish: if the release
# held the host lock across its wait, b could only end after a's release.
prepare_b_while_a_releases() { # WHY
    local t0 rc
    t0=$(sim_now_ms)
    sleep 0.4 # the release has marked its records and is writing `remove`
    [ ! -e "$WORK/release.rc" ] || fail "$1: release a ended after $(($(sim_now_ms) - t0)) ms: it did not wait (exit $(cat "$WORK/release.rc"): $(cat "$WORK/release.err"))"
    sim_domain_xml b "$D2" "$U2 nvidia-66" | sim_run_hook b prepare begin
    [ "$RC" = 0 ] || fail "$1: prepare b: exit $RC: $(cat "$HOOK_ERR")"
    echo "    $1: prepare b took $HOOK_MS ms"
    sim_mdev_exists "$U2" || fail "$1: prepare b created nothing"
    [ ! -e "$WORK/release.rc" ] || fail "$1: release a ended before b's prepare did ($HOOK_MS ms): the lock is held across the wait"
    wait "$RELEASE_PID" || true
    rc=$(cat "$WORK/release.rc")
    [ "$rc" = 0 ] || fail "$1: release a: exit $rc: $(cat "$WORK/release.err")"
}

# --- (a) a busy device does not hold up another domain's start ----------------
case_busy() {
    sim_start tiny
    sim_conf "remove_timeout_ms=$REMOVE_TIMEOUT_MS"
    prepare_a
    sim_ctl hold "$U1" || fail "cannot hold $U1"
    release_a_in_background
    prepare_b_while_a_releases "busy device"
    sim_mdev_exists "$U1" || fail "the held device vanished"
    [ -f "$(sim_record "$U1")" ] || fail "the record of the busy device was dropped"
    grep -q "$U1" "$WORK/release.err" || fail "release a did not warn about $U1: $(cat "$WORK/release.err")"
    sim_ctl release "$U1"
    sim_run_hook a release end </dev/null
    [ "$RC" = 0 ] || fail "second release a: exit $RC: $(cat "$HOOK_ERR")"
    ! sim_mdev_exists "$U1" || fail "$U1 not removed once free"
    [ ! -e "$(sim_record "$U1")" ] || fail "record of $U1 left"
    sim_run_hook b release end </dev/null
    [ "$(sim_count_mdevs)" = 0 ] || fail "cleanup"
}
sim_case "a release waiting on a busy device (EBUSY) does not delay another prepare" case_busy

# --- (a) a slow teardown does not hold up another domain's start --------------
case_slow() { # HOW
    if [ "$1" = scenario ]; then
        sim_start "$(slow_scenario 6000)"
    else
        sim_start tiny
        if [ ! -e "$SIM_ROOT/sys/.vgpu-sim/delay" ]; then
            echo "    note: vgpu-sim has no .vgpu-sim/delay control file yet; skipped"
            exit 77
        fi
        sim_ctl delay "remove 6000" || fail "cannot write 'remove 6000' to .vgpu-sim/delay"
    fi
    sim_conf "remove_timeout_ms=$REMOVE_TIMEOUT_MS"
    prepare_a
    release_a_in_background
    prepare_b_while_a_releases "slow device ($1)"
    ! sim_mdev_exists "$U1" || fail "$U1 still present after release a"
    [ ! -e "$(sim_record "$U1")" ] || fail "record of $U1 left after a successful release"
    sim_run_hook b release end </dev/null
}
sim_case "a release waiting on a slow device (remove_delay_ms) does not delay another prepare" case_slow scenario
sim_case "a release waiting on a slow device (.vgpu-sim/delay) does not delay another prepare" case_slow control

# --- (b) a blocking remove write: libvirt still reads EOF on time ---------------
case_block() {
    local t0 ms rc deadline=$((REMOVE_TIMEOUT_MS + 1000))
    sim_start tiny
    sim_conf "remove_timeout_ms=$REMOVE_TIMEOUT_MS"
    prepare_a
    if ! sim_ctl hold "$U1 block"; then
        echo "    note: vgpu-sim does not support 'UUID block' in .vgpu-sim/hold yet; skipped"
        exit 77
    fi
    # shellcheck disable=SC2064
    trap "echo '$U1' >'$SIM_ROOT/sys/.vgpu-sim/release' 2>/dev/null; sim_wait_for 5 fusermount3 -u '$SIM_ROOT/sys' 2>/dev/null; sim_stop" EXIT
    # As libvirt runs a hook: stdout and stderr on one pipe, read until EOF.
    # The reader is bounded too: a process that keeps the pipe open while
    # the remove write blocks would otherwise hang the test.
    t0=$(sim_now_ms)
    {
        set +e
        timeout -k 1 $((REMOVE_TIMEOUT_MS / 1000 + 6)) "$HOOK" a release end - </dev/null 2>&1
        echo $? >"$WORK/block.rc"
    } | {
        set +e
        timeout $((REMOVE_TIMEOUT_MS / 1000 + 8)) cat >"$WORK/block.out"
        echo $? >"$WORK/block.cat"
    }
    ms=$(($(sim_now_ms) - t0))
    echo "    EOF on the hook's output after $ms ms (remove_timeout_ms=$REMOVE_TIMEOUT_MS)"
    rc=$(cat "$WORK/block.rc")
    # Let whatever still blocks go before judging, so the emulator unmounts.
    sim_ctl release "$U1" || true
    [ "$(cat "$WORK/block.cat")" = 0 ] || fail "the pipe never reached EOF ($ms ms): a process still held the hook's stdout/stderr while the remove write blocked (hook exit $rc)"
    [ "$ms" -le "$deadline" ] || fail "the pipe reached EOF after $ms ms, over $deadline ms (hook exit $rc)"
    [ "$rc" = 0 ] || fail "release with a blocked remove: exit $rc: $(cat "$WORK/block.out")"
    # The detached helper finishes: device gone, record dropped.
    sim_wait_for 5 eval '! sim_mdev_exists "$U1" && [ ! -e "$(sim_record "$U1")" ]' ||
        fail "after the blocked remove returned: device present=$(sim_mdev_exists "$U1" && echo yes || echo no), record present=$([ -e "$(sim_record "$U1")" ] && echo yes || echo no)"
}
sim_case "a release whose remove write blocks reaches EOF within remove_timeout_ms + 1 s; the helper finishes later" case_block

# --- (c) a stuck lock: prepare fails within the bound, naming the lock ---------
case_stuck_lock() {
    local holder
    sim_start tiny
    prepare_a # creates run/libvgpu/ as the engine wants it
    ( exec 9>>"$SIM_ROOT/run/libvgpu/lock"; flock -x 9; exec sleep 60 ) &
    holder=$!
    # shellcheck disable=SC2064
    trap "kill $holder 2>/dev/null || true; sim_stop" EXIT
    sim_wait_for 5 eval '! flock -n -x "$SIM_ROOT/run/libvgpu/lock" true' || fail "the holder did not take the lock"
    sim_domain_xml b "$D2" "$U2 nvidia-66" |
        LIBVGPU_LOCK_TIMEOUT_MS=1000 SIM_HOOK_TIMEOUT=8 sim_run_hook b prepare begin
    kill "$holder" 2>/dev/null || true
    [ "$RC" != 124 ] || fail "prepare with a stuck lock still waited after 8 s (LIBVGPU_LOCK_TIMEOUT_MS=1000 ignored, or the lock is unbounded)"
    [ "$RC" = 1 ] || fail "prepare with a stuck lock: exit $RC, wanted 1: $(cat "$HOOK_ERR")"
    [ "$HOOK_MS" -le 3000 ] || fail "prepare with a stuck lock took $HOOK_MS ms, bound 1000 ms"
    grep -q "run/libvgpu/lock" "$HOOK_ERR" || fail "the message does not name the lock: $(cat "$HOOK_ERR")"
    local why
    why=$(sim_stderr_problem "$HOOK_ERR")
    [ -z "$why" ] || fail "$why"
    ! sim_mdev_exists "$U2" || fail "prepare without the lock created $U2"
    echo "    after $HOOK_MS ms: $(cat "$HOOK_ERR")"
}
sim_case "a stuck host lock makes prepare fail within the bound, naming the lock" case_stuck_lock

sim_finish "hook-lockwait"
