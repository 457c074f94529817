/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the hook's operation table (private, header-only, libc only).
 * The one place that says which libvirt hook operations libvgpu acts on:
 * lib/vgpu-hook.c and the libc-only front hooks/vgpu-hook.c both include
 * it, so the front's fast path and the library can never disagree.
 */
#pragma once

#include <libvgpu/vgpu-hook-operation.h>

#include <string.h>

/* The lean worker: the engine, GLib and libc linked statically, no libxml2
 * or json-glib (hooks/vgpu-hook-worker-lean.c). It hands what it cannot do
 * (an mdevctl definition to read) over to the full worker, which links
 * libvgpu (hooks/vgpu-hook-worker-full.c). */
#define VGPU_HOOK_WORKER "vgpu-hook-worker"
#define VGPU_HOOK_WORKER_FULL "vgpu-hook-worker-full"

typedef struct {
    const char *operation;     /* argv[2] */
    const char *sub_operation; /* argv[3] */
    VgpuHookOperation value;
    const char *worker; /* the worker the front execs: VGPU_HOOK_WORKER or
                           VGPU_HOOK_WORKER_FULL */
    int reads_input;    /* the worker reads the domain XML from stdin */
} VgpuHookTableEntry;

static const VgpuHookTableEntry vgpu_hook_table[] = {
    {"prepare", "begin", VGPU_HOOK_OPERATION_PREPARE_BEGIN, VGPU_HOOK_WORKER,
     1},
    {"release", "end", VGPU_HOOK_OPERATION_RELEASE_END, VGPU_HOOK_WORKER, 0},
    /* libvirt uses the output as the new XML: VF requests may have to
     * move to a VF of this host (libvirt keeps the XML when there is no
     * output). */
    {"migrate", "begin", VGPU_HOOK_OPERATION_MIGRATE_BEGIN,
     VGPU_HOOK_WORKER_FULL, 1},
    {"restore", "begin", VGPU_HOOK_OPERATION_RESTORE_BEGIN,
     VGPU_HOOK_WORKER_FULL, 1},
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
