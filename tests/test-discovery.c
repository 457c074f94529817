/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvgpu/vgpu-discovery.h>

#include "vgpu-discovery-private.h"
#include "vgpu-test-util.h"

#define P4_4Q_DESC                                                             \
    "num_heads=4, frl_config=60, framebuffer=4096M, "                          \
    "max_resolution=7680x4320, max_instance=2"
#define P4_1B_DESC                                                             \
    "num_heads=4, frl_config=45, framebuffer=1024M, "                          \
    "max_resolution=5120x2880, max_instance=8"
#define UUID_A "9d2e9b5e-1c4a-4f7e-8a3b-0123456789ab"
#define UUID_B "11111111-2222-4333-8444-555555555555"

typedef VgpuTestHost Fixture;

static int
setup(void **state)
{
    Fixture *f;

    vgpu_test_host_setup(state);
    f = *state;
    /* Two P4s (one of them with a vGPU of nvidia-65) and the mtty sample. */
    vgpu_test_add_type(f->root, "0000:05:00.0", "nvidia-65", "GRID P4-4Q",
                       P4_4Q_DESC, 1);
    vgpu_test_add_type(f->root, "0000:05:00.0", "nvidia-63", "GRID P4-1B",
                       P4_1B_DESC, 0);
    vgpu_test_add_mdev(f->root, "0000:05:00.0", "nvidia-65", UUID_A);
    vgpu_test_add_type(f->root, "0000:04:00.0", "nvidia-65", "GRID P4-4Q",
                       P4_4Q_DESC, 2);
    vgpu_test_add_type(f->root, "0000:04:00.0", "nvidia-63", "GRID P4-1B",
                       P4_1B_DESC, 8);
    vgpu_test_add_type(f->root, "mtty", "mtty-2", "Dual port serial", NULL, 11);
    vgpu_test_add_type(f->root, "mtty", "mtty-1", "Single port serial", NULL,
                       22);
    vgpu_test_add_mdev(f->root, "mtty", "mtty-2", UUID_B);
    return 0;
}

#define teardown vgpu_test_host_teardown

static void
test_list_parents_sorted(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parents = vgpu_discovery_list_parents(f->ctx, &error);
    VgpuParent *p4;
    GPtrArray *types;
    VgpuMdevType *type;

    assert_non_null(parents);
    assert_int_equal(parents->len, 3);
    assert_string_equal(vgpu_parent_get_name(parents->pdata[0]),
                        "0000:04:00.0");
    assert_string_equal(vgpu_parent_get_name(parents->pdata[1]),
                        "0000:05:00.0");
    assert_string_equal(vgpu_parent_get_name(parents->pdata[2]), "mtty");

    p4 = parents->pdata[1];
    types = vgpu_parent_get_types(p4);
    assert_int_equal(types->len, 2);
    assert_string_equal(vgpu_mdev_type_get_id(types->pdata[0]), "nvidia-63");
    type = vgpu_parent_find_type(p4, "nvidia-65");
    assert_non_null(type);
    assert_string_equal(vgpu_mdev_type_get_name(type), "GRID P4-4Q");
    assert_string_equal(vgpu_mdev_type_get_description(type), P4_4Q_DESC);
    assert_string_equal(vgpu_mdev_type_get_device_api(type), "vfio-pci");
    assert_string_equal(vgpu_mdev_type_get_parent_name(type), "0000:05:00.0");
    assert_int_equal(vgpu_mdev_type_get_available_instances(type), 1);
    assert_int_equal(vgpu_mdev_type_get_active_instances(type), 1);
    assert_null(vgpu_parent_find_type(p4, "nvidia-99"));
}

static void
test_nvidia_decoded_only_for_nvidia(void **state)
{
    Fixture *f = *state;
    g_autoptr(VgpuParent) p4 =
        vgpu_discovery_get_parent(f->ctx, "0000:04:00.0", NULL);
    g_autoptr(VgpuParent) mtty =
        vgpu_discovery_get_parent(f->ctx, "mtty", NULL);
    const VgpuNvidiaType *nvidia;

    nvidia = vgpu_mdev_type_get_nvidia(vgpu_parent_find_type(p4, "nvidia-65"));
    assert_non_null(nvidia);
    assert_int_equal(vgpu_nvidia_type_get_framebuffer_mib(nvidia), 4096);
    assert_int_equal(vgpu_nvidia_type_get_max_instance(nvidia), 2);
    assert_null(
        vgpu_mdev_type_get_nvidia(vgpu_parent_find_type(mtty, "mtty-2")));
}

static void
test_list_parents_for_type(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parents = NULL;

    parents = vgpu_discovery_list_parents_for_type(f->ctx, "nvidia-65", &error);
    assert_non_null(parents);
    assert_int_equal(parents->len, 2);
    for (guint i = 0; i < parents->len; i++) {
        GPtrArray *types = vgpu_parent_get_types(parents->pdata[i]);
        assert_int_equal(types->len, 1);
        assert_string_equal(vgpu_mdev_type_get_id(types->pdata[0]),
                            "nvidia-65");
    }
    g_clear_pointer(&parents, g_ptr_array_unref);

    parents = vgpu_discovery_list_parents_for_type(f->ctx, "mtty-1", NULL);
    assert_int_equal(parents->len, 1);
    g_clear_pointer(&parents, g_ptr_array_unref);

    parents = vgpu_discovery_list_parents_for_type(f->ctx, "nvidia-999", NULL);
    assert_non_null(parents);
    assert_int_equal(parents->len, 0);
    g_clear_pointer(&parents, g_ptr_array_unref);

    parents = vgpu_discovery_list_parents_for_type(f->ctx, "../../etc", &error);
    assert_null(parents);
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
}

/* The file @attr of type @type_id of @parent in the fixture. */
static char *
type_file(Fixture *f, const char *parent, const char *type_id, const char *attr)
{
    return g_build_filename(f->root, "sys/devices/pci0000:00", parent,
                            "mdev_supported_types", type_id, attr, NULL);
}

/*
 * The hook's flat listing reads per parent only available_instances (and
 * physfn); active instances, name, description, device_api and the
 * NVIDIA decoding come when a getter asks, from sysfs as it is then, and
 * an attribute that cannot be read is absent instead of failing the
 * listing (the snapshot fails on it).
 */
static void
test_list_offers_flat(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parents = NULL;
    g_autofree char *name = type_file(f, "0000:04:00.0", "nvidia-65", "name");
    const VgpuMdevType *unreadable, *held;

    /* a name that cannot be read: a directory (read(2) says EISDIR) */
    assert_int_equal(unlink(name), 0);
    assert_int_equal(mkdir(name, 0755), 0);
    assert_null(
        vgpu_discovery_list_parents_for_type(f->ctx, "nvidia-65", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_SYSTEM));
    g_clear_error(&error);

    parents = vgpu_discovery_list_offers(f->ctx, "nvidia-65", FALSE, NULL, NULL,
                                         &error);
    assert_null(error);
    assert_non_null(parents);
    assert_int_equal(parents->len, 2);
    assert_string_equal(vgpu_parent_get_name(parents->pdata[0]),
                        "0000:04:00.0");
    assert_string_equal(vgpu_parent_get_name(parents->pdata[1]),
                        "0000:05:00.0");
    assert_int_equal(vgpu_parent_get_types(parents->pdata[0])->len, 1);
    unreadable = vgpu_parent_find_type(parents->pdata[0], "nvidia-65");
    held = vgpu_parent_find_type(parents->pdata[1], "nvidia-65");
    assert_string_equal(vgpu_parent_get_gpu(parents->pdata[0]), "0000:04:00.0");
    assert_int_equal(vgpu_mdev_type_get_available_instances(unreadable), 2);
    assert_int_equal(vgpu_mdev_type_get_available_instances(held), 1);

    /* read when asked: a device that appeared since counts */
    vgpu_test_add_mdev(f->root, "0000:04:00.0", "nvidia-65",
                       "22222222-2222-4222-8222-222222222222");
    assert_int_equal(vgpu_mdev_type_get_active_instances(unreadable), 1);
    assert_int_equal(vgpu_mdev_type_get_active_instances(held), 1);
    assert_null(vgpu_mdev_type_get_name(unreadable));
    assert_string_equal(vgpu_mdev_type_get_description(unreadable), P4_4Q_DESC);
    assert_string_equal(vgpu_mdev_type_get_name(held), "GRID P4-4Q");
    assert_string_equal(vgpu_mdev_type_get_device_api(held), "vfio-pci");
    assert_int_equal(
        vgpu_nvidia_type_get_max_instance(vgpu_mdev_type_get_nvidia(held)), 2);
    g_clear_pointer(&parents, g_ptr_array_unref);

    parents =
        vgpu_discovery_list_offers(f->ctx, "mtty-2", FALSE, NULL, NULL, NULL);
    assert_int_equal(parents->len, 1);
    assert_null(vgpu_mdev_type_get_nvidia(
        vgpu_parent_find_type(parents->pdata[0], "mtty-2")));
    g_clear_pointer(&parents, g_ptr_array_unref);

    parents = vgpu_discovery_list_offers(f->ctx, "nvidia-999", FALSE, NULL,
                                         NULL, NULL);
    assert_non_null(parents);
    assert_int_equal(parents->len, 0);
    g_clear_pointer(&parents, g_ptr_array_unref);

    assert_null(vgpu_discovery_list_offers(f->ctx, "../../etc", FALSE, NULL,
                                           NULL, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
}

/* The physfn link of a parent without a free instance is read only where
 * placement can use it: when a parent with room is a VF (its GPU's
 * capacity counts the PF's other VFs), when none has room (the refusal
 * names GPUs), or when asked for every GPU (a request naming one). */
static void
test_list_offers_physfn(void **state)
{
    Fixture *f = *state;
    g_autofree char *room =
        type_file(f, "0000:06:00.0", "nvidia-700", "available_instances");
    const char *expected[][2] = {
        /* FALSE, TRUE: physical function of the full VF 0000:3d:00.4 */
        {NULL, "0000:3d:00.0"},           /* room only on 0000:06:00.0 */
        {"0000:3d:00.0", "0000:3d:00.0"}, /* no room anywhere */
        {"0000:3d:00.0", "0000:3d:00.0"}, /* room on VF 0000:3d:00.5 */
    };

    vgpu_test_add_vf_type(f->root, "0000:3d:00.0", "0000:3d:00.4", "nvidia-700",
                          "NVIDIA A16-2Q", 0);
    vgpu_test_add_type(f->root, "0000:06:00.0", "nvidia-700", "NVIDIA A16-2Q",
                       NULL, 1);
    for (guint step = 0; step < G_N_ELEMENTS(expected); step++) {
        if (step == 1)
            assert_true(g_file_set_contents(room, "0\n", -1, NULL));
        if (step == 2)
            vgpu_test_add_vf_type(f->root, "0000:3d:00.0", "0000:3d:00.5",
                                  "nvidia-700", "NVIDIA A16-2Q", 1);
        for (int every_gpu = 0; every_gpu <= 1; every_gpu++) {
            g_autoptr(GPtrArray) parents = vgpu_discovery_list_offers(
                f->ctx, "nvidia-700", every_gpu, NULL, NULL, NULL);
            const char *pf;

            assert_non_null(parents);
            assert_string_equal(vgpu_parent_get_name(parents->pdata[1]),
                                "0000:3d:00.4");
            pf = vgpu_parent_get_physical_function(parents->pdata[1]);
            if (expected[step][every_gpu] == NULL)
                assert_null(pf);
            else
                assert_string_equal(pf, expected[step][every_gpu]);
            /* a parent with room always has its link read */
            if (step == 2)
                assert_string_equal(
                    vgpu_parent_get_physical_function(parents->pdata[2]),
                    "0000:3d:00.0");
        }
    }
}

/* What the flat listing cannot read is an error where the snapshot's
 * would be: available_instances that is not a number, with its message. */
static void
test_list_offers_errors(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) flat = NULL;
    g_autoptr(GError) snapshot = NULL;
    g_autofree char *path =
        type_file(f, "0000:05:00.0", "nvidia-65", "available_instances");

    assert_true(g_file_set_contents(path, "lots\n", -1, NULL));
    assert_null(vgpu_discovery_list_offers(f->ctx, "nvidia-65", FALSE, NULL,
                                           NULL, &flat));
    assert_null(
        vgpu_discovery_list_parents_for_type(f->ctx, "nvidia-65", &snapshot));
    vgpu_test_assert_error(flat, VGPU_ERROR_INVALID_INPUT,
                           "holds \"lots\", not a decimal number");
    assert_string_equal(flat->message, snapshot->message);
}

/* A #VgpuOfferStopFunc ending the listing at the first parent with room,
 * counting the parents it was asked about. */
static gboolean
stop_at_first_room(VgpuParent *parent G_GNUC_UNUSED, gpointer asked)
{
    (*(guint *)asked)++;
    return TRUE;
}

/*
 * With more parents than the first one and 3 after it, the flat listing
 * reads the rest side by side (vgpu_discovery_list_offers()): still every
 * parent in name order with its own count, the error of the first failing
 * parent by name, and nothing of the parents after the one a stop function
 * ends the listing at, not even their errors.
 */
static void
test_list_offers_side_by_side(void **state)
{
    Fixture *f = *state;
    const guint n = 24;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *bad_first = NULL;
    g_autofree char *bad_second = NULL;
    guint asked = 0;

    for (guint i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("0000:%02x:00.0", 0x40 + i);

        /* parent i has (i * 7) % 5 free: the first with room is 0x41 */
        vgpu_test_add_type(f->root, name, "nvidia-222", "GRID T4-2Q", NULL,
                           (i * 7) % 5);
    }
    for (int round = 0; round < 20; round++) {
        parents = vgpu_discovery_list_offers(f->ctx, "nvidia-222", FALSE, NULL,
                                             NULL, &error);
        assert_null(error);
        assert_int_equal(parents->len, n);
        for (guint i = 0; i < n; i++) {
            g_autofree char *name = g_strdup_printf("0000:%02x:00.0", 0x40 + i);

            assert_string_equal(vgpu_parent_get_name(parents->pdata[i]), name);
            assert_int_equal(
                vgpu_mdev_type_get_available_instances(
                    vgpu_parent_find_type(parents->pdata[i], "nvidia-222")),
                (i * 7) % 5);
        }
        g_clear_pointer(&parents, g_ptr_array_unref);
    }

    /* two unreadable counts: the first by name is the error */
    bad_first =
        type_file(f, "0000:4c:00.0", "nvidia-222", "available_instances");
    bad_second =
        type_file(f, "0000:4d:00.0", "nvidia-222", "available_instances");
    assert_true(g_file_set_contents(bad_second, "many\n", -1, NULL));
    assert_true(g_file_set_contents(bad_first, "lots\n", -1, NULL));
    for (int round = 0; round < 20; round++) {
        assert_null(vgpu_discovery_list_offers(f->ctx, "nvidia-222", FALSE,
                                               NULL, NULL, &error));
        vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "0000:4c:00.0");
        assert_non_null(strstr(error->message, "holds \"lots\""));
        g_clear_error(&error);
    }

    /* ended at 0000:41:00.0: the parents after it are neither returned
     * nor reported, though they may have been read */
    parents = vgpu_discovery_list_offers(f->ctx, "nvidia-222", FALSE,
                                         stop_at_first_room, &asked, &error);
    assert_null(error);
    assert_int_equal(asked, 1);
    assert_int_equal(parents->len, 2);
    assert_string_equal(vgpu_parent_get_name(parents->pdata[1]),
                        "0000:41:00.0");
}

/* The GPU of a parent: its physfn's PF, else itself (also when absent). */
static void
test_get_gpu(void **state)
{
    Fixture *f = *state;
    g_autofree char *gpu = NULL;

    vgpu_test_add_vf_type(f->root, "0000:3d:00.0", "0000:3d:00.4", "nvidia-700",
                          "NVIDIA A16-2Q", 1);
    gpu = vgpu_discovery_get_gpu(f->ctx, "0000:3d:00.4");
    assert_string_equal(gpu, "0000:3d:00.0");
    g_free(gpu);
    gpu = vgpu_discovery_get_gpu(f->ctx, "0000:05:00.0");
    assert_string_equal(gpu, "0000:05:00.0");
    g_free(gpu);
    gpu = vgpu_discovery_get_gpu(f->ctx, "0000:99:00.0");
    assert_string_equal(gpu, "0000:99:00.0");
    g_free(gpu);
    /* not a sysfs name: never resolved, given back */
    gpu = vgpu_discovery_get_gpu(f->ctx, "../0000:3d:00.4");
    assert_string_equal(gpu, "../0000:3d:00.4");
}

static void
test_get_parent_errors(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    assert_null(vgpu_discovery_get_parent(f->ctx, "0000:99:00.0", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    assert_non_null(strstr(error->message, "0000:99:00.0"));
    g_clear_error(&error);

    assert_null(vgpu_discovery_get_parent(f->ctx, "..", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
}

/* One type of one parent: the name of a device's type without reading the
 * parent's other types, and only when asked (vgpuctl list asks for the
 * name once per type id): a name that cannot be read is NULL, not an
 * error, and what is read is sysfs as it is when asked. */
static void
test_get_parent_for_type(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuParent) parent = NULL;
    g_autoptr(VgpuParent) unreadable = NULL;
    g_autofree char *name = type_file(f, "0000:04:00.0", "nvidia-65", "name");
    GPtrArray *types;

    unreadable = vgpu_discovery_get_parent_for_type(f->ctx, "0000:04:00.0",
                                                    "nvidia-65", &error);
    assert_non_null(unreadable);
    assert_int_equal(unlink(name), 0);
    assert_int_equal(mkdir(name, 0755), 0); /* read(2): EISDIR */
    assert_null(vgpu_mdev_type_get_name(
        vgpu_parent_find_type(unreadable, "nvidia-65")));
    assert_int_equal(vgpu_mdev_type_get_available_instances(
                         vgpu_parent_find_type(unreadable, "nvidia-65")),
                     2);

    parent = vgpu_discovery_get_parent_for_type(f->ctx, "0000:05:00.0",
                                                "nvidia-65", &error);
    assert_non_null(parent);
    assert_string_equal(vgpu_parent_get_gpu(parent), "0000:05:00.0");
    types = vgpu_parent_get_types(parent);
    assert_int_equal(types->len, 1);
    assert_string_equal(vgpu_mdev_type_get_name(types->pdata[0]), "GRID P4-4Q");
    assert_int_equal(vgpu_mdev_type_get_active_instances(types->pdata[0]), 1);

    assert_null(vgpu_discovery_get_parent_for_type(f->ctx, "mtty", "nvidia-65",
                                                   &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    assert_non_null(strstr(error->message, "nvidia-65"));
    g_clear_error(&error);

    assert_null(vgpu_discovery_get_parent_for_type(f->ctx, "0000:99:00.0",
                                                   "nvidia-65", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    assert_non_null(strstr(error->message, "0000:99:00.0"));
    g_clear_error(&error);

    assert_null(vgpu_discovery_get_parent_for_type(f->ctx, "mtty", "../mtty-1",
                                                   &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
}

static void
test_list_mdevs(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) mdevs = vgpu_discovery_list_mdevs(f->ctx, &error);

    assert_non_null(mdevs);
    assert_int_equal(mdevs->len, 2);
    /* sorted by UUID */
    assert_string_equal(vgpu_mdev_get_uuid(mdevs->pdata[0]), UUID_B);
    assert_string_equal(vgpu_mdev_get_parent_name(mdevs->pdata[0]), "mtty");
    assert_string_equal(vgpu_mdev_get_type_id(mdevs->pdata[0]), "mtty-2");
    assert_string_equal(vgpu_mdev_get_uuid(mdevs->pdata[1]), UUID_A);
    assert_string_equal(vgpu_mdev_get_parent_name(mdevs->pdata[1]),
                        "0000:05:00.0");
    assert_string_equal(vgpu_mdev_get_type_id(mdevs->pdata[1]), "nvidia-65");
}

static void
test_get_mdev(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuMdev) mdev = vgpu_discovery_get_mdev(f->ctx, UUID_A, &error);

    assert_non_null(mdev);
    assert_string_equal(vgpu_mdev_get_type_id(mdev), "nvidia-65");
    assert_null(vgpu_discovery_get_mdev(
        f->ctx, "00000000-0000-4000-8000-000000000000", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    g_clear_error(&error);
    assert_null(vgpu_discovery_get_mdev(f->ctx, "../../../etc", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
}

/* A device's parent is the directory its bus link names; a link that
 * names none is reported, not guessed at. */
static void
test_get_mdev_link_without_parent(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    const char *uuid = "33333333-4444-4555-8666-777777777777";

    vgpu_test_symlink(f->root,
                      "sys/bus/mdev/devices/"
                      "33333333-4444-4555-8666-777777777777",
                      "/33333333-4444-4555-8666-777777777777");
    assert_null(vgpu_discovery_get_mdev(f->ctx, uuid, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_SYSTEM));
    assert_non_null(strstr(error->message, uuid));
    assert_non_null(
        strstr(error->message, "not into a parent device's directory"));
    g_clear_error(&error);
    assert_null(vgpu_discovery_list_mdevs(f->ctx, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_SYSTEM));
}

static void
test_vanished_and_junk_entries_skipped(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GPtrArray) mdevs = NULL;

    /* A dangling parent link (device unplugged mid-scan), a directory in
     * mdev_supported_types that is not a type, a dangling device link
     * and a non-UUID name in bus/mdev/devices. */
    vgpu_test_symlink(f->root, "sys/class/mdev_bus/0000:06:00.0",
                      "../../devices/pci0000:00/0000:06:00.0");
    vgpu_test_write(f->root,
                    "sys/devices/pci0000:00/0000:04:00.0/"
                    "mdev_supported_types/junk/readme",
                    "x");
    vgpu_test_symlink(f->root,
                      "sys/bus/mdev/devices/"
                      "22222222-3333-4444-8555-666666666666",
                      "../../../devices/pci0000:00/gone/"
                      "22222222-3333-4444-8555-666666666666");
    vgpu_test_write(f->root, "sys/bus/mdev/devices/not-a-uuid", "");

    parents = vgpu_discovery_list_parents(f->ctx, NULL);
    assert_non_null(parents);
    assert_int_equal(parents->len, 3);
    assert_int_equal(vgpu_parent_get_types(parents->pdata[0])->len, 2);
    mdevs = vgpu_discovery_list_mdevs(f->ctx, NULL);
    assert_non_null(mdevs);
    assert_int_equal(mdevs->len, 2);
}

/* Parents are read side by side (vgpu_parallel_read()); when several
 * cannot be read, the error is that of the first by name, as when read one
 * after the other. */
static void
test_list_parents_first_error(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *first =
        type_file(f, "0000:05:00.0", "nvidia-63", "available_instances");
    g_autofree char *second =
        type_file(f, "mtty", "mtty-1", "available_instances");

    assert_true(g_file_set_contents(second, "many\n", -1, NULL));
    assert_true(g_file_set_contents(first, "lots\n", -1, NULL));
    assert_null(vgpu_discovery_list_parents(f->ctx, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "0000:05:00.0");
    assert_non_null(strstr(error->message, "\"lots\""));
    assert_null(vgpu_discovery_list_parents(f->ctx, NULL));
}

static void
test_types_in_natural_order(void **state)
{
    Fixture *f = *state;
    g_autoptr(VgpuParent) parent = NULL;
    GPtrArray *types;

    vgpu_test_add_type(f->root, "0000:07:00.0", "nvidia-156", "GRID P4-2B",
                       NULL, 4);
    vgpu_test_add_type(f->root, "0000:07:00.0", "nvidia-63", "GRID P4-1B", NULL,
                       8);
    vgpu_test_add_type(f->root, "0000:07:00.0", "nvidia-71", "GRID P4-1Q", NULL,
                       8);
    parent = vgpu_discovery_get_parent(f->ctx, "0000:07:00.0", NULL);
    types = vgpu_parent_get_types(parent);
    assert_int_equal(types->len, 3);
    assert_string_equal(vgpu_mdev_type_get_id(types->pdata[0]), "nvidia-63");
    assert_string_equal(vgpu_mdev_type_get_id(types->pdata[1]), "nvidia-71");
    assert_string_equal(vgpu_mdev_type_get_id(types->pdata[2]), "nvidia-156");
}

static void
test_empty_host(void **state)
{
    g_autofree char *root = vgpu_test_root_new();
    g_autoptr(VgpuContext) ctx = vgpu_context_new(root, NULL);
    g_autoptr(GPtrArray) parents = vgpu_discovery_list_parents(ctx, NULL);
    g_autoptr(GPtrArray) mdevs = vgpu_discovery_list_mdevs(ctx, NULL);

    assert_non_null(parents);
    assert_int_equal(parents->len, 0);
    assert_non_null(mdevs);
    assert_int_equal(mdevs->len, 0);
    vgpu_test_root_free(g_steal_pointer(&root));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_parents_sorted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nvidia_decoded_only_for_nvidia,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_parents_for_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_offers_flat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_offers_physfn, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_offers_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_offers_side_by_side, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_get_gpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_parent_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_get_parent_for_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_mdevs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_mdev, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_mdev_link_without_parent,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_vanished_and_junk_entries_skipped,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_parents_first_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_types_in_natural_order, setup,
                                        teardown),
        cmocka_unit_test(test_empty_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
