/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - state directory internals shared by the engine (private).
 */
#pragma once

#include <libvgpu/vgpu-context.h>

#include "vgpu-text.h"

/*
 * vgpu_state_open:
 * Opens run/libvgpu (or, with @records, run/libvgpu/mdevs) under the root
 * without following symlinks, creating it mode 0700 when @create, and
 * refuses one that is not a directory, not owned by the effective user or
 * writable by group/others (VGPU_ERROR_UNSUPPORTED naming the path and the
 * fix). Returns an O_DIRECTORY fd, or -1: with @error set, or with no error
 * and errno ENOENT when it does not exist and !@create.
 */
int vgpu_state_open(VgpuContext *ctx, gboolean records, gboolean create,
                    GError **error);

/*
 * vgpu_state_clean_temporary:
 * Deletes the temporary files (".tmp-*") of record saves in
 * run/libvgpu/mdevs. Only call it with the host lock held: every save
 * happens under the lock, so a temporary file seen then is stale.
 * Returns how many were deleted.
 */
guint vgpu_state_clean_temporary(VgpuContext *ctx);

/* Is there a temporary file of a record save in run/libvgpu/mdevs (one
 * readdir)? Outside the lock it may be an in-flight save. */
gboolean vgpu_state_has_temporary(VgpuContext *ctx);
