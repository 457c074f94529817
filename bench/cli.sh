#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Part of bench/run: `vgpuctl types` / `list` (text and --json) against
# `mdevctl types` / `list` (text and --dumpjson) on the emulator with GPUS
# GPUs of TYPES types each and ACTIVE devices (round robin over the GPUs).
# Runs in a private mount namespace (bench/run starts it with unshare -m):
# the emulator is bind-mounted over /sys for mdevctl. Prints one line per
# command pair:
#   CASE COMMAND VGPUCTL_INSTR LOADER MS MDEVCTL_INSTR LOADER MS
# (COMMAND with _ for blanks), and last for each case with no devices two
# reference pairs: "--version", `vgpuctl --version` against `mdevctl
# --version` (each program's start and exit alone), and "static_no-op":
# bench-floor doing nothing (the start and exit of a static program, the
# least any command takes here) against `mdevctl list`.
#
# Usage: unshare -m bench/cli.sh BUILD_DIR ROUNDS "GPUS:TYPES:ACTIVE"...
set -euo pipefail
. "$(dirname "$0")/lib-bench.sh"
bench_init "$1" "$2"
shift 2
VGPUCTL=$BUILD/tools/vgpuctl
trap 'umount /sys 2>/dev/null || true; sim_stop' EXIT

for c in "$@"; do
    IFS=: read -r gpus types active <<<"$c"
    sim_start <(bench_scenario "$gpus" "$types")
    mount --bind "$SIM_ROOT/sys" /sys
    bench_fill 1 "$gpus" nvidia-300 "$active"
    commands=("list" "list --json:list --dumpjson")
    [ "$active" != 0 ] || commands+=("types" "types --json:types --dumpjson")
    for pair in "${commands[@]}"; do
        ours=${pair%%:*}
        theirs=${pair#*:}
        read -r ms_ours ms_theirs < <(bench_walltime "$ROUNDS" \
            "$VGPUCTL $ours" "mdevctl $theirs" | awk '{ print $NF }' | paste -sd' ')
        # shellcheck disable=SC2086 # the command's words
        echo "$c ${ours// /_} $(bench_instr $VGPUCTL $ours) $ms_ours $(bench_instr mdevctl $theirs) $ms_theirs"
    done
    # two reference rows with no devices: each program's start and exit
    # alone (--version), and the least any command can take: a static
    # program that does nothing, against the mdevctl command that does
    # least
    if [ "$active" = 0 ]; then
        read -r ms_ours ms_theirs < <(bench_walltime "$ROUNDS" \
            "$VGPUCTL --version" "mdevctl --version" | awk '{ print $NF }' | paste -sd' ')
        echo "$c --version $(bench_instr "$VGPUCTL" --version) $ms_ours $(bench_instr mdevctl --version) $ms_theirs"
        read -r ms_ours ms_theirs < <(bench_walltime "$ROUNDS" \
            "$FLOOR $SIM_ROOT nothing" "mdevctl list" | awk '{ print $NF }' | paste -sd' ')
        echo "$c static_no-op $(bench_instr "$FLOOR" "$SIM_ROOT" nothing) $ms_ours $(bench_instr mdevctl list) $ms_theirs"
    fi
    umount /sys
    sim_stop
done
