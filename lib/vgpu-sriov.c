/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - SR-IOV topology and NVIDIA's per-VF vGPU files (private).
 */
#include <libvgpu/vgpu-pci.h>
#include <libvgpu/vgpu-request.h>

#include "vgpu-sriov.h"
#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <stdlib.h>
#include <string.h>

gboolean
vgpu_sriov_check_address(const char *address, GError **error)
{
    g_autofree char *quoted = NULL;

    if (vgpu_pci_address_is_valid(address))
        return TRUE;
    quoted = vgpu_text_quote(address);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "%s is not a PCI address of the form DDDD:BB:SS.F in "
                "lowercase hexadecimal, e.g. 0000:3d:00.4",
                quoted);
    return FALSE;
}

guint
vgpu_sriov_type_number(const char *type_id)
{
    VgpuDeviceClass device_class;

    if (!vgpu_request_type_is_vf(type_id, &device_class) ||
        device_class != VGPU_DEVICE_CLASS_NVIDIA_VF)
        return 0;
    return (guint)strtoul(type_id + strlen("nvidia-"), NULL, 10);
}

char *
vgpu_sriov_path(VgpuContext *ctx, const char *address, const char *attr)
{
    return g_build_filename(vgpu_context_get_root(ctx), VGPU_SYSFS_PCI_DEVICES,
                            address, attr, NULL);
}

gboolean
vgpu_sriov_device_exists(VgpuContext *ctx, const char *address)
{
    g_autofree char *path = vgpu_sriov_path(ctx, address, NULL);

    return g_file_test(path, G_FILE_TEST_IS_DIR);
}

char *
vgpu_sriov_physical_function(VgpuContext *ctx, const char *address)
{
    g_autofree char *link = vgpu_sriov_path(ctx, address, "physfn");
    g_autofree char *target = g_file_read_link(link, NULL);
    g_autofree char *pf = target ? g_path_get_basename(target) : NULL;

    return pf && vgpu_pci_address_is_valid(pf) ? g_steal_pointer(&pf) : NULL;
}

/* A 16-bit id attribute ("0x10de") as four lowercase hex digits. */
static char *
read_id(VgpuContext *ctx, const char *address, const char *attr)
{
    g_autofree char *path = vgpu_sriov_path(ctx, address, attr);
    g_autofree char *text = vgpu_sysfs_read_attr(path, NULL);
    char *end = NULL;
    guint64 value;

    if (!text || !g_str_has_prefix(text, "0x"))
        return NULL;
    value = g_ascii_strtoull(text + 2, &end, 16);
    if (end == text + 2 || *end || value > 0xffff)
        return NULL;
    return g_strdup_printf("%04" G_GINT64_MODIFIER "x", value);
}

char *
vgpu_sriov_read_ids(VgpuContext *ctx, const char *address)
{
    g_autofree char *vendor = read_id(ctx, address, "vendor");
    g_autofree char *device = read_id(ctx, address, "device");

    if (!vendor || !device)
        return NULL;
    return g_strdup_printf("%s:%s", vendor, device);
}

gboolean
vgpu_sriov_offers_plain_vfs(VgpuContext *ctx, const VgpuConfig *config,
                            const char *pf)
{
    g_autofree char *path = vgpu_sriov_path(ctx, pf, "class");
    g_autofree char *text = NULL;

    if (vgpu_config_is_plain_vf_pf(config, pf))
        return TRUE;
    text = vgpu_sysfs_read_attr(path, NULL);
    return text && g_str_has_prefix(text, "0x03");
}

gboolean
vgpu_sriov_is_mdev_parent(VgpuContext *ctx, const char *address)
{
    g_autofree char *path =
        vgpu_sriov_path(ctx, address, "mdev_supported_types");

    return g_file_test(path, G_FILE_TEST_IS_DIR);
}

GPtrArray *
vgpu_sriov_list_devices(VgpuContext *ctx)
{
    g_autofree char *dir = vgpu_context_build_path(ctx, VGPU_SYSFS_PCI_DEVICES);
    GPtrArray *names = vgpu_sysfs_list_dir(dir, NULL);

    if (!names)
        return g_ptr_array_new_with_free_func(g_free);
    for (guint i = names->len; i > 0; i--) {
        if (!vgpu_pci_address_is_valid(names->pdata[i - 1]))
            g_ptr_array_remove_index(names, i - 1);
    }
    return names;
}

gboolean
vgpu_sriov_has_nvidia(VgpuContext *ctx, const char *address)
{
    g_autofree char *path =
        vgpu_sriov_path(ctx, address, "nvidia/current_vgpu_type");

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

gboolean
vgpu_sriov_read_current_type(VgpuContext *ctx, const char *address,
                             guint *type_id)
{
    g_autofree char *path =
        vgpu_sriov_path(ctx, address, "nvidia/current_vgpu_type");

    return vgpu_sysfs_read_uint(path, type_id, NULL);
}

static void
sriov_type_free(VgpuSriovType *type)
{
    g_free(type->name);
    g_free(type);
}

GPtrArray *
vgpu_sriov_read_creatable(VgpuContext *ctx, const char *address)
{
    g_autofree char *path =
        vgpu_sriov_path(ctx, address, "nvidia/creatable_vgpu_types");
    g_autofree char *text = vgpu_sysfs_read_attr(path, NULL);
    g_auto(GStrv) lines = NULL;
    GPtrArray *types;

    if (!text)
        return NULL;
    types = g_ptr_array_new_with_free_func((GDestroyNotify)sriov_type_free);
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        char *colon = strchr(lines[i], ':');
        char *end = NULL;
        guint64 id;
        VgpuSriovType *type;

        if (!colon)
            continue;
        *colon = '\0';
        g_strstrip(lines[i]);
        id = g_ascii_strtoull(lines[i], &end, 10);
        /* the header "ID : vGPU Name" (and anything else) is no number */
        if (!*lines[i] || *end || id == 0 || id > G_MAXUINT)
            continue;
        type = g_new0(VgpuSriovType, 1);
        type->id = (guint)id;
        type->name = g_strdup(g_strstrip(colon + 1));
        g_ptr_array_add(types, type);
    }
    return types;
}

int
vgpu_sriov_write_current_type(VgpuContext *ctx, const char *address,
                              guint value)
{
    g_autofree char *path =
        vgpu_sriov_path(ctx, address, "nvidia/current_vgpu_type");
    g_autofree char *text = g_strdup_printf("%u", value);

    return vgpu_sysfs_write_attr(path, text);
}
