/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl list, gc - the active mediated devices with the ownership
 * records libvgpu's hook keeps for them, and collecting what is left over.
 */
#include "vgpuctl-commands.h"
#include "vgpuctl-output.h"

#include <stdio.h>

/* ---- list -------------------------------------------------------------- */

/* The mediated devices and records to list. */
typedef struct {
    GPtrArray *mdevs;       /* VgpuMdev */
    GPtrArray *records;     /* VgpuRecord */
    GHashTable *owners;     /* mdev UUID → its VgpuRecord, borrowed */
    GPtrArray *stale;       /* VgpuRecord whose device is gone, borrowed */
    GHashTable *type_names; /* mdev type id → name, e.g. "GRID P4-4Q" */
    GPtrArray *definitions; /* VgpuMdevctlDefinition (etc/mdevctl.d) */
    GHashTable *defined;    /* mdev UUID → its definition, borrowed */
    GPtrArray *ignored;     /* definitions not trusted: one line each */
} MdevListing;

static void
mdev_listing_clear(MdevListing *listing)
{
    g_clear_pointer(&listing->owners, g_hash_table_unref);
    g_clear_pointer(&listing->stale, g_ptr_array_unref);
    g_clear_pointer(&listing->type_names, g_hash_table_unref);
    g_clear_pointer(&listing->records, g_ptr_array_unref);
    g_clear_pointer(&listing->mdevs, g_ptr_array_unref);
    g_clear_pointer(&listing->defined, g_hash_table_unref);
    g_clear_pointer(&listing->definitions, g_ptr_array_unref);
    g_clear_pointer(&listing->ignored, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MdevListing, mdev_listing_clear)

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

/* Type id → name for nicer listings; empty if unreadable. */
static GHashTable *
type_names(VgpuContext *ctx)
{
    g_autoptr(GPtrArray) parents = vgpu_discovery_list_parents(ctx, NULL);
    GHashTable *names =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

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

static gboolean
mdev_listing_load(MdevListing *listing, VgpuContext *ctx, GError **error)
{
    listing->mdevs = vgpu_discovery_list_mdevs(ctx, error);
    if (!listing->mdevs)
        return FALSE;
    listing->records = vgpu_state_list_records(ctx, NULL, NULL, error);
    if (!listing->records)
        return FALSE;
    listing->type_names = type_names(ctx);
    listing->owners = g_hash_table_new(g_str_hash, g_str_equal);
    listing->stale = g_ptr_array_new();
    for (guint i = 0; i < listing->records->len; i++) {
        VgpuRecord *record = g_ptr_array_index(listing->records, i);
        const char *uuid = vgpu_record_get_uuid(record);

        g_hash_table_insert(listing->owners, (gpointer)uuid, record);
        if (!vgpu_mdev_exists(ctx, uuid))
            g_ptr_array_add(listing->stale, record);
    }
    /* mdevctl definitions: the hook starts those a domain names */
    listing->ignored = g_ptr_array_new_with_free_func(g_free);
    listing->definitions = vgpu_mdevctl_list(ctx, listing->ignored, NULL);
    if (!listing->definitions)
        listing->definitions = g_ptr_array_new();
    listing->defined = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < listing->definitions->len; i++)
        g_hash_table_insert(listing->defined,
                            (gpointer)vgpu_mdevctl_definition_get_uuid(
                                listing->definitions->pdata[i]),
                            listing->definitions->pdata[i]);
    return TRUE;
}

/* "libvgpu" (started by the hook from its definition), "other" (running,
 * started by mdevctl or by hand), "stopped"; NULL when not defined. */
static const char *
mdevctl_state(const MdevListing *listing, VgpuContext *ctx, const char *uuid)
{
    const VgpuRecord *record = g_hash_table_lookup(listing->owners, uuid);

    if (!g_hash_table_contains(listing->defined, uuid))
        return NULL;
    if (!vgpu_mdev_exists(ctx, uuid))
        return "stopped";
    return record &&
                   vgpu_record_get_origin(record) == VGPU_DEVICE_ORIGIN_MDEVCTL
               ? "libvgpu"
               : "other";
}

static void
json_add_mdev(JsonBuilder *builder, const MdevListing *listing,
              const VgpuMdev *mdev)
{
    const char *type_id = vgpu_mdev_get_type_id(mdev);
    const VgpuRecord *record =
        g_hash_table_lookup(listing->owners, vgpu_mdev_get_uuid(mdev));

    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "uuid", vgpu_mdev_get_uuid(mdev));
    vgpuctl_json_add_string(builder, "parent", vgpu_mdev_get_parent_name(mdev));
    vgpuctl_json_add_string(builder, "type", type_id);
    vgpuctl_json_add_string(builder, "type_name",
                            g_hash_table_lookup(listing->type_names, type_id));
    json_builder_set_member_name(builder, "mdevctl_defined");
    json_builder_add_boolean_value(
        builder,
        g_hash_table_contains(listing->defined, vgpu_mdev_get_uuid(mdev)));
    json_builder_set_member_name(builder, "owner");
    if (record) {
        g_autofree char *created =
            format_time(vgpu_record_get_created(record), TRUE);

        json_builder_begin_object(builder);
        vgpuctl_json_add_string(builder, "domain",
                                vgpu_record_get_domain(record));
        vgpuctl_json_add_string(builder, "created", created);
        vgpuctl_json_add_string(
            builder, "origin",
            vgpu_device_origin_to_string(vgpu_record_get_origin(record)));
        json_builder_end_object(builder);
    } else {
        json_builder_add_null_value(builder);
    }
    json_builder_end_object(builder);
}

static void
json_add_stale_record(JsonBuilder *builder, const VgpuRecord *record)
{
    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "uuid", vgpu_record_get_uuid(record));
    vgpuctl_json_add_string(builder, "domain", vgpu_record_get_domain(record));
    vgpuctl_json_add_string(builder, "parent", vgpu_record_get_parent(record));
    vgpuctl_json_add_string(builder, "type", vgpu_record_get_type_id(record));
    json_builder_end_object(builder);
}

static void
json_add_definition(JsonBuilder *builder, const VgpuMdevctlDefinition *def)
{
    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "uuid",
                            vgpu_mdevctl_definition_get_uuid(def));
    vgpuctl_json_add_string(builder, "parent",
                            vgpu_mdevctl_definition_get_parent(def));
    vgpuctl_json_add_string(builder, "type",
                            vgpu_mdevctl_definition_get_type_id(def));
    vgpuctl_json_add_string(
        builder, "start",
        vgpu_mdevctl_definition_get_autostart(def) ? "auto" : "manual");
    json_builder_end_object(builder);
}

static void
print_list_json(const MdevListing *listing, VgpuContext *ctx)
{
    g_autoptr(JsonBuilder) builder = json_builder_new();

    json_builder_begin_object(builder);
    vgpuctl_json_begin_array(builder, "mdevs");
    for (guint i = 0; i < listing->mdevs->len; i++)
        json_add_mdev(builder, listing, g_ptr_array_index(listing->mdevs, i));
    json_builder_end_array(builder);
    vgpuctl_json_begin_array(builder, "stale_records");
    for (guint i = 0; i < listing->stale->len; i++)
        json_add_stale_record(builder, g_ptr_array_index(listing->stale, i));
    json_builder_end_array(builder);
    vgpuctl_json_begin_array(builder, "mdevctl_stopped");
    for (guint i = 0; i < listing->definitions->len; i++) {
        const VgpuMdevctlDefinition *def = listing->definitions->pdata[i];
        const char *uuid = vgpu_mdevctl_definition_get_uuid(def);

        if (g_strcmp0(mdevctl_state(listing, ctx, uuid), "stopped") == 0)
            json_add_definition(builder, def);
    }
    json_builder_end_array(builder);
    json_builder_end_object(builder);
    vgpuctl_json_print(builder);
}

static void
add_mdev_text_row(VgpuctlTable *table, const MdevListing *listing,
                  VgpuContext *ctx, const VgpuMdev *mdev)
{
    const char *defined = mdevctl_state(listing, ctx, vgpu_mdev_get_uuid(mdev));
    const char *type_id = vgpu_mdev_get_type_id(mdev);
    const char *type_name = g_hash_table_lookup(listing->type_names, type_id);
    const VgpuRecord *record =
        g_hash_table_lookup(listing->owners, vgpu_mdev_get_uuid(mdev));
    g_autofree char *type = type_name
                                ? g_strdup_printf("%s (%s)", type_id, type_name)
                                : g_strdup(type_id);
    g_autofree char *owner = NULL;

    if (record) {
        g_autofree char *created =
            format_time(vgpu_record_get_created(record), FALSE);

        owner = g_strdup_printf(
            "domain %s (created %s%s)", vgpu_record_get_domain(record), created,
            g_strcmp0(defined, "libvgpu") == 0 ? " from its mdevctl definition"
                                               : "");
    } else {
        owner = g_strdup(defined ? "mdevctl-defined, not started by libvgpu"
                                 : "not created by libvgpu");
    }
    vgpuctl_table_add(table, 4, vgpu_mdev_get_uuid(mdev),
                      vgpu_mdev_get_parent_name(mdev), type, owner);
}

static void
print_list_text(const MdevListing *listing, VgpuContext *ctx)
{
    g_auto(VgpuctlTable) table = {0};

    if (listing->mdevs->len == 0) {
        printf("no mediated devices\n");
    } else {
        vgpuctl_table_add(&table, 4, "UUID", "PARENT", "TYPE", "OWNER");
        for (guint i = 0; i < listing->mdevs->len; i++)
            add_mdev_text_row(&table, listing, ctx,
                              g_ptr_array_index(listing->mdevs, i));
        vgpuctl_table_print(&table, "");
    }
    for (guint i = 0; i < listing->stale->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(listing->stale, i);

        printf("stale record: mediated device %s of domain %s is gone; "
               "'vgpuctl gc' drops the record\n",
               vgpu_record_get_uuid(record), vgpu_record_get_domain(record));
    }
    for (guint i = 0; i < listing->definitions->len; i++) {
        const VgpuMdevctlDefinition *def = listing->definitions->pdata[i];
        const char *uuid = vgpu_mdevctl_definition_get_uuid(def);

        if (g_strcmp0(mdevctl_state(listing, ctx, uuid), "stopped") == 0)
            printf("mdevctl-defined, not running: %s (%s on %s); the hook "
                   "starts it for a domain that names it\n",
                   uuid, vgpu_mdevctl_definition_get_type_id(def),
                   vgpu_mdevctl_definition_get_parent(def));
    }
    for (guint i = 0; i < listing->ignored->len; i++)
        printf("ignored: %s\n", (const char *)listing->ignored->pdata[i]);
}

static int
run_list(int argc, char **argv)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        VGPUCTL_OPTION_JSON(json),
        VGPUCTL_OPTION_END,
    };
    g_auto(MdevListing) listing = {0};
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_list, entries, &argc, &argv,
                               &status))
        return status;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx || !mdev_listing_load(&listing, ctx, &error))
        return vgpuctl_fail(error);
    if (json)
        print_list_json(&listing, ctx);
    else
        print_list_text(&listing, ctx);
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_list = {
    .name = "list",
    .brief = "list active mediated devices and who created them",
    .run = run_list,
    .parameters = "",
    .summary = "List the active mediated devices and who created them.",
    .description =
        "DESCRIPTION\n"
        "  Reads /sys/bus/mdev/devices/ and prints each mediated device with\n"
        "  its parent device, mdev type and owner: the domain it was created\n"
        "  for, from the ownership records libvgpu's hook keeps in\n"
        "  /run/libvgpu/, or \"not created by libvgpu\" (mdevctl, manual\n"
        "  echo > create, another tool: libvgpu never removes those).\n"
        "  Records whose device is gone are listed too; 'vgpuctl gc' drops\n"
        "  them. Devices defined with mdevctl (/etc/mdevctl.d) are marked,\n"
        "  those not running are listed after the table, and definitions\n"
        "  the hook would refuse are shown as ignored. Does not contact\n"
        "  libvirt.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl list\n"
        "  vgpuctl list --json | jq '.mdevs[].owner'\n",
};

/* ---- gc ---------------------------------------------------------------- */

/* Names of the running domains, or %NULL (with a warning) if libvirt
 * cannot tell. */
static GStrv
running_domains(const char *uri)
{
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GStrvBuilder) running = g_strv_builder_new();

    conn = vgpuctl_open_libvirt(uri, NULL, &error);
    if (conn)
        domains = vgpu_virt_list_domains(conn, VGPU_VIRT_LIST_ALL, &error);
    if (!domains) {
        vgpuctl_warn("cannot ask libvirt which domains are running (%s); "
                     "only leftovers of interrupted hooks and records of "
                     "devices that are gone are collected",
                     error->message);
        return NULL;
    }
    for (guint i = 0; i < domains->len; i++) {
        const VgpuVirtDomain *domain = g_ptr_array_index(domains, i);

        if (vgpu_virt_domain_is_active(domain))
            g_strv_builder_add(running, vgpu_virt_domain_get_name(domain));
    }
    return g_strv_builder_end(running);
}

/* Prints every report of the engine; counts what it did. */
static void
print_event(VgpuEngineEvent event, const char *message, gpointer user_data)
{
    guint *reported = user_data;

    switch (event) {
    case VGPU_ENGINE_EVENT_LEFT:
    case VGPU_ENGINE_EVENT_ANOMALY:
    case VGPU_ENGINE_EVENT_CONFIG:
        vgpuctl_warn("%s", message);
        break;
    default:
        printf("%s\n", message);
        break;
    }
    (*reported)++;
}

static int
collect(VgpuContext *ctx, const char *uri, gboolean dry_run)
{
    g_auto(GStrv) running = NULL;
    g_autoptr(GError) error = NULL;
    VgpuEngineOptions options;
    guint reported = 0;

    vgpu_engine_options_init(&options);
    /* Before the lock: a hook inside libvirtd may hold a domain while it
     * waits for the lock. Records newer than the question are left. */
    options.running_checked_at = g_get_real_time() / G_USEC_PER_SEC;
    options.running_domains =
        (const char *const *)(running = running_domains(uri));
    options.flags = dry_run ? VGPU_ENGINE_DRY_RUN : VGPU_ENGINE_NONE;
    options.event = print_event;
    options.event_data = &reported;

    if (!vgpu_engine_reconcile(ctx, &options, &error))
        return vgpuctl_fail(error);
    if (reported == 0)
        printf("nothing to collect\n");
    return EXIT_SUCCESS;
}

static int
run_gc(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    gboolean dry_run = FALSE;
    const GOptionEntry entries[] = {
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
         "Only say what would be done", NULL},
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
         "libvirt connection URI to ask which domains run (default: "
         "LIBVIRT_DEFAULT_URI or libvirt's default)",
         "URI"},
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_gc, entries, &argc, &argv,
                               &status))
        return status;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return vgpuctl_fail(error);
    return collect(ctx, uri, dry_run);
}

const VgpuctlCommand vgpuctl_command_gc = {
    .name = "gc",
    .brief = "remove stale records and orphaned mediated devices",
    .run = run_gc,
    .parameters = "",
    .summary = "Remove leftovers: stale ownership records and orphaned "
               "mediated devices.",
    .description =
        "DESCRIPTION\n"
        "  Reconciles libvgpu's ownership records with the devices that exist\n"
        "  (vgpu_engine_reconcile(); docs/engine.md, \"States of a device\"):\n"
        "  - drops ownership records whose mediated device is gone;\n"
        "  - removes devices left by a hook that was killed while creating\n"
        "    or removing them (record 'creating' or 'removing', its process\n"
        "    gone);\n"
        "  - removes mediated devices that libvgpu created for a domain that\n"
        "    is not running any more (e.g. the hook's removal timed out\n"
        "    because the device was busy), then drops their records;\n"
        "  - reports record files it does not trust and leaves them alone.\n"
        "  Decisions and record changes happen under the host lock\n"
        "  (/run/libvgpu/lock); remove writes and waits do not.\n"
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
};
