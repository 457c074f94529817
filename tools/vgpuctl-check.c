/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl check - is this host ready to give vGPUs to libvirt domains?
 * Reads sysfs, the hook, the configuration and the state under the host
 * root; changes nothing and does not contact libvirt.
 */
#include "vgpuctl-commands.h"

#include <stdio.h>

/* How messages name the configuration file (VGPU_CONFIG_PATH). */
#define VGPU_CONFIG_NAME "libvgpu.conf"

typedef struct {
    VgpuContext *ctx;
    GPtrArray *vf_gpus; /* VgpuVfGpu: GPUs whose VFs carry vGPUs */
    guint problems;
    guint warnings;
} Check;

typedef enum {
    CHECK_OK,
    CHECK_WARN,
    CHECK_FAIL,
} CheckLevel;

static void G_GNUC_PRINTF(3, 4)
    report(Check *check, CheckLevel level, const char *format, ...)
{
    static const char *const labels[] = {"ok", "warning", "FAIL"};
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    if (level == CHECK_FAIL)
        check->problems++;
    else if (level == CHECK_WARN)
        check->warnings++;
    printf("%-8s %s\n", labels[level], message);
}

static gboolean
host_exists(Check *check, const char *relative)
{
    g_autofree char *path = vgpu_context_build_path(check->ctx, relative);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* A sysfs attribute, trimmed; %NULL if absent. */
static char *
read_attribute(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strstrip(text);
}

static guint64
hex_attribute(const char *dir, const char *name)
{
    g_autofree char *text = read_attribute(dir, name);

    return text ? g_ascii_strtoull(text, NULL, 16) : G_MAXUINT64;
}

static void
check_modules(Check *check)
{
    if (host_exists(check, "sys/module/vfio"))
        report(check, CHECK_OK, "the vfio module is loaded");
    else
        report(check, CHECK_FAIL,
               "the vfio module is not loaded (no /sys/module/vfio), so QEMU "
               "cannot use a mediated device: 'modprobe vfio "
               "vfio_iommu_type1', or boot a kernel with CONFIG_VFIO");

    if (host_exists(check, "sys/module/vfio_iommu_type1") ||
        host_exists(check, "sys/module/iommufd"))
        report(check, CHECK_OK, "a VFIO IOMMU backend is loaded");
    else
        report(check, CHECK_WARN,
               "neither vfio_iommu_type1 nor iommufd is loaded; QEMU needs "
               "one to open a VFIO device: 'modprobe vfio_iommu_type1'");

    if (host_exists(check, "sys/class/mdev_bus") ||
        host_exists(check, "sys/module/mdev") ||
        host_exists(check, "sys/module/vfio_mdev"))
        report(check, CHECK_OK, "the mdev core is loaded");
    else
        report(check, check->vf_gpus->len > 0 ? CHECK_WARN : CHECK_FAIL,
               "the mdev core is not loaded (no /sys/class/mdev_bus, no "
               "/sys/module/mdev): a vendor driver with mdev support loads "
               "it (NVIDIA vGPU manager, i915 GVT-g, mtty), or 'modprobe "
               "mdev'%s",
               check->vf_gpus->len > 0
                   ? "; not needed for the GPUs whose virtual functions "
                     "carry vGPUs (below)"
                   : "");
}

/* Names of the parents that offer at least one type. */
static GHashTable *
check_parents(Check *check)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parents =
        vgpu_discovery_list_parents(check->ctx, &error);
    GHashTable *names =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) summary = g_string_new(NULL);

    if (!parents) {
        report(check, CHECK_FAIL, "%s", error->message);
        return names;
    }
    for (guint i = 0; i < parents->len; i++) {
        const VgpuParent *parent = g_ptr_array_index(parents, i);
        guint types = vgpu_parent_get_types(parent)->len;

        if (types == 0)
            continue;
        g_hash_table_add(names, g_strdup(vgpu_parent_get_name(parent)));
        g_string_append_printf(
            summary, "%s%s (%u type%s)", summary->len ? ", " : "",
            vgpu_parent_get_name(parent), types, types == 1 ? "" : "s");
    }
    if (g_hash_table_size(names) > 0)
        report(check, CHECK_OK, "%u parent device%s offer%s mdev types: %s",
               g_hash_table_size(names),
               g_hash_table_size(names) == 1 ? "" : "s",
               g_hash_table_size(names) == 1 ? "s" : "", summary->str);
    else
        report(check, check->vf_gpus->len > 0 ? CHECK_WARN : CHECK_FAIL,
               "no parent device offers mdev types (nothing in "
               "/sys/class/mdev_bus)%s",
               check->vf_gpus->len > 0 ? "; vGPUs come from virtual "
                                         "functions on this host (below)"
                                       : "");
    return names;
}

/* Is @pci_dir, or one of its SR-IOV virtual functions, a parent? */
static gboolean
gpu_offers_types(const char *pci_dir, const char *address, GHashTable *parents)
{
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (g_hash_table_contains(parents, address))
        return TRUE;
    dir = g_dir_open(pci_dir, 0, NULL);
    while (dir && (entry = g_dir_read_name(dir))) {
        g_autofree char *link = NULL;
        g_autofree char *target = NULL;
        g_autofree char *vf = NULL;

        if (!g_str_has_prefix(entry, "virtfn"))
            continue;
        link = g_build_filename(pci_dir, entry, NULL);
        target = g_file_read_link(link, NULL);
        if (!target)
            continue;
        vf = g_path_get_basename(target);
        if (g_hash_table_contains(parents, vf))
            return TRUE;
    }
    return FALSE;
}

/* Says why the NVIDIA GPU at @pci_dir offers no mdev types, and what to
 * do about it. */
static void
report_not_in_vgpu_mode(Check *check, const char *pci_dir, const char *address,
                        const char *id)
{
    g_autofree char *driver_link = g_build_filename(pci_dir, "driver", NULL);
    g_autofree char *driver_target = g_file_read_link(driver_link, NULL);
    g_autofree char *driver =
        driver_target ? g_path_get_basename(driver_target) : NULL;
    g_autofree char *vendor_dir = g_build_filename(pci_dir, "nvidia", NULL);

    if (g_file_test(vendor_dir, G_FILE_TEST_IS_DIR)) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) has an nvidia/ vGPU directory but no "
               "virtual function carries vGPU types: its vGPU manager uses "
               "NVIDIA's vendor-specific VFIO framework, which works on the "
               "VFs: enable them with '/usr/lib/nvidia/sriov-manage -e %s' "
               "(at every boot, e.g. a systemd unit ordered after "
               "nvidia-vgpu-mgr)",
               address, id, address);
    } else if (g_strcmp0(driver, "nvidia") == 0) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: no "
               "mdev_supported_types; it is bound to the 'nvidia' driver "
               "without the vGPU manager: install the NVIDIA vGPU manager "
               "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run, from the NVIDIA "
               "Licensing Portal) and reboot; on GPUs with SR-IOV (Ampere "
               "and newer) then enable the virtual functions with "
               "'/usr/lib/nvidia/sriov-manage -e ALL'. If this machine is "
               "itself a virtual machine with the GPU passed through, set "
               "up vGPU on the physical host instead",
               address, id);
    } else if (g_strcmp0(driver, "vfio-pci") == 0) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: it is bound to "
               "vfio-pci for whole-GPU passthrough. Give it back to the host "
               "('virsh nodedev-reattach', or drop it from vfio-pci.ids) and "
               "install the NVIDIA vGPU manager "
               "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run)",
               address, id);
    } else if (driver) {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: it is bound to the "
               "'%s' driver. Blacklist it and install the NVIDIA vGPU "
               "manager (NVIDIA-Linux-x86_64-*-vgpu-kvm.run)",
               address, id, driver);
    } else {
        report(check, CHECK_FAIL,
               "NVIDIA GPU %s (%s) is not in vGPU mode: no driver is bound. "
               "Install the NVIDIA vGPU manager "
               "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run) and reboot",
               address, id);
    }
}

/* The GPU at @address if its VFs carry vGPUs (vgpu_pci_list_vf_gpus()). */
static const VgpuVfGpu *
find_vf_gpu(const Check *check, const char *address)
{
    for (guint i = 0; i < check->vf_gpus->len; i++) {
        const VgpuVfGpu *gpu = check->vf_gpus->pdata[i];

        if (g_str_equal(vgpu_vf_gpu_get_address(gpu), address))
            return gpu;
    }
    return NULL;
}

/* GPUs of other vendors whose VFs are passed through (AMD MxGPU, Intel). */
static void
check_plain_vf_gpus(Check *check)
{
    for (guint i = 0; i < check->vf_gpus->len; i++) {
        const VgpuVfGpu *gpu = check->vf_gpus->pdata[i];

        if (vgpu_vf_gpu_get_device_class(gpu) != VGPU_DEVICE_CLASS_PLAIN_VF)
            continue;
        report(check, CHECK_OK,
               "GPU %s (%s) has %u virtual functions to pass through "
               "(%u in use): request type vf-<vendor>:<device> with "
               "'vgpuctl attach'",
               vgpu_vf_gpu_get_address(gpu), vgpu_vf_gpu_get_ids(gpu),
               vgpu_vf_gpu_get_vfs(gpu), vgpu_vf_gpu_get_used(gpu));
    }
}

static void
check_nvidia_gpu(Check *check, const char *pci_dir, const char *address,
                 GHashTable *parents)
{
    guint64 device = hex_attribute(pci_dir, "device");
    g_autofree char *id =
        g_strdup_printf("10de:%04" G_GINT64_MODIFIER "x", device & 0xffff);

    const VgpuVfGpu *vf_gpu = find_vf_gpu(check, address);

    if (vf_gpu &&
        vgpu_vf_gpu_get_device_class(vf_gpu) == VGPU_DEVICE_CLASS_NVIDIA_VF)
        report(check, CHECK_OK,
               "NVIDIA GPU %s (%s) runs NVIDIA vGPU on its %u virtual "
               "functions (vendor-specific VFIO, vGPU 17+ on kernel >= 6.8; "
               "%u in use): request types nvidia-<id> with 'vgpuctl attach'",
               address, id, vgpu_vf_gpu_get_vfs(vf_gpu),
               vgpu_vf_gpu_get_used(vf_gpu));
    else if (gpu_offers_types(pci_dir, address, parents))
        report(check, CHECK_OK, "NVIDIA GPU %s (%s) is in vGPU mode", address,
               id);
    else
        report_not_in_vgpu_mode(check, pci_dir, address, id);
}

/* NVIDIA display controllers (class 0x03xxxx) that are physical
 * functions; virtual functions are judged with their PF. */
static void
check_nvidia_gpus(Check *check, GHashTable *parents)
{
    g_autofree char *devices =
        vgpu_context_build_path(check->ctx, "sys/bus/pci/devices");
    g_autoptr(GDir) dir = g_dir_open(devices, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;
    guint found = 0;

    while (dir && (entry = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(entry));
    g_ptr_array_sort(names, vgpuctl_compare_strings);

    for (guint i = 0; i < names->len; i++) {
        const char *address = g_ptr_array_index(names, i);
        g_autofree char *pci_dir = g_build_filename(devices, address, NULL);
        g_autofree char *physfn = g_build_filename(pci_dir, "physfn", NULL);

        if (hex_attribute(pci_dir, "vendor") != 0x10de ||
            (hex_attribute(pci_dir, "class") >> 16) != 0x03 ||
            g_file_test(physfn, G_FILE_TEST_EXISTS))
            continue;
        check_nvidia_gpu(check, pci_dir, address, parents);
        found++;
    }
    if (found == 0 && g_hash_table_size(parents) == 0)
        report(check, CHECK_WARN,
               "no NVIDIA GPU on the PCI bus (/sys/bus/pci/devices)");
}

static void
check_hook(Check *check)
{
    g_autofree char *relative =
        g_build_filename(VGPUCTL_HOOKS_DIR, VGPUCTL_HOOK_NAME, NULL);
    g_autofree char *path = vgpu_context_build_path(check->ctx, relative);
    g_autofree char *shown = g_strconcat("/", relative, NULL);
    g_autofree char *target = g_file_read_link(path, NULL);

    if (!vgpuctl_path_is_present(path)) {
        report(check, CHECK_FAIL,
               "the libvgpu hook is not installed (no %s): run 'vgpuctl "
               "install-hook', then restart libvirtd",
               shown);
    } else if (!vgpuctl_path_is_executable_file(path)) {
        report(check, CHECK_FAIL,
               "%s is not an executable file%s%s%s: run 'vgpuctl "
               "install-hook --force'",
               shown, target ? " (a link to " : "", target ? target : "",
               target ? ")" : "");
    } else {
        report(check, CHECK_OK,
               "the hook is installed: %s%s%s (libvirtd must have been "
               "restarted since)",
               shown, target ? " -> " : "", target ? target : "");
    }
}

/* The configuration's warnings (unknown keys and groups): the setting
 * they were meant to make is not in effect. */
static void
check_config_warnings(Check *check, const VgpuConfig *config)
{
    const char *const *warnings = vgpu_config_get_warnings(config);

    for (guint i = 0; warnings[i]; i++)
        report(check, CHECK_WARN,
               "%s; it has no effect: correct the name or remove the line",
               warnings[i]);
}

/* A parents= allow-list naming no parent device of this host makes every
 * vGPU start fail; names that are not parents here are never used. */
static void
check_allowed_parents(Check *check, const VgpuConfig *config)
{
    const char *const *allowed = vgpu_config_get_allowed_parents(config);
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(GString) missing = NULL;
    guint found = 0;
    guint absent = 0;

    if (!allowed)
        return;
    parents = vgpu_discovery_list_parents(check->ctx, NULL);
    if (!parents)
        return; /* check_parents() reported why */

    missing = g_string_new(NULL);
    for (guint i = 0; allowed[i]; i++) {
        gboolean exists = FALSE;

        for (guint j = 0; j < parents->len && !exists; j++)
            exists = g_str_equal(
                allowed[i],
                vgpu_parent_get_name(g_ptr_array_index(parents, j)));
        if (exists) {
            found++;
            continue;
        }
        absent++;
        g_string_append_printf(missing, "%s%s", missing->len ? ", " : "",
                               allowed[i]);
    }
    if (found == 0)
        report(check, CHECK_WARN,
               "parents= in " VGPU_CONFIG_NAME " names no existing parent "
               "device (%s); vGPU starts will fail: fix the list or remove "
               "it",
               missing->str);
    else if (absent > 0)
        report(check, CHECK_WARN,
               "parents= in " VGPU_CONFIG_NAME " names %s, which %s on "
               "this host and never used: fix the list",
               missing->str,
               absent == 1 ? "is not a parent device"
                           : "are not parent devices");
}

static void
check_config_and_state(Check *check)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = vgpu_config_load(check->ctx, &error);
    g_autoptr(GPtrArray) records = NULL;
    guint stale = 0;

    if (config)
        report(
            check, CHECK_OK, "configuration /%s: placement %s, %s",
            VGPU_CONFIG_PATH,
            vgpu_placement_policy_to_string(vgpu_config_get_placement(config)),
            vgpu_config_get_allowed_parents(config)
                ? "parents restricted by an allow-list"
                : "every parent allowed");
    else
        report(check, CHECK_FAIL, "%s", error->message);
    if (config) {
        check_config_warnings(check, config);
        check_allowed_parents(check, config);
    }

    g_clear_error(&error);
    records = vgpu_state_list_records(check->ctx, NULL, NULL, &error);
    if (!records) {
        report(check, CHECK_WARN, "%s", error->message);
        return;
    }
    for (guint i = 0; i < records->len; i++) {
        if (!vgpu_mdev_exists(check->ctx, vgpu_record_get_uuid(
                                              g_ptr_array_index(records, i))))
            stale++;
    }
    if (stale > 0)
        report(check, CHECK_WARN,
               "%u ownership record%s in /run/libvgpu name%s mediated "
               "devices that are gone: 'vgpuctl gc' drops them",
               stale, stale == 1 ? "" : "s", stale == 1 ? "s" : "");
}

static int
run_check(int argc, char **argv)
{
    const GOptionEntry entries[] = {
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GHashTable) parents = NULL;
    g_autoptr(GPtrArray) vf_gpus = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GError) error = NULL;
    Check check = {0};
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_check, entries, &argc, &argv,
                               &status))
        return status;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return vgpuctl_fail(error);
    check.ctx = ctx;
    if (!g_str_equal(vgpu_context_get_root(ctx), "/"))
        printf("host root: %s\n", vgpu_context_get_root(ctx));

    config = vgpu_config_load(ctx, NULL); /* check_config() reports errors */
    check.vf_gpus = vf_gpus = vgpu_pci_list_vf_gpus(ctx, config, NULL);
    check_modules(&check);
    parents = check_parents(&check);
    check_nvidia_gpus(&check, parents);
    check_plain_vf_gpus(&check);
    check_hook(&check);
    check_config_and_state(&check);

    if (check.problems > 0) {
        printf("not ready: %u problem%s (FAIL lines above)\n", check.problems,
               check.problems == 1 ? "" : "s");
        return EXIT_FAILURE;
    }
    printf("ready%s\n", check.warnings ? " (see the warnings above)" : "");
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_check = {
    .name = "check",
    .brief = "check whether the host is ready for vGPUs",
    .run = run_check,
    .parameters = "",
    .summary =
        "Check whether this host is ready to give vGPUs to libvirt domains.",
    .description =
        "DESCRIPTION\n"
        "  Checks, without changing anything and without contacting libvirt:\n"
        "  - the vfio module, a VFIO IOMMU backend and the mdev core;\n"
        "  - parent devices offering mdev types (/sys/class/mdev_bus);\n"
        "  - every NVIDIA GPU (PCI vendor 10de, display class): is it in\n"
        "    vGPU mode, and if not why (plain 'nvidia' driver without the\n"
        "    vGPU manager, vfio-pci passthrough binding, nouveau, ...) and\n"
        "    what to install or change;\n"
        "  - the hook in /etc/libvirt/hooks/qemu.d/vgpu;\n"
        "  - /etc/libvgpu/libvgpu.conf: can it be read, does it have\n"
        "    unknown keys or groups (typos), does its parents= list name\n"
        "    parent devices of this host;\n"
        "  - stale ownership records.\n"
        "  Each finding is one line starting with ok, warning or FAIL.\n"
        "  Exits 1 if anything FAILed (the host is not ready), else 0.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl check\n"
        "  LIBVGPU_ROOT=/mnt/image vgpuctl check\n",
};
