/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - libvirt domain XML: mdev hostdevs (libvirt formatdomain
 * "Host device assignment", `<hostdev mode='subsystem' type='mdev'>`) and
 * libvgpu's requests in `<metadata>` (namespace %VGPU_METADATA_NS).
 */
#pragma once

#include <libvgpu/vgpu-common.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

/**
 * VGPU_METADATA_NS:
 *
 * Namespace URI of libvgpu's element in the domain `<metadata>`.
 */
#define VGPU_METADATA_NS "urn:libvgpu:domain:1"

/**
 * VGPU_METADATA_PREFIX:
 *
 * Conventional namespace prefix ("vgpu").
 */
#define VGPU_METADATA_PREFIX "vgpu"

/**
 * VGPU_DOMAIN_XML_MAX_SIZE:
 *
 * Largest domain XML accepted, in bytes (16 MiB).
 */
#define VGPU_DOMAIN_XML_MAX_SIZE (16u * 1024u * 1024u)

/**
 * VgpuDomainXml:
 *
 * Opaque parsed libvirt domain definition.
 */
typedef struct _VgpuDomainXml VgpuDomainXml;

/**
 * VgpuHostdevFlags:
 * @VGPU_HOSTDEV_NONE: `display='off'`, no ramfb.
 * @VGPU_HOSTDEV_DISPLAY: `display='on'`: QEMU exposes the vGPU's display
 *   (needs a `<graphics>` device; libvirt formatdomain, mdev `display`).
 * @VGPU_HOSTDEV_RAMFB: `ramfb='on'` (boot display before the guest driver
 *   loads; requires display on).
 */
typedef enum {
    VGPU_HOSTDEV_NONE = 0,
    VGPU_HOSTDEV_DISPLAY = 1 << 0,
    VGPU_HOSTDEV_RAMFB = 1 << 1,
} VgpuHostdevFlags;

/**
 * vgpu_domain_xml_parse:
 * @xml: the domain XML text (need not be NUL-terminated)
 * @len: length of @xml in bytes
 * @error: return location for a #GError, or %NULL
 *
 * Parses without network access, without entity expansion or DTD loading,
 * and refuses documents above %VGPU_DOMAIN_XML_MAX_SIZE. Any `<!DOCTYPE>`
 * (internal or external subset) is refused before a single declaration is
 * read, so external entities (XXE) and entity expansion ("billion laughs")
 * cannot happen; libvirt never writes a DOCTYPE. libxml2 prints nothing:
 * the first parser error goes into @error. Pure computation, no I/O.
 *
 * Returns: (transfer full): the document, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT (empty, too large, not well-formed XML with
 *   line and column, root element not `<domain>` in no namespace,
 *   DTD/entities present).
 */
VGPU_PUBLIC VgpuDomainXml *vgpu_domain_xml_parse(const char *xml, gsize len,
                                                 GError **error);

/** vgpu_domain_xml_free: @doc: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_domain_xml_free(VgpuDomainXml *doc);

/**
 * vgpu_domain_xml_format:
 * @doc: a document
 * @len: (out) (optional): length of the result in bytes
 *
 * Serializes the document as UTF-8 with libxml2's serializer (no
 * reindenting). Attribute quoting and escaping may change, meaning does
 * not: attributes come out in double quotes, xmlns declarations before the
 * other attributes, and only what must be escaped is (libvirt accepts this
 * and re-formats the domain in its own style on define). Nodes libvgpu did
 * not touch keep their attribute order, whitespace, comments, CDATA
 * sections, processing instructions and namespaces; new elements are
 * indented like their neighbours. There is no XML declaration unless the
 * input had one (it is then written naming UTF-8); the text ends with a
 * newline. Formatting is stable: formatting the parse of the result gives
 * the result again, byte for byte.
 *
 * Returns: (transfer full): the XML text, NUL-terminated.
 */
VGPU_PUBLIC char *vgpu_domain_xml_format(VgpuDomainXml *doc, gsize *len);

/** vgpu_domain_xml_get_name: Returns: (transfer none) (nullable): the
 * domain `<name>`. */
VGPU_PUBLIC const char *vgpu_domain_xml_get_name(VgpuDomainXml *doc);

/** vgpu_domain_xml_get_uuid: Returns: (transfer none) (nullable): the
 * domain `<uuid>` as written (surrounding whitespace removed, case kept). */
VGPU_PUBLIC const char *vgpu_domain_xml_get_uuid(VgpuDomainXml *doc);

/**
 * vgpu_domain_xml_list_mdev_hostdevs:
 * @doc: a document
 *
 * Lists the UUIDs of `<hostdev mode='subsystem' type='mdev'>` elements
 * under `<devices>` (`<source><address uuid=…/>`), lowercased, in document
 * order. A missing `mode` counts as `subsystem` (libvirt's default). A
 * hostdev whose source has no valid UUID is skipped (libvirt refuses such a
 * domain). The same UUID twice is listed twice (libvirt refuses that too,
 * see its test `hostdev-mdev-duplicate`).
 *
 * Returns: (transfer full) (element-type utf8): the UUIDs (possibly empty).
 */
VGPU_PUBLIC GPtrArray *vgpu_domain_xml_list_mdev_hostdevs(VgpuDomainXml *doc);

/**
 * vgpu_domain_xml_list_pci_hostdevs:
 * @doc: a document
 *
 * Lists the addresses of `<hostdev mode='subsystem' type='pci'>` elements
 * under `<devices>` (`<source><address domain= bus= slot= function=/>`,
 * numbers in hex with 0x or decimal, as libvirt reads them), in canonical
 * form `DDDD:BB:SS.F` lowercase, in document order; a hostdev whose address
 * is incomplete or out of range is skipped.
 *
 * Returns: (transfer full) (element-type utf8): the addresses.
 */
VGPU_PUBLIC GPtrArray *vgpu_domain_xml_list_pci_hostdevs(VgpuDomainXml *doc);

/**
 * vgpu_domain_xml_list_requests:
 * @doc: a document
 * @error: return location for a #GError, or %NULL
 *
 * Reads every `<vgpu:mdev>` under `<metadata><vgpu:vgpu>` (matched by
 * namespace URI, whatever the prefix) and validates it with
 * vgpu_request_new(). Only the first `<vgpu:vgpu>` counts, as libvirt keeps
 * only the first element of each namespace in `<metadata>`; other elements
 * and namespaces are ignored. A UUID in upper case is accepted and
 * returned in lower case.
 *
 * Returns: (transfer full) (element-type VgpuRequest): the requests in
 *   document order (empty if none), or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT naming the element, the domain and the bad
 *   value, and saying how to fix it (missing uuid/type, a uuid that is not
 *   a 36-character UUID, unsafe type or parent such as "../x", the same
 *   UUID twice).
 */
VGPU_PUBLIC GPtrArray *vgpu_domain_xml_list_requests(VgpuDomainXml *doc,
                                                     GError **error);

/**
 * vgpu_domain_xml_add_request:
 * @doc: a document
 * @request: the request to add
 * @flags: hostdev options
 * @error: return location for a #GError, or %NULL
 *
 * Adds `<vgpu:mdev>` to `<metadata><vgpu:vgpu>` (creating either as
 * needed; a new `<metadata>` goes right after the last of `<name>`,
 * `<uuid>`, `<genid>`, `<title>`, `<description>`, where libvirt writes it)
 * and a `<hostdev mode='subsystem' type='mdev' managed='no'
 * model='vfio-pci' display='on|off' [ramfb='on']>` with the request's
 * UUID at the end of `<devices>` (created if missing). New elements are
 * indented like their neighbours (two spaces per level in libvirt's
 * output; none in a document without line breaks). Nothing else in the
 * document changes; on error the document is untouched.
 *
 * Returns: %TRUE on success; %FALSE with %VGPU_ERROR_EXISTS (the UUID is
 *   already used by a hostdev or a request, in any case) or
 *   %VGPU_ERROR_INVALID_INPUT (ramfb without display).
 */
VGPU_PUBLIC gboolean vgpu_domain_xml_add_request(VgpuDomainXml *doc,
                                                 const VgpuRequest *request,
                                                 VgpuHostdevFlags flags,
                                                 GError **error);

/**
 * vgpu_domain_xml_remove_request:
 * @doc: a document
 * @uuid: the request's mdev UUID
 * @error: return location for a #GError, or %NULL
 *
 * Removes the `<vgpu:mdev>` with @uuid (any case) and every mdev hostdev
 * with the same UUID, each with the whitespace before it so that no blank
 * line is left; drops `<vgpu:vgpu>` when it has no element left, and
 * `<metadata>` when nothing but whitespace is left in it.
 *
 * Returns: %TRUE on success; %FALSE with %VGPU_ERROR_NOT_FOUND when the
 *   document has no request with @uuid (a hand-written hostdev alone is not
 *   ours and is left alone), or %VGPU_ERROR_INVALID_INPUT when @uuid is not
 *   a UUID.
 */
VGPU_PUBLIC gboolean vgpu_domain_xml_remove_request(VgpuDomainXml *doc,
                                                    const char *uuid,
                                                    GError **error);

/**
 * vgpu_domain_xml_move_vf_request:
 * @doc: a document
 * @from: the VF address a `<vgpu:vf>` request of @doc names
 * @to: the VF address to pin it to instead
 * @error: return location for a #GError, or %NULL
 *
 * Re-pins a VF request: the request's `address` and the `<source><address>`
 * of the PCI hostdev(s) with address @from become @to (other attributes of
 * the hostdev are kept). Used where libvirt lets a hook rewrite the domain
 * XML (`migrate begin`, `restore begin`: libvirt docs/hooks.rst) and by
 * `vgpuctl move`.
 *
 * Returns: %TRUE on success; %FALSE with %VGPU_ERROR_INVALID_INPUT
 *   (non-canonical address), %VGPU_ERROR_NOT_FOUND (no VF request for
 *   @from) or %VGPU_ERROR_EXISTS (@to is already a hostdev of @doc).
 */
VGPU_PUBLIC gboolean vgpu_domain_xml_move_vf_request(VgpuDomainXml *doc,
                                                     const char *from,
                                                     const char *to,
                                                     GError **error);

/**
 * vgpu_domain_xml_next_default_uuid:
 * @doc: a document with a domain `<uuid>`
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): vgpu_uuid_for_domain() of the domain UUID and
 *   the smallest index n >= 0 whose UUID is not yet used by an mdev hostdev
 *   or a request, or %NULL with %VGPU_ERROR_INVALID_INPUT (no or malformed
 *   `<uuid>`).
 */
VGPU_PUBLIC char *vgpu_domain_xml_next_default_uuid(VgpuDomainXml *doc,
                                                    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuDomainXml, vgpu_domain_xml_free)

G_END_DECLS
