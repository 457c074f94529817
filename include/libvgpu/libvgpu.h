/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - Linux mediated devices (NVIDIA vGPU and any mdev) for libvirt.
 *
 * The umbrella header. libvgpu does not link libvirt; the libvirt-facing
 * helpers are in <libvgpu/libvgpu-virt.h> (libvgpu-virt.pc).
 */
#pragma once

#include <libvgpu/vgpu-common.h>
#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-nvidia.h>
#include <libvgpu/vgpu-pci.h>
#include <libvgpu/vgpu-device.h>
#include <libvgpu/vgpu-uuid.h>
#include <libvgpu/vgpu-discovery.h>
#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-alloc.h>
#include <libvgpu/vgpu-mdev.h>
#include <libvgpu/vgpu-mdevctl.h>
#include <libvgpu/vgpu-request.h>
#include <libvgpu/vgpu-state.h>
#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-engine.h>
#include <libvgpu/vgpu-hook-operation.h>
#include <libvgpu/vgpu-hook.h>
#include <libvgpu/vgpu-plan.h>
