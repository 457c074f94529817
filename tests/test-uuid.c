/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of lib/vgpu-uuid.c. The version 5 vectors come from Python's
 * independent RFC 4122 implementation:
 *
 *   python3 -c "import uuid; print(uuid.uuid5(
 *       uuid.UUID('6c0c1d4e-4c1e-5b8e-9a57-6c6962766770'),
 *       'c7a5fdbd-edaf-9455-926a-d65c16db1809/0'))"
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <uuid/uuid.h>

#include <libvgpu/vgpu-uuid.h>

#include "vgpu-test-util.h"

#define DOMAIN_UUID "c7a5fdbd-edaf-9455-926a-d65c16db1809"

static void
test_is_valid(void **state)
{
    static const char *const valid[] = {
        "c7a5fdbd-edaf-9455-926a-d65c16db1809",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        VGPU_UUID_NAMESPACE,
    };
    static const char *const invalid[] = {
        "",
        "C7A5FDBD-EDAF-9455-926A-D65C16DB1809",  /* uppercase */
        "c7a5fdbd-edaf-9455-926a-d65c16db180A",  /* one uppercase digit */
        "c7a5fdbd-edaf-9455-926a-d65c16db180",   /* 35 characters */
        "c7a5fdbd-edaf-9455-926a-d65c16db18090", /* 37 characters */
        "c7a5fdbdedaf-9455-926a-d65c16db1809-0", /* hyphens moved */
        "c7a5fdb-dedaf-9455-926a-d65c16db1809",
        "c7a5fdbd-edaf-9455-926ad-65c16db1809",
        "c7a5fdbd_edaf_9455_926a_d65c16db1809",
        "c7a5fdbdxedafx9455x926axd65c16db1809",
        "c7a5fdbdaedafa9455a926aad65c16db1809", /* hex at hyphens */
        "g7a5fdbd-edaf-9455-926a-d65c16db1809", /* not hex */
        "c7a5fdbd-edaf-9455-926a-d65c16db18 9",
        " c7a5fdbd-edaf-9455-926a-d65c16db1809",
        "c7a5fdbd-edaf-9455-926a-d65c16db1809\n",
        "{c7a5fdbd-edaf-9455-926a-d65c16db1809}",
        "c7a5fdbdedaf9455926ad65c16db1809",
        "c7a5fdbd-edaf-9455-926a-d65c16db18\xc3\xa9",
    };

    for (guint i = 0; i < G_N_ELEMENTS(valid); i++)
        assert_true(vgpu_uuid_is_valid(valid[i]));
    for (guint i = 0; i < G_N_ELEMENTS(invalid); i++) {
        if (vgpu_uuid_is_valid(invalid[i]))
            fail_msg("accepted \"%s\"", invalid[i]);
    }
    assert_false(vgpu_uuid_is_valid(NULL));
}

static void
test_normalize(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *upper =
        vgpu_uuid_normalize("C7A5FDBD-EDAF-9455-926A-D65C16DB1809", &error);
    g_autofree char *mixed =
        vgpu_uuid_normalize("c7A5fDbD-EdAf-9455-926a-D65C16db1809", &error);
    g_autofree char *lower = vgpu_uuid_normalize(DOMAIN_UUID, &error);

    assert_null(error);
    assert_string_equal(upper, DOMAIN_UUID);
    assert_string_equal(mixed, DOMAIN_UUID);
    assert_string_equal(lower, DOMAIN_UUID);
    assert_true(vgpu_uuid_is_valid(upper));
}

static void
test_normalize_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "not-a-uuid",
        "C7A5FDBD-EDAF-9455-926A-D65C16DB180",
        "C7A5FDBD-EDAF-9455-926A-D65C16DB18090",
        "C7A5FDBDEDAF-9455-926A-D65C16DB1809-0",
        "Z7A5FDBD-EDAF-9455-926A-D65C16DB1809",
        " c7a5fdbd-edaf-9455-926a-d65c16db1809",
        "{c7a5fdbd-edaf-9455-926a-d65c16db1809}",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *quoted = g_strdup_printf("\"%s\"", bad[i]);
        g_autofree char *result = vgpu_uuid_normalize(bad[i], &error);

        assert_null(result);
        vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, quoted);
    }
    {
        g_autoptr(GError) error = NULL;
        assert_null(vgpu_uuid_normalize(NULL, &error));
        vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, NULL);
    }
    assert_null(vgpu_uuid_normalize("nope", NULL));
}

typedef struct {
    const char *domain;
    guint index;
    const char *expected;
} V5Vector;

/* python3 uuid.uuid5(uuid.UUID(VGPU_UUID_NAMESPACE), "<domain>/<index>") */
static const V5Vector v5_vectors[] = {
    {DOMAIN_UUID, 0, "2ccbd718-f630-5dba-b79f-c9261c5b50fb"},
    {DOMAIN_UUID, 1, "28950ba7-e315-5c03-aaa1-e06da352cb54"},
    {DOMAIN_UUID, 7, "d0948b1d-4907-512b-ad15-10be999a2065"},
    {DOMAIN_UUID, G_MAXUINT32, "2eba64bf-2d6b-5527-b5c5-cc772cd43786"},
    {"00000000-0000-0000-0000-000000000000", 0,
     "5809b094-e101-5347-9945-baf7783da3ba"},
};

static void
test_for_domain_vectors(void **state)
{
    for (guint i = 0; i < G_N_ELEMENTS(v5_vectors); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *uuid = vgpu_uuid_for_domain(
            v5_vectors[i].domain, v5_vectors[i].index, &error);

        assert_null(error);
        assert_string_equal(uuid, v5_vectors[i].expected);
        assert_true(vgpu_uuid_is_valid(uuid));
        /* version 5, RFC 4122 variant */
        assert_int_equal(uuid[14], '5');
        assert_non_null(strchr("89ab", uuid[19]));
    }
}

/* Same result as libuuid's own RFC 4122 SHA-1 implementation. */
static void
test_for_domain_matches_libuuid(void **state)
{
    uuid_t ns;
    uuid_t out;
    char text[37];

    assert_int_equal(uuid_parse(VGPU_UUID_NAMESPACE, ns), 0);
    for (guint index = 0; index < 64; index++) {
        g_autofree char *name = g_strdup_printf("%s/%u", DOMAIN_UUID, index);
        g_autofree char *uuid = vgpu_uuid_for_domain(DOMAIN_UUID, index, NULL);

        uuid_generate_sha1(out, ns, name, strlen(name));
        uuid_unparse_lower(out, text);
        assert_string_equal(uuid, text);
    }
}

static void
test_for_domain_any_case(void **state)
{
    g_autofree char *upper =
        vgpu_uuid_for_domain("C7A5FDBD-EDAF-9455-926A-D65C16DB1809", 0, NULL);
    g_autofree char *lower = vgpu_uuid_for_domain(DOMAIN_UUID, 0, NULL);

    assert_string_equal(upper, "2ccbd718-f630-5dba-b79f-c9261c5b50fb");
    assert_string_equal(lower, upper);
}

static void
test_for_domain_distinct(void **state)
{
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint index = 0; index < 16; index++) {
        char *uuid = vgpu_uuid_for_domain(DOMAIN_UUID, index, NULL);
        assert_true(g_hash_table_add(seen, uuid));
    }
    /* another domain, same index */
    {
        char *uuid = vgpu_uuid_for_domain(
            "d7a5fdbd-edaf-9455-926a-d65c16db1809", 0, NULL);
        assert_true(g_hash_table_add(seen, uuid));
    }
}

static void
test_for_domain_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "win10",
        DOMAIN_UUID "0",
        "c7a5fdbd-edaf-9455-926a-d65c16db180",
        "c7a5fdbd-edaf-9455-926a-d65c16db180g",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *quoted = g_strdup_printf("\"%s\"", bad[i]);
        g_autofree char *uuid = vgpu_uuid_for_domain(bad[i], 0, &error);

        assert_null(uuid);
        vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, quoted);
    }
    {
        g_autoptr(GError) error = NULL;
        assert_null(vgpu_uuid_for_domain(NULL, 0, &error));
        vgpu_test_assert_error(error, VGPU_ERROR_INVALID_INPUT, NULL);
    }
}

static void
test_random(void **state)
{
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < 100; i++) {
        char *uuid = vgpu_uuid_new_random();

        assert_true(vgpu_uuid_is_valid(uuid));
        assert_int_equal(uuid[14], '4');
        assert_non_null(strchr("89ab", uuid[19]));
        assert_true(g_hash_table_add(seen, uuid));
    }
    assert_int_equal(g_hash_table_size(seen), 100);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_valid),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_rejects),
        cmocka_unit_test(test_for_domain_vectors),
        cmocka_unit_test(test_for_domain_matches_libuuid),
        cmocka_unit_test(test_for_domain_any_case),
        cmocka_unit_test(test_for_domain_distinct),
        cmocka_unit_test(test_for_domain_rejects),
        cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests_name("uuid", tests, NULL, NULL);
}
