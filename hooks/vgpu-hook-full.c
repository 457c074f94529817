/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook-worker-full - the hook program that links libvgpu: every
 * operation through vgpu_hook_run(). vgpu-hook hands `migrate begin` and
 * `restore begin` over to it (the XML is rewritten with libxml2), and a
 * `prepare begin` when a hostdev without a request may have an mdevctl
 * definition (read with json-glib).
 */
#include "vgpu-hook-run.h"

gboolean
vgpu_hook_program_run(VgpuContext *ctx, char **argv,
                      VgpuHookOperation operation, const char *xml,
                      gsize xml_len, const VgpuEngineOptions *options,
                      char **output, GError **error)
{
    return vgpu_hook_run(ctx, argv[1], operation, xml, xml_len, options, output,
                         error);
}
