/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * The property checked on every GError message: it is one line meant for
 * a user (libvirt shows the hook's stderr to the `virsh start` user), so it
 * has no ASCII control character (no '\n', '\r', '\t', ESC, ...), no C1
 * control (U+0080..U+009F) and no Unicode line/paragraph separator
 * (U+2028, U+2029), and it is at most FUZZ_MESSAGE_MAX bytes long. A
 * violation aborts with a clear message, so libFuzzer saves the input.
 *
 * With the environment variable VGPU_FUZZ_MESSAGES=count a violation is
 * only counted, so that a known message bug does not end the run before
 * anything else is found: the first input of each kind (function and
 * problem) is written to the directory VGPU_FUZZ_MESSAGES_DIR (default
 * ".") as msg-<function>-<problem>, and the counts are printed at exit.
 */
#pragma once

#include <glib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest error message accepted, in bytes. */
#define FUZZ_MESSAGE_MAX 1024

/* Why @message is not one short line, or NULL when it is. */
static inline const char *
fuzz_message_problem(const char *message)
{
    const unsigned char *p = (const unsigned char *)message;
    gsize len = 0;

    if (!message)
        return "no message";
    for (; p[len]; len++) {
        if (p[len] == '\n' || p[len] == '\r')
            return "line break";
        if (p[len] < 0x20 || p[len] == 0x7f)
            return "ASCII control character";
        if (p[len] == 0xc2 && p[len + 1] >= 0x80 && p[len + 1] <= 0x9f)
            return "C1 control character";
        if (p[len] == 0xe2 && p[len + 1] == 0x80 &&
            (p[len + 2] == 0xa8 || p[len + 2] == 0xa9))
            return "Unicode line or paragraph separator";
    }
    if (len > FUZZ_MESSAGE_MAX)
        return "longer than 1024 bytes";
    return NULL;
}

/* The input being run, for the count mode (fuzz_set_input()). */
static const guint8 *fuzz_input;
static gsize fuzz_input_size;
/* "function: problem" → count, in the count mode. */
static GHashTable *fuzz_violations;

/* Call first in LLVMFuzzerTestOneInput(). */
static inline void
fuzz_set_input(const guint8 *data, gsize size)
{
    fuzz_input = data;
    fuzz_input_size = size;
}

static void
fuzz_print_violations(void)
{
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, fuzz_violations);
    while (g_hash_table_iter_next(&iter, &key, &value))
        fprintf(stderr, "FUZZ MESSAGE VIOLATIONS: %u x %s\n",
                GPOINTER_TO_UINT(value), (const char *)key);
}

/* The count mode: TRUE when the violation was counted (not fatal). */
static inline gboolean
fuzz_count_violation(const char *what, const char *problem)
{
    g_autofree char *key = NULL;
    guint count;

    if (g_strcmp0(g_getenv("VGPU_FUZZ_MESSAGES"), "count") != 0)
        return FALSE;
    if (!fuzz_violations) {
        fuzz_violations =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        atexit(fuzz_print_violations);
    }
    key = g_strdup_printf("%s: %s", what, problem);
    count = GPOINTER_TO_UINT(g_hash_table_lookup(fuzz_violations, key));
    if (count == 0 && fuzz_input) {
        const char *dir = g_getenv("VGPU_FUZZ_MESSAGES_DIR");
        g_autofree char *name = g_strdup_printf("msg-%s-%s", what, problem);
        g_autofree char *path = NULL;

        g_strcanon(name,
                   "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                   '_');
        path = g_build_filename(dir ? dir : ".", name, NULL);
        g_file_set_contents(path, (const char *)fuzz_input,
                            (gssize)fuzz_input_size, NULL);
    }
    g_hash_table_replace(fuzz_violations, g_steal_pointer(&key),
                         GUINT_TO_POINTER(count + 1));
    return TRUE;
}

/* Aborts unless @message (what @what produced) is one short line. */
static inline void
fuzz_check_message(const char *what, const char *message)
{
    const char *problem = fuzz_message_problem(message);
    g_autofree char *shown = NULL;

    if (!problem || fuzz_count_violation(what, problem))
        return;
    /* The message itself with control characters escaped, cut to a
     * readable length. */
    shown = g_strescape(message ? message : "(null)", NULL);
    if (strlen(shown) > 2048)
        shown[2048] = '\0';
    fprintf(stderr,
            "\nFUZZ PROPERTY VIOLATED: the error message of %s is not one "
            "line of at most %d bytes (%s, %zu bytes):\n  \"%s\"\n",
            what, FUZZ_MESSAGE_MAX, problem, message ? strlen(message) : 0,
            shown);
    abort();
}

/* Checks @error (nullable) with fuzz_check_message(). */
static inline void
fuzz_check_error(const char *what, const GError *error)
{
    if (error)
        fuzz_check_message(what, error->message);
}

/* Makes GLib criticals (failed g_return_if_fail() preconditions) and
 * warnings fatal, so that misuse found by the fuzzer is a crash with a
 * stack, not a line on stderr. Call from LLVMFuzzerInitialize(). */
static inline void
fuzz_init_glib(void)
{
    g_log_set_always_fatal((GLogLevelFlags)(G_LOG_FATAL_MASK |
                                            G_LOG_LEVEL_CRITICAL |
                                            G_LOG_LEVEL_WARNING));
}
