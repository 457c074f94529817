/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl - names of PCI devices from the PCI ID database (pci.ids, read
 * through libpci from Debian's pciutils), for the rows of plain VFs whose
 * type id is only `vf-<vendor>:<device>`.
 */
#include "vgpuctl-pci-names.h"

#ifdef HAVE_LIBPCI
#include <pci/pci.h>
#endif

char *
vgpuctl_pci_device_name(const char *ids)
{
#ifdef HAVE_LIBPCI
    static struct pci_access *access;
    char name[256];
    guint64 vendor = 0, device = 0;
    g_auto(GStrv) parts = NULL;
    const char *found;

    if (!ids)
        return NULL;
    parts = g_strsplit(ids, ":", 3);
    if (g_strv_length(parts) != 2 ||
        !g_ascii_string_to_unsigned(parts[0], 16, 0, 0xffff, &vendor, NULL) ||
        !g_ascii_string_to_unsigned(parts[1], 16, 0, 0xffff, &device, NULL))
        return NULL;
    if (!access) {
        /* pci_alloc() only allocates: no bus scan; names are looked up in
         * the ID file, never over the network (no PCI_LOOKUP_NETWORK) */
        access = pci_alloc();
        pci_init(access);
    }
    found = pci_lookup_name(access, name, sizeof(name),
                            PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
                            (int)vendor, (int)device);
    return found ? g_strdup(found) : NULL;
#else
    return NULL;
#endif
}
