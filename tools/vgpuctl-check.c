/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl check - is this host ready to give vGPUs to libvirt domains?
 * Reads sysfs, the hook, the configuration and the state under the host
 * root; changes nothing and does not contact libvirt.
 */
#include "vgpuctl-check.h"
#include "vgpuctl-output.h"

#include <stdio.h>

/* How messages name the configuration file (VGPU_CONFIG_PATH). */
#define VGPU_CONFIG_NAME "libvgpu.conf"

static void
check_modules(VgpuctlCheck *check)
{
    if (vgpuctl_check_host_exists(check, "sys/module/vfio"))
        vgpuctl_check_report(check, "vfio", VGPUCTL_CHECK_OK, NULL,
                             "the vfio module is loaded");
    else
        vgpuctl_check_report(
            check, "vfio", VGPUCTL_CHECK_FAIL,
            "'modprobe vfio vfio_iommu_type1', or boot a kernel with "
            "CONFIG_VFIO",
            "the vfio module is not loaded (no /sys/module/vfio), so QEMU "
            "cannot use a mediated device or a VF");

    if (vgpuctl_check_host_exists(check, "sys/module/vfio_iommu_type1") ||
        vgpuctl_check_host_exists(check, "sys/module/iommufd"))
        vgpuctl_check_report(check, "vfio-iommu", VGPUCTL_CHECK_OK, NULL,
                             "a VFIO IOMMU backend is loaded");
    else
        vgpuctl_check_report(
            check, "vfio-iommu", VGPUCTL_CHECK_WARN,
            "'modprobe vfio_iommu_type1'",
            "neither vfio_iommu_type1 nor iommufd is loaded; QEMU needs "
            "one to open a VFIO device");

    if (vgpuctl_check_host_exists(check, "sys/class/mdev_bus") ||
        vgpuctl_check_host_exists(check, "sys/module/mdev") ||
        vgpuctl_check_host_exists(check, "sys/module/vfio_mdev"))
        vgpuctl_check_report(check, "mdev-core", VGPUCTL_CHECK_OK, NULL,
                             "the mdev core is loaded");
    else if (check->vf_gpus->len > 0)
        vgpuctl_check_report(
            check, "mdev-core", VGPUCTL_CHECK_WARN,
            "a vendor driver with mdev support loads it (NVIDIA vGPU "
            "manager, i915 GVT-g, mtty), or 'modprobe mdev'; not needed "
            "for the GPUs whose virtual functions carry vGPUs (below)",
            "the mdev core is not loaded (no /sys/class/mdev_bus, no "
            "/sys/module/mdev)");
    else
        vgpuctl_check_report(
            check, "mdev-core", VGPUCTL_CHECK_FAIL,
            "a vendor driver with mdev support loads it (NVIDIA vGPU "
            "manager, i915 GVT-g, mtty), or 'modprobe mdev'",
            "the mdev core is not loaded (no /sys/class/mdev_bus, no "
            "/sys/module/mdev)");
}

/* Names of the parents that offer at least one type. */
static GHashTable *
check_parents(VgpuctlCheck *check)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) parents =
        vgpu_discovery_list_parents(check->ctx, &error);
    GHashTable *names =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) summary = g_string_new(NULL);

    if (!parents) {
        vgpuctl_check_report(check, "mdev-parents", VGPUCTL_CHECK_FAIL, NULL,
                             "%s", error->message);
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
        vgpuctl_check_report(
            check, "mdev-parents", VGPUCTL_CHECK_OK, NULL,
            "%u parent device%s offer%s mdev types: %s",
            g_hash_table_size(names), g_hash_table_size(names) == 1 ? "" : "s",
            g_hash_table_size(names) == 1 ? "s" : "", summary->str);
    else
        vgpuctl_check_report(
            check, "mdev-parents",
            check->vf_gpus->len > 0 ? VGPUCTL_CHECK_WARN : VGPUCTL_CHECK_FAIL,
            NULL,
            "no parent device offers mdev types (nothing in "
            "/sys/class/mdev_bus)%s",
            check->vf_gpus->len > 0 ? "; vGPUs come from virtual "
                                      "functions on this host (below)"
                                    : "");
    return names;
}

/* Is the PCI function @address, or one of its SR-IOV virtual functions,
 * a parent offering mdev types? */
static gboolean
gpu_offers_types(const VgpuctlCheck *check, const char *address)
{
    g_autofree char *relative =
        g_build_filename("sys/bus/pci/devices", address, NULL);
    g_autofree char *pci_dir = vgpu_context_build_path(check->ctx, relative);
    GHashTable *parents = check->parents;
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

/* Says why the NVIDIA GPU at @pci_dir offers no vGPU types, and what to
 * do about it (VFs that are not enabled: vgpuctl_check_vfs_disabled()). */
static void
report_not_in_vgpu_mode(VgpuctlCheck *check, const char *pci_dir,
                        const char *address, const char *id)
{
    g_autofree char *driver = vgpuctl_check_driver(pci_dir);

    if (g_strcmp0(driver, "nvidia") == 0) {
        vgpuctl_check_report(
            check, "nvidia-gpu", VGPUCTL_CHECK_FAIL,
            "install the NVIDIA vGPU manager "
            "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run, from the NVIDIA "
            "Licensing Portal) and reboot; on GPUs with SR-IOV (Ampere "
            "and newer) then enable the virtual functions with "
            "'/usr/lib/nvidia/sriov-manage -e ALL'. If this machine is "
            "itself a virtual machine with the GPU passed through, set "
            "up vGPU on the physical host instead",
            "NVIDIA GPU %s (%s) is not in vGPU mode: no "
            "mdev_supported_types; it is bound to the 'nvidia' driver "
            "without the vGPU manager",
            address, id);
    } else if (g_strcmp0(driver, "vfio-pci") == 0) {
        vgpuctl_check_report(
            check, "nvidia-gpu", VGPUCTL_CHECK_FAIL,
            "give it back to the host ('virsh nodedev-reattach', or drop "
            "it from vfio-pci.ids) and install the NVIDIA vGPU manager "
            "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run)",
            "NVIDIA GPU %s (%s) is not in vGPU mode: it is bound to "
            "vfio-pci for whole-GPU passthrough",
            address, id);
    } else if (driver) {
        vgpuctl_check_report(
            check, "nvidia-gpu", VGPUCTL_CHECK_FAIL,
            "blacklist it and install the NVIDIA vGPU manager "
            "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run)",
            "NVIDIA GPU %s (%s) is not in vGPU mode: it is bound to the "
            "'%s' driver",
            address, id, driver);
    } else {
        vgpuctl_check_report(
            check, "nvidia-gpu", VGPUCTL_CHECK_FAIL,
            "install the NVIDIA vGPU manager "
            "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run) and reboot",
            "NVIDIA GPU %s (%s) is not in vGPU mode: no driver is bound",
            address, id);
    }
}

/* The GPU at @address if its VFs carry vGPUs (vgpu_pci_list_vf_gpus()). */
static const VgpuVfGpu *
find_vf_gpu(const VgpuctlCheck *check, const char *address)
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
check_plain_vf_gpus(VgpuctlCheck *check)
{
    for (guint i = 0; i < check->vf_gpus->len; i++) {
        const VgpuVfGpu *gpu = check->vf_gpus->pdata[i];

        /* NVIDIA GPUs are judged by check_nvidia_gpu(); a GPU whose VFs
         * are mdev parents is class mdev */
        if (vgpu_vf_gpu_get_device_class(gpu) != VGPU_DEVICE_CLASS_PLAIN_VF ||
            g_str_has_prefix(vgpu_vf_gpu_get_ids(gpu), "10de:") ||
            gpu_offers_types(check, vgpu_vf_gpu_get_address(gpu)))
            continue;
        vgpuctl_check_report(
            check, "plain-vf-gpu", VGPUCTL_CHECK_OK, NULL,
            "GPU %s (%s) has %u virtual functions to pass through "
            "(%u in use): request type vf-<vendor>:<device> with "
            "'vgpuctl attach'",
            vgpu_vf_gpu_get_address(gpu), vgpu_vf_gpu_get_ids(gpu),
            vgpu_vf_gpu_get_vfs(gpu), vgpu_vf_gpu_get_used(gpu));
    }
}

static void
check_nvidia_gpu(VgpuctlCheck *check, const char *pci_dir, const char *address)
{
    guint64 device = vgpuctl_check_hex_attribute(pci_dir, "device");
    g_autofree char *id =
        g_strdup_printf("10de:%04" G_GINT64_MODIFIER "x", device & 0xffff);

    const VgpuVfGpu *vf_gpu = find_vf_gpu(check, address);

    check->nvidia_vgpu++; /* taken back below when it is not */
    if (vf_gpu &&
        vgpu_vf_gpu_get_device_class(vf_gpu) == VGPU_DEVICE_CLASS_NVIDIA_VF)
        vgpuctl_check_report(
            check, "nvidia-gpu", VGPUCTL_CHECK_OK, NULL,
            "NVIDIA GPU %s (%s) runs NVIDIA vGPU on its %u virtual "
            "functions (vendor-specific VFIO, vGPU 17+ on kernel >= 6.8; "
            "%u in use): request types nvidia-<id> with 'vgpuctl attach'",
            address, id, vgpu_vf_gpu_get_vfs(vf_gpu),
            vgpu_vf_gpu_get_used(vf_gpu));
    else if (gpu_offers_types(check, address))
        vgpuctl_check_report(check, "nvidia-gpu", VGPUCTL_CHECK_OK, NULL,
                             "NVIDIA GPU %s (%s) is in vGPU mode", address, id);
    else {
        check->nvidia_vgpu--;
        if (!vgpuctl_check_vfs_disabled(check, pci_dir, address, id))
            report_not_in_vgpu_mode(check, pci_dir, address, id);
    }
}

/* NVIDIA display controllers (class 0x03xxxx) that are physical
 * functions; virtual functions are judged with their PF. */
static void
check_nvidia_gpus(VgpuctlCheck *check)
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

        if (vgpuctl_check_hex_attribute(pci_dir, "vendor") != 0x10de ||
            (vgpuctl_check_hex_attribute(pci_dir, "class") >> 16) != 0x03 ||
            g_file_test(physfn, G_FILE_TEST_EXISTS))
            continue;
        check_nvidia_gpu(check, pci_dir, address);
        found++;
    }
    check->nvidia_gpus = found;
    if (found == 0 && g_hash_table_size(check->parents) == 0 &&
        check->vf_gpus->len == 0)
        vgpuctl_check_report(
            check, "nvidia-gpu", VGPUCTL_CHECK_WARN, NULL,
            "no NVIDIA GPU on the PCI bus (/sys/bus/pci/devices)");
}

static void
check_hook(VgpuctlCheck *check)
{
    g_autofree char *relative =
        g_build_filename(VGPUCTL_HOOKS_DIR, VGPUCTL_HOOK_NAME, NULL);
    g_autofree char *path = vgpu_context_build_path(check->ctx, relative);
    g_autofree char *shown = g_strconcat("/", relative, NULL);
    g_autofree char *target = g_file_read_link(path, NULL);

    if (!vgpuctl_path_is_present(path)) {
        vgpuctl_check_report(
            check, "hook", VGPUCTL_CHECK_FAIL,
            "run 'vgpuctl install-hook', then restart libvirtd",
            "the libvgpu hook is not installed (no %s)", shown);
    } else if (!vgpuctl_path_is_executable_file(path)) {
        vgpuctl_check_report(check, "hook", VGPUCTL_CHECK_FAIL,
                             "run 'vgpuctl install-hook --force'",
                             "%s is not an executable file%s%s%s", shown,
                             target ? " (a link to " : "", target ? target : "",
                             target ? ")" : "");
    } else {
        vgpuctl_check_report(check, "hook", VGPUCTL_CHECK_OK, NULL,
                             "the hook is installed: %s%s%s", shown,
                             target ? " -> " : "", target ? target : "");
    }
}

/* The configuration's warnings (unknown keys and groups): the setting
 * they were meant to make is not in effect. */
static void
check_config_warnings(VgpuctlCheck *check, const VgpuConfig *config)
{
    const char *const *warnings = vgpu_config_get_warnings(config);

    for (guint i = 0; warnings[i]; i++)
        vgpuctl_check_report(check, "config-warning", VGPUCTL_CHECK_WARN,
                             "correct the name or remove the line",
                             "%s; it has no effect", warnings[i]);
}

/* A parents= allow-list naming no parent device of this host makes every
 * vGPU start fail; names that are not parents here are never used. */
static void
check_allowed_parents(VgpuctlCheck *check, const VgpuConfig *config)
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
        vgpuctl_check_report(check, "config-parents", VGPUCTL_CHECK_WARN,
                             "fix the list or remove it",
                             "parents= in " VGPU_CONFIG_NAME
                             " names no existing parent "
                             "device (%s); vGPU starts will fail",
                             missing->str);
    else if (absent > 0)
        vgpuctl_check_report(
            check, "config-parents", VGPUCTL_CHECK_WARN, "fix the list",
            "parents= in " VGPU_CONFIG_NAME " names %s, which %s on "
            "this host and never used",
            missing->str,
            absent == 1 ? "is not a parent device" : "are not parent devices");
}

static void
check_config_and_state(VgpuctlCheck *check)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuConfig) config = vgpu_config_load(check->ctx, &error);
    g_autoptr(GPtrArray) records = NULL;
    guint stale = 0;

    if (config)
        vgpuctl_check_report(
            check, "config", VGPUCTL_CHECK_OK, NULL,
            "configuration /%s: placement %s, %s", VGPU_CONFIG_PATH,
            vgpu_placement_policy_to_string(vgpu_config_get_placement(config)),
            vgpu_config_get_allowed_parents(config)
                ? "parents restricted by an allow-list"
                : "every parent allowed");
    else
        vgpuctl_check_report(check, "config", VGPUCTL_CHECK_FAIL, NULL, "%s",
                             error->message);
    if (config) {
        check_config_warnings(check, config);
        check_allowed_parents(check, config);
    }

    g_clear_error(&error);
    records = vgpu_state_list_records(check->ctx, NULL, NULL, &error);
    if (!records) {
        vgpuctl_check_report(check, "stale-records", VGPUCTL_CHECK_WARN, NULL,
                             "%s", error->message);
        return;
    }
    vgpuctl_check_busy_records(check, records);
    for (guint i = 0; i < records->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(records, i);

        if (!vgpu_device_exists(check->ctx,
                                vgpu_record_get_device_class(record),
                                vgpu_record_get_uuid(record)))
            stale++;
    }
    if (stale > 0)
        vgpuctl_check_report(
            check, "stale-records", VGPUCTL_CHECK_WARN,
            "'vgpuctl gc' drops them",
            "%u ownership record%s in /run/libvgpu name%s devices that "
            "are gone (mediated devices removed, VFs reset or gone)",
            stale, stale == 1 ? "" : "s", stale == 1 ? "s" : "");
}

/* The last line: is the host ready? */
static int
print_verdict(const VgpuctlCheck *check)
{
    if (check->problems > 0) {
        printf("not ready: %u problem%s (FAIL lines above)\n", check->problems,
               check->problems == 1 ? "" : "s");
        return EXIT_FAILURE;
    }
    printf("ready%s\n", check->warnings ? " (see the warnings above)" : "");
    return EXIT_SUCCESS;
}

static void
run_checks(VgpuctlCheck *check)
{
    g_autoptr(GHashTable) parents = NULL;

    vgpuctl_check_cpu_and_iommu(check);
    check_modules(check);
    check->parents = parents = check_parents(check);
    check_nvidia_gpus(check);
    vgpuctl_check_nouveau(check);
    vgpuctl_check_nvidia_services(check);
    check_plain_vf_gpus(check);
    vgpuctl_check_vf_classes(check);
    vgpuctl_check_libvirt_hooks(check);
    check_hook(check);
    check_config_and_state(check);
    check->parents = NULL;
}

static int
run_check(int argc, char **argv)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        VGPUCTL_OPTION_JSON(json),
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GPtrArray) vf_gpus = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(JsonBuilder) builder = NULL;
    g_autoptr(GError) error = NULL;
    VgpuctlCheck check = {0};
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_check, entries, &argc, &argv,
                               &status))
        return status;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return vgpuctl_fail(error);
    check.ctx = ctx;
    config = vgpu_config_load(ctx, NULL); /* the config check reports errors */
    check.vf_gpus = vf_gpus = vgpu_pci_list_vf_gpus(ctx, config, NULL);
    if (!json) {
        if (!g_str_equal(vgpu_context_get_root(ctx), "/"))
            printf("host root: %s\n", vgpu_context_get_root(ctx));
        run_checks(&check);
        return print_verdict(&check);
    }

    check.json = builder = vgpuctl_json_begin_document();
    vgpuctl_json_add_string(builder, "root", vgpu_context_get_root(ctx));
    vgpuctl_json_begin_array(builder, "findings");
    run_checks(&check);
    json_builder_end_array(builder);
    vgpuctl_json_add_boolean(builder, "ready", check.problems == 0);
    vgpuctl_json_add_int(builder, "problems", check.problems);
    vgpuctl_json_add_int(builder, "warnings", check.warnings);
    vgpuctl_json_end_document(builder);
    return check.problems > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
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
        "  - CPU virtualisation: vmx or svm in /proc/cpuinfo;\n"
        "  - an active IOMMU (/sys/class/iommu), else what the kernel\n"
        "    command line (/proc/cmdline) lacks: intel_iommu=on/amd_iommu=on;\n"
        "  - the vfio module, a VFIO IOMMU backend and the mdev core;\n"
        "  - parent devices offering mdev types (/sys/class/mdev_bus);\n"
        "  - every NVIDIA GPU (PCI vendor 10de, display class): is it in\n"
        "    vGPU mode (mdev types, or NVIDIA vGPU on its virtual functions:\n"
        "    VFs with nvidia/current_vgpu_type, counted per GPU), and if not\n"
        "    why (VFs not enabled: sriov-manage -e at every boot; plain\n"
        "    'nvidia' driver without the vGPU manager; vfio-pci passthrough\n"
        "    binding; nouveau, ...) and what to install or change;\n"
        "  - with NVIDIA GPUs: nouveau not loaded (/sys/module/nouveau) and\n"
        "    blacklisted (modprobe.d/*.conf, or modprobe.blacklist= on the\n"
        "    kernel command line);\n"
        "  - with NVIDIA GPUs in vGPU mode and systemd (/run/systemd/system):\n"
        "    nvidia-vgpud and nvidia-vgpu-mgr active ('systemctl is-active';\n"
        "    under another host root an info line says they were not asked);\n"
        "  - SR-IOV GPUs: are their VFs enabled (AMD: GIM's vf_num), are the\n"
        "    VFs on the right driver (NVIDIA VFs must stay on nvidia; plain\n"
        "    VFs may be on vfio-pci, unbound or on a host driver, since\n"
        "    libvirt's managed='yes' binds vfio-pci) and is vfio-pci there;\n"
        "  - with NVIDIA VFs: does the installed libvirt take VFs that stay\n"
        "    on their VFIO variant driver with\n"
        "    managed='no' (libvirt >= 9.7.0), and is NVIDIA's mixed-size\n"
        "    (heterogeneous) mode on (one line per GPU);\n"
        "  - libvirt >= 6.5.0, which runs the hooks in qemu.d/ (the version\n"
        "    of the installed library, from the name of the file its\n"
        "    libvirt.so.0 links to, e.g. libvirt.so.0.9000.0: 9.0.0);\n"
        "  - the hook in /etc/libvirt/hooks/qemu.d/vgpu, and libvirtd or\n"
        "    virtqemud (pid in /run/NAME.pid, start time from /proc/PID/stat\n"
        "    and btime in /proc/stat) started after it was installed (the\n"
        "    hook's mtime): libvirt lists the hooks when it starts;\n"
        "  - /etc/libvgpu/libvgpu.conf: can it be read, does it have\n"
        "    unknown keys or groups (typos), does its parents= list name\n"
        "    parent devices of this host;\n"
        "  - stale ownership records (devices gone, VFs reset), and devices\n"
        "    left half created or half removed by a process that is gone\n"
        "    (records creating or removing): 'vgpuctl gc'.\n"
        "  Each finding is one line starting with ok, warning, FAIL or info\n"
        "  (not checked, and why), followed by what to do after ': ' where\n"
        "  there is something to do.\n"
        "  Exits 1 if anything FAILed (the host is not ready), else 0.\n"
        "\n"
        "JSON (--json)\n"
        "  {version: 1, root, findings: [...], ready, problems, warnings};\n"
        "  each finding is {check, verdict, message, fix}: verdict \"ok\",\n"
        "  \"warning\", \"fail\" or \"info\", fix only where there is one.\n"
        "  check names the test: cpu-virtualization, iommu, vfio, vfio-iommu,\n"
        "  mdev-core, mdev-parents, nvidia-gpu, nouveau, nvidia-services,\n"
        "  plain-vf-gpu, vf-enabled, vf-driver, vfio-pci, nvidia-mixed-size,\n"
        "  libvirt-variant-driver, libvirt-hook-dirs, hook-daemon, hook,\n"
        "  config, config-warning, config-parents, busy-records,\n"
        "  stale-records. The exit status is as without --json. vgpuctl(1),\n"
        "  JSON OUTPUT, has the keys of every command.\n"
        "\n"
        "  VGPUCTL_TEST_LIBVIRT_VERSION=MAJOR.MINOR.MICRO replaces the\n"
        "  installed libvirt's version; for tests only.\n"
        "  VGPUCTL_TEST_SYSTEMD_UNITS=UNIT=STATE,... replaces what\n"
        "  'systemctl is-active UNIT' says (a unit not named is inactive),\n"
        "  also under another host root; for tests only.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl check\n"
        "  LIBVGPU_ROOT=/mnt/image vgpuctl check\n"
        "  vgpuctl check --json | jq -r '.findings[] |\n"
        "      select(.verdict != \"ok\") | .fix // .message'\n",
};
