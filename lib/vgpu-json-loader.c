/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - json-glib loaded on first use (vgpu-json-loader.h says why):
 * the json-glib functions that libvgpu.so and vgpuctl call, each defined
 * with the signature json-glib's header declares and forwarded to the
 * library opened by vgpu_json_load(). A file that calls another json-glib
 * function fails to link until it is added to JSON_FUNCTIONS below.
 *
 * The library is opened by its SONAME through the dynamic linker's search
 * (ld.so.cache, the system directories), RTLD_LOCAL: its own references
 * and those of GIO and GObject resolve inside it, never to these
 * forwarders, which the program does not export.
 */
#include "vgpu-json-loader.h"
#include "vgpu-lazy-forward.h"

#include <libvgpu/vgpu-common.h>

#include <json-glib/json-glib.h>

#include <dlfcn.h>

/* clang-format would take "JsonBuilder *builder" for a product */
/* clang-format off */
/* Every json-glib function called: FUNCTION(type, name, parameters,
 * arguments), VOID_FUNCTION(name, parameters, arguments). g_object_unref()
 * is GObject's, found through json-glib's dependencies. */
#define JSON_FUNCTIONS(FUNCTION, VOID_FUNCTION)                                \
    /* reading (vgpu-mdevctl.c) */                                             \
    FUNCTION(JsonParser *, json_parser_new_immutable, (void), ())              \
    FUNCTION(gboolean, json_parser_load_from_data,                             \
             (JsonParser *parser, const gchar *data, gssize length,            \
              GError **error),                                                 \
             (parser, data, length, error))                                    \
    FUNCTION(JsonNode *, json_parser_get_root, (JsonParser *parser), (parser)) \
    FUNCTION(JsonNodeType, json_node_get_node_type, (JsonNode *node), (node))  \
    FUNCTION(GType, json_node_get_value_type, (JsonNode *node), (node))        \
    FUNCTION(JsonObject *, json_node_get_object, (JsonNode *node), (node))     \
    FUNCTION(JsonArray *, json_node_get_array, (JsonNode *node), (node))       \
    FUNCTION(const gchar *, json_node_get_string, (JsonNode *node), (node))    \
    FUNCTION(JsonNode *, json_object_get_member,                               \
             (JsonObject *object, const gchar *member_name),                   \
             (object, member_name))                                            \
    FUNCTION(GList *, json_object_get_members, (JsonObject *object),           \
             (object))                                                         \
    FUNCTION(guint, json_array_get_length, (JsonArray *array), (array))        \
    FUNCTION(JsonNode *, json_array_get_element,                               \
             (JsonArray *array, guint index_), (array, index_))                \
    /* writing (vgpuctl ... --json) */                                         \
    FUNCTION(JsonBuilder *, json_builder_new, (void), ())                      \
    FUNCTION(JsonBuilder *, json_builder_begin_object,                         \
             (JsonBuilder *builder), (builder))                                \
    FUNCTION(JsonBuilder *, json_builder_end_object, (JsonBuilder *builder),   \
             (builder))                                                        \
    FUNCTION(JsonBuilder *, json_builder_begin_array, (JsonBuilder *builder),  \
             (builder))                                                        \
    FUNCTION(JsonBuilder *, json_builder_end_array, (JsonBuilder *builder),    \
             (builder))                                                        \
    FUNCTION(JsonBuilder *, json_builder_set_member_name,                      \
             (JsonBuilder *builder, const gchar *member_name),                 \
             (builder, member_name))                                           \
    FUNCTION(JsonBuilder *, json_builder_add_string_value,                     \
             (JsonBuilder *builder, const gchar *value), (builder, value))     \
    FUNCTION(JsonBuilder *, json_builder_add_int_value,                        \
             (JsonBuilder *builder, gint64 value), (builder, value))           \
    FUNCTION(JsonBuilder *, json_builder_add_boolean_value,                    \
             (JsonBuilder *builder, gboolean value), (builder, value))         \
    FUNCTION(JsonBuilder *, json_builder_add_null_value,                       \
             (JsonBuilder *builder), (builder))                                \
    FUNCTION(JsonNode *, json_builder_get_root, (JsonBuilder *builder),        \
             (builder))                                                        \
    FUNCTION(JsonGenerator *, json_generator_new, (void), ())                  \
    VOID_FUNCTION(json_generator_set_pretty,                                   \
                  (JsonGenerator *generator, gboolean is_pretty),              \
                  (generator, is_pretty))                                      \
    VOID_FUNCTION(json_generator_set_root,                                     \
                  (JsonGenerator *generator, JsonNode *node),                  \
                  (generator, node))                                           \
    FUNCTION(gchar *, json_generator_to_data,                                  \
             (JsonGenerator *generator, gsize *length), (generator, length))   \
    VOID_FUNCTION(json_node_unref, (JsonNode *node), (node))                   \
    VOID_FUNCTION(g_object_unref, (gpointer object), (object))
/* clang-format on */

#define JSON_NAME(type, name, parameters, arguments) #name,
#define JSON_VOID_NAME(name, parameters, arguments) #name,

static void *library;
static char *failure; /* why it could not be loaded */

static void
load_once(void)
{
    static const char *const names[] = {
        JSON_FUNCTIONS(JSON_NAME, JSON_VOID_NAME)};
    void *handle = dlopen(VGPU_JSON_LIBRARY, RTLD_NOW | RTLD_LOCAL);

    if (!handle) {
        failure = g_strdup_printf("cannot load %s (%s): install json-glib "
                                  "(Debian: libjson-glib-1.0-0)",
                                  VGPU_JSON_LIBRARY, dlerror());
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!dlsym(handle, names[i])) {
            failure = g_strdup_printf("%s has no function %s: install "
                                      "json-glib 1.4 or later",
                                      VGPU_JSON_LIBRARY, names[i]);
            dlclose(handle);
            return;
        }
    }
    library = handle; /* never closed: its objects outlive any caller */
}

gboolean
vgpu_json_load(GError **error)
{
    static gsize loaded;

    if (g_once_init_enter(&loaded)) {
        load_once();
        g_once_init_leave(&loaded, 1);
    }
    if (!library) {
        g_set_error_literal(error, VGPU_ERROR, VGPU_ERROR_SYSTEM, failure);
        return FALSE;
    }
    return TRUE;
}

/* The address of json-glib's @name, which vgpu_json_load() checked. */
static void *
json_function(const char *name)
{
    if (!vgpu_json_load(NULL))
        g_error("%s called before json-glib was loaded", name);
    return dlsym(library, name);
}

#define JSON_FORWARD(type, name, parameters, arguments)                        \
    VGPU_LAZY_FORWARD(json_function, type, name, parameters, arguments)
#define JSON_VOID_FORWARD(name, parameters, arguments)                         \
    VGPU_LAZY_VOID_FORWARD(json_function, name, parameters, arguments)

JSON_FUNCTIONS(JSON_FORWARD, JSON_VOID_FORWARD)
