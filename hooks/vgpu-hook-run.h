/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook-run - what a hook program does with an operation other than
 * `release end` (which both run the same way, in a detached helper:
 * vgpu-hook.c). One definition per program: vgpu-hook-lean.c (vgpu-hook)
 * and vgpu-hook-full.c (vgpu-hook-worker-full).
 */
#pragma once

#include <libvgpu/libvgpu.h>

/*
 * vgpu_hook_program_run:
 * @ctx: the host
 * @argv: the hook's arguments (DOMAIN OPERATION SUB-OPERATION [EXTRA]), as
 *   libvirt passed them; vgpu-hook passes them on when it hands over to
 *   vgpu-hook-worker-full
 * @operation: the operation (never %VGPU_HOOK_OPERATION_RELEASE_END)
 * @xml: (nullable): the domain XML read from standard input
 * @xml_len: its length in bytes
 * @options: engine options
 * @output: (out) (transfer full): the new domain XML for libvirt, or %NULL
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; the contract of vgpu_hook_run().
 */
gboolean vgpu_hook_program_run(VgpuContext *ctx, char **argv,
                               VgpuHookOperation operation, const char *xml,
                               gsize xml_len, const VgpuEngineOptions *options,
                               char **output, GError **error);
