/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl list, gc - the vGPUs that exist (mediated devices, VF-backed
 * vGPUs) with the ownership records libvgpu's hook keeps for them, and
 * collecting what is left over.
 */
#include "vgpuctl-commands.h"
#include "vgpuctl-output.h"

#include <stdio.h>

/* ---- list -------------------------------------------------------------- */

/* The vGPUs and records to list. */
typedef struct {
    GPtrArray *mdevs;       /* VgpuMdev */
    GPtrArray *vfs;         /* VgpuVfDevice */
    GPtrArray *records;     /* VgpuRecord */
    GHashTable *owners;     /* device id → its VgpuRecord, borrowed */
    GPtrArray *stale;       /* VgpuRecord whose device is gone, borrowed */
    GHashTable *type_names; /* mdev type id → name, e.g. "GRID P4-4Q" */
    GHashTable *gpus;       /* mdev parent → its GPU, when they differ */
    GPtrArray *definitions; /* VgpuMdevctlDefinition (etc/mdevctl.d) */
    GHashTable *defined;    /* mdev UUID → its definition, borrowed */
    GHashTable *running;    /* UUIDs of the mediated devices, borrowed */
    GPtrArray *ignored;     /* definitions not trusted: one line each */
} DeviceListing;

static void
device_listing_clear(DeviceListing *listing)
{
    g_clear_pointer(&listing->owners, g_hash_table_unref);
    g_clear_pointer(&listing->stale, g_ptr_array_unref);
    g_clear_pointer(&listing->type_names, g_hash_table_unref);
    g_clear_pointer(&listing->gpus, g_hash_table_unref);
    g_clear_pointer(&listing->records, g_ptr_array_unref);
    g_clear_pointer(&listing->vfs, g_ptr_array_unref);
    g_clear_pointer(&listing->defined, g_hash_table_unref);
    g_clear_pointer(&listing->running, g_hash_table_unref);
    g_clear_pointer(&listing->definitions, g_ptr_array_unref);
    g_clear_pointer(&listing->ignored, g_ptr_array_unref);
    g_clear_pointer(&listing->mdevs, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DeviceListing, device_listing_clear)

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

/* Notes the GPU of parent @name (its physfn link, read once per parent)
 * and the name of @type_id unless known (read once per parent and type
 * until one gives it); nothing for what cannot be read. */
static void
note_parent(DeviceListing *listing, VgpuContext *ctx, GHashTable *seen,
            const char *name, const char *type_id)
{
    g_autoptr(VgpuParent) parent = NULL;
    const char *type_name;

    if (!name || !type_id)
        return;
    if (g_hash_table_add(seen, g_strdup(name))) {
        g_autofree char *gpu = vgpu_discovery_get_gpu(ctx, name);

        if (!g_str_equal(gpu, name))
            g_hash_table_replace(listing->gpus, g_strdup(name),
                                 g_steal_pointer(&gpu));
    }
    /* a type id names one profile on every parent: its name is read from
     * the first parent that gives it (parent names hold no '/', so these
     * keys never meet the parents') */
    if (g_hash_table_contains(listing->type_names, type_id) ||
        !g_hash_table_add(seen, g_strdup_printf("%s/%s", name, type_id)))
        return;
    parent = vgpu_discovery_get_parent_for_type(ctx, name, type_id, NULL);
    type_name = parent ? vgpu_mdev_type_get_name(g_ptr_array_index(
                             vgpu_parent_get_types(parent), 0))
                       : NULL;
    if (type_name)
        g_hash_table_replace(listing->type_names, g_strdup(type_id),
                             g_strdup(type_name));
}

/* Type id → name for nicer listings and parent → GPU for mdevs on VFs,
 * from the type directory of each parent and type the listed mediated
 * devices and stale records use (not every type of every parent). */
static void
load_parents(DeviceListing *listing, VgpuContext *ctx)
{
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    listing->type_names =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    listing->gpus =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < listing->mdevs->len; i++) {
        const VgpuMdev *mdev = g_ptr_array_index(listing->mdevs, i);

        note_parent(listing, ctx, seen, vgpu_mdev_get_parent_name(mdev),
                    vgpu_mdev_get_type_id(mdev));
    }
    for (guint i = 0; i < listing->stale->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(listing->stale, i);

        if (vgpu_record_get_device_class(record) == VGPU_DEVICE_CLASS_MDEV)
            note_parent(listing, ctx, seen, vgpu_record_get_parent(record),
                        vgpu_record_get_type_id(record));
    }
}

static gboolean
device_listing_load(DeviceListing *listing, VgpuContext *ctx, GError **error)
{
    listing->mdevs = vgpu_discovery_list_mdevs(ctx, error);
    if (!listing->mdevs)
        return FALSE;
    listing->vfs = vgpu_device_list_vfs(ctx, error);
    if (!listing->vfs)
        return FALSE;
    listing->records = vgpu_state_list_records(ctx, NULL, NULL, error);
    if (!listing->records)
        return FALSE;
    listing->owners = g_hash_table_new(g_str_hash, g_str_equal);
    listing->stale = g_ptr_array_new();
    for (guint i = 0; i < listing->records->len; i++) {
        VgpuRecord *record = g_ptr_array_index(listing->records, i);
        const char *id = vgpu_record_get_uuid(record);

        g_hash_table_insert(listing->owners, (gpointer)id, record);
        if (!vgpu_device_exists(ctx, vgpu_record_get_device_class(record), id))
            g_ptr_array_add(listing->stale, record);
    }
    load_parents(listing, ctx);
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
    listing->running = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < listing->mdevs->len; i++)
        g_hash_table_add(listing->running, (gpointer)vgpu_mdev_get_uuid(
                                               listing->mdevs->pdata[i]));
    return TRUE;
}

/* The GPU whose capacity the mediated device uses: its parent, or the
 * parent's physical function when the parent is a VF. */
static const char *
mdev_gpu(const DeviceListing *listing, const VgpuMdev *mdev)
{
    const char *parent = vgpu_mdev_get_parent_name(mdev);
    const char *gpu = g_hash_table_lookup(listing->gpus, parent);

    return gpu ? gpu : parent;
}

/* "libvgpu" (started by the hook from its definition), "other" (running,
 * started by mdevctl or by hand), "stopped"; NULL when not defined. */
static const char *
mdevctl_state(const DeviceListing *listing, const char *uuid)
{
    const VgpuRecord *record = g_hash_table_lookup(listing->owners, uuid);

    if (!g_hash_table_contains(listing->defined, uuid))
        return NULL;
    if (!g_hash_table_contains(listing->running, uuid))
        return "stopped";
    return record &&
                   vgpu_record_get_origin(record) == VGPU_DEVICE_ORIGIN_MDEVCTL
               ? "libvgpu"
               : "other";
}

/* Adds "owner": {domain, created, origin} from @id's record, or null. */
static void
json_add_owner(JsonBuilder *builder, const DeviceListing *listing,
               const char *id)
{
    const VgpuRecord *record = g_hash_table_lookup(listing->owners, id);
    g_autofree char *created = NULL;

    json_builder_set_member_name(builder, "owner");
    if (!record) {
        json_builder_add_null_value(builder);
        return;
    }
    created = format_time(vgpu_record_get_created(record), TRUE);
    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "domain", vgpu_record_get_domain(record));
    vgpuctl_json_add_string(builder, "created", created);
    vgpuctl_json_add_string(
        builder, "origin",
        vgpu_device_origin_to_string(vgpu_record_get_origin(record)));
    json_builder_end_object(builder);
}

static void
json_add_mdev(JsonBuilder *builder, const DeviceListing *listing,
              const VgpuMdev *mdev)
{
    const char *type_id = vgpu_mdev_get_type_id(mdev);
    VgpuctlDeviceJson device = {
        .device = vgpu_mdev_get_uuid(mdev),
        .parent = vgpu_mdev_get_parent_name(mdev),
        .gpu = mdev_gpu(listing, mdev),
        .device_class = vgpu_device_class_to_string(VGPU_DEVICE_CLASS_MDEV),
        .type = type_id,
        .type_name = g_hash_table_lookup(listing->type_names, type_id),
    };

    json_builder_begin_object(builder);
    vgpuctl_json_add_device(builder, &device, VGPUCTL_DEVICE_JSON_ALL);
    json_builder_set_member_name(builder, "mdevctl_defined");
    json_builder_add_boolean_value(
        builder,
        g_hash_table_contains(listing->defined, vgpu_mdev_get_uuid(mdev)));
    json_add_owner(builder, listing, vgpu_mdev_get_uuid(mdev));
    json_builder_end_object(builder);
}

static void
json_add_definition(JsonBuilder *builder, const VgpuMdevctlDefinition *def)
{
    VgpuctlDeviceJson device = {
        .device = vgpu_mdevctl_definition_get_uuid(def),
        .parent = vgpu_mdevctl_definition_get_parent(def),
        .type = vgpu_mdevctl_definition_get_type_id(def),
    };

    json_builder_begin_object(builder);
    vgpuctl_json_add_device(builder, &device, 0);
    vgpuctl_json_add_string(
        builder, "start",
        vgpu_mdevctl_definition_get_autostart(def) ? "auto" : "manual");
    json_builder_end_object(builder);
}

static void
json_add_vf(JsonBuilder *builder, const DeviceListing *listing,
            const VgpuVfDevice *vf)
{
    VgpuctlDeviceJson device = {
        .device = vgpu_vf_device_get_address(vf),
        .gpu = vgpu_vf_device_get_gpu(vf),
        .device_class =
            vgpu_device_class_to_string(vgpu_vf_device_get_device_class(vf)),
        .type = vgpu_vf_device_get_type_id(vf),
        .type_name = vgpu_vf_device_get_type_name(vf),
    };

    json_builder_begin_object(builder);
    vgpuctl_json_add_device(builder, &device, VGPUCTL_DEVICE_JSON_ALL);
    json_add_owner(builder, listing, vgpu_vf_device_get_address(vf));
    json_builder_end_object(builder);
}

/* A record keeps where its device went: the mdev's parent, or for a
 * VF-backed device the GPU (VgpuEnginePlacement). */
static void
json_add_stale_record(JsonBuilder *builder, const DeviceListing *listing,
                      const VgpuRecord *record)
{
    VgpuDeviceClass device_class = vgpu_record_get_device_class(record);
    const char *where = vgpu_record_get_parent(record);
    const char *gpu = device_class == VGPU_DEVICE_CLASS_MDEV
                          ? g_hash_table_lookup(listing->gpus, where)
                          : NULL;
    VgpuctlDeviceJson device = {
        .device = vgpu_record_get_uuid(record),
        .parent = device_class == VGPU_DEVICE_CLASS_MDEV ? where : NULL,
        .gpu = gpu ? gpu : where,
        .device_class = vgpu_device_class_to_string(device_class),
        .type = vgpu_record_get_type_id(record),
    };

    json_builder_begin_object(builder);
    vgpuctl_json_add_device(
        builder, &device, VGPUCTL_DEVICE_JSON_GPU | VGPUCTL_DEVICE_JSON_CLASS);
    vgpuctl_json_add_string(builder, "domain", vgpu_record_get_domain(record));
    json_builder_end_object(builder);
}

static void
print_list_json(const DeviceListing *listing)
{
    g_autoptr(JsonBuilder) builder = vgpuctl_json_begin_document();

    vgpuctl_json_begin_array(builder, "mdevs");
    for (guint i = 0; i < listing->mdevs->len; i++)
        json_add_mdev(builder, listing, g_ptr_array_index(listing->mdevs, i));
    json_builder_end_array(builder);
    vgpuctl_json_begin_array(builder, "vfs");
    for (guint i = 0; i < listing->vfs->len; i++)
        json_add_vf(builder, listing, g_ptr_array_index(listing->vfs, i));
    json_builder_end_array(builder);
    vgpuctl_json_begin_array(builder, "stale_records");
    for (guint i = 0; i < listing->stale->len; i++)
        json_add_stale_record(builder, listing,
                              g_ptr_array_index(listing->stale, i));
    json_builder_end_array(builder);
    vgpuctl_json_begin_array(builder, "mdevctl_stopped");
    for (guint i = 0; i < listing->definitions->len; i++) {
        const VgpuMdevctlDefinition *def = listing->definitions->pdata[i];

        if (g_strcmp0(
                mdevctl_state(listing, vgpu_mdevctl_definition_get_uuid(def)),
                "stopped") == 0)
            json_add_definition(builder, def);
    }
    json_builder_end_array(builder);
    vgpuctl_json_end_document(builder);
}

/* One row: DEVICE GPU CLASS TYPE OWNER. */
static void
add_text_row(VgpuctlTable *table, const DeviceListing *listing, const char *id,
             const char *gpu, VgpuDeviceClass device_class, const char *type_id,
             const char *type_name)
{
    const VgpuRecord *record = g_hash_table_lookup(listing->owners, id);
    const char *defined = device_class == VGPU_DEVICE_CLASS_MDEV
                              ? mdevctl_state(listing, id)
                              : NULL;
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
    vgpuctl_table_add(table, 5, id, gpu,
                      vgpu_device_class_to_string(device_class), type, owner);
}

static void
add_mdev_text_row(VgpuctlTable *table, const DeviceListing *listing,
                  const VgpuMdev *mdev)
{
    const char *parent = vgpu_mdev_get_parent_name(mdev);
    const char *type_id = vgpu_mdev_get_type_id(mdev);
    const char *gpu = mdev_gpu(listing, mdev);
    g_autofree char *where = g_str_equal(gpu, parent)
                                 ? g_strdup(gpu)
                                 : g_strdup_printf("%s (VF %s)", gpu, parent);

    add_text_row(table, listing, vgpu_mdev_get_uuid(mdev), where,
                 VGPU_DEVICE_CLASS_MDEV, type_id,
                 g_hash_table_lookup(listing->type_names, type_id));
}

static void
print_list_text(const DeviceListing *listing)
{
    g_auto(VgpuctlTable) table = {0};

    if (listing->mdevs->len == 0 && listing->vfs->len == 0) {
        printf("no vGPUs: no mediated devices, no virtual functions holding "
               "or claimed for a vGPU\n");
    } else {
        vgpuctl_table_add(&table, 5, "DEVICE", "GPU", "CLASS", "TYPE", "OWNER");
        for (guint i = 0; i < listing->mdevs->len; i++)
            add_mdev_text_row(&table, listing,
                              g_ptr_array_index(listing->mdevs, i));
        for (guint i = 0; i < listing->vfs->len; i++) {
            const VgpuVfDevice *vf = g_ptr_array_index(listing->vfs, i);

            add_text_row(&table, listing, vgpu_vf_device_get_address(vf),
                         vgpu_vf_device_get_gpu(vf),
                         vgpu_vf_device_get_device_class(vf),
                         vgpu_vf_device_get_type_id(vf),
                         vgpu_vf_device_get_type_name(vf));
        }
        vgpuctl_table_print(&table, "");
    }
    for (guint i = 0; i < listing->stale->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(listing->stale, i);

        if (vgpu_record_get_device_class(record) == VGPU_DEVICE_CLASS_MDEV)
            printf("stale record: mediated device %s of domain %s is gone; "
                   "'vgpuctl gc' drops the record\n",
                   vgpu_record_get_uuid(record),
                   vgpu_record_get_domain(record));
        else
            printf("stale record: virtual function %s of domain %s holds "
                   "no vGPU or is gone; 'vgpuctl gc' drops the record\n",
                   vgpu_record_get_uuid(record),
                   vgpu_record_get_domain(record));
    }
    for (guint i = 0; i < listing->definitions->len; i++) {
        const VgpuMdevctlDefinition *def = listing->definitions->pdata[i];
        const char *uuid = vgpu_mdevctl_definition_get_uuid(def);

        if (g_strcmp0(mdevctl_state(listing, uuid), "stopped") == 0)
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
    g_auto(DeviceListing) listing = {0};
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_list, entries, &argc, &argv,
                               &status))
        return status;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx || !device_listing_load(&listing, ctx, &error))
        return vgpuctl_fail(error);
    if (json)
        print_list_json(&listing);
    else
        print_list_text(&listing);
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_list = {
    .name = "list",
    .brief = "list the vGPUs (mediated devices, VFs) and who created them",
    .run = run_list,
    .parameters = "",
    .summary = "List the vGPUs that exist now and who created them.",
    .description =
        "DESCRIPTION\n"
        "  Lists every vGPU of the host, of each device class:\n"
        "  - mdev: the mediated devices in /sys/bus/mdev/devices/;\n"
        "  - nvidia-vf: SR-IOV virtual functions of NVIDIA GPUs whose\n"
        "    nvidia/current_vgpu_type is not 0 (NVIDIA vGPU 17+ on kernel\n"
        "    >= 6.8), type nvidia-<id>;\n"
        "  - vf: plain virtual functions (AMD MxGPU, Intel) that a domain\n"
        "    claimed through libvgpu's hook, type vf-<vendor>:<device>.\n"
        "  Columns: DEVICE (mdev UUID or VF address), GPU (the physical\n"
        "  GPU: the PF address; for an mdev whose parent is a VF, \"GPU (VF\n"
        "  parent)\"), CLASS, TYPE (id and name when known) and OWNER: the\n"
        "  domain it was created for, from the ownership records libvgpu's\n"
        "  hook keeps in /run/libvgpu/, or \"not created by libvgpu\"\n"
        "  (mdevctl, a manual echo > create or > current_vgpu_type, another\n"
        "  tool: libvgpu never removes or resets those). Records whose\n"
        "  device is gone (an mdev removed, a VF reset to 0) are listed as\n"
        "  stale; 'vgpuctl gc' drops them. Devices defined with mdevctl\n"
        "  (/etc/mdevctl.d) are marked (\"from its mdevctl definition\" when\n"
        "  the hook started them for a domain, \"mdevctl-defined, not\n"
        "  started by libvgpu\" otherwise); those not running are listed\n"
        "  after the table, and definitions the hook would refuse as\n"
        "  \"ignored\". Reads a few sysfs files per VF; does not contact\n"
        "  libvirt.\n"
        "\n"
        "JSON (--json)\n"
        "  {version: 1, mdevs, vfs, stale_records, mdevctl_stopped}:\n"
        "  mdevs          {device (UUID), parent, gpu, class: \"mdev\", type,\n"
        "                 type_name, mdevctl_defined, owner}\n"
        "  vfs            {device (VF address), parent: null, gpu, class:\n"
        "                 \"nvidia-vf\" or \"vf\", type, type_name, owner}\n"
        "  stale_records  {device, parent, gpu, class, type, domain}\n"
        "  mdevctl_stopped {device, parent, type, start}: defined, not\n"
        "                 running\n"
        "  owner is null or {domain, created (ISO 8601, UTC), origin:\n"
        "  \"request\" or \"mdevctl\"}; type_name is\n"
        "  null when unknown (an NVIDIA VF's type is named from a free VF's\n"
        "  creatable_vgpu_types of the same GPU, which lists it only while\n"
        "  the GPU can take one more). vgpuctl(1), JSON OUTPUT, has the keys\n"
        "  of every command.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl list\n"
        "  vgpuctl list --json | jq '.mdevs[].owner'\n"
        "  vgpuctl list --json | jq -r '.vfs[] | select(.owner == null) |\n"
        "      .device'         # VFs programmed by someone else\n",
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
