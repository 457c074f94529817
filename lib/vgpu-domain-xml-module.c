/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu-domain-xml.so - the table of the domain XML editor, the one
 * symbol the module exports (vgpu-domain-xml-module.sym).
 */
#include "vgpu-domain-xml-module.h"

__attribute__((visibility(
    "default"))) extern const VgpuDomainXmlModule vgpu_domain_xml_module;

const VgpuDomainXmlModule vgpu_domain_xml_module = {
    .version = VGPU_BUILD_VERSION,
    .size = sizeof(VgpuDomainXmlModule),
    .parse = vgpu_domain_xml_parse,
    .free = vgpu_domain_xml_free,
    .format = vgpu_domain_xml_format,
    .get_name = vgpu_domain_xml_get_name,
    .get_uuid = vgpu_domain_xml_get_uuid,
    .list_mdev_hostdevs = vgpu_domain_xml_list_mdev_hostdevs,
    .list_pci_hostdevs = vgpu_domain_xml_list_pci_hostdevs,
    .list_requests = vgpu_domain_xml_list_requests,
    .add_request = vgpu_domain_xml_add_request,
    .remove_request = vgpu_domain_xml_remove_request,
    .move_vf_request = vgpu_domain_xml_move_vf_request,
    .next_default_uuid = vgpu_domain_xml_next_default_uuid,
};
