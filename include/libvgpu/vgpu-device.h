/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the vGPUs that exist on the host, of every device class
 * (DESIGN.md "Device classes"), as listings and checks see them.
 */
#pragma once

#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

/**
 * vgpu_device_exists:
 * @ctx: a context
 * @device_class: the class of the device
 * @id: the device id: a mediated device's UUID or a VF's PCI address
 *
 * Whether the device an ownership record names is present now, asked of
 * the class's backend: a mediated device exists in `sys/bus/mdev/devices/`;
 * an NVIDIA VF holds a vGPU (`nvidia/current_vgpu_type` is not 0); a
 * plain VF is present in `sys/bus/pci/devices/`. A malformed @id is
 * reported absent. Does a stat or one sysfs read; takes no lock.
 *
 * Returns: %TRUE if the device is there.
 */
VGPU_PUBLIC gboolean vgpu_device_exists(VgpuContext *ctx,
                                        VgpuDeviceClass device_class,
                                        const char *id);

/**
 * VgpuVfDevice:
 *
 * Opaque: one VF-backed vGPU, an SR-IOV virtual function that holds an
 * NVIDIA vGPU or that a domain claimed (vgpu_device_list_vfs()).
 */
typedef struct _VgpuVfDevice VgpuVfDevice;

/**
 * vgpu_device_list_vfs:
 * @ctx: a context
 * @error: return location for a #GError, or %NULL
 *
 * Lists the VF-backed vGPUs: VFs whose `nvidia/current_vgpu_type` is not
 * 0 (class nvidia-vf, type `nvidia-<id>`, whoever wrote it), and VFs that
 * an ownership record of class vf claims (type from the record). Reads
 * `physfn` and `nvidia/current_vgpu_type` of each PCI function and the
 * records; names an NVIDIA type from `nvidia/creatable_vgpu_types` of one
 * free VF of the same GPU (read once per GPU, only for GPUs holding a
 * vGPU), so the name is %NULL when no free VF lists the type any more
 * (the list shrinks as the GPU fills). Entries that vanish during the scan
 * are skipped.
 *
 * Returns: (transfer full) (element-type VgpuVfDevice): the devices sorted
 *   by VF address, or %NULL with %VGPU_ERROR_UNSUPPORTED (untrusted state
 *   directory) or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC GPtrArray *vgpu_device_list_vfs(VgpuContext *ctx, GError **error);
/** vgpu_vf_device_free: @device: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_vf_device_free(VgpuVfDevice *device);
/** vgpu_vf_device_get_address: Returns: (transfer none): the VF's PCI
 * address, e.g. "0000:3d:00.4". */
VGPU_PUBLIC const char *vgpu_vf_device_get_address(const VgpuVfDevice *device);
/** vgpu_vf_device_get_gpu: Returns: (transfer none): the PCI address of
 * its physical function. */
VGPU_PUBLIC const char *vgpu_vf_device_get_gpu(const VgpuVfDevice *device);
/** vgpu_vf_device_get_device_class: Returns: %VGPU_DEVICE_CLASS_NVIDIA_VF
 * or %VGPU_DEVICE_CLASS_PLAIN_VF. */
VGPU_PUBLIC VgpuDeviceClass
vgpu_vf_device_get_device_class(const VgpuVfDevice *device);
/** vgpu_vf_device_get_type_id: Returns: (transfer none): "nvidia-<id>" or
 * "vf-<vendor>:<device>". */
VGPU_PUBLIC const char *vgpu_vf_device_get_type_id(const VgpuVfDevice *device);
/** vgpu_vf_device_get_type_name: Returns: (transfer none) (nullable): e.g.
 * "NVIDIA L40S-12Q", %NULL when unknown. */
VGPU_PUBLIC const char *
vgpu_vf_device_get_type_name(const VgpuVfDevice *device);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuVfDevice, vgpu_vf_device_free)

G_END_DECLS
