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
 * @type_id: the requested mdev type, e.g. "nvidia-65"
 * @requested_parent: (nullable): a parent the request insists on; it is
 *   honoured or the call fails, never silently replaced
 * @config: placement policy and parent allow-list
 * @users: (nullable) (element-type utf8 utf8): maps a parent name to a
 *   human-readable list of who uses it (e.g. "win10, win11"); only used to
 *   enrich the %VGPU_ERROR_NO_CAPACITY message
 * @error: return location for a #GError, or %NULL
 *
 * Candidates are the allowed parents offering @type_id with
 * `available_instances > 0`. %VGPU_PLACEMENT_PACK orders them by: already
 * holding devices of @type_id first, then fewest available instances;
 * %VGPU_PLACEMENT_SPREAD by most available instances; both break ties by
 * parent name.
 *
 * Returns: (transfer none): the chosen parent (an element of @parents), or
 *   %NULL with %VGPU_ERROR_NOT_FOUND (no allowed parent offers @type_id, or
 *   @requested_parent does not exist / does not offer it / is not
 *   allowed), %VGPU_ERROR_NO_CAPACITY (offered but no instance left; the
 *   message lists each candidate as "<parent> has <n> of <max> left"
 *   and the type's NVIDIA name when known).
 */
VGPU_PUBLIC VgpuParent *vgpu_alloc_choose_parent(GPtrArray *parents,
                                                 const char *type_id,
                                                 const char *requested_parent,
                                                 const VgpuConfig *config,
                                                 GHashTable *users,
                                                 GError **error);

G_END_DECLS
