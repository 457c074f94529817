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
 * type. Fields that were absent (or, for the name, did not follow the
 * grammar) read as 0 / %NULL. Free with vgpu_nvidia_type_free().
 */
typedef struct _VgpuNvidiaType VgpuNvidiaType;

/**
 * vgpu_nvidia_type_new:
 * @name: (nullable): content of the type's `name` file, e.g. "GRID P4-4Q",
 *   "GRID P40-2B4", "NVIDIA A16-4Q", "NVIDIA A100-2-10C"; surrounding
 *   whitespace is ignored.
 * @description: (nullable): content of the type's `description` file: a
 *   comma-separated list of key=value pairs, e.g. "num_heads=4,
 *   frl_config=60, framebuffer=1024M, max_resolution=5120x2880,
 *   max_instance=24"; whitespace around items, keys and values is ignored.
 * @error: return location for a #GError, or %NULL
 *
 * Decodes an NVIDIA vGPU type. Pure computation, no I/O.
 *
 * The name is "<prefix> <board>-<framebuffer GiB><series>[<variant>]"
 * with prefix "GRID" or "NVIDIA", e.g. "GRID P4-4Q" (board P4, 4 GiB,
 * series Q) or "GRID M60-0B" (0: the 512 MiB types). MIG-backed types
 * (A100, A30, H100) insert the number of GPU slices:
 * "<prefix> <board>-<slices>-<framebuffer GiB><series>[<variant>]", e.g.
 * "NVIDIA A100-2-10C" (board A100, 10 GiB, series C). The series is one of
 * A (virtual applications, licence vApps), B (virtual PC, vPC), C
 * (compute server, vCS) or Q (virtual workstation, vDWS), after the vGPU
 * type table of the NVIDIA Virtual GPU Software User Guide. The optional
 * variant letters or digits after the series (the "4" of "P40-2B4", the
 * "ME" of "A100-1-5CME") are a variant suffix: accepted, not interpreted.
 * A name with an NVIDIA prefix that does not follow this grammar leaves
 * board, series and name framebuffer unset; another series letter leaves
 * only the series unset.
 *
 * Description keys (NVIDIA user guide, "sysfs files of an mdev type"):
 * `num_heads` (virtual display heads), `frl_config` (frame rate limit,
 * frames per second), `framebuffer` (MiB: "4096M", a plain "4096", or
 * "4G" for GiB), `max_resolution` ("WIDTHxHEIGHT" per display head),
 * `max_instance` (vGPUs of this type per physical GPU). Every key, known
 * or not, is kept verbatim in order (see vgpu_nvidia_type_get_keys()). A
 * description that is not a key=value list (free text) yields no keys.
 *
 * Returns: (transfer full): the decoded type, or %NULL with
 *   %VGPU_ERROR_UNSUPPORTED when neither @name (no "GRID "/"NVIDIA "
 *   prefix) nor @description (no known key) looks like NVIDIA vGPU
 *   metadata, e.g. the mtty sample driver's "Single port serial"; or
 *   %VGPU_ERROR_INVALID_INPUT when a known description key has a malformed
 *   value or appears twice (the message quotes the description and the
 *   value).
 */
VGPU_PUBLIC VgpuNvidiaType *vgpu_nvidia_type_new(const char *name,
                                                 const char *description,
                                                 GError **error);

/** vgpu_nvidia_type_free: @type: (nullable): frees @type; accepts %NULL. */
VGPU_PUBLIC void vgpu_nvidia_type_free(VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_board: Returns: (nullable) (transfer none): the
 * board from the name, e.g. "P4", "P40", "A16", "RTX6000"; %NULL if there
 * is no name or it does not follow the grammar of vgpu_nvidia_type_new().
 */
VGPU_PUBLIC const char *vgpu_nvidia_type_get_board(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_series: Returns: the series letter 'A', 'B', 'C'
 * or 'Q' from the name ("P40-2B4" → 'B'), or '\0' when unknown. */
VGPU_PUBLIC char vgpu_nvidia_type_get_series(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_series_description: Returns: (nullable)
 * (transfer none): one line on what the series is for and its display
 * limits, after the NVIDIA vGPU user guide: A "virtual applications: ...;
 * 1280x1024, 1 display", B "virtual PC for business professionals and
 * knowledge workers; up to 5K, 2 displays, 45 fps", C "compute server:
 * CUDA only, Linux guests only", Q "virtual workstation for creative and
 * technical professionals (Quadro features); up to 8K, 4 displays"; %NULL
 * when the series is unknown. */
VGPU_PUBLIC const char *
vgpu_nvidia_type_get_series_description(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_license: Returns: (nullable) (transfer none): the
 * licence class needed in the guest: "vApps" (A), "vPC" (B), "vCS" (C),
 * "vDWS" (Q); %NULL when unknown. */
VGPU_PUBLIC const char *vgpu_nvidia_type_get_license(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_name_framebuffer_gib: Returns: the framebuffer
 * size in GiB encoded in the name ("P4-4Q" → 4, "A100-2-10C" → 10), 0 if
 * unknown and for the 512 MiB "-0" types ("M60-0B"). */
VGPU_PUBLIC guint
vgpu_nvidia_type_get_name_framebuffer_gib(const VgpuNvidiaType *type);

/** vgpu_nvidia_type_get_framebuffer_mib: Returns: `framebuffer` from the
 * description in MiB ("4096M" → 4096, "4096" → 4096, "4G" → 4096), 0 if
 * absent. */
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
 *   description (trimmed, e.g. "4096M"), the first one if an unknown key
 *   repeats, or %NULL if the key was absent.
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
