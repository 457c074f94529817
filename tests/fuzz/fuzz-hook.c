/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the hook entry point (lib/vgpu-hook.c) with the domain
 * XML from standard input under the fuzzer's control.
 *
 * Input: any bytes, taken as the domain XML libvirt feeds the hook.
 * Does: once, a temporary host root (mkdtemp, with empty sys/, run/ and
 *   etc/, removed at exit); per input, the `prepare begin` operation for
 *   the domain named like the XML's <name> (or "fuzz" when the input does
 *   not parse or has no name), so that the hook goes past the name check
 *   to the requests, the state directory, the lock and the (empty)
 *   discovery. The call is isolated in run_hook() because the hook's
 *   signature is going to change.
 * Property: no crash, leak or undefined behaviour, and the error message
 *   and every warning are one line of at most 1024 bytes (fuzz-util.h).
 */
#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-hook.h>

#include "fuzz-util.h"

#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root;
static VgpuContext *ctx;

/* Every event of the engine is a message too: all must be one line. */
static void
collect_event(VgpuEngineEvent event, const char *message, gpointer data)
{
    g_ptr_array_add(data, g_strdup(message));
}

/* The one place that knows the hook's signature. */
static gboolean
run_hook(VgpuContext *context, const char *domain, const char *xml,
         gsize xml_len, GPtrArray *warnings, GError **error)
{
    VgpuEngineOptions options;

    vgpu_engine_options_init(&options);
    options.event = collect_event;
    options.event_data = warnings;
    return vgpu_hook_run(context, domain, VGPU_HOOK_OPERATION_PREPARE_BEGIN,
                         xml, xml_len, &options, NULL, error);
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void
remove_root(void)
{
    g_clear_pointer(&ctx, vgpu_context_unref);
    if (root)
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    g_clear_pointer(&root, g_free);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const dirs[] = {"sys", "run", "etc"};
    g_autoptr(GError) error = NULL;

    fuzz_init_glib();
    root = g_build_filename(g_get_tmp_dir(), "vgpu-fuzz-hook-XXXXXX", NULL);
    if (!g_mkdtemp(root)) {
        perror("fuzz-hook: mkdtemp");
        abort();
    }
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *dir = g_build_filename(root, dirs[i], NULL);

        if (mkdir(dir, 0755) != 0) {
            perror("fuzz-hook: mkdir");
            abort();
        }
    }
    ctx = vgpu_context_new(root, &error);
    if (!ctx) {
        fprintf(stderr, "fuzz-hook: %s\n", error->message);
        abort();
    }
    atexit(remove_root);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autofree char *domain = NULL;

    fuzz_set_input(data, size);

    doc = vgpu_domain_xml_parse((const char *)data, size, NULL);
    if (doc && vgpu_domain_xml_get_name(doc))
        domain = g_strdup(vgpu_domain_xml_get_name(doc));
    else
        domain = g_strdup("fuzz");

    if (!run_hook(ctx, domain, (const char *)data, size, warnings, &error) &&
        !error)
        abort(); /* failure without an error */
    fuzz_check_error("vgpu_hook_run (prepare begin)", error);
    for (guint i = 0; i < warnings->len; i++)
        fuzz_check_message("a warning of vgpu_hook_run", warnings->pdata[i]);
    return 0;
}
