/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - private sysfs attribute and path helpers.
 */
#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <libvgpu/vgpu-uuid.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define ATTR_MAX_BYTES (64 * 1024)
/* What a text attribute holds on 4 KiB-page kernels: sysfs shows at most a
 * page (fs/sysfs/file.c, sysfs_kf_seq_show()); larger pages, larger ones. */
#define ATTR_FIRST_BYTES 4096
/* How often vgpu_sysfs_wait_gone() looks. */
#define WAIT_GONE_POLL_US 2000

gboolean
vgpu_name_is_safe(const char *name)
{
    gsize len;

    if (!name)
        return FALSE;
    len = strlen(name);
    if (len == 0 || len > VGPU_NAME_MAX)
        return FALSE;
    if (g_str_equal(name, ".") || g_str_equal(name, ".."))
        return FALSE;
    /* Kernel device and mdev type names are printable ASCII without
     * spaces ("0000:05:00.0", "nvidia-65", "i915-GVTg_V5_4"); anything else
     * is refused before it reaches a path or a message. */
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p <= ' ' || *p > '~')
            return FALSE;
    }
    return TRUE;
}

gboolean
vgpu_name_check(const char *what, const char *name, GError **error)
{
    g_autofree char *quoted = NULL;

    if (vgpu_name_is_safe(name))
        return TRUE;
    quoted = vgpu_text_quote(name);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "%s name %s is not a valid sysfs name: it must be one "
                "path component of 1-255 printable ASCII characters without "
                "'/' or spaces, and not \".\" or \"..\"",
                what, quoted);
    return FALSE;
}

gboolean
vgpu_uuid_check(const char *uuid, GError **error)
{
    if (vgpu_uuid_is_valid(uuid))
        return TRUE;
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "\"%s\" is not a canonical mdev UUID (36 lowercase "
                "characters, e.g. 9d2e9b5e-1c4a-4f7e-8a3b-0123456789ab)",
                uuid ? uuid : "(null)");
    return FALSE;
}

void
vgpu_set_system_error(GError **error, int errsv, const char *action,
                      const char *path)
{
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM, "cannot %s %s: %s",
                action, path, g_strerror(errsv));
}

/* vgpu_sysfs_read_attr() in the buffer it was read into (a page or more),
 * for a caller that only parses it. */
static char *
read_attr_buffer(const char *path, GError **error)
{
    gsize size = ATTR_FIRST_BYTES;
    g_autofree char *buf = g_malloc(size + 1);
    gsize used = 0;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int errsv = errno;
        if (errsv == ENOENT || errsv == ENOTDIR) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                        "%s does not exist", path);
        } else {
            vgpu_set_system_error(error, errsv, "open", path);
        }
        return NULL;
    }

    while (used < ATTR_MAX_BYTES) {
        gsize want;
        ssize_t n;

        if (used == size) { /* full: a larger attribute */
            size = MIN(size * 2, ATTR_MAX_BYTES);
            buf = g_realloc(buf, size + 1);
        }
        want = size - used;
        n = read(fd, buf + used, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int errsv = errno;
            close(fd);
            if (errsv == ENODEV || errsv == ENOENT) {
                g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                            "%s vanished while being read", path);
            } else {
                vgpu_set_system_error(error, errsv, "read", path);
            }
            return NULL;
        }
        if (n == 0)
            break;
        used += (gsize)n;
        /* kernfs hands out an attribute whole in the first read (one
         * show() into a page, fs/kernfs/file.c: kernfs_seq_show() via
         * seq_read_iter()), so a short read is its end: no second
         * read(2) just to see end of file (a round trip on FUSE) */
        if ((gsize)n < want)
            break;
    }
    close(fd);

    buf[used] = '\0';
    g_strchomp(buf);
    return g_steal_pointer(&buf);
}

char *
vgpu_sysfs_read_attr(const char *path, GError **error)
{
    char *buf = read_attr_buffer(path, error);

    /* the string, not the buffer: callers keep names and descriptions */
    return buf ? g_realloc(buf, strlen(buf) + 1) : NULL;
}

gboolean
vgpu_sysfs_read_uint(const char *path, guint *value, GError **error)
{
    g_autofree char *text = read_attr_buffer(path, error);
    guint64 number;

    if (!text)
        return FALSE;
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT, &number, NULL)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s holds \"%s\", not a decimal number", path, text);
        return FALSE;
    }
    *value = (guint)number;
    return TRUE;
}

int
vgpu_sysfs_write_attr(const char *path, const char *value)
{
    size_t len = strlen(value);
    ssize_t n;
    int fd;

    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    do {
        n = write(fd, value, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int errsv = errno;
        close(fd);
        return errsv;
    }
    if (close(fd) < 0 && errno != EINTR)
        return errno;
    return (size_t)n == len ? 0 : EIO;
}

char *
vgpu_sysfs_type_path(VgpuContext *ctx, const char *parent, const char *type_id,
                     const char *attr)
{
    return g_build_filename(vgpu_context_get_root(ctx), VGPU_SYSFS_MDEV_BUS,
                            parent, "mdev_supported_types", type_id, attr,
                            NULL);
}

char *
vgpu_sysfs_device_path(VgpuContext *ctx, const char *uuid, const char *attr)
{
    return g_build_filename(vgpu_context_get_root(ctx), VGPU_SYSFS_MDEV_DEVICES,
                            uuid, attr, NULL);
}

gint
vgpu_compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

gboolean
vgpu_sysfs_wait_gone(VgpuContext *ctx, const char *id,
                     VgpuSysfsExistsFunc exists, gint64 deadline)
{
    for (;;) {
        if (!exists(ctx, id))
            return TRUE;
        if (g_get_monotonic_time() >= deadline)
            return FALSE;
        g_usleep(WAIT_GONE_POLL_US);
    }
}

int
vgpu_sysfs_scan_dir(const char *path, VgpuSysfsEntryFunc func, gpointer data)
{
    union {
        struct dirent64 entry;
        char bytes[4096];
    } buf;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    gboolean more = TRUE;
    ssize_t len;
    int errsv;

    if (fd < 0)
        return errno;
    while (more && (len = getdents64(fd, &buf, sizeof(buf))) > 0) {
        for (ssize_t at = 0; more && at < len;) {
            const struct dirent64 *entry = (const void *)(buf.bytes + at);
            const char *name = entry->d_name;

            at += entry->d_reclen;
            if (name[0] != '.' || (name[1] && (name[1] != '.' || name[2])))
                more = func(name, data);
        }
    }
    errsv = more && len < 0 ? errno : 0;
    close(fd);
    return errsv;
}

static gboolean
add_name(const char *name, gpointer names)
{
    g_ptr_array_add(names, g_strdup(name));
    return TRUE;
}

GPtrArray *
vgpu_sysfs_list_dir(const char *path, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    int errsv = vgpu_sysfs_scan_dir(path, add_name, names);

    if (errsv == ENOENT || errsv == ENOTDIR)
        return g_steal_pointer(&names);
    if (errsv != 0) {
        vgpu_set_system_error(error, errsv, "list", path);
        return NULL;
    }
    g_ptr_array_sort(names, vgpu_compare_names);
    return g_steal_pointer(&names);
}
