/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - placement: choosing the parent device for a new mediated
 * device. Pure functions over a discovery snapshot; no I/O.
 */
#include <libvgpu/vgpu-alloc.h>

#include <string.h>

#define CONFIG_FILE "/" VGPU_CONFIG_PATH

typedef struct {
    VgpuPlacementPolicy policy;
    const char *type_id;
} PlacementOrder;

static gint
compare_by_name(gconstpointer a, gconstpointer b)
{
    const VgpuParent *pa = *(const VgpuParent *const *)a;
    const VgpuParent *pb = *(const VgpuParent *const *)b;

    return strcmp(vgpu_parent_get_name(pa), vgpu_parent_get_name(pb));
}

/*
 * Pack: parents already holding devices of the type first, then fewest
 * available instances. Spread: most available instances. Ties: name.
 */
static gint
compare_for_placement(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const PlacementOrder *order = user_data;
    const VgpuParent *pa = *(const VgpuParent *const *)a;
    const VgpuParent *pb = *(const VgpuParent *const *)b;
    const VgpuMdevType *ta = vgpu_parent_find_type(pa, order->type_id);
    const VgpuMdevType *tb = vgpu_parent_find_type(pb, order->type_id);
    guint avail_a = vgpu_mdev_type_get_available_instances(ta);
    guint avail_b = vgpu_mdev_type_get_available_instances(tb);

    if (order->policy == VGPU_PLACEMENT_PACK) {
        gboolean holds_a = vgpu_mdev_type_get_active_instances(ta) > 0;
        gboolean holds_b = vgpu_mdev_type_get_active_instances(tb) > 0;

        if (holds_a != holds_b)
            return holds_a ? -1 : 1;
        if (avail_a != avail_b)
            return avail_a < avail_b ? -1 : 1;
    } else {
        if (avail_a != avail_b)
            return avail_a > avail_b ? -1 : 1;
    }
    return compare_by_name(a, b);
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
type_label(GPtrArray *offers, const char *type_id)
{
    for (guint i = 0; i < offers->len; i++) {
        const VgpuMdevType *type =
            vgpu_parent_find_type(offers->pdata[i], type_id);
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
added_hardware(GPtrArray *offers, const char *type_id)
{
    for (guint i = 0; i < offers->len; i++) {
        const VgpuMdevType *type =
            vgpu_parent_find_type(offers->pdata[i], type_id);

        if (vgpu_mdev_type_get_nvidia(type))
            return "a GPU";
    }
    return "a parent device that offers it";
}

/* The maximum for "has <n> of <max> left". */
static guint
type_capacity(const VgpuMdevType *type)
{
    const VgpuNvidiaType *nvidia = vgpu_mdev_type_get_nvidia(type);

    if (nvidia && vgpu_nvidia_type_get_max_instance(nvidia) > 0)
        return vgpu_nvidia_type_get_max_instance(nvidia);
    return vgpu_mdev_type_get_available_instances(type) +
           vgpu_mdev_type_get_active_instances(type);
}

/*
 * Appends "<parent> has <n> of <max> left" and, when known, why: other
 * types with devices on the parent (NVIDIA GPUs of most generations host
 * one vGPU type at a time) and who uses it (@users).
 */
static void
append_capacity(GString *text, const VgpuParent *parent, const char *type_id,
                GHashTable *users)
{
    const char *name = vgpu_parent_get_name(parent);
    const VgpuMdevType *type = vgpu_parent_find_type(parent, type_id);
    GPtrArray *types = vgpu_parent_get_types(parent);
    g_autoptr(GString) others = g_string_new(NULL);
    const char *used_by = users ? g_hash_table_lookup(users, name) : NULL;

    g_string_append_printf(text, "%s has %u of %u left", name,
                           vgpu_mdev_type_get_available_instances(type),
                           type_capacity(type));

    for (guint i = 0; types && i < types->len; i++) {
        const VgpuMdevType *other = types->pdata[i];

        if (g_str_equal(vgpu_mdev_type_get_id(other), type_id) ||
            vgpu_mdev_type_get_active_instances(other) == 0)
            continue;
        if (others->len > 0)
            g_string_append(others, ", ");
        g_string_append(others, vgpu_mdev_type_get_id(other));
    }

    if (others->len > 0 && used_by && *used_by) {
        g_string_append_printf(text, " (holds %s devices; used by %s)",
                               others->str, used_by);
    } else if (others->len > 0) {
        g_string_append_printf(text, " (holds %s devices)", others->str);
    } else if (used_by && *used_by) {
        g_string_append_printf(text, " (used by %s)", used_by);
    }
}

/* "<parent> has <n> of <max> left (...)" for each of @parents, joined. */
static char *
capacity_entries(GPtrArray *parents, const char *type_id, GHashTable *users)
{
    g_autoptr(GString) text = g_string_new(NULL);

    for (guint i = 0; i < parents->len; i++) {
        if (i > 0)
            g_string_append(text, ", ");
        append_capacity(text, parents->pdata[i], type_id, users);
    }
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static char *
join_names(GPtrArray *parents)
{
    g_autoptr(GString) text = g_string_new(NULL);

    for (guint i = 0; i < parents->len; i++) {
        if (i > 0)
            g_string_append(text, ", ");
        g_string_append(text, vgpu_parent_get_name(parents->pdata[i]));
    }
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static VgpuParent *
choose_requested(GPtrArray *parents, const char *type_id, const char *requested,
                 const VgpuConfig *config, GHashTable *users, GError **error)
{
    VgpuParent *parent = find_parent(parents, requested);
    const VgpuMdevType *type;
    g_autoptr(GPtrArray) offers = NULL;
    g_autoptr(GString) entry = NULL;
    g_autofree char *label = NULL;

    if (!parent) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" requested for mdev type \"%s\" "
                    "does not exist or does not offer that type; "
                    "'vgpuctl types' lists what this host offers",
                    requested, type_id);
        return NULL;
    }
    type = vgpu_parent_find_type(parent, type_id);
    if (!type) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" requested for mdev type \"%s\" "
                    "does not offer that type; 'vgpuctl types' lists what "
                    "this host offers",
                    requested, type_id);
        return NULL;
    }
    if (!vgpu_config_is_parent_allowed(config, requested)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device \"%s\" requested for mdev type \"%s\" "
                    "is not in the allow-list (parents= in %s); add it "
                    "there or drop the parent from the request",
                    requested, type_id, CONFIG_FILE);
        return NULL;
    }
    if (vgpu_mdev_type_get_available_instances(type) > 0)
        return parent;

    offers = g_ptr_array_new();
    g_ptr_array_add(offers, parent);
    label = type_label(offers, type_id);
    entry = g_string_new(NULL);
    append_capacity(entry, parent, type_id, users);
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

    offers = g_ptr_array_new();
    allowed = g_ptr_array_new();
    candidates = g_ptr_array_new();
    for (guint i = 0; i < parents->len; i++) {
        VgpuParent *parent = parents->pdata[i];
        const VgpuMdevType *type = vgpu_parent_find_type(parent, type_id);

        if (!type)
            continue;
        g_ptr_array_add(offers, parent);
        if (!vgpu_config_is_parent_allowed(config,
                                           vgpu_parent_get_name(parent)))
            continue;
        g_ptr_array_add(allowed, parent);
        if (vgpu_mdev_type_get_available_instances(type) > 0)
            g_ptr_array_add(candidates, parent);
    }

    if (offers->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device offers mdev type \"%s\"; 'vgpuctl "
                    "types' lists what this host offers",
                    type_id);
        return NULL;
    }
    if (allowed->len == 0) {
        g_autofree char *names = NULL;

        g_ptr_array_sort(offers, compare_by_name);
        names = join_names(offers);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device in the allow-list (parents= in %s) "
                    "offers mdev type \"%s\"; it is offered by %s: add one "
                    "of them to the list",
                    CONFIG_FILE, type_id, names);
        return NULL;
    }

    if (candidates->len > 0) {
        order.policy = vgpu_config_get_placement(config);
        order.type_id = type_id;
        g_ptr_array_sort_with_data(candidates, compare_for_placement, &order);
        return candidates->pdata[0];
    }

    g_ptr_array_sort(allowed, compare_by_name);
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
    g_autoptr(GPtrArray) usable = NULL;
    g_autofree char *label = NULL;
    g_autofree char *entries = NULL;
    guint free_instances = 0;

    g_return_val_if_fail(parents != NULL, FALSE);
    g_return_val_if_fail(type_id != NULL, FALSE);
    g_return_val_if_fail(config != NULL, FALSE);

    usable = g_ptr_array_new();
    for (guint i = 0; i < parents->len; i++) {
        VgpuParent *parent = parents->pdata[i];
        const char *name = vgpu_parent_get_name(parent);
        const VgpuMdevType *type = vgpu_parent_find_type(parent, type_id);

        if (!type || !vgpu_config_is_parent_allowed(config, name) ||
            (requested_parent && !g_str_equal(name, requested_parent)))
            continue;
        g_ptr_array_add(usable, parent);
        free_instances += vgpu_mdev_type_get_available_instances(type);
    }
    /* Nothing usable or nothing free at all: vgpu_alloc_choose_parent()
     * says precisely why when the first device is placed. */
    if (free_instances >= count || free_instances == 0)
        return TRUE;

    g_ptr_array_sort(usable, compare_by_name);
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
