/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - a domain's request for one vGPU, and the device classes.
 */
#include <libvgpu/vgpu-request.h>
#include <libvgpu/vgpu-uuid.h>

#include <libvgpu/vgpu-pci.h>

#include "vgpu-request-private.h"
#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <string.h>

struct _VgpuRequest {
    VgpuDeviceClass device_class;
    char *uuid; /* the device id: mdev UUID or VF address */
    char *type_id;
    char *parent;
    VgpuDeviceOrigin origin;
    char **attrs; /* mdevctl: name, value, …, NULL */
};

static const char *const origin_names[] = {
    [VGPU_DEVICE_ORIGIN_REQUEST] = "request",
    [VGPU_DEVICE_ORIGIN_MDEVCTL] = "mdevctl",
};

const char *
vgpu_device_origin_to_string(VgpuDeviceOrigin origin)
{
    if ((guint)origin >= G_N_ELEMENTS(origin_names))
        return NULL;
    return origin_names[origin];
}

gboolean
vgpu_device_origin_from_string(const char *text, VgpuDeviceOrigin *origin)
{
    g_return_val_if_fail(origin != NULL, FALSE);

    for (guint i = 0; text && i < G_N_ELEMENTS(origin_names); i++) {
        if (g_str_equal(text, origin_names[i])) {
            *origin = (VgpuDeviceOrigin)i;
            return TRUE;
        }
    }
    return FALSE;
}

static const char *const class_names[] = {
    [VGPU_DEVICE_CLASS_MDEV] = "mdev",
    [VGPU_DEVICE_CLASS_NVIDIA_VF] = "nvidia-vf",
    [VGPU_DEVICE_CLASS_PLAIN_VF] = "vf",
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

/* Lowercase hexadecimal digits only, @n of them. */
static gboolean
is_lower_hex(const char *text, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        if (!g_ascii_isdigit(text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
            return FALSE;
    }
    return text[n] == '\0' || text[n] == ':';
}

gboolean
vgpu_request_type_is_vf(const char *type_id, VgpuDeviceClass *device_class)
{
    VgpuDeviceClass found;

    if (!type_id)
        return FALSE;
    if (g_str_has_prefix(type_id, "nvidia-")) {
        const char *id = type_id + strlen("nvidia-");
        gsize len = strlen(id);

        if (len == 0 || len > 9 || id[0] == '0')
            return FALSE;
        for (gsize i = 0; i < len; i++) {
            if (!g_ascii_isdigit(id[i]))
                return FALSE;
        }
        found = VGPU_DEVICE_CLASS_NVIDIA_VF;
    } else if (g_str_has_prefix(type_id, "vf-")) {
        const char *ids = type_id + strlen("vf-");

        if (strlen(ids) != 9 || ids[4] != ':' || !is_lower_hex(ids, 4) ||
            !is_lower_hex(ids + 5, 4))
            return FALSE;
        found = VGPU_DEVICE_CLASS_PLAIN_VF;
    } else {
        return FALSE;
    }
    if (device_class)
        *device_class = found;
    return TRUE;
}

VgpuRequest *
vgpu_request_new_vf(const char *address, const char *type_id, GError **error)
{
    VgpuDeviceClass device_class;
    VgpuRequest *request;

    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!vgpu_pci_address_is_valid(address)) {
        g_autofree char *quoted = vgpu_text_quote(address);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not a PCI address of the form DDDD:BB:SS.F in "
                    "lowercase hexadecimal, e.g. 0000:3d:00.4",
                    quoted);
        return NULL;
    }
    if (!vgpu_request_type_is_vf(type_id, &device_class)) {
        g_autofree char *quoted = vgpu_text_quote(type_id);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not a type for a virtual function: expected "
                    "nvidia-<id> (NVIDIA vGPU on the VF, e.g. nvidia-1153) "
                    "or vf-<vendor>:<device> (e.g. vf-1002:692f)",
                    quoted);
        return NULL;
    }
    request = g_new0(VgpuRequest, 1);
    request->device_class = device_class;
    request->uuid = g_strdup(address);
    request->type_id = g_strdup(type_id);
    return request;
}

void
vgpu_request_free(VgpuRequest *request)
{
    if (!request)
        return;
    g_free(request->uuid);
    g_free(request->type_id);
    g_free(request->parent);
    g_strfreev(request->attrs);
    g_free(request);
}

VgpuDeviceClass
vgpu_request_get_device_class(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, VGPU_DEVICE_CLASS_MDEV);
    return request->device_class;
}

const char *
vgpu_request_get_device_id(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->uuid;
}

const char *
vgpu_request_get_uuid(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->device_class == VGPU_DEVICE_CLASS_MDEV ? request->uuid
                                                           : NULL;
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

VgpuDeviceOrigin
vgpu_request_get_origin(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, VGPU_DEVICE_ORIGIN_REQUEST);
    return request->origin;
}

VgpuRequest *
vgpu_request_new_mdevctl(const char *uuid, const char *type_id,
                         const char *parent, const char *const *attrs,
                         GError **error)
{
    VgpuRequest *request;

    g_return_val_if_fail(parent != NULL, NULL);

    request = vgpu_request_new(uuid, type_id, parent, error);
    if (!request)
        return NULL;
    request->origin = VGPU_DEVICE_ORIGIN_MDEVCTL;
    request->attrs = g_strdupv((char **)attrs);
    return request;
}

const char *const *
vgpu_request_get_attrs(const VgpuRequest *request)
{
    static const char *const none[] = {NULL};

    g_return_val_if_fail(request != NULL, none);
    return request->attrs ? (const char *const *)request->attrs : none;
}
