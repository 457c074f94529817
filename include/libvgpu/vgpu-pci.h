/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - PCI addresses and SR-IOV topology: which physical GPU (the
 * physical function, PF) a virtual function (VF) belongs to.
 */
#pragma once

#include <libvgpu/vgpu-common.h>

G_BEGIN_DECLS

/**
 * vgpu_pci_address_is_valid:
 * @address: (nullable): a PCI address
 *
 * Checks the canonical form the kernel uses for PCI device names in
 * `sys/bus/pci/devices/` (drivers/pci/probe.c, `pci_setup_device()`:
 * "%04x:%02x:%02x.%d"): `DDDD:BB:SS.F`, lowercase hexadecimal, slot at
 * most 0x1f, function 0-7, e.g. "0000:3d:00.4". Anything else, including
 * upper case, is refused (DESIGN.md, "Device classes") so that no other
 * spelling reaches a path.
 *
 * Returns: %TRUE if @address is canonical.
 */
VGPU_PUBLIC gboolean vgpu_pci_address_is_valid(const char *address);

G_END_DECLS
