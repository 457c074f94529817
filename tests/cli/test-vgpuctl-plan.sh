#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vgpuctl plan --file against the mdev sysfs emulator, without libvirt:
# would start (exit 0, the parent named), would not (exit 1, the very line
# the hook prints for the same XML on the same emulator), a pinned parent,
# a VF request on the l40s2 scenario, and nothing written: the emulator's
# state and the state directory are the same before and after.
#
# Usage: test-vgpuctl-plan.sh VGPUCTL VGPU_HOOK VGPU_SIM SOURCE_DIR
set -euo pipefail

. "$4/tests/lib-sim.sh"
. "$4/tests/lib-vgpuctl.sh"
vgpuctl_suite "$@"
# --file must not contact libvirt: any attempt fails on this URI.
export LIBVIRT_DEFAULT_URI="no-such-driver:///nowhere"

D1=c7a5fdbd-edaf-9455-926a-d65c16db1801
D2=c7a5fdbd-edaf-9455-926a-d65c16db1802
U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
U2=9d2e9b5e-1c4a-4f7e-8a3b-000000000002
U3=9d2e9b5e-1c4a-4f7e-8a3b-000000000003

plan() { # XML-FILE [OPTION...]: vgpuctl plan --file; RC, $WORK/out, $WORK/err
    local file=$1; shift
    set +e
    "$VGPUCTL" plan --file "$file" "$@" >"$WORK/out" 2>"$WORK/err"
    RC=$?
    set -e
}

check() { # WANT-RC PATTERN CONTEXT: exit status and a fixed string in stdout
    [ "$RC" = "$1" ] || fail "$3: exit $RC, wanted $1: $(cat "$WORK/out" "$WORK/err")"
    grep -qF -- "$2" "$WORK/out" || fail "$3: stdout lacks '$2': $(cat "$WORK/out")"
}

# What may change when something is written: the emulator's devices and
# types, the state directory's files.
snapshot() {
    cat "$SIM_ROOT/sys/.vgpu-sim/state"
    find "$SIM_ROOT/run" "$SIM_ROOT/etc" -printf '%p %s %T@\n' | sort
}

# The last plan's "would fail: LINE" must be the hook's "vgpu-hook: LINE"
# for the same XML on the same emulator (the hook refuses: nothing changes).
same_as_hook() { # NAME FILE
    local plan_line hook_line
    plan_line=$(sed -n 's/^would fail: //p' "$WORK/out")
    sim_run_hook "$1" prepare begin <"$2"
    [ "$RC" = 1 ] || fail "the hook did not refuse $1: $(cat "$HOOK_ERR")"
    hook_line=$(sed -n 's/^vgpu-hook: //p' "$HOOK_ERR")
    [ -n "$plan_line" ] && [ "$plan_line" = "$hook_line" ] ||
        fail "plan's line for $1 differs from the hook's: '$plan_line' / '$hook_line'"
}

# --- usage --------------------------------------------------------------------
set +e
"$VGPUCTL" plan >/dev/null 2>&1; [ $? = 2 ] || fail "plan without operand: not exit 2"
"$VGPUCTL" plan dom --file x.xml >/dev/null 2>&1; [ $? = 2 ] || fail "DOMAIN and --file: not exit 2"
"$VGPUCTL" plan --file x.xml -c test:///default >/dev/null 2>&1; [ $? = 2 ] || fail "--file with --connect: not exit 2"
"$VGPUCTL" plan --help >"$WORK/out" 2>&1 || fail "plan --help"
set -e
for section in DESCRIPTION EXAMPLES "EXIT STATUS" --file --all --json; do
    grep -qF -- "$section" "$WORK/out" || fail "plan --help lacks $section"
done
pass "plan: usage errors exit 2; --help"

# --- mdev on the P4: would start, would not --------------------------------
sim_start p4
sim_domain_xml win1 $D1 "$U1 nvidia-65" "$U2 nvidia-65" >"$WORK/two.xml"
sim_domain_xml win2 $D2 "$U3 nvidia-65" >"$WORK/one.xml"
sim_domain_xml win3 $D2 "$U1 nvidia-65" "$U2 nvidia-65" "$U3 nvidia-65" >"$WORK/three.xml"
before=$(snapshot)
plan "$WORK/two.xml"
check 0 "domain 'win1' would start now" "two nvidia-65 on a P4"
check 0 "$U2 nvidia-65: would go on 0000:05:00.0 (placement policy pack: 1 of 2 instances free)" \
    "the second device counts the first"
plan "$WORK/two.xml" --json
python3 - "$WORK/out" <<'EOF' || fail "plan --json: $(cat "$WORK/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and d["would_start"] is True
(p,) = d["domains"]
assert p["domain"] == "win1" and p["source"] == "file" and p["error"] is None
assert [(r["parent"], r["gpu"]) for r in p["requests"]] == [("0000:05:00.0", "0000:05:00.0")] * 2
assert all(r["class"] == "mdev" and r["type"] == "nvidia-65" and not r["exists"] for r in p["requests"])
EOF
plan "$WORK/three.xml"
check 1 "domain 'win3' would not start now" "three nvidia-65 on a P4"
[ "$(snapshot)" = "$before" ] || fail "plan changed the emulator or the state directory"
[ ! -e "$SIM_ROOT/run/libvgpu" ] || fail "plan created the state directory"
same_as_hook win3 "$WORK/three.xml"
pass "plan --file: would start names the parent, --json; would not gives the hook's line; nothing written"

# Two devices held by win1 (created by the hook): one more does not fit,
# and the line names who uses the GPU, as the hook's does.
sim_run_hook win1 prepare begin <"$WORK/two.xml"
[ "$RC" = 0 ] || fail "hook prepare win1: $(cat "$HOOK_ERR")"
before=$(snapshot)
plan "$WORK/one.xml"
check 1 "used by win1" "one more nvidia-65 on a full P4"
[ "$(snapshot)" = "$before" ] || fail "plan changed the emulator or the records"
same_as_hook win2 "$WORK/one.xml"
plan "$WORK/two.xml"
check 0 "(exists)" "a domain whose devices exist"
check 0 "exists already, created for this domain" "a domain whose devices exist"
pass "plan --file: no capacity names the users like the hook; existing devices"

# --- a pinned parent --------------------------------------------------------
sim_restart tiny
sim_domain_xml pinned $D1 "$U1 nvidia-66 0000:06:00.0" >"$WORK/pinned.xml"
sim_domain_xml nowhere $D1 "$U1 nvidia-66 0000:07:00.0" >"$WORK/nowhere.xml"
before=$(snapshot)
plan "$WORK/pinned.xml"
check 0 "nvidia-66: would go on 0000:06:00.0 (pinned parent: 1 of 1 instance free)" "pinned parent"
plan "$WORK/nowhere.xml"
check 1 "would fail: " "a pinned parent that does not exist"
[ "$(snapshot)" = "$before" ] || fail "plan changed the emulator or the state directory"
same_as_hook nowhere "$WORK/nowhere.xml"
# One type per GPU: nvidia-65 would take 0000:06:00.0, the pinned
# nvidia-66 0000:05:00.0, and a second nvidia-66 has nowhere to go.
sim_domain_xml mixed $D2 "$U1 nvidia-65" "$U2 nvidia-66 0000:05:00.0" "$U3 nvidia-66" >"$WORK/mixed.xml"
before=$(snapshot)
plan "$WORK/mixed.xml"
check 1 "$U1 nvidia-65: would go on 0000:06:00.0" "three devices of two types on two P4s"
check 1 "$U2 nvidia-66: would go on 0000:05:00.0 (pinned parent" "three devices of two types on two P4s"
[ "$(snapshot)" = "$before" ] || fail "plan changed the emulator or the state directory"
same_as_hook mixed "$WORK/mixed.xml"
pass "plan --file: a pinned parent is named as the reason; a missing one, and a GPU taken by another type earlier in the same plan, fail like the hook"

# --- a VF request on two L40S ---------------------------------------------
sim_restart l40s2
sim_domain_xml_vf vf1 $D1 "0000:3d:00.4 nvidia-1153" >"$WORK/vf.xml"
sim_domain_xml_vf vf2 $D2 "0000:3d:00.4 nvidia-99" >"$WORK/vf-bad.xml"
before=$(snapshot)
plan "$WORK/vf.xml"
check 0 "nvidia-vf 0000:3d:00.4 nvidia-1153: would go to GPU 0000:3d:00.0 (pinned VF" "VF request"
plan "$WORK/vf-bad.xml"
check 1 "would fail: " "a VF type the GPU does not offer"
[ "$(snapshot)" = "$before" ] || fail "plan changed the emulator or the state directory"
same_as_hook vf2 "$WORK/vf-bad.xml"
pass "plan --file: a VF request goes to its GPU; a type it cannot create fails like the hook"

echo "1..$PASSED"
