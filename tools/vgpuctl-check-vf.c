/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl check - the VF-backed device classes (DESIGN.md "Device
 * classes"): are the VFs enabled, are they on the right driver, does the
 * installed libvirt take NVIDIA VFs that stay on their vendor driver, is
 * NVIDIA's mixed-size mode on. Facts and sources:
 * ../shared/research/vf-vgpu.md (A4 enabling and drivers, A6 mixed
 * sizes, C AMD GIM, E libvirt).
 */
#include "vgpuctl-check.h"

#include <stdio.h>
#include <string.h>

#define PCI_DEVICES "sys/bus/pci/devices"

/* libvirt 9.7.0 (2023-09-01) is the first release that treats a device
 * bound to a VFIO "variant" driver as assignable with managed='no': libvirt
 * NEWS.rst, v9.7.0, "qemu: basic support for use of "VFIO variant"
 * drivers" (Laine Stump's series); src/util/virpci.c,
 * virPCIDeviceGetCurrentDriverNameAndType(): a driver is VFIO when the
 * device's sysfs directory has a vfio-dev/ subdirectory (kernel >= 6.1),
 * which NVIDIA's driver provides on its VFs. libvirt 9.0 (Debian 12)
 * refuses such a VF: "Unmanaged PCI device ... must be manually detached". */
#define LIBVIRT_VARIANT_DRIVER_VERSION 9007000UL

#define SRIOV_MANAGE "/usr/lib/nvidia/sriov-manage"

/* An SR-IOV physical function and its VFs. */
typedef struct {
    const char *address;
    char *dir;
    char *ids;      /* "1002:6929" */
    GPtrArray *vfs; /* VF addresses, by index */
    guint total;    /* sriov_totalvfs */
    guint64 vendor;
    gboolean display;
} Pf;

static void
pf_clear(Pf *pf)
{
    g_clear_pointer(&pf->dir, g_free);
    g_clear_pointer(&pf->ids, g_free);
    g_clear_pointer(&pf->vfs, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Pf, pf_clear)

/* Reads @address as a PF: FALSE for a VF or a function without SR-IOV. */
static gboolean
pf_load(Pf *pf, VgpuContext *ctx, const char *address)
{
    g_autofree char *relative = g_build_filename(PCI_DEVICES, address, NULL);
    g_autofree char *physfn = NULL;

    pf->address = address;
    pf->dir = vgpu_context_build_path(ctx, relative);
    physfn = g_build_filename(pf->dir, "physfn", NULL);
    pf->total = vgpuctl_check_uint_attribute(pf->dir, "sriov_totalvfs");
    if (pf->total == 0 || g_file_test(physfn, G_FILE_TEST_EXISTS))
        return FALSE;
    pf->vendor = vgpuctl_check_hex_attribute(pf->dir, "vendor") & 0xffff;
    pf->display = (vgpuctl_check_hex_attribute(pf->dir, "class") >> 16) == 0x03;
    pf->ids = g_strdup_printf(
        "%04" G_GINT64_MODIFIER "x:%04" G_GINT64_MODIFIER "x", pf->vendor,
        vgpuctl_check_hex_attribute(pf->dir, "device") & 0xffff);
    pf->vfs = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < pf->total; i++) {
        g_autofree char *name = g_strdup_printf("virtfn%u", i);
        g_autofree char *link = g_build_filename(pf->dir, name, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);

        if (!target)
            break;
        g_ptr_array_add(pf->vfs, g_path_get_basename(target));
    }
    return TRUE;
}

/* The driver of VF @vf of @pf, or NULL. */
static char *
vf_driver(const Pf *pf, const char *vf)
{
    g_autofree char *parent = g_path_get_dirname(pf->dir);
    g_autofree char *dir = g_build_filename(parent, vf, NULL);

    return vgpuctl_check_driver(dir);
}

/* Driver names in order, "" (unbound) last. */
static gint
compare_drivers(gconstpointer a, gconstpointer b)
{
    const char *da = a;
    const char *db = b;

    if (!*da || !*db)
        return !*da - !*db;
    return strcmp(da, db);
}

/* "32 on nvidia" or "4 on vfio-pci, 4 unbound"; @not_on (nullable): also
 * collects the VFs not bound to that driver, up to three named. */
static char *
summarize_drivers(const Pf *pf, const char *expected, GString *not_on,
                  guint *misplaced)
{
    g_autoptr(GHashTable) counts =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) summary = g_string_new(NULL);
    g_autoptr(GList) names = NULL;

    for (guint i = 0; i < pf->vfs->len; i++) {
        const char *vf = pf->vfs->pdata[i];
        g_autofree char *driver = vf_driver(pf, vf);
        char *key = g_strdup(driver ? driver : "");
        guint count = GPOINTER_TO_UINT(g_hash_table_lookup(counts, key));

        g_hash_table_replace(counts, key, GUINT_TO_POINTER(count + 1));
        if (!expected || g_strcmp0(driver, expected) == 0)
            continue;
        if (++*misplaced <= 3)
            g_string_append_printf(not_on, "%s%s %s", not_on->len ? ", " : "",
                                   vf, driver ? driver : "unbound");
        else if (*misplaced == 4)
            g_string_append(not_on, ", ...");
    }
    names = g_list_sort(g_hash_table_get_keys(counts), compare_drivers);
    for (GList *l = names; l; l = l->next) {
        const char *driver = l->data;
        guint count = GPOINTER_TO_UINT(g_hash_table_lookup(counts, driver));

        g_string_append_printf(summary, "%s%u %s%s", summary->len ? ", " : "",
                               count, *driver ? "on " : "unbound", driver);
    }
    return g_strdup(summary->str);
}

gboolean
vgpuctl_check_vfs_disabled(VgpuctlCheck *check, const char *pci_dir,
                           const char *address, const char *ids)
{
    g_autofree char *vendor_dir = g_build_filename(pci_dir, "nvidia", NULL);
    g_autofree char *driver = vgpuctl_check_driver(pci_dir);
    guint total = vgpuctl_check_uint_attribute(pci_dir, "sriov_totalvfs");
    gboolean manager = g_file_test(vendor_dir, G_FILE_TEST_IS_DIR);
    g_autofree char *fix = NULL;

    if (vgpuctl_check_uint_attribute(pci_dir, "sriov_numvfs") > 0 ||
        !(manager || (total > 0 && g_strcmp0(driver, "nvidia") == 0)))
        return FALSE;
    fix = g_strdup_printf(
        "%senable them with '" SRIOV_MANAGE " -e %s' at every boot, from "
        "a systemd unit ordered after nvidia-vgpud.service and "
        "nvidia-vgpu-mgr.service (never from the libvirt hook)",
        manager ? ""
                : "with the NVIDIA vGPU manager installed "
                  "(NVIDIA-Linux-x86_64-*-vgpu-kvm.run), ",
        address);
    vgpuctl_check_report(
        check, "vf-enabled", VGPUCTL_CHECK_FAIL, fix,
        "NVIDIA GPU %s (%s) has none of its %u virtual functions enabled "
        "(sriov_numvfs is 0)%s; NVIDIA vGPU 17+ on kernel >= 6.8 and "
        "Ampere-or-newer GPUs with mdev create vGPUs on the VFs",
        address, ids, total,
        manager ? " although it has an nvidia/ vGPU directory" : "");
    return TRUE;
}

/* AMD MxGPU: GIM creates the VFs when it loads (research C). */
static void
check_gim_vfs(VgpuctlCheck *check, const Pf *pf)
{
    g_autofree char *driver = vgpuctl_check_driver(pf->dir);

    vgpuctl_check_report(
        check, "vf-enabled",
        g_strcmp0(driver, "gim") == 0 ? VGPUCTL_CHECK_FAIL : VGPUCTL_CHECK_WARN,
        "AMD's GIM driver creates the VFs when it loads: set vf_num (legacy "
        "GIM for the FirePro S7150: vf_num=<1-16> in /etc/gim_config; "
        "newer GIM for Instinct and Radeon PRO: the module parameter, e.g. "
        "'options gim vf_num=<N>' in /etc/modprobe.d/gim.conf), then reload "
        "gim or reboot",
        "AMD GPU %s (%s) supports %u virtual functions but none is enabled "
        "(sriov_numvfs is 0; driver %s)",
        pf->address, pf->ids, pf->total, driver ? driver : "none");
}

/* NVIDIA VFs must stay on the nvidia driver (research A4). */
static void
check_nvidia_vf_drivers(VgpuctlCheck *check, const Pf *pf)
{
    g_autoptr(GString) misplaced_vfs = g_string_new(NULL);
    guint misplaced = 0;
    g_autofree char *summary =
        summarize_drivers(pf, "nvidia", misplaced_vfs, &misplaced);
    g_autofree char *fix = NULL;

    if (misplaced == 0) {
        vgpuctl_check_report(
            check, "vf-driver", VGPUCTL_CHECK_OK, NULL,
            "the %u virtual functions of NVIDIA GPU %s stay on the nvidia "
            "driver (libvirt takes them with managed='no')",
            pf->vfs->len, pf->address);
        return;
    }
    fix = g_strdup_printf(
        "never bind NVIDIA VFs to vfio-pci (no managed='yes' hostdev, "
        "vfio-pci.ids or driverctl for them; libvgpu writes managed='no'); "
        "to recover, while no guest uses the GPU: '" SRIOV_MANAGE " -d %s "
        "&& " SRIOV_MANAGE " -e %s'",
        pf->address, pf->address);
    vgpuctl_check_report(
        check, "vf-driver", VGPUCTL_CHECK_FAIL, fix,
        "%u of the %u virtual functions of NVIDIA GPU %s are not on the "
        "nvidia driver (%s; %s): such a VF loses its nvidia/ vGPU files and "
        "cannot hold a vGPU until the VFs are re-created",
        misplaced, pf->vfs->len, pf->address, summary, misplaced_vfs->str);
}

/* Plain VFs: libvirt's managed='yes' binds vfio-pci itself. */
static void
check_plain_vf_drivers(VgpuctlCheck *check, const Pf *pf)
{
    guint misplaced = 0;
    g_autofree char *summary = summarize_drivers(pf, NULL, NULL, &misplaced);

    vgpuctl_check_report(
        check, "vf-driver", VGPUCTL_CHECK_OK, NULL,
        "the %u virtual functions of GPU %s (%s): %s; any is fine for plain "
        "VFs: libvirt binds vfio-pci when a domain starts (managed='yes')",
        pf->vfs->len, pf->address, pf->ids, summary);
}

/* Is the vfio-pci module loaded, or at least installed? */
static void
check_vfio_pci(VgpuctlCheck *check)
{
    g_autofree char *modules =
        vgpu_context_build_path(check->ctx, "lib/modules");
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (vgpuctl_check_host_exists(check, "sys/module/vfio_pci")) {
        vgpuctl_check_report(check, "vfio-pci", VGPUCTL_CHECK_OK, NULL,
                             "the vfio-pci module is loaded (plain VFs are "
                             "passed through with it)");
        return;
    }
    dir = g_dir_open(modules, 0, NULL);
    while (dir && (entry = g_dir_read_name(dir))) {
        g_autofree char *pci =
            g_build_filename(modules, entry, "kernel/drivers/vfio/pci", NULL);
        g_autofree char *ko = g_build_filename(pci, "vfio-pci.ko", NULL);
        g_autofree char *xz = g_strconcat(ko, ".xz", NULL);
        g_autofree char *zst = g_strconcat(ko, ".zst", NULL);

        if (g_file_test(ko, G_FILE_TEST_EXISTS) ||
            g_file_test(xz, G_FILE_TEST_EXISTS) ||
            g_file_test(zst, G_FILE_TEST_EXISTS)) {
            vgpuctl_check_report(
                check, "vfio-pci", VGPUCTL_CHECK_OK, NULL,
                "the vfio-pci module is not loaded but installed (kernel "
                "%s); libvirt loads it when a domain with a plain VF starts",
                entry);
            return;
        }
    }
    vgpuctl_check_report(
        check, "vfio-pci", VGPUCTL_CHECK_WARN,
        "install the kernel's VFIO modules, then 'modprobe vfio-pci'",
        "the vfio-pci module is neither loaded (no /sys/module/vfio_pci) "
        "nor found in /lib/modules; libvirt needs it to pass plain VFs "
        "through");
}

/* Class nvidia-vf hands VFs that stay on the nvidia driver to libvirt with
 * managed='no', which libvirt accepts only since 9.7.0. */
static void
check_libvirt_variant_driver(VgpuctlCheck *check)
{
    unsigned long version = 0;
    g_autofree char *shown = NULL;

    if (!vgpuctl_check_libvirt_version(check, &version, &shown)) {
        vgpuctl_check_report(
            check, "libvirt-variant-driver", VGPUCTL_CHECK_WARN, NULL,
            "cannot tell the libvirt version (%s); NVIDIA VFs need libvirt "
            ">= 9.7.0",
            shown);
        return;
    }
    if (version >= LIBVIRT_VARIANT_DRIVER_VERSION)
        vgpuctl_check_report(
            check, "libvirt-variant-driver", VGPUCTL_CHECK_OK, NULL,
            "libvirt %s takes NVIDIA VFs that stay on the nvidia driver "
            "(managed='no'; VFIO variant drivers since libvirt 9.7.0)",
            shown);
    else
        vgpuctl_check_report(
            check, "libvirt-variant-driver", VGPUCTL_CHECK_FAIL,
            "upgrade libvirt to 9.7.0 or newer (e.g. Debian 13, Ubuntu "
            "24.04, RHEL 9.4), then restart libvirtd/virtqemud",
            "libvirt %s refuses NVIDIA VFs that stay on the nvidia driver: "
            "a domain start fails with \"Unmanaged PCI device ... must be "
            "manually detached\" (libvirt accepts VFIO variant drivers, "
            "recognised by the VF's vfio-dev/ directory, only since 9.7.0)",
            shown);
}

/* NVIDIA mixed-size (heterogeneous) mode, visible when a GPU's VFs hold
 * different types (research A6). One line per GPU. */
static void
check_mixed_size(VgpuctlCheck *check, const VgpuVfGpu *gpu)
{
    GPtrArray *types = vgpu_vf_gpu_get_types(gpu);
    const char *address = vgpu_vf_gpu_get_address(gpu);
    g_autoptr(GString) held = g_string_new(NULL);
    guint count = 0;

    for (guint i = 0; i < types->len; i++) {
        const VgpuVfType *type = types->pdata[i];

        if (type->used == 0)
            continue;
        count++;
        g_string_append_printf(held, "%s%s", held->len ? ", " : "", type->id);
    }
    if (count > 1)
        vgpuctl_check_report(
            check, "nvidia-mixed-size", VGPUCTL_CHECK_OK, NULL,
            "NVIDIA GPU %s holds vGPUs of %u types (%s): mixed-size "
            "(heterogeneous) mode is on",
            address, count, held->str);
    else
        vgpuctl_check_report(
            check, "nvidia-mixed-size", VGPUCTL_CHECK_OK, NULL,
            "NVIDIA GPU %s holds %s%s; vGPUs of different sizes on one GPU "
            "need mixed-size mode: 'nvidia-smi vgpu -shm 1 -i %s' after "
            "sriov-manage -e and before any vGPU is created (any "
            "current_vgpu_type write), at every boot",
            address, count ? "only " : "no vGPU", held->str, address);
}

void
vgpuctl_check_vf_classes(VgpuctlCheck *check)
{
    g_autofree char *devices = vgpu_context_build_path(check->ctx, PCI_DEVICES);
    g_autoptr(GDir) dir = g_dir_open(devices, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    gboolean plain = FALSE;
    gboolean nvidia_vf = FALSE;
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(entry));
    g_ptr_array_sort(names, vgpuctl_compare_strings);
    for (guint i = 0; i < names->len; i++) {
        g_auto(Pf) pf = {0};

        if (!pf_load(&pf, check->ctx, names->pdata[i]))
            continue;
        if (pf.vendor == 0x10de && pf.vfs->len > 0)
            check_nvidia_vf_drivers(check, &pf);
        else if (pf.vendor == 0x10de || !pf.display)
            continue; /* vgpuctl_check_vfs_disabled(); not a GPU */
        else if (pf.vfs->len == 0 && pf.vendor == 0x1002)
            check_gim_vfs(check, &pf);
        else if (pf.vfs->len > 0) {
            check_plain_vf_drivers(check, &pf);
            plain = TRUE;
        }
    }
    for (guint i = 0; i < check->vf_gpus->len; i++) {
        const VgpuVfGpu *gpu = check->vf_gpus->pdata[i];

        if (vgpu_vf_gpu_get_device_class(gpu) != VGPU_DEVICE_CLASS_NVIDIA_VF)
            continue;
        nvidia_vf = TRUE;
        check_mixed_size(check, gpu);
    }
    if (plain)
        check_vfio_pci(check);
    if (nvidia_vf)
        check_libvirt_variant_driver(check);
}
