/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl plan - would a domain start now, and on which GPU? The hook's
 * own path (vgpu_hook_run(), prepare begin) as a dry run of the engine
 * (VGPU_ENGINE_DRY_RUN): no lock, nothing written. The library decides;
 * this file collects its reports and prints them.
 */
#include "vgpuctl-commands.h"
#include "vgpuctl-output.h"

#include <libvgpu/vgpu-plan.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One request as the dry run placed it. */
typedef struct {
    char *device_class;
    char *device;
    char *type_id;
    char *parent; /* the mdev's parent device; NULL for a VF */
    char *gpu;    /* the GPU: the parent or its PF, the VF's PF */
    gboolean exists;
    char *reason;
} Placed;

static void
placed_free(Placed *placed)
{
    g_free(placed->device_class);
    g_free(placed->device);
    g_free(placed->type_id);
    g_free(placed->parent);
    g_free(placed->gpu);
    g_free(placed->reason);
    g_free(placed);
}

/* The plan of one domain. */
typedef struct {
    VgpuContext *ctx; /* borrowed, while planning */
    char *domain;
    const char *source; /* "file", "definition" or "live" */
    gboolean running;
    gboolean would_start;
    char *error;       /* nullable: the hook's one line */
    GPtrArray *placed; /* Placed */
    GPtrArray *notes;  /* utf8: what settling would do */
} Plan;

static void
plan_free(Plan *plan)
{
    if (!plan)
        return;
    g_free(plan->domain);
    g_free(plan->error);
    g_ptr_array_unref(plan->placed);
    g_ptr_array_unref(plan->notes);
    g_free(plan);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Plan, plan_free)

static void
on_placement(const VgpuEnginePlacement *placement, gpointer user_data)
{
    Plan *plan = user_data;
    Placed *placed = g_new0(Placed, 1);
    VgpuDeviceClass device_class =
        vgpu_request_get_device_class(placement->request);

    placed->device_class = g_strdup(vgpu_device_class_to_string(device_class));
    placed->device = g_strdup(vgpu_request_get_device_id(placement->request));
    placed->type_id = g_strdup(vgpu_request_get_type_id(placement->request));
    /* the engine's parent is the mdev's parent, or a VF's GPU */
    if (device_class == VGPU_DEVICE_CLASS_MDEV) {
        placed->parent = g_strdup(placement->parent);
        placed->gpu =
            vgpu_pci_get_physical_function(plan->ctx, placement->parent);
    }
    if (!placed->gpu)
        placed->gpu = g_strdup(placement->parent);
    placed->exists = placement->exists;
    placed->reason = g_strdup(placement->reason);
    g_ptr_array_add(plan->placed, placed);
}

static void
on_event(VgpuEngineEvent event, const char *message, gpointer user_data)
{
    Plan *plan = user_data;

    if (event == VGPU_ENGINE_EVENT_CONFIG)
        vgpuctl_warn("%s", message);
    else if (event != VGPU_ENGINE_EVENT_REFUSED) /* that is plan->error */
        g_ptr_array_add(plan->notes, g_strdup(message));
}

/*
 * Plans @xml (a whole domain XML) as the hook's `prepare begin` would
 * handle it, with the engine in a dry run. The domain is the one the XML
 * names; @source says where the XML came from.
 */
static Plan *
plan_xml(VgpuContext *ctx, const char *xml, gsize len, const char *source,
         gboolean running)
{
    g_autoptr(Plan) plan = g_new0(Plan, 1);
    g_autoptr(VgpuDomainXml) doc = vgpu_domain_xml_parse(xml, len, NULL);
    const char *name = doc ? vgpu_domain_xml_get_name(doc) : NULL;
    VgpuEngineOptions options;
    g_autoptr(GError) error = NULL;

    plan->ctx = ctx;
    plan->domain = g_strdup(name ? name : "");
    plan->source = source;
    plan->running = running;
    plan->placed = g_ptr_array_new_with_free_func((GDestroyNotify)placed_free);
    plan->notes = g_ptr_array_new_with_free_func(g_free);
    vgpu_engine_options_init(&options);
    options.flags = VGPU_ENGINE_DRY_RUN;
    options.event = on_event;
    options.event_data = plan;
    options.placement = on_placement;
    options.placement_data = plan;
    plan->would_start =
        vgpu_hook_run(ctx, plan->domain, VGPU_HOOK_OPERATION_PREPARE_BEGIN, xml,
                      len, &options, NULL, &error);
    if (error)
        plan->error = vgpu_message_one_line(error->message);
    plan->ctx = NULL;
    return g_steal_pointer(&plan);
}

/* Reads the domain XML file @path, with the hook's bound on its size. */
static char *
read_file(const char *path, gsize *len, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *xml;

    if (fd < 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "cannot open the domain XML file %s: %s", path,
                    g_strerror(errno));
        return NULL;
    }
    xml = vgpu_hook_read_input(fd, len, error);
    close(fd);
    return xml;
}

/* The plan of libvirt domain @name: its definition, or the live one. */
static Plan *
plan_domain(VgpuContext *ctx, VgpuVirtConnection *conn, const char *name,
            GError **error)
{
    gboolean running = FALSE;
    g_autofree char *xml =
        vgpu_virt_get_domain_xml(conn, name, &running, error);

    if (!xml)
        return NULL;
    return plan_xml(ctx, xml, strlen(xml), running ? "live" : "definition",
                    running);
}

/* ---- output ------------------------------------------------------------- */

static void
print_plan_text(const Plan *plan)
{
    const char *verdict;

    if (plan->placed->len == 0 && !plan->error)
        verdict = plan->running ? "runs; it requests no vGPU"
                                : "requests no vGPU: nothing for libvgpu to do";
    else if (plan->running)
        verdict = plan->would_start ? "runs and holds:"
                                    : "runs, but its vGPUs could not be "
                                      "made now:";
    else
        verdict =
            plan->would_start ? "would start now:" : "would not start now:";
    printf("domain '%s' %s\n", plan->domain, verdict);
    for (guint i = 0; i < plan->placed->len; i++) {
        const Placed *placed = plan->placed->pdata[i];
        gboolean vf = !g_str_equal(placed->device_class, "mdev");

        printf("  %s %s %s: %s%s %s%s (%s)\n", placed->device_class,
               placed->device, placed->type_id,
               placed->exists ? "" : "would go ", vf ? "to GPU" : "on",
               vf ? placed->gpu : placed->parent,
               placed->exists ? " (exists)" : "",
               placed->reason ? placed->reason : "");
    }
    for (guint i = 0; i < plan->notes->len; i++)
        printf("  note: %s\n", (const char *)plan->notes->pdata[i]);
    if (plan->error)
        printf("would fail: %s\n", plan->error);
}

static void
json_add_plan(JsonBuilder *builder, const Plan *plan)
{
    json_builder_begin_object(builder);
    vgpuctl_json_add_string(builder, "domain", plan->domain);
    vgpuctl_json_add_string(builder, "source", plan->source);
    vgpuctl_json_add_boolean(builder, "running", plan->running);
    vgpuctl_json_add_boolean(builder, "would_start", plan->would_start);
    vgpuctl_json_add_string(builder, "error", plan->error);
    vgpuctl_json_begin_array(builder, "requests");
    for (guint i = 0; i < plan->placed->len; i++) {
        const Placed *placed = plan->placed->pdata[i];
        VgpuctlDeviceJson device = {
            .device = placed->device,
            .parent = placed->parent,
            .gpu = placed->gpu,
            .device_class = placed->device_class,
            .type = placed->type_id,
        };

        json_builder_begin_object(builder);
        vgpuctl_json_add_device(builder, &device,
                                VGPUCTL_DEVICE_JSON_GPU |
                                    VGPUCTL_DEVICE_JSON_CLASS);
        vgpuctl_json_add_boolean(builder, "exists", placed->exists);
        vgpuctl_json_add_string(builder, "reason", placed->reason);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    vgpuctl_json_begin_array(builder, "notes");
    for (guint i = 0; i < plan->notes->len; i++)
        json_builder_add_string_value(builder, plan->notes->pdata[i]);
    json_builder_end_array(builder);
    json_builder_end_object(builder);
}

static void
print_conflicts_text(GPtrArray *conflicts)
{
    if (conflicts->len == 0) {
        printf("together: every domain above fits at the same time\n");
        return;
    }
    printf("together: these could not all start at the same time:\n");
    for (guint i = 0; i < conflicts->len; i++) {
        const VgpuPlanConflict *conflict = conflicts->pdata[i];
        printf("  %s\n", conflict->message);
    }
}

static void
json_add_conflicts(JsonBuilder *builder, GPtrArray *conflicts)
{
    vgpuctl_json_begin_array(builder, "oversubscribed");
    for (guint i = 0; i < conflicts->len; i++) {
        const VgpuPlanConflict *conflict = conflicts->pdata[i];
        gboolean mdev = conflict->device_class == VGPU_DEVICE_CLASS_MDEV;
        /* the library's parent is a pinned parent (mdev) or VF */
        VgpuctlDeviceJson device = {
            .device = mdev ? NULL : conflict->parent,
            .parent = mdev ? conflict->parent : NULL,
            .device_class = vgpu_device_class_to_string(conflict->device_class),
            .type = conflict->type_id,
        };

        json_builder_begin_object(builder);
        vgpuctl_json_add_device(builder, &device, VGPUCTL_DEVICE_JSON_CLASS);
        vgpuctl_json_add_int(builder, "requested", conflict->requested);
        vgpuctl_json_add_int(builder, "capacity", conflict->capacity);
        vgpuctl_json_begin_array(builder, "domains");
        for (guint d = 0; conflict->domains[d]; d++)
            json_builder_add_string_value(builder, conflict->domains[d]);
        json_builder_end_array(builder);
        vgpuctl_json_add_string(builder, "message", conflict->message);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
}

/* ---- --all -------------------------------------------------------------- */

/*
 * Plans every domain with requests alone (@plans), and collects the
 * requests of those that are shut off for the check of them all together
 * (running domains hold their devices already: sysfs counts them).
 */
static GPtrArray *
plan_all(VgpuContext *ctx, VgpuVirtConnection *conn, GPtrArray *plans,
         GError **error)
{
    g_autoptr(GPtrArray) domains = vgpu_virt_list_domains(conn, 0, error);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GPtrArray) requests = g_ptr_array_new();

    if (!domains)
        return NULL;
    for (guint i = 0; i < domains->len; i++) {
        const VgpuVirtDomain *domain = domains->pdata[i];
        const char *name = vgpu_virt_domain_get_name(domain);
        Plan *plan;

        if (vgpu_virt_domain_get_requests(domain)->len == 0 &&
            !vgpu_virt_domain_get_request_error(domain))
            continue;
        plan = plan_domain(ctx, conn, name, error);
        if (!plan)
            return NULL;
        g_ptr_array_add(plans, plan);
        if (vgpu_virt_domain_is_active(domain))
            continue;
        g_ptr_array_add(names, (gpointer)name);
        g_ptr_array_add(requests, vgpu_virt_domain_get_requests(domain));
    }
    return vgpu_plan_find_conflicts(ctx, names, requests, NULL, error);
}

/* ---- the command -------------------------------------------------------- */

static int
run_plan(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    g_autofree char *file = NULL;
    gboolean all = FALSE, json = FALSE;
    const GOptionEntry entries[] = {
        {"file", 'f', 0, G_OPTION_ARG_FILENAME, &file,
         "Plan the domain XML in FILE; libvirt is not contacted", "FILE"},
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all,
         "Plan every defined domain with vGPU requests, alone and together",
         NULL},
        VGPUCTL_OPTION_JSON(json),
        VGPUCTL_OPTION_CONNECT(uri),
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) plans =
        g_ptr_array_new_with_free_func((GDestroyNotify)plan_free);
    g_autoptr(GPtrArray) conflicts = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = TRUE;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_plan, entries, &argc, &argv,
                               &status))
        return status;
    if ((argc == 2) + (file != NULL) + all != 1)
        return vgpuctl_usage_error("plan", "give exactly one of DOMAIN, "
                                           "--file FILE and --all");
    if (file && uri)
        return vgpuctl_usage_error("plan", "--file does not use libvirt: "
                                           "drop --connect");
    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return vgpuctl_fail(error);
    if (file) {
        gsize len = 0;
        g_autofree char *xml = read_file(file, &len, &error);

        if (!xml)
            return vgpuctl_fail(error);
        g_ptr_array_add(plans, plan_xml(ctx, xml, len, "file", FALSE));
    } else {
        Plan *plan = NULL;

        conn = vgpuctl_open_libvirt(uri, ctx, &error);
        if (!conn)
            return vgpuctl_fail(error);
        if (all)
            conflicts = plan_all(ctx, conn, plans, &error);
        else if ((plan = plan_domain(ctx, conn, argv[1], &error)))
            g_ptr_array_add(plans, plan);
        if (error)
            return vgpuctl_fail(error);
    }

    for (guint i = 0; i < plans->len; i++)
        ok &= ((Plan *)plans->pdata[i])->would_start;
    if (conflicts)
        ok &= conflicts->len == 0;
    if (json) {
        g_autoptr(JsonBuilder) builder = vgpuctl_json_begin_document();

        vgpuctl_json_add_boolean(builder, "would_start", ok);
        vgpuctl_json_begin_array(builder, "domains");
        for (guint i = 0; i < plans->len; i++)
            json_add_plan(builder, plans->pdata[i]);
        json_builder_end_array(builder);
        if (conflicts)
            json_add_conflicts(builder, conflicts);
        vgpuctl_json_end_document(builder);
    } else {
        for (guint i = 0; i < plans->len; i++)
            print_plan_text(plans->pdata[i]);
        if (all && plans->len == 0)
            printf("no defined domain requests a vGPU\n");
        if (conflicts)
            print_conflicts_text(conflicts);
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

const VgpuctlCommand vgpuctl_command_plan = {
    .name = "plan",
    .brief = "say whether a domain would start now, and on which GPU",
    .run = run_plan,
    .parameters = "DOMAIN | --file FILE | --all",
    .summary = "Say whether a domain's vGPUs could be created now, and "
               "where, without creating anything.",
    .description =
        "DESCRIPTION\n"
        "  Runs what the hook does at 'virsh start' (prepare begin) as a dry\n"
        "  run: for each request of the domain, the parent (mdev) or the\n"
        "  pinned VF's GPU it would get now and why (placement policy,\n"
        "  pinned parent, free instances), or the one line the hook would\n"
        "  fail the start with. Nothing is locked or written. DOMAIN is read\n"
        "  through libvirt: the persistent definition of a shut-off domain;\n"
        "  for a running one, the live definition and the devices it holds.\n"
        "  --file plans a domain XML file without contacting libvirt. --all\n"
        "  plans every defined domain with requests alone, then says which\n"
        "  shut-off ones could not start together: requests summed per type\n"
        "  (and pinned parent or VF) against the free capacity, where\n"
        "  running domains' devices count as used.\n"
        "\n"
        "  Exits 0 when the domain would start (--all: each alone and all\n"
        "  together), 1 when it would not (the hook's line is printed as\n"
        "  'would fail: ...') or on an error, 2 on a usage error.\n"
        "\n"
        "  --json prints {version: 1, would_start, domains: [{domain,\n"
        "  source, running, would_start, error, requests: [{device, parent,\n"
        "  gpu, class, type, exists, reason}], notes}], oversubscribed:\n"
        "  [{device, parent, class, type, requested, capacity, domains,\n"
        "  message}]} (oversubscribed with --all only). A request's parent\n"
        "  is its mdev's parent device (null for a VF), gpu the GPU whose\n"
        "  capacity it uses; an oversubscribed group names a pinned parent\n"
        "  (mdev) or a pinned VF (device), or neither.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl plan win11\n"
        "  vgpuctl plan --file win11.xml --json\n"
        "  vgpuctl plan --all\n",
    .operand = "DOMAIN",
    .operand_optional = TRUE,
};
