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
} MdevListing;

static void
mdev_listing_clear(MdevListing *listing)
{
    g_clear_pointer(&listing->owners, g_hash_table_unref);
    g_clear_pointer(&listing->stale, g_ptr_array_unref);
    g_clear_pointer(&listing->type_names, g_hash_table_unref);
    g_clear_pointer(&listing->records, g_ptr_array_unref);
    g_clear_pointer(&listing->mdevs, g_ptr_array_unref);
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
    listing->records = vgpu_state_list_records(ctx, NULL, error);
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
    return TRUE;
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
    json_builder_set_member_name(builder, "owner");
    if (record) {
        g_autofree char *created =
            format_time(vgpu_record_get_created(record), TRUE);

        json_builder_begin_object(builder);
        vgpuctl_json_add_string(builder, "domain",
                                vgpu_record_get_domain(record));
        vgpuctl_json_add_string(builder, "created", created);
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
print_list_json(const MdevListing *listing)
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
    json_builder_end_object(builder);
    vgpuctl_json_print(builder);
}

static void
add_mdev_text_row(VgpuctlTable *table, const MdevListing *listing,
                  const VgpuMdev *mdev)
{
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

        owner = g_strdup_printf("domain %s (created %s)",
                                vgpu_record_get_domain(record), created);
    } else {
        owner = g_strdup("not created by libvgpu");
    }
    vgpuctl_table_add(table, 4, vgpu_mdev_get_uuid(mdev),
                      vgpu_mdev_get_parent_name(mdev), type, owner);
}

static void
print_list_text(const MdevListing *listing)
{
    g_auto(VgpuctlTable) table = {0};

    if (listing->mdevs->len == 0) {
        printf("no mediated devices\n");
    } else {
        vgpuctl_table_add(&table, 4, "UUID", "PARENT", "TYPE", "OWNER");
        for (guint i = 0; i < listing->mdevs->len; i++)
            add_mdev_text_row(&table, listing,
                              g_ptr_array_index(listing->mdevs, i));
        vgpuctl_table_print(&table, "");
    }
    for (guint i = 0; i < listing->stale->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(listing->stale, i);

        printf("stale record: mediated device %s of domain %s is gone; "
               "'vgpuctl gc' drops the record\n",
               vgpu_record_get_uuid(record), vgpu_record_get_domain(record));
    }
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
        print_list_json(&listing);
    else
        print_list_text(&listing);
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
        "  them. Does not contact libvirt.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl list\n"
        "  vgpuctl list --json | jq '.mdevs[].owner'\n",
};

/* ---- gc ---------------------------------------------------------------- */

/* One run of gc: what it knows and what it did. */
typedef struct {
    VgpuContext *ctx;
    GHashTable *active; /* names of the running domains; NULL: unknown */
    gint64 asked;       /* when libvirt was asked, in seconds */
    gboolean dry_run;
    guint changed;
    guint failed;
} Collection;

/* Names of the running domains, or %NULL (with a warning) if libvirt
 * cannot tell. */
static GHashTable *
active_domains(const char *uri)
{
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GError) error = NULL;
    GHashTable *active;

    conn = vgpuctl_open_libvirt(uri, NULL, &error);
    if (conn)
        domains = vgpu_virt_list_domains(conn, VGPU_VIRT_LIST_ALL, &error);
    if (!domains) {
        vgpuctl_warn("cannot ask libvirt which domains are running (%s); "
                     "only records of mediated devices that are gone are "
                     "dropped",
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

/* Counts a failure to collect and prints why. */
static void
collection_failed(Collection *gc, const GError *error)
{
    vgpuctl_fail(error);
    gc->failed++;
}

/* Drops the record of @uuid unless this is a dry run; counts the result. */
static void
drop_record(Collection *gc, const char *uuid)
{
    g_autoptr(GError) error = NULL;

    if (!gc->dry_run && !vgpu_state_delete_record(gc->ctx, uuid, &error))
        collection_failed(gc, error);
    else
        gc->changed++;
}

/* Removes mediated device @uuid, already gone or not, then its record. */
static void
remove_orphan(Collection *gc, const char *uuid)
{
    g_autoptr(GError) error = NULL;

    if (!vgpu_mdev_remove(gc->ctx, uuid, &error) &&
        !g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND)) {
        collection_failed(gc, error);
        return;
    }
    drop_record(gc, uuid);
}

/* Collects @record if its device is gone or its domain does not run. */
static void
collect_record(Collection *gc, const VgpuRecord *record)
{
    const char *uuid = vgpu_record_get_uuid(record);
    const char *domain = vgpu_record_get_domain(record);

    if (!vgpu_mdev_exists(gc->ctx, uuid)) {
        printf("%s the record of mediated device %s (domain %s): the "
               "device is gone\n",
               gc->dry_run ? "would drop" : "dropped", uuid, domain);
        drop_record(gc, uuid);
        return;
    }
    if (!gc->active || g_hash_table_contains(gc->active, domain) ||
        vgpu_record_get_created(record) >= gc->asked)
        return;

    printf("%s mediated device %s of domain %s, which is not running\n",
           gc->dry_run ? "would remove" : "removing", uuid, domain);
    if (gc->dry_run)
        gc->changed++;
    else
        remove_orphan(gc, uuid);
}

static int
collect(VgpuContext *ctx, const char *uri, gboolean dry_run)
{
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GHashTable) active = NULL;
    g_autoptr(VgpuHostLock) lock = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GError) error = NULL;
    Collection gc = {.ctx = ctx, .dry_run = dry_run};

    config = vgpu_config_load(ctx, &error);
    if (!config)
        return vgpuctl_fail(error);
    vgpu_context_set_remove_timeout(ctx,
                                    vgpu_config_get_remove_timeout(config));

    /* Before the lock: a hook inside libvirtd may hold a domain while it
     * waits for the lock. */
    gc.asked = g_get_real_time() / G_USEC_PER_SEC;
    gc.active = active = active_domains(uri);

    if (!dry_run) {
        lock = vgpu_state_lock_host(ctx, &error);
        if (!lock)
            return vgpuctl_fail(error);
    }
    records = vgpu_state_list_records(ctx, NULL, &error);
    if (!records)
        return vgpuctl_fail(error);
    for (guint i = 0; i < records->len; i++)
        collect_record(&gc, g_ptr_array_index(records, i));

    if (gc.changed == 0 && gc.failed == 0)
        printf("nothing to collect\n");
    return gc.failed ? EXIT_FAILURE : EXIT_SUCCESS;
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
};
