/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - what a `prepare begin` wants (vgpu-hook-private.h): the
 * domain's requests that have their hostdev, and the mdev hostdevs only an
 * mdevctl definition can explain. Reads the domain XML with the GMarkup
 * reader; links into vgpu-hook (hooks/vgpu-hook-lean.c).
 */
#include "vgpu-hook-private.h"

#include <libvgpu/vgpu-mdev.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-text.h"

void
vgpu_hook_wanted_clear(VgpuHookWanted *wanted)
{
    g_clear_pointer(&wanted->requests, g_ptr_array_unref);
    g_clear_pointer(&wanted->undefined, g_ptr_array_unref);
}

/* Linear: one hash set of hostdevs. */
GPtrArray *
vgpu_hook_requests_with_hostdev(const VgpuDomainReading *reading,
                                GError **error)
{
    g_autoptr(GPtrArray) requests =
        vgpu_domain_reading_list_requests(reading, error);
    GPtrArray *mdev = vgpu_domain_reading_get_mdev_hostdevs(reading);
    GPtrArray *pci = vgpu_domain_reading_get_pci_hostdevs(reading);
    g_autoptr(GHashTable) present = NULL;
    GPtrArray *wanted;

    if (!requests)
        return NULL;
    present = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < mdev->len; i++)
        g_hash_table_add(present, mdev->pdata[i]);
    for (guint i = 0; i < pci->len; i++)
        g_hash_table_add(present, pci->pdata[i]);
    wanted = g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_request_free);
    for (guint i = 0; i < requests->len; i++) {
        if (g_hash_table_contains(
                present, vgpu_request_get_device_id(requests->pdata[i])))
            g_ptr_array_add(wanted, g_steal_pointer(&requests->pdata[i]));
    }
    return wanted;
}

/*
 * The mdev hostdevs of the domain that have no request and whose device
 * is not running: libvirt would fail with "mediated device … not found"
 * unless an mdevctl definition says what to start. A running device
 * without a record of libvgpu is used as it is (mdevctl's or the admin's);
 * one with a record of an mdevctl start is settled by the engine (a start
 * killed before the attributes were written), so it is listed too.
 */
static GPtrArray *
undefined_hostdevs(VgpuContext *ctx, const VgpuDomainReading *reading,
                   GPtrArray *requests)
{
    GPtrArray *mdev = vgpu_domain_reading_get_mdev_hostdevs(reading);
    g_autoptr(GHashTable) requested = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *undefined = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < requests->len; i++)
        g_hash_table_add(requested, (gpointer)vgpu_request_get_device_id(
                                        requests->pdata[i]));
    for (guint i = 0; i < mdev->len; i++) {
        const char *uuid = mdev->pdata[i];

        if (g_hash_table_contains(requested, uuid))
            continue;
        if (vgpu_mdev_exists(ctx, uuid)) {
            g_autoptr(VgpuRecord) record =
                vgpu_state_load_record(ctx, uuid, NULL);

            if (!record ||
                vgpu_record_get_origin(record) != VGPU_DEVICE_ORIGIN_MDEVCTL)
                continue;
        }
        g_ptr_array_add(undefined, g_strdup(uuid));
    }
    return undefined;
}

gboolean
vgpu_hook_prepare_read(VgpuContext *ctx, const char *domain, const char *xml,
                       gsize xml_len, VgpuHookWanted *wanted, GError **error)
{
    g_autoptr(VgpuDomainReading) reading = NULL;
    g_autofree char *quoted = vgpu_text_name(domain);
    const char *xml_name;

    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);
    g_return_val_if_fail(wanted != NULL, FALSE);

    *wanted = (VgpuHookWanted){NULL, NULL};
    for (const char *c = domain; *c; c++) {
        /* libvirt refuses "\n" in names (virDomainDefParseName(),
         * virXMLCheckIllegalChars()); no control character belongs in one,
         * and records and the log must not carry them */
        if (g_ascii_iscntrl(*c)) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "domain name %s contains control characters, which "
                        "libvirt does not give domains; refusing to create "
                        "devices for it",
                        quoted);
            return FALSE;
        }
    }
    if (!xml || xml_len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "no domain XML on standard input for domain %s; libvirt "
                    "passes it to qemu hooks, so run the hook only from "
                    "libvirt or feed it 'virsh dumpxml DOMAIN'",
                    quoted);
        return FALSE;
    }
    reading = vgpu_domain_reading_new("domain XML", xml, xml_len, error);
    if (!reading)
        return FALSE;
    xml_name = vgpu_domain_reading_get_name(reading);
    if (!xml_name || !g_str_equal(xml_name, domain)) {
        g_autofree char *quoted_xml = vgpu_text_quote(xml_name);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "the domain XML on standard input is for domain %s, "
                    "not %s named on the command line",
                    quoted_xml, quoted);
        return FALSE;
    }
    wanted->requests = vgpu_hook_requests_with_hostdev(reading, error);
    if (!wanted->requests)
        return FALSE;
    wanted->undefined = undefined_hostdevs(ctx, reading, wanted->requests);
    return TRUE;
}
