/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - internal: running independent sysfs reads side by side.
 */
#pragma once

#include <glib.h>

/* What vgpu_parallel_for() runs for each index: reads into a slot of its
 * own in @data, touches nothing another index touches. */
typedef void (*VgpuParallelFunc)(guint index, gpointer data);

/*
 * vgpu_parallel_for:
 * @n: how many indices (0 .. @n - 1)
 * @max_threads: at most this many threads in all, the caller's included
 *   (1: everything in the caller's thread)
 * @func: called once per index, in any order, from any of the threads
 * @data: passed to @func
 *
 * Calls @func for every index and returns when all calls have returned;
 * every thread it started has been joined by then, so the caller is
 * single-threaded again (fork() after it is safe). The threads start with
 * every signal blocked: a signal still reaches the caller's thread, as
 * without them. A thread that cannot be started (EAGAIN) is not an error:
 * the threads that did start, the caller's included, take its share.
 *
 * Why: a sysfs read waits for the driver's show() (NVIDIA's
 * available_instances and description ask the GPU's driver) and kernfs
 * serialises only the readers of one open file (fs/kernfs/file.c,
 * kernfs_fop_read_iter(): the open file's mutex), so reads of different
 * devices' attributes can overlap their waits. On the emulator, whose
 * every read is a FUSE round trip, 4 threads read 768 attributes in about
 * half the time (bench/README.md, part 2); on a host it depends on how
 * much of the driver's work runs concurrently.
 */
void vgpu_parallel_for(guint n, guint max_threads, VgpuParallelFunc func,
                       gpointer data);

/* What vgpu_parallel_read() calls for each name: returns what it read
 * (owned by the caller), or NULL, with @error set on failure and unset
 * when there is nothing to read (the entry vanished, or is not one). */
typedef gpointer (*VgpuParallelReadFunc)(const char *name, gpointer data,
                                         GError **error);

/*
 * vgpu_parallel_read:
 * @names: (element-type utf8): what to read, e.g. the entries of a sysfs
 *   directory in name order
 * @max_threads: as for vgpu_parallel_for()
 * @read: called once per name, from any thread; must be safe to call
 *   side by side (sysfs reads into memory of its own)
 * @data: passed to @read
 * @free_func: frees what @read returned
 * @error: return location for a #GError, or %NULL
 *
 * Reads every name side by side (vgpu_parallel_for()), then lists what was
 * read in the order of @names, skipping NULLs: the same array and the same
 * error as reading them one after the other would give.
 *
 * Returns: (transfer full): the results, freed with @free_func; %NULL with
 *   the error of the first name in @names whose @read failed (the others'
 *   results and errors are dropped).
 */
GPtrArray *vgpu_parallel_read(GPtrArray *names, guint max_threads,
                              VgpuParallelReadFunc read, gpointer data,
                              GDestroyNotify free_func, GError **error);
