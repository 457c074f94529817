/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - a domain's request for one vGPU, as written in its
 * `<metadata>` (DESIGN.md, "The request in the domain definition"), and the
 * device classes a request can name (DESIGN.md, "Device classes").
 */
#pragma once

#include <libvgpu/vgpu-common.h>

G_BEGIN_DECLS

/**
 * VGPU_REQUESTS_MAX:
 *
 * Most vGPU requests one domain may carry (64). No hypervisor gives a
 * guest more (NVIDIA supports up to 16 vGPUs per VM; QEMU's PCI topology
 * runs out long before 64); the cap keeps a hostile or broken definition
 * from costing the hook time or memory.
 */
#define VGPU_REQUESTS_MAX 64

/**
 * VgpuDeviceClass:
 * @VGPU_DEVICE_CLASS_MDEV: a mediated device created through
 *   `mdev_supported_types/<type>/create` (kernel
 *   Documentation/driver-api/vfio-mediated-device.rst), named by UUID.
 *
 * How a vGPU reaches a domain; each class has one backend in the library.
 */
typedef enum {
    VGPU_DEVICE_CLASS_MDEV,
} VgpuDeviceClass;

/**
 * vgpu_device_class_to_string:
 * @device_class: a class
 *
 * Returns: (transfer none): the class's name as written in ownership
 *   records ("mdev"), or %NULL for a value that is not a #VgpuDeviceClass.
 */
VGPU_PUBLIC const char *
vgpu_device_class_to_string(VgpuDeviceClass device_class);

/**
 * vgpu_device_class_from_string:
 * @text: (nullable): a class name, e.g. "mdev"
 * @device_class: (out): the class
 *
 * Returns: %TRUE if @text names a class.
 */
VGPU_PUBLIC gboolean
vgpu_device_class_from_string(const char *text, VgpuDeviceClass *device_class);

/**
 * VgpuRequest:
 *
 * Opaque, immutable request for one vGPU: device class, device id (the
 * mdev UUID), type id and optional parent device.
 */
typedef struct _VgpuRequest VgpuRequest;

/**
 * vgpu_request_new:
 * @uuid: mdev UUID (any case; stored canonical lowercase)
 * @type_id: mdev type id, a single sysfs name (e.g. "nvidia-65")
 * @parent: (nullable): parent device name, or %NULL to choose at start
 * @error: return location for a #GError, or %NULL
 *
 * Creates a request of class %VGPU_DEVICE_CLASS_MDEV.
 *
 * Returns: (transfer full): the request, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT quoting the bad value (not a UUID; @type_id
 *   or @parent empty, "." or "..", longer than 255 bytes, or holding
 *   anything but printable ASCII other than '/' and space).
 */
VGPU_PUBLIC VgpuRequest *vgpu_request_new(const char *uuid, const char *type_id,
                                          const char *parent, GError **error);
/** vgpu_request_free: @request: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_request_free(VgpuRequest *request);
/** vgpu_request_get_device_class: Returns: the device class. */
VGPU_PUBLIC VgpuDeviceClass
vgpu_request_get_device_class(const VgpuRequest *request);
/** vgpu_request_get_uuid: Returns: (transfer none): the device id: the
 * canonical mdev UUID. */
VGPU_PUBLIC const char *vgpu_request_get_uuid(const VgpuRequest *request);
/** vgpu_request_get_type_id: Returns: (transfer none): the mdev type. */
VGPU_PUBLIC const char *vgpu_request_get_type_id(const VgpuRequest *request);
/** vgpu_request_get_parent: Returns: (transfer none) (nullable): the
 * requested parent device, %NULL if any. */
VGPU_PUBLIC const char *vgpu_request_get_parent(const VgpuRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuRequest, vgpu_request_free)

G_END_DECLS
