/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl requests, attach, detach - the vGPU requests in libvirt domain
 * definitions: list them, add one, remove them.
 */
#include "vgpuctl-commands.h"
#include "vgpuctl-output.h"

#include <stdio.h>

/* Is @text a UUID in any case (vgpu_uuid_normalize())? */
static gboolean
is_uuid(const char *text)
{
    g_autofree char *canonical = vgpu_uuid_normalize(text, NULL);

    return canonical != NULL;
}

/* ---- requests ---------------------------------------------------------- */

/* Does one of @requests name device @id (an mdev UUID or a VF address)? */
static gboolean
request_has_device(GPtrArray *requests, const char *id)
{
    for (guint i = 0; i < requests->len; i++) {
        if (g_str_equal(
                vgpu_request_get_device_id(g_ptr_array_index(requests, i)), id))
            return TRUE;
    }
    return FALSE;
}

/* The mdev hostdevs of @domain that no request of it names. */
static GPtrArray *
unmanaged_hostdevs(const VgpuVirtDomain *domain)
{
    GPtrArray *requests = vgpu_virt_domain_get_requests(domain);
    GPtrArray *hostdevs = vgpu_virt_domain_get_mdev_hostdevs(domain);
    GPtrArray *unmanaged = g_ptr_array_new();

    for (guint i = 0; i < hostdevs->len; i++) {
        const char *uuid = g_ptr_array_index(hostdevs, i);

        if (!request_has_device(requests, uuid))
            g_ptr_array_add(unmanaged, (gpointer)uuid);
    }
    return unmanaged;
}

static void
json_add_request(JsonBuilder *builder, const VgpuRequest *request)
{
    VgpuctlDeviceJson device = {
        .device = vgpu_request_get_device_id(request),
        .parent = vgpu_request_get_parent(request),
        .device_class =
            vgpu_device_class_to_string(vgpu_request_get_device_class(request)),
        .type = vgpu_request_get_type_id(request),
    };

    json_builder_begin_object(builder);
    vgpuctl_json_add_device(builder, &device, VGPUCTL_DEVICE_JSON_CLASS);
    json_builder_end_object(builder);
}

static void
json_add_domain(JsonBuilder *builder, const VgpuVirtDomain *domain)
{
    GPtrArray *requests = vgpu_virt_domain_get_requests(domain);
    g_autoptr(GPtrArray) unmanaged = unmanaged_hostdevs(domain);

    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "domain",
                            vgpu_virt_domain_get_name(domain));
    vgpuctl_json_add_string(builder, "domain_uuid",
                            vgpu_virt_domain_get_uuid(domain));
    vgpuctl_json_add_boolean(builder, "running",
                             vgpu_virt_domain_is_active(domain));
    vgpuctl_json_add_boolean(builder, "persistent",
                             vgpu_virt_domain_is_persistent(domain));
    vgpuctl_json_add_string(builder, "request_error",
                            vgpu_virt_domain_get_request_error(domain));
    vgpuctl_json_begin_array(builder, "requests");
    for (guint i = 0; i < requests->len; i++)
        json_add_request(builder, g_ptr_array_index(requests, i));
    json_builder_end_array(builder);
    requests = vgpu_virt_domain_get_pending_requests(domain);
    vgpuctl_json_begin_array(builder, "pending_requests");
    for (guint i = 0; i < requests->len; i++)
        json_add_request(builder, g_ptr_array_index(requests, i));
    json_builder_end_array(builder);
    vgpuctl_json_begin_array(builder, "unmanaged_mdev_hostdevs");
    for (guint i = 0; i < unmanaged->len; i++)
        json_builder_add_string_value(builder, g_ptr_array_index(unmanaged, i));
    json_builder_end_array(builder);
    json_builder_end_object(builder);
}

static void
print_requests_json(VgpuVirtConnection *conn, GPtrArray *domains)
{
    g_autoptr(JsonBuilder) builder = vgpuctl_json_begin_document();

    vgpuctl_json_add_string(builder, "uri", vgpu_virt_connection_get_uri(conn));
    vgpuctl_json_begin_array(builder, "domains");
    for (guint i = 0; i < domains->len; i++)
        json_add_domain(builder, g_ptr_array_index(domains, i));
    json_builder_end_array(builder);
    vgpuctl_json_end_document(builder);
}

static void
add_request_rows(VgpuctlTable *table, const char *name, const char *state,
                 GPtrArray *requests)
{
    for (guint i = 0; i < requests->len; i++) {
        const VgpuRequest *request = g_ptr_array_index(requests, i);
        const char *parent = vgpu_request_get_parent(request);
        gboolean is_vf =
            vgpu_request_get_device_class(request) != VGPU_DEVICE_CLASS_MDEV;

        vgpuctl_table_add(table, 5, name, state,
                          vgpu_request_get_device_id(request),
                          vgpu_request_get_type_id(request),
                          is_vf    ? "(the VF)"
                          : parent ? parent
                                   : "any");
    }
}

/* Adds the rows of @domain: its requests, those of its next start (STATE
 * "next start": attached while it runs), the mdev hostdevs it does not
 * request, and a row if its libvgpu metadata is invalid. */
static void
add_domain_rows(VgpuctlTable *table, const VgpuVirtDomain *domain)
{
    const char *name = vgpu_virt_domain_get_name(domain);
    const char *state =
        vgpu_virt_domain_is_active(domain) ? "running" : "shut off";
    g_autoptr(GPtrArray) unmanaged = unmanaged_hostdevs(domain);

    add_request_rows(table, name, state, vgpu_virt_domain_get_requests(domain));
    add_request_rows(table, name, "next start",
                     vgpu_virt_domain_get_pending_requests(domain));
    for (guint i = 0; i < unmanaged->len; i++)
        vgpuctl_table_add(table, 5, name, state,
                          g_ptr_array_index(unmanaged, i),
                          "(not managed by libvgpu)", NULL);
    if (vgpu_virt_domain_get_request_error(domain))
        vgpuctl_table_add(table, 5, name, state, "(invalid libvgpu metadata)",
                          NULL, NULL);
}

/* A table of the requests, then a line per domain with invalid metadata. */
static void
print_requests_text(VgpuVirtConnection *conn, GPtrArray *domains)
{
    g_auto(VgpuctlTable) table = {0};

    if (domains->len == 0) {
        printf("no domain on %s requests a vGPU\n",
               vgpu_virt_connection_get_uri(conn));
        return;
    }
    vgpuctl_table_add(&table, 5, "DOMAIN", "STATE", "DEVICE", "TYPE", "PARENT");
    for (guint i = 0; i < domains->len; i++)
        add_domain_rows(&table, g_ptr_array_index(domains, i));
    vgpuctl_table_print(&table, "");
    for (guint i = 0; i < domains->len; i++) {
        const VgpuVirtDomain *domain = g_ptr_array_index(domains, i);
        const char *problem = vgpu_virt_domain_get_request_error(domain);

        if (problem)
            printf("%s: %s\n", vgpu_virt_domain_get_name(domain), problem);
    }
}

static int
run_requests(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        VGPUCTL_OPTION_CONNECT(uri),
        VGPUCTL_OPTION_JSON(json),
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) domains = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_requests, entries, &argc, &argv,
                               &status))
        return status;

    conn = vgpuctl_open_libvirt(uri, NULL, &error);
    if (!conn)
        return vgpuctl_fail(error);
    domains = vgpu_virt_list_domains(conn, VGPU_VIRT_LIST_MDEV_DOMAINS, &error);
    if (!domains)
        return vgpuctl_fail(error);
    if (json)
        print_requests_json(conn, domains);
    else
        print_requests_text(conn, domains);
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_requests = {
    .name = "requests",
    .brief = "list the domains that request vGPUs",
    .run = run_requests,
    .parameters = "",
    .summary =
        "List the libvirt domains that request vGPUs or use mdev hostdevs.",
    .description =
        "DESCRIPTION\n"
        "  Asks libvirt for every domain and prints its vGPU requests (the\n"
        "  <vgpu:mdev> and <vgpu:vf> elements 'vgpuctl attach' wrote): the\n"
        "  device (an mdev's UUID, or the VF a VF-backed request pins), the\n"
        "  type and the parent (\"any\": chosen at start; \"(the VF)\" for\n"
        "  VF-backed requests), and mdev hostdevs that have no request\n"
        "  (\"not managed by libvgpu\"). A running domain shows its live\n"
        "  definition; requests attached while it runs are listed with\n"
        "  STATE \"next start\" (JSON: pending_requests).\n"
        "\n"
        "JSON (--json)\n"
        "  {version: 1, uri, domains: [{domain, domain_uuid, running,\n"
        "  persistent, request_error, requests, pending_requests,\n"
        "  unmanaged_mdev_hostdevs}]}; each request is {device (mdev UUID\n"
        "  or VF address), parent (null: any; always null for a VF), class\n"
        "  (mdev, nvidia-vf, vf), type}. vgpuctl(1), JSON OUTPUT, has the\n"
        "  keys of every command.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl requests\n"
        "  vgpuctl requests --connect qemu+ssh://root@gpuhost/system --json\n",
};

/* ---- attach ------------------------------------------------------------ */

static int
run_attach(int argc, char **argv)
{
    g_autofree char *type_id = NULL;
    g_autofree char *parent = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *uri = NULL;
    gboolean display = FALSE, ramfb = FALSE, force = FALSE;
    const GOptionEntry entries[] = {
        {"type", 't', 0, G_OPTION_ARG_STRING, &type_id,
         "vGPU type, e.g. nvidia-65 (mdev), nvidia-1153 (NVIDIA VF) or "
         "vf-1002:692f (plain VF) (required; see 'vgpuctl types')",
         "TYPE"},
        {"parent", 'p', 0, G_OPTION_ARG_STRING, &parent,
         "Create it on this parent device only (default: chosen at start "
         "by placement policy); for a VF type, the GPU (PF) to pick a VF "
         "of",
         "PARENT"},
        {"uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid,
         "mdev UUID (default: name-based, derived from the domain UUID "
         "and the vGPU's index, stable across redefinitions and hosts)",
         "UUID"},
        {"display", 0, 0, G_OPTION_ARG_NONE, &display,
         "Expose the vGPU's display (hostdev display='on'; needs a "
         "<graphics> device)",
         NULL},
        {"ramfb", 0, 0, G_OPTION_ARG_NONE, &ramfb,
         "Add a ramfb boot display (ramfb='on'; needs --display)", NULL},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
         "Do not check that the host offers the type", NULL},
        VGPUCTL_OPTION_CONNECT(uri),
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *attached = NULL;
    VgpuHostdevFlags hostdev_flags = VGPU_HOSTDEV_NONE;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_attach, entries, &argc, &argv,
                               &status))
        return status;
    if (!type_id)
        return vgpuctl_usage_error("attach", "missing --type TYPE");
    if (ramfb && !display)
        return vgpuctl_usage_error("attach", "--ramfb needs --display");
    if (uuid && !is_uuid(uuid))
        return vgpuctl_usage_error(
            "attach", "--uuid \"%s\" is not a UUID (8-4-4-4-12 hex digits)",
            uuid);
    if (display)
        hostdev_flags |= VGPU_HOSTDEV_DISPLAY;
    if (ramfb)
        hostdev_flags |= VGPU_HOSTDEV_RAMFB;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return vgpuctl_fail(error);
    conn = vgpuctl_open_libvirt(uri, ctx, &error);
    if (!conn)
        return vgpuctl_fail(error);
    attached = vgpu_virt_attach(
        conn, argv[1], type_id, parent, uuid, hostdev_flags,
        force ? VGPU_VIRT_ATTACH_FORCE : VGPU_VIRT_ATTACH_NONE, &error);
    if (!attached)
        return vgpuctl_fail(error);
    printf("%s\n", attached);
    if (vgpu_virt_domain_is_running(conn, argv[1], NULL) == 1)
        fprintf(stderr,
                "vgpuctl: domain \"%s\" is running: the vGPU is created at "
                "its next start ('vgpuctl requests' lists it as \"next "
                "start\")\n",
                argv[1]);
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_attach = {
    .name = "attach",
    .brief = "request a vGPU for a defined domain",
    .run = run_attach,
    .parameters = "DOMAIN --type TYPE",
    .summary = "Request a vGPU (mediated device) for a defined libvirt domain.",
    .description =
        "DESCRIPTION\n"
        "  Edits the persistent definition of DOMAIN through libvirt\n"
        "  (virDomainGetXMLDesc, virDomainDefineXML): adds the request\n"
        "    <vgpu:mdev uuid=... type=TYPE [parent=PARENT]/>\n"
        "  to <metadata> (namespace urn:libvgpu:domain:1) and a\n"
        "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
        "  with the same UUID to <devices>. Nothing is created now: the hook\n"
        "  creates the mediated device when the domain starts and removes it\n"
        "  when the domain stops. A running domain gets the vGPU at its next\n"
        "  start. Prints the UUID of the request.\n"
        "\n"
        "  Unless --force is given, TYPE (on PARENT, if given) must be\n"
        "  offered by the host: for a local libvirt, as 'vgpuctl types'\n"
        "  shows it; for a remote one, through libvirt's node-device API.\n"
        "  Only persistent domains can be edited; transient ones are refused.\n"
        "  Attaching again adds another vGPU with the next default UUID.\n"
        "\n"
        "  A VF-backed type (NVIDIA vGPU on kernel >= 6.8: nvidia-<id> where\n"
        "  the GPU's VFs offer it; a plain SR-IOV VF: vf-<vendor>:<device>)\n"
        "  pins a VF now, because libvirt reads the hostdev address before\n"
        "  the hook runs: a free VF (no record, named by no defined domain's\n"
        "  PCI hostdev) of a GPU that can create the type, by placement\n"
        "  policy. It writes <vgpu:vf address=VF type=TYPE/> and a\n"
        "  <hostdev type='pci'> (managed='no' for NVIDIA, whose VF stays on\n"
        "  its driver; managed='yes' for plain VFs) and prints the VF's\n"
        "  address. 'vgpuctl move' re-pins it when the VF cannot host the\n"
        "  type any more.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl attach win11 --type nvidia-65\n"
        "  vgpuctl attach win11 --type nvidia-65 --parent 0000:05:00.0 "
        "--display --ramfb\n"
        "  vgpuctl attach win11 --type nvidia-1153\n"
        "  vgpuctl attach vm1 --type mtty-1 --uuid "
        "9d2e9b5e-8f4b-4c53-a2f4-3b5d1fa7c001\n",
    .operand = "DOMAIN",
};

/* ---- detach ------------------------------------------------------------ */

/* Removes the request @uuid (every one if %NULL) from @domain; prints the
 * UUIDs removed. */
static int
detach(const char *domain, const char *uuid, const char *uri)
{
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) removed = NULL;
    g_autoptr(GError) error = NULL;

    conn = vgpuctl_open_libvirt(uri, NULL, &error);
    if (!conn)
        return vgpuctl_fail(error);
    if (!vgpu_virt_detach(conn, domain, uuid, &removed, &error))
        return vgpuctl_fail(error);
    for (guint i = 0; i < removed->len; i++)
        printf("%s\n", (const char *)g_ptr_array_index(removed, i));
    return EXIT_SUCCESS;
}

static int
run_detach(int argc, char **argv)
{
    g_autofree char *uuid = NULL;
    g_autofree char *uri = NULL;
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        {"uuid", 'u', 0, G_OPTION_ARG_STRING, &uuid,
         "Remove the request with this mdev UUID", "UUID"},
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all,
         "Remove every vGPU request of the domain", NULL},
        VGPUCTL_OPTION_CONNECT(uri),
        VGPUCTL_OPTION_END,
    };
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_detach, entries, &argc, &argv,
                               &status))
        return status;
    if (!uuid == !all)
        return vgpuctl_usage_error("detach",
                                   "give either --uuid UUID or --all");
    if (uuid && !is_uuid(uuid) && !vgpu_pci_address_is_valid(uuid))
        return vgpuctl_usage_error("detach",
                                   "--uuid \"%s\" is neither an mdev UUID "
                                   "nor a VF address (DDDD:BB:SS.F)",
                                   uuid);
    return detach(argv[1], uuid, uri);
}

const VgpuctlCommand vgpuctl_command_detach = {
    .name = "detach",
    .brief = "remove vGPU requests from a defined domain",
    .run = run_detach,
    .parameters = "DOMAIN --uuid UUID | --all",
    .summary = "Remove vGPU requests from a defined libvirt domain.",
    .description =
        "DESCRIPTION\n"
        "  Removes the <vgpu:mdev> request and the mdev hostdev with the same\n"
        "  UUID from the persistent definition of DOMAIN (one with --uuid,\n"
        "  every one with --all) and prints the UUIDs removed. An mdev\n"
        "  hostdev that has no libvgpu request was not written by vgpuctl and\n"
        "  is left alone. A running domain keeps its vGPU until it stops;\n"
        "  the hook then removes the mediated device it created.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl detach win11 --all\n"
        "  vgpuctl detach win11 --uuid 9d2e9b5e-8f4b-4c53-a2f4-3b5d1fa7c001\n",
    .operand = "DOMAIN",
};
