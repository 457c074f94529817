/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - changes to a discovery snapshot that only the library makes
 * (private): a dry run's placements counted as if they had been created.
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
