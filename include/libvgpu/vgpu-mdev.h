/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - creating and removing mediated devices through sysfs (kernel
 * Documentation/driver-api/vfio-mediated-device.rst; drivers/vfio/mdev/
 * mdev_sysfs.c `create_store`, `remove_store`; mdev_core.c).
 */
#pragma once

#include <libvgpu/vgpu-context.h>

G_BEGIN_DECLS

/**
 * vgpu_mdev_create:
 * @ctx: a context
 * @parent: parent device name, e.g. "0000:05:00.0"
 * @type_id: mdev type id, e.g. "nvidia-65"
 * @uuid: canonical lowercase UUID of the new device
 * @error: return location for a #GError, or %NULL
 *
 * Writes @uuid to `sys/class/mdev_bus/<parent>/mdev_supported_types/
 * <type>/create` in one write(2). The write returns only once the device
 * is there: `create_store()` (kernel drivers/vfio/mdev/mdev_sysfs.c) calls
 * `mdev_device_create()` (mdev_core.c), which adds the device (and so its
 * `sys/bus/mdev/devices/<uuid>` link), binds the vendor driver and makes
 * its sysfs files before returning 0; so no second look is made.
 * Does not take the host lock: callers that allocate capacity hold it
 * (see vgpu_state_lock_host()). Kernel errnos map to codes: `EEXIST` →
 * %VGPU_ERROR_EXISTS; `ENOSPC`, `EUSERS` (no instance left; the message
 * re-reads `available_instances`) and `EDQUOT` → %VGPU_ERROR_NO_CAPACITY;
 * `EINVAL` → %VGPU_ERROR_INVALID_INPUT; `ENODEV` or a missing type
 * directory → %VGPU_ERROR_NOT_FOUND; others → %VGPU_ERROR_SYSTEM.
 *
 * Returns: %TRUE when the device exists afterwards.
 */
VGPU_PUBLIC gboolean vgpu_mdev_create(VgpuContext *ctx, const char *parent,
                                      const char *type_id, const char *uuid,
                                      GError **error);

/**
 * vgpu_mdev_remove:
 * @ctx: a context
 * @uuid: canonical lowercase UUID of an existing mediated device
 * @error: return location for a #GError, or %NULL
 *
 * Writes "1" to `sys/bus/mdev/devices/<uuid>/remove` (kernel
 * drivers/vfio/mdev/mdev_sysfs.c `remove_store()`), retrying while the
 * vendor driver refuses with `EBUSY`, then waits until the device is gone,
 * at most vgpu_context_get_remove_timeout() ms in all. Does not take the
 * host lock, and must not be called with it held: the write itself can
 * block in the kernel (`vfio_unregister_group_dev()` waits, without a
 * timeout, until the device's user such as QEMU closes it), beyond the
 * bound; run it in a thread if the caller needs to stay responsive.
 * NVIDIA's vGPU manager may also finish tearing a device down after the
 * write returns; that wait is bounded. The library never forks.
 *
 * Returns: %TRUE when the device is gone; %FALSE with
 *   %VGPU_ERROR_NOT_FOUND (no such device), %VGPU_ERROR_BUSY (still there
 *   after the bound), %VGPU_ERROR_INVALID_INPUT (bad UUID) or
 *   %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC gboolean vgpu_mdev_remove(VgpuContext *ctx, const char *uuid,
                                      GError **error);

/**
 * vgpu_mdev_exists:
 * @ctx: a context
 * @uuid: canonical lowercase UUID
 *
 * Returns: %TRUE if `sys/bus/mdev/devices/<uuid>` exists (one stat()).
 */
VGPU_PUBLIC gboolean vgpu_mdev_exists(VgpuContext *ctx, const char *uuid);

G_END_DECLS
