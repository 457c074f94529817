/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - reading mdevctl's device definitions,
 * etc/mdevctl.d/<parent>/<uuid> under the root (include/libvgpu/
 * vgpu-mdevctl.h). mdevctl (src/environment.rs `get_defined_devices()`,
 * src/mdev.rs `load_from_json()`) follows symlinks and reads files of any
 * size and owner; the hook runs as root for libvirtd, so this reads only
 * what root itself put there: every step opened with O_NOFOLLOW, only
 * small regular files owned by the effective user and not writable by
 * others.
 */
#include <libvgpu/vgpu-mdevctl.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-json-loader.h"
#include "vgpu-request-private.h"
#include "vgpu-sysfs.h"
#include "vgpu-text.h"

#include <json-glib/json-glib.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MDEVCTL_DIR "etc/mdevctl.d"
/* mdevctl's callout scripts live here, not definitions (environment.rs
 * `config_scripts_base()`). */
#define MDEVCTL_SCRIPTS "scripts.d"
/* One sysfs store takes at most a page (fs/kernfs/file.c). */
#define ATTR_VALUE_MAX 4096

struct _VgpuMdevctlDefinition {
    char *uuid;
    char *parent;
    char *type_id;
    char *path;
    gboolean autostart;
    char **attrs; /* name, value, …, NULL */
};

void
vgpu_mdevctl_definition_free(VgpuMdevctlDefinition *definition)
{
    if (!definition)
        return;
    g_free(definition->uuid);
    g_free(definition->parent);
    g_free(definition->type_id);
    g_free(definition->path);
    g_strfreev(definition->attrs);
    g_free(definition);
}

/* "<root>/etc/mdevctl.d[/<parent>[/<uuid>]]" */
static char *
definition_path(VgpuContext *ctx, const char *parent, const char *uuid)
{
    return g_build_filename(vgpu_context_get_root(ctx), MDEVCTL_DIR, parent,
                            uuid, NULL);
}

/* Why an open file or directory @fd is not trusted, or NULL. */
static const char *
distrust(int fd, gboolean directory, gsize max_bytes)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return "it cannot be examined";
    if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
        return directory ? "it is not a directory" : "it is not a regular file";
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return "another user owns it or may write it";
    if (!directory && (guint64)st.st_size > max_bytes)
        return "it is larger than 64 KiB";
    return NULL;
}

/*
 * Opens @name under @dir_fd without following a symlink, and checks it.
 * Returns the fd, or -1: errno ENOENT with no @why when it does not exist,
 * else @why (static text) says why it is not used.
 */
static int
open_trusted(int dir_fd, const char *name, gboolean directory, const char **why)
{
    int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    int fd = openat(dir_fd, name, directory ? flags | O_DIRECTORY : flags);

    *why = NULL;
    if (fd < 0) {
        struct stat st;

        if (errno == ELOOP ||
            (errno == ENOTDIR &&
             fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
             S_ISLNK(st.st_mode)))
            *why = "it is a symlink";
        else if (errno == ENOTDIR)
            *why = "it is not a directory";
        else if (errno != ENOENT)
            *why = g_strerror(errno);
        return -1;
    }
    *why = distrust(fd, directory, VGPU_MDEVCTL_DEFINITION_MAX_BYTES);
    if (*why) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sets the one-line refusal of the definition at @path. */
G_GNUC_PRINTF(4, 5)
static void
refuse(GError **error, const char *path, const char *uuid, const char *format,
       ...)
{
    g_autofree char *why = NULL;
    va_list args;

    va_start(args, format);
    why = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "mdevctl definition %s is not used: %s; fix or replace it "
                "with mdevctl as root ('mdevctl undefine --uuid %s', then "
                "'mdevctl define'), or remove the file",
                path, why, uuid);
}

/* The string member @name of @object; NULL (and @bad) when it has
 * another type. */
static const char *
member_string(JsonObject *object, const char *name, gboolean *bad)
{
    JsonNode *node = json_object_get_member(object, name);

    *bad = FALSE;
    if (!node || JSON_NODE_HOLDS_NULL(node))
        return NULL;
    if (!JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING) {
        *bad = TRUE;
        return NULL;
    }
    return json_node_get_string(node);
}

/* `attrs`: [{"name": "value"}, …] (mdevctl `add_attributes()`). */
static gboolean
parse_attrs(JsonObject *object, GPtrArray *attrs, char **why)
{
    JsonNode *node = json_object_get_member(object, "attrs");
    JsonArray *array;

    if (!node || JSON_NODE_HOLDS_NULL(node))
        return TRUE;
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        *why = g_strdup("its attrs is not an array");
        return FALSE;
    }
    array = json_node_get_array(node);
    if (json_array_get_length(array) > VGPU_MDEVCTL_ATTRS_MAX) {
        *why = g_strdup_printf("it sets more than %u attributes",
                               VGPU_MDEVCTL_ATTRS_MAX);
        return FALSE;
    }
    for (guint i = 0; i < json_array_get_length(array); i++) {
        JsonNode *item = json_array_get_element(array, i);
        JsonObject *attr =
            JSON_NODE_HOLDS_OBJECT(item) ? json_node_get_object(item) : NULL;
        g_autoptr(GList) names = attr ? json_object_get_members(attr) : NULL;
        const char *name = names ? names->data : NULL;
        const char *value = NULL;
        gboolean bad = TRUE;

        if (name && !names->next)
            value = member_string(attr, name, &bad);
        if (!value || bad) {
            *why = g_strdup_printf("attribute %u is not an object with one "
                                   "string member",
                                   i);
            return FALSE;
        }
        if (!vgpu_name_is_safe(name) || g_str_equal(name, "remove") ||
            g_str_equal(name, "uevent")) {
            g_autofree char *quoted = vgpu_text_quote(name);
            *why = g_strdup_printf("attribute %u names %s, which is not a "
                                   "device attribute it may write",
                                   i, quoted);
            return FALSE;
        }
        if (strlen(value) > ATTR_VALUE_MAX) {
            *why = g_strdup_printf("the value of attribute %u is longer "
                                   "than a sysfs write (%u bytes)",
                                   i, ATTR_VALUE_MAX);
            return FALSE;
        }
        g_ptr_array_add(attrs, g_strdup(name));
        g_ptr_array_add(attrs, g_strdup(value));
    }
    return TRUE;
}

/* Checks the parsed JSON @root of the definition of @uuid on @parent and
 * fills @definition; NULL with @why. */
static gboolean
parse_definition(JsonNode *root, VgpuMdevctlDefinition *definition, char **why)
{
    g_autoptr(GPtrArray) attrs = g_ptr_array_new_with_free_func(g_free);
    JsonObject *object;
    const char *type_id, *start, *uuid, *parent;
    gboolean bad_type, bad_start, bad_uuid, bad_parent;

    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        *why = g_strdup("it is not a JSON object");
        return FALSE;
    }
    object = json_node_get_object(root);
    type_id = member_string(object, "mdev_type", &bad_type);
    start = member_string(object, "start", &bad_start);
    uuid = member_string(object, "uuid", &bad_uuid);
    parent = member_string(object, "parent", &bad_parent);
    if (!type_id || !start || bad_type || bad_start) {
        *why = g_strdup("mdev_type and start must be strings (mdevctl: "
                        "\"invalid json\")");
        return FALSE;
    }
    if (!vgpu_name_is_safe(type_id)) {
        g_autofree char *quoted = vgpu_text_quote(type_id);
        *why = g_strdup_printf("its mdev_type %s is not an mdev type name",
                               quoted);
        return FALSE;
    }
    /* mdevctl keeps identity in the path; a member naming another device
     * is a file copied or moved by hand. */
    if (bad_uuid || bad_parent ||
        (uuid && g_ascii_strcasecmp(uuid, definition->uuid) != 0) ||
        (parent && !g_str_equal(parent, definition->parent))) {
        *why = g_strdup("its uuid or parent member names another device "
                        "than its file name and directory");
        return FALSE;
    }
    if (!parse_attrs(object, attrs, why))
        return FALSE;
    definition->type_id = g_strdup(type_id);
    definition->autostart = g_str_equal(start, "auto");
    g_ptr_array_add(attrs, NULL);
    definition->attrs =
        (char **)g_ptr_array_free(g_steal_pointer(&attrs), FALSE);
    return TRUE;
}

/*
 * Reads the definition of @uuid in the parent directory @parent of
 * etc/mdevctl.d (@dir_fd). NULL with VGPU_ERROR_NOT_FOUND when there is no
 * such file, VGPU_ERROR_INVALID_INPUT when it is not trusted or malformed.
 */
static VgpuMdevctlDefinition *
read_definition(VgpuContext *ctx, int dir_fd, const char *parent,
                const char *uuid, GError **error)
{
    g_autoptr(VgpuMdevctlDefinition) definition =
        g_new0(VgpuMdevctlDefinition, 1);
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *data = NULL;
    g_autofree char *why = NULL;
    const char *distrusted = NULL;
    int parent_fd = -1, fd = -1;
    ssize_t n = -1;

    definition->uuid = g_strdup(uuid);
    definition->parent = g_strdup(parent);
    definition->path = definition_path(ctx, parent, uuid);
    if (!vgpu_name_is_safe(parent)) {
        refuse(error, definition->path, uuid,
               "its directory is not a parent device name");
        return NULL;
    }
    parent_fd = open_trusted(dir_fd, parent, TRUE, &distrusted);
    if (parent_fd >= 0) {
        fd = open_trusted(parent_fd, uuid, FALSE, &distrusted);
        close(parent_fd);
    } else if (distrusted) {
        g_autofree char *dir = definition_path(ctx, parent, NULL);
        refuse(error, definition->path, uuid, "its directory %s: %s", dir,
               distrusted);
        return NULL;
    }
    if (fd < 0 && !distrusted) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no mdevctl definition %s", definition->path);
        return NULL;
    }
    if (fd >= 0) {
        data = g_malloc(VGPU_MDEVCTL_DEFINITION_MAX_BYTES + 1);
        n = pread(fd, data, VGPU_MDEVCTL_DEFINITION_MAX_BYTES + 1, 0);
        close(fd);
        if (n < 0)
            distrusted = g_strerror(errno);
        else if (n > VGPU_MDEVCTL_DEFINITION_MAX_BYTES)
            distrusted = "it is larger than 64 KiB";
    }
    if (distrusted) {
        refuse(error, definition->path, uuid, "%s", distrusted);
        return NULL;
    }
    if (!vgpu_json_load(error))
        return NULL;
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, data, n, &local)) {
        g_autofree char *reason = vgpu_text_one_line(local->message, 256);
        refuse(error, definition->path, uuid, "it is not valid JSON (%s)",
               reason);
        return NULL;
    }
    if (!parse_definition(json_parser_get_root(parser), definition, &why)) {
        refuse(error, definition->path, uuid, "%s", why);
        return NULL;
    }
    return g_steal_pointer(&definition);
}

/*
 * Opens etc/mdevctl.d under the root (O_NOFOLLOW from etc/). Returns -1
 * with no error and errno ENOENT when there is none.
 */
static int
open_mdevctl_dir(VgpuContext *ctx, GError **error)
{
    g_autofree char *etc =
        g_build_filename(vgpu_context_get_root(ctx), "etc", NULL);
    const char *why = NULL;
    int etc_fd, fd;

    etc_fd = open(etc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (etc_fd < 0) {
        errno = ENOENT;
        return -1;
    }
    fd = open_trusted(etc_fd, "mdevctl.d", TRUE, &why);
    close(etc_fd);
    if (fd < 0 && why) {
        g_autofree char *path = definition_path(ctx, NULL, NULL);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "mdevctl's directory %s is not used: %s; it must be a "
                    "directory owned by root, mode 0755",
                    path, why);
        return -1;
    }
    if (fd < 0)
        errno = ENOENT;
    return fd;
}

/* A new descriptor of directory @dir_fd with its own read position (a
 * dup() would share it), for listing. */
static int
reopen_dir(int dir_fd)
{
    return openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Entry names of directory @fd (which it closes), sorted; empty when @fd
 * is -1. */
static GPtrArray *
list_names(int fd)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *entry;

    if (!dir) {
        if (fd >= 0)
            close(fd);
        return names;
    }
    while ((entry = readdir(dir))) {
        if (!g_str_equal(entry->d_name, ".") &&
            !g_str_equal(entry->d_name, "..") &&
            !g_str_equal(entry->d_name, MDEVCTL_SCRIPTS))
            g_ptr_array_add(names, g_strdup(entry->d_name));
    }
    closedir(dir);
    g_ptr_array_sort(names, vgpu_compare_names);
    return names;
}

/* The parent directories of etc/mdevctl.d (@dir_fd) that hold a file
 * named @uuid, symlinked ones included (a symlinked directory is then
 * refused by read_definition()). */
static GPtrArray *
parents_defining(int dir_fd, const char *uuid)
{
    g_autoptr(GPtrArray) names = list_names(reopen_dir(dir_fd));
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < names->len; i++) {
        g_autofree char *file = g_build_filename(names->pdata[i], uuid, NULL);
        struct stat st;

        if (fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
            g_ptr_array_add(found, g_strdup(names->pdata[i]));
    }
    return found;
}

VgpuMdevctlDefinition *
vgpu_mdevctl_lookup(VgpuContext *ctx, const char *uuid, GError **error)
{
    g_autoptr(GPtrArray) parents = NULL;
    VgpuMdevctlDefinition *definition;
    int dir_fd;

    g_return_val_if_fail(ctx != NULL, NULL);

    if (!vgpu_uuid_check(uuid, error))
        return NULL;
    dir_fd = open_mdevctl_dir(ctx, error);
    if (dir_fd < 0) {
        if (errno == ENOENT && !(error && *error))
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                        "no mdevctl definition of %s", uuid);
        return NULL;
    }
    parents = parents_defining(dir_fd, uuid);
    if (parents->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no mdevctl definition of %s", uuid);
        close(dir_fd);
        return NULL;
    }
    if (parents->len > 1) {
        g_autofree char *dir = definition_path(ctx, NULL, NULL);
        g_autofree char *list = NULL;

        g_ptr_array_add(parents, NULL);
        list = g_strjoinv(", ", (char **)parents->pdata);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "mediated device %s is defined for several parents in "
                    "%s (%s), which mdevctl refuses too; keep one with "
                    "'mdevctl undefine --uuid %s --parent PARENT'",
                    uuid, dir, list, uuid);
        close(dir_fd);
        return NULL;
    }
    definition = read_definition(ctx, dir_fd, parents->pdata[0], uuid, error);
    close(dir_fd);
    return definition;
}

GPtrArray *
vgpu_mdevctl_list(VgpuContext *ctx, GPtrArray *anomalies, GError **error)
{
    g_autoptr(GPtrArray) definitions = g_ptr_array_new_with_free_func(
        (GDestroyNotify)vgpu_mdevctl_definition_free);
    g_autoptr(GPtrArray) parents = NULL;
    int dir_fd;

    g_return_val_if_fail(ctx != NULL, NULL);

    dir_fd = open_mdevctl_dir(ctx, error);
    if (dir_fd < 0)
        return errno == ENOENT && !(error && *error)
                   ? g_steal_pointer(&definitions)
                   : NULL;
    parents = list_names(reopen_dir(dir_fd));
    for (guint i = 0; i < parents->len; i++) {
        const char *parent = parents->pdata[i];
        int parent_fd =
            openat(dir_fd, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        g_autoptr(GPtrArray) files =
            parent_fd >= 0 ? list_names(parent_fd) : NULL;

        for (guint j = 0; files && j < files->len; j++) {
            g_autoptr(GError) local = NULL;
            VgpuMdevctlDefinition *definition;

            if (!vgpu_uuid_check(files->pdata[j], NULL))
                continue; /* not a definition libvirt could name */
            definition =
                read_definition(ctx, dir_fd, parent, files->pdata[j], &local);
            if (definition)
                g_ptr_array_add(definitions, definition);
            else if (anomalies && local)
                g_ptr_array_add(anomalies, g_strdup(local->message));
        }
    }
    close(dir_fd);
    return g_steal_pointer(&definitions);
}

const char *
vgpu_mdevctl_definition_get_uuid(const VgpuMdevctlDefinition *definition)
{
    g_return_val_if_fail(definition != NULL, NULL);
    return definition->uuid;
}

const char *
vgpu_mdevctl_definition_get_parent(const VgpuMdevctlDefinition *definition)
{
    g_return_val_if_fail(definition != NULL, NULL);
    return definition->parent;
}

const char *
vgpu_mdevctl_definition_get_type_id(const VgpuMdevctlDefinition *definition)
{
    g_return_val_if_fail(definition != NULL, NULL);
    return definition->type_id;
}

gboolean
vgpu_mdevctl_definition_get_autostart(const VgpuMdevctlDefinition *definition)
{
    g_return_val_if_fail(definition != NULL, FALSE);
    return definition->autostart;
}

const char *
vgpu_mdevctl_definition_get_path(const VgpuMdevctlDefinition *definition)
{
    g_return_val_if_fail(definition != NULL, NULL);
    return definition->path;
}

const char *const *
vgpu_mdevctl_definition_get_attrs(const VgpuMdevctlDefinition *definition)
{
    g_return_val_if_fail(definition != NULL, NULL);
    return (const char *const *)definition->attrs;
}

VgpuRequest *
vgpu_mdevctl_definition_to_request(const VgpuMdevctlDefinition *definition)
{
    g_return_val_if_fail(definition != NULL, NULL);
    return vgpu_request_new_mdevctl(
        definition->uuid, definition->type_id, definition->parent,
        (const char *const *)definition->attrs, NULL);
}
