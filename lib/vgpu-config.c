/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - host configuration: `etc/libvgpu/libvgpu.conf` under the root,
 * a GKeyFile with one group [libvgpu].
 */
#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-pci.h>

#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_GROUP "libvgpu"
#define KEY_PLACEMENT "placement"
#define KEY_PARENTS "parents"
#define KEY_REMOVE_TIMEOUT "remove_timeout_ms"
#define KEY_PLAIN_VF_PFS "plain_vf_pfs"

/* Warnings name the file this way, whatever the root. */
#define CONFIG_NAME "libvgpu.conf"

/* Every key of [libvgpu], in the order messages list them. */
static const char *const known_keys[] = {
    KEY_PLACEMENT,
    KEY_PARENTS,
    KEY_REMOVE_TIMEOUT,
    KEY_PLAIN_VF_PFS,
};

/* At most this many warnings about unknown keys and groups are kept, so a
 * file that is not ours cannot flood the log; one more line counts the
 * rest. */
#define WARNINGS_MAX 16

/* Upper bound of remove_timeout_ms: the hook must not block libvirt for
 * longer than this on a device that will not go away. */
#define REMOVE_TIMEOUT_MAX_MS (10 * 60 * 1000)

struct _VgpuConfig {
    VgpuPlacementPolicy placement;
    char **allowed_parents; /* NULL: every parent allowed */
    guint remove_timeout_ms;
    char **plain_vf_pfs; /* NULL: none named */
    GPtrArray *warnings; /* of char *, %NULL-terminated */
};

VgpuConfig *
vgpu_config_new(void)
{
    VgpuConfig *config = g_new0(VgpuConfig, 1);

    config->placement = VGPU_PLACEMENT_PACK;
    config->allowed_parents = NULL;
    config->remove_timeout_ms = VGPU_REMOVE_TIMEOUT_DEFAULT_MS;
    config->warnings = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(config->warnings, NULL);
    return config;
}

void
vgpu_config_free(VgpuConfig *config)
{
    if (!config)
        return;
    g_strfreev(config->allowed_parents);
    g_strfreev(config->plain_vf_pfs);
    g_ptr_array_unref(config->warnings);
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

const char *const *
vgpu_config_get_plain_vf_pfs(const VgpuConfig *config)
{
    g_return_val_if_fail(config != NULL, NULL);
    return (const char *const *)config->plain_vf_pfs;
}

void
vgpu_config_set_plain_vf_pfs(VgpuConfig *config, const char *const *pfs)
{
    g_return_if_fail(config != NULL);
    g_strfreev(config->plain_vf_pfs);
    config->plain_vf_pfs = g_strdupv((char **)pfs);
}

gboolean
vgpu_config_is_plain_vf_pf(const VgpuConfig *config, const char *pf)
{
    g_return_val_if_fail(pf != NULL, FALSE);
    return config && config->plain_vf_pfs &&
           g_strv_contains((const char *const *)config->plain_vf_pfs, pf);
}

guint
vgpu_config_get_remove_timeout(const VgpuConfig *config)
{
    g_return_val_if_fail(config != NULL, VGPU_REMOVE_TIMEOUT_DEFAULT_MS);
    return config->remove_timeout_ms;
}

const char *const *
vgpu_config_get_warnings(const VgpuConfig *config)
{
    static const char *const none[] = {NULL};

    g_return_val_if_fail(config != NULL, none);
    return (const char *const *)config->warnings->pdata;
}

/* Adds @warning (transfer full) before the %NULL terminator. */
static void
add_warning(VgpuConfig *config, char *warning)
{
    g_ptr_array_insert(config->warnings, config->warnings->len - 1, warning);
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
    g_autofree char *quoted = NULL;

    if (!g_key_file_has_key(file, CONFIG_GROUP, KEY_PLACEMENT, NULL))
        return TRUE;
    value = g_key_file_get_value(file, CONFIG_GROUP, KEY_PLACEMENT, NULL);
    if (value && vgpu_placement_policy_from_string(g_strstrip(value),
                                                   &config->placement, NULL))
        return TRUE;

    quoted = vgpu_text_quote(value ? value : "");
    if (value && strchr(value, '#')) {
        /* "pack#comment": no whitespace before the '#' */
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s: [libvgpu] placement=%s is not a placement "
                    "policy; set it to \"pack\" (the default) or "
                    "\"spread\", and put a space before the '#' of a "
                    "comment or the comment on a line of its own",
                    path, quoted);
    } else {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s: [libvgpu] placement=%s is not a placement "
                    "policy; set it to \"pack\" (the default) or "
                    "\"spread\"",
                    path, quoted);
    }
    return FALSE;
}

/* How the entries of one list key are checked and explained. */
typedef struct {
    const char *key;
    gboolean (*is_valid)(const char *entry);
    const char *what;    /* "a parent device name (...)" */
    const char *example; /* "parents=0000:05:00.0;0000:06:00.0" */
    const char *hint;    /* where the names come from */
} ListKey;

static gboolean
is_parent_name(const char *entry)
{
    return vgpu_name_check("parent device", entry, NULL);
}

static const ListKey parents_key = {
    KEY_PARENTS,
    is_parent_name,
    "a parent device name (one path component without '/' or control "
    "characters)",
    "parents=0000:05:00.0;0000:06:00.0",
    "use names as listed in /sys/class/mdev_bus or by 'vgpuctl types'",
};

static const ListKey plain_vf_pfs_key = {
    KEY_PLAIN_VF_PFS,
    vgpu_pci_address_is_valid,
    "a PCI address of a physical function (DDDD:BB:SS.F, lowercase hex)",
    "plain_vf_pfs=0000:03:00.0;0000:04:00.0",
    "use the PF addresses of /sys/bus/pci/devices as 'lspci -D' prints "
    "them",
};

/*
 * Reads the ';'-separated list @spec->key into *@out: blanks around
 * entries and empty entries are dropped, duplicates kept once; an empty
 * list leaves *@out %NULL. An entry that fails @spec->is_valid fails the
 * load with a message naming it and the fix.
 */
static gboolean
load_list(const ListKey *spec, GKeyFile *file, const char *path, char ***out,
          GError **error)
{
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) list = NULL;
    g_autoptr(GPtrArray) entries = NULL;
    gsize len = 0;

    if (!g_key_file_has_key(file, CONFIG_GROUP, spec->key, NULL))
        return TRUE;
    list =
        g_key_file_get_string_list(file, CONFIG_GROUP, spec->key, &len, &local);
    if (!list) {
        /* a bad escape sequence or invalid UTF-8 */
        g_autofree char *raw =
            g_key_file_get_value(file, CONFIG_GROUP, spec->key, NULL);
        g_autofree char *quoted = vgpu_text_quote(raw ? raw : "");
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s: [libvgpu] %s=%s cannot be read (%s); list them "
                    "separated by ';', e.g. %s",
                    path, spec->key, quoted, local->message, spec->example);
        return FALSE;
    }

    entries = g_ptr_array_new_with_free_func(g_free);
    for (gsize i = 0; i < len; i++) {
        char *entry = g_strstrip(list[i]);

        if (!*entry)
            continue; /* "a;;b", trailing ';' */
        if (!spec->is_valid(entry)) {
            g_autofree char *quoted = vgpu_text_quote(entry);
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "%s: [libvgpu] %s has %s, which is not %s; %s, "
                        "separated by ';', e.g. %s",
                        path, spec->key, quoted, spec->what, spec->hint,
                        spec->example);
            return FALSE;
        }
        if (!g_ptr_array_find_with_equal_func(entries, entry, g_str_equal,
                                              NULL))
            g_ptr_array_add(entries, g_strdup(entry));
    }
    if (entries->len == 0)
        return TRUE; /* empty list: as if the key were not there */

    g_ptr_array_add(entries, NULL);
    g_strfreev(*out);
    *out = (char **)g_ptr_array_free(g_steal_pointer(&entries), FALSE);
    return TRUE;
}

static gboolean
load_remove_timeout(VgpuConfig *config, GKeyFile *file, const char *path,
                    GError **error)
{
    g_autofree char *value = NULL;
    g_autofree char *quoted = NULL;
    guint64 number = 0;

    if (!g_key_file_has_key(file, CONFIG_GROUP, KEY_REMOVE_TIMEOUT, NULL))
        return TRUE;
    value = g_key_file_get_value(file, CONFIG_GROUP, KEY_REMOVE_TIMEOUT, NULL);
    if (value &&
        g_ascii_string_to_unsigned(g_strstrip(value), 10, 0,
                                   REMOVE_TIMEOUT_MAX_MS, &number, NULL)) {
        config->remove_timeout_ms = (guint)number;
        return TRUE;
    }
    quoted = vgpu_text_quote(value ? value : "");
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "%s: [libvgpu] remove_timeout_ms=%s is not a number "
                "of milliseconds from 0 to %u; e.g. "
                "remove_timeout_ms=%u (the default)",
                path, quoted, REMOVE_TIMEOUT_MAX_MS,
                VGPU_REMOVE_TIMEOUT_DEFAULT_MS);
    return FALSE;
}

static gboolean
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * A copy of the file's @len bytes of @data with inline comments removed:
 * on a line that is not itself a comment, a '#' preceded by a space or tab
 * starts a comment, which is dropped with the blanks before it. GKeyFile
 * only knows comments on lines of their own, but the README's example
 * (and every other configuration file people know) has them after
 * values. Values never contain " #": parents are device names, placement
 * a word, timeouts numbers. Line breaks are kept, so GKeyFile's line
 * numbers in syntax errors stay right.
 */
static char *
strip_inline_comments(const char *data, gsize len, gsize *out_len)
{
    GString *out = g_string_sized_new(len);
    gsize start = 0;

    while (start < len) {
        const char *line = data + start;
        const char *newline = memchr(line, '\n', len - start);
        gsize line_len = newline ? (gsize)(newline - line) : len - start;
        gsize first = 0;
        gsize keep = line_len;

        while (first < line_len && is_blank(line[first]))
            first++;
        if (first < line_len && line[first] != '#') {
            for (gsize i = first + 1; i < line_len; i++) {
                if (line[i] == '#' && is_blank(line[i - 1])) {
                    keep = i;
                    break;
                }
            }
            while (keep > first && is_blank(line[keep - 1]))
                keep--;
        }
        g_string_append_len(out, line, keep);
        if (newline)
            g_string_append_c(out, '\n');
        start += line_len + (newline ? 1 : 0);
    }
    *out_len = out->len;
    return g_string_free(out, FALSE);
}

/*
 * Optimal string alignment distance of @a and @b, ASCII case ignored: the
 * number of single-character insertions, deletions, substitutions and
 * transpositions of neighbours ("placment", "libvpgu" are 1 away).
 */
static gsize
edit_distance(const char *a, const char *b)
{
    g_autofree char *x = g_ascii_strdown(a, -1);
    g_autofree char *y = g_ascii_strdown(b, -1);
    gsize n = strlen(x);
    gsize m = strlen(y);
    g_autofree gsize *rows = g_new(gsize, 3 * (m + 1));
    gsize *before = rows;           /* row i - 2 */
    gsize *previous = rows + m + 1; /* row i - 1 */
    gsize *current = rows + 2 * (m + 1);

    for (gsize j = 0; j <= m; j++)
        previous[j] = j;
    for (gsize i = 1; i <= n; i++) {
        current[0] = i;
        for (gsize j = 1; j <= m; j++) {
            gsize cost = x[i - 1] == y[j - 1] ? 0 : 1;
            gsize best = MIN(previous[j] + 1, current[j - 1] + 1);

            best = MIN(best, previous[j - 1] + cost);
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
                best = MIN(best, before[j - 2] + 1);
            current[j] = best;
        }
        {
            gsize *spare = before;

            before = previous;
            previous = current;
            current = spare;
        }
    }
    return previous[m];
}

/* The known key closest to @key, if it is close enough to be a typo. */
static const char *
suggest_key(const char *key)
{
    const char *best = NULL;
    gsize best_distance = G_MAXSIZE;

    for (gsize i = 0; i < G_N_ELEMENTS(known_keys); i++) {
        gsize distance = edit_distance(key, known_keys[i]);

        if (distance < best_distance) {
            best = known_keys[i];
            best_distance = distance;
        }
    }
    if (best && best_distance <= MAX(1, strlen(best) / 3))
        return best;
    return NULL;
}

static gboolean
is_known_key(const char *key)
{
    for (gsize i = 0; i < G_N_ELEMENTS(known_keys); i++) {
        if (g_str_equal(key, known_keys[i]))
            return TRUE;
    }
    return FALSE;
}

/* "placement, parents, remove_timeout_ms, plain_vf_pfs" */
static char *
known_key_list(void)
{
    GString *list = g_string_new(NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(known_keys); i++)
        g_string_append_printf(list, "%s%s", i ? ", " : "", known_keys[i]);
    return g_string_free(list, FALSE);
}

static char *
unknown_key_warning(const char *key)
{
    g_autofree char *quoted = vgpu_text_quote(key);
    g_autofree char *keys = known_key_list();
    const char *suggestion = suggest_key(key);

    if (suggestion)
        return g_strdup_printf(CONFIG_NAME ": unknown key %s in [" CONFIG_GROUP
                                           "]; did you mean \"%s\"? (keys: %s)",
                               quoted, suggestion, keys);
    return g_strdup_printf(CONFIG_NAME ": unknown key %s in [" CONFIG_GROUP
                                       "] (keys: %s)",
                           quoted, keys);
}

static char *
unknown_group_warning(const char *group)
{
    g_autofree char *quoted = vgpu_text_quote(group);
    /* the name between the quotes, escaped: [name] reads like the file */
    g_autofree char *inner = g_strndup(quoted + 1, strlen(quoted) - 2);

    return g_strdup_printf(CONFIG_NAME ": unknown group [%s]; the only group "
                                       "is [" CONFIG_GROUP "]",
                           inner);
}

/* One warning per unknown group and per unknown key of [libvgpu]. */
static void
warn_unknown(VgpuConfig *config, GKeyFile *file)
{
    g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);
    guint count = 0;

    for (gsize i = 0; groups && groups[i]; i++) {
        g_auto(GStrv) keys = NULL;

        if (!g_str_equal(groups[i], CONFIG_GROUP)) {
            if (count++ < WARNINGS_MAX)
                add_warning(config, unknown_group_warning(groups[i]));
            continue;
        }
        keys = g_key_file_get_keys(file, CONFIG_GROUP, NULL, NULL);
        for (gsize j = 0; keys && keys[j]; j++) {
            if (is_known_key(keys[j]))
                continue;
            if (count++ < WARNINGS_MAX)
                add_warning(config, unknown_key_warning(keys[j]));
        }
    }
    if (count > WARNINGS_MAX)
        add_warning(config,
                    g_strdup_printf(CONFIG_NAME ": %u more unknown keys or "
                                                "groups are not listed",
                                    count - WARNINGS_MAX));
}

VgpuConfig *
vgpu_config_load(VgpuContext *ctx, GError **error)
{
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GKeyFile) file = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *path = NULL;
    g_autofree char *data = NULL;
    g_autofree char *stripped = NULL;
    gsize len = 0;

    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    config = vgpu_config_new();
    path = vgpu_context_build_path(ctx, VGPU_CONFIG_PATH);

    /* No file, the common case, is the defaults: asked first because
     * GLib's error for it converts strerror() from the locale's charset
     * (g_strerror(): iconv_open() and the gconv module cache, on every
     * hook call), and a hook call then runs no GKeyFile code at all. */
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return g_steal_pointer(&config);
    /* read first, so that OS errors (EACCES, EISDIR) are not syntax errors */
    if (!g_file_get_contents(path, &data, &len, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&config);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM, "cannot read %s: %s",
                    path, local->message);
        return NULL;
    }
    stripped = strip_inline_comments(data, len, &len);
    file = g_key_file_new();
    if (!g_key_file_load_from_data(file, stripped, len, G_KEY_FILE_NONE,
                                   &local)) {
        /* GKeyFile quotes the offending line as it is */
        g_autofree char *reason = vgpu_text_one_line(local->message, 512);

        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not a valid configuration file: %s; write it as "
                    "a [libvgpu] group of key=value lines",
                    path, reason);
        return NULL;
    }

    if (!load_placement(config, file, path, error) ||
        !load_list(&parents_key, file, path, &config->allowed_parents, error) ||
        !load_list(&plain_vf_pfs_key, file, path, &config->plain_vf_pfs,
                   error) ||
        !load_remove_timeout(config, file, path, error))
        return NULL;
    warn_unknown(config, file);

    return g_steal_pointer(&config);
}
