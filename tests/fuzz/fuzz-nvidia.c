/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the NVIDIA vGPU type decoder (lib/vgpu-nvidia.c).
 *
 * Input: "NAME\0DESCRIPTION", the contents of a type's `name` and
 *   `description` files separated by a NUL byte (neither file can contain
 *   one). Without a NUL byte the whole input is tried both as the name
 *   (description absent) and as the description (name absent).
 * Does: vgpu_nvidia_type_new(), then every getter, vgpu_nvidia_type_get_value()
 *   for every key listed by vgpu_nvidia_type_get_keys(), for the known keys
 *   and for a key that is absent.
 * Property: no crash, leak or undefined behaviour; a failure sets an error;
 *   every key listed has a value.
 */
#include <libvgpu/vgpu-nvidia.h>

#include "fuzz-util.h"

#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init_glib();
    return 0;
}

static void
decode(const char *name, const char *description)
{
    static const char *const known[] = {
        "num_heads",    "frl_config", "framebuffer", "max_resolution",
        "max_instance", "",           "no_such_key",
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuNvidiaType) type = NULL;
    const char *const *keys;
    guint width = 1;
    guint height = 1;
    volatile guint64 sink = 0;

    type = vgpu_nvidia_type_new(name, description, &error);
    if (!type) {
        if (!error || !error->message)
            abort(); /* NULL without an error */
        return;
    }
    sink += vgpu_nvidia_type_get_board(type) ? 1 : 0;
    sink += (guchar)vgpu_nvidia_type_get_series(type);
    sink += vgpu_nvidia_type_get_series_description(type) ? 1 : 0;
    sink += vgpu_nvidia_type_get_license(type) ? 1 : 0;
    sink += vgpu_nvidia_type_get_name_framebuffer_gib(type);
    sink += vgpu_nvidia_type_get_framebuffer_mib(type);
    sink += vgpu_nvidia_type_get_num_heads(type);
    sink += vgpu_nvidia_type_get_frl_config(type);
    if (!vgpu_nvidia_type_get_max_resolution(type, &width, &height) &&
        (width != 0 || height != 0)) {
        fprintf(stderr, "get_max_resolution: FALSE but outputs not 0\n");
        abort();
    }
    sink += width + height;
    sink += vgpu_nvidia_type_get_max_instance(type);
    for (gsize i = 0; i < G_N_ELEMENTS(known); i++)
        sink += vgpu_nvidia_type_get_value(type, known[i]) ? 1 : 0;
    keys = vgpu_nvidia_type_get_keys(type);
    if (!keys)
        abort();
    for (guint i = 0; keys[i]; i++) {
        const char *value = vgpu_nvidia_type_get_value(type, keys[i]);

        if (!value) {
            fprintf(stderr, "listed key \"%s\" has no value\n", keys[i]);
            abort();
        }
        sink += strlen(value);
    }
    (void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *copy = g_malloc(size + 1);
    gsize name_len;

    fuzz_set_input(data, size);

    memcpy(copy, data, size);
    copy[size] = '\0';
    name_len = strlen(copy);
    if (name_len < size) {
        decode(copy, copy + name_len + 1);
    } else {
        decode(copy, NULL);
        decode(NULL, copy);
    }
    return 0;
}
