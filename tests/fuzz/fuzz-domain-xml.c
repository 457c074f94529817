/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the domain XML editor (lib/vgpu-domain-xml.c over the
 * safe libxml2 parser of lib/vgpu-xml.c).
 *
 * Input: any bytes, taken as a libvirt domain XML document.
 * Does: vgpu_domain_xml_parse(); on success reads the name and UUID,
 *   lists the mdev hostdevs and the requests, computes the next default
 *   UUID, adds a request (fixed UUID and type; the hostdev flags come from
 *   the input length, including the invalid "ramfb without display"),
 *   removes one (the first listed request, else the first hostdev's UUID,
 *   else the one just added), and formats the document.
 * Property: no crash, leak or undefined behaviour (ASan/UBSan/LSan), and
 *   every error message is one line of at most 1024 bytes (fuzz-util.h).
 *   Also what vgpu_domain_xml_format() promises: the edited document
 *   formats as text ending in a newline, that text parses again, and
 *   formatting that parse gives the same text byte for byte.
 */
#include <libvgpu/vgpu-domain-xml.h>

#include "fuzz-util.h"

#include <stdint.h>

#define ADDED_UUID "9d2e9b5e-1c4a-4f7e-8a3b-0123456789ab"
#define ADDED_TYPE "nvidia-65"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_init_glib();
    return 0;
}

/* Formatting the parse of @out gives @out again. */
static void
check_stable(const char *out, gsize out_len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuDomainXml) again = NULL;
    g_autofree char *out2 = NULL;
    gsize out2_len = 0;

    again = vgpu_domain_xml_parse(out, out_len, &error);
    if (!again) {
        fprintf(stderr,
                "\nFUZZ PROPERTY VIOLATED: the formatted document "
                "does not parse again: %s\n",
                error->message);
        abort();
    }
    out2 = vgpu_domain_xml_format(again, &out2_len);
    if (out2_len != out_len || memcmp(out, out2, out_len) != 0) {
        fprintf(stderr,
                "\nFUZZ PROPERTY VIOLATED: formatting is not stable:\n"
                "--- formatted ---\n%s--- formatted again ---\n%s",
                out, out2);
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) hostdevs = NULL;
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(VgpuRequest) added = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *next_uuid = NULL;
    g_autofree char *to_remove = NULL;
    g_autofree char *out = NULL;
    VgpuHostdevFlags flags = (VgpuHostdevFlags)(size % 4);
    gsize out_len = 0;

    fuzz_set_input(data, size);

    doc = vgpu_domain_xml_parse((const char *)data, size, &error);
    if (!doc) {
        if (!error)
            abort(); /* NULL without an error */
        fuzz_check_error("vgpu_domain_xml_parse", error);
        return 0;
    }
    (void)vgpu_domain_xml_get_name(doc);
    (void)vgpu_domain_xml_get_uuid(doc);

    hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
    requests = vgpu_domain_xml_list_requests(doc, &error);
    fuzz_check_error("vgpu_domain_xml_list_requests", error);
    g_clear_error(&error);

    next_uuid = vgpu_domain_xml_next_default_uuid(doc, &error);
    fuzz_check_error("vgpu_domain_xml_next_default_uuid", error);
    g_clear_error(&error);

    added = vgpu_request_new(next_uuid ? next_uuid : ADDED_UUID, ADDED_TYPE,
                             size % 2 ? "0000:05:00.0" : NULL, &error);
    if (!added)
        abort(); /* fixed, valid values */
    if (!vgpu_domain_xml_add_request(doc, added, flags, &error))
        fuzz_check_error("vgpu_domain_xml_add_request", error);
    g_clear_error(&error);

    if (requests && requests->len > 0)
        to_remove = g_strdup(vgpu_request_get_uuid(requests->pdata[0]));
    else if (hostdevs->len > 0)
        to_remove = g_strdup(hostdevs->pdata[0]);
    else
        to_remove = g_strdup(vgpu_request_get_uuid(added));
    if (!vgpu_domain_xml_remove_request(doc, to_remove, &error))
        fuzz_check_error("vgpu_domain_xml_remove_request", error);
    g_clear_error(&error);

    out = vgpu_domain_xml_format(doc, &out_len);
    if (!out || out_len == 0 || out[out_len - 1] != '\n' ||
        out[out_len] != '\0') {
        fprintf(stderr, "vgpu_domain_xml_format: result not newline-ended "
                        "and NUL-terminated\n");
        abort();
    }
    check_stable(out, out_len);
    return 0;
}
