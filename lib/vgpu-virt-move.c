/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu-virt - moving a stopped domain's VF-backed requests to VFs that
 * can host them now, and starting a domain after that.
 *
 * A VF-backed request pins one VF, because libvirt reads the hostdev's
 * address before the `prepare begin` hook runs and only `migrate begin` /
 * `restore begin` may rewrite the XML (libvirt docs/hooks.rst). When the
 * pinned VF cannot host the type any more (gone after a hardware change,
 * claimed by another domain, or its GPU now holds another type), the
 * persistent definition has to change: that is this module (DESIGN.md
 * "Device classes").
 */
#include <libvgpu/libvgpu-virt.h>

#include "vgpu-virt-private.h"

#include <libvirt/virterror.h>

void
vgpu_virt_move_free(VgpuVirtMove *move)
{
    if (!move)
        return;
    g_free(move->from);
    g_free(move->to);
    g_free(move->gpu);
    g_free(move->type_id);
    g_free(move);
}

/*
 * The VF @request should move to, or NULL when its pinned VF can host it
 * (no error set). @others: VFs other defined domains name; @taken: those
 * and this domain's own pinned VFs, which a new choice must avoid.
 */
static char *
choose_target(VgpuVirtConnection *conn, const char *domain,
              const VgpuRequest *request, GHashTable *others, GHashTable *taken,
              const VgpuConfig *config, GError **error)
{
    const char *vf = vgpu_request_get_device_id(request);
    const char *type_id = vgpu_request_get_type_id(request);
    VgpuEngineOptions options;
    g_autoptr(GError) local = NULL;
    char *target;

    vgpu_engine_options_init(&options);
    options.config = config;
    if (!g_hash_table_contains(others, vf))
        return vgpu_engine_choose_vf(conn->host, domain, request, taken,
                                     &options, error);
    /* another defined domain names the VF: libvirt would refuse to run
     * both, whatever the VF's state */
    target =
        vgpu_alloc_choose_vf(conn->host, type_id, NULL, config, taken, &local);
    if (!target)
        g_set_error(error, VGPU_ERROR, local->code,
                    "domain \"%s\" pins virtual function %s for type %s, "
                    "which another defined domain names too, and no other "
                    "VF can host it: %s",
                    domain, vf, type_id, local->message);
    return target;
}

GPtrArray *
vgpu_virt_move(VgpuVirtConnection *conn, const char *domain,
               VgpuVirtMoveFlags flags, GError **error)
{
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GHashTable) others = NULL;
    g_autoptr(GHashTable) taken = NULL;
    g_autoptr(GPtrArray) moves = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autofree char *name = NULL;
    GHashTableIter iter;
    gpointer key;
    int active;

    g_return_val_if_fail(conn != NULL, NULL);
    g_return_val_if_fail(domain != NULL, NULL);

    if (!conn->host) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "moving the VF requests of domain \"%s\" reads this "
                    "host's sysfs, but %s is another host; run vgpuctl on "
                    "the host that runs the domain",
                    domain, conn->uri);
        return NULL;
    }
    active = vgpu_virt_domain_is_running(conn, domain, error);
    if (active < 0)
        return NULL;
    if (active) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_BUSY,
                    "domain \"%s\" is running: its VFs are in use and its "
                    "requests cannot move; shut it down first ('virsh "
                    "shutdown %s')",
                    domain, domain);
        return NULL;
    }
    /* by name from here on: @domain may be an ID or a UUID */
    dom = vgpu_virt_lookup_domain(conn, domain, error);
    if (!dom)
        return NULL;
    domain = name = g_strdup(virDomainGetName(dom));
    doc = vgpu_virt_read_definition(conn, domain, error);
    if (!doc || !(requests = vgpu_domain_xml_list_requests(doc, error)) ||
        !(config = vgpu_config_load(conn->host, error)) ||
        !(others = vgpu_virt_taken_vfs(conn, domain, error)))
        return NULL;

    taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_iter_init(&iter, others);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_hash_table_add(taken, g_strdup(key));
    for (guint i = 0; i < requests->len; i++)
        g_hash_table_add(
            taken, g_strdup(vgpu_request_get_device_id(requests->pdata[i])));

    moves = g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_virt_move_free);
    for (guint i = 0; i < requests->len; i++) {
        const VgpuRequest *request = requests->pdata[i];
        VgpuVirtMove *move;
        char *target;
        GError *local = NULL;

        if (vgpu_request_get_device_class(request) == VGPU_DEVICE_CLASS_MDEV)
            continue; /* placed by the hook at every start */
        target =
            choose_target(conn, domain, request, others, taken, config, &local);
        if (local) {
            g_propagate_error(error, local);
            return NULL;
        }
        if (!target)
            continue;
        move = g_new0(VgpuVirtMove, 1);
        move->from = g_strdup(vgpu_request_get_device_id(request));
        move->to = target;
        move->gpu = vgpu_pci_get_physical_function(conn->host, target);
        move->type_id = g_strdup(vgpu_request_get_type_id(request));
        g_ptr_array_add(moves, move);
        g_hash_table_add(taken, g_strdup(target));
        if (!vgpu_domain_xml_move_vf_request(doc, move->from, move->to, error))
            return NULL;
    }
    if (moves->len > 0 && !(flags & VGPU_VIRT_MOVE_DRY_RUN) &&
        !vgpu_virt_define(conn, domain, doc, error))
        return NULL;
    return g_steal_pointer(&moves);
}

gboolean
vgpu_virt_start(VgpuVirtConnection *conn, const char *domain, GPtrArray **moves,
                GError **error)
{
    g_autoptr(GPtrArray) moved = NULL;
    g_autoptr(virDomain) dom = NULL;
    int active;

    g_return_val_if_fail(conn != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);

    if (moves)
        *moves = NULL;
    active = vgpu_virt_domain_is_running(conn, domain, error);
    if (active < 0)
        return FALSE;
    if (active) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "domain \"%s\" is already running", domain);
        return FALSE;
    }
    moved = vgpu_virt_move(conn, domain, VGPU_VIRT_MOVE_NONE, error);
    if (!moved)
        return FALSE;
    if (moves)
        *moves = g_ptr_array_ref(moved);
    dom = vgpu_virt_lookup_domain(conn, domain, error);
    if (!dom)
        return FALSE;
    if (virDomainCreate(dom) < 0) {
        vgpu_virt_set_error(error, "cannot start domain \"%s\"", domain);
        return FALSE;
    }
    return TRUE;
}
