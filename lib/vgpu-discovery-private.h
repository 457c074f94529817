/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - discovery that only the library uses (private): the hook's
 * flat listing of the parents offering one type, and changes to a
 * snapshot (a dry run's placements counted as if they had been created).
 */
#pragma once

#include <libvgpu/vgpu-discovery.h>

/*
 * Counts a mediated device of @type_id planned on parent @parent in the
 * snapshot @parents (element-type VgpuParent), as the kernel would after
 * the `create` write: that type on @parent has one available instance
 * less and one active more; and since NVIDIA GPUs host one vGPU type at a
 * time, NVIDIA-decoded types other than @type_id on @parent, or on another
 * parent of its GPU (vgpu_parent_get_gpu(), when @parent is in the
 * snapshot), have none left. No I/O; the snapshot must not be shared.
 */
void vgpu_discovery_take_instance(GPtrArray *parents, const char *parent,
                                  const char *type_id);

/*
 * The NVIDIA `max_instance` (vGPUs of the type per physical GPU) of @type
 * from its `description`, or 0 when there is none (not NVIDIA, absent,
 * unreadable or malformed: never an error). A type of a flat listing
 * (vgpu_discovery_list_offers()) whose metadata no getter asked for yet
 * costs one read, and keeps nothing (the name is not read); any other
 * answers from its decoding, without I/O.
 */
guint vgpu_discovery_read_max_instance(const VgpuMdevType *type);

/* Whether a flat listing can end at @parent (vgpu_discovery_list_offers()). */
typedef gboolean (*VgpuOfferStopFunc)(VgpuParent *parent, gpointer user_data);

/*
 * The parents under sys/class/mdev_bus offering @type_id, sorted by name,
 * each holding that one type, like
 * vgpu_discovery_list_parents_for_type(), but flat: per parent it reads
 * only the type's available_instances, and the parent's physfn link where
 * placement can need it: for every parent with a free instance, and for
 * the others only when one of those is an SR-IOV VF (its GPU's capacity
 * and held type count the PF's other VFs) or none has a free instance
 * (the refusal names GPUs), or when @every_gpu is TRUE (a request that
 * names its parent or GPU, a capacity check); otherwise a full parent's
 * physical function is left NULL, which no placement reads. The rest is read
 * when a getter first asks, from sysfs as it is then: active instances (one
 * listing of sys/bus/mdev/devices says "none" for all types at once, else the
 * type's devices/), and name, description, device_api and the NVIDIA decoding
 * (for messages), which are left NULL when they cannot be read instead of
 * failing. So a placement that asks only what it needs costs one read per
 * parent, and one readlink more per parent with room. Use it under the
 * host lock and drop it with the decision.
 *
 * With @stop, the listing asks @stop about each parent with a free
 * instance (its physfn read) that more parents follow, in name order, and
 * ends with the first it answers TRUE for: the parents after it are not
 * returned. Placement passes one when it knows that the first such parent
 * is its choice whatever the others hold.
 *
 * The first parent's available_instances is read alone; when it does not
 * end the listing and at least 4 parents follow, theirs are read side by
 * side by 4 threads (vgpu_parallel_for(): started with every signal
 * blocked, joined before this returns), and used in name order, so the
 * listing and its error are those of reads one after the other. So the
 * parents after the one that ends it may have been read, but nothing of
 * them is returned or reported.
 *
 * Returns: (transfer full) (element-type VgpuParent): the parents, or NULL
 * with VGPU_ERROR_INVALID_INPUT (@type_id is not a safe name) or
 * VGPU_ERROR_SYSTEM (a directory or available_instances that cannot be
 * read, with the messages of vgpu_discovery_list_parents_for_type()).
 */
GPtrArray *vgpu_discovery_list_offers(VgpuContext *ctx, const char *type_id,
                                      gboolean every_gpu,
                                      VgpuOfferStopFunc stop,
                                      gpointer stop_data, GError **error);
