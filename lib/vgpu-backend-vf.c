/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the plain SR-IOV VF backend (AMD MxGPU, Intel SR-IOV GPUs): a
 * VF of a GPU is passed through as it is; nothing is programmed, and
 * libvirt binds vfio-pci (`managed='yes'`). A domain claims the VF with its
 * ownership record, so that listings and placement know whose it is
 * (DESIGN.md "Device classes"; ../shared/research/vf-vgpu.md C, D: GIM
 * creates the VFs, one VF is the unit; Cloudpods' AMDVgpuPFs).
 */
#include <libvgpu/vgpu-pci.h>

#include "vgpu-backend.h"
#include "vgpu-sriov.h"

#include <string.h>

static gboolean
vf_present(VgpuContext *ctx, const char *id)
{
    return vgpu_pci_address_is_valid(id) && vgpu_sriov_device_exists(ctx, id);
}

static VgpuBackendDevice *
vf_get_device(VgpuContext *ctx, const char *id, GError **error)
{
    g_autofree char *ids = NULL;
    VgpuBackendDevice *device;

    if (!vgpu_sriov_check_address(id, error))
        return NULL;
    ids = vgpu_sriov_read_ids(ctx, id);
    if (!vgpu_sriov_device_exists(ctx, id) || !ids) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no PCI device %s on this host", id);
        return NULL;
    }
    device = g_new0(VgpuBackendDevice, 1);
    device->id = g_strdup(id);
    device->parent = vgpu_sriov_physical_function(ctx, id);
    if (!device->parent)
        device->parent = g_strdup(id);
    device->gpu = g_strdup(device->parent);
    device->type_id = g_strdup_printf("vf-%s", ids);
    return device;
}

/* Nothing is instantiated: the users of a VF are its records. */
static GPtrArray *
vf_list_devices(VgpuContext *ctx, GError **error)
{
    return g_ptr_array_new_with_free_func(
        (GDestroyNotify)vgpu_backend_device_free);
}

static char *
vf_place(VgpuContext *ctx, const VgpuRequest *request, const VgpuConfig *config,
         GHashTable *users, GPtrArray *planned, char **why, GError **error)
{
    const char *vf = vgpu_request_get_device_id(request);
    const char *type_id = vgpu_request_get_type_id(request);
    g_autoptr(VgpuBackendDevice) device = NULL;
    g_autofree char *pf = NULL;

    if (!vgpu_sriov_check_address(vf, error))
        return NULL;
    device = vf_get_device(ctx, vf, error);
    if (!device)
        return NULL;
    pf = vgpu_sriov_physical_function(ctx, vf);
    if (!pf) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not an SR-IOV virtual function (no physfn); a "
                    "request of type %s names one VF of a GPU, not the "
                    "GPU itself",
                    vf, type_id);
        return NULL;
    }
    if (vgpu_sriov_is_mdev_parent(ctx, vf)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "virtual function %s of GPU %s is an mdev parent: its "
                    "vGPUs are mediated devices ('vgpuctl types' lists their "
                    "types), it is not handed out whole as %s",
                    vf, pf, type_id);
        return NULL;
    }
    if (!vgpu_sriov_offers_plain_vfs(ctx, config, pf)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "%s is a virtual function of %s, which is not a display "
                    "controller (PCI class 0x03) and not named in "
                    "plain_vf_pfs; add plain_vf_pfs=%s to [libvgpu] in "
                    "/etc/libvgpu/libvgpu.conf to hand its VFs to domains",
                    vf, pf, pf);
        return NULL;
    }
    if (!g_str_equal(device->type_id, type_id)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "virtual function %s of GPU %s is %s, not %s as "
                    "requested; 'vgpuctl types' lists this host's VFs",
                    vf, pf, device->type_id, type_id);
        return NULL;
    }
    if (why)
        *why = g_strdup_printf("pinned VF: it is a %s", type_id);
    return g_steal_pointer(&pf);
}

/* The claim is the record: the VF only has to be there. */
static gboolean
vf_create(VgpuContext *ctx, const char *parent, const char *type_id,
          const char *id, GError **error)
{
    if (vf_present(ctx, id))
        return TRUE;
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                "virtual function %s of GPU %s vanished", id, parent);
    return FALSE;
}

static gboolean
vf_request_remove(VgpuContext *ctx, const char *id, GError **error)
{
    return TRUE; /* nothing to undo: libvirt rebinds the VF itself */
}

static gboolean
vf_wait_gone(VgpuContext *ctx, const char *id, gint64 deadline)
{
    return TRUE;
}

const VgpuBackend vgpu_backend_plain_vf = {
    .version = VGPU_BACKEND_VERSION,
    .device_class = VGPU_DEVICE_CLASS_PLAIN_VF,
    .device_noun = "virtual function",
    .remove_verb = "released",
    .claims = TRUE,
    .place = vf_place,
    .check_capacity = NULL,
    .check_id = vgpu_sriov_check_address,
    .exists = vf_present,
    .get_device = vf_get_device,
    .list_devices = vf_list_devices,
    .create = vf_create,
    .request_remove = vf_request_remove,
    .wait_gone = vf_wait_gone,
};
