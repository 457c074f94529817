/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the one reader of a libvirt domain definition's vGPU parts
 * (private): its name and UUID, its mdev and PCI hostdevs, and libvgpu's
 * requests in `<metadata>` (DESIGN.md, "The request in the domain
 * definition").
 *
 * It streams the text through GLib's GMarkup (no DTD, no entity
 * declarations, no network, nothing kept but what is read), so that the
 * hook's worker reads libvirt's output without libxml2 (issue "Performance
 * at the floor": libxml2 pulls ICU and libstdc++ into every hook run).
 * The editing module (vgpu-domain-xml.c, libxml2) reads through the same
 * code: vgpu_domain_xml_list_requests() and the hostdev lists format the
 * edited document and read it here, and the rules that turn attributes
 * into device ids (vgpu_domain_reader_*_id()) are shared, so the request
 * schema has one reader.
 */
#pragma once

#include <libvgpu/vgpu-common.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

typedef struct _VgpuDomainReading VgpuDomainReading;

/*
 * vgpu_domain_reading_new:
 * @what: what the text is, for messages ("domain XML")
 * @xml: the text (need not be NUL-terminated); libvirt writes UTF-8
 * @len: its length in bytes
 * @error: return location for a #GError, or %NULL
 *
 * Reads a domain definition in one pass. Refuses, with
 * %VGPU_ERROR_INVALID_INPUT: an empty text, one above
 * %VGPU_DOMAIN_XML_MAX_SIZE, one that is not well-formed (GMarkup's message,
 * with line and character), one with a `<!DOCTYPE>` (libvirt never writes
 * one; GMarkup never expands entities beyond the five predefined ones and
 * character references), and a root element other than `<domain>` in no
 * namespace. Bad requests are not an error here: they are reported by
 * vgpu_domain_reading_list_requests(), which needs the domain's name.
 *
 * Returns: (transfer full): the reading, or %NULL.
 */
VgpuDomainReading *vgpu_domain_reading_new(const char *what, const char *xml,
                                           gsize len, GError **error);
void vgpu_domain_reading_free(VgpuDomainReading *reading);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuDomainReading, vgpu_domain_reading_free)

/* The first `<name>` / `<uuid>` child of `<domain>` (all its text,
 * surrounding ASCII whitespace removed), or NULL when absent. */
const char *vgpu_domain_reading_get_name(const VgpuDomainReading *reading);
const char *vgpu_domain_reading_get_uuid(const VgpuDomainReading *reading);

/* (transfer none) (element-type utf8): the ids of the mdev hostdevs
 * (canonical UUIDs) and of the PCI hostdevs (canonical addresses) under
 * every `<devices>`, in document order; see
 * vgpu_domain_xml_list_mdev_hostdevs() for what counts. */
GPtrArray *
vgpu_domain_reading_get_mdev_hostdevs(const VgpuDomainReading *reading);
GPtrArray *
vgpu_domain_reading_get_pci_hostdevs(const VgpuDomainReading *reading);

/*
 * vgpu_domain_reading_list_requests:
 *
 * Validates the `<vgpu:mdev>` and `<vgpu:vf>` children of the first
 * `<vgpu:vgpu>` in `<metadata>` (matched by namespace URI
 * %VGPU_METADATA_NS whatever the prefix) into requests; the contract of
 * vgpu_domain_xml_list_requests().
 *
 * Returns: (transfer full) (element-type VgpuRequest): the requests in
 *   document order, or %NULL with %VGPU_ERROR_INVALID_INPUT naming the
 *   element, the domain and the fix.
 */
GPtrArray *vgpu_domain_reading_list_requests(const VgpuDomainReading *reading,
                                             GError **error);

/* (transfer full) (element-type utf8): the device ids of the request
 * elements that have a valid one (vgpu_domain_reader_request_id()), or
 * NULL with %VGPU_ERROR_INVALID_INPUT when there are more than
 * %VGPU_REQUESTS_MAX elements. */
GPtrArray *
vgpu_domain_reading_list_request_ids(const VgpuDomainReading *reading,
                                     GError **error);

/*
 * The rules that make device ids of attributes, shared by this reader and
 * the editing module (which must find the element it edits):
 *
 * vgpu_domain_reader_mdev_hostdev_id: the canonical UUID of a `<hostdev>`
 *   with @mode (NULL = libvirt's default "subsystem") and @type whose
 *   first `<source><address>` has @uuid, or NULL when it is not a valid
 *   mdev hostdev.
 * vgpu_domain_reader_pci_hostdev_id: the canonical `DDDD:BB:SS.F` of a
 *   PCI `<hostdev>`, from the address attributes @parts (domain, bus,
 *   slot, function; numbers as libvirt reads them, virStrToLong_uip with
 *   base 0), or NULL when incomplete or out of range.
 * vgpu_domain_reader_request_id: the device id of a request element
 *   (`<vgpu:vf>` when @is_vf: its valid @address; else the canonical
 *   @uuid), or NULL.
 */
char *vgpu_domain_reader_mdev_hostdev_id(const char *mode, const char *type,
                                         const char *uuid);
char *vgpu_domain_reader_pci_hostdev_id(const char *mode, const char *type,
                                        const char *const parts[4]);
char *vgpu_domain_reader_request_id(gboolean is_vf, const char *uuid,
                                    const char *address);

/* The names, in that order, of the address attributes
 * vgpu_domain_reader_pci_hostdev_id() takes. */
extern const char *const vgpu_domain_reader_pci_parts[4];

/* The quoted name of a domain for messages, and the name as a command
 * argument ('virsh edit NAME'), for a domain named @name (nullable). */
char *vgpu_domain_reader_label(const char *name);
char *vgpu_domain_reader_shell(const char *name);

G_END_DECLS
