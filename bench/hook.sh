#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Part of bench/run: one prepare+release of the real vgpu-hook, of the
# community hook (community-hook.sh: xmllint, cat, mdevctl), of the
# static floor (bench-floor: only the create and remove writes) and of the
# placing floor (bench-floor place: the floor that first reads each GPU's
# available_instances, in name order, until one has room), on the
# emulator with GPUS homogeneous GPUs, the free GPU first or last, and
# ACTIVE devices on the other GPUs. Runs in a private mount namespace
# (bench/run starts it with unshare -m) so that the emulator can be
# bind-mounted over /sys for mdevctl, and the root's run/ (where the hook
# keeps its records, /run/libvgpu) is a tmpfs as /run is on a host, not
# the disk file system under /tmp. Prints one line per program:
#   CASE PROGRAM INSTRUCTIONS LOADER MEDIAN_MS MAX_RSS_KIB REQUESTS
#
# Usage: unshare -m bench/hook.sh BUILD_DIR ROUNDS "GPUS:WHERE:ACTIVE"...
#   WHERE is first or last; ACTIVE a number or "min" (one device on each
#   other GPU)
set -euo pipefail
. "$(dirname "$0")/lib-bench.sh"
bench_init "$1" "$2"
shift 2
HOOK=$BUILD/hooks/vgpu-hook
COMMUNITY=$HERE/community-hook.sh
TYPE=nvidia-304 # max 1 instance: one device takes a GPU
SMALL=nvidia-300
T=$(mktemp -d)
trap 'umount /sys 2>/dev/null || true
      [ -z "$SIM_ROOT" ] || umount "$SIM_ROOT/run" 2>/dev/null || true
      sim_stop; rm -rf "$T"' EXIT

XML=$T/domain.xml

pair() { # PROGRAM: its prepare, then its release
    local -n prepare=P_$1 release=R_$1
    "${prepare[@]}" <"$XML" && "${release[@]}" <"$XML"
}

rss() { # CMD... -> peak RSS in KiB of the command and its children
    rm -f "$T/rss"
    "$BUILD/bench/bench-peak-rss" "$T/rss" "$@" <"$XML" >/dev/null 2>"$T/rss.err" || true
    [ -s "$T/rss" ] || fail "cannot count the peak RSS of $1: $(tail -1 "$T/rss.err")"
    tail -1 "$T/rss"
}

# PROGRAM -> the median over ROUNDS prepare+release pairs of the larger
# peak RSS of the two, counted exactly (peak-rss.c: GNU time's maxrss lags
# by up to 31 pages per CPU here)
peak_rss() {
    local -n prepare=P_$1 release=R_$1
    local i a b
    for ((i = 0; i < ROUNDS; i++)); do
        a=$(rss "${prepare[@]}")
        b=$(rss "${release[@]}")
        echo $((a > b ? a : b))
    done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# PROGRAM -> the file system requests of one prepare+release (the
# emulator's .vgpu-sim/requests: each operation on a path, LOOKUP and
# GETATTR both; reading the counter is not one), median of 3
requests() {
    local -n prepare=P_$1 release=R_$1
    local i before after
    for ((i = 0; i < 3; i++)); do
        read -r before <"$SIM_ROOT/sys/.vgpu-sim/requests"
        "${prepare[@]}" <"$XML" >/dev/null 2>&1
        "${release[@]}" <"$XML" >/dev/null 2>&1
        sleep 0.05 # the kernel sends RELEASE after close(2) has returned
        read -r after <"$SIM_ROOT/sys/.vgpu-sim/requests"
        echo $((after - before))
    done | sort -n | sed -n 2p
}

measure() { # GPUS WHERE ACTIVE
    local gpus=$1 where=$2 active=$3 target=1 first=2 last=$1 n
    [ "$where" = first ] || { target=$gpus; first=1; last=$((gpus - 1)); }
    sim_start <(bench_scenario "$gpus" 12)
    mount --bind "$SIM_ROOT/sys" /sys
    mount -t tmpfs -o mode=0755 tmpfs "$SIM_ROOT/run"
    n=$active
    [ "$n" != min ] || n=$((gpus - 1))
    [ "$n" = 0 ] || bench_fill "$first" "$last" "$SMALL" "$n"
    local uuid gpu name
    uuid=$(bench_uuid 1)
    gpu=$(bench_gpu "$target")
    sim_domain_xml bench c7a5fdbd-edaf-9455-926a-d65c16db1809 "$uuid $TYPE" >"$XML"
    # prepare and release of each program (both read the XML on stdin)
    P_hook=("$HOOK" bench prepare begin -) R_hook=("$HOOK" bench release end -)
    P_community=("$COMMUNITY" bench prepare begin -)
    R_community=("$COMMUNITY" bench release end -)
    P_floor=("$FLOOR" "$SIM_ROOT" create "$gpu" "$TYPE" "$uuid")
    R_floor=("$FLOOR" "$SIM_ROOT" remove "$uuid")
    P_placing=("$FLOOR" "$SIM_ROOT" place "$TYPE" "$uuid")
    R_placing=("$FLOOR" "$SIM_ROOT" remove "$uuid")
    local -A ms=()
    while read -r _ name value; do ms[$name]=$value; done < <(
        bench_walltime "$ROUNDS" "pair hook" "pair community" "pair floor" \
            "pair placing")
    for name in hook community placing floor; do
        local -n p=P_$name r=R_$name
        local a b peak req
        read -r -a a < <(bench_instr "${p[@]}" <"$XML")
        read -r -a b < <(bench_instr "${r[@]}" <"$XML")
        peak=$(peak_rss $name)
        req=$(requests $name)
        [ "$(sim_count_mdevs)" = "$n" ] || fail "$name left a device behind"
        echo "$gpus:$where:$active $name $((a[0] + b[0])) $((a[1] + b[1])) ${ms[$name]} $peak $req"
        unset -n p r
    done
    umount /sys
    umount "$SIM_ROOT/run"
    sim_stop
}

for c in "$@"; do
    IFS=: read -r gpus where active <<<"$c"
    measure "$gpus" "$where" "$active"
done
