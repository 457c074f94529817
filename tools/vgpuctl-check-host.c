/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl check - the host around the GPUs, what the users' checklists
 * start with: CPU virtualisation, an active IOMMU (and the kernel command
 * line that turns it on), nouveau kept away, NVIDIA's vGPU manager
 * services, a libvirt that runs hooks/qemu.d/ and a daemon started after
 * the hook was installed, devices left half created or half removed.
 * Everything is read under the host root (LIBVGPU_ROOT), except the
 * services, which only systemd of the running host can tell.
 */
#include "vgpuctl-check.h"
#include "vgpuctl-output.h"

#include <glib/gstdio.h>

#include <string.h>
#include <unistd.h>

/* For tests only: the states systemctl is-active would print, as
 * "UNIT=STATE,UNIT=STATE" (a unit not named is "inactive"). */
#define SYSTEMD_UNITS_ENV "VGPUCTL_TEST_SYSTEMD_UNITS"

/* libvirt 6.5.0 is the first release that runs every executable in
 * /etc/libvirt/hooks/qemu.d/ (docs/hooks.rst). */
#define LIBVIRT_HOOK_DIRS_VERSION 6005000UL

/* Where the kernel command line is changed on Debian and Ubuntu. */
#define GRUB_HINT                                                              \
    "(GRUB_CMDLINE_LINUX in /etc/default/grub, then 'update-grub') and "       \
    "reboot"

#define BLACKLIST_NOUVEAU                                                      \
    "'echo blacklist nouveau > /etc/modprobe.d/blacklist-nouveau.conf', "      \
    "'update-initramfs -u' and reboot"

/* <root>/@relative's contents, or NULL. */
static char *
read_host_file(const VgpuctlCheck *check, const char *relative)
{
    g_autofree char *path = vgpu_context_build_path(check->ctx, relative);
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

/* Is @word one of the blank- or colon-separated words of @text? */
static gboolean
has_word(const char *text, const char *word)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \t\n:", -1);

    return g_strv_contains((const char *const *)words, word);
}

/* The value of @name=VALUE on the kernel command line @cmdline, or NULL. */
static char *
cmdline_value(const char *cmdline, const char *name)
{
    g_auto(GStrv) words = g_strsplit_set(cmdline, " \t\n", -1);
    g_autofree char *prefix = g_strconcat(name, "=", NULL);

    for (guint i = 0; words[i]; i++)
        if (g_str_has_prefix(words[i], prefix))
            return g_strdup(words[i] + strlen(prefix));
    return NULL;
}

/* Does a "flags" line of /proc/cpuinfo @cpuinfo have @flag? */
static gboolean
cpu_has_flag(const char *cpuinfo, const char *flag)
{
    g_auto(GStrv) lines = g_strsplit(cpuinfo, "\n", -1);

    for (guint i = 0; lines[i]; i++)
        if (g_str_has_prefix(lines[i], "flags") && has_word(lines[i], flag))
            return TRUE;
    return FALSE;
}

/* ---- CPU and IOMMU --------------------------------------------------------
 */

static void
check_cpu(VgpuctlCheck *check, const char *cpuinfo)
{
    if (!cpuinfo)
        vgpuctl_check_report(check, "cpu-virtualization", VGPUCTL_CHECK_WARN,
                             NULL,
                             "cannot read /proc/cpuinfo: CPU virtualisation "
                             "(VT-x/AMD-V) not checked");
    else if (cpu_has_flag(cpuinfo, "vmx") || cpu_has_flag(cpuinfo, "svm"))
        vgpuctl_check_report(check, "cpu-virtualization", VGPUCTL_CHECK_OK,
                             NULL, "the CPU has hardware virtualisation (%s)",
                             cpu_has_flag(cpuinfo, "vmx") ? "vmx: Intel VT-x"
                                                          : "svm: AMD-V");
    else
        vgpuctl_check_report(
            check, "cpu-virtualization", VGPUCTL_CHECK_FAIL,
            "enable VT-x/AMD-V in the firmware (BIOS/UEFI setup); in a "
            "virtual machine, enable nested virtualisation on its host",
            "the CPU flags in /proc/cpuinfo have neither vmx (Intel VT-x) "
            "nor svm (AMD-V): KVM cannot run virtual machines");
}

/* The IOMMUs the kernel registered (/sys/class/iommu), ", "-separated;
 * empty if none. */
static char *
active_iommus(const VgpuctlCheck *check)
{
    g_autofree char *path =
        vgpu_context_build_path(check->ctx, "sys/class/iommu");
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(entry));
    g_ptr_array_sort(names, vgpuctl_compare_strings);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(", ", (char **)names->pdata);
}

/* What to do when no IOMMU is active, given the kernel command line's
 * setting @value of @param (NULL: not set). */
static char *
iommu_fix(const char *param, const char *value)
{
    if (g_strcmp0(value, "on") == 0)
        return g_strdup("enable VT-d/AMD-Vi (the IOMMU) in the firmware "
                        "(BIOS/UEFI setup): the kernel command line already "
                        "asks for it");
    if (value)
        return g_strdup_printf("replace %s=%s with %s=on on the kernel "
                               "command line " GRUB_HINT,
                               param, value, param);
    return g_strdup_printf(
        "add %s=on iommu=pt to the kernel command line " GRUB_HINT
        "; VT-d/AMD-Vi must be enabled in the firmware",
        param);
}

static void
check_iommu(VgpuctlCheck *check, const char *cpuinfo)
{
    g_autofree char *iommus = active_iommus(check);
    g_autofree char *cmdline = read_host_file(check, "proc/cmdline");
    gboolean amd = cpuinfo && (cpu_has_flag(cpuinfo, "svm") ||
                               strstr(cpuinfo, "AuthenticAMD"));
    const char *param = amd ? "amd_iommu" : "intel_iommu";
    g_autofree char *value = NULL;
    g_autofree char *fix = NULL;
    g_autofree char *said = NULL;

    if (*iommus) {
        vgpuctl_check_report(check, "iommu", VGPUCTL_CHECK_OK, NULL,
                             "an IOMMU is active: %s (/sys/class/iommu)",
                             iommus);
        return;
    }
    value = cmdline ? cmdline_value(cmdline, param) : NULL;
    fix = iommu_fix(param, value);
    if (!cmdline)
        said = g_strdup("/proc/cmdline cannot be read");
    else if (value)
        said =
            g_strdup_printf("the kernel command line has %s=%s", param, value);
    else
        said = g_strdup_printf("the kernel command line has no %s=", param);
    vgpuctl_check_report(check, "iommu", VGPUCTL_CHECK_FAIL, fix,
                         "no IOMMU is active (/sys/class/iommu is empty), so "
                         "VFIO cannot give devices to virtual machines; %s",
                         said);
}

void
vgpuctl_check_cpu_and_iommu(VgpuctlCheck *check)
{
    g_autofree char *cpuinfo = read_host_file(check, "proc/cpuinfo");

    check_cpu(check, cpuinfo);
    check_iommu(check, cpuinfo);
}

/* ---- nouveau --------------------------------------------------------------
 */

/* Does the modprobe configuration file @path blacklist nouveau? */
static gboolean
file_blacklists_nouveau(const char *path)
{
    g_autofree char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) &&
           g_regex_match_simple("^[ \\t]*blacklist[ \\t]+nouveau[ \\t]*$", text,
                                G_REGEX_MULTILINE, 0);
}

/* Where nouveau is blacklisted ("/etc/modprobe.d/x.conf", "the kernel
 * command line"), or NULL. Reads the directories of modprobe.d(5). */
static char *
nouveau_blacklist(const VgpuctlCheck *check)
{
    static const char *const dirs[] = {"etc/modprobe.d", "run/modprobe.d",
                                       "usr/lib/modprobe.d", "lib/modprobe.d"};
    g_autofree char *cmdline = read_host_file(check, "proc/cmdline");
    g_autofree char *listed =
        cmdline ? cmdline_value(cmdline, "modprobe.blacklist") : NULL;

    for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *dir_path =
            vgpu_context_build_path(check->ctx, dirs[i]);
        g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
        const char *entry;

        while (dir && (entry = g_dir_read_name(dir))) {
            g_autofree char *path = g_build_filename(dir_path, entry, NULL);

            if (g_str_has_suffix(entry, ".conf") &&
                file_blacklists_nouveau(path))
                return g_strdup_printf("/%s/%s", dirs[i], entry);
        }
    }
    if (listed) {
        g_auto(GStrv) modules = g_strsplit(listed, ",", -1);

        if (g_strv_contains((const char *const *)modules, "nouveau"))
            return g_strdup("the kernel command line");
    }
    return NULL;
}

void
vgpuctl_check_nouveau(VgpuctlCheck *check)
{
    g_autofree char *where = NULL;
    gboolean loaded;

    if (check->nvidia_gpus == 0)
        return;
    loaded = vgpuctl_check_host_exists(check, "sys/module/nouveau");
    where = nouveau_blacklist(check);
    if (loaded)
        vgpuctl_check_report(
            check, "nouveau", VGPUCTL_CHECK_FAIL,
            where ? "'update-initramfs -u' and reboot"
                  : "blacklist it: " BLACKLIST_NOUVEAU,
            "the nouveau module is loaded%s%s%s: it takes NVIDIA GPUs away "
            "from the NVIDIA vGPU manager",
            where ? " although " : "", where ? where : "",
            where ? " blacklists it" : "");
    else if (where)
        vgpuctl_check_report(check, "nouveau", VGPUCTL_CHECK_OK, NULL,
                             "nouveau is not loaded and is blacklisted (%s)",
                             where);
    else
        vgpuctl_check_report(
            check, "nouveau", VGPUCTL_CHECK_WARN,
            "blacklist it: " BLACKLIST_NOUVEAU,
            "nouveau is not loaded but not blacklisted (no 'blacklist "
            "nouveau' in /etc/modprobe.d/*.conf): it can take the GPU at a "
            "boot where the NVIDIA driver does not load first");
}

/* ---- NVIDIA vGPU manager services ---------------------------------------- */

typedef struct {
    const char *unit;
    VgpuctlVerdict inactive; /* the verdict when it is not active */
    const char *fix;
    const char *why;
} VgpuctlService;

static const VgpuctlService nvidia_services[] = {
    {"nvidia-vgpud", VGPUCTL_CHECK_WARN,
     "'systemctl enable --now nvidia-vgpud'; see 'journalctl -u nvidia-vgpud'",
     "it sets up the GPUs' vGPU types at boot (some releases let it exit "
     "once done, harmless while the types are there)"},
    {"nvidia-vgpu-mgr", VGPUCTL_CHECK_FAIL,
     "'systemctl enable --now nvidia-vgpu-mgr'; see 'journalctl -u "
     "nvidia-vgpu-mgr'",
     "no virtual machine with a vGPU can start without it"},
};

/* What 'systemctl is-active UNIT' says (or SYSTEMD_UNITS_ENV). */
static char *
unit_state(const char *unit)
{
    const char *override = g_getenv(SYSTEMD_UNITS_ENV);
    const char *argv[] = {"systemctl", "is-active", unit, NULL};
    g_autofree char *out = NULL;

    if (override) {
        g_auto(GStrv) pairs = g_strsplit(override, ",", -1);
        g_autofree char *prefix = g_strconcat(unit, "=", NULL);

        for (guint i = 0; pairs[i]; i++)
            if (g_str_has_prefix(pairs[i], prefix))
                return g_strdup(pairs[i] + strlen(prefix));
        return g_strdup("inactive");
    }
    if (!g_spawn_sync(NULL, (char **)argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                      NULL, &out, NULL, NULL, NULL))
        return g_strdup("unknown (systemctl cannot be run)");
    g_strstrip(out);
    return g_strdup(*out ? out : "unknown");
}

void
vgpuctl_check_nvidia_services(VgpuctlCheck *check)
{
    const char *root = vgpu_context_get_root(check->ctx);

    if (check->nvidia_vgpu == 0 ||
        !vgpuctl_check_host_exists(check, "run/systemd/system"))
        return;
    if (!g_str_equal(root, "/") && !g_getenv(SYSTEMD_UNITS_ENV)) {
        vgpuctl_check_report(
            check, "nvidia-services", VGPUCTL_CHECK_INFO, NULL,
            "nvidia-vgpud and nvidia-vgpu-mgr not checked: systemd answers "
            "for the running host, not for the host root %s",
            root);
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(nvidia_services); i++) {
        const VgpuctlService *service = &nvidia_services[i];
        g_autofree char *state = unit_state(service->unit);
        gboolean active = g_str_equal(state, "active");

        vgpuctl_check_report(check, "nvidia-services",
                             active ? VGPUCTL_CHECK_OK : service->inactive,
                             active ? NULL : service->fix,
                             "%s.service is %s%s%s", service->unit, state,
                             active ? "" : ": ", active ? "" : service->why);
    }
}

/* ---- libvirt and the hook -------------------------------------------------
 */

static void
check_hook_dirs(VgpuctlCheck *check)
{
    unsigned long version = 0;
    g_autofree char *shown = NULL;

    if (!vgpuctl_check_libvirt_version(check, &version, &shown))
        vgpuctl_check_report(check, "libvirt-hook-dirs", VGPUCTL_CHECK_WARN,
                             NULL,
                             "cannot tell the libvirt version (%s); the hook "
                             "in qemu.d/ needs libvirt >= 6.5.0",
                             shown);
    else if (version >= LIBVIRT_HOOK_DIRS_VERSION)
        vgpuctl_check_report(check, "libvirt-hook-dirs", VGPUCTL_CHECK_OK, NULL,
                             "libvirt %s runs the hooks in "
                             "/etc/libvirt/hooks/qemu.d/ (since 6.5.0)",
                             shown);
    else
        vgpuctl_check_report(check, "libvirt-hook-dirs", VGPUCTL_CHECK_FAIL,
                             "upgrade libvirt to 6.5.0 or newer",
                             "libvirt %s does not run hooks in "
                             "/etc/libvirt/hooks/qemu.d/ (only since 6.5.0), "
                             "so the libvgpu hook never runs",
                             shown);
}

/* The pid in <root>/run/<@daemon>.pid, or 0. */
static gint64
daemon_pid(const VgpuctlCheck *check, const char *daemon)
{
    g_autofree char *relative = g_strdup_printf("run/%s.pid", daemon);
    g_autofree char *text = read_host_file(check, relative);

    return text ? g_ascii_strtoll(text, NULL, 10) : 0;
}

/* When process @pid started, in seconds since the epoch: /proc/PID/stat
 * field 22 (clock ticks after boot) plus btime of /proc/stat; 0 if there
 * is no such process. */
static gint64
process_start(const VgpuctlCheck *check, gint64 pid)
{
    g_autofree char *relative =
        g_strdup_printf("proc/%" G_GINT64_FORMAT "/stat", pid);
    g_autofree char *stat = read_host_file(check, relative);
    g_autofree char *boot = read_host_file(check, "proc/stat");
    g_auto(GStrv) fields = NULL;
    const char *after = stat ? strrchr(stat, ')') : NULL;
    const char *btime = boot ? strstr(boot, "\nbtime ") : NULL;

    if (!after || !btime || after[1] == '\0')
        return 0;
    fields = g_strsplit(after + 2, " ", 21); /* fields[0] is field 3 */
    if (g_strv_length(fields) < 20)
        return 0;
    return g_ascii_strtoll(btime + strlen("\nbtime "), NULL, 10) +
           (gint64)(g_ascii_strtoull(fields[19], NULL, 10) /
                    (guint64)sysconf(_SC_CLK_TCK));
}

static char *
format_time(gint64 seconds)
{
    g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc(seconds);

    return time ? g_date_time_format(time, "%Y-%m-%d %H:%M:%S UTC")
                : g_strdup("?");
}

/* libvirt lists the hooks when the daemon starts (docs/hooks.rst): a
 * daemon started before the hook was installed does not run it. */
static void
check_daemon_after_hook(VgpuctlCheck *check, const char *daemon, gint64 pid,
                        gint64 started, gint64 installed)
{
    g_autofree char *fix = NULL;
    g_autofree char *started_text = format_time(started);
    g_autofree char *installed_text = format_time(installed);

    if (started >= installed) {
        vgpuctl_check_report(check, "hook-daemon", VGPUCTL_CHECK_OK, NULL,
                             "%s (pid %" G_GINT64_FORMAT ") started at %s, "
                             "after the hook was installed (%s)",
                             daemon, pid, started_text, installed_text);
        return;
    }
    fix = g_strdup_printf("restart %s so it sees the hook ('systemctl "
                          "restart %s')",
                          daemon, daemon);
    vgpuctl_check_report(check, "hook-daemon", VGPUCTL_CHECK_WARN, fix,
                         "%s (pid %" G_GINT64_FORMAT ") started at %s, "
                         "before the hook was installed (%s): it does not "
                         "run the hook",
                         daemon, pid, started_text, installed_text);
}

static void
check_hook_daemons(VgpuctlCheck *check)
{
    static const char *const daemons[] = {"libvirtd", "virtqemud"};
    g_autofree char *path = vgpu_context_build_path(
        check->ctx, VGPUCTL_HOOKS_DIR "/" VGPUCTL_HOOK_NAME);
    GStatBuf hook;
    guint running = 0;

    if (g_lstat(path, &hook) != 0)
        return; /* check_hook() says it is missing */
    for (guint i = 0; i < G_N_ELEMENTS(daemons); i++) {
        gint64 pid = daemon_pid(check, daemons[i]);
        gint64 started = pid > 0 ? process_start(check, pid) : 0;

        if (started == 0)
            continue;
        running++;
        check_daemon_after_hook(check, daemons[i], pid, started,
                                (gint64)hook.st_mtime);
    }
    if (running == 0)
        vgpuctl_check_report(check, "hook-daemon", VGPUCTL_CHECK_OK, NULL,
                             "no libvirt daemon is running (no live process "
                             "in /run/libvirtd.pid or /run/virtqemud.pid); it "
                             "reads the hook when it starts");
}

void
vgpuctl_check_libvirt_hooks(VgpuctlCheck *check)
{
    check_hook_dirs(check);
    check_hook_daemons(check);
}

/* ---- records --------------------------------------------------------------
 */

void
vgpuctl_check_busy_records(VgpuctlCheck *check, GPtrArray *records)
{
    g_autoptr(GString) left = g_string_new(NULL);
    guint count = 0;

    for (guint i = 0; i < records->len; i++) {
        const VgpuRecord *record = g_ptr_array_index(records, i);
        VgpuRecordState state = vgpu_record_get_state(record);

        if (state == VGPU_RECORD_READY || vgpu_record_is_in_progress(record))
            continue;
        count++;
        g_string_append_printf(
            left, "%s%s (domain %s, %s)", left->len ? ", " : "",
            vgpu_record_get_uuid(record), vgpu_record_get_domain(record),
            vgpu_record_state_to_string(state));
    }
    if (count > 0)
        vgpuctl_check_report(
            check, "busy-records", VGPUCTL_CHECK_WARN,
            "'vgpuctl gc' finishes or drops them",
            "%u device%s left half created or half removed by a process "
            "that is gone (a shutdown or a crash): %s",
            count, count == 1 ? "" : "s", left->str);
}
