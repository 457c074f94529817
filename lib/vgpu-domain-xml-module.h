/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - internal: the domain XML editor as a module of its own.
 *
 * The editor (vgpu-domain-xml.c, on the libxml2 helpers of vgpu-xml.c) is
 * built into libvgpu-domain-xml.so, which libvgpu.so loads when a
 * program first parses a domain (vgpu-domain-xml-loader.c): libxml2
 * brings ICU and libstdc++ along, about 2 ms and 3 million instructions
 * of dynamic loading on every start of every program linking libvgpu,
 * while most of them (vgpuctl types, list, check; the hook's workers for
 * most operations) never edit a domain. The module exports this one table.
 */
#pragma once

#include <libvgpu/vgpu-domain-xml.h>

/* The module's file name, looked up in <dir>/libvgpu/ and then <dir>/,
 * <dir> being where libvgpu.so.0 itself was loaded from (installed: the
 * private directory $libdir/libvgpu; in the build tree: next to it). */
#define VGPU_DOMAIN_XML_MODULE_FILE "libvgpu-domain-xml.so"
#define VGPU_DOMAIN_XML_MODULE_SYMBOL "vgpu_domain_xml_module"

/* The editor's functions (libvgpu/vgpu-domain-xml.h), with the version of
 * the build they come from: libvgpu.so takes only its own build's. */
typedef struct {
    const char *version;
    gsize size; /* sizeof(VgpuDomainXmlModule) */
    VgpuDomainXml *(*parse)(const char *xml, gsize len, GError **error);
    void (*free)(VgpuDomainXml *doc);
    char *(*format)(VgpuDomainXml *doc, gsize *len);
    const char *(*get_name)(VgpuDomainXml *doc);
    const char *(*get_uuid)(VgpuDomainXml *doc);
    GPtrArray *(*list_mdev_hostdevs)(VgpuDomainXml *doc);
    GPtrArray *(*list_pci_hostdevs)(VgpuDomainXml *doc);
    GPtrArray *(*list_requests)(VgpuDomainXml *doc, GError **error);
    gboolean (*add_request)(VgpuDomainXml *doc, const VgpuRequest *request,
                            VgpuHostdevFlags flags, GError **error);
    gboolean (*remove_request)(VgpuDomainXml *doc, const char *uuid,
                               GError **error);
    gboolean (*move_vf_request)(VgpuDomainXml *doc, const char *from,
                                const char *to, GError **error);
    char *(*next_default_uuid)(VgpuDomainXml *doc, GError **error);
} VgpuDomainXmlModule;
