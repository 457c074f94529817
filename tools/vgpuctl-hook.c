/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpuctl install-hook - installs the libvgpu hook as
 * /etc/libvirt/hooks/qemu.d/vgpu: a link to (or a copy of) vgpu-hook.
 */
#include "vgpuctl-commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef VGPU_HOOK_PATH
#error "VGPU_HOOK_PATH must name the installed vgpu-hook"
#endif

static const char restart_hint[] =
    "libvirtd only runs hooks that existed when it started: restart it "
    "now with 'systemctl restart libvirtd' (or 'systemctl restart "
    "virtqemud' on hosts with modular daemons)";

/* What to install where; the strings belong to the caller. */
typedef struct {
    const char *program; /* the hook program, absolute */
    const char *dir;     /* the qemu.d/ to install into */
    const char *dest;    /* dir/vgpu */
    gboolean copy;
    gboolean force;
} HookInstall;

static gboolean
same_contents(const char *a, const char *b)
{
    g_autofree char *data_a = NULL;
    g_autofree char *data_b = NULL;
    gsize len_a, len_b;

    return g_file_get_contents(a, &data_a, &len_a, NULL) &&
           g_file_get_contents(b, &data_b, &len_b, NULL) && len_a == len_b &&
           memcmp(data_a, data_b, len_a) == 0;
}

/* Is the destination already the hook we would install? */
static gboolean
hook_is_installed(const HookInstall *install)
{
    g_autofree char *target = NULL;

    if (install->copy)
        return !g_file_test(install->dest, G_FILE_TEST_IS_SYMLINK) &&
               same_contents(install->dest, install->program);
    target = g_file_read_link(install->dest, NULL);
    return target && g_str_equal(target, install->program);
}

/* A symlink beside the destination, renamed over it: atomic. */
static gboolean
link_hook(const HookInstall *install, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s/.%s.tmp-%d", install->dir,
                                           VGPUCTL_HOOK_NAME, (int)getpid());

    unlink(tmp);
    if (symlink(install->program, tmp) < 0 || rename(tmp, install->dest) < 0) {
        int saved = errno;

        unlink(tmp);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot link %s to %s: %s", install->dest, install->program,
                    g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

static gboolean
copy_hook(const HookInstall *install, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(install->program, &data, &len, error))
        return FALSE;
    return g_file_set_contents_full(install->dest, data, (gssize)len,
                                    G_FILE_SET_CONTENTS_CONSISTENT, 0755,
                                    error);
}

/* Prints what was installed and what the administrator does next. */
static void
print_installed(const HookInstall *install)
{
    g_autofree char *hooks_dir = g_path_get_dirname(install->dir);
    g_autofree char *legacy = g_build_filename(hooks_dir, "qemu", NULL);

    printf("installed the libvgpu hook: %s %s %s\n", install->dest,
           install->copy ? "copied from" : "->", install->program);
    if (g_file_test(legacy, G_FILE_TEST_EXISTS))
        printf("left the existing %s untouched; libvirt runs it before the "
               "hooks in qemu.d/\n",
               legacy);
    printf("%s\n", restart_hint);
}

/* Installs unless an equal hook is there already or a different file is
 * and --force is not given. */
static int
install_hook(const HookInstall *install)
{
    g_autoptr(GError) error = NULL;

    if (vgpuctl_path_is_present(install->dest)) {
        if (hook_is_installed(install)) {
            printf("the libvgpu hook is already installed: %s\n",
                   install->dest);
            return EXIT_SUCCESS;
        }
        if (!install->force)
            return vgpuctl_error("refusing to replace %s: it exists and is "
                                 "not %s %s; look at it, then remove it or "
                                 "pass --force",
                                 install->dest,
                                 install->copy ? "a copy of" : "a link to",
                                 install->program);
    }

    if (g_mkdir_with_parents(install->dir, 0755) < 0) {
        int saved = errno;

        return vgpuctl_error("cannot create %s: %s", install->dir,
                             g_strerror(saved));
    }
    if (install->copy ? !copy_hook(install, &error)
                      : !link_hook(install, &error))
        return vgpuctl_fail(error);
    print_installed(install);
    return EXIT_SUCCESS;
}

static int
run_install_hook(int argc, char **argv)
{
    g_autofree char *hooks_dir = NULL;
    g_autofree char *program_arg = NULL;
    HookInstall install = {0};
    const GOptionEntry entries[] = {
        {"hooks-dir", 'd', 0, G_OPTION_ARG_FILENAME, &hooks_dir,
         "Install into DIR instead of /etc/libvirt/hooks/qemu.d under "
         "LIBVGPU_ROOT",
         "DIR"},
        {"hook-program", 0, 0, G_OPTION_ARG_FILENAME, &program_arg,
         "The hook to install (default: " VGPU_HOOK_PATH ")", "PATH"},
        {"copy", 0, 0, G_OPTION_ARG_NONE, &install.copy,
         "Copy the program instead of linking to it", NULL},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &install.force,
         "Replace an existing, different qemu.d/vgpu", NULL},
        VGPUCTL_OPTION_END,
    };
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *program = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *dest = NULL;
    int status;

    if (!vgpuctl_command_parse(&vgpuctl_command_install_hook, entries, &argc,
                               &argv, &status))
        return status;

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return vgpuctl_fail(error);
    program = g_canonicalize_filename(
        program_arg ? program_arg : VGPU_HOOK_PATH, NULL);
    if (!vgpuctl_path_is_executable_file(program))
        return vgpuctl_error("the hook program %s is missing or not "
                             "executable; install libvgpu ('meson install') "
                             "or name it with --hook-program",
                             program);
    dir = hooks_dir ? g_canonicalize_filename(hooks_dir, NULL)
                    : vgpu_context_build_path(ctx, VGPUCTL_HOOKS_DIR);
    dest = g_build_filename(dir, VGPUCTL_HOOK_NAME, NULL);
    install.program = program;
    install.dir = dir;
    install.dest = dest;
    return install_hook(&install);
}

const VgpuctlCommand vgpuctl_command_install_hook = {
    .name = "install-hook",
    .brief = "install the libvirt hook into qemu.d/",
    .run = run_install_hook,
    .parameters = "",
    .summary = "Install the libvgpu hook as /etc/libvirt/hooks/qemu.d/vgpu.",
    .description =
        "DESCRIPTION\n"
        "  Links (or, with --copy, copies) the installed vgpu-hook to\n"
        "  /etc/libvirt/hooks/qemu.d/vgpu, creating qemu.d/ if needed.\n"
        "  libvirt >= 6.5 runs every executable in qemu.d/ after\n"
        "  /etc/libvirt/hooks/qemu (libvirt docs/hooks.rst); an existing\n"
        "  hooks/qemu script is never touched. An existing qemu.d/vgpu that\n"
        "  is not this hook is not replaced without --force.\n"
        "\n"
        "  libvirtd only notices hooks that exist when it starts: restart it\n"
        "  afterwards ('systemctl restart libvirtd', or virtqemud on hosts\n"
        "  with modular daemons).\n"
        "\n"
        "EXAMPLES\n"
        "  vgpuctl install-hook && systemctl restart libvirtd\n"
        "  vgpuctl install-hook --copy --hooks-dir /mnt/image/etc/libvirt/"
        "hooks/qemu.d\n",
};
