#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of the host checks of `vgpuctl check` (the doctor,
# tools/vgpuctl-check-host.c) on fixture roots, one per verdict, each in
# text and --json with the same exit status: CPU virtualisation flags, an
# active IOMMU and the kernel command line, nouveau (loaded, blacklisted),
# the NVIDIA vGPU manager services (VGPUCTL_TEST_SYSTEMD_UNITS), the
# libvirt version for hooks/qemu.d/, the daemon started after the hook,
# records left half created or half removed; and the real H200
# pass-through snapshot (tests/data/check/h200-passthrough, from
# ../shared/peer-data/nvidia-h200-passthrough).
#
# Usage: test-vgpuctl-doctor.sh VGPUCTL VGPU_HOOK VGPU_SIM SOURCE_DIR
set -euo pipefail

. "$4/tests/lib-sim.sh"
. "$4/tests/lib-vgpuctl.sh"
vgpuctl_suite "$@"
export LIBVIRT_DEFAULT_URI=test:///default
export VGPUCTL_TEST_LIBVIRT_VERSION=9.0.0
unset VGPUCTL_TEST_SYSTEMD_UNITS

json() { # PYTHON-EXPRESSION over d (the JSON in OUT)
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$1" ||
        fail "JSON check failed: $1: $(cat "$OUT")"
}

# doctor ROOT [WANT-RC]: check in text (TEXT) and --json (OUT), same exit
# status, as many findings and problems in both
doctor() {
    LIBVGPU_ROOT=$1 run check; TEXT=$(cat "$OUT"); TEXT_RC=$RC
    LIBVGPU_ROOT=$1 run check --json
    [ "$RC" = "$TEXT_RC" ] || fail "check --json exits $RC, text $TEXT_RC"
    [ -z "${2:-}" ] || [ "$RC" = "$2" ] || fail "check exits $RC, wanted $2: $TEXT"
    json "len(d['findings']) == $(grep -cE '^(ok|warning|FAIL|info) ' <<<"$TEXT")"
    json "d['ready'] == ($RC == 0) and d['problems'] == $(grep -c '^FAIL ' <<<"$TEXT")"
    json "all(set(f) <= {'check', 'verdict', 'message', 'fix'} for f in d['findings'])"
}
# has CHECK VERDICT MESSAGE [FIX]: the line in TEXT and the JSON finding
has() {
    local label
    case $2 in ok) label=ok ;; warning) label=warning ;; fail) label=FAIL ;; info) label=info ;; esac
    grep "^$(printf '%-8s ' "$label")" <<<"$TEXT" | grep -qF -- "$3" ||
        fail "$1 $2: check lacks a '$label' line with '$3': $TEXT"
    [ -z "${4:-}" ] || grep -F -- "$3" <<<"$TEXT" | grep -qF -- ": $4" ||
        fail "$1 $2: the line of '$3' lacks the fix '$4': $TEXT"
    python3 -c 'import json, sys; c, v, m, x = sys.argv[2:]; sys.exit(0 if any(f["check"] == c and f["verdict"] == v and m in f["message"] and x in f.get("fix", "") for f in json.load(open(sys.argv[1]))["findings"]) else 1)' \
        "$OUT" "$1" "$2" "$3" "${4:-}" || fail "$1 $2: no such JSON finding with '$3' and '${4:-}': $(cat "$OUT")"
}
lacks() { # CHECK: no finding of that check
    json "[f for f in d['findings'] if f['check'] == '$1'] == []"
}

# new_root NAME: a ready host (VT-x, an IOMMU, the modules, a P4 in vGPU
# mode, nouveau blacklisted, the hook, systemd) in R
new_root() {
    R=$WORK/$1
    local p=$R/sys/devices/pci0000:00/0000:05:00.0
    local t=$p/mdev_supported_types/nvidia-65
    mkdir -p "$t/devices" "$R/sys/module/vfio" "$R/sys/module/vfio_iommu_type1" \
        "$R/sys/module/mdev" "$R/sys/class/mdev_bus" "$R/sys/bus/pci/devices" \
        "$R/sys/bus/pci/drivers/nvidia" "$R/sys/bus/mdev/devices" \
        "$R/sys/class/iommu/dmar0" "$R/proc" "$R/etc/modprobe.d" "$R/run/systemd/system"
    printf 'vendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx sse2\n' >"$R/proc/cpuinfo"
    echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt" >"$R/proc/cmdline"
    echo "blacklist nouveau" >"$R/etc/modprobe.d/blacklist-nouveau.conf"
    echo 0x10de >"$p/vendor"; echo 0x1bb3 >"$p/device"; echo 0x030200 >"$p/class"
    ln -s ../../../../bus/pci/drivers/nvidia "$p/driver"
    ln -s ../../devices/pci0000:00/0000:05:00.0 "$R/sys/class/mdev_bus/0000:05:00.0"
    ln -s ../../../devices/pci0000:00/0000:05:00.0 "$R/sys/bus/pci/devices/0000:05:00.0"
    echo "GRID P4-4Q" >"$t/name"; echo vfio-pci >"$t/device_api"; echo 2 >"$t/available_instances"
    : >"$t/create"
    LIBVGPU_ROOT=$R "$VGPUCTL" install-hook --hook-program "$HOOK" >/dev/null || fail "install-hook into $R"
}

# --- a ready host ------------------------------------------------------------
new_root ready
doctor "$R" 0
has cpu-virtualization ok "the CPU has hardware virtualisation (vmx: Intel VT-x)"
has iommu ok "an IOMMU is active: dmar0 (/sys/class/iommu)"
has nouveau ok "nouveau is not loaded and is blacklisted (/etc/modprobe.d/blacklist-nouveau.conf)"
has nvidia-services info "nvidia-vgpud and nvidia-vgpu-mgr not checked: systemd answers for the running host, not for the host root $R"
has libvirt-hook-dirs ok "libvirt 9.0.0 runs the hooks in /etc/libvirt/hooks/qemu.d/ (since 6.5.0)"
has hook-daemon ok "no libvirt daemon is running (no live process in /run/libvirtd.pid or /run/virtqemud.pid); it reads the hook when it starts"
lacks busy-records
grep -qx "ready" <<<"$TEXT" || fail "ready host: $TEXT"
json "d['warnings'] == 0"
pass "doctor: a ready host passes every host check; the services are not asked under a host root (info)"

# --- CPU virtualisation -------------------------------------------------------
printf 'vendor_id\t: AuthenticAMD\nflags\t\t: fpu svm\n' >"$R/proc/cpuinfo"
doctor "$R" 0; has cpu-virtualization ok "the CPU has hardware virtualisation (svm: AMD-V)"
printf 'vendor_id\t: GenuineIntel\nflags\t\t: fpu sse2\nvmx flags\t: none\n' >"$R/proc/cpuinfo"
doctor "$R" 1
has cpu-virtualization fail "the CPU flags in /proc/cpuinfo have neither vmx (Intel VT-x) nor svm (AMD-V)" \
    "enable VT-x/AMD-V in the firmware"
rm "$R/proc/cpuinfo"
doctor "$R" 0
has cpu-virtualization warning "cannot read /proc/cpuinfo: CPU virtualisation (VT-x/AMD-V) not checked"
pass "doctor: vmx or svm passes, neither fails with the firmware fix, no /proc/cpuinfo warns"

# --- IOMMU ----------------------------------------------------------------------
printf 'vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n' >"$R/proc/cpuinfo"
rmdir "$R/sys/class/iommu/dmar0"
doctor "$R" 1
has iommu fail "no IOMMU is active (/sys/class/iommu is empty), so VFIO cannot give devices to virtual machines; the kernel command line has intel_iommu=on" \
    "enable VT-d/AMD-Vi (the IOMMU) in the firmware (BIOS/UEFI setup): the kernel command line already asks for it"
echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet" >"$R/proc/cmdline"
doctor "$R" 1
has iommu fail "the kernel command line has no intel_iommu=" \
    "add intel_iommu=on iommu=pt to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then 'update-grub') and reboot"
echo "ro amd_iommu=off" >"$R/proc/cmdline"
printf 'vendor_id\t: AuthenticAMD\nflags\t\t: fpu svm\n' >"$R/proc/cpuinfo"
doctor "$R" 1
has iommu fail "the kernel command line has amd_iommu=off" "replace amd_iommu=off with amd_iommu=on on the kernel command line"
rm "$R/proc/cmdline"; rmdir "$R/sys/class/iommu"
doctor "$R" 1; has iommu fail "/proc/cmdline cannot be read" "add amd_iommu=on"
pass "doctor: no IOMMU fails, and the fix follows the kernel command line (missing, off, already on)"

# --- nouveau ------------------------------------------------------------------------
new_root nouveau
rm "$R/etc/modprobe.d/blacklist-nouveau.conf"
doctor "$R" 0
has nouveau warning "nouveau is not loaded but not blacklisted" \
    "blacklist it: 'echo blacklist nouveau > /etc/modprobe.d/blacklist-nouveau.conf', 'update-initramfs -u' and reboot"
mkdir -p "$R/sys/module/nouveau"
doctor "$R" 1
has nouveau fail "the nouveau module is loaded: it takes NVIDIA GPUs away from the NVIDIA vGPU manager" "blacklist it: "
printf '# keep the NVIDIA driver\n  blacklist   nouveau\noptions nouveau modeset=0\n' >"$R/etc/modprobe.d/nvidia.conf"
doctor "$R" 1
has nouveau fail "the nouveau module is loaded although /etc/modprobe.d/nvidia.conf blacklists it" "'update-initramfs -u' and reboot"
rmdir "$R/sys/module/nouveau"; rm "$R/etc/modprobe.d/nvidia.conf"
echo "ro modprobe.blacklist=radeon,nouveau" >"$R/proc/cmdline"
doctor "$R" 0; has nouveau ok "nouveau is not loaded and is blacklisted (the kernel command line)"
echo "blacklist nouveau" >"$R/etc/modprobe.d/nouveau.txt" # not a .conf: ignored
rm "$R/proc/cmdline"; doctor "$R" 0; has nouveau warning "nouveau is not loaded but not blacklisted"
rm -r "$R/sys/bus/pci/devices/0000:05:00.0"
doctor "$R"; lacks nouveau; lacks nvidia-services
pass "doctor: nouveau loaded fails, unloaded but not blacklisted warns, blacklisted (modprobe.d or command line) passes; no NVIDIA GPU, no line"

# --- NVIDIA vGPU manager services -----------------------------------------------
new_root services
VGPUCTL_TEST_SYSTEMD_UNITS=nvidia-vgpud=active,nvidia-vgpu-mgr=active doctor "$R" 0
has nvidia-services ok "nvidia-vgpud.service is active"
has nvidia-services ok "nvidia-vgpu-mgr.service is active"
VGPUCTL_TEST_SYSTEMD_UNITS=nvidia-vgpud=active,nvidia-vgpu-mgr=failed doctor "$R" 1
has nvidia-services fail "nvidia-vgpu-mgr.service is failed: no virtual machine with a vGPU can start without it" \
    "'systemctl enable --now nvidia-vgpu-mgr'"
VGPUCTL_TEST_SYSTEMD_UNITS=nvidia-vgpu-mgr=active doctor "$R" 0
has nvidia-services warning "nvidia-vgpud.service is inactive: it sets up the GPUs' vGPU types at boot" \
    "'systemctl enable --now nvidia-vgpud'"
rmdir "$R/run/systemd/system"
VGPUCTL_TEST_SYSTEMD_UNITS=nvidia-vgpu-mgr=failed doctor "$R" 0; lacks nvidia-services
pass "doctor: nvidia-vgpu-mgr not active fails, nvidia-vgpud not active warns; not asked without systemd"

# --- libvirt: hooks/qemu.d/ and the daemon ---------------------------------------
new_root libvirt
VGPUCTL_TEST_LIBVIRT_VERSION=6.4.0 doctor "$R" 1
has libvirt-hook-dirs fail "libvirt 6.4.0 does not run hooks in /etc/libvirt/hooks/qemu.d/ (only since 6.5.0), so the libvgpu hook never runs" \
    "upgrade libvirt to 6.5.0 or newer"
VGPUCTL_TEST_LIBVIRT_VERSION=6.5.0 doctor "$R" 0; has libvirt-hook-dirs ok "libvirt 6.5.0 runs the hooks"
VGPUCTL_TEST_LIBVIRT_VERSION=six doctor "$R" 0
has libvirt-hook-dirs warning "cannot tell the libvirt version (bad VGPUCTL_TEST_LIBVIRT_VERSION)"

# A daemon started at BOOT + TICKS/CLK_TCK; the hook installed at INSTALLED.
BOOT=1700000000
INSTALLED=1700001000
TCK=$(getconf CLK_TCK)
fake_daemon() { # NAME PID SECONDS-AFTER-BOOT
    mkdir -p "$R/proc/$2"
    echo "$2" >"$R/run/$1.pid"
    echo "$2 ($1) S 1 $2 $2 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 18 0 $(($3 * TCK)) 1000 100" >"$R/proc/$2/stat"
}
printf 'cpu  1 2 3 4\nintr 1\nbtime %s\nprocesses 1\n' "$BOOT" >"$R/proc/stat"
touch -h -d "@$INSTALLED" "$R/etc/libvirt/hooks/qemu.d/vgpu"
fake_daemon libvirtd 812 900 # 100 s before the hook
doctor "$R" 0
has hook-daemon warning "libvirtd (pid 812) started at 2023-11-14 22:28:20 UTC, before the hook was installed (2023-11-14 22:30:00 UTC): it does not run the hook" \
    "restart libvirtd so it sees the hook ('systemctl restart libvirtd')"
fake_daemon libvirtd 812 1000
fake_daemon virtqemud 977 1200
doctor "$R" 0
has hook-daemon ok "libvirtd (pid 812) started at 2023-11-14 22:30:00 UTC, after the hook was installed"
has hook-daemon ok "virtqemud (pid 977) started at 2023-11-14 22:33:20 UTC, after the hook was installed"
touch -h -d "@$((INSTALLED + 500))" "$R/etc/libvirt/hooks/qemu.d/vgpu"
rm -r "$R/proc/812" # libvirtd.pid left behind by a dead daemon
doctor "$R" 0
has hook-daemon warning "virtqemud (pid 977) started at 2023-11-14 22:33:20 UTC, before the hook was installed" \
    "restart virtqemud so it sees the hook ('systemctl restart virtqemud')"
[ "$(grep -c 'libvirtd (pid' <<<"$TEXT")" = 0 ] || fail "a dead libvirtd is judged: $TEXT"
rm "$R/etc/libvirt/hooks/qemu.d/vgpu"
doctor "$R" 1; lacks hook-daemon
pass "doctor: libvirt < 6.5.0 fails; a daemon started before the hook warns 'restart', after passes; dead pids and a missing hook give no daemon line"

# --- records left busy ---------------------------------------------------------
new_root records
mkdir -p "$R/run/libvgpu/mdevs"
chmod 755 "$R/run/libvgpu" "$R/run/libvgpu/mdevs"
record() { # UUID STATE PID PID_START
    mkdir -p "$R/sys/bus/mdev/devices/$1"
    printf '[mdev]\ndomain=win%s\nuuid=%s\nclass=mdev\nparent=0000:05:00.0\ntype=nvidia-65\ncreated=1700000000\nstate=%s\npid=%s\npid_start=%s\n' \
        "${1: -1}" "$1" "$2" "$3" "$4" >"$R/run/libvgpu/mdevs/$1"
}
U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
U2=9d2e9b5e-1c4a-4f7e-8a3b-000000000002
# this shell is alive: its record is work in progress, not left behind
record "$U1" creating $$ "$(sed 's/.*) //' /proc/$$/stat | cut -d' ' -f20)"
doctor "$R" 0; lacks busy-records
record "$U2" removing 2147483646 1
doctor "$R" 0
has busy-records warning "1 device left half created or half removed by a process that is gone (a shutdown or a crash): $U2 (domain win2, removing)" \
    "'vgpuctl gc' finishes or drops them"
record "$U1" creating 2147483646 1
doctor "$R" 0; has busy-records warning "2 devices left half created or half removed"
pass "doctor: records creating or removing whose process is gone warn and point to 'vgpuctl gc'; live ones do not"

# --- the real H200 pass-through snapshot -----------------------------------------
H200=$SRC/tests/data/check/h200-passthrough
doctor "$H200" 1
has cpu-virtualization warning "cannot read /proc/cpuinfo"
has iommu fail "no IOMMU is active (/sys/class/iommu is empty)" "add intel_iommu=on iommu=pt"
has nouveau warning "nouveau is not loaded but not blacklisted" "blacklist it"
has nvidia-gpu fail "NVIDIA GPU 0000:00:06.0 (10de:2335) is not in vGPU mode" "install the NVIDIA vGPU manager"
lacks nvidia-services
R=$WORK/h200
cp -a "$H200" "$R"
mkdir -p "$R/sys/class/iommu/dmar0" "$R/proc" "$R/etc/modprobe.d" "$R/run/systemd/system"
printf 'vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n' >"$R/proc/cpuinfo"
echo "blacklist nouveau" >"$R/etc/modprobe.d/nvidia-installer-disable-nouveau.conf"
VGPUCTL_TEST_SYSTEMD_UNITS=nvidia-vgpu-mgr=failed doctor "$R" 1
has cpu-virtualization ok "vmx: Intel VT-x"; has iommu ok "an IOMMU is active: dmar0"
has nouveau ok "blacklisted (/etc/modprobe.d/nvidia-installer-disable-nouveau.conf)"
lacks nvidia-services # not in vGPU mode: the services are not the problem yet
has nvidia-gpu fail "bound to the 'nvidia' driver without the vGPU manager"
pass "doctor: the real H200 pass-through snapshot: no IOMMU, nouveau not blacklisted, not in vGPU mode; the services are not judged before vGPU mode"

echo "all $PASSED vgpuctl doctor checks passed"
