/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - host configuration, `etc/libvgpu/libvgpu.conf` under the root.
 */
#pragma once

#include <libvgpu/vgpu-context.h>

G_BEGIN_DECLS

/**
 * VgpuPlacementPolicy:
 * @VGPU_PLACEMENT_PACK: among the candidates below, the fewest available
 *   instances first: GPUs fill one after another and as many as possible
 *   stay empty, for any type. The default.
 * @VGPU_PLACEMENT_SPREAD: among the candidates below, the most available
 *   instances first: the devices of a type share the GPUs that type
 *   already uses.
 *
 * Both policies take the parents that already hold mediated devices of
 * the requested type first, and open another parent only when those are
 * full: NVIDIA GPUs of most generations host one vGPU type at a time, so a
 * GPU opened for a small type is lost to every other type until its last
 * device goes, and opening the emptiest GPU for every request starves the
 * large types. The trade-off of spread: fewer GPUs become empty again as
 * domains stop, so a busy host refuses somewhat more starts of large types
 * than with pack (bench/run, part 3: at most 2 points more than a
 * first-fit placement; pack never more than first-fit). Ties are always
 * broken by parent name (ascending), so placement is deterministic.
 */
typedef enum {
    VGPU_PLACEMENT_PACK,
    VGPU_PLACEMENT_SPREAD,
} VgpuPlacementPolicy;

/**
 * VGPU_CONFIG_PATH:
 *
 * Path of the configuration file relative to the host root. A GKeyFile
 * with one group, [libvgpu]. Comments start with '#', on a line of their
 * own or after a value: a '#' preceded by a space or tab ends the value
 * (values never contain " #"):
 *
 *     [libvgpu]
 *     # "pack" (default) or "spread", see #VgpuPlacementPolicy
 *     placement=pack          # fill the GPU already holding this type
 *     # optional allow-list of parent devices, separated by ';'
 *     parents=0000:05:00.0;0000:06:00.0
 *     remove_timeout_ms=10000 # bound on waiting for a removed mdev, ms
 *     # PFs whose SR-IOV VFs are handed out as plain VFs (class vf)
 *     plain_vf_pfs=0000:03:00.0
 */
#define VGPU_CONFIG_PATH "etc/libvgpu/libvgpu.conf"

/**
 * VgpuConfig:
 *
 * Opaque host configuration: placement policy, optional parent allow-list,
 * removal timeout.
 */
typedef struct _VgpuConfig VgpuConfig;

/**
 * vgpu_config_new:
 *
 * Returns: (transfer full): a configuration with the defaults: policy
 *   %VGPU_PLACEMENT_PACK, every parent allowed, removal timeout
 *   %VGPU_REMOVE_TIMEOUT_DEFAULT_MS.
 */
VGPU_PUBLIC VgpuConfig *vgpu_config_new(void);

/**
 * vgpu_config_load:
 * @ctx: a context
 * @error: return location for a #GError, or %NULL
 *
 * Reads %VGPU_CONFIG_PATH under the context's root (file I/O, no lock). A
 * missing file, a missing [libvgpu] group or a missing key gives the
 * defaults of vgpu_config_new(). Inline comments (a '#' after a space or
 * tab, to the end of the line) are removed before the values are read,
 * with the blanks before them. Unknown keys and groups do not fail the
 * load (forward compatibility), but each is a warning, see
 * vgpu_config_get_warnings(). `placement` is "pack" or "spread" (exact,
 * lowercase). `parents` is a ';'-separated list of parent device names as
 * in `sys/class/mdev_bus/` (whitespace around names and empty entries are
 * dropped, so "parents=" means no allow-list; each name must pass the
 * sysfs name check: one path component, no '/'). `remove_timeout_ms` is a
 * decimal number of milliseconds from 0 to 600000; apply it with
 * vgpu_context_set_remove_timeout(). `plain_vf_pfs` is a ';'-separated
 * list of canonical PCI addresses (vgpu_pci_address_is_valid()) of
 * physical functions whose VFs are offered as plain VFs (class vf) even
 * though the PF is not a display controller (PCI class 0x03), as
 * Cloudpods' `AMDVgpuPFs` names them (DESIGN.md "Device classes").
 *
 * Returns: (transfer full): the configuration, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT naming the file, key and bad value and
 *   saying how to fix it (syntax error, unknown policy, unsafe parent
 *   name, timeout out of range, a plain_vf_pfs entry that is not a PCI
 *   address) or %VGPU_ERROR_SYSTEM (file exists but
 *   cannot be read, e.g. permissions).
 */
VGPU_PUBLIC VgpuConfig *vgpu_config_load(VgpuContext *ctx, GError **error);

/**
 * vgpu_config_get_warnings:
 * @config: a configuration
 *
 * What vgpu_config_load() found in the file but did not use: one warning
 * per unknown group and per unknown key of [libvgpu], groups in the order
 * of the file, keys in the order of the group; at most 16, then one line
 * that counts the rest. Each is one line of text that names the file as
 * "libvgpu.conf", quotes the unknown name (control characters and invalid
 * UTF-8 escaped as `\xNN`, cut after 128 bytes) and lists the known
 * names, with the closest known key when the unknown one looks like a
 * typo of it (ASCII case ignored, at most a third of the known key's
 * length in inserted, deleted, replaced or swapped characters), e.g.
 *
 *     libvgpu.conf: unknown key "placment" in [libvgpu]; did you mean
 *     "placement"? (keys: placement, parents, remove_timeout_ms, plain_vf_pfs)
 *     libvgpu.conf: unknown group [libvpgu]; the only group is [libvgpu]
 *
 * (each one line). The library never prints them: vgpuctl check does.
 * A configuration from vgpu_config_new(), or a file without unknown
 * names, has none. No I/O.
 *
 * Returns: (transfer none) (array zero-terminated=1): the warnings, a
 *   %NULL-terminated array, empty if there are none (never %NULL); valid
 *   as long as @config.
 */
VGPU_PUBLIC const char *const *
vgpu_config_get_warnings(const VgpuConfig *config);

/** vgpu_config_free: @config: (nullable): accepts %NULL. */
VGPU_PUBLIC void vgpu_config_free(VgpuConfig *config);

/** vgpu_config_get_placement: Returns: the placement policy. */
VGPU_PUBLIC VgpuPlacementPolicy
vgpu_config_get_placement(const VgpuConfig *config);
/** vgpu_config_set_placement: sets the placement policy. */
VGPU_PUBLIC void vgpu_config_set_placement(VgpuConfig *config,
                                           VgpuPlacementPolicy policy);

/** vgpu_config_get_allowed_parents: Returns: (transfer none) (nullable):
 * the %NULL-terminated allow-list of parent names, %NULL = all allowed;
 * valid until the next vgpu_config_set_allowed_parents(). */
VGPU_PUBLIC const char *const *
vgpu_config_get_allowed_parents(const VgpuConfig *config);
/** vgpu_config_set_allowed_parents: @parents: (nullable): copied; %NULL
 * allows every parent, an empty list none. Names are not validated. */
VGPU_PUBLIC void vgpu_config_set_allowed_parents(VgpuConfig *config,
                                                 const char *const *parents);
/** vgpu_config_is_parent_allowed: Returns: %TRUE if @parent may be used:
 * there is no allow-list or @parent is on it (exact match). */
VGPU_PUBLIC gboolean vgpu_config_is_parent_allowed(const VgpuConfig *config,
                                                   const char *parent);

/** vgpu_config_get_plain_vf_pfs: Returns: (transfer none) (nullable):
 * the %NULL-terminated `plain_vf_pfs` list of PF addresses, %NULL if none
 * is named; valid until the next vgpu_config_set_plain_vf_pfs(). */
VGPU_PUBLIC const char *const *
vgpu_config_get_plain_vf_pfs(const VgpuConfig *config);
/** vgpu_config_set_plain_vf_pfs: @pfs: (nullable): copied; not
 * validated. */
VGPU_PUBLIC void vgpu_config_set_plain_vf_pfs(VgpuConfig *config,
                                              const char *const *pfs);
/**
 * vgpu_config_is_plain_vf_pf:
 * @config: (nullable): a configuration; %NULL names no PF
 * @pf: a PF address
 *
 * Returns: %TRUE if `plain_vf_pfs` names @pf (exact match), i.e. its VFs
 *   are offered as plain VFs whatever the PF's PCI class. No I/O.
 */
VGPU_PUBLIC gboolean vgpu_config_is_plain_vf_pf(const VgpuConfig *config,
                                                const char *pf);

/** vgpu_config_get_remove_timeout: Returns: removal bound in ms
 * (`remove_timeout_ms`, default %VGPU_REMOVE_TIMEOUT_DEFAULT_MS). */
VGPU_PUBLIC guint vgpu_config_get_remove_timeout(const VgpuConfig *config);

/**
 * vgpu_placement_policy_from_string:
 * @text: (nullable): "pack" or "spread" (exact, lowercase)
 * @policy: (out): the policy
 * @error: return location for a #GError, or %NULL
 *
 * Returns: %TRUE on success; %FALSE with %VGPU_ERROR_INVALID_INPUT quoting
 *   @text otherwise.
 */
VGPU_PUBLIC gboolean vgpu_placement_policy_from_string(
    const char *text, VgpuPlacementPolicy *policy, GError **error);

/** vgpu_placement_policy_to_string: Returns: (transfer none): "pack" or
 * "spread". */
VGPU_PUBLIC const char *
vgpu_placement_policy_to_string(VgpuPlacementPolicy policy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VgpuConfig, vgpu_config_free)

G_END_DECLS
