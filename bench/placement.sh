#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Placement quality under churn (part of bench/run): seeded traces of
# domain starts and stops (bench-churn) on 16 T4-like and 16 P40-like
# homogeneous GPUs at three offered loads, with placement=pack and
# placement=spread, against first-fit and the re-pack lower bound. Prints
# one row per GPU kind and load: refused starts in %, pooled over the
# seeds, then the largest type's refusals in %.
#
# pack and spread run the hook's placement calls in bench-churn's process
# (mode "library": same discovery, vgpu_alloc_choose_parent() and create
# on the emulator, without the hook's process start, lock and records,
# about 6x faster); first, one short trace runs through the real hook and
# must refuse exactly the same starts. BENCH_PLACEMENT_VIA=hook runs every
# trace through the hook instead.
#
# Usage: bench/placement.sh BUILD_DIR SEEDS EVENTS [LOADS]
#   e.g. bench/placement.sh build "1 2 3" 2000 "70-80 80-90 90-100"
# BENCH_JOBS (default 2) traces run at once, each on its own emulator;
# BENCH_POLICIES picks policies; BENCH_PLACEMENT_DIR keeps the results.
set -euo pipefail
BUILD=$(realpath "$1")
SEEDS=$2
EVENTS=$3
LOADS=${4:-70-80 80-90 90-100}
HERE=$(realpath "$(dirname "$0")")
CHURN=$BUILD/bench/bench-churn
POLICIES=${BENCH_POLICIES:-pack spread first-fit repack}

if [ "${PLACEMENT_JOB:-}" = 1 ]; then # one trace: KIND SEED LOAD POLICY OUT
    shift 4
    read -r kind seed load policy out <<<"$*"
    args=("$kind" "$seed" "${load%-*}" "${load#*-}" "$EVENTS")
    case $policy in
    first-fit | repack) "$CHURN" "${args[@]}" "$policy" >"$out" ;;
    *)
        via=(library)
        [ "${BENCH_PLACEMENT_VIA:-}" != hook ] || via=(hook "$BUILD/hooks/vgpu-hook")
        [ -z "${VIA:-}" ] || via=($VIA)
        export VGPU_SIM=$BUILD/tests/sim/vgpu-sim
        . "$HERE/../tests/lib-sim.sh"
        scenario=t4x16
        [ "$kind" = t4 ] || scenario=$HERE/p40x16.conf
        sim_start "$scenario"
        sim_conf "placement=$policy"
        "$CHURN" "${args[@]}" "${via[@]}" >"$out"
        [ "$(sim_count_mdevs)" = 0 ] || fail "devices left after the trace"
        ;;
    esac
    exit 0
fi

if [ -n "${BENCH_PLACEMENT_DIR:-}" ]; then # keep the traces' results
    T=$BENCH_PLACEMENT_DIR
    mkdir -p "$T"
else
    T=$(mktemp -d)
    trap 'rm -rf "$T"' EXIT
fi
check=("$1" "$SEEDS" $((EVENTS < 200 ? EVENTS : 200)) "$LOADS" t4 1 "${LOADS%% *}" spread)
PLACEMENT_JOB=1 VIA=library "$0" "${check[@]}" "$T/check.library"
PLACEMENT_JOB=1 VIA="hook $BUILD/hooks/vgpu-hook" "$0" "${check[@]}" "$T/check.hook"
cmp -s "$T/check.library" "$T/check.hook" || {
    echo "placement: the library mode and the hook disagree:" >&2
    paste "$T/check.library" "$T/check.hook" >&2
    exit 1
}
for kind in t4 p40; do
    for load in $LOADS; do
        for policy in $POLICIES; do
            for seed in $SEEDS; do
                echo "$kind $seed $load $policy $T/$kind.$load.$policy.$seed"
            done
        done
    done
done | PLACEMENT_JOB=1 xargs -P "${BENCH_JOBS:-2}" -L 1 "$0" "$1" "$SEEDS" "$EVENTS" "$LOADS"

pct() { # REFUSED ARRIVALS
    awk -v r="$1" -v a="$2" 'BEGIN { if (a) printf "%.1f", 100 * r / a; else printf "-" }'
}

printf '%-5s %-7s' GPUs "load %"
for policy in $POLICIES; do printf ' %15s' "$policy"; done
printf '\n'
for kind in t4 p40; do
    for load in $LOADS; do
        printf '%-5s %-7s' "16 $kind" "$load"
        for policy in $POLICIES; do
            # all types, then the last (largest) type, pooled over seeds
            read -r a r la lr < <(awk '
                /^arrivals/ { a += $2; r += $4; next }
                { last[FILENAME] = $0 }
                END { for (f in last) { split(last[f], x, " ");
                                        la += x[2]; lr += x[3] }
                      print a, r, la, lr }' "$T/$kind.$load.$policy".*)
            printf ' %6s%% (%5s%%)' "$(pct "$r" "$a")" "$(pct "$lr" "$la")"
        done
        printf '\n'
    done
done
echo "(refused starts, in parentheses those of the largest type; seeds: $SEEDS; $EVENTS events each)"
