/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-virt-loader - libvgpu-virt, and with it libvirt, loaded on first
 * use: vgpuctl does not link them, so that the commands that never talk to
 * libvirt do not load them.
 */
#pragma once

#include <glib.h>

/* The library vgpuctl loads to talk to libvirt. */
#define VGPUCTL_VIRT_LIBRARY "libvgpu-virt.so.0"

/*
 * Loads VGPUCTL_VIRT_LIBRARY (and libvirt) unless it is loaded already.
 * vgpuctl_open_libvirt() calls it before the first connection; until then
 * no libvgpu-virt function may be called. Returns %FALSE with one line
 * naming the library, why it cannot be loaded and what to install.
 */
gboolean vgpuctl_virt_load(GError **error);
