/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the engine: prepare, release and reconcile a domain's vGPUs as
 * transactions that survive a crash at any point (docs/engine.md). The
 * qemu hook is a thin protocol layer over it; other C programs that manage
 * domains can call it directly.
 */
#pragma once

#include <libvgpu/vgpu-config.h>
#include <libvgpu/vgpu-context.h>
#include <libvgpu/vgpu-request.h>

G_BEGIN_DECLS

/**
 * VgpuEngineEvent:
 * @VGPU_ENGINE_EVENT_CREATED: a device was created for a domain.
 * @VGPU_ENGINE_EVENT_ADOPTED: a device left by a killed prepare (record
 *   still `creating`) was taken over for its domain.
 * @VGPU_ENGINE_EVENT_REMOVED: a device libvgpu created is gone.
 * @VGPU_ENGINE_EVENT_LEFT: a device was still present when the deadline
 *   passed; its record stays for the next release or `vgpuctl gc`.
 * @VGPU_ENGINE_EVENT_REFUSED: a prepare failed; the message is the error.
 * @VGPU_ENGINE_EVENT_DROPPED: a record whose device is gone was dropped.
 * @VGPU_ENGINE_EVENT_ANOMALY: something found and reported but not acted
 *   on: an untrusted record file, a record that disagrees with its device.
 * @VGPU_ENGINE_EVENT_CONFIG: a warning about the host configuration.
 * @VGPU_ENGINE_EVENT_PENDING: a record another live process is working
 *   on was skipped.
 * @VGPU_ENGINE_EVENT_REMOVING: a device is about to be removed (or, in a
 *   dry run, would be); the removals follow without the host lock, within
 *   one deadline (`remove_timeout_ms`) that starts after the last of these.
 *
 * What an engine call reports through #VgpuEngineEventFunc.
 */
typedef enum {
    VGPU_ENGINE_EVENT_CREATED,
    VGPU_ENGINE_EVENT_ADOPTED,
    VGPU_ENGINE_EVENT_REMOVED,
    VGPU_ENGINE_EVENT_LEFT,
    VGPU_ENGINE_EVENT_REFUSED,
    VGPU_ENGINE_EVENT_DROPPED,
    VGPU_ENGINE_EVENT_ANOMALY,
    VGPU_ENGINE_EVENT_CONFIG,
    VGPU_ENGINE_EVENT_PENDING,
    VGPU_ENGINE_EVENT_REMOVING,
} VgpuEngineEvent;

/**
 * VgpuEngineEventFunc:
 * @event: what happened
 * @message: one line (every untrusted value quoted and cut), e.g.
 *   `created mediated device 2ccb… (nvidia-65 on 0000:05:00.0) for domain
 *   "win11"`
 * @user_data: #VgpuEngineOptions.event_data
 *
 * Receives the engine's reports. Called from the calling thread, never
 * with the host lock held across a callback that could block it long.
 */
typedef void (*VgpuEngineEventFunc)(VgpuEngineEvent event, const char *message,
                                    gpointer user_data);

/**
 * VgpuEngineFlags:
 * @VGPU_ENGINE_NONE: no flags.
 * @VGPU_ENGINE_DRY_RUN: vgpu_engine_reconcile() and vgpu_engine_prepare()
 *   only report what they would do: no lock, no write, no device created
 *   or removed; sysfs and the records are read as they are now.
 *
 * Flags of #VgpuEngineOptions.
 */
typedef enum {
    VGPU_ENGINE_NONE = 0,
    VGPU_ENGINE_DRY_RUN = 1 << 0,
} VgpuEngineFlags;

/**
 * VgpuEnginePlacement:
 * @request: the request (one of those passed to vgpu_engine_prepare())
 * @parent: where its device is or goes: the mdev's parent device, or for
 *   a VF-backed request the GPU (physical function) of the VF it pins
 * @exists: %TRUE when the device exists already and is used as it is
 * @reason: (nullable): one line saying why there, e.g. "placement policy
 *   pack: 1 of 2 instances free" (counted before this device), "pinned
 *   parent: …", "pinned VF: it lists nvidia-1153 in creatable_vgpu_types
 *   now", "exists already, created for this domain"
 *
 * Where vgpu_engine_prepare() put (or, in a dry run, would put) one
 * request. Valid only during the #VgpuEnginePlacementFunc call.
 *
 * Since: options version 2
 */
typedef struct {
    const VgpuRequest *request;
    const char *parent;
    gboolean exists;
    const char *reason;
} VgpuEnginePlacement;

/**
 * VgpuEnginePlacementFunc:
 * @placement: one request's placement (transfer none)
 * @user_data: #VgpuEngineOptions.placement_data
 *
 * Receives, from vgpu_engine_prepare(), one call per request in the order
 * they were decided: first the devices that exist already, then each
 * missing one when it was created (in a dry run: placed, counting the
 * earlier placements of the same call as used). A refused prepare stops
 * at the request refused; what was reported before it still stands in a
 * dry run (in a real run it was rolled back). Called from the calling
 * thread; in a real run with the host lock held, so it must not block.
 */
typedef void (*VgpuEnginePlacementFunc)(const VgpuEnginePlacement *placement,
                                        gpointer user_data);

/**
 * VGPU_ENGINE_OPTIONS_VERSION:
 *
 * The version of #VgpuEngineOptions this header describes: 2 (version 1
 * ends before @placement; the engine accepts both).
 */
#define VGPU_ENGINE_OPTIONS_VERSION 2

/**
 * VgpuEngineOptions:
 * @version: %VGPU_ENGINE_OPTIONS_VERSION (set by
 *   vgpu_engine_options_init()); lets the struct grow compatibly
 * @flags: #VgpuEngineFlags
 * @config: (nullable): host configuration to use; %NULL loads
 *   `etc/libvgpu/libvgpu.conf` (its warnings are reported as
 *   %VGPU_ENGINE_EVENT_CONFIG). Never written into the context.
 * @lock_timeout_ms: bound on waiting for the host lock; 0 means
 *   %VGPU_LOCK_TIMEOUT_DEFAULT_MS
 * @event: (nullable): receives every report
 * @event_data: passed to @event
 * @running_domains: (nullable) (array zero-terminated=1):
 * vgpu_engine_reconcile() only: names of the domains running, as learnt from
 * libvirt before the call; %NULL when unknown (then no device of a ready record
 * is removed)
 * @running_checked_at: when @running_domains was learnt, seconds since the
 *   epoch; records created later are left alone
 * @placement: (nullable): vgpu_engine_prepare() only: receives where each
 *   request is or goes (version 2)
 * @placement_data: passed to @placement (version 2)
 *
 * Options of the engine calls, in the style of libgit2's `*_options`:
 * initialise with vgpu_engine_options_init() or
 * %VGPU_ENGINE_OPTIONS_INIT, then set fields.
 */
typedef struct {
    guint version;
    guint flags;
    const VgpuConfig *config;
    guint lock_timeout_ms;
    VgpuEngineEventFunc event;
    gpointer event_data;
    const char *const *running_domains;
    gint64 running_checked_at;
    VgpuEnginePlacementFunc placement;
    gpointer placement_data;
} VgpuEngineOptions;

/**
 * VGPU_ENGINE_OPTIONS_INIT:
 *
 * Static initialiser of #VgpuEngineOptions with the defaults.
 */
#define VGPU_ENGINE_OPTIONS_INIT                                               \
    {                                                                          \
        VGPU_ENGINE_OPTIONS_VERSION, 0, NULL, 0, NULL, NULL, NULL, 0, NULL,    \
            NULL                                                               \
    }

/**
 * vgpu_engine_options_init:
 * @options: (out caller-allocates): options to fill with the defaults
 */
VGPU_PUBLIC void vgpu_engine_options_init(VgpuEngineOptions *options);

/**
 * vgpu_engine_prepare:
 * @ctx: a context
 * @domain: the domain name (as libvirt names it)
 * @requests: (element-type VgpuRequest): the devices the domain needs now,
 *   at most %VGPU_REQUESTS_MAX (e.g. from vgpu_domain_xml_list_requests(),
 *   keeping those with a hostdev)
 * @options: (nullable): options; %NULL for the defaults
 * @error: return location for a #GError, or %NULL
 *
 * Makes every requested device exist, as one transaction (docs/engine.md,
 * "Prepare"): under the host lock, settles records this domain left
 * behind when a run was killed (adopting devices whose record is still
 * `creating`, removing those whose record is `removing` — without the
 * lock), checks devices that exist already (type must match; another
 * domain's device is refused), checks capacity per type, then for each
 * missing device chooses a parent (vgpu_alloc_choose_parent()), writes the
 * ownership record `creating`, creates the device and marks the record
 * `ready`. On any failure the devices this call created are removed
 * (without the lock) and their records dropped. Each request's placement
 * goes to #VgpuEngineOptions.placement.
 *
 * With %VGPU_ENGINE_DRY_RUN it answers "would this domain start now, and
 * where?" without side effects (`vgpuctl plan`): no lock is taken, nothing
 * is written; what settling would do is reported as events worded "would
 * …", each missing device is placed as if the ones placed before it in
 * this call existed (mdev: one instance less on its parent and, for
 * NVIDIA types, no other type on its GPU), and a refusal is the error —
 * and the one line — the real prepare would give now (a VF-backed
 * request is checked against its pinned VF as it is; devices that a
 * killed run left `removing` count as gone). Sysfs can change before a
 * real start; the kernel has the last word.
 *
 * Requests made from mdevctl definitions
 * (vgpu_mdevctl_definition_to_request()) are handled the same way on their
 * defined parent; their record says `origin=mdevctl`, and the definition's
 * attributes are written to the new device, in order, before the record
 * is marked `ready` (a failed write fails the transaction). A `creating`
 * record of that origin left by a killed run is not adopted: its device is
 * removed and created again with its attributes.
 *
 * Returns: %TRUE when every device exists (dry run: would exist); %FALSE with
 *   %VGPU_ERROR_NO_CAPACITY, %VGPU_ERROR_NOT_FOUND (no parent offers the
 *   type), %VGPU_ERROR_EXISTS (another domain's device),
 *   %VGPU_ERROR_UNSUPPORTED (an existing device of another type; an
 *   untrusted state directory), %VGPU_ERROR_BUSY (host lock held too
 *   long; a device of this domain is still being removed),
 *   %VGPU_ERROR_INVALID_INPUT (too many requests) or %VGPU_ERROR_SYSTEM.
 *   The message is one line meant for the `virsh start` user.
 */
VGPU_PUBLIC gboolean vgpu_engine_prepare(VgpuContext *ctx, const char *domain,
                                         GPtrArray *requests,
                                         const VgpuEngineOptions *options,
                                         GError **error);

/**
 * vgpu_engine_release:
 * @ctx: a context
 * @domain: the domain name
 * @options: (nullable): options; %NULL for the defaults
 * @error: return location for a #GError, or %NULL
 *
 * Removes every device recorded as created for @domain (docs/engine.md,
 * "Release"): marks the records `removing` under the host lock, then
 * without the lock writes `remove` (retrying while the driver answers
 * `EBUSY`) and waits for each device to go, all within one deadline of
 * `remove_timeout_ms` from the configuration, then drops the records of
 * the devices that are gone under the lock. A device still present at the
 * deadline keeps its record and is reported as %VGPU_ENGINE_EVENT_LEFT;
 * the call still succeeds. Devices without a record are never touched,
 * nor a device that disagrees with its record. The `remove` write can
 * block in the kernel until the device's user lets go (see
 * vgpu_mdev_remove()); callers that need a hard bound run this in a thread
 * or, like the hook, in a helper process. Never forks.
 *
 * Returns: %TRUE unless the state could not be used: %FALSE with
 *   %VGPU_ERROR_BUSY (host lock), %VGPU_ERROR_UNSUPPORTED (untrusted state
 *   directory) or %VGPU_ERROR_SYSTEM.
 */
VGPU_PUBLIC gboolean vgpu_engine_release(VgpuContext *ctx, const char *domain,
                                         const VgpuEngineOptions *options,
                                         GError **error);

/**
 * vgpu_engine_release_needed:
 * @ctx: a context
 * @domain: the domain name
 * @error: return location for a #GError, or %NULL
 *
 * Whether vgpu_engine_release() of @domain has anything to do: records of
 * @domain, or a temporary record file left by a killed hook. Reads the
 * records directory once, without the lock: for the vast majority of
 * domains, which have no vGPU, this is the whole cost of `release end`.
 *
 * Returns: %TRUE if a release would act; %FALSE when there is nothing to
 *   do, or with %VGPU_ERROR_UNSUPPORTED (untrusted state directory) or
 *   %VGPU_ERROR_SYSTEM set.
 */
VGPU_PUBLIC gboolean vgpu_engine_release_needed(VgpuContext *ctx,
                                                const char *domain,
                                                GError **error);

/**
 * vgpu_engine_reconcile:
 * @ctx: a context
 * @options: (nullable): options; @running_domains and @running_checked_at
 *   tell which domains run; %VGPU_ENGINE_DRY_RUN only reports
 * @error: return location for a #GError, or %NULL
 *
 * Resolves every record of the host by the rules of docs/engine.md
 * ("States of a device"): drops records whose device is gone, removes
 * devices whose record was left `creating` or `removing` by a process that
 * died, and removes the devices of ready records whose domain is known not
 * to run (created before @running_checked_at). Records another live
 * process works on are skipped; untrusted record files are reported. Stale
 * temporary files are deleted. Same lock discipline as
 * vgpu_engine_release(). This is `vgpuctl gc`.
 *
 * Returns: %TRUE if everything that needed resolving was resolved;
 *   %FALSE with %VGPU_ERROR_BUSY when a device is still present at the
 *   deadline (also reported as an event), or the errors of
 *   vgpu_engine_release().
 */
VGPU_PUBLIC gboolean vgpu_engine_reconcile(VgpuContext *ctx,
                                           const VgpuEngineOptions *options,
                                           GError **error);

/**
 * vgpu_engine_choose_vf:
 * @ctx: a context
 * @domain: the domain name
 * @request: a VF-backed request of @domain (mdev requests return %NULL)
 * @taken: (nullable) (element-type utf8): VF addresses that must not be
 *   chosen (other requests of the same domain)
 * @options: (nullable): options (configuration); %NULL for the defaults
 * @error: return location for a #GError, or %NULL
 *
 * Whether the VF @request pins can host it on this host now, and if not,
 * which VF should (vgpu_alloc_choose_vf()). A VF can host it when no other
 * domain's record claims it and it already holds the type, or its backend
 * would place the type on it (NVIDIA: the type is in its
 * `creatable_vgpu_types`; plain VF: the vendor:device match). This is what
 * the hook does at `migrate begin` and `restore begin` on the destination,
 * where libvirt lets it rewrite the domain XML (libvirt docs/hooks.rst).
 * Reads sysfs and records; takes no lock.
 *
 * Returns: (transfer full) (nullable): %NULL when the pinned VF is fine
 *   (no error set), or the address of the VF to move the request to; or
 *   %NULL with %VGPU_ERROR_NO_CAPACITY / %VGPU_ERROR_NOT_FOUND when no VF
 *   of this host can host the type.
 */
VGPU_PUBLIC char *vgpu_engine_choose_vf(VgpuContext *ctx, const char *domain,
                                        const VgpuRequest *request,
                                        GHashTable *taken,
                                        const VgpuEngineOptions *options,
                                        GError **error);

G_END_DECLS
