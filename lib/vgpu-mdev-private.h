/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the steps of an mdev removal, for the mdev backend (private).
 */
#pragma once

#include <libvgpu/vgpu-context.h>

/* One write of "1" to sys/bus/mdev/devices/<uuid>/remove: VGPU_ERROR_BUSY
 * (kernel EBUSY: retry), VGPU_ERROR_NOT_FOUND (ENOENT/ENODEV: gone),
 * VGPU_ERROR_SYSTEM otherwise. May block in the kernel. */
gboolean vgpu_mdev_request_remove(VgpuContext *ctx, const char *uuid,
                                  GError **error);

/* Polls until sys/bus/mdev/devices/<uuid> is gone or @deadline
 * (g_get_monotonic_time() µs) passes; TRUE when gone. */
gboolean vgpu_mdev_wait_gone(VgpuContext *ctx, const char *uuid,
                             gint64 deadline);

/*
 * vgpu_mdev_write_attrs:
 * Writes @attrs (name, value, …, NULL) to the attributes
 * sys/bus/mdev/devices/<uuid>/<name>, in order, as mdevctl does after
 * creating a defined device (src/mdev.rs MDev::start(), write_attr()): an
 * attribute that is not a regular file of the device (missing, a link) is
 * VGPU_ERROR_INVALID_INPUT (mdevctl: "Invalid attribute"), a refused write
 * VGPU_ERROR_SYSTEM; both messages name the device, the attribute and the
 * way out. Stops at the first failure; the caller removes the device.
 */
gboolean vgpu_mdev_write_attrs(VgpuContext *ctx, const char *uuid,
                               const char *const *attrs, GError **error);
