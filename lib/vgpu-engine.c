/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the engine: a domain's vGPUs as crash-safe transactions
 * (docs/engine.md). Data flows one way: requests → decisions under the
 * host lock → device-class backend → ownership records. The lock covers
 * decisions, create writes and record changes; never a remove write or a
 * wait for a device to vanish.
 */
#include <libvgpu/vgpu-alloc.h>
#include <libvgpu/vgpu-engine.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-backend.h"
#include "vgpu-request-private.h"
#include "vgpu-state-private.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Pause between remove writes the driver refused with EBUSY. */
#define REMOVE_RETRY_US (50 * 1000)

/* One engine call: its options resolved. */
typedef struct {
    VgpuContext *ctx;
    const VgpuEngineOptions *options; /* &copy */
    VgpuEngineOptions copy;           /* the caller's, of any version, grown */
    VgpuConfig *own_config;
    const VgpuConfig *config;
    gboolean dry_run;
} Engine;

static void
engine_clear(Engine *engine)
{
    g_clear_pointer(&engine->own_config, vgpu_config_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Engine, engine_clear)

void
vgpu_engine_options_init(VgpuEngineOptions *options)
{
    static const VgpuEngineOptions defaults = VGPU_ENGINE_OPTIONS_INIT;

    g_return_if_fail(options != NULL);
    *options = defaults;
}

G_GNUC_PRINTF(3, 4)
static void
emit(Engine *engine, VgpuEngineEvent event, const char *format, ...)
{
    g_autofree char *message = NULL;
    g_autofree char *line = NULL;
    va_list args;

    if (!engine->options->event)
        return;
    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    line = vgpu_text_one_line(message, VGPU_TEXT_LINE_MAX);
    engine->options->event(event, line, engine->options->event_data);
}

static gboolean
engine_init(Engine *engine, VgpuContext *ctx, const VgpuEngineOptions *options,
            GError **error)
{
    static const VgpuEngineOptions defaults = VGPU_ENGINE_OPTIONS_INIT;

    engine->ctx = ctx;
    engine->copy = defaults;
    engine->options = &engine->copy;
    if (options && (options->version < 1 ||
                    options->version > VGPU_ENGINE_OPTIONS_VERSION)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "engine options version %u is not supported (this "
                    "libvgpu knows versions 1 to %u); initialise them with "
                    "vgpu_engine_options_init()",
                    options->version, VGPU_ENGINE_OPTIONS_VERSION);
        return FALSE;
    }
    /* Version 1 ends before the placement callback. */
    if (options)
        memcpy(&engine->copy, options,
               options->version == 1
                   ? G_STRUCT_OFFSET(VgpuEngineOptions, placement)
                   : sizeof(engine->copy));
    engine->dry_run = (engine->options->flags & VGPU_ENGINE_DRY_RUN) != 0;
    engine->config = engine->options->config;
    if (!engine->config) {
        const char *const *warnings;

        engine->own_config = vgpu_config_load(ctx, error);
        if (!engine->own_config)
            return FALSE;
        engine->config = engine->own_config;
        warnings = vgpu_config_get_warnings(engine->config);
        for (guint i = 0; warnings[i]; i++)
            emit(engine, VGPU_ENGINE_EVENT_CONFIG, "%s", warnings[i]);
    }
    return TRUE;
}

static VgpuHostLock *
engine_lock(Engine *engine, const char *operation, const char *domain,
            GError **error)
{
    g_autofree char *quoted = vgpu_text_name(domain);
    g_autofree char *purpose =
        domain ? g_strdup_printf("%s of %s", operation, quoted)
               : g_strdup(operation);

    return vgpu_state_lock_host(engine->ctx, engine->options->lock_timeout_ms,
                                purpose, error);
}

static const VgpuBackend *
backend_of(const VgpuRecord *record)
{
    return vgpu_backend_for_class(vgpu_record_get_device_class(record));
}

/* Lists records (of @domain, or all), reporting untrusted files. */
static GPtrArray *
engine_records(Engine *engine, const char *domain, GError **error)
{
    g_autoptr(GPtrArray) anomalies = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *records =
        vgpu_state_list_records(engine->ctx, domain, anomalies, error);

    for (guint i = 0; i < anomalies->len; i++)
        emit(engine, VGPU_ENGINE_EVENT_ANOMALY, "%s",
             (const char *)anomalies->pdata[i]);
    return records;
}

/* Saves @record in @state; under the lock. */
static gboolean
mark(Engine *engine, VgpuRecord *record, VgpuRecordState state, GError **error)
{
    vgpu_record_set_state(record, state);
    return vgpu_state_save_record(engine->ctx, record, error);
}

/* "mediated device <id> of domain <d>" */
static char *
describe(const VgpuRecord *record)
{
    g_autofree char *domain = vgpu_text_name(vgpu_record_get_domain(record));

    return g_strdup_printf("%s %s of domain %s",
                           backend_of(record)->device_noun,
                           vgpu_record_get_uuid(record), domain);
}

/* "the record of mediated device <id> (domain <d>): the device is gone" */
static char *
describe_vanished(const VgpuRecord *record)
{
    g_autofree char *domain = vgpu_text_name(vgpu_record_get_domain(record));

    return g_strdup_printf("the record of %s %s (domain %s): the device is "
                           "gone",
                           backend_of(record)->device_noun,
                           vgpu_record_get_uuid(record), domain);
}

/* Drops @record (under the lock) and reports @event with "<verb> <what>",
 * @what from describe() or describe_vanished(). */
static void
drop(Engine *engine, const VgpuRecord *record, VgpuEngineEvent event,
     const char *verb, char *(*what)(const VgpuRecord *))
{
    g_autoptr(GError) local = NULL;
    g_autofree char *text = what(record);

    if (!vgpu_state_delete_record(engine->ctx, vgpu_record_get_uuid(record),
                                  &local)) {
        emit(engine, VGPU_ENGINE_EVENT_ANOMALY, "%s", local->message);
        return;
    }
    emit(engine, event, "%s %s", verb, text);
}

/*
 * Does the device of @record exist, and is it the one recorded? A device
 * that exists with another type or parent is reported and treated as not
 * ours to touch (@mismatch).
 */
static gboolean
device_present(Engine *engine, const VgpuRecord *record, gboolean *mismatch)
{
    const VgpuBackend *backend = backend_of(record);
    const char *id = vgpu_record_get_uuid(record);
    g_autoptr(VgpuBackendDevice) device = NULL;
    g_autoptr(GError) local = NULL;

    *mismatch = FALSE;
    /* Reading the device answers "does it exist" too; exists() only
     * confirms a NOT_FOUND (one sysfs access less on every release). */
    device = backend->get_device(engine->ctx, id, &local);
    if (!device && g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND) &&
        !backend->exists(engine->ctx, id))
        return FALSE;
    if (device &&
        (!g_str_equal(device->type_id, vgpu_record_get_type_id(record)) ||
         !g_str_equal(device->parent, vgpu_record_get_parent(record)))) {
        g_autofree char *domain =
            vgpu_text_name(vgpu_record_get_domain(record));
        *mismatch = TRUE;
        emit(engine, VGPU_ENGINE_EVENT_ANOMALY,
             "%s %s is %s on %s, but its ownership record (domain %s) says "
             "%s on %s; it is left alone: remove it by hand if it is not "
             "in use, then run 'vgpuctl gc'",
             backend->device_noun, id, device->type_id, device->parent, domain,
             vgpu_record_get_type_id(record), vgpu_record_get_parent(record));
    }
    return TRUE;
}

/*
 * Removes the devices of @records (already marked removing by this
 * process) without the lock, all within one deadline. Sets gone[i].
 */
static void
remove_devices(Engine *engine, GPtrArray *records, gboolean *gone)
{
    gint64 deadline =
        g_get_monotonic_time() +
        (gint64)vgpu_config_get_remove_timeout(engine->config) * 1000;

    for (guint i = 0; i < records->len; i++) {
        const VgpuRecord *record = records->pdata[i];
        const VgpuBackend *backend = backend_of(record);
        const char *id = vgpu_record_get_uuid(record);

        for (;;) {
            g_autoptr(GError) local = NULL;

            if (backend->request_remove(engine->ctx, id, &local) ||
                g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND))
                break;
            if (!g_error_matches(local, VGPU_ERROR, VGPU_ERROR_BUSY)) {
                emit(engine, VGPU_ENGINE_EVENT_ANOMALY, "%s", local->message);
                break;
            }
            if (g_get_monotonic_time() >= deadline)
                break;
            g_usleep(MIN(REMOVE_RETRY_US,
                         MAX(deadline - g_get_monotonic_time(), 0)));
        }
        gone[i] = backend->wait_gone(engine->ctx, id, deadline);
    }
}

/*
 * The removal half of every transaction: @records are marked removing
 * under @lock (held on entry), the lock is dropped for the removal, and
 * taken again to drop the records of devices that went. Returns how many
 * devices are still present; *lock is held again on return (or NULL with
 * @error when it could not be retaken).
 */
static guint
remove_marked(Engine *engine, const char *operation, const char *domain,
              GPtrArray *records, VgpuHostLock **lock, GError **error)
{
    g_autofree gboolean *gone = g_new0(gboolean, MAX(records->len, 1));
    guint left = 0;

    if (records->len == 0)
        return 0;
    g_clear_pointer(lock, vgpu_host_lock_release);
    remove_devices(engine, records, gone);
    *lock = engine_lock(engine, operation, domain, error);
    if (!*lock)
        return records->len;

    for (guint i = 0; i < records->len; i++) {
        const VgpuRecord *record = records->pdata[i];
        g_autofree char *owner = NULL;

        if (gone[i] || !backend_of(record)->exists(
                           engine->ctx, vgpu_record_get_uuid(record))) {
            drop(engine, record, VGPU_ENGINE_EVENT_REMOVED,
                 backend_of(record)->remove_verb, describe);
            continue;
        }
        left++;
        owner = vgpu_text_name(vgpu_record_get_domain(record));
        emit(engine, VGPU_ENGINE_EVENT_LEFT,
             "%s %s (%s on %s) of domain %s is still present %u ms after "
             "its removal was requested, probably still in use; it was "
             "left in place for 'vgpuctl gc'",
             backend_of(record)->device_noun, vgpu_record_get_uuid(record),
             vgpu_record_get_type_id(record), vgpu_record_get_parent(record),
             owner, vgpu_config_get_remove_timeout(engine->config));
    }
    return left;
}

/* ---- prepare ------------------------------------------------------------ */

/* Adds @name to @names unless it is there already. */
static void
add_unique(GPtrArray *names, const char *name)
{
    g_autofree char *shown = vgpu_text_name(name);

    if (!g_ptr_array_find_with_equal_func(names, shown, g_str_equal, NULL))
        g_ptr_array_add(names, g_steal_pointer(&shown));
}

/*
 * GPU (VgpuBackendDevice.gpu: the physical device whose capacity a device
 * uses) → who holds its instances, for the no-capacity message:
 * "win10, win11", "win10 and 2 mediated devices not created by libvgpu".
 * The requesting domain's own devices are left out. Costs a scan of
 * devices and records: failures only.
 */
static GHashTable *
users_by_gpu(Engine *engine, const VgpuBackend *backend, const char *requester)
{
    g_autoptr(GPtrArray) devices = backend->list_devices(engine->ctx, NULL);
    g_autoptr(GPtrArray) records =
        vgpu_state_list_records(engine->ctx, NULL, NULL, NULL);
    g_autoptr(GHashTable) owners = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) names = g_hash_table_new_full(
        g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GHashTable) foreign = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTable *users =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter iter;
    gpointer key, value;

    for (guint i = 0; records && i < records->len; i++) {
        VgpuRecord *record = g_ptr_array_index(records, i);
        g_hash_table_insert(owners, (gpointer)vgpu_record_get_uuid(record),
                            (gpointer)vgpu_record_get_domain(record));
    }
    for (guint i = 0; devices && i < devices->len; i++) {
        const VgpuBackendDevice *device = g_ptr_array_index(devices, i);
        const char *owner = g_hash_table_lookup(owners, device->id);
        GPtrArray *list = g_hash_table_lookup(names, device->gpu);

        if (!list) {
            list = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(names, device->gpu, list);
        }
        if (!owner) {
            guint count =
                GPOINTER_TO_UINT(g_hash_table_lookup(foreign, device->gpu));
            g_hash_table_insert(foreign, device->gpu,
                                GUINT_TO_POINTER(count + 1));
        } else if (!g_str_equal(owner, requester)) {
            add_unique(list, owner);
        }
    }

    g_hash_table_iter_init(&iter, names);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        GPtrArray *list = value;
        guint count = GPOINTER_TO_UINT(g_hash_table_lookup(foreign, key));
        g_autofree char *domains = NULL;
        char *text;

        g_ptr_array_add(list, NULL);
        domains = g_strjoinv(", ", (char **)list->pdata);
        if (count == 0 && !*domains)
            continue;
        if (count == 0)
            text = g_steal_pointer(&domains);
        else
            text = g_strdup_printf("%s%s%u %s%s not created by libvgpu",
                                   domains, *domains ? " and " : "", count,
                                   backend->device_noun, count == 1 ? "" : "s");
        g_hash_table_insert(users, g_strdup(key), text);
    }
    return users;
}

/* Tells the caller where @request is or goes (#VgpuEnginePlacement). */
static void
report_placement(Engine *engine, const VgpuRequest *request, const char *parent,
                 gboolean exists, const char *reason)
{
    VgpuEnginePlacement placement = {request, parent, exists, reason};

    if (engine->options->placement)
        engine->options->placement(&placement, engine->options->placement_data);
}

/* An existing device must match the request; it may be ours already. */
static gboolean
check_existing(Engine *engine, const char *domain, const VgpuRequest *request,
               GError **error)
{
    const VgpuBackend *backend =
        vgpu_backend_for_class(vgpu_request_get_device_class(request));
    const char *id = vgpu_request_get_device_id(request);
    const char *type_id = vgpu_request_get_type_id(request);
    const char *parent = vgpu_request_get_parent(request);
    g_autoptr(VgpuBackendDevice) device = NULL;
    g_autoptr(VgpuRecord) record = NULL;
    g_autofree char *quoted = vgpu_text_name(domain);

    device = backend->get_device(engine->ctx, id, error);
    if (!device)
        return FALSE;
    if (!g_str_equal(device->type_id, type_id) ||
        (parent && !g_str_equal(device->parent, parent))) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "%s %s already exists as type %s on %s, but domain %s "
                    "requests type %s%s%s; remove that device or change the "
                    "request with 'vgpuctl detach/attach'",
                    backend->device_noun, id, device->type_id, device->parent,
                    quoted, type_id, parent ? " on " : "",
                    parent ? parent : "");
        return FALSE;
    }
    record = vgpu_state_load_record(engine->ctx, id, NULL);
    if (record && !g_str_equal(vgpu_record_get_domain(record), domain)) {
        g_autofree char *holder =
            vgpu_text_name(vgpu_record_get_domain(record));
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "%s %s requested by domain %s was created for domain "
                    "%s, whose record still holds it; give one of them "
                    "another device, or run 'vgpuctl gc' if %s is gone",
                    backend->device_noun, id, quoted, holder, holder);
        return FALSE;
    }
    report_placement(engine, request, device->parent, TRUE,
                     record ? "exists already, created for this domain"
                            : "exists already, not created by libvgpu: "
                              "used as it is");
    return TRUE;
}

/*
 * Before creating anything: every type (and requested parent) must have
 * enough free instances for all the devices this start needs, so that a
 * domain asking for more than is left fails at once. @missing: the
 * requests whose device does not exist yet.
 */
static gboolean
check_capacity(Engine *engine, const char *domain, GPtrArray *missing,
               GError **error)
{
    g_autoptr(GHashTable) counts =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter iter;
    gpointer key, value;

    for (guint i = 0; i < missing->len; i++) {
        const VgpuRequest *request = g_ptr_array_index(missing, i);
        const char *parent = vgpu_request_get_parent(request);
        /* class, type and parent: none holds a '/' (checked names) */
        char *group = g_strdup_printf(
            "%d/%s/%s", (int)vgpu_request_get_device_class(request),
            vgpu_request_get_type_id(request), parent ? parent : "");

        value = g_hash_table_lookup(counts, group);
        g_hash_table_replace(counts, group,
                             GUINT_TO_POINTER(GPOINTER_TO_UINT(value) + 1));
    }

    g_hash_table_iter_init(&iter, counts);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        g_auto(GStrv) group = g_strsplit(key, "/", 3);
        const VgpuBackend *backend =
            vgpu_backend_for_class((VgpuDeviceClass)atoi(group[0]));
        const char *parent = *group[2] ? group[2] : NULL;
        guint count = GPOINTER_TO_UINT(value);
        g_autoptr(GHashTable) users = NULL;
        g_autoptr(GError) local = NULL;

        if (count < 2 || !backend->check_capacity)
            continue; /* one device (or a pinned VF): placing it says it all */
        if (backend->check_capacity(engine->ctx, group[1], parent, count,
                                    engine->config, NULL, &local))
            continue;
        if (!g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        users = users_by_gpu(engine, backend, domain); /* failures only */
        backend->check_capacity(engine->ctx, group[1], parent, count,
                                engine->config, users, error);
        return FALSE;
    }
    return TRUE;
}

/*
 * Chooses where the missing device of @request goes (with @planned: the
 * devices a dry run placed before it), and why (@why, nullable). A claim
 * (or a leftover record) of another domain is never taken. Returns the
 * parent, or NULL with the refusal.
 */
static char *
place_one(Engine *engine, const char *domain, const VgpuRequest *request,
          GPtrArray *planned, char **why, GError **error)
{
    VgpuDeviceClass device_class = vgpu_request_get_device_class(request);
    const VgpuBackend *backend = vgpu_backend_for_class(device_class);
    const char *id = vgpu_request_get_device_id(request);
    g_autoptr(GError) local = NULL;
    g_autoptr(VgpuRecord) held = NULL;
    g_autofree char *parent = NULL;

    parent = backend->place(engine->ctx, request, engine->config, NULL, planned,
                            why, &local);
    if (!parent && g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY)) {
        /* Say who holds the capacity: costs a scan, failures only. */
        g_autoptr(GHashTable) users = users_by_gpu(engine, backend, domain);
        g_clear_error(&local);
        parent = backend->place(engine->ctx, request, engine->config, users,
                                planned, why, &local);
    }
    if (!parent) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    held = vgpu_state_load_record(engine->ctx, id, NULL);
    if (held && !g_str_equal(vgpu_record_get_domain(held), domain)) {
        g_autofree char *holder = vgpu_text_name(vgpu_record_get_domain(held));
        g_autofree char *name = vgpu_text_name(domain);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "%s %s requested by domain %s is held by domain %s; "
                    "give one of them another device%s",
                    backend->device_noun, id, name, holder,
                    device_class == VGPU_DEVICE_CLASS_MDEV
                        ? ""
                        : " ('vgpuctl move DOMAIN' moves a stopped "
                          "domain's request to a free VF)");
        return NULL;
    }
    return g_steal_pointer(&parent);
}

/*
 * A dry run's create_one(): places @request as if the devices of @planned
 * (element-type VgpuBackendDevice) existed, adds it to them and reports
 * it. Reads only.
 */
static gboolean
plan_one(Engine *engine, const char *domain, const VgpuRequest *request,
         GPtrArray *planned, GError **error)
{
    g_autofree char *why = NULL;
    char *parent = place_one(engine, domain, request, planned,
                             engine->options->placement ? &why : NULL, error);
    VgpuBackendDevice *device;

    if (!parent)
        return FALSE;
    device = g_new0(VgpuBackendDevice, 1);
    device->id = g_strdup(vgpu_request_get_device_id(request));
    device->parent = parent;
    device->type_id = g_strdup(vgpu_request_get_type_id(request));
    g_ptr_array_add(planned, device);
    report_placement(engine, request, parent, FALSE, why);
    return TRUE;
}

/*
 * Places and creates one device: the record is written `creating` before
 * the create write and marked `ready` after the device appeared, so a
 * process killed anywhere in between leaves a record that says the device
 * is ours. Returns the record (added to @created) or NULL.
 */
static gboolean
create_one(Engine *engine, const char *domain, const VgpuRequest *request,
           GPtrArray *created, GError **error)
{
    VgpuDeviceClass device_class = vgpu_request_get_device_class(request);
    const VgpuBackend *backend = vgpu_backend_for_class(device_class);
    const char *id = vgpu_request_get_device_id(request);
    const char *type_id = vgpu_request_get_type_id(request);
    g_autofree char *quoted = NULL;
    g_autofree char *why = NULL;
    g_autofree char *parent = NULL;
    VgpuRecord *record;

    /* The reason is for the placement callback only: counting the
     * chosen type's devices for it costs listings (sys/bus/mdev/devices,
     * the type's devices/) that the hook, which has no callback, skips. */
    parent = place_one(engine, domain, request, NULL,
                       engine->options->placement ? &why : NULL, error);
    if (!parent) {
        if (vgpu_request_get_origin(request) == VGPU_DEVICE_ORIGIN_MDEVCTL)
            g_prefix_error(error,
                           "cannot start %s %s of its mdevctl "
                           "definition: ",
                           backend->device_noun, id);
        return FALSE;
    }
    record = vgpu_record_new(device_class, domain, id, parent, type_id);
    vgpu_record_set_origin(record, vgpu_request_get_origin(request));
    vgpu_record_set_state(record, VGPU_RECORD_CREATING);
    if (!vgpu_state_save_record(engine->ctx, record, error)) {
        vgpu_record_free(record);
        return FALSE;
    }
    if (!backend->create(engine->ctx, parent, type_id, id, error)) {
        /* Nothing was created unless the kernel made it anyway (a
         * timeout after the write): then the rollback removes it. */
        if (backend->exists(engine->ctx, id))
            g_ptr_array_add(created, record);
        else {
            vgpu_state_delete_record(engine->ctx, id, NULL);
            vgpu_record_free(record);
        }
        return FALSE;
    }
    g_ptr_array_add(created, record);
    /* An mdevctl definition's attributes, in order, before the device is
     * ready (mdevctl MDev::start()); a failure rolls the start back. */
    if (*vgpu_request_get_attrs(request) && backend->configure &&
        !backend->configure(engine->ctx, id, vgpu_request_get_attrs(request),
                            error))
        return FALSE;
    if (!mark(engine, record, VGPU_RECORD_READY, error))
        return FALSE;
    quoted = vgpu_text_name(domain);
    emit(engine, VGPU_ENGINE_EVENT_CREATED,
         "created %s %s (%s on %s) for "
         "domain %s%s",
         backend->device_noun, id, type_id, parent, quoted,
         vgpu_request_get_origin(request) == VGPU_DEVICE_ORIGIN_MDEVCTL
             ? " from its mdevctl definition"
             : "");
    report_placement(engine, request, parent, FALSE, why);
    return TRUE;
}

/*
 * Settles what a killed run of @domain left (docs/engine.md, "Prepare"
 * step 2): drops records whose device is gone, adopts devices still
 * `creating`, and returns (in @stale) the records whose removal must be
 * finished before the domain can start. Under the lock; a dry run only
 * reports what it would do.
 */
static gboolean
settle_domain(Engine *engine, const char *domain, GPtrArray *stale,
              GError **error)
{
    g_autoptr(GPtrArray) records = engine_records(engine, domain, error);
    g_autofree char *quoted = vgpu_text_name(domain);

    if (!records)
        return FALSE;
    while (records->len > 0) {
        g_autoptr(VgpuRecord) record = g_ptr_array_steal_index(records, 0);
        const char *id = vgpu_record_get_uuid(record);
        gboolean mismatch;

        if (vgpu_record_get_state(record) == VGPU_RECORD_READY)
            continue;
        if (vgpu_record_is_in_progress(record)) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                        "%s %s of domain %s is still being %s by process "
                        "%" G_GINT64_FORMAT "; start the domain again once "
                        "it has finished",
                        backend_of(record)->device_noun, id, quoted,
                        vgpu_record_get_state(record) == VGPU_RECORD_CREATING
                            ? "created"
                            : "removed",
                        vgpu_record_get_owner_pid(record));
            return FALSE;
        }
        if (!device_present(engine, record, &mismatch)) {
            g_autofree char *what = describe_vanished(record);

            if (engine->dry_run)
                emit(engine, VGPU_ENGINE_EVENT_DROPPED, "would drop %s", what);
            else
                drop(engine, record, VGPU_ENGINE_EVENT_DROPPED, "dropped",
                     describe_vanished);
        } else if (mismatch) {
            continue;
        } else if (vgpu_record_get_state(record) == VGPU_RECORD_CREATING &&
                   vgpu_record_get_origin(record) !=
                       VGPU_DEVICE_ORIGIN_MDEVCTL) {
            /* (A device started from an mdevctl definition may lack the
             * attributes written after create: it is removed below and
             * created again instead.) */
            if (!engine->dry_run &&
                !mark(engine, record, VGPU_RECORD_READY, error))
                return FALSE;
            emit(engine, VGPU_ENGINE_EVENT_ADOPTED,
                 "%s %s %s (%s on %s) for domain %s: its creator died "
                 "after creating it",
                 engine->dry_run ? "would adopt" : "adopted",
                 backend_of(record)->device_noun, id,
                 vgpu_record_get_type_id(record),
                 vgpu_record_get_parent(record), quoted);
        } else {
            g_autofree char *what = describe(record);

            if (!engine->dry_run &&
                !mark(engine, record, VGPU_RECORD_REMOVING, error))
                return FALSE;
            emit(engine, VGPU_ENGINE_EVENT_REMOVING,
                 "%s %s, left by an interrupted hook",
                 engine->dry_run ? "would remove" : "removing", what);
            g_ptr_array_add(stale, g_steal_pointer(&record));
        }
    }
    return TRUE;
}

/* Removes what this run created, newest first; @lock held on entry. */
static void
roll_back(Engine *engine, const char *domain, GPtrArray *created,
          VgpuHostLock **lock)
{
    g_autoptr(GError) local = NULL;

    for (guint i = 0; i < created->len / 2; i++) { /* newest first */
        gpointer newer = created->pdata[created->len - 1 - i];
        created->pdata[created->len - 1 - i] = created->pdata[i];
        created->pdata[i] = newer;
    }
    for (guint i = 0; i < created->len; i++) {
        g_autofree char *what = describe(created->pdata[i]);

        mark(engine, created->pdata[i], VGPU_RECORD_REMOVING, NULL);
        emit(engine, VGPU_ENGINE_EVENT_REMOVING,
             "removing %s: the start failed", what);
    }
    remove_marked(engine, "prepare begin (rollback)", domain, created, lock,
                  &local);
}

/* Does @domain hold the ownership record of device @id (a claim)? */
static gboolean
claimed_by(VgpuContext *ctx, const char *id, const char *domain)
{
    g_autoptr(VgpuRecord) record = vgpu_state_load_record(ctx, id, NULL);

    return record && g_str_equal(vgpu_record_get_domain(record), domain);
}

/*
 * Reports and returns the refusal @local of a prepare: the event names the
 * domain and the device(s) concerned (@request, or every one of
 * @requests), for the administrator reading the system log.
 */
static gboolean
refuse(Engine *engine, const char *domain, const VgpuRequest *request,
       GPtrArray *requests, GError **local, GError **error)
{
    g_autoptr(GString) ids = g_string_new(NULL);
    g_autofree char *name = vgpu_text_name(domain);

    for (guint i = 0; request ? i < 1 : i < requests->len; i++) {
        const VgpuRequest *r = request ? request : requests->pdata[i];

        g_string_append_printf(ids, "%s%s", i ? ", " : "",
                               vgpu_request_get_device_id(r));
    }
    emit(engine, VGPU_ENGINE_EVENT_REFUSED, "%s to start domain %s (%s): %s",
         engine->dry_run ? "would refuse" : "refused", name, ids->str,
         (*local)->message);
    g_propagate_error(error, g_steal_pointer(local));
    return FALSE;
}

/* Is @id among the devices of @records (element-type VgpuRecord)? */
static gboolean
recorded_in(GPtrArray *records, const char *id)
{
    for (guint i = 0; i < records->len; i++) {
        if (g_str_equal(vgpu_record_get_uuid(records->pdata[i]), id))
            return TRUE;
    }
    return FALSE;
}

/*
 * Step 2 and 3 of a prepare: settles what a killed run of @domain left
 * and removes the devices still to go. *@lock is held on entry and on
 * success (a dry run holds none and removes nothing: @stale keeps the
 * devices it would remove, which then count as missing).
 */
static gboolean
prepare_settle(Engine *engine, const char *domain, GPtrArray *stale,
               VgpuHostLock **lock, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *quoted = NULL;

    if (!settle_domain(engine, domain, stale, error))
        return FALSE;
    if (engine->dry_run)
        return TRUE;
    if (remove_marked(engine, "prepare begin", domain, stale, lock, &local) ==
            0 &&
        *lock) {
        g_ptr_array_set_size(stale, 0);
        return TRUE;
    }
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    quoted = vgpu_text_name(domain);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                "a device of domain %s from an earlier run is still "
                "being torn down; start the domain again in a moment, "
                "or see 'vgpuctl list'",
                quoted);
    return FALSE;
}

gboolean
vgpu_engine_prepare(VgpuContext *ctx, const char *domain, GPtrArray *requests,
                    const VgpuEngineOptions *options, GError **error)
{
    g_auto(Engine) engine = {0};
    g_autoptr(VgpuHostLock) lock = NULL;
    g_autoptr(GPtrArray) stale =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_record_free);
    g_autoptr(GPtrArray) missing = g_ptr_array_new();
    g_autoptr(GPtrArray) created =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_record_free);
    g_autoptr(GPtrArray) planned = g_ptr_array_new_with_free_func(
        (GDestroyNotify)vgpu_backend_device_free);
    g_autoptr(GError) local = NULL;

    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);
    g_return_val_if_fail(requests != NULL, FALSE);

    if (requests->len == 0)
        return TRUE; /* no vGPU requested: not our business */
    if (requests->len > VGPU_REQUESTS_MAX) {
        g_autofree char *quoted = vgpu_text_name(domain);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain %s requests %u vGPUs, more than the %u libvgpu "
                    "supports per domain; detach the extra ones",
                    quoted, requests->len, VGPU_REQUESTS_MAX);
        return FALSE;
    }
    if (!engine_init(&engine, ctx, options, error))
        return FALSE;
    if (!engine.dry_run) {
        lock = engine_lock(&engine, "prepare begin", domain, error);
        if (!lock)
            return FALSE;
        vgpu_state_clean_temporary(ctx);
    }
    if (!prepare_settle(&engine, domain, stale, &lock, error))
        return FALSE;

    /* Devices that exist already are checked (and used as they are)
     * before anything is created; the others are counted, then made. */
    for (guint i = 0; i < requests->len; i++) {
        const VgpuRequest *request = g_ptr_array_index(requests, i);
        const char *id = vgpu_request_get_device_id(request);
        const VgpuBackend *backend =
            vgpu_backend_for_class(vgpu_request_get_device_class(request));

        if (!backend->exists(ctx, id) || recorded_in(stale, id) ||
            (backend->claims && !claimed_by(ctx, id, domain)))
            g_ptr_array_add(missing, (gpointer)request);
        else if (!check_existing(&engine, domain, request, &local))
            return refuse(&engine, domain, request, NULL, &local, error);
    }
    if (!check_capacity(&engine, domain, missing, &local))
        return refuse(&engine, domain, NULL, missing, &local, error);
    for (guint i = 0; i < missing->len; i++) {
        if (engine.dry_run) {
            if (!plan_one(&engine, domain, missing->pdata[i], planned, &local))
                return refuse(&engine, domain, missing->pdata[i], NULL, &local,
                              error);
        } else if (!create_one(&engine, domain, missing->pdata[i], created,
                               &local)) {
            roll_back(&engine, domain, created, &lock);
            return refuse(&engine, domain, missing->pdata[i], NULL, &local,
                          error);
        }
    }
    return TRUE;
}

/* ---- release and reconcile ---------------------------------------------- */

/* Should reconciliation remove the device of this ready @record? */
static gboolean
domain_is_gone(Engine *engine, const VgpuRecord *record)
{
    const char *const *running = engine->options->running_domains;

    if (!running)
        return FALSE;
    if (vgpu_record_get_created(record) >= engine->options->running_checked_at)
        return FALSE; /* created after libvirt was asked */
    return !g_strv_contains(running, vgpu_record_get_domain(record));
}

/*
 * The records among @records whose device must go, marked removing by
 * this process (under the lock). Records whose device is gone are dropped;
 * records another live process works on, and devices that disagree with
 * their record, are reported and skipped. @all_ready: remove ready
 * records' devices too (release), else only those of domains not running.
 */
static GPtrArray *
collect_removals(Engine *engine, GPtrArray *records, gboolean all_ready,
                 GError **error)
{
    gboolean dry_run = (engine->options->flags & VGPU_ENGINE_DRY_RUN) != 0;
    g_autoptr(GPtrArray) todo =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_record_free);

    while (records->len > 0) {
        g_autoptr(VgpuRecord) record = g_ptr_array_steal_index(records, 0);
        const char *id = vgpu_record_get_uuid(record);
        g_autofree char *what = NULL;
        gboolean mismatch;

        if (vgpu_record_is_in_progress(record)) {
            emit(engine, VGPU_ENGINE_EVENT_PENDING,
                 "%s %s is being %s by process %" G_GINT64_FORMAT
                 "; left to it",
                 backend_of(record)->device_noun, id,
                 vgpu_record_get_state(record) == VGPU_RECORD_CREATING
                     ? "created"
                     : "removed",
                 vgpu_record_get_owner_pid(record));
            continue;
        }
        if (!device_present(engine, record, &mismatch)) {
            if (dry_run) {
                what = describe_vanished(record);
                emit(engine, VGPU_ENGINE_EVENT_DROPPED, "would drop %s", what);
            } else {
                drop(engine, record, VGPU_ENGINE_EVENT_DROPPED, "dropped",
                     describe_vanished);
            }
            continue;
        }
        if (mismatch)
            continue;
        if (!all_ready && vgpu_record_get_state(record) == VGPU_RECORD_READY &&
            !domain_is_gone(engine, record))
            continue;
        what = describe(record);
        emit(engine, VGPU_ENGINE_EVENT_REMOVING, "%s %s%s",
             dry_run ? "would remove" : "removing", what,
             vgpu_record_get_state(record) != VGPU_RECORD_READY
                 ? ", left by an interrupted hook"
             : all_ready ? ""
                         : ", which is not running");
        if (dry_run)
            continue;
        if (!mark(engine, record, VGPU_RECORD_REMOVING, error))
            return NULL;
        g_ptr_array_add(todo, g_steal_pointer(&record));
    }
    return g_steal_pointer(&todo);
}

gboolean
vgpu_engine_release_needed(VgpuContext *ctx, const char *domain, GError **error)
{
    g_autoptr(GPtrArray) records = NULL;

    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);

    records = vgpu_state_list_records(ctx, domain, NULL, error);
    if (!records)
        return FALSE;
    /* A temporary record file is what a hook killed while writing a
     * record leaves; the release of that domain cleans it. */
    return records->len > 0 || vgpu_state_has_temporary(ctx);
}

gboolean
vgpu_engine_release(VgpuContext *ctx, const char *domain,
                    const VgpuEngineOptions *options, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_auto(Engine) engine = {0};
    g_autoptr(VgpuHostLock) lock = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GPtrArray) todo = NULL;

    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);

    /* Cheap check first, without the lock: most domains have no vGPU. */
    if (!vgpu_engine_release_needed(ctx, domain, &local)) {
        if (!local)
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }

    if (!engine_init(&engine, ctx, options, error))
        return FALSE;
    lock = engine_lock(&engine, "release end", domain, error);
    if (!lock)
        return FALSE;
    vgpu_state_clean_temporary(ctx);
    records = engine_records(&engine, domain, error);
    if (!records)
        return FALSE;
    todo = collect_removals(&engine, records, TRUE, error);
    if (!todo)
        return FALSE;
    remove_marked(&engine, "release end", domain, todo, &lock, error);
    return lock != NULL;
}

gboolean
vgpu_engine_reconcile(VgpuContext *ctx, const VgpuEngineOptions *options,
                      GError **error)
{
    g_auto(Engine) engine = {0};
    g_autoptr(VgpuHostLock) lock = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GPtrArray) todo = NULL;
    guint left;

    g_return_val_if_fail(ctx != NULL, FALSE);

    if (!engine_init(&engine, ctx, options, error))
        return FALSE;
    if (!(engine.options->flags & VGPU_ENGINE_DRY_RUN)) {
        lock = engine_lock(&engine, "vgpuctl gc", NULL, error);
        if (!lock)
            return FALSE;
        vgpu_state_clean_temporary(ctx);
    }
    records = engine_records(&engine, NULL, error);
    if (!records)
        return FALSE;
    todo = collect_removals(&engine, records, FALSE, error);
    if (!todo)
        return FALSE;
    left = remove_marked(&engine, "vgpuctl gc", NULL, todo, &lock, error);
    if (todo->len > 0 && !lock)
        return FALSE;
    if (left > 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                    "%u device%s still present after the removal timeout; "
                    "stop what uses them and run 'vgpuctl gc' again",
                    left, left == 1 ? " is" : "s are");
        return FALSE;
    }
    return TRUE;
}

/* ---- VF requests on another host ----------------------------------------- */

/* Can the VF that @request pins host it here and now? */
static gboolean
vf_usable(Engine *engine, const char *domain, const VgpuRequest *request)
{
    const VgpuBackend *backend =
        vgpu_backend_for_class(vgpu_request_get_device_class(request));
    const char *id = vgpu_request_get_device_id(request);
    g_autoptr(VgpuRecord) record =
        vgpu_state_load_record(engine->ctx, id, NULL);
    g_autoptr(VgpuBackendDevice) device = NULL;
    g_autofree char *parent = NULL;

    if (record && !g_str_equal(vgpu_record_get_domain(record), domain))
        return FALSE; /* another domain's */
    if (backend->exists(engine->ctx, id)) {
        device = backend->get_device(engine->ctx, id, NULL);
        return device &&
               g_str_equal(device->type_id, vgpu_request_get_type_id(request));
    }
    parent = backend->place(engine->ctx, request, engine->config, NULL, NULL,
                            NULL, NULL);
    return parent != NULL;
}

char *
vgpu_engine_choose_vf(VgpuContext *ctx, const char *domain,
                      const VgpuRequest *request, GHashTable *taken,
                      const VgpuEngineOptions *options, GError **error)
{
    g_auto(Engine) engine = {0};
    g_autoptr(GError) local = NULL;
    g_autofree char *quoted = NULL;
    char *vf;

    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(domain != NULL, NULL);
    g_return_val_if_fail(request != NULL, NULL);

    if (vgpu_request_get_device_class(request) == VGPU_DEVICE_CLASS_MDEV)
        return NULL; /* mdevs are placed at prepare begin */
    if (!engine_init(&engine, ctx, options, error))
        return NULL;
    if (vf_usable(&engine, domain, request))
        return NULL;
    vf = vgpu_alloc_choose_vf(ctx, vgpu_request_get_type_id(request), NULL,
                              engine.config, taken, &local);
    if (vf)
        return vf;
    quoted = vgpu_text_name(domain);
    g_set_error(error, VGPU_ERROR, local->code,
                "domain %s pins virtual function %s for type %s, which "
                "cannot host it on this host, and no other VF can: %s",
                quoted, vgpu_request_get_device_id(request),
                vgpu_request_get_type_id(request), local->message);
    return NULL;
}
