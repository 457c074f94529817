/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of lib/vgpu-alloc.c: placement over discovery snapshots of
 * fixture sysfs trees (tests/vgpu-test-util.h). Every test runs twice:
 * once with the per-type snapshot of vgpu_discovery_list_parents_for_type()
 * and once ("flat: ") with the hook's flat listing
 * (vgpu_discovery_list_offers(), which reads the rest when asked): same
 * choices, same messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <libvgpu/vgpu-alloc.h>

#include "vgpu-alloc-private.h"
#include "vgpu-discovery-private.h"
#include "vgpu-test-util.h"

#define GPU_A "0000:05:00.0"
#define GPU_B "0000:06:00.0"
#define GPU_C "0000:07:00.0"

/* Tesla P4 (8 GiB): nvidia-63 is P4-2Q, nvidia-65 is P4-4Q */
#define P4_2Q_NAME "GRID P4-2Q"
#define P4_2Q_DESC                                                             \
    "num_heads=4, frl_config=60, framebuffer=2048M, "                          \
    "max_resolution=7680x4320, max_instance=4"
#define P4_4Q_NAME "GRID P4-4Q"
#define P4_4Q_DESC                                                             \
    "num_heads=4, frl_config=60, framebuffer=4096M, "                          \
    "max_resolution=7680x4320, max_instance=2"

/* P4-8Q: the whole GPU, one instance per GPU */
#define P4_8Q_NAME "GRID P4-8Q"
#define P4_8Q_DESC                                                             \
    "num_heads=4, frl_config=60, framebuffer=8192M, "                          \
    "max_resolution=7680x4320, max_instance=1"
#define GPU_D "0000:08:00.0"

#define UUID_1 "11111111-1111-4111-8111-111111111111"
#define UUID_2 "22222222-2222-4222-8222-222222222222"
#define UUID_3 "33333333-3333-4333-8333-333333333333"
#define UUID_4 "44444444-4444-4444-8444-444444444444"
#define UUID_5 "55555555-5555-4555-8555-555555555555"

typedef struct {
    char *root;
    VgpuContext *ctx;
    VgpuConfig *config;
    gboolean flat; /* snapshot_for() is the hook's flat listing */
} Fixture;

static int
setup(void **state)
{
    Fixture *fx = g_new0(Fixture, 1);

    fx->ctx = vgpu_test_context_new(&fx->root);
    fx->config = vgpu_config_new();
    *state = fx;
    return 0;
}

static int
setup_flat(void **state)
{
    setup(state);
    ((Fixture *)*state)->flat = TRUE;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *fx = *state;

    vgpu_config_free(fx->config);
    vgpu_test_context_free(fx->ctx, fx->root);
    g_free(fx);
    return 0;
}

/* Full snapshot (all types of every parent). */
static GPtrArray *
snapshot(Fixture *fx)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *parents = vgpu_discovery_list_parents(fx->ctx, &error);

    assert_null(error);
    assert_non_null(parents);
    return parents;
}

/* The hook's fast path: only parents offering @type_id, only that type
 * (flat: read when asked). */
static GPtrArray *
snapshot_for(Fixture *fx, const char *type_id)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *parents =
        fx->flat
            ? vgpu_discovery_list_offers(fx->ctx, type_id, FALSE, NULL, NULL,
                                         &error)
            : vgpu_discovery_list_parents_for_type(fx->ctx, type_id, &error);

    assert_null(error);
    assert_non_null(parents);
    return parents;
}

static gboolean
array_contains(GPtrArray *parents, VgpuParent *parent)
{
    for (guint i = 0; i < parents->len; i++) {
        if (parents->pdata[i] == parent)
            return TRUE;
    }
    return FALSE;
}

/* Chooses under @policy and returns the chosen parent's name. */
static const char *
choose(GPtrArray *parents, const char *type_id, const char *requested,
       VgpuConfig *config, VgpuPlacementPolicy policy)
{
    g_autoptr(GError) error = NULL;
    VgpuParent *parent;

    vgpu_config_set_placement(config, policy);
    parent = vgpu_alloc_choose_parent(parents, type_id, requested, config, NULL,
                                      &error);
    if (error)
        fail_msg("unexpected error: %s", error->message);
    assert_non_null(parent);
    assert_true(array_contains(parents, parent));
    return vgpu_parent_get_name(parent);
}

/* Expects failure with @code and returns the message (to be freed). */
static char *
choose_fails(GPtrArray *parents, const char *type_id, const char *requested,
             VgpuConfig *config, GHashTable *users, int code)
{
    g_autoptr(GError) error = NULL;
    VgpuParent *parent;

    parent = vgpu_alloc_choose_parent(parents, type_id, requested, config,
                                      users, &error);
    assert_null(parent);
    assert_non_null(error);
    assert_true(error->domain == VGPU_ERROR);
    if (error->code != code)
        fail_msg("code %d, expected %d: %s", error->code, code, error->message);
    assert_null(strchr(error->message, '\n'));
    return g_strdup(error->message);
}

static void
assert_has(const char *message, const char *needle)
{
    if (!strstr(message, needle))
        fail_msg("\"%s\" not in message: %s", needle, message);
}

static GPtrArray *
reversed(GPtrArray *parents)
{
    GPtrArray *copy = g_ptr_array_new();

    for (guint i = parents->len; i > 0; i--)
        g_ptr_array_add(copy, parents->pdata[i - 1]);
    return copy;
}

static GHashTable *
users_new(void)
{
    return g_hash_table_new(g_str_hash, g_str_equal);
}

/* Gives @gpu the type nvidia-65 (GRID P4-4Q, max 2) with @available left. */
static void
add_p4_4q(Fixture *fx, const char *gpu, guint available)
{
    vgpu_test_add_type(fx->root, gpu, "nvidia-65", P4_4Q_NAME, P4_4Q_DESC,
                       available);
}

/*
 * A holds one nvidia-65 device (1 left), B is empty (2 left), C empty
 * with 1 left. Both policies fill A: spreading onto B would take a whole
 * GPU from every other type (see test_spread_does_not_starve).
 */
static void
test_pack_prefers_parent_holding_type(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;

    add_p4_4q(fx, GPU_A, 1);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_1);
    add_p4_4q(fx, GPU_B, 2);
    add_p4_4q(fx, GPU_C, 1);
    parents = snapshot_for(fx, "nvidia-65");

    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_A);
    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_SPREAD),
        GPU_A);
}

/* Holding devices of the type beats having fewer instances left. */
static void
test_pack_holding_first_then_fewest(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;

    vgpu_test_add_type(fx->root, GPU_A, "mtty-1", "Single port serial", NULL,
                       1);
    vgpu_test_add_type(fx->root, GPU_B, "mtty-1", "Single port serial", NULL,
                       5);
    vgpu_test_add_mdev(fx->root, GPU_B, "mtty-1", UUID_1);
    vgpu_test_add_type(fx->root, GPU_C, "mtty-1", "Single port serial", NULL,
                       3);
    vgpu_test_add_mdev(fx->root, GPU_C, "mtty-1", UUID_2);
    parents = snapshot(fx);

    /* B and C hold devices; C has fewer left */
    assert_string_equal(
        choose(parents, "mtty-1", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_C);
    assert_string_equal(
        choose(parents, "mtty-1", NULL, fx->config, VGPU_PLACEMENT_SPREAD),
        GPU_B);
}

/* Nobody holds the type: pack takes the fewest left, spread the most. */
static void
test_pack_fewest_available(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;

    vgpu_test_add_type(fx->root, GPU_A, "mtty-1", NULL, NULL, 3);
    vgpu_test_add_type(fx->root, GPU_B, "mtty-1", NULL, NULL, 1);
    vgpu_test_add_type(fx->root, GPU_C, "mtty-1", NULL, NULL, 2);
    parents = snapshot_for(fx, "mtty-1");

    assert_string_equal(
        choose(parents, "mtty-1", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_B);
    assert_string_equal(
        choose(parents, "mtty-1", NULL, fx->config, VGPU_PLACEMENT_SPREAD),
        GPU_A);
}

/* Ties go to the lowest name, whatever the order of the snapshot. */
static void
test_ties_by_name(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) backwards = NULL;

    add_p4_4q(fx, GPU_C, 2);
    add_p4_4q(fx, GPU_B, 2);
    add_p4_4q(fx, GPU_A, 2);
    parents = snapshot_for(fx, "nvidia-65");
    backwards = reversed(parents);

    for (int p = VGPU_PLACEMENT_PACK; p <= VGPU_PLACEMENT_SPREAD; p++) {
        assert_string_equal(choose(parents, "nvidia-65", NULL, fx->config,
                                   (VgpuPlacementPolicy)p),
                            GPU_A);
        assert_string_equal(choose(backwards, "nvidia-65", NULL, fx->config,
                                   (VgpuPlacementPolicy)p),
                            GPU_A);
    }
}

/* Equal holders with equal room: name decides, in either order; the
 * empty A comes after both holders under either policy. */
static void
test_ties_among_holders(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) backwards = NULL;

    add_p4_4q(fx, GPU_A, 2);
    add_p4_4q(fx, GPU_B, 1);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_1);
    add_p4_4q(fx, GPU_C, 1);
    vgpu_test_add_mdev(fx->root, GPU_C, "nvidia-65", UUID_2);
    parents = snapshot_for(fx, "nvidia-65");
    backwards = reversed(parents);

    assert_string_equal(
        choose(backwards, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_B);
    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_B);
    assert_string_equal(
        choose(backwards, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_SPREAD),
        GPU_B);
}

static const char *const p4s[] = {GPU_A, GPU_B, GPU_C};

/*
 * Places one device of @type_id (nvidia-63 P4-2Q, max 4, or nvidia-66
 * P4-8Q, max 1) as the hook would and updates the fixture as the NVIDIA
 * driver does (one type per GPU); returns the GPU, NULL if refused.
 */
static const char *
place_on_p4s(Fixture *fx, const char *type_id, const char *uuid,
             VgpuPlacementPolicy policy)
{
    g_autoptr(GPtrArray) parents = snapshot(fx);
    g_autoptr(GError) error = NULL;
    const char *gpu = NULL;
    VgpuParent *parent;
    guint left;

    vgpu_config_set_placement(fx->config, policy);
    parent = vgpu_alloc_choose_parent(parents, type_id, NULL, fx->config, NULL,
                                      &error);
    if (!parent)
        return NULL;
    for (guint i = 0; i < G_N_ELEMENTS(p4s); i++) {
        if (g_str_equal(vgpu_parent_get_name(parent), p4s[i]))
            gpu = p4s[i];
    }
    assert_non_null(gpu);
    left = vgpu_mdev_type_get_available_instances(
               vgpu_parent_find_type(parent, type_id)) -
           1;
    vgpu_test_add_mdev(fx->root, gpu, type_id, uuid);
    vgpu_test_set_available(fx->root, gpu, "nvidia-63",
                            g_str_equal(type_id, "nvidia-63") ? left : 0);
    vgpu_test_set_available(fx->root, gpu, "nvidia-66", 0);
    return gpu;
}

/*
 * The starvation case of spread (bench/run "placement"): three empty
 * P4s, four P4-2Q requests, then a P4-8Q (a whole GPU). Opening a GPU per
 * small request (the emptiest first) would leave no GPU for the P4-8Q;
 * both policies fill the GPU already holding the type and the P4-8Q
 * starts.
 */
static void
test_spread_does_not_starve(void **state)
{
    Fixture *fx = *state;
    const char *uuids[] = {UUID_1, UUID_2, UUID_3, UUID_4};

    for (int p = VGPU_PLACEMENT_PACK; p <= VGPU_PLACEMENT_SPREAD; p++) {
        for (guint i = 0; i < G_N_ELEMENTS(p4s); i++) {
            vgpu_test_add_type(fx->root, p4s[i], "nvidia-63", P4_2Q_NAME,
                               P4_2Q_DESC, 4);
            vgpu_test_add_type(fx->root, p4s[i], "nvidia-66", NULL, NULL, 1);
        }
        for (guint i = 0; i < G_N_ELEMENTS(uuids); i++)
            assert_string_equal(
                place_on_p4s(fx, "nvidia-63", uuids[i], (VgpuPlacementPolicy)p),
                GPU_A);
        assert_string_equal(
            place_on_p4s(fx, "nvidia-66", UUID_5, (VgpuPlacementPolicy)p),
            GPU_B);
        vgpu_test_context_free(fx->ctx, fx->root); /* empty host again */
        fx->ctx = vgpu_test_context_new(&fx->root);
    }
}

/*
 * A full parent is never chosen, even when it holds the type. B, the one
 * parent with room, is taken without asking whether it holds devices: the
 * flat listing counts them only when asked after the choice (here, after
 * one appeared by hand); the snapshot counted them when it was taken.
 */
static void
test_full_parent_skipped(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    VgpuParent *b;

    add_p4_4q(fx, GPU_A, 0);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_1);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_2);
    add_p4_4q(fx, GPU_B, 2);
    parents = snapshot_for(fx, "nvidia-65");

    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_B);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_3);
    b = parents->pdata[1];
    assert_string_equal(vgpu_parent_get_name(b), GPU_B);
    assert_int_equal(vgpu_mdev_type_get_active_instances(
                         vgpu_parent_find_type(b, "nvidia-65")),
                     fx->flat ? 1 : 0);
}

/* The hook's listing as mdev_place() makes it without a requested parent:
 * ends where vgpu_alloc_first_fit_decides() says the choice is made. */
static GPtrArray *
first_fit_listing(Fixture *fx, const char *type_id)
{
    g_autoptr(GError) error = NULL;
    VgpuFirstFit first_fit;
    GPtrArray *parents;

    vgpu_alloc_first_fit_init(&first_fit, type_id, fx->config);
    parents = vgpu_discovery_list_offers(fx->ctx, type_id, FALSE,
                                         vgpu_alloc_first_fit_decides,
                                         &first_fit, &error);
    assert_null(error);
    assert_non_null(parents);
    return parents;
}

/* Under both policies: the choice on @type_id over the full listing, which
 * must be the choice over the first-fit listing, which must have ended
 * after @listed parents. */
static void
assert_first_fit(Fixture *fx, const char *type_id, const char *expected,
                 guint listed)
{
    const VgpuPlacementPolicy policies[] = {VGPU_PLACEMENT_PACK,
                                            VGPU_PLACEMENT_SPREAD};

    for (gsize i = 0; i < G_N_ELEMENTS(policies); i++) {
        g_autoptr(GPtrArray) all = snapshot(fx);
        g_autoptr(GPtrArray) short_listing = first_fit_listing(fx, type_id);

        assert_string_equal(choose(all, type_id, NULL, fx->config, policies[i]),
                            expected);
        assert_string_equal(
            choose(short_listing, type_id, NULL, fx->config, policies[i]),
            expected);
        assert_int_equal(short_listing->len, listed);
    }
}

/*
 * A type a GPU holds once (P4-8Q): A runs a P4-2Q (none left), B, C and D
 * are empty. Every policy takes B, the first with room, and the listing
 * ends there; with B not allowed, at C. A type a GPU holds twice (P4-4Q)
 * is listed to the end.
 */
static void
test_once_per_gpu_listing_ends_at_choice(void **state)
{
    Fixture *fx = *state;
    const char *const not_b[] = {GPU_A, GPU_C, GPU_D, NULL};

    vgpu_test_add_type(fx->root, GPU_A, "nvidia-63", P4_2Q_NAME, P4_2Q_DESC, 3);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-63", UUID_1);
    vgpu_test_add_type(fx->root, GPU_A, "nvidia-68", P4_8Q_NAME, P4_8Q_DESC, 0);
    add_p4_4q(fx, GPU_A, 0);
    vgpu_test_add_type(fx->root, GPU_B, "nvidia-68", P4_8Q_NAME, P4_8Q_DESC, 1);
    add_p4_4q(fx, GPU_B, 2);
    vgpu_test_add_type(fx->root, GPU_C, "nvidia-68", P4_8Q_NAME, P4_8Q_DESC, 1);
    add_p4_4q(fx, GPU_C, 1);
    vgpu_test_add_mdev(fx->root, GPU_C, "nvidia-65", UUID_2);
    vgpu_test_add_type(fx->root, GPU_D, "nvidia-68", P4_8Q_NAME, P4_8Q_DESC, 1);
    add_p4_4q(fx, GPU_D, 2);

    assert_first_fit(fx, "nvidia-68", GPU_B, 2);
    vgpu_config_set_allowed_parents(fx->config, not_b);
    assert_first_fit(fx, "nvidia-68", GPU_C, 3);
    /* P4-4Q: two per GPU, C holds one; listed to the end, same choices */
    for (VgpuPlacementPolicy p = VGPU_PLACEMENT_PACK;
         p <= VGPU_PLACEMENT_SPREAD; p++) {
        g_autoptr(GPtrArray) all = snapshot(fx);
        g_autoptr(GPtrArray) listing = first_fit_listing(fx, "nvidia-65");

        assert_int_equal(listing->len, 4);
        assert_string_equal(choose(listing, "nvidia-65", NULL, fx->config, p),
                            choose(all, "nvidia-65", NULL, fx->config, p));
    }
}

/* VFs of one GPU are placed as the GPU: the listing never ends early. */
static void
test_once_per_gpu_vf_parents_listed(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) listing = NULL;
    const char *const vfs[] = {"0000:3d:00.4", "0000:3d:00.5", "0000:3e:00.4"};

    vgpu_test_add_vf_type(fx->root, "0000:3d:00.0", "0000:3d:00.4",
                          "nvidia-700", "NVIDIA A16-16Q", 1);
    vgpu_test_add_vf_type(fx->root, "0000:3d:00.0", "0000:3d:00.5",
                          "nvidia-700", "NVIDIA A16-16Q", 1);
    vgpu_test_add_vf_type(fx->root, "0000:3e:00.0", "0000:3e:00.4",
                          "nvidia-700", "NVIDIA A16-16Q", 1);
    for (gsize i = 0; i < G_N_ELEMENTS(vfs); i++) {
        g_autofree char *path = g_strdup_printf(
            "sys/devices/pci0000:00/%s/mdev_supported_types/nvidia-700/"
            "description",
            vfs[i]);

        vgpu_test_write(fx->root, path,
                        "num_heads=4, frl_config=60, framebuffer=16384M, "
                        "max_resolution=7680x4320, max_instance=1\n");
    }
    listing = first_fit_listing(fx, "nvidia-700");
    assert_int_equal(listing->len, 3);
}

/*
 * NVIDIA GPUs host one vGPU type at a time: A runs a P4-2Q, so the driver
 * offers 0 instances of P4-4Q there; B is empty.
 */
static void
test_homogeneous_nvidia(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) hook_view = NULL;
    g_autoptr(GPtrArray) full = NULL;
    g_autoptr(GHashTable) users = users_new();
    g_autofree char *message = NULL;
    g_autofree char *hook_message = NULL;

    vgpu_test_add_type(fx->root, GPU_A, "nvidia-63", P4_2Q_NAME, P4_2Q_DESC, 3);
    add_p4_4q(fx, GPU_A, 0);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-63", UUID_1);
    vgpu_test_add_type(fx->root, GPU_B, "nvidia-63", P4_2Q_NAME, P4_2Q_DESC, 4);
    add_p4_4q(fx, GPU_B, 2);
    parents = snapshot(fx);

    /* pack would like A for its devices, but not of this type */
    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_B);
    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_SPREAD),
        GPU_B);
    /* and P4-2Q packs onto A, which already runs P4-2Q */
    assert_string_equal(
        choose(parents, "nvidia-63", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_A);

    /* B fills up with two P4-4Q */
    vgpu_test_set_available(fx->root, GPU_B, "nvidia-65", 0);
    vgpu_test_set_available(fx->root, GPU_B, "nvidia-63", 0);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_2);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_3);
    g_hash_table_insert(users, (char *)GPU_A, (char *)"win12");
    g_hash_table_insert(users, (char *)GPU_B, (char *)"win10, win11");

    full = snapshot(fx);
    vgpu_config_set_placement(fx->config, VGPU_PLACEMENT_PACK);
    message = choose_fails(full, "nvidia-65", NULL, fx->config, users,
                           VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(
        message,
        "no parent offers type nvidia-65 (GRID P4-4Q) with a free instance: "
        "0000:05:00.0 has 0 of 2 left (holds nvidia-63 devices; used by "
        "win12), 0000:06:00.0 has 0 of 2 left (used by win10, win11); stop "
        "a domain using one of them or add a GPU");

    /* the hook's per-type snapshot cannot see the other type */
    hook_view = snapshot_for(fx, "nvidia-65");
    hook_message = choose_fails(hook_view, "nvidia-65", NULL, fx->config, users,
                                VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(
        hook_message,
        "no parent offers type nvidia-65 (GRID P4-4Q) with a free instance: "
        "0000:05:00.0 has 0 of 2 left (used by win12), 0000:06:00.0 has 0 "
        "of 2 left (used by win10, win11); stop a domain using one of them "
        "or add a GPU");
}

/* The DESIGN.md example, word for word. */
static void
test_capacity_message_with_users(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GHashTable) users = users_new();
    g_autofree char *message = NULL;

    add_p4_4q(fx, GPU_A, 0);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_1);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_2);
    parents = snapshot_for(fx, "nvidia-65");
    g_hash_table_insert(users, (char *)GPU_A, (char *)"win10, win11");
    /* an entry for a parent that does not offer the type is not listed */
    g_hash_table_insert(users, (char *)GPU_C, (char *)"win99");

    message = choose_fails(parents, "nvidia-65", NULL, fx->config, users,
                           VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(
        message,
        "no parent offers type nvidia-65 (GRID P4-4Q) with a free instance: "
        "0000:05:00.0 has 0 of 2 left (used by win10, win11); stop a "
        "domain using it or add a GPU");
}

static void
test_capacity_message_without_users(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GHashTable) users = users_new();
    g_autofree char *message = NULL;
    g_autofree char *partial = NULL;

    add_p4_4q(fx, GPU_B, 0);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_1);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_2);
    add_p4_4q(fx, GPU_A, 0);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_3);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_4);
    parents = snapshot_for(fx, "nvidia-65");

    message = choose_fails(parents, "nvidia-65", NULL, fx->config, NULL,
                           VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(
        message,
        "no parent offers type nvidia-65 (GRID P4-4Q) with a free instance: "
        "0000:05:00.0 has 0 of 2 left, 0000:06:00.0 has 0 of 2 left; stop a "
        "domain using one of them or add a GPU");

    /* users for one parent only; an empty entry adds nothing */
    g_hash_table_insert(users, (char *)GPU_B, (char *)"win7");
    g_hash_table_insert(users, (char *)GPU_A, (char *)"");
    partial = choose_fails(parents, "nvidia-65", NULL, fx->config, users,
                           VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(
        partial,
        "no parent offers type nvidia-65 (GRID P4-4Q) with a free instance: "
        "0000:05:00.0 has 0 of 2 left, 0000:06:00.0 has 0 of 2 left (used "
        "by win7); stop a domain using one of them or add a GPU");
}

/*
 * "of N" is available + active when there is no NVIDIA max_instance; the
 * type is named by its `name` when there is one.
 */
static void
test_capacity_message_non_nvidia(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) unnamed = NULL;
    g_autofree char *message = NULL;
    g_autofree char *unnamed_message = NULL;

    vgpu_test_add_type(fx->root, "mtty", "mtty-2", "Dual port serial", NULL, 0);
    vgpu_test_add_mdev(fx->root, "mtty", "mtty-2", UUID_1);
    vgpu_test_add_mdev(fx->root, "mtty", "mtty-2", UUID_2);
    vgpu_test_add_mdev(fx->root, "mtty", "mtty-2", UUID_3);
    vgpu_test_add_type(fx->root, "mtty", "mtty-1", NULL, NULL, 0);
    parents = snapshot_for(fx, "mtty-2");

    message = choose_fails(parents, "mtty-2", NULL, fx->config, NULL,
                           VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(message,
                        "no parent offers type mtty-2 (Dual port serial) "
                        "with a free instance: mtty has 0 of 3 left; stop a "
                        "domain using it or add a parent device that "
                        "offers it");

    unnamed = snapshot(fx);
    unnamed_message = choose_fails(unnamed, "mtty-1", NULL, fx->config, NULL,
                                   VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(unnamed_message,
                        "no parent offers type mtty-1 with a free instance: "
                        "mtty has 0 of 0 left (holds mtty-2 devices); stop a "
                        "domain using it or add a parent device that "
                        "offers it");
}

/* An NVIDIA type whose description lacks max_instance falls back too. */
static void
test_capacity_nvidia_without_max_instance(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autofree char *message = NULL;

    vgpu_test_add_type(fx->root, GPU_A, "nvidia-65", P4_4Q_NAME,
                       "num_heads=4, framebuffer=4096M", 0);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_1);
    parents = snapshot_for(fx, "nvidia-65");

    message = choose_fails(parents, "nvidia-65", NULL, fx->config, NULL,
                           VGPU_ERROR_NO_CAPACITY);
    assert_has(message, "0000:05:00.0 has 0 of 1 left;");
}

static void
test_type_not_offered(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) empty = g_ptr_array_new();
    g_autofree char *message = NULL;
    g_autofree char *empty_message = NULL;

    add_p4_4q(fx, GPU_A, 2);
    parents = snapshot(fx);

    message = choose_fails(parents, "nvidia-99", NULL, fx->config, NULL,
                           VGPU_ERROR_NOT_FOUND);
    assert_string_equal(message,
                        "no parent device offers mdev type \"nvidia-99\"; "
                        "'vgpuctl types' lists what this host offers");

    /* a host without mdev parents at all */
    empty_message = choose_fails(empty, "nvidia-65", NULL, fx->config, NULL,
                                 VGPU_ERROR_NOT_FOUND);
    assert_string_equal(empty_message,
                        "no parent device offers mdev type \"nvidia-65\"; "
                        "'vgpuctl types' lists what this host offers");
}

static void
test_requested_parent_honoured(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;

    add_p4_4q(fx, GPU_A, 2);
    add_p4_4q(fx, GPU_B, 1);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_1);
    parents = snapshot_for(fx, "nvidia-65");

    /* pack would choose B, spread A: the request wins either way */
    assert_string_equal(
        choose(parents, "nvidia-65", GPU_A, fx->config, VGPU_PLACEMENT_PACK),
        GPU_A);
    assert_string_equal(
        choose(parents, "nvidia-65", GPU_B, fx->config, VGPU_PLACEMENT_SPREAD),
        GPU_B);
}

static void
test_requested_parent_refused(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) hook_view = NULL;
    g_autoptr(GHashTable) users = users_new();
    g_autofree char *missing = NULL;
    g_autofree char *no_type = NULL;
    g_autofree char *hook_no_type = NULL;
    g_autofree char *full = NULL;

    add_p4_4q(fx, GPU_A, 0);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_1);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_2);
    vgpu_test_add_type(fx->root, GPU_B, "nvidia-63", P4_2Q_NAME, P4_2Q_DESC, 4);
    add_p4_4q(fx, GPU_C, 2);
    parents = snapshot(fx);

    /* never silently replaced by C, which has room */
    missing = choose_fails(parents, "nvidia-65", "0000:42:00.0", fx->config,
                           NULL, VGPU_ERROR_NOT_FOUND);
    assert_string_equal(missing,
                        "parent device \"0000:42:00.0\" requested for mdev "
                        "type \"nvidia-65\" does not exist or does not offer "
                        "that type; 'vgpuctl types' lists what this host "
                        "offers");

    no_type = choose_fails(parents, "nvidia-65", GPU_B, fx->config, NULL,
                           VGPU_ERROR_NOT_FOUND);
    assert_string_equal(no_type,
                        "parent device \"0000:06:00.0\" requested for mdev "
                        "type \"nvidia-65\" does not offer that type; "
                        "'vgpuctl types' lists what this host offers");

    /* the per-type snapshot does not contain B at all */
    hook_view = snapshot_for(fx, "nvidia-65");
    hook_no_type = choose_fails(hook_view, "nvidia-65", GPU_B, fx->config, NULL,
                                VGPU_ERROR_NOT_FOUND);
    assert_has(hook_no_type, "\"0000:06:00.0\"");
    assert_has(hook_no_type, "does not offer");

    g_hash_table_insert(users, (char *)GPU_A, (char *)"win10, win11");
    full = choose_fails(parents, "nvidia-65", GPU_A, fx->config, users,
                        VGPU_ERROR_NO_CAPACITY);
    assert_string_equal(full,
                        "requested parent device 0000:05:00.0 has no free "
                        "instance of type nvidia-65 (GRID P4-4Q): "
                        "0000:05:00.0 has 0 of 2 left (used by win10, "
                        "win11); stop a domain using it or drop the parent "
                        "from the request");
}

static void
test_allow_list(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    const char *const only_c[] = {GPU_C, NULL};
    const char *const only_b[] = {GPU_B, "0000:99:00.0", NULL};
    g_autofree char *requested = NULL;
    g_autofree char *none = NULL;

    add_p4_4q(fx, GPU_A, 2);
    add_p4_4q(fx, GPU_B, 2);
    add_p4_4q(fx, GPU_C, 1);
    parents = snapshot_for(fx, "nvidia-65");

    /* spread would pick A, pack C; only B is allowed */
    vgpu_config_set_allowed_parents(fx->config, only_b);
    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_SPREAD),
        GPU_B);
    assert_string_equal(
        choose(parents, "nvidia-65", NULL, fx->config, VGPU_PLACEMENT_PACK),
        GPU_B);

    requested = choose_fails(parents, "nvidia-65", GPU_A, fx->config, NULL,
                             VGPU_ERROR_NOT_FOUND);
    assert_string_equal(requested,
                        "parent device \"0000:05:00.0\" requested for mdev "
                        "type \"nvidia-65\" is not in the allow-list "
                        "(parents= in /etc/libvgpu/libvgpu.conf); add it "
                        "there or drop the parent from the request");

    /* the allowed parent is full: the message lists only allowed ones */
    vgpu_config_set_allowed_parents(fx->config, only_c);
    vgpu_test_set_available(fx->root, GPU_C, "nvidia-65", 0);
    {
        g_autoptr(GPtrArray) now = snapshot_for(fx, "nvidia-65");
        g_autofree char *message = choose_fails(
            now, "nvidia-65", NULL, fx->config, NULL, VGPU_ERROR_NO_CAPACITY);

        assert_string_equal(message,
                            "no parent offers type nvidia-65 (GRID P4-4Q) "
                            "with a free instance: 0000:07:00.0 has 0 of 2 "
                            "left; stop a domain using it or add a GPU");
    }

    /* none of the offering parents is allowed */
    vgpu_config_set_allowed_parents(fx->config,
                                    (const char *const[]){"mtty", NULL});
    none = choose_fails(parents, "nvidia-65", NULL, fx->config, NULL,
                        VGPU_ERROR_NOT_FOUND);
    assert_string_equal(none,
                        "no parent device in the allow-list (parents= in "
                        "/etc/libvgpu/libvgpu.conf) offers mdev type "
                        "\"nvidia-65\"; it is offered by 0000:05:00.0, "
                        "0000:06:00.0, 0000:07:00.0: add one of them to the "
                        "list");
}

/* The fast path and the full snapshot agree on the choice. */
static void
test_full_and_per_type_snapshots_agree(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) full = NULL;
    g_autoptr(GPtrArray) per_type = NULL;

    vgpu_test_add_type(fx->root, GPU_A, "nvidia-63", P4_2Q_NAME, P4_2Q_DESC, 4);
    add_p4_4q(fx, GPU_A, 2);
    vgpu_test_add_type(fx->root, GPU_B, "nvidia-63", P4_2Q_NAME, P4_2Q_DESC, 3);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-63", UUID_5);
    add_p4_4q(fx, GPU_B, 0);
    full = snapshot(fx);
    per_type = snapshot_for(fx, "nvidia-63");

    for (int p = VGPU_PLACEMENT_PACK; p <= VGPU_PLACEMENT_SPREAD; p++) {
        const char *a =
            choose(full, "nvidia-63", NULL, fx->config, (VgpuPlacementPolicy)p);
        const char *b = choose(per_type, "nvidia-63", NULL, fx->config,
                               (VgpuPlacementPolicy)p);
        assert_string_equal(a, b);
        assert_string_equal(a, GPU_B); /* B holds nvidia-63 */
    }
}

/* The pre-check sums the free instances of the usable parents. */
static void
test_check_capacity(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GHashTable) users = users_new();
    g_autoptr(GError) error = NULL;
    const char *const only_b[] = {GPU_B, NULL};

    add_p4_4q(fx, GPU_A, 1);
    vgpu_test_add_mdev(fx->root, GPU_A, "nvidia-65", UUID_1);
    add_p4_4q(fx, GPU_B, 1);
    vgpu_test_add_mdev(fx->root, GPU_B, "nvidia-65", UUID_2);
    parents = snapshot_for(fx, "nvidia-65");

    assert_true(vgpu_alloc_check_capacity(parents, "nvidia-65", NULL, 2,
                                          fx->config, NULL, &error));
    assert_null(error);

    g_hash_table_insert(users, (char *)GPU_A, (char *)"win10");
    assert_false(vgpu_alloc_check_capacity(parents, "nvidia-65", NULL, 3,
                                           fx->config, users, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY));
    assert_string_equal(
        error->message,
        "3 mediated devices of type nvidia-65 (GRID P4-4Q) are requested "
        "but only 2 are free: 0000:05:00.0 has 1 of 2 left (used by "
        "win10), 0000:06:00.0 has 1 of 2 left; stop a domain using one of "
        "them or request fewer");
    g_clear_error(&error);

    /* a requested parent counts alone */
    assert_false(vgpu_alloc_check_capacity(parents, "nvidia-65", GPU_B, 2,
                                           fx->config, NULL, &error));
    assert_has(error->message, "only 1 is free: 0000:06:00.0 has 1 of 2");
    assert_has(error->message, "stop a domain using it");
    g_clear_error(&error);

    /* so does the allow-list */
    vgpu_config_set_allowed_parents(fx->config, only_b);
    assert_false(vgpu_alloc_check_capacity(parents, "nvidia-65", NULL, 2,
                                           fx->config, NULL, &error));
    assert_has(error->message, "only 1 is free");
    g_clear_error(&error);
    vgpu_config_set_allowed_parents(fx->config, NULL);

    /* nothing free or nothing offered: left to vgpu_alloc_choose_parent */
    assert_true(vgpu_alloc_check_capacity(parents, "nvidia-99", NULL, 2,
                                          fx->config, NULL, &error));
    vgpu_test_set_available(fx->root, GPU_A, "nvidia-65", 0);
    vgpu_test_set_available(fx->root, GPU_B, "nvidia-65", 0);
    g_clear_pointer(&parents, g_ptr_array_unref);
    parents = snapshot_for(fx, "nvidia-65");
    assert_true(vgpu_alloc_check_capacity(parents, "nvidia-65", NULL, 2,
                                          fx->config, NULL, &error));
    assert_null(error);
}

/*
 * A16-like board: GPUs 0000:3d:00.0 and 0000:3e:00.0, each with four VFs
 * that are mdev parents offering nvidia-700 (one instance per VF). GPU A
 * already holds @used devices (its first VFs show 0 available).
 */
#define PF_A "0000:3d:00.0"
#define PF_B "0000:3e:00.0"
static void
add_a16(Fixture *fx, guint used_on_a, guint free_on_a)
{
    for (guint i = 0; i < 4; i++) {
        g_autofree char *vf_a = g_strdup_printf("0000:3d:00.%u", i + 4);
        g_autofree char *vf_b = g_strdup_printf("0000:3e:00.%u", i + 4);

        vgpu_test_add_vf_type(fx->root, PF_A, vf_a, "nvidia-700",
                              "NVIDIA A16-2Q",
                              i >= used_on_a && i < used_on_a + free_on_a);
        vgpu_test_add_vf_type(fx->root, PF_B, vf_b, "nvidia-700",
                              "NVIDIA A16-2Q", 1);
    }
    for (guint i = 0; i < used_on_a; i++) {
        g_autofree char *vf_a = g_strdup_printf("0000:3d:00.%u", i + 4);
        g_autofree char *uuid =
            g_strdup_printf("9d2e9b5e-1c4a-4f7e-8a3b-%012u", i + 1);

        vgpu_test_add_mdev(fx->root, vf_a, "nvidia-700", uuid);
    }
}

/* VF parents count per GPU: both policies fill the GPU already holding
 * the type rather than open the empty one (per VF both look alike). */
static void
test_vf_parents_placed_per_gpu(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    VgpuParent *first;

    add_a16(fx, 1, 3);
    parents = snapshot_for(fx, "nvidia-700");
    first = parents->pdata[0];
    assert_string_equal(vgpu_parent_get_physical_function(first), PF_A);
    assert_string_equal(vgpu_parent_get_gpu(first), PF_A);

    assert_string_equal(
        choose(parents, "nvidia-700", NULL, fx->config, VGPU_PLACEMENT_PACK),
        "0000:3d:00.5");
    assert_string_equal(
        choose(parents, "nvidia-700", NULL, fx->config, VGPU_PLACEMENT_SPREAD),
        "0000:3d:00.5");
}

/* A full GPU is one entry of the message, named by its PF, with the
 * users of all its VFs; no VF is listed. */
static void
test_vf_parents_message_names_gpu(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GHashTable) users =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, NULL);
    g_autofree char *message = NULL;

    for (guint i = 0; i < 4; i++) {
        g_autofree char *vf = g_strdup_printf("0000:3d:00.%u", i + 4);
        g_autofree char *uuid =
            g_strdup_printf("9d2e9b5e-1c4a-4f7e-8a3b-%012u", i + 1);

        vgpu_test_add_vf_type(fx->root, PF_A, vf, "nvidia-700", "NVIDIA A16-2Q",
                              0);
        if (i < 2)
            vgpu_test_add_mdev(fx->root, vf, "nvidia-700", uuid);
    }
    g_hash_table_insert(users, PF_A, "win10, win11");
    parents = snapshot(fx);
    message = choose_fails(parents, "nvidia-700", NULL, fx->config, users,
                           VGPU_ERROR_NO_CAPACITY);
    assert_has(message, "0000:3d:00.0 has 0 of 2 left (used by win10, win11)");
    assert_null(strstr(message, "0000:3d:00.4"));
    assert_true(strlen(message) < 200);
}

/* A request naming the GPU (the PF) gets a free VF of that GPU; the
 * capacity check counts per GPU too. */
static void
test_vf_parents_requested_gpu(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GError) error = NULL;

    add_a16(fx, 1, 2);
    parents = snapshot_for(fx, "nvidia-700");
    assert_string_equal(
        choose(parents, "nvidia-700", PF_A, fx->config, VGPU_PLACEMENT_SPREAD),
        "0000:3d:00.5");
    assert_true(vgpu_alloc_check_capacity(parents, "nvidia-700", PF_A, 2,
                                          fx->config, NULL, &error));
    assert_false(vgpu_alloc_check_capacity(parents, "nvidia-700", PF_A, 3,
                                           fx->config, NULL, &error));
    assert_has(error->message, "only 2 are free: 0000:3d:00.0 has 2 of 3");
}

int
main(void)
{
#define T(name)                                                                \
    cmocka_unit_test_setup_teardown(name, setup, teardown),                    \
    {                                                                          \
        "flat: " #name, name, setup_flat, teardown, NULL                       \
    }
    const struct CMUnitTest tests[] = {
        T(test_pack_prefers_parent_holding_type),
        T(test_check_capacity),
        T(test_pack_holding_first_then_fewest),
        T(test_pack_fewest_available),
        T(test_ties_by_name),
        T(test_ties_among_holders),
        T(test_spread_does_not_starve),
        T(test_full_parent_skipped),
        T(test_homogeneous_nvidia),
        T(test_once_per_gpu_listing_ends_at_choice),
        T(test_once_per_gpu_vf_parents_listed),
        T(test_capacity_message_with_users),
        T(test_capacity_message_without_users),
        T(test_capacity_message_non_nvidia),
        T(test_capacity_nvidia_without_max_instance),
        T(test_type_not_offered),
        T(test_requested_parent_honoured),
        T(test_requested_parent_refused),
        T(test_allow_list),
        T(test_full_and_per_type_snapshots_agree),
        T(test_vf_parents_placed_per_gpu),
        T(test_vf_parents_message_names_gpu),
        T(test_vf_parents_requested_gpu),
    };
#undef T

    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
