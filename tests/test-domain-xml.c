/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of lib/vgpu-domain-xml.c: parsing (and refusing) domain XML,
 * golden files for adding and removing vGPU requests
 * (tests/data/xml/<case>.in.xml -> <case>.out.xml; set
 * VGPU_TEST_REGENERATE_OUTPUT=1 to rewrite the .out files), round trips
 * that keep the meaning (canonical XML) of every data file, and the
 * validation of requests.
 */
#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-test-util.h"
#include "vgpu-xml.h"

#include <fcntl.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#define U1 "9d2e9b5e-6a3c-4f62-8b0e-2f5a7c1d4e90"
#define U2 "b8f1c4a2-3d5e-4f60-9a7b-1c2d3e4f5a6b"
#define U3 "0c8f2a3e-5b7d-4e19-a6c4-7d1e9f0b2a35" /* in no data file */
#define U4 "e5a7d9c1-2f4b-4c68-8e0a-3b5d7f9a1c24" /* in no data file */
#define PRECREATED_UUID "53764d0e-85a0-42b4-af5c-2046b460b1dc"
#define WIN11_UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"

/* ---- helpers ----------------------------------------------------------- */

static void
assert_vgpu_error(const GError *error, int code, const char *needle)
{
    if (!error)
        fail_msg("expected VGPU_ERROR %d, got no error", code);
    if (error->domain != VGPU_ERROR || error->code != code)
        fail_msg("expected VGPU_ERROR %d, got %s %d: %s", code,
                 g_quark_to_string(error->domain), error->code, error->message);
    if (needle && !strstr(error->message, needle))
        fail_msg("error message \"%s\" does not contain \"%s\"", error->message,
                 needle);
}

static VgpuDomainXml *
parse_string(const char *xml)
{
    g_autoptr(GError) error = NULL;
    VgpuDomainXml *doc = vgpu_domain_xml_parse(xml, strlen(xml), &error);

    if (!doc)
        fail_msg("cannot parse: %s", error->message);
    return doc;
}

static VgpuDomainXml *
parse_data(const char *relpath)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    VgpuDomainXml *doc;

    text = vgpu_test_read_data(relpath, &len);
    doc = vgpu_domain_xml_parse(text, len, &error);
    if (!doc)
        fail_msg("cannot parse %s: %s", relpath, error->message);
    return doc;
}

static void
assert_parse_fails(const char *xml, gsize len, int code, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuDomainXml) doc = vgpu_domain_xml_parse(xml, len, &error);

    assert_null(doc);
    assert_vgpu_error(error, code, needle);
}

static VgpuRequest *
request(const char *uuid, const char *type_id, const char *parent)
{
    g_autoptr(GError) error = NULL;
    VgpuRequest *r = vgpu_request_new(uuid, type_id, parent, &error);

    if (!r)
        fail_msg("vgpu_request_new: %s", error->message);
    return r;
}

static GPtrArray *
list_requests_ok(VgpuDomainXml *doc)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *requests = vgpu_domain_xml_list_requests(doc, &error);

    if (!requests)
        fail_msg("vgpu_domain_xml_list_requests: %s", error->message);
    return requests;
}

static gboolean
regenerating(void)
{
    return g_strcmp0(g_getenv("VGPU_TEST_REGENERATE_OUTPUT"), "1") == 0;
}

/* Compares @actual with the golden file @relpath, or rewrites it. */
static void
assert_golden(const char *actual, const char *relpath)
{
    g_autofree char *expected = NULL;

    if (regenerating()) {
        g_autofree char *path = vgpu_test_data_path(relpath);
        g_autoptr(GError) error = NULL;

        if (!g_file_set_contents(path, actual, -1, &error))
            fail_msg("cannot write %s: %s", path, error->message);
        return;
    }
    expected = vgpu_test_read_data(relpath, NULL);
    assert_string_equal(actual, expected);
}

/* Canonical XML (C14N 1.0, comments kept) of @text: equal for documents
 * that mean the same, whatever their quoting, escaping, attribute order,
 * XML declaration or empty-element syntax. Whitespace inside the root
 * element counts. */
static char *
canonical(const char *text, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = vgpu_xml_parse_safe(
        "test XML", text, len, VGPU_DOMAIN_XML_MAX_SIZE, &error);
    xmlChar *c14n = NULL;
    char *result;
    int n;

    if (!doc)
        fail_msg("cannot parse: %s", error->message);
    n = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 1, &c14n);
    if (n < 0)
        fail_msg("cannot canonicalize:\n%s", text);
    result = g_strndup((const char *)c14n, n);
    xmlFree(c14n);
    return result;
}

/* @actual and @expected are the same document, maybe written differently. */
static void
assert_same_meaning(const char *actual, const char *expected)
{
    g_autofree char *c_actual = canonical(actual, strlen(actual));
    g_autofree char *c_expected = canonical(expected, strlen(expected));

    assert_string_equal(c_actual, c_expected);
}

/* format(parse(text)) means the same as text, and formatting is stable:
 * format(parse(format(parse(text)))) is format(parse(text)) byte for
 * byte. */
static void
assert_round_trip(const char *text, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VgpuDomainXml) doc = vgpu_domain_xml_parse(text, len, &error);
    g_autoptr(VgpuDomainXml) again = NULL;
    g_autofree char *c_text = canonical(text, len);
    g_autofree char *c_out = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;
    gsize out_len = 0;

    if (!doc)
        fail_msg("cannot parse: %s", error->message);
    out = vgpu_domain_xml_format(doc, &out_len);
    assert_int_equal(strlen(out), out_len);
    assert_true(out_len > 0 && out[out_len - 1] == '\n');
    c_out = canonical(out, out_len);
    assert_string_equal(c_out, c_text);

    again = parse_string(out);
    out2 = vgpu_domain_xml_format(again, NULL);
    assert_string_equal(out2, out);
}

/* Every request has its hostdev and vice versa (for our UUIDs). */
static void
assert_consistent(VgpuDomainXml *doc)
{
    g_autoptr(GPtrArray) requests = list_requests_ok(doc);
    g_autoptr(GPtrArray) hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);

    for (guint i = 0; i < requests->len; i++) {
        const char *uuid = vgpu_request_get_uuid(requests->pdata[i]);
        gboolean found = FALSE;

        for (guint j = 0; j < hostdevs->len; j++)
            found = found || g_str_equal(hostdevs->pdata[j], uuid);
        if (!found)
            fail_msg("request %s has no hostdev", uuid);
    }
}

/* ---- golden files: add and remove -------------------------------------- */

typedef struct {
    const char *name;
    const char *input;  /* relative to tests/data */
    const char *output; /* relative to tests/data */
    const char *uuid;   /* add this request, or ... */
    const char *type_id;
    const char *parent;
    VgpuHostdevFlags flags;
    const char *remove; /* ... remove the request with this UUID */
} GoldenCase;

static const GoldenCase golden_cases[] = {
    {"add-no-metadata", "xml/add-no-metadata.in.xml",
     "xml/add-no-metadata.out.xml", U1, "nvidia-65", NULL, VGPU_HOSTDEV_NONE,
     NULL},
    {"add-second", "xml/add-second.in.xml", "xml/add-second.out.xml", U2,
     "nvidia-66", NULL, VGPU_HOSTDEV_NONE, NULL},
    {"add-display-ramfb", "xml/add-display-ramfb.in.xml",
     "xml/add-display-ramfb.out.xml", U1, "nvidia-65", NULL,
     VGPU_HOSTDEV_DISPLAY | VGPU_HOSTDEV_RAMFB, NULL},
    {"add-parent", "xml/add-parent.in.xml", "xml/add-parent.out.xml",
     "9D2E9B5E-6A3C-4F62-8B0E-2F5A7C1D4E90", "nvidia-65", "0000:05:00.0",
     VGPU_HOSTDEV_DISPLAY, NULL},
    {"add-no-devices", "xml/add-no-devices.in.xml",
     "xml/add-no-devices.out.xml", U1, "mtty-2", "mtty", VGPU_HOSTDEV_NONE,
     NULL},
    {"add-compact", "xml/add-compact.in.xml", "xml/add-compact.out.xml", U1,
     "nvidia-65", NULL, VGPU_HOSTDEV_NONE, NULL},
    {"add-foreign-metadata", "xml/add-foreign-metadata.in.xml",
     "xml/add-foreign-metadata.out.xml", U1, "nvidia-65", NULL,
     VGPU_HOSTDEV_NONE, NULL},
    {"add-precreated", "xml/libvirt/hostdev-mdev-precreated.xml",
     "xml/add-precreated.out.xml", U1, "nvidia-65", NULL, VGPU_HOSTDEV_NONE,
     NULL},
    {"remove-one", "xml/remove-one.in.xml", "xml/remove-one.out.xml", NULL,
     NULL, NULL, VGPU_HOSTDEV_NONE, U1},
    {"remove-last", "xml/remove-last.in.xml", "xml/remove-last.out.xml", NULL,
     NULL, NULL, VGPU_HOSTDEV_NONE, U1},
    {"remove-keep-metadata", "xml/remove-keep-metadata.in.xml",
     "xml/remove-keep-metadata.out.xml", NULL, NULL, NULL, VGPU_HOSTDEV_NONE,
     "9D2E9B5E-6A3C-4F62-8B0E-2F5A7C1D4E90"},
};

static void
test_golden(void **state)
{
    const GoldenCase *c = *state;
    g_autoptr(VgpuDomainXml) doc = parse_data(c->input);
    g_autoptr(VgpuDomainXml) again = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    if (c->remove) {
        if (!vgpu_domain_xml_remove_request(doc, c->remove, &error))
            fail_msg("remove %s: %s", c->remove, error->message);
    } else {
        g_autoptr(VgpuRequest) r = request(c->uuid, c->type_id, c->parent);

        if (!vgpu_domain_xml_add_request(doc, r, c->flags, &error))
            fail_msg("add %s: %s", c->uuid, error->message);
    }
    out = vgpu_domain_xml_format(doc, NULL);
    assert_golden(out, c->output);

    /* The result is well-formed, consistent, and itself round-trips. */
    again = parse_string(out);
    assert_consistent(again);
    out2 = vgpu_domain_xml_format(again, NULL);
    assert_string_equal(out2, out);
}

/* Adding then removing gives back the original; the hand-written
 * expectations of remove-*.in.xml mean what add writes (whitespace
 * included: canonical XML keeps it). */
static void
test_golden_inverse(void **state)
{
    g_autofree char *base = NULL;
    g_autofree char *added = NULL;
    g_autofree char *removed = NULL;
    g_autofree char *two = NULL;
    g_autofree char *second = NULL;
    g_autofree char *last_in = NULL;

    (void)state;
    if (regenerating())
        skip();
    base = vgpu_test_read_data("xml/add-no-metadata.in.xml", NULL);
    added = vgpu_test_read_data("xml/add-no-metadata.out.xml", NULL);
    removed = vgpu_test_read_data("xml/remove-last.out.xml", NULL);
    two = vgpu_test_read_data("xml/remove-one.in.xml", NULL);
    second = vgpu_test_read_data("xml/add-second.out.xml", NULL);
    last_in = vgpu_test_read_data("xml/remove-last.in.xml", NULL);

    assert_same_meaning(added, last_in);
    assert_same_meaning(removed, base);
    assert_same_meaning(second, two);
}

/* Adding two requests and removing them again gives a document that
 * means the same as the original, for every input that has <devices>
 * (a <devices> that add created stays). */
static void
test_add_then_remove_each(void **state)
{
    static const char *const files[] = {
        "xml/add-no-metadata.in.xml",
        "xml/add-second.in.xml",
        "xml/add-compact.in.xml",
        "xml/add-foreign-metadata.in.xml",
        "xml/remove-one.in.xml",
        "xml/remove-keep-metadata.in.xml",
        "xml/roundtrip-rich.xml",
        "xml/libvirt/hostdev-mdev-precreated.xml",
        "xml/libvirt/hostdev-mdev-duplicate.xml",
        "xml/libvirt/hostdev-mdev-src-address-invalid.xml",
    };
    g_autoptr(VgpuRequest) r3 = request(U3, "nvidia-65", NULL);
    g_autoptr(VgpuRequest) r4 = request(U4, "nvidia-66", "0000:06:00.0");

    (void)state;
    for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *original = vgpu_test_read_data(files[i], NULL);
        g_autoptr(VgpuDomainXml) doc = parse_string(original);
        g_autoptr(GPtrArray) before = list_requests_ok(doc);
        g_autoptr(GPtrArray) requests = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL;

        print_message("add and remove in %s\n", files[i]);
        assert_true(
            vgpu_domain_xml_add_request(doc, r3, VGPU_HOSTDEV_NONE, &error));
        assert_true(vgpu_domain_xml_add_request(
            doc, r4, VGPU_HOSTDEV_DISPLAY | VGPU_HOSTDEV_RAMFB, &error));
        requests = list_requests_ok(doc);
        assert_int_equal(requests->len, before->len + 2);
        assert_true(vgpu_domain_xml_remove_request(doc, U4, &error));
        assert_true(vgpu_domain_xml_remove_request(doc, U3, &error));
        assert_null(error);
        out = vgpu_domain_xml_format(doc, NULL);
        assert_same_meaning(out, original);
    }
}

/* ---- round trips ------------------------------------------------------- */

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .xml files of tests/data/@dir, sorted, as paths relative to
 * tests/data. */
static GPtrArray *
list_xml_files(const char *dir)
{
    g_autofree char *path = vgpu_test_data_path(dir);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) d = g_dir_open(path, 0, &error);
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!d)
        fail_msg("cannot list %s: %s", path, error->message);
    while ((name = g_dir_read_name(d))) {
        if (g_str_has_suffix(name, ".xml"))
            g_ptr_array_add(files, g_build_filename(dir, name, NULL));
    }
    g_ptr_array_sort(files, compare_strings);
    return files;
}

/* Every data file, libvirt's own included, keeps its meaning. */
static void
test_round_trip_files(void **state)
{
    static const char *const dirs[] = {"xml", "xml/libvirt"};
    guint count = 0;

    (void)state;
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autoptr(GPtrArray) files = list_xml_files(dirs[i]);

        for (guint j = 0; j < files->len; j++) {
            gsize len = 0;
            g_autofree char *text = vgpu_test_read_data(files->pdata[j], &len);

            print_message("round trip %s\n", (char *)files->pdata[j]);
            assert_round_trip(text, len);
            count++;
        }
    }
    /* the 21 golden files, roundtrip-rich.xml and libvirt's 3 */
    assert_true(count >= 25);
}

static void
test_round_trip_no_declaration_added(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_string("<domain type='kvm'/>");
    gsize len = 0;
    g_autofree char *out = vgpu_domain_xml_format(doc, &len);

    (void)state;
    /* no XML declaration, a trailing newline */
    assert_string_equal(out, "<domain type=\"kvm\"/>\n");
    assert_int_equal(len, strlen(out));
}

static void
test_format_escaping(void **state)
{
    /* libxml2 writes it: double quotes, only what must be escaped is, the
     * declaration names UTF-8; the meaning is kept. */
    static const char input[] =
        "<?xml version='1.0'?>\n"
        "<domain type=\"kvm\"><title>Bob's \"VM\" &#62; &#x26;</title>"
        "<x a=\"it's &#10;&#9;&#13;\"/>"
        "<metadata><m:x xmlns:m='urn:m' q='\"' a=\"it's\">'\"&#13;</m:x>"
        "</metadata></domain>";
    g_autoptr(VgpuDomainXml) doc = parse_string(input);
    g_autofree char *out = vgpu_domain_xml_format(doc, NULL);

    (void)state;
    assert_string_equal(
        out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<domain type=\"kvm\"><title>Bob's \"VM\" &gt; &amp;</title>"
             "<x a=\"it's &#10;&#9;&#13;\"/>"
             "<metadata><m:x xmlns:m=\"urn:m\" q=\"&quot;\" a=\"it's\">"
             "'\"&#13;</m:x></metadata></domain>\n");
    assert_same_meaning(out, input);
}

static void
test_utf8_bom_and_encoding(void **state)
{
    /* A BOM is dropped; a declared non-UTF-8 encoding is converted;
     * non-ASCII text and attributes stay UTF-8, not character references,
     * with or without a declaration. */
    static const char latin1[] =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
        "<domain><title a='\xe9'>Caf\xe9</title></domain>\n";
    g_autoptr(VgpuDomainXml) doc =
        parse_string("\xef\xbb\xbf<domain><name>bom</name></domain>");
    g_autoptr(VgpuDomainXml) doc2 = parse_string(latin1);
    g_autoptr(VgpuDomainXml) doc3 = parse_string(
        "<domain><title a='\xc3\xa9'>Caf\xc3\xa9</title></domain>");
    g_autofree char *out = vgpu_domain_xml_format(doc, NULL);
    g_autofree char *out2 = vgpu_domain_xml_format(doc2, NULL);
    g_autofree char *out3 = vgpu_domain_xml_format(doc3, NULL);

    (void)state;
    assert_string_equal(out, "<domain><name>bom</name></domain>\n");
    assert_string_equal(out2, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<domain><title a=\"\xc3\xa9\">Caf\xc3\xa9"
                              "</title></domain>\n");
    assert_string_equal(out3, "<domain><title a=\"\xc3\xa9\">Caf\xc3\xa9"
                              "</title></domain>\n");
}

/* ---- accessors and listings -------------------------------------------- */

static void
test_name_and_uuid(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_data("xml/add-no-metadata.in.xml");
    g_autoptr(VgpuDomainXml) bare = parse_string("<domain/>");

    (void)state;
    assert_string_equal(vgpu_domain_xml_get_name(doc), "win11");
    assert_string_equal(vgpu_domain_xml_get_uuid(doc), WIN11_UUID);
    assert_null(vgpu_domain_xml_get_name(bare));
    assert_null(vgpu_domain_xml_get_uuid(bare));
}

static void
test_list_hostdevs_libvirt_precreated(void **state)
{
    g_autoptr(VgpuDomainXml) doc =
        parse_data("xml/libvirt/hostdev-mdev-precreated.xml");
    g_autoptr(GPtrArray) uuids = vgpu_domain_xml_list_mdev_hostdevs(doc);
    g_autoptr(GPtrArray) requests = list_requests_ok(doc);

    (void)state;
    assert_int_equal(uuids->len, 1);
    assert_string_equal(uuids->pdata[0], PRECREATED_UUID);
    /* a hand-written hostdev is not a request */
    assert_int_equal(requests->len, 0);
}

/* libvirt refuses this domain at parse time ("hostdev-mdev-duplicate");
 * we only read it and report the UUID twice, so callers can see it. */
static void
test_list_hostdevs_libvirt_duplicate(void **state)
{
    g_autoptr(VgpuDomainXml) doc =
        parse_data("xml/libvirt/hostdev-mdev-duplicate.xml");
    g_autoptr(GPtrArray) uuids = vgpu_domain_xml_list_mdev_hostdevs(doc);

    (void)state;
    assert_int_equal(uuids->len, 2);
    assert_string_equal(uuids->pdata[0], PRECREATED_UUID);
    assert_string_equal(uuids->pdata[1], PRECREATED_UUID);
}

static void
test_list_hostdevs_libvirt_src_address_invalid(void **state)
{
    g_autoptr(VgpuDomainXml) doc =
        parse_data("xml/libvirt/hostdev-mdev-src-address-invalid.xml");
    g_autoptr(GPtrArray) uuids = vgpu_domain_xml_list_mdev_hostdevs(doc);

    (void)state;
    assert_int_equal(uuids->len, 0);
}

static void
test_list_hostdevs_filters(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_string(
        "<domain><devices>\n"
        "<hostdev type='mdev'><source><address "
        "uuid='AAAAAAAA-0000-4000-8000-000000000001'/></source></hostdev>\n"
        "<hostdev mode='subsystem' type='pci'><source><address "
        "domain='0' bus='1' slot='0' function='0'/></source></hostdev>\n"
        "<hostdev mode='capabilities' type='mdev'><source><address "
        "uuid='aaaaaaaa-0000-4000-8000-000000000002'/></source></hostdev>\n"
        "<hostdev mode='subsystem' type='mdev'><source><address "
        "uuid='garbage'/></source></hostdev>\n"
        "<hostdev mode='subsystem' type='mdev'/>\n"
        "<hostdev mode='subsystem' type='mdev'><source><address "
        "uuid='aaaaaaaa-0000-4000-8000-000000000003'/></source></hostdev>\n"
        "</devices>\n"
        "<hostdev mode='subsystem' type='mdev'><source><address "
        "uuid='aaaaaaaa-0000-4000-8000-000000000004'/></source></hostdev>\n"
        "</domain>");
    g_autoptr(GPtrArray) uuids = vgpu_domain_xml_list_mdev_hostdevs(doc);

    (void)state;
    /* missing mode is libvirt's default "subsystem"; lowercased; the
     * hostdev outside <devices> does not count */
    assert_int_equal(uuids->len, 2);
    assert_string_equal(uuids->pdata[0],
                        "aaaaaaaa-0000-4000-8000-000000000001");
    assert_string_equal(uuids->pdata[1],
                        "aaaaaaaa-0000-4000-8000-000000000003");
}

static void
test_list_requests(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_data("xml/remove-one.in.xml");
    g_autoptr(VgpuDomainXml) doc2 =
        parse_data("xml/remove-keep-metadata.in.xml");
    g_autoptr(VgpuDomainXml) foreign =
        parse_data("xml/add-foreign-metadata.in.xml");
    g_autoptr(GPtrArray) requests = list_requests_ok(doc);
    g_autoptr(GPtrArray) requests2 = list_requests_ok(doc2);
    g_autoptr(GPtrArray) requests3 = list_requests_ok(foreign);

    (void)state;
    assert_int_equal(requests->len, 2);
    assert_string_equal(vgpu_request_get_uuid(requests->pdata[0]), U1);
    assert_string_equal(vgpu_request_get_type_id(requests->pdata[0]),
                        "nvidia-65");
    assert_null(vgpu_request_get_parent(requests->pdata[0]));
    assert_string_equal(vgpu_request_get_uuid(requests->pdata[1]), U2);
    assert_string_equal(vgpu_request_get_type_id(requests->pdata[1]),
                        "nvidia-66");

    /* other prefix, uppercase UUID (lowercased), a parent */
    assert_int_equal(requests2->len, 1);
    assert_string_equal(vgpu_request_get_uuid(requests2->pdata[0]), U1);
    assert_string_equal(vgpu_request_get_parent(requests2->pdata[0]),
                        "0000:05:00.0");

    /* <other:vgpu><other:mdev> of another namespace is ignored */
    assert_int_equal(requests3->len, 0);
}

static void
test_list_requests_ignores_other_elements(void **state)
{
    g_autoptr(VgpuDomainXml) doc =
        parse_string("<domain><metadata>"
                     "<vgpu xmlns='urn:libvgpu:domain:1'>"
                     "<mdev uuid='" U1 "' type='nvidia-65'/>"
                     "<future xmlns='urn:libvgpu:domain:1' x='y'/>"
                     "<o:mdev xmlns:o='urn:other' uuid='bad' type='..'/>"
                     "<!-- comment -->"
                     "</vgpu>"
                     "<vgpu xmlns='urn:libvgpu:domain:1'>"
                     "<mdev uuid='" U2 "' type='ignored-second-element'/>"
                     "</vgpu>"
                     "</metadata></domain>");
    g_autoptr(GPtrArray) requests = list_requests_ok(doc);

    (void)state;
    /* default namespace, unknown elements skipped; libvirt keeps only
     * the first element of a namespace in <metadata>, so do we */
    assert_int_equal(requests->len, 1);
    assert_string_equal(vgpu_request_get_uuid(requests->pdata[0]), U1);
}

typedef struct {
    const char *mdev; /* attributes of <vgpu:mdev> */
    const char *needle;
} BadRequest;

static void
test_list_requests_invalid(void **state)
{
    static const BadRequest cases[] = {
        {"uuid='" U1 "' type='../../x'", "\"../../x\""},
        {"uuid='" U1 "' type='..'", "\"..\""},
        {"uuid='" U1 "' type=''", "mdev type name \"\""},
        {"uuid='" U1 "' type='a/b'", "\"a/b\""},
        {"uuid='" U1 "' type='nvidia-65' parent='../0000:05:00.0'",
         "\"../0000:05:00.0\""},
        {"uuid='" U1 "' type='nvidia-65' parent='/'", "parent"},
        {"uuid='9d2e9b5e6a3c4f628b0e2f5a7c1d4e90' type='nvidia-65'",
         "\"9d2e9b5e6a3c4f628b0e2f5a7c1d4e90\" is not a UUID"},
        {"uuid='{" U1 "}' type='nvidia-65'", "is not a UUID"},
        {"uuid='' type='nvidia-65'", "is not a UUID"},
        {"type='nvidia-65'", "has no uuid attribute"},
        {"uuid='" U1 "'", "has no type attribute"},
    };

    (void)state;
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *xml = g_strdup_printf(
            "<domain>\n  <name>win11</name>\n  <metadata>\n"
            "    <vgpu:vgpu xmlns:vgpu='urn:libvgpu:domain:1'>\n"
            "      <vgpu:mdev %s/>\n"
            "    </vgpu:vgpu>\n  </metadata>\n</domain>\n",
            cases[i].mdev);
        g_autoptr(VgpuDomainXml) doc = parse_string(xml);
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) requests = NULL;

        print_message("invalid request: %s\n", cases[i].mdev);
        requests = vgpu_domain_xml_list_requests(doc, &error);
        assert_null(requests);
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, cases[i].needle);
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, "<vgpu:mdev");
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT,
                          "in domain \"win11\"");
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT,
                          "'virsh edit win11'");
    }
}

static void
test_list_requests_duplicate(void **state)
{
    g_autoptr(VgpuDomainXml) doc =
        parse_string("<domain><name>win11</name><metadata>"
                     "<vgpu:vgpu xmlns:vgpu='urn:libvgpu:domain:1'>"
                     "<vgpu:mdev uuid='" U1 "' type='nvidia-65'/>"
                     "<vgpu:mdev uuid='9D2E9B5E-6A3C-4F62-8B0E-2F5A7C1D4E90' "
                     "type='nvidia-66'/>"
                     "</vgpu:vgpu></metadata></domain>");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) requests = vgpu_domain_xml_list_requests(doc, &error);

    (void)state;
    assert_null(requests);
    assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, "\"" U1 "\"");
    assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, "two vGPU requests");
}

static void
test_request_new(void **state)
{
    g_autoptr(VgpuRequest) r =
        request("9D2E9B5E-6A3C-4F62-8B0E-2F5A7C1D4E90", "nvidia-65", NULL);
    g_autoptr(VgpuRequest) r2 = request(U1, "mtty-2", "mtty");
    g_autofree char *long_name = g_strnfill(256, 'a');
    g_autofree char *max_name = g_strnfill(255, 'a');
    g_autoptr(VgpuRequest) r3 = request(U1, max_name, max_name);
    static const struct {
        const char *uuid, *type_id, *parent, *needle;
    } bad[] = {
        {"not-a-uuid", "nvidia-65", NULL, "\"not-a-uuid\""},
        {"", "nvidia-65", NULL, "is not a UUID"},
        {U1, "..", NULL, "\"..\""},
        {U1, ".", NULL, "\".\""},
        {U1, "", NULL, "\"\""},
        {U1, "../../etc", NULL, "\"../../etc\""},
        {U1, "nvidia-65", "..", "\"..\""},
        {U1, "nvidia-65", "0000:05:00.0/x", "\"0000:05:00.0/x\""},
        {U1, "nvidia-65", "", "parent device"},
        {U1, "nvidia\n65", NULL, "mdev type"},
    };

    (void)state;
    assert_string_equal(vgpu_request_get_uuid(r), U1);
    assert_string_equal(vgpu_request_get_type_id(r), "nvidia-65");
    assert_null(vgpu_request_get_parent(r));
    assert_string_equal(vgpu_request_get_parent(r2), "mtty");
    assert_string_equal(vgpu_request_get_type_id(r3), max_name);

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VgpuRequest) b = vgpu_request_new(bad[i].uuid, bad[i].type_id,
                                                    bad[i].parent, &error);

        assert_null(b);
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, bad[i].needle);
    }
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(VgpuRequest) b =
            vgpu_request_new(U1, long_name, NULL, &error);

        assert_null(b);
        /* the untrusted value is quoted and cut to 128 bytes */
        g_autofree char *cut = g_strnfill(128, 'a');
        g_autofree char *shown = g_strconcat("\"", cut, "\xe2\x80\xa6\"", NULL);
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, shown);
    }
    vgpu_request_free(NULL);
}

/* ---- next default UUID ------------------------------------------------- */

static void
test_next_default_uuid(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_data("xml/add-no-metadata.in.xml");
    g_autoptr(GError) error = NULL;
    g_autofree char *u0 = vgpu_uuid_for_domain(WIN11_UUID, 0, NULL);
    g_autofree char *u1 = vgpu_uuid_for_domain(WIN11_UUID, 1, NULL);
    g_autofree char *u2 = vgpu_uuid_for_domain(WIN11_UUID, 2, NULL);
    g_autofree char *u3 = vgpu_uuid_for_domain(WIN11_UUID, 3, NULL);
    g_autofree char *next = NULL;
    g_autofree char *hand = NULL;
    g_autofree char *u1_upper = g_ascii_strup(u1, -1);
    g_autoptr(VgpuDomainXml) doc2 = NULL;
    g_autoptr(VgpuRequest) r0 = NULL;
    g_autoptr(VgpuRequest) r2 = NULL;

    (void)state;
    next = vgpu_domain_xml_next_default_uuid(doc, &error);
    assert_non_null(next);
    assert_string_equal(next, u0);
    g_clear_pointer(&next, g_free);

    /* index 0 taken by a request (with its hostdev), index 2 too */
    r0 = request(u0, "nvidia-65", NULL);
    r2 = request(u2, "nvidia-65", NULL);
    assert_true(vgpu_domain_xml_add_request(doc, r0, 0, &error));
    assert_true(vgpu_domain_xml_add_request(doc, r2, 0, &error));
    next = vgpu_domain_xml_next_default_uuid(doc, &error);
    assert_string_equal(next, u1);
    g_clear_pointer(&next, g_free);

    /* index 1 taken by a hand-written hostdev (uppercase), index 3 by a
     * request without hostdev */
    hand = g_strdup_printf(
        "<domain><uuid>%s</uuid><metadata>"
        "<vgpu:vgpu xmlns:vgpu='urn:libvgpu:domain:1'>"
        "<vgpu:mdev uuid='%s' type='t'/><vgpu:mdev uuid='%s' type='t'/>"
        "</vgpu:vgpu></metadata><devices>"
        "<hostdev mode='subsystem' type='mdev'><source>"
        "<address uuid='%s'/></source></hostdev>"
        "</devices></domain>",
        "4DEA22B3-1D52-D8F3-2516-782E98AB3FA0", u0, u3, u1_upper);
    doc2 = parse_string(hand);
    next = vgpu_domain_xml_next_default_uuid(doc2, &error);
    assert_non_null(next);
    assert_string_equal(next, u2);
}

static void
test_next_default_uuid_errors(void **state)
{
    g_autoptr(VgpuDomainXml) none =
        parse_string("<domain><name>nouuid</name></domain>");
    g_autoptr(VgpuDomainXml) bad = parse_string(
        "<domain><name>bad</name><uuid>4dea22b3-xxxx</uuid></domain>");
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) error2 = NULL;
    g_autofree char *u = vgpu_domain_xml_next_default_uuid(none, &error);
    g_autofree char *u2 = vgpu_domain_xml_next_default_uuid(bad, &error2);

    (void)state;
    assert_null(u);
    assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, "has no <uuid>");
    assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, "\"nouuid\"");
    assert_null(u2);
    assert_vgpu_error(error2, VGPU_ERROR_INVALID_INPUT, "\"4dea22b3-xxxx\"");
}

/* ---- editing errors ---------------------------------------------------- */

static void
test_add_existing_request(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_data("xml/remove-one.in.xml");
    g_autoptr(VgpuRequest) r =
        request("B8F1C4A2-3D5E-4F60-9A7B-1C2D3E4F5A6B", "nvidia-65", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = vgpu_domain_xml_format(doc, NULL);
    g_autofree char *after = NULL;

    (void)state;
    assert_false(vgpu_domain_xml_add_request(doc, r, 0, &error));
    assert_vgpu_error(error, VGPU_ERROR_EXISTS, "\"" U2 "\"");
    after = vgpu_domain_xml_format(doc, NULL);
    assert_string_equal(after, before);
}

static void
test_add_existing_hostdev(void **state)
{
    g_autoptr(VgpuDomainXml) doc =
        parse_data("xml/libvirt/hostdev-mdev-precreated.xml");
    g_autoptr(VgpuRequest) r = request(PRECREATED_UUID, "nvidia-65", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = vgpu_domain_xml_format(doc, NULL);
    g_autofree char *after = NULL;

    (void)state;
    assert_false(vgpu_domain_xml_add_request(doc, r, 0, &error));
    assert_vgpu_error(error, VGPU_ERROR_EXISTS, "\"" PRECREATED_UUID "\"");
    assert_vgpu_error(error, VGPU_ERROR_EXISTS, "<hostdev>");
    after = vgpu_domain_xml_format(doc, NULL);
    assert_string_equal(after, before);
}

static void
test_add_ramfb_without_display(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_data("xml/add-no-metadata.in.xml");
    g_autoptr(VgpuRequest) r = request(U1, "nvidia-65", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = vgpu_domain_xml_format(doc, NULL);
    g_autofree char *after = NULL;

    (void)state;
    assert_false(
        vgpu_domain_xml_add_request(doc, r, VGPU_HOSTDEV_RAMFB, &error));
    assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, "display='on'");
    after = vgpu_domain_xml_format(doc, NULL);
    assert_string_equal(after, before);
}

static void
test_remove_unknown(void **state)
{
    g_autoptr(VgpuDomainXml) doc = parse_data("xml/remove-one.in.xml");
    g_autoptr(VgpuDomainXml) pre =
        parse_data("xml/libvirt/hostdev-mdev-precreated.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) error2 = NULL;
    g_autoptr(GError) error3 = NULL;
    g_autofree char *before = vgpu_domain_xml_format(pre, NULL);
    g_autofree char *after = NULL;

    (void)state;
    assert_false(vgpu_domain_xml_remove_request(
        doc, "00000000-0000-4000-8000-000000000000", &error));
    assert_vgpu_error(error, VGPU_ERROR_NOT_FOUND,
                      "\"00000000-0000-4000-8000-000000000000\"");

    /* a hand-written hostdev alone is not ours: left alone */
    assert_false(vgpu_domain_xml_remove_request(pre, PRECREATED_UUID, &error2));
    assert_vgpu_error(error2, VGPU_ERROR_NOT_FOUND, PRECREATED_UUID);
    after = vgpu_domain_xml_format(pre, NULL);
    assert_string_equal(after, before);

    assert_false(vgpu_domain_xml_remove_request(doc, "../x", &error3));
    assert_vgpu_error(error3, VGPU_ERROR_INVALID_INPUT, "\"../x\"");
}

/* ---- refusing input ---------------------------------------------------- */

static void
test_parse_malformed(void **state)
{
    static const char xml[] = "<domain type='kvm'>\n"
                              "  <name>x</name>\n"
                              "  <uuid>\n"
                              "</domain>\n";

    (void)state;
    assert_parse_fails(xml, strlen(xml), VGPU_ERROR_INVALID_INPUT, "line 4");
    assert_parse_fails(xml, strlen(xml), VGPU_ERROR_INVALID_INPUT,
                       "not well-formed");
}

static void
test_parse_root_not_domain(void **state)
{
    static const char net[] = "<network><name>default</name></network>";
    static const char ns[] = "<x:domain xmlns:x='urn:x'/>";

    (void)state;
    assert_parse_fails(net, strlen(net), VGPU_ERROR_INVALID_INPUT, "<network>");
    assert_parse_fails(ns, strlen(ns), VGPU_ERROR_INVALID_INPUT, "<x:domain>");
}

#define DTD_MESSAGE "domain XML must not contain a DTD or entity declarations"

static void
test_parse_xxe(void **state)
{
    static const char *const inputs[] = {
        "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<domain><name>&x;</name></domain>",
        "<?xml version='1.0'?>\n<!DOCTYPE domain [\n"
        "<!ENTITY x SYSTEM \"file:///etc/passwd\">\n]>\n"
        "<domain><description>&x;</description></domain>",
        "<!DOCTYPE domain [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
        "<domain/>",
        "<!DOCTYPE domain SYSTEM \"http://127.0.0.1:9/x.dtd\"><domain/>",
        "<!DOCTYPE domain><domain/>",
        "<!DOCTYPE domain [<!ENTITY x \"plain\">]><domain>&x;</domain>",
    };

    (void)state;
    for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VgpuDomainXml) doc =
            vgpu_domain_xml_parse(inputs[i], strlen(inputs[i]), &error);

        assert_null(doc);
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, DTD_MESSAGE);
        /* nothing of /etc/passwd leaks into the message */
        assert_null(strstr(error->message, "root:"));
        assert_null(strstr(error->message, "passwd"));
    }
}

static void
test_parse_billion_laughs(void **state)
{
    GString *xml = g_string_new("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
                                "<!ENTITY lol \"lol\">\n");
    g_autofree char *text = NULL;

    (void)state;
    for (int i = 1; i <= 9; i++) {
        g_string_append_printf(xml, "<!ENTITY lol%d \"", i);
        for (int j = 0; j < 10; j++) {
            if (i == 1)
                g_string_append(xml, "&lol;");
            else
                g_string_append_printf(xml, "&lol%d;", i - 1);
        }
        g_string_append(xml, "\">\n");
    }
    g_string_append(xml, "]>\n<domain><name>&lol9;</name></domain>\n");
    text = g_string_free(xml, FALSE);
    assert_parse_fails(text, strlen(text), VGPU_ERROR_INVALID_INPUT,
                       DTD_MESSAGE);
}

static void
test_parse_oversize(void **state)
{
    gsize len = VGPU_DOMAIN_XML_MAX_SIZE + 1;
    g_autofree char *big = g_malloc(len);

    (void)state;
    memcpy(big, "<domain>", 8);
    memset(big + 8, ' ', len - 8);
    assert_parse_fails(big, len, VGPU_ERROR_INVALID_INPUT, "16777217");
    assert_parse_fails(big, len, VGPU_ERROR_INVALID_INPUT, "16 MiB");
}

static void
test_parse_empty(void **state)
{
    (void)state;
    assert_parse_fails("", 0, VGPU_ERROR_INVALID_INPUT, "empty");
    assert_parse_fails(NULL, 0, VGPU_ERROR_INVALID_INPUT, "empty");
}

#if LIBXML_VERSION >= 21200
typedef const xmlError TestXmlError;
#else
typedef xmlError TestXmlError;
#endif

static void
custom_handler(void *data, TestXmlError *err)
{
    (void)data;
    (void)err;
    fail_msg("the application's libxml2 error handler was called");
}

static void
test_parse_hostile(void **state)
{
    /* len 0: use strlen() */
    static const struct {
        const char *xml;
        gsize len;
    } inputs[] = {
        {"<", 0},
        {"<domain", 0},
        {"<domain>", 0},
        {"   ", 0},
        {"\0\0\0\0", 4},
        {"<domain>\0</domain>", 18},
        {"<domain></dom>", 0},
        {"<domain/><domain/>", 0},
        {"<domain>&x;</domain>", 0},
        {"<domain>&#0;</domain>", 0},
        {"<domain a='1' a='2'/>", 0},
        {"<domain xmlns:a=''><a:b/></domain>", 0},
        {"<?xml version='1.0' encoding='x-no-such-encoding'?><domain/>", 0},
        {"\xff\xfe<\0d\0", 6},
        {"<domain>\xc3\x28</domain>", 0},
        {"<domain><![CDATA[</domain>", 0},
        {"<domain><!-- </domain>", 0},
        {"text only", 0},
        {"<domain><name>x</name></domain>trailing", 0},
    };
    g_autofree char *deep = NULL;
    GString *nest = g_string_new("<domain>");
    char tmpl[] = "/tmp/vgpu-test-stderr-XXXXXX";
    int saved_stderr;
    int fd;
    struct stat st;

    (void)state;
    for (int i = 0; i < 10000; i++)
        g_string_append(nest, "<a>");
    deep = g_string_free(nest, FALSE);

    /* libvgpu never prints: catch anything written to stderr, and make
     * sure the application's own libxml2 handler is neither called nor
     * replaced. */
    xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)custom_handler);
    fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    unlink(tmpl);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);

    for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
        g_autoptr(GError) error = NULL;
        gsize len = inputs[i].len ? inputs[i].len : strlen(inputs[i].xml);
        g_autoptr(VgpuDomainXml) doc =
            vgpu_domain_xml_parse(inputs[i].xml, len, &error);

        if (doc)
            fail_msg("hostile input %" G_GSIZE_FORMAT " was accepted", i);
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, NULL);
    }
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(VgpuDomainXml) doc =
            vgpu_domain_xml_parse(deep, strlen(deep), &error);

        assert_null(doc);
        assert_vgpu_error(error, VGPU_ERROR_INVALID_INPUT, "line 1");
    }

    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    assert_int_equal(st.st_size, 0);
    assert_true(xmlStructuredError == (xmlStructuredErrorFunc)custom_handler);
    xmlSetStructuredErrorFunc(NULL, NULL);
}

/* ---- main -------------------------------------------------------------- */

int
main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_inverse),
        cmocka_unit_test(test_add_then_remove_each),
        cmocka_unit_test(test_round_trip_files),
        cmocka_unit_test(test_round_trip_no_declaration_added),
        cmocka_unit_test(test_format_escaping),
        cmocka_unit_test(test_utf8_bom_and_encoding),
        cmocka_unit_test(test_name_and_uuid),
        cmocka_unit_test(test_list_hostdevs_libvirt_precreated),
        cmocka_unit_test(test_list_hostdevs_libvirt_duplicate),
        cmocka_unit_test(test_list_hostdevs_libvirt_src_address_invalid),
        cmocka_unit_test(test_list_hostdevs_filters),
        cmocka_unit_test(test_list_requests),
        cmocka_unit_test(test_list_requests_ignores_other_elements),
        cmocka_unit_test(test_list_requests_invalid),
        cmocka_unit_test(test_list_requests_duplicate),
        cmocka_unit_test(test_request_new),
        cmocka_unit_test(test_next_default_uuid),
        cmocka_unit_test(test_next_default_uuid_errors),
        cmocka_unit_test(test_add_existing_request),
        cmocka_unit_test(test_add_existing_hostdev),
        cmocka_unit_test(test_add_ramfb_without_display),
        cmocka_unit_test(test_remove_unknown),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_root_not_domain),
        cmocka_unit_test(test_parse_xxe),
        cmocka_unit_test(test_parse_billion_laughs),
        cmocka_unit_test(test_parse_oversize),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_hostile),
    };
    g_autofree struct CMUnitTest *golden =
        g_new0(struct CMUnitTest, G_N_ELEMENTS(golden_cases));
    int failed;

    for (gsize i = 0; i < G_N_ELEMENTS(golden_cases); i++) {
        golden[i].name = golden_cases[i].name;
        golden[i].test_func = test_golden;
        golden[i].initial_state = (void *)&golden_cases[i];
    }
    failed = _cmocka_run_group_tests("golden", golden,
                                     G_N_ELEMENTS(golden_cases), NULL, NULL);
    failed += cmocka_run_group_tests_name("domain-xml", tests, NULL, NULL);
    return failed ? 1 : 0;
}
