/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-output - text tables and JSON output.
 */
#include "vgpuctl-output.h"
#include "vgpuctl-common.h"
#include "vgpu-json-loader.h"

#include <stdio.h>
#include <stdlib.h>

void
vgpuctl_table_clear(VgpuctlTable *table)
{
    g_clear_pointer(&table->rows, g_ptr_array_unref);
}

/* Adds a row of @columns cells; %NULL cells print as "-". */
void
vgpuctl_table_add(VgpuctlTable *table, guint columns, ...)
{
    char **row = g_new0(char *, columns + 1);
    va_list args;

    if (!table->rows)
        table->rows =
            g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    va_start(args, columns);
    for (guint i = 0; i < columns; i++) {
        const char *cell = va_arg(args, const char *);
        row[i] = g_strdup(cell ? cell : "-");
    }
    va_end(args);
    g_ptr_array_add(table->rows, row);
}

/* Widths of the columns, in characters: the widest cell of each. */
static glong *
table_widths(const VgpuctlTable *table, guint columns)
{
    glong *widths = g_new0(glong, columns);

    for (guint r = 0; r < table->rows->len; r++) {
        char **row = g_ptr_array_index(table->rows, r);
        for (guint c = 0; c < columns; c++)
            widths[c] = MAX(widths[c], g_utf8_strlen(row[c], -1));
    }
    return widths;
}

/* Prints each row after @indent, columns two spaces apart. */
void
vgpuctl_table_print(const VgpuctlTable *table, const char *indent)
{
    g_autofree glong *widths = NULL;
    guint columns;

    if (!table->rows || table->rows->len == 0)
        return;
    columns = g_strv_length(g_ptr_array_index(table->rows, 0));
    widths = table_widths(table, columns);
    for (guint r = 0; r < table->rows->len; r++) {
        char **row = g_ptr_array_index(table->rows, r);
        g_autoptr(GString) line = g_string_new(indent);

        for (guint c = 0; c < columns; c++) {
            g_string_append(line, row[c]);
            if (c + 1 < columns) {
                glong pad = widths[c] - g_utf8_strlen(row[c], -1) + 2;
                for (glong i = 0; i < pad; i++)
                    g_string_append_c(line, ' ');
            }
        }
        printf("%s\n", line->str);
    }
}

/* Adds @member with @value, or null if @value is %NULL. */
void
vgpuctl_json_add_string(JsonBuilder *builder, const char *member,
                        const char *value)
{
    json_builder_set_member_name(builder, member);
    if (value)
        json_builder_add_string_value(builder, value);
    else
        json_builder_add_null_value(builder);
}

void
vgpuctl_json_add_device(JsonBuilder *builder, const VgpuctlDeviceJson *device,
                        VgpuctlDeviceJsonKeys keys)
{
    vgpuctl_json_add_string(builder, "device", device->device);
    vgpuctl_json_add_string(builder, "parent", device->parent);
    if (keys & VGPUCTL_DEVICE_JSON_GPU)
        vgpuctl_json_add_string(builder, "gpu", device->gpu);
    if (keys & VGPUCTL_DEVICE_JSON_CLASS)
        vgpuctl_json_add_string(builder, "class", device->device_class);
    vgpuctl_json_add_string(builder, "type", device->type);
    if (keys & VGPUCTL_DEVICE_JSON_TYPE_NAME)
        vgpuctl_json_add_string(builder, "type_name", device->type_name);
}

void
vgpuctl_json_add_int(JsonBuilder *builder, const char *member, gint64 value)
{
    json_builder_set_member_name(builder, member);
    json_builder_add_int_value(builder, value);
}

void
vgpuctl_json_add_boolean(JsonBuilder *builder, const char *member,
                         gboolean value)
{
    json_builder_set_member_name(builder, member);
    json_builder_add_boolean_value(builder, value);
}

/* Starts array @member; json_builder_end_array() ends it. */
void
vgpuctl_json_begin_array(JsonBuilder *builder, const char *member)
{
    json_builder_set_member_name(builder, member);
    json_builder_begin_array(builder);
}

/* A new document: its top-level object begun, "version" its first member.
 * vgpuctl_json_end_document() ends and prints it. Loads json-glib first
 * (vgpu-json-loader.h); exits with its error when it cannot. */
JsonBuilder *
vgpuctl_json_begin_document(void)
{
    g_autoptr(GError) error = NULL;
    JsonBuilder *builder;

    if (!vgpu_json_load(&error))
        exit(vgpuctl_fail(error));
    builder = json_builder_new();

    json_builder_begin_object(builder);
    vgpuctl_json_add_int(builder, "version", VGPUCTL_JSON_VERSION);
    return builder;
}

/* Ends the top-level object of @builder and prints it, pretty, and a
 * newline. */
void
vgpuctl_json_end_document(JsonBuilder *builder)
{
    g_autoptr(JsonGenerator) generator = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;

    json_builder_end_object(builder);
    root = json_builder_get_root(builder);
    json_generator_set_pretty(generator, TRUE);
    json_generator_set_root(generator, root);
    text = json_generator_to_data(generator, NULL);
    printf("%s\n", text);
}
