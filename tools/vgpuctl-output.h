/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-output - how vgpuctl prints: aligned text tables and
 * pretty-printed JSON.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Rows of text cells, printed with columns aligned. */
typedef struct {
    GPtrArray *rows; /* GStrv, all of the same length */
} VgpuctlTable;

void vgpuctl_table_clear(VgpuctlTable *table);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VgpuctlTable, vgpuctl_table_clear)

void vgpuctl_table_add(VgpuctlTable *table, guint columns, ...);
void vgpuctl_table_print(const VgpuctlTable *table, const char *indent);

/*
 * The version of every document 'vgpuctl ... --json' prints: the first
 * member, "version", of its top-level object. It goes up only when a
 * change is incompatible (a member renamed, removed or given another
 * meaning or type); new members do not change it. vgpuctl(1), "JSON
 * OUTPUT", describes the documents and the keys.
 */
#define VGPUCTL_JSON_VERSION 1

JsonBuilder *vgpuctl_json_begin_document(void);
void vgpuctl_json_end_document(JsonBuilder *builder);
void vgpuctl_json_add_string(JsonBuilder *builder, const char *member,
                             const char *value);
void vgpuctl_json_add_int(JsonBuilder *builder, const char *member,
                          gint64 value);
void vgpuctl_json_add_boolean(JsonBuilder *builder, const char *member,
                              gboolean value);
void vgpuctl_json_begin_array(JsonBuilder *builder, const char *member);

/*
 * What names a device in every document (vgpuctl(1), "JSON OUTPUT": one
 * key per concept). A NULL member is written as null.
 */
typedef struct {
    const char *device;       /* mdev UUID or VF address */
    const char *parent;       /* mdev parent; NULL for VF-backed devices */
    const char *gpu;          /* the PF behind it */
    const char *device_class; /* vgpu_device_class_to_string() */
    const char *type;         /* type id */
    const char *type_name;    /* the type's name, e.g. "GRID T4-1Q" */
} VgpuctlDeviceJson;

/* Which optional members of a VgpuctlDeviceJson a document carries. */
typedef enum {
    VGPUCTL_DEVICE_JSON_GPU = 1 << 0,
    VGPUCTL_DEVICE_JSON_CLASS = 1 << 1,
    VGPUCTL_DEVICE_JSON_TYPE_NAME = 1 << 2,
    VGPUCTL_DEVICE_JSON_ALL = (1 << 3) - 1,
} VgpuctlDeviceJsonKeys;

/* Adds "device", "parent", those of "gpu" and "class" in @keys, "type",
 * and "type_name" if in @keys, in that order, to the open object. */
void vgpuctl_json_add_device(JsonBuilder *builder,
                             const VgpuctlDeviceJson *device,
                             VgpuctlDeviceJsonKeys keys);
