/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook-worker-full - the worker that links libvgpu: every operation
 * through vgpu_hook_run(). The front runs it for `migrate begin` and
 * `restore begin` (the XML is rewritten with libxml2); the lean worker
 * hands a `prepare begin` over to it when a hostdev without a request may
 * have an mdevctl definition (read with json-glib).
 */
#include "vgpu-hook-worker.h"

gboolean
vgpu_hook_worker_run(VgpuContext *ctx, char **argv, VgpuHookOperation operation,
                     const char *xml, gsize xml_len,
                     const VgpuEngineOptions *options, char **output,
                     GError **error)
{
    return vgpu_hook_run(ctx, argv[1], operation, xml, xml_len, options, output,
                         error);
}
