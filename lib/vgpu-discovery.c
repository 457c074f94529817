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
#include "vgpu-parallel.h"
#include "vgpu-sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * What the types of one lazy snapshot (vgpu_discovery_list_offers())
 * share: where to read, and whether the host has any mediated device at
 * all (one listing of sys/bus/mdev/devices answers "holds none" for every
 * type at once).
 */
typedef struct {
    gint ref_count;
    VgpuContext *ctx;
    char *bus;          /* <root>/sys/class/mdev_bus */
    int host_has_mdevs; /* -1 not known yet, 0 none, 1 some */
} LazySource;

/* What a lazy type has read so far. */
enum {
    LOADED_ACTIVE = 1 << 0,   /* active_instances */
    LOADED_METADATA = 1 << 1, /* name, description, device_api, nvidia */
    LOADED_ALL = LOADED_ACTIVE | LOADED_METADATA,
};

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
    guint loaded;       /* LOADED_*: all but in lazy snapshots */
    LazySource *lazy;   /* NULL once everything is loaded */
    gboolean one_block; /* id and parent in the struct's block */
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

/* --- lazy types (vgpu-discovery-private.h) --- */

static void
lazy_source_unref(LazySource *source)
{
    if (!source || !g_atomic_int_dec_and_test(&source->ref_count))
        return;
    vgpu_context_unref(source->ctx);
    g_free(source->bus);
    g_free(source);
}

typedef struct {
    gint count;
    gint limit;
} EntryCount;

static gboolean
count_entry(const char *name G_GNUC_UNUSED, gpointer data)
{
    EntryCount *counting = data;

    return ++counting->count < counting->limit;
}

/* Entries of directory @path but "." and "..", counted up to @limit
 * (at least 1); -1 when it cannot be read (absent, vanished). */
static gint
count_entries(const char *path, gint limit)
{
    EntryCount counting = {0, limit};

    if (vgpu_sysfs_scan_dir(path, count_entry, &counting) != 0 &&
        counting.count == 0)
        return -1;
    return counting.count;
}

/* Whether sys/bus/mdev/devices lists any mediated device (or cannot be
 * listed); when it lists none, no type's devices/ needs listing. */
static gboolean
host_has_mdevs(VgpuContext *ctx)
{
    g_autofree char *all =
        vgpu_context_build_path(ctx, VGPU_SYSFS_MDEV_DEVICES);

    return count_entries(all, 1) != 0;
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

/* <bus>/<parent>/mdev_supported_types/<id> of lazy @type (its source set). */
static char *
lazy_type_dir(const VgpuMdevType *type)
{
    return g_strconcat(type->lazy->bus, G_DIR_SEPARATOR_S, type->parent,
                       "/mdev_supported_types/", type->id, NULL);
}

/*
 * Reads what a getter of a lazy type needs (@what, LOADED_*), once. Unlike
 * a snapshot, an attribute that cannot be read is left absent instead of
 * failing: only messages ask for metadata, and an unreadable attribute of
 * one parent must not refuse a start that goes elsewhere.
 */
static void
type_load(const VgpuMdevType *type, guint what)
{
    VgpuMdevType *self = (VgpuMdevType *)type; /* a cache, filled once */
    LazySource *source = self->lazy;
    g_autofree char *dir = NULL;

    what &= ~self->loaded;
    if (!what || !source)
        return;
    if ((what & LOADED_ACTIVE) && source->host_has_mdevs < 0)
        source->host_has_mdevs = host_has_mdevs(source->ctx);
    dir = what == LOADED_ACTIVE && !source->host_has_mdevs
              ? NULL /* no device anywhere: nothing to list */
              : lazy_type_dir(self);
    if ((what & LOADED_ACTIVE) && source->host_has_mdevs) {
        g_autofree char *devices = g_strconcat(dir, "/devices", NULL);

        /* += : a dry run may have counted planned devices already */
        self->active_instances += MAX(count_entries(devices, G_MAXINT), 0);
    }
    if (what & LOADED_METADATA) {
        read_optional_attr(dir, "name", &self->name, NULL);
        read_optional_attr(dir, "description", &self->description, NULL);
        read_optional_attr(dir, "device_api", &self->device_api, NULL);
        self->nvidia =
            vgpu_nvidia_type_new(self->name, self->description, NULL);
    }
    self->loaded |= what;
    if (self->loaded == LOADED_ALL)
        g_clear_pointer(&self->lazy, lazy_source_unref);
}

guint
vgpu_discovery_read_max_instance(const VgpuMdevType *type)
{
    g_autofree char *dir = NULL;
    g_autofree char *description = NULL;
    g_autoptr(VgpuNvidiaType) nvidia = NULL;

    g_return_val_if_fail(type != NULL, 0);

    if ((type->loaded & LOADED_METADATA) || !type->lazy)
        return type->nvidia ? vgpu_nvidia_type_get_max_instance(type->nvidia)
                            : 0;
    dir = lazy_type_dir(type);
    read_optional_attr(dir, "description", &description, NULL);
    nvidia = description ? vgpu_nvidia_type_new(NULL, description, NULL) : NULL;
    return nvidia ? vgpu_nvidia_type_get_max_instance(nvidia) : 0;
}

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
    if (!type->one_block) {
        g_free(type->id);
        g_free(type->parent);
    }
    g_free(type->name);
    g_free(type->description);
    g_free(type->device_api);
    vgpu_nvidia_type_free(type->nvidia);
    lazy_source_unref(type->lazy);
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
    type_load(type, LOADED_METADATA);
    return type->name;
}

const char *
vgpu_mdev_type_get_description(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    type_load(type, LOADED_METADATA);
    return type->description;
}

const char *
vgpu_mdev_type_get_device_api(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    type_load(type, LOADED_METADATA);
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
    type_load(type, LOADED_ACTIVE);
    return type->active_instances;
}

const VgpuNvidiaType *
vgpu_mdev_type_get_nvidia(const VgpuMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    type_load(type, LOADED_METADATA);
    return type->nvidia;
}

/*
 * Reads one type directory; its devices/ only when @host_has_mdevs (else
 * it has none). Returns NULL without error when the type (or its parent)
 * vanished meanwhile or is not a type directory.
 */
static VgpuMdevType *
read_type(VgpuContext *ctx, const char *parent, const char *type_id,
          gboolean host_has_mdevs, GError **error)
{
    g_autofree char *dir = vgpu_sysfs_type_path(ctx, parent, type_id, NULL);
    g_autofree char *avail_path =
        g_build_filename(dir, "available_instances", NULL);
    g_autofree char *devices_path = g_build_filename(dir, "devices", NULL);
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
    if (host_has_mdevs)
        type->active_instances = MAX(count_entries(devices_path, G_MAXINT), 0);
    type->nvidia = vgpu_nvidia_type_new(type->name, type->description, NULL);
    type->loaded = LOADED_ALL;
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

/* The PF that the physfn link at @link names ("../0000:3d:00.0"), or
 * NULL (no link, or not a PCI address). */
static char *
read_physfn_link(const char *link)
{
    char target[PATH_MAX];
    ssize_t len = readlink(link, target, sizeof(target));
    const char *base;

    if (len <= 0 || (gsize)len >= sizeof(target))
        return NULL; /* no link (a symlink holds less than PATH_MAX) */
    while (len > 1 && target[len - 1] == '/')
        len--;
    target[len] = '\0';
    base = strrchr(target, '/');
    base = base ? base + 1 : target;
    return vgpu_pci_address_is_valid(base) ? g_strdup(base) : NULL;
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

    return read_physfn_link(link);
}

static VgpuParent *
parent_new_take(char *name)
{
    VgpuParent *parent = g_new0(VgpuParent, 1);

    parent->ref_count = 1;
    parent->name = name;
    parent->types =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_mdev_type_unref);
    return parent;
}

static VgpuParent *
parent_new(const char *name)
{
    return parent_new_take(g_strdup(name));
}

/*
 * Reads @name with all its types (@only_type NULL) or just @only_type;
 * @host_has_mdevs FALSE says that no type has a device (one listing of
 * sys/bus/mdev/devices, host_has_mdevs()). Returns NULL without error
 * when the parent vanished or (with @only_type) does not offer the type.
 */
static VgpuParent *
read_parent(VgpuContext *ctx, const char *name, const char *only_type,
            gboolean host_has_mdevs, GError **error)
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
        VgpuMdevType *type =
            read_type(ctx, name, type_id, host_has_mdevs, &local);

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

/*
 * How many threads read parents or devices at once: on the
 * emulator over FUSE, 4 readers on 2 cores halve the time of reading 768
 * attributes and 8 do no better (bench/README.md, part 2).
 */
#define READ_THREADS 4

/* What list_parents() reads each parent with. */
typedef struct {
    VgpuContext *ctx;
    const char *only_type;
    gboolean any_mdev;
} ParentReading;

static gpointer
read_parent_named(const char *name, gpointer data, GError **error)
{
    const ParentReading *reading = data;

    return read_parent(reading->ctx, name, reading->only_type,
                       reading->any_mdev, error);
}

/* Reads the parents side by side (vgpu_parallel_read()): the same array,
 * and the same error, as one after the other. */
static GPtrArray *
list_parents(VgpuContext *ctx, const char *only_type, GError **error)
{
    g_autofree char *bus = vgpu_context_build_path(ctx, VGPU_SYSFS_MDEV_BUS);
    g_autoptr(GPtrArray) names = vgpu_sysfs_list_dir(bus, error);
    ParentReading reading = {ctx, only_type, FALSE};

    if (!names)
        return NULL;
    reading.any_mdev = names->len > 0 && host_has_mdevs(ctx);
    return vgpu_parallel_read(names, READ_THREADS, read_parent_named, &reading,
                              (GDestroyNotify)vgpu_parent_unref, error);
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

/* The NOT_FOUND error for parent @name (and @type_id, when not NULL)
 * that could not be read: it is missing, or does not offer the type. */
static void
set_parent_not_found(VgpuContext *ctx, const char *name, const char *type_id,
                     GError **error)
{
    g_autofree char *path = g_build_filename(vgpu_context_get_root(ctx),
                                             VGPU_SYSFS_MDEV_BUS, name, NULL);

    if (type_id && g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" offers no mdev type \"%s\"; "
                    "'vgpuctl types --parent %s' lists its types",
                    name, type_id, name);
        return;
    }
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                "no parent device \"%s\" in %s; 'vgpuctl types' lists "
                "the parent devices of this host",
                name, VGPU_SYSFS_MDEV_BUS);
}

VgpuParent *
vgpu_discovery_get_parent(VgpuContext *ctx, const char *name, GError **error)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) local = NULL;
    VgpuParent *parent = NULL;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!vgpu_name_check("parent device", name, error))
        return NULL;
    path = g_build_filename(vgpu_context_get_root(ctx), VGPU_SYSFS_MDEV_BUS,
                            name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR))
        parent = read_parent(ctx, name, NULL, host_has_mdevs(ctx), &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    if (!parent)
        set_parent_not_found(ctx, name, NULL, error);
    return parent;
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
    g_autoptr(GError) local = NULL;
    g_autofree char *target = g_file_read_link(link, &local);
    g_autofree char *type_target = NULL;
    g_autofree char *parent_dir = NULL;
    g_autofree char *parent = NULL;
    VgpuMdev *mdev;

    if (!target) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return NULL;
        /* GLib's message names the link and the reason */
        g_set_error_literal(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                            local->message);
        return NULL;
    }
    /* The link names the device in its parent's directory
     * (../../../devices/<path>/<parent>/<uuid>: the kernel's bus link,
     * drivers/base/bus.c bus_add_device()): one readlink(2) instead of
     * resolving every component. */
    parent_dir = g_path_get_dirname(target);
    parent = g_path_get_basename(parent_dir);
    if (!vgpu_name_is_safe(parent)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "%s points to %s, not into a parent device's directory",
                    link, target);
        return NULL;
    }
    type_target = g_file_read_link(type_link, NULL);
    if (!type_target)
        return NULL; /* vanished between the two calls */

    mdev = g_new0(VgpuMdev, 1);
    mdev->ref_count = 1;
    mdev->uuid = g_strdup(uuid);
    mdev->parent = g_steal_pointer(&parent);
    mdev->type_id = g_path_get_basename(type_target);
    return mdev;
}

/* read_mdev() for vgpu_parallel_read(): an entry that is not a UUID is
 * not a device of ours to list. */
static gpointer
read_mdev_named(const char *uuid, gpointer ctx, GError **error)
{
    return vgpu_uuid_is_valid(uuid) ? read_mdev(ctx, uuid, error) : NULL;
}

GPtrArray *
vgpu_discovery_list_mdevs(VgpuContext *ctx, GError **error)
{
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) uuids = NULL;

    g_return_val_if_fail(ctx != NULL, NULL);

    dir = vgpu_context_build_path(ctx, VGPU_SYSFS_MDEV_DEVICES);
    uuids = vgpu_sysfs_list_dir(dir, error);
    if (!uuids)
        return NULL;
    return vgpu_parallel_read(uuids, READ_THREADS, read_mdev_named, ctx,
                              (GDestroyNotify)vgpu_mdev_unref, error);
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
            } else if (!g_str_equal(type->id, type_id) &&
                       vgpu_mdev_type_get_nvidia(type)) {
                type->available_instances = 0;
            }
        }
    }
}

/* --- the hook's flat listing (vgpu-discovery-private.h) --- */

/* A type of a flat listing, with its id and parent's name (@parent_len
 * bytes) in its own block: one allocation. */
static VgpuMdevType *
lazy_type_new(LazySource *source, const char *type_id, const char *parent,
              gsize parent_len)
{
    gsize id_size = strlen(type_id) + 1;
    VgpuMdevType *type =
        g_malloc0(sizeof(VgpuMdevType) + id_size + parent_len + 1);
    char *strings = (char *)(type + 1);

    type->ref_count = 1;
    type->one_block = TRUE;
    type->id = memcpy(strings, type_id, id_size);
    type->parent = memcpy(strings + id_size, parent, parent_len);
    type->parent[parent_len] = '\0';
    g_atomic_int_inc(&source->ref_count);
    type->lazy = source;
    return type;
}

/*
 * Reads available_instances at @path: 1 when read, 0 when there is no such
 * file (the parent does not offer the type, or vanished), -1 with @error.
 * One read(2) of "<digits>\n", as sysfs renders it, is the fast path;
 * anything else goes to vgpu_sysfs_read_uint(), which decides with the
 * messages of a snapshot.
 */
static int
read_available(const char *path, guint *available, GError **error)
{
    g_autoptr(GError) local = NULL;
    char buf[16];
    ssize_t len = -1;
    guint64 value = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return 0;
    if (fd >= 0) {
        do {
            len = read(fd, buf, sizeof(buf));
        } while (len < 0 && errno == EINTR);
        close(fd);
    }
    if (len >= 2 && len <= 11 && buf[len - 1] == '\n') {
        ssize_t i = 0;

        while (i < len - 1 && g_ascii_isdigit(buf[i]))
            value = value * 10 + (guint64)(buf[i++] - '0');
        if (i == len - 1 && value <= G_MAXUINT) {
            *available = (guint)value;
            return 1;
        }
    }
    if (vgpu_sysfs_read_uint(path, available, &local))
        return 1;
    if (g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND))
        return 0;
    g_propagate_error(error, g_steal_pointer(&local));
    return -1;
}

static LazySource *
lazy_source_new(VgpuContext *ctx, const char *bus)
{
    LazySource *source = g_new0(LazySource, 1);

    source->ref_count = 1;
    source->ctx = vgpu_context_ref(ctx);
    source->bus = g_strdup(bus);
    source->host_has_mdevs = -1;
    return source;
}

#define PHYSFN_FILE "/physfn"

/* Reads the physfn link of @parent into it, composing <bus>/<name>/physfn
 * in @path (the bus and a separator are its first @prefix bytes). */
static void
read_offer_physfn(char *path, gsize prefix, VgpuParent *parent)
{
    gsize name_len = strlen(parent->name);

    memcpy(path + prefix, parent->name, name_len);
    memcpy(path + prefix + name_len, PHYSFN_FILE, sizeof(PHYSFN_FILE));
    parent->physical_function = read_physfn_link(path);
}

/* Parent @name (taken) holding only lazy @type_id with @available free
 * instances, as the flat listings make it; physfn not read yet. */
static VgpuParent *
lazy_parent_new_take(LazySource *source, char *name, const char *type_id,
                     guint available)
{
    VgpuParent *parent = parent_new_take(name);
    VgpuMdevType *type =
        lazy_type_new(source, type_id, parent->name, strlen(parent->name));

    type->available_instances = available;
    g_ptr_array_add(parent->types, type);
    return parent;
}

VgpuParent *
vgpu_discovery_get_parent_for_type(VgpuContext *ctx, const char *name,
                                   const char *type_id, GError **error)
{
    g_autofree char *bus = NULL;
    g_autofree char *path = NULL;
    VgpuParent *parent;
    LazySource *source;
    guint available = 0;
    int found;

    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);

    if (!vgpu_name_check("parent device", name, error) ||
        !vgpu_name_check("mdev type", type_id, error))
        return NULL;
    bus = vgpu_context_build_path(ctx, VGPU_SYSFS_MDEV_BUS);
    path = g_strconcat(bus, G_DIR_SEPARATOR_S, name, "/mdev_supported_types/",
                       type_id, "/available_instances", NULL);
    found = read_available(path, &available, error);
    if (found < 0)
        return NULL;
    if (found == 0) {
        set_parent_not_found(ctx, name, type_id, error);
        return NULL;
    }
    source = lazy_source_new(ctx, bus);
    parent = lazy_parent_new_take(source, g_strdup(name), type_id, available);
    lazy_source_unref(source);
    parent->physical_function = read_physical_function(ctx, name);
    return parent;
}

/*
 * The available_instances reads of one flat listing, by index in its names:
 * the first parent is read alone (it is often the choice, and the listing
 * ends there), the rest side by side once at least OFFER_SIDE_BY_SIDE_MIN
 * are left (vgpu_parallel_for(), READ_THREADS threads as the other
 * listings). Results are used in name order, so the listing is the one a
 * reader one after the other would make, with its error: the first
 * failing parent by name before the listing ends.
 *
 * Each read waits for the file's show() (two FUSE round trips on the
 * emulator); more readers keep the CPUs from going idle between them. On
 * the emulator (2 cores), a fresh process read 64 available_instances in
 * 3.4-4.1 ms with one thread, 2.4-3.5 ms with two and 2.0-2.4 ms with
 * four; the hook's peak RSS grew by 16 KiB (bench/README.md).
 */
#define OFFER_SIDE_BY_SIDE_MIN 4

/* One parent's read. */
typedef struct {
    char *path;      /* <bus>/<name>/mdev_supported_types/<type>/
                      * available_instances, composed when read (in the
                      * listing's path block); NULL for a name that is not a
                      * directory entry's */
    guint available; /* what was read */
    int found;       /* read_available()'s answer; OFFER_UNREAD before */
    GError *error;   /* where it answered -1 */
} OfferRead;

typedef struct {
    GPtrArray *names;    /* the entries of <bus>, in name order */
    const char *bus;     /* sys/class/mdev_bus under the root */
    const char *type_id; /* the type whose available_instances is read */
    char *path_block;    /* every path, one allocation */
    OfferRead *reads;    /* [names->len], by index in @names */
    guint from;          /* the first index of the reads under way */
} OfferReads;

#define OFFER_UNREAD 2
#define OFFER_TYPES_DIR "/mdev_supported_types/"
#define OFFER_AVAILABLE_FILE "/available_instances"

/* Sets @reads up for @names under @bus for @type_id (all borrowed for the
 * listing's time): room for every path in one block, nothing read or
 * composed yet. */
static void
offer_reads_init(OfferReads *reads, const char *bus, GPtrArray *names,
                 const char *type_id)
{
    gsize fixed = strlen(bus) + 1 + sizeof(OFFER_TYPES_DIR) - 1 +
                  strlen(type_id) + sizeof(OFFER_AVAILABLE_FILE);
    gsize size = 0, offset = 0;

    reads->names = names;
    reads->bus = bus;
    reads->type_id = type_id;
    reads->reads = g_new0(OfferRead, names->len);
    reads->from = 0;
    for (guint i = 0; i < names->len; i++) {
        gsize name_len = strlen(names->pdata[i]);

        reads->reads[i].found = OFFER_UNREAD;
        if (name_len <= NAME_MAX) /* else not a directory entry's name */
            size += fixed + name_len;
    }
    reads->path_block = g_malloc(MAX(size, 1));
    for (guint i = 0; i < names->len; i++) {
        gsize name_len = strlen(names->pdata[i]);

        if (name_len > NAME_MAX)
            continue;
        reads->reads[i].path = reads->path_block + offset;
        offset += fixed + name_len;
    }
}

static void
offer_reads_clear(OfferReads *reads)
{
    for (guint i = 0; i < reads->names->len; i++)
        g_clear_error(&reads->reads[i].error);
    g_free(reads->reads);
    g_free(reads->path_block);
}

/* Composes the available_instances path of index @i in its place. */
static void
offer_compose_path(OfferReads *reads, guint i)
{
    char *end = reads->reads[i].path;

    if (!end)
        return;
    end = g_stpcpy(end, reads->bus);
    end = g_stpcpy(end, G_DIR_SEPARATOR_S);
    end = g_stpcpy(end, reads->names->pdata[i]);
    end = g_stpcpy(end, OFFER_TYPES_DIR);
    end = g_stpcpy(end, reads->type_id);
    g_stpcpy(end, OFFER_AVAILABLE_FILE);
}

/* A #VgpuParallelFunc: reads index @from + @index into its own slot
 * (0 found for a name that is not a directory entry's). */
static void
offer_read_one(guint index, gpointer data)
{
    OfferReads *reads = data;
    OfferRead *read = &reads->reads[reads->from + index];

    read->found =
        read->path ? read_available(read->path, &read->available, &read->error)
                   : 0;
}

/*
 * Index @i of @reads: read now when it was not (alone, or with all the
 * ones after it side by side; their paths composed here, by the caller's
 * thread, so that the reading threads allocate nothing), then answered as
 * read_available() does (its error moved to @error).
 */
static int
offer_read(OfferReads *reads, guint i, guint *available, GError **error)
{
    guint n = reads->names->len;
    OfferRead *read = &reads->reads[i];

    if (read->found == OFFER_UNREAD) {
        guint count = i > 0 && n - i >= OFFER_SIDE_BY_SIDE_MIN ? n - i : 1;

        for (guint k = i; k < i + count; k++)
            offer_compose_path(reads, k);
        reads->from = i;
        vgpu_parallel_for(count, READ_THREADS, offer_read_one, reads);
    }
    if (read->found < 0)
        g_propagate_error(error, g_steal_pointer(&read->error));
    *available = read->available;
    return read->found;
}

GPtrArray *
vgpu_discovery_list_offers(VgpuContext *ctx, const char *type_id,
                           gboolean every_gpu, VgpuOfferStopFunc stop,
                           gpointer stop_data, GError **error)
{
    g_autofree char *bus = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) full = NULL; /* VgpuParent, physfn not read */
    gboolean any_room = FALSE;
    gboolean any_vf = FALSE;
    LazySource *source;
    OfferReads reads;
    gsize prefix;
    guint n;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!vgpu_name_check("mdev type", type_id, error))
        return NULL;
    bus = vgpu_context_build_path(ctx, VGPU_SYSFS_MDEV_BUS);
    names = vgpu_sysfs_list_dir(bus, error);
    if (!names)
        return NULL;
    n = names->len;
    parents = g_ptr_array_new_full(n, (GDestroyNotify)vgpu_parent_unref);
    /* <bus>/<name>/physfn, composed in place: a directory entry's name has
     * at most NAME_MAX bytes */
    prefix = strlen(bus) + 1;
    path = g_malloc(prefix + NAME_MAX + sizeof(PHYSFN_FILE));
    memcpy(path, bus, prefix - 1);
    path[prefix - 1] = G_DIR_SEPARATOR;
    offer_reads_init(&reads, bus, names, type_id);
    source = lazy_source_new(ctx, bus);
    full = g_ptr_array_new();

    for (guint i = 0; i < n; i++) {
        VgpuParent *parent;
        guint available = 0;
        int found = offer_read(&reads, i, &available, error);

        if (found < 0) {
            lazy_source_unref(source);
            offer_reads_clear(&reads);
            return NULL;
        }
        if (found == 0)
            continue;

        parent = lazy_parent_new_take(source, g_steal_pointer(&names->pdata[i]),
                                      type_id, available);
        g_ptr_array_add(parents, parent);
        if (available == 0) {
            g_ptr_array_add(full, parent);
            continue;
        }
        any_room = TRUE;
        read_offer_physfn(path, prefix, parent);
        any_vf |= parent->physical_function != NULL;
        if (stop && i + 1 < n && stop(parent, stop_data))
            break;
    }
    lazy_source_unref(source);
    offer_reads_clear(&reads);
    /* A full parent counts only as a member of a GPU with room (VFs of
     * one PF), or in the refusal, which names GPUs (vgpu-alloc.c). */
    for (guint i = 0; (every_gpu || any_vf || !any_room) && i < full->len; i++)
        read_offer_physfn(path, prefix, full->pdata[i]);
    return g_steal_pointer(&parents);
}

char *
vgpu_discovery_get_gpu(VgpuContext *ctx, const char *parent)
{
    char *pf;

    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(parent != NULL, NULL);

    pf = vgpu_name_is_safe(parent) ? read_physical_function(ctx, parent) : NULL;
    return pf ? pf : g_strdup(parent);
}
