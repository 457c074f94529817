# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers of bench/run's parts (hook.sh, cli.sh). Source it.
#
#   bench_init BUILD_DIR ROUNDS    set BUILD, ROUNDS, VGPU_SIM, FLOOR and
#                                  load tests/lib-sim.sh
#   bench_scenario GPUS TYPES      print a scenario: GPUS homogeneous NVIDIA
#                                  GPUs 0000:10:00.0 ..., TYPES types
#                                  nvidia-300 ... (max 16, 8, 4, 2, 1, 16, ...)
#   bench_uuid N                   print a UUID made from N
#   bench_fill FIRST LAST TYPE N   create N devices of TYPE by hand, round
#                                  robin over GPUs FIRST..LAST (1-based)
#   bench_gpu I                    print the name of GPU I (1-based)
#   bench_instr CMD...             run CMD under callgrind; print the
#                                  instructions of all its processes (fork
#                                  children counted once) and those of the
#                                  dynamic loader (ld.so, relocations)
#   bench_walltime ROUNDS CMD...   run each CMD (a command or function and
#                                  its words, one string) ROUNDS times,
#                                  interleaved; print "CMD MEDIAN_MS"
HERE=$(realpath "$(dirname "${BASH_SOURCE[0]}")")

bench_init() {
    BUILD=$(realpath "$1")
    ROUNDS=$2
    FLOOR=$BUILD/bench/bench-floor
    export VGPU_SIM=$BUILD/tests/sim/vgpu-sim
    . "$HERE/../tests/lib-sim.sh"
}

bench_scenario() {
    local maxes=(16 8 4 2 1) i
    printf '[parent 0000:10:00.0]\ncopies=%s\nmodel=homogeneous\n' "$1"
    printf 'driver=nvidia-vgpu-vfio\nvendor=0x10de\ndevice=0x1eb8\ntypes='
    for ((i = 0; i < $2; i++)); do printf 'nvidia-%d;' $((300 + i)); done
    printf '\n'
    for ((i = 0; i < $2; i++)); do
        local max=${maxes[i % 5]}
        printf '\n[type nvidia-%d]\nname=GRID T4-%dQ\n' $((300 + i)) $((16 / max))
        printf 'description=num_heads=4, frl_config=60, framebuffer=%dM, ' $((16384 / max))
        printf 'max_resolution=7680x4320, max_instance=%d\nmax_instances=%d\n' "$max" "$max"
    done
}

bench_uuid() {
    printf '%08x-0000-4000-8000-%012x\n' "$1" "$1"
}

bench_gpu() {
    printf '0000:%02x:00.0\n' $((0x10 + $1 - 1))
}

bench_fill() { # FIRST LAST TYPE N
    local i gpus=$(($2 - $1 + 1))
    for ((i = 0; i < $4; i++)); do
        "$FLOOR" "$SIM_ROOT" create "$(bench_gpu $(($1 + i % gpus)))" "$3" \
            "$(bench_uuid $((0x10000 + i)))" || fail "cannot fill"
    done
}

bench_instr() { # CMD...
    local out
    out=$(mktemp -d /tmp/bench-cg.XXXXXX)
    # dump (and zero the counters) before every fork: a child starts from
    # zero instead of inheriting its parent's count
    valgrind --tool=callgrind --trace-children=yes --dump-before='*fork*' \
        --callgrind-out-file="$out/cg.%p" "$@" >/dev/null 2>&1 || true
    awk -f "$HERE/cg-split.awk" "$out"/cg.*
    rm -rf "$out"
}

bench_walltime() { # ROUNDS CMD...
    local rounds=$1 r spec start end
    shift
    local -A samples=()
    for ((r = 0; r < rounds; r++)); do
        for spec in "$@"; do
            start=$EPOCHREALTIME
            $spec >/dev/null 2>"${TMPDIR:-/tmp}/bench-walltime.$$" ||
                fail "$spec failed: $(cat "${TMPDIR:-/tmp}/bench-walltime.$$")"
            end=$EPOCHREALTIME
            samples[$spec]+="$(echo "($end - $start) * 1000" | bc) "
        done
    done
    rm -f "${TMPDIR:-/tmp}/bench-walltime.$$"
    for spec in "$@"; do
        echo "$spec $(tr ' ' '\n' <<<"${samples[$spec]}" | sed '/^$/d' |
            sort -n | awk '{ v[NR] = $1 } END {
                printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
    done
}
