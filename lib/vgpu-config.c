/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - host configuration: `etc/libvgpu/libvgpu.conf` under the root,
 * a GKeyFile with one group [libvgpu].
 */
#include <libvgpu/vgpu-config.h>

#include "vgpu-sysfs.h"

#include <string.h>

#define CONFIG_GROUP "libvgpu"
#define KEY_PLACEMENT "placement"
#define KEY_PARENTS "parents"
#define KEY_REMOVE_TIMEOUT "remove_timeout_ms"

/* Upper bound of remove_timeout_ms: the hook must not block libvirt for
 * longer than this on a device that will not go away. */
#define REMOVE_TIMEOUT_MAX_MS (10 * 60 * 1000)

struct _VgpuConfig {
    VgpuPlacementPolicy placement;
    char **allowed_parents; /* NULL: every parent allowed */
    guint remove_timeout_ms;
};

VgpuConfig *
vgpu_config_new(void)
{
    VgpuConfig *config = g_new0(VgpuConfig, 1);

    config->placement = VGPU_PLACEMENT_PACK;
    config->allowed_parents = NULL;
    config->remove_timeout_ms = VGPU_REMOVE_TIMEOUT_DEFAULT_MS;
    return config;
}

void
vgpu_config_free(VgpuConfig *config)
{
    if (!config)
        return;
    g_strfreev(config->allowed_parents);
    g_free(config);
}

VgpuPlacementPolicy
vgpu_config_get_placement(const VgpuConfig *config)
{
    g_return_val_if_fail(config != NULL, VGPU_PLACEMENT_PACK);
    return config->placement;
}

void
vgpu_config_set_placement(VgpuConfig *config, VgpuPlacementPolicy policy)
{
    g_return_if_fail(config != NULL);
    g_return_if_fail(policy == VGPU_PLACEMENT_PACK ||
                     policy == VGPU_PLACEMENT_SPREAD);
    config->placement = policy;
}

const char *const *
vgpu_config_get_allowed_parents(const VgpuConfig *config)
{
    g_return_val_if_fail(config != NULL, NULL);
    return (const char *const *)config->allowed_parents;
}

void
vgpu_config_set_allowed_parents(VgpuConfig *config, const char *const *parents)
{
    g_return_if_fail(config != NULL);
    g_strfreev(config->allowed_parents);
    config->allowed_parents = g_strdupv((char **)parents);
}

gboolean
vgpu_config_is_parent_allowed(const VgpuConfig *config, const char *parent)
{
    g_return_val_if_fail(config != NULL, FALSE);
    g_return_val_if_fail(parent != NULL, FALSE);

    if (!config->allowed_parents)
        return TRUE;
    return g_strv_contains((const char *const *)config->allowed_parents,
                           parent);
}

guint
vgpu_config_get_remove_timeout(const VgpuConfig *config)
{
    g_return_val_if_fail(config != NULL, VGPU_REMOVE_TIMEOUT_DEFAULT_MS);
    return config->remove_timeout_ms;
}

gboolean
vgpu_placement_policy_from_string(const char *text, VgpuPlacementPolicy *policy,
                                  GError **error)
{
    g_return_val_if_fail(policy != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (text && g_str_equal(text, "pack")) {
        *policy = VGPU_PLACEMENT_PACK;
        return TRUE;
    }
    if (text && g_str_equal(text, "spread")) {
        *policy = VGPU_PLACEMENT_SPREAD;
        return TRUE;
    }
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "unknown placement policy \"%s\": use \"pack\" or \"spread\"",
                text ? text : "(null)");
    return FALSE;
}

const char *
vgpu_placement_policy_to_string(VgpuPlacementPolicy policy)
{
    switch (policy) {
    case VGPU_PLACEMENT_PACK:
        return "pack";
    case VGPU_PLACEMENT_SPREAD:
        return "spread";
    }
    g_return_val_if_reached("pack");
}

static gboolean
load_placement(VgpuConfig *config, GKeyFile *file, const char *path,
               GError **error)
{
    g_autofree char *value = NULL;

    if (!g_key_file_has_key(file, CONFIG_GROUP, KEY_PLACEMENT, NULL))
        return TRUE;
    value = g_key_file_get_value(file, CONFIG_GROUP, KEY_PLACEMENT, NULL);
    if (!value || !vgpu_placement_policy_from_string(
                      g_strstrip(value), &config->placement, NULL)) {
        if (value && strchr(value, '#')) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "%s: [libvgpu] placement=\"%s\" is not a placement "
                        "policy; set it to \"pack\" (the default) or "
                        "\"spread\" and put the comment on a line of its "
                        "own",
                        path, value);
        } else {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "%s: [libvgpu] placement=\"%s\" is not a placement "
                        "policy; set it to \"pack\" (the default) or "
                        "\"spread\"",
                        path, value ? value : "");
        }
        return FALSE;
    }
    return TRUE;
}

static gboolean
load_parents(VgpuConfig *config, GKeyFile *file, const char *path,
             GError **error)
{
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) list = NULL;
    g_autoptr(GPtrArray) parents = NULL;
    gsize len = 0;

    if (!g_key_file_has_key(file, CONFIG_GROUP, KEY_PARENTS, NULL))
        return TRUE;
    list = g_key_file_get_string_list(file, CONFIG_GROUP, KEY_PARENTS, &len,
                                      &local);
    if (!list) {
        /* a bad escape sequence or invalid UTF-8 */
        g_autofree char *raw =
            g_key_file_get_value(file, CONFIG_GROUP, KEY_PARENTS, NULL);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s: [libvgpu] parents=\"%s\" cannot be read (%s); "
                    "list parent device names separated by ';', e.g. "
                    "parents=0000:05:00.0;0000:06:00.0",
                    path, raw ? raw : "", local->message);
        return FALSE;
    }

    parents = g_ptr_array_new_with_free_func(g_free);
    for (gsize i = 0; i < len; i++) {
        char *name = g_strstrip(list[i]);

        if (!*name)
            continue; /* "a;;b", trailing ';' */
        if (!vgpu_name_check("parent device", name, NULL)) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "%s: [libvgpu] parents has \"%s\", which is not a "
                        "parent device name (one path component without "
                        "'/' or control characters); use names as listed "
                        "in /sys/class/mdev_bus, e.g. 0000:05:00.0, "
                        "separated by ';'",
                        path, name);
            return FALSE;
        }
        if (!g_ptr_array_find_with_equal_func(parents, name, g_str_equal, NULL))
            g_ptr_array_add(parents, g_strdup(name));
    }
    if (parents->len == 0)
        return TRUE; /* empty list: no allow-list */

    g_ptr_array_add(parents, NULL);
    g_strfreev(config->allowed_parents);
    config->allowed_parents =
        (char **)g_ptr_array_free(g_steal_pointer(&parents), FALSE);
    return TRUE;
}

static gboolean
load_remove_timeout(VgpuConfig *config, GKeyFile *file, const char *path,
                    GError **error)
{
    g_autofree char *value = NULL;
    guint64 number = 0;

    if (!g_key_file_has_key(file, CONFIG_GROUP, KEY_REMOVE_TIMEOUT, NULL))
        return TRUE;
    value = g_key_file_get_value(file, CONFIG_GROUP, KEY_REMOVE_TIMEOUT, NULL);
    if (!value ||
        !g_ascii_string_to_unsigned(g_strstrip(value), 10, 0,
                                    REMOVE_TIMEOUT_MAX_MS, &number, NULL)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s: [libvgpu] remove_timeout_ms=\"%s\" is not a number "
                    "of milliseconds from 0 to %u; e.g. "
                    "remove_timeout_ms=%u (the default)",
                    path, value ? value : "", REMOVE_TIMEOUT_MAX_MS,
                    VGPU_REMOVE_TIMEOUT_DEFAULT_MS);
        return FALSE;
    }
    config->remove_timeout_ms = (guint)number;
    return TRUE;
}

VgpuConfig *
vgpu_config_load(VgpuContext *ctx, GError **error)
{
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GKeyFile) file = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *path = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;

    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    config = vgpu_config_new();
    path = vgpu_context_build_path(ctx, VGPU_CONFIG_PATH);
    file = g_key_file_new();

    /* read first, so that OS errors (EACCES, EISDIR) are not syntax errors */
    if (!g_file_get_contents(path, &data, &len, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&config);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM, "cannot read %s: %s",
                    path, local->message);
        return NULL;
    }
    if (!g_key_file_load_from_data(file, data, len, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not a valid configuration file: %s; write it as "
                    "a [libvgpu] group of key=value lines",
                    path, local->message);
        return NULL;
    }

    if (!load_placement(config, file, path, error) ||
        !load_parents(config, file, path, error) ||
        !load_remove_timeout(config, file, path, error))
        return NULL;

    return g_steal_pointer(&config);
}
