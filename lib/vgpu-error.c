/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the VGPU_ERROR domain.
 */
#include <libvgpu/vgpu-common.h>

GQuark
vgpu_error_quark(void)
{
    return g_quark_from_static_string("vgpu-error-quark");
}
