/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the context: host root and timeouts.
 */
#include <libvgpu/vgpu-context.h>

#include <string.h>

struct _VgpuContext {
    gint ref_count;
    char *root;              /* no trailing slash, "/" for the host */
    guint remove_timeout_ms; /* see vgpu_mdev_remove() */
};

static gboolean
root_is_safe(const char *root)
{
    g_auto(GStrv) parts = g_strsplit(root, "/", -1);

    for (guint i = 0; parts[i]; i++) {
        if (g_str_equal(parts[i], ".."))
            return FALSE;
    }
    return TRUE;
}

VgpuContext *
vgpu_context_new(const char *root, GError **error)
{
    g_autofree char *clean = NULL;
    VgpuContext *ctx;

    if (!root || !*root)
        root = "/";

    if (!g_path_is_absolute(root) || !root_is_safe(root)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "host root \"%s\" must be an absolute path without "
                    "\"..\" components, e.g. /tmp/vgpu-root",
                    root);
        return NULL;
    }

    clean = g_strdup(root);
    while (strlen(clean) > 1 && g_str_has_suffix(clean, "/"))
        clean[strlen(clean) - 1] = '\0';

    if (!g_file_test(clean, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "host root \"%s\" is not a directory; create it or fix "
                    "%s",
                    clean, VGPU_ROOT_ENV);
        return NULL;
    }

    ctx = g_new0(VgpuContext, 1);
    ctx->ref_count = 1;
    ctx->root = g_steal_pointer(&clean);
    ctx->remove_timeout_ms = VGPU_REMOVE_TIMEOUT_DEFAULT_MS;
    return ctx;
}

VgpuContext *
vgpu_context_new_from_env(GError **error)
{
    return vgpu_context_new(g_getenv(VGPU_ROOT_ENV), error);
}

VgpuContext *
vgpu_context_ref(VgpuContext *ctx)
{
    g_return_val_if_fail(ctx != NULL, NULL);
    g_atomic_int_inc(&ctx->ref_count);
    return ctx;
}

void
vgpu_context_unref(VgpuContext *ctx)
{
    if (!ctx)
        return;
    if (!g_atomic_int_dec_and_test(&ctx->ref_count))
        return;
    g_free(ctx->root);
    g_free(ctx);
}

const char *
vgpu_context_get_root(VgpuContext *ctx)
{
    g_return_val_if_fail(ctx != NULL, NULL);
    return ctx->root;
}

char *
vgpu_context_build_path(VgpuContext *ctx, const char *relative)
{
    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(relative != NULL, NULL);

    while (*relative == '/')
        relative++;
    return g_build_filename(ctx->root, relative, NULL);
}

void
vgpu_context_set_remove_timeout(VgpuContext *ctx, guint timeout_ms)
{
    g_return_if_fail(ctx != NULL);
    ctx->remove_timeout_ms = timeout_ms;
}

guint
vgpu_context_get_remove_timeout(VgpuContext *ctx)
{
    g_return_val_if_fail(ctx != NULL, 0);
    return ctx->remove_timeout_ms;
}
