/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - planning: could several domains start at the same time? Each
 * domain alone is a dry run of the engine (vgpu_engine_prepare() with
 * %VGPU_ENGINE_DRY_RUN); this module sums their requests against what the
 * host has free (`vgpuctl plan --all`).
 */
#pragma once

#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

/**
 * VgpuPlanConflict:
 * @device_class: the class of the requests
 * @type_id: their type, e.g. "nvidia-65", "nvidia-1153", "vf-1002:692f"
 * @parent: (nullable): the pinned parent device or GPU (mdev), or the
 *   pinned VF (VF classes) the group is about; %NULL for all of a type
 * @requested: how many new devices the domains of @domains request
 * @capacity: how many of them the host can take now
 * @domains: (array zero-terminated=1): the requesting domains, sorted
 * @message: one line, e.g. "domains a, b request 3 mediated devices of
 *   type mtty-2 (Dual port serial), but only 2 can be created now; they
 *   cannot all start at the same time"
 *
 * One group of requests that oversubscribes the host. Free with
 * vgpu_plan_conflict_free().
 */
typedef struct {
    VgpuDeviceClass device_class;
    char *type_id;
    char *parent;
    guint requested;
    guint capacity;
    char **domains;
    char *message;
} VgpuPlanConflict;

/** vgpu_plan_conflict_free: @conflict: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_plan_conflict_free(VgpuPlanConflict *conflict);

/**
 * vgpu_plan_find_conflicts:
 * @ctx: a context (reads sysfs and ownership records under its root)
 * @domains: (element-type utf8): names of shut-off domains to start
 *   together (running ones hold their devices already: sysfs counts them)
 * @requests: (element-type GPtrArray): for each of @domains, its requests
 *   (a #GPtrArray of #VgpuRequest, e.g. vgpu_virt_domain_get_requests())
 * @config: (nullable): placement allow-list and `plain_vf_pfs`; %NULL
 *   loads `etc/libvgpu/libvgpu.conf`
 * @error: return location for a #GError, or %NULL
 *
 * Which of these domains could not all start at the same time. Requests
 * whose device exists already are not counted. The rest are summed per
 * group and compared with what is free now:
 * - mdev, by type: the available instances of the type over the allowed
 *   parents; an NVIDIA GPU with no device yet hosts one type at a time
 *   (the driver then reports 0 for the others), so each idle NVIDIA GPU
 *   is counted for one type only, given to the types with the largest
 *   shortfall first;
 * - mdev, by type and pinned parent (`parent=`): that parent's (or GPU's
 *   VFs') available instances;
 * - VF classes, by type: vgpu_alloc_count_free_vfs(); by pinned VF: one.
 * This is a sum, not a placement: it catches oversubscription, not every
 * way a set of starts in some order could fail. Takes no lock, writes
 * nothing.
 *
 * Returns: (transfer full) (element-type VgpuPlanConflict): the groups
 *   that oversubscribe the host, sorted by class, type and parent (empty
 *   when all fit); or %NULL with %VGPU_ERROR_INVALID_INPUT (mismatched
 *   arrays, a broken configuration) or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC GPtrArray *vgpu_plan_find_conflicts(VgpuContext *ctx,
                                                GPtrArray *domains,
                                                GPtrArray *requests,
                                                const VgpuConfig *config,
                                                GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuPlanConflict, vgpu_plan_conflict_free)

G_END_DECLS
