/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - planning several domains' starts together: their requests
 * summed per group against what the host has free now (vgpu-plan.h).
 */
#include <libvgpu/vgpu-alloc.h>
#include <libvgpu/vgpu-discovery.h>
#include <libvgpu/vgpu-plan.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-backend.h"
#include "vgpu-sysfs.h"

#include <string.h>

/* The requests of one group: class, type and (nullable) pinned device. */
typedef struct {
    VgpuDeviceClass device_class;
    char *type_id;
    char *parent;
    guint requested;
    GPtrArray *domains; /* utf8, each once */
} Demand;

static void
demand_free(Demand *demand)
{
    g_free(demand->type_id);
    g_free(demand->parent);
    g_ptr_array_unref(demand->domains);
    g_free(demand);
}

void
vgpu_plan_conflict_free(VgpuPlanConflict *conflict)
{
    if (!conflict)
        return;
    g_free(conflict->type_id);
    g_free(conflict->parent);
    g_strfreev(conflict->domains);
    g_free(conflict->message);
    g_free(conflict);
}

/* Counts one request of @domain into its group in @demands. */
static void
demand_add(GHashTable *demands, VgpuDeviceClass device_class,
           const char *type_id, const char *parent, const char *domain)
{
    g_autofree char *key = g_strdup_printf("%d/%s/%s", (int)device_class,
                                           type_id, parent ? parent : "");
    Demand *demand = g_hash_table_lookup(demands, key);

    if (!demand) {
        demand = g_new0(Demand, 1);
        demand->device_class = device_class;
        demand->type_id = g_strdup(type_id);
        demand->parent = g_strdup(parent);
        demand->domains = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_insert(demands, g_steal_pointer(&key), demand);
    }
    demand->requested++;
    if (!g_ptr_array_find_with_equal_func(demand->domains, domain, g_str_equal,
                                          NULL))
        g_ptr_array_add(demand->domains, g_strdup(domain));
}

/* Does the device of @request exist already for @domain (not counted)? */
static gboolean
already_there(VgpuContext *ctx, const char *domain, const VgpuRequest *request)
{
    const VgpuBackend *backend =
        vgpu_backend_for_class(vgpu_request_get_device_class(request));
    const char *id = vgpu_request_get_device_id(request);
    g_autoptr(VgpuRecord) record = NULL;

    if (!backend->exists(ctx, id))
        return FALSE;
    if (!backend->claims)
        return TRUE;
    record = vgpu_state_load_record(ctx, id, NULL);
    return record && g_str_equal(vgpu_record_get_domain(record), domain);
}

/* ---- mdev capacity ------------------------------------------------------ */

/* Does any parent of @gpu in @parents hold a device (of any type)? */
static gboolean
gpu_is_busy(GPtrArray *parents, const char *gpu)
{
    for (guint i = 0; i < parents->len; i++) {
        GPtrArray *types = vgpu_parent_get_types(parents->pdata[i]);

        if (!g_str_equal(vgpu_parent_get_gpu(parents->pdata[i]), gpu))
            continue;
        for (guint t = 0; types && t < types->len; t++) {
            if (vgpu_mdev_type_get_active_instances(types->pdata[t]) > 0)
                return TRUE;
        }
    }
    return FALSE;
}

/*
 * Free instances of @type_id over the allowed @parents: on parents named
 * @only or of GPU @only (when given); of idle NVIDIA GPUs only when
 * @idle_gpu is NULL (skipped) or names that GPU (only it counted).
 */
static guint
free_instances(GPtrArray *parents, const char *type_id, const char *only,
               const char *idle_gpu, const VgpuConfig *config)
{
    guint total = 0;

    for (guint i = 0; i < parents->len; i++) {
        const VgpuParent *parent = parents->pdata[i];
        const char *gpu = vgpu_parent_get_gpu(parent);
        VgpuMdevType *type = vgpu_parent_find_type(parent, type_id);
        gboolean idle;

        if (!type ||
            !vgpu_config_is_parent_allowed(config,
                                           vgpu_parent_get_name(parent)) ||
            (only && !g_str_equal(vgpu_parent_get_name(parent), only) &&
             !g_str_equal(gpu, only)))
            continue;
        idle = vgpu_mdev_type_get_nvidia(type) && !gpu_is_busy(parents, gpu);
        if (only || (!idle_gpu && !idle) ||
            (idle_gpu && idle && g_str_equal(gpu, idle_gpu)))
            total += vgpu_mdev_type_get_available_instances(type);
    }
    return total;
}

/* The idle NVIDIA GPUs of the allowed @parents, each once, sorted. */
static GPtrArray *
idle_gpus(GPtrArray *parents, const VgpuConfig *config)
{
    GPtrArray *gpus = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < parents->len; i++) {
        const VgpuParent *parent = parents->pdata[i];
        GPtrArray *types = vgpu_parent_get_types(parent);
        const char *gpu = vgpu_parent_get_gpu(parent);

        if (!types || types->len == 0 ||
            !vgpu_mdev_type_get_nvidia(types->pdata[0]) ||
            !vgpu_config_is_parent_allowed(config,
                                           vgpu_parent_get_name(parent)) ||
            gpu_is_busy(parents, gpu) ||
            g_ptr_array_find_with_equal_func(gpus, gpu, g_str_equal, NULL))
            continue;
        g_ptr_array_add(gpus, g_strdup(gpu));
    }
    g_ptr_array_sort(gpus, vgpu_compare_names);
    return gpus;
}

/* Largest shortfall first, then by type. */
static gint
compare_shortfall(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const Demand *da = *(Demand *const *)a;
    const Demand *db = *(Demand *const *)b;
    GHashTable *fixed = user_data;
    gint64 sa = (gint64)da->requested -
                GPOINTER_TO_UINT(g_hash_table_lookup(fixed, da));
    gint64 sb = (gint64)db->requested -
                GPOINTER_TO_UINT(g_hash_table_lookup(fixed, db));

    if (sa != sb)
        return sa > sb ? -1 : 1;
    return strcmp(da->type_id, db->type_id);
}

/*
 * Capacity of each unpinned mdev group of @mdev (element-type Demand) in
 * @capacity (Demand → count): instances on busy GPUs and non-NVIDIA
 * parents, plus idle NVIDIA GPUs handed out one type each, largest
 * shortfall first, the GPU with the most instances of the type first.
 */
static void
mdev_capacity(GPtrArray *parents, GPtrArray *mdev, const VgpuConfig *config,
              GHashTable *capacity)
{
    g_autoptr(GPtrArray) gpus = idle_gpus(parents, config);
    g_autoptr(GHashTable) taken = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < mdev->len; i++) {
        Demand *demand = mdev->pdata[i];
        g_hash_table_insert(capacity, demand,
                            GUINT_TO_POINTER(free_instances(
                                parents, demand->type_id, NULL, NULL, config)));
    }
    g_ptr_array_sort_with_data(mdev, compare_shortfall, capacity);
    for (guint i = 0; i < mdev->len; i++) {
        Demand *demand = mdev->pdata[i];
        guint have = GPOINTER_TO_UINT(g_hash_table_lookup(capacity, demand));

        while (have < demand->requested) {
            const char *best = NULL;
            guint most = 0;

            for (guint g = 0; g < gpus->len; g++) {
                guint n = g_hash_table_contains(taken, gpus->pdata[g])
                              ? 0
                              : free_instances(parents, demand->type_id, NULL,
                                               gpus->pdata[g], config);
                if (n > most) {
                    most = n;
                    best = gpus->pdata[g];
                }
            }
            if (!best)
                break;
            g_hash_table_add(taken, (gpointer)best);
            have += most;
        }
        g_hash_table_insert(capacity, demand, GUINT_TO_POINTER(have));
    }
}

/* ---- results ------------------------------------------------------------ */

static char *
describe_conflict(const Demand *demand, guint capacity, const char *domains)
{
    const char *noun = demand->device_class == VGPU_DEVICE_CLASS_MDEV
                           ? "mediated device"
                           : "virtual function";

    if (demand->parent && demand->device_class != VGPU_DEVICE_CLASS_MDEV)
        return g_strdup_printf("domains %s all pin virtual function %s "
                               "(type %s); only one of them can run at a "
                               "time",
                               domains, demand->parent, demand->type_id);
    return g_strdup_printf(
        "domain%s %s request%s %u %s%s of type %s%s%s, but only %u can be "
        "%s now; they cannot all start at the same time",
        demand->domains->len == 1 ? "" : "s", domains,
        demand->domains->len == 1 ? "s" : "", demand->requested, noun,
        demand->requested == 1 ? "" : "s", demand->type_id,
        demand->parent ? " on " : "", demand->parent ? demand->parent : "",
        capacity,
        demand->device_class == VGPU_DEVICE_CLASS_MDEV ? "created"
                                                       : "given out");
}

static VgpuPlanConflict *
conflict_new(const Demand *demand, guint capacity)
{
    VgpuPlanConflict *conflict = g_new0(VgpuPlanConflict, 1);
    g_autofree char *domains = NULL;

    g_ptr_array_sort(demand->domains, vgpu_compare_names);
    g_ptr_array_add(demand->domains, NULL);
    conflict->domains = g_strdupv((char **)demand->domains->pdata);
    g_ptr_array_remove_index(demand->domains, demand->domains->len - 1);
    domains = g_strjoinv(", ", conflict->domains);
    conflict->device_class = demand->device_class;
    conflict->type_id = g_strdup(demand->type_id);
    conflict->parent = g_strdup(demand->parent);
    conflict->requested = demand->requested;
    conflict->capacity = capacity;
    conflict->message = describe_conflict(demand, capacity, domains);
    return conflict;
}

static gint
compare_conflicts(gconstpointer a, gconstpointer b)
{
    const VgpuPlanConflict *ca = *(VgpuPlanConflict *const *)a;
    const VgpuPlanConflict *cb = *(VgpuPlanConflict *const *)b;
    int by_type;

    if (ca->device_class != cb->device_class)
        return ca->device_class < cb->device_class ? -1 : 1;
    by_type = strcmp(ca->type_id, cb->type_id);
    return by_type ? by_type : g_strcmp0(ca->parent, cb->parent);
}

/* The capacity of every group of @demands (Demand → count). */
static GHashTable *
capacities(VgpuContext *ctx, GHashTable *demands, const VgpuConfig *config,
           GError **error)
{
    g_autoptr(GHashTable) capacity = g_hash_table_new(NULL, NULL);
    g_autoptr(GPtrArray) mdev = g_ptr_array_new();
    g_autoptr(GPtrArray) parents = vgpu_discovery_list_parents(ctx, error);
    GHashTableIter iter;
    gpointer value;

    if (!parents)
        return NULL;
    g_hash_table_iter_init(&iter, demands);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Demand *demand = value;
        guint n;

        if (demand->device_class == VGPU_DEVICE_CLASS_MDEV && !demand->parent) {
            g_ptr_array_add(mdev, demand);
            continue;
        }
        if (demand->device_class == VGPU_DEVICE_CLASS_MDEV)
            n = free_instances(parents, demand->type_id, demand->parent, NULL,
                               config);
        else if (demand->parent)
            n = 1; /* a pinned VF serves one domain */
        else
            n = vgpu_alloc_count_free_vfs(ctx, demand->type_id, config);
        g_hash_table_insert(capacity, demand, GUINT_TO_POINTER(n));
    }
    mdev_capacity(parents, mdev, config, capacity);
    return g_steal_pointer(&capacity);
}

GPtrArray *
vgpu_plan_find_conflicts(VgpuContext *ctx, GPtrArray *domains,
                         GPtrArray *requests, const VgpuConfig *config,
                         GError **error)
{
    g_autoptr(VgpuConfig) own = NULL;
    g_autoptr(GHashTable) demands = g_hash_table_new_full(
        g_str_hash, g_str_equal, g_free, (GDestroyNotify)demand_free);
    g_autoptr(GHashTable) capacity = NULL;
    g_autoptr(GPtrArray) conflicts =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_plan_conflict_free);
    GHashTableIter iter;
    gpointer key, value;

    g_return_val_if_fail(ctx != NULL, NULL);
    g_return_val_if_fail(domains != NULL && requests != NULL, NULL);

    if (domains->len != requests->len) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%u domain names but %u request lists were given",
                    domains->len, requests->len);
        return NULL;
    }
    if (!config) {
        own = vgpu_config_load(ctx, error);
        if (!own)
            return NULL;
        config = own;
    }
    for (guint d = 0; d < domains->len; d++) {
        GPtrArray *list = requests->pdata[d];

        for (guint i = 0; i < list->len; i++) {
            const VgpuRequest *request = list->pdata[i];
            VgpuDeviceClass device_class =
                vgpu_request_get_device_class(request);
            const char *type_id = vgpu_request_get_type_id(request);

            if (already_there(ctx, domains->pdata[d], request))
                continue;
            demand_add(demands, device_class, type_id,
                       device_class == VGPU_DEVICE_CLASS_MDEV
                           ? vgpu_request_get_parent(request)
                           : vgpu_request_get_device_id(request),
                       domains->pdata[d]);
            if (device_class != VGPU_DEVICE_CLASS_MDEV)
                demand_add(demands, device_class, type_id, NULL,
                           domains->pdata[d]);
        }
    }
    capacity = capacities(ctx, demands, config, error);
    if (!capacity)
        return NULL;
    g_hash_table_iter_init(&iter, demands);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        Demand *demand = value;
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(capacity, demand));

        if (demand->requested > n)
            g_ptr_array_add(conflicts, conflict_new(demand, n));
    }
    g_ptr_array_sort(conflicts, compare_conflicts);
    return g_steal_pointer(&conflicts);
}
