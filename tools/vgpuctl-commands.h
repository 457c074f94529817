/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-commands - the commands of vgpuctl, each defined in the module
 * of its concern.
 */
#pragma once

#include "vgpuctl-common.h"

/* vgpuctl-types.c: what the host's parents offer */
extern const VgpuctlCommand vgpuctl_command_types;

/* vgpuctl-devices.c: the mediated devices and their ownership records */
extern const VgpuctlCommand vgpuctl_command_list;
extern const VgpuctlCommand vgpuctl_command_gc;

/* vgpuctl-domains.c: vGPU requests in libvirt domain definitions */
extern const VgpuctlCommand vgpuctl_command_requests;
extern const VgpuctlCommand vgpuctl_command_attach;
extern const VgpuctlCommand vgpuctl_command_detach;

/* vgpuctl-move.c: VF-backed requests moved to VFs that can host them */
extern const VgpuctlCommand vgpuctl_command_move;
extern const VgpuctlCommand vgpuctl_command_start;

/* vgpuctl-plan.c: would a domain start now, and where */
extern const VgpuctlCommand vgpuctl_command_plan;

/* vgpuctl-hook.c: the libvirt hook */
extern const VgpuctlCommand vgpuctl_command_install_hook;

/* vgpuctl-check.c: host readiness */
extern const VgpuctlCommand vgpuctl_command_check;
