/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - PCI addresses and SR-IOV topology.
 */
#include <libvgpu/vgpu-pci.h>

#include <string.h>

/* Lowercase hexadecimal digit (the kernel prints PCI names with %x). */
static gboolean
is_lower_hex(char c)
{
    return g_ascii_isdigit(c) || (c >= 'a' && c <= 'f');
}

gboolean
vgpu_pci_address_is_valid(const char *address)
{
    static const char shape[] = "hhhh:hh:hh.f";

    if (!address || strlen(address) != sizeof(shape) - 1)
        return FALSE;
    for (gsize i = 0; i < sizeof(shape) - 1; i++) {
        char c = address[i];

        switch (shape[i]) {
        case 'h':
            if (!is_lower_hex(c))
                return FALSE;
            break;
        case 'f':
            if (c < '0' || c > '7')
                return FALSE;
            break;
        default:
            if (c != shape[i])
                return FALSE;
        }
    }
    /* slot: 5 bits (PCI_SLOT()) */
    return g_ascii_xdigit_value(address[8]) <= 1;
}
