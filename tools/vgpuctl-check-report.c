/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl check - reporting findings (text or JSON) and the sysfs readers
 * the checks share.
 */
#include "vgpuctl-check.h"
#include "vgpuctl-output.h"

#include <stdio.h>

static const char *const verdicts[] = {"ok", "warning", "fail", "info"};

void
vgpuctl_check_report(VgpuctlCheck *check, const char *id,
                     VgpuctlVerdict verdict, const char *fix,
                     const char *format, ...)
{
    static const char *const labels[] = {"ok", "warning", "FAIL", "info"};
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    if (verdict == VGPUCTL_CHECK_FAIL)
        check->problems++;
    else if (verdict == VGPUCTL_CHECK_WARN)
        check->warnings++;

    if (!check->json) {
        printf("%-8s %s%s%s\n", labels[verdict], message, fix ? ": " : "",
               fix ? fix : "");
        return;
    }
    json_builder_begin_object(check->json);
    vgpuctl_json_add_string(check->json, "check", id);
    vgpuctl_json_add_string(check->json, "verdict", verdicts[verdict]);
    vgpuctl_json_add_string(check->json, "message", message);
    if (fix)
        vgpuctl_json_add_string(check->json, "fix", fix);
    json_builder_end_object(check->json);
}

char *
vgpuctl_check_read_attribute(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strstrip(text);
}

guint64
vgpuctl_check_hex_attribute(const char *dir, const char *name)
{
    g_autofree char *text = vgpuctl_check_read_attribute(dir, name);

    return text ? g_ascii_strtoull(text, NULL, 16) : G_MAXUINT64;
}

guint
vgpuctl_check_uint_attribute(const char *dir, const char *name)
{
    g_autofree char *text = vgpuctl_check_read_attribute(dir, name);
    guint64 value = text ? g_ascii_strtoull(text, NULL, 10) : 0;

    return value > G_MAXUINT ? 0 : (guint)value;
}

char *
vgpuctl_check_driver(const char *pci_dir)
{
    g_autofree char *link = g_build_filename(pci_dir, "driver", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

gboolean
vgpuctl_check_host_exists(const VgpuctlCheck *check, const char *relative)
{
    g_autofree char *path = vgpu_context_build_path(check->ctx, relative);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

/*
 * The version of the libvirt library under the host root, without loading
 * it: libvirt names the file after its version (libvirt's meson.build:
 * libvirt.so.0.<major * 1000 + minor>.<micro>, e.g. libvirt.so.0.9000.0
 * for 9.0.0) and libvirt.so.0 links to it.
 */
static gboolean
installed_libvirt_version(const VgpuctlCheck *check, unsigned long *version,
                          char **shown)
{
    const char *relative = VGPUCTL_LIBVIRT_LIBDIR "/libvirt.so.0";
    g_autofree char *link = vgpu_context_build_path(check->ctx, relative);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_autofree char *file = target ? g_path_get_basename(target) : NULL;
    unsigned int age = 0, micro = 0;
    int end = 0;

    if (!file) {
        *shown = g_strdup_printf("no link %s", relative);
        return FALSE;
    }
    if (sscanf(file, "libvirt.so.0.%u.%u%n", &age, &micro, &end) != 2 ||
        file[end] != '\0' || micro > 999) {
        *shown =
            g_strdup_printf("%s links to \"%s\", a name without the "
                            "version (libvirt.so.0.MAJOR*1000+MINOR.MICRO)",
                            relative, file);
        return FALSE;
    }
    *version = (unsigned long)age * 1000 + micro;
    return TRUE;
}

gboolean
vgpuctl_check_libvirt_version(const VgpuctlCheck *check, unsigned long *version,
                              char **shown)
{
    const char *text = g_getenv(VGPUCTL_LIBVIRT_VERSION_ENV);
    guint64 major = 0, minor = 0, micro = 0;

    if (!text && !installed_libvirt_version(check, version, shown))
        return FALSE;
    if (text) {
        if (sscanf(text,
                   "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT
                   ".%" G_GUINT64_FORMAT,
                   &major, &minor, &micro) != 3 ||
            minor > 999 || micro > 999) {
            *shown = g_strdup("bad " VGPUCTL_LIBVIRT_VERSION_ENV);
            return FALSE;
        }
        *version = major * 1000000 + minor * 1000 + micro;
    }
    *shown = g_strdup_printf("%lu.%lu.%lu", *version / 1000000,
                             *version / 1000 % 1000, *version % 1000);
    return TRUE;
}
