/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - SR-IOV topology and NVIDIA's per-VF vGPU files in
 * sys/bus/pci/devices (private; used by the VF backends).
 *
 * Kernel: drivers/pci/iov.c (`physfn`, `virtfn<N>`, `sriov_numvfs`),
 * drivers/pci/pci-sysfs.c (`vendor`, `device`, `class`: "0x%04x\n").
 * NVIDIA vGPU 17+ on kernel >= 6.8: `<VF>/nvidia/creatable_vgpu_types`
 * (a header line "ID : vGPU Name", then "<id> : <name>" for the types the
 * VF can create now; the list shrinks as the GPU fills) and
 * `<VF>/nvidia/current_vgpu_type` (the id, 0 for none; write the id to
 * create, 0 to destroy) — see ../shared/research/vf-vgpu.md, A2/A3
 * (Proxmox pve-common SysFSTools.pm, qemu-server Mdev.pm).
 */
#pragma once

#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-context.h>

#define VGPU_SYSFS_PCI_DEVICES "sys/bus/pci/devices"

/* One line of creatable_vgpu_types. */
typedef struct {
    guint id;
    char *name; /* e.g. "NVIDIA L40S-12Q" */
} VgpuSriovType;

/* VGPU_ERROR_INVALID_INPUT quoting @address unless it is a canonical PCI
 * address (vgpu_pci_address_is_valid()): checked before any path is built. */
gboolean vgpu_sriov_check_address(const char *address, GError **error);

/* "nvidia-1153" → 1153, the number current_vgpu_type takes; 0 when
 * @type_id is not an NVIDIA VF type (vgpu_request_type_is_vf()). */
guint vgpu_sriov_type_number(const char *type_id);

/* <root>/sys/bus/pci/devices/<address>[/<attr>]; @address must be valid. */
char *vgpu_sriov_path(VgpuContext *ctx, const char *address, const char *attr);

/* Does sys/bus/pci/devices/<address> exist? */
gboolean vgpu_sriov_device_exists(VgpuContext *ctx, const char *address);

/* The PF of VF @address (its `physfn` link), or NULL if it is not a VF. */
char *vgpu_sriov_physical_function(VgpuContext *ctx, const char *address);

/* "1002:692f" from `vendor` and `device` (0x-prefixed hex), or NULL. */
char *vgpu_sriov_read_ids(VgpuContext *ctx, const char *address);

/* Are the VFs of PF @pf plain VFs (class vf)? Yes when @pf is a display
 * controller (PCI `class` 0x03xxxx: VGA, XGA, 3D; PCI Code and ID
 * Assignment spec) or @config's plain_vf_pfs names it (@config may be
 * NULL: display class only). DESIGN.md "Device classes". */
gboolean vgpu_sriov_offers_plain_vfs(VgpuContext *ctx, const VgpuConfig *config,
                                     const char *pf);

/* Is @address an mdev parent (it has mdev_supported_types/: NVIDIA Ampere
 * VFs with vGPU drivers before 17)? Its vGPUs are mediated devices, so it
 * is never handed out whole as a plain VF. */
gboolean vgpu_sriov_is_mdev_parent(VgpuContext *ctx, const char *address);

/* The PCI addresses in sys/bus/pci/devices, sorted (element-type utf8). */
GPtrArray *vgpu_sriov_list_devices(VgpuContext *ctx);

/* Does @address have NVIDIA's vGPU files (nvidia/current_vgpu_type)? */
gboolean vgpu_sriov_has_nvidia(VgpuContext *ctx, const char *address);

/* nvidia/current_vgpu_type as a number; FALSE when unreadable. */
gboolean vgpu_sriov_read_current_type(VgpuContext *ctx, const char *address,
                                      guint *type_id);

/* nvidia/creatable_vgpu_types (element-type VgpuSriovType), NULL when
 * unreadable; the header line is skipped. */
GPtrArray *vgpu_sriov_read_creatable(VgpuContext *ctx, const char *address);

/* Writes @value to nvidia/current_vgpu_type in one write(2); 0 or errno. */
int vgpu_sriov_write_current_type(VgpuContext *ctx, const char *address,
                                  guint value);
