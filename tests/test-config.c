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

/* The warnings of @config are exactly @expected (NULL-terminated). */
static void
assert_warnings(const VgpuConfig *config, const char *const *expected)
{
    const char *const *warnings = vgpu_config_get_warnings(config);
    guint i;

    assert_non_null(warnings);
    for (i = 0; expected[i]; i++) {
        if (!warnings[i])
            fail_msg("missing warning %u: %s", i, expected[i]);
        assert_string_equal(warnings[i], expected[i]);
    }
    if (warnings[i])
        fail_msg("unexpected warning: %s", warnings[i]);
}

static void
assert_no_warnings(const VgpuConfig *config)
{
    const char *const none[] = {NULL};

    assert_warnings(config, none);
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
    assert_no_warnings(config);
    assert_int_equal(VGPU_REMOVE_TIMEOUT_DEFAULT_MS, 10000);
    vgpu_config_free(NULL);
}

static void
test_missing_file(void **state)
{
    g_autoptr(VgpuConfig) config = load_ok(*state, NULL);

    assert_defaults(config);
    assert_no_warnings(config);
}

static void
test_empty_file_and_other_groups(void **state)
{
    Fixture *fx = *state;

    {
        g_autoptr(VgpuConfig) config = load_ok(fx, "");
        assert_defaults(config);
        assert_no_warnings(config);
    }
    {
        /* the other group's keys are not read, but it is reported */
        g_autoptr(VgpuConfig) config =
            load_ok(fx, "# only another group\n[other]\nplacement=bogus\n");
        const char *const warnings[] = {
            "libvgpu.conf: unknown group [other]; the only group is "
            "[libvgpu]",
            NULL,
        };
        assert_defaults(config);
        assert_warnings(config, warnings);
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
    assert_no_warnings(config);
}

/* Comments are ignored, blanks tolerated; unknown keys and groups do not
 * fail the load (forward compatibility) but are reported. */
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

    const char *const warnings[] = {
        "libvgpu.conf: unknown key \"future_key\" in [libvgpu] (keys: "
        "placement, parents, remove_timeout_ms, plain_vf_pfs)",
        "libvgpu.conf: unknown group [future-group]; the only group is "
        "[libvgpu]",
        NULL,
    };

    assert_int_equal(vgpu_config_get_placement(config), VGPU_PLACEMENT_PACK);
    assert_null(vgpu_config_get_allowed_parents(config));
    assert_int_equal(vgpu_config_get_remove_timeout(config), 0);
    assert_warnings(config, warnings);
}

/* Typos in key names: reported with the closest known key, when close. */
static void
test_unknown_key_suggestions(void **state)
{
    Fixture *fx = *state;
    static const struct {
        const char *key;
        const char *suggestion; /* NULL: none */
    } cases[] = {
        {"placment", "placement"},
        {"placemnet", "placement"},
        {"Placement", "placement"},
        {"PLACEMENT", "placement"},
        {"placements", "placement"},
        {"parent", "parents"},
        {"parnets", "parents"},
        {"remove_timeout", "remove_timeout_ms"},
        {"remove-timeout-ms", "remove_timeout_ms"},
        {"remove_timeout_s", "remove_timeout_ms"},
        {"policy", NULL},
        {"timeout", NULL},
        {"allow", NULL},
        {"x", NULL},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *content = g_strdup_printf(
            "[libvgpu]\nplacement=spread\n%s=1\n", cases[i].key);
        g_autofree char *want = NULL;
        g_autoptr(VgpuConfig) config = load_ok(fx, content);
        const char *warnings[] = {NULL, NULL};

        if (cases[i].suggestion)
            want = g_strdup_printf(
                "libvgpu.conf: unknown key \"%s\" in "
                "[libvgpu]; did you mean \"%s\"? (keys: "
                "placement, parents, remove_timeout_ms, plain_vf_pfs)",
                cases[i].key, cases[i].suggestion);
        else
            want = g_strdup_printf("libvgpu.conf: unknown key \"%s\" in "
                                   "[libvgpu] (keys: placement, parents, "
                                   "remove_timeout_ms, plain_vf_pfs)",
                                   cases[i].key);
        warnings[0] = want;
        assert_warnings(config, warnings);
        /* the known keys still apply */
        assert_int_equal(vgpu_config_get_placement(config),
                         VGPU_PLACEMENT_SPREAD);
    }
}

/* A typo in the group name: its keys do nothing, and that is reported. */
static void
test_unknown_group(void **state)
{
    Fixture *fx = *state;
    g_autoptr(VgpuConfig) config =
        load_ok(fx, "[libvpgu]\nplacement=spread\nplacment=pack\n");
    const char *const warnings[] = {
        "libvgpu.conf: unknown group [libvpgu]; the only group is [libvgpu]",
        NULL,
    };

    assert_defaults(config);
    assert_warnings(config, warnings);
}

/* Several unknown names: groups in file order, then keys in group order. */
static void
test_warnings_order_and_escaping(void **state)
{
    Fixture *fx = *state;
    g_autoptr(VgpuConfig) config = load_ok(fx, "[libvgpu]\n"
                                               "placment=spread\n"
                                               "a\"b\\c=1\n"
                                               "[Libvgpu]\n"
                                               "x=1\n");
    const char *const warnings[] = {
        "libvgpu.conf: unknown key \"placment\" in [libvgpu]; did you mean "
        "\"placement\"? (keys: placement, parents, remove_timeout_ms, "
        "plain_vf_pfs)",
        "libvgpu.conf: unknown key \"a\\\"b\\\\c\" in [libvgpu] (keys: "
        "placement, parents, remove_timeout_ms, plain_vf_pfs)",
        "libvgpu.conf: unknown group [Libvgpu]; the only group is [libvgpu]",
        NULL,
    };

    assert_warnings(config, warnings);
}

/* GKeyFile refuses control characters in key names and quotes the line in
 * its error: the message stays one safe line. */
static void
test_syntax_error_escaped(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = NULL;

    vgpu_test_write(fx->root, VGPU_CONFIG_PATH, "[libvgpu]\nevil\x1b[2J\r=1\n");
    config = vgpu_config_load(fx->ctx, &error);
    assert_null(config);
    assert_int_equal(error->code, VGPU_ERROR_INVALID_INPUT);
    assert_null(strchr(error->message, '\x1b'));
    assert_null(strchr(error->message, '\r'));
    assert_message_has(error, "\\x1b[2J");
}

/* A file full of unknown keys gives a bounded number of warnings. */
static void
test_warnings_bounded(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GString) content = g_string_new("[libvgpu]\n");
    g_autoptr(VgpuConfig) config = NULL;
    const char *const *warnings;

    for (guint i = 0; i < 100; i++)
        g_string_append_printf(content, "unknown%u=%u\n", i, i);
    config = load_ok(fx, content->str);
    warnings = vgpu_config_get_warnings(config);
    assert_int_equal(g_strv_length((char **)warnings), 17);
    assert_string_equal(warnings[16], "libvgpu.conf: 84 more unknown keys or "
                                      "groups are not listed");
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

/* A '#' after a space or tab starts a comment, removed with the blanks
 * before it; on a line of its own it is GKeyFile's comment. */
static void
test_inline_comment(void **state)
{
    Fixture *fx = *state;

    {
        g_autoptr(VgpuConfig) config =
            load_ok(fx, "[libvgpu]   # the only group\n"
                        "placement=spread   # or pack\n"
                        "  # indented comment line\n"
                        "parents=0000:05:00.0;0000:06:00.0\t# two GPUs\n"
                        "remove_timeout_ms=2500 \t #\n");
        const char *const *parents = vgpu_config_get_allowed_parents(config);

        assert_int_equal(vgpu_config_get_placement(config),
                         VGPU_PLACEMENT_SPREAD);
        assert_non_null(parents);
        assert_int_equal(g_strv_length((char **)parents), 2);
        assert_string_equal(parents[0], "0000:05:00.0");
        assert_string_equal(parents[1], "0000:06:00.0");
        assert_int_equal(vgpu_config_get_remove_timeout(config), 2500);
        assert_no_warnings(config);
    }
    {
        /* only a comment after '=': the value is empty */
        g_autoptr(VgpuConfig) config =
            load_ok(fx, "[libvgpu]\nparents= # none yet\n");
        assert_null(vgpu_config_get_allowed_parents(config));
        assert_no_warnings(config);
    }
    {
        /* a comment on a line without a final newline */
        g_autoptr(VgpuConfig) config =
            load_ok(fx, "[libvgpu]\nplacement=spread # last line");
        assert_int_equal(vgpu_config_get_placement(config),
                         VGPU_PLACEMENT_SPREAD);
    }
    {
        /* a comment after an unknown key does not hide the key */
        g_autoptr(VgpuConfig) config =
            load_ok(fx, "[libvgpu]\nplacment=spread # typo\n");
        const char *const warnings[] = {
            "libvgpu.conf: unknown key \"placment\" in [libvgpu]; did you "
            "mean \"placement\"? (keys: placement, parents, "
            "remove_timeout_ms, plain_vf_pfs)",
            NULL,
        };
        assert_warnings(config, warnings);
    }
}

/* A '#' without a blank before it is part of the value: an error that
 * says how to write a comment. */
static void
test_inline_comment_without_blank(void **state)
{
    Fixture *fx = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = NULL;

    load_invalid(fx, "[libvgpu]\nplacement=spread#or pack\n", "placement",
                 "\"spread#or pack\"");
    config = vgpu_config_load(fx->ctx, &error);
    assert_null(config);
    assert_message_has(error, "a space before the '#'");
    assert_message_has(error, "line of its own");
    load_invalid(fx, "[libvgpu]\nremove_timeout_ms=10#s\n", "remove_timeout_ms",
                 "\"10#s\"");
}

/*
 * The sample configuration installed as share/doc/libvgpu/
 * libvgpu.conf.example, docs/libvgpu.conf.example in the sources (its path
 * in VGPU_SAMPLE_CONFIG). README.md shows the same text, which
 * tests/man/test-man.sh checks. It loads with the values its comments
 * promise and no warnings.
 */
static void
test_sample_config(void **state)
{
    Fixture *fx = *state;
    const char *path = g_getenv("VGPU_SAMPLE_CONFIG");
    g_autoptr(GError) error = NULL;
    g_autofree char *sample = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    const char *const *parents;

    assert_non_null(path);
    if (!g_file_get_contents(path, &sample, NULL, &error))
        fail_msg("cannot read the sample configuration: %s", error->message);
    config = load_ok(fx, sample);
    parents = vgpu_config_get_allowed_parents(config);

    assert_int_equal(vgpu_config_get_placement(config), VGPU_PLACEMENT_PACK);
    assert_non_null(parents);
    assert_int_equal(g_strv_length((char **)parents), 2);
    assert_string_equal(parents[0], "0000:05:00.0");
    assert_string_equal(parents[1], "0000:06:00.0");
    assert_int_equal(vgpu_config_get_remove_timeout(config), 10000);
    assert_no_warnings(config);
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
test_plain_vf_pfs(void **state)
{
    Fixture *fx = *state;
    g_autoptr(VgpuConfig) config =
        load_ok(fx, "[libvgpu]\n"
                    "plain_vf_pfs= 0000:01:00.0 ;;0000:5e:00.0;0000:01:00.0\n");
    const char *const *pfs = vgpu_config_get_plain_vf_pfs(config);

    assert_non_null(pfs);
    assert_int_equal(g_strv_length((char **)pfs), 2);
    assert_string_equal(pfs[0], "0000:01:00.0");
    assert_string_equal(pfs[1], "0000:5e:00.0");
    assert_true(vgpu_config_is_plain_vf_pf(config, "0000:01:00.0"));
    assert_false(vgpu_config_is_plain_vf_pf(config, "0000:02:00.0"));
    assert_false(vgpu_config_is_plain_vf_pf(NULL, "0000:01:00.0"));
    assert_no_warnings(config);
    /* independent of the mdev allow-list */
    assert_null(vgpu_config_get_allowed_parents(config));

    vgpu_config_set_plain_vf_pfs(config, NULL);
    assert_null(vgpu_config_get_plain_vf_pfs(config));
    assert_false(vgpu_config_is_plain_vf_pf(config, "0000:01:00.0"));
    {
        g_autoptr(VgpuConfig) empty = load_ok(fx, "[libvgpu]\nplain_vf_pfs=\n");
        assert_null(vgpu_config_get_plain_vf_pfs(empty));
    }
}

static void
test_bad_plain_vf_pf(void **state)
{
    Fixture *fx = *state;

    /* only canonical PCI addresses: lowercase, with the domain */
    load_invalid(fx, "[libvgpu]\nplain_vf_pfs=0000:5E:00.0\n", "plain_vf_pfs",
                 "\"0000:5E:00.0\"");
    load_invalid(fx, "[libvgpu]\nplain_vf_pfs=5e:00.0\n", "plain_vf_pfs",
                 "\"5e:00.0\"");
    load_invalid(fx, "[libvgpu]\nplain_vf_pfs=0000:01:00.0;../x\n",
                 "plain_vf_pfs", "\"../x\"");
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
        cmocka_unit_test_setup_teardown(test_unknown_key_suggestions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warnings_order_and_escaping, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error_escaped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warnings_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parents_list_cleanup, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parents_empty_means_all, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inline_comment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inline_comment_without_blank,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sample_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_vf_pfs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_plain_vf_pf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
        cmocka_unit_test(test_policy_strings),
        cmocka_unit_test(test_setters),
    };

    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
