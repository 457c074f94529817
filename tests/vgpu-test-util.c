/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vgpu-test-util.h"

#include <libvgpu/vgpu-common.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
vgpu_test_root_new(void)
{
    g_autoptr(GError) error = NULL;
    char *root = g_dir_make_tmp("vgpu-test-XXXXXX", &error);

    g_assert_no_error(error);
    return root;
}

VgpuContext *
vgpu_test_context_new(char **root)
{
    g_autoptr(GError) error = NULL;
    VgpuContext *ctx;

    *root = vgpu_test_root_new();
    ctx = vgpu_context_new(*root, &error);
    g_assert_no_error(error);
    return ctx;
}

void
vgpu_test_context_free(VgpuContext *ctx, char *root)
{
    vgpu_context_unref(ctx);
    vgpu_test_root_free(root);
}

int
vgpu_test_host_setup(void **state)
{
    VgpuTestHost *host = g_new0(VgpuTestHost, 1);

    host->ctx = vgpu_test_context_new(&host->root);
    *state = host;
    return 0;
}

int
vgpu_test_host_teardown(void **state)
{
    VgpuTestHost *host = *state;

    vgpu_test_context_free(host->ctx, host->root);
    g_free(host);
    return 0;
}

static void
remove_tree(const char *path)
{
    GDir *dir;
    const char *name;

    if (g_file_test(path, G_FILE_TEST_IS_SYMLINK) ||
        !g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_unlink(path);
        return;
    }
    dir = g_dir_open(path, 0, NULL);
    if (dir) {
        while ((name = g_dir_read_name(dir))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_dir_close(dir);
    }
    g_rmdir(path);
}

void
vgpu_test_root_free(char *root)
{
    if (!root)
        return;
    remove_tree(root);
    g_free(root);
}

static void
make_parent_dirs(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
}

void
vgpu_test_write(const char *root, const char *relpath, const char *content)
{
    g_autofree char *path = g_build_filename(root, relpath, NULL);
    g_autoptr(GError) error = NULL;

    make_parent_dirs(path);
    g_file_set_contents(path, content, -1, &error);
    g_assert_no_error(error);
}

void
vgpu_test_symlink(const char *root, const char *relpath, const char *target)
{
    g_autofree char *path = g_build_filename(root, relpath, NULL);

    make_parent_dirs(path);
    g_unlink(path);
    if (symlink(target, path) != 0)
        g_error("symlink %s -> %s: %s", path, target, g_strerror(errno));
}

/* Writes root/@dir/@name. */
static void
write_in(const char *root, const char *dir, const char *name,
         const char *content)
{
    g_autofree char *relpath = g_build_filename(dir, name, NULL);

    vgpu_test_write(root, relpath, content);
}

static char *
parent_dir(const char *parent)
{
    return g_build_filename("sys/devices/pci0000:00", parent, NULL);
}

void
vgpu_test_add_parent(const char *root, const char *parent)
{
    g_autofree char *dir = parent_dir(parent);
    g_autofree char *types =
        g_build_filename(root, dir, "mdev_supported_types", NULL);
    g_autofree char *link =
        g_build_filename("sys/class/mdev_bus", parent, NULL);
    g_autofree char *target =
        g_build_filename("../../devices/pci0000:00", parent, NULL);

    g_autofree char *bus = g_build_filename(root, "sys/bus/mdev/devices", NULL);

    g_assert_cmpint(g_mkdir_with_parents(types, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(bus, 0755), ==, 0);
    vgpu_test_symlink(root, link, target);
}

void
vgpu_test_add_type(const char *root, const char *parent, const char *type_id,
                   const char *name, const char *description, guint available)
{
    g_autofree char *dir = parent_dir(parent);
    g_autofree char *tdir =
        g_build_filename(dir, "mdev_supported_types", type_id, NULL);
    g_autofree char *devices = g_build_filename(root, tdir, "devices", NULL);
    g_autofree char *avail = g_strdup_printf("%u\n", available);

    vgpu_test_add_parent(root, parent);
    g_assert_cmpint(g_mkdir_with_parents(devices, 0755), ==, 0);
    if (name) {
        g_autofree char *text = g_strdup_printf("%s\n", name);
        write_in(root, tdir, "name", text);
    }
    if (description) {
        g_autofree char *text = g_strdup_printf("%s\n", description);
        write_in(root, tdir, "description", text);
    }
    write_in(root, tdir, "device_api", "vfio-pci\n");
    write_in(root, tdir, "available_instances", avail);
    write_in(root, tdir, "create", "");
}

void
vgpu_test_set_available(const char *root, const char *parent,
                        const char *type_id, guint available)
{
    g_autofree char *dir = parent_dir(parent);
    g_autofree char *path = g_build_filename(
        dir, "mdev_supported_types", type_id, "available_instances", NULL);
    g_autofree char *avail = g_strdup_printf("%u\n", available);

    vgpu_test_write(root, path, avail);
}

void
vgpu_test_add_mdev(const char *root, const char *parent, const char *type_id,
                   const char *uuid)
{
    g_autofree char *dir = parent_dir(parent);
    g_autofree char *ddir = g_build_filename(dir, uuid, NULL);
    g_autofree char *type_link = g_build_filename(ddir, "mdev_type", NULL);
    g_autofree char *type_target =
        g_build_filename("../mdev_supported_types", type_id, NULL);
    g_autofree char *devlink = g_build_filename(dir, "mdev_supported_types",
                                                type_id, "devices", uuid, NULL);
    g_autofree char *devlink_target = g_build_filename("../../..", uuid, NULL);
    g_autofree char *buslink =
        g_build_filename("sys/bus/mdev/devices", uuid, NULL);
    g_autofree char *bus_target =
        g_build_filename("../../../devices/pci0000:00", parent, uuid, NULL);

    write_in(root, ddir, "remove", "");
    vgpu_test_symlink(root, type_link, type_target);
    vgpu_test_symlink(root, devlink, devlink_target);
    vgpu_test_symlink(root, buslink, bus_target);
}

void
vgpu_test_assert_error(const GError *error, int code, const char *needle)
{
    if (!error)
        fail_msg("expected VGPU_ERROR code %d, got no error", code);
    if (error->domain != VGPU_ERROR || error->code != code)
        fail_msg("expected VGPU_ERROR code %d, got %s code %d: %s", code,
                 g_quark_to_string(error->domain), error->code, error->message);
    if (needle && !strstr(error->message, needle))
        fail_msg("\"%s\" not in message: %s", needle, error->message);
    if (strchr(error->message, '\n'))
        fail_msg("message is not one line: %s", error->message);
}

char *
vgpu_test_data_path(const char *relpath)
{
    const char *dir = g_getenv("VGPU_TEST_DATA_DIR");

    g_assert_nonnull(dir);
    return g_build_filename(dir, relpath, NULL);
}

char *
vgpu_test_read_data(const char *relpath, gsize *len)
{
    g_autofree char *path = vgpu_test_data_path(relpath);
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, len, &error);
    g_assert_no_error(error);
    return text;
}

char *
vgpu_test_sim_mount(const char *root, const char *scenario)
{
    const char *sim = g_getenv("VGPU_SIM");
    g_autofree char *conf = g_build_filename(root, "scenario.conf", NULL);
    char *sys = g_build_filename(root, "sys", NULL);
    int status = -1;

    if (!sim || access("/dev/fuse", R_OK | W_OK) != 0) {
        print_message("SKIP: needs VGPU_SIM and /dev/fuse\n");
        exit(77);
    }
    g_assert_cmpint(g_mkdir_with_parents(sys, 0755), ==, 0);
    g_assert_true(g_file_set_contents(conf, scenario, -1, NULL));
    {
        const char *argv[] = {sim, "--scenario", conf, sys, NULL};
        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT,
                                   NULL, NULL, NULL, NULL, &status, NULL));
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        print_message("SKIP: vgpu-sim could not mount %s\n", sys);
        exit(77);
    }
    return sys;
}

void
vgpu_test_sim_unmount(char *sys)
{
    const char *argv[] = {"fusermount3", "-u", sys, NULL};

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                 NULL, NULL, NULL, NULL);
    g_free(sys);
}

void
vgpu_test_sim_control(const char *sys, const char *file, const char *text)
{
    g_autofree char *path = g_build_filename(sys, ".vgpu-sim", file, NULL);
    int fd = open(path, O_WRONLY);

    /* one write(2), like echo into sysfs */
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, text, strlen(text)), ==, (gssize)strlen(text));
    close(fd);
}

void
vgpu_test_add_vf_type(const char *root, const char *pf, const char *vf,
                      const char *type_id, const char *name, guint available)
{
    g_autofree char *dir = parent_dir(vf);
    g_autofree char *link = g_build_filename(dir, "physfn", NULL);
    g_autofree char *target = g_build_filename("..", pf, NULL);
    g_autofree char *path = g_build_filename(root, link, NULL);

    vgpu_test_add_type(root, vf, type_id, name, NULL, available);
    if (!g_file_test(path, G_FILE_TEST_IS_SYMLINK))
        vgpu_test_symlink(root, link, target);
}
