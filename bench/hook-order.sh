#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Prints the functions a start and a stop run in vgpu-hook, in the order
# they first run: hooks/vgpu-hook.order, the symbol ordering file the
# hook's link gives lld (hooks/meson.build), so that the code libvirt's
# calls run sits together at the start of the text instead of spread over
# all of it. The kernel maps a program's text 64 KiB around each page
# fault (fault-around), so spread code is resident in full: about 1.1 MiB
# of the hook's 1.2 MiB, against 0.9 MiB in all when ordered.
#
# Runs the hook under callgrind and under lackey (every load and store)
# on the emulator (16 GPUs): prepare and release of a type a GPU holds
# once and of one it holds several times, with the release helper, and an
# operation libvgpu ignores. Lists the functions that ran; then every
# ifunc resolver (a static program runs them all at start: glibc's
# apply_irel()); then, since glibc picks its string functions by CPU and
# valgrind's CPU is not the host's, every variant of a string function
# that ran; then the read-only data that was read (lld orders the data
# sections that hold them at the start of .rodata the same way).
# Regenerate after a change of what a start runs (the unit test hook-order
# says when too few of its symbols are left):
#
#   unshare -m bench/hook-order.sh build >hooks/vgpu-hook.order
#
# Usage: unshare -m bench/hook-order.sh BUILD_DIR
set -euo pipefail
. "$(dirname "$0")/lib-bench.sh"
bench_init "$1" 1
HOOK=$BUILD/hooks/vgpu-hook
T=$(mktemp -d)
trap '[ -z "$SIM_ROOT" ] || umount "$SIM_ROOT/run" 2>/dev/null || true
      sim_stop; rm -rf "$T"' EXIT

sim_start <(bench_scenario 16 12)
mount -t tmpfs -o mode=0755 tmpfs "$SIM_ROOT/run"
run() { # TOOL NAME DOMAIN OP SUBOP (stdin: the XML)
    local tool=$1 name=$2
    shift 2
    case $tool in
    callgrind) set -- --tool=callgrind --compress-strings=no \
        --callgrind-out-file="$T/$name.%p" "$@" ;;
    lackey) set -- --tool=lackey --trace-mem=yes --log-file="$T/mem.$name.%p" "$@" ;;
    esac
    valgrind --trace-children=yes "${@:1:$#-3}" "$HOOK" "${@: -3}" - \
        >/dev/null 2>&1 || fail "${*: -2} of ${*: -3:1} failed under $tool"
}
for tool in callgrind lackey; do
    n=0
    for type in nvidia-304 nvidia-300; do
        n=$((n + 1))
        sim_domain_xml "vm$n" c7a5fdbd-edaf-9455-926a-d65c16db180$n \
            "$(bench_uuid $n) $type" >"$T/domain.xml"
        run $tool "$n.1" "vm$n" prepare begin <"$T/domain.xml"
        run $tool "$n.2" "vm$n" started begin <"$T/domain.xml"
        run $tool "$n.3" "vm$n" release end <"$T/domain.xml"
        sim_wait_hooks 10 || fail "release helpers still running"
        [ "$(sim_count_mdevs)" = 0 ] || fail "devices left: $(sim_list_mdevs)"
    done
done

# first appearance, profile by profile, of functions the binary defines
nm --defined-only "$HOOK" | awk '$2 ~ /^[tTiIwW]$/ { print $3 }' | sort -u >"$T/defined"
for f in $(ls "$T" | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -t. -k1,1n -k2,2n -k3,3n); do
    sed -n "s/^c\{0,1\}fn=\([^' ]*\).*/\1/p" "$T/$f"
done | awk '!seen[$0]++' | grep -Fxf "$T/defined" >"$T/ran" || true
[ -s "$T/ran" ] || fail "no function of $HOOK in the profiles"
cat "$T/ran"
# every ifunc resolver
nm --defined-only "$HOOK" | awk '$2 ~ /^[iI]$/ || $3 ~ /_ifunc$/ { print $3 }' |
    grep -Fvxf "$T/ran" | awk '!seen[$0]++' | tee -a "$T/ran"
# the other CPU variants of each string function that ran (__memchr_avx2:
# __memchr_evex, __memchr_sse2, ...)
sed -n 's/^\(__[a-z0-9]*\)_\(sse[0-9_]*\|ssse3\|avx[0-9_]*\|evex[0-9_]*\|erms\).*/\1/p' \
    "$T/ran" | sort -u | while read -r base; do
    grep -E "^${base}_(sse|ssse3|avx|evex|erms)" "$T/defined" || true
done | grep -Fvxf "$T/ran" | awk '!seen[$0]++' || true
# read-only data that was read, by the symbol holding it
nm -S -n --defined-only "$HOOK" | awk '$3 ~ /^[rR]$/ { print $1, $2, $4 }' >"$T/rodata"
cat "$T"/mem.* | python3 -c '
import bisect, sys
syms = []
for line in open(sys.argv[1]):
    addr, size, name = line.split()
    syms.append((int(addr, 16), int(size, 16), name))
starts = [s[0] for s in syms]
seen = {}
for line in sys.stdin:
    if line[:3] not in (" L ", " M "):
        continue
    addr = int(line[3:].split(",")[0], 16)
    i = bisect.bisect_right(starts, addr) - 1
    if i >= 0 and addr < syms[i][0] + max(syms[i][1], 1):
        seen.setdefault(syms[i][2], len(seen))
print("\n".join(sorted(seen, key=seen.get)))
' "$T/rodata" | grep -v '^$' | grep -Fvxf "$T/ran" | awk '!seen[$0]++' || true
