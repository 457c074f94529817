/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - common definitions: export macro and the VGPU_ERROR domain.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#if defined(LIBVGPU_COMPILATION) && defined(__GNUC__)
#define VGPU_PUBLIC __attribute__((visibility("default")))
#else
#define VGPU_PUBLIC
#endif

/**
 * VGPU_ERROR:
 *
 * Error domain of every GError set by libvgpu and libvgpu-virt. The codes
 * are #VgpuError values and are stable across releases.
 */
#define VGPU_ERROR (vgpu_error_quark())

/**
 * VgpuError:
 * @VGPU_ERROR_FAILED: unspecified failure (should not normally be seen).
 * @VGPU_ERROR_NOT_FOUND: a parent device, mdev type, mediated device,
 *   ownership record or domain element does not exist.
 * @VGPU_ERROR_EXISTS: the object already exists (e.g. an mdev UUID that is
 *   already in use; kernel `EEXIST`).
 * @VGPU_ERROR_NO_CAPACITY: no parent device offers the mdev type with
 *   `available_instances > 0` (kernel `ENOSPC`/`EUSERS`).
 * @VGPU_ERROR_BUSY: the mediated device is still in use and could not be
 *   removed within the configured time (kernel `EBUSY`).
 * @VGPU_ERROR_INVALID_INPUT: malformed input: bad UUID, unsafe name, bad
 *   XML, unknown option value (kernel `EINVAL` on `create`).
 * @VGPU_ERROR_UNSUPPORTED: the host or the request asks for something this
 *   host cannot do (e.g. no mdev support, type mismatch of an existing mdev).
 * @VGPU_ERROR_SYSTEM: an operating-system call failed (I/O, permissions);
 *   the message carries strerror() text.
 * @VGPU_ERROR_LIBVIRT: libvirt reported an error (libvgpu-virt only).
 */
typedef enum {
    VGPU_ERROR_FAILED,
    VGPU_ERROR_NOT_FOUND,
    VGPU_ERROR_EXISTS,
    VGPU_ERROR_NO_CAPACITY,
    VGPU_ERROR_BUSY,
    VGPU_ERROR_INVALID_INPUT,
    VGPU_ERROR_UNSUPPORTED,
    VGPU_ERROR_SYSTEM,
    VGPU_ERROR_LIBVIRT,
} VgpuError;

/**
 * vgpu_error_quark:
 *
 * Returns: the #GQuark of the %VGPU_ERROR domain ("vgpu-error-quark").
 */
VGPU_PUBLIC GQuark vgpu_error_quark(void);

G_END_DECLS
