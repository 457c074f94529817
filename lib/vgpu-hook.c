/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the libvirt qemu hook protocol.
 *
 * libvirt (docs/hooks.rst, "/etc/libvirt/hooks/qemu") runs the hook as
 * `qemu DOMAIN OPERATION SUB-OPERATION EXTRA` with the full domain XML on
 * stdin; since libvirt 6.5 every executable in qemu.d/ is run the same
 * way. `prepare begin` runs before any resource is labelled or opened,
 * `release end` after QEMU has gone and resources are released. A
 * non-zero exit of `prepare begin` makes the start fail and libvirt shows
 * the hook's stderr to the user. The hook must never call libvirt API
 * (libvirtd waits for it).
 */
#include <libvgpu/vgpu-alloc.h>
#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-discovery.h>
#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-hook.h>
#include <libvgpu/vgpu-mdev.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-sysfs.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK 65536

char *
vgpu_hook_read_input(int fd, gsize *len, GError **error)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    guint8 chunk[READ_CHUNK];

    g_return_val_if_fail(len != NULL, NULL);

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                        "cannot read the domain XML from standard input: %s",
                        g_strerror(errno));
            return NULL;
        }
        if (n == 0)
            break;
        if (buf->len + (gsize)n > VGPU_HOOK_MAX_INPUT) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "the domain XML on standard input exceeds %u MiB; "
                        "libvirt never sends that much, check what feeds "
                        "the hook",
                        VGPU_HOOK_MAX_INPUT / (1024 * 1024));
            return NULL;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    *len = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

/* Adds @name to @names unless it is there already. */
static void
add_unique(GPtrArray *names, const char *name)
{
    if (!g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL))
        g_ptr_array_add(names, g_strdup(name));
}

/*
 * Parent name → who holds its instances, for the no-capacity message:
 * "win10, win11", "win10 and 2 mediated devices not created by libvgpu".
 * The requesting domain's own devices (about to be rolled back) are left
 * out. Costs a scan of devices and records: failures only.
 */
static GHashTable *
users_by_parent(VgpuContext *ctx, const char *requester)
{
    g_autoptr(GPtrArray) mdevs = vgpu_discovery_list_mdevs(ctx, NULL);
    g_autoptr(GPtrArray) records = vgpu_state_list_records(ctx, NULL, NULL);
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
    for (guint i = 0; mdevs && i < mdevs->len; i++) {
        VgpuMdev *mdev = g_ptr_array_index(mdevs, i);
        const char *parent = vgpu_mdev_get_parent_name(mdev);
        const char *owner =
            g_hash_table_lookup(owners, vgpu_mdev_get_uuid(mdev));
        GPtrArray *list = g_hash_table_lookup(names, parent);

        if (!list) {
            list = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(names, (gpointer)parent, list);
        }
        if (!owner) {
            guint count =
                GPOINTER_TO_UINT(g_hash_table_lookup(foreign, parent));
            g_hash_table_insert(foreign, (gpointer)parent,
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
        else if (!*domains)
            text = g_strdup_printf("%u mediated device%s not created by "
                                   "libvgpu",
                                   count, count == 1 ? "" : "s");
        else
            text = g_strdup_printf("%s and %u mediated device%s not created "
                                   "by libvgpu",
                                   domains, count, count == 1 ? "" : "s");
        g_hash_table_insert(users, g_strdup(key), text);
    }
    return users;
}

/* An existing device must match the request; it may be ours already. */
static gboolean
check_existing(VgpuContext *ctx, const char *domain, const VgpuRequest *request,
               GError **error)
{
    const char *uuid = vgpu_request_get_uuid(request);
    const char *type_id = vgpu_request_get_type_id(request);
    const char *parent = vgpu_request_get_parent(request);
    g_autoptr(VgpuMdev) mdev = vgpu_discovery_get_mdev(ctx, uuid, error);
    g_autoptr(VgpuRecord) record = NULL;

    if (!mdev)
        return FALSE;
    if (!g_str_equal(vgpu_mdev_get_type_id(mdev), type_id) ||
        (parent && !g_str_equal(vgpu_mdev_get_parent_name(mdev), parent))) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "mediated device %s already exists as type %s on %s, "
                    "but domain %s requests type %s%s%s; remove that device "
                    "or change the request with 'vgpuctl detach/attach'",
                    uuid, vgpu_mdev_get_type_id(mdev),
                    vgpu_mdev_get_parent_name(mdev), domain, type_id,
                    parent ? " on " : "", parent ? parent : "");
        return FALSE;
    }
    record = vgpu_state_load_record(ctx, uuid, NULL);
    if (record && !g_str_equal(vgpu_record_get_domain(record), domain)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "mediated device %s requested by domain %s was created "
                    "for domain %s, which still holds it; give one of them "
                    "another UUID",
                    uuid, domain, vgpu_record_get_domain(record));
        return FALSE;
    }
    return TRUE;
}

static gboolean
create_for_request(VgpuContext *ctx, const VgpuConfig *config,
                   const char *domain, const VgpuRequest *request,
                   GError **error)
{
    const char *uuid = vgpu_request_get_uuid(request);
    const char *type_id = vgpu_request_get_type_id(request);
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(VgpuRecord) record = NULL;
    VgpuParent *parent;

    parents = vgpu_discovery_list_parents_for_type(ctx, type_id, error);
    if (!parents)
        return FALSE;
    parent = vgpu_alloc_choose_parent(parents, type_id,
                                      vgpu_request_get_parent(request), config,
                                      NULL, &local);
    if (!parent && g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY)) {
        /* Say who holds the capacity: costs a state scan, failures only. */
        g_autoptr(GHashTable) users = users_by_parent(ctx, domain);
        g_clear_error(&local);
        parent = vgpu_alloc_choose_parent(parents, type_id,
                                          vgpu_request_get_parent(request),
                                          config, users, &local);
    }
    if (!parent) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }

    if (!vgpu_mdev_create(ctx, vgpu_parent_get_name(parent), type_id, uuid,
                          error))
        return FALSE;

    record =
        vgpu_record_new(domain, uuid, vgpu_parent_get_name(parent), type_id);
    if (!vgpu_state_save_record(ctx, record, error)) {
        vgpu_mdev_remove(ctx, uuid, NULL);
        return FALSE;
    }
    return TRUE;
}

/*
 * Before creating anything: every type (and requested parent) must have
 * enough free instances for all the devices this start needs, so that a
 * domain asking for more than is left fails at once, without creating and
 * rolling back. @missing: the requests whose device does not exist yet.
 */
static gboolean
check_capacity(VgpuContext *ctx, const VgpuConfig *config, const char *domain,
               GPtrArray *missing, GError **error)
{
    g_autoptr(GHashTable) counts =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter iter;
    gpointer key, value;

    for (guint i = 0; i < missing->len; i++) {
        const VgpuRequest *request = g_ptr_array_index(missing, i);
        const char *parent = vgpu_request_get_parent(request);
        char *group;

        group = g_strconcat(vgpu_request_get_type_id(request), "/",
                            parent ? parent : "", NULL);
        value = g_hash_table_lookup(counts, group);
        g_hash_table_replace(counts, group,
                             GUINT_TO_POINTER(GPOINTER_TO_UINT(value) + 1));
    }

    g_hash_table_iter_init(&iter, counts);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        g_auto(GStrv) group = g_strsplit(key, "/", 2);
        const char *parent = *group[1] ? group[1] : NULL;
        guint count = GPOINTER_TO_UINT(value);
        g_autoptr(GPtrArray) parents = NULL;
        g_autoptr(GHashTable) users = NULL;

        if (count < 2)
            continue; /* one device: placing it says it all */
        parents = vgpu_discovery_list_parents_for_type(ctx, group[0], error);
        if (!parents)
            return FALSE;
        if (vgpu_alloc_check_capacity(parents, group[0], parent, count, config,
                                      NULL, NULL))
            continue;
        users = users_by_parent(ctx, domain); /* failures only */
        vgpu_alloc_check_capacity(parents, group[0], parent, count, config,
                                  users, error);
        return FALSE;
    }
    return TRUE;
}

/* Removes what this run created, newest first. Best effort. */
static void
roll_back(VgpuContext *ctx, GPtrArray *created)
{
    for (guint i = created->len; i > 0; i--) {
        const char *uuid = g_ptr_array_index(created, i - 1);
        if (vgpu_mdev_remove(ctx, uuid, NULL) || !vgpu_mdev_exists(ctx, uuid))
            vgpu_state_delete_record(ctx, uuid, NULL);
    }
}

/*
 * Loads the host configuration (applying its removal bound to @ctx) and
 * takes the host lock: the start of every prepare and release that has
 * something to do.
 */
static VgpuHostLock *
lock_with_config(VgpuContext *ctx, VgpuConfig **config, GError **error)
{
    *config = vgpu_config_load(ctx, error);
    if (!*config)
        return NULL;
    vgpu_context_set_remove_timeout(ctx,
                                    vgpu_config_get_remove_timeout(*config));
    return vgpu_state_lock_host(ctx, error);
}

/*
 * The requests whose UUID is also an mdev hostdev of the domain. A request
 * without its hostdev is stale metadata: QEMU will not use the device, so
 * it is not created.
 */
static GPtrArray *
requests_with_hostdev(VgpuDomainXml *doc, GError **error)
{
    g_autoptr(GPtrArray) requests = vgpu_domain_xml_list_requests(doc, error);
    g_autoptr(GPtrArray) hostdevs = NULL;
    GPtrArray *wanted;

    if (!requests)
        return NULL;
    hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
    wanted = g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_request_free);
    while (requests->len > 0) {
        VgpuRequest *request = g_ptr_array_steal_index(requests, 0);

        if (g_ptr_array_find_with_equal_func(
                hostdevs, vgpu_request_get_uuid(request), g_str_equal, NULL))
            g_ptr_array_add(wanted, request);
        else
            vgpu_request_free(request);
    }
    return wanted;
}

static gboolean
hook_prepare(VgpuContext *ctx, const char *domain, const char *xml,
             gsize xml_len, GError **error)
{
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) wanted = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(VgpuHostLock) lock = NULL;
    g_autoptr(GPtrArray) missing = NULL; /* borrowed from wanted */
    g_autoptr(GPtrArray) created = NULL;
    const char *xml_name;

    if (!xml || xml_len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "no domain XML on standard input for domain %s; libvirt "
                    "passes it to qemu hooks, so run the hook only from "
                    "libvirt or feed it 'virsh dumpxml %s'",
                    domain, domain);
        return FALSE;
    }
    doc = vgpu_domain_xml_parse(xml, xml_len, error);
    if (!doc)
        return FALSE;
    xml_name = vgpu_domain_xml_get_name(doc);
    if (!xml_name || !g_str_equal(xml_name, domain)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "the domain XML on standard input is for domain \"%s\", "
                    "not \"%s\" named on the command line",
                    xml_name ? xml_name : "(no name)", domain);
        return FALSE;
    }
    wanted = requests_with_hostdev(doc, error);
    if (!wanted)
        return FALSE;
    if (wanted->len == 0)
        return TRUE; /* no vGPU requested: not our business */

    lock = lock_with_config(ctx, &config, error);
    if (!lock)
        return FALSE;

    /* Devices that exist already are checked (and used as they are)
     * before anything is created; the others are counted, then made. */
    missing = g_ptr_array_new();
    for (guint i = 0; i < wanted->len; i++) {
        const VgpuRequest *request = g_ptr_array_index(wanted, i);

        if (!vgpu_mdev_exists(ctx, vgpu_request_get_uuid(request)))
            g_ptr_array_add(missing, (gpointer)request);
        else if (!check_existing(ctx, domain, request, error))
            return FALSE;
    }
    if (!check_capacity(ctx, config, domain, missing, error))
        return FALSE;

    created = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < missing->len; i++) {
        const VgpuRequest *request = g_ptr_array_index(missing, i);

        if (!create_for_request(ctx, config, domain, request, error)) {
            roll_back(ctx, created);
            return FALSE;
        }
        g_ptr_array_add(created, g_strdup(vgpu_request_get_uuid(request)));
    }
    return TRUE;
}

static gboolean
hook_release(VgpuContext *ctx, const char *domain, GPtrArray *warnings,
             GError **error)
{
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(VgpuHostLock) lock = NULL;

    /* Cheap check first: most domains have no vGPU. */
    records = vgpu_state_list_records(ctx, domain, error);
    if (!records)
        return FALSE;
    if (records->len == 0)
        return TRUE;
    g_clear_pointer(&records, g_ptr_array_unref);

    lock = lock_with_config(ctx, &config, error);
    if (!lock)
        return FALSE;
    records = vgpu_state_list_records(ctx, domain, error);
    if (!records)
        return FALSE;

    for (guint i = 0; i < records->len; i++) {
        const char *uuid = vgpu_record_get_uuid(g_ptr_array_index(records, i));
        g_autoptr(GError) local = NULL;

        if (vgpu_mdev_remove(ctx, uuid, &local) ||
            g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND)) {
            vgpu_state_delete_record(ctx, uuid, NULL);
            continue;
        }
        if (warnings) {
            g_ptr_array_add(warnings,
                            g_strdup_printf("domain %s: %s; it was left in "
                                            "place for 'vgpuctl gc'",
                                            domain, local->message));
        }
    }
    return TRUE;
}

gboolean
vgpu_hook_run(VgpuContext *ctx, const char *domain, const char *operation,
              const char *sub_operation, const char *xml, gsize xml_len,
              GPtrArray *warnings, GError **error)
{
    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);
    g_return_val_if_fail(operation != NULL, FALSE);
    g_return_val_if_fail(sub_operation != NULL, FALSE);

    if (g_str_equal(operation, "prepare") &&
        g_str_equal(sub_operation, "begin"))
        return hook_prepare(ctx, domain, xml, xml_len, error);
    if (g_str_equal(operation, "release") && g_str_equal(sub_operation, "end"))
        return hook_release(ctx, domain, warnings, error);
    /* migrate/restore begin: printing nothing keeps the XML as is;
     * reconnect, started, stopped, attach and unknown operations: nothing
     * to do. */
    return TRUE;
}
