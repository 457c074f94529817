/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - PCI addresses and SR-IOV topology: which physical GPU (the
 * physical function, PF) a virtual function (VF) belongs to.
 */
#pragma once

#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-nvidia.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

/**
 * vgpu_pci_address_is_valid:
 * @address: (nullable): a PCI address
 *
 * Checks the canonical form the kernel uses for PCI device names in
 * `sys/bus/pci/devices/` (drivers/pci/probe.c, `pci_setup_device()`:
 * "%04x:%02x:%02x.%d"): `DDDD:BB:SS.F`, lowercase hexadecimal, slot at
 * most 0x1f, function 0-7, e.g. "0000:3d:00.4". Anything else, including
 * upper case, is refused (DESIGN.md, "Device classes") so that no other
 * spelling reaches a path.
 *
 * Returns: %TRUE if @address is canonical.
 */
VGPU_PUBLIC gboolean vgpu_pci_address_is_valid(const char *address);

/**
 * vgpu_pci_get_physical_function:
 * @ctx: a context (reads `sys/bus/pci/devices/<address>/physfn` under its
 *   root)
 * @address: a PCI address; anything but a canonical one
 *   (vgpu_pci_address_is_valid()) is answered %NULL before any sysfs
 *   access
 *
 * The physical function (PF) of the virtual function @address, from the
 * kernel's `physfn` link (Documentation/ABI/testing/sysfs-bus-pci;
 * drivers/pci/iov.c creates it with the VF).
 *
 * Returns: (transfer full) (nullable): the PF's address, or %NULL when
 *   @address is not a VF of this host.
 */
VGPU_PUBLIC char *vgpu_pci_get_physical_function(VgpuContext *ctx,
                                                 const char *address);

/**
 * VgpuVfGpu:
 *
 * Opaque snapshot of one physical GPU (a PCI physical function) whose
 * SR-IOV virtual functions carry vGPUs: its class (NVIDIA vendor-specific
 * VFIO or plain VFs), its VFs, and the types they can take now.
 */
typedef struct _VgpuVfGpu VgpuVfGpu;

/**
 * VgpuVfType:
 * @id: the type id, `nvidia-<id>` or `vf-<vendor>:<device>`
 * @name: (nullable): the type's name (NVIDIA: from
 *   `creatable_vgpu_types`, e.g. "NVIDIA L40S-12Q")
 * @free: how many free VFs of the GPU can take the type now
 * @used: how many VFs hold it (NVIDIA) or are claimed (plain VFs)
 * @nvidia: (nullable): @name decoded by vgpu_nvidia_type_new() (board,
 *   framebuffer, series, licence), %NULL for plain VFs or a name that is
 *   not NVIDIA vGPU metadata; owned by the type
 *
 * One type of a #VgpuVfGpu.
 */
typedef struct {
    char *id;
    char *name;
    guint free;
    guint used;
    VgpuNvidiaType *nvidia;
} VgpuVfType;

/**
 * vgpu_pci_list_vf_gpus:
 * @ctx: a context (reads `sys/bus/pci/devices` under its root)
 * @config: (nullable): the host configuration (its `plain_vf_pfs`), or
 *   %NULL for display-class PFs only
 * @error: return location for a #GError, or %NULL
 *
 * Surveys the GPUs whose VFs carry vGPUs (DESIGN.md "Device classes"):
 * VFs with `nvidia/current_vgpu_type` make their PF an NVIDIA
 * vendor-specific VFIO GPU; VFs of a display-class PF (`class` 0x03xxxx)
 * or of a PF named in @config's `plain_vf_pfs`, without NVIDIA's files,
 * make it a plain-VF GPU. NVIDIA type names are decoded (@nvidia of
 * #VgpuVfType). Reads each VF's
 * `creatable_vgpu_types` (NVIDIA) and the ownership records (plain VFs).
 * Meant for listings and placement at attach time, not the hook's path.
 *
 * Returns: (transfer full) (element-type VgpuVfGpu): the GPUs sorted by
 *   address (empty when none), never %NULL.
 */
VGPU_PUBLIC GPtrArray *vgpu_pci_list_vf_gpus(VgpuContext *ctx,
                                             const VgpuConfig *config,
                                             GError **error);
/** vgpu_vf_gpu_free: @gpu: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_vf_gpu_free(VgpuVfGpu *gpu);
/** vgpu_vf_gpu_get_address: Returns: (transfer none): the PF's address. */
VGPU_PUBLIC const char *vgpu_vf_gpu_get_address(const VgpuVfGpu *gpu);
/** vgpu_vf_gpu_get_device_class: Returns: %VGPU_DEVICE_CLASS_NVIDIA_VF or
 * %VGPU_DEVICE_CLASS_PLAIN_VF. */
VGPU_PUBLIC VgpuDeviceClass vgpu_vf_gpu_get_device_class(const VgpuVfGpu *gpu);
/** vgpu_vf_gpu_get_ids: Returns: (transfer none): the PF's
 * "vendor:device", lowercase hex. */
VGPU_PUBLIC const char *vgpu_vf_gpu_get_ids(const VgpuVfGpu *gpu);
/** vgpu_vf_gpu_get_vfs: Returns: how many VFs the GPU has enabled. */
VGPU_PUBLIC guint vgpu_vf_gpu_get_vfs(const VgpuVfGpu *gpu);
/** vgpu_vf_gpu_get_used: Returns: how many of them hold a vGPU or are
 * claimed by a domain's record. */
VGPU_PUBLIC guint vgpu_vf_gpu_get_used(const VgpuVfGpu *gpu);
/** vgpu_vf_gpu_get_types: Returns: (transfer none) (element-type
 * VgpuVfType): the types the GPU's VFs hold or can take now, by id. */
VGPU_PUBLIC GPtrArray *vgpu_vf_gpu_get_types(const VgpuVfGpu *gpu);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuVfGpu, vgpu_vf_gpu_free)

G_END_DECLS
