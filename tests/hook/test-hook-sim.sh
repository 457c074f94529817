#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of the real vgpu-hook binary against the mdev sysfs
# emulator: the DESIGN.md hook contract (operations, exit codes, creation,
# idempotence, capacity, homogeneity, foreign devices, hostile input,
# rollback, races).
#
# Usage: test-hook-sim.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
shopt -s lastpipe

HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

OUT=$(mktemp)
ERR=$(mktemp)
cleanup() { sim_stop; rm -f "$OUT" "$ERR"; }
trap cleanup EXIT

# hook DOMAIN OP SUBOP < xml ; records exit status in RC, output in OUT/ERR
hook() {
    set +e
    "$HOOK" "$1" "$2" "$3" - >"$OUT" 2>"$ERR"
    RC=$?
    set -e
}

expect_rc() { # WANT CONTEXT
    [ "$RC" = "$1" ] || fail "$2: exit $RC, wanted $1; stderr: $(cat "$ERR")"
}

U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
U2=9d2e9b5e-1c4a-4f7e-8a3b-000000000002
U3=9d2e9b5e-1c4a-4f7e-8a3b-000000000003
D1=c7a5fdbd-edaf-9455-926a-d65c16db1801
D2=c7a5fdbd-edaf-9455-926a-d65c16db1802

# --- usage and unknown operations ---------------------------------------
sim_start tiny
set +e; "$HOOK" >/dev/null 2>"$ERR"; RC=$?; set -e
expect_rc 2 "no arguments"
grep -q "DOMAIN OPERATION SUB-OPERATION" "$ERR" || fail "usage message"
set +e; "$HOOK" --help >"$OUT"; RC=$?; set -e
expect_rc 0 "--help"
grep -q "prepare begin" "$OUT" || fail "--help text"
pass "usage errors exit 2, --help exits 0"

for op in "migrate begin" "restore begin" "reconnect begin" "started begin" \
          "stopped end" "release begin" "frobnicate sometime"; do
    hook win11 $op </dev/null
    expect_rc 0 "$op"
    [ ! -s "$OUT" ] || fail "$op printed to stdout: $(cat "$OUT")"
    [ ! -s "$ERR" ] || fail "$op printed to stderr: $(cat "$ERR")"
done
domain_xml win11 "$D1" "$U1 nvidia-65" | { hook win11 migrate begin; expect_rc 0 migrate; [ ! -s "$OUT" ]; }
[ "$(sim_count_mdevs)" = 0 ] || fail "unknown operations created devices"
pass "migrate/restore/unknown operations: exit 0, print nothing, touch nothing"

# --- create at prepare, remove at release --------------------------------
[ "$(sim_available 0000:06:00.0 nvidia-65)" = 2 ] || fail "scenario"
domain_xml win11 "$D1" "$U1 nvidia-65" >"$SIM_ROOT/win11.xml"
hook win11 prepare begin <"$SIM_ROOT/win11.xml"
expect_rc 0 "prepare win11"
sim_mdev_exists "$U1" || fail "prepare did not create $U1"
[ "$(basename "$(readlink "$SIM_ROOT/sys/bus/mdev/devices/$U1/mdev_type")")" = nvidia-65 ] || fail "type of $U1"
[ "$(sim_available 0000:06:00.0 nvidia-65)" = 1 ] || fail "available_instances did not drop"
[ -f "$SIM_ROOT/run/libvgpu/mdevs/$U1" ] || fail "no ownership record"
grep -q "domain=win11" "$SIM_ROOT/run/libvgpu/mdevs/$U1" || fail "record domain"
pass "prepare begin creates the requested mdev and records ownership"

hook win11 prepare begin <"$SIM_ROOT/win11.xml"
expect_rc 0 "second prepare"
[ "$(sim_count_mdevs)" = 1 ] || fail "second prepare created another device"
pass "prepare is idempotent"

hook win11 release end <"$SIM_ROOT/win11.xml"
expect_rc 0 "release win11"
! sim_mdev_exists "$U1" || fail "release did not remove $U1"
[ "$(sim_available 0000:06:00.0 nvidia-65)" = 2 ] || fail "capacity not returned"
[ ! -e "$SIM_ROOT/run/libvgpu/mdevs/$U1" ] || fail "record left behind"
hook win11 release end </dev/null
expect_rc 0 "second release"
pass "release end removes what prepare created; a second release is harmless"

# --- homogeneity and capacity ---------------------------------------------
# nvidia-66 fits on both P4s (one each); nvidia-65 only on 0000:06:00.0.
domain_xml a "$D1" "$U1 nvidia-66" | hook a prepare begin; expect_rc 0 "a"
domain_xml b "$D2" "$U2 nvidia-66" | hook b prepare begin; expect_rc 0 "b"
[ "$(sim_count_mdevs)" = 2 ] || fail "two nvidia-66 on two parents"
domain_xml c "$D1" "$U3 nvidia-65" | hook c prepare begin
expect_rc 1 "c has no capacity"
grep -q "nvidia-65" "$ERR" || fail "message names the type: $(cat "$ERR")"
grep -q "0000:06:00.0" "$ERR" || fail "message names the parent: $(cat "$ERR")"
grep -Eq "used by (a|b)" "$ERR" || fail "message names the user: $(cat "$ERR")"
[ "$(wc -l <"$ERR")" = 1 ] || fail "more than one line on stderr"
! sim_mdev_exists "$U3" || fail "failed prepare left a device"
echo "    capacity message: $(cat "$ERR")"
pass "no capacity: exit 1, one clear line naming type, parent and users"
hook a release end </dev/null; hook b release end </dev/null
[ "$(sim_count_mdevs)" = 0 ] || fail "cleanup"

# --- NVIDIA homogeneity: a GPU hosting one type offers no other ---------------
domain_xml h1 "$D1" "$U1 nvidia-65" | hook h1 prepare begin; expect_rc 0 "h1"
[ "$(sim_available 0000:06:00.0 nvidia-66)" = 0 ] || fail "emulator homogeneity"
domain_xml h2 "$D2" "$U2 nvidia-66" | hook h2 prepare begin; expect_rc 0 "h2"
[ "$(basename "$(dirname "$(readlink -f "$SIM_ROOT/sys/bus/mdev/devices/$U2")")")" = 0000:05:00.0 ] || fail "nvidia-66 not placed on the GPU without another type"
domain_xml h3 "$D1" "$U3 nvidia-66" | hook h3 prepare begin
expect_rc 1 "nvidia-66 with one GPU full and the other hosting nvidia-65"
! sim_mdev_exists "$U3" || fail "h3 created a device"
hook h1 release end </dev/null; hook h2 release end </dev/null
[ "$(sim_count_mdevs)" = 0 ] || fail "homogeneity cleanup"
pass "homogeneous GPUs: a type goes only where no other type lives"

# --- requested parent honoured, never replaced ----------------------------
domain_xml p "$D1" "$U1 nvidia-66 0000:06:00.0" | hook p prepare begin
expect_rc 0 "parent request"
[ "$(basename "$(dirname "$(readlink -f "$SIM_ROOT/sys/bus/mdev/devices/$U1")")")" = 0000:06:00.0 ] || fail "requested parent not used"
domain_xml q "$D2" "$U2 nvidia-66 0000:06:00.0" | hook q prepare begin
expect_rc 1 "requested parent full"
! sim_mdev_exists "$U2" || fail "request was silently moved to another parent"
hook p release end </dev/null
pass "a requested parent is honoured and never silently replaced"

# --- foreign devices ----------------------------------------------------------
sim_create_by_hand 0000:06:00.0 nvidia-65 "$U1"
domain_xml f "$D1" "hostdev-only:$U1" | hook f prepare begin; expect_rc 0 "hostdev-only"
domain_xml f "$D1" "hostdev-only:$U1" | hook f release end; expect_rc 0 "hostdev-only release"
sim_mdev_exists "$U1" || fail "a hostdev without our metadata was removed"
domain_xml g "$D1" "$U1 nvidia-65" | hook g prepare begin; expect_rc 0 "request matching a foreign device"
domain_xml g "$D1" "$U1 nvidia-65" | hook g release end; expect_rc 0 "release g"
sim_mdev_exists "$U1" || fail "an mdev we did not create was removed"
pass "foreign mdevs are used when they match and never removed"

domain_xml h "$D1" "$U1 nvidia-66" | hook h prepare begin
expect_rc 1 "type mismatch"
grep -q "nvidia-65" "$ERR" && grep -q "nvidia-66" "$ERR" || fail "mismatch message: $(cat "$ERR")"
sim_mdev_exists "$U1" || fail "mismatching foreign device removed"
echo "$U1" >/dev/null
echo 1 >"$SIM_ROOT/sys/bus/mdev/devices/$U1/remove"
pass "an existing mdev of another type fails prepare and is left alone"

# --- hostile and malformed input --------------------------------------------
check_rejected() { # NAME (xml on stdin)
    hook "$1" prepare begin
    expect_rc 1 "$1"
    [ "$(wc -l <"$ERR")" = 1 ] || fail "$1: not one line: $(cat "$ERR")"
    [ "$(sim_count_mdevs)" = 0 ] || fail "$1 created a device"
}
domain_xml x "$D1" "$U1 ../../../etc" | check_rejected x
grep -q '\.\./\.\./\.\./etc' "$ERR" || fail "type .. message"
domain_xml x "$D1" "$U1 nvidia-65 ../0000:06:00.0" | check_rejected x
domain_xml x "$D1" "not-a-uuid nvidia-65" | check_rejected x
grep -q "not-a-uuid" "$ERR" || fail "bad uuid message: $(cat "$ERR")"
printf 'this is not XML' | check_rejected x
: | check_rejected x
grep -qi "no domain XML" "$ERR" || fail "empty stdin message: $(cat "$ERR")"
cat <<XML | check_rejected x
<?xml version="1.0"?>
<!DOCTYPE domain [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<domain type='kvm'><name>x</name><uuid>$D1</uuid>
<metadata><vgpu:vgpu xmlns:vgpu="urn:libvgpu:domain:1"><vgpu:mdev uuid="$U1" type="&xxe;"/></vgpu:vgpu></metadata>
<devices><hostdev mode='subsystem' type='mdev'><source><address uuid='$U1'/></source></hostdev></devices></domain>
XML
! grep -q "root:" "$ERR" || fail "XXE leaked file content"
cat <<XML | check_rejected x
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<domain><name>&lol3;</name></domain>
XML
domain_xml y "$D1" "$U1 nvidia-65" | check_rejected other-name
head -c $((17 * 1024 * 1024)) /dev/zero >"$SIM_ROOT/big.xml"
check_rejected x <"$SIM_ROOT/big.xml"
grep -q "16 MiB" "$ERR" || fail "size cap message: $(cat "$ERR")"
pass "hostile input ('..', bad UUID, junk, empty, XXE, entity bomb, wrong name, >16 MiB): exit 1, one line, nothing created"

# --- more devices than are left: refused before anything is created -----------
domain_xml m "$D1" "$U1 nvidia-65" "$U2 nvidia-65" "$U3 nvidia-65" | hook m prepare begin
expect_rc 1 "three nvidia-65 on a host with two"
grep -q "3 mediated devices of type nvidia-65 (GRID P4-4Q) are requested but only 2 are free" "$ERR" ||
    fail "capacity pre-check message: $(cat "$ERR")"
[ "$(sim_count_mdevs)" = 0 ] || fail "pre-check left $(sim_count_mdevs) devices"
pass "a domain asking for more than is left fails before creating anything"

# --- rollback of a multi-mdev request ----------------------------------------
# nvidia-65 can only go to 0000:06:00.0, which then offers no nvidia-66, so
# the second nvidia-66 finds no room although two were free at the start.
domain_xml m "$D1" "$U1 nvidia-65" "$U2 nvidia-66" "$U3 nvidia-66" | hook m prepare begin
expect_rc 1 "nvidia-65 + 2 x nvidia-66 on two homogeneous P4s"
grep -q "nvidia-66" "$ERR" || fail "rollback message: $(cat "$ERR")"
[ "$(sim_count_mdevs)" = 0 ] || fail "rollback left $(sim_count_mdevs) devices"
[ -z "$(ls -A "$SIM_ROOT/run/libvgpu/mdevs" 2>/dev/null)" ] || fail "rollback left records"
[ "$(sim_available 0000:06:00.0 nvidia-65)" = 2 ] || fail "capacity after rollback"
[ "$(sim_available 0000:05:00.0 nvidia-66)" = 1 ] || fail "capacity after rollback"
pass "a failed multi-mdev prepare removes everything it created"

# --- races: N processes for K instances ---------------------------------------
sim_restart t4x16
N=24
TYPE=nvidia-230   # GRID T4-16Q: 1 per T4, 16 on the host
RACE=$(mktemp -d)
for i in $(seq 1 $N); do
    u=$(printf '9d2e9b5e-1c4a-4f7e-8a3b-%012d' "$i")
    d=$(printf 'c7a5fdbd-edaf-9455-926a-%012d' "$i")
    domain_xml "race$i" "$d" "$u $TYPE" >"$RACE/$i.xml"
done
for i in $(seq 1 $N); do
    ( rc=0; "$HOOK" "race$i" prepare begin - <"$RACE/$i.xml" >/dev/null 2>"$RACE/$i.err" || rc=$?; echo $rc >"$RACE/$i.rc" ) &
done
wait
wins=$(grep -lx 0 "$RACE"/*.rc | wc -l)
losses=$(grep -lx 1 "$RACE"/*.rc | wc -l)
[ "$wins" = 16 ] || fail "race: $wins winners, wanted 16"
[ "$losses" = 8 ] || fail "race: $losses losers, wanted 8"
[ "$(sim_count_mdevs)" = 16 ] || fail "race: $(sim_count_mdevs) devices"
[ "$(ls "$SIM_ROOT/run/libvgpu/mdevs" | wc -l)" = 16 ] || fail "race: records"
for i in $(seq 1 $N); do "$HOOK" "race$i" release end - </dev/null; done
[ "$(sim_count_mdevs)" = 0 ] || fail "race cleanup"
rm -rf "$RACE"
pass "$N processes racing for 16 instances: exactly 16 win, nothing leaks"

# --- busy devices and slow teardown ---------------------------------------------
sim_restart tiny
mkdir -p "$SIM_ROOT/etc/libvgpu"
printf '[libvgpu]\nremove_timeout_ms=300\n' >"$SIM_ROOT/etc/libvgpu/libvgpu.conf"
domain_xml busy "$D1" "$U1 nvidia-65" | hook busy prepare begin; expect_rc 0 "busy prepare"
echo "$U1" >"$SIM_ROOT/sys/.vgpu-sim/hold"
hook busy release end </dev/null
expect_rc 0 "release of a busy device"
grep -q "warning" "$ERR" && grep -q "vgpuctl gc" "$ERR" || fail "busy warning: $(cat "$ERR")"
sim_mdev_exists "$U1" || fail "busy device vanished"
[ -f "$SIM_ROOT/run/libvgpu/mdevs/$U1" ] || fail "record of busy device dropped"
echo "$U1" >"$SIM_ROOT/sys/.vgpu-sim/release"
hook busy release end </dev/null
expect_rc 0 "release after the device was freed"
! sim_mdev_exists "$U1" || fail "device not removed once free"
pass "a busy device is retried, then left with a warning and its record"

echo "all $PASSED hook checks passed"
