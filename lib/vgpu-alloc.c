/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - placement: choosing the parent device for a new mediated
 * device. Pure functions over a discovery snapshot; no I/O.
 */
#include <libvgpu/vgpu-alloc.h>

#include <string.h>

#define CONFIG_FILE "/" VGPU_CONFIG_PATH

/*
 * The parents that share one physical device's capacity: a parent on its
 * own, or the SR-IOV VFs of one GPU that are mdev parents (NVIDIA Ampere
 * with vGPU drivers before 17). Placement, the capacity check and
 * messages count per group, named by vgpu_parent_get_gpu().
 */
typedef struct {
    const char *name;   /* the GPU (PF) or the parent itself */
    GPtrArray *members; /* VgpuParent offering the type, by name */
    guint available;    /* free instances of the type, all members */
    guint active;       /* devices of the type, all members */
} Group;

static void
group_free(Group *group)
{
    g_ptr_array_unref(group->members);
    g_free(group);
}

typedef struct {
    VgpuPlacementPolicy policy;
} PlacementOrder;

static gint
compare_by_name(gconstpointer a, gconstpointer b)
{
    const VgpuParent *pa = *(const VgpuParent *const *)a;
    const VgpuParent *pb = *(const VgpuParent *const *)b;

    return strcmp(vgpu_parent_get_name(pa), vgpu_parent_get_name(pb));
}

static gint
compare_groups_by_name(gconstpointer a, gconstpointer b)
{
    const Group *ga = *(const Group *const *)a;
    const Group *gb = *(const Group *const *)b;

    return strcmp(ga->name, gb->name);
}

/*
 * Both policies take the groups already holding devices of the type first
 * and open another group only when those are full: on NVIDIA GPUs an
 * opened GPU is lost to every other type until its last device goes, so
 * opening GPUs for small types starves the large ones (bench/run,
 * "placement"). Among holders, and then among the others, pack takes the
 * fewest available instances, spread the most. Ties: name.
 */
static gint
compare_for_placement(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const PlacementOrder *order = user_data;
    const Group *ga = *(const Group *const *)a;
    const Group *gb = *(const Group *const *)b;
    gboolean holds_a = ga->active > 0;
    gboolean holds_b = gb->active > 0;

    if (holds_a != holds_b)
        return holds_a ? -1 : 1;
    if (ga->available != gb->available) {
        gboolean fewer = ga->available < gb->available;

        if (order->policy == VGPU_PLACEMENT_SPREAD)
            fewer = !fewer;
        return fewer ? -1 : 1;
    }
    return compare_groups_by_name(a, b);
}

/*
 * Groups the parents of @parents that offer @type_id by physical device,
 * in name order; with @config, only allowed parents. Members are in name
 * order. (element-type Group)
 */
static GPtrArray *
group_parents(GPtrArray *parents, const char *type_id, const VgpuConfig *config)
{
    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *groups =
        g_ptr_array_new_with_free_func((GDestroyNotify)group_free);

    for (guint i = 0; i < parents->len; i++) {
        VgpuParent *parent = parents->pdata[i];
        const VgpuMdevType *type = vgpu_parent_find_type(parent, type_id);
        const char *gpu = vgpu_parent_get_gpu(parent);
        Group *group;

        if (!type || (config && !vgpu_config_is_parent_allowed(
                                    config, vgpu_parent_get_name(parent))))
            continue;
        group = g_hash_table_lookup(by_name, gpu);
        if (!group) {
            group = g_new0(Group, 1);
            group->name = gpu;
            group->members = g_ptr_array_new();
            g_hash_table_insert(by_name, (gpointer)gpu, group);
            g_ptr_array_add(groups, group);
        }
        g_ptr_array_add(group->members, parent);
        group->available += vgpu_mdev_type_get_available_instances(type);
        group->active += vgpu_mdev_type_get_active_instances(type);
    }
    for (guint i = 0; i < groups->len; i++) {
        Group *group = groups->pdata[i];
        g_ptr_array_sort(group->members, compare_by_name);
    }
    g_ptr_array_sort(groups, compare_groups_by_name);
    return groups;
}

/* The first member of @group (by name) with a free instance. */
static VgpuParent *
group_pick(const Group *group, const char *type_id)
{
    for (guint i = 0; i < group->members->len; i++) {
        VgpuParent *parent = group->members->pdata[i];

        if (vgpu_mdev_type_get_available_instances(
                vgpu_parent_find_type(parent, type_id)) > 0)
            return parent;
    }
    return NULL;
}

static VgpuParent *
find_parent(GPtrArray *parents, const char *name)
{
    for (guint i = 0; i < parents->len; i++) {
        VgpuParent *parent = parents->pdata[i];

        if (g_str_equal(vgpu_parent_get_name(parent), name))
            return parent;
    }
    return NULL;
}

/* "nvidia-65 (GRID P4-4Q)", or just the id when no offer has a name. */
static char *
type_label(GPtrArray *groups, const char *type_id)
{
    for (guint i = 0; i < groups->len; i++) {
        const Group *group = groups->pdata[i];
        const VgpuMdevType *type =
            vgpu_parent_find_type(group->members->pdata[0], type_id);
        const char *name = vgpu_mdev_type_get_name(type);

        if (name && *name)
            return g_strdup_printf("%s (%s)", type_id, name);
    }
    return g_strdup(type_id);
}

/*
 * What the administrator would add to get more instances: a GPU for
 * NVIDIA vGPU types, another parent device for anything else (mtty, Intel
 * GVT-g, s390 AP/CCW parents are not GPUs).
 */
static const char *
added_hardware(GPtrArray *groups, const char *type_id)
{
    for (guint i = 0; i < groups->len; i++) {
        const Group *group = groups->pdata[i];
        const VgpuMdevType *type =
            vgpu_parent_find_type(group->members->pdata[0], type_id);

        if (vgpu_mdev_type_get_nvidia(type))
            return "a GPU";
    }
    return "a parent device that offers it";
}

/*
 * The maximum for "has <n> of <max> left": for a parent on its own the
 * NVIDIA `max_instance` when decoded, else available + active; for the
 * VFs of one GPU, the sum of available + active over the VFs (NVIDIA
 * turns the free VFs' available_instances to 0 once the GPU is full).
 */
static guint
group_capacity(const Group *group, const char *type_id)
{
    const VgpuMdevType *type;
    const VgpuNvidiaType *nvidia;

    if (group->members->len > 1 ||
        vgpu_parent_get_physical_function(group->members->pdata[0]))
        return group->available + group->active;
    type = vgpu_parent_find_type(group->members->pdata[0], type_id);
    nvidia = vgpu_mdev_type_get_nvidia(type);
    if (nvidia && vgpu_nvidia_type_get_max_instance(nvidia) > 0)
        return vgpu_nvidia_type_get_max_instance(nvidia);
    return group->available + group->active;
}

/* Appends the other types with devices on @group's members, once each. */
static void
append_other_types(GString *others, const Group *group, const char *type_id)
{
    for (guint m = 0; m < group->members->len; m++) {
        GPtrArray *types = vgpu_parent_get_types(group->members->pdata[m]);

        for (guint i = 0; types && i < types->len; i++) {
            const VgpuMdevType *other = types->pdata[i];
            const char *id = vgpu_mdev_type_get_id(other);
            g_autofree char *needle = g_strdup_printf(", %s,", id);
            g_autofree char *listed = g_strdup_printf(", %s,", others->str);

            if (g_str_equal(id, type_id) ||
                vgpu_mdev_type_get_active_instances(other) == 0 ||
                strstr(listed, needle))
                continue;
            if (others->len > 0)
                g_string_append(others, ", ");
            g_string_append(others, id);
        }
    }
}

/*
 * Appends "<gpu> has <n> of <max> left" and, when known, why: other
 * types with devices on it (NVIDIA GPUs of most generations host one vGPU
 * type at a time) and who uses it (@users, keyed by the group's name).
 */
static void
append_capacity(GString *text, const Group *group, const char *type_id,
                GHashTable *users)
{
    g_autoptr(GString) others = g_string_new(NULL);
    const char *used_by =
        users ? g_hash_table_lookup(users, group->name) : NULL;

    g_string_append_printf(text, "%s has %u of %u left", group->name,
                           group->available, group_capacity(group, type_id));
    append_other_types(others, group, type_id);

    if (others->len > 0 && used_by && *used_by) {
        g_string_append_printf(text, " (holds %s devices; used by %s)",
                               others->str, used_by);
    } else if (others->len > 0) {
        g_string_append_printf(text, " (holds %s devices)", others->str);
    } else if (used_by && *used_by) {
        g_string_append_printf(text, " (used by %s)", used_by);
    }
}

/* "<gpu> has <n> of <max> left (...)" for each of @groups, joined. */
static char *
capacity_entries(GPtrArray *groups, const char *type_id, GHashTable *users)
{
    g_autoptr(GString) text = g_string_new(NULL);

    for (guint i = 0; i < groups->len; i++) {
        if (i > 0)
            g_string_append(text, ", ");
        append_capacity(text, groups->pdata[i], type_id, users);
    }
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static char *
join_names(GPtrArray *groups)
{
    g_autoptr(GString) text = g_string_new(NULL);

    for (guint i = 0; i < groups->len; i++) {
        if (i > 0)
            g_string_append(text, ", ");
        g_string_append(text, ((const Group *)groups->pdata[i])->name);
    }
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static Group *
find_group(GPtrArray *groups, const char *name)
{
    for (guint i = 0; i < groups->len; i++) {
        Group *group = groups->pdata[i];

        if (g_str_equal(group->name, name))
            return group;
    }
    return NULL;
}

/*
 * A request that names its parent: that parent, or, when it names a GPU
 * whose VFs are the parents, a free VF of that GPU.
 */
static VgpuParent *
choose_requested(GPtrArray *parents, const char *type_id, const char *requested,
                 const VgpuConfig *config, GHashTable *users, GError **error)
{
    VgpuParent *parent = find_parent(parents, requested);
    g_autoptr(GPtrArray) offers = group_parents(parents, type_id, NULL);
    g_autoptr(GPtrArray) allowed = group_parents(parents, type_id, config);
    g_autoptr(GPtrArray) one = g_ptr_array_new();
    g_autoptr(GString) entry = NULL;
    g_autofree char *label = NULL;
    const char *gpu = parent ? vgpu_parent_get_gpu(parent) : requested;
    Group *group;

    if (!parent && !find_group(offers, requested)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" requested for mdev type \"%s\" "
                    "does not exist or does not offer that type; "
                    "'vgpuctl types' lists what this host offers",
                    requested, type_id);
        return NULL;
    }
    if (parent && !vgpu_parent_find_type(parent, type_id)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" requested for mdev type \"%s\" "
                    "does not offer that type; 'vgpuctl types' lists what "
                    "this host offers",
                    requested, type_id);
        return NULL;
    }
    group = find_group(allowed, gpu);
    if (!group ||
        (parent && !vgpu_config_is_parent_allowed(config, requested))) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" requested for mdev type \"%s\" "
                    "is not in the allow-list (parents= in %s); add it "
                    "there or drop the parent from the request",
                    requested, type_id, CONFIG_FILE);
        return NULL;
    }
    if (parent && vgpu_mdev_type_get_available_instances(
                      vgpu_parent_find_type(parent, type_id)) > 0)
        return parent;
    if (!parent && (parent = group_pick(group, type_id)) != NULL)
        return parent;

    g_ptr_array_add(one, group);
    label = type_label(one, type_id);
    entry = g_string_new(NULL);
    append_capacity(entry, group, type_id, users);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY,
                "requested parent device %s has no free instance of type "
                "%s: %s; stop a domain using it or drop the parent from the "
                "request",
                requested, label, entry->str);
    return NULL;
}

VgpuParent *
vgpu_alloc_choose_parent(GPtrArray *parents, const char *type_id,
                         const char *requested_parent, const VgpuConfig *config,
                         GHashTable *users, GError **error)
{
    g_autoptr(GPtrArray) offers = NULL;  /* offer the type, any capacity */
    g_autoptr(GPtrArray) allowed = NULL; /* ... and are allowed */
    g_autoptr(GPtrArray) candidates = NULL;
    g_autofree char *entries = NULL;
    g_autofree char *label = NULL;
    PlacementOrder order;

    g_return_val_if_fail(parents != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);
    g_return_val_if_fail(config != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (requested_parent)
        return choose_requested(parents, type_id, requested_parent, config,
                                users, error);

    offers = group_parents(parents, type_id, NULL);
    allowed = group_parents(parents, type_id, config);
    candidates = g_ptr_array_new();
    for (guint i = 0; i < allowed->len; i++) {
        Group *group = allowed->pdata[i];

        if (group->available > 0)
            g_ptr_array_add(candidates, group);
    }

    if (offers->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device offers mdev type \"%s\"; 'vgpuctl "
                    "types' lists what this host offers",
                    type_id);
        return NULL;
    }
    if (allowed->len == 0) {
        g_autofree char *names = join_names(offers);

        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device in the allow-list (parents= in %s) "
                    "offers mdev type \"%s\"; it is offered by %s: add one "
                    "of them to the list",
                    CONFIG_FILE, type_id, names);
        return NULL;
    }

    if (candidates->len > 0) {
        order.policy = vgpu_config_get_placement(config);
        g_ptr_array_sort_with_data(candidates, compare_for_placement, &order);
        return group_pick(candidates->pdata[0], type_id);
    }

    label = type_label(allowed, type_id);
    entries = capacity_entries(allowed, type_id, users);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY,
                "no parent offers type %s with a free instance: %s; "
                "stop a domain using %s or add %s",
                label, entries, allowed->len == 1 ? "it" : "one of them",
                added_hardware(allowed, type_id));
    return NULL;
}

gboolean
vgpu_alloc_check_capacity(GPtrArray *parents, const char *type_id,
                          const char *requested_parent, guint count,
                          const VgpuConfig *config, GHashTable *users,
                          GError **error)
{
    g_autoptr(GPtrArray) allowed = NULL;
    g_autoptr(GPtrArray) usable = NULL;
    g_autofree char *label = NULL;
    g_autofree char *entries = NULL;
    guint free_instances = 0;

    g_return_val_if_fail(parents != NULL, FALSE);
    g_return_val_if_fail(type_id != NULL, FALSE);
    g_return_val_if_fail(config != NULL, FALSE);

    allowed = group_parents(parents, type_id, config);
    usable = g_ptr_array_new();
    for (guint i = 0; i < allowed->len; i++) {
        Group *group = allowed->pdata[i];
        const VgpuParent *named =
            requested_parent ? find_parent(group->members, requested_parent)
                             : NULL;

        if (requested_parent && !named &&
            !g_str_equal(group->name, requested_parent))
            continue;
        g_ptr_array_add(usable, group);
        free_instances += named ? vgpu_mdev_type_get_available_instances(
                                      vgpu_parent_find_type(named, type_id))
                                : group->available;
    }
    /* Nothing usable or nothing free at all: vgpu_alloc_choose_parent()
     * says precisely why when the first device is placed. */
    if (free_instances >= count || free_instances == 0)
        return TRUE;

    label = type_label(usable, type_id);
    entries = capacity_entries(usable, type_id, users);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY,
                "%u mediated devices of type %s are requested but only %u "
                "%s free: %s; stop a domain using %s or request fewer",
                count, label, free_instances,
                free_instances == 1 ? "is" : "are", entries,
                usable->len == 1 ? "it" : "one of them");
    return FALSE;
}
