/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the libvirt qemu hook operations libvgpu tells apart. Plain C
 * with no dependency (lib/vgpu-hook-table.h, a libc-only header, uses it).
 */
#pragma once

/**
 * VgpuHookOperation:
 * @VGPU_HOOK_OPERATION_UNKNOWN: any other operation/sub-operation pair
 *   (`start begin`, `started begin`, `stopped end`, `reconnect begin`,
 *   `attach begin`, operations of future libvirt versions): libvgpu does
 *   nothing, prints nothing, and succeeds.
 * @VGPU_HOOK_OPERATION_PREPARE_BEGIN: `prepare begin`: create the devices.
 * @VGPU_HOOK_OPERATION_RELEASE_END: `release end`: remove them.
 * @VGPU_HOOK_OPERATION_MIGRATE_BEGIN: `migrate begin`: the hook may print
 *   a rewritten domain XML (libvirt docs/hooks.rst); libvgpu prints
 *   nothing for mdev requests.
 * @VGPU_HOOK_OPERATION_RESTORE_BEGIN: `restore begin`: as migrate.
 *
 * The operations of libvirt's qemu hook (docs/hooks.rst, "/etc/libvirt/
 * hooks/qemu") that matter to libvgpu, parsed once from argv[2] and
 * argv[3] with vgpu_hook_operation_parse().
 */
typedef enum {
    VGPU_HOOK_OPERATION_UNKNOWN,
    VGPU_HOOK_OPERATION_PREPARE_BEGIN,
    VGPU_HOOK_OPERATION_RELEASE_END,
    VGPU_HOOK_OPERATION_MIGRATE_BEGIN,
    VGPU_HOOK_OPERATION_RESTORE_BEGIN,
} VgpuHookOperation;
