/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl-common - messages, option parsing and connections shared by the
 * vgpuctl commands.
 */
#include "vgpuctl-common.h"
#include "vgpuctl-virt-loader.h"

#include <stdio.h>
#include <string.h>

const char vgpuctl_help_footer[] =
    "ENVIRONMENT\n"
    "  LIBVGPU_ROOT          host root that sys/, run/ and etc/ are resolved\n"
    "                        under (default /); for tests and image builds\n"
    "  LIBVIRT_DEFAULT_URI   libvirt URI used when --connect is not given\n"
    "\n"
    "FILES\n"
    "  /sys/class/mdev_bus/             parent devices and their mdev types\n"
    "  /sys/bus/mdev/devices/           active mediated devices\n"
    "  /sys/bus/pci/devices/            SR-IOV GPUs, their VFs and the VFs'\n"
    "                                   nvidia/ vGPU files\n"
    "  /run/libvgpu/                    host lock and ownership records\n"
    "  /etc/libvgpu/libvgpu.conf        placement policy, parent allow-list\n"
    "  /etc/libvirt/hooks/qemu.d/vgpu   the installed hook\n"
    "\n"
    "EXIT STATUS\n"
    "  0 success, 1 failure (reason on standard error), 2 usage error.\n";

/* Prints "vgpuctl: <label><message><tail>" on stderr. */
static void G_GNUC_PRINTF(3, 0)
    print_message(const char *label, const char *tail, const char *format,
                  va_list args)
{
    g_autofree char *message = g_strdup_vprintf(format, args);

    fprintf(stderr, "vgpuctl: %s%s%s\n", label, message, tail);
}

/* Prints "vgpuctl: <message>" on stderr; returns EXIT_FAILURE. */
int
vgpuctl_error(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    print_message("", "", format, args);
    va_end(args);
    return EXIT_FAILURE;
}

/* Prints @error's message as above; returns EXIT_FAILURE. */
int
vgpuctl_fail(const GError *error)
{
    return vgpuctl_error("%s", error->message);
}

/* Prints "vgpuctl: warning: <message>" on stderr. */
void
vgpuctl_warn(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    print_message("warning: ", "", format, args);
    va_end(args);
}

/*
 * Prints the formatted message and where help is (the --help of @command,
 * or of vgpuctl if %NULL); returns VGPUCTL_EXIT_USAGE.
 */
int
vgpuctl_usage_error(const char *command, const char *format, ...)
{
    g_autofree char *tail =
        g_strdup_printf("; see 'vgpuctl %s%s--help'", command ? command : "",
                        command ? " " : "");
    va_list args;

    va_start(args, format);
    print_message("", tail, format, args);
    va_end(args);
    return VGPUCTL_EXIT_USAGE;
}

/*
 * The option context of @command: usage line "vgpuctl NAME [OPTION…]
 * PARAMETERS", the summary above the options, the description and the
 * common footer below.
 */
static GOptionContext *
command_option_context(const VgpuctlCommand *command,
                       const GOptionEntry *entries)
{
    g_autofree char *prgname = g_strdup_printf("vgpuctl %s", command->name);
    g_autofree char *tail =
        g_strconcat(command->description, "\n", vgpuctl_help_footer, NULL);
    GOptionContext *context = g_option_context_new(command->parameters);

    g_set_prgname(prgname);
    g_option_context_set_summary(context, command->summary);
    g_option_context_set_description(context, tail);
    g_option_context_add_main_entries(context, entries, NULL);
    return context;
}

/*
 * Parses the options of @command into @entries (--help prints its help and
 * exits) and checks that exactly its operands remain: (*argv)[1] is the
 * operand, if it has one (*argc is 1 when an optional one is left out).
 * Returns %FALSE after printing a usage error, with the exit status in
 * @status.
 */
/* Is @arg option @entry ("--name", "--name=…", "-x", "-x…")? */
static gboolean
names_option(const char *arg, const GOptionEntry *entry)
{
    gsize len = strlen(entry->long_name);

    if (g_str_has_prefix(arg, "--"))
        return strncmp(arg + 2, entry->long_name, len) == 0 &&
               (arg[2 + len] == '\0' || arg[2 + len] == '=');
    return entry->short_name && arg[0] == '-' && arg[1] == entry->short_name;
}

/*
 * GOption keeps the last of a repeated string option silently; a second
 * --connect (or --type, --uuid…) is a usage error instead, since the user
 * meant one of them. Scans up to "--".
 */
static gboolean
check_repeated_options(const VgpuctlCommand *command,
                       const GOptionEntry *entries, int argc, char **argv,
                       int *status)
{
    for (const GOptionEntry *entry = entries; entry->long_name; entry++) {
        guint seen = 0;

        if (entry->arg != G_OPTION_ARG_STRING)
            continue;
        for (int i = 1; i < argc && !g_str_equal(argv[i], "--"); i++) {
            if (argv[i][0] == '-' && names_option(argv[i], entry))
                seen++;
        }
        if (seen > 1) {
            *status = vgpuctl_usage_error(command->name,
                                          "--%s is given %u times; give it "
                                          "once",
                                          entry->long_name, seen);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
vgpuctl_command_parse(const VgpuctlCommand *command,
                      const GOptionEntry *entries, int *argc, char ***argv,
                      int *status)
{
    g_autoptr(GOptionContext) context =
        command_option_context(command, entries);
    g_autoptr(GError) error = NULL;
    int wanted = command->operand ? 2 : 1;
    int least = command->operand_optional ? 1 : wanted;

    if (!check_repeated_options(command, entries, *argc, *argv, status))
        return FALSE;
    if (!g_option_context_parse(context, argc, argv, &error)) {
        *status = vgpuctl_usage_error(command->name, "%s", error->message);
        return FALSE;
    }
    if (*argc < least) {
        *status =
            vgpuctl_usage_error(command->name, "missing %s", command->operand);
        return FALSE;
    }
    if (*argc > wanted) {
        *status = vgpuctl_usage_error(
            command->name, "unexpected argument \"%s\"", (*argv)[wanted]);
        return FALSE;
    }
    return TRUE;
}

/*
 * Loads libvgpu-virt (vgpuctl-virt-loader.c) and opens the libvirt
 * connection; for a local daemon, checks mdev types in the same sysfs the
 * hook sees (LIBVGPU_ROOT) if @ctx is given.
 */
VgpuVirtConnection *
vgpuctl_open_libvirt(const char *uri, VgpuContext *ctx, GError **error)
{
    g_autoptr(VgpuVirtConnection) conn = NULL;

    if (!vgpuctl_virt_load(error))
        return NULL;
    conn = vgpu_virt_connect(uri, error);
    if (!conn)
        return NULL;
    if (ctx && vgpu_virt_connection_is_local(conn))
        vgpu_virt_connection_set_host_context(conn, ctx);
    return g_steal_pointer(&conn);
}

/* Orders the strings of a GPtrArray, for g_ptr_array_sort(). */
gint
vgpuctl_compare_strings(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* Does @path exist, or is it a link (even a dangling one)? */
gboolean
vgpuctl_path_is_present(const char *path)
{
    return g_file_test(path, G_FILE_TEST_EXISTS) ||
           g_file_test(path, G_FILE_TEST_IS_SYMLINK);
}

/* Is @path, or what it links to, an executable regular file? */
gboolean
vgpuctl_path_is_executable_file(const char *path)
{
    return g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
           g_file_test(path, G_FILE_TEST_IS_EXECUTABLE);
}
