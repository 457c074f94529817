#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of the state directory hardening of the real vgpu-hook
# (docs/engine.md, "Ownership records" and "State directory"): a table of
# attacks on run/libvgpu/, each on a fresh emulator root, with a domain
# prepared (a real device and record exist) or not. For every attack:
# - the hook writes nothing outside the state directory (canaries unchanged),
# - it never hangs (timeout) and exits 0 or 1 (never 2, never a signal),
# - a device created by hand (no record) survives every release (and
#   `vgpuctl gc` when VGPUCTL is given),
# - when it refuses, stderr is one line naming the path and the fix.
#
# Usage: test-hook-state-attacks.sh VGPU_HOOK VGPU_SIM [VGPUCTL]
set -euo pipefail
shopt -s lastpipe

HOOK=$1
export VGPU_SIM=$2
VGPUCTL=${3:-}
. "$(dirname "$0")/../lib-sim.sh"

WORK=$(mktemp -d /tmp/vgpu-attacks.XXXXXX)
HOOK_OUT=$WORK/out
HOOK_ERR=$WORK/err
trap 'rm -rf "$WORK"' EXIT

UA=9d2e9b5e-1c4a-4f7e-8a3b-00000000000a # domain a's device (nvidia-65)
UB=9d2e9b5e-1c4a-4f7e-8a3b-00000000000b # domain b's device (nvidia-65)
UF=9d2e9b5e-1c4a-4f7e-8a3b-00000000000f # foreign: made by hand, no record
UX=9d2e9b5e-1c4a-4f7e-8a3b-0000000000ee # a device named by a planted record
DA=c7a5fdbd-edaf-9455-926a-d65c16db180a
DB=c7a5fdbd-edaf-9455-926a-d65c16db180b
STATE=run/libvgpu
ATTACKS=0

sim_require

# Everything under the root but sys/ and the state directory: path, type,
# mode, size and a checksum of every regular file.
snapshot() {
    (
        cd "$SIM_ROOT"
        find . -path ./sys -prune -o -path "./$STATE" -prune -o -printf '%p %y %m %s %l\n' | sort
        find . -path ./sys -prune -o -path "./$STATE" -prune -o -type f -print0 | sort -z | xargs -0r sha256sum
    )
}

# The common ground of every attack: canaries outside the state directory,
# a foreign device, and (if PREPARED) domain a with its device and record.
setup() { # PREPARED
    sim_start tiny
    sim_conf "remove_timeout_ms=500"
    mkdir -p "$SIM_ROOT/outside/evil"
    echo "canary: the hook must never write here" >"$SIM_ROOT/outside/canary"
    echo "another canary" >"$SIM_ROOT/outside/evil/canary"
    chmod 0644 "$SIM_ROOT/outside/canary"
    sim_create_by_hand 0000:05:00.0 nvidia-66 "$UF"
    if [ "$1" = prepared ]; then
        sim_domain_xml a "$DA" "$UA nvidia-65" | sim_run_hook a prepare begin
        [ "$RC" = 0 ] || fail "setup: prepare a: exit $RC: $(cat "$HOOK_ERR")"
        [ -f "$(sim_record "$UA")" ] || fail "setup: no record for $UA"
    fi
}

# A valid record for UUID in the old format (a 0.1 record reads as ready).
record_text() { # DOMAIN UUID PARENT TYPE
    printf '[mdev]\ndomain=%s\nuuid=%s\nparent=%s\ntype=%s\ncreated=1763686800\n' "$@"
}

# A state directory made by hand the way the engine makes it.
state_dirs() {
    mkdir -p "$SIM_ROOT/run/libvgpu/mdevs"
    chmod 0700 "$SIM_ROOT/run/libvgpu" "$SIM_ROOT/run/libvgpu/mdevs"
}

# One hook call under attack: bounded, 0 or 1, one clean line when it
# refuses (REFUSE=yes: it must refuse, naming PATH).
attacked_call() { # WHAT (stdin: XML) ; uses REFUSE, REFUSE_PATH
    sim_run_hook "$@"
    echo "    $*: exit $RC in $HOOK_MS ms$( [ -s "$HOOK_ERR" ] && printf ': %s' "$(head -c 300 "$HOOK_ERR" | tr '\n\033' '|?')")"
    case $RC in
    0 | 1) ;;
    124 | 137) problem "$*: hung (killed after ${SIM_HOOK_TIMEOUT:-10} s)"; outside_unchanged "$*"; return 0 ;;
    *) problem "$*: exit $RC (only 0 and 1 are allowed): $(head -c 600 "$HOOK_ERR")"; return 0 ;;
    esac
    [ "$HOOK_MS" -le 3000 ] || problem "$*: took $HOOK_MS ms (no device is busy; bound 3000 ms)"
    outside_unchanged "$*"
    if [ "$RC" = 1 ] || [ "$REFUSE" = yes ]; then
        local why
        if [ "$RC" != 1 ]; then
            problem "$*: exit 0, but the hook must refuse $REFUSE_PATH"
            return 0
        fi
        why=$(sim_stderr_problem "$HOOK_ERR")
        [ -z "$why" ] || problem "$*: exit 1 and $why: $(head -c 600 "$HOOK_ERR")"
        if [ "$REFUSE" = yes ]; then
            grep -qF "$REFUSE_PATH" "$HOOK_ERR" || problem "$*: the refusal does not name $REFUSE_PATH: $(cat "$HOOK_ERR")"
            grep -Eq 'chmod|chown|rm |remove|delete|replace' "$HOOK_ERR" || problem "$*: the refusal names no fix: $(cat "$HOOK_ERR")"
        fi
    fi
}

# Compares what lies outside the state directory with SNAPSHOT (taken once
# the attack is in place), after every call: a record written outside and
# deleted again by a later call is caught too.
outside_unchanged() { # WHO
    local now
    now=$(snapshot)
    if [ "$now" != "$SNAPSHOT" ]; then
        problem "$1: changed something outside $STATE: $(diff <(echo "$SNAPSHOT") <(echo "$now") | grep '^[<>]' | head -10)"
        SNAPSHOT=$now
    fi
}

# Collects the broken invariants of one attack: all are reported, then the
# attack fails once.
PROBLEMS=""
problem() {
    PROBLEMS+="  - $*
"
}
problems_fail() {
    [ -z "$PROBLEMS" ] || fail "$(printf '%d problem(s):\n%s' "$(printf '%s' "$PROBLEMS" | grep -c '^  - ')" "$PROBLEMS")"
}

# The calls every attack goes through, then the invariants.
#   PREPARED   prepared|fresh
#   REFUSE     yes: prepare must refuse (state dir unusable), naming REFUSE_PATH
#   OTHERS_OK  yes: the attack concerns one record only, so domain a's
#              release must still remove a's device
run_attack() { # NAME PREPARED REFUSE REFUSE_PATH OTHERS_OK ATTACK-FUNCTION
    PREPARED=$2 REFUSE=$3 REFUSE_PATH=$4 OTHERS_OK=$5
    setup "$PREPARED"
    "$6"
    SNAPSHOT=$(snapshot)
    sim_domain_xml b "$DB" "$UB nvidia-65" | attacked_call b prepare begin
    if [ "$REFUSE" = yes ]; then
        ! sim_mdev_exists "$UB" || problem "prepare b created $UB in an unusable state directory"
    fi
    REFUSE=no attacked_call a release end </dev/null
    REFUSE=no attacked_call b release end </dev/null
    if [ "$OTHERS_OK" = yes ]; then
        ! sim_mdev_exists "$UA" || problem "a bad record kept release a from removing $UA"
        ! sim_mdev_exists "$UB" || problem "a bad record kept release b from removing $UB"
    fi
    if [ -n "$VGPUCTL" ]; then
        set +e
        timeout -k 2 10 "$VGPUCTL" gc -c test:///default >"$WORK/gc.out" 2>&1
        local rc=$?
        set -e
        if [ "$rc" = 124 ]; then
            problem "vgpuctl gc hung"
        elif [ "$rc" -ge 2 ]; then
            problem "vgpuctl gc: exit $rc: $(head -c 600 "$WORK/gc.out")"
        fi
        outside_unchanged "vgpuctl gc"
    fi
    sim_mdev_exists "$UF" || problem "the foreign device $UF was removed"
    problems_fail
}

attack() { # NAME PREPARED REFUSE REFUSE_PATH OTHERS_OK ATTACK-FUNCTION
    ATTACKS=$((ATTACKS + 1))
    sim_case "attack: $1 ($2)" run_attack "$@"
}

# --- the state directory itself -------------------------------------------------
a_state_symlink() {
    mkdir -p "$SIM_ROOT/run"
    [ ! -e "$SIM_ROOT/$STATE" ] || mv "$SIM_ROOT/$STATE" "$SIM_ROOT/run/libvgpu.real"
    ln -s ../outside/evil "$SIM_ROOT/$STATE"
}
a_mdevs_symlink() {
    [ -d "$SIM_ROOT/$STATE" ] || state_dirs
    [ ! -e "$SIM_ROOT/$STATE/mdevs" ] || mv "$SIM_ROOT/$STATE/mdevs" "$SIM_ROOT/$STATE/mdevs.real"
    ln -s ../../outside/evil "$SIM_ROOT/$STATE/mdevs"
}
a_lock_symlink() {
    [ -d "$SIM_ROOT/$STATE" ] || state_dirs
    rm -f "$SIM_ROOT/$STATE/lock"
    ln -s ../../outside/canary "$SIM_ROOT/$STATE/lock"
}
a_mdevs_0777() { [ -d "$SIM_ROOT/$STATE" ] || state_dirs; chmod 0777 "$SIM_ROOT/$STATE/mdevs"; }
a_mdevs_0770() { [ -d "$SIM_ROOT/$STATE" ] || state_dirs; chmod 0770 "$SIM_ROOT/$STATE/mdevs"; }
a_state_0777() { [ -d "$SIM_ROOT/$STATE" ] || state_dirs; chmod 0777 "$SIM_ROOT/$STATE"; }
a_state_foreign_owner() { [ -d "$SIM_ROOT/$STATE" ] || state_dirs; chown 65534 "$SIM_ROOT/$STATE/mdevs"; }

for p in prepared fresh; do
    attack "run/libvgpu is a symlink to another directory" $p yes run/libvgpu no a_state_symlink
    attack "run/libvgpu/mdevs is a symlink" $p yes run/libvgpu/mdevs no a_mdevs_symlink
    attack "the lock file is a symlink to a file outside" $p yes run/libvgpu/lock no a_lock_symlink
    attack "mdevs/ is world-writable (0777)" $p yes run/libvgpu/mdevs no a_mdevs_0777
    attack "mdevs/ is group-writable (0770)" $p yes run/libvgpu/mdevs no a_mdevs_0770
    attack "run/libvgpu is world-writable (0777)" $p yes run/libvgpu no a_state_0777
    attack "mdevs/ is owned by another user" $p yes run/libvgpu/mdevs no a_state_foreign_owner
done

# --- single records ---------------------------------------------------------------
r_fifo() { mkfifo -m 0600 "$(sim_record "$UX")"; }
r_sparse() { truncate -s 512M "$(sim_record "$UX")"; chmod 0600 "$(sim_record "$UX")"; }
# a's record now names the foreign device.
r_foreign_uuid() {
    record_text a "$UF" 0000:05:00.0 nvidia-66 >"$(sim_record "$UA")"
}
# A record elsewhere naming a's domain and the foreign device, reached
# through a symlink named after the foreign device.
r_symlink() {
    record_text a "$UF" 0000:05:00.0 nvidia-66 >"$SIM_ROOT/outside/record"
    ln -s ../../../outside/record "$(sim_record "$UF")"
}
r_garbage() {
    head -c 3000 /dev/urandom >"$(sim_record "$UX")"
    printf '[mdev\ndomain\x00=a\n\xff\xfe' >"$(sim_record "$UF")"
    chmod 0600 "$(sim_record "$UX")" "$(sim_record "$UF")"
}
r_bad_name() {
    record_text a "$UF" 0000:05:00.0 nvidia-66 >"$SIM_ROOT/$STATE/mdevs/not-a-uuid"
    record_text a "$UF" 0000:05:00.0 nvidia-66 >"$SIM_ROOT/$STATE/mdevs/${UF^^}"
    record_text a "$UF" 0000:05:00.0 nvidia-66 >"$SIM_ROOT/$STATE/mdevs/$UF.bak"
    chmod 0600 "$SIM_ROOT/$STATE/mdevs/"*
}
# A device by hand on a's parent, recorded for a domain whose name carries
# a newline and an escape sequence: b's start then finds no nvidia-65 left
# and the capacity message names the users, that domain among them.
r_newline_domain() {
    sim_create_by_hand 0000:06:00.0 nvidia-65 "$UX"
    printf '[mdev]\ndomain=evil\\nvgpu-hook: forged line\\r\033[31mred\nuuid=%s\nparent=0000:06:00.0\ntype=nvidia-65\ncreated=1763686800\n' \
        "$UX" >"$(sim_record "$UX")"
    chmod 0600 "$(sim_record "$UX")"
}
# Stale temporary files of a killed writer: the next lock holder deletes them.
r_stale_tmp() {
    record_text a "$UX" 0000:06:00.0 nvidia-65 >"$SIM_ROOT/$STATE/mdevs/.tmp-$UX-99999"
    : >"$SIM_ROOT/$STATE/mdevs/.tmp-$UA-4242"
    ln -s ../../../outside/canary "$SIM_ROOT/$STATE/mdevs/.tmp-$UF-1"
    chmod 0600 "$SIM_ROOT/$STATE/mdevs/.tmp-$UX-99999" "$SIM_ROOT/$STATE/mdevs/.tmp-$UA-4242"
}

attack "a record that is a FIFO" prepared no - yes r_fifo
attack "a 512 MiB sparse record" prepared no - yes r_sparse
attack "a's record names a foreign device's UUID" prepared no - no r_foreign_uuid
attack "a record that is a symlink to a file outside" prepared no - yes r_symlink
attack "records with garbage content" prepared no - yes r_garbage
attack "records whose file names are not UUIDs" prepared no - yes r_bad_name
attack "a record whose domain name holds a newline and ESC" prepared no - no r_newline_domain

# Stale temporary files are deleted by the next prepare, and by the next
# release: two cases, the check after the first call.
case_stale_tmp() { # OP
    setup prepared
    r_stale_tmp
    SNAPSHOT=$(snapshot)
    if [ "$1" = prepare ]; then
        sim_domain_xml b "$DB" "$UB nvidia-65" | REFUSE=no attacked_call b prepare begin
    else
        REFUSE=no attacked_call a release end </dev/null
    fi
    local left
    left=$(find "$SIM_ROOT/$STATE/mdevs" -mindepth 1 -maxdepth 1 -name '.tmp-*' -printf '%f ')
    [ -z "$left" ] || problem "stale temporary files left after $1: $left"
    grep -q "^canary: the hook must never write here$" "$SIM_ROOT/outside/canary" || problem "canary changed"
    sim_mdev_exists "$UF" || problem "foreign device removed"
    problems_fail
}
attack "stale .tmp-* files (then invariants)" prepared no - yes r_stale_tmp
ATTACKS=$((ATTACKS + 2))
sim_case "attack: stale .tmp-* files are deleted by the next prepare" case_stale_tmp prepare
sim_case "attack: stale .tmp-* files are deleted by the next release" case_stale_tmp release

echo "$ATTACKS attacks tried"
sim_finish "hook-state-attacks"
