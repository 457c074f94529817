/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - mediated devices defined with mdevctl: the definitions in
 * `etc/mdevctl.d/<parent>/<uuid>` under the root, read only. The hook
 * starts a defined device that a domain names in a hostdev without a
 * libvgpu request (DESIGN.md, "The request in the domain definition";
 * docs/engine.md, "mdevctl definitions").
 *
 * The format is mdevctl's (mdevctl 1.2/1.3, src/mdev.rs `load_from_json()`,
 * `add_attributes()`; mdevctl(8)): one JSON object per file,
 *
 *     {"mdev_type": "nvidia-65", "start": "auto",
 *      "attrs": [{"assign_adapter": "5"}, {"assign_domain": "4"}]}
 *
 * named by the device's UUID, in a directory named by its parent device.
 * `mdev_type` and `start` are required (mdevctl: "invalid json" without
 * them); `attrs` is an array (or null, or absent) of objects with exactly
 * one member whose value is a string.
 */
#pragma once

#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

/**
 * VGPU_MDEVCTL_DEFINITION_MAX_BYTES:
 *
 * Largest definition file read: 64 KiB. mdevctl writes a few hundred
 * bytes; anything larger is refused unread.
 */
#define VGPU_MDEVCTL_DEFINITION_MAX_BYTES (64 * 1024)

/**
 * VGPU_MDEVCTL_ATTRS_MAX:
 *
 * Most attributes one definition may set (64); more is refused.
 */
#define VGPU_MDEVCTL_ATTRS_MAX 64

/**
 * VgpuMdevctlDefinition:
 *
 * Opaque, immutable mdevctl definition of one mediated device: UUID (the
 * file name), parent (its directory's name), mdev type, start mode and the
 * attributes to write, in order, once the device exists.
 */
typedef struct _VgpuMdevctlDefinition VgpuMdevctlDefinition;

/**
 * vgpu_mdevctl_lookup:
 * @ctx: a context
 * @uuid: canonical lowercase mdev UUID
 * @error: return location for a #GError, or %NULL
 *
 * Finds and reads the definition `etc/mdevctl.d/<parent>/<uuid>` under the
 * root, in every parent directory (mdevctl skips `scripts.d`, and so does
 * this). A definition is trusted only when every path step is a real
 * directory or file (no symlink: `O_NOFOLLOW` from `etc/`), the file is a
 * regular file of at most %VGPU_MDEVCTL_DEFINITION_MAX_BYTES owned by the
 * effective user (root) and not writable by group or others, its JSON is
 * valid in mdevctl's format, its type and parent are safe sysfs names, and
 * a `uuid` or `parent` member, when present, agrees with the path. Every
 * attribute name is a single sysfs name other than `remove` and `uevent`.
 * Reads files; no sysfs I/O, no lock.
 *
 * Returns: (transfer full): the definition, or %NULL with
 *   %VGPU_ERROR_NOT_FOUND (no definition: no error for the caller to
 *   report), %VGPU_ERROR_EXISTS (defined under several parents, which
 *   mdevctl refuses too: "Multiple definitions found"), or
 *   %VGPU_ERROR_INVALID_INPUT (an untrusted or malformed definition; one
 *   line naming the file, what is wrong and the fix, e.g. `mdevctl
 *   undefine --uuid …`), %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC VgpuMdevctlDefinition *
vgpu_mdevctl_lookup(VgpuContext *ctx, const char *uuid, GError **error);

/**
 * vgpu_mdevctl_list:
 * @ctx: a context
 * @anomalies: (nullable) (element-type utf8): caller-owned array (with
 *   g_free as free function) to which one line is appended for every
 *   definition file that vgpu_mdevctl_lookup() would refuse; such files
 *   are skipped either way
 * @error: return location for a #GError, or %NULL
 *
 * Every definition under `etc/mdevctl.d/`, by the rules of
 * vgpu_mdevctl_lookup(). File names that are not canonical UUIDs are
 * ignored (mdevctl warns "Can't determine uuid" and skips them too).
 *
 * Returns: (transfer full) (element-type VgpuMdevctlDefinition): sorted by
 *   UUID, then parent (empty when `etc/mdevctl.d` does not exist), or %NULL
 *   with %VGPU_ERROR_SYSTEM or %VGPU_ERROR_INVALID_INPUT (the directory
 *   itself is a symlink or not a directory).
 */
VGPU_PUBLIC GPtrArray *vgpu_mdevctl_list(VgpuContext *ctx, GPtrArray *anomalies,
                                         GError **error);

/** vgpu_mdevctl_definition_free: @definition: (nullable): accepts %NULL. */
VGPU_PUBLIC void
vgpu_mdevctl_definition_free(VgpuMdevctlDefinition *definition);
/** vgpu_mdevctl_definition_get_uuid: Returns: (transfer none): the
 * canonical mdev UUID (the file name). */
VGPU_PUBLIC const char *
vgpu_mdevctl_definition_get_uuid(const VgpuMdevctlDefinition *definition);
/** vgpu_mdevctl_definition_get_parent: Returns: (transfer none): the
 * parent device (the directory name), e.g. "0000:05:00.0". */
VGPU_PUBLIC const char *
vgpu_mdevctl_definition_get_parent(const VgpuMdevctlDefinition *definition);
/** vgpu_mdevctl_definition_get_type_id: Returns: (transfer none): the mdev
 * type (`mdev_type`). */
VGPU_PUBLIC const char *
vgpu_mdevctl_definition_get_type_id(const VgpuMdevctlDefinition *definition);
/** vgpu_mdevctl_definition_get_autostart: Returns: %TRUE for `"start":
 * "auto"` (mdevctl starts it when the parent appears), %FALSE otherwise. */
VGPU_PUBLIC gboolean
vgpu_mdevctl_definition_get_autostart(const VgpuMdevctlDefinition *definition);
/** vgpu_mdevctl_definition_get_path: Returns: (transfer none): the file the
 * definition was read from, under the root. */
VGPU_PUBLIC const char *
vgpu_mdevctl_definition_get_path(const VgpuMdevctlDefinition *definition);
/**
 * vgpu_mdevctl_definition_get_attrs:
 * @definition: a definition
 *
 * Returns: (transfer none) (array zero-terminated=1): the attributes as
 *   name, value, name, value, …, %NULL, in the order mdevctl writes them
 *   after creating the device (mdevctl `MDev::start()`).
 */
VGPU_PUBLIC const char *const *
vgpu_mdevctl_definition_get_attrs(const VgpuMdevctlDefinition *definition);

/**
 * vgpu_mdevctl_definition_to_request:
 * @definition: a definition
 *
 * The request that starts the defined device: class
 * %VGPU_DEVICE_CLASS_MDEV, origin %VGPU_DEVICE_ORIGIN_MDEVCTL, pinned to
 * the defined parent, carrying the attributes that vgpu_engine_prepare()
 * writes after creating it (a failed write fails the start and removes the
 * device, as `mdevctl start` does).
 *
 * Returns: (transfer full): the request; never %NULL (the definition was
 *   checked when read).
 */
VGPU_PUBLIC VgpuRequest *
vgpu_mdevctl_definition_to_request(const VgpuMdevctlDefinition *definition);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuMdevctlDefinition,
                              vgpu_mdevctl_definition_free)

G_END_DECLS
