/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-mdev against the mdev sysfs emulator (tests/sim), which returns the
 * kernel's errnos: create/remove, errno mapping, busy and slow devices.
 * Skips (77) where FUSE cannot be mounted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvgpu/libvgpu.h>

#include "vgpu-sysfs.h"
#include "vgpu-test-util.h"

#define UUID_A "9d2e9b5e-1c4a-4f7e-8a3b-00000000000a"
#define UUID_B "9d2e9b5e-1c4a-4f7e-8a3b-00000000000b"
#define UUID_C "9d2e9b5e-1c4a-4f7e-8a3b-00000000000c"

/* 05: vendor-driver style exhaustion (ENOSPC); 06: the mdev core's own
 * counter (EUSERS) and a vendor driver that tears down asynchronously. */
static const char scenario[] = "[parent 0000:05:00.0]\n"
                               "model=homogeneous\n"
                               "types=nvidia-65\n"
                               "[parent 0000:06:00.0]\n"
                               "model=homogeneous\n"
                               "types=nvidia-66\n"
                               "exhausted_errno=EUSERS\n"
                               "remove_delay_ms=300\n"
                               "[type nvidia-65]\n"
                               "name=GRID P4-4Q\n"
                               "max_instances=2\n"
                               "[type nvidia-66]\n"
                               "name=GRID P4-8Q\n"
                               "max_instances=1\n";

typedef struct {
    char *root;
    char *sys;
    VgpuContext *ctx;
} Fixture;

static void
sim_control(Fixture *f, const char *file, const char *text)
{
    vgpu_test_sim_control(f->sys, file, text);
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->ctx = vgpu_test_context_new(&f->root);
    f->sys = vgpu_test_sim_mount(f->root, scenario);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    vgpu_test_sim_unmount(f->sys);
    vgpu_test_context_free(f->ctx, f->root);
    g_free(f);
    return 0;
}

static guint
available(Fixture *f, const char *parent, const char *type_id)
{
    g_autoptr(VgpuParent) p = vgpu_discovery_get_parent(f->ctx, parent, NULL);

    return vgpu_mdev_type_get_available_instances(
        vgpu_parent_find_type(p, type_id));
}

static void
test_create_and_remove(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuMdev) mdev = NULL;

    assert_int_equal(available(f, "0000:05:00.0", "nvidia-65"), 2);
    assert_true(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_A, &error));
    assert_true(vgpu_mdev_exists(f->ctx, UUID_A));
    mdev = vgpu_discovery_get_mdev(f->ctx, UUID_A, &error);
    assert_string_equal(vgpu_mdev_get_parent_name(mdev), "0000:05:00.0");
    assert_string_equal(vgpu_mdev_get_type_id(mdev), "nvidia-65");
    assert_int_equal(available(f, "0000:05:00.0", "nvidia-65"), 1);

    assert_true(vgpu_mdev_remove(f->ctx, UUID_A, &error));
    assert_false(vgpu_mdev_exists(f->ctx, UUID_A));
    assert_int_equal(available(f, "0000:05:00.0", "nvidia-65"), 2);
}

static void
test_create_errors(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    assert_true(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_A, NULL));
    /* kernel EEXIST */
    assert_false(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_A, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_EXISTS, UUID_A);
    g_clear_error(&error);

    /* vendor driver ENOSPC; the message re-reads available_instances */
    assert_true(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_B, NULL));
    assert_false(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_C, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_NO_CAPACITY, "ENOSPC");
    assert_non_null(strstr(error->message, "available_instances is now 0"));
    assert_false(vgpu_mdev_exists(f->ctx, UUID_C));
    g_clear_error(&error);

    /* mdev core EUSERS */
    assert_true(
        vgpu_mdev_create(f->ctx, "0000:06:00.0", "nvidia-66", UUID_C, NULL));
    assert_false(vgpu_mdev_create(f->ctx, "0000:06:00.0", "nvidia-66",
                                  "9d2e9b5e-1c4a-4f7e-8a3b-00000000000d",
                                  &error));
    vgpu_test_assert_error(error, VGPU_ERROR_NO_CAPACITY, "EUSERS");
    g_clear_error(&error);

    /* a type the parent does not offer */
    assert_false(vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-99",
                                  "9d2e9b5e-1c4a-4f7e-8a3b-00000000000e",
                                  &error));
    vgpu_test_assert_error(error, VGPU_ERROR_NOT_FOUND, "nvidia-99");
    g_clear_error(&error);

    /* refused before any I/O */
    assert_false(vgpu_mdev_create(f->ctx, "../0000:05:00.0", "nvidia-65",
                                  UUID_A, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "../0000:05:00.0");
    g_clear_error(&error);
    assert_false(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "..", UUID_A, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, NULL);
    g_clear_error(&error);
    assert_false(vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65",
                                  "9D2E9B5E-1C4A-4F7E-8A3B-00000000000A",
                                  &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "9D2E9B5E");
    g_clear_error(&error);

    assert_true(vgpu_mdev_remove(f->ctx, UUID_A, NULL));
    assert_true(vgpu_mdev_remove(f->ctx, UUID_B, NULL));
    vgpu_context_set_remove_timeout(f->ctx, 2000);
    assert_true(vgpu_mdev_remove(f->ctx, UUID_C, NULL));
}

static void
test_injected_kernel_errors(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    sim_control(f, "inject", "create EINVAL");
    assert_false(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_A, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "EINVAL");
    g_clear_error(&error);

    sim_control(f, "inject", "create EIO");
    assert_false(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_A, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_SYSTEM, g_strerror(EIO));
    g_clear_error(&error);
    assert_false(vgpu_mdev_exists(f->ctx, UUID_A));

    assert_true(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_A, NULL));
    sim_control(f, "inject", "remove EIO");
    assert_false(vgpu_mdev_remove(f->ctx, UUID_A, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_SYSTEM, UUID_A);
    assert_true(vgpu_mdev_exists(f->ctx, UUID_A));
    assert_true(vgpu_mdev_remove(f->ctx, UUID_A, NULL));
}

static void
test_remove_missing(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    assert_false(vgpu_mdev_remove(f->ctx, UUID_A, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_NOT_FOUND, UUID_A);
    g_clear_error(&error);
    assert_false(vgpu_mdev_remove(f->ctx, "../../../etc", &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, NULL);
}

static void
test_remove_busy_is_bounded(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    gint64 start;

    assert_true(
        vgpu_mdev_create(f->ctx, "0000:05:00.0", "nvidia-65", UUID_A, NULL));
    sim_control(f, "hold", UUID_A);
    vgpu_context_set_remove_timeout(f->ctx, 200);
    start = g_get_monotonic_time();
    assert_false(vgpu_mdev_remove(f->ctx, UUID_A, &error));
    /* retried until the bound, then given up: never forever. Whether the
     * last attempt saw EBUSY or was still blocked in the kernel depends on
     * timing (valgrind slows the writer child), so only the common part of
     * the message is asserted. */
    assert_true(g_get_monotonic_time() - start >= 200 * 1000);
    vgpu_test_assert_error(error, VGPU_ERROR_BUSY, "still in use");
    assert_true(vgpu_mdev_exists(f->ctx, UUID_A));

    sim_control(f, "release", UUID_A);
    assert_true(vgpu_mdev_remove(f->ctx, UUID_A, NULL));
    assert_false(vgpu_mdev_exists(f->ctx, UUID_A));
}

static void
test_remove_waits_for_async_teardown(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    /* 0000:06:00.0 keeps a removed device visible for 300 ms */
    assert_true(
        vgpu_mdev_create(f->ctx, "0000:06:00.0", "nvidia-66", UUID_A, NULL));
    vgpu_context_set_remove_timeout(f->ctx, 2000);
    assert_true(vgpu_mdev_remove(f->ctx, UUID_A, &error));
    assert_false(vgpu_mdev_exists(f->ctx, UUID_A));

    assert_true(
        vgpu_mdev_create(f->ctx, "0000:06:00.0", "nvidia-66", UUID_B, NULL));
    vgpu_context_set_remove_timeout(f->ctx, 100);
    assert_false(vgpu_mdev_remove(f->ctx, UUID_B, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_BUSY, "still present");
    /* the teardown still completes on its own (300 ms after the write,
     * which a loaded machine may delay); give it a generous bound */
    for (int i = 0; i < 100 && vgpu_mdev_exists(f->ctx, UUID_B); i++)
        g_usleep(50 * 1000);
    assert_false(vgpu_mdev_exists(f->ctx, UUID_B));
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_create_and_remove),      T(test_create_errors),
        T(test_injected_kernel_errors), T(test_remove_missing),
        T(test_remove_busy_is_bounded), T(test_remove_waits_for_async_teardown),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
