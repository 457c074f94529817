/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <libvgpu/vgpu-state.h>

#include "vgpu-test-util.h"

#define UUID_A "9d2e9b5e-1c4a-4f7e-8a3b-0123456789ab"
#define UUID_B "11111111-2222-4333-8444-555555555555"

typedef VgpuTestHost Fixture;

#define setup vgpu_test_host_setup
#define teardown vgpu_test_host_teardown

static void
test_record_round_trip(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRecord) record = vgpu_record_new(
        VGPU_DEVICE_CLASS_MDEV, "win11", UUID_A, "0000:05:00.0", "nvidia-65");
    g_autoptr(VgpuRecord) loaded = NULL;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    assert_true(vgpu_state_save_record(f->ctx, record, &error));
    loaded = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_non_null(loaded);
    assert_string_equal(vgpu_record_get_domain(loaded), "win11");
    assert_string_equal(vgpu_record_get_uuid(loaded), UUID_A);
    assert_string_equal(vgpu_record_get_parent(loaded), "0000:05:00.0");
    assert_string_equal(vgpu_record_get_type_id(loaded), "nvidia-65");
    assert_true(vgpu_record_get_created(loaded) <= now);
    assert_true(vgpu_record_get_created(loaded) >= now - 5);
}

static void
test_record_missing_and_delete(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRecord) record = vgpu_record_new(
        VGPU_DEVICE_CLASS_MDEV, "win11", UUID_A, "mtty", "mtty-2");

    assert_null(vgpu_state_load_record(f->ctx, UUID_A, &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND));
    g_clear_error(&error);

    assert_true(vgpu_state_save_record(f->ctx, record, NULL));
    assert_true(vgpu_state_delete_record(f->ctx, UUID_A, &error));
    assert_null(vgpu_state_load_record(f->ctx, UUID_A, NULL));
    /* deleting again is not an error */
    assert_true(vgpu_state_delete_record(f->ctx, UUID_A, &error));

    assert_false(vgpu_state_delete_record(f->ctx, "../lock", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
    g_clear_error(&error);
    assert_null(vgpu_state_load_record(f->ctx, "../../etc/passwd", &error));
    assert_true(g_error_matches(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT));
}

static void
test_list_records_by_domain(void **state)
{
    Fixture *f = *state;
    g_autoptr(VgpuRecord) a = vgpu_record_new(VGPU_DEVICE_CLASS_MDEV, "win11",
                                              UUID_A, "mtty", "mtty-2");
    g_autoptr(VgpuRecord) b = vgpu_record_new(VGPU_DEVICE_CLASS_MDEV, "win10",
                                              UUID_B, "mtty", "mtty-1");
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GPtrArray) win10 = NULL;
    g_autoptr(GPtrArray) none = NULL;

    none = vgpu_state_list_records(f->ctx, NULL, NULL, NULL);
    assert_non_null(none);
    assert_int_equal(none->len, 0);

    assert_true(vgpu_state_save_record(f->ctx, a, NULL));
    assert_true(vgpu_state_save_record(f->ctx, b, NULL));
    /* junk next to the records: a temp file of an interrupted save and a
     * corrupt record */
    vgpu_test_write(f->root, "run/libvgpu/mdevs/" UUID_A ".XYZ123", "junk");
    vgpu_test_write(f->root,
                    "run/libvgpu/mdevs/33333333-3333-4333-8333-333333333333",
                    "not a key file");

    all = vgpu_state_list_records(f->ctx, NULL, NULL, NULL);
    assert_int_equal(all->len, 2);
    assert_string_equal(vgpu_record_get_uuid(all->pdata[0]), UUID_B);
    assert_string_equal(vgpu_record_get_uuid(all->pdata[1]), UUID_A);
    win10 = vgpu_state_list_records(f->ctx, "win10", NULL, NULL);
    assert_int_equal(win10->len, 1);
    assert_string_equal(vgpu_record_get_domain(win10->pdata[0]), "win10");
}

static void
test_save_is_atomic_replace(void **state)
{
    Fixture *f = *state;
    g_autoptr(VgpuRecord) first =
        vgpu_record_new(VGPU_DEVICE_CLASS_MDEV, "a", UUID_A, "mtty", "mtty-1");
    g_autoptr(VgpuRecord) second =
        vgpu_record_new(VGPU_DEVICE_CLASS_MDEV, "b", UUID_A, "mtty", "mtty-2");
    g_autoptr(VgpuRecord) loaded = NULL;
    g_autofree char *dir = g_build_filename(f->root, "run/libvgpu/mdevs", NULL);
    g_autoptr(GDir) listing = NULL;
    guint entries = 0;

    assert_true(vgpu_state_save_record(f->ctx, first, NULL));
    assert_true(vgpu_state_save_record(f->ctx, second, NULL));
    loaded = vgpu_state_load_record(f->ctx, UUID_A, NULL);
    assert_string_equal(vgpu_record_get_domain(loaded), "b");
    listing = g_dir_open(dir, 0, NULL);
    while (g_dir_read_name(listing))
        entries++;
    assert_int_equal(entries, 1); /* no temporary files left behind */
}

/* Asks util-linux flock(1) for the lock without waiting: exit 0 if it got
 * it, 1 if another process holds it. */
static int
try_lock_in_other_process(const char *path)
{
    const char *argv[] = {
        "flock", "--nonblock", "--conflict-exit-code", "1", path, "true", NULL};
    g_autoptr(GError) error = NULL;
    int status = -1;

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                 NULL, NULL, &status, &error);
    g_assert_no_error(error);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_host_lock_excludes_other_processes(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuHostLock) lock =
        vgpu_state_lock_host(f->ctx, 0, "test", &error);
    g_autofree char *path = g_build_filename(f->root, "run/libvgpu/lock", NULL);

    assert_non_null(lock);
    assert_int_equal(try_lock_in_other_process(path), 1);
    vgpu_host_lock_release(g_steal_pointer(&lock));
    assert_int_equal(try_lock_in_other_process(path), 0);
    vgpu_host_lock_release(NULL);
}

/* A second lock holder in this process (another open file description)
 * gives up after the bound and names the holder. */
static void
test_host_lock_is_bounded_and_names_holder(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuHostLock) held =
        vgpu_state_lock_host(f->ctx, 0, "release end of win11", &error);
    g_autoptr(VgpuHostLock) second = NULL;
    gint64 started = g_get_monotonic_time();

    assert_non_null(held);
    second = vgpu_state_lock_host(f->ctx, 150, "prepare begin", &error);
    assert_null(second);
    assert_true(g_get_monotonic_time() - started >= 150 * 1000);
    vgpu_test_assert_error(error, VGPU_ERROR_BUSY, "release end of win11");
    g_autofree char *pid = g_strdup_printf("pid %d", (int)getpid());
    assert_non_null(strstr(error->message, pid));
}

/* The state directory, records directory and lock file must not be
 * symlinks nor writable by others; nothing is written through them. */
static void
test_untrusted_state_is_refused(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *state_dir = g_build_filename(f->root, "run/libvgpu", NULL);
    g_autofree char *elsewhere = g_build_filename(f->root, "elsewhere", NULL);
    g_autoptr(VgpuRecord) record = vgpu_record_new(
        VGPU_DEVICE_CLASS_MDEV, "win11", UUID_A, "mtty", "mtty-2");

    g_autofree char *run = g_build_filename(f->root, "run", NULL);

    assert_int_equal(g_mkdir_with_parents(elsewhere, 0700), 0);
    assert_int_equal(g_mkdir_with_parents(run, 0755), 0);
    assert_int_equal(symlink(elsewhere, state_dir), 0);
    assert_null(vgpu_state_lock_host(f->ctx, 0, "test", &error));
    vgpu_test_assert_error(error, VGPU_ERROR_UNSUPPORTED, "symlink");
    g_clear_error(&error);
    assert_false(vgpu_state_save_record(f->ctx, record, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_UNSUPPORTED, state_dir);
    g_clear_error(&error);
    assert_int_equal(unlink(state_dir), 0);

    assert_int_equal(g_mkdir_with_parents(state_dir, 0700), 0);
    assert_int_equal(chmod(state_dir, 0777), 0);
    assert_null(vgpu_state_lock_host(f->ctx, 0, "test", &error));
    vgpu_test_assert_error(error, VGPU_ERROR_UNSUPPORTED, "chmod go-w");
    g_clear_error(&error);
    assert_int_equal(chmod(state_dir, 0755), 0); /* 0.1's mode: accepted */

    g_autofree char *lock = g_build_filename(state_dir, "lock", NULL);
    g_autofree char *canary = g_build_filename(elsewhere, "canary", NULL);
    assert_true(g_file_set_contents(canary, "keep", -1, NULL));
    assert_int_equal(symlink(canary, lock), 0);
    assert_null(vgpu_state_lock_host(f->ctx, 0, "test", &error));
    vgpu_test_assert_error(error, VGPU_ERROR_UNSUPPORTED, "symlink");
    g_autofree char *content = NULL;
    assert_true(g_file_get_contents(canary, &content, NULL, NULL));
    assert_string_equal(content, "keep");
}

/* Record files that are not small regular files are reported, never
 * read into memory or waited on. */
static void
test_hostile_records_are_reported(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) anomalies = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) records = NULL;
    g_autofree char *dir = g_build_filename(f->root, "run/libvgpu/mdevs", NULL);
    g_autofree char *fifo = g_build_filename(dir, UUID_A, NULL);
    g_autofree char *huge = g_build_filename(dir, UUID_B, NULL);
    g_autofree char *junk = g_build_filename(dir, "junk", NULL);
    int fd;

    assert_int_equal(g_mkdir_with_parents(dir, 0700), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fd = open(huge, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 512 * 1024 * 1024), 0);
    close(fd);
    assert_true(g_file_set_contents(junk, "x", -1, NULL));

    records = vgpu_state_list_records(f->ctx, NULL, anomalies, &error);
    assert_non_null(records);
    assert_int_equal(records->len, 0);
    assert_int_equal(anomalies->len, 3);
    for (guint i = 0; i < anomalies->len; i++)
        assert_null(strchr(anomalies->pdata[i], '\n'));
    /* sorted by name: UUID_B (huge), UUID_A (FIFO), junk */
    g_assert_nonnull(strstr(anomalies->pdata[0], "larger than"));
    g_assert_nonnull(strstr(anomalies->pdata[1], "not a regular file"));
    g_assert_nonnull(strstr(anomalies->pdata[2], "not an ownership record"));
}

/* origin=mdevctl round-trips; records without the key (libvgpu 0.1 and
 * requests) read as requests; an unknown origin is not trusted. */
static void
test_record_origin(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRecord) record = vgpu_record_new(
        VGPU_DEVICE_CLASS_MDEV, "win11", UUID_A, "0000:05:00.0", "nvidia-65");
    g_autoptr(VgpuRecord) loaded = NULL;
    g_autofree char *text = NULL;
    g_autofree char *path =
        g_build_filename(f->root, "run/libvgpu/mdevs", UUID_A, NULL);

    vgpu_record_set_origin(record, VGPU_DEVICE_ORIGIN_MDEVCTL);
    assert_true(vgpu_state_save_record(f->ctx, record, &error));
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "origin=mdevctl\n"));
    loaded = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_non_null(loaded);
    assert_int_equal(vgpu_record_get_origin(loaded),
                     VGPU_DEVICE_ORIGIN_MDEVCTL);
    g_clear_pointer(&loaded, vgpu_record_free);
    g_clear_pointer(&text, g_free);

    vgpu_record_set_origin(record, VGPU_DEVICE_ORIGIN_REQUEST);
    assert_true(vgpu_state_save_record(f->ctx, record, &error));
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    assert_null(strstr(text, "origin="));

    /* libvgpu 0.1's record */
    vgpu_test_write(f->root, "run/libvgpu/mdevs/" UUID_A,
                    "[mdev]\ndomain=win11\nuuid=" UUID_A "\n"
                    "parent=0000:05:00.0\ntype=nvidia-65\ncreated=1\n");
    assert_int_equal(chmod(path, 0600), 0);
    loaded = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_non_null(loaded);
    assert_int_equal(vgpu_record_get_origin(loaded),
                     VGPU_DEVICE_ORIGIN_REQUEST);
    g_clear_pointer(&loaded, vgpu_record_free);

    vgpu_test_write(f->root, "run/libvgpu/mdevs/" UUID_A,
                    "[mdev]\ndomain=win11\nuuid=" UUID_A "\n"
                    "parent=0000:05:00.0\ntype=nvidia-65\ncreated=1\n"
                    "origin=martian\n");
    assert_int_equal(chmod(path, 0600), 0);
    loaded = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_null(loaded);
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, "unknown origin");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_record_missing_and_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_records_by_domain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_save_is_atomic_replace, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_host_lock_excludes_other_processes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_host_lock_is_bounded_and_names_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_state_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hostile_records_are_reported,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_origin, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
