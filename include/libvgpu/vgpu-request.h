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
 * @VGPU_DEVICE_CLASS_NVIDIA_VF: an SR-IOV virtual function of an NVIDIA GPU
 *   programmed through `nvidia/current_vgpu_type` (NVIDIA vGPU 17+ on
 *   kernel >= 6.8, the "vendor-specific VFIO framework"), named by its PCI
 *   address; types `nvidia-<id>`.
 * @VGPU_DEVICE_CLASS_PLAIN_VF: an SR-IOV virtual function passed through
 *   as it is (AMD MxGPU, Intel SR-IOV GPUs), named by its PCI address;
 *   types `vf-<vendor>:<device>`.
 *
 * How a vGPU reaches a domain (DESIGN.md, "Device classes"); each class has
 * one backend in the library.
 */
typedef enum {
    VGPU_DEVICE_CLASS_MDEV,
    VGPU_DEVICE_CLASS_NVIDIA_VF,
    VGPU_DEVICE_CLASS_PLAIN_VF,
} VgpuDeviceClass;

/**
 * vgpu_device_class_to_string:
 * @device_class: a class
 *
 * Returns: (transfer none): the class's name as written in ownership
 *   records ("mdev", "nvidia-vf", "vf"), or %NULL for a value that is not
 *   a #VgpuDeviceClass.
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
 * VgpuDeviceOrigin:
 * @VGPU_DEVICE_ORIGIN_REQUEST: a libvgpu request in the domain's
 *   `<metadata>` (`<vgpu:mdev>`, `<vgpu:vf>`).
 * @VGPU_DEVICE_ORIGIN_MDEVCTL: an mdevctl definition
 *   (`etc/mdevctl.d/<parent>/<uuid>`) of a device that a hostdev of the
 *   domain names without a request (vgpu-mdevctl.h).
 *
 * Where what a device must be came from. Ownership records keep it, so
 * that `vgpuctl list` can say a device was started from an mdevctl
 * definition; either way libvgpu removes only what it created.
 */
typedef enum {
    VGPU_DEVICE_ORIGIN_REQUEST,
    VGPU_DEVICE_ORIGIN_MDEVCTL,
} VgpuDeviceOrigin;

/**
 * vgpu_device_origin_to_string:
 * @origin: an origin
 *
 * Returns: (transfer none): "request" or "mdevctl" (the `origin` key of
 *   ownership records), or %NULL for a value that is not a
 *   #VgpuDeviceOrigin.
 */
VGPU_PUBLIC const char *vgpu_device_origin_to_string(VgpuDeviceOrigin origin);

/**
 * vgpu_device_origin_from_string:
 * @text: (nullable): an origin name, e.g. "mdevctl"
 * @origin: (out): the origin
 *
 * Returns: %TRUE if @text names an origin.
 */
VGPU_PUBLIC gboolean vgpu_device_origin_from_string(const char *text,
                                                    VgpuDeviceOrigin *origin);

/**
 * VgpuRequest:
 *
 * Opaque, immutable request for one vGPU: device class, device id (the
 * mdev UUID or the VF's PCI address), type id and, for an mdev, an
 * optional parent device.
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
/**
 * vgpu_request_new_vf:
 * @address: the VF's PCI address, canonical `DDDD:BB:SS.F` lowercase hex
 *   (vgpu_pci_address_is_valid())
 * @type_id: `nvidia-<decimal id>` (class %VGPU_DEVICE_CLASS_NVIDIA_VF) or
 *   `vf-<vendor>:<device>` in lowercase hex (class
 *   %VGPU_DEVICE_CLASS_PLAIN_VF)
 * @error: return location for a #GError, or %NULL
 *
 * Creates a request pinned to one SR-IOV virtual function, as
 * `<vgpu:vf address=… type=…/>` writes it (DESIGN.md, "Device classes").
 *
 * Returns: (transfer full): the request, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT quoting the bad address or type.
 */
VGPU_PUBLIC VgpuRequest *
vgpu_request_new_vf(const char *address, const char *type_id, GError **error);

/**
 * vgpu_request_type_is_vf:
 * @type_id: (nullable): a type id
 * @device_class: (out) (optional): the VF class it names
 *
 * `vf-…` always names a plain VF; `nvidia-<id>` is also the form of
 * NVIDIA's mdev type ids, so for it the request element (`<vgpu:mdev>` or
 * `<vgpu:vf>`) or the host decides.
 *
 * Returns: %TRUE if @type_id has the form of a VF-backed type:
 *   `nvidia-<digits>` (class %VGPU_DEVICE_CLASS_NVIDIA_VF) or
 *   `vf-<4 hex>:<4 hex>` (lowercase, class %VGPU_DEVICE_CLASS_PLAIN_VF).
 */
VGPU_PUBLIC gboolean vgpu_request_type_is_vf(const char *type_id,
                                             VgpuDeviceClass *device_class);

/** vgpu_request_free: @request: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_request_free(VgpuRequest *request);
/** vgpu_request_get_device_class: Returns: the device class. */
VGPU_PUBLIC VgpuDeviceClass
vgpu_request_get_device_class(const VgpuRequest *request);
/** vgpu_request_get_device_id: Returns: (transfer none): the device id:
 * the canonical mdev UUID or the VF's PCI address. */
VGPU_PUBLIC const char *vgpu_request_get_device_id(const VgpuRequest *request);
/** vgpu_request_get_uuid: Returns: (transfer none) (nullable): the
 * canonical mdev UUID; %NULL for a VF request. */
VGPU_PUBLIC const char *vgpu_request_get_uuid(const VgpuRequest *request);
/** vgpu_request_get_type_id: Returns: (transfer none): the mdev type. */
VGPU_PUBLIC const char *vgpu_request_get_type_id(const VgpuRequest *request);
/** vgpu_request_get_parent: Returns: (transfer none) (nullable): the
 * requested parent device, %NULL if any. */
VGPU_PUBLIC const char *vgpu_request_get_parent(const VgpuRequest *request);
/** vgpu_request_get_origin: Returns: where the request came from:
 * %VGPU_DEVICE_ORIGIN_REQUEST for the constructors above,
 * %VGPU_DEVICE_ORIGIN_MDEVCTL for vgpu_mdevctl_definition_to_request(). */
VGPU_PUBLIC VgpuDeviceOrigin
vgpu_request_get_origin(const VgpuRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuRequest, vgpu_request_free)

G_END_DECLS
