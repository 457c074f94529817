/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the mdev backend: mediated devices created through
 * sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/create and named
 * by UUID in sys/bus/mdev/devices/ (kernel
 * Documentation/driver-api/vfio-mediated-device.rst).
 */
#include <libvgpu/vgpu-discovery.h>
#include <libvgpu/vgpu-mdev.h>

#include "vgpu-backend.h"
#include "vgpu-mdev-private.h"
#include "vgpu-sysfs.h"

static VgpuBackendDevice *
device_from_mdev(const VgpuMdev *mdev)
{
    VgpuBackendDevice *device = g_new0(VgpuBackendDevice, 1);

    device->id = g_strdup(vgpu_mdev_get_uuid(mdev));
    device->parent = g_strdup(vgpu_mdev_get_parent_name(mdev));
    device->type_id = g_strdup(vgpu_mdev_get_type_id(mdev));
    return device;
}

static VgpuBackendDevice *
mdev_get_device(VgpuContext *ctx, const char *id, GError **error)
{
    g_autoptr(VgpuMdev) mdev = vgpu_discovery_get_mdev(ctx, id, error);

    return mdev ? device_from_mdev(mdev) : NULL;
}

static GPtrArray *
mdev_list_devices(VgpuContext *ctx, GError **error)
{
    g_autoptr(GPtrArray) mdevs = vgpu_discovery_list_mdevs(ctx, error);
    GPtrArray *devices;

    if (!mdevs)
        return NULL;
    devices = g_ptr_array_new_full(mdevs->len,
                                   (GDestroyNotify)vgpu_backend_device_free);
    for (guint i = 0; i < mdevs->len; i++)
        g_ptr_array_add(devices, device_from_mdev(mdevs->pdata[i]));
    return devices;
}

const VgpuBackend vgpu_backend_mdev = {
    .version = VGPU_BACKEND_VERSION,
    .device_class = VGPU_DEVICE_CLASS_MDEV,
    .device_noun = "mediated device",
    .list_parents_for_type = vgpu_discovery_list_parents_for_type,
    .check_id = vgpu_uuid_check,
    .exists = vgpu_mdev_exists,
    .get_device = mdev_get_device,
    .list_devices = mdev_list_devices,
    .create = vgpu_mdev_create,
    .request_remove = vgpu_mdev_request_remove,
    .wait_gone = vgpu_mdev_wait_gone,
};
