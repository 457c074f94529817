/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - mdev UUIDs: validation, normalisation, name-based (RFC 4122
 * version 5) and random (version 4) generation.
 */
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-text.h"

#include <string.h>
#include <uuid/uuid.h>

#define UUID_STRING_LEN 36

static gboolean
is_hyphen_offset(gsize i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

/* 36 characters, hyphens at 8/13/18/23, hex digits elsewhere. */
static gboolean
uuid_has_shape(const char *uuid, gboolean lowercase_only)
{
    gsize i;

    for (i = 0; i < UUID_STRING_LEN; i++) {
        char c = uuid[i];

        if (c == '\0')
            return FALSE;
        if (is_hyphen_offset(i)) {
            if (c != '-')
                return FALSE;
        } else if (!g_ascii_isxdigit(c) ||
                   (lowercase_only && g_ascii_isupper(c))) {
            return FALSE;
        }
    }
    return uuid[i] == '\0';
}

gboolean
vgpu_uuid_is_valid(const char *uuid)
{
    return uuid && uuid_has_shape(uuid, TRUE);
}

char *
vgpu_uuid_normalize(const char *uuid, GError **error)
{
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!uuid || !uuid_has_shape(uuid, FALSE)) {
        g_autofree char *quoted = vgpu_text_quote(uuid);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not a UUID: expected 36 characters of hex "
                    "digits and hyphens such as "
                    "9d2e9b5e-6a3c-4f62-8b0e-2f5a7c1d4e90",
                    quoted);
        return NULL;
    }
    return g_ascii_strdown(uuid, -1);
}

/*
 * RFC 4122, section 4.3: SHA-1 over the namespace UUID (16 bytes, network
 * order) followed by the name, the first 16 bytes of the hash, version
 * nibble 5, variant bits 10.
 */
static void
uuid_v5(uuid_t out, const uuid_t ns, const char *name)
{
    g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
    guint8 digest[20];
    gsize digest_len = sizeof(digest);

    g_checksum_update(sha1, ns, sizeof(uuid_t));
    g_checksum_update(sha1, (const guchar *)name, (gssize)strlen(name));
    g_checksum_get_digest(sha1, digest, &digest_len);
    g_assert(digest_len == sizeof(digest));

    memcpy(out, digest, sizeof(uuid_t));
    out[6] = (out[6] & 0x0f) | 0x50; /* version 5 */
    out[8] = (out[8] & 0x3f) | 0x80; /* RFC 4122 variant */
}

char *
vgpu_uuid_for_domain(const char *domain_uuid, guint index, GError **error)
{
    g_autofree char *domain = NULL;
    g_autofree char *name = NULL;
    uuid_t ns;
    uuid_t result;
    char text[UUID_STRING_LEN + 1];

    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!domain_uuid || !uuid_has_shape(domain_uuid, FALSE)) {
        g_autofree char *quoted = vgpu_text_quote(domain_uuid);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain UUID %s is not a UUID: expected 36 "
                    "characters of hex digits and hyphens as in the "
                    "domain's <uuid> element",
                    quoted);
        return NULL;
    }
    domain = g_ascii_strdown(domain_uuid, -1);
    name = g_strdup_printf("%s/%u", domain, index);

    if (uuid_parse(VGPU_UUID_NAMESPACE, ns) != 0)
        g_assert_not_reached();
    uuid_v5(result, ns, name);
    uuid_unparse_lower(result, text);
    return g_strdup(text);
}

char *
vgpu_uuid_new_random(void)
{
    uuid_t uuid;
    char text[UUID_STRING_LEN + 1];

    uuid_generate_random(uuid);
    uuid_unparse_lower(uuid, text);
    return g_strdup(text);
}
