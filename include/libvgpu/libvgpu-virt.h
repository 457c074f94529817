/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu-virt - the libvirt-facing helpers of libvgpu (libvgpu-virt.pc,
 * libvgpu-virt.so.0): attach and detach vGPU requests to defined domains,
 * list the domains that use mediated devices, read the mdev types of a
 * (possibly remote) host through libvirt's node-device API.
 *
 * This header names no libvirt type: the connection is an opaque
 * #VgpuVirtConnection. Every libvirt error becomes a #GError in the
 * %VGPU_ERROR domain carrying libvirt's own message
 * (virGetLastErrorMessage()); nothing is ever printed.
 *
 * The hook (vgpu-hook) never links this library: a hook must not call
 * libvirtd (libvirt docs/hooks.rst).
 */
#pragma once

#include <libvgpu/libvgpu.h>

G_BEGIN_DECLS

/**
 * VgpuVirtConnection:
 *
 * Opaque connection to a libvirt daemon (a `virConnectPtr` inside), plus
 * the optional local host context used to check mdev types (see
 * vgpu_virt_connection_set_host_context()). Not thread-safe: use one per
 * thread. Free with vgpu_virt_connection_free().
 */
typedef struct _VgpuVirtConnection VgpuVirtConnection;

/**
 * VgpuVirtDomain:
 *
 * Opaque snapshot of one libvirt domain as read by
 * vgpu_virt_list_domains(): name, UUID, state and its vGPU requests and
 * mdev hostdevs. Free with vgpu_virt_domain_free().
 */
typedef struct _VgpuVirtDomain VgpuVirtDomain;

/**
 * VgpuVirtMdevType:
 *
 * Opaque snapshot of one mdev type of one parent device as libvirt's
 * node-device driver reports it (vgpu_virt_list_node_mdev_types()). Free
 * with vgpu_virt_mdev_type_free().
 */
typedef struct _VgpuVirtMdevType VgpuVirtMdevType;

/**
 * VgpuVirtAttachFlags:
 * @VGPU_VIRT_ATTACH_NONE: check that the mdev type exists on the host.
 * @VGPU_VIRT_ATTACH_FORCE: skip that check, e.g. to prepare a definition
 *   for a host that is not set up yet, or when the node-device driver is
 *   not available. The hook will still fail at `virsh start` if the type
 *   is missing then.
 */
typedef enum {
    VGPU_VIRT_ATTACH_NONE = 0,
    VGPU_VIRT_ATTACH_FORCE = 1 << 0,
} VgpuVirtAttachFlags;

/**
 * VgpuVirtListFlags:
 * @VGPU_VIRT_LIST_MDEV_DOMAINS: only domains with at least one vGPU
 *   request or mdev hostdev.
 * @VGPU_VIRT_LIST_ALL: every domain, with or without mediated devices.
 */
typedef enum {
    VGPU_VIRT_LIST_MDEV_DOMAINS = 0,
    VGPU_VIRT_LIST_ALL = 1 << 0,
} VgpuVirtListFlags;

/**
 * vgpu_virt_connect:
 * @uri: (nullable): a libvirt connection URI, e.g. "qemu:///system" or
 *   "qemu+ssh://root@host/system"; %NULL lets libvirt choose: the
 *   environment variable `LIBVIRT_DEFAULT_URI`, then `uri_default` of
 *   libvirt.conf, then its built-in default (libvirt docs/uri.rst)
 * @error: return location for a #GError, or %NULL
 *
 * Opens a read-write connection with virConnectOpen(). Authentication
 * that needs a prompt is not supported (no callbacks are given); ssh keys
 * and local root or polkit-authorised sockets work.
 *
 * libvirt prints every error on stderr by default; the first call of this
 * function installs a no-op handler with virSetErrorFunc() for the whole
 * process (and virConnSetErrorFunc() on each connection), so library code
 * never prints. Errors are still recorded and read with
 * virGetLastErrorMessage().
 *
 * Returns: (transfer full): the connection, or %NULL with
 *   %VGPU_ERROR_LIBVIRT quoting the URI and libvirt's message (daemon not
 *   running, permission denied, unknown driver).
 */
VGPU_PUBLIC VgpuVirtConnection *vgpu_virt_connect(const char *uri,
                                                  GError **error);

/**
 * vgpu_virt_connection_free:
 * @conn: (nullable): a connection
 *
 * Closes the connection (virConnectClose()) and frees it; accepts %NULL.
 */
VGPU_PUBLIC void vgpu_virt_connection_free(VgpuVirtConnection *conn);

/**
 * vgpu_virt_connection_get_uri:
 * @conn: a connection
 *
 * Returns: (transfer none): the canonical URI of the connection as
 *   libvirt reports it (virConnectGetURI()), e.g. "qemu:///system"; valid
 *   as long as @conn lives.
 */
VGPU_PUBLIC const char *vgpu_virt_connection_get_uri(VgpuVirtConnection *conn);

/**
 * vgpu_virt_connection_is_local:
 * @conn: a connection
 *
 * Tells whether the daemon runs on this machine: the canonical URI has no
 * host part ("qemu:///system" yes, "qemu+ssh://host/system" no; a URI
 * naming "localhost" counts as remote, which is merely conservative).
 * Only a local daemon sees the same sysfs as this process, so only then
 * is vgpu_virt_connection_set_host_context() meaningful.
 *
 * Returns: %TRUE if the URI has no host part.
 */
VGPU_PUBLIC gboolean vgpu_virt_connection_is_local(VgpuVirtConnection *conn);

/**
 * vgpu_virt_connection_set_host_context:
 * @conn: a connection
 * @ctx: (nullable): the libvgpu context of the daemon's host, or %NULL
 *
 * Makes vgpu_virt_attach() check mdev types with libvgpu's sysfs
 * discovery under @ctx's root (the same view the hook has, including
 * `LIBVGPU_ROOT` test roots) instead of libvirt's node-device API. Use it
 * for local connections (vgpu_virt_connection_is_local()). A reference to
 * @ctx is taken; %NULL goes back to the node-device API.
 */
VGPU_PUBLIC void vgpu_virt_connection_set_host_context(VgpuVirtConnection *conn,
                                                       VgpuContext *ctx);

/**
 * vgpu_virt_check_type:
 * @conn: a connection
 * @type_id: an mdev type id, e.g. "nvidia-65"
 * @parent: (nullable): a parent device name, e.g. "0000:05:00.0"; %NULL
 *   for any parent
 * @error: return location for a #GError, or %NULL
 *
 * Checks that the daemon's host offers @type_id (on @parent, if given):
 * with the host context of @conn, if set, by sysfs discovery
 * (vgpu_discovery_list_parents_for_type(), vgpu_discovery_get_parent());
 * otherwise through libvirt's node-device API
 * (vgpu_virt_list_node_mdev_types()). Only existence is checked, not
 * `available_instances`: the instances may be in use by domains that
 * will not run at the same time. This is the check vgpu_virt_attach()
 * does unless %VGPU_VIRT_ATTACH_FORCE is given.
 *
 * Returns: %TRUE if the type is offered; %FALSE with %VGPU_ERROR_NOT_FOUND
 *   (no such type or parent: the message says which and how to list what
 *   the host offers), %VGPU_ERROR_INVALID_INPUT (unsafe type or parent
 *   name such as "../x", sysfs check only), %VGPU_ERROR_SYSTEM (sysfs) or
 *   %VGPU_ERROR_LIBVIRT (node-device API failed, e.g. libvirt's nodedev
 *   driver is not installed).
 */
VGPU_PUBLIC gboolean vgpu_virt_check_type(VgpuVirtConnection *conn,
                                          const char *type_id,
                                          const char *parent, GError **error);

/**
 * vgpu_virt_attach:
 * @conn: a connection
 * @domain: name of a persistent (defined) domain
 * @type_id: the mdev type to create at start, e.g. "nvidia-65"
 * @parent: (nullable): parent device the mdev must be created on, e.g.
 *   "0000:05:00.0"; %NULL lets the hook choose at start by placement
 *   policy
 * @uuid: (nullable): the mdev UUID (any case, stored lowercase); %NULL
 *   for the name-based default (vgpu_domain_xml_next_default_uuid(): UUID
 *   v5 of the domain UUID and the first unused index), stable across
 *   redefinitions and hosts
 * @hostdev_flags: display and ramfb options of the hostdev
 * @flags: %VGPU_VIRT_ATTACH_FORCE skips the type check
 * @error: return location for a #GError, or %NULL
 *
 * For a VF-backed type (`nvidia-<id>` or `vf-<vendor>:<device>`,
 * vgpu_request_type_is_vf()) the VF is chosen now, on this host (the
 * connection's host context, see vgpu_virt_connection_set_host_context()):
 * vgpu_alloc_choose_vf() among the VFs that no defined domain names in a
 * PCI hostdev, @parent naming the GPU (physical function) if given; the
 * request `<vgpu:vf>` and a `<hostdev type='pci'>` (managed='no' for
 * NVIDIA, 'yes' for plain VFs) are added, @uuid and @hostdev_flags do not
 * apply, and the VF's address is returned.
 *
 * Adds a vGPU request to the persistent definition of @domain: reads it
 * with virDomainGetXMLDesc(%VIR_DOMAIN_XML_INACTIVE |
 * %VIR_DOMAIN_XML_SECURE) (secure, so that passwords in the definition
 * survive the round trip: needs a read-write, privileged connection),
 * adds `<vgpu:mdev>` to `<metadata>` and the `<hostdev type='mdev'>`
 * (vgpu_domain_xml_add_request()) and defines the result with
 * virDomainDefineXML(). Unless @flags has %VGPU_VIRT_ATTACH_FORCE, checks
 * the type as vgpu_virt_check_type() does before defining, because the
 * hook would otherwise only fail at the next `virsh start`.
 *
 * A running domain keeps running unchanged: the request takes effect at
 * its next start, when the hook creates the mediated device. The
 * read-edit-define sequence is not atomic: a concurrent redefinition of
 * the same domain between the read and the define is overwritten.
 *
 * Returns: (transfer full): the UUID of the requested mdev (canonical
 *   lowercase, 36 characters) or the chosen VF's PCI address, or %NULL
 *   with %VGPU_ERROR_NO_CAPACITY (no free VF can take the type now),
 *   %VGPU_ERROR_NOT_FOUND (no
 *   such domain; type or parent not offered), %VGPU_ERROR_UNSUPPORTED
 *   (transient domain: there is no persistent definition to edit),
 *   %VGPU_ERROR_EXISTS (@uuid already used by a hostdev or request of the
 *   domain), %VGPU_ERROR_INVALID_INPUT (bad UUID, unsafe type or parent
 *   name, ramfb without display) or %VGPU_ERROR_LIBVIRT.
 */
VGPU_PUBLIC char *vgpu_virt_attach(VgpuVirtConnection *conn, const char *domain,
                                   const char *type_id, const char *parent,
                                   const char *uuid,
                                   VgpuHostdevFlags hostdev_flags,
                                   VgpuVirtAttachFlags flags, GError **error);

/**
 * vgpu_virt_detach:
 * @conn: a connection
 * @domain: name of a persistent (defined) domain
 * @uuid: (nullable): the request to remove (any case); %NULL removes
 *   every vGPU request of the domain
 * @removed: (out) (optional) (transfer full) (element-type utf8): the
 *   UUIDs whose request and hostdev were removed, in document order
 * @error: return location for a #GError, or %NULL
 *
 * Removes vGPU requests (`<vgpu:mdev>` and the mdev hostdev with the same
 * UUID, vgpu_domain_xml_remove_request()) from the persistent definition
 * of @domain: virDomainGetXMLDesc(%VIR_DOMAIN_XML_INACTIVE |
 * %VIR_DOMAIN_XML_SECURE), edit, virDomainDefineXML(). An mdev hostdev
 * without a libvgpu request is not ours and is never removed. A running
 * domain keeps its device until it stops; the hook then removes the
 * mediated device it created, as it does at every stop.
 *
 * Returns: %TRUE on success; %FALSE with %VGPU_ERROR_NOT_FOUND (no such
 *   domain, no request with @uuid, or no request at all when @uuid is
 *   %NULL), %VGPU_ERROR_UNSUPPORTED (transient domain),
 *   %VGPU_ERROR_INVALID_INPUT (bad UUID, malformed metadata) or
 *   %VGPU_ERROR_LIBVIRT.
 */
VGPU_PUBLIC gboolean vgpu_virt_detach(VgpuVirtConnection *conn,
                                      const char *domain, const char *uuid,
                                      GPtrArray **removed, GError **error);

/**
 * vgpu_virt_list_domains:
 * @conn: a connection
 * @flags: which domains to return
 * @error: return location for a #GError, or %NULL
 *
 * Reads every domain (virConnectListAllDomains(), active and inactive)
 * and its current definition (virDomainGetXMLDesc() with no flags: the
 * live definition of a running domain, the persistent one otherwise).
 * Domains that vanish during the scan are skipped. A domain whose
 * libvgpu metadata is malformed is still returned, with no requests and
 * the reason in vgpu_virt_domain_get_request_error().
 *
 * Returns: (transfer full) (element-type VgpuVirtDomain): the domains
 *   sorted by name (possibly empty), or %NULL with %VGPU_ERROR_LIBVIRT.
 */
VGPU_PUBLIC GPtrArray *vgpu_virt_list_domains(VgpuVirtConnection *conn,
                                              VgpuVirtListFlags flags,
                                              GError **error);

/** vgpu_virt_domain_free: @domain: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_virt_domain_free(VgpuVirtDomain *domain);

/** vgpu_virt_domain_get_name: Returns: (transfer none): the domain
 * name. */
VGPU_PUBLIC const char *vgpu_virt_domain_get_name(const VgpuVirtDomain *domain);

/** vgpu_virt_domain_get_uuid: Returns: (transfer none): the domain UUID,
 * canonical lowercase (virDomainGetUUIDString()). */
VGPU_PUBLIC const char *vgpu_virt_domain_get_uuid(const VgpuVirtDomain *domain);

/** vgpu_virt_domain_is_active: Returns: %TRUE if the domain was running
 * (or paused, or starting) when listed (virDomainIsActive()). */
VGPU_PUBLIC gboolean vgpu_virt_domain_is_active(const VgpuVirtDomain *domain);

/** vgpu_virt_domain_is_persistent: Returns: %TRUE if the domain has a
 * persistent definition (virDomainIsPersistent()); only those can be
 * edited by vgpu_virt_attach() and vgpu_virt_detach(). */
VGPU_PUBLIC gboolean
vgpu_virt_domain_is_persistent(const VgpuVirtDomain *domain);

/**
 * vgpu_virt_domain_get_requests:
 * @domain: a listed domain
 *
 * Returns: (transfer none) (element-type VgpuRequest): the vGPU requests
 *   (`<vgpu:mdev>`) in document order, possibly empty; owned by @domain.
 */
VGPU_PUBLIC GPtrArray *
vgpu_virt_domain_get_requests(const VgpuVirtDomain *domain);

/**
 * vgpu_virt_domain_get_pending_requests:
 * @domain: a listed domain
 *
 * The requests of a running persistent domain's persistent definition
 * (virDomainGetXMLDesc(%VIR_DOMAIN_XML_INACTIVE)) that its live definition
 * does not have: attached while it ran, created at its next start.
 *
 * Returns: (transfer none) (element-type VgpuRequest): the pending
 *   requests, empty for a shut-off or transient domain; owned by @domain.
 */
VGPU_PUBLIC GPtrArray *
vgpu_virt_domain_get_pending_requests(const VgpuVirtDomain *domain);

/**
 * vgpu_virt_domain_is_running:
 * @conn: a connection
 * @domain: a domain name, ID or UUID (as virsh takes them)
 * @error: return location for a #GError, or %NULL
 *
 * Returns: 1 if @domain runs (virDomainIsActive()), 0 if not, -1 with
 *   %VGPU_ERROR_NOT_FOUND (no such domain) or %VGPU_ERROR_LIBVIRT.
 */
VGPU_PUBLIC int vgpu_virt_domain_is_running(VgpuVirtConnection *conn,
                                            const char *domain,
                                            GError **error);

/**
 * vgpu_virt_domain_get_mdev_hostdevs:
 * @domain: a listed domain
 *
 * Returns: (transfer none) (element-type utf8): UUIDs of every mdev
 *   hostdev of the domain, libvgpu's or not, lowercase, in document
 *   order (vgpu_domain_xml_list_mdev_hostdevs()); owned by @domain.
 */
VGPU_PUBLIC GPtrArray *
vgpu_virt_domain_get_mdev_hostdevs(const VgpuVirtDomain *domain);

/**
 * vgpu_virt_domain_get_pci_hostdevs:
 * @domain: a listed domain
 *
 * Returns: (transfer none) (element-type utf8): the PCI addresses of every
 *   `<hostdev type='pci'>` of the domain, canonical `DDDD:BB:SS.F`, in
 *   document order (vgpu_domain_xml_list_pci_hostdevs()), then those only
 *   the persistent definition of a running domain names; owned by
 *   @domain.
 */
VGPU_PUBLIC GPtrArray *
vgpu_virt_domain_get_pci_hostdevs(const VgpuVirtDomain *domain);

/** vgpu_virt_domain_get_request_error: Returns: (transfer none)
 * (nullable): why the domain's libvgpu metadata could not be read (the
 * message of vgpu_domain_xml_list_requests()), %NULL when it is fine. */
VGPU_PUBLIC const char *
vgpu_virt_domain_get_request_error(const VgpuVirtDomain *domain);

/**
 * vgpu_virt_list_node_mdev_types:
 * @conn: a connection
 * @error: return location for a #GError, or %NULL
 *
 * Reads the mdev types of every parent device of the daemon's host
 * through libvirt's node-device API, which works for remote hosts too:
 * virConnectListAllNodeDevices() with
 * %VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES, then each device's XML
 * (virNodeDeviceGetXMLDesc(), libvirt docs/formatnode.rst,
 * `<capability type='mdev_types'>`). The parent name is the last
 * component of the device's sysfs `<path>` (e.g. "0000:05:00.0"), as in
 * libvgpu's discovery and in `<vgpu:mdev parent=…>`. libvirt reports no
 * `description`, so NVIDIA types are decoded from their name only.
 * Needs libvirt's nodedev driver on the daemon side; its values come from
 * libvirt's udev-fed cache, so `availableInstances` may lag by a moment.
 *
 * Returns: (transfer full) (element-type VgpuVirtMdevType): the types
 *   sorted by parent, then id (empty when the host has none), or %NULL
 *   with %VGPU_ERROR_LIBVIRT.
 */
VGPU_PUBLIC GPtrArray *vgpu_virt_list_node_mdev_types(VgpuVirtConnection *conn,
                                                      GError **error);

/** vgpu_virt_mdev_type_free: @type: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_virt_mdev_type_free(VgpuVirtMdevType *type);

/** vgpu_virt_mdev_type_get_parent: Returns: (transfer none): the parent
 * device's sysfs name, e.g. "0000:05:00.0". */
VGPU_PUBLIC const char *
vgpu_virt_mdev_type_get_parent(const VgpuVirtMdevType *type);

/** vgpu_virt_mdev_type_get_node_device: Returns: (transfer none): libvirt's
 * node-device name of the parent, e.g. "pci_0000_05_00_0". */
VGPU_PUBLIC const char *
vgpu_virt_mdev_type_get_node_device(const VgpuVirtMdevType *type);

/** vgpu_virt_mdev_type_get_id: Returns: (transfer none): the type id, e.g.
 * "nvidia-65". */
VGPU_PUBLIC const char *
vgpu_virt_mdev_type_get_id(const VgpuVirtMdevType *type);

/** vgpu_virt_mdev_type_get_name: Returns: (transfer none) (nullable): the
 * type's `<name>`, e.g. "GRID P4-4Q". */
VGPU_PUBLIC const char *
vgpu_virt_mdev_type_get_name(const VgpuVirtMdevType *type);

/** vgpu_virt_mdev_type_get_device_api: Returns: (transfer none)
 * (nullable): `<deviceAPI>`, e.g. "vfio-pci". */
VGPU_PUBLIC const char *
vgpu_virt_mdev_type_get_device_api(const VgpuVirtMdevType *type);

/** vgpu_virt_mdev_type_get_available_instances: Returns:
 * `<availableInstances>` as libvirt reported it (0 if absent). */
VGPU_PUBLIC guint
vgpu_virt_mdev_type_get_available_instances(const VgpuVirtMdevType *type);

/** vgpu_virt_mdev_type_get_nvidia: Returns: (transfer none) (nullable):
 * the NVIDIA metadata decoded from the name (vgpu_nvidia_type_new() with
 * no description: board, series, licence, name framebuffer), %NULL for
 * types that are not NVIDIA vGPU types. */
VGPU_PUBLIC const VgpuNvidiaType *
vgpu_virt_mdev_type_get_nvidia(const VgpuVirtMdevType *type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuVirtConnection, vgpu_virt_connection_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuVirtDomain, vgpu_virt_domain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuVirtMdevType, vgpu_virt_mdev_type_free)

/**
 * VgpuVirtMove:
 * @from: the VF address the request pinned
 * @to: the VF address it pins now (with %VGPU_VIRT_MOVE_DRY_RUN: would)
 * @gpu: (nullable): the GPU (physical function) of @to
 * @type_id: the request's type, e.g. "nvidia-1153" or "vf-1002:692f"
 *
 * One VF-backed request moved by vgpu_virt_move(). Free with
 * vgpu_virt_move_free().
 */
typedef struct {
    char *from;
    char *to;
    char *gpu;
    char *type_id;
} VgpuVirtMove;

/** vgpu_virt_move_free: @move: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_virt_move_free(VgpuVirtMove *move);

/**
 * VgpuVirtMoveFlags:
 * @VGPU_VIRT_MOVE_NONE: move and define the edited domain.
 * @VGPU_VIRT_MOVE_DRY_RUN: decide the moves but leave the definition as it
 *   is.
 */
typedef enum {
    VGPU_VIRT_MOVE_NONE = 0,
    VGPU_VIRT_MOVE_DRY_RUN = 1 << 0,
} VgpuVirtMoveFlags;

/**
 * vgpu_virt_move:
 * @conn: a connection with a host context
 *   (vgpu_virt_connection_set_host_context(): VFs are read from this
 *   host's sysfs, so the domain must run here)
 * @domain: the name of a defined, shut-off domain
 * @flags: #VgpuVirtMoveFlags
 * @error: return location for a #GError, or %NULL
 *
 * Re-places the VF-backed requests (`<vgpu:vf>`, classes nvidia-vf and vf)
 * of @domain whose pinned VF cannot host their type now — the VF is gone,
 * another domain's record claims it, another defined domain names it in a
 * PCI hostdev, or its GPU cannot create the type any more
 * (vgpu_engine_choose_vf(), the test the hook applies at `migrate begin`)
 * — onto a free VF of a GPU that can, chosen by the placement policy of
 * libvgpu.conf (vgpu_alloc_choose_vf()), and rewrites each request with
 * its PCI hostdev (vgpu_domain_xml_move_vf_request()). Requests that are
 * fine and mdev requests (placed by the hook at every start) are left
 * alone. The definition is read with virDomainGetXMLDesc(INACTIVE|SECURE)
 * and written once with virDomainDefineXML(), only if something moved and
 * @flags has no %VGPU_VIRT_MOVE_DRY_RUN. Needed because libvirt reads the
 * hostdev address before the `prepare begin` hook runs and lets a hook
 * rewrite the XML only at `migrate begin`/`restore begin` (libvirt
 * docs/hooks.rst). Not atomic against a concurrent redefinition.
 *
 * Returns: (transfer full) (element-type VgpuVirtMove): the moves, empty
 *   when every request can be hosted where it is; or %NULL with
 *   %VGPU_ERROR_BUSY (the domain runs), %VGPU_ERROR_NO_CAPACITY /
 *   %VGPU_ERROR_NOT_FOUND (no VF of this host can host a request's type:
 *   the message names the VF, the type and why), %VGPU_ERROR_UNSUPPORTED
 *   (no host context), %VGPU_ERROR_NOT_FOUND (no such domain),
 *   %VGPU_ERROR_INVALID_INPUT (a broken libvgpu.conf or request) or
 *   %VGPU_ERROR_LIBVIRT.
 */
VGPU_PUBLIC GPtrArray *vgpu_virt_move(VgpuVirtConnection *conn,
                                      const char *domain,
                                      VgpuVirtMoveFlags flags, GError **error);

/**
 * vgpu_virt_start:
 * @conn: a connection with a host context
 * @domain: the name of a defined, shut-off domain
 * @moves: (out) (optional) (transfer full) (element-type VgpuVirtMove):
 *   the moves made before the start (set once they are made, even when
 *   the start then fails)
 * @error: return location for a #GError, or %NULL
 *
 * vgpu_virt_move(), then virDomainCreate(): the hook then creates or
 * programs the devices at `prepare begin` as for `virsh start`.
 *
 * Returns: %TRUE when the domain started; %FALSE with the errors of
 *   vgpu_virt_move(), %VGPU_ERROR_EXISTS (already running) or
 *   %VGPU_ERROR_LIBVIRT carrying libvirt's message (which includes the
 *   hook's one line when the hook refused).
 */
VGPU_PUBLIC gboolean vgpu_virt_start(VgpuVirtConnection *conn,
                                     const char *domain, GPtrArray **moves,
                                     GError **error);

/**
 * vgpu_virt_get_domain_xml:
 * @conn: a connection
 * @domain: a domain name
 * @active: (out) (optional): whether the domain runs (virDomainIsActive())
 * @error: return location for a #GError, or %NULL
 *
 * The definition a start of @domain would hand the qemu hook, as text:
 * for a shut-off domain its persistent definition
 * (virDomainGetXMLDesc(VIR_DOMAIN_XML_INACTIVE)); for a running one, which
 * cannot be started, the live definition (what it holds now). Read only;
 * `vgpuctl plan DOMAIN` passes it to vgpu_hook_run() with
 * %VGPU_ENGINE_DRY_RUN.
 *
 * Returns: (transfer full): the domain XML, or %NULL with
 *   %VGPU_ERROR_NOT_FOUND (no such domain) or %VGPU_ERROR_LIBVIRT.
 */
VGPU_PUBLIC char *vgpu_virt_get_domain_xml(VgpuVirtConnection *conn,
                                           const char *domain, gboolean *active,
                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuVirtMove, vgpu_virt_move_free)

G_END_DECLS
