/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * add-vgpu-request - add a vGPU request to a libvirt domain XML file.
 *
 *   add-vgpu-request DOMAIN.xml TYPE [PARENT] > NEW.xml
 *   virsh define NEW.xml
 *
 * Writes the domain with a <hostdev type='mdev'> and the matching
 * <vgpu:mdev> request (default, name-based UUID) to standard output. The
 * libvgpu hook creates the mediated device at the next `virsh start`.
 * Uses only the public libvgpu API (pkg-config --cflags --libs libvgpu).
 */
#include <libvgpu/libvgpu.h>

#include <stdio.h>

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(VgpuRequest) request = NULL;
    g_autofree char *text = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *out = NULL;
    gsize len = 0;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "Usage: %s DOMAIN.xml TYPE [PARENT] > NEW.xml\n",
                argv[0]);
        return 2;
    }
    if (!g_file_get_contents(argv[1], &text, &len, &error) ||
        !(doc = vgpu_domain_xml_parse(text, len, &error)) ||
        !(uuid = vgpu_domain_xml_next_default_uuid(doc, &error)) ||
        !(request = vgpu_request_new(uuid, argv[2], argc == 4 ? argv[3] : NULL,
                                     &error)) ||
        !vgpu_domain_xml_add_request(doc, request, VGPU_HOSTDEV_NONE, &error)) {
        fprintf(stderr, "add-vgpu-request: %s\n", error->message);
        return 1;
    }
    out = vgpu_domain_xml_format(doc, &len);
    fwrite(out, 1, len, stdout);
    fprintf(stderr, "add-vgpu-request: requested mdev %s of type %s\n", uuid,
            argv[2]);
    return 0;
}
