#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Crash recovery of the real vgpu-hook against the mdev sysfs emulator:
# the hook is SIGKILLed at random points of `prepare begin` and
# `release end` (and, deterministically, at the Nth openat/write/rename/
# unlink under strace), then recovered the way libvirt and an operator
# would. After each recovery the host must hold zero mediated devices,
# zero ownership records and no temporary record files (DESIGN.md: "a
# hook killed at any point leaves a record that the next release end or
# vgpuctl gc resolves: zero stranded devices").
#
# Usage: test-crash.sh VGPU_HOOK VGPU_SIM [VGPUCTL]
# Environment: CRASH_SEED (default: random, printed), CRASH_TRIALS (number
# of prepare kills, default 100; release kills are half of it),
# CRASH_STRACE=0 to skip the strace part.
set -euo pipefail

HOOK=$1
export VGPU_SIM=$2
VGPUCTL=${3:-}
. "$(dirname "$0")/../lib-sim.sh"

TRIALS=${CRASH_TRIALS:-100}
SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
SCENARIO=t4x16
TYPES=(nvidia-222 nvidia-223 nvidia-226 nvidia-230 nvidia-234)
DOMAIN_UUID=c7a5fdbd-edaf-9455-926a-d65c16db1801

WORK=$(mktemp -d /tmp/vgpu-crash.XXXXXX)
cleanup() { sim_wait_hooks 5 || true; sim_stop; rm -rf "$WORK"; }
trap cleanup EXIT

# vgpuctl gc asks libvirt which domains run; the test driver answers
# without a daemon (only its own domain "test" runs).
export LIBVIRT_DEFAULT_URI=test:///default

# Figures, printed at the end.
RUNS=0          # hook runs we tried to kill
LANDED=0        # ... that the kill ended before they finished
STRANDED_DEVICES=0
STRANDED_RECORDS=0
TMP_FILES=0
RECOVERY_FAILED=0  # recovery commands that did not exit 0
FAILED_TRIALS=()

new_uuid() {
    cat /proc/sys/kernel/random/uuid
}

# write_domain NAME: a domain asking for 1-3 devices of random types, in
# $WORK/NAME.xml
write_domain() {
    local name=$1 n=$((1 + RANDOM % 3)) reqs=() i
    for ((i = 0; i < n; i++)); do
        reqs+=("$(new_uuid) ${TYPES[RANDOM % ${#TYPES[@]}]}")
    done
    domain_xml "$name" "$DOMAIN_UUID" "${reqs[@]}" >"$WORK/$name.xml"
}

# write_fixed_domain NAME: always two devices of two types, so that the
# strace kill points are the same in every run
write_fixed_domain() {
    domain_xml "$1" "$DOMAIN_UUID" "$(new_uuid) nvidia-222" \
        "$(new_uuid) nvidia-230" >"$WORK/$1.xml"
}

# phase_start / phase_end LABEL: the figures of one part of the suite
phase_start() {
    P_RUNS=$RUNS P_LANDED=$LANDED P_DEV=$STRANDED_DEVICES
    P_REC=$STRANDED_RECORDS P_TMP=$TMP_FILES P_FAILED=${#FAILED_TRIALS[@]}
}
phase_end() {
    echo "# $1: $((RUNS - P_RUNS)) runs killed, $((LANDED - P_LANDED)) landed," \
        "$((${#FAILED_TRIALS[@]} - P_FAILED)) trials stranded something:" \
        "$((STRANDED_DEVICES - P_DEV)) devices, $((STRANDED_RECORDS - P_REC)) records," \
        "$((TMP_FILES - P_TMP)) temporary files"
}

# run_hook DOMAIN OP SUBOP: runs the hook to the end; its status in RC.
run_hook() {
    set +e
    "$HOOK" "$1" "$2" "$3" - <"$WORK/$1.xml" >"$WORK/out" 2>"$WORK/err"
    RC=$?
    set -e
}

# kill_hook_after DELAY DOMAIN OP SUBOP: starts the hook in a session of
# its own, SIGKILLs the whole process group after DELAY seconds; sets
# KILLED=1 if the hook was still running then (its status is 137).
kill_hook_after() {
    local delay=$1 pid status=0
    setsid "$HOOK" "$2" "$3" "$4" - <"$WORK/$2.xml" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || status=$?
    KILLED=0
    [ "$status" != 137 ] || KILLED=1
    RUNS=$((RUNS + 1))
    LANDED=$((LANDED + KILLED))
}

# recover COMMAND...: runs one recovery step, counting a failure.
recover() {
    local rc=0
    "$@" >"$WORK/recover.out" 2>&1 </dev/null || rc=$?
    if [ "$rc" != 0 ]; then
        RECOVERY_FAILED=$((RECOVERY_FAILED + 1))
        echo "    recovery '$*' exited $rc: $(head -c 300 "$WORK/recover.out")"
    fi
}

recover_release() { # DOMAIN
    recover "$HOOK" "$1" release end -
}

recover_prepare_release() { # DOMAIN
    local rc=0
    "$HOOK" "$1" prepare begin - <"$WORK/$1.xml" >/dev/null 2>"$WORK/recover.out" || rc=$?
    if [ "$rc" != 0 ]; then
        RECOVERY_FAILED=$((RECOVERY_FAILED + 1))
        echo "    recovery prepare of $1 exited $rc: $(head -c 300 "$WORK/recover.out")"
    fi
    recover_release "$1"
}

# vgpuctl gc leaves records created in the second it asks libvirt (a
# domain may be starting then), so let that second pass first.
recover_gc() { # CREATED_AT
    while [ "$(date +%s)" -le "$1" ]; do sleep 0.05; done
    recover "$VGPUCTL" gc
}

# check_clean LABEL: after recovery (and once every hook process on this
# root, helpers included, has ended) the host must be empty. Proves that
# the kill stranded nothing: no device without the record that lets
# release/gc find it, no record left behind, no temporary file. Counts
# what it finds and scrubs it so that the next trial starts clean.
check_clean() {
    local label=$1 devices records tmp
    sim_wait_hooks 30 || echo "    $label: hook processes still running after 30 s: $(sim_hook_pids | tr '\n' ' ')"
    devices=$(sim_list_mdevs | wc -l)
    records=$(sim_list_records | wc -l)
    tmp=$(sim_list_tmp_records | wc -l)
    if [ "$devices$records$tmp" != 000 ]; then
        STRANDED_DEVICES=$((STRANDED_DEVICES + devices))
        STRANDED_RECORDS=$((STRANDED_RECORDS + records))
        TMP_FILES=$((TMP_FILES + tmp))
        FAILED_TRIALS+=("$label")
        echo "    $label: stranded $devices devices, $records records, $tmp temporary files"
        sim_scrub
    fi
}

# Milliseconds one uncrashed OP takes, to spread the kills over it.
measure_ms() { # OP SUBOP
    local start end
    write_domain measure
    [ "$1" = prepare ] || run_hook measure prepare begin
    start=$(date +%s%N)
    run_hook measure "$1" "$2"
    end=$(date +%s%N)
    [ "$RC" = 0 ] || fail "uncrashed $1 $2 failed: $(cat "$WORK/err")"
    [ "$1" = release ] || run_hook measure release end
    sim_wait_hooks 30 || true
    [ "$(sim_count_mdevs)" = 0 ] || fail "uncrashed prepare + release left devices"
    echo $(((end - start) / 1000000))
}

# random_delay MS: a random delay in seconds from 0 to 1.2 x MS
random_delay() {
    local us=$((RANDOM * 32768 + RANDOM))
    us=$((us % ($1 * 1200 + 1)))
    printf '%d.%06d' $((us / 1000000)) $((us % 1000000))
}

echo "# seed $SEED (CRASH_SEED=$SEED CRASH_TRIALS=$TRIALS to repeat)"
sim_start "$SCENARIO"
# Slow writes, so that kills land in the middle of a create or remove.
sim_ctl delay "create 3"
sim_ctl delay "remove 3"

PREPARE_MS=$(measure_ms prepare begin)
RELEASE_MS=$(measure_ms release end)
echo "# an uncrashed prepare takes ${PREPARE_MS} ms, a release ${RELEASE_MS} ms"

# --- random kills of prepare begin ---------------------------------------
# Recovery as libvirt does after a failed start: release end of the domain
# (and in a third of the trials the user starts it again first).
phase_start
for ((i = 1; i <= TRIALS; i++)); do
    write_domain "crash$i"
    kill_hook_after "$(random_delay "$PREPARE_MS")" "crash$i" prepare begin
    if ((RANDOM % 3 == 0)); then
        recover_prepare_release "crash$i"
    else
        recover_release "crash$i"
    fi
    check_clean "prepare trial $i (killed=$KILLED)"
done
phase_end "prepare begin, random kills"
pass "prepare begin killed at random $TRIALS times: figures below"

# --- random kills of release end ---------------------------------------
# Recovery: release end again (libvirt may call it again), or vgpuctl gc.
phase_start
for ((i = 1; i <= TRIALS / 2; i++)); do
    write_domain "rel$i"
    run_hook "rel$i" prepare begin
    [ "$RC" = 0 ] || fail "prepare before release trial $i: $(cat "$WORK/err")"
    created=$(date +%s)
    kill_hook_after "$(random_delay "$RELEASE_MS")" "rel$i" release end
    if [ -n "$VGPUCTL" ] && ((RANDOM % 3 == 0)); then
        recover_gc "$created"
    else
        recover_release "rel$i"
    fi
    check_clean "release trial $i (killed=$KILLED)"
done
phase_end "release end, random kills"
pass "release end killed at random $((TRIALS / 2)) times: figures below"

# --- random kills of prepare begin starting mdevctl-defined devices -------
# A domain naming 1-2 devices without request, defined with mdevctl
# (etc/mdevctl.d/PARENT/UUID) on random parents: the same transaction, so
# the same recovery must leave nothing (the definitions stay, as mdevctl's).
write_mdevctl_domain() { # NAME
    local n=$((1 + RANDOM % 2)) base=$((RANDOM % 16)) hostdevs=() i u parent
    for ((i = 0; i < n; i++)); do
        u=$(new_uuid)
        # one per T4 (its types have 1-16 instances, one type per GPU)
        parent=$(printf '0000:%02x:00.0' $((0x3b + (base + i) % 16)))
        mkdir -p "$SIM_ROOT/etc/mdevctl.d/$parent"
        printf '{"mdev_type": "%s", "start": "manual"}\n' \
            "${TYPES[RANDOM % ${#TYPES[@]}]}" >"$SIM_ROOT/etc/mdevctl.d/$parent/$u"
        hostdevs+=("hostdev-only:$u")
    done
    domain_xml "$1" "$DOMAIN_UUID" "${hostdevs[@]}" >"$WORK/$1.xml"
}
phase_start
for ((i = 1; i <= (TRIALS + 3) / 4; i++)); do
    write_mdevctl_domain "mdevctl$i"
    kill_hook_after "$(random_delay "$PREPARE_MS")" "mdevctl$i" prepare begin
    if ((RANDOM % 2 == 0)); then
        recover_prepare_release "mdevctl$i"
    else
        recover_release "mdevctl$i"
    fi
    check_clean "mdevctl prepare trial $i (killed=$KILLED)"
    rm -rf "$SIM_ROOT/etc/mdevctl.d"
done
phase_end "prepare begin of mdevctl-defined devices, random kills"
pass "prepare begin of mdevctl-defined devices killed at random $(((TRIALS + 3) / 4)) times"

# --- deterministic kills at the Nth syscall of a kind ---------------------
# strace delivers SIGKILL on entering the Nth call (per process) of a
# syscall, before it runs. N counts up until a run completes unkilled, so
# every step of the hook that makes such a call is a kill point once.
strace_trials() { # OP SUBOP SYSCALLS
    local op=$1 subop=$2 calls=$3 n status points=0
    for ((n = 1; n <= 2000; n++)); do
        write_fixed_domain "st$n"
        if [ "$op" = release ]; then
            run_hook "st$n" prepare begin
            [ "$RC" = 0 ] || fail "prepare before strace trial: $(cat "$WORK/err")"
        fi
        status=0
        # (braces: bash reports a killed command on its own stderr)
        { setsid strace -f -qq -o /dev/null -e "trace=$calls" \
            -e "inject=$calls:signal=KILL:when=$n" \
            "$HOOK" "st$n" "$op" "$subop" - <"$WORK/st$n.xml" >/dev/null; } \
            2>/dev/null || status=$?
        RUNS=$((RUNS + 1))
        # strace exits with the tracee's status: 128 + 9 when killed
        if [ "$status" = 137 ]; then
            LANDED=$((LANDED + 1))
            points=$((points + 1))
        fi
        recover_release "st$n"
        check_clean "strace $op $subop $calls #$n (status $status)"
        [ "$status" = 137 ] || break
    done
    echo "    $op $subop: $points kill points at $calls"
}

if [ "${CRASH_STRACE:-1}" != 0 ] && command -v strace >/dev/null &&
    strace -f -qq -o /dev/null true 2>/dev/null; then
    phase_start
    for calls in openat write rename,renameat,renameat2 unlink,unlinkat; do
        strace_trials prepare begin "$calls"
        strace_trials release end "$calls"
    done
    phase_end "deterministic kills (strace)"
    pass "deterministic kills at every openat, write, rename and unlink"
else
    echo "# strace unavailable (or CRASH_STRACE=0): deterministic kills skipped"
fi

echo "# seed $SEED: $RUNS runs killed, $LANDED kills landed before the hook finished"
echo "# stranded devices: $STRANDED_DEVICES (must be 0)"
echo "# stranded records: $STRANDED_RECORDS (must be 0)"
echo "# temporary record files left: $TMP_FILES (must be 0)"
echo "# recovery commands that failed: $RECOVERY_FAILED"
if [ ${#FAILED_TRIALS[@]} -gt 0 ]; then
    echo "# trials that stranded something: ${#FAILED_TRIALS[@]}"
    fail "crash recovery left devices, records or temporary files (seed $SEED)"
fi
echo "all $PASSED crash checks passed"
