/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - running independent sysfs reads side by side (GThread).
 */
#include "vgpu-parallel.h"

#include <signal.h>

typedef struct {
    guint n;
    gint next; /* atomic: the next index to hand out */
    VgpuParallelFunc func;
    gpointer data;
} ParallelRun;

static void
parallel_run(ParallelRun *run)
{
    gint index;

    while ((index = g_atomic_int_add(&run->next, 1)) < (gint)run->n)
        run->func((guint)index, run->data);
}

static gpointer
parallel_thread(gpointer data)
{
    parallel_run(data);
    return NULL;
}

void
vgpu_parallel_for(guint n, guint max_threads, VgpuParallelFunc func,
                  gpointer data)
{
    ParallelRun run = {n, 0, func, data};
    guint helpers = MIN(MAX(max_threads, 1), MAX(n, 1)) - 1;
    g_autoptr(GPtrArray) threads = g_ptr_array_sized_new(helpers);

    g_return_if_fail(func != NULL);
    g_return_if_fail(n <= G_MAXINT);

    if (helpers > 0) {
        sigset_t all, saved;

        /* GLib sets up its C locale on the first g_ascii_strtoull()
         * (gstrfuncs.c, get_C_locale(): a g_once); a thread that waits for
         * another one doing it comes back with errno clobbered by the
         * futex wait, and g_ascii_string_to_unsigned() then rejects "16"
         * (about 1 start in 100 with 8 threads): set it up before any
         * helper runs. */
        (void)g_ascii_strtoull("0", NULL, 10);

        /* started with every signal blocked (a new thread inherits the
         * mask of its creator), then the caller's mask is back */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        for (guint i = 0; i < helpers; i++) {
            GThread *thread =
                g_thread_try_new("vgpu-read", parallel_thread, &run, NULL);

            if (!thread)
                break; /* the others take its share */
            g_ptr_array_add(threads, thread);
        }
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    }
    parallel_run(&run);
    for (guint i = 0; i < threads->len; i++)
        g_thread_join(threads->pdata[i]);
}

typedef struct {
    GPtrArray *names;
    VgpuParallelReadFunc read;
    gpointer data;
    gpointer *results; /* [names->len] */
    GError **errors;   /* [names->len] */
} ParallelRead;

static void
parallel_read_one(guint index, gpointer data)
{
    ParallelRead *reading = data;

    reading->results[index] = reading->read(
        reading->names->pdata[index], reading->data, &reading->errors[index]);
}

GPtrArray *
vgpu_parallel_read(GPtrArray *names, guint max_threads,
                   VgpuParallelReadFunc read, gpointer data,
                   GDestroyNotify free_func, GError **error)
{
    g_autofree gpointer *results = NULL;
    g_autofree GError **errors = NULL;
    g_autoptr(GPtrArray) read_all = NULL;
    GError *first = NULL;
    ParallelRead reading;

    g_return_val_if_fail(names != NULL, NULL);
    g_return_val_if_fail(read != NULL, NULL);

    results = g_new0(gpointer, MAX(names->len, 1));
    errors = g_new0(GError *, MAX(names->len, 1));
    reading = (ParallelRead){names, read, data, results, errors};
    vgpu_parallel_for(names->len, max_threads, parallel_read_one, &reading);

    read_all = g_ptr_array_new_full(names->len, free_func);
    for (guint i = 0; i < names->len; i++) {
        if (results[i])
            g_ptr_array_add(read_all, results[i]);
        if (errors[i] && !first)
            first = g_steal_pointer(&errors[i]);
        g_clear_error(&errors[i]);
    }
    if (first) {
        g_propagate_error(error, first);
        return NULL;
    }
    return g_steal_pointer(&read_all);
}
