/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helpers: fixture sysfs trees under a temporary host root, laid out
 * as the kernel does (class/mdev_bus/<parent> is a symlink into
 * devices/, bus/mdev/devices/<uuid> a symlink to the device directory
 * under its parent, <uuid>/mdev_type a symlink to the type directory).
 */
#pragma once

#include <glib.h>

#include <libvgpu/vgpu-context.h>

/* Creates an empty temporary root ("/tmp/vgpu-test-XXXXXX"). */
char *vgpu_test_root_new(void);

/*
 * Creates an empty temporary root and a context on it: the start of most
 * fixtures. *@root receives the path (free with vgpu_test_context_free()).
 */
VgpuContext *vgpu_test_context_new(char **root);

/* Unrefs @ctx and removes @root; both may be NULL. */
void vgpu_test_context_free(VgpuContext *ctx, char *root);

/* A temporary host: its root and a context on it. */
typedef struct {
    char *root;
    VgpuContext *ctx;
} VgpuTestHost;

/* cmocka setup/teardown pair: *state becomes a new, empty VgpuTestHost. */
int vgpu_test_host_setup(void **state);
int vgpu_test_host_teardown(void **state);

/* Removes the tree; accepts NULL. */
void vgpu_test_root_free(char *root);

/* Writes @content to root/@relpath, creating parent directories. */
void vgpu_test_write(const char *root, const char *relpath,
                     const char *content);

/* Creates root/@relpath as a symlink to @target, making directories. */
void vgpu_test_symlink(const char *root, const char *relpath,
                       const char *target);

/*
 * Adds a parent device (PCI-like path devices/pci0000:00/<parent>) and
 * links it from sys/class/mdev_bus.
 */
void vgpu_test_add_parent(const char *root, const char *parent);

/*
 * Adds an mdev type to @parent (adds the parent if needed). @name and
 * @description may be NULL (the file is then absent).
 */
void vgpu_test_add_type(const char *root, const char *parent,
                        const char *type_id, const char *name,
                        const char *description, guint available);

/* Sets available_instances of an existing type. */
void vgpu_test_set_available(const char *root, const char *parent,
                             const char *type_id, guint available);

/*
 * Adds an active mediated device @uuid of @type_id on @parent: the device
 * directory with mdev_type link, the type's devices/ link and the
 * bus/mdev/devices link. Does not change available_instances.
 */
void vgpu_test_add_mdev(const char *root, const char *parent,
                        const char *type_id, const char *uuid);

/*
 * Fails the current cmocka test unless @error is in VGPU_ERROR with @code,
 * its message is one line and contains @needle (nullable: not checked).
 */
void vgpu_test_assert_error(const GError *error, int code, const char *needle);

/* Path of a data file in the source tree (tests/data/...). */
char *vgpu_test_data_path(const char *relpath);

/* Reads a data file (tests/data/...) or fails the test. */
char *vgpu_test_read_data(const char *relpath, gsize *len);

/* Mounts the emulator (VGPU_SIM) with the scenario text @scenario on
 * @root/sys; exits 77 (skip) where FUSE is not available. Returns the
 * mount point; vgpu_test_sim_unmount() unmounts and frees it. */
char *vgpu_test_sim_mount(const char *root, const char *scenario);
void vgpu_test_sim_unmount(char *sys);

/* Writes @text to the emulator's control file @file (.vgpu-sim/) in one
 * write(2). */
void vgpu_test_sim_control(const char *sys, const char *file, const char *text);

/* Adds @type_id to parent @vf, an SR-IOV virtual function of @pf (a
 * `physfn` link, as drivers/pci/iov.c makes it): NVIDIA Ampere with older
 * vGPU drivers, one instance per VF. */
void vgpu_test_add_vf_type(const char *root, const char *pf, const char *vf,
                           const char *type_id, const char *name,
                           guint available);
