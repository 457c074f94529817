/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the context: the host root every path is resolved under.
 */
#pragma once

#include <libvgpu/vgpu-common.h>

G_BEGIN_DECLS

/**
 * VgpuContext:
 *
 * Opaque, reference-counted object holding the host root (default "/")
 * under which every host path is resolved: `sys/class/mdev_bus/...`,
 * `sys/bus/mdev/devices/...`, `run/libvgpu/` (state), `etc/libvgpu/`
 * (configuration). Nothing in libvgpu reads an absolute host path
 * directly, so tests point a context at a fixture tree or at the mdev
 * sysfs emulator. A context is immutable after construction apart from
 * the timeouts, and may be shared between threads.
 */
typedef struct _VgpuContext VgpuContext;

/**
 * VGPU_ROOT_ENV:
 *
 * Name of the environment variable ("LIBVGPU_ROOT") that overrides the
 * host root for the hook and the CLI (see vgpu_context_new_from_env()).
 */
#define VGPU_ROOT_ENV "LIBVGPU_ROOT"

/**
 * VGPU_REMOVE_TIMEOUT_DEFAULT_MS:
 *
 * Default bound, in milliseconds, on how long vgpu_mdev_remove() waits for
 * a mediated device to go away (10 s: NVIDIA's vGPU manager can take
 * several seconds to tear a vGPU down).
 */
#define VGPU_REMOVE_TIMEOUT_DEFAULT_MS 10000

/**
 * vgpu_context_new:
 * @root: (nullable): absolute path of the host root, or %NULL for "/".
 *   Must be an absolute path without ".." components; trailing slashes
 *   are ignored. The directory need not contain anything yet.
 * @error: return location for a #GError, or %NULL
 *
 * Creates a context. Does no I/O beyond checking that @root is a
 * directory.
 *
 * Returns: (transfer full): a new context, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT (relative path, ".." component) or
 *   %VGPU_ERROR_NOT_FOUND (@root is not an existing directory).
 */
VGPU_PUBLIC VgpuContext *vgpu_context_new(const char *root, GError **error);

/**
 * vgpu_context_new_from_env:
 * @error: return location for a #GError, or %NULL
 *
 * Like vgpu_context_new() with the root taken from the environment
 * variable %VGPU_ROOT_ENV ("LIBVGPU_ROOT"); unset or empty means "/".
 *
 * Returns: (transfer full): a new context, or %NULL with the errors of
 *   vgpu_context_new().
 */
VGPU_PUBLIC VgpuContext *vgpu_context_new_from_env(GError **error);

/**
 * vgpu_context_ref:
 * @ctx: a context
 *
 * Returns: (transfer full): @ctx, with its reference count increased.
 */
VGPU_PUBLIC VgpuContext *vgpu_context_ref(VgpuContext *ctx);

/**
 * vgpu_context_unref:
 * @ctx: (nullable): a context
 *
 * Drops a reference; frees the context when it was the last. Accepts %NULL.
 */
VGPU_PUBLIC void vgpu_context_unref(VgpuContext *ctx);

/**
 * vgpu_context_get_root:
 * @ctx: a context
 *
 * Returns: (transfer none): the host root without a trailing slash ("/"
 *   for the real host), valid as long as @ctx lives.
 */
VGPU_PUBLIC const char *vgpu_context_get_root(VgpuContext *ctx);

/**
 * vgpu_context_build_path:
 * @ctx: a context
 * @relative: a path relative to the host root, e.g. "sys/bus/mdev/devices"
 *
 * Returns: (transfer full): the absolute path of @relative under the root,
 *   e.g. "/tmp/root/sys/bus/mdev/devices". Free with g_free().
 */
VGPU_PUBLIC char *vgpu_context_build_path(VgpuContext *ctx,
                                          const char *relative);

/**
 * vgpu_context_set_remove_timeout:
 * @ctx: a context
 * @timeout_ms: upper bound in milliseconds for vgpu_mdev_remove() to wait
 *   for a device to disappear (values below 100 still allow 100 ms for the
 *   write itself).
 *
 * Sets the removal bound; the default is %VGPU_REMOVE_TIMEOUT_DEFAULT_MS.
 * The configuration file key `[libvgpu] remove_timeout_ms` sets it for the
 * hook and CLI (see vgpu_config_load()).
 */
VGPU_PUBLIC void vgpu_context_set_remove_timeout(VgpuContext *ctx,
                                                 guint timeout_ms);

/**
 * vgpu_context_get_remove_timeout:
 * @ctx: a context
 *
 * Returns: the removal bound in milliseconds.
 */
VGPU_PUBLIC guint vgpu_context_get_remove_timeout(VgpuContext *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuContext, vgpu_context_unref)

G_END_DECLS
