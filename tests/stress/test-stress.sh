#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Stress of the real vgpu-hook against the mdev sysfs emulator: 8
# concurrent loops start (prepare begin) and stop (release end) 32
# domains, each with a fixed name, domain UUID and 1-2 requests of random
# types, for STRESS_SECONDS (default 20) per scenario, on one homogeneous
# GPU (p4) and on 16 GPUs (t4x16). While they run and at the end it
# checks the DESIGN.md invariants:
#   - no over-allocation: per parent, devices of a type <= its
#     max_instances, and one type per (homogeneous) parent;
#   - every device has an ownership record (all devices here are ours);
#   - after all domains are released: no device and no record;
#   - a refused start exits 1 with a capacity message ("free"/"left");
#     no hook exits 2 or dies of a signal, no release fails.
#
# Usage: test-stress.sh VGPU_HOOK VGPU_SIM
# Environment: STRESS_SECONDS, STRESS_SEED (default random, printed),
# STRESS_LOOPS (default 8).
set -euo pipefail

HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

SECONDS_PER_SCENARIO=${STRESS_SECONDS:-20}
LOOPS=${STRESS_LOOPS:-8}
DOMAINS_PER_LOOP=4
SEED=${STRESS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED

WORK=$(mktemp -d /tmp/vgpu-stress.XXXXXX)
cleanup() {
    local pid
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    sim_wait_hooks 10 || true
    sim_stop
    rm -rf "$WORK"
}
trap cleanup EXIT

TOTAL_VIOLATIONS=0

# violation TEXT: appends to the violations log (loops and checker alike)
violation() {
    echo "$*" >>"$WORK/violations"
}

# --- the loops -------------------------------------------------------------

# make_domains TYPE...: writes $WORK/dN.xml for every domain, 1-2 requests
# of types drawn from TYPE...
make_domains() {
    local types=("$@") d n reqs j
    for ((d = 0; d < LOOPS * DOMAINS_PER_LOOP; d++)); do
        n=$((1 + RANDOM % 2))
        reqs=()
        for ((j = 0; j < n; j++)); do
            reqs+=("$(printf '9d2e9b5e-1c4a-4f7e-%04x-%012x' "$j" "$d") ${types[RANDOM % ${#types[@]}]}")
        done
        domain_xml "d$d" "$(printf 'c7a5fdbd-edaf-9455-926a-%012x' "$d")" \
            "${reqs[@]}" >"$WORK/d$d.xml"
    done
}

# loop K END: domains K, K+LOOPS, ... belong to loop K alone (libvirt
# never runs two hooks of one domain at once). Each round picks one: a
# stopped domain is started, a running one stopped. Counts go to
# $WORK/count.K as "prepared refused released".
loop() {
    local k=$1 end=$2 mine=() running=() d i rc prepared=0 refused=0 released=0
    RANDOM=$((SEED + k))
    for ((i = k; i < LOOPS * DOMAINS_PER_LOOP; i += LOOPS)); do
        mine+=("$i")
        running[i]=0
    done
    while [ "$(date +%s)" -lt "$end" ]; do
        d=${mine[RANDOM % ${#mine[@]}]}
        rc=0
        if [ "${running[d]}" = 0 ]; then
            "$HOOK" "d$d" prepare begin - <"$WORK/d$d.xml" >/dev/null 2>"$WORK/err.$k" || rc=$?
            case $rc in
            0)
                running[d]=1
                prepared=$((prepared + 1))
                ;;
            1)
                refused=$((refused + 1))
                # a refusal must be about capacity, nothing else
                grep -Eq "free|left" "$WORK/err.$k" ||
                    violation "prepare d$d: exit 1 without a capacity message: $(head -c 300 "$WORK/err.$k")"
                [ "$(wc -l <"$WORK/err.$k")" = 1 ] ||
                    violation "prepare d$d: not one line on stderr: $(head -c 300 "$WORK/err.$k")"
                ;;
            *) violation "prepare d$d: exit status $rc: $(head -c 300 "$WORK/err.$k")" ;;
            esac
        else
            "$HOOK" "d$d" release end - </dev/null >/dev/null 2>"$WORK/err.$k" || rc=$?
            [ "$rc" = 0 ] || violation "release d$d: exit status $rc: $(head -c 300 "$WORK/err.$k")"
            grep -q . "$WORK/err.$k" &&
                violation "release d$d: printed: $(head -c 300 "$WORK/err.$k")"
            running[d]=0
            released=$((released + 1))
        fi
    done
    # leave every domain stopped
    for d in "${mine[@]}"; do
        [ "${running[d]}" = 1 ] || continue
        rc=0
        "$HOOK" "d$d" release end - </dev/null >/dev/null 2>"$WORK/err.$k" || rc=$?
        [ "$rc" = 0 ] || violation "final release d$d: exit status $rc: $(head -c 300 "$WORK/err.$k")"
        released=$((released + 1))
    done
    echo "$prepared $refused $released" >"$WORK/count.$k"
}

# --- the invariants ---------------------------------------------------------

# check_allocation: reads .vgpu-sim/state (one consistent snapshot taken
# under the emulator's lock) and proves that no parent holds more devices
# of a type than max_instances, nor (homogeneous) devices of two types.
check_allocation() {
    awk '
        /^parent / { parent = $2; homogeneous = ($3 == "model=homogeneous"); types[parent] = 0 }
        /^  type / {
            mdevs = max = -1
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^mdevs=/) mdevs = substr($i, 7) + 0
                if ($i ~ /^max=/) max = substr($i, 5) + 0
            }
            if (max >= 0 && mdevs > max)
                printf "over-allocation: %s %s has %d of max %d\n", parent, $2, mdevs, max
            if (mdevs > 0 && homogeneous && ++types[parent] == 2)
                printf "two types on homogeneous parent %s\n", parent
        }' "$SIM_ROOT/sys/.vgpu-sim/state" | while read -r line; do
        violation "$line"
    done
}

# check_records: every device present has its ownership record (written
# before the device is created, dropped after it is gone). Checked under
# the host lock, as the engine changes records and creates devices only
# under it; devices may still vanish meanwhile (removal runs without the
# lock), so a device whose record is missing is looked at again.
check_records() {
    local lock="$SIM_ROOT/run/libvgpu/lock" fd
    [ -e "$lock" ] || return 0
    exec {fd}<"$lock"
    flock -x "$fd"
    check_records_locked
    exec {fd}<&-
}
check_records_locked() {
    local records u
    records=" $(sim_list_records | tr '\n' ' ') "
    for u in $(sim_list_mdevs); do
        case $records in *" $u "*) continue ;; esac
        sim_mdev_exists "$u" || continue
        [ -f "$(sim_records_dir)/$u" ] && continue
        violation "device $u has no ownership record"
    done
}

# --- one scenario -------------------------------------------------------------

stress() { # SCENARIO TYPE...
    local scenario=$1 end k checks=0 prepared=0 refused=0 released=0 p r l n
    shift
    sim_restart "$scenario"
    : >"$WORK/violations"
    make_domains "$@"
    end=$(($(date +%s) + SECONDS_PER_SCENARIO))
    for ((k = 0; k < LOOPS; k++)); do
        loop "$k" "$end" &
    done
    # the invariants while the loops run, about twice a second
    while [ -n "$(jobs -rp)" ]; do
        check_allocation
        check_records
        checks=$((checks + 1))
        sleep 0.5
    done
    wait
    # after every domain was released (helpers included)
    sim_wait_hooks 30 || violation "hook processes still running 30 s after the last release"
    check_allocation
    n=$(sim_count_mdevs)
    [ "$n" = 0 ] || violation "$n devices left after every domain was released: $(sim_list_mdevs | tr '\n' ' ')"
    n=$(sim_list_records | wc -l)
    [ "$n" = 0 ] || violation "$n records left after every domain was released: $(sim_list_records | tr '\n' ' ')"
    n=$(sim_list_tmp_records | wc -l)
    [ "$n" = 0 ] || violation "$n temporary record files left: $(sim_list_tmp_records | tr '\n' ' ')"

    for ((k = 0; k < LOOPS; k++)); do
        read -r p r l <"$WORK/count.$k"
        prepared=$((prepared + p))
        refused=$((refused + r))
        released=$((released + l))
    done
    n=$(wc -l <"$WORK/violations")
    echo "# $scenario: ${SECONDS_PER_SCENARIO} s, $LOOPS loops, $((LOOPS * DOMAINS_PER_LOOP)) domains:" \
        "$prepared started, $refused refused (capacity), $released released," \
        "$checks invariant checks while running, $n violations"
    if [ "$n" != 0 ]; then
        sort "$WORK/violations" | uniq -c | sort -rn | head -20 | sed 's/^/    /'
        TOTAL_VIOLATIONS=$((TOTAL_VIOLATIONS + n))
    fi
    [ "$prepared" -gt 0 ] || violation "no domain ever started"
}

echo "# seed $SEED (STRESS_SEED=$SEED STRESS_SECONDS=$SECONDS_PER_SCENARIO to repeat)"
# One P4: types of 8, 4, 2 and 1 instances compete for one homogeneous GPU.
stress p4 nvidia-63 nvidia-64 nvidia-65 nvidia-66
pass "p4: $TOTAL_VIOLATIONS violations so far"
# Sixteen T4s: plenty of room for most types, 16 of nvidia-230.
stress t4x16 nvidia-222 nvidia-223 nvidia-227 nvidia-228 nvidia-230
pass "t4x16: $TOTAL_VIOLATIONS violations so far"

[ "$TOTAL_VIOLATIONS" = 0 ] || fail "$TOTAL_VIOLATIONS invariant violations (seed $SEED)"
echo "all $PASSED stress checks passed"
