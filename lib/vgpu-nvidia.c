/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - decoding of NVIDIA vGPU mdev type metadata (`name` and
 * `description` of an mdev type directory).
 *
 * Sources: NVIDIA Virtual GPU Software User Guide, "Virtual GPU Types"
 * (series A/B/C/Q, licences vApps/vPC/vCS/vDWS) and "Creating an NVIDIA
 * vGPU on a Linux with KVM Hypervisor" (the sysfs files of an mdev type and
 * the description format "num_heads=4, frl_config=60, framebuffer=2048M,
 * max_resolution=4096x2160, max_instance=4").
 */
#include <libvgpu/vgpu-nvidia.h>

#include <string.h>

struct _VgpuNvidiaType {
    char *board; /* "P4", "A100"; NULL if the name is unparsed */
    char series; /* 'A', 'B', 'C', 'Q' or '\0' */
    guint name_framebuffer_gib;
    guint64 framebuffer_mib; /* description `framebuffer` */
    guint num_heads;
    guint frl_config;
    guint max_instance;
    gboolean has_max_resolution;
    guint max_width;
    guint max_height;
    char **keys;   /* description keys in order, NULL-terminated */
    char **values; /* values parallel to keys */
};

typedef struct {
    char letter;
    const char *description;
    const char *license;
} NvidiaSeries;

/* NVIDIA Virtual GPU Software User Guide, "Virtual GPU Types". */
static const NvidiaSeries nvidia_series[] = {
    {'A',
     "virtual applications: application streaming or session-based "
     "solutions such as RDSH; 1280x1024, 1 display",
     "vApps"},
    {'B',
     "virtual PC for business professionals and knowledge workers; up to "
     "5K, 2 displays, 45 fps",
     "vPC"},
    {'C', "compute server: CUDA only, Linux guests only", "vCS"},
    {'Q',
     "virtual workstation for creative and technical professionals "
     "(Quadro features); up to 8K, 4 displays",
     "vDWS"},
};

/* Keys of the description that are decoded; everything else is kept. */
typedef enum {
    KEY_NUM_HEADS,
    KEY_FRL_CONFIG,
    KEY_FRAMEBUFFER,
    KEY_MAX_RESOLUTION,
    KEY_MAX_INSTANCE,
    KEY_UNKNOWN,
} KnownKey;

static const char *const known_keys[] = {
    [KEY_NUM_HEADS] = "num_heads",
    [KEY_FRL_CONFIG] = "frl_config",
    [KEY_FRAMEBUFFER] = "framebuffer",
    [KEY_MAX_RESOLUTION] = "max_resolution",
    [KEY_MAX_INSTANCE] = "max_instance",
};

static const char *const known_key_expectations[] = {
    [KEY_NUM_HEADS] = "a decimal number of display heads such as 4",
    [KEY_FRL_CONFIG] = "a decimal frame rate limit such as 60",
    [KEY_FRAMEBUFFER] = "a size in MiB such as 4096M (or 4G)",
    [KEY_MAX_RESOLUTION] = "WIDTHxHEIGHT such as 5120x2880",
    [KEY_MAX_INSTANCE] = "a decimal instance count such as 24",
};

static KnownKey
known_key_from_string(const char *key)
{
    for (guint i = 0; i < G_N_ELEMENTS(known_keys); i++) {
        if (g_str_equal(key, known_keys[i]))
            return (KnownKey)i;
    }
    return KEY_UNKNOWN;
}

static const NvidiaSeries *
series_lookup(char letter)
{
    for (guint i = 0; i < G_N_ELEMENTS(nvidia_series); i++) {
        if (nvidia_series[i].letter == letter)
            return &nvidia_series[i];
    }
    return NULL;
}

static gboolean
is_all_digits(const char *text, gsize len)
{
    if (len == 0)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isdigit(text[i]))
            return FALSE;
    }
    return TRUE;
}

/* Parses @len decimal digits at @text into a guint64 no larger than @max. */
static gboolean
parse_decimal(const char *text, gsize len, guint64 max, guint64 *out)
{
    g_autofree char *copy = NULL;

    if (!is_all_digits(text, len))
        return FALSE;
    copy = g_strndup(text, len);
    return g_ascii_string_to_unsigned(copy, 10, 0, max, out, NULL);
}

static gboolean
parse_uint(const char *text, guint *out)
{
    guint64 number;

    if (!parse_decimal(text, strlen(text), G_MAXUINT, &number))
        return FALSE;
    *out = (guint)number;
    return TRUE;
}

/* "4096M" or "4096" (MiB), "4G" (GiB). */
static gboolean
parse_framebuffer(const char *text, guint64 *mib)
{
    gsize len = strlen(text);
    guint64 factor = 1;
    guint64 number;

    if (len > 0 && (text[len - 1] == 'M' || text[len - 1] == 'm')) {
        len--;
    } else if (len > 0 && (text[len - 1] == 'G' || text[len - 1] == 'g')) {
        factor = 1024;
        len--;
    }
    if (!parse_decimal(text, len, G_MAXUINT64 / factor, &number))
        return FALSE;
    *mib = number * factor;
    return TRUE;
}

/* "5120x2880" (an 'X' is accepted as well). */
static gboolean
parse_resolution(const char *text, guint *width, guint *height)
{
    const char *sep = strpbrk(text, "xX");
    guint64 w;
    guint64 h;

    if (!sep)
        return FALSE;
    if (!parse_decimal(text, (gsize)(sep - text), G_MAXUINT, &w))
        return FALSE;
    if (!parse_decimal(sep + 1, strlen(sep + 1), G_MAXUINT, &h))
        return FALSE;
    *width = (guint)w;
    *height = (guint)h;
    return TRUE;
}

static gboolean
is_key_char(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

static char **
strv_from_array(GPtrArray *array)
{
    g_ptr_array_add(array, NULL);
    return (char **)g_ptr_array_free(array, FALSE);
}

/*
 * Splits @description into trimmed key=value items, in order. Empty items
 * (such as after a trailing comma) are skipped. Returns FALSE, with the
 * outputs untouched, when the text is not such a list (free text, an item
 * without '=', a key that is not a word).
 */
static gboolean
split_description(const char *description, char ***keys, char ***values)
{
    g_auto(GStrv) items = g_strsplit(description, ",", -1);
    g_autoptr(GPtrArray) k = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; items[i]; i++) {
        char *item = g_strstrip(items[i]);
        char *eq;
        char *key;

        if (!*item)
            continue;
        eq = strchr(item, '=');
        if (!eq)
            return FALSE;
        *eq = '\0';
        key = g_strstrip(item);
        if (!*key)
            return FALSE;
        for (const char *p = key; *p; p++) {
            if (!is_key_char(*p))
                return FALSE;
        }
        g_ptr_array_add(k, g_strdup(key));
        g_ptr_array_add(v, g_strdup(g_strstrip(eq + 1)));
    }

    *keys = strv_from_array(g_steal_pointer(&k));
    *values = strv_from_array(g_steal_pointer(&v));
    return TRUE;
}

static gboolean
has_known_key(char **keys)
{
    for (guint i = 0; keys[i]; i++) {
        if (known_key_from_string(keys[i]) != KEY_UNKNOWN)
            return TRUE;
    }
    return FALSE;
}

/*
 * @text with control characters escaped as in C ("\\n"), so that error
 * messages stay on one line; UTF-8 is kept as it is.
 */
static char *
escape_for_message(const char *text)
{
    char high[129];

    for (guint i = 0; i < 128; i++)
        high[i] = (char)(0x80 + i);
    high[128] = '\0';
    return g_strescape(text, high);
}

/* Decodes the known keys of the split description into @type. */
static gboolean
decode_description(VgpuNvidiaType *type, const char *description,
                   GError **error)
{
    gboolean seen[KEY_UNKNOWN] = {FALSE};

    for (guint i = 0; type->keys[i]; i++) {
        const char *value = type->values[i];
        KnownKey key = known_key_from_string(type->keys[i]);
        gboolean ok = FALSE;

        if (key == KEY_UNKNOWN)
            continue;
        if (seen[key]) {
            g_autofree char *desc = escape_for_message(description);

            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "NVIDIA vGPU type description \"%s\" has the key %s "
                        "more than once; expected each key once",
                        desc, known_keys[key]);
            return FALSE;
        }
        seen[key] = TRUE;

        switch (key) {
        case KEY_NUM_HEADS:
            ok = parse_uint(value, &type->num_heads);
            break;
        case KEY_FRL_CONFIG:
            ok = parse_uint(value, &type->frl_config);
            break;
        case KEY_FRAMEBUFFER:
            ok = parse_framebuffer(value, &type->framebuffer_mib);
            break;
        case KEY_MAX_RESOLUTION:
            ok = parse_resolution(value, &type->max_width, &type->max_height);
            type->has_max_resolution = ok;
            break;
        case KEY_MAX_INSTANCE:
            ok = parse_uint(value, &type->max_instance);
            break;
        case KEY_UNKNOWN:
            break;
        }
        if (!ok) {
            g_autofree char *desc = escape_for_message(description);
            g_autofree char *val = escape_for_message(value);

            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "NVIDIA vGPU type description \"%s\" has a malformed "
                        "%s value \"%s\"; expected %s",
                        desc, known_keys[key], val,
                        known_key_expectations[key]);
            return FALSE;
        }
    }
    return TRUE;
}

/* "GRID " or "NVIDIA " followed by the type; returns the type part. */
static const char *
name_skip_prefix(const char *name)
{
    static const char *const prefixes[] = {"GRID ", "NVIDIA "};

    for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        if (g_str_has_prefix(name, prefixes[i])) {
            const char *rest = name + strlen(prefixes[i]);
            while (*rest == ' ')
                rest++;
            return rest;
        }
    }
    return NULL;
}

static const char *
skip_digits(const char *p)
{
    while (g_ascii_isdigit(*p))
        p++;
    return p;
}

/*
 * Decodes "<board>-<N><series>[<variant>]" (time-sliced, e.g. "P4-4Q",
 * "P40-2B4", "M60-0B") or "<board>-<slices>-<N><series>[<variant>]"
 * (MIG-backed, e.g. "A100-2-10C"). All or nothing: a profile that does not
 * follow the grammar leaves board, series and size unset.
 */
static void
decode_name(VgpuNvidiaType *type, const char *profile)
{
    const char *dash = strchr(profile, '-');
    const char *size;
    const char *end;
    const char *variant;
    guint64 gib;

    if (!dash || dash == profile)
        return;
    for (const char *p = profile; p < dash; p++) {
        if (!g_ascii_isalnum(*p))
            return;
    }

    size = dash + 1;
    end = skip_digits(size);
    if (end == size)
        return;
    if (*end == '-') {
        /* MIG-backed: the digits were the slice count */
        size = end + 1;
        end = skip_digits(size);
        if (end == size)
            return;
    }
    if (!g_ascii_isupper(*end))
        return;
    /* variant suffix, e.g. "4" of "2B4" or "ME" of "1-5CME": not decoded */
    for (variant = end + 1; *variant; variant++) {
        if (!g_ascii_isalnum(*variant))
            return;
    }
    if (!parse_decimal(size, (gsize)(end - size), G_MAXUINT, &gib))
        return;

    type->board = g_strndup(profile, (gsize)(dash - profile));
    type->name_framebuffer_gib = (guint)gib;
    type->series = series_lookup(*end) ? *end : '\0';
}

VgpuNvidiaType *
vgpu_nvidia_type_new(const char *name, const char *description, GError **error)
{
    g_autoptr(VgpuNvidiaType) type = NULL;
    g_autofree char *clean_name = NULL;
    g_autofree char *clean_desc = NULL;
    const char *profile;

    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    clean_name = g_strstrip(g_strdup(name ? name : ""));
    clean_desc = g_strstrip(g_strdup(description ? description : ""));
    profile = name_skip_prefix(clean_name);

    type = g_new0(VgpuNvidiaType, 1);
    /* free text (e.g. "virtual display, 640x480 framebuffer") has no keys */
    if (!split_description(clean_desc, &type->keys, &type->values)) {
        type->keys = g_new0(char *, 1);
        type->values = g_new0(char *, 1);
    }

    if (!profile && !has_known_key(type->keys)) {
        g_autofree char *quoted_name = escape_for_message(clean_name);
        g_autofree char *quoted_desc = escape_for_message(clean_desc);

        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "mdev type name \"%s\" and description \"%s\" are not "
                    "NVIDIA vGPU metadata",
                    quoted_name, quoted_desc);
        return NULL;
    }

    if (!decode_description(type, clean_desc, error))
        return NULL;
    if (profile)
        decode_name(type, profile);

    return g_steal_pointer(&type);
}

void
vgpu_nvidia_type_free(VgpuNvidiaType *type)
{
    if (!type)
        return;
    g_free(type->board);
    g_strfreev(type->keys);
    g_strfreev(type->values);
    g_free(type);
}

const char *
vgpu_nvidia_type_get_board(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->board;
}

char
vgpu_nvidia_type_get_series(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, '\0');
    return type->series;
}

const char *
vgpu_nvidia_type_get_series_description(const VgpuNvidiaType *type)
{
    const NvidiaSeries *series;

    g_return_val_if_fail(type != NULL, NULL);
    series = series_lookup(type->series);
    return series ? series->description : NULL;
}

const char *
vgpu_nvidia_type_get_license(const VgpuNvidiaType *type)
{
    const NvidiaSeries *series;

    g_return_val_if_fail(type != NULL, NULL);
    series = series_lookup(type->series);
    return series ? series->license : NULL;
}

guint
vgpu_nvidia_type_get_name_framebuffer_gib(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->name_framebuffer_gib;
}

guint64
vgpu_nvidia_type_get_framebuffer_mib(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->framebuffer_mib;
}

guint
vgpu_nvidia_type_get_num_heads(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->num_heads;
}

guint
vgpu_nvidia_type_get_frl_config(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->frl_config;
}

gboolean
vgpu_nvidia_type_get_max_resolution(const VgpuNvidiaType *type, guint *width,
                                    guint *height)
{
    if (width)
        *width = 0;
    if (height)
        *height = 0;
    g_return_val_if_fail(type != NULL, FALSE);
    if (!type->has_max_resolution)
        return FALSE;
    if (width)
        *width = type->max_width;
    if (height)
        *height = type->max_height;
    return TRUE;
}

guint
vgpu_nvidia_type_get_max_instance(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->max_instance;
}

const char *
vgpu_nvidia_type_get_value(const VgpuNvidiaType *type, const char *key)
{
    g_return_val_if_fail(type != NULL, NULL);
    g_return_val_if_fail(key != NULL, NULL);

    for (guint i = 0; type->keys[i]; i++) {
        if (g_str_equal(type->keys[i], key))
            return type->values[i];
    }
    return NULL;
}

const char *const *
vgpu_nvidia_type_get_keys(const VgpuNvidiaType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return (const char *const *)type->keys;
}
