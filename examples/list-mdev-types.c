/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list-mdev-types - list the parent devices and mdev types of this host,
 * with available instances and decoded NVIDIA metadata.
 *
 *   list-mdev-types            # the host (/)
 *   LIBVGPU_ROOT=/tmp/r list-mdev-types
 *
 * Uses only the public libvgpu API.
 */
#include <libvgpu/libvgpu.h>

#include <stdio.h>

static void
print_type(const VgpuMdevType *type)
{
    const VgpuNvidiaType *nvidia = vgpu_mdev_type_get_nvidia(type);
    const char *name = vgpu_mdev_type_get_name(type);

    printf("  %-12s %-24s available %u, active %u\n",
           vgpu_mdev_type_get_id(type), name ? name : "-",
           vgpu_mdev_type_get_available_instances(type),
           vgpu_mdev_type_get_active_instances(type));
    if (nvidia) {
        guint width = 0, height = 0;
        vgpu_nvidia_type_get_max_resolution(nvidia, &width, &height);
        printf("  %-12s %" G_GUINT64_FORMAT " MiB, %u heads, %ux%u, "
               "series %c (%s licence)\n",
               "", vgpu_nvidia_type_get_framebuffer_mib(nvidia),
               vgpu_nvidia_type_get_num_heads(nvidia), width, height,
               vgpu_nvidia_type_get_series(nvidia)
                   ? vgpu_nvidia_type_get_series(nvidia)
                   : '?',
               vgpu_nvidia_type_get_license(nvidia)
                   ? vgpu_nvidia_type_get_license(nvidia)
                   : "unknown");
    }
}

int
main(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuContext) ctx = vgpu_context_new_from_env(&error);
    g_autoptr(GPtrArray) parents = NULL;

    if (!ctx || !(parents = vgpu_discovery_list_parents(ctx, &error))) {
        fprintf(stderr, "list-mdev-types: %s\n", error->message);
        return 1;
    }
    if (parents->len == 0) {
        printf("no mdev parent devices under %s/sys/class/mdev_bus\n",
               vgpu_context_get_root(ctx));
        return 0;
    }
    for (guint i = 0; i < parents->len; i++) {
        VgpuParent *parent = g_ptr_array_index(parents, i);
        GPtrArray *types = vgpu_parent_get_types(parent);

        printf("%s\n", vgpu_parent_get_name(parent));
        for (guint j = 0; j < types->len; j++)
            print_type(g_ptr_array_index(types, j));
    }
    return 0;
}
