/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - host lock and ownership records in run/libvgpu/ (docs/engine.md,
 * "Ownership records", "State directory", "Lock discipline").
 *
 *   run/libvgpu/              0700, owned by the effective user (root)
 *   run/libvgpu/lock          flock(2) target, 0600; holds a line naming
 *                             the current holder
 *   run/libvgpu/mdevs/        0700
 *   run/libvgpu/mdevs/<id>    one GKeyFile per device libvgpu created,
 *                             0600, named by the device id (mdev UUID)
 *
 * Every path below the root is opened relative to its directory's file
 * descriptor with O_NOFOLLOW, so a symlink planted anywhere in the state
 * tree is refused instead of followed.
 */
#include <libvgpu/vgpu-pci.h>
#include <libvgpu/vgpu-state.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-state-private.h"
#include "vgpu-sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_DIR "run/libvgpu"
#define RECORDS_NAME "mdevs"
#define LOCK_NAME "lock"
#define RECORD_GROUP "mdev"
#define TEMP_PREFIX ".tmp-"
/* A record is a few hundred bytes (a domain name of libvirt's usual size
 * included); anything larger than this is not ours and is never read. */
#define RECORD_MAX_BYTES (64 * 1024)
/* Lock polling: first and longest pause between attempts. */
#define LOCK_POLL_MIN_US 500
#define LOCK_POLL_MAX_US (20 * 1000)
#define LOCK_INFO_MAX 512

struct _VgpuHostLock {
    int fd;
};

struct _VgpuRecord {
    VgpuDeviceClass device_class;
    VgpuRecordState state;
    VgpuDeviceOrigin origin;
    char *domain;
    char *uuid;
    char *parent;
    char *type_id;
    gint64 created;
    gint64 pid;
    guint64 pid_start;
};

static const char *const state_names[] = {
    [VGPU_RECORD_CREATING] = "creating",
    [VGPU_RECORD_READY] = "ready",
    [VGPU_RECORD_REMOVING] = "removing",
};

/* ---- processes --------------------------------------------------------- */

/* Start time of @pid in clock ticks since boot (proc(5), /proc/PID/stat
 * field 22), or 0 if there is no such process. */
static guint64
process_start_time(gint64 pid)
{
    g_autofree char *path =
        g_strdup_printf("/proc/%" G_GINT64_FORMAT "/stat", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *after;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    after = strrchr(text, ')'); /* the command name may hold spaces */
    if (!after)
        return 0;
    fields = g_strsplit(after + 2, " ", 21);
    /* fields[0] is field 3 (state), so field 22 is fields[19]. */
    if (g_strv_length(fields) < 20)
        return 0;
    return g_ascii_strtoull(fields[19], NULL, 10);
}

/* ---- the state directory ------------------------------------------------ */

/* Refuses @fd (opened as @path) unless it is owned by the effective user
 * and not writable by group or others. */
static gboolean
check_trusted(int fd, const char *path, gboolean want_dir, GError **error)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        vgpu_set_system_error(error, errno, "inspect", path);
        return FALSE;
    }
    if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "refusing to use %s: it is not a %s; remove it (it is "
                    "recreated as needed)",
                    path, want_dir ? "directory" : "regular file");
        return FALSE;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "refusing to use %s: it is %s; only its owner may write "
                    "libvgpu's state: chown %u %s; chmod go-w %s",
                    path,
                    st.st_uid != geteuid() ? "owned by another user"
                                           : "writable by group or others",
                    (guint)geteuid(), path, path);
        return FALSE;
    }
    return TRUE;
}

/* Opens directory @name under @dir_fd without following a symlink,
 * creating it (mode 0700) if @create. Returns the fd, or -1: with errno
 * ENOENT and no error set when it is missing and !@create. */
static int
open_state_dir(int dir_fd, const char *name, const char *path, gboolean create,
               gboolean check, GError **error)
{
    int fd;

    if (create && mkdirat(dir_fd, name, 0700) != 0 && errno != EEXIST) {
        vgpu_set_system_error(error, errno, "create directory", path);
        return -1;
    }
    fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int errsv = errno;

        if (errsv == ENOENT && !create) {
            errno = ENOENT;
            return -1;
        }
        if (errsv == ELOOP || errsv == ENOTDIR) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                        "refusing to use %s: it is a symlink or not a "
                        "directory; remove it (libvgpu recreates it)",
                        path);
        } else {
            vgpu_set_system_error(error, errsv, "open directory", path);
        }
        return -1;
    }
    if (check && !check_trusted(fd, path, TRUE, error)) {
        close(fd);
        return -1;
    }
    return fd;
}

int
vgpu_state_open(VgpuContext *ctx, gboolean records, gboolean create,
                GError **error)
{
    g_autofree char *run = vgpu_context_build_path(ctx, "run");
    g_autofree char *state = vgpu_context_build_path(ctx, STATE_DIR);
    g_autofree char *mdevs =
        vgpu_context_build_path(ctx, STATE_DIR "/" RECORDS_NAME);
    int root_fd, run_fd, state_fd, fd;

    root_fd =
        open(vgpu_context_get_root(ctx), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) {
        vgpu_set_system_error(error, errno, "open host root",
                              vgpu_context_get_root(ctx));
        return -1;
    }
    /* run/ itself belongs to the system (root-owned 0755 on every
     * distribution); only what libvgpu creates is checked strictly. */
    run_fd = open_state_dir(root_fd, "run", run, create, FALSE, error);
    close(root_fd);
    if (run_fd < 0)
        return -1;
    state_fd = open_state_dir(run_fd, "libvgpu", state, create, TRUE, error);
    close(run_fd);
    if (state_fd < 0 || !records)
        return state_fd;
    fd = open_state_dir(state_fd, RECORDS_NAME, mdevs, create, TRUE, error);
    close(state_fd);
    return fd;
}

/* ---- the host lock ------------------------------------------------------ */

/* The holder line another waiter reads: "pid=… since=… op=…". */
static void
write_holder(int fd, const char *purpose)
{
    g_autofree char *line = g_strdup_printf(
        "pid=%d since=%" G_GINT64_FORMAT " op=%s\n", (int)getpid(),
        g_get_real_time() / G_USEC_PER_SEC, purpose ? purpose : "libvgpu");

    if (ftruncate(fd, 0) == 0 && pwrite(fd, line, strlen(line), 0) < 0) {
        /* informational only */
    }
}

/* "pid 4242 (release end of \"win11\", for 31 s)" from the lock file. */
static char *
describe_holder(int fd)
{
    char buf[LOCK_INFO_MAX];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    g_autofree char *op = NULL;
    gint64 pid = 0, since = 0;
    g_auto(GStrv) fields = NULL;
    g_autofree char *quoted = NULL;

    if (n <= 0)
        return g_strdup("another process (it did not say which)");
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    fields = g_strsplit(buf, " ", 3);
    for (guint i = 0; fields[i]; i++) {
        if (g_str_has_prefix(fields[i], "pid="))
            pid = g_ascii_strtoll(fields[i] + 4, NULL, 10);
        else if (g_str_has_prefix(fields[i], "since="))
            since = g_ascii_strtoll(fields[i] + 6, NULL, 10);
        else if (g_str_has_prefix(fields[i], "op="))
            op = g_strdup(fields[i] + 3);
    }
    quoted = vgpu_text_quote(op);
    return g_strdup_printf(
        "pid %" G_GINT64_FORMAT " (%s, for %" G_GINT64_FORMAT " s)", pid,
        quoted, MAX(g_get_real_time() / G_USEC_PER_SEC - since, 0));
}

VgpuHostLock *
vgpu_state_lock_host(VgpuContext *ctx, guint timeout_ms, const char *purpose,
                     GError **error)
{
    g_autofree char *path = NULL;
    VgpuHostLock *lock;
    gint64 deadline;
    gint64 pause = LOCK_POLL_MIN_US;
    int dir_fd, fd;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (timeout_ms == 0)
        timeout_ms = VGPU_LOCK_TIMEOUT_DEFAULT_MS;
    dir_fd = vgpu_state_open(ctx, FALSE, TRUE, error);
    if (dir_fd < 0)
        return NULL;
    path = vgpu_context_build_path(ctx, STATE_DIR "/" LOCK_NAME);
    fd = openat(dir_fd, LOCK_NAME,
                O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    close(dir_fd);
    if (fd < 0) {
        if (errno == ELOOP) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                        "refusing to use lock file %s: it is a symlink; "
                        "remove it (libvgpu recreates it)",
                        path);
        } else {
            vgpu_set_system_error(error, errno, "open lock file", path);
        }
        return NULL;
    }
    if (!check_trusted(fd, path, FALSE, error)) {
        close(fd);
        return NULL;
    }

    /* flock(2) has no timeout: poll LOCK_NB with a growing pause. */
    deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int errsv = errno;
            close(fd);
            vgpu_set_system_error(error, errsv, "lock", path);
            return NULL;
        }
        if (g_get_monotonic_time() >= deadline) {
            g_autofree char *holder = describe_holder(fd);
            close(fd);
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                        "the host lock %s is still held after %u ms by %s; "
                        "wait for it to finish, or see what holds it with "
                        "'fuser -v %s'",
                        path, timeout_ms, holder, path);
            return NULL;
        }
        g_usleep(pause);
        pause = MIN(pause * 2, LOCK_POLL_MAX_US);
    }
    write_holder(fd, purpose);
    lock = g_new0(VgpuHostLock, 1);
    lock->fd = fd;
    return lock;
}

void
vgpu_host_lock_release(VgpuHostLock *lock)
{
    if (!lock)
        return;
    /* The holder line names the holder only while it holds the lock. */
    if (ftruncate(lock->fd, 0) != 0) {
        /* informational only */
    }
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    g_free(lock);
}

/* ---- device ids -----------------------------------------------------------
 */

/* A record's file name: an mdev UUID or a VF's PCI address, canonical. */
static gboolean
device_id_is_valid(const char *id)
{
    return vgpu_uuid_is_valid(id) || vgpu_pci_address_is_valid(id);
}

static gboolean
check_device_id(const char *id, GError **error)
{
    g_autofree char *quoted = NULL;

    if (device_id_is_valid(id))
        return TRUE;
    quoted = vgpu_text_quote(id);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "%s is neither a canonical mdev UUID nor a PCI address "
                "(DDDD:BB:SS.F); a record is named by one of them",
                quoted);
    return FALSE;
}

/* ---- records ------------------------------------------------------------ */

const char *
vgpu_record_state_to_string(VgpuRecordState state)
{
    if ((guint)state >= G_N_ELEMENTS(state_names))
        return NULL;
    return state_names[state];
}

static gboolean
record_state_from_string(const char *text, VgpuRecordState *state)
{
    for (guint i = 0; text && i < G_N_ELEMENTS(state_names); i++) {
        if (g_str_equal(text, state_names[i])) {
            *state = (VgpuRecordState)i;
            return TRUE;
        }
    }
    return FALSE;
}

VgpuRecord *
vgpu_record_new(VgpuDeviceClass device_class, const char *domain,
                const char *uuid, const char *parent, const char *type_id)
{
    VgpuRecord *record;

    g_return_val_if_fail(vgpu_device_class_to_string(device_class), NULL);
    g_return_val_if_fail(domain != NULL, NULL);
    g_return_val_if_fail(uuid != NULL, NULL);
    g_return_val_if_fail(parent != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);

    record = g_new0(VgpuRecord, 1);
    record->device_class = device_class;
    record->state = VGPU_RECORD_READY;
    record->domain = g_strdup(domain);
    record->uuid = g_strdup(uuid);
    record->parent = g_strdup(parent);
    record->type_id = g_strdup(type_id);
    record->created = g_get_real_time() / G_USEC_PER_SEC;
    return record;
}

void
vgpu_record_free(VgpuRecord *record)
{
    if (!record)
        return;
    g_free(record->domain);
    g_free(record->uuid);
    g_free(record->parent);
    g_free(record->type_id);
    g_free(record);
}

void
vgpu_record_set_state(VgpuRecord *record, VgpuRecordState state)
{
    g_return_if_fail(record != NULL);
    g_return_if_fail(vgpu_record_state_to_string(state) != NULL);

    record->state = state;
    if (state == VGPU_RECORD_READY) {
        record->pid = 0;
        record->pid_start = 0;
    } else {
        record->pid = getpid();
        record->pid_start = process_start_time(record->pid);
    }
}

VgpuRecordState
vgpu_record_get_state(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, VGPU_RECORD_READY);
    return record->state;
}

VgpuDeviceClass
vgpu_record_get_device_class(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, VGPU_DEVICE_CLASS_MDEV);
    return record->device_class;
}

void
vgpu_record_set_origin(VgpuRecord *record, VgpuDeviceOrigin origin)
{
    g_return_if_fail(record != NULL);
    g_return_if_fail(vgpu_device_origin_to_string(origin) != NULL);
    record->origin = origin;
}

VgpuDeviceOrigin
vgpu_record_get_origin(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, VGPU_DEVICE_ORIGIN_REQUEST);
    return record->origin;
}

gint64
vgpu_record_get_owner_pid(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, 0);
    return record->pid;
}

gboolean
vgpu_record_is_in_progress(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, FALSE);

    if (record->state == VGPU_RECORD_READY || record->pid <= 0)
        return FALSE;
    if (record->pid == getpid())
        return FALSE; /* this process: not someone else's work */
    return process_start_time(record->pid) == record->pid_start &&
           record->pid_start != 0;
}

const char *
vgpu_record_get_domain(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, NULL);
    return record->domain;
}

const char *
vgpu_record_get_uuid(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, NULL);
    return record->uuid;
}

const char *
vgpu_record_get_parent(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, NULL);
    return record->parent;
}

const char *
vgpu_record_get_type_id(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, NULL);
    return record->type_id;
}

gint64
vgpu_record_get_created(const VgpuRecord *record)
{
    g_return_val_if_fail(record != NULL, 0);
    return record->created;
}

static char *
record_path(VgpuContext *ctx, const char *name)
{
    return g_build_filename(vgpu_context_get_root(ctx), STATE_DIR, RECORDS_NAME,
                            name, NULL);
}

static char *
record_to_data(const VgpuRecord *record, gsize *len)
{
    g_autoptr(GKeyFile) keyfile = g_key_file_new();

    g_key_file_set_string(keyfile, RECORD_GROUP, "domain", record->domain);
    g_key_file_set_string(keyfile, RECORD_GROUP, "uuid", record->uuid);
    g_key_file_set_string(keyfile, RECORD_GROUP, "class",
                          vgpu_device_class_to_string(record->device_class));
    g_key_file_set_string(keyfile, RECORD_GROUP, "parent", record->parent);
    g_key_file_set_string(keyfile, RECORD_GROUP, "type", record->type_id);
    g_key_file_set_int64(keyfile, RECORD_GROUP, "created", record->created);
    g_key_file_set_string(keyfile, RECORD_GROUP, "state",
                          vgpu_record_state_to_string(record->state));
    /* Only when not the default, so that records of requests stay as
     * libvgpu 0.1 wrote them; older readers ignore the key. */
    if (record->origin != VGPU_DEVICE_ORIGIN_REQUEST)
        g_key_file_set_string(keyfile, RECORD_GROUP, "origin",
                              vgpu_device_origin_to_string(record->origin));
    if (record->state != VGPU_RECORD_READY) {
        g_key_file_set_int64(keyfile, RECORD_GROUP, "pid", record->pid);
        g_key_file_set_uint64(keyfile, RECORD_GROUP, "pid_start",
                              record->pid_start);
    }
    return g_key_file_to_data(keyfile, len, NULL);
}

static gboolean
write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

gboolean
vgpu_state_save_record(VgpuContext *ctx, const VgpuRecord *record,
                       GError **error)
{
    g_autofree char *data = NULL;
    g_autofree char *temp = NULL;
    g_autofree char *path = NULL;
    gsize len;
    int dir_fd, fd, errsv = 0;

    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(record != NULL, FALSE);

    if (!check_device_id(record->uuid, error))
        return FALSE;
    dir_fd = vgpu_state_open(ctx, TRUE, TRUE, error);
    if (dir_fd < 0)
        return FALSE;

    data = record_to_data(record, &len);
    path = record_path(ctx, record->uuid);
    if (len > RECORD_MAX_BYTES) {
        close(dir_fd);
        g_set_error(
            error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
            "cannot record device %s: its domain name is %" G_GSIZE_FORMAT
            " bytes long, too long for an ownership record (at most "
            "%u bytes in all); give the domain a shorter name",
            record->uuid, strlen(record->domain), RECORD_MAX_BYTES);
        return FALSE;
    }
    temp = g_strdup_printf(TEMP_PREFIX "%s-%d", record->uuid, (int)getpid());
    /* A stale file of this name can only be ours from a reused pid. */
    unlinkat(dir_fd, temp, 0);
    /* Temporary file + rename: a reader or a crash sees the old record or
     * the new one, never half of one. No fsync: run/ is a tmpfs cleared
     * at boot, exactly when the devices the records describe vanish. */
    fd = openat(dir_fd, temp,
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        errsv = errno;
    } else {
        if (!write_all(fd, data, len))
            errsv = errno ? errno : EIO;
        if (close(fd) != 0 && errsv == 0)
            errsv = errno;
        if (errsv == 0 && renameat(dir_fd, temp, dir_fd, record->uuid) != 0)
            errsv = errno;
        if (errsv != 0)
            unlinkat(dir_fd, temp, 0);
    }
    close(dir_fd);
    if (errsv != 0) {
        vgpu_set_system_error(error, errsv, "write ownership record", path);
        return FALSE;
    }
    return TRUE;
}

/* Parses a record read from file @name; NULL with the reason in @why. */
static VgpuRecord *
record_from_data(const char *name, const char *data, gsize len, char **why)
{
    g_autoptr(GKeyFile) keyfile = g_key_file_new();
    g_autoptr(GError) local = NULL;
    g_autoptr(VgpuRecord) record = g_new0(VgpuRecord, 1);
    g_autofree char *uuid = NULL;
    g_autofree char *class_name = NULL;
    g_autofree char *state = NULL;
    g_autofree char *origin = NULL;

    if (!g_key_file_load_from_data(keyfile, data, len, G_KEY_FILE_NONE,
                                   &local)) {
        *why = g_strdup_printf("it does not parse (%s)", local->message);
        return NULL;
    }
    uuid = g_key_file_get_string(keyfile, RECORD_GROUP, "uuid", NULL);
    record->domain =
        g_key_file_get_string(keyfile, RECORD_GROUP, "domain", NULL);
    record->parent =
        g_key_file_get_string(keyfile, RECORD_GROUP, "parent", NULL);
    record->type_id =
        g_key_file_get_string(keyfile, RECORD_GROUP, "type", NULL);
    record->created =
        g_key_file_get_int64(keyfile, RECORD_GROUP, "created", NULL);
    if (!record->domain || !record->parent || !record->type_id || !uuid) {
        *why = g_strdup("keys domain, uuid, parent and type are required");
        return NULL;
    }
    /* The identity is the file name; content naming another device is
     * reported, never acted on. */
    if (!g_str_equal(uuid, name)) {
        g_autofree char *quoted = vgpu_text_quote(uuid);
        *why = g_strdup_printf("it names another device, %s", quoted);
        return NULL;
    }
    record->uuid = g_strdup(name);
    /* Records of libvgpu 0.1 have neither class nor state: a finished
     * mdev record. */
    class_name = g_key_file_get_string(keyfile, RECORD_GROUP, "class", NULL);
    record->device_class = VGPU_DEVICE_CLASS_MDEV;
    if (class_name &&
        !vgpu_device_class_from_string(class_name, &record->device_class)) {
        g_autofree char *quoted = vgpu_text_quote(class_name);
        *why = g_strdup_printf("unknown device class %s", quoted);
        return NULL;
    }
    state = g_key_file_get_string(keyfile, RECORD_GROUP, "state", NULL);
    record->state = VGPU_RECORD_READY;
    if (state && !record_state_from_string(state, &record->state)) {
        g_autofree char *quoted = vgpu_text_quote(state);
        *why = g_strdup_printf("unknown state %s", quoted);
        return NULL;
    }
    /* No origin (every record before libvgpu 0.2): a domain's request. */
    origin = g_key_file_get_string(keyfile, RECORD_GROUP, "origin", NULL);
    record->origin = VGPU_DEVICE_ORIGIN_REQUEST;
    if (origin && !vgpu_device_origin_from_string(origin, &record->origin)) {
        g_autofree char *quoted = vgpu_text_quote(origin);
        *why = g_strdup_printf("unknown origin %s", quoted);
        return NULL;
    }
    record->pid = g_key_file_get_int64(keyfile, RECORD_GROUP, "pid", NULL);
    record->pid_start =
        g_key_file_get_uint64(keyfile, RECORD_GROUP, "pid_start", NULL);
    return g_steal_pointer(&record);
}

/*
 * Reads record @name under @dir_fd: only a small regular file owned by us
 * is read (O_NOFOLLOW, O_NONBLOCK: a symlink or FIFO is refused without
 * blocking). Returns the record; NULL with @error NOT_FOUND when there is
 * none, or NULL with a one-line @anomaly when the file is not a record we
 * can trust.
 */
static VgpuRecord *
read_record(VgpuContext *ctx, int dir_fd, const char *name, char **anomaly,
            GError **error)
{
    g_autofree char *path = record_path(ctx, name);
    g_autofree char *why = NULL;
    g_autofree char *data = NULL;
    VgpuRecord *record = NULL;
    struct stat st;
    ssize_t n;
    int fd;

    fd = openat(dir_fd, name,
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                        "no ownership record %s: libvgpu did not create "
                        "this device",
                        path);
            return NULL;
        }
        why = errno == ELOOP ? g_strdup("it is a symlink")
                             : g_strdup(g_strerror(errno));
    } else if (fstat(fd, &st) != 0) {
        why = g_strdup(g_strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        why = g_strdup("it is not a regular file");
    } else if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        why = g_strdup("another user owns or may write it");
    } else if (st.st_size > RECORD_MAX_BYTES) {
        why = g_strdup_printf("it is %" G_GINT64_FORMAT " bytes, larger than "
                              "a record can be",
                              (gint64)st.st_size);
    } else if ((n = pread(fd, data = g_malloc(st.st_size + 1), st.st_size, 0)) <
               0) {
        why = g_strdup(g_strerror(errno));
    } else {
        record = record_from_data(name, data, (gsize)n, &why);
    }
    if (fd >= 0)
        close(fd);
    if (!record) {
        *anomaly = g_strdup_printf("ownership record %s is not used: %s; "
                                   "check it and delete it if its device "
                                   "is gone",
                                   path, why);
    }
    return record;
}

VgpuRecord *
vgpu_state_load_record(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autofree char *anomaly = NULL;
    g_autoptr(GError) local = NULL;
    VgpuRecord *record;
    int dir_fd;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!check_device_id(uuid, error))
        return NULL;
    dir_fd = vgpu_state_open(ctx, TRUE, FALSE, &local);
    if (dir_fd < 0) {
        if (!local)
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                        "no ownership record for %s: libvgpu did not "
                        "create this device",
                        uuid);
        else
            g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    record = read_record(ctx, dir_fd, uuid, &anomaly, error);
    close(dir_fd);
    if (!record && anomaly)
        g_set_error_literal(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                            anomaly);
    return record;
}

gboolean
vgpu_state_delete_record(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autoptr(GError) local = NULL;
    int dir_fd, errsv = 0;

    g_return_val_if_fail(ctx != NULL, FALSE);

    if (!check_device_id(uuid, error))
        return FALSE;
    dir_fd = vgpu_state_open(ctx, TRUE, FALSE, &local);
    if (dir_fd < 0) {
        if (!local)
            return TRUE; /* no state at all */
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (unlinkat(dir_fd, uuid, 0) != 0 && errno != ENOENT)
        errsv = errno;
    close(dir_fd);
    if (errsv != 0) {
        g_autofree char *path = record_path(ctx, uuid);
        vgpu_set_system_error(error, errsv, "delete ownership record", path);
        return FALSE;
    }
    return TRUE;
}

/* Sorted names in the directory of @dir_fd (which stays open). */
static GPtrArray *
list_names(int dir_fd)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    int fd = dup(dir_fd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *entry;

    if (!dir) {
        if (fd >= 0)
            close(fd);
        return names;
    }
    while ((entry = readdir(dir)) != NULL) {
        if (!g_str_equal(entry->d_name, ".") &&
            !g_str_equal(entry->d_name, ".."))
            g_ptr_array_add(names, g_strdup(entry->d_name));
    }
    closedir(dir);
    g_ptr_array_sort(names, vgpu_compare_names);
    return names;
}

GPtrArray *
vgpu_state_list_records(VgpuContext *ctx, const char *domain,
                        GPtrArray *anomalies, GError **error)
{
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GError) local = NULL;
    int dir_fd;

    g_return_val_if_fail(ctx != NULL, NULL);

    records = g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_record_free);
    dir_fd = vgpu_state_open(ctx, TRUE, FALSE, &local);
    if (dir_fd < 0) {
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        return g_steal_pointer(&records); /* no state yet */
    }
    names = list_names(dir_fd);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *anomaly = NULL;
        VgpuRecord *record;

        if (g_str_has_prefix(name, TEMP_PREFIX))
            continue; /* an in-flight save */
        if (!device_id_is_valid(name)) {
            g_autofree char *quoted = vgpu_text_quote(name);
            anomaly = g_strdup_printf(
                "%s in %s/%s is not an ownership record (not a device "
                "id); remove it",
                quoted, STATE_DIR, RECORDS_NAME);
            record = NULL;
        } else {
            record = read_record(ctx, dir_fd, name, &anomaly, NULL);
        }
        if (!record) {
            if (anomaly && anomalies)
                g_ptr_array_add(anomalies, g_steal_pointer(&anomaly));
            continue;
        }
        if (domain && !g_str_equal(record->domain, domain)) {
            vgpu_record_free(record);
            continue;
        }
        g_ptr_array_add(records, record);
    }
    close(dir_fd);
    return g_steal_pointer(&records);
}

guint
vgpu_state_clean_temporary(VgpuContext *ctx)
{
    g_autoptr(GPtrArray) names = NULL;
    guint removed = 0;
    int dir_fd = vgpu_state_open(ctx, TRUE, FALSE, NULL);

    if (dir_fd < 0)
        return 0;
    names = list_names(dir_fd);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);

        if (g_str_has_prefix(name, TEMP_PREFIX) &&
            unlinkat(dir_fd, name, 0) == 0)
            removed++;
    }
    close(dir_fd);
    return removed;
}

gboolean
vgpu_state_has_temporary(VgpuContext *ctx)
{
    g_autoptr(GPtrArray) names = NULL;
    int dir_fd = vgpu_state_open(ctx, TRUE, FALSE, NULL);

    if (dir_fd < 0)
        return FALSE;
    names = list_names(dir_fd);
    close(dir_fd);
    for (guint i = 0; i < names->len; i++) {
        if (g_str_has_prefix(g_ptr_array_index(names, i), TEMP_PREFIX))
            return TRUE;
    }
    return FALSE;
}
