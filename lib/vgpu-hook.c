/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the libvirt qemu hook protocol.
 *
 * libvirt (docs/hooks.rst, "/etc/libvirt/hooks/qemu") runs the hook as
 * `qemu DOMAIN OPERATION SUB-OPERATION EXTRA` with the full domain XML on
 * stdin; since libvirt 6.5 every executable in qemu.d/ is run the same
 * way. `prepare begin` runs before any resource is labelled or opened,
 * `release end` after QEMU has gone and resources are released. A
 * non-zero exit of `prepare begin` makes the start fail and libvirt shows
 * the hook's stderr to the user. The hook must never call libvirt API
 * (libvirtd waits for it).
 */
#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-hook.h>
#include <libvgpu/vgpu-mdev.h>
#include <libvgpu/vgpu-mdevctl.h>
#include <libvgpu/vgpu-state.h>

#include "vgpu-hook-table.h"
#include "vgpu-text.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK 65536

char *
vgpu_hook_read_input(int fd, gsize *len, GError **error)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    guint8 chunk[READ_CHUNK];

    g_return_val_if_fail(len != NULL, NULL);

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                        "cannot read the domain XML from standard input: %s",
                        g_strerror(errno));
            return NULL;
        }
        if (n == 0)
            break;
        if (buf->len + (gsize)n > VGPU_HOOK_MAX_INPUT) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "the domain XML on standard input exceeds %u MiB; "
                        "libvirt never sends that much, check what feeds "
                        "the hook",
                        VGPU_HOOK_MAX_INPUT / (1024 * 1024));
            return NULL;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    *len = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    return (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

VgpuHookOperation
vgpu_hook_operation_parse(const char *operation, const char *sub_operation)
{
    const VgpuHookTableEntry *entry;

    g_return_val_if_fail(operation != NULL, VGPU_HOOK_OPERATION_UNKNOWN);
    g_return_val_if_fail(sub_operation != NULL, VGPU_HOOK_OPERATION_UNKNOWN);

    entry = vgpu_hook_table_lookup(operation, sub_operation);
    return entry ? entry->value : VGPU_HOOK_OPERATION_UNKNOWN;
}

gboolean
vgpu_hook_operation_reads_input(VgpuHookOperation operation)
{
    for (gsize i = 0; i < G_N_ELEMENTS(vgpu_hook_table); i++) {
        if (vgpu_hook_table[i].value == operation)
            return vgpu_hook_table[i].reads_input;
    }
    return FALSE;
}

/*
 * The requests whose device is also a hostdev of the domain (an mdev
 * hostdev with the UUID, a PCI hostdev with the VF's address), in document
 * order. A request without its hostdev is stale metadata: QEMU will not
 * use the device, so it is not created. Linear: one hash set of hostdevs.
 */
static GPtrArray *
requests_with_hostdev(VgpuDomainXml *doc, GError **error)
{
    g_autoptr(GPtrArray) requests = vgpu_domain_xml_list_requests(doc, error);
    g_autoptr(GPtrArray) hostdevs = NULL;
    g_autoptr(GPtrArray) pci = NULL;
    g_autoptr(GHashTable) present = NULL;
    GPtrArray *wanted;

    if (!requests)
        return NULL;
    hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
    pci = vgpu_domain_xml_list_pci_hostdevs(doc);
    present = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < hostdevs->len; i++)
        g_hash_table_add(present, hostdevs->pdata[i]);
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
 * Adds to @wanted a request for every mdev hostdev of @doc that has no
 * request, whose device is not running, and that mdevctl defines
 * (vgpu_mdevctl_lookup()): libvirt would fail with "mediated device … not
 * found", so the hook starts it as `mdevctl start` would. A running device
 * without a record of libvgpu is used as it is and its definition not even
 * read; a hostdev without a
 * definition is left to libvirt, as before. A definition that is defined
 * twice or cannot be trusted fails the start with its one-line message.
 */
static gboolean
add_mdevctl_requests(VgpuContext *ctx, VgpuDomainXml *doc, GPtrArray *wanted,
                     GError **error)
{
    g_autoptr(GPtrArray) hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
    g_autoptr(GHashTable) requested = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < wanted->len; i++)
        g_hash_table_add(
            requested, (gpointer)vgpu_request_get_device_id(wanted->pdata[i]));
    for (guint i = 0; i < hostdevs->len; i++) {
        const char *uuid = hostdevs->pdata[i];
        g_autoptr(VgpuMdevctlDefinition) definition = NULL;
        g_autoptr(GError) local = NULL;

        if (g_hash_table_contains(requested, uuid))
            continue;
        if (vgpu_mdev_exists(ctx, uuid)) {
            g_autoptr(VgpuRecord) record =
                vgpu_state_load_record(ctx, uuid, NULL);

            /* running and not ours: mdevctl's or the admin's, used as it
             * is; with a record the engine settles it (a start killed
             * before the attributes were written) */
            if (!record ||
                vgpu_record_get_origin(record) != VGPU_DEVICE_ORIGIN_MDEVCTL)
                continue;
        }
        definition = vgpu_mdevctl_lookup(ctx, uuid, &local);
        if (g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NOT_FOUND))
            continue;
        if (!definition) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        g_ptr_array_add(wanted, vgpu_mdevctl_definition_to_request(definition));
    }
    return TRUE;
}

static gboolean
hook_prepare(VgpuContext *ctx, const char *domain, const char *xml,
             gsize xml_len, const VgpuEngineOptions *options, GError **error)
{
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) wanted = NULL;
    g_autofree char *quoted = vgpu_text_name(domain);
    const char *xml_name;

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
    doc = vgpu_domain_xml_parse(xml, xml_len, error);
    if (!doc)
        return FALSE;
    xml_name = vgpu_domain_xml_get_name(doc);
    if (!xml_name || !g_str_equal(xml_name, domain)) {
        g_autofree char *quoted_xml = vgpu_text_quote(xml_name);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "the domain XML on standard input is for domain %s, "
                    "not %s named on the command line",
                    quoted_xml, quoted);
        return FALSE;
    }
    wanted = requests_with_hostdev(doc, error);
    if (!wanted || !add_mdevctl_requests(ctx, doc, wanted, error))
        return FALSE;
    return vgpu_engine_prepare(ctx, domain, wanted, options, error);
}

/*
 * `migrate begin` / `restore begin` on the host that is to run the domain:
 * VF requests pin a VF of the source host; one that is missing, claimed or
 * cannot create the type here is moved, with its hostdev, to a VF that can
 * (vgpu_engine_choose_vf()), and the whole XML is returned for libvirt to
 * use. NULL output when every pinned VF is fine (libvirt keeps the XML).
 */
static gboolean
hook_rewrite(VgpuContext *ctx, const char *domain, const char *xml,
             gsize xml_len, const VgpuEngineOptions *options, char **output,
             GError **error)
{
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) wanted = NULL;
    g_autoptr(GHashTable) taken = NULL;
    gboolean moved = FALSE;

    /* What cannot be read cannot be rewritten: libvirt keeps its XML, and
     * `prepare begin` reports a broken request where it matters. */
    if (!xml || xml_len == 0 ||
        !(doc = vgpu_domain_xml_parse(xml, xml_len, NULL)) ||
        !(wanted = requests_with_hostdev(doc, NULL)))
        return TRUE;
    taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < wanted->len; i++)
        g_hash_table_add(
            taken, g_strdup(vgpu_request_get_device_id(wanted->pdata[i])));
    for (guint i = 0; i < wanted->len; i++) {
        const VgpuRequest *request = wanted->pdata[i];
        g_autoptr(GError) local = NULL;
        g_autofree char *vf =
            vgpu_engine_choose_vf(ctx, domain, request, taken, options, &local);

        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        if (!vf)
            continue;
        if (!vgpu_domain_xml_move_vf_request(
                doc, vgpu_request_get_device_id(request), vf, error))
            return FALSE;
        g_hash_table_add(taken, g_steal_pointer(&vf));
        moved = TRUE;
    }
    if (moved && output)
        *output = vgpu_domain_xml_format(doc, NULL);
    return TRUE;
}

gboolean
vgpu_hook_run(VgpuContext *ctx, const char *domain, VgpuHookOperation operation,
              const char *xml, gsize xml_len, const VgpuEngineOptions *options,
              char **output, GError **error)
{
    g_return_val_if_fail(ctx != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);

    if (output)
        *output = NULL;
    switch (operation) {
    case VGPU_HOOK_OPERATION_PREPARE_BEGIN:
        return hook_prepare(ctx, domain, xml, xml_len, options, error);
    case VGPU_HOOK_OPERATION_RELEASE_END:
        return vgpu_engine_release(ctx, domain, options, error);
    case VGPU_HOOK_OPERATION_MIGRATE_BEGIN:
    case VGPU_HOOK_OPERATION_RESTORE_BEGIN:
        return hook_rewrite(ctx, domain, xml, xml_len, options, output, error);
    case VGPU_HOOK_OPERATION_UNKNOWN:
    default:
        /* printing nothing keeps the XML as is; nothing else to do */
        return TRUE;
    }
}
