/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - PCI addresses and SR-IOV topology.
 */
#include <libvgpu/vgpu-pci.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-sriov.h"
#include "vgpu-sysfs.h"

#include <string.h>

/* Lowercase hexadecimal digit (the kernel prints PCI names with %x). */
static gboolean
is_lower_hex(char c)
{
    return g_ascii_isdigit(c) || (c >= 'a' && c <= 'f');
}

gboolean
vgpu_pci_address_is_valid(const char *address)
{
    static const char shape[] = "hhhh:hh:hh.f";

    if (!address || strlen(address) != sizeof(shape) - 1)
        return FALSE;
    for (gsize i = 0; i < sizeof(shape) - 1; i++) {
        char c = address[i];

        switch (shape[i]) {
        case 'h':
            if (!is_lower_hex(c))
                return FALSE;
            break;
        case 'f':
            if (c < '0' || c > '7')
                return FALSE;
            break;
        default:
            if (c != shape[i])
                return FALSE;
        }
    }
    /* slot: 5 bits (PCI_SLOT()) */
    return g_ascii_xdigit_value(address[8]) <= 1;
}

char *
vgpu_pci_get_physical_function(VgpuContext *ctx, const char *address)
{
    g_return_val_if_fail(ctx != NULL, NULL);

    if (!vgpu_pci_address_is_valid(address))
        return NULL;
    return vgpu_sriov_physical_function(ctx, address);
}

/* ---- GPUs whose VFs carry vGPUs ----------------------------------------- */

struct _VgpuVfGpu {
    char *address;
    char *ids;
    VgpuDeviceClass device_class;
    guint vfs;
    guint used;
    GPtrArray *types; /* VgpuVfType */
};

static void
vf_type_free(VgpuVfType *type)
{
    g_free(type->id);
    g_free(type->name);
    vgpu_nvidia_type_free(type->nvidia);
    g_free(type);
}

void
vgpu_vf_gpu_free(VgpuVfGpu *gpu)
{
    if (!gpu)
        return;
    g_free(gpu->address);
    g_free(gpu->ids);
    g_ptr_array_unref(gpu->types);
    g_free(gpu);
}

static VgpuVfType *
gpu_type(VgpuVfGpu *gpu, const char *id, const char *name)
{
    VgpuVfType *type;

    for (guint i = 0; i < gpu->types->len; i++) {
        type = gpu->types->pdata[i];
        if (g_str_equal(type->id, id))
            return type;
    }
    type = g_new0(VgpuVfType, 1);
    type->id = g_strdup(id);
    type->name = g_strdup(name);
    if (name)
        type->nvidia = vgpu_nvidia_type_new(name, NULL, NULL);
    g_ptr_array_add(gpu->types, type);
    return type;
}

static VgpuVfGpu *
gpu_for(GHashTable *gpus, VgpuContext *ctx, const char *pf)
{
    VgpuVfGpu *gpu = g_hash_table_lookup(gpus, pf);

    if (!gpu) {
        gpu = g_new0(VgpuVfGpu, 1);
        gpu->address = g_strdup(pf);
        gpu->ids = vgpu_sriov_read_ids(ctx, pf);
        if (!gpu->ids)
            gpu->ids = g_strdup("?");
        gpu->device_class = VGPU_DEVICE_CLASS_PLAIN_VF;
        gpu->types =
            g_ptr_array_new_with_free_func((GDestroyNotify)vf_type_free);
        g_hash_table_insert(gpus, gpu->address, gpu);
    }
    return gpu;
}

static void
survey_nvidia_vf(VgpuContext *ctx, VgpuVfGpu *gpu, const char *vf,
                 guint current)
{
    g_autoptr(GPtrArray) creatable = vgpu_sriov_read_creatable(ctx, vf);

    gpu->device_class = VGPU_DEVICE_CLASS_NVIDIA_VF;
    if (current != 0) {
        g_autofree char *id = g_strdup_printf("nvidia-%u", current);
        gpu->used++;
        gpu_type(gpu, id, NULL)->used++;
        return;
    }
    for (guint i = 0; creatable && i < creatable->len; i++) {
        const VgpuSriovType *t = creatable->pdata[i];
        g_autofree char *id = g_strdup_printf("nvidia-%u", t->id);
        VgpuVfType *type = gpu_type(gpu, id, t->name);

        if (!type->name) {
            type->name = g_strdup(t->name);
            type->nvidia = vgpu_nvidia_type_new(t->name, NULL, NULL);
        }
        type->free++;
    }
}

static gint
compare_gpus(gconstpointer a, gconstpointer b)
{
    return strcmp((*(const VgpuVfGpu *const *)a)->address,
                  (*(const VgpuVfGpu *const *)b)->address);
}

static gint
compare_vf_types(gconstpointer a, gconstpointer b)
{
    const VgpuVfType *ta = *(const VgpuVfType *const *)a;
    const VgpuVfType *tb = *(const VgpuVfType *const *)b;

    /* natural order: nvidia-63 before nvidia-156 */
    if (strlen(ta->id) != strlen(tb->id))
        return strlen(ta->id) < strlen(tb->id) ? -1 : 1;
    return strcmp(ta->id, tb->id);
}

GPtrArray *
vgpu_pci_list_vf_gpus(VgpuContext *ctx, const VgpuConfig *config,
                      GError **error)
{
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GHashTable) gpus = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *result =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_vf_gpu_free);
    GHashTableIter iter;
    gpointer value;

    g_return_val_if_fail(ctx != NULL, NULL);

    names = vgpu_sriov_list_devices(ctx);
    for (guint i = 0; i < names->len; i++) {
        const char *vf = names->pdata[i];
        g_autofree char *pf = vgpu_sriov_physical_function(ctx, vf);
        guint current = 0;
        VgpuVfGpu *gpu;

        if (!pf)
            continue;
        if (vgpu_sriov_read_current_type(ctx, vf, &current)) {
            gpu = gpu_for(gpus, ctx, pf);
            gpu->vfs++;
            survey_nvidia_vf(ctx, gpu, vf, current);
        } else if (!vgpu_sriov_is_mdev_parent(ctx, vf) &&
                   vgpu_sriov_offers_plain_vfs(ctx, config, pf)) {
            g_autofree char *ids = vgpu_sriov_read_ids(ctx, vf);
            g_autofree char *id = g_strdup_printf("vf-%s", ids ? ids : "?");
            g_autoptr(VgpuRecord) record =
                vgpu_state_load_record(ctx, vf, NULL);
            VgpuVfType *type;

            gpu = gpu_for(gpus, ctx, pf);
            gpu->vfs++;
            type = gpu_type(gpu, id, NULL);
            if (record) {
                gpu->used++;
                type->used++;
            } else {
                type->free++;
            }
        }
    }
    g_hash_table_iter_init(&iter, gpus);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        VgpuVfGpu *gpu = value;
        g_ptr_array_sort(gpu->types, compare_vf_types);
        g_ptr_array_add(result, gpu);
    }
    g_ptr_array_sort(result, compare_gpus);
    return result;
}

const char *
vgpu_vf_gpu_get_address(const VgpuVfGpu *gpu)
{
    g_return_val_if_fail(gpu != NULL, NULL);
    return gpu->address;
}

VgpuDeviceClass
vgpu_vf_gpu_get_device_class(const VgpuVfGpu *gpu)
{
    g_return_val_if_fail(gpu != NULL, VGPU_DEVICE_CLASS_PLAIN_VF);
    return gpu->device_class;
}

const char *
vgpu_vf_gpu_get_ids(const VgpuVfGpu *gpu)
{
    g_return_val_if_fail(gpu != NULL, NULL);
    return gpu->ids;
}

guint
vgpu_vf_gpu_get_vfs(const VgpuVfGpu *gpu)
{
    g_return_val_if_fail(gpu != NULL, 0);
    return gpu->vfs;
}

guint
vgpu_vf_gpu_get_used(const VgpuVfGpu *gpu)
{
    g_return_val_if_fail(gpu != NULL, 0);
    return gpu->used;
}

GPtrArray *
vgpu_vf_gpu_get_types(const VgpuVfGpu *gpu)
{
    g_return_val_if_fail(gpu != NULL, NULL);
    return gpu->types;
}
