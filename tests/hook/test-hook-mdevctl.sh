#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mdevctl interop (docs/engine.md "mdevctl definitions"): a domain whose
# hostdev names a device that mdevctl defines (etc/mdevctl.d/PARENT/UUID)
# but that is not running is started by `prepare begin` (created on the
# defined parent with the defined type, the definition's attrs written in
# order) and removed at `release end`; a running device is never touched;
# untrusted or malformed definitions are refused with one line and nothing
# is created; a domain mixing a request and a definition rolls back as one.
#
# Usage: test-hook-mdevctl.sh VGPU_HOOK VGPU_SIM [VGPUCTL]
set -euo pipefail
shopt -s lastpipe

HOOK=$1
export VGPU_SIM=$2
VGPUCTL=${3:-}
. "$(dirname "$0")/../lib-sim.sh"

DUUID=6f1f4a66-2a55-4d3b-9f0e-0b8d3c1e7a01
U1=5cf14a12-a437-4c82-a13f-70e945782d7b
U2=783e6dbb-ea0e-411f-94e2-717eaad438bf
UR=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
P5=0000:05:00.0 # nvidia-66, 1 instance
P6=0000:06:00.0 # nvidia-65 (2, with attributes) or nvidia-66 (1), one type at a time

# tiny (tests/sim/scenarios/tiny.conf) with vendor attributes on nvidia-65
SCENARIO=$(mktemp /tmp/vgpu-mdevctl-scenario.XXXXXX.conf)
trap 'rm -f "$SCENARIO"' EXIT
sed '/^\[type nvidia-65\]/a device_attrs=assign_adapter;assign_domain' \
    "$(dirname "$0")/../sim/scenarios/tiny.conf" >"$SCENARIO"

# define PARENT UUID JSON: an mdevctl definition as mdevctl writes it (root,
# 0644 in a 0755 directory)
define() {
    mkdir -p "$SIM_ROOT/etc/mdevctl.d/$1"
    printf '%s\n' "$3" >"$SIM_ROOT/etc/mdevctl.d/$1/$2"
}

# start DOMAIN HOSTDEV-UUID... (no request: hostdevs only); REQUEST via "r:UUID TYPE [PARENT]"
start() {
    local name=$1 r=() a
    shift
    for a in "$@"; do
        case $a in
        r:*) r+=("${a#r:}") ;;
        *) r+=("hostdev-only:$a") ;;
        esac
    done
    sim_domain_xml "$name" "$DUUID" "${r[@]}" | sim_run_hook "$name" prepare begin
}

attr() { cat "$SIM_ROOT/sys/bus/mdev/devices/$1/$2"; }
parent_of() { basename "$(dirname "$(realpath "$SIM_ROOT/sys/bus/mdev/devices/$1")")"; }

# nothing created, no record, one clean stderr line mentioning WORD
refused() { # WHAT WORD
    [ "$RC" = 1 ] || fail "$1: exit $RC, wanted 1 ($(cat "$HOOK_ERR"))"
    local why
    why=$(sim_stderr_problem "$HOOK_ERR")
    [ -z "$why" ] || fail "$1: $why: $(cat "$HOOK_ERR")"
    grep -q -- "$2" "$HOOK_ERR" || fail "$1: stderr does not say '$2': $(cat "$HOOK_ERR")"
    [ -z "$(sim_list_records)" ] || fail "$1: records left: $(sim_list_records)"
}

case_start_and_release() {
    sim_start "$SCENARIO"
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"assign_adapter": "5"}, {"assign_domain": "4"}, {"assign_adapter": "6"}]}'
    start vm $U1
    [ "$RC" = 0 ] || fail "prepare: $(cat "$HOOK_ERR")"
    sim_mdev_exists $U1 || fail "the defined device was not created"
    [ "$(parent_of $U1)" = $P6 ] || fail "created on $(parent_of $U1), not the defined parent"
    # written in order: the second assign_adapter wins
    [ "$(attr $U1 assign_adapter)" = 6 ] || fail "assign_adapter is '$(attr $U1 assign_adapter)', wanted 6"
    [ "$(attr $U1 assign_domain)" = 4 ] || fail "assign_domain is '$(attr $U1 assign_domain)'"
    grep -qx 'origin=mdevctl' "$(sim_record $U1)" || fail "the record does not say origin=mdevctl"
    grep -qx 'state=ready' "$(sim_record $U1)" || fail "the record is not ready"
    if [ -n "$VGPUCTL" ]; then
        "$VGPUCTL" list >"$SIM_ROOT/list" 2>&1 || fail "vgpuctl list: $(cat "$SIM_ROOT/list")"
        grep -q "$U1.*mdevctl" "$SIM_ROOT/list" || fail "vgpuctl list does not show the mdevctl device: $(cat "$SIM_ROOT/list")"
    fi
    sim_run_hook vm release end </dev/null
    [ "$RC" = 0 ] || fail "release: $(cat "$HOOK_ERR")"
    sim_wait_for 5 eval '! sim_mdev_exists $U1' || fail "the device libvgpu started is still there"
    [ -z "$(sim_list_records)" ] || fail "record left"
    [ -f "$SIM_ROOT/etc/mdevctl.d/$P6/$U1" ] || fail "the definition is gone"
    # and again: a second start works the same
    start vm $U1
    [ "$RC" = 0 ] && sim_mdev_exists $U1 || fail "second start: $(cat "$HOOK_ERR")"
    sim_run_hook vm release end </dev/null
    sim_wait_for 5 eval '! sim_mdev_exists $U1' || fail "second release left the device"
}
sim_case "defined but stopped: created on the defined parent, attrs written in order, removed at release" case_start_and_release

case_running_untouched() {
    sim_start "$SCENARIO"
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "auto", "attrs": [{"assign_adapter": "5"}]}'
    sim_create_by_hand $P6 nvidia-65 $U1 # mdevctl start, or the admin
    start vm $U1
    [ "$RC" = 0 ] || fail "prepare: $(cat "$HOOK_ERR")"
    [ -z "$(sim_list_records)" ] || fail "a record for a device libvgpu did not start"
    [ -z "$(attr $U1 assign_adapter)" ] || fail "attributes written to a running device"
    sim_run_hook vm release end </dev/null
    sleep 0.2
    sim_mdev_exists $U1 || fail "release removed a device mdevctl started"
    # a running device is used as is even when its definition is broken
    define $P6 $U1 '{"mdev_type": '
    start vm $U1
    [ "$RC" = 0 ] || fail "a running device's broken definition refused the start: $(cat "$HOOK_ERR")"
}
sim_case "running device (started by mdevctl or by hand): used as is, never removed" case_running_untouched

case_undefined() {
    sim_start "$SCENARIO"
    start vm $U2
    [ "$RC" = 0 ] || fail "a hostdev without request nor definition failed the hook: $(cat "$HOOK_ERR")"
    [ "$(sim_count_mdevs)" = 0 ] || fail "something was created"
}
sim_case "neither request nor definition: left to libvirt, as before" case_undefined

case_no_capacity() {
    sim_start "$SCENARIO"
    define $P5 $U1 '{"mdev_type": "nvidia-66", "start": "manual"}'
    sim_create_by_hand $P5 nvidia-66 $U2 # the only instance
    start vm $U1
    refused "no capacity" "$P5"
    [ "$(sim_list_mdevs)" = $U2 ] || fail "devices: $(sim_list_mdevs)"
}
sim_case "definition on a parent without capacity: refused in one line, nothing left" case_no_capacity

# hostile DESCRIPTION WORD SETUP...: SETUP builds the definition of U1
hostile() {
    local what=$1 word=$2
    shift 2
    sim_scrub
    rm -rf "$SIM_ROOT/etc/mdevctl.d"
    mkdir -p "$SIM_ROOT/etc/mdevctl.d/$P6"
    "$@"
    start vm $U1
    refused "$what" "$word"
    [ "$(sim_count_mdevs)" = 0 ] || fail "$what: a device was created"
}
h_symlink() {
    printf '{"mdev_type": "nvidia-65", "start": "manual"}\n' >"$SIM_ROOT/outside.json"
    ln -s ../../../outside.json "$SIM_ROOT/etc/mdevctl.d/$P6/$U1"
}
h_dir_symlink() {
    mkdir -p "$SIM_ROOT/elsewhere"
    printf '{"mdev_type": "nvidia-65", "start": "manual"}\n' >"$SIM_ROOT/elsewhere/$U1"
    rmdir "$SIM_ROOT/etc/mdevctl.d/$P6"
    ln -s ../../elsewhere "$SIM_ROOT/etc/mdevctl.d/$P6"
}
h_huge() {
    { printf '{"mdev_type": "nvidia-65", "start": "manual", "x": "'; head -c 100000 /dev/zero | tr '\0' a; printf '"}\n'; } \
        >"$SIM_ROOT/etc/mdevctl.d/$P6/$U1"
}
h_fifo() { mkfifo "$SIM_ROOT/etc/mdevctl.d/$P6/$U1"; }
h_json() { define $P6 $U1 '{"mdev_type": "nvidia-65", "start": '; }
h_binary() { head -c 200 /dev/urandom >"$SIM_ROOT/etc/mdevctl.d/$P6/$U1"; }
h_array() { define $P6 $U1 '["nvidia-65"]'; }
h_no_start() { define $P6 $U1 '{"mdev_type": "nvidia-65"}'; }
h_type_number() { define $P6 $U1 '{"mdev_type": 65, "start": "manual"}'; }
h_type_path() { define $P6 $U1 '{"mdev_type": "../../../../x", "start": "manual"}'; }
h_uuid() { define $P6 $U1 "{\"uuid\": \"$U2\", \"mdev_type\": \"nvidia-65\", \"start\": \"manual\"}"; }
h_parent() { define $P6 $U1 "{\"parent\": \"$P5\", \"mdev_type\": \"nvidia-65\", \"start\": \"manual\"}"; }
h_attr_remove() { define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"remove": "1"}]}'; }
h_attr_path() { define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"../remove": "1"}]}'; }
h_attr_two() { define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"a": "1", "b": "2"}]}'; }
h_attr_number() { define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"assign_adapter": 5}]}'; }
h_attrs_object() { define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": {"a": "1"}}'; }
h_owner() {
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual"}'
    chown nobody "$SIM_ROOT/etc/mdevctl.d/$P6/$U1"
}
h_writable() {
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual"}'
    chmod 0666 "$SIM_ROOT/etc/mdevctl.d/$P6/$U1"
}
h_twice() {
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual"}'
    define $P5 $U1 '{"mdev_type": "nvidia-66", "start": "manual"}'
}
case_hostile() {
    sim_start "$SCENARIO"
    local f="$SIM_ROOT/etc/mdevctl.d/$P6/$U1"
    hostile "symlinked file" "symlink" h_symlink
    hostile "symlinked parent directory" "symlink" h_dir_symlink
    hostile "file over 64 KiB" "64 KiB" h_huge
    hostile "FIFO" "not a regular file" h_fifo
    hostile "truncated JSON" "not valid JSON" h_json
    hostile "binary garbage" "$f" h_binary
    hostile "array instead of object" "not a JSON object" h_array
    hostile "no start" "mdev_type and start" h_no_start
    hostile "mdev_type a number" "mdev_type and start" h_type_number
    hostile "mdev_type a path" "not an mdev type name" h_type_path
    hostile "uuid member names another device" "another device" h_uuid
    hostile "parent member names another parent" "another device" h_parent
    hostile "attribute remove" "may write" h_attr_remove
    hostile "attribute with a path" "may write" h_attr_path
    hostile "attribute object with two members" "one string member" h_attr_two
    hostile "attribute value a number" "one string member" h_attr_number
    hostile "attrs not an array" "not an array" h_attrs_object
    hostile "file owned by another user" "another user" h_owner
    hostile "file writable by others" "another user" h_writable
    hostile "defined under two parents" "several parents" h_twice
    # every refusal names the file and the fix
    hostile "the message names the fix" "mdevctl undefine --uuid $U1" h_json
}
sim_case "hostile definitions: refused in one line naming the file, nothing created" case_hostile

case_mixed() {
    sim_start "$SCENARIO"
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"assign_domain": "7"}]}'
    start vm "r:$UR nvidia-66 $P5" $U1
    [ "$RC" = 0 ] || fail "prepare: $(cat "$HOOK_ERR")"
    sim_mdev_exists $UR && sim_mdev_exists $U1 || fail "devices: $(sim_list_mdevs)"
    [ "$(attr $U1 assign_domain)" = 7 ] || fail "attribute not written"
    grep -q origin= "$(sim_record $UR)" && fail "a request's record has an origin key"
    sim_run_hook vm release end </dev/null
    sim_wait_for 5 eval '[ "$(sim_count_mdevs)" = 0 ]' || fail "release left $(sim_list_mdevs)"

    # the request takes 0000:06:00.0 for nvidia-66 first; then nvidia-65
    # cannot go there (one type per GPU): the request's device goes too
    start vm "r:$UR nvidia-66 $P6" $U1
    refused "mdevctl device after a request, no capacity" "$P6"
    [ "$(sim_count_mdevs)" = 0 ] || fail "rollback left $(sim_list_mdevs)"

    # a failing attribute write removes both devices, as mdevctl start
    # removes a device whose attribute fails
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"assign_domain": "7"}, {"no_such_attr": "1"}]}'
    start vm "r:$UR nvidia-66 $P5" $U1
    refused "attribute missing" "no_such_attr"
    grep -q -- "--delattr --index 1" "$HOOK_ERR" || fail "the message does not give the fix: $(cat "$HOOK_ERR")"
    [ "$(sim_count_mdevs)" = 0 ] || fail "rollback left $(sim_list_mdevs)"
}
sim_case "a request and an mdevctl device in one domain: one transaction, rolled back together" case_mixed

# A prepare killed after the create write but before the attributes leaves
# the record `creating`: the next prepare removes that device and starts it
# again with its attributes (a request's device would be adopted).
case_killed_before_attrs() {
    sim_start "$SCENARIO"
    define $P6 $U1 '{"mdev_type": "nvidia-65", "start": "manual", "attrs": [{"assign_adapter": "9"}]}'
    sim_create_by_hand $P6 nvidia-65 $U1
    mkdir -p -m 0700 "$SIM_ROOT/run/libvgpu/mdevs"
    cat >"$(sim_record $U1)" <<EOF
[mdev]
domain=vm
uuid=$U1
class=mdev
parent=$P6
type=nvidia-65
created=1
state=creating
origin=mdevctl
pid=999999999
pid_start=1
EOF
    chmod 0600 "$(sim_record $U1)"
    start vm $U1
    [ "$RC" = 0 ] || fail "prepare: $(cat "$HOOK_ERR")"
    sim_mdev_exists $U1 || fail "the device was not started again"
    [ "$(attr $U1 assign_adapter)" = 9 ] || fail "attributes missing after recovery: '$(attr $U1 assign_adapter)'"
    grep -qx 'state=ready' "$(sim_record $U1)" || fail "record not ready"
    sim_run_hook vm release end </dev/null
    sim_wait_for 5 eval '! sim_mdev_exists $U1' || fail "release left the device"
}
sim_case "killed between create and attributes: recreated with its attributes" case_killed_before_attrs

# The definition written by the real mdevctl (Debian 12: mdevctl 1.2), run
# in a private mount namespace where our root's etc/mdevctl.d is bind-mounted
# on /etc/mdevctl.d (mdevctl has no root override).
case_real_mdevctl() {
    command -v mdevctl >/dev/null && command -v unshare >/dev/null && [ "$(id -u)" = 0 ] ||
        { echo "SKIP: needs mdevctl, unshare and root" >&2; exit 77; }
    sim_start "$SCENARIO"
    local d="$SIM_ROOT/etc/mdevctl.d"
    mkdir -p "$d/scripts.d/callouts" "$d/scripts.d/notifiers"
    unshare -m sh -ec "mount --bind '$d' /etc/mdevctl.d
        mdevctl define --parent $P6 --type nvidia-65 --uuid $U1
        mdevctl modify --uuid $U1 --addattr=assign_adapter --value=5
        mdevctl modify --uuid $U1 --addattr=assign_domain --value=0x4" >/dev/null 2>"$SIM_ROOT/mdevctl.err" ||
        { echo "SKIP: mdevctl define failed here: $(cat "$SIM_ROOT/mdevctl.err")" >&2; exit 77; }
    start vm $U1
    [ "$RC" = 0 ] || fail "prepare: $(cat "$HOOK_ERR")"
    [ "$(parent_of $U1)" = $P6 ] || fail "not on the defined parent"
    [ "$(attr $U1 assign_adapter)" = 5 ] && [ "$(attr $U1 assign_domain)" = 0x4 ] ||
        fail "attributes: '$(attr $U1 assign_adapter)' '$(attr $U1 assign_domain)'"
    sim_run_hook vm release end </dev/null
    sim_wait_for 5 eval '! sim_mdev_exists $U1' || fail "release left the device"
}
sim_case "a definition written by mdevctl itself (define, modify --addattr)" case_real_mdevctl

sim_finish hook-mdevctl
