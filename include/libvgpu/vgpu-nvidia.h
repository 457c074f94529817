/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - decoding of NVIDIA vGPU mdev type metadata.
 *
 * NVIDIA's vGPU manager publishes, per mdev type, a `name` such as
 * "GRID P4-4Q" and a `description` such as "num_heads=4, frl_config=60,
 * framebuffer=4096M, max_resolution=7680x4320, max_instance=2" (NVIDIA
 * Virtual GPU Software User Guide, "Creating an NVIDIA vGPU on a Linux
 * with KVM Hypervisor", sysfs files of an mdev type).
 */
#pragma once

#include <libvgpu/vgpu-common.h>

G_BEGIN_DECLS

/**
 * VgpuNvidiaType:
 *
 * Opaque, immutable record of the decoded metadata of one NVIDIA vGPU
 * type. Fields that were absent or unparsable read as 0 / %NULL.
 */
typedef struct _VgpuNvidiaType VgpuNvidiaType;

/**
 * vgpu_nvidia_type_new:
 * @name: (nullable): content of the type's `name` file, e.g. "GRID P4-4Q",
 *   "GRID P40-2B4", "NVIDIA A16-4Q"; surrounding whitespace is ignored.
 * @description: (nullable): content of the type's `description` file: a
 *   comma-separated list of key=value pairs.
 * @error: return location for a #GError, or %NULL
 *
 * Decodes an NVIDIA type. The name is "<prefix> <board>-<framebuffer
 * GiB><series>[<heads>]" with prefix "GRID" or "NVIDIA" and series one of
 * A (virtual applications, licence vApps), B (virtual PC, vPC), C
 * (compute server, vCS) or Q (virtual workstation, vDWS) — the series
 * table of the NVIDIA vGPU user guide. Description keys: `num_heads`,
 * `frl_config` (frames per second), `framebuffer` (value with an M suffix,
 * in MiB), `max_resolution` (WxH), `max_instance`; unknown keys are kept
 * verbatim (see vgpu_nvidia_type_get_value()).
 *
 * Returns: (transfer full): the decoded type, or %NULL with
 *   %VGPU_ERROR_UNSUPPORTED when neither @name nor @description looks like
 *   NVIDIA vGPU metadata (e.g. the mtty sample driver), or
 *   %VGPU_ERROR_INVALID_INPUT when a known description key has a
 *   malformed value (the message quotes it).
 */
VGPU_PUBLIC VgpuNvidiaType *vgpu_nvidia_type_new(const char *name,
                                                 const char *description,
                                                 GError **error);

/** vgpu_nvidia_type_free: @type: (nullable): frees @type; accepts %NULL. */
VGPU_PUBLIC void vgpu_nvidia_type_free(VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_board: Returns: (nullable) (transfer none): the
 * board from the name, e.g. "P4", "P40", "A16"; %NULL if no name. */
VGPU_PUBLIC const char *vgpu_nvidia_type_get_board(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_series: Returns: the series letter 'A', 'B', 'C'
 * or 'Q' from the name, or '\0' when unknown. */
VGPU_PUBLIC char vgpu_nvidia_type_get_series(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_series_description: Returns: (nullable)
 * (transfer none): what the series is for, e.g. "virtual workstation for
 * creative and technical professionals (Quadro features)"; %NULL when the
 * series is unknown. */
VGPU_PUBLIC const char *
vgpu_nvidia_type_get_series_description(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_license: Returns: (nullable) (transfer none): the
 * licence class needed in the guest: "vApps" (A), "vPC" (B), "vCS" (C),
 * "vDWS" (Q); %NULL when unknown. */
VGPU_PUBLIC const char *vgpu_nvidia_type_get_license(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_name_framebuffer_gib: Returns: the framebuffer
 * size in GiB encoded in the name ("P4-4Q" → 4), 0 if unknown. */
VGPU_PUBLIC guint
vgpu_nvidia_type_get_name_framebuffer_gib(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_framebuffer_mib: Returns: `framebuffer` from the
 * description in MiB ("4096M" → 4096), 0 if absent. */
VGPU_PUBLIC guint64
vgpu_nvidia_type_get_framebuffer_mib(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_num_heads: Returns: `num_heads` (virtual display
 * heads), 0 if absent. */
VGPU_PUBLIC guint vgpu_nvidia_type_get_num_heads(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_frl_config: Returns: `frl_config`, the frame rate
 * limit in frames per second, 0 if absent. */
VGPU_PUBLIC guint vgpu_nvidia_type_get_frl_config(const VgpuNvidiaType *type);

/**
 * vgpu_nvidia_type_get_max_resolution:
 * @type: a decoded type
 * @width: (out) (optional): horizontal pixels per display head
 * @height: (out) (optional): vertical pixels per display head
 *
 * Returns: %TRUE if the description had `max_resolution` (e.g.
 *   "7680x4320"), %FALSE otherwise (outputs set to 0).
 */
VGPU_PUBLIC gboolean
vgpu_nvidia_type_get_max_resolution(const VgpuNvidiaType *type, guint *width,
                                    guint *height);

/** vgpu_nvidia_type_get_max_instance: Returns: `max_instance`, the maximum
 * number of vGPUs of this type per physical GPU, 0 if absent. */
VGPU_PUBLIC guint
vgpu_nvidia_type_get_max_instance(const VgpuNvidiaType *type);

/**
 * vgpu_nvidia_type_get_value:
 * @type: a decoded type
 * @key: a description key, known or not (e.g. "num_heads", "vendor_x")
 *
 * Returns: (nullable) (transfer none): the raw value text of @key from the
 *   description, or %NULL if the key was absent.
 */
VGPU_PUBLIC const char *vgpu_nvidia_type_get_value(const VgpuNvidiaType *type,
                                                   const char *key);

/**
 * vgpu_nvidia_type_get_keys:
 * @type: a decoded type
 *
 * Returns: (transfer none): the description keys in the order they
 *   appeared, %NULL-terminated; owned by @type.
 */
VGPU_PUBLIC const char *const *
vgpu_nvidia_type_get_keys(const VgpuNvidiaType *type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuNvidiaType, vgpu_nvidia_type_free)

G_END_DECLS
