/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the hook protocol on fixture trees. Creating devices needs
 * something that acts like the kernel: see tests/hook/ (emulator).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <libvgpu/libvgpu.h>

#include "vgpu-test-util.h"

#define OUR_UUID "9d2e9b5e-1c4a-4f7e-8a3b-0123456789ab"
#define FOREIGN_UUID "11111111-2222-4333-8444-555555555555"
#define P4_4Q_DESC                                                             \
    "num_heads=4, frl_config=60, framebuffer=4096M, "                          \
    "max_resolution=7680x4320, max_instance=2"

typedef struct {
    char *root;
    VgpuContext *ctx;
    char *xml;
    gsize xml_len;
} Fixture;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->root = vgpu_test_root_new();
    vgpu_test_add_type(f->root, "0000:05:00.0", "nvidia-65", "GRID P4-4Q",
                       P4_4Q_DESC, 2);
    vgpu_test_add_type(f->root, "0000:05:00.0", "nvidia-63", "GRID P4-1B", NULL,
                       8);
    f->ctx = vgpu_context_new(f->root, NULL);
    f->xml = vgpu_test_read_data("hook/win11.xml", &f->xml_len);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    vgpu_test_context_free(f->ctx, f->root);
    g_free(f->xml);
    g_free(f);
    return 0;
}

/* Collects the engine's warnings (left-over devices, anomalies). */
static void
collect_warning(VgpuEngineEvent event, const char *message, gpointer data)
{
    if (event == VGPU_ENGINE_EVENT_LEFT || event == VGPU_ENGINE_EVENT_ANOMALY)
        g_ptr_array_add(data, g_strdup(message));
}

static gboolean
run(Fixture *f, const char *domain, const char *op, const char *sub,
    const char *xml, GPtrArray *warnings, GError **error)
{
    VgpuEngineOptions options;

    vgpu_engine_options_init(&options);
    options.event = warnings ? collect_warning : NULL;
    options.event_data = warnings;
    return vgpu_hook_run(f->ctx, domain, vgpu_hook_operation_parse(op, sub),
                         xml, xml ? strlen(xml) : 0, &options, NULL, error);
}

static gboolean
state_dir_exists(Fixture *f)
{
    g_autofree char *dir = g_build_filename(f->root, "run/libvgpu", NULL);
    return g_file_test(dir, G_FILE_TEST_EXISTS);
}

static void
test_other_operations_do_nothing(void **state)
{
    Fixture *f = *state;
    const char *ops[][2] = {
        {"migrate", "begin"}, {"restore", "begin"}, {"reconnect", "begin"},
        {"started", "begin"}, {"stopped", "end"},   {"prepare", "end"},
        {"release", "begin"}, {"attach", "begin"},  {"frobnicate", "now"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(ops); i++) {
        g_autoptr(GError) error = NULL;
        assert_true(
            run(f, "win11", ops[i][0], ops[i][1], "<junk", NULL, &error));
        assert_null(error);
    }
    assert_false(state_dir_exists(f));
}

static void
test_prepare_without_request_is_noop(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    const char *xml = "<domain type='kvm'><name>plain</name><devices>"
                      "<hostdev mode='subsystem' type='mdev'><source>"
                      "<address uuid='" FOREIGN_UUID "'/></source></hostdev>"
                      "</devices></domain>";

    assert_true(run(f, "plain", "prepare", "begin", xml, NULL, &error));
    assert_false(state_dir_exists(f)); /* no lock taken, nothing written */
}

static void
test_prepare_ignores_request_without_hostdev(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    const char *xml =
        "<domain type='kvm'><name>stale</name>"
        "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><metadata>"
        "<vgpu:vgpu xmlns:vgpu=\"urn:libvgpu:domain:1\">"
        "<vgpu:mdev uuid=\"" OUR_UUID "\" type=\"nvidia-65\"/>"
        "</vgpu:vgpu></metadata><devices/></domain>";

    /* metadata whose hostdev was removed by hand: QEMU will not use the
     * device, so nothing is created */
    assert_true(run(f, "stale", "prepare", "begin", xml, NULL, &error));
    assert_false(vgpu_mdev_exists(f->ctx, OUR_UUID));
    assert_false(state_dir_exists(f));
}

static void
test_prepare_rejects_bad_input(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    assert_false(run(f, "win11", "prepare", "begin", NULL, NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    assert_non_null(strstr(error->message, "win11"));
    g_clear_error(&error);

    assert_false(
        run(f, "win11", "prepare", "begin", "<domain><name>", NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    g_clear_error(&error);

    /* the XML is for another domain than argv[1] */
    assert_false(run(f, "win10", "prepare", "begin", f->xml, NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    assert_non_null(strstr(error->message, "win10"));
    assert_non_null(strstr(error->message, "win11"));
    g_clear_error(&error);

    {
        g_autofree char *hostile = g_strdup(f->xml);
        char *type = strstr(hostile, "type=\"nvidia-65\"");
        assert_non_null(type);
        memcpy(type, "type=\"../../etc\"", strlen("type=\"nvidia-65\""));
        assert_false(
            run(f, "win11", "prepare", "begin", hostile, NULL, &error));
        assert_true(
            g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
        assert_non_null(strstr(error->message, "../../etc"));
    }
}

static void
test_prepare_existing_device_is_idempotent(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) records = NULL;

    /* The device already exists (e.g. a second prepare): nothing created,
     * no record claimed for a device we did not create. */
    vgpu_test_add_mdev(f->root, "0000:05:00.0", "nvidia-65", OUR_UUID);
    assert_true(run(f, "win11", "prepare", "begin", f->xml, NULL, &error));
    records = vgpu_state_list_records(f->ctx, NULL, NULL, NULL);
    assert_int_equal(records->len, 0);
}

static void
test_prepare_existing_device_of_other_type_fails(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    vgpu_test_add_mdev(f->root, "0000:05:00.0", "nvidia-63", OUR_UUID);
    assert_false(run(f, "win11", "prepare", "begin", f->xml, NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED));
    assert_non_null(strstr(error->message, "nvidia-63"));
    assert_non_null(strstr(error->message, "nvidia-65"));
    assert_true(vgpu_mdev_exists(f->ctx, OUR_UUID)); /* never removed */
}

static void
test_prepare_device_owned_by_other_domain_fails(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRecord) record = vgpu_record_new(
        VGPU_DEVICE_CLASS_MDEV, "win10", OUR_UUID, "0000:05:00.0", "nvidia-65");

    vgpu_test_add_mdev(f->root, "0000:05:00.0", "nvidia-65", OUR_UUID);
    assert_true(vgpu_state_save_record(f->ctx, record, NULL));
    assert_false(run(f, "win11", "prepare", "begin", f->xml, NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_EXISTS));
    assert_non_null(strstr(error->message, "win10"));
}

static void
test_prepare_no_capacity(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRecord) record = vgpu_record_new(
        VGPU_DEVICE_CLASS_MDEV, "win10", "22222222-2222-4222-8222-222222222222",
        "0000:05:00.0", "nvidia-65");

    /* Both instances taken: one by win10 through libvgpu, one by hand. */
    vgpu_test_set_available(f->root, "0000:05:00.0", "nvidia-65", 0);
    vgpu_test_add_mdev(f->root, "0000:05:00.0", "nvidia-65",
                       "22222222-2222-4222-8222-222222222222");
    vgpu_test_add_mdev(f->root, "0000:05:00.0", "nvidia-65", FOREIGN_UUID);
    assert_true(vgpu_state_save_record(f->ctx, record, NULL));
    assert_false(run(f, "win11", "prepare", "begin", f->xml, NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY));
    assert_non_null(strstr(error->message, "nvidia-65"));
    assert_non_null(strstr(error->message, "0000:05:00.0"));
    /* who holds it */
    assert_non_null(strstr(error->message,
                           "used by win10 and 1 mediated device not created "
                           "by libvgpu"));
}

static void
test_prepare_unknown_type(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = g_strdup(f->xml);
    char *type = strstr(xml, "nvidia-65");

    memcpy(type, "nvidia-99", 9);
    assert_false(run(f, "win11", "prepare", "begin", xml, NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    assert_non_null(strstr(error->message, "nvidia-99"));
}

static void
test_release_only_removes_recorded_devices(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(VgpuRecord) gone = vgpu_record_new(
        VGPU_DEVICE_CLASS_MDEV, "win11", OUR_UUID, "0000:05:00.0", "nvidia-65");
    g_autoptr(GPtrArray) records = NULL;

    /* A foreign device of the same domain's hostdev list, no record. */
    vgpu_test_add_mdev(f->root, "0000:05:00.0", "nvidia-65", FOREIGN_UUID);
    /* A record whose device already vanished: dropped quietly. */
    assert_true(vgpu_state_save_record(f->ctx, gone, NULL));

    assert_true(run(f, "win11", "release", "end", f->xml, warnings, &error));
    assert_int_equal(warnings->len, 0);
    assert_true(vgpu_mdev_exists(f->ctx, FOREIGN_UUID));
    records = vgpu_state_list_records(f->ctx, NULL, NULL, NULL);
    assert_int_equal(records->len, 0);
}

static void
test_release_without_records_is_noop(void **state)
{
    Fixture *f = *state;

    assert_true(run(f, "win11", "release", "end", NULL, NULL, NULL));
    assert_false(state_dir_exists(f));
}

static void
test_read_input(void **state)
{
    g_autofree char *root = vgpu_test_root_new();
    g_autofree char *path = g_build_filename(root, "in", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;
    int fd;

    vgpu_test_write(root, "in", "<domain/>");
    fd = open(path, O_RDONLY);
    text = vgpu_hook_read_input(fd, &len, &error);
    close(fd);
    assert_string_equal(text, "<domain/>");
    assert_int_equal(len, 9);
    g_clear_pointer(&text, g_free);

    /* one byte over the cap */
    {
        g_autofree char *big = g_malloc0(VGPU_HOOK_MAX_INPUT + 1);
        memset(big, ' ', VGPU_HOOK_MAX_INPUT + 1);
        g_file_set_contents(path, big, VGPU_HOOK_MAX_INPUT + 1, NULL);
    }
    fd = open(path, O_RDONLY);
    text = vgpu_hook_read_input(fd, &len, &error);
    close(fd);
    assert_null(text);
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    assert_non_null(strstr(error->message, "16 MiB"));
    vgpu_test_root_free(g_steal_pointer(&root));
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_other_operations_do_nothing),
        T(test_prepare_without_request_is_noop),
        T(test_prepare_ignores_request_without_hostdev),
        T(test_prepare_rejects_bad_input),
        T(test_prepare_existing_device_is_idempotent),
        T(test_prepare_existing_device_of_other_type_fails),
        T(test_prepare_device_owned_by_other_domain_fails),
        T(test_prepare_no_capacity),
        T(test_prepare_unknown_type),
        T(test_release_only_removes_recorded_devices),
        T(test_release_without_records_is_noop),
        cmocka_unit_test(test_read_input),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
