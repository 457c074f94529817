/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - discovery of parent devices, mdev types and mediated devices.
 *
 * Layout (kernel Documentation/driver-api/vfio-mediated-device.rst):
 *   sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/
 *       name (optional), description (optional), device_api,
 *       available_instances, create, devices/<uuid>
 *   sys/bus/mdev/devices/<uuid> -> .../<parent>/<uuid>
 *       mdev_type -> ../mdev_supported_types/<type>
 */
#include <libvgpu/vgpu-discovery.h>
#include <libvgpu/vgpu-pci.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-discovery-private.h"
#include "vgpu-sysfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct _VgpuMdevType {
    gint ref_count;
    char *id;
    char *parent;
    char *name;
    char *description;
    char *device_api;
    guint available_instances;
    guint active_instances;
    VgpuNvidiaType *nvidia;
};

struct _VgpuParent {
    gint ref_count;
    char *name;
    char *physical_function; /* PF of an SR-IOV VF parent, else NULL */
    GPtrArray *types;        /* VgpuMdevType, sorted by id */
};

struct _VgpuMdev {
    gint ref_count;
    char *uuid;
    char *parent;
    char *type_id;
};

/* --- VgpuMdevType --- */

VgpuMdevType *
vgpu_mdev_type_ref(VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    g_atomic_int_inc(&type->ref_count);
    return type;
}

void
vgpu_mdev_type_unref(VgpuMdevType *type)
{
    if (!type || !g_atomic_int_dec_and_test(&type->ref_count))
        return;
    g_free(type->id);
    g_free(type->parent);
    g_free(type->name);
    g_free(type->description);
    g_free(type->device_api);
    vgpu_nvidia_type_free(type->nvidia);
    g_free(type);
}

const char *
vgpu_mdev_type_get_id(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->id;
}

const char *
vgpu_mdev_type_get_parent_name(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->parent;
}

const char *
vgpu_mdev_type_get_name(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->name;
}

const char *
vgpu_mdev_type_get_description(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->description;
}

const char *
vgpu_mdev_type_get_device_api(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->device_api;
}

guint
vgpu_mdev_type_get_available_instances(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->available_instances;
}

guint
vgpu_mdev_type_get_active_instances(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->active_instances;
}

const VgpuNvidiaType *
vgpu_mdev_type_get_nvidia(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->nvidia;
}

/* Reads an optional attribute: absent → NULL without error. */
static gboolean
read_optional_attr(const char *dir, const char *attr, char **value,
                   GError **error)
{
    g_autofree char *path = g_build_filename(dir, attr, NULL);
    g_autoptr(GError) local = NULL;

    *value = vgpu_sysfs_read_attr(path, &local);
    if (*value || g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND))
        return TRUE;
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
}

/*
 * Reads one type directory. Returns NULL without error when the type (or
 * its parent) vanished meanwhile or is not a type directory.
 */
static VgpuMdevType *
read_type(VgpuContext *ctx, const char *parent, const char *type_id,
          GError **error)
{
    g_autofree char *dir = vgpu_sysfs_type_path(ctx, parent, type_id, NULL);
    g_autofree char *avail_path =
        g_build_filename(dir, "available_instances", NULL);
    g_autofree char *devices_path = g_build_filename(dir, "devices", NULL);
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(GError) local = NULL;
    VgpuMdevType *type;
    guint available = 0;

    if (!vgpu_sysfs_read_uint(avail_path, &available, &local)) {
        if (g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND))
            return NULL; /* vanished, or not an mdev type directory */
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }

    type = g_new0(VgpuMdevType, 1);
    type->ref_count = 1;
    type->id = g_strdup(type_id);
    type->parent = g_strdup(parent);
    type->available_instances = available;
    if (!read_optional_attr(dir, "name", &type->name, error) ||
        !read_optional_attr(dir, "description", &type->description, error) ||
        !read_optional_attr(dir, "device_api", &type->device_api, error)) {
        vgpu_mdev_type_unref(type);
        return NULL;
    }
    devices = vgpu_sysfs_list_dir(devices_path, NULL);
    type->active_instances = devices ? devices->len : 0;
    type->nvidia = vgpu_nvidia_type_new(type->name, type->description, NULL);
    return type;
}

/* Natural order of type ids: nvidia-63 before nvidia-156. */
static gint
compare_type_ids(gconstpointer a, gconstpointer b)
{
    const VgpuMdevType *ta = *(const VgpuMdevType *const *)a;
    const VgpuMdevType *tb = *(const VgpuMdevType *const *)b;

    return strverscmp(ta->id, tb->id);
}

/* --- VgpuParent --- */

VgpuParent *
vgpu_parent_ref(VgpuParent *parent)
{
    g_return_val_if_fail(parent != NULL, NULL);
    g_atomic_int_inc(&parent->ref_count);
    return parent;
}

void
vgpu_parent_unref(VgpuParent *parent)
{
    if (!parent || !g_atomic_int_dec_and_test(&parent->ref_count))
        return;
    g_free(parent->name);
    g_free(parent->physical_function);
    g_ptr_array_unref(parent->types);
    g_free(parent);
}

const char *
vgpu_parent_get_name(const VgpuParent *parent)
{
    g_return_val_if_fail(parent != NULL, NULL);
    return parent->name;
}

const char *
vgpu_parent_get_physical_function(const VgpuParent *parent)
{
    g_return_val_if_fail(parent != NULL, NULL);
    return parent->physical_function;
}

const char *
vgpu_parent_get_gpu(const VgpuParent *parent)
{
    g_return_val_if_fail(parent != NULL, NULL);
    return parent->physical_function ? parent->physical_function : parent->name;
}

GPtrArray *
vgpu_parent_get_types(const VgpuParent *parent)
{
    g_return_val_if_fail(parent != NULL, NULL);
    return parent->types;
}

VgpuMdevType *
vgpu_parent_find_type(const VgpuParent *parent, const char *type_id)
{
    g_return_val_if_fail(parent != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);

    for (guint i = 0; i < parent->types->len; i++) {
        VgpuMdevType *type = g_ptr_array_index(parent->types, i);
        if (g_str_equal(type->id, type_id))
            return type;
    }
    return NULL;
}

/*
 * The physical function of parent @name when it is an SR-IOV virtual
 * function: the `physfn` link of its PCI device (kernel
 * drivers/pci/iov.c, pci_iov_sysfs_link()) names the PF, e.g.
 * "../0000:3d:00.0". NVIDIA GPUs of the Ampere generation with vGPU
 * drivers before 17 (or kernels before 6.8) register every VF as an mdev
 * parent with one instance each; capacity belongs to the GPU (the PF).
 * NULL for any other parent, or a link that does not name a PCI address.
 */
static char *
read_physical_function(VgpuContext *ctx, const char *name)
{
    g_autofree char *link = g_build_filename(
        vgpu_context_get_root(ctx), VGPU_SYSFS_MDEV_BUS, name, "physfn", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_autofree char *pf = target ? g_path_get_basename(target) : NULL;

    return pf && vgpu_pci_address_is_valid(pf) ? g_steal_pointer(&pf) : NULL;
}

static VgpuParent *
parent_new(const char *name)
{
    VgpuParent *parent = g_new0(VgpuParent, 1);

    parent->ref_count = 1;
    parent->name = g_strdup(name);
    parent->types =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_mdev_type_unref);
    return parent;
}

/*
 * Reads @name with all its types (@only_type NULL) or just @only_type.
 * Returns NULL without error when the parent vanished or (with
 * @only_type) does not offer the type.
 */
static VgpuParent *
read_parent(VgpuContext *ctx, const char *name, const char *only_type,
            GError **error)
{
    g_autoptr(VgpuParent) parent = parent_new(name);
    g_autoptr(GPtrArray) type_ids = NULL;

    if (only_type) {
        type_ids = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(type_ids, g_strdup(only_type));
    } else {
        g_autofree char *dir = vgpu_sysfs_type_path(ctx, name, "", NULL);
        type_ids = vgpu_sysfs_list_dir(dir, error);
        if (!type_ids)
            return NULL;
    }

    for (guint i = 0; i < type_ids->len; i++) {
        const char *type_id = g_ptr_array_index(type_ids, i);
        g_autoptr(GError) local = NULL;
        VgpuMdevType *type = read_type(ctx, name, type_id, &local);

        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        if (type)
            g_ptr_array_add(parent->types, type);
    }
    /* No readable type: the parent vanished (or never finished
     * registering); mdev_bus parents always offer at least one type. */
    if (parent->types->len == 0)
        return NULL;
    g_ptr_array_sort(parent->types, compare_type_ids);
    parent->physical_function = read_physical_function(ctx, name);
    return g_steal_pointer(&parent);
}

static GPtrArray *
list_parents(VgpuContext *ctx, const char *only_type, GError **error)
{
    g_autofree char *bus = vgpu_context_build_path(ctx, VGPU_SYSFS_MDEV_BUS);
    g_autoptr(GPtrArray) names = vgpu_sysfs_list_dir(bus, error);
    g_autoptr(GPtrArray) parents = NULL;

    if (!names)
        return NULL;
    parents = g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_parent_unref);
    for (guint i = 0; i < names->len; i++) {
        g_autoptr(GError) local = NULL;
        VgpuParent *parent =
            read_parent(ctx, g_ptr_array_index(names, i), only_type, &local);
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        if (parent)
            g_ptr_array_add(parents, parent);
    }
    return g_steal_pointer(&parents);
}

GPtrArray *
vgpu_discovery_list_parents(VgpuContext *ctx, GError **error)
{
    g_return_val_if_fail(ctx != NULL, NULL);
    return list_parents(ctx, NULL, error);
}

GPtrArray *
vgpu_discovery_list_parents_for_type(VgpuContext *ctx, const char *type_id,
                                     GError **error)
{
    g_return_val_if_fail(ctx != NULL, NULL);

    if (!vgpu_name_check("mdev type", type_id, error))
        return NULL;
    return list_parents(ctx, type_id, error);
}

/* @name with all its types (@only_type NULL) or just @only_type; a
 * NOT_FOUND error names what is missing. */
static VgpuParent *
get_parent(VgpuContext *ctx, const char *name, const char *only_type,
           GError **error)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) local = NULL;
    gboolean exists;
    VgpuParent *parent;

    if (!vgpu_name_check("parent device", name, error) ||
        (only_type && !vgpu_name_check("mdev type", only_type, error)))
        return NULL;
    path = g_build_filename(vgpu_context_get_root(ctx), VGPU_SYSFS_MDEV_BUS,
                            name, NULL);
    exists = g_file_test(path, G_FILE_TEST_IS_DIR);
    parent = exists ? read_parent(ctx, name, only_type, &local) : NULL;
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    if (!parent && exists && only_type) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" offers no mdev type \"%s\"; "
                    "'vgpuctl types --parent %s' lists its types",
                    name, only_type, name);
        return NULL;
    }
    if (!parent) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device \"%s\" in %s; 'vgpuctl types' lists "
                    "the parent devices of this host",
                    name, VGPU_SYSFS_MDEV_BUS);
        return NULL;
    }
    return parent;
}

VgpuParent *
vgpu_discovery_get_parent(VgpuContext *ctx, const char *name, GError **error)
{
    g_return_val_if_fail(ctx != NULL, NULL);
    return get_parent(ctx, name, NULL, error);
}

VgpuParent *
vgpu_discovery_get_parent_for_type(VgpuContext *ctx, const char *name,
                                   const char *type_id, GError **error)
{
    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);
    return get_parent(ctx, name, type_id, error);
}

/* --- VgpuMdev --- */

VgpuMdev *
vgpu_mdev_ref(VgpuMdev *mdev)
{
    g_return_val_if_fail(mdev != NULL, NULL);
    g_atomic_int_inc(&mdev->ref_count);
    return mdev;
}

void
vgpu_mdev_unref(VgpuMdev *mdev)
{
    if (!mdev || !g_atomic_int_dec_and_test(&mdev->ref_count))
        return;
    g_free(mdev->uuid);
    g_free(mdev->parent);
    g_free(mdev->type_id);
    g_free(mdev);
}

const char *
vgpu_mdev_get_uuid(const VgpuMdev *mdev)
{
    g_return_val_if_fail(mdev != NULL, NULL);
    return mdev->uuid;
}

const char *
vgpu_mdev_get_parent_name(const VgpuMdev *mdev)
{
    g_return_val_if_fail(mdev != NULL, NULL);
    return mdev->parent;
}

const char *
vgpu_mdev_get_type_id(const VgpuMdev *mdev)
{
    g_return_val_if_fail(mdev != NULL, NULL);
    return mdev->type_id;
}

/*
 * Reads one device. Returns NULL without error when it vanished; a device
 * directory that cannot be resolved for another reason is an error.
 */
static VgpuMdev *
read_mdev(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autofree char *link = vgpu_sysfs_device_path(ctx, uuid, NULL);
    g_autofree char *type_link = g_build_filename(link, "mdev_type", NULL);
    g_autofree char *real = realpath(link, NULL);
    g_autofree char *type_target = NULL;
    g_autofree char *parent_dir = NULL;
    VgpuMdev *mdev;

    if (!real) {
        if (errno == ENOENT)
            return NULL;
        vgpu_set_system_error(error, errno, "resolve", link);
        return NULL;
    }
    type_target = g_file_read_link(type_link, NULL);
    if (!type_target)
        return NULL; /* vanished between the two calls */

    parent_dir = g_path_get_dirname(real);
    mdev = g_new0(VgpuMdev, 1);
    mdev->ref_count = 1;
    mdev->uuid = g_strdup(uuid);
    mdev->parent = g_path_get_basename(parent_dir);
    mdev->type_id = g_path_get_basename(type_target);
    return mdev;
}

GPtrArray *
vgpu_discovery_list_mdevs(VgpuContext *ctx, GError **error)
{
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) uuids = NULL;
    g_autoptr(GPtrArray) mdevs = NULL;

    g_return_val_if_fail(ctx != NULL, NULL);

    dir = vgpu_context_build_path(ctx, VGPU_SYSFS_MDEV_DEVICES);
    uuids = vgpu_sysfs_list_dir(dir, error);
    if (!uuids)
        return NULL;
    mdevs = g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_mdev_unref);
    for (guint i = 0; i < uuids->len; i++) {
        const char *uuid = g_ptr_array_index(uuids, i);
        g_autoptr(GError) local = NULL;
        VgpuMdev *mdev;

        if (!vgpu_uuid_is_valid(uuid))
            continue;
        mdev = read_mdev(ctx, uuid, &local);
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        if (mdev)
            g_ptr_array_add(mdevs, mdev);
    }
    return g_steal_pointer(&mdevs);
}

VgpuMdev *
vgpu_discovery_get_mdev(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autoptr(GError) local = NULL;
    VgpuMdev *mdev;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!vgpu_uuid_check(uuid, error))
        return NULL;
    mdev = read_mdev(ctx, uuid, &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    if (!mdev) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no mediated device %s in %s", uuid,
                    VGPU_SYSFS_MDEV_DEVICES);
    }
    return mdev;
}

/* --- dry-run placements (vgpu-discovery-private.h) --- */

void
vgpu_discovery_take_instance(GPtrArray *parents, const char *parent,
                             const char *type_id)
{
    const char *gpu = parent;

    g_return_if_fail(parents != NULL);

    for (guint i = 0; i < parents->len; i++) {
        if (g_str_equal(((VgpuParent *)parents->pdata[i])->name, parent))
            gpu = vgpu_parent_get_gpu(parents->pdata[i]);
    }
    for (guint i = 0; i < parents->len; i++) {
        VgpuParent *candidate = parents->pdata[i];
        gboolean same = g_str_equal(candidate->name, parent);

        if (!same && !g_str_equal(vgpu_parent_get_gpu(candidate), gpu))
            continue;
        for (guint t = 0; t < candidate->types->len; t++) {
            VgpuMdevType *type = candidate->types->pdata[t];

            if (same && g_str_equal(type->id, type_id)) {
                type->available_instances -= type->available_instances > 0;
                type->active_instances++;
            } else if (type->nvidia && !g_str_equal(type->id, type_id)) {
                type->available_instances = 0;
            }
        }
    }
}
