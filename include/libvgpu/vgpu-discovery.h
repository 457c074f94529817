/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - discovery of parent devices, mdev types and mediated devices in
 * sysfs (kernel Documentation/driver-api/vfio-mediated-device.rst, "sysfs
 * files"): `sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/` and
 * `sys/bus/mdev/devices/<uuid>`.
 */
#pragma once

#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-nvidia.h>

G_BEGIN_DECLS

/**
 * VgpuMdevType:
 *
 * Opaque, reference-counted snapshot of one mdev type of one parent
 * device, read at discovery time (values do not update afterwards).
 */
typedef struct _VgpuMdevType VgpuMdevType;

/**
 * VgpuParent:
 *
 * Opaque, reference-counted snapshot of a parent device (an entry of
 * `sys/class/mdev_bus/`, e.g. the PCI address "0000:05:00.0" of a GPU or
 * "mtty") and the mdev types it offers.
 */
typedef struct _VgpuParent VgpuParent;

/**
 * VgpuMdev:
 *
 * Opaque, reference-counted snapshot of an active mediated device (an entry
 * of `sys/bus/mdev/devices/`): its UUID, parent device and mdev type.
 */
typedef struct _VgpuMdev VgpuMdev;

/**
 * vgpu_discovery_list_parents:
 * @ctx: a context
 * @error: return location for a #GError, or %NULL
 *
 * Reads every parent under `sys/class/mdev_bus/` and all its mdev types.
 * Entries that vanish during the scan are skipped. A host without
 * `sys/class/mdev_bus` (no mdev-capable driver loaded) yields an empty
 * array. Sysfs I/O, no lock. Parents are read side by side by up to 4
 * threads (GThread), started with every signal blocked and joined before
 * it returns; the result and the error are those of reading them one
 * after the other (the error of the first failing parent by name).
 *
 * Returns: (transfer full) (element-type VgpuParent): parents sorted by
 *   name, each with its types in natural order of their ids (nvidia-63
 *   before nvidia-156); %NULL with %VGPU_ERROR_SYSTEM
 *   if a directory cannot be read for another reason than vanishing.
 */
VGPU_PUBLIC GPtrArray *vgpu_discovery_list_parents(VgpuContext *ctx,
                                                   GError **error);

/**
 * vgpu_discovery_list_parents_for_type:
 * @ctx: a context
 * @type_id: an mdev type id, e.g. "nvidia-65" or "mtty-2"
 * @error: return location for a #GError, or %NULL
 *
 * Like vgpu_discovery_list_parents() but reads only the directory of
 * @type_id under each parent, and returns only parents that offer it;
 * each returned parent holds exactly that one type: cost grows with the
 * number of parents, not of types. (The hook reads still less: per parent
 * only what placement needs, the rest when a message asks.)
 *
 * Returns: (transfer full) (element-type VgpuParent): parents sorted by
 *   name (possibly empty), or %NULL with %VGPU_ERROR_INVALID_INPUT if
 *   @type_id is not a safe sysfs name (empty, ".", "..", or not only
 *   printable ASCII without '/' and space) or
 *   %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC GPtrArray *vgpu_discovery_list_parents_for_type(VgpuContext *ctx,
                                                            const char *type_id,
                                                            GError **error);

/**
 * vgpu_discovery_get_parent:
 * @ctx: a context
 * @parent: parent device name, e.g. "0000:05:00.0"
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the parent with all its types, or %NULL with
 *   %VGPU_ERROR_NOT_FOUND (no such parent), %VGPU_ERROR_INVALID_INPUT
 *   (unsafe name such as "../x") or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC VgpuParent *vgpu_discovery_get_parent(VgpuContext *ctx,
                                                  const char *parent,
                                                  GError **error);

/**
 * vgpu_discovery_get_parent_for_type:
 * @ctx: a context
 * @parent: parent device name, e.g. "0000:05:00.0"
 * @type_id: an mdev type id of @parent, e.g. "nvidia-65"
 * @error: return location for a #GError, or %NULL
 *
 * Like vgpu_discovery_get_parent() but for @type_id only, and lazily:
 * for naming the type of a mediated device (its parent and type id,
 * vgpu_mdev_get_type_id()) and the GPU it uses (vgpu_parent_get_gpu())
 * without reading the parent's other types. It reads the type's
 * available_instances and the parent's physfn link; the type's name,
 * description, device_api, NVIDIA decoding and active instances are read
 * from sysfs when a getter first asks for them (one file each), and are
 * %NULL when they cannot be read then. Sysfs I/O, no lock; do not share
 * the result between threads.
 *
 * Returns: (transfer full): the parent holding exactly that one type, or
 *   %NULL with %VGPU_ERROR_NOT_FOUND (no such parent, or it does not offer
 *   @type_id), %VGPU_ERROR_INVALID_INPUT (an unsafe name such as "../x")
 *   or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC VgpuParent *vgpu_discovery_get_parent_for_type(VgpuContext *ctx,
                                                           const char *parent,
                                                           const char *type_id,
                                                           GError **error);

/**
 * vgpu_discovery_get_gpu:
 * @ctx: a context
 * @parent: parent device name, e.g. "0000:05:00.0"
 *
 * The GPU whose capacity @parent uses: the physical function its PCI
 * device's `physfn` link names when it is an SR-IOV virtual function
 * (kernel drivers/pci/iov.c, pci_iov_sysfs_link(); NVIDIA Ampere with
 * vGPU drivers before 17 makes each VF an mdev parent), else @parent
 * itself, also when it does not exist or is not a safe sysfs name. The
 * same as vgpu_parent_get_gpu() without reading any type: one readlink(2).
 *
 * Returns: (transfer full): the PF's PCI address or a copy of @parent;
 *   never %NULL.
 */
VGPU_PUBLIC char *vgpu_discovery_get_gpu(VgpuContext *ctx, const char *parent);

/**
 * vgpu_discovery_list_mdevs:
 * @ctx: a context
 * @error: return location for a #GError, or %NULL
 *
 * Reads `sys/bus/mdev/devices/`: each entry's parent is the directory that
 * holds the device (resolved through the symlink) and its type is the
 * target name of its `mdev_type` link. Entries that vanish are skipped.
 * Devices are read side by side as vgpu_discovery_list_parents() reads
 * parents (up to 4 threads, joined before it returns).
 *
 * Returns: (transfer full) (element-type VgpuMdev): mediated devices sorted
 *   by UUID (empty if none), or %NULL with %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC GPtrArray *vgpu_discovery_list_mdevs(VgpuContext *ctx,
                                                 GError **error);

/**
 * vgpu_discovery_get_mdev:
 * @ctx: a context
 * @uuid: a canonical lowercase UUID
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the mediated device, or %NULL with
 *   %VGPU_ERROR_NOT_FOUND (no such device), %VGPU_ERROR_INVALID_INPUT (not
 *   a canonical UUID) or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC VgpuMdev *vgpu_discovery_get_mdev(VgpuContext *ctx,
                                              const char *uuid,
                                              GError **error);

/* VgpuParent */
VGPU_PUBLIC VgpuParent *vgpu_parent_ref(VgpuParent *parent);
/** vgpu_parent_unref: @parent: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_parent_unref(VgpuParent *parent);
/** vgpu_parent_get_name: Returns: (transfer none): e.g. "0000:05:00.0". */
VGPU_PUBLIC const char *vgpu_parent_get_name(const VgpuParent *parent);
/**
 * vgpu_parent_get_physical_function:
 * @parent: a parent
 *
 * NVIDIA Ampere GPUs with vGPU drivers before 17 (or kernels before 6.8)
 * make every SR-IOV virtual function an mdev parent offering one instance
 * (NVIDIA vGPU user guide, "Creating an NVIDIA vGPU that Supports
 * SR-IOV"); the capacity belongs to the physical GPU. Read from the
 * parent's `physfn` link (kernel drivers/pci/iov.c).
 *
 * Returns: (transfer none) (nullable): the PCI address of the physical
 *   function when @parent is a VF, e.g. "0000:3d:00.0"; %NULL otherwise.
 */
VGPU_PUBLIC const char *
vgpu_parent_get_physical_function(const VgpuParent *parent);
/**
 * vgpu_parent_get_gpu:
 * @parent: a parent
 *
 * The physical device whose capacity @parent shares: its physical
 * function for an SR-IOV VF parent, the parent itself otherwise. Placement,
 * capacity checks and messages count per this name.
 *
 * Returns: (transfer none): a PCI address or parent name.
 */
VGPU_PUBLIC const char *vgpu_parent_get_gpu(const VgpuParent *parent);
/** vgpu_parent_get_types: Returns: (transfer none) (element-type
 * VgpuMdevType): the types, in natural order of their ids. */
VGPU_PUBLIC GPtrArray *vgpu_parent_get_types(const VgpuParent *parent);
/** vgpu_parent_find_type: Returns: (transfer none) (nullable): the type
 * with id @type_id, or %NULL. */
VGPU_PUBLIC VgpuMdevType *vgpu_parent_find_type(const VgpuParent *parent,
                                                const char *type_id);

/* VgpuMdevType */
VGPU_PUBLIC VgpuMdevType *vgpu_mdev_type_ref(VgpuMdevType *type);
/** vgpu_mdev_type_unref: @type: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_mdev_type_unref(VgpuMdevType *type);
/** vgpu_mdev_type_get_id: Returns: (transfer none): the directory name,
 * e.g. "nvidia-65". */
VGPU_PUBLIC const char *vgpu_mdev_type_get_id(const VgpuMdevType *type);
/** vgpu_mdev_type_get_parent_name: Returns: (transfer none): the parent
 * device offering this type. */
VGPU_PUBLIC const char *vgpu_mdev_type_get_parent_name(const VgpuMdevType *type);
/** vgpu_mdev_type_get_name: Returns: (transfer none) (nullable): the
 * optional `name` attribute, trimmed (e.g. "GRID P4-4Q"). */
VGPU_PUBLIC const char *vgpu_mdev_type_get_name(const VgpuMdevType *type);
/** vgpu_mdev_type_get_description: Returns: (transfer none) (nullable):
 * the optional `description` attribute, trimmed. */
VGPU_PUBLIC const char *
vgpu_mdev_type_get_description(const VgpuMdevType *type);
/** vgpu_mdev_type_get_device_api: Returns: (transfer none) (nullable): the
 * `device_api` attribute, e.g. "vfio-pci". */
VGPU_PUBLIC const char *vgpu_mdev_type_get_device_api(const VgpuMdevType *type);
/** vgpu_mdev_type_get_available_instances: Returns: `available_instances`
 * as read at discovery time (0 if unreadable). */
VGPU_PUBLIC guint
vgpu_mdev_type_get_available_instances(const VgpuMdevType *type);
/** vgpu_mdev_type_get_active_instances: Returns: number of mediated
 * devices of this type on this parent at discovery time (entries of the
 * type's `devices/` directory). */
VGPU_PUBLIC guint
vgpu_mdev_type_get_active_instances(const VgpuMdevType *type);
/** vgpu_mdev_type_get_nvidia: Returns: (transfer none) (nullable): the
 * decoded NVIDIA metadata (see vgpu_nvidia_type_new()), or %NULL for
 * types that are not NVIDIA vGPU types. */
VGPU_PUBLIC const VgpuNvidiaType *
vgpu_mdev_type_get_nvidia(const VgpuMdevType *type);

/* VgpuMdev */
VGPU_PUBLIC VgpuMdev *vgpu_mdev_ref(VgpuMdev *mdev);
/** vgpu_mdev_unref: @mdev: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_mdev_unref(VgpuMdev *mdev);
/** vgpu_mdev_get_uuid: Returns: (transfer none): canonical UUID. */
VGPU_PUBLIC const char *vgpu_mdev_get_uuid(const VgpuMdev *mdev);
/** vgpu_mdev_get_parent_name: Returns: (transfer none): parent device. */
VGPU_PUBLIC const char *vgpu_mdev_get_parent_name(const VgpuMdev *mdev);
/** vgpu_mdev_get_type_id: Returns: (transfer none): mdev type id. */
VGPU_PUBLIC const char *vgpu_mdev_get_type_id(const VgpuMdev *mdev);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuParent, vgpu_parent_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuMdevType, vgpu_mdev_type_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuMdev, vgpu_mdev_unref)

G_END_DECLS
