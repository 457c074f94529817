/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - placement of VF-backed requests: a request pins one VF
 * (libvirt reads the hostdev address before any hook runs), so the GPU and
 * the VF are chosen when the request is written (DESIGN.md "Device
 * classes"). Reads the SR-IOV topology and NVIDIA's per-VF files once.
 */
#include <libvgpu/vgpu-alloc.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-sriov.h"
#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <string.h>

/* What one GPU (PF) can offer for the requested type. */
typedef struct {
    char *name;      /* the PF */
    GPtrArray *free; /* VF addresses that can take the type now */
    guint used;      /* VFs holding a vGPU or claimed */
    gboolean holds;  /* a VF holds this very type (NVIDIA) */
} GpuOffer;

static void
gpu_offer_free(GpuOffer *offer)
{
    g_free(offer->name);
    g_ptr_array_unref(offer->free);
    g_free(offer);
}

static GpuOffer *
offer_for(GPtrArray *offers, const char *pf)
{
    GpuOffer *offer;

    for (guint i = 0; i < offers->len; i++) {
        offer = offers->pdata[i];
        if (g_str_equal(offer->name, pf))
            return offer;
    }
    offer = g_new0(GpuOffer, 1);
    offer->name = g_strdup(pf);
    offer->free = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(offers, offer);
    return offer;
}

/* Does @types (creatable_vgpu_types) list @id? */
static gboolean
lists_type(GPtrArray *types, guint id)
{
    for (guint i = 0; types && i < types->len; i++) {
        if (((const VgpuSriovType *)types->pdata[i])->id == id)
            return TRUE;
    }
    return FALSE;
}

/* Counts VF @vf of GPU @pf into @offers for @type_id. */
static void
survey_vf(VgpuContext *ctx, const VgpuConfig *config, GPtrArray *offers,
          const char *pf, const char *vf, const char *type_id,
          VgpuDeviceClass device_class, GHashTable *taken)
{
    g_autoptr(VgpuRecord) record = vgpu_state_load_record(ctx, vf, NULL);
    gboolean busy = record || (taken && g_hash_table_contains(taken, vf));

    if (device_class == VGPU_DEVICE_CLASS_NVIDIA_VF) {
        guint id = vgpu_sriov_type_number(type_id);
        guint current = 0;
        g_autoptr(GPtrArray) types = NULL;
        GpuOffer *offer;

        if (!vgpu_sriov_read_current_type(ctx, vf, &current))
            return; /* not an NVIDIA vGPU VF */
        offer = offer_for(offers, pf);
        if (current != 0 || busy) {
            offer->used++;
            offer->holds |= current == id;
            return;
        }
        types = vgpu_sriov_read_creatable(ctx, vf);
        if (lists_type(types, id))
            g_ptr_array_add(offer->free, g_strdup(vf));
    } else {
        g_autofree char *ids = vgpu_sriov_read_ids(ctx, vf);
        GpuOffer *offer;

        if (!ids || !g_str_equal(ids, type_id + strlen("vf-")) ||
            vgpu_sriov_is_mdev_parent(ctx, vf) ||
            !vgpu_sriov_offers_plain_vfs(ctx, config, pf))
            return;
        offer = offer_for(offers, pf);
        if (busy)
            offer->used++;
        else
            g_ptr_array_add(offer->free, g_strdup(vf));
    }
}

/* Pack: GPUs holding the type first, then most used; spread: fewest
 * used. Ties by name. */
static gint
compare_offers(gconstpointer a, gconstpointer b, gpointer data)
{
    const GpuOffer *oa = *(const GpuOffer *const *)a;
    const GpuOffer *ob = *(const GpuOffer *const *)b;
    VgpuPlacementPolicy policy = GPOINTER_TO_INT(data);

    if (policy == VGPU_PLACEMENT_PACK) {
        if (oa->holds != ob->holds)
            return oa->holds ? -1 : 1;
        if (oa->used != ob->used)
            return oa->used > ob->used ? -1 : 1;
    } else if (oa->used != ob->used) {
        return oa->used < ob->used ? -1 : 1;
    }
    return strcmp(oa->name, ob->name);
}

/* Surveys every allowed GPU's VFs for @type_id into @offers. */
static void
survey(VgpuContext *ctx, const char *type_id, const char *gpu,
       VgpuDeviceClass device_class, const VgpuConfig *config,
       GHashTable *taken, GPtrArray *offers)
{
    g_autoptr(GPtrArray) names = vgpu_sriov_list_devices(ctx);

    for (guint i = 0; i < names->len; i++) {
        const char *vf = names->pdata[i];
        g_autofree char *pf = vgpu_sriov_physical_function(ctx, vf);

        if (!pf || (gpu && !g_str_equal(pf, gpu)) ||
            !vgpu_config_is_parent_allowed(config, pf))
            continue;
        survey_vf(ctx, config, offers, pf, vf, type_id, device_class, taken);
    }
}

guint
vgpu_alloc_count_free_vfs(VgpuContext *ctx, const char *type_id,
                          const VgpuConfig *config)
{
    g_autoptr(GPtrArray) offers =
        g_ptr_array_new_with_free_func((GDestroyNotify)gpu_offer_free);
    VgpuDeviceClass device_class;
    guint count = 0;

    g_return_val_if_fail(ctx != NULL, 0);
    g_return_val_if_fail(config != NULL, 0);

    if (!vgpu_request_type_is_vf(type_id, &device_class))
        return 0;
    survey(ctx, type_id, NULL, device_class, config, NULL, offers);
    for (guint i = 0; i < offers->len; i++)
        count += ((GpuOffer *)offers->pdata[i])->free->len;
    return count;
}

char *
vgpu_alloc_choose_vf(VgpuContext *ctx, const char *type_id, const char *gpu,
                     const VgpuConfig *config, GHashTable *taken,
                     GError **error)
{
    g_autoptr(GPtrArray) offers =
        g_ptr_array_new_with_free_func((GDestroyNotify)gpu_offer_free);
    g_autoptr(GPtrArray) candidates = g_ptr_array_new();
    g_autofree char *quoted = vgpu_text_quote(type_id);
    VgpuDeviceClass device_class;
    GpuOffer *chosen;

    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(config != NULL, NULL);

    if (!vgpu_request_type_is_vf(type_id, &device_class)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not a type for a virtual function: expected "
                    "nvidia-<id> or vf-<vendor>:<device>",
                    quoted);
        return NULL;
    }
    if (gpu && !vgpu_sriov_check_address(gpu, error))
        return NULL;

    survey(ctx, type_id, gpu, device_class, config, taken, offers);
    for (guint i = 0; i < offers->len; i++) {
        GpuOffer *offer = offers->pdata[i];
        if (offer->free->len > 0)
            g_ptr_array_add(candidates, offer);
    }
    if (candidates->len == 0) {
        g_set_error(
            error, VGPU_ERROR,
            offers->len == 0 ? VGPU_ERROR_NOT_FOUND : VGPU_ERROR_NO_CAPACITY,
            offers->len == 0 ? "no virtual function of %s%s offers type %s; "
                               "'vgpuctl types' lists what this host offers%s"
                             : "no free virtual function of %s%s can take type "
                               "%s now (every one is in use, claimed by a "
                               "defined domain, or its GPU is full); stop or "
                               "detach a domain using one",
            gpu ? "GPU " : "this host", gpu ? gpu : "", quoted,
            offers->len == 0 && device_class == VGPU_DEVICE_CLASS_PLAIN_VF
                ? " (the VFs of a PF that is not a display controller "
                  "count only when plain_vf_pfs in libvgpu.conf names "
                  "the PF)"
                : "");
        return NULL;
    }
    g_ptr_array_sort_with_data(
        candidates, compare_offers,
        GINT_TO_POINTER(vgpu_config_get_placement(config)));
    chosen = candidates->pdata[0];
    g_ptr_array_sort(chosen->free, vgpu_compare_names);
    return g_strdup(chosen->free->pdata[0]);
}
