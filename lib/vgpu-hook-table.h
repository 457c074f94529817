/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the hook's operation table (private, header-only, libc only).
 * The one place that says which libvirt hook operations libvgpu acts on
 * (lib/vgpu-hook-input.c answers vgpu_hook_operation_parse() and
 * vgpu_hook_operation_reads_input() from it).
 */
#pragma once

#include <libvgpu/vgpu-hook-operation.h>

#include <string.h>

/* vgpu-hook links the engine, GLib and libc statically, no libxml2 or
 * json-glib (hooks/vgpu-hook-lean.c). It hands what it cannot do (migrate
 * and restore begin, an mdevctl definition to read) over to this program,
 * which links libvgpu (hooks/vgpu-hook-full.c). */
#define VGPU_HOOK_WORKER_FULL "vgpu-hook-worker-full"

typedef struct {
    const char *operation;     /* argv[2] */
    const char *sub_operation; /* argv[3] */
    VgpuHookOperation value;
    int reads_input; /* the hook reads the domain XML from stdin */
} VgpuHookTableEntry;

static const VgpuHookTableEntry vgpu_hook_table[] = {
    {"prepare", "begin", VGPU_HOOK_OPERATION_PREPARE_BEGIN, 1},
    {"release", "end", VGPU_HOOK_OPERATION_RELEASE_END, 0},
    /* libvirt uses the output as the new XML: VF requests may have to
     * move to a VF of this host (libvirt keeps the XML when there is no
     * output). */
    {"migrate", "begin", VGPU_HOOK_OPERATION_MIGRATE_BEGIN, 1},
    {"restore", "begin", VGPU_HOOK_OPERATION_RESTORE_BEGIN, 1},
};

/* The entry of an operation pair, or NULL for one libvgpu ignores. */
static inline const VgpuHookTableEntry *
vgpu_hook_table_lookup(const char *operation, const char *sub_operation)
{
    for (size_t i = 0; i < sizeof(vgpu_hook_table) / sizeof(vgpu_hook_table[0]);
         i++) {
        if (strcmp(operation, vgpu_hook_table[i].operation) == 0 &&
            strcmp(sub_operation, vgpu_hook_table[i].sub_operation) == 0)
            return &vgpu_hook_table[i];
    }
    return NULL;
}
