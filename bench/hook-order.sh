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
# Runs the hook natively under gdb (which function first runs when) and
# under valgrind's lackey (every load and store) on the emulator (16
# GPUs): prepare and release of a type a GPU holds once and of one it
# holds several times, with the release helper, and an operation libvgpu
# ignores (needs gdb and valgrind). Lists the functions that ran; then
# every ifunc resolver (a static program runs them all at start: glibc's
# apply_irel()); then, since glibc picks its string functions by CPU and
# this CPU is not every user's, every variant of a string function that
# ran; then the read-only data that was read (lld orders the data
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
for tool in gdb valgrind; do
    command -v $tool >/dev/null || fail "$tool is missing: apt-get install gdb valgrind"
done
export HOOK=$BUILD/hooks/vgpu-hook
T=$(mktemp -d)
trap '[ -z "$SIM_ROOT" ] || umount "$SIM_ROOT/run" 2>/dev/null || true
      sim_stop; rm -rf "$T"' EXIT

sim_start <(bench_scenario 16 12)
mount -t tmpfs -o mode=0755 tmpfs "$SIM_ROOT/run"
# gdb: a breakpoint at every function of the hook, each removed at its
# first hit, gives the functions that ran in the order they first ran.
# Natively, not under valgrind: there glibc gets no vDSO (its setup at
# start never runs), GLib's slice allocator falls back to malloc, and the
# CPU is valgrind's, whose string-function variants glibc would not pick.
cat >"$T/first-hits.py" <<'PY'
import gdb, os
by_address = {}
# functions only: a linker-made label at a function's address
# (__preinit_array_end at _start's) is not a section lld can order
for line in os.popen("readelf -sW " + os.environ["HOOK"]):
    fields = line.split()
    if len(fields) == 8 and fields[3] in ("FUNC", "IFUNC") and fields[6] != "UND":
        by_address.setdefault(int(fields[1], 16), fields[7])
hits = []
class FirstHit(gdb.Breakpoint):
    def stop(self):
        hits.append(self.function)
        self.enabled = False
        return False
gdb.execute("set pagination off")
gdb.execute("set follow-fork-mode " + os.environ["FOLLOW"])
for address, name in sorted(by_address.items()):
    FirstHit("*%#x" % address, internal=True).function = name
gdb.execute("run")
with open(os.environ["OUT"], "w") as out:
    out.write("".join(name + "\n" for name in hits))
PY
run() { # TOOL NAME DOMAIN OP SUBOP (stdin: the XML)
    local tool=$1 name=$2
    shift 2
    case $tool in
    gdb | gdb-child)
        local follow=parent
        [ "$tool" = gdb ] || follow=child
        FOLLOW=$follow OUT="$T/$name" gdb -q -batch -x "$T/first-hits.py" --args "$HOOK" "$@" - \
            >"$T/gdb.log" 2>&1 || fail "$3 $4 of $2 failed under gdb: $(tail -3 "$T/gdb.log")"
        [ -s "$T/$name" ] || fail "$3 $4 of $2: no function hit under gdb: $(tail -3 "$T/gdb.log")" ;;
    lackey)
        valgrind --trace-children=yes --tool=lackey --trace-mem=yes \
            --log-file="$T/mem.$name.%p" "$HOOK" "$@" - >/dev/null 2>&1 ||
            fail "$3 $4 of $2 failed under lackey" ;;
    esac
}
# a start and a stop of a type a GPU holds once and of one it holds
# several times, and an operation libvgpu ignores; under gdb the release
# twice: following the process libvirt waits for, then the helper that
# removes the device (hooks/vgpu-hook.c)
for tool in gdb lackey; do
    n=0
    for type in nvidia-304 nvidia-300; do
        n=$((n + 1))
        sim_domain_xml "vm$n" c7a5fdbd-edaf-9455-926a-d65c16db180$n \
            "$(bench_uuid $n) $type" >"$T/domain.xml"
        releases=("$tool")
        [ $tool = lackey ] || releases=(gdb gdb-child)
        r=0
        for release in "${releases[@]}"; do
            r=$((r + 1))
            run $tool "$n.$r.1" "vm$n" prepare begin <"$T/domain.xml"
            run $tool "$n.$r.2" "vm$n" started begin <"$T/domain.xml"
            run "$release" "$n.$r.3" "vm$n" release end <"$T/domain.xml"
            sim_wait_hooks 10 || fail "release helpers still running"
            [ "$(sim_count_mdevs)" = 0 ] || fail "devices left: $(sim_list_mdevs)"
        done
    done
done

# first runs, run by run, of functions the binary defines once: lld
# orders every section that defines a listed name, so a static name that
# several archive members define (glibc's read_int: printf's, and also
# wide printf's and scanf's, 60 KiB that never run) would pull them all
# among the code that runs; the member that ran is placed by its other
# names
nm --defined-only "$HOOK" | awk '$2 ~ /^[tTiIwW]$/ { print $3 }' | sort | uniq -u >"$T/defined"
for f in $(ls "$T" | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -t. -k1,1n -k2,2n -k3,3n); do
    cat "$T/$f"
done | awk '!seen[$0]++' | grep -Fxf "$T/defined" >"$T/ran" || true
[ -s "$T/ran" ] || fail "no function of $HOOK ran under gdb"
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
