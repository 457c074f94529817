/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - mdev UUIDs (RFC 4122): canonical form, normalisation,
 * name-based default UUIDs of a domain's vGPUs, random UUIDs.
 */
#pragma once

#include <libvgpu/vgpu-common.h>

G_BEGIN_DECLS

/**
 * VGPU_UUID_NAMESPACE:
 *
 * The fixed namespace UUID of libvgpu's name-based (RFC 4122 version 5,
 * SHA-1) mdev UUIDs. Never change it: it makes a domain's default mdev
 * UUIDs stable across redefinitions, hosts and libvgpu versions.
 */
#define VGPU_UUID_NAMESPACE "6c0c1d4e-4c1e-5b8e-9a57-6c6962766770"

/**
 * vgpu_uuid_is_valid:
 * @uuid: (nullable): a string
 *
 * Checks for the canonical form the kernel prints and libvgpu stores:
 * exactly 36 characters, lowercase hex digits, hyphens at offsets 8, 13,
 * 18 and 23 (RFC 4122, section 3). Uppercase is rejected (use
 * vgpu_uuid_normalize()); so are braces, a "urn:uuid:" prefix and
 * surrounding whitespace. The version and variant bits are not checked:
 * the kernel accepts any UUID for an mdev. Pure, no I/O.
 *
 * Returns: %TRUE if @uuid is a canonical lowercase UUID, %FALSE otherwise
 *   and for %NULL.
 */
VGPU_PUBLIC gboolean vgpu_uuid_is_valid(const char *uuid);

/**
 * vgpu_uuid_normalize:
 * @uuid: (nullable): a UUID in any case, e.g. "9D2E9B5E-..."
 * @error: return location for a #GError, or %NULL
 *
 * Lowercases a UUID that has the canonical shape (36 characters, hyphens at
 * offsets 8, 13, 18 and 23, hex digits elsewhere); nothing else is
 * rewritten (no trimming, no braces). Pure, no I/O.
 *
 * Returns: (transfer full): the canonical lowercase form, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT quoting @uuid when it is not a 36-character
 *   UUID.
 */
VGPU_PUBLIC char *vgpu_uuid_normalize(const char *uuid, GError **error);

/**
 * vgpu_uuid_for_domain:
 * @domain_uuid: the libvirt domain UUID (`<uuid>` of the domain XML), any
 *   case
 * @index: 0-based number of the vGPU within the domain
 * @error: return location for a #GError, or %NULL
 *
 * Computes the default UUID of the domain's @index-th vGPU: a version 5
 * UUID in %VGPU_UUID_NAMESPACE of the name "<domain-uuid>/<index>"
 * (lowercase domain UUID, decimal index, e.g.
 * "c7a5fdbd-edaf-9455-926a-d65c16db1809/0"), computed as in RFC 4122,
 * section 4.3: SHA-1 over the 16 namespace bytes followed by the name,
 * the first 16 bytes of the digest, version 5, RFC 4122 variant. Equal to
 * Python's uuid.uuid5(uuid.UUID(VGPU_UUID_NAMESPACE), name). Stable
 * across redefinitions and hosts. Pure computation, no I/O.
 *
 * Returns: (transfer full): a canonical lowercase UUID, or %NULL with
 *   %VGPU_ERROR_INVALID_INPUT if @domain_uuid is not a UUID.
 */
VGPU_PUBLIC char *vgpu_uuid_for_domain(const char *domain_uuid, guint index,
                                       GError **error);

/**
 * vgpu_uuid_new_random:
 *
 * Returns: (transfer full): a new random (version 4, RFC 4122 section
 *   4.4) UUID, canonical lowercase, from libuuid's uuid_generate_random()
 *   (getrandom(2) / /dev/urandom).
 */
VGPU_PUBLIC char *vgpu_uuid_new_random(void);

G_END_DECLS
