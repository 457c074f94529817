/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - private helpers for sysfs-style attribute files and for the
 * host paths libvgpu uses. Not installed, not exported.
 *
 * Paths (kernel Documentation/driver-api/vfio-mediated-device.rst):
 *   sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/<attr>
 *   sys/bus/mdev/devices/<uuid>/<attr>
 */
#pragma once

#include <libvgpu/vgpu-context.h>

#define VGPU_SYSFS_MDEV_BUS "sys/class/mdev_bus"
#define VGPU_SYSFS_MDEV_DEVICES "sys/bus/mdev/devices"
#define VGPU_NAME_MAX 255

/*
 * vgpu_name_check:
 * @what: what the name is, for the message, e.g. "parent device"
 * @name: (nullable): a name that must be one safe path component
 *
 * Accepts 1..255 printable ASCII bytes (0x21-0x7e) with no '/', and not
 * "." or "..": every kernel device and mdev type name. Sets
 * VGPU_ERROR_INVALID_INPUT quoting @name otherwise.
 */
gboolean vgpu_name_check(const char *what, const char *name, GError **error);

/*
 * vgpu_uuid_check:
 * @uuid: (nullable): an mdev UUID that becomes a path component
 *
 * Accepts only the canonical lowercase form (vgpu_uuid_is_valid()); sets
 * VGPU_ERROR_INVALID_INPUT quoting @uuid otherwise.
 */
gboolean vgpu_uuid_check(const char *uuid, GError **error);

/* Same as vgpu_name_check() without an error. */
gboolean vgpu_name_is_safe(const char *name);

/*
 * vgpu_sysfs_read_attr:
 * Reads a small attribute file (at most 64 KiB; a page's buffer first,
 * grown only for a larger one) and strips trailing whitespace; returns a
 * string of its own length (free with g_free()). A read(2) that returns
 * less than asked ends it: sysfs hands an attribute out whole in its first
 * read (fs/kernfs/file.c), and so do regular files. VGPU_ERROR_NOT_FOUND
 * when the file does not exist, VGPU_ERROR_SYSTEM otherwise.
 */
char *vgpu_sysfs_read_attr(const char *path, GError **error);

/*
 * vgpu_sysfs_read_uint:
 * Reads a decimal unsigned attribute such as available_instances.
 * VGPU_ERROR_INVALID_INPUT when the content is not a number.
 */
gboolean vgpu_sysfs_read_uint(const char *path, guint *value, GError **error);

/*
 * vgpu_sysfs_write_attr:
 * Opens @path write-only and writes @value in one write(2), as sysfs store
 * methods expect. Returns 0 on success or the errno of open/write.
 */
int vgpu_sysfs_write_attr(const char *path, const char *value);

/* <root>/sys/class/mdev_bus/<parent>/mdev_supported_types/<type>[/<attr>] */
char *vgpu_sysfs_type_path(VgpuContext *ctx, const char *parent,
                           const char *type_id, const char *attr);

/* <root>/sys/bus/mdev/devices/<uuid>[/<attr>] */
char *vgpu_sysfs_device_path(VgpuContext *ctx, const char *uuid,
                             const char *attr);

/* Called with each name of a directory; returns FALSE to stop. */
typedef gboolean (*VgpuSysfsEntryFunc)(const char *name, gpointer data);

/*
 * vgpu_sysfs_scan_dir:
 * Calls @func with each name in @path but "." and "..", in the order of
 * getdents64(2), until it returns FALSE. Reads the entries into the stack
 * with getdents64() on an O_DIRECTORY descriptor: no allocation, and no
 * fstat(2), which opendir(3) makes (glibc sizes its buffer by st_blksize)
 * and which on a FUSE tree is one more round trip to the file system.
 * Returns 0, or the errno of open(2) or getdents64(2) (ENOENT and ENOTDIR
 * for a missing directory).
 */
int vgpu_sysfs_scan_dir(const char *path, VgpuSysfsEntryFunc func,
                        gpointer data);

/*
 * vgpu_sysfs_list_dir:
 * Names in @path (no "." / ".."), sorted with strcmp
 * (vgpu_sysfs_scan_dir()). A missing directory gives an empty array;
 * other failures VGPU_ERROR_SYSTEM "cannot list <path>: <strerror>".
 */
GPtrArray *vgpu_sysfs_list_dir(const char *path, GError **error);

/* Does device @id exist now? (a backend's exists()) */
typedef gboolean (*VgpuSysfsExistsFunc)(VgpuContext *ctx, const char *id);

/*
 * vgpu_sysfs_wait_gone:
 * Asks @exists every 2 ms until device @id is gone (%TRUE) or @deadline
 * (monotonic clock, µs) has passed (%FALSE): a driver may keep a device a
 * while after its removal was written (the emulator's remove_delay_ms).
 */
gboolean vgpu_sysfs_wait_gone(VgpuContext *ctx, const char *id,
                              VgpuSysfsExistsFunc exists, gint64 deadline);

/* GCompareFunc for g_ptr_array_sort() of strings, by strcmp(). */
gint vgpu_compare_names(gconstpointer a, gconstpointer b);

/* Sets VGPU_ERROR_SYSTEM with "<action> <path>: <strerror>". */
void vgpu_set_system_error(GError **error, int errsv, const char *action,
                           const char *path);
