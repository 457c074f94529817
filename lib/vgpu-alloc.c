/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - placement: choosing the parent device for a new mediated
 * device. Pure functions over a discovery snapshot; no I/O of their own.
 * The hook's flat snapshot (vgpu_discovery_list_offers()) reads active
 * instances and a type's name, description and NVIDIA decoding when a
 * getter first asks, so this file asks for them only where a decision or
 * a message needs them: per parent, placement costs what the listing read.
 */
#include "vgpu-alloc-private.h"
#include "vgpu-discovery-private.h"

#include <string.h>

#define CONFIG_FILE "/" VGPU_CONFIG_PATH

/*
 * The parents that share one physical device's capacity: a parent on its
 * own, or the SR-IOV VFs of one GPU that are mdev parents (NVIDIA Ampere
 * with vGPU drivers before 17). Placement, the capacity check and
 * messages count per group, named by vgpu_parent_get_gpu().
 */
typedef struct {
    const char *name;     /* the GPU (PF) or the parent itself */
    VgpuParent **members; /* offering the type, by name */
    guint n_members;
    guint available; /* free instances of the type, all members */
    gint active;     /* devices of the type, all members; -1 until
                      * counted (group_active()) */
} Group;

/* The groups of one type's offers: three allocations, whatever their
 * number (group_parents()). */
typedef struct {
    GPtrArray *members; /* VgpuParent offering the type, by GPU, name */
    Group *storage;
    GPtrArray *groups; /* Group (in storage), by name */
} Grouping;

static void
grouping_clear(Grouping *grouping)
{
    g_clear_pointer(&grouping->members, g_ptr_array_unref);
    g_clear_pointer(&grouping->storage, g_free);
    g_clear_pointer(&grouping->groups, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Grouping, grouping_clear)

typedef struct {
    VgpuPlacementPolicy policy;
} PlacementOrder;

/* By GPU (vgpu_parent_get_gpu()), then by name. */
static gint
compare_by_gpu(gconstpointer a, gconstpointer b)
{
    const VgpuParent *pa = *(const VgpuParent *const *)a;
    const VgpuParent *pb = *(const VgpuParent *const *)b;
    int by_gpu = strcmp(vgpu_parent_get_gpu(pa), vgpu_parent_get_gpu(pb));

    return by_gpu ? by_gpu
                  : strcmp(vgpu_parent_get_name(pa), vgpu_parent_get_name(pb));
}

static gint
compare_groups_by_name(gconstpointer a, gconstpointer b)
{
    const Group *ga = *(const Group *const *)a;
    const Group *gb = *(const Group *const *)b;

    return strcmp(ga->name, gb->name);
}

/* Devices of @type_id on the members of @group, counted once. */
static guint
group_active(Group *group, const char *type_id)
{
    if (group->active < 0) {
        guint active = 0;

        for (guint i = 0; i < group->n_members; i++)
            active += vgpu_mdev_type_get_active_instances(
                vgpu_parent_find_type(group->members[i], type_id));
        group->active = (gint)active;
    }
    return (guint)group->active;
}

/* Does @group hold devices of @type_id? Asks its members only until one
 * does. */
static gboolean
group_holds(const Group *group, const char *type_id)
{
    if (group->active >= 0)
        return group->active > 0;
    for (guint i = 0; i < group->n_members; i++) {
        if (vgpu_mdev_type_get_active_instances(
                vgpu_parent_find_type(group->members[i], type_id)) > 0)
            return TRUE;
    }
    return FALSE;
}

/*
 * Both policies take the groups already holding devices of the type first
 * and open another group only when those are full: on NVIDIA GPUs an
 * opened GPU is lost to every other type until its last device goes, so
 * opening GPUs for small types starves the large ones (bench/run,
 * "placement"). Among holders, and then among the others, pack takes the
 * fewest available instances, spread the most. Ties: name.
 *
 * This orders by the policy alone; choose_by_policy() then takes the
 * first holder in that order, else the first group, which is the same
 * choice without asking every group whether it holds devices.
 */
static gint
compare_by_policy(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const PlacementOrder *order = user_data;
    const Group *ga = *(const Group *const *)a;
    const Group *gb = *(const Group *const *)b;

    if (ga->available != gb->available) {
        gboolean fewer = ga->available < gb->available;

        if (order->policy == VGPU_PLACEMENT_SPREAD)
            fewer = !fewer;
        return fewer ? -1 : 1;
    }
    return compare_groups_by_name(a, b);
}

/* The group @policy takes among @candidates (groups with a free instance,
 * at least one); the order of @candidates changes. A single candidate is
 * taken without asking whether it holds devices (in the hook's flat
 * listing that question lists sys/bus/mdev/devices). */
static Group *
choose_by_policy(GPtrArray *candidates, VgpuPlacementPolicy policy,
                 const char *type_id)
{
    PlacementOrder order = {policy};

    if (candidates->len == 1)
        return candidates->pdata[0];
    g_ptr_array_sort_with_data(candidates, compare_by_policy, &order);
    for (guint i = 0; i < candidates->len; i++) {
        if (group_holds(candidates->pdata[i], type_id))
            return candidates->pdata[i];
    }
    return candidates->pdata[0];
}

/*
 * Groups the parents of @parents that offer @type_id by physical device
 * (@grouping->groups, in name order); with @config, only allowed parents.
 * Members are in name order.
 */
static void
group_parents(GPtrArray *parents, const char *type_id, const VgpuConfig *config,
              Grouping *grouping)
{
    GPtrArray *members = g_ptr_array_sized_new(parents->len);
    guint n = 0;

    for (guint i = 0; i < parents->len; i++) {
        VgpuParent *parent = parents->pdata[i];

        if (vgpu_parent_find_type(parent, type_id) &&
            (!config || vgpu_config_is_parent_allowed(
                            config, vgpu_parent_get_name(parent))))
            g_ptr_array_add(members, parent);
    }
    /* mostly sorted already: parents come by name, most are their own GPU */
    for (guint i = 1; i < members->len; i++) {
        if (compare_by_gpu(&members->pdata[i - 1], &members->pdata[i]) > 0) {
            g_ptr_array_sort(members, compare_by_gpu);
            break;
        }
    }
    grouping->members = members;
    grouping->storage = g_new0(Group, MAX(members->len, 1));
    grouping->groups = g_ptr_array_sized_new(members->len);
    for (guint i = 0; i < members->len; i++) {
        VgpuParent *parent = members->pdata[i];
        const char *gpu = vgpu_parent_get_gpu(parent);
        Group *group = n > 0 ? &grouping->storage[n - 1] : NULL;

        if (!group || !g_str_equal(group->name, gpu)) {
            group = &grouping->storage[n++];
            group->name = gpu;
            group->members = (VgpuParent **)&members->pdata[i];
            group->active = -1;
            g_ptr_array_add(grouping->groups, group);
        }
        group->n_members++;
        group->available += vgpu_mdev_type_get_available_instances(
            vgpu_parent_find_type(parent, type_id));
    }
}

/* The first member of @group (by name) with a free instance. */
static VgpuParent *
group_pick(const Group *group, const char *type_id)
{
    for (guint i = 0; i < group->n_members; i++) {
        VgpuParent *parent = group->members[i];

        if (vgpu_mdev_type_get_available_instances(
                vgpu_parent_find_type(parent, type_id)) > 0)
            return parent;
    }
    return NULL;
}

static VgpuParent *
find_parent(VgpuParent *const *parents, guint n_parents, const char *name)
{
    for (guint i = 0; i < n_parents; i++) {
        if (g_str_equal(vgpu_parent_get_name(parents[i]), name))
            return parents[i];
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
            vgpu_parent_find_type(group->members[0], type_id);
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
            vgpu_parent_find_type(group->members[0], type_id);

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
group_capacity(Group *group, const char *type_id)
{
    const VgpuMdevType *type;
    const VgpuNvidiaType *nvidia;

    if (group->n_members > 1 ||
        vgpu_parent_get_physical_function(group->members[0]))
        return group->available + group_active(group, type_id);
    type = vgpu_parent_find_type(group->members[0], type_id);
    nvidia = vgpu_mdev_type_get_nvidia(type);
    if (nvidia && vgpu_nvidia_type_get_max_instance(nvidia) > 0)
        return vgpu_nvidia_type_get_max_instance(nvidia);
    return group->available + group_active(group, type_id);
}

/* Appends the other types with devices on @group's members, once each. */
static void
append_other_types(GString *others, const Group *group, const char *type_id)
{
    for (guint m = 0; m < group->n_members; m++) {
        GPtrArray *types = vgpu_parent_get_types(group->members[m]);

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
append_capacity(GString *text, Group *group, const char *type_id,
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
    VgpuParent *parent = find_parent((VgpuParent *const *)parents->pdata,
                                     parents->len, requested);
    g_auto(Grouping) offers = {0};
    g_auto(Grouping) allowed = {0};
    g_autoptr(GPtrArray) one = g_ptr_array_new();
    g_autoptr(GString) entry = NULL;
    g_autofree char *label = NULL;
    const char *gpu = parent ? vgpu_parent_get_gpu(parent) : requested;
    Group *group;

    group_parents(parents, type_id, NULL, &offers);
    group_parents(parents, type_id, config, &allowed);
    if (!parent && !find_group(offers.groups, requested)) {
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
    group = find_group(allowed.groups, gpu);
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
    g_auto(Grouping) offers = {0};  /* offer the type, any capacity */
    g_auto(Grouping) allowed = {0}; /* ... and are allowed */
    g_autoptr(GPtrArray) candidates = NULL;
    g_autofree char *entries = NULL;
    g_autofree char *label = NULL;

    g_return_val_if_fail(parents != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);
    g_return_val_if_fail(config != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (requested_parent)
        return choose_requested(parents, type_id, requested_parent, config,
                                users, error);

    group_parents(parents, type_id, config, &allowed);
    candidates = g_ptr_array_sized_new(allowed.groups->len);
    for (guint i = 0; i < allowed.groups->len; i++) {
        Group *group = allowed.groups->pdata[i];

        if (group->available > 0)
            g_ptr_array_add(candidates, group);
    }
    if (candidates->len > 0)
        return group_pick(choose_by_policy(candidates,
                                           vgpu_config_get_placement(config),
                                           type_id),
                          type_id);

    if (allowed.groups->len == 0)
        group_parents(parents, type_id, NULL, &offers);
    if (allowed.groups->len == 0 && offers.groups->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device offers mdev type \"%s\"; 'vgpuctl "
                    "types' lists what this host offers",
                    type_id);
        return NULL;
    }
    if (allowed.groups->len == 0) {
        g_autofree char *names = join_names(offers.groups);

        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device in the allow-list (parents= in %s) "
                    "offers mdev type \"%s\"; it is offered by %s: add one "
                    "of them to the list",
                    CONFIG_FILE, type_id, names);
        return NULL;
    }

    label = type_label(allowed.groups, type_id);
    entries = capacity_entries(allowed.groups, type_id, users);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY,
                "no parent offers type %s with a free instance: %s; "
                "stop a domain using %s or add %s",
                label, entries, allowed.groups->len == 1 ? "it" : "one of them",
                added_hardware(allowed.groups, type_id));
    return NULL;
}

gboolean
vgpu_alloc_check_capacity(GPtrArray *parents, const char *type_id,
                          const char *requested_parent, guint count,
                          const VgpuConfig *config, GHashTable *users,
                          GError **error)
{
    g_auto(Grouping) allowed = {0};
    g_autoptr(GPtrArray) usable = NULL;
    g_autofree char *label = NULL;
    g_autofree char *entries = NULL;
    guint free_instances = 0;

    g_return_val_if_fail(parents != NULL, FALSE);
    g_return_val_if_fail(type_id != NULL, FALSE);
    g_return_val_if_fail(config != NULL, FALSE);

    group_parents(parents, type_id, config, &allowed);
    usable = g_ptr_array_sized_new(allowed.groups->len);
    for (guint i = 0; i < allowed.groups->len; i++) {
        Group *group = allowed.groups->pdata[i];
        const VgpuParent *named =
            requested_parent ? find_parent(group->members, group->n_members,
                                           requested_parent)
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

void
vgpu_alloc_first_fit_init(VgpuFirstFit *first_fit, const char *type_id,
                          const VgpuConfig *config)
{
    first_fit->type_id = type_id;
    first_fit->config = config;
    first_fit->once_per_gpu = -1;
}

gboolean
vgpu_alloc_first_fit_decides(VgpuParent *parent, gpointer first_fit)
{
    VgpuFirstFit *ff = first_fit;

    if (vgpu_parent_get_physical_function(parent))
        ff->once_per_gpu = 0;
    if (ff->once_per_gpu < 0)
        ff->once_per_gpu = vgpu_discovery_read_max_instance(
                               vgpu_parent_find_type(parent, ff->type_id)) == 1;
    return ff->once_per_gpu && vgpu_config_is_parent_allowed(
                                   ff->config, vgpu_parent_get_name(parent));
}
