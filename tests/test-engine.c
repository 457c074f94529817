/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine (vgpu-engine.h) against the mdev sysfs emulator: every state
 * of docs/engine.md's "States of a device" table is set up by hand (a
 * record as a killed hook leaves it) and resolved by prepare, release or
 * reconcile; records of libvgpu 0.1; untrusted records; events.
 * Skips (77) where FUSE cannot be mounted. The flat-discovery tests run a
 * dry run on a fixture tree instead (tests/vgpu-test-util.h), watched
 * with inotify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvgpu/libvgpu.h>

#include "vgpu-test-util.h"

#define UUID_A "9d2e9b5e-1c4a-4f7e-8a3b-00000000000a"
#define UUID_B "9d2e9b5e-1c4a-4f7e-8a3b-00000000000b"
#define UUID_F "11111111-2222-4333-8444-555555555555"
#define UUID_D "9d2e9b5e-1c4a-4f7e-8a3b-00000000000d"
#define PARENT "0000:05:00.0"

static const char scenario[] = "[parent 0000:05:00.0]\n"
                               "model=homogeneous\n"
                               "types=nvidia-65\n"
                               "[type nvidia-65]\n"
                               "name=GRID P4-4Q\n"
                               "max_instances=4\n";

typedef struct {
    char *root;
    char *sys;
    VgpuContext *ctx;
    GPtrArray *events; /* "<event number> <message>" */
    VgpuEngineOptions options;
} Fixture;

static void
record_event(VgpuEngineEvent event, const char *message, gpointer data)
{
    g_ptr_array_add(data, g_strdup_printf("%d %s", (int)event, message));
}

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);

    f->ctx = vgpu_test_context_new(&f->root);
    f->sys = vgpu_test_sim_mount(f->root, scenario);
    f->events = g_ptr_array_new_with_free_func(g_free);
    vgpu_engine_options_init(&f->options);
    f->options.event = record_event;
    f->options.event_data = f->events;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fixture *f = *state;

    vgpu_test_sim_unmount(f->sys);
    vgpu_test_context_free(f->ctx, f->root);
    g_ptr_array_unref(f->events);
    g_free(f);
    return 0;
}

/* Did an event of kind @event mention @needle? */
static gboolean
has_event(Fixture *f, VgpuEngineEvent event, const char *needle)
{
    g_autofree char *prefix = g_strdup_printf("%d ", (int)event);

    for (guint i = 0; i < f->events->len; i++) {
        const char *line = f->events->pdata[i];
        if (g_str_has_prefix(line, prefix) && strstr(line, needle))
            return TRUE;
    }
    return FALSE;
}

static gboolean
device_exists(Fixture *f, const char *uuid)
{
    return vgpu_mdev_exists(f->ctx, uuid);
}

static gboolean
record_exists(Fixture *f, const char *uuid)
{
    g_autofree char *path =
        g_build_filename(f->root, "run/libvgpu/mdevs", uuid, NULL);
    return g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK);
}

static void
create_device(Fixture *f, const char *uuid)
{
    g_autoptr(GError) error = NULL;

    assert_true(vgpu_mdev_create(f->ctx, PARENT, "nvidia-65", uuid, &error));
}

/* The pid of a process that has exited (and was reaped). */
static gint64
dead_pid(void)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

/* Writes a record by hand, as a hook killed at some point leaves it.
 * @extra: more key=value lines (state, pid, ...), or "" for a 0.1 record. */
static void
write_record(Fixture *f, const char *name, const char *domain, const char *uuid,
             const char *extra)
{
    g_autofree char *dir = g_build_filename(f->root, "run/libvgpu/mdevs", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = g_strdup_printf(
        "[mdev]\ndomain=%s\nuuid=%s\nparent=" PARENT "\ntype=nvidia-65\n"
        "created=1763686800\n%s",
        domain, uuid, extra);

    assert_int_equal(g_mkdir_with_parents(dir, 0700), 0);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    assert_int_equal(chmod(path, 0600), 0);
}

static GPtrArray *
requests_for(const char *uuid)
{
    GPtrArray *requests =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_request_free);

    g_ptr_array_add(requests, vgpu_request_new(uuid, "nvidia-65", NULL, NULL));
    return requests;
}

static void
test_prepare_release_cycle(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRecord) record = NULL;

    assert_true(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &error));
    assert_true(device_exists(f, UUID_A));
    record = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_non_null(record);
    assert_int_equal(vgpu_record_get_state(record), VGPU_RECORD_READY);
    assert_int_equal(vgpu_record_get_device_class(record),
                     VGPU_DEVICE_CLASS_MDEV);
    assert_true(has_event(f, VGPU_ENGINE_EVENT_CREATED, UUID_A));

    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    assert_false(device_exists(f, UUID_A));
    assert_false(record_exists(f, UUID_A));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_REMOVED, UUID_A));
}

/* Killed after create, before "ready": the next prepare adopts it. */
static void
test_prepare_adopts_creating(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GError) error = NULL;
    g_autofree char *extra = g_strdup_printf(
        "state=creating\npid=%" G_GINT64_FORMAT "\npid_start=1\n", dead_pid());
    g_autoptr(VgpuRecord) record = NULL;

    create_device(f, UUID_A);
    write_record(f, UUID_A, "win11", UUID_A, extra);
    assert_true(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &error));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_ADOPTED, UUID_A));
    record = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_int_equal(vgpu_record_get_state(record), VGPU_RECORD_READY);
    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    assert_false(device_exists(f, UUID_A));
    assert_false(record_exists(f, UUID_A));
}

/* Killed before create, or killed after create whose domain never
 * started: release drops the record and removes what exists. */
static void
test_release_resolves_creating(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *extra = g_strdup_printf(
        "state=creating\npid=%" G_GINT64_FORMAT "\npid_start=1\n", dead_pid());

    write_record(f, UUID_A, "win11", UUID_A, extra); /* no device */
    create_device(f, UUID_B);
    write_record(f, UUID_B, "win11", UUID_B, extra);
    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    assert_false(record_exists(f, UUID_A));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_DROPPED, UUID_A));
    assert_false(device_exists(f, UUID_B));
    assert_false(record_exists(f, UUID_B));
}

/* A record "removing" whose owner is alive belongs to that process (the
 * hook's detached helper): release and gc leave it. Once the owner is
 * gone, gc finishes the removal. */
static void
test_removing_owner_alive_then_dead(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autofree char *stat = NULL;
    g_autofree char *extra = NULL;
    g_auto(GStrv) fields = NULL;
    pid_t owner = fork();

    if (owner == 0) {
        pause();
        _exit(0);
    }
    /* its start time, as the engine reads it (proc(5) field 22) */
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)owner);
    assert_true(g_file_get_contents(path, &stat, NULL, NULL));
    fields = g_strsplit(strrchr(stat, ')') + 2, " ", 21);
    extra = g_strdup_printf("state=removing\npid=%d\npid_start=%s\n",
                            (int)owner, fields[19]);
    create_device(f, UUID_A);
    write_record(f, UUID_A, "win11", UUID_A, extra);

    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_PENDING, UUID_A));
    assert_true(device_exists(f, UUID_A));
    assert_true(record_exists(f, UUID_A));

    kill(owner, SIGKILL);
    waitpid(owner, NULL, 0);
    assert_true(vgpu_engine_reconcile(f->ctx, &f->options, &error));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_REMOVING, "interrupted"));
    assert_false(device_exists(f, UUID_A));
    assert_false(record_exists(f, UUID_A));
}

/* Upgrading from libvgpu 0.1 while a domain runs: its record has neither
 * class nor state; release still removes the device. */
static void
test_release_understands_old_records(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    create_device(f, UUID_A);
    write_record(f, UUID_A, "win11", UUID_A, "");
    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    assert_false(device_exists(f, UUID_A));
    assert_false(record_exists(f, UUID_A));
}

/* A record named after one device but naming another is reported and
 * never acted on: the foreign device survives release and gc. */
static void
test_foreign_naming_record_is_reported(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    const char *running[] = {NULL};

    create_device(f, UUID_F); /* made by hand, no record */
    write_record(f, UUID_A, "win11", UUID_F, "");
    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    f->options.running_domains = running;
    f->options.running_checked_at = G_MAXINT64;
    assert_true(vgpu_engine_reconcile(f->ctx, &f->options, &error));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_ANOMALY, "names another"));
    assert_true(device_exists(f, UUID_F));
    assert_true(record_exists(f, UUID_A));
}

/* gc removes the devices of domains that do not run, keeps the others. */
static void
test_reconcile_running_domains(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    const char *running[] = {"win10", NULL};

    create_device(f, UUID_A);
    write_record(f, UUID_A, "win10", UUID_A, "state=ready\n");
    create_device(f, UUID_B);
    write_record(f, UUID_B, "win11", UUID_B, "state=ready\n");
    f->options.running_domains = running;
    f->options.running_checked_at = G_MAXINT64;

    f->options.flags = VGPU_ENGINE_DRY_RUN;
    assert_true(vgpu_engine_reconcile(f->ctx, &f->options, &error));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_REMOVING, "would remove"));
    assert_true(device_exists(f, UUID_B));

    f->options.flags = VGPU_ENGINE_NONE;
    assert_true(vgpu_engine_reconcile(f->ctx, &f->options, &error));
    assert_true(device_exists(f, UUID_A));
    assert_true(record_exists(f, UUID_A));
    assert_false(device_exists(f, UUID_B));
    assert_false(record_exists(f, UUID_B));
}

/* A device still held at the deadline keeps its record and is reported. */
static void
test_release_busy_device_is_left(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = vgpu_config_new();
    g_autoptr(VgpuRecord) record = NULL;
    g_autofree char *conf = g_build_filename(f->root, "etc/libvgpu", NULL);

    assert_true(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &error));
    vgpu_test_sim_control(f->sys, "hold", UUID_A);
    assert_int_equal(g_mkdir_with_parents(conf, 0755), 0);
    vgpu_test_write(f->root, "etc/libvgpu/libvgpu.conf",
                    "[libvgpu]\nremove_timeout_ms=200\n");
    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_LEFT, UUID_A));
    record = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_non_null(record);
    assert_int_equal(vgpu_record_get_state(record), VGPU_RECORD_REMOVING);

    /* the device let go: the next release finishes the job */
    vgpu_test_sim_control(f->sys, "release", UUID_A);
    assert_true(vgpu_engine_release(f->ctx, "win11", &f->options, &error));
    assert_false(device_exists(f, UUID_A));
    assert_false(record_exists(f, UUID_A));
}

/* A failed prepare leaves nothing behind: the first device is rolled
 * back when the second cannot be placed (its parent does not exist). */
static void
test_prepare_rolls_back(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GError) error = NULL;

    g_ptr_array_add(
        requests, vgpu_request_new(UUID_B, "nvidia-65", "0000:99:00.0", NULL));
    create_device(f, UUID_F); /* not ours: must survive the rollback */
    assert_false(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_NOT_FOUND, "0000:99:00.0");
    assert_true(has_event(f, VGPU_ENGINE_EVENT_CREATED, UUID_A));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_REMOVED, UUID_A));
    assert_false(device_exists(f, UUID_A));
    assert_false(device_exists(f, UUID_B));
    assert_false(record_exists(f, UUID_A));
    assert_false(record_exists(f, UUID_B));
    assert_true(device_exists(f, UUID_F));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_REFUSED, "0000:99:00.0"));
}

static void
test_options_version_checked(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GError) error = NULL;

    f->options.version = 99;
    assert_false(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT,
                           "vgpu_engine_options_init");
    assert_false(device_exists(f, UUID_A));
}

/* "<parent> <exists> <reason>" per placement. */
static void
record_placement(const VgpuEnginePlacement *placement, gpointer data)
{
    g_ptr_array_add(data,
                    g_strdup_printf("%s %d %s", placement->parent,
                                    placement->exists, placement->reason));
}

/* A dry run places each device as if the ones before it existed, and
 * touches nothing: no device, no record, no state directory. */
static void
test_prepare_dry_run(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GPtrArray) placed = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_build_filename(f->root, "run/libvgpu", NULL);

    g_ptr_array_add(requests,
                    vgpu_request_new(UUID_B, "nvidia-65", NULL, NULL));
    f->options.flags = VGPU_ENGINE_DRY_RUN;
    f->options.placement = record_placement;
    f->options.placement_data = placed;
    assert_true(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &error));
    assert_int_equal(placed->len, 2);
    assert_string_equal(placed->pdata[0], PARENT " 0 placement policy pack: "
                                                 "4 of 4 instances free");
    assert_string_equal(placed->pdata[1], PARENT " 0 placement policy pack: "
                                                 "3 of 4 instances free");
    assert_false(device_exists(f, UUID_A));
    assert_false(device_exists(f, UUID_B));
    assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

/* The refusal of a dry run is the real one; a version-1 options struct
 * (no placement callback) is accepted. */
static void
test_prepare_dry_run_refusal(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GError) dry = NULL;
    g_autoptr(GError) real = NULL;
    VgpuEngineOptions v1;

    for (guint i = 0; i < 4; i++)
        g_ptr_array_add(requests, vgpu_request_new(i % 2 ? UUID_B : UUID_F,
                                                   "nvidia-65", NULL, NULL));
    memcpy(&v1, &f->options, sizeof(v1));
    v1.version = 1;
    v1.flags = VGPU_ENGINE_DRY_RUN;
    assert_false(vgpu_engine_prepare(f->ctx, "win11", requests, &v1, &dry));
    vgpu_test_assert_error(dry, VGPU_ERROR_NO_CAPACITY, "only 4 are free");
    assert_true(has_event(f, VGPU_ENGINE_EVENT_REFUSED, "would refuse"));
    assert_false(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &real));
    assert_string_equal(dry->message, real->message);
}

/* What a killed hook left is reported, not settled, by a dry run. */
static void
test_prepare_dry_run_settles_nothing(void **state)
{
    Fixture *f = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_A);
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRecord) record = NULL;
    g_autofree char *extra = g_strdup_printf(
        "state=creating\npid=%" G_GINT64_FORMAT "\npid_start=1\n", dead_pid());

    create_device(f, UUID_A);
    write_record(f, UUID_A, "win11", UUID_A, extra);
    f->options.flags = VGPU_ENGINE_DRY_RUN;
    assert_true(
        vgpu_engine_prepare(f->ctx, "win11", requests, &f->options, &error));
    assert_true(has_event(f, VGPU_ENGINE_EVENT_ADOPTED, "would adopt"));
    record = vgpu_state_load_record(f->ctx, UUID_A, &error);
    assert_non_null(record);
    assert_int_equal(vgpu_record_get_state(record), VGPU_RECORD_CREATING);
}

/* ---- flat discovery: a prepare reads what placement needs ------------- */

#define GPU_FULL "0000:05:00.0"   /* no instance left; unreadable name */
#define GPU_HOLDER "0000:06:00.0" /* one device of the type, one left */
#define GPU_EMPTY "0000:07:00.0"  /* two left; unreadable name */
#define P4_4Q_DESC                                                             \
    "num_heads=4, frl_config=60, framebuffer=4096M, "                          \
    "max_resolution=7680x4320, max_instance=2"
/* what a broken or hostile driver could show: escapes, absurd numbers */
#define HOSTILE_DESC                                                           \
    "max_instance=-1\033]0;pwned\007, framebuffer=99999999999999999999M"

typedef struct {
    VgpuTestHost host;
    int inotify;
    GHashTable *watches; /* watch descriptor → parent */
    GPtrArray *opened;   /* "<parent> <file>" opened in a type directory */
} TreeFixture;

static char *
tree_type_dir(TreeFixture *t, const char *parent)
{
    return g_build_filename(t->host.root, "sys/devices/pci0000:00", parent,
                            "mdev_supported_types/nvidia-65", NULL);
}

/* Makes @attr of @parent's nvidia-65 unreadable: a directory, which
 * open(2) accepts and read(2) refuses (EISDIR). */
static void
make_unreadable(TreeFixture *t, const char *parent, const char *attr)
{
    g_autofree char *dir = tree_type_dir(t, parent);
    g_autofree char *path = g_build_filename(dir, attr, NULL);

    unlink(path);
    assert_int_equal(mkdir(path, 0755), 0);
}

static int
setup_tree(void **state)
{
    TreeFixture *t = g_new0(TreeFixture, 1);
    static const char *const parents[] = {GPU_FULL, GPU_HOLDER, GPU_EMPTY};

    t->host.ctx = vgpu_test_context_new(&t->host.root);
    vgpu_test_add_type(t->host.root, GPU_FULL, "nvidia-65", "GRID P4-4Q",
                       HOSTILE_DESC, 0);
    make_unreadable(t, GPU_FULL, "name");
    make_unreadable(t, GPU_FULL, "device_api");
    vgpu_test_add_mdev(t->host.root, GPU_FULL, "nvidia-65", UUID_A);
    vgpu_test_add_mdev(t->host.root, GPU_FULL, "nvidia-65", UUID_B);
    vgpu_test_add_type(t->host.root, GPU_HOLDER, "nvidia-65", "GRID P4-4Q",
                       P4_4Q_DESC, 1);
    vgpu_test_add_mdev(t->host.root, GPU_HOLDER, "nvidia-65", UUID_F);
    vgpu_test_add_type(t->host.root, GPU_EMPTY, "nvidia-65", "GRID P4-4Q",
                       HOSTILE_DESC, 2);
    make_unreadable(t, GPU_EMPTY, "name");

    t->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    assert_true(t->inotify >= 0);
    t->watches = g_hash_table_new(g_direct_hash, g_direct_equal);
    t->opened = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < G_N_ELEMENTS(parents); i++) {
        g_autofree char *dir = tree_type_dir(t, parents[i]);
        int wd = inotify_add_watch(t->inotify, dir, IN_OPEN);

        assert_true(wd >= 0);
        g_hash_table_insert(t->watches, GINT_TO_POINTER(wd),
                            (gpointer)parents[i]);
    }
    *state = t;
    return 0;
}

static int
teardown_tree(void **state)
{
    TreeFixture *t = *state;

    close(t->inotify);
    g_hash_table_unref(t->watches);
    g_ptr_array_unref(t->opened);
    vgpu_test_context_free(t->host.ctx, t->host.root);
    g_free(t);
    return 0;
}

/* Collects the opens in the watched type directories since the last call
 * into t->opened, as "<parent> <file>". */
static void
collect_opens(TreeFixture *t)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len;

    g_ptr_array_set_size(t->opened, 0);
    while ((len = read(t->inotify, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *event = (const void *)p;
            const char *parent =
                g_hash_table_lookup(t->watches, GINT_TO_POINTER(event->wd));

            if (parent && event->len > 0)
                g_ptr_array_add(t->opened,
                                g_strdup_printf("%s %s", parent, event->name));
            p += sizeof(*event) + event->len;
        }
    }
    assert_true(len < 0 && errno == EAGAIN);
}

static gboolean
was_opened(TreeFixture *t, const char *parent, const char *file)
{
    g_autofree char *entry = g_strdup_printf("%s %s", parent, file);

    return g_ptr_array_find_with_equal_func(t->opened, entry, g_str_equal,
                                            NULL);
}

/* A dry run of a prepare of @requests under @policy: the same placement
 * as a real one (place_one()), without create. */
static gboolean
tree_prepare(TreeFixture *t, GPtrArray *requests, VgpuPlacementPolicy policy,
             GPtrArray *placed, GError **error)
{
    g_autoptr(VgpuConfig) config = vgpu_config_new();
    VgpuEngineOptions options;

    vgpu_config_set_placement(config, policy);
    vgpu_engine_options_init(&options);
    options.flags = VGPU_ENGINE_DRY_RUN;
    options.config = config;
    options.placement = record_placement;
    options.placement_data = placed;
    return vgpu_engine_prepare(t->host.ctx, "win11", requests, &options, error);
}

/*
 * Placement reads of every parent only what it needs: available_instances
 * (and devices/ of the parents it compares by "holds the type"), never a
 * name or device_api, and one description only: that of the first parent
 * with a free instance, to learn whether a GPU holds the type only once
 * (then the listing could end there: vgpu_alloc_first_fit_decides()). So a
 * parent it does not choose may have unreadable or hostile ones (the
 * per-type snapshot refused the whole start over them). Both policies take
 * the GPU already holding the type.
 */
static void
test_flat_prepare_reads_no_metadata(void **state)
{
    TreeFixture *t = *state;
    static const char *const metadata[] = {"name", "description", "device_api"};
    static const char *const parents[] = {GPU_FULL, GPU_HOLDER, GPU_EMPTY};
    /* by name, and the one whose description may be read */
    const char *first_with_room =
        strcmp(GPU_HOLDER, GPU_EMPTY) < 0 ? GPU_HOLDER : GPU_EMPTY;

    for (int p = VGPU_PLACEMENT_PACK; p <= VGPU_PLACEMENT_SPREAD; p++) {
        g_autoptr(GPtrArray) requests = requests_for(UUID_D);
        g_autoptr(GPtrArray) placed = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        g_autofree char *expected = g_strdup_printf(
            GPU_HOLDER " 0 placement policy %s: 1 of 2 instances free",
            p == VGPU_PLACEMENT_PACK ? "pack" : "spread");

        collect_opens(t);
        assert_true(
            tree_prepare(t, requests, (VgpuPlacementPolicy)p, placed, &error));
        assert_null(error);
        assert_int_equal(placed->len, 1);
        assert_string_equal(placed->pdata[0], expected);
        collect_opens(t);
        assert_true(was_opened(t, GPU_HOLDER, "available_instances"));
        for (guint i = 0; i < G_N_ELEMENTS(parents); i++) {
            for (guint m = 0; m < G_N_ELEMENTS(metadata); m++) {
                if (was_opened(t, parents[i], metadata[m]) &&
                    !(parents[i] == first_with_room &&
                      g_str_equal(metadata[m], "description")))
                    fail_msg("placement opened %s of %s", metadata[m],
                             parents[i]);
            }
        }
        /* no free instance: whether it holds the type does not matter */
        assert_false(was_opened(t, GPU_FULL, "devices"));
    }
}

/* A refusal that names the type takes the name from a parent whose name
 * can be read; the unreadable ones count without NVIDIA decoding. */
static void
test_flat_refusal_names_type(void **state)
{
    TreeFixture *t = *state;
    g_autoptr(GPtrArray) requests = requests_for(UUID_D);
    g_autoptr(GPtrArray) placed = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < 3; i++) {
        g_autofree char *uuid =
            g_strdup_printf("9d2e9b5e-1c4a-4f7e-8a3b-00000000001%u", i);

        g_ptr_array_add(requests,
                        vgpu_request_new(uuid, "nvidia-65", NULL, NULL));
    }
    assert_false(
        tree_prepare(t, requests, VGPU_PLACEMENT_PACK, placed, &error));
    vgpu_test_assert_error(error, VGPU_ERROR_NO_CAPACITY, NULL);
    assert_string_equal(
        error->message,
        "4 mediated devices of type nvidia-65 (GRID P4-4Q) are requested "
        "but only 3 are free: " GPU_FULL " has 0 of 2 left (used by 2 "
        "mediated devices not created by libvgpu), " GPU_HOLDER " has 1 of "
        "2 left (used by 1 mediated device not created by libvgpu), " GPU_EMPTY
        " has 2 of 2 left; stop a domain using one of them or request fewer");
    assert_int_equal(placed->len, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prepare_release_cycle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prepare_adopts_creating, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_release_resolves_creating, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_removing_owner_alive_then_dead,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_understands_old_records,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_naming_record_is_reported,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconcile_running_domains, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_release_busy_device_is_left, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prepare_rolls_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_options_version_checked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prepare_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_dry_run_refusal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prepare_dry_run_settles_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_flat_prepare_reads_no_metadata,
                                        setup_tree, teardown_tree),
        cmocka_unit_test_setup_teardown(test_flat_refusal_names_type,
                                        setup_tree, teardown_tree),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
