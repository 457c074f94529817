/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-check - what the parts of 'vgpuctl check' share: the findings
 * (one line "ok|warning|FAIL  message: fix" each, or one JSON object
 * {check, verdict, message, fix}) and small sysfs readers.
 */
#pragma once

#include "vgpuctl-commands.h"

#include <json-glib/json-glib.h>

typedef enum {
    VGPUCTL_CHECK_OK,
    VGPUCTL_CHECK_WARN,
    VGPUCTL_CHECK_FAIL,
    VGPUCTL_CHECK_INFO, /* not checked, and why; counts for nothing */
} VgpuctlVerdict;

typedef struct {
    VgpuContext *ctx;
    GPtrArray *vf_gpus;  /* VgpuVfGpu: GPUs whose VFs carry vGPUs */
    GHashTable *parents; /* names of the parents offering mdev types */
    JsonBuilder *json;   /* inside the findings array; NULL: text */
    guint nvidia_gpus;   /* NVIDIA GPUs (physical functions) on the bus */
    guint nvidia_vgpu;   /* of them, those in vGPU mode */
    guint problems;
    guint warnings;
} VgpuctlCheck;

/* One finding. @id names the check ("hook", "vf-driver", ...); @fix
 * (nullable) is what to do, printed after the message and ": ". */
void vgpuctl_check_report(VgpuctlCheck *check, const char *id,
                          VgpuctlVerdict verdict, const char *fix,
                          const char *format, ...) G_GNUC_PRINTF(5, 6);

/* <dir>/<name>, trimmed; NULL if absent. */
char *vgpuctl_check_read_attribute(const char *dir, const char *name);
/* A hexadecimal attribute ("0x10de"); G_MAXUINT64 if absent. */
guint64 vgpuctl_check_hex_attribute(const char *dir, const char *name);
/* A decimal attribute ("32"); 0 if absent. */
guint vgpuctl_check_uint_attribute(const char *dir, const char *name);
/* The name of the driver bound to the PCI function at @pci_dir, or NULL. */
char *vgpuctl_check_driver(const char *pci_dir);
/* Does <root>/@relative exist? */
gboolean vgpuctl_check_host_exists(const VgpuctlCheck *check,
                                   const char *relative);

/* For tests only: the libvirt version to judge instead of the installed
 * library's, as "MAJOR.MINOR.MICRO". */
#define VGPUCTL_LIBVIRT_VERSION_ENV "VGPUCTL_TEST_LIBVIRT_VERSION"

/* The libvirt version to judge (MAJOR * 1000000 + MINOR * 1000 + MICRO):
 * VGPUCTL_LIBVIRT_VERSION_ENV, or that of the library under the host root,
 * read from the name of the file libvirt.so.0 links to (libvirt itself is
 * not loaded). @shown: "9.0.0", or why there is no version when this
 * returns FALSE. */
gboolean vgpuctl_check_libvirt_version(const VgpuctlCheck *check,
                                       unsigned long *version, char **shown);

/* vgpuctl-check-host.c: the host around the GPUs. */

/* CPU virtualisation flags (vmx, svm) and an active IOMMU. */
void vgpuctl_check_cpu_and_iommu(VgpuctlCheck *check);
/* With NVIDIA GPUs: nouveau not loaded, and blacklisted. */
void vgpuctl_check_nouveau(VgpuctlCheck *check);
/* With NVIDIA GPUs in vGPU mode and systemd: nvidia-vgpud and
 * nvidia-vgpu-mgr active. */
void vgpuctl_check_nvidia_services(VgpuctlCheck *check);
/* libvirt reads hooks/qemu.d/ (>= 6.5.0), and the running libvirtd or
 * virtqemud started after the hook was installed. */
void vgpuctl_check_libvirt_hooks(VgpuctlCheck *check);
/* Records left creating or removing by a process that died. */
void vgpuctl_check_busy_records(VgpuctlCheck *check, GPtrArray *records);

/* vgpuctl-check-vf.c: the VF-backed classes. */

/* If the NVIDIA GPU at @pci_dir could carry vGPUs on VFs that are not
 * enabled, says so with the fix and returns TRUE. */
gboolean vgpuctl_check_vfs_disabled(VgpuctlCheck *check, const char *pci_dir,
                                    const char *address, const char *ids);
/* Per SR-IOV GPU: VFs enabled (AMD GIM), their drivers, mixed-size mode;
 * once: vfio-pci, and whether libvirt accepts VFs on a VFIO variant
 * driver. */
void vgpuctl_check_vf_classes(VgpuctlCheck *check);
