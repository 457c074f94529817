/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the device-class seam (private). One VgpuBackend table per
 * class of DESIGN.md "Device classes"; the engine, placement and messages
 * reach devices only through it, and only backends build sysfs paths.
 * A new class is one backend file plus one entry in vgpu-backend.c.
 */
#pragma once

#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-request.h>

#define VGPU_BACKEND_VERSION 1

/* One existing device as a backend sees it. */
typedef struct {
    char *id;     /* device id: the mdev UUID or the VF address */
    char *parent; /* parent device it sits on (for a VF: its PF) */
    char *type_id;
    char *gpu; /* the physical device whose capacity it uses */
} VgpuBackendDevice;

void vgpu_backend_device_free(VgpuBackendDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuBackendDevice, vgpu_backend_device_free)

typedef struct {
    guint version; /* VGPU_BACKEND_VERSION */
    VgpuDeviceClass device_class;
    const char *device_noun; /* "mediated device", for messages */
    const char *remove_verb; /* "removed", or "released" for a claim */
    /* Nothing is instantiated: the VF always exists and a domain claims it
     * with its ownership record; "exists" means "is present". */
    gboolean claims;

    /* Where a missing device of @request goes: the parent to create it on
     * (a new string), chosen under the host lock. VGPU_ERROR_NO_CAPACITY
     * when nothing can host it now (the message enriched with @users:
     * GPU → who uses it, when given), VGPU_ERROR_NOT_FOUND when nothing
     * offers the type. @planned (nullable, element-type VgpuBackendDevice):
     * devices a dry run has placed but not created, counted as used.
     * @why (nullable, out): one line saying why there, e.g. "placement
     * policy pack: 2 of 4 instances free". */
    char *(*place)(VgpuContext *ctx, const VgpuRequest *request,
                   const VgpuConfig *config, GHashTable *users,
                   GPtrArray *planned, char **why, GError **error);
    /* Optional: can @count new devices of @type_id (on @parent) fit, before
     * any is created? NULL for classes whose requests are pinned. */
    gboolean (*check_capacity)(VgpuContext *ctx, const char *type_id,
                               const char *parent, guint count,
                               const VgpuConfig *config, GHashTable *users,
                               GError **error);
    /* Is @id a well-formed device id of this class (before any path is
     * built from it)? VGPU_ERROR_INVALID_INPUT otherwise. */
    gboolean (*check_id)(const char *id, GError **error);
    /* Does the device exist now (one stat)? */
    gboolean (*exists)(VgpuContext *ctx, const char *id);
    /* The device's parent and type; VGPU_ERROR_NOT_FOUND if it is gone. */
    VgpuBackendDevice *(*get_device)(VgpuContext *ctx, const char *id,
                                     GError **error);
    /* Every device of this class (element-type VgpuBackendDevice). */
    GPtrArray *(*list_devices)(VgpuContext *ctx, GError **error);
    /* Creates the device on @parent: it exists when this returns TRUE. */
    gboolean (*create)(VgpuContext *ctx, const char *parent,
                       const char *type_id, const char *id, GError **error);
    /* Asks the kernel once to remove the device: VGPU_ERROR_BUSY when the
     * driver refuses for now (retry), VGPU_ERROR_NOT_FOUND when it is
     * gone. The write may block in the kernel until the device's user
     * lets go; never call it with the host lock held. */
    gboolean (*request_remove)(VgpuContext *ctx, const char *id,
                               GError **error);
    /* Waits until the device is gone or @deadline (monotonic, µs). */
    gboolean (*wait_gone)(VgpuContext *ctx, const char *id, gint64 deadline);
    /* Optional: writes @attrs (name, value, …, NULL) to the new device's
     * attributes, in order (an mdevctl definition's "attrs"); NULL for
     * classes that have none. Under the host lock, after create. */
    gboolean (*configure)(VgpuContext *ctx, const char *id,
                          const char *const *attrs, GError **error);
} VgpuBackend;

/* The backend of @device_class; never NULL for a valid class. */
const VgpuBackend *vgpu_backend_for_class(VgpuDeviceClass device_class);

/* Every backend, for host-wide scans (users of a GPU); NULL-terminated. */
const VgpuBackend *const *vgpu_backends(void);
