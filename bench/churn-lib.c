/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-churn's "library" mode: the hook's placement without its process,
 * lock and records, for traces too long to run through the hook on a slow
 * machine. The same calls the mdev backend makes: the parents offering the
 * type, vgpu_alloc_choose_parent() with libvgpu.conf, then create; remove
 * on release. bench/placement.sh checks on one trace that it refuses
 * exactly what the hook refuses.
 */
#include "churn.h"

#include <stdlib.h>

#include <libvgpu/libvgpu.h>

static VgpuContext *ctx;
static VgpuConfig *config;

static void
die(GError *error)
{
    g_printerr("bench-churn: %s\n", error->message);
    exit(1);
}

int
churn_lib_prepare(const char *type_id, const char *uuid)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parents = NULL;
    VgpuParent *parent;

    if (!ctx && !(ctx = vgpu_context_new_from_env(&error)))
        die(error);
    if (!config && !(config = vgpu_config_load(ctx, &error)))
        die(error);
    parents = vgpu_discovery_list_parents_for_type(ctx, type_id, &error);
    if (!parents)
        die(error);
    parent =
        vgpu_alloc_choose_parent(parents, type_id, NULL, config, NULL, &error);
    if (!parent && error->code == VGPU_ERROR_NO_CAPACITY)
        return 1;
    if (!parent || !vgpu_mdev_create(ctx, vgpu_parent_get_name(parent), type_id,
                                     uuid, &error))
        die(error);
    return 0;
}

int
churn_lib_release(const char *uuid)
{
    g_autoptr(GError) error = NULL;

    if (!vgpu_mdev_remove(ctx, uuid, &error))
        die(error);
    return 0;
}
