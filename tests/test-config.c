/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of lib/vgpu-config.c: defaults, etc/libvgpu/libvgpu.conf under
 * a temporary host root, and the error messages for bad values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include <libvgpu/vgpu-config.h>

#include "vgpu-test-util.h"

typedef struct {
    char *root;
    VgpuContext *ctx;
    char *path; /* absolute path of the configuration file */
} Fixture;

static int
setup(void **state)
{
    Fixture *fx = g_new0(Fixture, 1);

    fx->ctx = vgpu_test_context_new(&fx->root);
    fx->path = g_build_filename(fx->root, VGPU_CONFIG_PATH, NULL);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *fx = *state;

    vgpu_test_context_free(fx->ctx, fx->root);
    g_free(fx->path);
    g_free(fx);
    return 0;
}

static void
assert_message_has(const GError *error, const char *needle)
{
    if (!strstr(error->message, needle))
        fail_msg("\"%s\" not in message: %s", needle, error->message);
}

static void
assert_defaults(const VgpuConfig *config)
{
    assert_int_equal(vgpu_config_get_placement(config), VGPU_PLACEMENT_PACK);
    assert_null(vgpu_config_get_allowed_parents(config));
    assert_true(vgpu_config_is_parent_allowed(config, "0000:05:00.0"));
    assert_true(vgpu_config_is_parent_allowed(config, "mtty"));
    assert_int_equal(vgpu_config_get_remove_timeout(config),
                     VGPU_REMOVE_TIMEOUT_DEFAULT_MS);
}

static VgpuConfig *
load_ok(Fixture *fx, const char *content)
{
    g_autoptr(GError) error = NULL;
    VgpuConfig *config;

    if (content)
        vgpu_test_write(fx->root, VGPU_CONFIG_PATH, content);
    config = vgpu_config_load(fx->ctx, &error);
    if (error)
        fail_msg("unexpected error: %s", error->message);
    assert_non_null(config);
    return config;
}

/* Loads @content, expects INVALID_INPUT naming file, key and value. */
static void
load_invalid(Fixture *fx, const char *content, const char *key,
             const char *quoted_value)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = NULL;

    vgpu_test_write(fx->root, VGPU_CONFIG_PATH, content);
    config = vgpu_config_load(fx->ctx, &error);
    assert_null(config);
    assert_non_null(error);
    assert_true(error->domain == VGPU_ERROR);
    assert_int_equal(error->code, VGPU_ERROR_INVALID_INPUT);
    assert_message_has(error, fx->path);
    if (key)
        assert_message_has(error, key);
    if (quoted_value)
        assert_message_has(error, quoted_value);
    assert_null(strchr(error->message, '\n'));
}

static void
test_new_defaults(void **state)
{
    g_autoptr(VgpuConfig) config = vgpu_config_new();

    assert_defaults(config);
    assert_int_equal(VGPU_REMOVE_TIMEOUT_DEFAULT_MS, 10000);
    vgpu_config_free(NULL);
}

static void
test_missing_file(void **state)
{
    g_autoptr(VgpuConfig) config = load_ok(*state, NULL);

    assert_defaults(config);
}

static void
test_empty_file_and_other_groups(void **state)
{
    Fixture *fx = *state;

    {
        g_autoptr(VgpuConfig) config = load_ok(fx, "");
        assert_defaults(config);
    }
    {
        g_autoptr(VgpuConfig) config =
            load_ok(fx, "# only another group\n[other]\nplacement=bogus\n");
        assert_defaults(config);
    }
}

static void
test_full_file(void **state)
{
    g_autoptr(VgpuConfig) config =
        load_ok(*state, "[libvgpu]\n"
                        "placement=spread\n"
                        "parents=0000:05:00.0;0000:06:00.0\n"
                        "remove_timeout_ms=2500\n");
    const char *const *parents = vgpu_config_get_allowed_parents(config);

    assert_int_equal(vgpu_config_get_placement(config), VGPU_PLACEMENT_SPREAD);
    assert_non_null(parents);
    assert_string_equal(parents[0], "0000:05:00.0");
    assert_string_equal(parents[1], "0000:06:00.0");
    assert_null(parents[2]);
    assert_true(vgpu_config_is_parent_allowed(config, "0000:05:00.0"));
    assert_true(vgpu_config_is_parent_allowed(config, "0000:06:00.0"));
    assert_false(vgpu_config_is_parent_allowed(config, "0000:07:00.0"));
    assert_false(vgpu_config_is_parent_allowed(config, "0000:05:00"));
    assert_int_equal(vgpu_config_get_remove_timeout(config), 2500);
}

/* Comments, unknown keys and groups are ignored; blanks tolerated. */
static void
test_comments_unknown_keys(void **state)
{
    g_autoptr(VgpuConfig) config = load_ok(*state, "# libvgpu configuration\n"
                                                   "[libvgpu]\n"
                                                   "# pack or spread\n"
                                                   "placement = pack\n"
                                                   "future_key=whatever\n"
                                                   "remove_timeout_ms = 0\n"
                                                   "\n"
                                                   "[future-group]\n"
                                                   "placement=bogus\n");

    assert_int_equal(vgpu_config_get_placement(config), VGPU_PLACEMENT_PACK);
    assert_null(vgpu_config_get_allowed_parents(config));
    assert_int_equal(vgpu_config_get_remove_timeout(config), 0);
}

static void
test_parents_list_cleanup(void **state)
{
    g_autoptr(VgpuConfig) config = load_ok(
        *state, "[libvgpu]\n"
                "parents= 0000:05:00.0 ; ;0000:06:00.0;0000:05:00.0;mtty;\n");
    const char *const *parents = vgpu_config_get_allowed_parents(config);

    assert_non_null(parents);
    assert_int_equal(g_strv_length((char **)parents), 3);
    assert_string_equal(parents[0], "0000:05:00.0");
    assert_string_equal(parents[1], "0000:06:00.0");
    assert_string_equal(parents[2], "mtty");
}

static void
test_parents_empty_means_all(void **state)
{
    Fixture *fx = *state;

    {
        g_autoptr(VgpuConfig) config = load_ok(fx, "[libvgpu]\nparents=\n");
        assert_null(vgpu_config_get_allowed_parents(config));
        assert_true(vgpu_config_is_parent_allowed(config, "0000:05:00.0"));
    }
    {
        g_autoptr(VgpuConfig) config = load_ok(fx, "[libvgpu]\nparents= ; ;\n");
        assert_null(vgpu_config_get_allowed_parents(config));
    }
}

static void
test_bad_policy(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = NULL;

    load_invalid(fx, "[libvgpu]\nplacement=packed\n", "placement",
                 "\"packed\"");
    load_invalid(fx, "[libvgpu]\nplacement=PACK\n", "placement", "\"PACK\"");
    load_invalid(fx, "[libvgpu]\nplacement=\n", "placement", "\"\"");

    /* the fix is named */
    vgpu_test_write(fx->root, VGPU_CONFIG_PATH, "[libvgpu]\nplacement=x\n");
    config = vgpu_config_load(fx->ctx, &error);
    assert_null(config);
    assert_message_has(error, "\"pack\"");
    assert_message_has(error, "\"spread\"");
}

/* GKeyFile has no trailing comments; say so. */
static void
test_inline_comment(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = NULL;

    load_invalid(fx, "[libvgpu]\nplacement=spread   # or pack\n", "placement",
                 "\"spread   # or pack\"");
    config = vgpu_config_load(fx->ctx, &error);
    assert_null(config);
    assert_message_has(error, "line of its own");
}

static void
test_bad_parent(void **state)
{
    Fixture *fx = *state;

    load_invalid(fx, "[libvgpu]\nparents=0000:05:00.0;../../etc\n", "parents",
                 "\"../../etc\"");
    load_invalid(fx, "[libvgpu]\nparents=..\n", "parents", "\"..\"");
    load_invalid(fx, "[libvgpu]\nparents=0000:05:00.0;.\n", "parents", "\".\"");
    load_invalid(fx, "[libvgpu]\nparents=a/b\n", "parents", "\"a/b\"");
}

static void
test_bad_timeout(void **state)
{
    Fixture *fx = *state;

    load_invalid(fx, "[libvgpu]\nremove_timeout_ms=10s\n", "remove_timeout_ms",
                 "\"10s\"");
    load_invalid(fx, "[libvgpu]\nremove_timeout_ms=-1\n", "remove_timeout_ms",
                 "\"-1\"");
    load_invalid(fx, "[libvgpu]\nremove_timeout_ms=600001\n",
                 "remove_timeout_ms", "\"600001\"");
    load_invalid(fx, "[libvgpu]\nremove_timeout_ms=\n", "remove_timeout_ms",
                 "\"\"");
    {
        g_autoptr(VgpuConfig) config =
            load_ok(fx, "[libvgpu]\nremove_timeout_ms=600000\n");
        assert_int_equal(vgpu_config_get_remove_timeout(config), 600000);
    }
}

static void
test_syntax_error(void **state)
{
    Fixture *fx = *state;

    load_invalid(fx, "this is not a key file\n", NULL, NULL);
    load_invalid(fx, "[libvgpu\nplacement=pack\n", NULL, NULL);
}

static void
test_unreadable(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = NULL;

    /* a directory where the file should be */
    assert_int_equal(g_mkdir_with_parents(fx->path, 0755), 0);
    config = vgpu_config_load(fx->ctx, &error);
    assert_null(config);
    assert_non_null(error);
    assert_true(error->domain == VGPU_ERROR);
    assert_int_equal(error->code, VGPU_ERROR_SYSTEM);
    assert_message_has(error, fx->path);
}

static void
test_policy_strings(void **state)
{
    VgpuPlacementPolicy policy = VGPU_PLACEMENT_SPREAD;
    static const char *const bad[] = {"PACK", "", "spread ", "fill"};

    assert_true(vgpu_placement_policy_from_string("pack", &policy, NULL));
    assert_int_equal(policy, VGPU_PLACEMENT_PACK);
    assert_true(vgpu_placement_policy_from_string("spread", &policy, NULL));
    assert_int_equal(policy, VGPU_PLACEMENT_SPREAD);
    assert_string_equal(vgpu_placement_policy_to_string(VGPU_PLACEMENT_PACK),
                        "pack");
    assert_string_equal(vgpu_placement_policy_to_string(VGPU_PLACEMENT_SPREAD),
                        "spread");

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *quoted = g_strdup_printf("\"%s\"", bad[i]);

        policy = VGPU_PLACEMENT_SPREAD;
        assert_false(
            vgpu_placement_policy_from_string(bad[i], &policy, &error));
        assert_int_equal(policy, VGPU_PLACEMENT_SPREAD);
        assert_int_equal(error->code, VGPU_ERROR_INVALID_INPUT);
        assert_message_has(error, quoted);
    }
    {
        g_autoptr(GError) error = NULL;
        assert_false(vgpu_placement_policy_from_string(NULL, &policy, &error));
        assert_int_equal(error->code, VGPU_ERROR_INVALID_INPUT);
    }
}

static void
test_setters(void **state)
{
    g_autoptr(VgpuConfig) config = vgpu_config_new();
    char *list[] = {g_strdup("0000:05:00.0"), g_strdup("mtty"), NULL};
    const char *const none[] = {NULL};

    vgpu_config_set_placement(config, VGPU_PLACEMENT_SPREAD);
    assert_int_equal(vgpu_config_get_placement(config), VGPU_PLACEMENT_SPREAD);

    vgpu_config_set_allowed_parents(config, (const char *const *)list);
    /* copied: changing the caller's list changes nothing */
    g_free(list[0]);
    list[0] = g_strdup("0000:99:00.0");
    assert_true(vgpu_config_is_parent_allowed(config, "0000:05:00.0"));
    assert_true(vgpu_config_is_parent_allowed(config, "mtty"));
    assert_false(vgpu_config_is_parent_allowed(config, "0000:99:00.0"));
    assert_string_equal(vgpu_config_get_allowed_parents(config)[0],
                        "0000:05:00.0");
    g_free(list[0]);
    g_free(list[1]);

    /* an empty list allows nothing */
    vgpu_config_set_allowed_parents(config, none);
    assert_non_null(vgpu_config_get_allowed_parents(config));
    assert_false(vgpu_config_is_parent_allowed(config, "0000:05:00.0"));

    vgpu_config_set_allowed_parents(config, NULL);
    assert_null(vgpu_config_get_allowed_parents(config));
    assert_true(vgpu_config_is_parent_allowed(config, "0000:05:00.0"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_defaults),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_and_other_groups, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments_unknown_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parents_list_cleanup, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parents_empty_means_all, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inline_comment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
        cmocka_unit_test(test_policy_strings),
        cmocka_unit_test(test_setters),
    };

    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
