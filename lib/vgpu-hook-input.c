/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the hook's input: which operations it acts on (the table in
 * vgpu-hook-table.h) and the domain XML libvirt writes on its standard
 * input (docs/hooks.rst: "the full XML description of the domain").
 * GLib and libc only: vgpu-hook links it statically.
 */
#include <libvgpu/vgpu-hook.h>

#include "vgpu-hook-table.h"

#include <errno.h>
#include <unistd.h>

#define READ_CHUNK 65536

char *
vgpu_hook_read_input(int fd, gsize *len, GError **error)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    guint8 chunk[READ_CHUNK];

    g_return_val_if_fail(len != NULL, NULL);

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                        "cannot read the domain XML from standard input: %s",
                        g_strerror(errno));
            return NULL;
        }
        if (n == 0)
            break;
        if (buf->len + (gsize)n > VGPU_HOOK_MAX_INPUT) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "the domain XML on standard input exceeds %u MiB; "
                        "libvirt never sends that much, check what feeds "
                        "the hook",
                        VGPU_HOOK_MAX_INPUT / (1024 * 1024));
            return NULL;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    *len = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

VgpuHookOperation
vgpu_hook_operation_parse(const char *operation, const char *sub_operation)
{
    const VgpuHookTableEntry *entry;

    g_return_val_if_fail(operation != NULL, VGPU_HOOK_OPERATION_UNKNOWN);
    g_return_val_if_fail(sub_operation != NULL, VGPU_HOOK_OPERATION_UNKNOWN);

    entry = vgpu_hook_table_lookup(operation, sub_operation);
    return entry ? entry->value : VGPU_HOOK_OPERATION_UNKNOWN;
}

gboolean
vgpu_hook_operation_reads_input(VgpuHookOperation operation)
{
    for (gsize i = 0; i < G_N_ELEMENTS(vgpu_hook_table); i++) {
        if (vgpu_hook_table[i].value == operation)
            return vgpu_hook_table[i].reads_input;
    }
    return FALSE;
}
