/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - creating and removing mediated devices through sysfs.
 *
 * Kernel side (drivers/vfio/mdev/mdev_sysfs.c, mdev_core.c, v6.1):
 * - `create_store` parses the UUID (guid_parse → -EINVAL on garbage),
 *   mdev_device_create() returns -EEXIST for a UUID already in use and
 *   -EUSERS when the core's available_instances counter is 0; vendor
 *   drivers return their own errors from their create/probe callback
 *   (mtty: -ENOSPC when its ports are exhausted; NVIDIA: -ENOSPC/-EDQUOT
 *   style failures when the GPU is full or hosts another type).
 * - `remove_store` accepts "1" and unregisters the device; the VFIO core
 *   then waits for the device to be released by its user (QEMU), so the
 *   write can block; some vendor drivers return -EBUSY instead, and
 *   NVIDIA's vGPU manager may finish tearing down after the write
 *   returns.
 */
#include <libvgpu/vgpu-mdev.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-mdev-private.h"
#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Pause between remove writes the driver refused with EBUSY. */
#define REMOVE_RETRY_US (50 * 1000)

gboolean
vgpu_mdev_exists(VgpuContext *ctx, const char *uuid)
{
    g_autofree char *path = NULL;
    struct stat st;

    g_return_val_if_fail(ctx != NULL, FALSE);
    if (!vgpu_uuid_is_valid(uuid))
        return FALSE;
    path = vgpu_sysfs_device_path(ctx, uuid, NULL);
    return stat(path, &st) == 0;
}

static void
set_create_error(VgpuContext *ctx, int errsv, const char *parent,
                 const char *type_id, const char *uuid, GError **error)
{
    g_autofree char *avail_path =
        vgpu_sysfs_type_path(ctx, parent, type_id, "available_instances");
    guint available = 0;

    switch (errsv) {
    case EEXIST:
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "cannot create mediated device %s: a device with this "
                    "UUID already exists (kernel EEXIST); remove it first "
                    "or use another UUID",
                    uuid);
        return;
    case ENOSPC:
    case EUSERS:
    case EDQUOT:
        if (!vgpu_sysfs_read_uint(avail_path, &available, NULL))
            available = 0;
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY,
                    "cannot create mediated device %s of type %s on %s: "
                    "no instance left (kernel %s; available_instances is "
                    "now %u); stop a domain using this parent or choose "
                    "another parent",
                    uuid, type_id, parent,
                    errsv == ENOSPC   ? "ENOSPC"
                    : errsv == EUSERS ? "EUSERS"
                                      : "EDQUOT",
                    available);
        return;
    case EINVAL:
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "the kernel rejected mediated device %s of type %s on "
                    "%s (EINVAL); check the UUID and that the vendor "
                    "driver accepts this type",
                    uuid, type_id, parent);
        return;
    case ENOENT:
    case ENODEV:
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device %s does not offer mdev type %s (or it "
                    "vanished); 'vgpuctl types' lists what this host offers",
                    parent, type_id);
        return;
    default:
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot create mediated device %s of type %s on %s: %s",
                    uuid, type_id, parent, g_strerror(errsv));
        return;
    }
}

gboolean
vgpu_mdev_create(VgpuContext *ctx, const char *parent, const char *type_id,
                 const char *uuid, GError **error)
{
    g_autofree char *create_path = NULL;
    int errsv;

    g_return_val_if_fail(ctx != NULL, FALSE);

    if (!vgpu_name_check("parent device", parent, error) ||
        !vgpu_name_check("mdev type", type_id, error) ||
        !vgpu_uuid_check(uuid, error))
        return FALSE;

    create_path = vgpu_sysfs_type_path(ctx, parent, type_id, "create");
    errsv = vgpu_sysfs_write_attr(create_path, uuid);
    if (errsv != 0) {
        set_create_error(ctx, errsv, parent, type_id, uuid, error);
        return FALSE;
    }
    /* The device is there when the write returns (see the docstring). */
    return TRUE;
}

static void
set_remove_error(int errsv, const char *uuid, GError **error)
{
    switch (errsv) {
    case ENOENT:
    case ENODEV:
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no mediated device %s in %s", uuid,
                    VGPU_SYSFS_MDEV_DEVICES);
        return;
    case EBUSY:
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                    "mediated device %s is still in use (kernel EBUSY); "
                    "stop its user and remove it again",
                    uuid);
        return;
    default:
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot remove mediated device %s: %s", uuid,
                    g_strerror(errsv));
        return;
    }
}

gboolean
vgpu_mdev_request_remove(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autofree char *remove_path = NULL;
    int errsv;

    if (!vgpu_uuid_check(uuid, error))
        return FALSE;
    remove_path = vgpu_sysfs_device_path(ctx, uuid, "remove");
    errsv = vgpu_sysfs_write_attr(remove_path, "1");
    if (errsv != 0) {
        set_remove_error(errsv, uuid, error);
        return FALSE;
    }
    return TRUE;
}

gboolean
vgpu_mdev_wait_gone(VgpuContext *ctx, const char *uuid, gint64 deadline)
{
    return vgpu_sysfs_wait_gone(ctx, uuid, vgpu_mdev_exists, deadline);
}

gboolean
vgpu_mdev_remove(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autoptr(GError) local = NULL;
    guint timeout_ms;
    gint64 deadline;

    g_return_val_if_fail(ctx != NULL, FALSE);

    if (!vgpu_uuid_check(uuid, error))
        return FALSE;
    if (!vgpu_mdev_exists(ctx, uuid)) {
        set_remove_error(ENODEV, uuid, error);
        return FALSE;
    }

    timeout_ms = vgpu_context_get_remove_timeout(ctx);
    deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (!vgpu_mdev_request_remove(ctx, uuid, &local)) {
        if (g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND))
            return TRUE; /* gone between the check and the write */
        if (!g_error_matches(local, VGPU_ERROR, VGPU_ERROR_BUSY) ||
            g_get_monotonic_time() >= deadline) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        g_clear_error(&local);
        g_usleep(
            MIN(REMOVE_RETRY_US, MAX(deadline - g_get_monotonic_time(), 0)));
    }
    if (!vgpu_mdev_wait_gone(ctx, uuid, deadline)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                    "mediated device %s is still present %u ms after "
                    "removal was requested (vendor driver teardown); it is "
                    "probably still in use: stop its user and remove it "
                    "again",
                    uuid, timeout_ms);
        return FALSE;
    }
    return TRUE;
}

gboolean
vgpu_mdev_write_attrs(VgpuContext *ctx, const char *uuid,
                      const char *const *attrs, GError **error)
{
    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(attrs != NULL, FALSE);

    if (!vgpu_uuid_check(uuid, error))
        return FALSE;
    for (guint i = 0; attrs[i] && attrs[i + 1]; i += 2) {
        g_autofree char *path = NULL;
        g_autofree char *value = vgpu_text_quote(attrs[i + 1]);
        struct stat st;
        int errsv;

        if (!vgpu_name_check("device attribute", attrs[i], error))
            return FALSE;
        path = vgpu_sysfs_device_path(ctx, uuid, attrs[i]);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "mediated device %s has no attribute %s to write "
                        "%s to (mdevctl: \"Invalid attribute\"); remove "
                        "it from the device's mdevctl definition with "
                        "'mdevctl modify --uuid %s --delattr --index %u'",
                        uuid, attrs[i], value, uuid, i / 2);
            return FALSE;
        }
        errsv = vgpu_sysfs_write_attr(path, attrs[i + 1]);
        if (errsv != 0) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                        "writing %s to attribute %s of mediated device %s "
                        "failed: %s; correct the value in its mdevctl "
                        "definition ('mdevctl modify --uuid %s')",
                        value, attrs[i], uuid, g_strerror(errsv), uuid);
            return FALSE;
        }
    }
    return TRUE;
}
