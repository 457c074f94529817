/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vgpu-parallel.h"

/* --- vgpu_parallel_for() --- */

typedef struct {
    gint *calls; /* per index */
} Counting;

static void
count_call(guint index, gpointer data)
{
    Counting *counting = data;

    g_atomic_int_inc(&counting->calls[index]);
}

static void
test_every_index_once(void **state G_GNUC_UNUSED)
{
    const guint sizes[] = {0, 1, 3, 100};
    const guint threads[] = {0, 1, 2, 4, 16};

    for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
        for (guint t = 0; t < G_N_ELEMENTS(threads); t++) {
            g_autofree gint *calls = g_new0(gint, MAX(sizes[s], 1));
            Counting counting = {calls};

            vgpu_parallel_for(sizes[s], threads[t], count_call, &counting);
            for (guint i = 0; i < sizes[s]; i++)
                assert_int_equal(calls[i], 1);
        }
    }
}

/* Each call waits until some other thread has made a call (so at least two
 * threads take part, without any timing), and notes whether its thread is
 * the caller's and whether SIGTERM is blocked in it. */
typedef struct {
    GMutex lock;
    GCond other_called;
    GThread *caller;
    GHashTable *threads; /* GThread * that made a call */
    gint helper_calls;
    gint helper_calls_with_sigterm;
    gint caller_calls_blocking_sigterm;
} Watching;

static void
watch_call(guint index G_GNUC_UNUSED, gpointer data)
{
    Watching *w = data;
    GThread *self = g_thread_self();
    sigset_t mask;

    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    g_mutex_lock(&w->lock);
    g_hash_table_add(w->threads, self);
    if (self == w->caller) {
        if (sigismember(&mask, SIGTERM))
            w->caller_calls_blocking_sigterm++;
    } else {
        w->helper_calls++;
        if (!sigismember(&mask, SIGTERM))
            w->helper_calls_with_sigterm++;
    }
    g_cond_broadcast(&w->other_called);
    while (g_hash_table_size(w->threads) < 2)
        g_cond_wait(&w->other_called, &w->lock);
    g_mutex_unlock(&w->lock);
}

static void
test_helpers_block_signals(void **state G_GNUC_UNUSED)
{
    Watching w = {.caller = g_thread_self()};
    sigset_t before, after;

    g_mutex_init(&w.lock);
    g_cond_init(&w.other_called);
    w.threads = g_hash_table_new(NULL, NULL);
    pthread_sigmask(SIG_BLOCK, NULL, &before);
    assert_false(sigismember(&before, SIGTERM));

    vgpu_parallel_for(16, 4, watch_call, &w);

    pthread_sigmask(SIG_BLOCK, NULL, &after);
    assert_false(sigismember(&after, SIGTERM)); /* the caller's mask is back */
    assert_true(g_hash_table_size(w.threads) >= 2);
    assert_true(w.helper_calls > 0);
    assert_int_equal(w.helper_calls_with_sigterm, 0);
    assert_int_equal(w.caller_calls_blocking_sigterm, 0);
    g_hash_table_unref(w.threads);
    g_cond_clear(&w.other_called);
    g_mutex_clear(&w.lock);
}

/* GLib sets up its C locale on the first g_ascii_strtoull() of a process,
 * and a thread that waited for it got errno clobbered, so that
 * g_ascii_string_to_unsigned() refused "16" (in about 1 process in 100 with
 * 8 threads). Each child is a process in which no number was parsed yet
 * (this test runs first, and the parent parses none). */
static void
parse_sixteen(guint index G_GNUC_UNUSED, gpointer data)
{
    guint64 number = 0;

    if (!g_ascii_string_to_unsigned("16", 10, 0, G_MAXUINT, &number, NULL) ||
        number != 16)
        g_atomic_int_inc((gint *)data);
}

static void
test_numbers_parse_in_fresh_threads(void **state G_GNUC_UNUSED)
{
    guint failed = 0;

    for (guint i = 0; i < 1000; i++) {
        pid_t pid = fork();
        int status = 0;

        assert_true(pid >= 0);
        if (pid == 0) {
            gint failures = 0;

            vgpu_parallel_for(8, 8, parse_sixteen, &failures);
            _exit(failures > 0 ? 1 : 0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        failed += WEXITSTATUS(status) != 0;
    }
    assert_int_equal(failed, 0);
}

/* --- vgpu_parallel_read() --- */

/* "e" is not there (NULL, no error); names listed in @data fail. */
static gpointer
read_letter(const char *name, gpointer data, GError **error)
{
    const char *const *failing = data;

    if (g_str_equal(name, "e"))
        return NULL;
    if (failing && g_strv_contains(failing, name)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot read %s",
                    name);
        return NULL;
    }
    return g_ascii_strup(name, -1);
}

static GPtrArray *
letters(void)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

    for (char c = 'a'; c <= 'z'; c++)
        g_ptr_array_add(names, g_strdup_printf("%c", c));
    return names;
}

static void
test_read_keeps_order(void **state G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) names = letters();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) read =
        vgpu_parallel_read(names, 4, read_letter, NULL, g_free, &error);
    guint j = 0;

    assert_non_null(read);
    assert_null(error);
    assert_int_equal(read->len, 25); /* all but "e" */
    for (char c = 'A'; c <= 'Z'; c++) {
        char expected[2] = {c, '\0'};

        if (c == 'E')
            continue;
        assert_string_equal(read->pdata[j++], expected);
    }
}

static void
test_read_first_error_by_order(void **state G_GNUC_UNUSED)
{
    const char *const failing[] = {"t", "k", "x", NULL};
    g_autoptr(GPtrArray) names = letters();
    g_autoptr(GError) error = NULL;
    GPtrArray *read;

    for (guint threads = 1; threads <= 8; threads *= 2) {
        read = vgpu_parallel_read(names, threads, read_letter,
                                  (gpointer)failing, g_free, &error);
        assert_null(read);
        assert_non_null(error);
        assert_string_equal(error->message, "cannot read k");
        g_clear_error(&error);
    }
    /* without an error location, still NULL */
    assert_null(vgpu_parallel_read(names, 4, read_letter, (gpointer)failing,
                                   g_free, NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: its children must not inherit a parsed number */
        cmocka_unit_test(test_numbers_parse_in_fresh_threads),
        cmocka_unit_test(test_every_index_once),
        cmocka_unit_test(test_helpers_block_signals),
        cmocka_unit_test(test_read_keeps_order),
        cmocka_unit_test(test_read_first_error_by_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
