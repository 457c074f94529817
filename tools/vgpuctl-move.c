/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl move / start - re-place a stopped domain's VF-backed requests
 * onto VFs that can host them now, and start a domain after that.
 */
#include "vgpuctl-commands.h"
#include "vgpuctl-output.h"

#include <stdio.h>

static void
print_moves_text(GPtrArray *moves, gboolean dry_run)
{
    for (guint i = 0; i < moves->len; i++) {
        const VgpuVirtMove *move = moves->pdata[i];

        printf("%s%s -> %s (GPU %s, %s)\n", dry_run ? "would move " : "",
               move->from, move->to, move->gpu ? move->gpu : "?",
               move->type_id);
    }
}

static void
print_moves_json(const char *domain, GPtrArray *moves, gboolean dry_run)
{
    g_autoptr(JsonBuilder) builder = vgpuctl_json_begin_document();

    vgpuctl_json_add_string(builder, "domain", domain);
    vgpuctl_json_add_boolean(builder, "dry_run", dry_run);
    vgpuctl_json_begin_array(builder, "moves");
    for (guint i = 0; i < moves->len; i++) {
        const VgpuVirtMove *move = moves->pdata[i];

        json_builder_begin_object(builder);
        vgpuctl_json_add_string(builder, "from", move->from);
        vgpuctl_json_add_string(builder, "to", move->to);
        vgpuctl_json_add_string(builder, "gpu", move->gpu);
        vgpuctl_json_add_string(builder, "type", move->type_id);
        json_builder_end_object(builder);
    }
    json_builder_end_array(builder);
    vgpuctl_json_end_document(builder);
}

/*
 * Parses the command line of @command, then opens the libvirt connection
 * at *@uri (an option of @entries, set by the parse) with this host's
 * sysfs as its host context (*@ctx). NULL with *@status set on a usage
 * error or a failure (message printed).
 */
static VgpuVirtConnection *
parse_and_connect(const VgpuctlCommand *command, const GOptionEntry *entries,
                  int *argc, char ***argv, char *const *uri, VgpuContext **ctx,
                  int *status)
{
    g_autoptr(GError) error = NULL;
    VgpuVirtConnection *conn = NULL;

    if (!vgpuctl_command_parse(command, entries, argc, argv, status))
        return NULL;
    *ctx = vgpu_context_new_from_env(&error);
    if (*ctx)
        conn = vgpuctl_open_libvirt(*uri, *ctx, &error);
    if (!conn)
        *status = vgpuctl_fail(error);
    return conn;
}

/* ---- move -------------------------------------------------------------- */

static int
run_move(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    gboolean dry_run = FALSE, json = FALSE;
    const GOptionEntry entries[] = {
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
         "Print the moves but leave the definition as it is", NULL},
        VGPUCTL_OPTION_JSON(json),
        VGPUCTL_OPTION_CONNECT(uri),
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) moves = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    conn = parse_and_connect(&vgpuctl_command_move, entries, &argc, &argv, &uri,
                             &ctx, &status);
    if (!conn)
        return status;
    moves = vgpu_virt_move(
        conn, argv[1], dry_run ? VGPU_VIRT_MOVE_DRY_RUN : VGPU_VIRT_MOVE_NONE,
        &error);
    if (!moves)
        return vgpuctl_fail(error);
    if (json)
        print_moves_json(argv[1], moves, dry_run);
    else if (moves->len == 0)
        printf("every VF request of domain '%s' can be hosted where it "
               "is\n",
               argv[1]);
    else
        print_moves_text(moves, dry_run);
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_move = {
    .name = "move",
    .brief = "move a stopped domain's VF requests to VFs that can host them",
    .run = run_move,
    .parameters = "DOMAIN",
    .summary = "Move a stopped domain's VF-backed vGPU requests to free VFs "
               "of GPUs that can host them now.",
    .description =
        "DESCRIPTION\n"
        "  A VF-backed request (<vgpu:vf address=VF type=TYPE/>, NVIDIA\n"
        "  vGPU on kernel >= 6.8 or a plain SR-IOV VF) pins one virtual\n"
        "  function, because libvirt reads the PCI hostdev's address before\n"
        "  the hook runs. When that VF cannot host the type any more -- it\n"
        "  is gone after a hardware or VF-count change, another domain holds\n"
        "  or names it, or its GPU now runs another vGPU type -- 'virsh\n"
        "  start' fails with the hook's message naming the GPUs that could.\n"
        "  move rewrites each such request and its hostdev to a free VF of a\n"
        "  GPU that can create the type now (placement policy of\n"
        "  libvgpu.conf) in the domain's persistent definition. Requests that\n"
        "  are fine, and mdev requests (placed at every start), are left\n"
        "  alone. The domain must be shut off and run on this host (VFs are\n"
        "  read from this host's sysfs).\n"
        "\n"
        "  Prints one line per moved request, 'OLD-VF -> NEW-VF (GPU PF,\n"
        "  TYPE)'. --json prints {version: 1, domain, dry_run, moves:\n"
        "  [{from, to, gpu, type}]}: from and to are VF addresses (devices).\n"
        "  Exits 0 when every request can be hosted (moved or nothing to\n"
        "  move), 1 when one cannot (the message names the VF, the type and\n"
        "  why) or the domain runs, 2 on a usage error.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl move win11 --dry-run\n"
        "  vgpuctl move win11 && virsh start win11\n",
    .operand = "DOMAIN",
};

/* ---- start ------------------------------------------------------------- */

static int
run_start(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    const GOptionEntry entries[] = {
        VGPUCTL_OPTION_CONNECT(uri),
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(VgpuVirtConnection) conn = NULL;
    g_autoptr(GPtrArray) moves = NULL;
    g_autoptr(GError) error = NULL;
    gboolean started;
    int status;

    conn = parse_and_connect(&vgpuctl_command_start, entries, &argc, &argv,
                             &uri, &ctx, &status);
    if (!conn)
        return status;
    started = vgpu_virt_start(conn, argv[1], &moves, &error);
    if (moves)
        print_moves_text(moves, FALSE);
    if (!started)
        return vgpuctl_fail(error);
    printf("Domain '%s' started\n", argv[1]);
    return EXIT_SUCCESS;
}

const VgpuctlCommand vgpuctl_command_start = {
    .name = "start",
    .brief = "move a domain's VF requests if needed, then start it",
    .run = run_start,
    .parameters = "DOMAIN",
    .summary = "Start a defined domain, first moving VF-backed vGPU "
               "requests that cannot be hosted where they are pinned.",
    .description =
        "DESCRIPTION\n"
        "  'vgpuctl move DOMAIN', then starts the domain through libvirt\n"
        "  (virDomainCreate, like 'virsh start'); the hook creates or\n"
        "  programs the vGPUs at prepare begin. Prints the moves, if any,\n"
        "  then \"Domain 'DOMAIN' started\". When the start fails, libvirt's\n"
        "  message (with the hook's one line) is printed and the exit status\n"
        "  is 1; moves already made stay in the definition.\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl start win11\n",
    .operand = "DOMAIN",
};
