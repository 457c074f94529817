/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - what only the library sets on a request (private): requests
 * made from mdevctl definitions (vgpu-mdevctl.c) and the attributes the
 * engine writes after creating their device.
 */
#pragma once

#include <libvgpu/vgpu-request.h>

/*
 * vgpu_request_new_mdevctl:
 * Like vgpu_request_new() with a required @parent, origin
 * VGPU_DEVICE_ORIGIN_MDEVCTL, and @attrs (nullable; name, value, …, NULL;
 * copied) to write to the device's sysfs attributes, in order, once it
 * exists (mdevctl src/mdev.rs MDev::start()). The caller has checked the
 * attribute names (single sysfs names).
 */
VgpuRequest *vgpu_request_new_mdevctl(const char *uuid, const char *type_id,
                                      const char *parent,
                                      const char *const *attrs, GError **error);

/* The attributes of an mdevctl request (name, value, …, NULL; empty for
 * every other request). Transfer none. */
const char *const *vgpu_request_get_attrs(const VgpuRequest *request);
