/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * vgpuctl_pci_device_name:
 * @ids: (nullable): "vendor:device" in hex, e.g. "1002:692f"
 *
 * Looks the device up in the PCI ID database through libpci
 * (pci_lookup_name(3), the file /usr/share/misc/pci.ids of Debian's
 * pci.ids package): the device's name without the vendor's, e.g. "Tonga
 * XTV GL [FirePro S7150V]". Reads only the ID file, never the network.
 *
 * libpci (libpci.so.3) is loaded on the first call, not at vgpuctl's start.
 *
 * Returns: (transfer full) (nullable): the name, or %NULL when @ids is
 *   malformed, the database does not know the device, libpci cannot be
 *   loaded, or vgpuctl was built without libpci's header.
 */
char *vgpuctl_pci_device_name(const char *ids);
