#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of `vgpuctl list` and `vgpuctl check` for the VF-backed
# device classes (DESIGN.md "Device classes"):
#
# - list against the emulator: scenario l40s2 (an NVIDIA VF programmed by
#   the hook for a domain, one set by hand: "not created by libvgpu", a
#   record whose VF was reset: stale), s7150 (a plain VF claimed by a
#   domain), a16 (an mdev on a VF: the GPU is the VF's PF); text and JSON.
# - check on fixture trees, one per verdict: NVIDIA VFs not enabled (with
#   and without nvidia/ on the PF), AMD GIM without VFs, an NVIDIA VF bound
#   to vfio-pci, an old libvirt (VGPUCTL_TEST_LIBVIRT_VERSION) and a new
#   one, NVIDIA mixed sizes; each in text and JSON (every finding
#   {check, verdict, message, fix?}, exit status as in text).
#
# Usage: test-vgpuctl-vf.sh VGPUCTL VGPU_HOOK VGPU_SIM SOURCE_DIR
set -euo pipefail

. "$4/tests/lib-sim.sh"
. "$4/tests/lib-vgpuctl.sh"
vgpuctl_suite "$@"
start_sim() { sim_restart "$1"; trap vgpuctl_cleanup EXIT; }
export LIBVIRT_DEFAULT_URI=test:///default
export VGPUCTL_TEST_LIBVIRT_VERSION=10.0.0

expect_out() { # FIXED-STRING CONTEXT
    grep -qF -- "$1" "$OUT" || fail "$2: stdout lacks '$1': $(cat "$OUT")"
}
expect_no_out() { # FIXED-STRING CONTEXT
    ! grep -qF -- "$1" "$OUT" || fail "$2: stdout has '$1': $(cat "$OUT")"
}
# expect_row DEVICE WORD... : the table row of DEVICE has every WORD
expect_row() {
    local device=$1 word
    shift
    for word in "$@"; do
        grep -F -- "$device " "$OUT" | grep -qF -- "$word" ||
            fail "list: row of $device lacks '$word': $(cat "$OUT")"
    done
}
json() { # PYTHON-EXPRESSION over d (the JSON in OUT)
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$1" ||
        fail "JSON check failed: $1: $(cat "$OUT")"
}
# finding CHECK VERDICT [FIX-SUBSTRING]: check --json has such a finding
finding() {
    json "any(f['check'] == '$1' and f['verdict'] == '$2' and set(f) <= {'check', 'verdict', 'message', 'fix'} and '${3:-}' in f.get('fix', '') for f in d['findings'])"
}

duuid() { printf 'c7a5fdbd-edaf-9455-926a-%012d' "$(($(cksum <<<"$1" | cut -d' ' -f1) % 1000000000000))"; }
prep_vf() { # DOMAIN ADDRESS TYPE
    sim_domain_xml_vf "$1" "$(duuid "$1")" "$2 $3" | "$HOOK" "$1" prepare begin - ||
        fail "hook prepare $1 ($2 $3)"
}
vf_type() { echo "$SIM_ROOT/sys/bus/pci/devices/$1/nvidia/current_vgpu_type"; }

# --- list: NVIDIA vendor-specific VFIO (l40s2) --------------------------------
start_sim l40s2
run list; expect_rc 0 "list, no vGPU"; expect_out "no vGPUs" "list, no vGPU"
prep_vf win11 0000:3d:00.4 nvidia-1153
echo 1145 >"$(vf_type 0000:3e:00.4)" # by hand, on the other GPU
run list; expect_rc 0 "list l40s2"
expect_out "DEVICE" "list header"; expect_out "CLASS" "list header"
expect_row 0000:3d:00.4 0000:3d:00.0 nvidia-vf "nvidia-1153 (NVIDIA L40S-12Q)" "domain win11"
expect_row 0000:3e:00.4 0000:3e:00.0 nvidia-vf "nvidia-1145 (NVIDIA L40S-1B)" "not created by libvgpu"
[ "$(grep -c nvidia-vf "$OUT")" = 2 ] || fail "list: free VFs are listed: $(cat "$OUT")"
expect_no_out "stale record" "list l40s2"
run list --json; expect_rc 0 "list --json l40s2"
json 'd["mdevs"] == [] and d["stale_records"] == [] and [v["device"] for v in d["vfs"]] == ["0000:3d:00.4", "0000:3e:00.4"]'
json 'd["vfs"][0] == dict(d["vfs"][0], parent=None, gpu="0000:3d:00.0", type="nvidia-1153", type_name="NVIDIA L40S-12Q") and d["vfs"][0]["owner"]["domain"] == "win11" and d["vfs"][0]["class"] == "nvidia-vf"'
json 'd["vfs"][1]["owner"] is None and d["vfs"][1]["type"] == "nvidia-1145" and d["vfs"][1]["class"] == "nvidia-vf"'
pass "list: NVIDIA VFs holding a vGPU, with GPU, class, type name and owner (hook-made and by hand)"

run check; expect_no_out "are gone" "check: a VF record is not stale"
expect_out "ok       NVIDIA GPU 0000:3d:00.0 (10de:26b9) runs NVIDIA vGPU on its 32 virtual functions" "check l40s2"
expect_out "ok       the 32 virtual functions of NVIDIA GPU 0000:3d:00.0 stay on the nvidia driver" "check l40s2 drivers"
expect_out "ok       NVIDIA GPU 0000:3d:00.0 holds only nvidia-1153; vGPUs of different sizes on one GPU need mixed-size mode: 'nvidia-smi vgpu -shm 1 -i 0000:3d:00.0'" "check l40s2 mixed"
expect_out "ok       libvirt 10.0.0 takes NVIDIA VFs" "check l40s2 libvirt"
run check --json
finding libvirt-variant-driver ok; finding nvidia-mixed-size ok; finding vf-driver ok
json '[f for f in d["findings"] if f["check"] == "stale-records"] == []'
pass "check: VF records are not stale; VF drivers, mixed-size hint and libvirt version on an NVIDIA VF host"

echo 0 >"$(vf_type 0000:3d:00.4)" # reset behind libvgpu's back
run list; expect_out "stale record: virtual function 0000:3d:00.4 of domain win11" "list stale VF"
run list --json; json '[(r["device"], r["parent"], r["gpu"], r["class"]) for r in d["stale_records"]] == [("0000:3d:00.4", None, "0000:3d:00.0", "nvidia-vf")]'
run check; expect_out "1 ownership record in /run/libvgpu names devices that are gone" "check stale VF"
pass "list and check: a record whose VF was reset is stale"

# --- list: plain VFs (s7150) and mdevs on VFs (a16) ---------------------------
start_sim s7150
prep_vf vm-amd 0000:5e:02.0 vf-1002:692f
run list; expect_rc 0 "list s7150"
expect_row 0000:5e:02.0 0000:5e:00.0 " vf " vf-1002:692f "domain vm-amd"
[ "$(grep -c ' vf ' "$OUT")" = 1 ] || fail "list: unclaimed plain VFs are listed: $(cat "$OUT")"
run list --json
json '[(v["device"], v["gpu"], v["class"], v["type"], v["owner"]["domain"]) for v in d["vfs"]] == [("0000:5e:02.0", "0000:5e:00.0", "vf", "vf-1002:692f", "vm-amd")]'
run check
expect_out "ok       the 8 virtual functions of GPU 0000:5e:00.0 (1002:6929): 4 on vfio-pci, 4 unbound" "check s7150 drivers"
expect_out "warning  the vfio-pci module is neither loaded" "check s7150 vfio-pci"
expect_no_out "NVIDIA VFs that stay" "check s7150: no libvirt line without NVIDIA VFs"
expect_no_out "are gone" "check s7150: claim not stale"
mkdir -p "$SIM_ROOT/lib/modules/6.1.0-test/kernel/drivers/vfio/pci"
: >"$SIM_ROOT/lib/modules/6.1.0-test/kernel/drivers/vfio/pci/vfio-pci.ko.xz"
run check --json; finding vfio-pci ok; finding vf-driver ok
pass "list and check: a claimed plain VF (class vf); VF drivers and vfio-pci availability"
run types; expect_out "Tonga XTV GL [FirePro S7150V]" "types s7150: the plain VF type named from pci.ids"
run types --json; json '[t["type_name"] for g in d["vf_gpus"] for t in g["types"]] == ["Tonga XTV GL [FirePro S7150V]"]'
pass "types: a plain VF type is named from the PCI ID database (libpci, loaded on first use)"

start_sim a16
U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
sim_create_by_hand 0000:8a:00.4 nvidia-700 "$U1"
run list; expect_row "$U1" "0000:8a:00.0 (VF 0000:8a:00.4)" " mdev " nvidia-700
run list --json
json '[(m["device"], m["parent"], m["gpu"], m["class"]) for m in d["mdevs"]] == [("'$U1'", "0000:8a:00.4", "0000:8a:00.0", "mdev")] and d["vfs"] == []'
run check
expect_no_out "virtual functions to pass through" "check a16: mdev VFs are no plain VFs"
expect_out "ok       the 16 virtual functions of NVIDIA GPU 0000:8a:00.0 stay on the nvidia driver" "check a16"
expect_no_out "NVIDIA VFs that stay" "check a16: no libvirt line for mdev"
pass "list: an mdev on a VF names its GPU; check: mdev-on-VF GPUs are not plain-VF GPUs"
sim_stop

# --- check: fixture trees, one per verdict -----------------------------------
# fake_pci ROOT ADDRESS VENDOR DEVICE CLASS [DRIVER]
fake_pci() {
    local d=$1/sys/devices/pci0000:00/$2
    mkdir -p "$d" "$1/sys/bus/pci/devices"
    echo "0x$3" >"$d/vendor"; echo "0x$4" >"$d/device"; echo "0x$5" >"$d/class"
    if [ -n "${6:-}" ]; then
        mkdir -p "$1/sys/bus/pci/drivers/$6"
        ln -s "../../../bus/pci/drivers/$6" "$d/driver"
    fi
    ln -s "../../../devices/pci0000:00/$2" "$1/sys/bus/pci/devices/$2"
}
# fake_pf ROOT PF VENDOR DEVICE DRIVER TOTALVFS NUMVFS
fake_pf() {
    fake_pci "$1" "$2" "$3" "$4" 030200 "$5"
    echo "$6" >"$1/sys/devices/pci0000:00/$2/sriov_totalvfs"
    echo "$7" >"$1/sys/devices/pci0000:00/$2/sriov_numvfs"
}
# fake_vf ROOT PF INDEX VF DRIVER [CURRENT_VGPU_TYPE]: NVIDIA files when given
fake_vf() {
    local d=$1/sys/devices/pci0000:00/$4
    fake_pci "$1" "$4" 10de 26b9 030200 "$5"
    ln -s "../$2" "$d/physfn"
    ln -s "../$4" "$1/sys/devices/pci0000:00/$2/virtfn$3"
    if [ -n "${6:-}" ]; then
        mkdir -p "$d/nvidia"
        echo "$6" >"$d/nvidia/current_vgpu_type"
        printf 'ID    : vGPU Name\n1145  : NVIDIA L40S-1B\n1153  : NVIDIA L40S-12Q\n' >"$d/nvidia/creatable_vgpu_types"
    fi
}
# new_root NAME: a host with VT-x, an IOMMU, the VFIO modules and the hook
new_root() {
    R=$WORK/$1
    mkdir -p "$R/sys/module/vfio" "$R/sys/module/vfio_iommu_type1" "$R/sys/module/mdev" \
        "$R/sys/class/iommu/dmar0" "$R/proc"
    echo "flags		: fpu vme vmx sse2" >"$R/proc/cpuinfo"
    LIBVGPU_ROOT=$R "$VGPUCTL" install-hook --hook-program "$HOOK" >/dev/null || fail "install-hook into $R"
}
check_both() { # ROOT: check in text (kept in TEXT) and --json (in OUT), same exit
    LIBVGPU_ROOT=$1 run check; TEXT=$(cat "$OUT"); TEXT_RC=$RC
    LIBVGPU_ROOT=$1 run check --json
    [ "$RC" = "$TEXT_RC" ] || fail "check --json exits $RC, text $TEXT_RC"
    json "len(d['findings']) == $(grep -cE '^(ok|warning|FAIL) ' <<<"$TEXT")"
    json "d['ready'] == ($RC == 0) and d['problems'] == $(grep -c '^FAIL ' <<<"$TEXT")"
}
text_has() { # FIXED-STRING CONTEXT
    grep -qF -- "$1" <<<"$TEXT" || fail "$2: check lacks '$1': $TEXT"
}

new_root vfs-off
fake_pf "$R" 0000:3d:00.0 10de 26b9 nvidia 32 0
check_both "$R"; [ "$TEXT_RC" = 1 ] || fail "VFs not enabled: check exits $TEXT_RC"
text_has "FAIL     NVIDIA GPU 0000:3d:00.0 (10de:26b9) has none of its 32 virtual functions enabled (sriov_numvfs is 0)" "VFs off"
text_has "enable them with '/usr/lib/nvidia/sriov-manage -e 0000:3d:00.0' at every boot, from a systemd unit ordered after nvidia-vgpud.service and nvidia-vgpu-mgr.service (never from the libvirt hook)" "VFs off fix"
finding vf-enabled fail "sriov-manage -e 0000:3d:00.0"
json '[f for f in d["findings"] if f["check"] == "nvidia-gpu"] == []'
mkdir "$R/sys/devices/pci0000:00/0000:3d:00.0/nvidia"
check_both "$R"; text_has "although it has an nvidia/ vGPU directory" "VFs off, nvidia/ on the PF"
! grep -q "with the NVIDIA vGPU manager installed" <<<"$TEXT" || fail "nvidia/ on the PF: still told to install the manager"
pass "check: an NVIDIA GPU without VFs is told to run sriov-manage -e at every boot (text and JSON)"

new_root gim-off
fake_pci "$R" 0000:5e:00.0 1002 6929 030000 gim
echo 16 >"$R/sys/devices/pci0000:00/0000:5e:00.0/sriov_totalvfs"; echo 0 >"$R/sys/devices/pci0000:00/0000:5e:00.0/sriov_numvfs"
check_both "$R"
text_has "FAIL     AMD GPU 0000:5e:00.0 (1002:6929) supports 16 virtual functions but none is enabled" "GIM"
finding vf-enabled fail "vf_num"
pass "check: an AMD GIM GPU without VFs is told to set vf_num"

new_root vf-vfio
fake_pf "$R" 0000:3d:00.0 10de 26b9 nvidia 32 2
fake_vf "$R" 0000:3d:00.0 0 0000:3d:00.4 nvidia 0
fake_vf "$R" 0000:3d:00.0 1 0000:3d:00.5 vfio-pci
check_both "$R"; [ "$TEXT_RC" = 1 ] || fail "NVIDIA VF on vfio-pci: check exits $TEXT_RC"
text_has "FAIL     1 of the 2 virtual functions of NVIDIA GPU 0000:3d:00.0 are not on the nvidia driver (1 on nvidia, 1 on vfio-pci; 0000:3d:00.5 vfio-pci)" "VF on vfio-pci"
text_has "'/usr/lib/nvidia/sriov-manage -d 0000:3d:00.0 && /usr/lib/nvidia/sriov-manage -e 0000:3d:00.0'" "VF on vfio-pci fix"
finding vf-driver fail "never bind NVIDIA VFs to vfio-pci"
pass "check: an NVIDIA VF bound to vfio-pci fails with the way back"

new_root nvidia-vf
fake_pf "$R" 0000:3d:00.0 10de 26b9 nvidia 32 2
fake_vf "$R" 0000:3d:00.0 0 0000:3d:00.4 nvidia 1153
fake_vf "$R" 0000:3d:00.0 1 0000:3d:00.5 nvidia 0
VGPUCTL_TEST_LIBVIRT_VERSION=9.0.0 check_both "$R"
[ "$TEXT_RC" = 1 ] || fail "libvirt 9.0.0: check exits $TEXT_RC: $TEXT"
text_has "FAIL     libvirt 9.0.0 refuses NVIDIA VFs that stay on the nvidia driver" "old libvirt"
text_has "Unmanaged PCI device ... must be manually detached" "old libvirt"
finding libvirt-variant-driver fail "upgrade libvirt to 9.7.0"
VGPUCTL_TEST_LIBVIRT_VERSION=9.7.0 check_both "$R"
[ "$TEXT_RC" = 0 ] || fail "libvirt 9.7.0: check exits $TEXT_RC: $TEXT"
text_has "ok       libvirt 9.7.0 takes NVIDIA VFs that stay on the nvidia driver" "libvirt 9.7.0"
finding libvirt-variant-driver ok
json 'd["ready"] is True and d["problems"] == 0 and all(set(f) <= {"check", "verdict", "message", "fix"} and f["verdict"] in ("ok", "warning", "fail") for f in d["findings"])'
VGPUCTL_TEST_LIBVIRT_VERSION=nine LIBVGPU_ROOT=$R run check
expect_out "warning  cannot tell the libvirt version (bad VGPUCTL_TEST_LIBVIRT_VERSION)" "bad test version"
pass "check: libvirt older than 9.7.0 fails (exit 1) and names the upgrade; 9.7.0 passes (exit 0)"

echo 1145 >"$R/sys/devices/pci0000:00/0000:3d:00.5/nvidia/current_vgpu_type"
check_both "$R"
text_has "ok       NVIDIA GPU 0000:3d:00.0 holds vGPUs of 2 types (nvidia-1145, nvidia-1153): mixed-size (heterogeneous) mode is on" "mixed sizes"
[ "$(grep -c 'mixed-size' <<<"$TEXT")" = 1 ] || fail "mixed sizes: not one line per GPU: $TEXT"
finding nvidia-mixed-size ok
LIBVGPU_ROOT=$R run list
expect_row 0000:3d:00.5 0000:3d:00.0 nvidia-1145 "not created by libvgpu"
LIBVGPU_ROOT=$R run list --json # no free VF of the GPU left to name the types
json '[(v["type"], v["type_name"]) for v in d["vfs"]] == [("nvidia-1153", None), ("nvidia-1145", None)]'
pass "check: VFs of one GPU holding different types mean mixed-size mode is on; list without a free VF has no type names"

echo "all $PASSED vgpuctl VF checks passed"
