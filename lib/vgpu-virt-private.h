/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu-virt - what the modules of libvgpu-virt share and its users do
 * not see: the connection and domain structures and the read-edit-define
 * steps on a domain's persistent definition.
 */
#pragma once

#include <libvgpu/libvgpu-virt.h>

#include <libvirt/libvirt.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

struct _VgpuVirtConnection {
    virConnectPtr conn;
    char *uri;         /* canonical, from virConnectGetURI() */
    VgpuContext *host; /* nullable: check types in this sysfs */
};

struct _VgpuVirtDomain {
    char *name;
    char *uuid;
    gboolean active;
    gboolean persistent;
    GPtrArray *requests;      /* VgpuRequest */
    GPtrArray *mdev_hostdevs; /* utf8 */
    GPtrArray *pci_hostdevs;  /* utf8, canonical PCI addresses */
    GPtrArray *pending;       /* VgpuRequest: next start only */
    char *request_error;      /* nullable */
};

/* Sets a VGPU_ERROR_LIBVIRT error: the caller's sentence, then libvirt's
 * last error message of this thread (virGetLastErrorMessage()). */
void vgpu_virt_set_error(GError **error, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

/* The domain @name names as virsh does: a name, else an ID (decimal, of
 * a running domain), else a UUID (virDomainLookupByName/ByID/
 * ByUUIDString); VGPU_ERROR_NOT_FOUND naming it and 'virsh list --all'
 * when there is none. */
virDomainPtr vgpu_virt_lookup_domain(VgpuVirtConnection *conn, const char *name,
                                     GError **error);

/* Looks up a persistent domain and parses its persistent definition
 * (VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE); a transient domain is
 * VGPU_ERROR_UNSUPPORTED with the 'virsh define' fix. */
VgpuDomainXml *vgpu_virt_read_definition(VgpuVirtConnection *conn,
                                         const char *name, GError **error);

/* virDomainDefineXML() of @doc, serialised by libxml2. */
gboolean vgpu_virt_define(VgpuVirtConnection *conn, const char *name,
                          VgpuDomainXml *doc, GError **error);

/*
 * The VF addresses that defined domains other than @except (nullable)
 * name in PCI hostdevs (libvirt refuses to start two domains with one VF:
 * "PCI device … is in use by driver QEMU, domain …",
 * src/hypervisor/virhostdev.c), as a set of owned strings.
 */
GHashTable *vgpu_virt_taken_vfs(VgpuVirtConnection *conn, const char *except,
                                GError **error);
