#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the libFuzzer targets of tests/fuzz/ (fuzz-domain-xml, fuzz-requests,
# fuzz-nvidia, fuzz-hook) one after the other.
#
#   tests/fuzz/run-fuzz.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
#
# BUILD_DIR is a build configured for fuzzing (clang, -Dfuzzing=true):
#
#   CC=clang meson setup build-fuzz -Dfuzzing=true -Dlibvirt=disabled
#   ninja -C build-fuzz
#   tests/fuzz/run-fuzz.sh build-fuzz 30            # what scripts/test does
#   tests/fuzz/run-fuzz.sh build-fuzz 600           # a local long run
#   tests/fuzz/run-fuzz.sh build-fuzz 3600 hook     # one target, one hour
#
# For each target it first runs every input in regressions/<target>/ once
# (inputs that failed before and must keep passing), then fuzzes for
# SECONDS_PER_TARGET seconds starting from a temporary copy of
# corpus/<target>/ (the repository is never modified), with the target's
# dictionary (xml.dict or nvidia.dict). It prints the executions of each
# target (libFuzzer's stat::number_of_executed_units) and their total, and
# exits 1 if any target crashed, leaked, hit a sanitizer error, timed out
# or violated its property (abort()).
#
# A failing input is kept in BUILD_DIR/fuzz-artifacts/<target>/ (crash-*,
# leak-*, timeout-*, ...), with the log of the run next to it. Reproduce
# with `BUILD_DIR/tests/fuzz/fuzz-<target> FILE`; shrink it with
# `BUILD_DIR/tests/fuzz/fuzz-<target> -minimize_crash=1 -runs=100000 FILE`
# and add the small version to regressions/<target>/ once the bug is
# fixed, or to document it until then.
#
# Known message bugs: the targets abort on the first error message that is
# not one line of at most 1024 bytes (tests/fuzz/fuzz-util.h), which ends
# that target's run. To fuzz on past such a known bug (e.g. for memory
# errors), set VGPU_FUZZ_MESSAGES=count: violations are then counted and
# printed at the end of each target's log, and the first input of each
# kind is written to VGPU_FUZZ_MESSAGES_DIR (default: the current
# directory). Regression inputs pass in that mode.
#
# Long runs: give each target at least 10 minutes; targets run one at a
# time (each uses one core). To keep what a long run found as seeds, copy
# the interesting files from the temporary corpus (its path is printed
# with FUZZ_KEEP_CORPUS=1, which also keeps it) into corpus/<target>/ after
# `fuzz-<target> -merge=1 NEW_DIR corpus/<target> TMP_CORPUS`, keeping the
# seed set small.
set -euo pipefail

usage() {
    echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET [TARGET...]" >&2
    exit 2
}
[ $# -ge 2 ] || usage
build_dir=$1
seconds=$2
shift 2
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage

src_dir=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(domain-xml requests nvidia hook)

artifacts_root=$build_dir/fuzz-artifacts
mkdir -p "$artifacts_root"
artifacts_root=$(cd "$artifacts_root" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-fuzz.XXXXXX")
cleanup() {
    if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
        echo "run-fuzz: corpora kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# Leaks are failures; UBSan findings abort with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export G_DEBUG=${G_DEBUG:-fatal-criticals}
# Temporary files of the targets (fuzz-hook's host root) go with $work,
# also when a target dies before removing them.
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp

failed=()
total=0
declare -A executions

for t in "${targets[@]}"; do
    bin=$build_dir/tests/fuzz/fuzz-$t
    if [ ! -x "$bin" ]; then
        echo "run-fuzz: $bin is missing: configure with -Dfuzzing=true and build" >&2
        exit 2
    fi
    case $t in
    nvidia) dict=$src_dir/nvidia.dict ;;
    *) dict=$src_dir/xml.dict ;;
    esac
    artifacts=$artifacts_root/$t
    mkdir -p "$artifacts" "$work/$t"
    cp -r "$src_dir/corpus/$t" "$work/$t/corpus"
    log=$artifacts/fuzz.log
    target_failed=0

    # 1. Regression inputs: each must pass.
    regressions=()
    if [ -d "$src_dir/regressions/$t" ]; then
        while IFS= read -r -d '' f; do
            regressions+=("$f")
        done < <(find "$src_dir/regressions/$t" -type f ! -name '*.md' -print0 | sort -z)
    fi
    for f in "${regressions[@]}"; do
        if ! "$bin" "$f" >"$artifacts/regression.log" 2>&1; then
            echo "run-fuzz: $t: regression input $(basename "$f") FAILS:" >&2
            grep -A8 -m1 -E 'FUZZ PROPERTY VIOLATED|ERROR: |runtime error' \
                "$artifacts/regression.log" | sed 's/^/    /' >&2 || true
            target_failed=1
        fi
    done

    # 2. Fuzzing from the seed corpus.
    echo "run-fuzz: $t: ${#regressions[@]} regression inputs, fuzzing for ${seconds}s"
    status=0
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -dict="$dict" -artifact_prefix="$artifacts/" \
        "$work/$t/corpus" >"$log" 2>&1 || status=$?
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    n=${n:-0}
    executions[$t]=$n
    total=$((total + n))
    if [ "$status" != 0 ]; then
        echo "run-fuzz: $t: the fuzzer stopped with status $status; log $log" >&2
        grep -E -A14 -m1 'FUZZ PROPERTY VIOLATED|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|==[0-9]+==ERROR' \
            "$log" | sed 's/^/    /' >&2 || true
        grep -E '^(artifact_prefix|Test unit written to)' "$log" | sed 's/^/    /' >&2 || true
        target_failed=1
    fi
    [ "$target_failed" = 0 ] || failed+=("$t")
done

echo "run-fuzz: executions per target (${seconds}s each):"
for t in "${targets[@]}"; do
    printf '  %-12s %12s\n' "$t" "${executions[$t]:-0}"
done
printf '  %-12s %12s\n' total "$total"

if [ ${#failed[@]} -gt 0 ]; then
    echo "run-fuzz: FAILED: ${failed[*]} (inputs and logs in $artifacts_root)" >&2
    exit 1
fi
echo "run-fuzz: no crash"
