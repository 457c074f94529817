/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-virt-loader - libvgpu-virt loaded on first use.
 *
 * Linking libvgpu-virt makes every vgpuctl process load libvirt and what it
 * needs (38 more shared objects, ~29 million instructions of dynamic
 * loading) even for the commands that never talk to libvirt: types, list,
 * check, plan --file, install-hook, help. So vgpuctl does not link it. This
 * file defines every libvgpu-virt function that the commands call, with the
 * signature libvgpu-virt.h declares (the compiler checks that they agree);
 * each one forwards to the library's function, resolved on its first call
 * (vgpu-lazy-forward.h). A command that calls another libvgpu-virt
 * function fails to link until it is added below.
 *
 * The library is loaded by vgpuctl_open_libvirt(), before the first
 * connection, through dlopen() called here rather than GModule: dlopen()
 * searches the RUNPATH of its caller, so the library is found exactly as
 * the dynamic linker found libvgpu.so.0 for vgpuctl (LD_LIBRARY_PATH,
 * vgpuctl's RUNPATH, which is the build directory before installation,
 * ld.so.cache, the system directories); from inside libgmodule the build
 * directory would not be searched.
 */
#include "vgpuctl-virt-loader.h"
#include "vgpuctl-common.h"
#include "vgpu-lazy-forward.h"

#include <dlfcn.h>
#include <stdlib.h>

static void *library;

gboolean
vgpuctl_virt_load(GError **error)
{
    if (library)
        return TRUE;
    library = dlopen(VGPUCTL_VIRT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "cannot load " VGPUCTL_VIRT_LIBRARY " to talk to "
                    "libvirt (%s): install the libvgpu0 package, which "
                    "brings it and libvirt",
                    dlerror());
        return FALSE;
    }
    return TRUE;
}

/*
 * The address of libvgpu-virt's function @name. Missing only when the
 * library is not the one vgpuctl was built with: say so and exit, since
 * the forwarder that asks cannot report an error.
 */
static void *
virt_function(const char *name)
{
    g_autoptr(GError) error = NULL;
    void *address;

    if (!vgpuctl_virt_load(&error))
        exit(vgpuctl_fail(error));
    address = dlsym(library, name);
    if (!address)
        exit(vgpuctl_error("%s has no function %s: install the libvgpu0 "
                           "package of vgpuctl's version",
                           VGPUCTL_VIRT_LIBRARY, name));
    return address;
}

/* Defines @name (TYPE name PARAMETERS) to call the library's @name with
 * ARGUMENTS; VOID_FORWARD for functions returning nothing. */
#define FORWARD(type, name, parameters, arguments)                             \
    VGPU_LAZY_FORWARD(virt_function, type, name, parameters, arguments)
#define VOID_FORWARD(name, parameters, arguments)                              \
    VGPU_LAZY_VOID_FORWARD(virt_function, name, parameters, arguments)

/* clang-format would take "VgpuVirtConnection *conn" for a product */
/* clang-format off */

/* connections */
FORWARD(VgpuVirtConnection *, vgpu_virt_connect,
        (const char *uri, GError **error), (uri, error))
VOID_FORWARD(vgpu_virt_connection_free, (VgpuVirtConnection *conn), (conn))
FORWARD(const char *, vgpu_virt_connection_get_uri, (VgpuVirtConnection *conn),
        (conn))
FORWARD(gboolean, vgpu_virt_connection_is_local, (VgpuVirtConnection *conn),
        (conn))
VOID_FORWARD(vgpu_virt_connection_set_host_context,
             (VgpuVirtConnection *conn, VgpuContext *ctx), (conn, ctx))

/* requests in domain definitions */
FORWARD(char *, vgpu_virt_attach,
        (VgpuVirtConnection *conn, const char *domain, const char *type_id,
         const char *parent, const char *uuid, VgpuHostdevFlags hostdev_flags,
         VgpuVirtAttachFlags flags, GError **error),
        (conn, domain, type_id, parent, uuid, hostdev_flags, flags, error))
FORWARD(gboolean, vgpu_virt_detach,
        (VgpuVirtConnection *conn, const char *domain, const char *uuid,
         GPtrArray **removed, GError **error),
        (conn, domain, uuid, removed, error))
FORWARD(GPtrArray *, vgpu_virt_move,
        (VgpuVirtConnection *conn, const char *domain, VgpuVirtMoveFlags flags,
         GError **error),
        (conn, domain, flags, error))
FORWARD(gboolean, vgpu_virt_start,
        (VgpuVirtConnection *conn, const char *domain, GPtrArray **moves,
         GError **error),
        (conn, domain, moves, error))

/* domains */
FORWARD(GPtrArray *, vgpu_virt_list_domains,
        (VgpuVirtConnection *conn, VgpuVirtListFlags flags, GError **error),
        (conn, flags, error))
FORWARD(char *, vgpu_virt_get_domain_xml,
        (VgpuVirtConnection *conn, const char *domain, gboolean *active,
         GError **error),
        (conn, domain, active, error))
FORWARD(int, vgpu_virt_domain_is_running,
        (VgpuVirtConnection *conn, const char *domain, GError **error),
        (conn, domain, error))
FORWARD(const char *, vgpu_virt_domain_get_name, (const VgpuVirtDomain *domain),
        (domain))
FORWARD(const char *, vgpu_virt_domain_get_uuid, (const VgpuVirtDomain *domain),
        (domain))
FORWARD(gboolean, vgpu_virt_domain_is_active, (const VgpuVirtDomain *domain),
        (domain))
FORWARD(gboolean, vgpu_virt_domain_is_persistent,
        (const VgpuVirtDomain *domain), (domain))
FORWARD(GPtrArray *, vgpu_virt_domain_get_requests,
        (const VgpuVirtDomain *domain), (domain))
FORWARD(GPtrArray *, vgpu_virt_domain_get_pending_requests,
        (const VgpuVirtDomain *domain), (domain))
FORWARD(GPtrArray *, vgpu_virt_domain_get_mdev_hostdevs,
        (const VgpuVirtDomain *domain), (domain))
FORWARD(const char *, vgpu_virt_domain_get_request_error,
        (const VgpuVirtDomain *domain), (domain))

/* mdev types through the node-device API */
FORWARD(GPtrArray *, vgpu_virt_list_node_mdev_types,
        (VgpuVirtConnection *conn, GError **error), (conn, error))
FORWARD(const char *, vgpu_virt_mdev_type_get_parent,
        (const VgpuVirtMdevType *type), (type))
FORWARD(const char *, vgpu_virt_mdev_type_get_id,
        (const VgpuVirtMdevType *type), (type))
FORWARD(const char *, vgpu_virt_mdev_type_get_name,
        (const VgpuVirtMdevType *type), (type))
FORWARD(const char *, vgpu_virt_mdev_type_get_device_api,
        (const VgpuVirtMdevType *type), (type))
FORWARD(guint, vgpu_virt_mdev_type_get_available_instances,
        (const VgpuVirtMdevType *type), (type))
FORWARD(const VgpuNvidiaType *, vgpu_virt_mdev_type_get_nvidia,
        (const VgpuVirtMdevType *type), (type))

/* clang-format on */
