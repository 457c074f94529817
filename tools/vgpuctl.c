/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl - the libvgpu command line: show what the host offers, attach
 * vGPU requests to libvirt domains, list and collect mediated devices,
 * install the hook, check host readiness.
 *
 * Exit status: 0 success, 1 failure (one line "vgpuctl: <message>" on
 * stderr), 2 usage error.
 */
#include <libvgpu/libvgpu-virt.h>

#include <json-glib/json-glib.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VGPU_HOOK_PATH
#error "VGPU_HOOK_PATH must name the installed vgpu-hook"
#endif
#ifndef VGPU_VERSION
#define VGPU_VERSION "unknown"
#endif

#define EXIT_USAGE 2

/* Where libvirt (>= 6.5) looks for qemu hooks besides hooks/qemu. */
#define HOOKS_DIR "etc/libvirt/hooks/qemu.d"
#define HOOK_NAME "vgpu"

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} Command;

static const char restart_hint[] =
    "libvirtd only runs hooks that existed when it started: restart it "
    "now with 'systemctl restart libvirtd' (or 'systemctl restart "
    "virtqemud' on hosts with modular daemons)";

/* Shared tail of every command's --help. */
static const char help_footer[] =
    "ENVIRONMENT\n"
    "  LIBVGPU_ROOT          host root that sys/, run/ and etc/ are resolved\n"
    "                        under (default /); for tests and image builds\n"
    "  LIBVIRT_DEFAULT_URI   libvirt URI used when --connect is not given\n"
    "\n"
    "FILES\n"
    "  /sys/class/mdev_bus/             parent devices and their mdev types\n"
    "  /sys/bus/mdev/devices/           active mediated devices\n"
    "  /run/libvgpu/                    host lock and ownership records\n"
    "  /etc/libvgpu/libvgpu.conf        placement policy, parent allow-list\n"
    "  /etc/libvirt/hooks/qemu.d/vgpu   the installed hook\n"
    "\n"
    "EXIT STATUS\n"
    "  0 success, 1 failure (reason on standard error), 2 usage error.\n";

static void
print_error(const char *message)
{
    fprintf(stderr, "vgpuctl: %s\n", message);
}

static int
fail(const GError *error)
{
    print_error(error->message);
    return EXIT_FAILURE;
}

static void G_GNUC_PRINTF(1, 2)
warn(const char *format, ...)
{
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    fprintf(stderr, "vgpuctl: warning: %s\n", message);
}

static int G_GNUC_PRINTF(2, 3)
usage_error(const char *command, const char *format, ...)
{
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    fprintf(stderr, "vgpuctl: %s; see 'vgpuctl %s%s--help'\n", message,
            command ? command : "", command ? " " : "");
    return EXIT_USAGE;
}

/*
 * Builds the option context of a command: usage line "vgpuctl NAME
 * [OPTION…] PARAMETERS", @summary above the options, @description (what
 * it does in detail, examples) and the common footer below.
 */
static GOptionContext *
command_context(const char *name, const char *parameters,
                const char *summary, const char *description,
                const GOptionEntry *entries)
{
    g_autofree char *prgname = g_strdup_printf("vgpuctl %s", name);
    g_autofree char *tail = g_strconcat(description, "\n", help_footer, NULL);
    GOptionContext *context = g_option_context_new(parameters);

    g_set_prgname(prgname);
    g_option_context_set_summary(context, summary);
    g_option_context_set_description(context, tail);
    g_option_context_add_main_entries(context, entries, NULL);
    return context;
}

/* Parses options; returns FALSE after printing a usage error. */
static gboolean
parse_options(GOptionContext *context, const char *name, int *argc,
              char ***argv, int *status)
{
    g_autoptr(GError) error = NULL;

    if (!g_option_context_parse(context, argc, argv, &error)) {
        *status = usage_error(name, "%s", error->message);
        return FALSE;
    }
    return TRUE;
}

/*
 * Opens the libvirt connection; for a local daemon, checks mdev types in
 * the same sysfs the hook sees (LIBVGPU_ROOT).
 */
static VgpuVirtConnection *
open_libvirt(const char *uri, VgpuContext *ctx, GError **error)
{
    g_autoptr(VgpuVirtConnection) conn = vgpu_virt_connect(uri, error);

    if (!conn)
        return NULL;
    if (ctx && vgpu_virt_connection_is_local(conn))
        vgpu_virt_connection_set_host_context(conn, ctx);
    return g_steal_pointer(&conn);
}

static void
print_json(JsonBuilder *builder)
{
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(builder);
    g_autofree char *text = NULL;

    json_generator_set_pretty(generator, TRUE);
    json_generator_set_root(generator, root);
    text = json_generator_to_data(generator, NULL);
    printf("%s\n", text);
}

static void
json_add_string(JsonBuilder *builder, const char *member, const char *value)
{
    json_builder_set_member_name(builder, member);
    if (value)
        json_builder_add_string_value(builder, value);
    else
        json_builder_add_null_value(builder);
}

static void
json_add_int(JsonBuilder *builder, const char *member, gint64 value)
{
    json_builder_set_member_name(builder, member);
    json_builder_add_int_value(builder, value);
}

/* ---- text tables ------------------------------------------------------- */

typedef struct {
    GPtrArray *rows; /* GStrv, all of the same length */
} Table;

static void
table_clear(Table *table)
{
    g_clear_pointer(&table->rows, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Table, table_clear)

/* Adds a row of @columns cells; %NULL cells print as "-". */
static void
table_add(Table *table, guint columns, ...)
{
    char **row = g_new0(char *, columns + 1);
    va_list args;

    if (!table->rows)
        table->rows =
            g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    va_start(args, columns);
    for (guint i = 0; i < columns; i++) {
        const char *cell = va_arg(args, const char *);
        row[i] = g_strdup(cell ? cell : "-");
    }
    va_end(args);
    g_ptr_array_add(table->rows, row);
}

static void
table_print(const Table *table, const char *indent)
{
    g_autofree glong *widths = NULL;
    guint columns;

    if (!table->rows || table->rows->len == 0)
        return;
    columns = g_strv_length(g_ptr_array_index(table->rows, 0));
    widths = g_new0(glong, columns);
    for (guint r = 0; r < table->rows->len; r++) {
        char **row = g_ptr_array_index(table->rows, r);
        for (guint c = 0; c < columns; c++)
            widths[c] = MAX(widths[c], g_utf8_strlen(row[c], -1));
    }
    for (guint r = 0; r < table->rows->len; r++) {
        char **row = g_ptr_array_index(table->rows, r);
        g_autoptr(GString) line = g_string_new(indent);

        for (guint c = 0; c < columns; c++) {
            g_string_append(line, row[c]);
            if (c + 1 < columns) {
                glong pad = widths[c] - g_utf8_strlen(row[c], -1) + 2;
                for (glong i = 0; i < pad; i++)
                    g_string_append_c(line, ' ');
            }
        }
        printf("%s\n", line->str);
    }
}

/* ---- types ------------------------------------------------------------- */

/* One mdev type from either source (sysfs or libvirt node devices). */
typedef struct {
    const char *parent;
    const char *id;
    const char *name;
    const char *description;
    const char *device_api;
    guint available;
    gint active; /* -1: unknown (libvirt does not report it) */
    const VgpuNvidiaType *nvidia;
} TypeRow;

static guint64
nvidia_framebuffer_mib(const VgpuNvidiaType *nv)
{
    guint64 mib = vgpu_nvidia_type_get_framebuffer_mib(nv);

    if (mib == 0)
        mib = (guint64)vgpu_nvidia_type_get_name_framebuffer_gib(nv) * 1024;
    return mib;
}

static void
json_add_type(JsonBuilder *builder, const TypeRow *row)
{
    const VgpuNvidiaType *nv = row->nvidia;

    json_builder_begin_object(builder);
    json_add_string(builder, "id", row->id);
    json_add_string(builder, "name", row->name);
    json_add_string(builder, "description", row->description);
    json_add_string(builder, "device_api", row->device_api);
    json_add_int(builder, "available_instances", row->available);
    if (row->active >= 0)
        json_add_int(builder, "active_instances", row->active);
    json_builder_set_member_name(builder, "nvidia");
    if (!nv) {
        json_builder_add_null_value(builder);
    } else {
        char series[2] = { vgpu_nvidia_type_get_series(nv), '\0' };
        guint width, height;

        json_builder_begin_object(builder);
        json_add_string(builder, "board", vgpu_nvidia_type_get_board(nv));
        json_add_string(builder, "series", series[0] ? series : NULL);
        json_add_string(builder, "series_description",
                        vgpu_nvidia_type_get_series_description(nv));
        json_add_string(builder, "license",
                        vgpu_nvidia_type_get_license(nv));
        json_add_int(builder, "framebuffer_mib",
                     (gint64)nvidia_framebuffer_mib(nv));
        json_add_int(builder, "num_heads",
                     vgpu_nvidia_type_get_num_heads(nv));
        json_add_int(builder, "frl_config",
                     vgpu_nvidia_type_get_frl_config(nv));
        json_builder_set_member_name(builder, "max_resolution");
        if (vgpu_nvidia_type_get_max_resolution(nv, &width, &height)) {
            json_builder_begin_object(builder);
            json_add_int(builder, "width", width);
            json_add_int(builder, "height", height);
            json_builder_end_object(builder);
        } else {
            json_builder_add_null_value(builder);
        }
        json_add_int(builder, "max_instance",
                     vgpu_nvidia_type_get_max_instance(nv));
        json_builder_end_object(builder);
    }
    json_builder_end_object(builder);
}

/* Prints rows grouped by parent (rows are sorted by parent, then id). */
static void
print_types_json(GArray *rows, const char *source, const char *where)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();
    const char *current = NULL;

    json_builder_begin_object(builder);
    json_add_string(builder, "source", source);
    json_add_string(builder, g_str_equal(source, "sysfs") ? "root" : "uri",
                    where);
    json_builder_set_member_name(builder, "parents");
    json_builder_begin_array(builder);
    for (guint i = 0; i < rows->len; i++) {
        const TypeRow *row = &g_array_index(rows, TypeRow, i);

        if (!current || !g_str_equal(current, row->parent)) {
            if (current) {
                json_builder_end_array(builder);
                json_builder_end_object(builder);
            }
            current = row->parent;
            json_builder_begin_object(builder);
            json_add_string(builder, "name", row->parent);
            json_builder_set_member_name(builder, "types");
            json_builder_begin_array(builder);
        }
        json_add_type(builder, row);
    }
    if (current) {
        json_builder_end_array(builder);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    print_json(builder);
}

static void
add_type_text_row(Table *table, const TypeRow *row)
{
    const VgpuNvidiaType *nv = row->nvidia;
    g_autofree char *available = NULL;
    g_autofree char *framebuffer = NULL;
    g_autofree char *heads = NULL;
    g_autofree char *resolution = NULL;
    g_autofree char *series = NULL;
    guint width, height;

    available = row->active >= 0
                    ? g_strdup_printf("%u (%d active)", row->available,
                                      row->active)
                    : g_strdup_printf("%u", row->available);
    if (nv) {
        guint64 mib = nvidia_framebuffer_mib(nv);
        char letter = vgpu_nvidia_type_get_series(nv);

        if (mib)
            framebuffer = g_strdup_printf("%" G_GUINT64_FORMAT " MiB", mib);
        if (vgpu_nvidia_type_get_num_heads(nv))
            heads = g_strdup_printf("%u", vgpu_nvidia_type_get_num_heads(nv));
        if (vgpu_nvidia_type_get_max_resolution(nv, &width, &height))
            resolution = g_strdup_printf("%ux%u", width, height);
        if (letter)
            series = g_strdup_printf("%c (%s)", letter,
                                     vgpu_nvidia_type_get_license(nv));
    }
    table_add(table, 7, row->id, row->name ? row->name : row->description,
              available, framebuffer, heads, resolution, series);
}

static void
print_types_text(GArray *rows)
{
    g_autoptr(GHashTable) series_seen = g_hash_table_new(NULL, NULL);
    g_autoptr(GPtrArray) legend = g_ptr_array_new_with_free_func(g_free);
    const char *current = NULL;
    g_auto(Table) table = { 0 };

    for (guint i = 0; i <= rows->len; i++) {
        const TypeRow *row =
            i < rows->len ? &g_array_index(rows, TypeRow, i) : NULL;

        if (current && (!row || !g_str_equal(current, row->parent))) {
            printf("%s\n", current);
            table_print(&table, "  ");
            table_clear(&table);
            if (row)
                printf("\n");
        }
        if (!row)
            break;
        if (!current || !g_str_equal(current, row->parent)) {
            current = row->parent;
            table_add(&table, 7, "TYPE", "NAME", "AVAILABLE", "FRAMEBUFFER",
                      "HEADS", "MAX RESOLUTION", "SERIES (LICENCE)");
        }
        add_type_text_row(&table, row);
        if (row->nvidia && vgpu_nvidia_type_get_series(row->nvidia)) {
            char letter = vgpu_nvidia_type_get_series(row->nvidia);
            gpointer key = GINT_TO_POINTER((int)letter);

            if (!g_hash_table_contains(series_seen, key)) {
                g_hash_table_add(series_seen, key);
                g_ptr_array_add(
                    legend,
                    g_strdup_printf("  %c  %s", letter,
                                    vgpu_nvidia_type_get_series_description(
                                        row->nvidia)));
            }
        }
    }
    if (legend->len > 0) {
        g_ptr_array_sort(legend, (GCompareFunc)g_strcmp0);
        printf("\nNVIDIA vGPU series:\n");
        for (guint i = 0; i < legend->len; i++)
            printf("%s\n", (const char *)g_ptr_array_index(legend, i));
    }
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

static void
add_local_rows(GArray *rows, const VgpuParent *parent)
{
    GPtrArray *types = vgpu_parent_get_types(parent);

    for (guint j = 0; j < types->len; j++) {
        const VgpuMdevType *type = g_ptr_array_index(types, j);
        TypeRow row = {
            .parent = vgpu_parent_get_name(parent),
            .id = vgpu_mdev_type_get_id(type),
            .name = vgpu_mdev_type_get_name(type),
            .description = vgpu_mdev_type_get_description(type),
            .device_api = vgpu_mdev_type_get_device_api(type),
            .available = vgpu_mdev_type_get_available_instances(type),
            .active = (gint)vgpu_mdev_type_get_active_instances(type),
            .nvidia = vgpu_mdev_type_get_nvidia(type),
        };
        g_array_append_val(rows, row);
    }
}

static int
cmd_types(int argc, char **argv)
{
    g_autofree char *parent = NULL;
    g_autofree char *uri = NULL;
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "parent", 'p', 0, G_OPTION_ARG_STRING, &parent,
          "Only this parent device, e.g. 0000:05:00.0", "PARENT" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "Print JSON instead of a table", NULL },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          "Ask libvirt at URI (node-device API, works for remote hosts) "
          "instead of reading this host's sysfs",
          "URI" },
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "types", "",
        "List parent devices and the mdev types they offer.",
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
        "EXAMPLES\n"
        "  vgpuctl types\n"
        "  vgpuctl types --parent 0000:05:00.0 --json\n"
        "  vgpuctl types --connect qemu+ssh://root@gpuhost/system\n",
        entries);
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(TypeRow));
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) remote = NULL;
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *where = NULL;
    int status;

    if (!parse_options(context, "types", &argc, &argv, &status))
        return status;
    if (argc > 1)
        return usage_error("types", "unexpected argument \"%s\"", argv[1]);

    if (uri) {
        conn = vgpu_virt_connect(uri, &error);
        if (!conn)
            return fail(error);
        remote = vgpu_virt_list_node_mdev_types(conn, &error);
        if (!remote)
            return fail(error);
        for (guint i = 0; i < remote->len; i++) {
            const VgpuVirtMdevType *type = g_ptr_array_index(remote, i);
            TypeRow row = {
                .parent = vgpu_virt_mdev_type_get_parent(type),
                .id = vgpu_virt_mdev_type_get_id(type),
                .name = vgpu_virt_mdev_type_get_name(type),
                .device_api = vgpu_virt_mdev_type_get_device_api(type),
                .available = vgpu_virt_mdev_type_get_available_instances(type),
                .active = -1,
                .nvidia = vgpu_virt_mdev_type_get_nvidia(type),
            };
            if (parent && !g_str_equal(parent, row.parent))
                continue;
            g_array_append_val(rows, row);
        }
        if (parent && rows->len == 0) {
            fprintf(stderr,
                    "vgpuctl: no parent device \"%s\" with mdev types on "
                    "%s; 'vgpuctl types --connect %s' lists the parents\n",
                    parent, vgpu_virt_connection_get_uri(conn),
                    vgpu_virt_connection_get_uri(conn));
            return EXIT_FAILURE;
        }
        where = g_strdup(vgpu_virt_connection_get_uri(conn));
    } else {
        ctx = vgpu_context_new_from_env(&error);
        if (!ctx)
            return fail(error);
        if (parent) {
            VgpuParent *one = vgpu_discovery_get_parent(ctx, parent, &error);

            if (!one)
                return fail(error);
            parents = g_ptr_array_new_with_free_func(
                (GDestroyNotify)vgpu_parent_unref);
            g_ptr_array_add(parents, one);
        } else {
            parents = vgpu_discovery_list_parents(ctx, &error);
            if (!parents)
                return fail(error);
        }
        for (guint i = 0; i < parents->len; i++)
            add_local_rows(rows, g_ptr_array_index(parents, i));
        where = g_strdup(vgpu_context_get_root(ctx));
    }

    if (json) {
        print_types_json(rows, conn ? "libvirt" : "sysfs", where);
    } else if (rows->len == 0) {
        if (conn) {
            printf("no parent device offers mdev types on %s\n", where);
        } else {
            printf("no parent device offers mdev types (nothing in "
                   "/sys/class/mdev_bus); 'vgpuctl check' tells what is "
                   "missing\n");
        }
    } else {
        print_types_text(rows);
    }
    return EXIT_SUCCESS;
}

/* ---- list -------------------------------------------------------------- */

static char *
format_time(gint64 seconds, gboolean iso)
{
    g_autoptr(GDateTime) when = iso ? g_date_time_new_from_unix_utc(seconds)
                                    : g_date_time_new_from_unix_local(seconds);

    if (!when)
        return g_strdup("?");
    return iso ? g_date_time_format_iso8601(when)
               : g_date_time_format(when, "%Y-%m-%d %H:%M:%S");
}

/* Type id → name ("GRID P4-4Q") for nicer listings; empty if unreadable. */
static GHashTable *
type_names(VgpuContext *ctx)
{
    g_autoptr(GPtrArray) parents = vgpu_discovery_list_parents(ctx, NULL);
    GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal,
                                              g_free, g_free);

    for (guint i = 0; parents && i < parents->len; i++) {
        GPtrArray *types = vgpu_parent_get_types(g_ptr_array_index(parents, i));

        for (guint j = 0; j < types->len; j++) {
            const VgpuMdevType *type = g_ptr_array_index(types, j);

            if (vgpu_mdev_type_get_name(type))
                g_hash_table_replace(names,
                                     g_strdup(vgpu_mdev_type_get_id(type)),
                                     g_strdup(vgpu_mdev_type_get_name(type)));
        }
    }
    return names;
}

static int
cmd_list(int argc, char **argv)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "Print JSON instead of a table", NULL },
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "list", "",
        "List the active mediated devices and who created them.",
        "DESCRIPTION\n"
        "  Reads /sys/bus/mdev/devices/ and prints each mediated device with\n"
        "  its parent device, mdev type and owner: the domain it was created\n"
        "  for, from the ownership records libvgpu's hook keeps in\n"
        "  /run/libvgpu/, or \"not created by libvgpu\" (mdevctl, manual\n"
        "  echo > create, another tool: libvgpu never removes those).\n"
        "  Records whose device is gone are listed too; 'vgpuctl gc' drops\n"
        "  them. Does not contact libvirt.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl list\n"
        "  vgpuctl list --json | jq '.mdevs[].owner'\n",
        entries);
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GPtrArray) mdevs = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GHashTable) by_uuid = NULL;
    g_autoptr(GHashTable) names = NULL;
    g_autoptr(GPtrArray) stale = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    int status;

    if (!parse_options(context, "list", &argc, &argv, &status))
        return status;
    if (argc > 1)
        return usage_error("list", "unexpected argument \"%s\"", argv[1]);

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return fail(error);
    mdevs = vgpu_discovery_list_mdevs(ctx, &error);
    if (!mdevs)
        return fail(error);
    records = vgpu_state_list_records(ctx, NULL, &error);
    if (!records)
        return fail(error);
    names = type_names(ctx);

    by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < records->len; i++) {
        VgpuRecord *record = g_ptr_array_index(records, i);
        g_hash_table_insert(by_uuid, (gpointer)vgpu_record_get_uuid(record),
                            record);
    }
    for (guint i = 0; i < records->len; i++) {
        VgpuRecord *record = g_ptr_array_index(records, i);

        if (!vgpu_mdev_exists(ctx, vgpu_record_get_uuid(record)))
            g_ptr_array_add(stale, record);
    }

    if (json) {
        g_autoptr(JsonBuilder) builder = json_builder_new();

        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, "mdevs");
        json_builder_begin_array(builder);
        for (guint i = 0; i < mdevs->len; i++) {
            const VgpuMdev *mdev = g_ptr_array_index(mdevs, i);
            const VgpuRecord *record =
                g_hash_table_lookup(by_uuid, vgpu_mdev_get_uuid(mdev));

            json_builder_begin_object(builder);
            json_add_string(builder, "uuid", vgpu_mdev_get_uuid(mdev));
            json_add_string(builder, "parent", vgpu_mdev_get_parent_name(mdev));
            json_add_string(builder, "type", vgpu_mdev_get_type_id(mdev));
            json_add_string(builder, "type_name",
                            g_hash_table_lookup(names,
                                                vgpu_mdev_get_type_id(mdev)));
            json_builder_set_member_name(builder, "owner");
            if (record) {
                g_autofree char *created =
                    format_time(vgpu_record_get_created(record), TRUE);

                json_builder_begin_object(builder);
                json_add_string(builder, "domain",
                                vgpu_record_get_domain(record));
                json_add_string(builder, "created", created);
                json_builder_end_object(builder);
            } else {
                json_builder_add_null_value(builder);
            }
            json_builder_end_object(builder);
        }
        json_builder_end_array(builder);
        json_builder_set_member_name(builder, "stale_records");
        json_builder_begin_array(builder);
        for (guint i = 0; i < stale->len; i++) {
            const VgpuRecord *record = g_ptr_array_index(stale, i);

            json_builder_begin_object(builder);
            json_add_string(builder, "uuid", vgpu_record_get_uuid(record));
            json_add_string(builder, "domain", vgpu_record_get_domain(record));
            json_add_string(builder, "parent", vgpu_record_get_parent(record));
            json_add_string(builder, "type", vgpu_record_get_type_id(record));
            json_builder_end_object(builder);
        }
        json_builder_end_array(builder);
        json_builder_end_object(builder);
        print_json(builder);
        return EXIT_SUCCESS;
    }

    if (mdevs->len == 0) {
        printf("no mediated devices\n");
    } else {
        g_auto(Table) table = { 0 };

        table_add(&table, 4, "UUID", "PARENT", "TYPE", "OWNER");
        for (guint i = 0; i < mdevs->len; i++) {
            const VgpuMdev *mdev = g_ptr_array_index(mdevs, i);
            const char *type_id = vgpu_mdev_get_type_id(mdev);
            const char *type_name = g_hash_table_lookup(names, type_id);
            const VgpuRecord *record =
                g_hash_table_lookup(by_uuid, vgpu_mdev_get_uuid(mdev));
            g_autofree char *type = type_name
                                        ? g_strdup_printf("%s (%s)", type_id,
                                                          type_name)
                                        : g_strdup(type_id);
            g_autofree char *owner = NULL;

            if (record) {
                g_autofree char *created =
                    format_time(vgpu_record_get_created(record), FALSE);
                owner = g_strdup_printf("domain %s (created %s)",
                                        vgpu_record_get_domain(record),
                                        created);
            } else {
                owner = g_strdup("not created by libvgpu");
            }
            table_add(&table, 4, vgpu_mdev_get_uuid(mdev),
                      vgpu_mdev_get_parent_name(mdev), type, owner);
        }
        table_print(&table, "");
    }
    for (guint i = 0; i < stale->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(stale, i);

        printf("stale record: mediated device %s of domain %s is gone; "
               "'vgpuctl gc' drops the record\n",
               vgpu_record_get_uuid(record), vgpu_record_get_domain(record));
    }
    return EXIT_SUCCESS;
}

/* ---- requests ---------------------------------------------------------- */

static gboolean
request_has_uuid(GPtrArray *requests, const char *uuid)
{
    for (guint i = 0; i < requests->len; i++) {
        if (g_str_equal(vgpu_request_get_uuid(g_ptr_array_index(requests, i)),
                        uuid))
            return TRUE;
    }
    return FALSE;
}

static int
cmd_requests(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          "libvirt connection URI (default: LIBVIRT_DEFAULT_URI or "
          "libvirt's default)",
          "URI" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "Print JSON instead of a table", NULL },
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "requests", "",
        "List the libvirt domains that request vGPUs or use mdev hostdevs.",
        "DESCRIPTION\n"
        "  Asks libvirt for every domain and prints its vGPU requests (the\n"
        "  <vgpu:mdev> elements 'vgpuctl attach' wrote) with UUID, mdev type\n"
        "  and parent (\"any\": chosen at start), and mdev hostdevs that have\n"
        "  no request (\"not managed by libvgpu\"). A running domain shows\n"
        "  its live definition.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl requests\n"
        "  vgpuctl requests --connect qemu+ssh://root@gpuhost/system --json\n",
        entries);
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonBuilder) builder = json_builder_new();
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_auto(Table) table = { 0 };
    int status;

    if (!parse_options(context, "requests", &argc, &argv, &status))
        return status;
    if (argc > 1)
        return usage_error("requests", "unexpected argument \"%s\"", argv[1]);

    conn = vgpu_virt_connect(uri, &error);
    if (!conn)
        return fail(error);
    domains = vgpu_virt_list_domains(conn, VGPU_VIRT_LIST_MDEV_DOMAINS, &error);
    if (!domains)
        return fail(error);

    json_builder_begin_object(builder);
    json_add_string(builder, "uri", vgpu_virt_connection_get_uri(conn));
    json_builder_set_member_name(builder, "domains");
    json_builder_begin_array(builder);
    table_add(&table, 5, "DOMAIN", "STATE", "UUID", "TYPE", "PARENT");
    for (guint i = 0; i < domains->len; i++) {
        const VgpuVirtDomain *domain = g_ptr_array_index(domains, i);
        const char *name = vgpu_virt_domain_get_name(domain);
        const char *state =
            vgpu_virt_domain_is_active(domain) ? "running" : "shut off";
        GPtrArray *requests = vgpu_virt_domain_get_requests(domain);
        GPtrArray *hostdevs = vgpu_virt_domain_get_mdev_hostdevs(domain);
        const char *problem = vgpu_virt_domain_get_request_error(domain);

        json_builder_begin_object(builder);
        json_add_string(builder, "name", name);
        json_add_string(builder, "uuid", vgpu_virt_domain_get_uuid(domain));
        json_builder_set_member_name(builder, "active");
        json_builder_add_boolean_value(builder,
                                       vgpu_virt_domain_is_active(domain));
        json_builder_set_member_name(builder, "persistent");
        json_builder_add_boolean_value(builder,
                                       vgpu_virt_domain_is_persistent(domain));
        json_add_string(builder, "request_error", problem);
        json_builder_set_member_name(builder, "requests");
        json_builder_begin_array(builder);
        for (guint j = 0; j < requests->len; j++) {
            const VgpuRequest *request = g_ptr_array_index(requests, j);

            json_builder_begin_object(builder);
            json_add_string(builder, "uuid", vgpu_request_get_uuid(request));
            json_add_string(builder, "type", vgpu_request_get_type_id(request));
            json_add_string(builder, "parent",
                            vgpu_request_get_parent(request));
            json_builder_end_object(builder);
            table_add(&table, 5, name, state, vgpu_request_get_uuid(request),
                      vgpu_request_get_type_id(request),
                      vgpu_request_get_parent(request)
                          ? vgpu_request_get_parent(request)
                          : "any");
        }
        json_builder_end_array(builder);
        json_builder_set_member_name(builder, "unmanaged_mdev_hostdevs");
        json_builder_begin_array(builder);
        for (guint j = 0; j < hostdevs->len; j++) {
            const char *uuid = g_ptr_array_index(hostdevs, j);

            if (request_has_uuid(requests, uuid))
                continue;
            json_builder_add_string_value(builder, uuid);
            table_add(&table, 5, name, state, uuid, "(not managed by libvgpu)",
                      NULL);
        }
        json_builder_end_array(builder);
        json_builder_end_object(builder);
        if (problem) {
            table_add(&table, 5, name, state, "(invalid libvgpu metadata)",
                      NULL, NULL);
            g_ptr_array_add(problems, g_strdup_printf("%s: %s", name,
                                                      problem));
        }
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);

    if (json)
        print_json(builder);
    else if (domains->len == 0)
        printf("no domain on %s requests a vGPU\n",
               vgpu_virt_connection_get_uri(conn));
    else
        table_print(&table, "");
    for (guint i = 0; !json && i < problems->len; i++)
        printf("%s\n", (const char *)g_ptr_array_index(problems, i));
    return EXIT_SUCCESS;
}

/* ---- attach / detach --------------------------------------------------- */

static int
cmd_attach(int argc, char **argv)
{
    g_autofree char *type_id = NULL;
    g_autofree char *parent = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *uri = NULL;
    gboolean display = FALSE, ramfb = FALSE, force = FALSE;
    const GOptionEntry entries[] = {
        { "type", 't', 0, G_OPTION_ARG_STRING, &type_id,
          "mdev type to create at start, e.g. nvidia-65 (required; see "
          "'vgpuctl types')",
          "TYPE" },
        { "parent", 'p', 0, G_OPTION_ARG_STRING, &parent,
          "Create it on this parent device only (default: chosen at start "
          "by placement policy)",
          "PARENT" },
        { "uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid,
          "mdev UUID (default: name-based, derived from the domain UUID "
          "and the vGPU's index, stable across redefinitions and hosts)",
          "UUID" },
        { "display", 0, 0, G_OPTION_ARG_NONE, &display,
          "Expose the vGPU's display (hostdev display='on'; needs a "
          "<graphics> device)",
          NULL },
        { "ramfb", 0, 0, G_OPTION_ARG_NONE, &ramfb,
          "Add a ramfb boot display (ramfb='on'; needs --display)", NULL },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &force,
          "Do not check that the host offers the type", NULL },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          "libvirt connection URI (default: LIBVIRT_DEFAULT_URI or "
          "libvirt's default)",
          "URI" },
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "attach", "DOMAIN --type TYPE",
        "Request a vGPU (mediated device) for a defined libvirt domain.",
        "DESCRIPTION\n"
        "  Edits the persistent definition of DOMAIN through libvirt\n"
        "  (virDomainGetXMLDesc, virDomainDefineXML): adds the request\n"
        "    <vgpu:mdev uuid=... type=TYPE [parent=PARENT]/>\n"
        "  to <metadata> (namespace urn:libvgpu:domain:1) and a\n"
        "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
        "  with the same UUID to <devices>. Nothing is created now: the hook\n"
        "  creates the mediated device when the domain starts and removes it\n"
        "  when the domain stops. A running domain gets the vGPU at its next\n"
        "  start. Prints the UUID of the request.\n"
        "\n"
        "  Unless --force is given, TYPE (on PARENT, if given) must be\n"
        "  offered by the host: for a local libvirt, as 'vgpuctl types'\n"
        "  shows it; for a remote one, through libvirt's node-device API.\n"
        "  Only persistent domains can be edited; transient ones are refused.\n"
        "  Attaching again adds another vGPU with the next default UUID.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl attach win11 --type nvidia-65\n"
        "  vgpuctl attach win11 --type nvidia-65 --parent 0000:05:00.0 "
        "--display --ramfb\n"
        "  vgpuctl attach vm1 --type mtty-1 --uuid "
        "9d2e9b5e-8f4b-4c53-a2f4-3b5d1fa7c001\n",
        entries);
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *attached = NULL;
    VgpuHostdevFlags hostdev_flags = VGPU_HOSTDEV_NONE;
    const char *domain;
    int status;

    if (!parse_options(context, "attach", &argc, &argv, &status))
        return status;
    if (argc < 2)
        return usage_error("attach", "missing DOMAIN");
    if (argc > 2)
        return usage_error("attach", "unexpected argument \"%s\"", argv[2]);
    if (!type_id)
        return usage_error("attach", "missing --type TYPE");
    if (ramfb && !display)
        return usage_error("attach", "--ramfb needs --display");
    domain = argv[1];
    if (display)
        hostdev_flags |= VGPU_HOSTDEV_DISPLAY;
    if (ramfb)
        hostdev_flags |= VGPU_HOSTDEV_RAMFB;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return fail(error);
    conn = open_libvirt(uri, ctx, &error);
    if (!conn)
        return fail(error);
    attached = vgpu_virt_attach(conn, domain, type_id, parent, uuid,
                                hostdev_flags,
                                force ? VGPU_VIRT_ATTACH_FORCE
                                      : VGPU_VIRT_ATTACH_NONE,
                                &error);
    if (!attached)
        return fail(error);
    printf("%s\n", attached);
    return EXIT_SUCCESS;
}

static int
cmd_detach(int argc, char **argv)
{
    g_autofree char *uuid = NULL;
    g_autofree char *uri = NULL;
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        { "uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid,
          "Remove the request with this mdev UUID", "UUID" },
        { "all", 'a', 0, G_OPTION_ARG_NONE, &all,
          "Remove every vGPU request of the domain", NULL },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          "libvirt connection URI (default: LIBVIRT_DEFAULT_URI or "
          "libvirt's default)",
          "URI" },
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "detach", "DOMAIN --uuid UUID | --all",
        "Remove vGPU requests from a defined libvirt domain.",
        "DESCRIPTION\n"
        "  Removes the <vgpu:mdev> request and the mdev hostdev with the same\n"
        "  UUID from the persistent definition of DOMAIN (one with --uuid,\n"
        "  every one with --all) and prints the UUIDs removed. An mdev\n"
        "  hostdev that has no libvgpu request was not written by vgpuctl and\n"
        "  is left alone. A running domain keeps its vGPU until it stops;\n"
        "  the hook then removes the mediated device it created.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl detach win11 --all\n"
        "  vgpuctl detach win11 --uuid 9d2e9b5e-8f4b-4c53-a2f4-3b5d1fa7c001\n",
        entries);
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) removed = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!parse_options(context, "detach", &argc, &argv, &status))
        return status;
    if (argc < 2)
        return usage_error("detach", "missing DOMAIN");
    if (argc > 2)
        return usage_error("detach", "unexpected argument \"%s\"", argv[2]);
    if (!uuid == !all)
        return usage_error("detach", "give either --uuid UUID or --all");

    conn = vgpu_virt_connect(uri, &error);
    if (!conn)
        return fail(error);
    if (!vgpu_virt_detach(conn, argv[1], uuid, &removed, &error))
        return fail(error);
    for (guint i = 0; i < removed->len; i++)
        printf("%s\n", (const char *)g_ptr_array_index(removed, i));
    return EXIT_SUCCESS;
}

/* ---- gc ---------------------------------------------------------------- */

/* Names of the running domains, or %NULL (with a warning) if libvirt
 * cannot tell. */
static GHashTable *
active_domains(const char *uri)
{
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GError) error = NULL;
    GHashTable *active;

    conn = vgpu_virt_connect(uri, &error);
    if (conn)
        domains = vgpu_virt_list_domains(conn, VGPU_VIRT_LIST_ALL, &error);
    if (!domains) {
        warn("cannot ask libvirt which domains are running (%s); only "
             "records of mediated devices that are gone are dropped",
             error->message);
        return NULL;
    }
    active = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < domains->len; i++) {
        const VgpuVirtDomain *domain = g_ptr_array_index(domains, i);

        if (vgpu_virt_domain_is_active(domain))
            g_hash_table_add(active,
                             g_strdup(vgpu_virt_domain_get_name(domain)));
    }
    return active;
}

static int
cmd_gc(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    gboolean dry_run = FALSE;
    const GOptionEntry entries[] = {
        { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
          "Only say what would be done", NULL },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          "libvirt connection URI to ask which domains run (default: "
          "LIBVIRT_DEFAULT_URI or libvirt's default)",
          "URI" },
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "gc", "",
        "Remove leftovers: stale ownership records and orphaned mediated "
        "devices.",
        "DESCRIPTION\n"
        "  Under the host lock (/run/libvgpu/lock, the one the hook takes):\n"
        "  - drops ownership records whose mediated device is gone;\n"
        "  - removes mediated devices that libvgpu created for a domain that\n"
        "    is not running any more (e.g. the hook's removal timed out\n"
        "    because the device was busy), then drops their records.\n"
        "  Devices libvgpu did not create are never touched. Which domains\n"
        "  run is asked from libvirt before the lock is taken (a hook inside\n"
        "  libvirtd may hold a domain while it waits for the lock), and\n"
        "  records newer than that question are left alone. If libvirt\n"
        "  cannot be reached, only records of vanished devices are dropped\n"
        "  and a warning says so.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl gc --dry-run\n"
        "  vgpuctl gc\n",
        entries);
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GHashTable) active = NULL;
    g_autoptr(VgpuHostLock) lock = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GError) error = NULL;
    guint changed = 0, failed = 0;
    gint64 asked;
    int status;

    if (!parse_options(context, "gc", &argc, &argv, &status))
        return status;
    if (argc > 1)
        return usage_error("gc", "unexpected argument \"%s\"", argv[1]);

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return fail(error);
    config = vgpu_config_load(ctx, &error);
    if (!config)
        return fail(error);
    vgpu_context_set_remove_timeout(ctx,
                                    vgpu_config_get_remove_timeout(config));

    asked = g_get_real_time() / G_USEC_PER_SEC;
    active = active_domains(uri);

    if (!dry_run) {
        lock = vgpu_state_lock_host(ctx, &error);
        if (!lock)
            return fail(error);
    }
    records = vgpu_state_list_records(ctx, NULL, &error);
    if (!records)
        return fail(error);

    for (guint i = 0; i < records->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(records, i);
        const char *uuid = vgpu_record_get_uuid(record);
        const char *domain = vgpu_record_get_domain(record);
        g_autoptr(GError) local = NULL;

        if (!vgpu_mdev_exists(ctx, uuid)) {
            printf("%s the record of mediated device %s (domain %s): the "
                   "device is gone\n",
                   dry_run ? "would drop" : "dropped", uuid, domain);
            if (!dry_run && !vgpu_state_delete_record(ctx, uuid, &local)) {
                print_error(local->message);
                failed++;
                continue;
            }
            changed++;
            continue;
        }
        if (!active || g_hash_table_contains(active, domain) ||
            vgpu_record_get_created(record) >= asked)
            continue;

        printf("%s mediated device %s of domain %s, which is not running\n",
               dry_run ? "would remove" : "removing", uuid, domain);
        if (dry_run) {
            changed++;
            continue;
        }
        if (!vgpu_mdev_remove(ctx, uuid, &local) &&
            !g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND)) {
            print_error(local->message);
            failed++;
            continue;
        }
        g_clear_error(&local);
        if (!vgpu_state_delete_record(ctx, uuid, &local)) {
            print_error(local->message);
            failed++;
            continue;
        }
        changed++;
    }
    if (changed == 0 && failed == 0)
        printf("nothing to collect\n");
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- install-hook ------------------------------------------------------ */

static gboolean
same_contents(const char *a, const char *b)
{
    g_autofree char *data_a = NULL;
    g_autofree char *data_b = NULL;
    gsize len_a, len_b;

    return g_file_get_contents(a, &data_a, &len_a, NULL) &&
           g_file_get_contents(b, &data_b, &len_b, NULL) && len_a == len_b &&
           memcmp(data_a, data_b, len_a) == 0;
}

/* Is @dest already the hook we would install? */
static gboolean
hook_is_installed(const char *dest, const char *program, gboolean copy)
{
    g_autofree char *target = NULL;

    if (copy)
        return !g_file_test(dest, G_FILE_TEST_IS_SYMLINK) &&
               same_contents(dest, program);
    target = g_file_read_link(dest, NULL);
    return target && g_str_equal(target, program);
}

static gboolean
write_hook(const char *dir, const char *dest, const char *program,
           gboolean copy, GError **error)
{
    g_autofree char *tmp = NULL;
    g_autofree char *data = NULL;
    gsize len;

    if (copy) {
        if (!g_file_get_contents(program, &data, &len, error))
            return FALSE;
        return g_file_set_contents_full(dest, data, (gssize)len,
                                        G_FILE_SET_CONTENTS_CONSISTENT, 0755,
                                        error);
    }

    /* A symlink beside the destination, renamed over it: atomic. */
    tmp = g_strdup_printf("%s/.%s.tmp-%d", dir, HOOK_NAME, (int)getpid());
    unlink(tmp);
    if (symlink(program, tmp) < 0 || rename(tmp, dest) < 0) {
        int saved = errno;

        unlink(tmp);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot link %s to %s: %s", dest, program,
                    g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

static int
cmd_install_hook(int argc, char **argv)
{
    g_autofree char *hooks_dir = NULL;
    g_autofree char *program_arg = NULL;
    gboolean copy = FALSE, force = FALSE;
    const GOptionEntry entries[] = {
        { "hooks-dir", 'd', 0, G_OPTION_ARG_FILENAME, &hooks_dir,
          "Install into DIR instead of /etc/libvirt/hooks/qemu.d under "
          "LIBVGPU_ROOT",
          "DIR" },
        { "hook-program", 0, 0, G_OPTION_ARG_FILENAME, &program_arg,
          "The hook to install (default: " VGPU_HOOK_PATH ")", "PATH" },
        { "copy", 0, 0, G_OPTION_ARG_NONE, &copy,
          "Copy the program instead of linking to it", NULL },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &force,
          "Replace an existing, different qemu.d/vgpu", NULL },
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "install-hook", "",
        "Install the libvgpu hook as /etc/libvirt/hooks/qemu.d/vgpu.",
        "DESCRIPTION\n"
        "  Links (or, with --copy, copies) the installed vgpu-hook to\n"
        "  /etc/libvirt/hooks/qemu.d/vgpu, creating qemu.d/ if needed.\n"
        "  libvirt >= 6.5 runs every executable in qemu.d/ after\n"
        "  /etc/libvirt/hooks/qemu (libvirt docs/hooks.rst); an existing\n"
        "  hooks/qemu script is never touched. An existing qemu.d/vgpu that\n"
        "  is not this hook is not replaced without --force.\n"
        "\n"
        "  libvirtd only notices hooks that exist when it starts: restart it\n"
        "  afterwards ('systemctl restart libvirtd', or virtqemud on hosts\n"
        "  with modular daemons).\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl install-hook && systemctl restart libvirtd\n"
        "  vgpuctl install-hook --copy --hooks-dir /mnt/image/etc/libvirt/"
        "hooks/qemu.d\n",
        entries);
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *program = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *dest = NULL;
    g_autofree char *legacy_dir = NULL;
    g_autofree char *legacy = NULL;
    int status;

    if (!parse_options(context, "install-hook", &argc, &argv, &status))
        return status;
    if (argc > 1)
        return usage_error("install-hook", "unexpected argument \"%s\"",
                           argv[1]);

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return fail(error);
    program = g_canonicalize_filename(program_arg ? program_arg
                                                  : VGPU_HOOK_PATH,
                                      NULL);
    if (!g_file_test(program, G_FILE_TEST_IS_REGULAR) ||
        !g_file_test(program, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr,
                "vgpuctl: the hook program %s is missing or not "
                "executable; install libvgpu ('meson install') or name it "
                "with --hook-program\n",
                program);
        return EXIT_FAILURE;
    }
    dir = hooks_dir ? g_canonicalize_filename(hooks_dir, NULL)
                    : vgpu_context_build_path(ctx, HOOKS_DIR);
    dest = g_build_filename(dir, HOOK_NAME, NULL);

    if (g_file_test(dest, G_FILE_TEST_EXISTS) ||
        g_file_test(dest, G_FILE_TEST_IS_SYMLINK)) {
        if (hook_is_installed(dest, program, copy)) {
            printf("the libvgpu hook is already installed: %s\n", dest);
            return EXIT_SUCCESS;
        }
        if (!force) {
            fprintf(stderr,
                    "vgpuctl: refusing to replace %s: it exists and is not "
                    "%s %s; look at it, then remove it or pass --force\n",
                    dest, copy ? "a copy of" : "a link to", program);
            return EXIT_FAILURE;
        }
    }

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int saved = errno;

        fprintf(stderr, "vgpuctl: cannot create %s: %s\n", dir,
                g_strerror(saved));
        return EXIT_FAILURE;
    }
    if (!write_hook(dir, dest, program, copy, &error))
        return fail(error);

    printf("installed the libvgpu hook: %s %s %s\n", dest,
           copy ? "copied from" : "->", program);
    legacy_dir = g_path_get_dirname(dir);
    legacy = g_build_filename(legacy_dir, "qemu", NULL);
    if (g_file_test(legacy, G_FILE_TEST_EXISTS))
        printf("left the existing %s untouched; libvirt runs it before the "
               "hooks in qemu.d/\n",
               legacy);
    printf("%s\n", restart_hint);
    return EXIT_SUCCESS;
}

/* ---- check ------------------------------------------------------------- */

typedef struct {
    VgpuContext *ctx;
    guint problems;
    guint warnings;
} Check;

typedef enum {
    CHECK_OK,
    CHECK_WARN,
    CHECK_FAIL,
} CheckLevel;

static void G_GNUC_PRINTF(3, 4)
report(Check *check, CheckLevel level, const char *format, ...)
{
    static const char *const labels[] = { "ok", "warning", "FAIL" };
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    if (level == CHECK_FAIL)
        check->problems++;
    else if (level == CHECK_WARN)
        check->warnings++;
    printf("%-8s %s\n", labels[level], message);
}

static gboolean
host_exists(Check *check, const char *relative)
{
    g_autofree char *path = vgpu_context_build_path(check->ctx, relative);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* A sysfs attribute, trimmed; %NULL if absent. */
static char *
read_attribute(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strstrip(text);
}

static guint64
hex_attribute(const char *dir, const char *name)
{
    g_autofree char *text = read_attribute(dir, name);

    return text ? g_ascii_strtoull(text, NULL, 16) : G_MAXUINT64;
}

static void
check_modules(Check *check)
{
    if (host_exists(check, "sys/module/vfio"))
        report(check, CHECK_OK, "the vfio module is loaded");
    else
        report(check, CHECK_FAIL,
               "the vfio module is not loaded (no /sys/module/vfio), so QEMU "
               "cannot use a mediated device: 'modprobe vfio "
               "vfio_iommu_type1', or boot a kernel with CONFIG_VFIO");

    if (host_exists(check, "sys/module/vfio_iommu_type1") ||
        host_exists(check, "sys/module/iommufd"))
        report(check, CHECK_OK, "a VFIO IOMMU backend is loaded");
    else
        report(check, CHECK_WARN,
               "neither vfio_iommu_type1 nor iommufd is loaded; QEMU needs "
               "one to open a VFIO device: 'modprobe vfio_iommu_type1'");

    if (host_exists(check, "sys/class/mdev_bus") ||
        host_exists(check, "sys/module/mdev") ||
        host_exists(check, "sys/module/vfio_mdev"))
        report(check, CHECK_OK, "the mdev core is loaded");
    else
        report(check, CHECK_FAIL,
               "the mdev core is not loaded (no /sys/class/mdev_bus, no "
               "/sys/module/mdev): a vendor driver with mdev support loads "
               "it (NVIDIA vGPU manager, i915 GVT-g, mtty), or 'modprobe "
               "mdev'");
}

/* Names of the parents that offer at least one type. */
static GHashTable *
check_parents(Check *check)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parents = vgpu_discovery_list_parents(check->ctx,
                                                               &error);
    GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal,
                                              g_free, NULL);
    g_autoptr(GString) summary = g_string_new(NULL);

    if (!parents) {
        report(check, CHECK_FAIL, "%s", error->message);
        return names;
    }
    for (guint i = 0; i < parents->len; i++) {
        const VgpuParent *parent = g_ptr_array_index(parents, i);
        guint types = vgpu_parent_get_types(parent)->len;

        if (types == 0)
            continue;
        g_hash_table_add(names, g_strdup(vgpu_parent_get_name(parent)));
        g_string_append_printf(summary, "%s%s (%u type%s)",
                               summary->len ? ", " : "",
                               vgpu_parent_get_name(parent), types,
                               types == 1 ? "" : "s");
    }
    if (g_hash_table_size(names) > 0)
        report(check, CHECK_OK, "%u parent device%s offer%s mdev types: %s",
               g_hash_table_size(names),
               g_hash_table_size(names) == 1 ? "" : "s",
               g_hash_table_size(names) == 1 ? "s" : "", summary->str);
    else
        report(check, CHECK_FAIL,
               "no parent device offers mdev types (nothing in "
               "/sys/class/mdev_bus)");
    return names;
}

/* Is @pci_dir, or one of its SR-IOV virtual functions, a parent? */
static gboolean
gpu_offers_types(const char *pci_dir, const char *address, GHashTable *parents)
{
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (g_hash_table_contains(parents, address))
        return TRUE;
    dir = g_dir_open(pci_dir, 0, NULL);
    while (dir && (entry = g_dir_read_name(dir))) {
        g_autofree char *link = NULL;
        g_autofree char *target = NULL;
        g_autofree char *vf = NULL;

        if (!g_str_has_prefix(entry, "virtfn"))
            continue;
        link = g_build_filename(pci_dir, entry, NULL);
        target = g_file_read_link(link, NULL);
        if (!target)
            continue;
        vf = g_path_get_basename(target);
        if (g_hash_table_contains(parents, vf))
            return TRUE;
    }
    return FALSE;
}

static void
check_nvidia_gpu(Check *check, const char *pci_dir, const char *address,
                 GHashTable *parents)
{
    g_autofree char *driver_link = g_build_filename(pci_dir, "driver", NULL);
    g_autofree char *driver_target = g_file_read_link(driver_link, NULL);
    g_autofree char *driver =
        driver_target ? g_path_get_basename(driver_target) : NULL;
    g_autofree char *vendor_dir = g_build_filename(pci_dir, "nvidia", NULL);
    guint64 device = hex_attribute(pci_dir, "device");
    g_autofree char *id = g_strdup_printf("10de:%04" G_GINT64_MODIFIER "x",
                                          device & 0xffff);

    if (gpu_offers_types(pci_dir, address, parents)) {
        report(check, CHECK_OK, "NVIDIA GPU %s (%s) is in vGPU mode", address,
               id);
        return;
    }
    if (g_file_test(vendor_dir, G_FILE_TEST_IS_DIR)) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) has an nvidia/ vGPU directory but no "
               "mdev_supported_types: its vGPU manager uses NVIDIA's "
               "vendor-specific VFIO framework instead of mdev, which "
               "libvgpu does not manage",
               address, id);
    } else if (g_strcmp0(driver, "nvidia") == 0) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: no "
               "mdev_supported_types; it is bound to the 'nvidia' driver "
               "without the vGPU manager: install the NVIDIA vGPU manager "
               "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run, from the NVIDIA "
               "Licensing Portal) and reboot; on GPUs with SR-IOV (Ampere "
               "and newer) then enable the virtual functions with "
               "'/usr/lib/nvidia/sriov-manage -e ALL'. If this machine is "
               "itself a virtual machine with the GPU passed through, set "
               "up vGPU on the physical host instead",
               address, id);
    } else if (g_strcmp0(driver, "vfio-pci") == 0) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: it is bound to "
               "vfio-pci for whole-GPU passthrough. Give it back to the host "
               "('virsh nodedev-reattach', or drop it from vfio-pci.ids) and "
               "install the NVIDIA vGPU manager "
               "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run)",
               address, id);
    } else if (driver) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: it is bound to the "
               "'%s' driver. Blacklist it and install the NVIDIA vGPU "
               "manager (NVIDIA-Linux-x86_64-*-vgpu-kvm.run)",
               address, id, driver);
    } else {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: no driver is bound. "
               "Install the NVIDIA vGPU manager "
               "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run) and reboot",
               address, id);
    }
}

/* NVIDIA display controllers (class 0x03xxxx) that are physical
 * functions; virtual functions are judged with their PF. */
static void
check_nvidia_gpus(Check *check, GHashTable *parents)
{
    g_autofree char *devices = vgpu_context_build_path(check->ctx,
                                                       "sys/bus/pci/devices");
    g_autoptr(GDir) dir = g_dir_open(devices, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;
    guint found = 0;

    while (dir && (entry = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(entry));
    g_ptr_array_sort(names, compare_strings);

    for (guint i = 0; i < names->len; i++) {
        const char *address = g_ptr_array_index(names, i);
        g_autofree char *pci_dir = g_build_filename(devices, address, NULL);
        g_autofree char *physfn = g_build_filename(pci_dir, "physfn", NULL);

        if (hex_attribute(pci_dir, "vendor") != 0x10de ||
            (hex_attribute(pci_dir, "class") >> 16) != 0x03 ||
            g_file_test(physfn, G_FILE_TEST_EXISTS))
            continue;
        check_nvidia_gpu(check, pci_dir, address, parents);
        found++;
    }
    if (found == 0 && g_hash_table_size(parents) == 0)
        report(check, CHECK_WARN,
               "no NVIDIA GPU on the PCI bus (/sys/bus/pci/devices)");
}

static void
check_hook(Check *check)
{
    g_autofree char *relative = g_build_filename(HOOKS_DIR, HOOK_NAME, NULL);
    g_autofree char *path = vgpu_context_build_path(check->ctx, relative);
    g_autofree char *shown = g_strconcat("/", relative, NULL);
    g_autofree char *target = g_file_read_link(path, NULL);

    if (!g_file_test(path, G_FILE_TEST_EXISTS) &&
        !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        report(check, CHECK_FAIL,
               "the libvgpu hook is not installed (no %s): run 'vgpuctl "
               "install-hook', then restart libvirtd",
               shown);
    } else if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) ||
               !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
        report(check, CHECK_FAIL,
               "%s is not an executable file%s%s%s: run 'vgpuctl "
               "install-hook --force'",
               shown, target ? " (a link to " : "", target ? target : "",
               target ? ")" : "");
    } else {
        report(check, CHECK_OK,
               "the hook is installed: %s%s%s (libvirtd must have been "
               "restarted since)",
               shown, target ? " -> " : "", target ? target : "");
    }
}

static void
check_config_and_state(Check *check)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = vgpu_config_load(check->ctx, &error);
    g_autoptr(GPtrArray) records = NULL;
    guint stale = 0;

    if (config)
        report(check, CHECK_OK, "configuration /%s: placement %s, %s",
               VGPU_CONFIG_PATH,
               vgpu_placement_policy_to_string(
                   vgpu_config_get_placement(config)),
               vgpu_config_get_allowed_parents(config)
                   ? "parents restricted by an allow-list"
                   : "every parent allowed");
    else
        report(check, CHECK_FAIL, "%s", error->message);

    g_clear_error(&error);
    records = vgpu_state_list_records(check->ctx, NULL, &error);
    if (!records) {
        report(check, CHECK_WARN, "%s", error->message);
        return;
    }
    for (guint i = 0; i < records->len; i++) {
        if (!vgpu_mdev_exists(check->ctx, vgpu_record_get_uuid(
                                              g_ptr_array_index(records, i))))
            stale++;
    }
    if (stale > 0)
        report(check, CHECK_WARN,
               "%u ownership record%s in /run/libvgpu name%s mediated "
               "devices that are gone: 'vgpuctl gc' drops them",
               stale, stale == 1 ? "" : "s", stale == 1 ? "s" : "");
}

static int
cmd_check(int argc, char **argv)
{
    const GOptionEntry entries[] = {
        { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = command_context(
        "check", "",
        "Check whether this host is ready to give vGPUs to libvirt domains.",
        "DESCRIPTION\n"
        "  Checks, without changing anything and without contacting libvirt:\n"
        "  - the vfio module, a VFIO IOMMU backend and the mdev core;\n"
        "  - parent devices offering mdev types (/sys/class/mdev_bus);\n"
        "  - every NVIDIA GPU (PCI vendor 10de, display class): is it in\n"
        "    vGPU mode, and if not why (plain 'nvidia' driver without the\n"
        "    vGPU manager, vfio-pci passthrough binding, nouveau, ...) and\n"
        "    what to install or change;\n"
        "  - the hook in /etc/libvirt/hooks/qemu.d/vgpu;\n"
        "  - /etc/libvgpu/libvgpu.conf and stale ownership records.\n"
        "  Each finding is one line starting with ok, warning or FAIL.\n"
        "  Exits 1 if anything FAILed (the host is not ready), else 0.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl check\n"
        "  LIBVGPU_ROOT=/mnt/image vgpuctl check\n",
        entries);
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GHashTable) parents = NULL;
    g_autoptr(GError) error = NULL;
    Check check = { 0 };
    int status;

    if (!parse_options(context, "check", &argc, &argv, &status))
        return status;
    if (argc > 1)
        return usage_error("check", "unexpected argument \"%s\"", argv[1]);

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return fail(error);
    check.ctx = ctx;
    if (!g_str_equal(vgpu_context_get_root(ctx), "/"))
        printf("host root: %s\n", vgpu_context_get_root(ctx));

    check_modules(&check);
    parents = check_parents(&check);
    check_nvidia_gpus(&check, parents);
    check_hook(&check);
    check_config_and_state(&check);

    if (check.problems > 0) {
        printf("not ready: %u problem%s (FAIL lines above)\n", check.problems,
               check.problems == 1 ? "" : "s");
        return EXIT_FAILURE;
    }
    printf("ready%s\n", check.warnings ? " (see the warnings above)" : "");
    return EXIT_SUCCESS;
}

/* ---- main -------------------------------------------------------------- */

static const Command commands[] = {
    { "types", "list parent devices and the mdev types they offer",
      cmd_types },
    { "list", "list active mediated devices and who created them",
      cmd_list },
    { "requests", "list the domains that request vGPUs", cmd_requests },
    { "attach", "request a vGPU for a defined domain", cmd_attach },
    { "detach", "remove vGPU requests from a defined domain", cmd_detach },
    { "gc", "remove stale records and orphaned mediated devices", cmd_gc },
    { "install-hook", "install the libvirt hook into qemu.d/",
      cmd_install_hook },
    { "check", "check whether the host is ready for vGPUs", cmd_check },
};

static void
print_main_help(void)
{
    printf("NAME\n"
           "  vgpuctl - mediated devices (NVIDIA vGPU and any mdev) for "
           "libvirt domains\n"
           "\n"
           "SYNOPSIS\n"
           "  vgpuctl COMMAND [OPTION…] [ARGUMENT…]\n"
           "  vgpuctl help [COMMAND]\n"
           "  vgpuctl --help | --version\n"
           "\n"
           "DESCRIPTION\n"
           "  vgpuctl shows what the host's GPUs offer and records, in a\n"
           "  libvirt domain's definition, which mdev type the domain wants.\n"
           "  The libvgpu hook (installed by 'vgpuctl install-hook') then\n"
           "  creates the mediated device when the domain starts and removes\n"
           "  it when the domain stops: no rc.local, no uuidgen, no\n"
           "  hand-edited XML, and nothing to redo after a reboot.\n"
           "\n"
           "COMMANDS\n");
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
        printf("  %-14s%s\n", commands[i].name, commands[i].summary);
    printf("\n"
           "  'vgpuctl COMMAND --help' describes a command and its options.\n"
           "\n"
           "EXAMPLES\n"
           "  vgpuctl check\n"
           "  vgpuctl types\n"
           "  vgpuctl install-hook && systemctl restart libvirtd\n"
           "  vgpuctl attach win11 --type nvidia-65\n"
           "  virsh start win11\n"
           "\n"
           "%s"
           "\n"
           "SEE ALSO\n"
           "  virsh(1), mdevctl(8); libvirt docs/hooks.rst; kernel\n"
           "  Documentation/driver-api/vfio-mediated-device.rst\n",
           help_footer);
}

static const Command *
find_command(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (g_str_equal(commands[i].name, name))
            return &commands[i];
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    const Command *command;

    setlocale(LC_ALL, "");
    if (argc < 2)
        return usage_error(NULL, "missing COMMAND");

    if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h")) {
        print_main_help();
        return EXIT_SUCCESS;
    }
    if (g_str_equal(argv[1], "--version")) {
        printf("vgpuctl %s\n", VGPU_VERSION);
        return EXIT_SUCCESS;
    }
    if (g_str_equal(argv[1], "help")) {
        char *help_argv[] = { NULL, (char *)"--help", NULL };

        if (argc == 2) {
            print_main_help();
            return EXIT_SUCCESS;
        }
        command = find_command(argv[2]);
        if (!command || argc > 3)
            return usage_error(NULL, "unknown command \"%s\"", argv[2]);
        help_argv[0] = argv[2];
        return command->run(2, help_argv);
    }

    command = find_command(argv[1]);
    if (!command)
        return usage_error(NULL, "unknown command \"%s\"", argv[1]);
    return command->run(argc - 1, argv + 1);
}
