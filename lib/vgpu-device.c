/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the vGPUs that exist on the host, of every device class, for
 * listings: asked of the class backends (vgpu-backend.h).
 */
#include <libvgpu/vgpu-device.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-backend.h"
#include "vgpu-sriov.h"

#include <string.h>

struct _VgpuVfDevice {
    char *address;
    char *gpu;
    VgpuDeviceClass device_class;
    char *type_id;
    char *type_name;
};

gboolean
vgpu_device_exists(VgpuContext *ctx, VgpuDeviceClass device_class,
                   const char *id)
{
    const VgpuBackend *backend;

    g_return_val_if_fail(ctx != NULL, FALSE);
    if (!vgpu_device_class_to_string(device_class))
        return FALSE;
    backend = vgpu_backend_for_class(device_class);
    return backend->check_id(id, NULL) && backend->exists(ctx, id);
}

void
vgpu_vf_device_free(VgpuVfDevice *device)
{
    if (!device)
        return;
    g_free(device->address);
    g_free(device->gpu);
    g_free(device->type_id);
    g_free(device->type_name);
    g_free(device);
}

static VgpuVfDevice *
vf_device_new(VgpuDeviceClass device_class, const VgpuBackendDevice *found)
{
    VgpuVfDevice *device = g_new0(VgpuVfDevice, 1);

    device->address = g_strdup(found->id);
    device->gpu = g_strdup(found->gpu);
    device->device_class = device_class;
    device->type_id = g_strdup(found->type_id);
    return device;
}

/* The name @gpu's free VFs give the NVIDIA type of @device. @free_vfs:
 * GPU → a VF of it that holds no vGPU; @lists: GPU → its creatable types
 * (read once). */
static void
name_nvidia_type(VgpuContext *ctx, VgpuVfDevice *device, GHashTable *free_vfs,
                 GHashTable *lists)
{
    guint number = vgpu_sriov_type_number(device->type_id);
    const char *vf = g_hash_table_lookup(free_vfs, device->gpu);
    GPtrArray *types;

    if (!vf)
        return;
    if (!g_hash_table_lookup_extended(lists, device->gpu, NULL,
                                      (gpointer *)&types)) {
        types = vgpu_sriov_read_creatable(ctx, vf);
        g_hash_table_insert(lists, g_strdup(device->gpu), types);
    }
    for (guint i = 0; types && i < types->len; i++) {
        const VgpuSriovType *type = types->pdata[i];

        if (type->id == number)
            device->type_name = g_strdup(type->name);
    }
}

/* One VF per GPU that holds no vGPU: GPU → VF. */
static GHashTable *
free_vf_per_gpu(VgpuContext *ctx)
{
    g_autoptr(GPtrArray) names = vgpu_sriov_list_devices(ctx);
    GHashTable *free_vfs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (guint i = 0; i < names->len; i++) {
        guint current = 1;
        g_autofree char *pf = NULL;

        if (!vgpu_sriov_read_current_type(ctx, names->pdata[i], &current) ||
            current != 0)
            continue;
        pf = vgpu_sriov_physical_function(ctx, names->pdata[i]);
        if (pf && !g_hash_table_contains(free_vfs, pf))
            g_hash_table_insert(free_vfs, g_steal_pointer(&pf),
                                g_strdup(names->pdata[i]));
    }
    return free_vfs;
}

static gboolean
add_nvidia_vfs(VgpuContext *ctx, GPtrArray *devices, GError **error)
{
    const VgpuBackend *backend =
        vgpu_backend_for_class(VGPU_DEVICE_CLASS_NVIDIA_VF);
    g_autoptr(GPtrArray) found = backend->list_devices(ctx, error);
    g_autoptr(GHashTable) free_vfs = NULL;
    g_autoptr(GHashTable) lists = NULL;

    if (!found)
        return FALSE;
    if (found->len == 0)
        return TRUE;
    free_vfs = free_vf_per_gpu(ctx);
    lists = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify)g_ptr_array_unref);
    for (guint i = 0; i < found->len; i++) {
        VgpuVfDevice *device =
            vf_device_new(VGPU_DEVICE_CLASS_NVIDIA_VF, found->pdata[i]);

        name_nvidia_type(ctx, device, free_vfs, lists);
        g_ptr_array_add(devices, device);
    }
    return TRUE;
}

/* VFs claimed by a record of class vf that are present. */
static gboolean
add_claimed_vfs(VgpuContext *ctx, GPtrArray *devices, GError **error)
{
    const VgpuBackend *backend =
        vgpu_backend_for_class(VGPU_DEVICE_CLASS_PLAIN_VF);
    g_autoptr(GPtrArray) records =
        vgpu_state_list_records(ctx, NULL, NULL, error);

    if (!records)
        return FALSE;
    for (guint i = 0; i < records->len; i++) {
        const VgpuRecord *record = records->pdata[i];
        g_autoptr(VgpuBackendDevice) found = NULL;

        if (vgpu_record_get_device_class(record) != VGPU_DEVICE_CLASS_PLAIN_VF)
            continue;
        found = backend->get_device(ctx, vgpu_record_get_uuid(record), NULL);
        if (found)
            g_ptr_array_add(devices,
                            vf_device_new(VGPU_DEVICE_CLASS_PLAIN_VF, found));
    }
    return TRUE;
}

static gint
compare_devices(gconstpointer a, gconstpointer b)
{
    return strcmp((*(const VgpuVfDevice *const *)a)->address,
                  (*(const VgpuVfDevice *const *)b)->address);
}

GPtrArray *
vgpu_device_list_vfs(VgpuContext *ctx, GError **error)
{
    g_autoptr(GPtrArray) devices =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_vf_device_free);

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!add_nvidia_vfs(ctx, devices, error) ||
        !add_claimed_vfs(ctx, devices, error))
        return NULL;
    g_ptr_array_sort(devices, compare_devices);
    return g_steal_pointer(&devices);
}

const char *
vgpu_vf_device_get_address(const VgpuVfDevice *device)
{
    g_return_val_if_fail(device != NULL, NULL);
    return device->address;
}

const char *
vgpu_vf_device_get_gpu(const VgpuVfDevice *device)
{
    g_return_val_if_fail(device != NULL, NULL);
    return device->gpu;
}

VgpuDeviceClass
vgpu_vf_device_get_device_class(const VgpuVfDevice *device)
{
    g_return_val_if_fail(device != NULL, VGPU_DEVICE_CLASS_PLAIN_VF);
    return device->device_class;
}

const char *
vgpu_vf_device_get_type_id(const VgpuVfDevice *device)
{
    g_return_val_if_fail(device != NULL, NULL);
    return device->type_id;
}

const char *
vgpu_vf_device_get_type_name(const VgpuVfDevice *device)
{
    g_return_val_if_fail(device != NULL, NULL);
    return device->type_name;
}
