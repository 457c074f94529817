/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the libvirt qemu hook protocol (libvirt docs/hooks.rst,
 * "/etc/libvirt/hooks/qemu"): `DOMAIN OPERATION SUB-OPERATION EXTRA` with
 * the full domain XML on stdin, mapped onto the engine (vgpu-engine.h).
 */
#pragma once

#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-engine.h>
#include <libvgpu/vgpu-hook-operation.h>

G_BEGIN_DECLS

/**
 * VGPU_HOOK_MAX_INPUT:
 *
 * Largest domain XML read from the hook's stdin, in bytes (16 MiB).
 */
#define VGPU_HOOK_MAX_INPUT (16u * 1024u * 1024u)

/**
 * vgpu_hook_operation_parse:
 * @operation: the hook operation (argv[2]), e.g. "prepare"
 * @sub_operation: the sub-operation (argv[3]), e.g. "begin"
 *
 * Returns: the operation, %VGPU_HOOK_OPERATION_UNKNOWN for every pair
 *   libvgpu does not act on (never an error: libvirt adds operations).
 */
VGPU_PUBLIC VgpuHookOperation
vgpu_hook_operation_parse(const char *operation, const char *sub_operation);

/**
 * vgpu_hook_operation_reads_input:
 * @operation: an operation
 *
 * Returns: %TRUE if vgpu_hook_run() needs the domain XML for @operation
 *   (only `prepare begin`; `release end` works from ownership records).
 */
VGPU_PUBLIC gboolean
vgpu_hook_operation_reads_input(VgpuHookOperation operation);

/**
 * vgpu_hook_read_input:
 * @fd: file descriptor to read to end of file (the hook's stdin)
 * @len: (out): number of bytes read
 * @error: return location for a #GError, or %NULL
 *
 * Reads all of @fd (retrying on EINTR).
 *
 * Returns: (transfer full): the bytes read, NUL-terminated, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT (more than %VGPU_HOOK_MAX_INPUT bytes) or
 *   %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC char *vgpu_hook_read_input(int fd, gsize *len, GError **error);

/**
 * vgpu_hook_run:
 * @ctx: a context
 * @domain: the domain name (argv[1])
 * @operation: the parsed operation
 * @xml: (nullable): the domain XML from stdin (needed for `prepare begin`)
 * @xml_len: length of @xml
 * @options: (nullable): engine options (configuration, lock bound, event
 *   callback); %NULL for the defaults. The context is never modified.
 * @output: (out) (optional) (nullable) (transfer full): what the hook must
 *   print on stdout, or %NULL for nothing
 * @error: return location for a #GError, or %NULL
 *
 * Runs one hook invocation, per DESIGN.md's table:
 * - `prepare begin`: parses @xml (no network, no entities), checks that its
 *   `<name>` is @domain, keeps the requests whose device is also a hostdev
 *   of the domain (a request without one is stale metadata) and calls
 *   vgpu_engine_prepare().
 * - `release end`: vgpu_engine_release().
 * - `migrate begin`, `restore begin`: libvirt uses the hook's output as
 *   the new domain XML, and keeps the XML when there is none
 *   (docs/hooks.rst). A VF request whose VF cannot host its type on this
 *   host (missing, claimed by another domain, holding another type, or on
 *   a GPU that cannot create the type now) is moved with its PCI hostdev
 *   to a VF that can (vgpu_engine_choose_vf()), and @output is the whole
 *   XML; otherwise (mdev requests, fine VFs) @output is %NULL. No VF can
 *   host the type: %FALSE, and the migration fails with the message.
 * - anything else: nothing, success. The library never prints.
 *
 * Returns: %TRUE on success; %FALSE with the codes of the engine calls or
 *   %VGPU_ERROR_INVALID_INPUT (bad XML, bad or too many requests, domain
 *   name in the XML differs from @domain or holds control characters). The message is one line meant
 *   for the `virsh start` user.
 */
VGPU_PUBLIC gboolean vgpu_hook_run(VgpuContext *ctx, const char *domain,
                                   VgpuHookOperation operation, const char *xml,
                                   gsize xml_len,
                                   const VgpuEngineOptions *options,
                                   char **output, GError **error);

G_END_DECLS
