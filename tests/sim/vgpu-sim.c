/*
 * vgpu-sim.c - a FUSE file system that serves an mdev sysfs tree which
 * behaves like the kernel's (see README.md next to this file)
 *
 *     vgpu-sim [--foreground] --scenario FILE|BUILTIN MOUNTPOINT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <glib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim-model.h"
#include "sim-scenarios.h"

/* Write end of the pipe the waiting parent reads; -1 in the foreground. */
static int sim_ready_fd = -1;

static SimState *
sim_fs_state(void)
{
    return fuse_get_context()->private_data;
}

/* Every operation on a path counts as one request (.vgpu-sim/requests),
 * so that a benchmark can say how often a program asks the file system. */
static void
sim_fs_count(const char *path)
{
    sim_state_count_request(sim_fs_state(), path);
}

/* Whether the kernel sent FUSE_INTERRUPT for the request being served
 * (the writer got a signal; for SIGKILL the answer is then discarded), or
 * the file system is exiting: fuse_loop_mt() joins its worker threads, and
 * they process requests with cancellation disabled, so a blocked request
 * must give up by itself. */
static gboolean
sim_fs_interrupted(void)
{
    struct fuse *fuse = fuse_get_context()->fuse;

    return fuse_interrupted() != 0 ||
           (fuse != NULL && fuse_session_exited(fuse_get_session(fuse)));
}

static void *
sim_fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    /*
     * Every read, stat and open must show the state of now, and does:
     * attributes are never cached (each stat(2) is a GETATTR, each open an
     * OPEN, each read a READ), nor are missing names (a device that
     * appears is found at once).  Names that were found stay in the
     * kernel's dentry cache, as kernfs keeps sysfs dentries, instead of
     * one LOOKUP per path component of every access; a name that went
     * away still resolves to its path here, whose GETATTR, OPEN or
     * READLINK answers ENOENT, so what a program sees is unchanged.
     */
    cfg->entry_timeout = 86400;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
    cfg->direct_io = 1;
    cfg->kernel_cache = 0;
    cfg->auto_cache = 0;
    cfg->use_ino = 0;
    cfg->hard_remove = 1;
    /* Link targets are cached too, as kernfs answers them from memory;
     * a link that goes away is invalidated before the request that
     * removed it is answered (sim_fs_invalidate()). */
    if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
        conn->want |= FUSE_CAP_CACHE_SYMLINKS;

    /* The kernel sent FUSE_INIT, so the loop is serving: let the parent
     * process return to its caller. */
    if (sim_ready_fd >= 0) {
        char ok = 0;

        while (write(sim_ready_fd, &ok, 1) < 0 && errno == EINTR)
            ;
        close(sim_ready_fd);
        sim_ready_fd = -1;
    }
    return fuse_get_context()->private_data;
}

static int
sim_fs_getattr(const char *path, struct stat *st,
               struct fuse_file_info *fi G_GNUC_UNUSED)
{
    sim_fs_count(path);
    return sim_state_getattr(sim_fs_state(), path, st);
}

static int
sim_fs_readlink(const char *path, char *buf, size_t size)
{
    sim_fs_count(path);
    return sim_state_readlink(sim_fs_state(), path, buf, size);
}

static int
sim_fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
               off_t offset G_GNUC_UNUSED,
               struct fuse_file_info *fi G_GNUC_UNUSED,
               enum fuse_readdir_flags flags G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) names = NULL;
    int ret;

    sim_fs_count(path);
    ret = sim_state_list(sim_fs_state(), path, &names);
    if (ret < 0)
        return ret;
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    for (guint i = 0; i < names->len; i++) {
        if (filler(buf, g_ptr_array_index(names, i), NULL, 0, 0) != 0)
            break;
    }
    return 0;
}

static int
sim_fs_open(const char *path, struct fuse_file_info *fi)
{
    char *snapshot = NULL;
    int ret;

    sim_fs_count(path);

    ret = sim_state_open(sim_fs_state(), path, fi->flags,
                         fuse_get_context()->uid, &snapshot);
    if (ret < 0)
        return ret;
    /* Every read and write goes to us, one write(2) = one store(). */
    fi->direct_io = 1;
    fi->keep_cache = 0;
    fi->fh = (uint64_t) (uintptr_t) snapshot;
    return 0;
}

static int
sim_fs_read(const char *path, char *buf, size_t size, off_t offset,
            struct fuse_file_info *fi)
{
    const char *snapshot = (const char *) (uintptr_t) fi->fh;
    size_t length;

    sim_fs_count(path);

    if (snapshot == NULL)
        return (int) sim_state_read(sim_fs_state(), path, buf, size, offset);
    /* the state as of open(2), in as many reads as the reader makes */
    length = strlen(snapshot);
    if (offset < 0 || (size_t) offset >= length)
        return 0;
    size = MIN(size, length - (size_t) offset);
    memcpy(buf, snapshot + offset, size);
    return (int) size;
}

static int
sim_fs_release(const char *path, struct fuse_file_info *fi)
{
    sim_fs_count(path);
    g_free((char *) (uintptr_t) fi->fh);
    fi->fh = 0;
    return 0;
}

/* sysfs_kf_write() ignores the file position, and so do we. */
static int
sim_fs_write(const char *path, const char *buf, size_t size,
             off_t offset G_GNUC_UNUSED,
             struct fuse_file_info *fi G_GNUC_UNUSED)
{
    sim_fs_count(path);
    return (int) sim_state_write(sim_fs_state(), path, buf, size);
}

static int
sim_fs_truncate(const char *path, off_t size G_GNUC_UNUSED,
                struct fuse_file_info *fi G_GNUC_UNUSED)
{
    sim_fs_count(path);
    return sim_state_truncate(sim_fs_state(), path);
}

static int
sim_fs_access(const char *path, int mask)
{
    sim_fs_count(path);
    return sim_state_access(sim_fs_state(), path, mask);
}

static int
sim_fs_utimens(const char *path, const struct timespec tv[2] G_GNUC_UNUSED,
               struct fuse_file_info *fi G_GNUC_UNUSED)
{
    struct stat st;

    /* touch(1) works on sysfs; the times are not kept here. */
    return sim_state_getattr(sim_fs_state(), path, &st);
}

/*
 * What the VFS answers for a directory without ->create (EACCES) or
 * without ->mkdir, ->unlink, ->rmdir, ->rename, ->symlink, ->link
 * (EPERM), which is what sysfs directories look like.  chmod and chown
 * are refused too (sysfs would allow root to change the mode).
 */
static int
sim_fs_create(const char *path G_GNUC_UNUSED, mode_t mode G_GNUC_UNUSED,
              struct fuse_file_info *fi G_GNUC_UNUSED)
{
    return -EACCES;
}

static int
sim_fs_mknod(const char *path G_GNUC_UNUSED, mode_t mode G_GNUC_UNUSED,
             dev_t rdev G_GNUC_UNUSED)
{
    return -EACCES;
}

static int
sim_fs_mkdir(const char *path G_GNUC_UNUSED, mode_t mode G_GNUC_UNUSED)
{
    return -EPERM;
}

static int
sim_fs_unlink(const char *path G_GNUC_UNUSED)
{
    return -EPERM;
}

static int
sim_fs_rmdir(const char *path G_GNUC_UNUSED)
{
    return -EPERM;
}

static int
sim_fs_rename(const char *from G_GNUC_UNUSED, const char *to G_GNUC_UNUSED,
              unsigned int flags G_GNUC_UNUSED)
{
    return -EPERM;
}

static int
sim_fs_symlink(const char *target G_GNUC_UNUSED,
               const char *path G_GNUC_UNUSED)
{
    return -EPERM;
}

static int
sim_fs_link(const char *from G_GNUC_UNUSED, const char *to G_GNUC_UNUSED)
{
    return -EPERM;
}

static int
sim_fs_chmod(const char *path G_GNUC_UNUSED, mode_t mode G_GNUC_UNUSED,
             struct fuse_file_info *fi G_GNUC_UNUSED)
{
    return -EPERM;
}

static int
sim_fs_chown(const char *path G_GNUC_UNUSED, uid_t uid G_GNUC_UNUSED,
             gid_t gid G_GNUC_UNUSED, struct fuse_file_info *fi G_GNUC_UNUSED)
{
    return -EPERM;
}

/* The kernel keeps link targets (FUSE_CAP_CACHE_SYMLINKS): drop the one
 * of a link that went away (fuse_lowlevel_notify_inval_inode() through
 * the path), so a readlink(2) of it is asked again and fails. -ENOENT
 * says the kernel never looked it up: nothing to drop. */
static void
sim_fs_invalidate(const char *path, gpointer data)
{
    fuse_invalidate_path(data, path);
}

static const struct fuse_operations sim_fs_operations = {
    .init = sim_fs_init,
    .getattr = sim_fs_getattr,
    .readlink = sim_fs_readlink,
    .readdir = sim_fs_readdir,
    .open = sim_fs_open,
    .read = sim_fs_read,
    .release = sim_fs_release,
    .write = sim_fs_write,
    .truncate = sim_fs_truncate,
    .access = sim_fs_access,
    .utimens = sim_fs_utimens,
    .create = sim_fs_create,
    .mknod = sim_fs_mknod,
    .mkdir = sim_fs_mkdir,
    .unlink = sim_fs_unlink,
    .rmdir = sim_fs_rmdir,
    .rename = sim_fs_rename,
    .symlink = sim_fs_symlink,
    .link = sim_fs_link,
    .chmod = sim_fs_chmod,
    .chown = sim_fs_chown,
};

/* ------------------------------------------------------------------ */

static const char *
sim_builtin_lookup(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(sim_builtin_scenarios); i++) {
        if (strcmp(sim_builtin_scenarios[i].name, name) == 0)
            return sim_builtin_scenarios[i].text;
    }
    return NULL;
}

static char *
sim_builtin_names(void)
{
    GString *names = g_string_new(NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(sim_builtin_scenarios); i++) {
        if (i > 0)
            g_string_append(names, ", ");
        g_string_append(names, sim_builtin_scenarios[i].name);
    }
    return g_string_free(names, FALSE);
}

/* A value with neither '/' nor '.' names a builtin, anything else a file. */
static SimState *
sim_load_scenario(const char *scenario, GError **error)
{
    const char *text;
    g_autofree char *contents = NULL;
    gsize length;

    if (strpbrk(scenario, "/.") == NULL) {
        g_autofree char *origin = g_strdup_printf("builtin %s", scenario);

        text = sim_builtin_lookup(scenario);
        if (text == NULL) {
            g_autofree char *names = sim_builtin_names();

            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "no builtin scenario '%s' (builtins: %s; a path "
                        "needs a '/' or a '.')", scenario, names);
            return NULL;
        }
        return sim_state_new(text, strlen(text), origin, error);
    }
    if (!g_file_get_contents(scenario, &contents, &length, error))
        return NULL;
    return sim_state_new(contents, length, scenario, error);
}

/*
 * Forks; the parent returns only once the child reports from the FUSE
 * init callback that the mount is serving, and exits with the result.
 */
static void
sim_daemonize(const char *log_path)
{
    int fds[2];
    pid_t pid;
    int null_fd, err_fd;

    if (pipe(fds) < 0) {
        g_printerr("vgpu-sim: pipe: %s\n", g_strerror(errno));
        exit(1);
    }
    pid = fork();
    if (pid < 0) {
        g_printerr("vgpu-sim: fork: %s\n", g_strerror(errno));
        exit(1);
    }
    if (pid > 0) {
        char ok;
        ssize_t n;

        close(fds[1]);
        do {
            n = read(fds[0], &ok, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1) {
            g_printerr("vgpu-sim: the file system process exited before "
                       "serving the mount%s%s\n",
                       log_path != NULL ? "; see " : "",
                       log_path != NULL ? log_path : "");
            _exit(1);
        }
        _exit(0);
    }

    close(fds[0]);
    sim_ready_fd = fds[1];
    setsid();
    if (chdir("/") < 0)
        g_printerr("vgpu-sim: chdir /: %s\n", g_strerror(errno));
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    err_fd = null_fd;
    if (log_path != NULL) {
        err_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                      0644);
        if (err_fd < 0)
            err_fd = null_fd;
    }
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
    }
    if (err_fd >= 0)
        dup2(err_fd, STDERR_FILENO);
    if (err_fd >= 0 && err_fd != null_fd)
        close(err_fd);
    if (null_fd >= 0)
        close(null_fd);
}

static const char sim_description[] =
    "Serves, at MOUNTPOINT (normally $ROOT/sys, created beforehand), a\n"
    "sysfs tree that behaves like the kernel's mediated device interface\n"
    "(Documentation/driver-api/vfio-mediated-device.rst):\n"
    "\n"
    "  class/mdev_bus/PARENT -> ../../devices/.../PARENT\n"
    "  devices/.../PARENT/mdev_supported_types/TYPE/{name,description,\n"
    "      device_api,available_instances,create,devices/}\n"
    "  devices/.../PARENT/UUID/{mdev_type,iommu_group,driver,subsystem,\n"
    "      remove,uevent}\n"
    "  bus/mdev/devices/UUID, kernel/iommu_groups/N/devices/UUID\n"
    "\n"
    "and, for [pf BDF] sections, SR-IOV PCI functions:\n"
    "\n"
    "  bus/pci/devices/BDF -> ../../../devices/pci0000:00/.../BDF\n"
    "  PF: vendor, device, class, subsystem_*, sriov_*, virtfnN, driver,\n"
    "      iommu_group; VF: the same with physfn instead of sriov_*\n"
    "  VF/nvidia/{creatable_vgpu_types,current_vgpu_type} (vgpu=nvidia-vfio)\n"
    "  class/mdev_bus/VF (vgpu=mdev: every VF an mdev parent)\n"
    "\n"
    "Writing a UUID to create makes the device appear before write()\n"
    "returns; writing 1 to its remove makes it go.  Errors are the\n"
    "kernel's: EINVAL (bad UUID), EEXIST (UUID in use), ENOSPC or EUSERS\n"
    "(no instance left), EBUSY (device held).  Writing a type id to a\n"
    "VF's current_vgpu_type creates a vGPU (EINVAL when not creatable,\n"
    "EBUSY when the VF holds another), 0 destroys it (EBUSY when held).\n"
    "\n"
    "Control files (not in a real sysfs), in MOUNTPOINT/.vgpu-sim/:\n"
    "  hold      write a UUID: its remove now fails with EBUSY; write\n"
    "            \"UUID block\": its remove blocks until released; write\n"
    "            a VF address: writing 0 to its current_vgpu_type fails\n"
    "            with EBUSY\n"
    "  release   write a UUID or VF address: undo hold (a blocked remove\n"
    "            then succeeds)\n"
    "  delay     write \"create MS\" or \"remove MS\": every later create\n"
    "            takes MS before the device appears / every removed\n"
    "            device lingers MS (create_delay_ms, remove_delay_ms)\n"
    "  inject    write \"create ERRNO [COUNT]\", \"remove ERRNO [COUNT]\"\n"
    "            or \"clear\": make the next COUNT (default 1) creates or\n"
    "            removes fail with ERRNO (EIO, ENODEV, ...)\n"
    "  state     read: parents, types, devices, PFs, VFs and their state\n"
    "  requests  read: how many file system requests were served outside\n"
    "            .vgpu-sim/ since the mount (each operation on a path)\n"
    "\n"
    "SCENARIO is a key file (see tests/sim/README.md and\n"
    "tests/sim/scenarios/example.conf) or the name of a builtin.  A value\n"
    "containing neither '/' nor '.' names a builtin.\n"
    "\n"
    "Without --foreground, vgpu-sim returns (exit status 0) only once the\n"
    "mount is serving, and keeps running in the background.  Unmount with\n"
    "\n"
    "  fusermount3 -u MOUNTPOINT\n"
    "\n"
    "which also ends the process.  SIGTERM and SIGINT unmount too.";

int
main(int argc, char **argv)
{
    gboolean foreground = FALSE;
    gboolean verbose = FALSE;
    gboolean debug = FALSE;
    gboolean list = FALSE;
    g_autofree char *scenario = NULL;
    g_autofree char *print = NULL;
    g_autofree char *log_path = NULL;
    g_auto(GStrv) rest = NULL;
    GOptionEntry entries[] = {
        { "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
          "Stay in the foreground until unmounted", NULL },
        { "scenario", 's', 0, G_OPTION_ARG_FILENAME, &scenario,
          "Scenario key file, or a builtin name", "FILE|BUILTIN" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          "Log creates, removes and errors to stderr", NULL },
        { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path,
          "Where stderr goes once in the background (default /dev/null)",
          "FILE" },
        { "debug", 'd', 0, G_OPTION_ARG_NONE, &debug,
          "Print every FUSE request (implies --foreground)", NULL },
        { "list-scenarios", 0, 0, G_OPTION_ARG_NONE, &list,
          "List the builtin scenarios and exit", NULL },
        { "print-scenario", 0, 0, G_OPTION_ARG_STRING, &print,
          "Print a builtin scenario and exit", "BUILTIN" },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest,
          NULL, "MOUNTPOINT" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = NULL;
    g_autofree char *builtins = NULL;
    g_autofree char *description = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(SimState) state = NULL;
    g_autofree char *fuse_options = NULL;
    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    struct fuse *fuse;
    struct stat st;
    const char *mountpoint;
    int ret;

    setlocale(LC_ALL, "");
    builtins = sim_builtin_names();
    description = g_strdup_printf("%s\n\nBuiltin scenarios: %s.",
                                  sim_description, builtins);
    context = g_option_context_new(NULL);
    g_option_context_set_summary(context,
                                 "Emulate the Linux mdev sysfs interface "
                                 "over FUSE, for tests.");
    g_option_context_set_description(context, description);
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        g_printerr("vgpu-sim: %s (try --help)\n", error->message);
        return 2;
    }

    if (list) {
        for (gsize i = 0; i < G_N_ELEMENTS(sim_builtin_scenarios); i++)
            g_print("%s\n", sim_builtin_scenarios[i].name);
        return 0;
    }
    if (print != NULL) {
        const char *text = sim_builtin_lookup(print);

        if (text == NULL) {
            g_printerr("vgpu-sim: no builtin scenario '%s'\n", print);
            return 2;
        }
        g_print("%s", text);
        return 0;
    }
    if (scenario == NULL || rest == NULL || g_strv_length(rest) != 1) {
        g_printerr("vgpu-sim: usage: vgpu-sim [--foreground] --scenario "
                   "FILE|BUILTIN MOUNTPOINT (try --help)\n");
        return 2;
    }
    mountpoint = rest[0];

    state = sim_load_scenario(scenario, &error);
    if (state == NULL) {
        g_printerr("vgpu-sim: %s\n", error->message);
        return 1;
    }
    sim_state_set_verbose(state, verbose);
    sim_state_set_interrupt_check(state, sim_fs_interrupted);

    if (stat(mountpoint, &st) < 0 || !S_ISDIR(st.st_mode)) {
        g_printerr("vgpu-sim: mount point %s is not a directory; create it "
                   "first\n", mountpoint);
        return 1;
    }

    fuse_options = g_strdup_printf("fsname=vgpu-sim,subtype=vgpu-sim%s",
                                   geteuid() == 0 ? ",allow_other" : "");
    if (fuse_opt_add_arg(&args, argv[0]) < 0 ||
        fuse_opt_add_arg(&args, "-o") < 0 ||
        fuse_opt_add_arg(&args, fuse_options) < 0 ||
        (debug && fuse_opt_add_arg(&args, "-d") < 0)) {
        g_printerr("vgpu-sim: out of memory\n");
        return 1;
    }
    fuse = fuse_new(&args, &sim_fs_operations, sizeof(sim_fs_operations),
                    state);
    fuse_opt_free_args(&args);
    if (fuse == NULL) {
        g_printerr("vgpu-sim: cannot set up FUSE\n");
        return 1;
    }
    sim_state_set_invalidate(state, sim_fs_invalidate, fuse);
    if (fuse_mount(fuse, mountpoint) != 0) {
        g_printerr("vgpu-sim: cannot mount on %s\n", mountpoint);
        fuse_destroy(fuse);
        return 1;
    }

    if (!foreground && !debug)
        sim_daemonize(log_path);
    sim_state_start_reaper(state); /* after the fork of sim_daemonize() */

    if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0) {
        sim_state_stop_reaper(state);
        sim_state_set_invalidate(state, NULL, NULL);
        fuse_unmount(fuse);
        fuse_destroy(fuse);
        return 1;
    }
    if (verbose)
        g_printerr("vgpu-sim: serving %s on %s\n", scenario, mountpoint);
    ret = fuse_loop_mt(fuse, 0);
    /* fuse goes below: the loop's threads are joined, the reaper too */
    sim_state_stop_reaper(state);
    sim_state_set_invalidate(state, NULL, NULL);
    fuse_remove_signal_handlers(fuse_get_session(fuse));
    fuse_unmount(fuse);
    fuse_destroy(fuse);
    if (verbose)
        g_printerr("vgpu-sim: unmounted %s\n", mountpoint);
    return ret == 0 ? 0 : 1;
}
