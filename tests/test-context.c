/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <libvgpu/vgpu-context.h>

#include "vgpu-sysfs.h"
#include "vgpu-test-util.h"

static void
test_default_root(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuContext) ctx = vgpu_context_new(NULL, &error);
    g_autofree char *path = NULL;

    assert_non_null(ctx);
    assert_string_equal(vgpu_context_get_root(ctx), "/");
    path = vgpu_context_build_path(ctx, "sys/bus/mdev/devices");
    assert_string_equal(path, "/sys/bus/mdev/devices");
    assert_int_equal(vgpu_context_get_remove_timeout(ctx),
                     VGPU_REMOVE_TIMEOUT_DEFAULT_MS);
}

static void
test_root_trailing_slash(void **state)
{
    g_autofree char *root = vgpu_test_root_new();
    g_autofree char *with_slash = g_strconcat(root, "//", NULL);
    g_autoptr(VgpuContext) ctx = vgpu_context_new(with_slash, NULL);
    g_autofree char *path = NULL;

    assert_non_null(ctx);
    assert_string_equal(vgpu_context_get_root(ctx), root);
    path = vgpu_context_build_path(ctx, "/run/libvgpu");
    assert_true(g_str_has_prefix(path, root));
    assert_true(g_str_has_suffix(path, "/run/libvgpu"));
    vgpu_test_root_free(g_steal_pointer(&root));
}

static void
test_bad_roots(void **state)
{
    g_autoptr(GError) error = NULL;
    VgpuContext *ctx;

    ctx = vgpu_context_new("relative/root", &error);
    assert_null(ctx);
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    assert_non_null(strstr(error->message, "relative/root"));
    g_clear_error(&error);

    ctx = vgpu_context_new("/tmp/../etc", &error);
    assert_null(ctx);
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    g_clear_error(&error);

    ctx = vgpu_context_new("/nonexistent/vgpu-root", &error);
    assert_null(ctx);
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    assert_non_null(strstr(error->message, "/nonexistent/vgpu-root"));
}

static void
test_from_env(void **state)
{
    g_autofree char *root = vgpu_test_root_new();
    g_autoptr(VgpuContext) ctx = NULL;

    g_setenv(VGPU_ROOT_ENV, root, TRUE);
    ctx = vgpu_context_new_from_env(NULL);
    assert_non_null(ctx);
    assert_string_equal(vgpu_context_get_root(ctx), root);
    g_clear_pointer(&ctx, vgpu_context_unref);

    g_setenv(VGPU_ROOT_ENV, "", TRUE);
    ctx = vgpu_context_new_from_env(NULL);
    assert_string_equal(vgpu_context_get_root(ctx), "/");
    g_unsetenv(VGPU_ROOT_ENV);
    vgpu_test_root_free(g_steal_pointer(&root));
}

static void
test_ref_unref_and_timeout(void **state)
{
    VgpuContext *ctx = vgpu_context_new(NULL, NULL);

    assert_ptr_equal(vgpu_context_ref(ctx), ctx);
    vgpu_context_unref(ctx);
    vgpu_context_set_remove_timeout(ctx, 250);
    assert_int_equal(vgpu_context_get_remove_timeout(ctx), 250);
    vgpu_context_unref(ctx);
    vgpu_context_unref(NULL);
}

static void
test_name_check(void **state)
{
    g_autoptr(GError) error = NULL;
    char long_name[300];

    assert_true(vgpu_name_is_safe("0000:05:00.0"));
    assert_true(vgpu_name_is_safe("nvidia-65"));
    assert_true(vgpu_name_is_safe("mtty"));
    assert_false(vgpu_name_is_safe(NULL));
    assert_false(vgpu_name_is_safe(""));
    assert_false(vgpu_name_is_safe("."));
    assert_false(vgpu_name_is_safe(".."));
    assert_false(vgpu_name_is_safe("../etc"));
    assert_false(vgpu_name_is_safe("a/b"));
    assert_false(vgpu_name_is_safe("a\nb"));
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_false(vgpu_name_is_safe(long_name));

    assert_false(vgpu_name_check("parent device", "../../x", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    assert_non_null(strstr(error->message, "parent device"));
    assert_non_null(strstr(error->message, "\"../../x\""));
}

static void
test_sysfs_read_attr(void **state)
{
    g_autofree char *root = vgpu_test_root_new();
    g_autofree char *path = g_build_filename(root, "attr", NULL);
    g_autofree char *missing = g_build_filename(root, "missing", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    guint value = 0;

    vgpu_test_write(root, "attr", "GRID P4-4Q\n\n");
    text = vgpu_sysfs_read_attr(path, &error);
    assert_string_equal(text, "GRID P4-4Q");

    assert_null(vgpu_sysfs_read_attr(missing, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    g_clear_error(&error);

    /* larger than a page: read whole; larger than 64 KiB: its first 64 KiB */
    for (gsize length = 4095; length <= 4097; length++) {
        g_autofree char *big = g_strnfill(length, 'x');
        g_autofree char *got = NULL;

        vgpu_test_write(root, "attr", big);
        got = vgpu_sysfs_read_attr(path, NULL);
        assert_string_equal(got, big);
    }
    {
        g_autofree char *big = g_strnfill(10000, 'y');
        g_autofree char *huge = g_strnfill(70000, 'z');
        g_autofree char *got = NULL;

        vgpu_test_write(root, "attr", big);
        got = vgpu_sysfs_read_attr(path, NULL);
        assert_string_equal(got, big);
        g_clear_pointer(&got, g_free);
        vgpu_test_write(root, "attr", huge);
        got = vgpu_sysfs_read_attr(path, NULL);
        assert_int_equal(strlen(got), 64 * 1024);
    }

    vgpu_test_write(root, "attr", "12\n");
    assert_true(vgpu_sysfs_read_uint(path, &value, NULL));
    assert_int_equal(value, 12);
    vgpu_test_write(root, "attr", "twelve\n");
    assert_false(vgpu_sysfs_read_uint(path, &value, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    assert_non_null(strstr(error->message, "twelve"));

    vgpu_test_write(root, "attr", "");
    assert_int_equal(vgpu_sysfs_write_attr(path, "1"), 0);
    g_clear_pointer(&text, g_free);
    text = vgpu_sysfs_read_attr(path, NULL);
    assert_string_equal(text, "1");
    assert_int_equal(vgpu_sysfs_write_attr(missing, "1"), ENOENT);
    vgpu_test_root_free(g_steal_pointer(&root));
}

static void
test_sysfs_list_dir(void **state)
{
    g_autofree char *root = vgpu_test_root_new();
    g_autofree char *dir = g_build_filename(root, "d", NULL);
    g_autofree char *missing = g_build_filename(root, "nope", NULL);
    g_autoptr(GPtrArray) names = NULL;

    vgpu_test_write(root, "d/b", "");
    vgpu_test_write(root, "d/a", "");
    vgpu_test_write(root, "d/c", "");
    names = vgpu_sysfs_list_dir(dir, NULL);
    assert_int_equal(names->len, 3);
    assert_string_equal(g_ptr_array_index(names, 0), "a");
    assert_string_equal(g_ptr_array_index(names, 2), "c");
    g_clear_pointer(&names, g_ptr_array_unref);

    names = vgpu_sysfs_list_dir(missing, NULL);
    assert_non_null(names);
    assert_int_equal(names->len, 0);
    vgpu_test_root_free(g_steal_pointer(&root));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_root),
        cmocka_unit_test(test_root_trailing_slash),
        cmocka_unit_test(test_bad_roots),
        cmocka_unit_test(test_from_env),
        cmocka_unit_test(test_ref_unref_and_timeout),
        cmocka_unit_test(test_name_check),
        cmocka_unit_test(test_sysfs_read_attr),
        cmocka_unit_test(test_sysfs_list_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
