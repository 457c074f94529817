/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the libvirt qemu hook protocol (libvirt docs/hooks.rst,
 * "/etc/libvirt/hooks/qemu"): `DOMAIN OPERATION SUB-OPERATION EXTRA` with
 * the full domain XML on stdin.
 */
#pragma once

#include <libvgpu/vgpu-context.h>

G_BEGIN_DECLS

/**
 * VGPU_HOOK_MAX_INPUT:
 *
 * Largest domain XML read from the hook's stdin, in bytes (16 MiB).
 */
#define VGPU_HOOK_MAX_INPUT (16u * 1024u * 1024u)

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
 * @operation: the hook operation (argv[2]), e.g. "prepare"
 * @sub_operation: the sub-operation (argv[3]), e.g. "begin"
 * @xml: (nullable): the domain XML from stdin
 * @xml_len: length of @xml
 * @warnings: (nullable) (element-type utf8): caller-owned array to which
 *   non-fatal warnings are appended (e.g. a busy mdev left for
 *   `vgpuctl gc`); each is one line
 * @error: return location for a #GError, or %NULL
 *
 * Runs one hook invocation, per DESIGN.md's table:
 * - `prepare begin`: under the host lock, for the requests whose UUID is
 *   an mdev hostdev of the domain: devices that exist already must match
 *   (type mismatch → %VGPU_ERROR_UNSUPPORTED, another domain's device →
 *   %VGPU_ERROR_EXISTS) and are used as they are; for the others,
 *   vgpu_alloc_check_capacity() per type, then for each a parent
 *   (vgpu_alloc_choose_parent() with the host configuration), create it,
 *   record ownership. On any failure, remove what this run created and
 *   fail.
 * - `release end`: under the host lock, remove every device recorded as
 *   created for this domain, then drop its record. Devices without a
 *   record are never touched. A device still busy after the removal bound
 *   keeps its record and yields a warning; the call still succeeds.
 * - anything else (including `migrate`/`restore begin`, `reconnect`,
 *   `started`, unknown operations): nothing, success. Nothing is ever
 *   printed by the library: for `migrate begin` / `restore begin` libvirt
 *   keeps the XML as is when the hook prints nothing.
 *
 * Returns: %TRUE on success; %FALSE with the codes of the functions above
 *   or %VGPU_ERROR_INVALID_INPUT (bad XML, bad request, domain name in
 *   the XML differs from @domain). The message is one line meant for the
 *   `virsh start` user.
 */
VGPU_PUBLIC gboolean vgpu_hook_run(VgpuContext *ctx, const char *domain,
                                   const char *operation,
                                   const char *sub_operation,
                                   const char *xml, gsize xml_len,
                                   GPtrArray *warnings, GError **error);

G_END_DECLS
