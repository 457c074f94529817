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
#include <libvgpu/vgpu-mdevctl.h>

#include "vgpu-hook-private.h"

/*
 * Adds to @wanted a request for every hostdev of @undefined that mdevctl
 * defines (vgpu_mdevctl_lookup()): the hook starts it as `mdevctl start`
 * would. A hostdev without a definition is left to libvirt, as before. A
 * definition that is defined twice or cannot be trusted fails the start
 * with its one-line message.
 */
static gboolean
add_mdevctl_requests(VgpuContext *ctx, GPtrArray *undefined, GPtrArray *wanted,
                     GError **error)
{
    for (guint i = 0; i < undefined->len; i++) {
        g_autoptr(VgpuMdevctlDefinition) definition = NULL;
        g_autoptr(GError) local = NULL;

        definition = vgpu_mdevctl_lookup(ctx, undefined->pdata[i], &local);
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
    g_auto(VgpuHookWanted) wanted = {NULL, NULL};

    return vgpu_hook_prepare_read(ctx, domain, xml, xml_len, &wanted, error) &&
           add_mdevctl_requests(ctx, wanted.undefined, wanted.requests,
                                error) &&
           vgpu_engine_prepare(ctx, domain, wanted.requests, options, error);
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
    g_autoptr(VgpuDomainReading) reading = NULL;
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) wanted = NULL;
    g_autoptr(GHashTable) taken = NULL;

    /* What cannot be read cannot be rewritten: libvirt keeps its XML, and
     * `prepare begin` reports a broken request where it matters. */
    if (!xml || xml_len == 0 ||
        !(reading =
              vgpu_domain_reading_new("domain XML", xml, xml_len, NULL)) ||
        !(wanted = vgpu_hook_requests_with_hostdev(reading, NULL)))
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
        /* the editor (libxml2) only when something moves */
        if (!doc && !(doc = vgpu_domain_xml_parse(xml, xml_len, error)))
            return FALSE;
        if (!vgpu_domain_xml_move_vf_request(
                doc, vgpu_request_get_device_id(request), vf, error))
            return FALSE;
        g_hash_table_add(taken, g_steal_pointer(&vf));
    }
    if (doc && output)
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
