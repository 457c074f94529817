/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the VGPU_ERROR domain.
 */
#include <libvgpu/vgpu-common.h>

#include "vgpu-text.h"

GQuark
vgpu_error_quark(void)
{
    return g_quark_from_static_string("vgpu-error-quark");
}

char *
vgpu_message_one_line(const char *message)
{
    return vgpu_text_one_line(message, VGPU_MESSAGE_LINE_MAX);
}
