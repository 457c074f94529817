/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu_plan_find_conflicts() (vgpu-plan.h) against the mdev sysfs
 * emulator: two Tesla P4s as in the "tiny" scenario, one type per GPU at
 * a time. Skips (77) where FUSE cannot be mounted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <libvgpu/libvgpu.h>

#include "vgpu-test-util.h"

/* 0000:05:00.0 offers nvidia-66 (1 instance); 0000:06:00.0 nvidia-65 (2)
 * and nvidia-66 (1), one type at a time. */
static const char scenario[] =
    "[parent 0000:05:00.0]\nmodel=homogeneous\ndriver=nvidia-vgpu-vfio\n"
    "types=nvidia-66\n"
    "[parent 0000:06:00.0]\nmodel=homogeneous\ndriver=nvidia-vgpu-vfio\n"
    "types=nvidia-65;nvidia-66\n"
    "[type nvidia-65]\nname=GRID P4-4Q\ndescription=num_heads=4, "
    "frl_config=60, framebuffer=4096M, max_resolution=7680x4320, "
    "max_instance=2\ndevice_api=vfio-pci\nmax_instances=2\n"
    "[type nvidia-66]\nname=GRID P4-8Q\ndescription=num_heads=4, "
    "frl_config=60, framebuffer=8192M, max_resolution=7680x4320, "
    "max_instance=1\ndevice_api=vfio-pci\nmax_instances=1\n";

typedef struct {
    char *root;
    char *sys;
    VgpuContext *ctx;
    VgpuConfig *config;
    GPtrArray *domains;  /* utf8 */
    GPtrArray *requests; /* GPtrArray of VgpuRequest */
} Fixture;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->ctx = vgpu_test_context_new(&f->root);
    f->sys = vgpu_test_sim_mount(f->root, scenario);
    f->config = vgpu_config_new();
    f->domains = g_ptr_array_new_with_free_func(g_free);
    f->requests =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    vgpu_test_sim_unmount(f->sys);
    vgpu_test_context_free(f->ctx, f->root);
    vgpu_config_free(f->config);
    g_ptr_array_unref(f->domains);
    g_ptr_array_unref(f->requests);
    g_free(f);
    return 0;
}

/* Adds domain @name with @count requests of @type_id (on @parent). */
static void
add_domain(Fixture *f, const char *name, guint count, const char *type_id,
           const char *parent)
{
    GPtrArray *list =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_request_free);

    for (guint i = 0; i < count; i++) {
        g_autofree char *uuid = g_strdup_printf("9d2e9b5e-1c4a-4f7e-8a3b-%012u",
                                                f->domains->len * 10 + i);
        g_ptr_array_add(list, vgpu_request_new(uuid, type_id, parent, NULL));
    }
    g_ptr_array_add(f->domains, g_strdup(name));
    g_ptr_array_add(f->requests, list);
}

static GPtrArray *
find(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *conflicts = vgpu_plan_find_conflicts(
        f->ctx, f->domains, f->requests, f->config, &error);

    assert_null(error);
    assert_non_null(conflicts);
    return conflicts;
}

/* nvidia-65 takes 0000:06:00.0, nvidia-66 0000:05:00.0: all fit. */
static void
test_two_types_fit(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) conflicts = NULL;

    add_domain(f, "a", 2, "nvidia-65", NULL);
    add_domain(f, "b", 1, "nvidia-66", NULL);
    conflicts = find(f);
    assert_int_equal(conflicts->len, 0);
}

/* Two nvidia-66 need both GPUs, but nvidia-65 holds one of them: the
 * idle GPU is counted for one type only. */
static void
test_one_type_per_gpu(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) conflicts = NULL;
    const VgpuPlanConflict *conflict;

    add_domain(f, "a", 2, "nvidia-65", NULL);
    add_domain(f, "b", 1, "nvidia-66", NULL);
    add_domain(f, "c", 1, "nvidia-66", NULL);
    conflicts = find(f);
    assert_int_equal(conflicts->len, 1);
    conflict = conflicts->pdata[0];
    assert_string_equal(conflict->type_id, "nvidia-66");
    assert_null(conflict->parent);
    assert_int_equal(conflict->requested, 2);
    assert_int_equal(conflict->capacity, 1);
    assert_string_equal(conflict->domains[0], "b");
    assert_string_equal(conflict->domains[1], "c");
    assert_null(conflict->domains[2]);
    assert_non_null(strstr(conflict->message, "domains b, c request 2 "
                                              "mediated devices of type "
                                              "nvidia-66, but only 1 can"));
}

/* Two domains pin the one instance of 0000:05:00.0. */
static void
test_pinned_parent(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) conflicts = NULL;
    const VgpuPlanConflict *conflict;

    add_domain(f, "a", 1, "nvidia-66", "0000:05:00.0");
    add_domain(f, "b", 1, "nvidia-66", "0000:05:00.0");
    conflicts = find(f);
    assert_int_equal(conflicts->len, 1);
    conflict = conflicts->pdata[0];
    assert_string_equal(conflict->parent, "0000:05:00.0");
    assert_int_equal(conflict->requested, 2);
    assert_int_equal(conflict->capacity, 1);
}

/* Mismatched arrays are refused. */
static void
test_mismatched_arrays(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    add_domain(f, "a", 1, "nvidia-66", NULL);
    g_ptr_array_add(f->domains, g_strdup("b"));
    assert_null(vgpu_plan_find_conflicts(f->ctx, f->domains, f->requests,
                                         f->config, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "2 domain names");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_types_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_type_per_gpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mismatched_arrays, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
