/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-common - what every vgpuctl command shares: the command
 * descriptor, exit status, error and usage messages, parsing a command's
 * options with its man-page-style --help, and the libvirt connection.
 */
#pragma once

#include <libvgpu/libvgpu-virt.h>

/* Exit status: EXIT_SUCCESS, EXIT_FAILURE (one line "vgpuctl: <message>"
 * on stderr) or this. */
#define VGPUCTL_EXIT_USAGE 2

/* Where libvirt (>= 6.5) looks for qemu hooks besides hooks/qemu, relative
 * to the host root, and the name the libvgpu hook has there. */
#define VGPUCTL_HOOKS_DIR "etc/libvirt/hooks/qemu.d"
#define VGPUCTL_HOOK_NAME "vgpu"

/* Option entries that several commands share. */
#define VGPUCTL_OPTION_JSON(variable)                                          \
    {                                                                          \
        "json", 0, 0, G_OPTION_ARG_NONE, &(variable),                          \
            "Print JSON instead of a table", NULL                              \
    }
#define VGPUCTL_OPTION_CONNECT(variable)                                       \
    {                                                                          \
        "connect", 'c', 0, G_OPTION_ARG_STRING, &(variable),                   \
            "libvirt connection URI (default: LIBVIRT_DEFAULT_URI or "         \
            "libvirt's default)",                                              \
            "URI"                                                              \
    }
#define VGPUCTL_OPTION_END                                                     \
    {                                                                          \
        NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL                        \
    }

/* A command: "vgpuctl NAME [OPTION…] PARAMETERS". */
typedef struct {
    const char *name;
    const char *brief;                 /* its line in 'vgpuctl --help' */
    int (*run)(int argc, char **argv); /* argv[0] is the name */
    const char *parameters;            /* after [OPTION…] in its usage line */
    const char *summary;               /* above the options in its --help */
    const char *description;           /* below them: DESCRIPTION, EXAMPLES */
    const char *operand;       /* its one required operand, or NULL: none */
    gboolean operand_optional; /* the operand may be left out */
} VgpuctlCommand;

/* ENVIRONMENT, FILES and EXIT STATUS: the tail of every --help. */
extern const char vgpuctl_help_footer[];

int vgpuctl_error(const char *format, ...) G_GNUC_PRINTF(1, 2);
int vgpuctl_fail(const GError *error);
void vgpuctl_warn(const char *format, ...) G_GNUC_PRINTF(1, 2);
int vgpuctl_usage_error(const char *command, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

gboolean vgpuctl_command_parse(const VgpuctlCommand *command,
                               const GOptionEntry *entries, int *argc,
                               char ***argv, int *status);

VgpuVirtConnection *vgpuctl_open_libvirt(const char *uri, VgpuContext *ctx,
                                         GError **error);
gint vgpuctl_compare_strings(gconstpointer a, gconstpointer b);
gboolean vgpuctl_path_is_present(const char *path);
gboolean vgpuctl_path_is_executable_file(const char *path);
