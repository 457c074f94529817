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

#include "vgpu-sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long create waits for the device node to show up after write(). */
#define CREATE_APPEAR_TIMEOUT_US (2 * G_USEC_PER_SEC)
/* Poll interval while waiting for a device to appear or vanish. */
#define POLL_INTERVAL_US 2000
/* The remove write itself gets at least this long. */
#define REMOVE_MIN_WAIT_US (100 * 1000)

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

static gboolean
wait_for_presence(VgpuContext *ctx, const char *uuid, gboolean present,
                  gint64 deadline)
{
    for (;;) {
        if (vgpu_mdev_exists(ctx, uuid) == present)
            return TRUE;
        if (g_get_monotonic_time() >= deadline)
            return FALSE;
        g_usleep(POLL_INTERVAL_US);
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
    if (!wait_for_presence(ctx, uuid, TRUE,
                           g_get_monotonic_time() + CREATE_APPEAR_TIMEOUT_US)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "the kernel accepted mediated device %s of type %s on "
                    "%s but %s/%s did not appear; check the vendor "
                    "driver's kernel log (dmesg)",
                    uuid, type_id, parent, VGPU_SYSFS_MDEV_DEVICES, uuid);
        return FALSE;
    }
    return TRUE;
}

/*
 * Writes "1" to @remove_path in a child process, so that a write the
 * kernel blocks (device still open) never blocks the caller beyond
 * @deadline. The child reports the write's errno through a pipe. Returns
 * 0, that errno, or ETIMEDOUT when the child is still blocked at the
 * deadline (it is then left to finish on its own).
 */
static int
write_remove_bounded(const char *remove_path, gint64 deadline)
{
    int fds[2];
    int result = ETIMEDOUT;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) != 0)
        return errno;
    pid = fork();
    if (pid < 0) {
        int errsv = errno;
        close(fds[0]);
        close(fds[1]);
        return errsv;
    }
    if (pid == 0) {
        int errsv = vgpu_sysfs_write_attr(remove_path, "1");
        if (write(fds[1], &errsv, sizeof(errsv)) != sizeof(errsv))
            _exit(1);
        _exit(0);
    }
    close(fds[1]);

    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int n;

        if (left_ms < 0)
            left_ms = 0;
        n = poll(&pfd, 1, (int)MIN(left_ms, G_MAXINT));
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            int errsv;
            if (read(fds[0], &errsv, sizeof(errsv)) == sizeof(errsv))
                result = errsv;
            else
                result = EIO; /* the child died without reporting */
            waitpid(pid, NULL, 0);
        }
        break;
    }
    close(fds[0]);
    return result;
}

gboolean
vgpu_mdev_remove(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autofree char *remove_path = NULL;
    guint timeout_ms;
    gint64 deadline;
    int errsv;

    g_return_val_if_fail(ctx != NULL, FALSE);

    if (!vgpu_uuid_check(uuid, error))
        return FALSE;
    if (!vgpu_mdev_exists(ctx, uuid)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no mediated device %s in %s", uuid,
                    VGPU_SYSFS_MDEV_DEVICES);
        return FALSE;
    }

    timeout_ms = vgpu_context_get_remove_timeout(ctx);
    deadline = g_get_monotonic_time() +
               MAX((gint64)timeout_ms * 1000, REMOVE_MIN_WAIT_US);
    remove_path = vgpu_sysfs_device_path(ctx, uuid, "remove");

    for (;;) {
        errsv = write_remove_bounded(remove_path, deadline);
        if (errsv != EBUSY)
            break;
        /* still held: retry until the deadline */
        g_usleep(MIN(50 * 1000, MAX(deadline - g_get_monotonic_time(), 0)));
        if (g_get_monotonic_time() >= deadline)
            break;
    }

    if (errsv != 0 && errsv != ENOENT && errsv != ENODEV && errsv != EBUSY &&
        errsv != ETIMEDOUT) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot remove mediated device %s: %s", uuid,
                    g_strerror(errsv));
        return FALSE;
    }
    if (!wait_for_presence(ctx, uuid, FALSE, deadline)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                    "mediated device %s is still present %u ms after "
                    "removal was requested (%s); it is probably still in "
                    "use: stop its user and remove it again",
                    uuid, timeout_ms,
                    errsv == EBUSY       ? "kernel EBUSY"
                    : errsv == ETIMEDOUT ? "the kernel is still waiting "
                                           "for its user"
                                         : "vendor driver teardown");
        return FALSE;
    }
    return TRUE;
}
