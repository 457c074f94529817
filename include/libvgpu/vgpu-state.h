/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - host state in `run/libvgpu/` under the root: the host lock and
 * ownership records of the mediated devices libvgpu created. `/run` is a
 * tmpfs cleared at boot, exactly when mediated devices vanish.
 */
#pragma once

#include <libvgpu/vgpu-context.h>

G_BEGIN_DECLS

/**
 * VgpuHostLock:
 *
 * Opaque handle of the host-wide lock (`flock(LOCK_EX)` on
 * `run/libvgpu/lock`). Released by vgpu_host_lock_release() or when the
 * process exits.
 */
typedef struct _VgpuHostLock VgpuHostLock;

/**
 * VgpuRecord:
 *
 * Opaque ownership record of one mediated device that libvgpu created:
 * domain name, mdev UUID, parent device, mdev type, creation time.
 */
typedef struct _VgpuRecord VgpuRecord;

/**
 * vgpu_state_lock_host:
 * @ctx: a context
 * @error: return location for a #GError, or %NULL
 *
 * Creates `run/libvgpu/` (mode 0755) if needed and takes an exclusive
 * `flock` on `run/libvgpu/lock`, waiting as long as another process holds
 * it. Every allocate+create and every remove runs under this lock, so two
 * `virsh start`s racing for the last instance cannot both pick it.
 *
 * Returns: (transfer full): the held lock, or %NULL with
 *   %VGPU_ERROR_SYSTEM (cannot create the directory or lock file).
 */
VGPU_PUBLIC VgpuHostLock *vgpu_state_lock_host(VgpuContext *ctx,
                                               GError **error);

/** vgpu_host_lock_release: @lock: (nullable): unlocks and frees; accepts
 * %NULL. */
VGPU_PUBLIC void vgpu_host_lock_release(VgpuHostLock *lock);

/**
 * vgpu_record_new:
 * @domain: libvirt domain name
 * @uuid: canonical lowercase mdev UUID
 * @parent: parent device name
 * @type_id: mdev type id
 *
 * Returns: (transfer full): a record stamped with the current wall-clock
 *   time (seconds since the Unix epoch).
 */
VGPU_PUBLIC VgpuRecord *vgpu_record_new(const char *domain, const char *uuid,
                                        const char *parent,
                                        const char *type_id);
/** vgpu_record_free: @record: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_record_free(VgpuRecord *record);
/** vgpu_record_get_domain: Returns: (transfer none): the domain name. */
VGPU_PUBLIC const char *vgpu_record_get_domain(const VgpuRecord *record);
/** vgpu_record_get_uuid: Returns: (transfer none): the mdev UUID. */
VGPU_PUBLIC const char *vgpu_record_get_uuid(const VgpuRecord *record);
/** vgpu_record_get_parent: Returns: (transfer none): the parent device. */
VGPU_PUBLIC const char *vgpu_record_get_parent(const VgpuRecord *record);
/** vgpu_record_get_type_id: Returns: (transfer none): the mdev type id. */
VGPU_PUBLIC const char *vgpu_record_get_type_id(const VgpuRecord *record);
/** vgpu_record_get_created: Returns: creation time, seconds since epoch. */
VGPU_PUBLIC gint64 vgpu_record_get_created(const VgpuRecord *record);

/**
 * vgpu_state_save_record:
 * @ctx: a context
 * @record: the record
 * @error: return location for a #GError, or %NULL
 *
 * Writes `run/libvgpu/mdevs/<uuid>` (a key file) atomically: temporary file
 * then rename(2), so a reader or a crash sees the old record or the new
 * one, never half of one. There is no fsync: `/run` is a tmpfs cleared at
 * boot, exactly when the devices the records describe vanish. Callers hold
 * the host lock.
 *
 * Returns: %TRUE on success, %FALSE with %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC gboolean vgpu_state_save_record(VgpuContext *ctx,
                                            const VgpuRecord *record,
                                            GError **error);

/**
 * vgpu_state_load_record:
 * @ctx: a context
 * @uuid: canonical lowercase mdev UUID
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the record, or %NULL with %VGPU_ERROR_NOT_FOUND
 *   (libvgpu did not create this device), %VGPU_ERROR_INVALID_INPUT (bad
 *   UUID or corrupt record, naming the file) or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC VgpuRecord *vgpu_state_load_record(VgpuContext *ctx,
                                               const char *uuid,
                                               GError **error);

/**
 * vgpu_state_delete_record:
 * @ctx: a context
 * @uuid: canonical lowercase mdev UUID
 * @error: return location for a #GError, or %NULL
 *
 * Removes the record; a missing record is not an error.
 *
 * Returns: %TRUE on success, %FALSE with %VGPU_ERROR_SYSTEM or
 *   %VGPU_ERROR_INVALID_INPUT (bad UUID).
 */
VGPU_PUBLIC gboolean vgpu_state_delete_record(VgpuContext *ctx,
                                              const char *uuid,
                                              GError **error);

/**
 * vgpu_state_list_records:
 * @ctx: a context
 * @domain: (nullable): only records of this domain; %NULL for all
 * @error: return location for a #GError, or %NULL
 *
 * Corrupt or vanished record files are skipped.
 *
 * Returns: (transfer full) (element-type VgpuRecord): records sorted by
 *   UUID (empty if none), or %NULL with %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC GPtrArray *vgpu_state_list_records(VgpuContext *ctx,
                                               const char *domain,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuHostLock, vgpu_host_lock_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuRecord, vgpu_record_free)

G_END_DECLS
