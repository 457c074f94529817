#!/bin/bash
# test-sim.sh - integration tests of vgpu-sim, the mdev sysfs emulator
#
#     test-sim.sh PATH-TO-vgpu-sim        (or VGPU_SIM=PATH test-sim.sh)
#
# Mounts the builtin scenarios and a few written here on a temporary root
# and checks, with plain shell tools, that the tree behaves like the
# kernel's mdev sysfs interface.  Exit status: 0 all passed, 1 something
# failed, 77 skipped (no FUSE here), 99 usage error.
set -euo pipefail

SIM=${1:-${VGPU_SIM:-}}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

skip() {
    echo "SKIP: $*"
    exit 77
}

if [[ -z $SIM || ! -x $SIM ]]; then
    echo "usage: $0 PATH-TO-vgpu-sim" >&2
    exit 99
fi
[[ -c /dev/fuse ]] || skip "/dev/fuse does not exist"
command -v fusermount3 >/dev/null || skip "fusermount3 is not installed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/test-sim.XXXXXX")
MOUNTS=()

is_mounted() {
    awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/self/mounts
}

cleanup() {
    local m
    for m in "${MOUNTS[@]}"; do
        if is_mounted "$m"; then
            fusermount3 -u "$m" 2>/dev/null || fusermount3 -uz "$m" || true
        fi
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

PASS=0
FAIL=0

ok() {
    PASS=$((PASS + 1))
    echo "ok $((PASS + FAIL)) - $1"
}

not_ok() {
    FAIL=$((FAIL + 1))
    echo "not ok $((PASS + FAIL)) - $1"
    if [[ -n ${2:-} ]]; then
        echo "#   $2"
    fi
}

# eq DESCRIPTION ACTUAL EXPECTED
eq() {
    if [[ $2 == "$3" ]]; then
        ok "$1"
    else
        not_ok "$1" "got '$2', expected '$3'"
    fi
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds
check() {
    local description=$1
    shift
    if "$@"; then
        ok "$description"
    else
        not_ok "$description" "failed: $*"
    fi
}

# wr FILE DATA: writes DATA with a single write(2) and prints "ok" or the
# error text (strerror of the errno), e.g. "No space left on device".
wr() {
    local out
    if out=$({ printf '%s' "$2" >"$1"; } 2>&1); then
        echo ok
    else
        echo "${out##*: }"
    fi
}

# wrn FILE DATA: the same with a trailing newline, like echo(1)
wrn() {
    wr "$1" "$2"$'\n'
}

uuid() {
    cat /proc/sys/kernel/random/uuid
}

count() {
    local n=0 entry
    for entry in "$1"/*; do
        [[ -e $entry || -L $entry ]] && n=$((n + 1))
    done
    echo "$n"
}

# sim_mount NAME SCENARIO: mounts on $TMP/NAME/sys and sets SYS
sim_mount() {
    local root=$TMP/$1
    mkdir -p "$root/sys"
    "$SIM" --scenario "$2" "$root/sys"
    MOUNTS+=("$root/sys")
    SYS=$root/sys
}

sim_umount() {
    fusermount3 -u "$1"
}

# ------------------------------------------------------------------------
# Can we mount at all?

mkdir -p "$TMP/probe/sys"
if ! "$SIM" --scenario tiny "$TMP/probe/sys" 2>"$TMP/probe.err"; then
    if [[ $(id -u) -ne 0 ]]; then
        skip "cannot mount FUSE as $(id -un): $(cat "$TMP/probe.err")"
    fi
    echo "vgpu-sim cannot mount: $(cat "$TMP/probe.err")"
    exit 1
fi
MOUNTS+=("$TMP/probe/sys")
check "mounted and serving when vgpu-sim returns" \
    is_mounted "$TMP/probe/sys"
check "tree readable right away" test -d "$TMP/probe/sys/class/mdev_bus"
sim_umount "$TMP/probe/sys"
check "fusermount3 -u unmounts" eval '! is_mounted "$TMP/probe/sys"'

# ------------------------------------------------------------------------
echo "# command line"

out=$("$SIM" --help)
check "--help mentions fusermount3 -u" grep -q "fusermount3 -u" <<<"$out"
check "--help documents the control files" grep -q "\.vgpu-sim" <<<"$out"
eq "--list-scenarios" "$("$SIM" --list-scenarios | tr '\n' ' ')" \
    "a16 l40s2 mixed mtty nvme p4 s7150 t4x16 tiny "
check "--print-scenario p4" grep -q "GRID P4-4Q" \
    <<<"$("$SIM" --print-scenario p4)"
rc=0
"$SIM" >/dev/null 2>&1 || rc=$?
eq "no arguments is a usage error" "$rc" 2
rc=0
"$SIM" --scenario nosuch "$TMP" 2>"$TMP/err" || rc=$?
eq "unknown builtin fails" "$rc" 1
check "unknown builtin lists the builtins" grep -q "tiny" "$TMP/err"

mkdir -p "$TMP/bad/sys"
printf '[parent 0000:01:00.0]\ntypes=x\nmodle=pool\n[type x]\n' \
    >"$TMP/bad/typo.conf"
rc=0
"$SIM" --scenario "$TMP/bad/typo.conf" "$TMP/bad/sys" 2>"$TMP/err" || rc=$?
eq "scenario with an unknown key fails" "$rc" 1
check "the error names the key" grep -q "unknown key 'modle'" "$TMP/err"
check "nothing is mounted after a scenario error" \
    eval '! is_mounted "$TMP/bad/sys"'
printf '[parent 0000:01:00.0]\ntypes=x;y\n[type x]\nmax_instances=1\n' \
    >"$TMP/bad/missing.conf"
rc=0
"$SIM" --scenario "$TMP/bad/missing.conf" "$TMP/bad/sys" 2>"$TMP/err" ||
    rc=$?
eq "scenario with an undefined type fails" "$rc" 1
check "the error names the type" grep -q "\[type y\]" "$TMP/err"
rc=0
"$SIM" --scenario tiny "$TMP/bad/nonexistent" 2>/dev/null || rc=$?
eq "missing mount point fails" "$rc" 1

# ------------------------------------------------------------------------
echo "# p4: tree"

sim_mount p4 p4
P=$SYS/class/mdev_bus/0000:05:00.0
PDIR=$SYS/devices/pci0000:00/0000:00:03.0/0000:05:00.0
T=$P/mdev_supported_types

check "class/mdev_bus exists" test -d "$SYS/class/mdev_bus"
check "bus/mdev/devices exists" test -d "$SYS/bus/mdev/devices"
eq "bus/mdev/devices starts empty" "$(count "$SYS/bus/mdev/devices")" 0
eq "class link is relative" "$(readlink "$P")" \
    "../../devices/pci0000:00/0000:00:03.0/0000:05:00.0"
eq "class link resolves" "$(realpath "$P")" "$PDIR"
eq "12 mdev types" "$(count "$T")" 12
eq "nvidia-65 name" "$(cat "$T/nvidia-65/name")" "GRID P4-4Q"
P4_4Q="num_heads=4, frl_config=60, framebuffer=4096M"
P4_4Q+=", max_resolution=7680x4320, max_instance=2"
eq "nvidia-65 description" "$(cat "$T/nvidia-65/description")" "$P4_4Q"
eq "nvidia-63 name" "$(cat "$T/nvidia-63/name")" "GRID P4-1B"
eq "device_api" "$(cat "$T/nvidia-65/device_api")" "vfio-pci"
eq "available_instances" "$(cat "$T/nvidia-65/available_instances")" 2
eq "available_instances is decimal + newline" \
    "$(od -An -c "$T/nvidia-65/available_instances" | tr -s ' ')" " 2 \n"
eq "nvidia-63 available_instances" \
    "$(cat "$T/nvidia-63/available_instances")" 8
eq "parent vendor" "$(cat "$PDIR/vendor")" "0x10de"
eq "attribute mode 0444" "$(stat -c %a "$T/nvidia-65/name")" 444
eq "create mode 0200" "$(stat -c %a "$T/nvidia-65/create")" 200
eq "directory mode 0755" "$(stat -c %a "$T/nvidia-65")" 755
eq "link mode 0777" "$(stat -c %a "$P")" 777
eq "attribute st_size 4096" \
    "$(stat -c %s "$T/nvidia-65/available_instances")" 4096
eq "read returns the real length" \
    "$(wc -c <"$T/nvidia-65/available_instances")" 2
check "type devices/ exists" test -d "$T/nvidia-65/devices"
check "control directory exists" test -d "$SYS/.vgpu-sim"

echo "# p4: create"

U1=$(uuid)
eq "create with newline" "$(wrn "$T/nvidia-65/create" "$U1")" ok
D1=$PDIR/$U1
check "device directory appeared" test -d "$D1"
eq "bus/mdev/devices link resolves" \
    "$(realpath "$SYS/bus/mdev/devices/$U1")" "$D1"
eq "bus/mdev/devices link is relative" \
    "$(readlink "$SYS/bus/mdev/devices/$U1")" \
    "../../../devices/pci0000:00/0000:00:03.0/0000:05:00.0/$U1"
eq "mdev_type link" "$(readlink "$D1/mdev_type")" \
    "../mdev_supported_types/nvidia-65"
eq "mdev_type resolves" "$(realpath "$D1/mdev_type")" \
    "$PDIR/mdev_supported_types/nvidia-65"
eq "iommu_group link" "$(readlink "$D1/iommu_group")" \
    "../../../../../kernel/iommu_groups/100"
eq "iommu_group resolves" "$(realpath "$D1/iommu_group")" \
    "$SYS/kernel/iommu_groups/100"
eq "iommu group links back" \
    "$(realpath "$SYS/kernel/iommu_groups/100/devices/$U1")" "$D1"
eq "type devices/ link" "$(readlink "$T/nvidia-65/devices/$U1")" \
    "../../../$U1"
eq "type devices/ link resolves" \
    "$(realpath "$T/nvidia-65/devices/$U1")" "$D1"
eq "driver link resolves" "$(realpath "$D1/driver")" \
    "$SYS/bus/mdev/drivers/nvidia-vgpu-vfio"
eq "driver lists the device" \
    "$(realpath "$SYS/bus/mdev/drivers/nvidia-vgpu-vfio/$U1")" "$D1"
eq "remove mode 0200" "$(stat -c %a "$D1/remove")" 200
eq "available_instances drops" \
    "$(cat "$T/nvidia-65/available_instances")" 1
eq "homogeneous: other types show 0" \
    "$(cat "$T/nvidia-63/available_instances")" 0
eq "homogeneous: other type cannot be created" \
    "$(wrn "$T/nvidia-63/create" "$(uuid)")" "No space left on device"
eq "same UUID again: EEXIST" "$(wrn "$T/nvidia-65/create" "$U1")" \
    "File exists"
eq "same UUID on another type: EEXIST" \
    "$(wrn "$T/nvidia-63/create" "$U1")" "File exists"

U2=$(uuid)
U2_UPPER=${U2^^}
eq "upper-case UUID without newline" \
    "$(wr "$T/nvidia-65/create" "$U2_UPPER")" ok
check "device appears under its lower-case name" test -d "$PDIR/$U2"
check "no upper-case name" test ! -e "$PDIR/$U2_UPPER"
eq "upper-case duplicate: EEXIST" "$(wrn "$T/nvidia-65/create" "$U2_UPPER")" \
    "File exists"
eq "capacity exhausted: ENOSPC" "$(wrn "$T/nvidia-65/create" "$(uuid)")" \
    "No space left on device"
eq "available_instances is 0" "$(cat "$T/nvidia-65/available_instances")" 0
eq "two devices on the bus" "$(count "$SYS/bus/mdev/devices")" 2

for bad in "garbage" "${U1:0:35}" "${U1}xx" "${U1/-/x}" \
    "${U1:0:8}${U1:9:1}-${U1:10}" "g${U1:1}" " $U1"; do
    eq "EINVAL for '$bad'" "$(wrn "$T/nvidia-65/create" "$bad")" \
        "Invalid argument"
done
eq "EINVAL for a UUID followed by two newlines" \
    "$(wr "$T/nvidia-65/create" "$U1"$'\n\n')" "Invalid argument"

echo "# p4: remove"

eq "remove 0 succeeds" "$(wrn "$D1/remove" 0)" ok
check "remove 0 does nothing" test -d "$D1"
eq "remove abc: EINVAL" "$(wrn "$D1/remove" abc)" "Invalid argument"
eq "remove -1: EINVAL" "$(wrn "$D1/remove" -1)" "Invalid argument"
eq "remove empty line: EINVAL" "$(wrn "$D1/remove" "")" "Invalid argument"
check "device still there" test -d "$D1"
eq "remove 1" "$(wrn "$D1/remove" 1)" ok
check "device directory gone" test ! -e "$D1"
check "bus/mdev/devices link gone" test ! -L "$SYS/bus/mdev/devices/$U1"
check "readlink of the gone link fails (the kernel's cached target dropped)" \
    eval '! readlink "$SYS/bus/mdev/devices/$U1" >/dev/null'
check "type devices/ link gone" test ! -L "$T/nvidia-65/devices/$U1"
check "driver link gone" \
    test ! -L "$SYS/bus/mdev/drivers/nvidia-vgpu-vfio/$U1"
check "iommu group gone" test ! -e "$SYS/kernel/iommu_groups/100"
eq "capacity returns" "$(cat "$T/nvidia-65/available_instances")" 1
eq "remove 0x1 (kstrtoul base 0) without newline" \
    "$(wr "$PDIR/$U2/remove" 0x1)" ok
check "second device gone" test ! -e "$PDIR/$U2"
eq "all capacity back" "$(cat "$T/nvidia-65/available_instances")" 2
eq "homogeneous: other types back" \
    "$(cat "$T/nvidia-63/available_instances")" 8

echo "# p4: iommu groups"

A=$(uuid) B=$(uuid) C=$(uuid)
wrn "$T/nvidia-63/create" "$A" >/dev/null
wrn "$T/nvidia-63/create" "$B" >/dev/null
eq "first group 100" "$(basename "$(realpath "$PDIR/$A/iommu_group")")" 100
eq "next group 101" "$(basename "$(realpath "$PDIR/$B/iommu_group")")" 101
wrn "$PDIR/$A/remove" 1 >/dev/null
wrn "$T/nvidia-63/create" "$C" >/dev/null
eq "lowest free group is reused" \
    "$(basename "$(realpath "$PDIR/$C/iommu_group")")" 100
wrn "$PDIR/$B/remove" 1 >/dev/null
wrn "$PDIR/$C/remove" 1 >/dev/null
eq "all removed" "$(count "$SYS/bus/mdev/devices")" 0

echo "# p4: sysfs permissions"

eq "write to a read-only attribute: EACCES" \
    "$(wrn "$T/nvidia-65/available_instances" 5)" "Permission denied"
check "reading create fails" eval '! cat "$T/nvidia-65/create" 2>/dev/null'
eq "mkdir: EPERM" "$(mkdir "$T/x" 2>&1 | sed 's/.*: //')" \
    "Operation not permitted"
eq "rm: EPERM" "$(rm -f "$T/nvidia-65/name" 2>&1 | sed 's/.*: //')" \
    "Operation not permitted"
eq "new file: EACCES" "$(wrn "$T/nvidia-65/newfile" x)" "Permission denied"
eq "mv: EPERM" "$(mv "$T/nvidia-65/name" "$T/nvidia-65/n" 2>&1 |
    sed 's/.*: //')" "Operation not permitted"
eq "ln -s: EPERM" "$(ln -s x "$T/nvidia-65/l" 2>&1 | sed 's/.*: //')" \
    "Operation not permitted"
check "touch works" touch "$T/nvidia-65/name"

echo "# p4: hold, release, inject, state"

H=$(uuid)
wrn "$T/nvidia-65/create" "$H" >/dev/null
eq "hold" "$(wrn "$SYS/.vgpu-sim/hold" "$H")" ok
eq "remove of a held device: EBUSY" "$(wrn "$PDIR/$H/remove" 1)" \
    "Device or resource busy"
check "held device stays" test -d "$PDIR/$H"
check "state shows held" grep -q "$H.*held" "$SYS/.vgpu-sim/state"
eq "release" "$(wrn "$SYS/.vgpu-sim/release" "$H")" ok
eq "remove after release" "$(wrn "$PDIR/$H/remove" 1)" ok
eq "hold of an unknown device: ENODEV" \
    "$(wrn "$SYS/.vgpu-sim/hold" "$(uuid)")" "No such device"
eq "hold of garbage: EINVAL" "$(wrn "$SYS/.vgpu-sim/hold" xyz)" \
    "Invalid argument"

eq "inject create EIO" "$(wrn "$SYS/.vgpu-sim/inject" "create EIO")" ok
eq "injected create failure" "$(wrn "$T/nvidia-65/create" "$(uuid)")" \
    "Input/output error"
eq "nothing was created" "$(count "$SYS/bus/mdev/devices")" 0
I=$(uuid)
eq "next create works" "$(wrn "$T/nvidia-65/create" "$I")" ok
eq "inject remove ENODEV 2" \
    "$(wrn "$SYS/.vgpu-sim/inject" "remove ENODEV 2")" ok
eq "injected remove failure 1" "$(wrn "$PDIR/$I/remove" 1)" "No such device"
eq "injected remove failure 2" "$(wrn "$PDIR/$I/remove" 1)" "No such device"
eq "then remove works" "$(wrn "$PDIR/$I/remove" 1)" ok
eq "inject garbage: EINVAL" "$(wrn "$SYS/.vgpu-sim/inject" "explode")" \
    "Invalid argument"
check "state names the parent" \
    grep -q "^parent 0000:05:00.0 model=homogeneous" "$SYS/.vgpu-sim/state"
eq "state is read-only" "$(wrn "$SYS/.vgpu-sim/state" x)" "Permission denied"
# A reader that needs several read(2)s (awk, a 16-byte buffer here) gets
# one snapshot taken at open: a device created between two of its reads
# is not in what it reads, and the text is whole (the stress suite's
# invariant check read two snapshots spliced at a chunk boundary).
S=$(uuid)
exec 7<"$SYS/.vgpu-sim/state"
head -c 16 <&7 >"$TMP/state.chunked"
wrn "$T/nvidia-65/create" "$S" >/dev/null
cat <&7 >>"$TMP/state.chunked"
exec 7<&-
check "a device created while the state is read is not in it" \
    eval '! grep -q "$S" "$TMP/state.chunked"'
check "it is in the next open" grep -q "$S" "$SYS/.vgpu-sim/state"
eq "a chunked read is one whole snapshot" \
    "$(grep -c "^parent " "$TMP/state.chunked")" \
    "$(grep -c "^parent " "$SYS/.vgpu-sim/state")"

# .vgpu-sim/requests counts the operations served outside .vgpu-sim/
# (bench/hook.sh reports them per start and stop); reading it is not one.
R1=$(cat "$SYS/.vgpu-sim/requests")
R2=$(cat "$SYS/.vgpu-sim/requests")
eq "reading the request count is not counted" "$R2" "$R1"
cat "$T/nvidia-65/available_instances" >/dev/null
R3=$(cat "$SYS/.vgpu-sim/requests")
check "an attribute read is counted: open and read ($R2 -> $R3)" \
    test "$R3" -ge $((R2 + 2))
eq "requests is read-only" "$(wrn "$SYS/.vgpu-sim/requests" x)" \
    "Permission denied"

sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# mtty: pool accounting"

sim_mount mtty mtty
P=$SYS/class/mdev_bus/mtty
T=$P/mdev_supported_types
eq "non-PCI class link" "$(readlink "$P")" "../../devices/virtual/mtty/mtty"
eq "class link resolves" "$(realpath "$P")" "$SYS/devices/virtual/mtty/mtty"
eq "mtty-1 name" "$(cat "$T/mtty-1/name")" "Single port serial"
eq "mtty-2 name" "$(cat "$T/mtty-2/name")" "Dual port serial"
check "no description file" test ! -e "$T/mtty-1/description"
eq "mtty-1 available" "$(cat "$T/mtty-1/available_instances")" 24
eq "mtty-2 available" "$(cat "$T/mtty-2/available_instances")" 12

M2=$(uuid)
eq "create mtty-2" "$(wrn "$T/mtty-2/create" "$M2")" ok
eq "mtty-1 after one mtty-2" "$(cat "$T/mtty-1/available_instances")" 22
eq "mtty-2 after one mtty-2" "$(cat "$T/mtty-2/available_instances")" 11
eq "driver link" "$(readlink "$SYS/devices/virtual/mtty/mtty/$M2/driver")" \
    "../../../../../bus/mdev/drivers/mtty"
eq "iommu_group link depth" \
    "$(readlink "$SYS/devices/virtual/mtty/mtty/$M2/iommu_group")" \
    "../../../../../kernel/iommu_groups/100"
M1=()
for _ in $(seq 22); do
    u=$(uuid)
    M1+=("$u")
    r=$(wrn "$T/mtty-1/create" "$u")
    [[ $r == ok ]] || break
done
eq "22 mtty-1 created" "$(count "$SYS/bus/mdev/devices")" 23
eq "mtty-1 exhausted" "$(cat "$T/mtty-1/available_instances")" 0
eq "mtty-2 exhausted" "$(cat "$T/mtty-2/available_instances")" 0
eq "mtty-1 create: ENOSPC" "$(wrn "$T/mtty-1/create" "$(uuid)")" \
    "No space left on device"
eq "mtty-2 create: ENOSPC" "$(wrn "$T/mtty-2/create" "$(uuid)")" \
    "No space left on device"
wrn "$SYS/bus/mdev/devices/${M1[0]}/remove" 1 >/dev/null
eq "one port free: mtty-1" "$(cat "$T/mtty-1/available_instances")" 1
eq "one port free: mtty-2" "$(cat "$T/mtty-2/available_instances")" 0
wrn "$SYS/bus/mdev/devices/${M1[1]}/remove" 1 >/dev/null
eq "two ports free: mtty-1" "$(cat "$T/mtty-1/available_instances")" 2
eq "two ports free: mtty-2" "$(cat "$T/mtty-2/available_instances")" 1
wrn "$SYS/bus/mdev/devices/$M2/remove" 1 >/dev/null
for u in "${M1[@]:2}"; do
    wrn "$SYS/bus/mdev/devices/$u/remove" 1 >/dev/null
done
eq "all ports back: mtty-1" "$(cat "$T/mtty-1/available_instances")" 24
eq "all ports back: mtty-2" "$(cat "$T/mtty-2/available_instances")" 12
eq "bus empty" "$(count "$SYS/bus/mdev/devices")" 0
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# t4x16"

sim_mount t4x16 t4x16
eq "16 parents" "$(count "$SYS/class/mdev_bus")" 16
expected=""
for bus in $(seq $((0x3b)) $((0x4a))); do
    expected+=$(printf '0000:%02x:00.0 ' "$bus")
done
eq "parent names count up the bus" \
    "$(ls "$SYS/class/mdev_bus" | tr '\n' ' ')" "$expected"
eq "16 distinct parent directories" \
    "$(for p in "$SYS"/class/mdev_bus/*; do realpath "$p"; done |
        sort -u | wc -l)" 16
T=$SYS/class/mdev_bus/0000:3b:00.0/mdev_supported_types
eq "T4-16Q name" "$(cat "$T/nvidia-230/name")" "GRID T4-16Q"
n=0
for p in "$SYS"/class/mdev_bus/*; do
    r=$(wrn "$p/mdev_supported_types/nvidia-230/create" "$(uuid)")
    [[ $r == ok ]] && n=$((n + 1))
done
eq "one T4-16Q on each of the 16 GPUs" "$n" 16
eq "16 devices on the bus" "$(count "$SYS/bus/mdev/devices")" 16
eq "16 iommu groups" "$(count "$SYS/kernel/iommu_groups")" 16
avail=""
for p in "$SYS"/class/mdev_bus/*; do
    avail+=$(cat "$p/mdev_supported_types/nvidia-230/available_instances")
done
eq "each GPU full" "$avail" 0000000000000000
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# tiny: races"

sim_mount tiny tiny
T6=$SYS/class/mdev_bus/0000:06:00.0/mdev_supported_types
T5=$SYS/class/mdev_bus/0000:05:00.0/mdev_supported_types
eq "tiny: nvidia-65 on 0000:06:00.0" \
    "$(cat "$T6/nvidia-65/available_instances")" 2
eq "tiny: nvidia-66 on 0000:05:00.0" \
    "$(cat "$T5/nvidia-66/available_instances")" 1

for i in $(seq 20); do
    (wrn "$T6/nvidia-65/create" "$(uuid)" >"$TMP/race.$i") &
done
wait
eq "20 racing creates on 2 instances: 2 succeed" \
    "$(cat "$TMP"/race.* | grep -c '^ok$')" 2
eq "the other 18 get ENOSPC" \
    "$(cat "$TMP"/race.* | grep -c '^No space left on device$')" 18
eq "exactly 2 devices" "$(count "$SYS/bus/mdev/devices")" 2
eq "no instance left" "$(cat "$T6/nvidia-65/available_instances")" 0
rm -f "$TMP"/race.*

R=$(uuid)
for i in $(seq 10); do
    (wrn "$T5/nvidia-66/create" "$R" >"$TMP/race.$i") &
done
wait
eq "10 racing creates of one UUID: 1 succeeds" \
    "$(cat "$TMP"/race.* | grep -c '^ok$')" 1
eq "the other 9 get EEXIST" \
    "$(cat "$TMP"/race.* | grep -c '^File exists$')" 9
rm -f "$TMP"/race.*

for u in "$SYS"/bus/mdev/devices/*; do
    (wrn "$u/remove" 1 >"$TMP/race.$(basename "$u")") &
done
wait
eq "concurrent removes all succeed" \
    "$(cat "$TMP"/race.* | grep -c '^ok$')" 3
eq "bus empty again" "$(count "$SYS/bus/mdev/devices")" 0
rm -f "$TMP"/race.*
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# custom scenario: EUSERS, remove_delay_ms, model=independent"

cat >"$TMP/custom.conf" <<'EOF'
[sim]
iommu_group_base=7

[parent 0000:10:00.0]
model=independent
exhausted_errno=EUSERS
remove_delay_ms=3000
types=t-a;t-b

[type t-a]
max_instances=1

[type t-b]
name=Type B
description=two of them
device_api=vfio-ccw
max_instances=2
EOF
sim_mount custom "$TMP/custom.conf"
P=$SYS/class/mdev_bus/0000:10:00.0
T=$P/mdev_supported_types
eq "generated root port path" "$(readlink "$P")" \
    "../../devices/pci0000:00/0000:00:01.0/0000:10:00.0"
check "type without name has no name file" test ! -e "$T/t-a/name"
check "type without description has none" test ! -e "$T/t-a/description"
eq "device_api from the scenario" "$(cat "$T/t-b/device_api")" vfio-ccw
eq "default device_api" "$(cat "$T/t-a/device_api")" vfio-pci
X=$(uuid)
eq "create t-a" "$(wrn "$T/t-a/create" "$X")" ok
eq "iommu_group_base" "$(basename "$(realpath "$P/$X/iommu_group")")" 7
eq "independent: t-b unaffected" "$(cat "$T/t-b/available_instances")" 2
eq "independent: t-b can be created" "$(wrn "$T/t-b/create" "$(uuid)")" ok
eq "t-b count" "$(cat "$T/t-b/available_instances")" 1
eq "exhausted_errno=EUSERS" "$(wrn "$T/t-a/create" "$(uuid)")" \
    "Too many users"

start=$(date +%s%N)
eq "remove with remove_delay_ms returns success" "$(wrn "$P/$X/remove" 1)" ok
elapsed=$((($(date +%s%N) - start) / 1000000))
check "remove returned before the delay (${elapsed} ms)" \
    test "$elapsed" -lt 3000
check "device still visible during the delay" test -d "$P/$X"
check "still on the bus during the delay" test -L "$SYS/bus/mdev/devices/$X"
check "its link resolves during the delay" readlink "$SYS/bus/mdev/devices/$X"
eq "capacity not back during the delay" \
    "$(cat "$T/t-a/available_instances")" 0
eq "second remove during the delay succeeds" "$(wrn "$P/$X/remove" 1)" ok
eq "same UUID during the delay: EEXIST" "$(wrn "$T/t-b/create" "$X")" \
    "File exists"
eq "hold during the delay: ENODEV" "$(wrn "$SYS/.vgpu-sim/hold" "$X")" \
    "No such device"
# the delay is generous so that the checks above fit in it even on a
# loaded machine under ASan; wait for its end without a fixed sleep
# (readlink alone: a cached link target, nothing asks the emulator)
for _ in $(seq 200); do
    readlink "$SYS/bus/mdev/devices/$X" >/dev/null || break
    sleep 0.05
done
check "readlink of the bus link fails after the delay" \
    eval '! readlink "$SYS/bus/mdev/devices/$X" >/dev/null'
check "device gone after the delay" test ! -e "$P/$X"
check "bus link gone after the delay" test ! -L "$SYS/bus/mdev/devices/$X"
eq "capacity back after the delay" "$(cat "$T/t-a/available_instances")" 1
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# create delay, delay control, blocking remove"

# now_ms: monotonic enough for bounds of hundreds of milliseconds
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms; fails after
# SECONDS.  Bounds are generous: only a hang should ever reach them.
wait_for() {
    local tries=$(($1 * 20))
    shift
    while ! "$@"; do
        tries=$((tries - 1))
        [[ $tries -gt 0 ]] || return 1
        sleep 0.05
    done
}

is_gone() {
    ! kill -0 "$1" 2>/dev/null
}

# bg_write FILE DATA OUT: writes DATA to FILE from a background process
# that is itself the writer (dash runs the builtin printf and its
# redirection without forking), so a signal to $WRITER reaches the write;
# "ok" or "error" goes to OUT.  The writer is the child of a subshell, so
# that this shell does not report it "Killed".
bg_write() {
    rm -f "$TMP/writer.pid"
    (
        sh -c 'if printf "%s" "$2" >"$1" 2>/dev/null; then echo ok
               else echo error; fi >"$3"' sh "$1" "$2" "$3" &
        echo $! >"$TMP/writer.pid"
        wait
    ) 2>/dev/null &
    wait_for 10 test -s "$TMP/writer.pid"
    WRITER=$(cat "$TMP/writer.pid")
}

cat >"$TMP/slow.conf" <<'EOF2'
[parent 0000:20:00.0]
create_delay_ms=1500
types=slow

[type slow]
max_instances=4
EOF2
sim_mount slow "$TMP/slow.conf"
P=$SYS/class/mdev_bus/0000:20:00.0
T=$P/mdev_supported_types/slow
check "state shows create_delay_ms from the scenario" \
    grep -q "^parent 0000:20:00.0 .*create_delay_ms=1500" "$SYS/.vgpu-sim/state"
S1=$(uuid)
start=$(now_ms)
bg_write "$T/create" "$S1" "$TMP/slow.1"
writer=$WRITER
# the writer is inside its 1.5 s create: the device is not there yet, and
# the file system serves other requests meanwhile
check "no device while create is delayed" test ! -e "$P/$S1"
eq "available_instances readable during a delayed create" \
    "$(cat "$T/available_instances")" 4
check "the delayed writer is still writing" kill -0 "$writer"
wait_for 10 is_gone "$writer"
elapsed=$(($(now_ms) - start))
eq "delayed create succeeds" "$(cat "$TMP/slow.1")" ok
check "delayed create took at least 1500 ms (${elapsed} ms)" \
    test "$elapsed" -ge 1500
check "device there once create returned" test -d "$P/$S1"

# A SIGKILL does not stop a sysfs store: the device appears anyway (what
# a hook killed mid-create leaves behind).
S2=$(uuid)
bg_write "$T/create" "$S2" /dev/null
writer=$WRITER
sleep 0.2
kill -KILL "$writer" 2>/dev/null || true
check "device of a create killed mid-write appears" \
    wait_for 10 test -d "$P/$S2"

eq "delay: create 0" "$(wrn "$SYS/.vgpu-sim/delay" "create 0")" ok
check "state shows no create delay" \
    eval '! grep -q create_delay_ms "$SYS/.vgpu-sim/state"'
S3=$(uuid)
start=$(now_ms)
eq "create without delay" "$(wrn "$T/create" "$S3")" ok
elapsed=$(($(now_ms) - start))
check "create without delay is quick (${elapsed} ms)" test "$elapsed" -lt 1000
eq "delay: create 300 and remove 2500 in one write" \
    "$(wr "$SYS/.vgpu-sim/delay" $'create 300\nremove 2500\n')" ok
check "state shows both delays" \
    grep -q "create_delay_ms=300 remove_delay_ms=2500" "$SYS/.vgpu-sim/state"
S4=$(uuid)
start=$(now_ms)
eq "create with the delay set at run time" "$(wrn "$T/create" "$S4")" ok
elapsed=$(($(now_ms) - start))
check "it took at least 300 ms (${elapsed} ms)" test "$elapsed" -ge 300
eq "remove with the delay set at run time" "$(wrn "$P/$S4/remove" 1)" ok
check "the removed device lingers" test -d "$P/$S4"
check "then goes" wait_for 20 test ! -e "$P/$S4"
eq "delay: remove 0" "$(wrn "$SYS/.vgpu-sim/delay" "remove 0")" ok
for bad in "create" "create -1" "create 1x" "frob 10" "create 600001" \
    "remove 5 6"; do
    eq "delay '$bad': EINVAL" "$(wrn "$SYS/.vgpu-sim/delay" "$bad")" \
        "Invalid argument"
done
eq "delay: create 0 again" "$(wrn "$SYS/.vgpu-sim/delay" "create 0")" ok

# hold "UUID block": remove blocks (the request is not answered) until
# release, like vfio_unregister_group_dev() waiting for QEMU
eq "hold block of garbage mode: EINVAL" \
    "$(wrn "$SYS/.vgpu-sim/hold" "$S1 frob")" "Invalid argument"
eq "hold block" "$(wrn "$SYS/.vgpu-sim/hold" "$S1 block")" ok
check "state shows held(block)" grep -q "$S1.*held(block)" "$SYS/.vgpu-sim/state"
bg_write "$P/$S1/remove" 1 "$TMP/block.1"
writer=$WRITER
check "the remove write is waiting in the file system" \
    wait_for 10 grep -q "$S1.*blocked-removes=1" "$SYS/.vgpu-sim/state"
check "the blocked writer has not returned" kill -0 "$writer"
check "device still there while remove blocks" test -d "$P/$S1"
S5=$(uuid)
eq "create served while a remove blocks" "$(wrn "$T/create" "$S5")" ok
eq "remove of another device served while one blocks" \
    "$(wrn "$P/$S5/remove" 1)" ok
eq "release" "$(wrn "$SYS/.vgpu-sim/release" "$S1")" ok
check "the blocked writer returns after release" wait_for 10 is_gone "$writer"
eq "the blocked remove succeeds" "$(cat "$TMP/block.1")" ok
check "device removed after release" test ! -e "$P/$S1"

# SIGKILL of a blocked writer aborts its request (FUSE_INTERRUPT), and the
# mount can then be unmounted
eq "hold block again" "$(wrn "$SYS/.vgpu-sim/hold" "$S2 block")" ok
bg_write "$P/$S2/remove" 1 /dev/null
writer=$WRITER
check "second blocked remove waiting" \
    wait_for 10 grep -q "$S2.*blocked-removes=1" "$SYS/.vgpu-sim/state"
kill -KILL "$writer"
check "a SIGKILLed blocked writer goes" wait_for 10 is_gone "$writer"
check "its request is no longer waiting" \
    eval '! grep -q blocked-removes "$SYS/.vgpu-sim/state"'
check "the device stays (remove was aborted)" test -d "$P/$S2"
check "unmount after a killed blocked writer" sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# example.conf"

sim_mount example "$HERE/scenarios/example.conf"
eq "explicit path" "$(readlink "$SYS/class/mdev_bus/0000:81:00.0")" \
    "../../devices/pci0000:80/0000:80:01.0/0000:81:00.0"
eq "virtual parent path" "$(readlink "$SYS/class/mdev_bus/example-pool")" \
    "../../devices/virtual/example-pool/example-pool"
T=$SYS/class/mdev_bus/example-pool/mdev_supported_types
eq "pool/cost: example-a" "$(cat "$T/example-a/available_instances")" 4
eq "pool/cost: example-b" "$(cat "$T/example-b/available_instances")" 2
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# l40s2: PCI tree"

sim_mount l40s2 l40s2
PCI=$SYS/bus/pci/devices
PF=$PCI/0000:3d:00.0
PF_DIR=$SYS/devices/pci0000:00/0000:00:01.0/0000:3d:00.0

eq "66 PCI functions (2 PFs, 64 VFs)" "$(count "$PCI")" 66
eq "bus/pci/devices link is relative" "$(readlink "$PF")" \
    "../../../devices/pci0000:00/0000:00:01.0/0000:3d:00.0"
eq "PF link resolves" "$(realpath "$PF")" "$PF_DIR"
eq "second GPU behind the next root port" "$(realpath "$PCI/0000:3e:00.0")" \
    "$SYS/devices/pci0000:00/0000:00:01.1/0000:3e:00.0"
eq "PF vendor" "$(cat "$PF/vendor")" 0x10de
eq "PF device" "$(cat "$PF/device")" 0x26b9
eq "PF class (3D controller)" "$(cat "$PF/class")" 0x030200
eq "PF subsystem_vendor" "$(cat "$PF/subsystem_vendor")" 0x10de
eq "PF subsystem_device" "$(cat "$PF/subsystem_device")" 0x1851
eq "sriov_totalvfs" "$(cat "$PF/sriov_totalvfs")" 32
eq "sriov_numvfs" "$(cat "$PF/sriov_numvfs")" 32
eq "sriov_offset" "$(cat "$PF/sriov_offset")" 4
eq "sriov_stride" "$(cat "$PF/sriov_stride")" 1
eq "sriov_vf_device" "$(cat "$PF/sriov_vf_device")" 26b9
eq "virtfn0 is 0000:3d:00.4" "$(readlink "$PF/virtfn0")" "../0000:3d:00.4"
eq "virtfn4 is 0000:3d:01.0 (next slot)" "$(basename "$(realpath \
    "$PF/virtfn4")")" 0000:3d:01.0
eq "virtfn31 is 0000:3d:04.3" "$(basename "$(realpath "$PF/virtfn31")")" \
    0000:3d:04.3
check "no virtfn32" test ! -e "$PF/virtfn32"
eq "physfn link" "$(readlink "$PCI/0000:3d:04.3/physfn")" "../0000:3d:00.0"
bad=0
for pf in 0000:3d:00.0 0000:3e:00.0; do
    for n in $(seq 0 31); do
        vf=$(realpath "$PCI/$pf/virtfn$n")
        [[ $(realpath "$vf/physfn") == "$(realpath "$PCI/$pf")" ]] ||
            bad=$((bad + 1))
        [[ $(realpath "$PCI/$(basename "$vf")") == "$vf" ]] ||
            bad=$((bad + 1))
    done
done
eq "64 virtfn/physfn pairs consistent" "$bad" 0
V0=$PCI/0000:3d:00.4
check "PF has no physfn" test ! -e "$PF/physfn"
check "VF has no sriov_totalvfs" test ! -e "$V0/sriov_totalvfs"
eq "VF vendor" "$(cat "$V0/vendor")" 0x10de
eq "VF device" "$(cat "$V0/device")" 0x26b9
eq "VF class" "$(cat "$V0/class")" 0x030200
eq "PF driver link resolves" "$(realpath "$PF/driver")" \
    "$SYS/bus/pci/drivers/nvidia"
eq "VF driver link resolves" "$(realpath "$V0/driver")" \
    "$SYS/bus/pci/drivers/nvidia"
eq "driver nvidia lists 66 devices" "$(count "$SYS/bus/pci/drivers/nvidia")" 66
eq "driver entry resolves to the VF" \
    "$(realpath "$SYS/bus/pci/drivers/nvidia/0000:3d:00.4")" "$(realpath "$V0")"
eq "subsystem link resolves" "$(realpath "$V0/subsystem")" "$SYS/bus/pci"
g=$(realpath "$V0/iommu_group")
check "iommu_group resolves to a group" test -d "$g"
eq "the group links back to the VF" \
    "$(realpath "$g/devices/0000:3d:00.4")" "$(realpath "$V0")"
eq "one IOMMU group per PCI function" \
    "$(count "$SYS/kernel/iommu_groups")" 66
eq "PCI groups start at pci_iommu_group_base 10" \
    "$(basename "$(realpath "$PF/iommu_group")")" 10
check "uevent names the slot" grep -qx "PCI_SLOT_NAME=0000:3d:00.4" \
    "$V0/uevent"
check "uevent names the driver" grep -qx "DRIVER=nvidia" "$V0/uevent"
check "uevent PCI_ID" grep -qx "PCI_ID=10DE:26B9" "$V0/uevent"
eq "no mdev parents" "$(count "$SYS/class/mdev_bus")" 0
check "PF has no nvidia/ directory" test ! -e "$PF/nvidia"
check "VF has nvidia/" test -d "$V0/nvidia"
eq "current_vgpu_type mode 0644" \
    "$(stat -c %a "$V0/nvidia/current_vgpu_type")" 644
eq "creatable_vgpu_types mode 0444" \
    "$(stat -c %a "$V0/nvidia/creatable_vgpu_types")" 444
eq "sriov_numvfs is read-only here" "$(wrn "$PF/sriov_numvfs" 0)" \
    "Permission denied"

echo "# l40s2: creatable_vgpu_types and current_vgpu_type"

# vf N: the nvidia/ directory of VF N of the first GPU
vf() {
    echo "$(realpath "$PCI/0000:3d:00.0/virtfn$1")/nvidia"
}
vf2() {
    echo "$(realpath "$PCI/0000:3e:00.0/virtfn$1")/nvidia"
}
# types N: the ids creatable on VF N of the first GPU, space-separated
types() {
    tail -n +2 "$(vf "$1")/creatable_vgpu_types" | cut -d' ' -f1 |
        tr '\n' ' '
}
ALL="1145 1148 1149 1150 1151 1152 1153 1154 1155 "

eq "header line" "$(head -1 "$(vf 0)/creatable_vgpu_types")" \
    "ID    : vGPU Name"
check "id : name line" grep -qx "1153  : NVIDIA L40S-12Q" \
    "$(vf 0)/creatable_vgpu_types"
eq "a fresh VF lists every type" "$(types 0)" "$ALL"
eq "current_vgpu_type is 0" "$(cat "$(vf 0)/current_vgpu_type")" 0
eq "create 1153 (L40S-12Q) on VF 0" \
    "$(wrn "$(vf 0)/current_vgpu_type" 1153)" ok
eq "current_vgpu_type reads the id" "$(cat "$(vf 0)/current_vgpu_type")" 1153
eq "a VF holding a vGPU lists nothing" \
    "$(cat "$(vf 0)/creatable_vgpu_types")" "ID    : vGPU Name"
eq "homogeneous: siblings list only 1153" "$(types 1)" "1153 "
eq "the other GPU is unaffected" \
    "$(tail -n +2 "$(vf2 0)/creatable_vgpu_types" | wc -l)" 9
eq "another type on a sibling: EINVAL" \
    "$(wrn "$(vf 1)/current_vgpu_type" 1150)" "Invalid argument"
eq "the failed write left 0" "$(cat "$(vf 1)/current_vgpu_type")" 0
eq "same id again: success" "$(wrn "$(vf 0)/current_vgpu_type" 1153)" ok
eq "another id on a typed VF: EBUSY" \
    "$(wrn "$(vf 0)/current_vgpu_type" 1150)" "Device or resource busy"
eq "1153 on a typed VF stays" "$(cat "$(vf 0)/current_vgpu_type")" 1153
eq "unknown id: EINVAL" "$(wrn "$(vf 2)/current_vgpu_type" 9999)" \
    "Invalid argument"
eq "garbage: EINVAL" "$(wrn "$(vf 2)/current_vgpu_type" abc)" \
    "Invalid argument"
eq "negative: EINVAL" "$(wrn "$(vf 2)/current_vgpu_type" -1)" \
    "Invalid argument"
eq "creatable is read-only" "$(wrn "$(vf 2)/creatable_vgpu_types" 1153)" \
    "Permission denied"
for n in 1 2 3; do
    eq "1153 on VF $n" "$(wrn "$(vf "$n")/current_vgpu_type" 1153)" ok
done
eq "GPU full (4 x 12Q): VF 4 lists nothing" "$(types 4)" ""
full=0
for n in $(seq 0 31); do
    [[ $(wc -l <"$(vf "$n")/creatable_vgpu_types") == 1 ]] &&
        full=$((full + 1))
done
eq "every VF of the full GPU shows only the header" "$full" 32
eq "fifth 12Q: EINVAL" "$(wrn "$(vf 4)/current_vgpu_type" 1153)" \
    "Invalid argument"
check "state shows room=0" \
    grep -q 'type 1153 "NVIDIA L40S-12Q" room=0 max=4' "$SYS/.vgpu-sim/state"
eq "write 0 destroys" "$(wrn "$(vf 1)/current_vgpu_type" 0)" ok
eq "current back to 0" "$(cat "$(vf 1)/current_vgpu_type")" 0
eq "room again: free VFs list 1153" "$(types 4)" "1153 "
eq "write 0 to a VF without vGPU: success" \
    "$(wrn "$(vf 1)/current_vgpu_type" 0)" ok

eq "hold a VF" "$(wrn "$SYS/.vgpu-sim/hold" 0000:3d:00.4)" ok
check "state shows the held VF" \
    grep -q "vf 0000:3d:00.4 virtfn0 current=1153 held" "$SYS/.vgpu-sim/state"
eq "write 0 to a held VF: EBUSY" "$(wrn "$(vf 0)/current_vgpu_type" 0)" \
    "Device or resource busy"
eq "the held VF keeps its type" "$(cat "$(vf 0)/current_vgpu_type")" 1153
eq "same id on a held VF: success" \
    "$(wrn "$(vf 0)/current_vgpu_type" 1153)" ok
eq "release the VF" "$(wrn "$SYS/.vgpu-sim/release" 0000:3D:00.4)" ok
eq "write 0 after release" "$(wrn "$(vf 0)/current_vgpu_type" 0)" ok
eq "hold of a PF: ENODEV" "$(wrn "$SYS/.vgpu-sim/hold" 0000:3d:00.0)" \
    "No such device"
eq "hold of an absent VF: ENODEV" "$(wrn "$SYS/.vgpu-sim/hold" 0000:3d:05.0)" \
    "No such device"
eq "hold VF block: EINVAL" \
    "$(wrn "$SYS/.vgpu-sim/hold" "0000:3d:00.4 block")" "Invalid argument"
for n in 2 3; do
    wrn "$(vf "$n")/current_vgpu_type" 0 >/dev/null
done
eq "GPU empty again: every type creatable" "$(types 7)" "$ALL"

n=0
for v in $(seq 0 31); do
    [[ $(wrn "$(vf "$v")/current_vgpu_type" 1145) == ok ]] && n=$((n + 1))
done
eq "32 x L40S-1B on one GPU" "$n" 32
eq "the second GPU still offers 1B" \
    "$(grep -c "^1145 " "$(vf2 5)/creatable_vgpu_types")" 1
for v in $(seq 0 31); do
    wrn "$(vf "$v")/current_vgpu_type" 0 >/dev/null
done

eq "inject create EIO" "$(wrn "$SYS/.vgpu-sim/inject" "create EIO")" ok
eq "injected failure of a type write" \
    "$(wrn "$(vf 0)/current_vgpu_type" 1155)" "Input/output error"
eq "nothing was created" "$(cat "$(vf 0)/current_vgpu_type")" 0
eq "create 1155 (48Q)" "$(wrn "$(vf 0)/current_vgpu_type" 1155)" ok
eq "inject remove EPERM" "$(wrn "$SYS/.vgpu-sim/inject" "remove EPERM")" ok
eq "injected failure of a 0 write" "$(wrn "$(vf 0)/current_vgpu_type" 0)" \
    "Operation not permitted"
eq "then 0 works" "$(wrn "$(vf 0)/current_vgpu_type" 0)" ok

for i in $(seq 10); do
    (wrn "$(vf "$i")/current_vgpu_type" 1155 >"$TMP/race.$i") &
done
wait
eq "10 VFs racing for the one 48Q: 1 succeeds" \
    "$(cat "$TMP"/race.* | grep -c '^ok$')" 1
eq "the other 9 get EINVAL" \
    "$(cat "$TMP"/race.* | grep -c '^Invalid argument$')" 9
rm -f "$TMP"/race.*
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# custom PFs: uncreatable_errno, create_delay_ms, bus 0, errors"

cat >"$TMP/vfio.conf" <<'EOF2'
[sim]
pci_iommu_group_base=40

[pf 0000:41:00.0]
vendor=0x10de
device=0x2330
totalvfs=4
vf_driver=nvidia
vgpu=nvidia-vfio
types=10;20
uncreatable_errno=ENOSPC
create_delay_ms=800

[type 10]
name=Big
max_instances=1

[type 20]
name=Small
max_instances=4

[pf 0000:00:02.0]
vendor=0x8086
device=0x46a6
driver=i915
totalvfs=7
numvfs=3
EOF2
sim_mount vfio "$TMP/vfio.conf"
PCI=$SYS/bus/pci/devices
V=$PCI/0000:41:00.1/nvidia
eq "default class 0x030000" "$(cat "$PCI/0000:41:00.0/class")" 0x030000
eq "default offset 1: VF 0 is 0000:41:00.1" \
    "$(basename "$(realpath "$PCI/0000:41:00.0/virtfn0")")" 0000:41:00.1
eq "pci_iommu_group_base" \
    "$(basename "$(realpath "$PCI/0000:41:00.0/iommu_group")")" 40
line="pf 0000:41:00.0 vgpu=nvidia-vfio vfs=4 uncreatable=ENOSPC"
check "state shows uncreatable_errno and create_delay_ms" \
    grep -qx "$line create_delay_ms=800" "$SYS/.vgpu-sim/state"
start=$(now_ms)
eq "delayed type write" "$(wrn "$V/current_vgpu_type" 10)" ok
elapsed=$(($(now_ms) - start))
check "it took at least 800 ms (${elapsed} ms)" test "$elapsed" -ge 800
eq "uncreatable_errno=ENOSPC" \
    "$(wrn "$PCI/0000:41:00.2/nvidia/current_vgpu_type" 10)" \
    "No space left on device"
eq "delay: create 0 applies to PFs" \
    "$(wrn "$SYS/.vgpu-sim/delay" "create 0")" ok
check "state shows no create delay" \
    eval '! grep -q create_delay_ms "$SYS/.vgpu-sim/state"'
eq "0 is not delayed" "$(wrn "$V/current_vgpu_type" 0)" ok
I=$PCI/0000:00:02.0
eq "PF on bus 0 sits below the host bridge" "$(realpath "$I")" \
    "$SYS/devices/pci0000:00/0000:00:02.0"
eq "its VFs are siblings" "$(realpath "$I/virtfn2")" \
    "$SYS/devices/pci0000:00/0000:00:02.3"
eq "numvfs 3 of totalvfs 7" \
    "$(cat "$I/sriov_numvfs") $(cat "$I/sriov_totalvfs")" "3 7"
check "no virtfn3" test ! -e "$I/virtfn3"
check "an unbound VF has no driver link" test ! -e "$I/virtfn0/driver"
check "an unbound VF's uevent has no DRIVER" \
    eval '! grep -q DRIVER= "$I/virtfn0/uevent"'
check "plain VFs have no nvidia/" test ! -e "$I/virtfn0/nvidia"
eq "i915 lists the PF only" "$(ls "$SYS/bus/pci/drivers/i915" | tr '\n' ' ')" \
    "0000:00:02.0 "
sim_umount "$SYS"

mkdir -p "$TMP/badpf/sys"
# bad_pf DESCRIPTION EXPECTED-IN-ERROR SCENARIO-TEXT
bad_pf() {
    local rc=0
    printf '%s\n' "$3" >"$TMP/badpf/s.conf"
    "$SIM" --scenario "$TMP/badpf/s.conf" "$TMP/badpf/sys" 2>"$TMP/err" ||
        rc=$?
    if [[ $rc == 1 ]] && grep -q -- "$2" "$TMP/err"; then
        ok "$1"
    else
        not_ok "$1" "rc=$rc: $(cat "$TMP/err")"
        is_mounted "$TMP/badpf/sys" && sim_umount "$TMP/badpf/sys"
    fi
}
PFX=$'[pf 0000:41:00.0]\nvendor=0x10de\ndevice=0x1\n'
bad_pf "a [pf] needs totalvfs" "totalvfs" \
    $'[pf 0000:41:00.0]\nvendor=0x10de\ndevice=0x1'
bad_pf "a [pf] is named by a PCI address" "PCI address" \
    $'[pf gpu0]\nvendor=0x10de\ndevice=0x1\ntotalvfs=1'
bad_pf "nvidia-vfio type ids are decimal" "decimal" \
    "$PFX"$'totalvfs=1\nvgpu=nvidia-vfio\ntypes=nvidia-5\n'\
$'[type nvidia-5]\nname=x\nmax_instances=1'
bad_pf "uncreatable_errno needs vgpu=nvidia-vfio" "needs vgpu=nvidia-vfio" \
    "$PFX"$'totalvfs=1\nuncreatable_errno=EIO'
bad_pf "VFs past bus ff" "past bus ff" \
    $'[pf 0000:ff:1f.0]\nvendor=0x10de\ndevice=0x1\ntotalvfs=32\nvf_offset=4'
bad_pf "overlapping VFs" "used twice" \
    "$PFX"$'totalvfs=8\n[pf 0000:41:00.4]\nvendor=0x10de\ndevice=0x1\n'\
$'totalvfs=1\nnumvfs=0'
bad_pf "vendor must be hexadecimal" "hexadecimal" \
    $'[pf 0000:41:00.0]\nvendor=nvidia\ndevice=0x1\ntotalvfs=1'

# ------------------------------------------------------------------------
echo "# s7150: plain SR-IOV VFs"

sim_mount s7150 s7150
PCI=$SYS/bus/pci/devices
PF=$PCI/0000:5e:00.0
eq "9 PCI functions" "$(count "$PCI")" 9
eq "PF vendor:device" "$(cat "$PF/vendor"):$(cat "$PF/device")" 0x1002:0x6929
eq "PF class (VGA)" "$(cat "$PF/class")" 0x030000
eq "numvfs 8 of 16" "$(cat "$PF/sriov_numvfs") $(cat "$PF/sriov_totalvfs")" \
    "8 16"
eq "VF ids" "$(cat "$PF/virtfn0/vendor"):$(cat "$PF/virtfn0/device")" \
    0x1002:0x692f
eq "sriov_vf_device" "$(cat "$PF/sriov_vf_device")" 692f
eq "VFs 0000:5e:02.0 ... 02.7" \
    "$(for n in $(seq 0 7); do basename "$(realpath "$PF/virtfn$n")"; done |
        tr '\n' ' ')" \
    "$(for n in 0 1 2 3 4 5 6 7; do printf '0000:5e:02.%s ' "$n"; done)"
eq "PF on gim" "$(basename "$(realpath "$PF/driver")")" gim
eq "VFs 0-3 on vfio-pci" "$(count "$SYS/bus/pci/drivers/vfio-pci")" 4
eq "VF 3 driver" "$(basename "$(realpath "$PF/virtfn3/driver")")" vfio-pci
check "VF 4 unbound" test ! -e "$PF/virtfn4/driver"
eq "physfn of VF 7" "$(realpath "$PF/virtfn7/physfn")" "$(realpath "$PF")"
check "no vGPU type files" test ! -e "$PF/virtfn0/nvidia"
eq "no mdev parents" "$(count "$SYS/class/mdev_bus")" 0
check "state lists the PF" grep -q "^pf 0000:5e:00.0 vgpu=none vfs=8" \
    "$SYS/.vgpu-sim/state"
eq "hold of a plain VF" "$(wrn "$SYS/.vgpu-sim/hold" 0000:5e:02.0)" ok
check "state shows it held" grep -q "vf 0000:5e:02.0 virtfn0 held" \
    "$SYS/.vgpu-sim/state"
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# a16: mdev parents on VFs"

sim_mount a16 a16
eq "64 VF mdev parents" "$(count "$SYS/class/mdev_bus")" 64
P=$SYS/class/mdev_bus/0000:8a:00.4
eq "class link points at the VF's PCI path" "$(readlink "$P")" \
    "../../devices/pci0000:00/0000:00:01.0/0000:8a:00.4"
eq "it is the VF in bus/pci" "$(realpath "$P")" \
    "$(realpath "$SYS/bus/pci/devices/0000:8a:00.4")"
eq "physfn of the parent is the GPU" "$(realpath "$P/physfn")" \
    "$(realpath "$SYS/bus/pci/devices/0000:8a:00.0")"
eq "VF driver nvidia" "$(basename "$(realpath "$P/driver")")" nvidia
eq "PF device 25b6" "$(cat "$SYS/bus/pci/devices/0000:8a:00.0/device")" 0x25b6
check "PF is no mdev parent" test ! -e "$SYS/class/mdev_bus/0000:8a:00.0"
eq "6 types per VF" "$(count "$P/mdev_supported_types")" 6
eq "A16-2Q name" "$(cat "$P/mdev_supported_types/nvidia-700/name")" \
    "NVIDIA A16-2Q"

# gpu_avail BUS TYPE: available_instances of TYPE on the 16 VFs of GPU BUS
gpu_avail() {
    local v out=""
    for v in "$SYS"/class/mdev_bus/0000:"$1":*; do
        out+=$(cat "$v/mdev_supported_types/$2/available_instances")
    done
    echo "$out"
}
eq "a fresh GPU: 1 on every VF" "$(gpu_avail 8a nvidia-700)" \
    1111111111111111
U=$(uuid)
eq "create A16-2Q on VF 0" \
    "$(wrn "$P/mdev_supported_types/nvidia-700/create" "$U")" ok
eq "the mdev lives below the VF" "$(realpath "$SYS/bus/mdev/devices/$U")" \
    "$(realpath "$P")/$U"
eq "one per VF: VF 0 shows 0" "$(gpu_avail 8a nvidia-700 | cut -c1)" 0
eq "a second vGPU on the VF: ENOSPC" \
    "$(wrn "$P/mdev_supported_types/nvidia-700/create" "$(uuid)")" \
    "No space left on device"
eq "homogeneous per GPU: no 1Q on siblings" "$(gpu_avail 8a nvidia-699)" \
    0000000000000000
T5=$SYS/class/mdev_bus/0000:8a:00.5/mdev_supported_types
eq "1Q on a sibling: ENOSPC" \
    "$(wrn "$T5/nvidia-699/create" "$(uuid)")" "No space left on device"
n=1
for v in "$SYS"/class/mdev_bus/0000:8a:*; do
    [[ $v == "$P" ]] && continue
    [[ $(wrn "$v/mdev_supported_types/nvidia-700/create" "$(uuid)") == ok ]] &&
        n=$((n + 1))
done
eq "8 A16-2Q fit on one GPU" "$n" 8
eq "full GPU: every VF shows 0" "$(gpu_avail 8a nvidia-700)" \
    0000000000000000
eq "the next GPU is untouched" "$(gpu_avail 8b nvidia-700)" \
    1111111111111111
eq "the next GPU offers 1Q" "$(gpu_avail 8b nvidia-699)" 1111111111111111
check "state shows model=vf" \
    grep -q "^parent 0000:8a:00.4 model=vf" "$SYS/.vgpu-sim/state"
eq "remove one" "$(wrn "$SYS/bus/mdev/devices/$U/remove" 1)" ok
eq "room on the GPU: the 9 free VFs show 1" \
    "$(gpu_avail 8a nvidia-700 | tr -cd 1 | wc -c)" 9
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# mixed: three classes"

sim_mount mixed mixed
eq "one mdev parent (the P4)" "$(ls "$SYS/class/mdev_bus" | tr '\n' ' ')" \
    "0000:05:00.0 "
eq "PCI functions: L40S + 32 VFs, S7150 + 8 VFs" \
    "$(count "$SYS/bus/pci/devices")" 42
check "the P4 is not in bus/pci" test ! -e "$SYS/bus/pci/devices/0000:05:00.0"
eq "P4 behind root port 01.0" "$(readlink "$SYS/class/mdev_bus/0000:05:00.0")" \
    "../../devices/pci0000:00/0000:00:01.0/0000:05:00.0"
eq "L40S behind root port 01.1" \
    "$(readlink "$SYS/bus/pci/devices/0000:3d:00.0")" \
    "../../../devices/pci0000:00/0000:00:01.1/0000:3d:00.0"
U=$(uuid)
T=$SYS/class/mdev_bus/0000:05:00.0/mdev_supported_types
eq "create on the P4" "$(wrn "$T/nvidia-65/create" "$U")" ok
eq "mdev IOMMU group from iommu_group_base" \
    "$(basename "$(realpath "$SYS/bus/mdev/devices/$U/iommu_group")")" 100
V=$SYS/bus/pci/devices/0000:3d:04.3/nvidia
eq "type on an L40S VF" "$(wrn "$V/current_vgpu_type" 1153)" ok
eq "the P4 is unaffected" \
    "$(cat "$T/nvidia-65/available_instances")" 1
eq "S7150 VFs on vfio-pci" "$(count "$SYS/bus/pci/drivers/vfio-pci")" 8
sim_umount "$SYS"

# ------------------------------------------------------------------------
echo "# foreground mode and signals"

mkdir -p "$TMP/fg/sys"
"$SIM" --foreground --scenario tiny "$TMP/fg/sys" 2>"$TMP/fg.err" &
fg_pid=$!
MOUNTS+=("$TMP/fg/sys")
for _ in $(seq 100); do
    is_mounted "$TMP/fg/sys" && break
    sleep 0.05
done
check "--foreground mounts" is_mounted "$TMP/fg/sys"
check "--foreground serves" test -d "$TMP/fg/sys/class/mdev_bus/0000:05:00.0"
# a remove blocked in the file system must not keep it from exiting
T=$TMP/fg/sys/class/mdev_bus/0000:05:00.0/mdev_supported_types/nvidia-66
F=$(uuid)
wrn "$T/create" "$F" >/dev/null
wrn "$TMP/fg/sys/.vgpu-sim/hold" "$F block" >/dev/null
bg_write "$TMP/fg/sys/bus/mdev/devices/$F/remove" 1 "$TMP/fg.block"
writer=$WRITER
check "blocked remove waiting before SIGTERM" wait_for 10 \
    grep -q "blocked-removes=1" "$TMP/fg/sys/.vgpu-sim/state"
kill -TERM "$fg_pid"
check "SIGTERM ends the process despite a blocked remove" \
    wait_for 20 is_gone "$fg_pid"
rc=0
wait "$fg_pid" || rc=$?
check "SIGTERM ends the process" test "$rc" -lt 128
check "SIGTERM unmounts" eval '! is_mounted "$TMP/fg/sys"'
check "the blocked writer returns" wait_for 10 is_gone "$writer"
check "the blocked writer got an error" \
    eval '[[ $(cat "$TMP/fg.block") != ok ]]'

# ------------------------------------------------------------------------
echo "# $PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
