#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Measures one prepare+release cycle of the real vgpu-hook against the mdev
# sysfs emulator, on one Tesla P4 and on 16 Tesla T4s where the only free
# GPU is the 16th (the worst case of the bash+xmllint+mdevctl hooks users
# run today: ~30 ms per cycle, 55-60 ms on the 16th GPU). Reports the
# wall-clock mean over N cycles and, with valgrind, the instruction count
# of one prepare+release, every process included (repeatable whatever the
# machine's load), and the prepare's peak
# resident memory (GNU time). FUSE adds its
# own cost to every sysfs access, so these numbers are an upper bound of
# what the hook costs on a real kernel. Not a test: nothing is asserted.
#
# Usage: bench/hook-cycle.sh [BUILD_DIR] [CYCLES]
set -euo pipefail
BUILD=${1:-build}
N=${2:-200}
HOOK=$BUILD/hooks/vgpu-hook
export VGPU_SIM=$BUILD/tests/sim/vgpu-sim
. "$(dirname "$0")/../tests/lib-sim.sh"

xml() { # NAME TYPE UUID
    cat <<XML
<domain type='kvm'><name>$1</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
<metadata><vgpu:vgpu xmlns:vgpu="urn:libvgpu:domain:1"><vgpu:mdev uuid="$3" type="$2"/></vgpu:vgpu></metadata>
<devices><hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'><source><address uuid='$3'/></source></hostdev></devices></domain>
XML
}

cycle_ms() { # XMLFILE DOMAIN -> mean ms per prepare+release
    local start end
    start=$(date +%s%N)
    for _ in $(seq 1 "$N"); do
        "$HOOK" "$2" prepare begin - <"$1"
        "$HOOK" "$2" release end - <"$1"
    done
    end=$(date +%s%N)
    echo "scale=3; ($end - $start) / $N / 1000000" | bc
}

callgrind() { # COMMAND... -> instructions of each process, one per line
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --trace-children=yes "$@" 2>&1 | sed -n 's/.*Collected : //p'
}

report() { # LABEL XMLFILE DOMAIN
    local ms rss instr=""
    ms=$(cycle_ms "$2" "$3")
    if command -v valgrind >/dev/null; then
        # every process of the cycle: front, worker, and release's helper
        instr=$( { callgrind "$HOOK" "$3" prepare begin - <"$2"
                   callgrind "$HOOK" "$3" release end - <"$2"; } |
            paste -sd+ | bc)
    fi
    rss=n/a
    if [ -x /usr/bin/time ]; then # Debian package "time"
        rss=$( { /usr/bin/time -f '%M' "$HOOK" "$3" prepare begin - <"$2" >/dev/null; } 2>&1 | tail -1)
        "$HOOK" "$3" release end - <"$2"
    fi
    printf '%-36s %8s ms/cycle %10s instructions/cycle %6s KiB max RSS (prepare)\n' \
        "$1" "$ms" "${instr:-n/a}" "$rss"
}

T=$(mktemp -d)
trap 'sim_stop; rm -rf "$T"' EXIT

sim_start p4
xml bench nvidia-65 9d2e9b5e-1c4a-4f7e-8a3b-000000000001 >"$T/p4.xml"
report "1 x Tesla P4 (nvidia-65)" "$T/p4.xml" bench
sim_stop

sim_start t4x16
# Fill GPUs 1..15 with a 16Q each (one per T4) so only the 16th is free.
for i in $(seq 1 15); do
    xml "fill$i" nvidia-230 "$(printf '9d2e9b5e-1c4a-4f7e-8a3b-%012d' "$((100 + i))")" |
        "$HOOK" "fill$i" prepare begin -
done
xml bench nvidia-230 9d2e9b5e-1c4a-4f7e-8a3b-000000000002 >"$T/t4.xml"
report "16 x Tesla T4, only the 16th free" "$T/t4.xml" bench
for i in $(seq 1 15); do "$HOOK" "fill$i" release end - </dev/null; done

printf '<domain><name>plain</name><devices/></domain>' >"$T/plain.xml"
report "domain without a vGPU request" "$T/plain.xml" plain
start=$(date +%s%N)
for _ in $(seq 1 "$N"); do "$HOOK" plain started begin - <"$T/plain.xml"; done
end=$(date +%s%N)
printf '%-40s %8s ms per call (start/started/stopped/...)\n' "operations libvgpu ignores" \
    "$(echo "scale=3; ($end - $start) / $N / 1000000" | bc)"
