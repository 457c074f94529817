/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - a domain's request for one vGPU, and the device classes.
 */
#include <libvgpu/vgpu-request.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-sysfs.h"

struct _VgpuRequest {
    VgpuDeviceClass device_class;
    char *uuid;
    char *type_id;
    char *parent;
};

static const char *const class_names[] = {
    [VGPU_DEVICE_CLASS_MDEV] = "mdev",
};

const char *
vgpu_device_class_to_string(VgpuDeviceClass device_class)
{
    if ((guint)device_class >= G_N_ELEMENTS(class_names))
        return NULL;
    return class_names[device_class];
}

gboolean
vgpu_device_class_from_string(const char *text, VgpuDeviceClass *device_class)
{
    g_return_val_if_fail(device_class != NULL, FALSE);

    for (guint i = 0; text && i < G_N_ELEMENTS(class_names); i++) {
        if (g_str_equal(text, class_names[i])) {
            *device_class = (VgpuDeviceClass)i;
            return TRUE;
        }
    }
    return FALSE;
}

VgpuRequest *
vgpu_request_new(const char *uuid, const char *type_id, const char *parent,
                 GError **error)
{
    g_autoptr(VgpuRequest) request = NULL;
    g_autofree char *canonical = NULL;

    g_return_val_if_fail(uuid != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    canonical = vgpu_uuid_normalize(uuid, error);
    if (!canonical)
        return NULL;
    if (!vgpu_name_check("mdev type", type_id, error))
        return NULL;
    if (parent && !vgpu_name_check("parent device", parent, error))
        return NULL;

    request = g_new0(VgpuRequest, 1);
    request->device_class = VGPU_DEVICE_CLASS_MDEV;
    request->uuid = g_steal_pointer(&canonical);
    request->type_id = g_strdup(type_id);
    request->parent = g_strdup(parent);
    return g_steal_pointer(&request);
}

void
vgpu_request_free(VgpuRequest *request)
{
    if (!request)
        return;
    g_free(request->uuid);
    g_free(request->type_id);
    g_free(request->parent);
    g_free(request);
}

VgpuDeviceClass
vgpu_request_get_device_class(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, VGPU_DEVICE_CLASS_MDEV);
    return request->device_class;
}

const char *
vgpu_request_get_uuid(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->uuid;
}

const char *
vgpu_request_get_type_id(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->type_id;
}

const char *
vgpu_request_get_parent(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->parent;
}
