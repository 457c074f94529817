/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl - names of PCI devices from the PCI ID database (pci.ids, read
 * through libpci from Debian's pciutils), for the rows of plain VFs whose
 * type id is only `vf-<vendor>:<device>`.
 *
 * libpci is loaded on the first name asked for, not linked: it brings
 * libudev and three more shared objects, about 0.6 ms of loading on every
 * vgpuctl start (bench/README.md, part 2), while only hosts with plain VF
 * GPUs ever ask. Its header gives the types, flags and signatures.
 */
#include "vgpuctl-pci-names.h"

#ifdef HAVE_LIBPCI
#include <dlfcn.h>
#include <pci/pci.h>

/* libpci's SONAME (pciutils 3.x, Debian's libpci3) */
#define VGPUCTL_PCI_LIBRARY "libpci.so.3"

/* What vgpuctl uses of libpci, resolved once; NULL lookup_name when the
 * library is missing or lacks one of them. */
typedef struct {
    struct pci_access *access;
    char *(*lookup_name)(struct pci_access *access, char *buf, int size,
                         int flags, ...);
} PciNames;

static const PciNames *
pci_names_get(void)
{
    static PciNames names;
    static gboolean tried;
    struct pci_access *(*alloc)(void);
    void (*init)(struct pci_access * access);
    void *library;

    if (tried)
        return names.lookup_name ? &names : NULL;
    tried = TRUE;
    library = dlopen(VGPUCTL_PCI_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!library)
        return NULL;
    alloc = (struct pci_access * (*)(void)) dlsym(library, "pci_alloc");
    init = (void (*)(struct pci_access *))dlsym(library, "pci_init");
    names.lookup_name = (char *(*)(struct pci_access *, char *, int, int,
                                   ...))dlsym(library, "pci_lookup_name");
    if (!alloc || !init || !names.lookup_name) {
        names.lookup_name = NULL;
        dlclose(library);
        return NULL;
    }
    /* pci_alloc() only allocates: no bus scan; names are looked up in the
     * ID file, never over the network (no PCI_LOOKUP_NETWORK) */
    names.access = alloc();
    init(names.access);
    return &names;
}
#endif

char *
vgpuctl_pci_device_name(const char *ids)
{
#ifdef HAVE_LIBPCI
    const PciNames *names;
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
    names = pci_names_get();
    if (!names)
        return NULL;
    found = names->lookup_name(names->access, name, sizeof(name),
                               PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
                               (int)vendor, (int)device);
    return found ? g_strdup(found) : NULL;
#else
    return NULL;
#endif
}
