/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the VGPU_ERROR domain.
 */
#include <libvgpu/vgpu-common.h>

G_DEFINE_QUARK(vgpu-error-quark, vgpu_error)
