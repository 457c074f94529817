/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - placement: choosing a parent device for a new mediated device.
 * Pure functions over a discovery snapshot; no I/O.
 */
#pragma once

#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-discovery.h>

G_BEGIN_DECLS

/**
 * vgpu_alloc_choose_parent:
 * @parents: (element-type VgpuParent): a discovery snapshot, e.g. from
 *   vgpu_discovery_list_parents_for_type() or vgpu_discovery_list_parents()
 *   (the latter also lets the capacity message name other types in use)
 * @type_id: the requested mdev type, e.g. "nvidia-65"
 * @requested_parent: (nullable): a parent the request insists on; it is
 *   honoured or the call fails, never silently replaced
 * @config: placement policy and parent allow-list
 * @users: (nullable) (element-type utf8 utf8): a string-keyed table
 *   (g_str_hash) mapping a GPU (vgpu_parent_get_gpu(): the parent, or the
 *   physical function of VF parents) to a human-readable list of who uses
 *   it (e.g. "win10, win11"); only used to enrich the
 *   %VGPU_ERROR_NO_CAPACITY message
 * @error: return location for a #GError, or %NULL
 *
 * Candidates are the allowed parents offering @type_id with
 * `available_instances > 0` (as read into the snapshot; the kernel has the
 * last word when the device is created). Both policies take those already
 * holding devices of @type_id (`active_instances > 0`) first; then
 * %VGPU_PLACEMENT_PACK orders by fewest available instances,
 * %VGPU_PLACEMENT_SPREAD by most (see #VgpuPlacementPolicy for the
 * trade-off); both break ties by parent name (strcmp), so the
 * result does not depend on the order of @parents. NVIDIA GPUs of most
 * generations host one vGPU type at a time: while another type has
 * devices on a GPU, the driver reports 0 available instances for the
 * others, so such a GPU is simply not a candidate.
 *
 * Parents that are SR-IOV VFs of one GPU (NVIDIA Ampere with vGPU drivers
 * before 17: one instance per VF) are counted as that GPU: the policy
 * compares GPUs by the sum of their VFs' instances, the chosen GPU's first
 * VF (by name) with a free instance is returned, and the message has one
 * entry per GPU. Any other parent is a GPU of its own.
 *
 * With @requested_parent only that parent is considered, checked in this
 * order: present in @parents, offers @type_id, allowed by @config, has an
 * available instance. A @requested_parent that names a GPU whose VFs are
 * the parents picks a free VF of that GPU.
 *
 * Pure: no I/O, no lock (the caller holds the host lock between discovery
 * and creation).
 *
 * Returns: (transfer none): the chosen parent (an element of @parents), or
 *   %NULL with %VGPU_ERROR_NOT_FOUND (no parent offers @type_id — "no
 *   parent device offers mdev type \"nvidia-65\"; 'vgpuctl types' lists
 *   what this host offers" —, none of those that do is in the allow-list,
 *   or @requested_parent does not exist / does not offer it / is not
 *   allowed), or %VGPU_ERROR_NO_CAPACITY (offered but no instance left).
 *   The capacity message is one line that lists every allowed parent
 *   offering the type, in name order, as "<parent> has <n> of <max> left"
 *   (max: the NVIDIA `max_instance` when decoded, else available + active),
 *   followed by "(holds <other types> devices; used by <@users entry>)"
 *   when known, names the type with its `name` attribute when there is
 *   one, and ends with a hint, e.g. "no parent offers type nvidia-65 (GRID
 *   P4-4Q) with a free instance: 0000:05:00.0 has 0 of 2 left (used by
 *   win10, win11); stop a domain using it or add a GPU". The hint names
 *   a GPU only for types with NVIDIA vGPU decoding; for any other parent
 *   (mtty, GVT-g, s390) it says "add a parent device that offers it".
 */
VGPU_PUBLIC VgpuParent *
vgpu_alloc_choose_parent(GPtrArray *parents, const char *type_id,
                         const char *requested_parent, const VgpuConfig *config,
                         GHashTable *users, GError **error);

/**
 * vgpu_alloc_check_capacity:
 * @parents: (element-type VgpuParent): a discovery snapshot, as for
 *   vgpu_alloc_choose_parent()
 * @type_id: the requested mdev type
 * @requested_parent: (nullable): count only this parent device
 * @count: how many new devices of @type_id one start needs
 * @config: parent allow-list
 * @users: (nullable) (element-type utf8 utf8): as for
 *   vgpu_alloc_choose_parent(), to enrich the message
 * @error: return location for a #GError, or %NULL
 *
 * Checks, before anything is created, that the allowed parents (or the
 * requested one) have at least @count free instances of @type_id in
 * total, so that a domain asking for more devices than are left fails at
 * once instead of creating some and rolling them back (NVIDIA's vGPU
 * manager can take seconds per device). The sum is exact for one type on
 * homogeneous GPUs; devices of different types in one domain can still
 * compete and are caught when placed. When nothing is free or usable at
 * all this returns %TRUE and leaves the precise message to
 * vgpu_alloc_choose_parent(). Pure; no I/O.
 *
 * Returns: %TRUE if the devices may fit; %FALSE with
 *   %VGPU_ERROR_NO_CAPACITY ("2 mediated devices of type mtty-2 (Dual port
 *   serial) are requested but only 1 is free: mtty has 1 of 12 left ...").
 */
VGPU_PUBLIC gboolean vgpu_alloc_check_capacity(
    GPtrArray *parents, const char *type_id, const char *requested_parent,
    guint count, const VgpuConfig *config, GHashTable *users, GError **error);

/**
 * vgpu_alloc_choose_vf:
 * @ctx: a context (reads `sys/bus/pci/devices` under its root)
 * @type_id: `nvidia-<id>` or `vf-<vendor>:<device>`
 * @gpu: (nullable): only VFs of this GPU (physical function address)
 * @config: placement policy and the allow-list (`parents=` names GPUs)
 * @taken: (nullable) (element-type utf8): VF addresses other domains'
 *   definitions name (libvirt PCI hostdevs); never chosen
 * @error: return location for a #GError, or %NULL
 *
 * Chooses the VF a new VF-backed request pins (DESIGN.md "Device
 * classes": the GPU is chosen when the request is written). Candidates:
 * for `nvidia-<id>`, VFs holding no vGPU whose `creatable_vgpu_types`
 * lists the id now; for `vf-<vendor>:<device>`, VFs with those ids; in
 * both cases without an ownership record and not in @taken. GPUs are
 * ordered by the policy — %VGPU_PLACEMENT_PACK: GPUs already holding the
 * type, then most VFs in use; %VGPU_PLACEMENT_SPREAD: fewest VFs in use;
 * ties by name — and the first free VF (by address) of the first GPU is
 * returned. Reads sysfs; takes no lock (the hook checks again at start).
 *
 * Returns: (transfer full): the VF's PCI address, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT (not a VF type, bad @gpu),
 *   %VGPU_ERROR_NOT_FOUND (no VF offers the type) or
 *   %VGPU_ERROR_NO_CAPACITY (none free now).
 */
VGPU_PUBLIC char *vgpu_alloc_choose_vf(VgpuContext *ctx, const char *type_id,
                                       const char *gpu,
                                       const VgpuConfig *config,
                                       GHashTable *taken, GError **error);

/**
 * vgpu_alloc_count_free_vfs:
 * @ctx: a context (reads `sys/bus/pci/devices` under its root)
 * @type_id: `nvidia-<id>` or `vf-<vendor>:<device>`
 * @config: the allow-list (`parents=` names GPUs) and `plain_vf_pfs`
 *
 * How many VFs could take a new request of @type_id now: the candidates of
 * vgpu_alloc_choose_vf() (no ownership record; NVIDIA: holding no vGPU
 * and listing the id in `creatable_vgpu_types`; plain: those vendor:device
 * ids), over every allowed GPU. NVIDIA GPUs host one type at a time and
 * list what fits now, so the counts of two types on one idle GPU overlap.
 * Reads sysfs and records; takes no lock.
 *
 * Returns: the number of such VFs; 0 also when @type_id is not a VF type.
 */
VGPU_PUBLIC guint vgpu_alloc_count_free_vfs(VgpuContext *ctx,
                                            const char *type_id,
                                            const VgpuConfig *config);

G_END_DECLS
