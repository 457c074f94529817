/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - what a `prepare begin` wants, read from the domain XML libvirt
 * gives the hook (private). Shared by vgpu_hook_run() and vgpu-hook
 * (hooks/vgpu-hook-lean.c), which must not load libxml2 or
 * json-glib: GMarkup reader, records and sysfs only.
 */
#pragma once

#include <libvgpu/vgpu-context.h>

#include "vgpu-domain-reader.h"

G_BEGIN_DECLS

/*
 * VgpuHookWanted:
 * @requests: (element-type VgpuRequest): the domain's requests whose
 *   device is also a hostdev of the domain (an mdev hostdev with the UUID,
 *   a PCI hostdev with the VF's address), in document order; a request
 *   without its hostdev is stale metadata that QEMU will not use.
 * @undefined: (element-type utf8): UUIDs of mdev hostdevs without a
 *   request whose device is not running (or runs from an mdevctl
 *   definition libvgpu started): only an mdevctl definition
 *   (vgpu-mdevctl.h) can say what they must be.
 */
typedef struct {
    GPtrArray *requests;
    GPtrArray *undefined;
} VgpuHookWanted;

void vgpu_hook_wanted_clear(VgpuHookWanted *wanted);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VgpuHookWanted, vgpu_hook_wanted_clear)

/*
 * vgpu_hook_requests_with_hostdev:
 * @reading: a domain definition (vgpu-domain-reader.h)
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full) (element-type VgpuRequest): @reading's valid
 *   requests whose device is a hostdev of the domain, or %NULL with the
 *   request's one-line %VGPU_ERROR_INVALID_INPUT.
 */
GPtrArray *vgpu_hook_requests_with_hostdev(const VgpuDomainReading *reading,
                                           GError **error);

/*
 * vgpu_hook_prepare_read:
 * @ctx: the host
 * @domain: the domain name libvirt gave on the command line (argv[1])
 * @xml: (nullable): the domain XML from standard input
 * @xml_len: its length in bytes
 * @wanted: (out caller-allocates): what the start needs
 * @error: return location for a #GError, or %NULL
 *
 * Reads what `prepare begin` must make exist. Refuses
 * (%VGPU_ERROR_INVALID_INPUT, one line): a @domain with control
 * characters (libvirt refuses "\n" in names, virXMLCheckIllegalChars()),
 * no XML, XML the reader refuses, XML of another domain than @domain, and
 * a bad request. Reads sysfs and records only for the hostdevs without a
 * request.
 *
 * Returns: %TRUE with @wanted filled.
 */
gboolean vgpu_hook_prepare_read(VgpuContext *ctx, const char *domain,
                                const char *xml, gsize xml_len,
                                VgpuHookWanted *wanted, GError **error);

G_END_DECLS
