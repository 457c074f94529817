#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The --json contract of vgpuctl (vgpuctl(1), "JSON OUTPUT"), for every
# command that has JSON and runs without a libvirt daemon: types, list,
# plan --file and check against the mdev sysfs emulator and fixture roots;
# requests, move, plan DOMAIN and plan --all through libvirt's in-process
# test driver (test:///FILE). Each document is one object whose first
# member is "version": 1; its keys are all in the man page's JSON OUTPUT
# section and none is a name retired in version 1 (id, name, uuid,
# address, active, used). The type id is "type" in types, list and plan,
# and one device shows the same device, parent, gpu, class, type and
# type_name in every command that names it.
#
# Usage: test-vgpuctl-json.sh VGPUCTL VGPU_HOOK VGPU_SIM SOURCE_DIR
set -euo pipefail

. "$4/tests/lib-sim.sh"
. "$4/tests/lib-vgpuctl.sh"
vgpuctl_suite "$@"
start_sim() { sim_restart "$1"; trap vgpuctl_cleanup EXIT; }
# libvirt must not fall back to a real daemon in these tests.
export LIBVIRT_DEFAULT_URI="$NODE_URI"

D1=c7a5fdbd-edaf-9455-926a-d65c16db1801
U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
U2=9d2e9b5e-1c4a-4f7e-8a3b-000000000002

# The words the man page sets in bold in its JSON OUTPUT section: every key
# is one of them.
sed -n '/^# JSON OUTPUT$/,/^# EXIT STATUS$/p' "$SRC/docs/man/vgpuctl.1.scd" |
    sed 's/\\\(.\)/\1/g' | grep -oE '\*[a-z_]+\*' | tr -d '*' | sort -u >"$WORK/documented"
grep -qx domain_uuid "$WORK/documented" || fail "no JSON OUTPUT section in vgpuctl(1)"

# document COMMAND...: runs vgpuctl COMMAND... (exit status in RC); its
# output must be one object, "version": 1 first, documented keys only,
# none of the retired names. Keeps the document as $WORK/<n>.json.
DOCS=0
document() {
    run "$@"
    DOCS=$((DOCS + 1))
    cp "$OUT" "$WORK/$DOCS.json"
    python3 - "$OUT" "$WORK/documented" <<'PY' || fail "vgpuctl $*: $(cat "$OUT" "$ERR")"
import json, sys
d = json.load(open(sys.argv[1]))
documented = set(open(sys.argv[2]).read().split())
assert isinstance(d, dict), "not an object"
assert list(d)[:1] == ["version"] and d["version"] == 1, "version is not the first member, or not 1"
keys = set()
def walk(v):
    if isinstance(v, dict):
        keys.update(v)
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(d)
retired = keys & {"id", "name", "uuid", "address", "active", "used"}
assert not retired, f"retired keys {sorted(retired)}"
assert keys <= documented, f"keys not in vgpuctl(1) JSON OUTPUT: {sorted(keys - documented)}"
PY
}

# json EXPR: a Python expression over the last document as d, and over
# the earlier ones as doc[n]
json() {
    python3 -c 'import json, sys
doc = {int(p.rsplit("/", 1)[1].split(".")[0]): json.load(open(p)) for p in sys.argv[3:]}
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$1" "$WORK"/[0-9]*.json ||
        fail "JSON check failed: $1: $(cat "$OUT")"
}

# --- types, list, plan --file: an mdev on a VF parent (A16) -----------------
start_sim a16
document types --json; expect_rc 0 "types --json"
TYPES=$DOCS
json 'd["source"] == "sysfs" and all(set(t) >= {"type", "type_name", "available_instances"} for p in d["parents"] for t in p["types"])'
json '[p["virtual_functions"] for p in d["parents"] if p["parent"] == "0000:8a:00.0"] == [16]'
sim_domain_xml w1 $D1 "$U1 nvidia-700" >"$WORK/w1.xml"
document plan --file "$WORK/w1.xml" --json; expect_rc 0 "plan --file --json, would start"
json 'd["would_start"] and [(r["device"], r["class"], r["type"], r["exists"]) for r in d["domains"][0]["requests"]] == [("'$U1'", "mdev", "nvidia-700", False)]'
"$HOOK" w1 prepare begin - <"$WORK/w1.xml" || fail "hook prepare w1"
document list --json; expect_rc 0 "list --json"
LIST=$DOCS
json '[(m["device"], m["gpu"], m["class"], m["type"], m["owner"]["domain"]) for m in d["mdevs"]] == [("'$U1'", "0000:8a:00.0", "mdev", "nvidia-700", "w1")]'
json 'd["mdevs"][0]["parent"] != d["mdevs"][0]["gpu"]'
document plan --file "$WORK/w1.xml" --json; expect_rc 0 "plan --file --json, exists"
K='("device", "parent", "gpu", "class", "type")'
json '[{k: r[k] for k in '"$K"'} for r in d["domains"][0]["requests"]] == [{k: m[k] for k in '"$K"'} for m in doc['$LIST']["mdevs"]]'
json 'd["domains"][0]["requests"][0]["exists"] is True'
json '[t["type_name"] for p in doc['$TYPES']["parents"] for t in p["types"] if t["type"] == "nvidia-700"][:1] == [doc['$LIST']["mdevs"][0]["type_name"]] == ["NVIDIA A16-2Q"]'
echo 1 >"$SIM_ROOT/sys/bus/mdev/devices/$U1/remove"
document list --json; expect_rc 0 "list --json, stale record"
json '[{k: r[k] for k in '"$K"'} for r in d["stale_records"]] == [{k: m[k] for k in '"$K"'} for m in doc['$LIST']["mdevs"]] and d["stale_records"][0]["domain"] == "w1"'
pass "types, list, plan --file on an mdev of a VF parent: version 1 first, type key \"type\", the same device, parent, gpu, class and type in list, plan and a stale record"

# --- mdevctl definitions, a full P4: mdevctl_stopped, would not start -------
start_sim p4
mkdir -p "$SIM_ROOT/etc/mdevctl.d/0000:05:00.0"
printf '{"mdev_type": "nvidia-65", "start": "manual"}\n' >"$SIM_ROOT/etc/mdevctl.d/0000:05:00.0/$U2"
chmod 644 "$SIM_ROOT/etc/mdevctl.d/0000:05:00.0/$U2"
document list --json; expect_rc 0 "list --json, mdevctl definition"
json 'd["mdevctl_stopped"] == [{"device": "'$U2'", "parent": "0000:05:00.0", "type": "nvidia-65", "start": "manual"}]'
sim_domain_xml w3 $D1 "$U1 nvidia-65" "9d2e9b5e-1c4a-4f7e-8a3b-000000000003 nvidia-65" \
    "9d2e9b5e-1c4a-4f7e-8a3b-000000000004 nvidia-65" >"$WORK/w3.xml"
document plan --file "$WORK/w3.xml" --json; expect_rc 1 "plan --file --json, would not start"
json 'd["would_start"] is False and d["domains"][0]["error"] and all(r["type"] == "nvidia-65" for r in d["domains"][0]["requests"])'
pass "list: mdevctl_stopped names the device with \"device\"; plan --file that would not start"

# --- requests, plan DOMAIN, plan --all (test driver, no daemon) --------------
document types --connect "$NODE_URI" --json; expect_rc 0 "types --connect --json"
json 'd["source"] == "libvirt" and [t["type"] for p in d["parents"] for t in p["types"]] == ["nvidia-65", "nvidia-66"]'
document requests --json; expect_rc 0 "requests --json"
REQUESTS=$DOCS
json '[(x["domain"], x["running"]) for x in d["domains"]] == [("vm-broken", False), ("vm1", False)]'
json 'd["domains"][1]["requests"] == [{"device": "'$U1'", "parent": None, "class": "mdev", "type": "nvidia-65"}]'
document plan vm1 --json; expect_rc 0 "plan DOMAIN --json"
json 'd["domains"][0]["domain"] == "vm1" and d["domains"][0]["running"] is False'
json '[{k: r[k] for k in ("device", "class", "type")} for r in d["domains"][0]["requests"]] == [{k: r[k] for k in ("device", "class", "type")} for r in doc['$REQUESTS']["domains"][1]["requests"]]'
json 'd["domains"][0]["requests"][0]["parent"] == d["domains"][0]["requests"][0]["gpu"] == "0000:05:00.0"'
document plan --all --json
json '"oversubscribed" in d and [p["domain"] for p in d["domains"]] == ["vm-broken", "vm1"]'
pass "requests, plan DOMAIN, plan --all: version 1 first; a request has the same device, class and type in requests and plan"

# --- types, list, move: VF-backed vGPUs (L40S, AMD S7150) --------------------
start_sim l40s2
document types --json; expect_rc 0 "types --json, VF GPUs"
json '[(g["gpu"], g["class"], g["used_vfs"]) for g in d["vf_gpus"]] == [("0000:3d:00.0", "nvidia-vf", 0), ("0000:3e:00.0", "nvidia-vf", 0)]'
json 'all(set(t) >= {"type", "type_name", "free_vfs", "used_vfs"} for g in d["vf_gpus"] for t in g["types"])'
sim_domain_xml_vf w2 $D1 "0000:3d:00.4 nvidia-1153" >"$WORK/w2.xml"
"$HOOK" w2 prepare begin - <"$WORK/w2.xml" || fail "hook prepare w2"
document list --json; expect_rc 0 "list --json, VF"
LIST=$DOCS
json '[{k: v[k] for k in '"$K"'} for v in d["vfs"]] == [{"device": "0000:3d:00.4", "parent": None, "gpu": "0000:3d:00.0", "class": "nvidia-vf", "type": "nvidia-1153"}]'
document plan --file "$WORK/w2.xml" --json; expect_rc 0 "plan --file --json, VF"
json '[{k: r[k] for k in '"$K"'} for r in d["domains"][0]["requests"]] == [{k: v[k] for k in '"$K"'} for v in doc['$LIST']["vfs"]]'
# A domain pinning a VF of a GPU that now holds another type: move.
sed -n '/^<node>/,/^  <device>/{/^  <device>/d;p}' "$SRC/tests/cli/test-node.xml" >"$WORK/node.xml"
cat >>"$WORK/node.xml" <<'XML'
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>vm-vf</name>
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1812</uuid>
    <metadata>
      <vgpu:vgpu xmlns:vgpu="urn:libvgpu:domain:1">
        <vgpu:vf address="0000:3d:00.5" type="nvidia-1153"/>
      </vgpu:vgpu>
    </metadata>
    <memory>131072</memory>
    <os><type>hvm</type></os>
    <devices>
      <hostdev mode='subsystem' type='pci' managed='no'>
        <source><address domain='0x0000' bus='0x3d' slot='0x00' function='0x5'/></source>
      </hostdev>
    </devices>
    <test:runstate>5</test:runstate>
  </domain>
</node>
XML
"$HOOK" w2 release end - <"$WORK/w2.xml" || fail "hook release w2"
echo 1145 >"$SIM_ROOT/sys/bus/pci/devices/0000:3d:00.6/nvidia/current_vgpu_type"
document move vm-vf --dry-run --json --connect "test://$WORK/node.xml"; expect_rc 0 "move --dry-run --json"
json 'd["domain"] == "vm-vf" and d["dry_run"] is True and [(m["from"], m["gpu"], m["type"]) for m in d["moves"]] == [("0000:3d:00.5", "0000:3e:00.0", "nvidia-1153")]'
pass "types, list, plan, move for VF-backed vGPUs: version 1 first, gpu and type keys, the same device in list and plan"

# --- check: a fixture root, the emulator --------------------------------------
LIBVGPU_ROOT="$SRC/tests/data/check/h200-passthrough" document check --json
expect_rc 1 "check --json on the H200 fixture"
json 'd["ready"] is False and d["problems"] > 0 and all(set(f) <= {"check", "verdict", "message", "fix"} for f in d["findings"])'
document check --json
json 'isinstance(d["findings"], list) and d["root"] == "'"$SIM_ROOT"'"'
pass "check --json: version 1 first, on a fixture root and on the emulator"

echo "all $PASSED vgpuctl JSON checks passed ($DOCS documents)"
