/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of lib/vgpu-nvidia.c: decoding of NVIDIA vGPU type `name` and
 * `description` files. The strings are as NVIDIA's vGPU manager publishes
 * them (NVIDIA vGPU user guide; `mdevctl types` output on P4, P40, M10
 * hosts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <libvgpu/vgpu-nvidia.h>

#include "vgpu-test-util.h"

/* cat .../nvidia-46/description on a Tesla P40 ("GRID P40-1Q") */
#define P40_1Q_DESC                                                            \
    "num_heads=4, frl_config=60, framebuffer=1024M, "                          \
    "max_resolution=5120x2880, max_instance=24"
/* NVIDIA user guide example, "GRID M10-2Q" */
#define M10_2Q_DESC                                                            \
    "num_heads=4, frl_config=60, framebuffer=2048M, "                          \
    "max_resolution=4096x2160, max_instance=4"
/* mdevctl types on a P40: nvidia-215 "GRID P40-2B4" */
#define P40_2B4_DESC                                                           \
    "num_heads=4, frl_config=45, framebuffer=2048M, "                          \
    "max_resolution=5120x2880, max_instance=12"

static VgpuNvidiaType *
decode_ok(const char *name, const char *description)
{
    g_autoptr(GError) error = NULL;
    VgpuNvidiaType *type = vgpu_nvidia_type_new(name, description, &error);

    if (error)
        fail_msg("unexpected error: %s", error->message);
    assert_non_null(type);
    return type;
}

static void
assert_keys(const VgpuNvidiaType *type, const char *const *expected)
{
    const char *const *keys = vgpu_nvidia_type_get_keys(type);
    guint i;

    assert_non_null(keys);
    for (i = 0; expected[i]; i++) {
        assert_non_null(keys[i]);
        assert_string_equal(keys[i], expected[i]);
    }
    assert_null(keys[i]);
}

static void
test_p40_1q(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok("GRID P40-1Q", P40_1Q_DESC);
    const char *const keys[] = {"num_heads",      "frl_config",   "framebuffer",
                                "max_resolution", "max_instance", NULL};
    guint width = 0;
    guint height = 0;

    assert_string_equal(vgpu_nvidia_type_get_board(type), "P40");
    assert_int_equal(vgpu_nvidia_type_get_series(type), 'Q');
    assert_string_equal(vgpu_nvidia_type_get_license(type), "vDWS");
    assert_true(g_str_has_prefix(
        vgpu_nvidia_type_get_series_description(type),
        "virtual workstation for creative and technical professionals "
        "(Quadro features)"));
    assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type), 1);
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 1024);
    assert_int_equal(vgpu_nvidia_type_get_num_heads(type), 4);
    assert_int_equal(vgpu_nvidia_type_get_frl_config(type), 60);
    assert_true(vgpu_nvidia_type_get_max_resolution(type, &width, &height));
    assert_int_equal(width, 5120);
    assert_int_equal(height, 2880);
    assert_int_equal(vgpu_nvidia_type_get_max_instance(type), 24);
    assert_keys(type, keys);
    assert_string_equal(vgpu_nvidia_type_get_value(type, "framebuffer"),
                        "1024M");
    assert_string_equal(vgpu_nvidia_type_get_value(type, "max_resolution"),
                        "5120x2880");
    assert_null(vgpu_nvidia_type_get_value(type, "vendor_x"));
}

static void
test_m10_2q(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok("GRID M10-2Q", M10_2Q_DESC);
    guint width = 0;
    guint height = 0;

    assert_string_equal(vgpu_nvidia_type_get_board(type), "M10");
    assert_int_equal(vgpu_nvidia_type_get_series(type), 'Q');
    assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type), 2);
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 2048);
    assert_true(vgpu_nvidia_type_get_max_resolution(type, &width, &height));
    assert_int_equal(width, 4096);
    assert_int_equal(height, 2160);
    assert_int_equal(vgpu_nvidia_type_get_max_instance(type), 4);
}

/* As read from sysfs: trailing newline, stray blanks. */
static void
test_p4_4q_untrimmed(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok(
        "  GRID P4-4Q\n", " num_heads=4, frl_config=60, framebuffer=4096M, "
                          "max_resolution=7680x4320, max_instance=2\n");

    assert_string_equal(vgpu_nvidia_type_get_board(type), "P4");
    assert_int_equal(vgpu_nvidia_type_get_series(type), 'Q');
    assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type), 4);
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 4096);
    assert_int_equal(vgpu_nvidia_type_get_max_instance(type), 2);
    assert_string_equal(vgpu_nvidia_type_get_value(type, "max_instance"), "2");
}

/* The "4" of "2B4" is a variant suffix: B series, 2 GiB. */
static void
test_p40_2b4_variant(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok("GRID P40-2B4", P40_2B4_DESC);

    assert_string_equal(vgpu_nvidia_type_get_board(type), "P40");
    assert_int_equal(vgpu_nvidia_type_get_series(type), 'B');
    assert_string_equal(vgpu_nvidia_type_get_license(type), "vPC");
    assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type), 2);
    assert_int_equal(vgpu_nvidia_type_get_frl_config(type), 45);
    assert_int_equal(vgpu_nvidia_type_get_num_heads(type), 4);
    assert_int_equal(vgpu_nvidia_type_get_max_instance(type), 12);
}

typedef struct {
    const char *name;
    const char *board;
    char series;
    guint gib;
} NameCase;

static void
test_names(void **state)
{
    static const NameCase cases[] = {
        {"NVIDIA A16-4Q", "A16", 'Q', 4},
        {"GRID T4-16Q", "T4", 'Q', 16},
        {"GRID T4-1B4", "T4", 'B', 1},
        {"GRID M60-0B", "M60", 'B', 0},
        {"GRID M60-8A", "M60", 'A', 8},
        {"GRID P40-24A", "P40", 'A', 24},
        {"GRID RTX6000-4Q", "RTX6000", 'Q', 4},
        {"NVIDIA A100-4C", "A100", 'C', 4},
        {"GRID V100DX-32Q", "V100DX", 'Q', 32},
        /* MIG-backed: <board>-<slices>-<GiB><series> */
        {"GRID A100-2-10C", "A100", 'C', 10},
        {"NVIDIA A100-7-40C", "A100", 'C', 40},
        {"NVIDIA A100-1-5CME", "A100", 'C', 5},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(VgpuNvidiaType) type = decode_ok(cases[i].name, NULL);

        print_message("%s\n", cases[i].name);
        assert_string_equal(vgpu_nvidia_type_get_board(type), cases[i].board);
        assert_int_equal(vgpu_nvidia_type_get_series(type), cases[i].series);
        assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type),
                         cases[i].gib);
        /* no description: description fields absent */
        assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 0);
        assert_int_equal(vgpu_nvidia_type_get_max_instance(type), 0);
        assert_null(vgpu_nvidia_type_get_keys(type)[0]);
    }
}

static void
test_m60_0b_512m(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok(
        "GRID M60-0B", "num_heads=2, frl_config=45, framebuffer=512M, "
                       "max_resolution=2560x1600, max_instance=16");

    assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type), 0);
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 512);
    assert_int_equal(vgpu_nvidia_type_get_num_heads(type), 2);
    assert_int_equal(vgpu_nvidia_type_get_max_instance(type), 16);
}

static void
test_all_series(void **state)
{
    static const struct {
        const char *name;
        char series;
        const char *license;
        const char *const words[3];
    } cases[] = {
        {"GRID P4-8A",
         'A',
         "vApps",
         {"virtual applications", "1280x1024", "1 display"}},
        {"GRID P4-1B",
         'B',
         "vPC",
         {"knowledge workers", "5K, 2 displays", "45 fps"}},
        {"NVIDIA A100-4C",
         'C',
         "vCS",
         {"compute server", "CUDA only", "Linux"}},
        {"GRID P4-4Q",
         'Q',
         "vDWS",
         {"virtual workstation", "Quadro", "8K, 4 displays"}},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(VgpuNvidiaType) type = decode_ok(cases[i].name, NULL);
        const char *text = vgpu_nvidia_type_get_series_description(type);

        assert_int_equal(vgpu_nvidia_type_get_series(type), cases[i].series);
        assert_string_equal(vgpu_nvidia_type_get_license(type),
                            cases[i].license);
        assert_non_null(text);
        for (guint w = 0; w < G_N_ELEMENTS(cases[i].words); w++) {
            if (!strstr(text, cases[i].words[w]))
                fail_msg("%c: \"%s\" not in \"%s\"", cases[i].series,
                         cases[i].words[w], text);
        }
    }
}

/* A series letter we do not know: board and size still decoded. */
static void
test_unknown_series(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok("NVIDIA L40-4G", NULL);

    assert_string_equal(vgpu_nvidia_type_get_board(type), "L40");
    assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type), 4);
    assert_int_equal(vgpu_nvidia_type_get_series(type), '\0');
    assert_null(vgpu_nvidia_type_get_license(type));
    assert_null(vgpu_nvidia_type_get_series_description(type));
}

/* NVIDIA prefix, but not the grammar: accepted, name fields unset. */
static void
test_unparsed_nvidia_name(void **state)
{
    static const char *const names[] = {
        "GRID K2",    "GRID P4-Q",          "GRID P4-4",   "GRID -4Q",
        "GRID P4-4q", "NVIDIA P4-4Q extra", "GRID P4-2-Q", "NVIDIA ",
    };

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(VgpuNvidiaType) type = decode_ok(names[i], P40_1Q_DESC);

        print_message("\"%s\"\n", names[i]);
        assert_null(vgpu_nvidia_type_get_board(type));
        assert_int_equal(vgpu_nvidia_type_get_series(type), '\0');
        assert_int_equal(vgpu_nvidia_type_get_name_framebuffer_gib(type), 0);
        assert_null(vgpu_nvidia_type_get_license(type));
        /* the description is still decoded */
        assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 1024);
    }
}

static void
test_description_only(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok(NULL, P40_1Q_DESC);

    assert_null(vgpu_nvidia_type_get_board(type));
    assert_int_equal(vgpu_nvidia_type_get_series(type), '\0');
    assert_int_equal(vgpu_nvidia_type_get_num_heads(type), 4);
    assert_int_equal(vgpu_nvidia_type_get_max_instance(type), 24);
}

static void
test_name_only(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok("GRID P4-4Q", NULL);
    guint width = 99;
    guint height = 99;

    assert_false(vgpu_nvidia_type_get_max_resolution(type, &width, &height));
    assert_int_equal(width, 0);
    assert_int_equal(height, 0);
    assert_false(vgpu_nvidia_type_get_max_resolution(type, NULL, NULL));
    assert_int_equal(vgpu_nvidia_type_get_num_heads(type), 0);
    assert_int_equal(vgpu_nvidia_type_get_frl_config(type), 0);
    assert_null(vgpu_nvidia_type_get_keys(type)[0]);
    assert_null(vgpu_nvidia_type_get_value(type, "num_heads"));
}

/* A free-text description next to an NVIDIA name is no key list. */
static void
test_name_with_free_text(void **state)
{
    g_autoptr(VgpuNvidiaType) type =
        decode_ok("GRID P4-4Q", "a virtual GPU, 4 GB");

    assert_string_equal(vgpu_nvidia_type_get_board(type), "P4");
    assert_null(vgpu_nvidia_type_get_keys(type)[0]);
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 0);
}

static void
test_unknown_keys_kept(void **state)
{
    g_autoptr(VgpuNvidiaType) type =
        decode_ok("NVIDIA A16-4Q", "vendor_x=abc, num_heads=2, zeta = 1 , "
                                   "framebuffer=2G, extra=, vendor_x=again");
    const char *const keys[] = {"vendor_x", "num_heads", "zeta", "framebuffer",
                                "extra",    "vendor_x",  NULL};

    assert_keys(type, keys);
    assert_string_equal(vgpu_nvidia_type_get_value(type, "vendor_x"), "abc");
    assert_string_equal(vgpu_nvidia_type_get_value(type, "zeta"), "1");
    assert_string_equal(vgpu_nvidia_type_get_value(type, "extra"), "");
    assert_string_equal(vgpu_nvidia_type_get_value(type, "framebuffer"), "2G");
    assert_null(vgpu_nvidia_type_get_value(type, "missing"));
    assert_int_equal(vgpu_nvidia_type_get_num_heads(type), 2);
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 2048);
}

static void
test_whitespace_tolerant(void **state)
{
    g_autoptr(VgpuNvidiaType) type = decode_ok(
        "GRID P4-2Q", "  num_heads = 4 ,frl_config=60,,\tframebuffer =2048 "
                      ", max_resolution = 1280X1024 ,");
    const char *const keys[] = {"num_heads", "frl_config", "framebuffer",
                                "max_resolution", NULL};
    guint width = 0;
    guint height = 0;

    assert_keys(type, keys);
    assert_int_equal(vgpu_nvidia_type_get_num_heads(type), 4);
    assert_int_equal(vgpu_nvidia_type_get_frl_config(type), 60);
    /* a plain number is MiB */
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type), 2048);
    assert_true(vgpu_nvidia_type_get_max_resolution(type, &width, &height));
    assert_int_equal(width, 1280);
    assert_int_equal(height, 1024);
    assert_string_equal(vgpu_nvidia_type_get_value(type, "num_heads"), "4");
}

static void
test_framebuffer_units(void **state)
{
    static const struct {
        const char *value;
        guint64 mib;
    } cases[] = {
        {"4096M", 4096}, {"4096", 4096}, {"4G", 4096},
        {"512m", 512},   {"48G", 49152}, {"0M", 0},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *desc =
            g_strdup_printf("framebuffer=%s", cases[i].value);
        g_autoptr(VgpuNvidiaType) type = decode_ok("GRID P4-4Q", desc);

        assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(type),
                         cases[i].mib);
    }
}

static void
test_malformed_values(void **state)
{
    static const struct {
        const char *description;
        const char *quoted;
    } cases[] = {
        {"num_heads=4, framebuffer=4096Q", "\"4096Q\""},
        {"framebuffer=M", "\"M\""},
        {"framebuffer=-1M", "\"-1M\""},
        {"framebuffer=4096MB", "\"4096MB\""},
        {"framebuffer=", "\"\""},
        {"num_heads=four", "\"four\""},
        {"num_heads=+4", "\"+4\""},
        {"max_instance=4.5", "\"4.5\""},
        {"frl_config=99999999999", "\"99999999999\""},
        {"max_resolution=5120", "\"5120\""},
        {"max_resolution=5120x", "\"5120x\""},
        {"max_resolution=x2880", "\"x2880\""},
        {"max_resolution=5120x2880x2", "\"5120x2880x2\""},
        {"max_resolution=5120*2880", "\"5120*2880\""},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VgpuNvidiaType) type =
            vgpu_nvidia_type_new("GRID P4-4Q", cases[i].description, &error);

        print_message("%s\n", cases[i].description);
        assert_null(type);
        vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT,
                               cases[i].quoted);
        /* the message also names the key and quotes the description */
        assert_non_null(strstr(error->message, cases[i].description));
    }
}

static void
test_duplicate_known_key(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuNvidiaType) type =
        vgpu_nvidia_type_new("GRID P4-4Q", "num_heads=4, num_heads=2", &error);

    assert_null(type);
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "num_heads");
}

/* A known key decides NVIDIA-likeness even with a foreign name. */
static void
test_malformed_without_nvidia_name(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuNvidiaType) type =
        vgpu_nvidia_type_new(NULL, "framebuffer=lots", &error);

    assert_null(type);
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "\"lots\"");
}

static void
test_unsupported(void **state)
{
    static const struct {
        const char *name;
        const char *description;
    } cases[] = {
        /* mtty sample driver */
        {"Single port serial", NULL},
        {"Dual port serial", ""},
        /* mdpy / mbochs sample drivers */
        {"mdpy-vga", "virtual display, 640x480 framebuffer"},
        {NULL, "virtual display, 64 MB video memory"},
        /* Intel GVT-g */
        {NULL, "low_gm_size: 128MB\nhigh_gm_size: 384MB\nfence: 4\n"
               "resolution: 1024x768\nweight: 2"},
        /* key=value, but no NVIDIA key */
        {"Some driver", "ports=2, speed=fast"},
        {"grid p4-4q", NULL},
        {"GRIDP4-4Q", NULL},
        {NULL, NULL},
        {"  ", "  "},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VgpuNvidiaType) type =
            vgpu_nvidia_type_new(cases[i].name, cases[i].description, &error);

        print_message("%s | %s\n", cases[i].name, cases[i].description);
        assert_null(type);
        vgpu_test_assert_error(error, VGPU_ERROR_UNSUPPORTED,
                               "not NVIDIA vGPU");
    }
}

static void
test_unsupported_without_error(void **state)
{
    assert_null(vgpu_nvidia_type_new("Single port serial", NULL, NULL));
    assert_null(vgpu_nvidia_type_new("GRID P4-4Q", "framebuffer=x", NULL));
    vgpu_nvidia_type_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p40_1q),
        cmocka_unit_test(test_m10_2q),
        cmocka_unit_test(test_p4_4q_untrimmed),
        cmocka_unit_test(test_p40_2b4_variant),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_m60_0b_512m),
        cmocka_unit_test(test_all_series),
        cmocka_unit_test(test_unknown_series),
        cmocka_unit_test(test_unparsed_nvidia_name),
        cmocka_unit_test(test_description_only),
        cmocka_unit_test(test_name_only),
        cmocka_unit_test(test_name_with_free_text),
        cmocka_unit_test(test_unknown_keys_kept),
        cmocka_unit_test(test_whitespace_tolerant),
        cmocka_unit_test(test_framebuffer_units),
        cmocka_unit_test(test_malformed_values),
        cmocka_unit_test(test_duplicate_known_key),
        cmocka_unit_test(test_malformed_without_nvidia_name),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_unsupported_without_error),
    };

    return cmocka_run_group_tests_name("nvidia", tests, NULL, NULL);
}
