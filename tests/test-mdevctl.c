/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading mdevctl definitions (lib/vgpu-mdevctl.c): the format of mdevctl
 * 1.2 (src/mdev.rs load_from_json(), add_attributes()) and the rules that
 * make a file trusted. The hook suite tests/hook/test-hook-mdevctl.sh
 * covers starting the devices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include <libvgpu/vgpu-mdevctl.h>

#include "vgpu-request-private.h"
#include "vgpu-test-util.h"

#define UUID_A "5cf14a12-a437-4c82-a13f-70e945782d7b"
#define UUID_B "783e6dbb-ea0e-411f-94e2-717eaad438bf"
#define DIR_P6 "etc/mdevctl.d/0000:06:00.0/"

typedef VgpuTestHost Fixture;

#define setup vgpu_test_host_setup
#define teardown vgpu_test_host_teardown

static void
test_definition_with_attrs(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuMdevctlDefinition) def = NULL;
    g_autoptr(VgpuRequest) request = NULL;
    const char *const *attrs;

    /* as mdevctl 1.2 writes it (define, modify --addattr) */
    vgpu_test_write(f->root, DIR_P6 UUID_A,
                    "{\n  \"mdev_type\": \"nvidia-65\",\n  \"start\": "
                    "\"auto\",\n  \"attrs\": [\n    {\n      "
                    "\"assign_adapter\": \"5\"\n    },\n    {\n      "
                    "\"assign_domain\": \"0x4\"\n    }\n  ]\n}\n");
    def = vgpu_mdevctl_lookup(f->ctx, UUID_A, &error);
    assert_non_null(def);
    assert_string_equal(vgpu_mdevctl_definition_get_parent(def),
                        "0000:06:00.0");
    assert_string_equal(vgpu_mdevctl_definition_get_type_id(def), "nvidia-65");
    assert_true(vgpu_mdevctl_definition_get_autostart(def));
    attrs = vgpu_mdevctl_definition_get_attrs(def);
    assert_string_equal(attrs[0], "assign_adapter");
    assert_string_equal(attrs[1], "5");
    assert_string_equal(attrs[2], "assign_domain");
    assert_string_equal(attrs[3], "0x4");
    assert_null(attrs[4]);

    request = vgpu_mdevctl_definition_to_request(def);
    assert_int_equal(vgpu_request_get_origin(request),
                     VGPU_DEVICE_ORIGIN_MDEVCTL);
    assert_string_equal(vgpu_request_get_parent(request), "0000:06:00.0");
    assert_string_equal(vgpu_request_get_attrs(request)[3], "0x4");
}

static void
test_missing_and_ambiguous(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuMdevctlDefinition) def = NULL;

    def = vgpu_mdevctl_lookup(f->ctx, UUID_A, &error); /* no mdevctl.d */
    vgpu_test_assert_error(error, VGPU_ERROR_NOT_FOUND, UUID_A);
    g_clear_error(&error);
    vgpu_test_write(f->root, DIR_P6 UUID_A,
                    "{\"mdev_type\": \"nvidia-65\", \"start\": \"manual\"}");
    vgpu_test_write(f->root, "etc/mdevctl.d/0000:05:00.0/" UUID_A,
                    "{\"mdev_type\": \"nvidia-66\", \"start\": \"manual\"}");
    def = vgpu_mdevctl_lookup(f->ctx, UUID_A, &error);
    assert_null(def);
    vgpu_test_assert_error(error, VGPU_ERROR_EXISTS, "several parents");
}

static void
test_list_reports_untrusted(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) anomalies = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) defs = NULL;
    g_autofree char *bad = g_build_filename(f->root, DIR_P6 UUID_B, NULL);

    vgpu_test_write(f->root, DIR_P6 UUID_A,
                    "{\"mdev_type\": \"nvidia-65\", \"start\": \"manual\", "
                    "\"attrs\": null}");
    vgpu_test_write(f->root, DIR_P6 UUID_B,
                    "{\"mdev_type\": \"nvidia-65\", \"start\": \"manual\"}");
    assert_int_equal(chmod(bad, 0666), 0);
    vgpu_test_write(f->root, DIR_P6 "not-a-uuid", "{");
    vgpu_test_write(f->root, "etc/mdevctl.d/scripts.d/callouts/x", "#!/bin/sh");

    defs = vgpu_mdevctl_list(f->ctx, anomalies, &error);
    assert_non_null(defs);
    assert_int_equal(defs->len, 1);
    assert_string_equal(vgpu_mdevctl_definition_get_uuid(defs->pdata[0]),
                        UUID_A);
    assert_int_equal(anomalies->len, 1);
    g_assert_nonnull(strstr(anomalies->pdata[0], UUID_B));
    g_assert_nonnull(strstr(anomalies->pdata[0], "another user"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_definition_with_attrs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_ambiguous, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_reports_untrusted, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
