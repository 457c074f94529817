/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl - the libvgpu command line: show what the host offers, attach
 * vGPU requests to libvirt domains, list and collect mediated devices,
 * install the hook, check host readiness.
 *
 * This file dispatches to the commands (vgpuctl-commands.h) and prints the
 * help of vgpuctl itself.
 *
 * Exit status: 0 success, 1 failure (one line "vgpuctl: <message>" on
 * stderr), 2 usage error.
 */
#include "vgpuctl-commands.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#ifndef VGPU_VERSION
#define VGPU_VERSION "unknown"
#endif

static const VgpuctlCommand *const commands[] = {
    &vgpuctl_command_types,    &vgpuctl_command_list,
    &vgpuctl_command_requests, &vgpuctl_command_attach,
    &vgpuctl_command_detach,   &vgpuctl_command_move,
    &vgpuctl_command_start,    &vgpuctl_command_plan,
    &vgpuctl_command_gc,       &vgpuctl_command_install_hook,
    &vgpuctl_command_check,
};

static void
print_main_help(void)
{
    printf("NAME\n"
           "  vgpuctl - mediated devices (NVIDIA vGPU and any mdev) for "
           "libvirt domains\n"
           "\n"
           "SYNOPSIS\n"
           "  vgpuctl [-c URI] COMMAND [OPTION…] [ARGUMENT…]\n"
           "  vgpuctl help [COMMAND]\n"
           "  vgpuctl -h | --help | -V | --version\n"
           "\n"
           "  -c URI, --connect URI before COMMAND (virsh's order) is the\n"
           "  command's own --connect URI.\n"
           "\n"
           "DESCRIPTION\n"
           "  vgpuctl shows what the host's GPUs offer and records, in a\n"
           "  libvirt domain's definition, which mdev type the domain wants.\n"
           "  The libvgpu hook (installed by 'vgpuctl install-hook') then\n"
           "  creates the mediated device when the domain starts and removes\n"
           "  it when the domain stops: no rc.local, no uuidgen, no\n"
           "  hand-edited XML, and nothing to redo after a reboot.\n"
           "\n"
           "COMMANDS\n");
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
        printf("  %-14s%s\n", commands[i]->name, commands[i]->brief);
    printf("\n"
           "  'vgpuctl COMMAND --help' describes a command and its options.\n"
           "\n"
           "EXAMPLES\n"
           "  vgpuctl check\n"
           "  vgpuctl types\n"
           "  vgpuctl install-hook && systemctl restart libvirtd\n"
           "  vgpuctl attach win11 --type nvidia-65\n"
           "  vgpuctl plan win11\n"
           "  virsh start win11\n"
           "\n"
           "%s"
           "\n"
           "SEE ALSO\n"
           "  vgpuctl(1), vgpu-hook(8), libvgpu.conf(5), virsh(1),\n"
           "  mdevctl(8); libvirt docs/hooks.rst; kernel\n"
           "  Documentation/driver-api/vfio-mediated-device.rst\n",
           vgpuctl_help_footer);
}

static const VgpuctlCommand *
find_command(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (g_str_equal(commands[i]->name, name))
            return commands[i];
    }
    return NULL;
}

/* "vgpuctl help [COMMAND]": argv[0] is "help". */
static int
run_help(int argc, char **argv)
{
    char *help_argv[] = {NULL, (char *)"--help", NULL};
    const VgpuctlCommand *command;

    if (argc == 1) {
        print_main_help();
        return EXIT_SUCCESS;
    }
    command = find_command(argv[1]);
    if (!command || argc > 2)
        return vgpuctl_usage_error(NULL, "unknown command \"%s\"", argv[1]);
    help_argv[0] = argv[1];
    return command->run(2, help_argv);
}

/*
 * The options before COMMAND, in virsh's order ("vgpuctl -c URI types"):
 * -h/--help, -V/--version, -c/--connect URI. Sets *@uri (owned by argv or
 * the returned string) and returns how many arguments they took, or -1
 * with *@status set when the command line is done (help, version, usage
 * error).
 */
static int
parse_global_options(int argc, char **argv, const char **uri, int *status)
{
    int i = 1;

    while (i < argc && argv[i][0] == '-') {
        const char *arg = argv[i];
        const char *value = NULL;

        if (g_str_equal(arg, "--help") || g_str_equal(arg, "-h")) {
            print_main_help();
            *status = EXIT_SUCCESS;
            return -1;
        }
        if (g_str_equal(arg, "--version") || g_str_equal(arg, "-V")) {
            printf("vgpuctl %s\n", VGPU_VERSION);
            *status = EXIT_SUCCESS;
            return -1;
        }
        if (g_str_equal(arg, "-c") || g_str_equal(arg, "--connect")) {
            if (i + 1 >= argc) {
                *status = vgpuctl_usage_error(NULL, "%s needs a URI", arg);
                return -1;
            }
            value = argv[++i];
        } else if (g_str_has_prefix(arg, "--connect=")) {
            value = arg + strlen("--connect=");
        } else if (g_str_has_prefix(arg, "-c")) {
            value = arg + strlen("-c");
        } else {
            *status = vgpuctl_usage_error(
                NULL, "unknown option \"%s\" before the command", arg);
            return -1;
        }
        if (*uri) {
            *status = vgpuctl_usage_error(
                NULL,
                "--connect is given twice (\"%s\" and \"%s\"); give "
                "it once",
                *uri, value);
            return -1;
        }
        *uri = value;
        i++;
    }
    return i - 1;
}

int
main(int argc, char **argv)
{
    const VgpuctlCommand *command;
    const char *uri = NULL;
    g_autoptr(GPtrArray) args = NULL;
    int status = EXIT_SUCCESS;
    int used;

    /* Only two categories change what vgpuctl prints: the character set
     * (LC_CTYPE; GLib converts messages and --help to it) and the language
     * of system error messages (LC_MESSAGES; strerror(3)). Numbers and
     * times are printed in fixed formats. Each category set is one or two
     * files read at every start (Debian's C.UTF-8: 13 for LC_ALL, about a
     * sixth of `vgpuctl list`'s wall time on a host with no vGPU). */
    setlocale(LC_CTYPE, "");
    setlocale(LC_MESSAGES, "");
    used = parse_global_options(argc, argv, &uri, &status);
    if (used < 0)
        return status;
    argc -= used;
    argv += used;
    if (argc < 2)
        return vgpuctl_usage_error(NULL, "missing COMMAND");
    if (g_str_equal(argv[1], "help"))
        return run_help(argc - 1, argv + 1);

    command = find_command(argv[1]);
    if (!command)
        return vgpuctl_usage_error(NULL, "unknown command \"%s\"", argv[1]);
    if (!uri)
        return command->run(argc - 1, argv + 1);

    /* "vgpuctl -c URI COMMAND ARGS" is "vgpuctl COMMAND --connect URI
     * ARGS"; a command that never talks to libvirt rejects it as usual */
    args = g_ptr_array_new();
    g_ptr_array_add(args, argv[1]);
    g_ptr_array_add(args, (gpointer) "--connect");
    g_ptr_array_add(args, (gpointer)uri);
    for (int i = 2; i < argc; i++)
        g_ptr_array_add(args, argv[i]);
    g_ptr_array_add(args, NULL);
    return command->run((int)args->len - 1, (char **)args->pdata);
}
