/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the table of device-class backends.
 */
#include "vgpu-backend.h"

extern const VgpuBackend vgpu_backend_mdev;
extern const VgpuBackend vgpu_backend_nvidia_vf;
extern const VgpuBackend vgpu_backend_plain_vf;

static const VgpuBackend *const backends[] = {
    [VGPU_DEVICE_CLASS_MDEV] = &vgpu_backend_mdev,
    [VGPU_DEVICE_CLASS_NVIDIA_VF] = &vgpu_backend_nvidia_vf,
    [VGPU_DEVICE_CLASS_PLAIN_VF] = &vgpu_backend_plain_vf,
    NULL,
};

const VgpuBackend *
vgpu_backend_for_class(VgpuDeviceClass device_class)
{
    g_return_val_if_fail((guint)device_class < G_N_ELEMENTS(backends) - 1,
                         NULL);
    return backends[device_class];
}

const VgpuBackend *const *
vgpu_backends(void)
{
    return backends;
}

void
vgpu_backend_device_free(VgpuBackendDevice *device)
{
    if (!device)
        return;
    g_free(device->id);
    g_free(device->parent);
    g_free(device->type_id);
    g_free(device->gpu);
    g_free(device);
}
