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

/**
 * VGPU_MESSAGE_LINE_MAX:
 *
 * Longest line vgpu_message_one_line() returns, in bytes (1024).
 */
#define VGPU_MESSAGE_LINE_MAX 1024

/**
 * vgpu_message_one_line:
 * @message: (nullable): a message about to be printed or logged, such as
 *   a #GError message from libvgpu
 *
 * The last guard before a message leaves a program (the hook's stderr,
 * which libvirt shows to the `virsh start` user; syslog; vgpuctl output):
 * newlines become spaces, other control characters, terminal escape and
 * bidirectional-override characters and invalid UTF-8 become `\xNN`, and
 * the result is cut at a character boundary to at most
 * %VGPU_MESSAGE_LINE_MAX bytes (ending in "…" when cut). Values from
 * domain XML or files may reach messages; this keeps the "one line"
 * promise of DESIGN.md whatever they hold.
 *
 * Returns: (transfer full): one line; free with g_free().
 */
VGPU_PUBLIC char *vgpu_message_one_line(const char *message);

G_END_DECLS
