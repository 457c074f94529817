/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - host state in `run/libvgpu/` under the root: the host lock and
 * ownership records of the mediated devices libvgpu created. `/run` is a
 * tmpfs cleared at boot, exactly when mediated devices vanish.
 */
#pragma once

#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

/**
 * VGPU_LOCK_TIMEOUT_DEFAULT_MS:
 *
 * How long vgpu_state_lock_host() waits for the host lock by default:
 * 30 000 ms (DESIGN.md, "Host root, state and locking").
 */
#define VGPU_LOCK_TIMEOUT_DEFAULT_MS 30000u

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
 * Opaque ownership record of one device that libvgpu created (or is
 * creating or removing): device class, domain name, device id (mdev
 * UUID), parent device, type, creation time, state and the process working
 * on it (docs/engine.md, "Ownership records").
 */
typedef struct _VgpuRecord VgpuRecord;

/**
 * VgpuRecordState:
 * @VGPU_RECORD_CREATING: written before the device is created; a device
 *   present with this state is libvgpu's even if its creator died.
 * @VGPU_RECORD_READY: the device exists and belongs to the domain.
 * @VGPU_RECORD_REMOVING: written before the device is removed; dropped
 *   once it is gone.
 *
 * Where a device is in its life; see docs/engine.md, "States of a device".
 */
typedef enum {
    VGPU_RECORD_CREATING,
    VGPU_RECORD_READY,
    VGPU_RECORD_REMOVING,
} VgpuRecordState;

/**
 * vgpu_state_lock_host:
 * @ctx: a context
 * @timeout_ms: how long to wait for the lock; 0 means
 *   %VGPU_LOCK_TIMEOUT_DEFAULT_MS
 * @purpose: (nullable): what the lock is taken for, e.g. `prepare begin
 *   of "win11"`; written into the lock file so that a waiter that gives
 *   up can name the holder
 * @error: return location for a #GError, or %NULL
 *
 * Creates `run/libvgpu/` (mode 0700) if needed and takes an exclusive
 * `flock(2)` on `run/libvgpu/lock` (0600), polling for at most
 * @timeout_ms. The state directory and lock file must not be symlinks and
 * must be owned by the effective user and not writable by group or
 * others. Decisions, `create` writes and record changes run under this
 * lock; `remove` writes and waits for a device to vanish never do
 * (docs/engine.md, "Lock discipline").
 *
 * Returns: (transfer full): the held lock, or %NULL with
 *   %VGPU_ERROR_BUSY (still held after @timeout_ms; the message names the
 *   holder's pid, purpose and for how long it has held it),
 *   %VGPU_ERROR_UNSUPPORTED (an untrusted state directory or lock file,
 *   naming it and the fix) or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC VgpuHostLock *vgpu_state_lock_host(VgpuContext *ctx,
                                               guint timeout_ms,
                                               const char *purpose,
                                               GError **error);

/** vgpu_host_lock_release: @lock: (nullable): unlocks and frees; accepts
 * %NULL. */
VGPU_PUBLIC void vgpu_host_lock_release(VgpuHostLock *lock);

/**
 * vgpu_record_new:
 * @device_class: the device class
 * @domain: libvirt domain name
 * @uuid: the device id: canonical lowercase mdev UUID or VF PCI address
 * @parent: parent device name
 * @type_id: type id
 *
 * Returns: (transfer full): a record in state %VGPU_RECORD_READY, stamped
 *   with the current wall-clock time (seconds since the Unix epoch).
 */
VGPU_PUBLIC VgpuRecord *vgpu_record_new(VgpuDeviceClass device_class,
                                        const char *domain, const char *uuid,
                                        const char *parent,
                                        const char *type_id);
/** vgpu_record_free: @record: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_record_free(VgpuRecord *record);

/**
 * vgpu_record_set_state:
 * @record: a record
 * @state: its new state
 *
 * Sets the state; %VGPU_RECORD_CREATING and %VGPU_RECORD_REMOVING also
 * make the calling process the record's owner (its pid and start time,
 * from `/proc/self/stat`), %VGPU_RECORD_READY clears the owner. Takes
 * effect on disk with vgpu_state_save_record().
 */
VGPU_PUBLIC void vgpu_record_set_state(VgpuRecord *record,
                                       VgpuRecordState state);
/** vgpu_record_get_state: Returns: the record's state. */
VGPU_PUBLIC VgpuRecordState vgpu_record_get_state(const VgpuRecord *record);
/** vgpu_record_state_to_string: Returns: (transfer none) (nullable):
 * "creating", "ready" or "removing"; %NULL for other values. */
VGPU_PUBLIC const char *vgpu_record_state_to_string(VgpuRecordState state);
/** vgpu_record_get_device_class: Returns: the device class. */
VGPU_PUBLIC VgpuDeviceClass
vgpu_record_get_device_class(const VgpuRecord *record);
/**
 * vgpu_record_set_origin:
 * @record: a record
 * @origin: where the device's definition came from (the request's
 *   vgpu_request_get_origin())
 *
 * Records of origin %VGPU_DEVICE_ORIGIN_MDEVCTL are saved with the key
 * `origin=mdevctl`, which libvgpu before 0.2 ignores; records without the
 * key (every older record) read as %VGPU_DEVICE_ORIGIN_REQUEST. Takes
 * effect on disk with vgpu_state_save_record().
 */
VGPU_PUBLIC void vgpu_record_set_origin(VgpuRecord *record,
                                        VgpuDeviceOrigin origin);
/** vgpu_record_get_origin: Returns: where the device's definition came
 * from: %VGPU_DEVICE_ORIGIN_MDEVCTL when libvgpu started it from an
 * mdevctl definition. */
VGPU_PUBLIC VgpuDeviceOrigin vgpu_record_get_origin(const VgpuRecord *record);
/** vgpu_record_get_owner_pid: Returns: pid of the process creating or
 * removing the device, 0 for a ready record. */
VGPU_PUBLIC gint64 vgpu_record_get_owner_pid(const VgpuRecord *record);

/**
 * vgpu_record_is_in_progress:
 * @record: a record
 *
 * Returns: %TRUE if the record is creating or removing and its owner is
 *   another process that is still alive (same pid and same start time in
 *   `/proc/PID/stat`, so a reused pid does not count); %FALSE for a ready
 *   record, one this process owns, or one whose owner died.
 */
VGPU_PUBLIC gboolean vgpu_record_is_in_progress(const VgpuRecord *record);
/** vgpu_record_get_domain: Returns: (transfer none): the domain name. */
VGPU_PUBLIC const char *vgpu_record_get_domain(const VgpuRecord *record);
/** vgpu_record_get_uuid: Returns: (transfer none): the device id (mdev
 * UUID), which is also the record's file name. */
VGPU_PUBLIC const char *vgpu_record_get_uuid(const VgpuRecord *record);
/** vgpu_record_get_parent: Returns: (transfer none): the parent device. */
VGPU_PUBLIC const char *vgpu_record_get_parent(const VgpuRecord *record);
/** vgpu_record_get_type_id: Returns: (transfer none): the type id. */
VGPU_PUBLIC const char *vgpu_record_get_type_id(const VgpuRecord *record);
/** vgpu_record_get_created: Returns: creation time, seconds since epoch. */
VGPU_PUBLIC gint64 vgpu_record_get_created(const VgpuRecord *record);

/**
 * vgpu_state_save_record:
 * @ctx: a context
 * @record: the record
 * @error: return location for a #GError, or %NULL
 *
 * Writes `run/libvgpu/mdevs/<uuid>` (a key file, mode 0600) atomically: a
 * temporary file `.tmp-<uuid>-<pid>` created with `O_EXCL|O_NOFOLLOW`,
 * then renameat(2), so a reader or a crash sees the old record or the new
 * one, never half of one. There is no fsync: `/run` is a tmpfs cleared at
 * boot, exactly when the devices the records describe vanish. Callers hold
 * the host lock.
 *
 * Returns: %TRUE on success, %FALSE with %VGPU_ERROR_SYSTEM,
 *   %VGPU_ERROR_UNSUPPORTED (untrusted state directory) or
 *   %VGPU_ERROR_INVALID_INPUT (bad UUID; a record over 64 KiB, i.e. an
 *   absurdly long domain name, which could not be read back).
 */
VGPU_PUBLIC gboolean vgpu_state_save_record(VgpuContext *ctx,
                                            const VgpuRecord *record,
                                            GError **error);

/**
 * vgpu_state_load_record:
 * @ctx: a context
 * @uuid: the device id: canonical mdev UUID or VF PCI address
 * @error: return location for a #GError, or %NULL
 *
 * Reads the record named @uuid. Only a regular file of at most 64 KiB,
 * owned by the effective user and not writable by others, whose `uuid`
 * key equals its name, is trusted; it is opened with `O_NOFOLLOW` and
 * `O_NONBLOCK` (a symlink or FIFO is refused without blocking). Records of
 * libvgpu 0.1 (no class or state) are read as ready mdev records.
 *
 * Returns: (transfer full): the record, or %NULL with %VGPU_ERROR_NOT_FOUND
 *   (libvgpu did not create this device), %VGPU_ERROR_INVALID_INPUT (bad
 *   UUID, or a record that is not trusted, naming the file and why),
 *   %VGPU_ERROR_UNSUPPORTED (untrusted state directory) or
 *   %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC VgpuRecord *
vgpu_state_load_record(VgpuContext *ctx, const char *uuid, GError **error);

/**
 * vgpu_state_delete_record:
 * @ctx: a context
 * @uuid: the device id: canonical mdev UUID or VF PCI address
 * @error: return location for a #GError, or %NULL
 *
 * Removes the record (unlinkat(2) of the name: never follows a symlink);
 * a missing record is not an error.
 *
 * Returns: %TRUE on success, %FALSE with %VGPU_ERROR_SYSTEM,
 *   %VGPU_ERROR_UNSUPPORTED (untrusted state directory) or
 *   %VGPU_ERROR_INVALID_INPUT (bad UUID; a record over 64 KiB, i.e. an
 *   absurdly long domain name, which could not be read back).
 */
VGPU_PUBLIC gboolean vgpu_state_delete_record(VgpuContext *ctx,
                                              const char *uuid, GError **error);

/**
 * vgpu_state_list_records:
 * @ctx: a context
 * @domain: (nullable): only records of this domain; %NULL for all
 * @anomalies: (nullable) (element-type utf8): caller-owned array (with
 *   g_free as free function) to which one line is appended for every file
 *   in `run/libvgpu/mdevs/` that is not a trusted record (see
 *   vgpu_state_load_record()); such files are skipped either way
 * @error: return location for a #GError, or %NULL
 *
 * Temporary files of in-flight saves are skipped silently.
 *
 * Returns: (transfer full) (element-type VgpuRecord): records sorted by
 *   UUID (empty if none or no state directory yet), or %NULL with
 *   %VGPU_ERROR_UNSUPPORTED (untrusted state directory) or
 *   %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC GPtrArray *vgpu_state_list_records(VgpuContext *ctx,
                                               const char *domain,
                                               GPtrArray *anomalies,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuHostLock, vgpu_host_lock_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuRecord, vgpu_record_free)

G_END_DECLS
