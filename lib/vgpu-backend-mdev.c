/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the mdev backend: mediated devices created through
 * sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/create and named
 * by UUID in sys/bus/mdev/devices/ (kernel
 * Documentation/driver-api/vfio-mediated-device.rst).
 */
#include <libvgpu/vgpu-alloc.h>
#include <libvgpu/vgpu-discovery.h>
#include <libvgpu/vgpu-mdev.h>

#include "vgpu-alloc-private.h"
#include "vgpu-backend.h"
#include "vgpu-discovery-private.h"
#include "vgpu-mdev-private.h"
#include "vgpu-sysfs.h"

static VgpuBackendDevice *
device_from_mdev(VgpuContext *ctx, const VgpuMdev *mdev)
{
    VgpuBackendDevice *device = g_new0(VgpuBackendDevice, 1);

    device->id = g_strdup(vgpu_mdev_get_uuid(mdev));
    device->parent = g_strdup(vgpu_mdev_get_parent_name(mdev));
    device->type_id = g_strdup(vgpu_mdev_get_type_id(mdev));
    device->gpu = vgpu_discovery_get_gpu(ctx, device->parent);
    return device;
}

static VgpuBackendDevice *
mdev_get_device(VgpuContext *ctx, const char *id, GError **error)
{
    g_autoptr(VgpuMdev) mdev = vgpu_discovery_get_mdev(ctx, id, error);

    return mdev ? device_from_mdev(ctx, mdev) : NULL;
}

/* "pinned parent: 1 of 2 instances free" / "placement policy pack: …",
 * counted in @parents before this device. */
static char *
describe_choice(const VgpuRequest *request, const VgpuParent *parent,
                const VgpuConfig *config)
{
    const VgpuMdevType *type =
        vgpu_parent_find_type(parent, vgpu_request_get_type_id(request));
    guint available = vgpu_mdev_type_get_available_instances(type);
    guint total = available + vgpu_mdev_type_get_active_instances(type);
    const char *rule = "placement policy pack";

    if (vgpu_request_get_parent(request))
        rule = "pinned parent";
    else if (vgpu_config_get_placement(config) == VGPU_PLACEMENT_SPREAD)
        rule = "placement policy spread";
    return g_strdup_printf("%s: %u of %u instance%s free", rule, available,
                           total, total == 1 ? "" : "s");
}

/* The parent by placement policy among those offering the type
 * (vgpu_alloc_choose_parent()), after the devices of @planned. The flat
 * listing reads one file per parent (and physfn where it can matter), and
 * ends at the first parent with room when that is the choice anyway
 * (vgpu_alloc_first_fit_decides(); not with a requested parent, nor after
 * planned devices, which the listing does not count); placement asks for
 * the rest (active instances, names for messages) only where it needs
 * them. */
static char *
mdev_place(VgpuContext *ctx, const VgpuRequest *request,
           const VgpuConfig *config, GHashTable *users, GPtrArray *planned,
           char **why, GError **error)
{
    const char *type_id = vgpu_request_get_type_id(request);
    gboolean pinned = vgpu_request_get_parent(request) != NULL;
    gboolean first_fit_ok = !pinned && (!planned || planned->len == 0);
    g_autoptr(GPtrArray) parents = NULL;
    VgpuFirstFit first_fit;
    VgpuParent *parent;

    vgpu_alloc_first_fit_init(&first_fit, type_id, config);
    parents = vgpu_discovery_list_offers(
        ctx, type_id, pinned,
        first_fit_ok ? vgpu_alloc_first_fit_decides : NULL, &first_fit, error);
    if (!parents)
        return NULL;
    for (guint i = 0; planned && i < planned->len; i++) {
        const VgpuBackendDevice *device = planned->pdata[i];
        vgpu_discovery_take_instance(parents, device->parent, device->type_id);
    }
    parent = vgpu_alloc_choose_parent(parents, type_id,
                                      vgpu_request_get_parent(request), config,
                                      users, error);
    if (parent && why)
        *why = describe_choice(request, parent, config);
    return parent ? g_strdup(vgpu_parent_get_name(parent)) : NULL;
}

static gboolean
mdev_check_capacity(VgpuContext *ctx, const char *type_id, const char *parent,
                    guint count, const VgpuConfig *config, GHashTable *users,
                    GError **error)
{
    g_autoptr(GPtrArray) parents =
        vgpu_discovery_list_offers(ctx, type_id, TRUE, NULL, NULL, error);

    return parents && vgpu_alloc_check_capacity(parents, type_id, parent, count,
                                                config, users, error);
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
        g_ptr_array_add(devices, device_from_mdev(ctx, mdevs->pdata[i]));
    return devices;
}

const VgpuBackend vgpu_backend_mdev = {
    .version = VGPU_BACKEND_VERSION,
    .device_class = VGPU_DEVICE_CLASS_MDEV,
    .device_noun = "mediated device",
    .remove_verb = "removed",
    .claims = FALSE,
    .place = mdev_place,
    .check_capacity = mdev_check_capacity,
    .check_id = vgpu_uuid_check,
    .exists = vgpu_mdev_exists,
    .get_device = mdev_get_device,
    .list_devices = mdev_list_devices,
    .create = vgpu_mdev_create,
    .request_remove = vgpu_mdev_request_remove,
    .wait_gone = vgpu_mdev_wait_gone,
    .configure = vgpu_mdev_write_attrs,
};
