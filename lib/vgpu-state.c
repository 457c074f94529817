/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - host lock and ownership records in run/libvgpu/.
 *
 *   run/libvgpu/lock          flock(2) target, never removed
 *   run/libvgpu/mdevs/<uuid>  one GKeyFile per mediated device libvgpu
 *                             created:
 *                               [mdev]
 *                               domain=win11
 *                               uuid=...
 *                               parent=0000:05:00.0
 *                               type=nvidia-65
 *                               created=1763686800
 */
#include <libvgpu/vgpu-state.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define STATE_DIR "run/libvgpu"
#define RECORDS_DIR "run/libvgpu/mdevs"
#define RECORD_GROUP "mdev"

struct _VgpuHostLock {
    int fd;
};

struct _VgpuRecord {
    char *domain;
    char *uuid;
    char *parent;
    char *type_id;
    gint64 created;
};

static gboolean
ensure_dir(VgpuContext *ctx, const char *relative, GError **error)
{
    g_autofree char *path = vgpu_context_build_path(ctx, relative);

    if (g_mkdir_with_parents(path, 0755) != 0) {
        vgpu_set_system_error(error, errno, "create directory", path);
        return FALSE;
    }
    return TRUE;
}

VgpuHostLock *
vgpu_state_lock_host(VgpuContext *ctx, GError **error)
{
    g_autofree char *path = NULL;
    VgpuHostLock *lock;
    int fd;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!ensure_dir(ctx, STATE_DIR, error))
        return NULL;
    path = vgpu_context_build_path(ctx, STATE_DIR "/lock");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        vgpu_set_system_error(error, errno, "open lock file", path);
        return NULL;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int errsv = errno;
            close(fd);
            vgpu_set_system_error(error, errsv, "lock", path);
            return NULL;
        }
    }
    lock = g_new0(VgpuHostLock, 1);
    lock->fd = fd;
    return lock;
}

void
vgpu_host_lock_release(VgpuHostLock *lock)
{
    if (!lock)
        return;
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    g_free(lock);
}

VgpuRecord *
vgpu_record_new(const char *domain, const char *uuid, const char *parent,
                const char *type_id)
{
    VgpuRecord *record;

    g_return_val_if_fail(domain != NULL, NULL);
    g_return_val_if_fail(uuid != NULL, NULL);
    g_return_val_if_fail(parent != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);

    record = g_new0(VgpuRecord, 1);
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
record_path(VgpuContext *ctx, const char *uuid)
{
    return g_build_filename(vgpu_context_get_root(ctx), RECORDS_DIR, uuid,
                            NULL);
}

gboolean
vgpu_state_save_record(VgpuContext *ctx, const VgpuRecord *record,
                       GError **error)
{
    g_autoptr(GKeyFile) keyfile = g_key_file_new();
    g_autofree char *path = NULL;
    g_autofree char *data = NULL;
    g_autoptr(GError) local = NULL;
    gsize len;

    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(record != NULL, FALSE);

    if (!vgpu_uuid_check(record->uuid, error) ||
        !ensure_dir(ctx, RECORDS_DIR, error))
        return FALSE;

    g_key_file_set_string(keyfile, RECORD_GROUP, "domain", record->domain);
    g_key_file_set_string(keyfile, RECORD_GROUP, "uuid", record->uuid);
    g_key_file_set_string(keyfile, RECORD_GROUP, "parent", record->parent);
    g_key_file_set_string(keyfile, RECORD_GROUP, "type", record->type_id);
    g_key_file_set_int64(keyfile, RECORD_GROUP, "created", record->created);
    data = g_key_file_to_data(keyfile, &len, NULL);

    path = record_path(ctx, record->uuid);
    /* Temporary file + rename: readers see the old record or the new
     * one, never half of one. No fsync: run/ is a tmpfs cleared at boot,
     * exactly when the devices the records describe vanish. */
    if (!g_file_set_contents_full(path, data, (gssize)len,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                  &local)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot write ownership record %s: %s", path,
                    local->message);
        return FALSE;
    }
    return TRUE;
}

static VgpuRecord *
record_from_file(const char *path, GError **error)
{
    g_autoptr(GKeyFile) keyfile = g_key_file_new();
    g_autoptr(GError) local = NULL;
    g_autoptr(VgpuRecord) record = g_new0(VgpuRecord, 1);

    if (!g_key_file_load_from_file(keyfile, path, G_KEY_FILE_NONE, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                        "no ownership record %s: libvgpu did not create "
                        "this mediated device",
                        path);
        } else {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "corrupt ownership record %s: %s", path,
                        local->message);
        }
        return NULL;
    }
    record->domain =
        g_key_file_get_string(keyfile, RECORD_GROUP, "domain", NULL);
    record->uuid = g_key_file_get_string(keyfile, RECORD_GROUP, "uuid", NULL);
    record->parent =
        g_key_file_get_string(keyfile, RECORD_GROUP, "parent", NULL);
    record->type_id =
        g_key_file_get_string(keyfile, RECORD_GROUP, "type", NULL);
    record->created =
        g_key_file_get_int64(keyfile, RECORD_GROUP, "created", NULL);
    if (!record->domain || !record->parent || !record->type_id ||
        !vgpu_uuid_is_valid(record->uuid)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "corrupt ownership record %s: keys domain, uuid, "
                    "parent and type are required; delete the file if the "
                    "device is gone",
                    path);
        return NULL;
    }
    return g_steal_pointer(&record);
}

VgpuRecord *
vgpu_state_load_record(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autofree char *path = NULL;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!vgpu_uuid_check(uuid, error))
        return NULL;
    path = record_path(ctx, uuid);
    return record_from_file(path, error);
}

gboolean
vgpu_state_delete_record(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autofree char *path = NULL;

    g_return_val_if_fail(ctx != NULL, FALSE);

    if (!vgpu_uuid_check(uuid, error))
        return FALSE;
    path = record_path(ctx, uuid);
    if (unlink(path) != 0 && errno != ENOENT) {
        vgpu_set_system_error(error, errno, "delete ownership record", path);
        return FALSE;
    }
    return TRUE;
}

GPtrArray *
vgpu_state_list_records(VgpuContext *ctx, const char *domain, GError **error)
{
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GPtrArray) records = NULL;

    g_return_val_if_fail(ctx != NULL, NULL);

    dir = vgpu_context_build_path(ctx, RECORDS_DIR);
    names = vgpu_sysfs_list_dir(dir, error);
    if (!names)
        return NULL;
    records = g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_record_free);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *path = NULL;
        VgpuRecord *record;

        if (!vgpu_uuid_is_valid(name))
            continue; /* temporary files of an in-flight save */
        path = g_build_filename(dir, name, NULL);
        record = record_from_file(path, NULL);
        if (!record)
            continue;
        if (domain && !g_str_equal(record->domain, domain)) {
            vgpu_record_free(record);
            continue;
        }
        g_ptr_array_add(records, record);
    }
    return g_steal_pointer(&records);
}
