/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: validation of libvgpu's requests
 * (`<vgpu:mdev uuid= type= parent=/>` in the domain <metadata>).
 *
 * Input: up to three values separated by NUL bytes, "UUID\0TYPE\0PARENT";
 *   a missing TYPE or PARENT leaves that attribute out. Each value goes
 *   into the same fixed domain XML template twice: escaped as XML text
 *   (g_markup_escape_text() on the value made valid UTF-8, with tab, line
 *   feed and carriage return as character references so that they reach
 *   the attribute value instead of being normalized to spaces), which keeps
 *   the document well-formed for any value, and raw (the bytes as they
 *   are, which may make it ill-formed or add markup). The UUID is also the
 *   hostdev's.
 * Does: vgpu_request_new() on the raw values, then for both documents
 *   vgpu_domain_xml_parse(), vgpu_domain_xml_list_requests() and
 *   vgpu_domain_xml_list_mdev_hostdevs().
 * Property: no crash, leak or undefined behaviour, and every error message
 *   is one line of at most 1024 bytes (fuzz-util.h).
 */
#include <libvgpu/vgpu-domain-xml.h>

#include "fuzz-util.h"

#include <stdint.h>

#define TEMPLATE_HEAD                                                          \
    "<domain type='kvm'>\n"                                                    \
    "  <name>fuzz</name>\n"                                                    \
    "  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n"                    \
    "  <metadata>\n"                                                           \
    "    <vgpu:vgpu xmlns:vgpu=\"urn:libvgpu:domain:1\">\n"                    \
    "      <vgpu:mdev"
#define TEMPLATE_MIDDLE                                                        \
    "/>\n"                                                                     \
    "    </vgpu:vgpu>\n"                                                       \
    "  </metadata>\n"                                                          \
    "  <devices>\n"                                                            \
    "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"            \
    "      <source>\n"                                                         \
    "        <address uuid=\""
#define TEMPLATE_TAIL                                                          \
    "\"/>\n"                                                                   \
    "      </source>\n"                                                        \
    "    </hostdev>\n"                                                         \
    "  </devices>\n"                                                           \
    "</domain>\n"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init_glib();
    return 0;
}

/* @value as XML attribute text: well-formed whatever the bytes. */
static char *
escape(const char *value)
{
    g_autofree char *valid = g_utf8_make_valid(value, -1);
    g_autofree char *escaped = g_markup_escape_text(valid, -1);
    GString *out = g_string_new(NULL);

    for (const char *p = escaped; *p; p++) {
        if (*p == '\t')
            g_string_append(out, "&#9;");
        else if (*p == '\n')
            g_string_append(out, "&#10;");
        else if (*p == '\r')
            g_string_append(out, "&#13;");
        else
            g_string_append_c(out, *p);
    }
    return g_string_free(out, FALSE);
}

static char *
build_document(char *const *values, guint n, gboolean escaped)
{
    static const char *const attrs[] = {"uuid", "type", "parent"};
    GString *xml = g_string_new(TEMPLATE_HEAD);
    g_autofree char *uuid = NULL;

    for (guint i = 0; i < n; i++) {
        g_autofree char *text = escaped ? escape(values[i]) : NULL;

        g_string_append_printf(xml, " %s=\"%s\"", attrs[i],
                               text ? text : values[i]);
    }
    g_string_append(xml, TEMPLATE_MIDDLE);
    uuid = escaped ? escape(values[0]) : g_strdup(values[0]);
    g_string_append(xml, uuid);
    g_string_append(xml, TEMPLATE_TAIL);
    return g_string_free(xml, FALSE);
}

static void
check_document(const char *xml)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(GPtrArray) hostdevs = NULL;

    doc = vgpu_domain_xml_parse(xml, strlen(xml), &error);
    if (!doc) {
        fuzz_check_error("vgpu_domain_xml_parse", error);
        return;
    }
    requests = vgpu_domain_xml_list_requests(doc, &error);
    fuzz_check_error("vgpu_domain_xml_list_requests", error);
    hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy + NUL: g_strsplit-like split on the NUL bytes of the input. */
    g_autofree char *copy = g_malloc(size + 1);
    char *values[3] = {NULL, NULL, NULL};
    guint n = 0;
    const char *end = copy + size;
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuRequest) request = NULL;

    fuzz_set_input(data, size);
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (char *p = copy; n < 3 && p <= end; p += strlen(p) + 1)
        values[n++] = p;

    request = vgpu_request_new(values[0], n > 1 ? values[1] : "nvidia-65",
                               n > 2 ? values[2] : NULL, &error);
    if (!request && !error)
        abort(); /* NULL without an error */
    fuzz_check_error("vgpu_request_new", error);

    for (int escaped = 1; escaped >= 0; escaped--) {
        g_autofree char *xml = build_document(values, n, escaped);

        check_document(xml);
    }
    return 0;
}
