/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl types - the parent devices and the mdev types they offer, from
 * this host's sysfs or from libvirt's node-device API.
 */
#include "vgpuctl-commands.h"
#include "vgpuctl-output.h"
#include "vgpuctl-pci-names.h"

#include <stdio.h>
#include <string.h>

/* One mdev type from either source (sysfs or libvirt node devices). The
 * VFs of one GPU that are mdev parents (NVIDIA Ampere with older vGPU
 * drivers) make one row per type for the GPU, their counts summed. */
typedef struct {
    const char *parent; /* the parent, or the GPU (PF) of VF parents */
    guint vfs;          /* VF parents summed into this row, 0 if none */
    const char *id;
    const char *name;
    const char *description;
    const char *device_api;
    guint available;
    gint active; /* -1: unknown (libvirt does not report it) */
    const VgpuNvidiaType *nvidia;
} TypeRow;

/* The types to show and the objects their rows borrow from. */
typedef struct {
    GArray *rows;       /* TypeRow, sorted by parent, then id */
    GPtrArray *sources; /* VgpuParent, or VgpuVirtMdevType if remote */
    gboolean remote;    /* from libvirt rather than sysfs */
    GPtrArray *vf_gpus; /* VgpuVfGpu: GPUs whose VFs carry vGPUs (sysfs) */
    char *where;        /* the host root, or the libvirt URI if remote */
} TypeListing;

static void
type_listing_clear(TypeListing *listing)
{
    g_clear_pointer(&listing->rows, g_array_unref);
    g_clear_pointer(&listing->sources, g_ptr_array_unref);
    g_clear_pointer(&listing->vf_gpus, g_ptr_array_unref);
    g_clear_pointer(&listing->where, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TypeListing, type_listing_clear)

static const TypeRow *
type_row_at(GArray *rows, guint index)
{
    return &g_array_index(rows, TypeRow, index);
}

/* Index just past the rows from @start on that share its parent. */
static guint
parent_rows_end(GArray *rows, guint start)
{
    const char *parent = type_row_at(rows, start)->parent;
    guint end = start + 1;

    while (end < rows->len &&
           g_str_equal(type_row_at(rows, end)->parent, parent))
        end++;
    return end;
}

static guint64
nvidia_framebuffer_mib(const VgpuNvidiaType *nv)
{
    guint64 mib = vgpu_nvidia_type_get_framebuffer_mib(nv);

    if (mib == 0)
        mib = (guint64)vgpu_nvidia_type_get_name_framebuffer_gib(nv) * 1024;
    return mib;
}

/* ---- JSON -------------------------------------------------------------- */

static void
json_add_nvidia(JsonBuilder *builder, const VgpuNvidiaType *nv)
{
    char series[2] = {vgpu_nvidia_type_get_series(nv), '\0'};
    guint width, height;

    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "board", vgpu_nvidia_type_get_board(nv));
    vgpuctl_json_add_string(builder, "series", series[0] ? series : NULL);
    vgpuctl_json_add_string(builder, "series_description",
                            vgpu_nvidia_type_get_series_description(nv));
    vgpuctl_json_add_string(builder, "license",
                            vgpu_nvidia_type_get_license(nv));
    vgpuctl_json_add_int(builder, "framebuffer_mib",
                         (gint64)nvidia_framebuffer_mib(nv));
    vgpuctl_json_add_int(builder, "num_heads",
                         vgpu_nvidia_type_get_num_heads(nv));
    vgpuctl_json_add_int(builder, "frl_config",
                         vgpu_nvidia_type_get_frl_config(nv));
    json_builder_set_member_name(builder, "max_resolution");
    if (vgpu_nvidia_type_get_max_resolution(nv, &width, &height)) {
        json_builder_begin_object(builder);
        vgpuctl_json_add_int(builder, "width", width);
        vgpuctl_json_add_int(builder, "height", height);
        json_builder_end_object(builder);
    } else {
        json_builder_add_null_value(builder);
    }
    vgpuctl_json_add_int(builder, "max_instance",
                         vgpu_nvidia_type_get_max_instance(nv));
    json_builder_end_object(builder);
}

static void
json_add_type(JsonBuilder *builder, const TypeRow *row)
{
    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "type", row->id);
    vgpuctl_json_add_string(builder, "type_name", row->name);
    vgpuctl_json_add_string(builder, "description", row->description);
    vgpuctl_json_add_string(builder, "device_api", row->device_api);
    vgpuctl_json_add_int(builder, "available_instances", row->available);
    if (row->active >= 0)
        vgpuctl_json_add_int(builder, "active_instances", row->active);
    json_builder_set_member_name(builder, "nvidia");
    if (row->nvidia)
        json_add_nvidia(builder, row->nvidia);
    else
        json_builder_add_null_value(builder);
    json_builder_end_object(builder);
}

static const char *
vf_class_label(VgpuDeviceClass device_class)
{
    return device_class == VGPU_DEVICE_CLASS_NVIDIA_VF
               ? "NVIDIA vGPU on virtual functions"
               : "virtual functions passed through";
}

/* The name of a VF type: NVIDIA's from creatable_vgpu_types, or for a
 * plain VF (`vf-<vendor>:<device>`) the PCI ID database's; NULL if none. */
static char *
vf_type_name(const VgpuVfType *type)
{
    if (type->name)
        return g_strdup(type->name);
    if (g_str_has_prefix(type->id, "vf-"))
        return vgpuctl_pci_device_name(type->id + strlen("vf-"));
    return NULL;
}

/* "vf_gpus": the GPUs whose VFs carry vGPUs, with their types. */
static void
json_add_vf_gpus(JsonBuilder *builder, GPtrArray *gpus)
{
    vgpuctl_json_begin_array(builder, "vf_gpus");
    for (guint i = 0; gpus && i < gpus->len; i++) {
        const VgpuVfGpu *gpu = gpus->pdata[i];
        GPtrArray *types = vgpu_vf_gpu_get_types(gpu);

        json_builder_begin_object(builder);
        vgpuctl_json_add_string(builder, "gpu", vgpu_vf_gpu_get_address(gpu));
        vgpuctl_json_add_string(
            builder, "class",
            vgpu_device_class_to_string(vgpu_vf_gpu_get_device_class(gpu)));
        vgpuctl_json_add_string(builder, "ids", vgpu_vf_gpu_get_ids(gpu));
        vgpuctl_json_add_int(builder, "virtual_functions",
                             vgpu_vf_gpu_get_vfs(gpu));
        vgpuctl_json_add_int(builder, "used_vfs", vgpu_vf_gpu_get_used(gpu));
        vgpuctl_json_begin_array(builder, "types");
        for (guint j = 0; j < types->len; j++) {
            const VgpuVfType *type = types->pdata[j];
            g_autofree char *name = vf_type_name(type);

            json_builder_begin_object(builder);
            vgpuctl_json_add_string(builder, "type", type->id);
            vgpuctl_json_add_string(builder, "type_name", name);
            vgpuctl_json_add_int(builder, "free_vfs", type->free);
            vgpuctl_json_add_int(builder, "used_vfs", type->used);
            json_builder_set_member_name(builder, "nvidia");
            if (type->nvidia)
                json_add_nvidia(builder, type->nvidia);
            else
                json_builder_add_null_value(builder);
            json_builder_end_object(builder);
        }
        json_builder_end_array(builder);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
}

/* Prints the types grouped by parent. */
static void
print_types_json(const TypeListing *listing)
{
    g_autoptr(JsonBuilder) builder = vgpuctl_json_begin_document();
    GArray *rows = listing->rows;

    vgpuctl_json_add_string(builder, "source",
                            listing->remote ? "libvirt" : "sysfs");
    vgpuctl_json_add_string(builder, listing->remote ? "uri" : "root",
                            listing->where);
    vgpuctl_json_begin_array(builder, "parents");
    for (guint start = 0, end; start < rows->len; start = end) {
        end = parent_rows_end(rows, start);
        json_builder_begin_object(builder);
        vgpuctl_json_add_string(builder, "parent",
                                type_row_at(rows, start)->parent);
        vgpuctl_json_add_int(builder, "virtual_functions",
                             type_row_at(rows, start)->vfs);
        vgpuctl_json_begin_array(builder, "types");
        for (guint i = start; i < end; i++)
            json_add_type(builder, type_row_at(rows, i));
        json_builder_end_array(builder);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_add_vf_gpus(builder, listing->vf_gpus);
    vgpuctl_json_end_document(builder);
}

/* ---- text -------------------------------------------------------------- */

/* The AVAILABLE cell: "3 (1 active)", or "3" when libvirt reported it. */
static char *
available_text(const TypeRow *row)
{
    return row->active >= 0
               ? g_strdup_printf("%u (%d active)", row->available, row->active)
               : g_strdup_printf("%u", row->available);
}

/* The FRAMEBUFFER and SERIES (LICENCE) cells of @nv (nullable): NULL when
 * unknown. */
static void
nvidia_text_cells(const VgpuNvidiaType *nv, char **framebuffer, char **series)
{
    guint64 mib = nv ? nvidia_framebuffer_mib(nv) : 0;
    char letter = nv ? vgpu_nvidia_type_get_series(nv) : '\0';

    *framebuffer =
        mib ? g_strdup_printf("%" G_GUINT64_FORMAT " MiB", mib) : NULL;
    *series = letter ? g_strdup_printf("%c (%s)", letter,
                                       vgpu_nvidia_type_get_license(nv))
                     : NULL;
}

static void
add_type_text_row(VgpuctlTable *table, const TypeRow *row)
{
    const VgpuNvidiaType *nv = row->nvidia;
    g_autofree char *available = NULL;
    g_autofree char *framebuffer = NULL;
    g_autofree char *heads = NULL;
    g_autofree char *resolution = NULL;
    g_autofree char *series = NULL;
    guint width, height;

    available = available_text(row);
    nvidia_text_cells(nv, &framebuffer, &series);
    if (nv) {
        if (vgpu_nvidia_type_get_num_heads(nv))
            heads = g_strdup_printf("%u", vgpu_nvidia_type_get_num_heads(nv));
        if (vgpu_nvidia_type_get_max_resolution(nv, &width, &height))
            resolution = g_strdup_printf("%ux%u", width, height);
    }
    vgpuctl_table_add(table, 7, row->id,
                      row->name ? row->name : row->description, available,
                      framebuffer, heads, resolution, series);
}

/* A row of a parent without NVIDIA types (mtty, Intel GVT-g, ...): the
 * description in one line, as 'mdevctl types' prints name, device API
 * and description. */
static void
add_plain_text_row(VgpuctlTable *table, const TypeRow *row)
{
    g_autofree char *available = available_text(row);
    g_autofree char *description =
        row->description
            ? g_strdelimit(g_strstrip(g_strdup(row->description)), "\n\t", ' ')
            : NULL;

    vgpuctl_table_add(table, 5, row->id, row->name, available, row->device_api,
                      description);
}

/* Adds the legend line of @nv's series, the first time it is seen. */
static void
add_series_legend(GHashTable *seen, GPtrArray *legend, const VgpuNvidiaType *nv)
{
    char letter = nv ? vgpu_nvidia_type_get_series(nv) : '\0';
    gpointer key = GINT_TO_POINTER((int)letter);

    if (!letter || g_hash_table_contains(seen, key))
        return;
    g_hash_table_add(seen, key);
    g_ptr_array_add(
        legend, g_strdup_printf("  %c  %s", letter,
                                vgpu_nvidia_type_get_series_description(nv)));
}

/* Prints the parent of rows @start to @end, then a table of them. */
static void
print_parent_types_text(GArray *rows, guint start, guint end, GHashTable *seen,
                        GPtrArray *legend)
{
    g_auto(VgpuctlTable) table = {0};
    gboolean nvidia = FALSE;

    for (guint i = start; i < end; i++)
        nvidia |= type_row_at(rows, i)->nvidia != NULL;
    if (nvidia)
        vgpuctl_table_add(&table, 7, "TYPE", "NAME", "AVAILABLE", "FRAMEBUFFER",
                          "HEADS", "MAX RESOLUTION", "SERIES (LICENCE)");
    else /* what 'mdevctl types' shows of any other mdev type */
        vgpuctl_table_add(&table, 5, "TYPE", "NAME", "AVAILABLE", "DEVICE API",
                          "DESCRIPTION");
    for (guint i = start; i < end; i++) {
        const TypeRow *row = type_row_at(rows, i);

        if (nvidia)
            add_type_text_row(&table, row);
        else
            add_plain_text_row(&table, row);
        add_series_legend(seen, legend, row->nvidia);
    }
    if (type_row_at(rows, start)->vfs > 0)
        printf("%s (GPU; its %u virtual functions are the parent devices)\n",
               type_row_at(rows, start)->parent, type_row_at(rows, start)->vfs);
    else
        printf("%s\n", type_row_at(rows, start)->parent);
    vgpuctl_table_print(&table, "  ");
}

/* One table per GPU whose VFs carry vGPUs. */
static void
print_vf_gpus_text(GPtrArray *gpus, gboolean after_parents, GHashTable *seen,
                   GPtrArray *legend)
{
    for (guint i = 0; gpus && i < gpus->len; i++) {
        const VgpuVfGpu *gpu = gpus->pdata[i];
        GPtrArray *types = vgpu_vf_gpu_get_types(gpu);
        g_auto(VgpuctlTable) table = {0};

        if (after_parents || i > 0)
            printf("\n");
        printf("%s (%s; %s; %u VFs, %u in use)\n", vgpu_vf_gpu_get_address(gpu),
               vf_class_label(vgpu_vf_gpu_get_device_class(gpu)),
               vgpu_vf_gpu_get_ids(gpu), vgpu_vf_gpu_get_vfs(gpu),
               vgpu_vf_gpu_get_used(gpu));
        vgpuctl_table_add(&table, 6, "TYPE", "NAME", "FREE VFS", "IN USE",
                          "FRAMEBUFFER", "SERIES (LICENCE)");
        for (guint j = 0; j < types->len; j++) {
            const VgpuVfType *type = types->pdata[j];
            g_autofree char *free_vfs = g_strdup_printf("%u", type->free);
            g_autofree char *used = g_strdup_printf("%u", type->used);
            g_autofree char *framebuffer = NULL;
            g_autofree char *series = NULL;
            g_autofree char *name = vf_type_name(type);

            nvidia_text_cells(type->nvidia, &framebuffer, &series);
            vgpuctl_table_add(&table, 6, type->id, name ? name : "-", free_vfs,
                              used, framebuffer, series);
            add_series_legend(seen, legend, type->nvidia);
        }
        if (types->len == 0)
            printf("  the GPU can create no type now\n");
        else
            vgpuctl_table_print(&table, "  ");
    }
}

/* Prints a table per parent, one per GPU whose VFs carry vGPUs, then
 * what the NVIDIA series letters mean. */
static void
print_types_text(GArray *rows, GPtrArray *vf_gpus)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    g_autoptr(GPtrArray) legend = g_ptr_array_new_with_free_func(g_free);

    for (guint start = 0, end; start < rows->len; start = end) {
        end = parent_rows_end(rows, start);
        if (start > 0)
            printf("\n");
        print_parent_types_text(rows, start, end, seen, legend);
    }
    print_vf_gpus_text(vf_gpus, rows->len > 0, seen, legend);
    if (legend->len > 0) {
        g_ptr_array_sort(legend, vgpuctl_compare_strings);
        printf("\nNVIDIA vGPU series:\n");
        for (guint i = 0; i < legend->len; i++)
            printf("%s\n", (const char *)g_ptr_array_index(legend, i));
    }
}

static void
print_no_types(const TypeListing *listing)
{
    if (listing->remote)
        printf("no parent device offers mdev types on %s\n", listing->where);
    else
        printf("no parent device offers mdev types (nothing in "
               "/sys/class/mdev_bus); 'vgpuctl check' tells what is "
               "missing\n");
}

/* ---- collecting -------------------------------------------------------- */

/* The row of @type_id for GPU @gpu already collected, if any. */
static TypeRow *
find_gpu_row(GArray *rows, const char *gpu, const char *type_id)
{
    for (guint i = 0; i < rows->len; i++) {
        TypeRow *row = &g_array_index(rows, TypeRow, i);

        if (row->vfs > 0 && g_str_equal(row->parent, gpu) &&
            g_str_equal(row->id, type_id))
            return row;
    }
    return NULL;
}

static void
add_local_rows(GArray *rows, const VgpuParent *parent)
{
    GPtrArray *types = vgpu_parent_get_types(parent);
    gboolean is_vf = vgpu_parent_get_physical_function(parent) != NULL;

    for (guint j = 0; j < types->len; j++) {
        const VgpuMdevType *type = g_ptr_array_index(types, j);
        TypeRow *gpu_row = is_vf
                               ? find_gpu_row(rows, vgpu_parent_get_gpu(parent),
                                              vgpu_mdev_type_get_id(type))
                               : NULL;
        TypeRow row = {
            .parent = vgpu_parent_get_gpu(parent),
            .vfs = is_vf ? 1 : 0,
            .id = vgpu_mdev_type_get_id(type),
            .name = vgpu_mdev_type_get_name(type),
            .description = vgpu_mdev_type_get_description(type),
            .device_api = vgpu_mdev_type_get_device_api(type),
            .available = vgpu_mdev_type_get_available_instances(type),
            .active = (gint)vgpu_mdev_type_get_active_instances(type),
            .nvidia = vgpu_mdev_type_get_nvidia(type),
        };

        if (gpu_row) {
            gpu_row->vfs++;
            gpu_row->available += row.available;
            gpu_row->active += row.active;
        } else {
            g_array_append_val(rows, row);
        }
    }
}

/* Reads this host's sysfs: the types of @parent, or of every parent. */
static gboolean
list_local_types(TypeListing *listing, const char *parent, GError **error)
{
    g_autoptr(VgpuContext) ctx = vgpu_context_new_from_env(error);

    if (!ctx)
        return FALSE;
    if (parent) {
        VgpuParent *one = vgpu_discovery_get_parent(ctx, parent, error);

        if (!one)
            return FALSE;
        listing->sources =
            g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_parent_unref);
        g_ptr_array_add(listing->sources, one);
    } else {
        listing->sources = vgpu_discovery_list_parents(ctx, error);
        if (!listing->sources)
            return FALSE;
    }
    for (guint i = 0; i < listing->sources->len; i++)
        add_local_rows(listing->rows, g_ptr_array_index(listing->sources, i));
    if (!parent) {
        /* a broken libvgpu.conf only loses its plain_vf_pfs here; 'vgpuctl
         * check' reports it */
        g_autoptr(VgpuConfig) config = vgpu_config_load(ctx, NULL);

        listing->vf_gpus = vgpu_pci_list_vf_gpus(ctx, config, NULL);
    }
    listing->where = g_strdup(vgpu_context_get_root(ctx));
    return TRUE;
}

static void
add_remote_row(GArray *rows, const VgpuVirtMdevType *type)
{
    TypeRow row = {
        .parent = vgpu_virt_mdev_type_get_parent(type),
        .id = vgpu_virt_mdev_type_get_id(type),
        .name = vgpu_virt_mdev_type_get_name(type),
        .device_api = vgpu_virt_mdev_type_get_device_api(type),
        .available = vgpu_virt_mdev_type_get_available_instances(type),
        .active = -1,
        .nvidia = vgpu_virt_mdev_type_get_nvidia(type),
    };

    g_array_append_val(rows, row);
}

/* Asks libvirt at @uri: the types of @parent, or of every parent. */
static gboolean
list_remote_types(TypeListing *listing, const char *uri, const char *parent,
                  GError **error)
{
    g_autoptr(VgpuVirtConnection) conn = vgpuctl_open_libvirt(uri, NULL, error);
    const char *where;

    if (!conn)
        return FALSE;
    listing->remote = TRUE;
    listing->sources = vgpu_virt_list_node_mdev_types(conn, error);
    if (!listing->sources)
        return FALSE;
    for (guint i = 0; i < listing->sources->len; i++) {
        const VgpuVirtMdevType *type = g_ptr_array_index(listing->sources, i);

        if (!parent ||
            g_str_equal(parent, vgpu_virt_mdev_type_get_parent(type)))
            add_remote_row(listing->rows, type);
    }
    where = vgpu_virt_connection_get_uri(conn);
    if (parent && listing->rows->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device \"%s\" with mdev types on %s; "
                    "'vgpuctl types --connect %s' lists the parents",
                    parent, where, where);
        return FALSE;
    }
    listing->where = g_strdup(where);
    return TRUE;
}

/* ---- the command ------------------------------------------------------- */

static int
run_types(int argc, char **argv)
{
    g_autofree char *parent = NULL;
    g_autofree char *uri = NULL;
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        {"parent", 'p', 0, G_OPTION_ARG_STRING, &parent,
         "Only this parent device, e.g. 0000:05:00.0", "PARENT"},
        VGPUCTL_OPTION_JSON(json),
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
         "Ask libvirt at URI (node-device API, works for remote hosts) "
         "instead of reading this host's sysfs",
         "URI"},
        VGPUCTL_OPTION_END,
    };
    g_auto(TypeListing) listing = {0};
    g_autoptr(GError) error = NULL;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_types, entries, &argc, &argv,
                               &status))
        return status;

    listing.rows = g_array_new(FALSE, TRUE, sizeof(TypeRow));
    if (uri ? !list_remote_types(&listing, uri, parent, &error)
            : !list_local_types(&listing, parent, &error))
        return vgpuctl_fail(error);

    if (json) {
        print_types_json(&listing);
    } else if (listing.rows->len == 0 &&
               (!listing.vf_gpus || listing.vf_gpus->len == 0)) {
        print_no_types(&listing);
    } else {
        print_types_text(listing.rows, listing.vf_gpus);
    }
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_types = {
    .name = "types",
    .brief = "list parent devices and the mdev types they offer",
    .run = run_types,
    .parameters = "",
    .summary = "List parent devices and the mdev types they offer.",
    .description =
        "DESCRIPTION\n"
        "  Reads /sys/class/mdev_bus/<parent>/mdev_supported_types/ (kernel\n"
        "  Documentation/driver-api/vfio-mediated-device.rst) and prints, per\n"
        "  parent device, each mdev type with its name, available instances\n"
        "  (read now; NVIDIA GPUs host one vGPU type at a time, so other\n"
        "  types show 0 once a vGPU exists) and, for NVIDIA vGPU types, the\n"
        "  decoded framebuffer, display heads, maximum resolution per head,\n"
        "  series and the guest licence it needs (vApps, vPC, vCS, vDWS).\n"
        "  With --connect, the types come from libvirt's node-device API of\n"
        "  that host instead (no description there: framebuffer from the\n"
        "  type name; no active count).\n"
        "\n"
        "  The type id (first column) is what 'vgpuctl attach --type' takes.\n"
        "\n"
        "JSON (--json)\n"
        "  {version: 1, source: \"sysfs\" or \"libvirt\", root (sysfs) or uri\n"
        "  (libvirt), parents, vf_gpus}\n"
        "  parents  {parent, virtual_functions (VF parents summed, else 0),\n"
        "           types: [{type, type_name, description, device_api,\n"
        "           available_instances, active_instances (sysfs only),\n"
        "           nvidia}]}\n"
        "  vf_gpus  {gpu, class, ids, virtual_functions, used_vfs, types:\n"
        "           [{type, type_name, free_vfs, used_vfs, nvidia}]}\n"
        "  nvidia is null, or {board, series, series_description, license,\n"
        "  framebuffer_mib, num_heads, frl_config, max_resolution: {width,\n"
        "  height} or null, max_instance}. vgpuctl(1), JSON OUTPUT, has the\n"
        "  keys of every command.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl types\n"
        "  vgpuctl types --parent 0000:05:00.0 --json\n"
        "  vgpuctl types --json | jq -r '.parents[].types[].type'\n"
        "  vgpuctl types --connect qemu+ssh://root@gpuhost/system\n",
};
