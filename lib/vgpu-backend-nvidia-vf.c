/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the NVIDIA vendor-specific VFIO backend (NVIDIA vGPU 17+ on
 * kernel >= 6.8): a vGPU is an SR-IOV VF of an NVIDIA GPU whose
 * nvidia/current_vgpu_type holds a type id; writing the id creates it,
 * writing 0 destroys it, and the VF (still bound to the NVIDIA driver)
 * goes to QEMU as a PCI device (DESIGN.md "Device classes";
 * ../shared/research/vf-vgpu.md A3: Proxmox qemu-server Mdev.pm
 * pre-checks the creatable list and reads the type back; the driver may
 * refuse 0 for a while after QEMU closes the VF, so it is retried).
 */
#include <libvgpu/vgpu-pci.h>

#include "vgpu-backend.h"
#include "vgpu-sriov.h"
#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <errno.h>
#include <string.h>

static gboolean
vf_exists(VgpuContext *ctx, const char *id)
{
    guint current = 0;

    return vgpu_pci_address_is_valid(id) &&
           vgpu_sriov_read_current_type(ctx, id, &current) && current != 0;
}

static VgpuBackendDevice *
device_of(VgpuContext *ctx, const char *id, guint current)
{
    VgpuBackendDevice *device = g_new0(VgpuBackendDevice, 1);
    char *pf = vgpu_sriov_physical_function(ctx, id);

    device->id = g_strdup(id);
    device->parent = pf ? pf : g_strdup(id);
    device->gpu = g_strdup(device->parent);
    device->type_id = g_strdup_printf("nvidia-%u", current);
    return device;
}

static VgpuBackendDevice *
vf_get_device(VgpuContext *ctx, const char *id, GError **error)
{
    guint current = 0;

    if (!vgpu_sriov_check_address(id, error))
        return NULL;
    if (!vgpu_sriov_read_current_type(ctx, id, &current) || current == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "virtual function %s holds no NVIDIA vGPU", id);
        return NULL;
    }
    return device_of(ctx, id, current);
}

static GPtrArray *
vf_list_devices(VgpuContext *ctx, GError **error)
{
    g_autoptr(GPtrArray) names = vgpu_sriov_list_devices(ctx);
    GPtrArray *devices = g_ptr_array_new_with_free_func(
        (GDestroyNotify)vgpu_backend_device_free);

    for (guint i = 0; i < names->len; i++) {
        guint current = 0;

        if (vgpu_sriov_read_current_type(ctx, names->pdata[i], &current) &&
            current != 0)
            g_ptr_array_add(devices, device_of(ctx, names->pdata[i], current));
    }
    return devices;
}

/* Does @types (from creatable_vgpu_types) list @id? Its name, or NULL. */
static const char *
find_type(GPtrArray *types, guint id)
{
    for (guint i = 0; types && i < types->len; i++) {
        const VgpuSriovType *type = types->pdata[i];
        if (type->id == id)
            return type->name;
    }
    return NULL;
}

/*
 * The GPUs (PFs) with a free VF that can create @id now, joined, with the
 * type's name in *@name when some VF lists it; "" when none. Reads every
 * NVIDIA VF's list: refusals only.
 */
static char *
gpus_that_can_create(VgpuContext *ctx, guint id, char **name)
{
    g_autoptr(GPtrArray) names = vgpu_sriov_list_devices(ctx);
    g_autoptr(GPtrArray) gpus = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < names->len; i++) {
        const char *vf = names->pdata[i];
        g_autoptr(GPtrArray) types = vgpu_sriov_read_creatable(ctx, vf);
        g_autofree char *pf = NULL;
        const char *type_name = find_type(types, id);

        if (!type_name)
            continue;
        if (!*name)
            *name = g_strdup(type_name);
        pf = vgpu_sriov_physical_function(ctx, vf);
        if (pf &&
            !g_ptr_array_find_with_equal_func(gpus, pf, g_str_equal, NULL))
            g_ptr_array_add(gpus, g_steal_pointer(&pf));
    }
    g_ptr_array_add(gpus, NULL);
    return g_strjoinv(", ", (char **)gpus->pdata);
}

static char *
vf_place(VgpuContext *ctx, const VgpuRequest *request, const VgpuConfig *config,
         GHashTable *users, GPtrArray *planned, char **why, GError **error)
{
    const char *vf = vgpu_request_get_device_id(request);
    const char *type_id = vgpu_request_get_type_id(request);
    guint id = vgpu_sriov_type_number(type_id);
    g_autofree char *pf = NULL;
    g_autoptr(GPtrArray) types = NULL;
    g_autofree char *others = NULL;
    g_autofree char *type_name = NULL;
    g_autofree char *label = NULL;
    g_autofree char *way_out = NULL;
    const char *used_by;

    if (!vgpu_sriov_check_address(vf, error))
        return NULL;
    if (!vgpu_sriov_device_exists(ctx, vf)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "virtual function %s does not exist on this host (are "
                    "the GPU's VFs enabled, e.g. with NVIDIA's sriov-manage "
                    "-e?); 'vgpuctl move DOMAIN' pins the request to a "
                    "free VF of this host ('vgpuctl start DOMAIN' moves "
                    "and starts)",
                    vf);
        return NULL;
    }
    pf = vgpu_sriov_physical_function(ctx, vf);
    if (!pf) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not an SR-IOV virtual function (no physfn); "
                    "NVIDIA vGPUs of type %s live on the VFs of a GPU, not "
                    "on the GPU itself",
                    vf, type_id);
        return NULL;
    }
    if (!vgpu_sriov_has_nvidia(ctx, vf)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "virtual function %s has no nvidia/current_vgpu_type: "
                    "it is not a VF of an NVIDIA GPU run by the vGPU "
                    "manager 17+ on kernel 6.8 or later; check "
                    "'vgpuctl check'",
                    vf);
        return NULL;
    }
    types = vgpu_sriov_read_creatable(ctx, vf);
    if (find_type(types, id)) {
        if (why)
            *why = g_strdup_printf("pinned VF: it lists %s in "
                                   "creatable_vgpu_types now",
                                   type_id);
        return g_steal_pointer(&pf);
    }

    others = gpus_that_can_create(ctx, id, &type_name);
    label = type_name ? g_strdup_printf("%s (%s)", type_id, type_name)
                      : g_strdup(type_id);
    used_by = users ? g_hash_table_lookup(users, pf) : NULL;
    way_out = type_name
                  ? g_strdup_printf("GPUs that can: %s; 'vgpuctl move "
                                    "DOMAIN' moves the request to a free VF "
                                    "of one of them ('vgpuctl start DOMAIN' "
                                    "moves and starts), or stop a domain "
                                    "using this GPU",
                                    others)
                  : g_strdup("no GPU of this host can; stop a domain using "
                             "one, or check the type with 'vgpuctl types'");
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY,
                "virtual function %s of GPU %s cannot create type %s "
                "now%s%s%s; %s",
                vf, pf, label, used_by ? " (GPU used by " : "",
                used_by ? used_by : "", used_by ? ")" : "", way_out);
    return NULL;
}

static gboolean
vf_create(VgpuContext *ctx, const char *parent, const char *type_id,
          const char *id, GError **error)
{
    guint wanted = vgpu_sriov_type_number(type_id);
    guint current = 0;
    int errsv;

    if (!vgpu_sriov_check_address(id, error))
        return FALSE;
    errsv = vgpu_sriov_write_current_type(ctx, id, wanted);
    if (errsv != 0) {
        g_set_error(error, VGPU_ERROR,
                    errsv == EBUSY    ? VGPU_ERROR_BUSY
                    : errsv == EINVAL ? VGPU_ERROR_NO_CAPACITY
                                      : VGPU_ERROR_SYSTEM,
                    "the NVIDIA driver refused type %s on virtual function "
                    "%s of GPU %s (%s); 'vgpuctl types' shows what the GPU "
                    "can create now",
                    type_id, id, parent, g_strerror(errsv));
        return FALSE;
    }
    if (!vgpu_sriov_read_current_type(ctx, id, &current) || current != wanted) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "virtual function %s reads type %u after %u was "
                    "written; check the NVIDIA driver's kernel log (dmesg)",
                    id, current, wanted);
        return FALSE;
    }
    return TRUE;
}

static gboolean
vf_request_remove(VgpuContext *ctx, const char *id, GError **error)
{
    int errsv;

    if (!vgpu_sriov_check_address(id, error))
        return FALSE;
    errsv = vgpu_sriov_write_current_type(ctx, id, 0);
    if (errsv == 0)
        return TRUE;
    /* The driver refuses while QEMU still holds the VF; EPERM has been
     * seen right after shutdown too (research A3): retried. */
    g_set_error(error, VGPU_ERROR,
                errsv == ENOENT || errsv == ENODEV ? VGPU_ERROR_NOT_FOUND
                : errsv == EBUSY || errsv == EPERM ? VGPU_ERROR_BUSY
                                                   : VGPU_ERROR_SYSTEM,
                "cannot reset virtual function %s to no vGPU: %s", id,
                g_strerror(errsv));
    return FALSE;
}

static gboolean
vf_wait_gone(VgpuContext *ctx, const char *id, gint64 deadline)
{
    return vgpu_sysfs_wait_gone(ctx, id, vf_exists, deadline);
}

const VgpuBackend vgpu_backend_nvidia_vf = {
    .version = VGPU_BACKEND_VERSION,
    .device_class = VGPU_DEVICE_CLASS_NVIDIA_VF,
    .device_noun = "NVIDIA vGPU", /* on the VF named by its address */
    .remove_verb = "removed",
    .claims = FALSE,
    .place = vf_place,
    .check_capacity = NULL,
    .check_id = vgpu_sriov_check_address,
    .exists = vf_exists,
    .get_device = vf_get_device,
    .list_devices = vf_list_devices,
    .create = vf_create,
    .request_remove = vf_request_remove,
    .wait_gone = vf_wait_gone,
};
