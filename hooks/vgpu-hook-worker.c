/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook-worker - the part of the libvgpu qemu hook that does the work:
 * `prepare begin` and `release end`. vgpu-hook (the front) execs it only
 * for those two operations, so the other hook calls of every start/stop
 * never load libvgpu, GLib and libxml2. A thin main over vgpu_hook_run();
 * it links libvgpu only, never libvirt, and never calls libvirtd.
 *
 * Exit status (DESIGN.md): 0 success, 1 the operation failed (one line on
 * stderr, shown by libvirt to the `virsh start` user), 2 usage error.
 */
#include <libvgpu/libvgpu.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2

static gboolean
is_operation(const char *operation, const char *sub_operation,
             const char *want_op, const char *want_sub)
{
    return g_str_equal(operation, want_op) &&
           g_str_equal(sub_operation, want_sub);
}

int
main(int argc, char **argv)
{
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GPtrArray) warnings = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    gsize xml_len = 0;
    const char *domain, *operation, *sub_operation;

    if (argc < 4 || argc > 5 || !*argv[1] || !*argv[2] || !*argv[3]) {
        fputs("vgpu-hook: expected DOMAIN OPERATION SUB-OPERATION [EXTRA]; "
              "see 'vgpu-hook --help'\n",
              stderr);
        return EXIT_USAGE;
    }
    domain = argv[1];
    operation = argv[2];
    sub_operation = argv[3];

    if (is_operation(operation, sub_operation, "prepare", "begin")) {
        xml = isatty(STDIN_FILENO)
                  ? g_strdup("")
                  : vgpu_hook_read_input(STDIN_FILENO, &xml_len, &error);
        if (!xml) {
            fprintf(stderr, "vgpu-hook: %s\n", error->message);
            return EXIT_FAILURE;
        }
    }
    /* release end needs only the ownership records; the front drained
     * stdin before handing over. */

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx) {
        fprintf(stderr, "vgpu-hook: %s\n", error->message);
        return EXIT_FAILURE;
    }
    warnings = g_ptr_array_new_with_free_func(g_free);
    if (!vgpu_hook_run(ctx, domain, operation, sub_operation, xml, xml_len,
                       warnings, &error)) {
        fprintf(stderr, "vgpu-hook: %s\n", error->message);
        return EXIT_FAILURE;
    }
    for (guint i = 0; i < warnings->len; i++)
        fprintf(stderr, "vgpu-hook: warning: %s\n",
                (const char *)g_ptr_array_index(warnings, i));
    return EXIT_SUCCESS;
}
